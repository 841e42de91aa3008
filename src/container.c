/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launcher.  Read include/sbx/container.h for the process tree, and
 * child_setup() below for the order of every step inside the container.
 *
 * Everything that can be decided from the config is compiled in the parent
 * before the first fork (mount plan, capability sets, the seccomp BPF
 * program, Landlock paths, id maps, cgroup plan), so a bad config fails
 * before anything is created, and the child only applies ready plans.
 */
#include "sbx/container.h"
#include "sbx/cgroup.h"
#include "sbx/execstub.h"
#include "sbx/handover.h"
#include "sbx/hooks.h"
#include "sbx/identity.h"
#include "sbx/idmap.h"
#include "sbx/log.h"
#include "sbx/net.h"
#include "sbx/process.h"
#include "sbx/rootfs.h"
#include "sbx/seccomp.h"
#include "sbx/secrets.h"
#include "sbx/state.h"
#include "sbx/sync.h"
#include "sbx/sysctl.h"
#include "sbx/terminal.h"
#include "sbx/validate.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/keyctl.h>
#include <linux/sched.h>

#include "container_int.h"

/* ------------------------------------------------------------------ */
/* helpers                                                              */

int sbx_container_exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return SBX_EXIT_CODE_UNKNOWN;
}

void sbx_container_release(struct sbx_container *c)
{
	free(c->cgroup_path);
	c->cgroup_path = NULL;
	if (c->pty_master >= 0)
		close(c->pty_master);
	if (c->seccomp_listener >= 0)
		close(c->seccomp_listener);
	c->pty_master = c->seccomp_listener = -1;
}

/* ------------------------------------------------------------------ */
/* init (pid 1 of the container)                                        */

/* Optional minimal pid 1 (annotation run.sbx.init=true): reaps every
 * zombie re-parented to it and forwards signals to the workload, so a
 * workload that is not written to be pid 1 still gets SIGTERM and does not
 * leak zombies.  It is the exec stub's init mode (src/stub/exec_stub.c),
 * started like the workload after every confinement step: no code of
 * sbxrun's stays in the container, and pid 1 is an ordinary, sealed
 * container process. */
static __attribute__((noreturn)) void reaper_main(struct launch_ctx *c, pid_t child)
{
	char pid[16];
	char *argv[] = { (char *)SBX_EXECSTUB_INIT_MAGIC, pid, NULL };
	struct sbx_err err;
	sigset_t all;

	snprintf(pid, sizeof(pid), "%d", (int)child);
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	if (sbx_process_seal(&c->proc, &c->pst, &err) == 0)
		sbx_execstub_exec(c->proc.stub_fd, argv, c->pst.envp);
	kill(child, SIGKILL);
	_exit(SBX_EXIT_FAILURE);
}

/* A startContainer hook is a program of the container: it is started the
 * way the container's process is (process.h, steps 19-22: under the
 * container's seccomp filter, through the exec stub), with process.env
 * (and HOME) when it has no env of its own, as runc does. */
static void hook_exec(const struct sbx_hook *h, char *const argv[], char *const envp[], void *arg)
{
	struct launch_ctx *c = arg;
	char buf[SBX_ERR_MSG_MAX + 160];
	struct sbx_err e;

	/* The hook gets its stdio, nothing else (not --preserve-fds). */
	sbx_fd_close_except(3, &c->proc.stub_fd, 1);
	sbx_process_exec(&c->proc, &c->pst, sbx_process_stub_argv(h->path, argv), envp, &e);
	dprintf(STDERR_FILENO, "%s\n", sbx_err_str(&e, buf, sizeof(buf)));
}

/* The hand-over (docs/internals.md, "No orphan"): the parent sends it
 * once the container is recorded.  End-of-file instead means the parent
 * died before that: init must not outlive it (and exits).  From here on
 * init no longer dies with the parent; `create` waits for the echo, so
 * that its own exit cannot kill init through the death signal. */
static int take_over(struct launch_ctx *c, bool echo, struct sbx_err *err)
{
	struct sbx_sync_msg m;

	if (sbx_sync_expect(c->sock, SBX_SYNC_HANDOVER, &m, NULL, "wait for the hand-over", err) < 0)
		return -1;
	if (prctl(PR_SET_PDEATHSIG, 0) < 0)
		return sbx_err_set(err, errno, "prctl PR_SET_PDEATHSIG 0");
	return echo ? sbx_sync_send(c->sock, SBX_SYNC_HANDOVER, 0, -1, err) : 0;
}

/* `created`: receive the exec fifo, exec.sock and exec.err (only now: they
 * never sit in init while config paths are resolved), wait for the
 * hand-over, then for `sbxrun start`, and hand our namespaces to `sbxrun
 * exec` meanwhile (handover.h). */
static int wait_for_start(struct launch_ctx *c, struct sbx_err *err)
{
	struct sbx_sync_msg m;
	int r;

	if (sbx_sync_send(c->sock, SBX_SYNC_CREATED, 0, -1, err) < 0 ||
	    sbx_sync_expect(c->sock, SBX_SYNC_FIFO, &m, &c->fifo_fd, "wait for the exec fifo", err) < 0 ||
	    sbx_sync_expect(c->sock, SBX_SYNC_EXEC_SOCK, &m, &c->lsock, "wait for the exec socket", err) < 0 ||
	    sbx_sync_expect(c->sock, SBX_SYNC_EXEC_ERR, &m, &c->err_fd, "wait for exec.err", err) < 0)
		return -1;
	if (c->fifo_fd < 0)
		return sbx_err_set(err, EPROTO, "wait for the exec fifo: no fd received");
	if (take_over(c, true, err) < 0)
		return -1;
	r = sbx_handover_wait(c->fifo_fd, c->lsock, &c->ns, err);
	if (c->lsock >= 0)
		close(c->lsock);
	c->lsock = -1;
	sbx_handover_close_ns(&c->ns);
	return r;
}

/* After `start`: the executable resolved at create time may be gone (the
 * rootfs or the file removed meanwhile).  The exec stub would then only
 * print to the container's stderr and exit 127 after `start` already saw
 * the exec succeed, so check now, while a failure still reaches `start`
 * (exec.err).  A file removed between this check and the execve is still
 * reported that way, by the exit status only.  Not with a seccomp filter
 * already loaded (SCMP_ACT_NOTIFY): it may refuse the check itself. */
static int check_exe_after_start(struct launch_ctx *c, struct sbx_err *err)
{
	if (c->pst.seccomp_loaded || !c->pst.exe[0])
		return 0;
	if (faccessat(AT_FDCWD, c->pst.exe, X_OK, AT_EACCESS) < 0 && (errno == ENOENT || errno == EACCES))
		return sbx_err_setk(err, sbx_err_exec_kind(errno), errno, "exec \"%s\"", c->pst.exe);
	return 0;
}

/* 4. `created`: wait for `sbxrun start`; `running`: report.  Then the
 *    startContainer hooks. */
static int hand_over(struct launch_ctx *c, struct sbx_err *err)
{
	struct sbx_hook_exec how = { .exec = hook_exec, .arg = c, .default_env = c->pst.envp };
	struct sbx_sync_msg m;

	if (c->opts->exec_fifo) {
		if (wait_for_start(c, err) < 0)
			return -1;
		if (check_exe_after_start(c, err) < 0)
			return -1;
	} else if (sbx_sync_send(c->sock, SBX_SYNC_EXEC, 0, -1, err) < 0) {
		return -1;
	} else if (!c->opts->foreground && take_over(c, false, err) < 0) {
		return -1;
	} else if (c->opts->foreground && c->net.helper_async &&
		   sbx_sync_expect(c->sock, SBX_SYNC_NETWORK, &m, NULL, "wait for the network's helper", err) < 0) {
		/* The user's process needs its network from its first
		 * instruction: the helper started while we set up. */
		return -1;
	}
	/* runtime-spec: after `start`, before the user's process, in the
	 * container's namespaces.  A failure is reported over the sync
	 * socket (run) and ends the container. */
	return sbx_hooks_run_in(&c->cfg->hooks.start_container, "startContainer", c->state_json,
				&how, err);
}

/* Wait for GO; before it the parent may hand over bind sources it opened
 * (rootfs_bind.c), one per message, value = plan step. */
/* Wait for `type` (GO, or MOUNTS_DONE: the parent's mounts), adopting
 * the mounts the parent sends meanwhile. */
static int wait_parent(struct launch_ctx *c, enum sbx_sync_type type, struct sbx_err *err)
{
	struct sbx_sync_msg m;
	int fd = -1;

	for (;;) {
		int r = sbx_sync_recv(c->sock, &m, &fd, err);

		if (r < 0)
			return -1;
		if (r == 0)
			return sbx_err_set(err, 0, "wait for the runtime: it exited unexpectedly");
		if (m.type == SBX_SYNC_MOUNT_SOURCE && fd >= 0 && m.value >= 0) {
			if (sbx_rootfs_adopt_source(c->rootfs, (size_t)m.value, fd, err) < 0)
				return -1;
			continue;
		}
		/* A mount the parent prepared (id-mapped clone, rootfs_idmap.c);
		 * the rootfs's slot is SBX_ROOTFS_SLOT_ROOT, sent as -1. */
		if (m.type == SBX_SYNC_MOUNTFD) {
			if (sbx_rootfs_plan_take_fd(c->rootfs, (size_t)m.value, fd, err) < 0)
				return -1;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (m.type == type)
			return 0;
		return sbx_err_set(err, EPROTO, "wait for the runtime: unexpected sync message %u",
				   m.type);
	}
}

/* Has the parent's end of the sync socket been closed (the parent died)?
 * Its close marks ours shut down at once (POLLHUP), messages still queued
 * or not. */
static bool parent_gone(int sock)
{
	struct pollfd p = { .fd = sock, .events = POLLRDHUP };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

/*
 * The order of the child's setup, in one place.  Each step says why it is
 * where it is.  On any failure the error goes back to the parent over the
 * sync socket and init exits: nothing of the user's runs half-configured.
 * stage1() already ran the process steps 1-4 (process.h): every runtime fd
 * is closed and we are non-dumpable.
 */
static int child_setup(struct launch_ctx *c, struct sbx_err *err)
{
	const struct sbx_config *cfg = c->cfg;
	const struct sbx_launch_opts *o = c->opts;
	/* The rootfs steps' fds (procfs, rootfs), apply to finalize. */
	_sbx_cleanup_rootfs_child_ struct sbx_rootfs_child rfs = SBX_ROOTFS_CHILD_INIT;
	struct sbx_sync_msg m;

	/* 0. No orphan: until it is handed over (4.), init dies with the
	 *    parent.  The parent may already have died before the prctl took
	 *    effect; its end of the sync socket is then closed, which poll
	 *    reports as a hang-up.  Checking AFTER arming closes that race:
	 *    either the parent was alive when the signal was armed, or we see
	 *    the hang-up now (docs/internals.md, "No orphan").
	 *    create: init carries SBX_INIT_PARKED_COMM until it execs, which
	 *    tells `created` from a `start` cut short (state.h). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return sbx_err_set(err, errno, "prctl PR_SET_PDEATHSIG");
	if (parent_gone(c->sock))
		return sbx_err_set(err, 0, "the runtime exited during setup");
	if (o->exec_fifo)
		(void)prctl(PR_SET_NAME, SBX_INIT_PARKED_COMM, 0, 0, 0);
	/*    Wait for the parent: ids are mapped, we are in our cgroup, and
	 *    the bind sources it opened are ours.  Container hooks get the
	 *    state. */
	if (c->container_hooks && sbx_sync_recv_blob(c->sock, &c->state_json, err) < 0)
		return -1;
	if (wait_parent(c, SBX_SYNC_GO, err) < 0)
		return -1;
	/* `created` lasts: keep our namespaces for `exec` (handover.h), read
	 * from the host's /proc while it is ours. */
	if (o->exec_fifo && sbx_handover_open_ns(&c->ns, err) < 0)
		return -1;
	sbx_debug("init: started in the container's namespaces");

	/* 1. Namespaced identity and plumbing: needs the capabilities that we
	 *    hold in the new user namespace, so it comes before any drop.
	 *    Whether setgroups(2) is allowed is a property of the user
	 *    namespace we ended up in: asked while the host /proc is visible. */
	if (sbx_identity_apply_child(&c->ident, err) < 0 || sbx_net_apply_child(&c->net, err) < 0)
		return -1;
	sbx_process_probe_setgroups(&c->pst);
	sbx_debug("init: hostname, lo, session keyring set");

	/* 2. The filesystem, from the mounts the parent prepared meanwhile
	 *    (id-mapped clones, bind sources).  The hooks run once the mounts
	 *    exist and before pivot_root (runtime-spec: "after the runtime
	 *    environment has been created ... but before the pivot_root"):
	 *    prestart and createRuntime in the runtime's namespaces (the
	 *    parent), then createContainer here, in the container's, with
	 *    the rootfs as cwd (as runc).  A missing cwd is created before
	 *    the root turns read-only. */
	if (c->parent_mounts && wait_parent(c, SBX_SYNC_MOUNTS_DONE, err) < 0)
		return -1;
	if (sbx_rootfs_apply_child(c->rootfs, &rfs, err) < 0)
		return sbx_err_prefix(err, "rootfs");
	sbx_debug("init: mounts done");
	if (c->runtime_hooks &&
	    (sbx_sync_send(c->sock, SBX_SYNC_HOOKS, 0, -1, err) < 0 ||
	     sbx_sync_expect(c->sock, SBX_SYNC_HOOKS_DONE, &m, NULL, "wait for the runtime's hooks",
			     err) < 0))
		return -1;
	if (sbx_hooks_run(&cfg->hooks.create_container, "createContainer", c->state_json, err) < 0)
		return -1;
	if (sbx_rootfs_pivot_child(c->rootfs, &rfs, err) < 0)
		return sbx_err_prefix(err, "rootfs");
	sbx_debug("init: pivot_root into %s", cfg->rootfs);
	/* Chrooted in a mount namespace that is not ours: `exec` needs our
	 * root as well as our namespaces (handover.h). */
	if (o->exec_fifo && !(c->new_flags & CLONE_NEWNS) && sbx_handover_add_root(&c->ns, err) < 0)
		return -1;
	/* /run/secrets: after the config mounts (a tmpfs on /run must not
	 * hide it) and pivot_root ("/" is the container's), before the root
	 * becomes read-only. */
	if (sbx_secrets_apply_child(&c->secrets, err) < 0)
		return sbx_err_prefix(err, "secrets");
	if (sbx_process_make_cwd(cfg->process, err) < 0)
		return -1;
	/* sysctls go through the container's own /proc, before readonlyPaths
	 * makes /proc/sys read-only. */
	if (sbx_sysctl_apply_child(&c->sysctl, err) < 0)
		return -1;
	if (sbx_rootfs_finalize_child(c->rootfs, &rfs, err) < 0)
		return sbx_err_prefix(err, "rootfs");
	sbx_debug("init: sysctls, read-only and masked paths, read-only root done");

	/* 3. The process steps shared with `exec` (process.h, 5-18): session
	 *    and terminal, rlimits, HOME, cwd, privilege drop, executable
	 *    lookup, fds, no_new_privs, Landlock. */
	if (sbx_process_setup(&c->proc, &c->pst, c->sock, err) < 0)
		return -1;

	/* 4. created/running, startContainer hooks. */
	if (hand_over(c, err) < 0)
		return -1;
	if (c->init_reaper) {
		pid_t child = fork();
		if (child < 0)
			return sbx_err_set(err, errno, "fork the workload under run.sbx.init");
		if (child > 0) {
			/* Only the workload's execve may close these: the parent
			 * (run) and `start` wait for exactly that. */
			close(c->sock);
			if (c->fifo_fd >= 0)
				close(c->fifo_fd);
			if (c->err_fd >= 0)
				close(c->err_fd);
			reaper_main(c, child);
		}
	}
	/* 5. Signals, seccomp, the final capabilities, exec (process.h 19-22). */
	return sbx_process_exec(&c->proc, &c->pst, c->pst.stub_argv, c->pst.envp, err);
}

static __attribute__((noreturn)) void init_main(struct launch_ctx *c)
{
	struct sbx_err err = { 0 };
	struct sbx_sync_msg m = { .type = SBX_SYNC_ERROR };

	child_setup(c, &err);
	/* The parent reads the kind from err; our own exit status is the
	 * same code the CLI would exit with (error.h). */
	m.err = err;
	m.value = sbx_err_exit_code(&err);
	(void)send(c->sock, &m, sizeof(m), MSG_NOSIGNAL);
	/* After `start` nobody reads the socket: `start` reads exec.err once
	 * the exec fifo closes, i.e. after this write (one write, best
	 * effort: the report is a courtesy, the exit is what counts). */
	if (c->err_fd >= 0) {
		char rep[SBX_ERR_MSG_MAX + 32];
		int n = snprintf(rep, sizeof(rep), "%d %d %s\n", (int)m.value, err.errnum, err.msg);
		if (n > 0)
			(void)!write(c->err_fd, rep, (size_t)n < sizeof(rep) ? (size_t)n : sizeof(rep) - 1);
	}
	_exit((int)m.value);
}

/* ------------------------------------------------------------------ */
/* stage-1: namespaces                                                  */

static int join_ns(const struct sbx_namespace *ns, struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return sbx_err_set(err, errno, "open %s namespace %s", sbx_ns_type_name(ns->type),
				   ns->path);
	if (setns(fd, ns->clone_flag) < 0)
		return sbx_err_set(err, errno, "join %s namespace %s", sbx_ns_type_name(ns->type),
				   ns->path);
	return 0;
}

/* Join the namespaces the config names by path while we still hold our
 * original credentials: once in another user namespace we would have no
 * capability over namespaces owned by ours.  Those that fail with EPERM are
 * retried after joining the configured user namespace (as its root). */
static int join_ns_paths(const struct sbx_linux *l, struct sbx_err *err)
{
	const struct sbx_namespace *userns = NULL;
	bool deferred[SBX_NS_COUNT] = { false };

	for (size_t i = 0; i < l->n_namespaces; i++) {
		const struct sbx_namespace *ns = &l->namespaces[i];
		if (!ns->path)
			continue;
		if (ns->type == SBX_NS_USER) {
			userns = ns;
			continue;
		}
		if (join_ns(ns, err) < 0) {
			if (err->errnum != EPERM)
				return -1;
			deferred[ns->type] = true;
		}
	}
	if (userns) {
		if (join_ns(userns, err) < 0)
			return -1;
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return sbx_err_set(err, errno, "become root in user namespace %s", userns->path);
		for (size_t i = 0; i < l->n_namespaces; i++)
			if (l->namespaces[i].path && deferred[l->namespaces[i].type] &&
			    join_ns(&l->namespaces[i], err) < 0)
				return -1;
	} else {
		for (int t = 0; t < SBX_NS_COUNT; t++)
			if (deferred[t])
				return sbx_err_set(err, EPERM, "join %s namespace",
						   sbx_ns_type_name((enum sbx_ns_type)t));
	}
	return 0;
}

/* In a new user namespace whose maps the parent has written: become its
 * root when the maps give one (uid 0 mapped), so that the namespaces
 * created next are owned by, and configurable as, that root. */
static int become_mapped_root(const struct launch_ctx *c, struct sbx_err *err)
{
	bool root_mapped = false;

	for (size_t i = 0; i < c->idmap.n_uid; i++)
		if (c->idmap.uid[i].container_id == 0)
			root_mapped = true;
	if (root_mapped && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return sbx_err_set(err, errno, "become root in the new user namespace");
	return 0;
}

static int stage1(struct launch_ctx *c, struct sbx_err *err)
{
	struct sbx_sync_msg m;
	long pid;
	int rest;

	/* Process steps 1-4 (process.h) before anything else, in particular
	 * before a namespace path from the config is opened: every runtime
	 * fd closed but the sync socket (logs go through it), AppArmor label,
	 * oom score, non-dumpable.  init inherits all of it. */
	sbx_log_set_sink(sbx_sync_log_sink, (void *)(intptr_t)c->sock);
	if (sbx_process_enter(&c->proc, &c->sock, 1, err) < 0)
		return -1;
	c->fifo_fd = c->lsock = c->err_fd = -1; /* the parent's: closed above, sent to init later */
	if (join_ns_paths(&c->cfg->linux, err) < 0)
		return -1;

	/* The parent prepares the rootfs as a detached (id-mapped) tree that
	 * init attaches on its cwd: enter the rootfs now, as the runtime (the
	 * container's uid may not be able to search the bundle's parents);
	 * unshare(CLONE_NEWNS) below carries the cwd into the new namespace. */
	if (sbx_rootfs_plan_prepares_rootfs(c->rootfs) &&
	    chdir(sbx_rootfs_plan_rootfs(c->rootfs)) < 0)
		return sbx_err_set(err, errno, "rootfs: enter %s", sbx_rootfs_plan_rootfs(c->rootfs));
	if (c->new_userns && unshare(CLONE_NEWUSER) < 0)
		return sbx_err_set(err, errno,
				   "create user namespace (are unprivileged user namespaces enabled? see /proc/sys/user/max_user_namespaces)");
	/* The parent now writes our id maps and moves us into the cgroup, so
	 * the cgroup namespace below is rooted at the container's cgroup.
	 * An unprivileged parent can only write /proc/<pid>/uid_map of a
	 * dumpable process, so we are dumpable for exactly that long (as
	 * runc): nothing else lives in the new user namespace yet. */
	if (c->new_userns && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return sbx_err_set(err, errno, "prctl PR_SET_DUMPABLE 1");
	if (sbx_sync_send(c->sock, SBX_SYNC_USERNS, 0, -1, err) < 0)
		return -1;
	if (sbx_sync_expect(c->sock, SBX_SYNC_USERNS_DONE, &m, NULL, "wait for id mapping", err) < 0)
		return -1;
	if (c->new_userns && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return sbx_err_set(err, errno, "prctl PR_SET_DUMPABLE 0");
	if (c->new_userns && become_mapped_root(c, err) < 0)
		return -1;
	rest = c->new_flags & ~CLONE_NEWUSER;
	if (rest && unshare(rest) < 0)
		return sbx_err_set(err, errno, "create namespaces (flags 0x%x)", (unsigned)rest);

	/* CLONE_PARENT: init becomes the parent's child (so the parent can
	 * wait for it) and, with a new pid namespace, its pid 1. */
	pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0)
		return sbx_err_set(err, errno, "clone the container init");
	if (pid == 0)
		init_main(c);
	return sbx_sync_send(c->sock, SBX_SYNC_INIT_PID, pid, -1, err);
}

__attribute__((noreturn)) void sbx_container_stage1_main(struct launch_ctx *c)
{
	struct sbx_err err = { 0 };

	if (stage1(c, &err) < 0) {
		sbx_sync_send_err(c->sock, &err);
		_exit(SBX_EXIT_FAILURE);
	}
	_exit(0);
}
