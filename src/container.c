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

/* Everything the children need, compiled by the parent. */
struct launch_ctx {
	const struct sbx_config *cfg;
	const struct sbx_launch_opts *opts;
	int sock;              /* the child's end of the sync socket */
	int fifo_fd;           /* exec fifo (read end, O_NONBLOCK) or -1 */
	int lsock;             /* create: listening exec.sock (handover.h) or -1 */
	int err_fd;            /* create: exec.err, init's report after start, or -1 */
	struct sbx_handover_ns ns; /* init, create: its namespaces for `exec` */
	int new_flags;         /* CLONE_NEW* of the namespaces to create */
	bool new_userns;
	bool init_reaper;      /* annotation run.sbx.init=true */
	bool container_hooks;  /* createContainer/startContainer hooks exist */
	bool runtime_hooks;    /* prestart/createRuntime hooks exist */
	bool open_sources;     /* the parent opens the bind sources (rootfs_bind.c) */
	struct sbx_idmap_plan idmap;
	struct sbx_rootfs_plan *rootfs;
	struct sbx_process_plan proc; /* the process steps (process.h) */
	struct sbx_cgroup_plan *cgroup;
	struct sbx_secrets_plan secrets; /* run.sbx.secrets, read before clone */
	struct sbx_net_plan net;
	struct sbx_sysctl_plan sysctl;
	struct sbx_identity_plan ident;
	char *state_json;      /* init side: state for container hooks */
	struct sbx_process_state pst; /* init side */
};


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

static bool has_hooks(const struct sbx_hook_list *l)
{
	return l->n > 0;
}

/* The state JSON for hooks comes from the caller's state store (checked
 * in compile_all: there is a builder whenever there are hooks). */
static char *state_for(const struct launch_ctx *c, pid_t pid, const char *status)
{
	return c->opts->state_json(c->opts->state_arg, pid, status);
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

	if (c->opts->exec_fifo) {
		if (wait_for_start(c, err) < 0)
			return -1;
		if (check_exe_after_start(c, err) < 0)
			return -1;
	} else if (sbx_sync_send(c->sock, SBX_SYNC_EXEC, 0, -1, err) < 0) {
		return -1;
	} else if (!c->opts->foreground && take_over(c, false, err) < 0) {
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
static int wait_go(struct launch_ctx *c, struct sbx_err *err)
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
		if (m.type == SBX_SYNC_GO)
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
	if (wait_go(c, err) < 0)
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

	/* 2. The filesystem.  The hooks run once the mounts exist and before
	 *    pivot_root (runtime-spec: "after the runtime environment has
	 *    been created ... but before the pivot_root"): prestart and
	 *    createRuntime in the runtime's namespaces (the parent), then
	 *    createContainer here, in the container's, with the rootfs as
	 *    cwd (as runc).  A missing cwd is created before the root turns
	 *    read-only. */
	if (sbx_rootfs_apply_child(c->rootfs, err) < 0)
		return sbx_err_prefix(err, "rootfs");
	sbx_debug("init: mounts done");
	if (c->runtime_hooks &&
	    (sbx_sync_send(c->sock, SBX_SYNC_HOOKS, 0, -1, err) < 0 ||
	     sbx_sync_expect(c->sock, SBX_SYNC_HOOKS_DONE, &m, NULL, "wait for the runtime's hooks",
			     err) < 0))
		return -1;
	if (sbx_hooks_run(&cfg->hooks.create_container, "createContainer", c->state_json, err) < 0)
		return -1;
	if (sbx_rootfs_pivot_child(c->rootfs, err) < 0)
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
	if (sbx_rootfs_finalize_child(c->rootfs, err) < 0)
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

static int stage1(struct launch_ctx *c, struct sbx_err *err)
{
	const struct sbx_linux *l = &c->cfg->linux;
	const struct sbx_namespace *userns = NULL;
	bool deferred[SBX_NS_COUNT] = { false };
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

	/* Join namespaces by path while we still hold our original
	 * credentials: once in another user namespace we would have no
	 * capability over namespaces owned by ours.  Those that fail with
	 * EPERM are retried after joining the configured user namespace. */
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
	if (c->new_userns) {
		bool root_mapped = false;
		for (size_t i = 0; i < c->idmap.n_uid; i++)
			if (c->idmap.uid[i].container_id == 0)
				root_mapped = true;
		if (root_mapped && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
			return sbx_err_set(err, errno, "become root in the new user namespace");
	}
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

static __attribute__((noreturn)) void stage1_main(struct launch_ctx *c)
{
	struct sbx_err err = { 0 };

	if (stage1(c, &err) < 0) {
		sbx_sync_send_err(c->sock, &err);
		_exit(SBX_EXIT_FAILURE);
	}
	_exit(0);
}

/* ------------------------------------------------------------------ */
/* parent                                                               */

static int compile_all(struct launch_ctx *c, struct sbx_err *err)
{
	const struct sbx_config *cfg = c->cfg;
	const struct sbx_linux *l = &cfg->linux;
	bool host_root = c->opts->rootless < 0 ? geteuid() == 0 && sbx_userns_is_initial()
						 : !c->opts->rootless;
	struct sbx_rootfs_opts ro = { 0 };
	const char *init;

	struct sbx_validate_opts vo = { .console_socket = c->opts->console_socket,
					 .euid = geteuid(),
					 .have_state_builder = c->opts->state_json != NULL };

	/* Everything that only reads the config (and the bundle) is checked
	 * first, in one place (validate.c), before any plan is built. */
	if (sbx_validate_launch(cfg, &vo, err) < 0)
		return -1;
	for (size_t i = 0; i < l->n_namespaces; i++)
		if (!l->namespaces[i].path)
			c->new_flags |= l->namespaces[i].clone_flag;
	c->new_userns = (c->new_flags & CLONE_NEWUSER) != 0;
	if (c->new_userns && sbx_idmap_compile(cfg, geteuid(), getegid(), &c->idmap, err) < 0)
		return -1;
	init = sbx_config_annotation(cfg, SBX_INIT_ANNOTATION);
	c->init_reaper = init && !strcmp(init, "true");
	c->container_hooks = has_hooks(&cfg->hooks.create_container) ||
			     has_hooks(&cfg->hooks.start_container);
	c->runtime_hooks = has_hooks(&cfg->hooks.prestart) || has_hooks(&cfg->hooks.create_runtime);

	/* Any user namespace (new, joined, or the one sbxrun runs in) means
	 * no mknod: devices are bind-mounted from the host. */
	ro.userns = sbx_config_ns(cfg, SBX_NS_USER) != NULL || !sbx_userns_is_initial();
	ro.rootless = !host_root;
	ro.new_netns = (c->new_flags & CLONE_NEWNET) != 0;
	ro.new_pidns = (c->new_flags & CLONE_NEWPID) != 0;
	ro.new_cgroupns = (c->new_flags & CLONE_NEWCGROUP) != 0;
	ro.no_pivot = c->opts->no_pivot;
	if (sbx_net_compile(cfg, c->opts->id, c->opts->state_root, !host_root,
			    (c->new_flags & CLONE_NEWNET) != 0, c->new_userns, &c->net, err) < 0)
		return -1;
	ro.extra_mounts = c->net.etc_mounts;
	ro.n_extra_mounts = c->net.n_etc_mounts;
	/* runtime-spec: a namespace not listed is the runtime's, one with a
	 * path is joined; either way not the container's own. */
	ro.shared_mntns = !(c->new_flags & CLONE_NEWNS);
	/* Mappings from the user namespace pool (filled in by the caller):
	 * the rootfs and the volumes keep their owners, id-mapped (needs the
	 * container's own mount namespace, where init attaches them). */
	ro.idmap_auto = c->opts->userns_auto && c->new_userns && geteuid() == 0 &&
			!ro.shared_mntns;
	if (sbx_rootfs_compile(cfg, &ro, &c->rootfs, err) < 0)
		return -1;
	/* Rootful with a user namespace (new or joined), the runtime opens
	 * the bind sources with its own credentials (rootfs_bind.c): the
	 * container's root may not even search the directories above them.
	 * Only as root of the initial user namespace: that is "the runtime
	 * is host root", and it is what guarantees the way back into our own
	 * mount namespace (root of a nested user namespace, say under
	 * `unshare -r`, may enter the container's and not return). */
	c->open_sources = sbx_config_ns(cfg, SBX_NS_USER) && geteuid() == 0 &&
			  sbx_userns_is_initial() && sbx_rootfs_host_sources(c->rootfs) > 0;
	if (sbx_sysctl_compile(cfg, &c->sysctl, err) < 0)
		return -1;
	sbx_identity_compile(cfg, c->opts->no_new_keyring, &c->ident);
	if (sbx_process_compile(cfg, c->opts->cache_dir, &c->proc, err) < 0)
		return -1;
	c->proc.preserve_fds = c->opts->preserve_fds;
	/* Re-armed after the uid switch in every mode: create and run
	 * --detach clear it only at the hand-over (container.c, take_over). */
	c->proc.pdeathsig = SIGKILL;
	if (sbx_cgroup_compile(cfg, c->opts->id, !host_root, &c->cgroup, err) < 0)
		return -1;
	if (sbx_secrets_compile(cfg, &c->secrets, err) < 0)
		return -1;
	return 0;
}

static void free_plans(struct launch_ctx *c)
{
	sbx_rootfs_plan_free(c->rootfs);
	sbx_process_plan_free(&c->proc);
	sbx_cgroup_plan_free(c->cgroup);
	sbx_secrets_plan_free(&c->secrets);
	sbx_net_plan_free(&c->net);
	sbx_sysctl_plan_free(&c->sysctl);
	c->rootfs = NULL;
	c->cgroup = NULL;
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int run_parent_hooks(struct launch_ctx *c, pid_t pid, struct sbx_err *err)
{
	const struct sbx_hooks *h = &c->cfg->hooks;
	_sbx_cleanup_free_ char *state = NULL;

	if (!has_hooks(&h->prestart) && !has_hooks(&h->create_runtime))
		return 0;
	state = state_for(c, pid, "creating");
	if (sbx_hooks_run(&h->prestart, "prestart", state, err) < 0 ||
	    sbx_hooks_run(&h->create_runtime, "createRuntime", state, err) < 0)
		return -1;
	return 0;
}

struct send_src_arg {
	int sock;
	size_t sent;
};

static int send_source(void *arg, size_t op, int fd, struct sbx_err *err)
{
	struct send_src_arg *a = arg;

	if (sbx_sync_send(a->sock, SBX_SYNC_MOUNT_SOURCE, (int64_t)op, fd, err) < 0)
		return -1;
	a->sent++;
	return 0;
}

/* Id-mapped (and other parent-prepared) mounts, once the container's user
 * namespace has its maps: see rootfs_idmap.c.  The namespace (new or
 * joined) is init's, named by /proc while init waits for GO. */
static int prepare_mounts(struct launch_ctx *c, pid_t init, struct sbx_rootfs_prepared *prep,
			  struct sbx_err *err)
{
	_sbx_cleanup_close_ int userns = -1;
	char path[64];

	if (sbx_config_ns(c->cfg, SBX_NS_USER)) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)init);
		userns = open(path, O_RDONLY | O_CLOEXEC);
		if (userns < 0)
			return sbx_err_set(err, errno, "open the container's user namespace %s", path);
	}
	if (sbx_rootfs_prepare_parent(c->rootfs, init, userns, prep, err) < 0)
		return -1;
	sbx_debug("parent: %zu mounts prepared (id-mapped where asked and supported)",
		  sbx_rootfs_plan_n_prepared(c->rootfs));
	return 0;
}

/* Drive the children through setup.  On failure everything started is
 * killed and removed again. */
static int parent_drive(struct launch_ctx *c, int sock, pid_t s1, char *cgpath, bool cg_enter,
			struct sbx_container *out, struct sbx_err *err)
{
	struct sbx_sync_msg m;
	pid_t init = -1;
	unsigned long long start_time = 0;
	int fd = -1, pty = -1, listener = -1, r;
	size_t n_prep = sbx_rootfs_plan_n_prepared(c->rootfs);
	_sbx_cleanup_free_ struct sbx_rootfs_prepared *prep = NULL;

	if (n_prep > 0) {
		prep = sbx_xcalloc(n_prep, sizeof(*prep));
		for (size_t i = 0; i < n_prep; i++)
			prep[i].fd = -1;
	}

	if (sbx_sync_expect(sock, SBX_SYNC_USERNS, &m, NULL, "namespaces", err) < 0)
		goto fail;
	if (c->new_userns && sbx_idmap_apply_parent(&c->idmap, s1, err) < 0)
		goto fail;
	if (cg_enter && sbx_cgroup_add_pid(cgpath, s1, err) < 0)
		goto fail;
	if (sbx_sync_send(sock, SBX_SYNC_USERNS_DONE, 0, -1, err) < 0)
		goto fail;
	sbx_debug("parent: ids mapped%s", cg_enter ? ", moved into the cgroup" : "");
	if (sbx_sync_expect(sock, SBX_SYNC_INIT_PID, &m, NULL, "namespaces", err) < 0)
		goto fail;
	init = (pid_t)m.value;
	reap(s1);
	s1 = -1;

	/* Parent-side module hooks: init's pid and namespaces exist, it
	 * waits for GO. */
	if (sbx_net_apply_parent(&c->net, init, err) < 0)
		goto fail;
	if (c->container_hooks) {
		_sbx_cleanup_free_ char *state = state_for(c, init, "creating");
		if (sbx_sync_send_blob(sock, state, strlen(state), err) < 0)
			goto fail;
	}
	/* Id-mapped clones of the rootfs and bind sources (rootfs_idmap.c),
	 * made in init's mount namespace once its namespaces exist, after
	 * the modules above made their bind sources (the network's
	 * /etc/hosts). */
	if (n_prep > 0) {
		if (prepare_mounts(c, init, prep, err) < 0)
			goto fail;
		for (size_t i = 0; i < n_prep; i++) {
			r = sbx_sync_send(sock, SBX_SYNC_MOUNTFD, (int64_t)prep[i].slot, prep[i].fd, err);
			sbx_cleanup_close(&prep[i].fd);
			if (r < 0)
				goto fail;
		}
	}
	if (c->open_sources) {
		struct send_src_arg a = { .sock = sock };
		if (sbx_rootfs_open_sources(c->rootfs, init, send_source, &a, err) < 0) {
			/* Not allowed into the container's mount namespace
			 * (no CAP_SYS_ADMIN in ours): init opens them. */
			if (err->errnum != EPERM || a.sent)
				goto fail;
			sbx_debug_err(err, "parent: bind sources left to init");
		}
	}
	if (sbx_sync_send(sock, SBX_SYNC_GO, 0, -1, err) < 0)
		goto fail;

	for (;;) {
		r = sbx_sync_recv(sock, &m, &fd, err);
		if (r < 0)
			goto fail;
		if (r == 0) {
			sbx_err_set(err, 0, "container init exited during setup");
			goto fail;
		}
		if (m.type == SBX_SYNC_ERROR) {
			*err = m.err;
			goto fail;
		}
		if (m.type == SBX_SYNC_HOOKS) {
			if (run_parent_hooks(c, init, err) < 0 ||
			    sbx_sync_send(sock, SBX_SYNC_HOOKS_DONE, 0, -1, err) < 0)
				goto fail;
			continue;
		}
		if (m.type == SBX_SYNC_PTY) {
			if (c->opts->console_socket) {
				r = sbx_terminal_send_console(c->opts->console_socket, fd, err);
				close(fd);
				if (r < 0)
					goto fail;
			} else {
				pty = fd;
			}
			fd = -1;
			continue;
		}
		if (m.type == SBX_SYNC_SECCOMP) {
			if (c->proc.seccomp.listener_path) {
				_sbx_cleanup_free_ char *state = state_for(c, init, "creating");
				r = sbx_seccomp_send_listener(&c->proc.seccomp, fd, state, err);
				close(fd);
				if (r < 0)
					goto fail;
			} else {
				listener = fd;
			}
			fd = -1;
			continue;
		}
		if (m.type != SBX_SYNC_CREATED && m.type != SBX_SYNC_EXEC) {
			sbx_err_set(err, EPROTO, "unexpected sync message %u from init", m.type);
			goto fail;
		}
		break;
	}
	/* init is set up (created: about to park; run: about to exec).
	 * Record it, then hand it over: before the hand-over it dies with
	 * us, so a crash anywhere up to here leaves no process behind, and
	 * after it the record names everything there is to kill. */
	{
		struct sbx_container rec = { .pid = init, .cgroup_path = cgpath,
					     .pty_master = -1, .seccomp_listener = -1 };
		char state;
		if (sbx_proc_stat(init, &rec.start_time, &state) < 0)
			rec.start_time = 0;
		start_time = rec.start_time;
		if (c->opts->record_started &&
		    c->opts->record_started(c->opts->record_arg, &rec, err) < 0)
			goto fail;
	}
	if (m.type == SBX_SYNC_CREATED) {
		/* init waits on the fifo from here; it never held it while it
		 * resolved paths from the config.  It echoes the hand-over once
		 * it no longer dies with us: only then may `create` exit. */
		if (sbx_sync_send(sock, SBX_SYNC_FIFO, 0, c->fifo_fd, err) < 0 ||
		    sbx_sync_send(sock, SBX_SYNC_EXEC_SOCK, 0, c->lsock, err) < 0 ||
		    sbx_sync_send(sock, SBX_SYNC_EXEC_ERR, 0, c->err_fd, err) < 0 ||
		    sbx_sync_send(sock, SBX_SYNC_HANDOVER, 0, -1, err) < 0 ||
		    sbx_sync_expect(sock, SBX_SYNC_HANDOVER, &m, NULL, "the hand-over", err) < 0)
			goto fail;
	} else {
		if (!c->opts->foreground && sbx_sync_send(sock, SBX_SYNC_HANDOVER, 0, -1, err) < 0)
			goto fail;
		/* Success is the socket closing at execve; a failed execve
		 * (or startContainer hook) reports an error instead. */
		r = sbx_sync_recv(sock, &m, &fd, err);
		if (r < 0)
			goto fail;
		if (r > 0 && m.type == SBX_SYNC_ERROR) {
			*err = m.err;
			goto fail;
		}
	}
	out->pid = init;
	out->start_time = start_time;
	out->cgroup_path = cgpath;
	out->pty_master = pty;
	out->seccomp_listener = listener;
	return 0;

fail:
	for (size_t i = 0; i < n_prep; i++)
		sbx_cleanup_close(&prep[i].fd);
	if (fd >= 0)
		close(fd);
	if (pty >= 0)
		close(pty);
	if (listener >= 0)
		close(listener);
	if (s1 > 0) {
		kill(s1, SIGKILL);
		reap(s1);
	}
	if (init > 0) {
		kill(init, SIGKILL);
		reap(init);
	}
	if (c->net.applied) {
		struct sbx_err e2;
		if (sbx_net_teardown(c->opts->state_root, c->opts->id, &e2) < 0)
			sbx_debug_err(&e2, "cleanup");
	}
	if (cgpath) {
		struct sbx_err e2;
		if (sbx_cgroup_destroy(cgpath, true, &e2) < 0)
			sbx_debug_err(&e2, "cleanup");
		free(cgpath);
	}
	return -1;
}

/*
 * Create stage-1 inside the container's cgroup from the start
 * (clone3 CLONE_INTO_CGROUP): moving a running process costs an RCU grace
 * period (~17 ms here), creating one inside costs nothing.  Kernels or
 * seccomp policies without clone3 get fork() and *cg_enter = true (the pid
 * is then written to cgroup.procs).
 */
static pid_t spawn_stage1(const char *cgpath, bool *cg_enter)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	_sbx_cleanup_close_ int cgfd = -1;
	long pid;

	*cg_enter = false;
	if (!cgpath)
		return fork();
	cgfd = open(cgpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cgfd >= 0) {
		args.flags = CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgfd;
		pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0)
			return (pid_t)pid;
		if (errno != ENOSYS && errno != EINVAL && errno != E2BIG && errno != EPERM)
			return -1;
		sbx_debug("clone3(CLONE_INTO_CGROUP) %s: %s; falling back to fork + cgroup.procs",
			  cgpath, strerror(errno));
	}
	*cg_enter = true;
	return fork();
}

int sbx_container_spawn(const struct sbx_config *cfg, const struct sbx_launch_opts *opts,
			struct sbx_container *out, struct sbx_err *err)
{
	struct launch_ctx c = { .cfg = cfg, .opts = opts, .sock = -1, .fifo_fd = -1, .lsock = -1,
				.err_fd = -1,
				.proc = { .stub_fd = -1 } };
	char *cgpath = NULL;
	bool cg_enter = false;
	int sv[2] = { -1, -1 };
	pid_t s1;
	int r;

	sbx_debug("parent: compiling plans");
	if (compile_all(&c, err) < 0) {
		free_plans(&c);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		free_plans(&c);
		sbx_err_set(err, errno, "create the sync socket");
		return -1;
	}
	sv[0] = sbx_fd_move_above(sv[0], (int)(3 + opts->preserve_fds));
	sv[1] = sbx_fd_move_above(sv[1], (int)(3 + opts->preserve_fds));
	if (opts->exec_fifo) {
		/* Opened here, by the caller's own credentials, because the
		 * container's uid may not be able to open it.  O_RDWR (Linux:
		 * never blocks, counts as reader and writer): init is a reader,
		 * so `start` can open the write end; and a writer, so that a
		 * `start` killed between its open and its write cannot make
		 * init see end-of-file.  init's fd closes at its execve, which
		 * is what `start` waits for (POLLERR: no reader left). */
		c.fifo_fd = open(opts->exec_fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (c.fifo_fd < 0) {
			sbx_err_set(err, errno, "open exec fifo %s", opts->exec_fifo);
			r = -1;
			goto out;
		}
		c.fifo_fd = sbx_fd_move_above(c.fifo_fd, (int)(3 + opts->preserve_fds));
		c.lsock = sbx_handover_listen(opts->exec_fifo, err);
		if (c.lsock < 0) {
			r = -1;
			goto out;
		}
		c.lsock = sbx_fd_move_above(c.lsock, (int)(3 + opts->preserve_fds));
	}
	if (opts->exec_error_file) {
		/* Same: the container's uid writes through this fd, whoever
		 * may open the file. */
		c.err_fd = open(opts->exec_error_file,
				O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
		if (c.err_fd < 0) {
			sbx_err_set(err, errno, "create %s", opts->exec_error_file);
			r = -1;
			goto out;
		}
	}
	if (sv[0] < 0 || sv[1] < 0) {
		sbx_err_set(err, errno, "move the sync socket");
		r = -1;
		goto out;
	}
	if (sbx_cgroup_prepare(c.cgroup, opts->record_cgroup, opts->record_arg, &cgpath, err) < 0) {
		r = -1;
		goto out;
	}
	if (sbx_net_prepare(&c.net, err) < 0) { /* a rootless user-defined network joins its user ns */
		r = -1;
		goto out;
	}
	s1 = spawn_stage1(cgpath, &cg_enter);
	if (s1 < 0) {
		sbx_err_set(err, errno, "fork");
		r = -1;
		goto out;
	}
	if (s1 == 0) {
		close(sv[0]);
		c.sock = sv[1];
		stage1_main(&c);
	}
	close(sv[1]);
	sv[1] = -1;
	/* parent_drive owns cgpath from here (out->cgroup_path, or removed). */
	r = parent_drive(&c, sv[0], s1, sbx_steal_ptr(&cgpath), cg_enter, out, err);
out:
	if (cgpath) {
		struct sbx_err e2;
		if (sbx_cgroup_destroy(cgpath, true, &e2) < 0)
			sbx_debug_err(&e2, "cleanup");
		free(cgpath);
	}
	if (c.fifo_fd >= 0)
		close(c.fifo_fd);
	if (c.lsock >= 0)
		close(c.lsock);
	if (c.err_fd >= 0)
		close(c.err_fd);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	free_plans(&c);
	return r;
}
