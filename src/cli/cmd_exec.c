/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun exec [--process FILE] [--detach] [--pid-file F] [--console-socket S]
 *             [--tty] [--cwd DIR] [--env K=V]... [--user UID[:GID]] [--cap CAP]...
 *             [--no-new-privs] [--apparmor P] [--preserve-fds N] ID [CMD [ARG...]]
 *
 * Process tree:  sbxrun --fork--> joiner --clone(CLONE_PARENT)--> process
 *
 * The joiner moves itself into the container's cgroup (so everything it
 * creates starts there) and joins all of init's namespaces with ONE
 * setns(pidfd, flags): the kernel joins the user namespace first and the
 * rest with the privileges gained there, atomically, and the pidfd pins the
 * very process whose start time we checked (no /proc/<pid>/ns race with a
 * recycled pid).  A pid namespace only applies to children, so the joiner
 * clones the process, as a child of sbxrun (CLONE_PARENT) so that sbxrun
 * can wait for it, and exits.
 *
 * The process then applies the same confinement as the container's init,
 * from the saved config (or the --process file): AppArmor, rlimits,
 * seccomp, bounding set, uid/gid, capabilities, no_new_privs, Landlock.
 * Failures travel back as `struct sbx_err` over a SEQPACKET socket; EOF on
 * it (CLOEXEC at execve) means the exec happened.
 */
#include "lifecycle.h"
#include "sbx/apparmor.h"
#include "sbx/caps.h"
#include "sbx/container.h"
#include "sbx/landlock.h"
#include "sbx/log.h"
#include "sbx/process.h"
#include "sbx/seccomp.h"
#include "sbx/sync.h"
#include "sbx/terminal.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct exec_opts {
	const char *process_file, *pid_file, *console_socket, *cwd, *apparmor;
	bool detach, tty, no_new_privs;
	int has_user;
	uint32_t uid, gid;
	bool has_gid;
	char **env, **caps;
	size_t n_env, n_caps;
	unsigned preserve_fds;
};

struct plans {
	struct sbx_caps_plan caps;
	struct sbx_seccomp_plan seccomp;
	struct sbx_apparmor_plan apparmor;
	struct sbx_landlock_plan landlock;
	bool setgroups_allowed;
};

static const struct {
	const char *name;
	int flag;
} ns_files[] = {
	{ "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },   { "pid", CLONE_NEWPID },
	{ "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS },  { "net", CLONE_NEWNET },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

/* The namespaces of `pid` that differ from ours: those are the ones to
 * join (setns into one's own user namespace is EINVAL). */
static int ns_flags_to_join(pid_t pid, struct sbx_err *err)
{
	int flags = 0;

	for (size_t i = 0; i < SBX_ARRAY_SIZE(ns_files); i++) {
		char a[64], b[64];
		struct stat sa, sb;
		snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, ns_files[i].name);
		snprintf(b, sizeof(b), "/proc/self/ns/%s", ns_files[i].name);
		if (stat(a, &sa) < 0) {
			if (errno == ENOENT && !strcmp(ns_files[i].name, "time"))
				continue; /* kernel without time namespaces */
			return sbx_err_set(err, errno, "stat %s", a);
		}
		if (stat(b, &sb) < 0)
			return sbx_err_set(err, errno, "stat %s", b);
		if (sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev)
			flags |= ns_files[i].flag;
	}
	return flags;
}

static char **strv_append(struct sbx_arena *a, char **v, size_t n, const char *s, size_t *n_out)
{
	char **r = sbx_arena_alloc(a, (n + 2) * sizeof(char *));
	for (size_t i = 0; i < n; i++)
		r[i] = v[i];
	r[n] = sbx_arena_strdup(a, s);
	r[n + 1] = NULL;
	*n_out = n + 1;
	return r;
}

/* The process to run: the --process file, or the container's process with
 * the command-line overrides. */
static int build_process(struct sbx_config *cfg, const struct exec_opts *o, char **cmd,
			 size_t n_cmd, struct sbx_err *err)
{
	struct sbx_arena *a = &cfg->arena;
	struct sbx_process *p;

	if (o->process_file) {
		_sbx_cleanup_free_ char *text = NULL;
		size_t len;
		if (sbx_read_file_at(AT_FDCWD, o->process_file, &text, &len, err) < 0)
			return sbx_err_prefix(err, "exec --process");
		if (sbx_config_parse_process(text, len, o->process_file, cfg, err) < 0)
			return -1;
		p = cfg->process;
	} else {
		if (!cfg->process)
			return sbx_err_set(err, 0, "exec: the container has no process to inherit settings from");
		p = cfg->process;
		if (n_cmd == 0)
			return sbx_err_set(err, 0, "exec: no command given (and no --process)");
		p->args = sbx_arena_alloc(a, (n_cmd + 1) * sizeof(char *));
		for (size_t i = 0; i < n_cmd; i++)
			p->args[i] = sbx_arena_strdup(a, cmd[i]);
		p->n_args = n_cmd;
		p->terminal = o->tty;
		p->console_size.present = false;
	}
	if (o->cwd)
		p->cwd = sbx_arena_strdup(a, o->cwd);
	for (size_t i = 0; i < o->n_env; i++) {
		const char *eq = strchr(o->env[i], '=');
		size_t kl = eq ? (size_t)(eq - o->env[i]) : strlen(o->env[i]);
		bool replaced = false;
		if (!eq)
			return sbx_err_set(err, 0, "exec --env \"%s\": expected KEY=VALUE", o->env[i]);
		for (size_t j = 0; j < p->n_env; j++) {
			if (!strncmp(p->env[j], o->env[i], kl + 1)) {
				p->env[j] = sbx_arena_strdup(a, o->env[i]);
				replaced = true;
			}
		}
		if (!replaced)
			p->env = strv_append(a, p->env, p->n_env, o->env[i], &p->n_env);
	}
	if (o->has_user) {
		p->user.uid = o->uid;
		if (o->has_gid)
			p->user.gid = o->gid;
		p->user.n_additional_gids = 0;
	}
	/* --cap grants a capability as runc does: in every set, so the
	 * process really holds it after the uid switch. */
	for (size_t i = 0; i < o->n_caps; i++) {
		struct sbx_caps *c = &p->caps;
		c->present = true;
		c->bounding = strv_append(a, c->bounding, c->n_bounding, o->caps[i], &c->n_bounding);
		c->effective = strv_append(a, c->effective, c->n_effective, o->caps[i], &c->n_effective);
		c->permitted = strv_append(a, c->permitted, c->n_permitted, o->caps[i], &c->n_permitted);
		c->inheritable = strv_append(a, c->inheritable, c->n_inheritable, o->caps[i], &c->n_inheritable);
		c->ambient = strv_append(a, c->ambient, c->n_ambient, o->caps[i], &c->n_ambient);
	}
	if (o->no_new_privs)
		p->no_new_privileges = true;
	if (o->apparmor)
		p->apparmor_profile = sbx_arena_strdup(a, o->apparmor);
	return 0;
}

static int compile_plans(const struct sbx_config *cfg, const struct sbx_state *st,
			 const char *cache_dir, struct plans *pl, struct sbx_err *err)
{
	char path[64];
	_sbx_cleanup_free_ char *sg = NULL;
	struct sbx_err e2;

	if (sbx_caps_compile(&cfg->process->caps, &pl->caps, err) < 0)
		return -1;
	if (cfg->linux.seccomp &&
	    sbx_seccomp_compile_cached(cfg->linux.seccomp, cache_dir, &pl->seccomp, err) < 0)
		return -1;
	if (sbx_apparmor_compile(cfg->process, &pl->apparmor, err) < 0)
		return -1;
	if (sbx_landlock_compile(cfg, &pl->landlock, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)st->pid);
	pl->setgroups_allowed = !(sbx_read_file_at(AT_FDCWD, path, &sg, NULL, &e2) == 0 &&
				  !strncmp(sg, "deny", 4));
	return 0;
}

/* The process side, inside every namespace.  Same order as the init's
 * setup in container.c, minus what belongs to the container as a whole. */
static int process_setup(const struct sbx_config *cfg, const struct plans *pl,
			 const struct exec_opts *o, int sock, struct sbx_err *err)
{
	const struct sbx_process *p = cfg->process;
	char exe[PATH_MAX];
	int fd = -1;

	if (sbx_apparmor_apply_child(&pl->apparmor, err) < 0)
		return -1;
	if (sbx_process_apply_oom_score_adj(p, err) < 0)
		return -1;
	if (p->terminal) {
		if (sbx_terminal_setup_child(p, &fd, err) < 0)
			return sbx_err_prefix(err, "terminal");
		if (sbx_sync_send(sock, SBX_SYNC_PTY, 0, fd, err) < 0)
			return -1;
		close(fd);
	}
	if (sbx_process_apply_rlimits(p, err) < 0)
		return -1;
	{
		struct sbx_confine cf = { .caps = &pl->caps, .seccomp = &pl->seccomp,
					  .landlock = &pl->landlock,
					  .setgroups_allowed = pl->setgroups_allowed,
					  .preserve_fds = o->preserve_fds };
		if (sbx_process_confine(p, &cf, exe, sizeof(exe), &fd, err) < 0)
			return -1;
	}
	if (fd >= 0)
		close(fd); /* a NOTIFY listener of an exec'd process has no taker */
	/* As init does: nothing the engine left ignored reaches the process. */
	sbx_process_reset_signals();
	execve(exe, p->args, p->env);
	return sbx_err_set(err, errno, "exec \"%s\"", exe);
}

static __attribute__((noreturn)) void joiner_main(const struct sbx_config *cfg,
						  const struct plans *pl, const struct exec_opts *o,
						  const struct sbx_state *st, int pidfd, int ns_flags,
						  int sock)
{
	struct sbx_err err = { 0 };
	pid_t child;

	if (st->cgroup_path) {
		_sbx_cleanup_free_ char *procs = sbx_xasprintf("%s/cgroup.procs", st->cgroup_path);
		/* "0" moves the writer: the joiner, and so the process. */
		if (sbx_write_file_at(AT_FDCWD, procs, "0", 1, &err) < 0) {
			sbx_err_prefix(&err, "join the container's cgroup");
			goto fail;
		}
	}
	if (ns_flags && setns(pidfd, ns_flags) < 0) {
		sbx_err_set(&err, errno, "join the namespaces of pid %d (setns flags 0x%x)",
			    (int)st->pid, ns_flags);
		goto fail;
	}
	child = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	if (child < 0) {
		sbx_err_set(&err, errno, "clone the exec process");
		goto fail;
	}
	if (child == 0) {
		process_setup(cfg, pl, o, sock, &err);
		sbx_sync_send_err(sock, &err);
		_exit(err.errnum == ENOENT ? SBX_EXIT_NOTFOUND
		      : err.errnum == EACCES ? SBX_EXIT_NOEXEC : SBX_EXIT_FAILURE);
	}
	if (sbx_sync_send(sock, SBX_SYNC_INIT_PID, child, -1, &err) < 0)
		_exit(SBX_EXIT_FAILURE);
	_exit(0);
fail:
	sbx_sync_send_err(sock, &err);
	_exit(SBX_EXIT_FAILURE);
}

static int do_exec(const struct sbx_global_opts *g, const struct exec_opts *o, const char *id,
		   char **cmd, size_t n_cmd)
{
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_config *cfg = NULL;
	struct plans pl = { 0 };
	_sbx_cleanup_free_ char *cache_dir = NULL;
	struct sbx_err err = { 0 };
	struct sbx_sync_msg m;
	sigset_t mask, old;
	int sv[2] = { -1, -1 }, pidfd = -1, master = -1, ns_flags, code = SBX_EXIT_FAILURE;
	pid_t joiner, proc = -1;
	int r, wst;

	if (sbx_life_open(g, id, false, &h, &st, &err) < 0)
		return sbx_cli_fail(&err);
	if (st.status != SBX_STATUS_RUNNING) {
		sbx_err_set(&err, 0, "cannot exec in container \"%s\": it is %s, not running", st.id,
			    sbx_state_status_name(st.status));
		goto fail;
	}
	if (sbx_life_load_config(&h, &st, &cfg, &err) < 0 || build_process(cfg, o, cmd, n_cmd, &err) < 0)
		goto fail;
	if (cfg->process->terminal && o->detach && !o->console_socket) {
		sbx_err_set(&err, 0, "exec: --tty with --detach needs --console-socket");
		goto fail;
	}
	cache_dir = sbx_cli_cache_dir(g);
	if (compile_plans(cfg, &st, cache_dir, &pl, &err) < 0)
		goto fail;
	pidfd = sbx_fd_move_above((int)syscall(SYS_pidfd_open, st.pid, 0), (int)(3 + o->preserve_fds));
	if (pidfd < 0 || !sbx_state_pid_alive(&st)) {
		sbx_err_set(&err, pidfd < 0 ? errno : 0, "cannot exec in container \"%s\": its init is gone", st.id);
		goto fail;
	}
	ns_flags = ns_flags_to_join(st.pid, &err);
	if (ns_flags < 0)
		goto fail;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		sbx_err_set(&err, errno, "exec: socketpair");
		goto fail;
	}
	sv[0] = sbx_fd_move_above(sv[0], (int)(3 + o->preserve_fds));
	sv[1] = sbx_fd_move_above(sv[1], (int)(3 + o->preserve_fds));

	sbx_cli_forward_mask(&mask);
	sigprocmask(SIG_BLOCK, &mask, &old);

	joiner = fork();
	if (joiner < 0) {
		sbx_err_set(&err, errno, "exec: fork");
		goto fail_unblock;
	}
	if (joiner == 0) {
		close(sv[0]);
		joiner_main(cfg, &pl, o, &st, pidfd, ns_flags, sv[1]);
	}
	close(sv[1]);
	sv[1] = -1;
	while (waitpid(joiner, &wst, 0) < 0 && errno == EINTR)
		;
	/* Messages until EOF: the pid (joiner), maybe the pty (process),
	 * an error from either; EOF once both are gone/exec'd. */
	for (;;) {
		int fd = -1;
		r = sbx_sync_recv(sv[0], &m, &fd, &err);
		if (r < 0)
			goto fail_kill;
		if (r == 0)
			break;
		if (m.type == SBX_SYNC_ERROR) {
			err = m.err;
			if (fd >= 0)
				close(fd);
			goto fail_kill;
		} else if (m.type == SBX_SYNC_INIT_PID) {
			proc = (pid_t)m.value;
		} else if (m.type == SBX_SYNC_PTY && fd >= 0) {
			master = fd;
		} else if (fd >= 0) {
			close(fd);
		}
	}
	if (proc <= 0) {
		sbx_err_set(&err, 0, "exec: the joiner exited without starting the process");
		goto fail_unblock;
	}
	if (master >= 0 && o->console_socket) {
		r = sbx_terminal_send_console(o->console_socket, master, &err);
		close(master);
		master = -1;
		if (r < 0)
			goto fail_kill;
	}
	if (o->pid_file && sbx_life_write_pid_file(o->pid_file, proc, &err) < 0)
		goto fail_kill;
	/* The process is running: drop the state lock so that `state`,
	 * `kill` and `delete` are not blocked while we wait for it. */
	sbx_state_free(&st);
	sbx_state_close(&h);
	if (o->detach) {
		code = 0;
		goto out;
	}
	if (master >= 0) {
		if (sbx_terminal_proxy(master, &err) < 0)
			sbx_warn("%s", err.msg);
	}
	{
		int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
		if (sfd < 0) {
			while (waitpid(proc, &wst, 0) < 0 && errno == EINTR)
				;
		} else {
			wst = sbx_cli_wait_forwarding(proc, sfd);
			close(sfd);
		}
		code = sbx_container_exit_code(wst);
	}
out:
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (master >= 0)
		close(master);
	if (sv[0] >= 0)
		close(sv[0]);
	if (pidfd >= 0)
		close(pidfd);
	sbx_seccomp_plan_free(&pl.seccomp);
	sbx_landlock_plan_free(&pl.landlock);
	sbx_config_free(cfg);
	return code;

fail_kill:
	if (proc > 0) {
		kill(proc, SIGKILL);
		while (waitpid(proc, &wst, 0) < 0 && errno == EINTR)
			;
	}
fail_unblock:
	sigprocmask(SIG_SETMASK, &old, NULL);
fail:
	sbx_cli_fail(&err);
	code = sbx_process_error_exit_code(&err);
	if (master >= 0)
		close(master);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (pidfd >= 0)
		close(pidfd);
	sbx_seccomp_plan_free(&pl.seccomp);
	sbx_landlock_plan_free(&pl.landlock);
	sbx_config_free(cfg);
	sbx_state_free(&st);
	sbx_state_close(&h);
	return code;
}

int sbx_cmd_exec(const struct sbx_global_opts *g, int argc, char **argv)
{
	enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_CWD, OPT_CAP, OPT_NNP, OPT_PRESERVE,
	       OPT_APPARMOR, OPT_LABEL };
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "tty", no_argument, NULL, 't' },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "cap", required_argument, NULL, OPT_CAP },
		{ "no-new-privs", no_argument, NULL, OPT_NNP },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "apparmor", required_argument, NULL, OPT_APPARMOR },
		{ "process-label", required_argument, NULL, OPT_LABEL },
		{ NULL, 0, NULL, 0 },
	};
	struct exec_opts o = { 0 };
	uint64_t v;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+p:dte:u:", opts, NULL)) != -1) {
		switch (c) {
		case 'p': o.process_file = optarg; break;
		case 'd': o.detach = true; break;
		case 't': o.tty = true; break;
		case OPT_PID_FILE: o.pid_file = optarg; break;
		case OPT_CONSOLE: o.console_socket = optarg; break;
		case OPT_CWD: o.cwd = optarg; break;
		case OPT_NNP: o.no_new_privs = true; break;
		case OPT_APPARMOR: o.apparmor = optarg; break;
		case OPT_LABEL:
			if (*optarg) {
				free(o.env);
				free(o.caps);
				return sbx_cli_usage("exec", "--process-label: SELinux is not supported");
			}
			break;
		case 'e':
			o.env = sbx_xrealloc(o.env, (o.n_env + 1) * sizeof(char *));
			o.env[o.n_env++] = optarg;
			break;
		case OPT_CAP:
			o.caps = sbx_xrealloc(o.caps, (o.n_caps + 1) * sizeof(char *));
			o.caps[o.n_caps++] = optarg;
			break;
		case 'u': {
			char *colon = strchr(optarg, ':');
			uint64_t uid, gid;
			if (colon)
				*colon = '\0';
			if (sbx_parse_u64(optarg, &uid) < 0 || uid > UINT32_MAX ||
			    (colon && (sbx_parse_u64(colon + 1, &gid) < 0 || gid > UINT32_MAX))) {
				free(o.env);
				free(o.caps);
				return sbx_cli_usage("exec", "--user: expected UID[:GID] (numeric)");
			}
			o.has_user = 1;
			o.uid = (uint32_t)uid;
			if (colon) {
				o.has_gid = true;
				o.gid = (uint32_t)gid;
			}
			break;
		}
		case OPT_PRESERVE:
			if (sbx_parse_u64(optarg, &v) < 0 || v > 4096) {
				free(o.env);
				free(o.caps);
				return sbx_cli_usage("exec", "--preserve-fds: invalid number \"%s\"", optarg);
			}
			o.preserve_fds = (unsigned)v;
			break;
		default:
			free(o.env);
			free(o.caps);
			return sbx_cli_usage("exec", "unknown option");
		}
	}
	if (optind >= argc) {
		free(o.env);
		free(o.caps);
		return sbx_cli_usage("exec", "expected a container ID");
	}
	ret = do_exec(g, &o, argv[optind], argv + optind + 1, (size_t)(argc - optind - 1));
	free(o.env);
	free(o.caps);
	return ret;
}
