/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `exec` (include/sbx/exec.h): the joiner and the process it clones.  The
 * process itself runs the same ordered steps as the container's init
 * (process.h); only the way in (setns instead of creating namespaces and
 * the root) differs.
 */
#include "sbx/exec.h"
#include "sbx/cgroup.h"
#include "sbx/container.h"
#include "sbx/handover.h"
#include "sbx/log.h"
#include "sbx/ns.h"
#include "sbx/process.h"
#include "sbx/sync.h"
#include "sbx/terminal.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

int sbx_exec_check_status(const struct sbx_state *st, bool ignore_paused, struct sbx_err *err)
{
	switch (st->status) {
	case SBX_STATUS_CREATED:
	case SBX_STATUS_RUNNING:
		return 0;
	case SBX_STATUS_PAUSED:
		if (ignore_paused)
			return 0;
		return sbx_err_set(err, 0,
				   "cannot exec in container \"%s\": it is paused (use --ignore-paused to override)",
				   st->id);
	default:
		return sbx_err_set(err, 0, "cannot exec in container \"%s\": it is %s", st->id,
				   sbx_state_status_name(st->status));
	}
}

/* Init's namespace of this kind is not ours, by the config: one it created
 * differs; one it joined by path differs unless that path is ours; one it
 * did not list is ours. */
static bool config_says_differs(const struct sbx_config *cfg, enum sbx_ns_type t)
{
	const struct sbx_namespace *ns = sbx_config_ns(cfg, t);
	char self[SBX_NS_PATH_MAX];
	struct stat a, b;

	if (!ns)
		return false;
	if (!ns->path)
		return true;
	sbx_ns_path(self, 0, t);
	if (stat(ns->path, &a) < 0 || stat(self, &b) < 0)
		return true;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

/* The namespaces of init that differ from ours: those are the ones to join
 * (setns into one's own user namespace is EINVAL).  The kernel's answer
 * (/proc/<pid>/ns) needs ptrace access to init; a `created` init is
 * non-dumpable, which a rootless caller cannot pass: then the config says. */
/* Is the mount namespace the container's own (listed, without a path)? */
static bool own_mntns(const struct sbx_config *cfg)
{
	const struct sbx_namespace *mnt = sbx_config_ns(cfg, SBX_NS_MOUNT);

	return mnt && !mnt->path;
}

static int ns_flags_to_join(const struct sbx_config *cfg, pid_t pid, struct sbx_err *err)
{
	int flags = 0;

	for (size_t i = 0; i < SBX_NS_COUNT; i++) {
		enum sbx_ns_type t = sbx_ns_join_order[i];
		char a[SBX_NS_PATH_MAX], b[SBX_NS_PATH_MAX];
		struct stat sa, sb;

		sbx_ns_path(a, pid, t);
		sbx_ns_path(b, 0, t);
		if (stat(b, &sb) < 0) {
			if (errno == ENOENT && t == SBX_NS_TIME)
				continue; /* kernel without time namespaces */
			return sbx_err_set(err, errno, "stat %s", b);
		}
		if (stat(a, &sa) < 0) {
			if (errno != EACCES && errno != EPERM)
				return sbx_err_set(err, errno, "stat %s", a);
			if (config_says_differs(cfg, t))
				flags |= sbx_ns_flag(t);
			continue;
		}
		if (sa.st_ino != sb.st_ino || sa.st_dev != sb.st_dev)
			flags |= sbx_ns_flag(t);
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

static int apply_env(struct sbx_config *cfg, struct sbx_process *p, const struct sbx_exec_opts *o,
		     struct sbx_err *err)
{
	struct sbx_arena *a = &cfg->arena;

	for (size_t i = 0; i < o->n_env; i++) {
		const char *eq = strchr(o->env[i], '=');
		size_t kl = eq ? (size_t)(eq - o->env[i]) : 0;
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
	return 0;
}

static void apply_user(struct sbx_config *cfg, struct sbx_process *p, const struct sbx_exec_opts *o)
{
	struct sbx_user *u = &p->user;
	uint32_t *g;

	if (o->has_user) {
		u->uid = o->uid;
		if (o->has_gid)
			u->gid = o->gid;
	}
	if (!o->n_additional_gids)
		return;
	/* runc: --additional-gids adds to process.user.additionalGids. */
	g = sbx_arena_alloc(&cfg->arena, (u->n_additional_gids + o->n_additional_gids) * sizeof(*g));
	for (size_t i = 0; i < u->n_additional_gids; i++)
		g[i] = u->additional_gids[i];
	for (size_t i = 0; i < o->n_additional_gids; i++)
		g[u->n_additional_gids + i] = o->additional_gids[i];
	u->additional_gids = g;
	u->n_additional_gids += o->n_additional_gids;
}

int sbx_exec_build_process(struct sbx_config *cfg, const struct sbx_exec_opts *o,
			   struct sbx_err *err)
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
		if (o->n_args == 0)
			return sbx_err_set(err, 0, "exec: no command given (and no --process)");
		p->args = sbx_arena_alloc(a, (o->n_args + 1) * sizeof(char *));
		for (size_t i = 0; i < o->n_args; i++)
			p->args[i] = sbx_arena_strdup(a, o->args[i]);
		p->n_args = o->n_args;
		p->terminal = o->tty;
		p->console_size.present = false;
	}
	if (o->cwd)
		p->cwd = sbx_arena_strdup(a, o->cwd);
	if (apply_env(cfg, p, o, err) < 0)
		return -1;
	apply_user(cfg, p, o);
	/* --cap as runc: bounding, effective and permitted.  Not inheritable
	 * or ambient, which would hand the capability on across execve to
	 * programs of a non-root user: more than was asked for. */
	for (size_t i = 0; i < o->n_caps; i++) {
		struct sbx_caps *c = &p->caps;
		c->present = true;
		c->bounding = strv_append(a, c->bounding, c->n_bounding, o->caps[i], &c->n_bounding);
		c->effective = strv_append(a, c->effective, c->n_effective, o->caps[i], &c->n_effective);
		c->permitted = strv_append(a, c->permitted, c->n_permitted, o->caps[i], &c->n_permitted);
	}
	if (o->no_new_privs)
		p->no_new_privileges = true;
	if (o->apparmor)
		p->apparmor_profile = sbx_arena_strdup(a, o->apparmor);
	return 0;
}

/* ------------------------------------------------------------------ */
/* the joiner and the process                                           */

struct exec_ctx {
	const struct sbx_state *st;
	struct sbx_process_plan plan;
	struct sbx_process_state pst;
	int sock, pidfd, ns_flags;
	struct sbx_handover_ns ns;   /* created container: init's namespaces */
	int root;                    /* init's root when it is not its mount ns's, or -1 */
	bool cg_enter;               /* the joiner was not born in the cgroup: enter it */
};

/* Is the namespace behind fd (of CLONE_NEW* type) not ours? */
static bool differs(int fd, int type)
{
	int t = sbx_ns_from_flag(type);
	struct stat a, b;
	char self[SBX_NS_PATH_MAX];

	if (t < 0)
		return true;
	sbx_ns_path(self, 0, (enum sbx_ns_type)t);
	return fstat(fd, &a) < 0 || stat(self, &b) < 0 || a.st_ino != b.st_ino ||
	       a.st_dev != b.st_dev;
}

/* Join the namespaces a created init handed over: the user namespace
 * first (the others are owned by it), then the rest. */
static int join_ns_fds(struct exec_ctx *x, struct sbx_err *err)
{
	bool join[SBX_HANDOVER_NS_MAX];

	/* Decided before the first setns: after joining the mount namespace
	 * /proc/self is no longer ours to compare with. */
	for (size_t i = 0; i < x->ns.n; i++) {
		if (x->ns.type[i] == SBX_HANDOVER_ROOT) {
			/* entered after the namespaces (join) */
			x->root = x->ns.fd[i];
			x->ns.fd[i] = -1;
			join[i] = false;
			continue;
		}
		join[i] = differs(x->ns.fd[i], x->ns.type[i]);
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < x->ns.n; i++) {
			bool user = x->ns.type[i] == CLONE_NEWUSER;
			if (user != (pass == 0) || !join[i] || x->ns.fd[i] < 0)
				continue;
			if (setns(x->ns.fd[i], x->ns.type[i]) < 0)
				return sbx_err_set(err, errno, "join namespace type 0x%x of container \"%s\"",
						   (unsigned)x->ns.type[i], x->st->id);
		}
	sbx_handover_close_ns(&x->ns);
	return 0;
}

/* The process: inside every namespace, non-dumpable, every runtime fd
 * already closed.  Reports a failure over the socket and exits. */
static __attribute__((noreturn)) void process_main(struct exec_ctx *x)
{
	struct sbx_err err = { 0 };

	if (sbx_process_setup(&x->plan, &x->pst, x->sock, &err) == 0)
		sbx_process_exec(&x->plan, &x->pst, x->pst.stub_argv, x->pst.envp, &err);
	sbx_sync_send_err(x->sock, &err);
	_exit(sbx_err_exit_code(&err));
}

static int join(struct exec_ctx *x, struct sbx_err *err)
{
	const struct sbx_state *st = x->st;
	int keep[3 + SBX_HANDOVER_NS_MAX] = { x->sock, x->pidfd };
	size_t n_keep = 2;
	pid_t child;

	for (size_t i = 0; i < x->ns.n; i++)
		keep[n_keep++] = x->ns.fd[i];
	if (x->root >= 0)
		keep[n_keep++] = x->root;
	if (sbx_process_enter(&x->plan, keep, n_keep, err) < 0)
		return -1;
	/* The joiner, and so the process it clones, enters the cgroup
	 * (unless spawn_joiner could create it there). */
	if (x->cg_enter && sbx_cgroup_enter(st->cgroup_path, err) < 0)
		return -1;
	if (x->ns.n) {
		if (join_ns_fds(x, err) < 0)
			return -1;
	} else if (x->ns_flags && setns(x->pidfd, x->ns_flags) < 0) {
		return sbx_err_set(err, errno, "join the namespaces of pid %d (setns flags 0x%x)",
				   (int)st->pid, x->ns_flags);
	}
	/* The container's root, when its mount namespace is not its own:
	 * init is chrooted there, and the namespace's root is outside. */
	if (x->root >= 0 && (fchdir(x->root) < 0 || chroot(".") < 0 || chdir("/") < 0))
		return sbx_err_set(err, errno, "enter the root of container \"%s\"", st->id);
	if (x->root >= 0) {
		close(x->root);
		x->root = -1;
	}
	close(x->pidfd);
	x->pidfd = -1;
	child = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	if (child < 0)
		return sbx_err_set(err, errno, "clone the exec process");
	if (child == 0)
		process_main(x);
	return sbx_sync_send(x->sock, SBX_SYNC_INIT_PID, child, -1, err);
}

static __attribute__((noreturn)) void joiner_main(struct exec_ctx *x)
{
	struct sbx_err err = { 0 };

	sbx_log_set_sink(sbx_sync_log_sink, (void *)(intptr_t)x->sock);
	if (join(x, &err) < 0) {
		sbx_sync_send_err(x->sock, &err);
		_exit(SBX_EXIT_FAILURE);
	}
	_exit(0);
}

static int compile(const struct sbx_config *cfg, const struct sbx_exec_opts *o,
		   struct exec_ctx *x, struct sbx_err *err)
{
	char path[64];
	_sbx_cleanup_free_ char *sg = NULL;
	struct sbx_err e2;

	if (o->console_socket && !cfg->process->terminal)
		return sbx_err_set(err, 0, "exec: --console-socket needs a terminal (--tty or process.terminal)");
	if (cfg->process->terminal && o->detach && !o->console_socket)
		return sbx_err_set(err, 0, "exec: --tty with --detach needs --console-socket");
	if (cfg->process->selinux_label)
		return sbx_err_set(err, 0, "exec: process.selinuxLabel: SELinux is not supported by sbxrun");
	if (sbx_process_compile(cfg, o->cache_dir, &x->plan, err) < 0)
		return -1;
	x->plan.preserve_fds = o->preserve_fds;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)x->st->pid);
	x->pst.setgroups_allowed = !(sbx_read_file_at(AT_FDCWD, path, &sg, NULL, &e2) == 0 &&
				     !strncmp(sg, "deny", 4));
	return 0;
}

/* Messages until EOF: the pid (joiner), maybe the pty (process), an error
 * from either; EOF once both are gone or exec'd. */
static int collect(struct exec_ctx *x, struct sbx_exec_proc *out, struct sbx_err *err)
{
	struct sbx_sync_msg m;

	for (;;) {
		int fd = -1, r = sbx_sync_recv(x->sock, &m, &fd, err);
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		if (m.type == SBX_SYNC_ERROR) {
			*err = m.err;
			if (fd >= 0)
				close(fd);
			return -1;
		} else if (m.type == SBX_SYNC_INIT_PID) {
			out->pid = (pid_t)m.value;
		} else if (m.type == SBX_SYNC_PTY && fd >= 0 && out->pty_master < 0) {
			out->pty_master = fd;
		} else if (fd >= 0) {
			close(fd);
		}
	}
	if (out->pid <= 0)
		return sbx_err_set(err, 0, "exec: the joiner exited without starting the process");
	return 0;
}

/* A created container's namespaces from its init.  No exec.sock (a
 * container created by an older sbxrun) is not an error: the pidfd path
 * is tried instead (ns->n stays 0). */
static int fetch_ns(int dirfd, struct sbx_handover_ns *ns, struct sbx_err *err)
{
	if (sbx_handover_fetch_ns(dirfd, ns, err) == 0)
		return 0;
	return err->errnum == ENOENT || err->errnum == ECONNREFUSED ? 0 : -1;
}

/*
 * The joiner, created inside the container's cgroup (clone3
 * CLONE_INTO_CGROUP) as init's stage-1 is: a write to cgroup.procs
 * migrates a running process, which waits for an RCU grace period (0.5-15
 * ms here, the largest wait of an `exec`); a process born inside does not.
 * Where clone3 or the flag is refused (an old kernel, a seccomp policy,
 * a cgroup that refuses it), fork() and x->cg_enter: the joiner writes
 * cgroup.procs itself, with the error text of that write if it fails.
 * Being born in the cgroup exposes nothing: the joiner is not in the
 * container's pid namespace (setns(CLONE_NEWPID) only places its
 * children there), and it is non-dumpable before it joins anything.
 */
static pid_t spawn_joiner(struct exec_ctx *x, struct sbx_err *err)
{
	struct clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
	_sbx_cleanup_close_ int cgfd = -1;
	pid_t pid;

	x->cg_enter = false;
	if (x->st->cgroup_path) {
		cgfd = sbx_cgroup_open_dir(x->st->cgroup_path, err);
		if (cgfd < 0)
			return -1;
		args.cgroup = (uint64_t)cgfd;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0)
			return pid;
		sbx_debug("exec: clone3(CLONE_INTO_CGROUP) %s: %s; fork + cgroup.procs instead",
			  x->st->cgroup_path, strerror(errno));
		x->cg_enter = true;
	}
	pid = fork();
	if (pid < 0)
		sbx_err_set(err, errno, "exec: fork");
	return pid;
}

static void kill_and_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int start(const struct sbx_config *cfg, const struct sbx_exec_opts *o, struct exec_ctx *x,
		 struct sbx_exec_proc *out, struct sbx_err *err)
{
	int sv[2] = { -1, -1 }, low = (int)(3 + o->preserve_fds);
	pid_t joiner;

	x->pidfd = sbx_fd_move_above((int)syscall(SYS_pidfd_open, x->st->pid, 0), low);
	if (x->pidfd < 0 || !sbx_state_pid_alive(x->st))
		return sbx_err_set(err, x->pidfd < 0 ? errno : 0,
				   "cannot exec in container \"%s\": its init is gone", x->st->id);
	/* A created init is non-dumpable: it hands over its namespaces itself
	 * (handover.h); a running one is the user's process, joined by pidfd. */
	if (x->st->status == SBX_STATUS_CREATED && o->state_dirfd >= 0 &&
	    fetch_ns(o->state_dirfd, &x->ns, err) < 0)
		return -1;
	for (size_t i = 0; i < x->ns.n; i++)
		x->ns.fd[i] = sbx_fd_move_above(x->ns.fd[i], low);
	if (!x->ns.n) {
		x->ns_flags = ns_flags_to_join(cfg, x->st->pid, err);
		if (x->ns_flags < 0)
			return -1;
		/* A mount namespace that is not the container's own (inherited
		 * or joined by path): init is chrooted in it; its root, opened
		 * by pid and checked against the pidfd (still that process). */
		if (!own_mntns(cfg)) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/root", (int)x->st->pid);
			x->root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (x->root < 0 || syscall(SYS_pidfd_send_signal, x->pidfd, 0, NULL, 0) < 0)
				return sbx_err_set(err, errno, "cannot exec in container \"%s\": open its root %s",
						   x->st->id, path);
			x->root = sbx_fd_move_above(x->root, low);
		}
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return sbx_err_set(err, errno, "exec: socketpair");
	x->sock = sbx_fd_move_above(sv[0], low);
	sv[1] = sbx_fd_move_above(sv[1], low);
	joiner = spawn_joiner(x, err);
	if (joiner < 0) {
		close(sv[1]);
		return -1;
	}
	if (joiner == 0) {
		close(x->sock);
		x->sock = sv[1];
		joiner_main(x);
	}
	close(sv[1]);
	while (waitpid(joiner, NULL, 0) < 0 && errno == EINTR)
		;
	if (collect(x, out, err) < 0) {
		kill_and_reap(out->pid);
		if (out->pty_master >= 0)
			close(out->pty_master);
		out->pty_master = -1;
		return -1;
	}
	if (out->pty_master >= 0 && o->console_socket) {
		int r = sbx_terminal_send_console(o->console_socket, out->pty_master, err);
		close(out->pty_master);
		out->pty_master = -1;
		if (r < 0) {
			kill_and_reap(out->pid);
			return -1;
		}
	}
	return 0;
}

int sbx_exec_start(const struct sbx_config *cfg, const struct sbx_state *st,
		   const struct sbx_exec_opts *o, struct sbx_exec_proc *out, struct sbx_err *err)
{
	struct exec_ctx x = { .st = st, .sock = -1, .pidfd = -1, .root = -1 };
	int r = 0;

	out->pid = -1;
	out->pty_master = -1;
	if (compile(cfg, o, &x, err) < 0 || start(cfg, o, &x, out, err) < 0)
		r = -1;
	if (x.sock >= 0)
		close(x.sock);
	if (x.pidfd >= 0)
		close(x.pidfd);
	if (x.root >= 0)
		close(x.root);
	sbx_handover_close_ns(&x.ns);
	sbx_process_plan_free(&x.plan);
	return r;
}
