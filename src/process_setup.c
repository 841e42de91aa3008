/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ordered list of process steps shared by init, `exec` and the
 * startContainer hooks.  include/sbx/process.h numbers the steps and says
 * why each is where it is; the functions below follow that numbering.
 */
#include "sbx/process.h"
#include "sbx/execstub.h"
#include "sbx/log.h"
#include "sbx/path.h"
#include "sbx/sync.h"
#include "sbx/terminal.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int sbx_process_compile(const struct sbx_config *cfg, const char *cache_dir,
			struct sbx_process_plan *out, struct sbx_err *err)
{
	memset(out, 0, sizeof(*out));
	out->stub_fd = -1;
	out->proc = cfg->process;
	if (sbx_process_attrs_compile(cfg->process, &out->attrs, err) < 0 ||
	    sbx_terminal_compile(cfg->process, &out->terminal, err) < 0)
		return -1;
	if (sbx_caps_compile(&cfg->process->caps, &out->caps, err) < 0)
		return -1;
	if (cfg->linux.seccomp &&
	    sbx_seccomp_compile_cached(cfg->linux.seccomp, cache_dir, &out->seccomp, err) < 0)
		return -1;
	if (!cfg->linux.seccomp && cfg->linux.seccomp_text &&
	    sbx_seccomp_compile_text(cfg->linux.seccomp_text, cfg->linux.seccomp_len, cache_dir,
				     &out->seccomp, err) < 0)
		return -1;
	if (sbx_apparmor_compile(cfg->process, &out->apparmor, err) < 0)
		return -1;
	if (sbx_landlock_compile(cfg, &out->landlock, err) < 0)
		return -1;
	out->stub_fd = sbx_execstub_open(err);
	return out->stub_fd < 0 ? -1 : 0;
}

void sbx_process_plan_free(struct sbx_process_plan *plan)
{
	sbx_seccomp_plan_free(&plan->seccomp);
	sbx_landlock_plan_free(&plan->landlock);
	if (plan->stub_fd >= 0)
		close(plan->stub_fd);
	plan->stub_fd = -1;
}

int sbx_process_make_cwd(const struct sbx_process *p, struct sbx_err *err)
{
	_sbx_cleanup_close_ int root = -1, fd = -1;
	struct sbx_err ign;

	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return sbx_err_set(err, errno, "create process.cwd %s: open /", p->cwd);
	fd = sbx_path_open_in_root(root, p->cwd, O_PATH, &ign);
	/* Only a missing cwd is created; anything else (not a directory, a
	 * magic link, no permission) is for the chdir step to report. */
	if (fd >= 0 || ign.errnum != ENOENT)
		return 0;
	fd = sbx_path_mkpath_in_root(root, p->cwd, true, err);
	if (fd < 0)
		return sbx_err_prefix(err, "create process.cwd %s", p->cwd);
	return 0;
}

/* ------------------------------------------------------------------ */
/* steps 1-4: before entering                                           */

int sbx_process_enter(const struct sbx_process_plan *plan, const int *keep, size_t n_keep,
		      struct sbx_err *err)
{
	int k[16];
	size_t n = 0;

	/* 1. From here on the only fds are stdio, --preserve-fds, the sync
	 *    socket and the sealed stub (plus what the caller lists): a path
	 *    from the config such as "/proc/self/fd/5" can reach nothing of
	 *    the runtime's (CVE-2024-21626).  Logs go to the parent. */
	for (size_t i = 0; i < n_keep && n < SBX_ARRAY_SIZE(k) - 1; i++)
		k[n++] = keep[i];
	k[n++] = plan->stub_fd;
	sbx_fd_close_except(3 + plan->preserve_fds, k, n);
	/* 2. + 3. Still on the host's /proc and with our own credentials. */
	if (sbx_apparmor_apply_child(&plan->apparmor, err) < 0)
		return -1;
	if (sbx_process_apply_oom_score_adj(&plan->attrs, err) < 0)
		return -1;
	/* 4. Non-dumpable: our /proc/PID files now belong to root of the
	 *    user namespace we were started in, and ptrace access to us needs
	 *    CAP_SYS_PTRACE there, which no container process has.  The
	 *    user's execve makes the process dumpable again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return sbx_err_set(err, errno, "prctl PR_SET_DUMPABLE 0");
	return 0;
}

/* ------------------------------------------------------------------ */
/* steps 5-18: inside                                                   */

/* 5. Own session and process group, so the process can neither signal the
 *    caller's group (kill(0, ...)) nor use the caller's terminal (/dev/tty
 *    is ENXIO, TIOCSTI is EPERM).  A fresh child is never a group leader,
 *    so setsid() cannot fail with EPERM: any failure is an error. */
static int session(const struct sbx_process_plan *plan, int sock, struct sbx_err *err)
{
	int master;

	if (setsid() < 0)
		return sbx_err_set(err, errno, "setsid");
	if (!plan->terminal.present)
		return 0;
	if (sbx_terminal_setup_child(&plan->terminal, &master, err) < 0)
		return sbx_err_prefix(err, "terminal");
	if (sbx_sync_send(sock, SBX_SYNC_PTY, 0, master, err) < 0) {
		close(master);
		return -1;
	}
	close(master);
	return 0;
}

/* 8. and 11.  The runtime tries first (it may enter a directory the user
 *    cannot); a permission error is retried as the user, as runc does. */
static int enter_cwd(const struct sbx_process *p, struct sbx_process_state *st, bool as_user,
		     struct sbx_err *err)
{
	if (sbx_process_chdir(p, err) == 0) {
		st->cwd_pending = false;
		return 0;
	}
	if (!as_user && (err->errnum == EACCES || err->errnum == EPERM)) {
		st->cwd_pending = true;
		return 0;
	}
	return -1;
}

/* 17. and 21. */
static int final_caps(const struct sbx_process_plan *plan, struct sbx_process_state *st,
		      struct sbx_err *err)
{
	if (sbx_caps_apply(&plan->caps, err) < 0)
		return sbx_err_prefix(err, "capabilities");
	st->caps_final = true;
	return 0;
}

/* effective = permitted, so that seccomp can be loaded without
 * no_new_privs (CAP_SYS_ADMIN) after a switch to a non-root uid cleared
 * the effective set. */
static int raise_effective(struct sbx_err *err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &hdr, d) < 0)
		return sbx_err_set(err, errno, "capget");
	d[0].effective = d[0].permitted;
	d[1].effective = d[1].permitted;
	if (syscall(SYS_capset, &hdr, d) < 0)
		return sbx_err_set(err, errno, "capset (raise the effective set to load seccomp)");
	return 0;
}

/* 20. */
static int load_seccomp(const struct sbx_process_plan *plan, struct sbx_process_state *st,
			int sock, struct sbx_err *err)
{
	int listener = -1;

	if (sbx_seccomp_apply_child(&plan->seccomp, &listener, err) < 0)
		return sbx_err_prefix(err, "seccomp");
	st->seccomp_loaded = true;
	if (listener >= 0) {
		int r = sock >= 0 ? sbx_sync_send(sock, SBX_SYNC_SECCOMP, 0, listener, err) : 0;
		close(listener);
		return r;
	}
	return 0;
}

static int confine(const struct sbx_process_plan *plan, struct sbx_process_state *st,
		   int sock, struct sbx_err *err)
{
	const struct sbx_process *p = plan->proc;

	/* 9.-12. */
	if (sbx_caps_apply_bounding(&plan->caps, err) < 0)
		return sbx_err_prefix(err, "capabilities");
	if (sbx_process_switch_user(&plan->attrs, st->setgroups_allowed, err) < 0)
		return sbx_err_prefix(err, "switch to uid %u gid %u", (unsigned)plan->attrs.uid,
				      (unsigned)plan->attrs.gid);
	if (st->cwd_pending && enter_cwd(p, st, true, err) < 0)
		return -1;
	if (plan->pdeathsig && prctl(PR_SET_PDEATHSIG, plan->pdeathsig) < 0)
		return sbx_err_set(err, errno, "prctl PR_SET_PDEATHSIG");
	/* 13.-14.: everything that touches the filesystem or fds is done
	 *    before any seccomp filter exists (a profile written before
	 *    faccessat2 or close_range must not break sbxrun itself). */
	if (sbx_process_find_executable(p, st->exe, sizeof(st->exe), err) < 0)
		return -1;
	st->stub_argv = sbx_process_stub_argv(st->exe, p->args);
	if (sbx_process_prepare_fds(plan->preserve_fds, err) < 0)
		return -1;
	/* 15.-16. */
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sbx_err_set(err, errno, "prctl PR_SET_NO_NEW_PRIVS");
	if (sbx_landlock_apply_child(&plan->landlock, err) < 0)
		return sbx_err_prefix(err, "landlock");
	/* 17. */
	if (p->no_new_privileges ? final_caps(plan, st, err) < 0 : raise_effective(err) < 0)
		return -1;
	sbx_debug("uid %u gid %u, no_new_privs=%d, landlock=%d; exec %s", p->user.uid,
		  p->user.gid, p->no_new_privileges, plan->landlock.present, st->exe);
	/* 18. */
	if (plan->seccomp.needs_listener) {
		if (load_seccomp(plan, st, sock, err) < 0)
			return -1;
		if (!st->caps_final && final_caps(plan, st, err) < 0)
			return -1;
	}
	return 0;
}

int sbx_process_setup(const struct sbx_process_plan *plan, struct sbx_process_state *st,
		      int sock, struct sbx_err *err)
{
	const struct sbx_process *p = plan->proc;

	if (session(plan, sock, err) < 0)
		return -1;
	if (sbx_process_apply_rlimits(&plan->attrs, err) < 0)
		return -1;
	st->envp = sbx_process_env(p);
	if (enter_cwd(p, st, false, err) < 0)
		return -1;
	return confine(plan, st, sock, err);
}

/* ------------------------------------------------------------------ */
/* steps 19-22: exec                                                    */

char **sbx_process_stub_argv(const char *path, char *const argv[])
{
	size_t n = 0, i;
	char **v;

	while (argv[n])
		n++;
	v = sbx_xcalloc(n + 3, sizeof(char *));
	v[0] = (char *)SBX_EXECSTUB_MAGIC;
	v[1] = (char *)path;
	for (i = 0; i < n; i++)
		v[2 + i] = argv[i];
	return v;
}

int sbx_process_seal(const struct sbx_process_plan *plan, struct sbx_process_state *st,
		     struct sbx_err *err)
{
	/* 20.-21.  From the filter on: only capset, prctl(PR_CAP_AMBIENT) and
	 *     the exec.  No logging, no allocation. */
	if (!st->seccomp_loaded && load_seccomp(plan, st, -1, err) < 0)
		return -1;
	if (!st->caps_final && final_caps(plan, st, err) < 0)
		return -1;
	return 0;
}

int sbx_process_exec(const struct sbx_process_plan *plan, struct sbx_process_state *st,
		     char *const stub_argv[], char *const envp[], struct sbx_err *err)
{
	/* 19. Whatever sbxrun inherited (nohup, a CI runner ignoring SIGPIPE)
	 *     or blocked (the parent's forwarding mask) stops here. */
	sbx_process_reset_signals();
	if (sbx_process_seal(plan, st, err) < 0)
		return -1;
	/* 22. */
	sbx_execstub_exec(plan->stub_fd, stub_argv, envp);
	return sbx_err_set(err, errno, "start \"%s\" through the sbxrun exec stub", stub_argv[1]);
}
