/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launcher's parent side.  compile_all() builds every plan before the
 * first fork (mount plan, capability sets, the seccomp BPF program,
 * Landlock paths, id maps, cgroup plan), so a bad config fails before
 * anything is created and the children only apply ready plans; then
 * parent_setup() owns the order of the parent's steps, the counterpart of
 * child_setup() in container.c (docs/internals.md shows both).
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
	c->parent_mounts = c->open_sources || sbx_rootfs_plan_n_prepared(c->rootfs) > 0;
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

/* ------------------------------------------------------------------ */
/* parent                                                               */

/* What the parent's side of one launch holds; parent_abort() releases it
 * on failure, sbx_container_spawn() hands it to the caller on success. */
struct parent_run {
	int sock;                 /* the parent's end of the sync socket */
	pid_t s1, init;           /* -1 when gone / not yet known */
	char *cgpath;             /* the container's cgroup (owned), or NULL */
	bool cg_enter;            /* stage 1 still has to be moved into it */
	int pty, listener;        /* init's pty master and seccomp listener, or -1 */
	unsigned long long start_time;
	enum sbx_sync_type ready; /* SBX_SYNC_CREATED (create) or SBX_SYNC_EXEC (run) */
};

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* 1. Stage 1 unshared the user namespace: write its maps and place it in
 *    the cgroup (a fallback fork did not start inside it), so that its
 *    cgroup namespace is rooted at the container's cgroup. */
static int step_userns(struct launch_ctx *c, struct parent_run *p, struct sbx_err *err)
{
	struct sbx_sync_msg m;

	if (sbx_sync_expect(p->sock, SBX_SYNC_USERNS, &m, NULL, "namespaces", err) < 0)
		return -1;
	if (c->new_userns && sbx_idmap_apply_parent(&c->idmap, p->s1, err) < 0)
		return -1;
	if (p->cg_enter && sbx_cgroup_add_pid(p->cgpath, p->s1, err) < 0)
		return -1;
	if (sbx_sync_send(p->sock, SBX_SYNC_USERNS_DONE, 0, -1, err) < 0)
		return -1;
	sbx_debug("parent: ids mapped%s", p->cg_enter ? ", moved into the cgroup" : "");
	return 0;
}

/* 2. init's pid; stage 1 has nothing left to do. */
static int step_init_pid(struct parent_run *p, struct sbx_err *err)
{
	struct sbx_sync_msg m;

	if (sbx_sync_expect(p->sock, SBX_SYNC_INIT_PID, &m, NULL, "namespaces", err) < 0)
		return -1;
	p->init = (pid_t)m.value;
	reap(p->s1);
	p->s1 = -1;
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
 * joined) is init's, named by /proc: init is past GO and waits for
 * MOUNTS_DONE before it mounts anything.  Each goes to init as
 * SBX_SYNC_MOUNTFD with its plan slot. */
static int send_prepared_mounts(struct launch_ctx *c, struct parent_run *p, struct sbx_err *err)
{
	size_t n = sbx_rootfs_plan_n_prepared(c->rootfs);
	_sbx_cleanup_free_ struct sbx_rootfs_prepared *prep = NULL;
	_sbx_cleanup_close_ int userns = -1;
	char path[64];
	int r = 0;

	if (n == 0)
		return 0;
	if (sbx_config_ns(c->cfg, SBX_NS_USER)) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)p->init);
		userns = open(path, O_RDONLY | O_CLOEXEC);
		if (userns < 0)
			return sbx_err_set(err, errno, "open the container's user namespace %s", path);
	}
	prep = sbx_xcalloc(n, sizeof(*prep));
	for (size_t i = 0; i < n; i++)
		prep[i].fd = -1;
	if (sbx_rootfs_prepare_parent(c->rootfs, p->init, userns, prep, err) < 0)
		r = -1;
	else
		sbx_debug("parent: %zu mounts prepared (id-mapped where asked and supported)", n);
	for (size_t i = 0; i < n; i++) {
		if (r == 0 &&
		    sbx_sync_send(p->sock, SBX_SYNC_MOUNTFD, (int64_t)prep[i].slot, prep[i].fd, err) < 0)
			r = -1;
		sbx_cleanup_close(&prep[i].fd);
	}
	return r;
}

/* The rootfs module's parent side: the id-mapped clones (rootfs_idmap.c),
 * made in init's mount namespace after the network module made its bind
 * sources (/etc/hosts); then, rootful with a user namespace, the bind
 * sources opened with the runtime's credentials (rootfs_bind.c).  Sent
 * after GO, while init does child_setup step 1, which needs none of them
 * (the id-mapped rootfs costs ~0.1 ms here: two setns, open_tree,
 * mount_setattr); MOUNTS_DONE ends them (c->parent_mounts: both sides
 * know from the plan whether it comes). */
static int rootfs_apply_parent(struct launch_ctx *c, struct parent_run *p, struct sbx_err *err)
{
	struct send_src_arg a = { .sock = p->sock };

	if (!c->parent_mounts)
		return 0;
	if (send_prepared_mounts(c, p, err) < 0)
		return -1;
	if (c->open_sources && sbx_rootfs_open_sources(c->rootfs, p->init, send_source, &a, err) < 0) {
		/* Not allowed into the container's mount namespace (no
		 * CAP_SYS_ADMIN in ours): init opens them. */
		if (err->errnum != EPERM || a.sent)
			return -1;
		sbx_debug_err(err, "parent: bind sources left to init");
	}
	return sbx_sync_send(p->sock, SBX_SYNC_MOUNTS_DONE, 0, -1, err);
}

/* A failure of ours after GO may be one of init's in disguise (it failed
 * at child_setup step 1 and exited: our next message finds no reader, its
 * namespaces are gone).  Its report is the one to give: kill it, so that
 * the socket ends, and read what it sent before. */
static void prefer_init_error(struct parent_run *p, struct sbx_err *err)
{
	struct sbx_sync_msg m;
	struct sbx_err e2;
	int fd = -1;

	kill(p->init, SIGKILL);
	while (sbx_sync_recv(p->sock, &m, &fd, &e2) > 0) {
		sbx_cleanup_close(&fd);
		if (m.type == SBX_SYNC_ERROR) {
			*err = m.err;
			return;
		}
	}
}

/* prestart and createRuntime, in the runtime's namespaces, when init asks
 * (SBX_SYNC_HOOKS: its mounts exist, pivot_root has not happened yet). */
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

/* init's pty master: to the console socket, or kept for the caller. */
static int take_pty(struct launch_ctx *c, struct parent_run *p, int fd, struct sbx_err *err)
{
	int r = 0;

	if (!c->opts->console_socket) {
		p->pty = fd;
		return 0;
	}
	r = sbx_terminal_send_console(c->opts->console_socket, fd, err);
	close(fd);
	return r;
}

/* init's seccomp listener (SCMP_ACT_NOTIFY): to listenerPath with the
 * state, or kept for the caller. */
static int take_listener(struct launch_ctx *c, struct parent_run *p, int fd, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *state = NULL;
	int r;

	if (!c->proc.seccomp.listener_path) {
		p->listener = fd;
		return 0;
	}
	state = state_for(c, p->init, "creating");
	r = sbx_seccomp_send_listener(&c->proc.seccomp, fd, state, err);
	close(fd);
	return r;
}

/* 7. After GO, until init is set up (CREATED or EXEC): what init sends on
 *    the way (its pty, its seccomp listener) and the runtime hooks it asks
 *    for.  Anything else is a protocol error. */
static int collect_until_ready(struct launch_ctx *c, struct parent_run *p, struct sbx_err *err)
{
	struct sbx_sync_msg m;
	int fd = -1, r;

	for (;;) {
		r = sbx_sync_recv(p->sock, &m, &fd, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return sbx_err_set(err, 0, "container init exited during setup");
		switch (m.type) {
		case SBX_SYNC_ERROR:
			if (fd >= 0)
				close(fd);
			*err = m.err;
			return -1;
		case SBX_SYNC_HOOKS:
			if (run_parent_hooks(c, p->init, err) < 0 ||
			    sbx_sync_send(p->sock, SBX_SYNC_HOOKS_DONE, 0, -1, err) < 0)
				return -1;
			break;
		case SBX_SYNC_PTY:
			if (take_pty(c, p, sbx_steal_fd(&fd), err) < 0)
				return -1;
			break;
		case SBX_SYNC_SECCOMP:
			if (take_listener(c, p, sbx_steal_fd(&fd), err) < 0)
				return -1;
			break;
		case SBX_SYNC_CREATED:
		case SBX_SYNC_EXEC:
			if (fd >= 0)
				close(fd);
			p->ready = (enum sbx_sync_type)m.type;
			return 0;
		default:
			if (fd >= 0)
				close(fd);
			return sbx_err_set(err, EPROTO, "unexpected sync message %u from init", m.type);
		}
		if (fd >= 0)
			sbx_cleanup_close(&fd);
	}
}

/* 8. Record init (pid, start time, cgroup) in the caller's state store.
 *    Before the hand-over it dies with us, so a crash anywhere up to here
 *    leaves no process behind; after it the record names everything
 *    there is to kill. */
static int record_init(struct launch_ctx *c, struct parent_run *p, struct sbx_err *err)
{
	struct sbx_container rec = { .pid = p->init, .cgroup_path = p->cgpath,
				     .pty_master = -1, .seccomp_listener = -1 };
	char st;

	if (sbx_proc_stat(p->init, &rec.start_time, &st) < 0)
		rec.start_time = 0;
	p->start_time = rec.start_time;
	if (c->opts->record_started && c->opts->record_started(c->opts->record_arg, &rec, err) < 0)
		return -1;
	return 0;
}

/* 9. The hand-over.  create: init waits on the fifo from here (it never
 *    held it while it resolved paths from the config) and echoes the
 *    hand-over once it no longer dies with us: only then may `create`
 *    exit.  run: success is the socket closing at execve; a failed
 *    execve (or startContainer hook) reports an error instead. */
static int parent_hand_over(struct launch_ctx *c, struct parent_run *p, struct sbx_err *err)
{
	struct sbx_sync_msg m;
	int fd = -1, r;

	if (p->ready == SBX_SYNC_CREATED)
		return sbx_sync_send(p->sock, SBX_SYNC_FIFO, 0, c->fifo_fd, err) < 0 ||
		       sbx_sync_send(p->sock, SBX_SYNC_EXEC_SOCK, 0, c->lsock, err) < 0 ||
		       sbx_sync_send(p->sock, SBX_SYNC_EXEC_ERR, 0, c->err_fd, err) < 0 ||
		       sbx_sync_send(p->sock, SBX_SYNC_HANDOVER, 0, -1, err) < 0 ||
		       sbx_sync_expect(p->sock, SBX_SYNC_HANDOVER, &m, NULL, "the hand-over", err) < 0
		       ? -1 : 0;
	if (!c->opts->foreground && sbx_sync_send(p->sock, SBX_SYNC_HANDOVER, 0, -1, err) < 0)
		return -1;
	/* A foreground init waits for nothing else before its exec. */
	if (c->opts->foreground && c->net.helper_async && sbx_sync_send(p->sock, SBX_SYNC_NETWORK, 0, -1, err) < 0)
		return -1;
	r = sbx_sync_recv(p->sock, &m, &fd, err);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		return -1;
	if (r > 0 && m.type == SBX_SYNC_ERROR) {
		*err = m.err;
		return -1;
	}
	return 0;
}

/*
 * The order of the parent's setup, in one place: the counterpart of
 * child_setup() (docs/internals.md shows both side by side).  stage 1 and
 * init wait on the sync socket at each step for the message that ends it.
 */
static int parent_setup(struct launch_ctx *c, struct parent_run *p, struct sbx_err *err)
{
	/* 1. Map ids, place stage 1 in the cgroup, release it (stage 1 then
	 *    unshares the other namespaces and clones init). */
	if (step_userns(c, p, err) < 0)
		return -1;
	/* 1b. While stage 1 makes the other namespaces: the device program
	 *     (attached before GO, see cgroup.h) and the network's parts that
	 *     need none of them (bridge: lease, bridge, rules, /etc). */
	if (sbx_cgroup_apply_devices(c->cgroup, p->cgpath, err) < 0)
		return -1;
	if (sbx_net_apply_early(&c->net, err) < 0)
		return -1;
	/* 2. Receive init's pid: its namespaces exist, it waits for GO. */
	if (step_init_pid(p, err) < 0)
		return -1;
	/* 3. The modules' parent hooks, in the runtime's namespaces while
	 *    init waits: the network (veth, addresses, routes) ... */
	if (sbx_net_apply_parent(&c->net, p->init, err) < 0)
		return -1;
	/* 4. ... the state JSON for the container's hooks ... */
	if (c->container_hooks) {
		_sbx_cleanup_free_ char *state = state_for(c, p->init, "creating");
		if (sbx_sync_send_blob(p->sock, state, strlen(state), err) < 0)
			return -1;
	}
	/* 5. GO: init sets itself up (child_setup) ... */
	if (sbx_sync_send(p->sock, SBX_SYNC_GO, 0, -1, err) < 0)
		return -1;
	/* 6. ... meanwhile the rootfs: prepared mounts and bind sources,
	 *    after the network made its own (/etc/hosts). */
	if (rootfs_apply_parent(c, p, err) < 0) {
		prefer_init_error(p, err);
		return -1;
	}
	/* 7. Collect init's fds; prestart/createRuntime hooks when init's
	 *    mounts exist (runtime-spec: before pivot_root), until init is
	 *    ready. */
	if (collect_until_ready(c, p, err) < 0)
		return -1;
	/* 7b. The network's helper, started at 3, is ready (init set itself
	 *     up meanwhile; it has not run anything of the container's). */
	if (sbx_net_apply_ready(&c->net, err) < 0)
		return -1;
	/* 8. Record it, 9. hand it over. */
	if (record_init(c, p, err) < 0)
		return -1;
	return parent_hand_over(c, p, err);
}

/* A failed launch: kill and remove everything parent_setup() started. */
static void parent_abort(struct launch_ctx *c, struct parent_run *p)
{
	struct sbx_err e2;

	sbx_cleanup_close(&p->pty);
	sbx_cleanup_close(&p->listener);
	if (p->s1 > 0) {
		kill(p->s1, SIGKILL);
		reap(p->s1);
	}
	if (p->init > 0) {
		kill(p->init, SIGKILL);
		reap(p->init);
	}
	if (c->net.applied && sbx_net_teardown(c->opts->state_root, c->opts->id, &e2) < 0)
		sbx_debug_err(&e2, "cleanup");
	if (p->cgpath && sbx_cgroup_destroy(p->cgpath, true, &e2) < 0)
		sbx_debug_err(&e2, "cleanup");
	free(p->cgpath);
	p->cgpath = NULL;
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

/* The caller's files for `create`, opened here with the caller's own
 * credentials because the container's uid may not be able to open them,
 * and moved above the fds the container keeps.  init gets them only at
 * the hand-over (parent_hand_over). */
static int open_caller_files(struct launch_ctx *c, struct sbx_err *err)
{
	const struct sbx_launch_opts *opts = c->opts;
	int above = (int)(3 + opts->preserve_fds);

	if (opts->exec_fifo) {
		/* O_RDWR (Linux: never blocks, counts as reader and writer):
		 * init is a reader, so `start` can open the write end; and a
		 * writer, so that a `start` killed between its open and its
		 * write cannot make init see end-of-file.  init's fd closes at
		 * its execve, which is what `start` waits for (POLLERR: no
		 * reader left). */
		c->fifo_fd = open(opts->exec_fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (c->fifo_fd < 0)
			return sbx_err_set(err, errno, "open exec fifo %s", opts->exec_fifo);
		c->fifo_fd = sbx_fd_move_above(c->fifo_fd, above);
		c->lsock = sbx_handover_listen(opts->exec_fifo, err);
		if (c->lsock < 0)
			return -1;
		c->lsock = sbx_fd_move_above(c->lsock, above);
	}
	if (opts->exec_error_file) {
		/* The container's uid writes through this fd, whoever may
		 * open the file. */
		c->err_fd = open(opts->exec_error_file,
				 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
		if (c->err_fd < 0)
			return sbx_err_set(err, errno, "create %s", opts->exec_error_file);
	}
	return 0;
}

/* Fork stage 1 and drive the launch; owns *cgpath from here (handed to
 * out->cgroup_path, or removed with everything else on failure). */
static int launch(struct launch_ctx *c, int sv[2], char **cgpath, struct sbx_container *out,
		  struct sbx_err *err)
{
	struct parent_run p = { .sock = sv[0], .init = -1, .pty = -1, .listener = -1 };

	p.s1 = spawn_stage1(*cgpath, &p.cg_enter);
	if (p.s1 < 0)
		return sbx_err_set(err, errno, "fork");
	if (p.s1 == 0) {
		close(sv[0]);
		c->sock = sv[1];
		sbx_container_stage1_main(c);
	}
	sbx_cleanup_close(&sv[1]);
	p.cgpath = sbx_steal_ptr(cgpath);
	if (parent_setup(c, &p, err) < 0) {
		parent_abort(c, &p);
		return -1;
	}
	out->pid = p.init;
	out->start_time = p.start_time;
	out->cgroup_path = p.cgpath;
	out->pty_master = p.pty;
	out->seccomp_listener = p.listener;
	return 0;
}

int sbx_container_spawn(const struct sbx_config *cfg, const struct sbx_launch_opts *opts,
			struct sbx_container *out, struct sbx_err *err)
{
	struct launch_ctx c = { .cfg = cfg, .opts = opts, .sock = -1, .fifo_fd = -1, .lsock = -1,
				.err_fd = -1,
				.proc = { .stub_fd = -1 } };
	char *cgpath = NULL;
	int sv[2] = { -1, -1 };
	int r = -1;

	sbx_debug("parent: compiling plans");
	if (compile_all(&c, err) < 0) {
		free_plans(&c);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		free_plans(&c);
		return sbx_err_set(err, errno, "create the sync socket");
	}
	sv[0] = sbx_fd_move_above(sv[0], (int)(3 + opts->preserve_fds));
	sv[1] = sbx_fd_move_above(sv[1], (int)(3 + opts->preserve_fds));
	if (open_caller_files(&c, err) < 0)
		goto out;
	if (sv[0] < 0 || sv[1] < 0) {
		sbx_err_set(err, errno, "move the sync socket");
		goto out;
	}
	if (sbx_cgroup_prepare(c.cgroup, opts->record_cgroup, opts->record_arg, &cgpath, err) < 0)
		goto out;
	/* A rootless user-defined network joins its user namespace. */
	if (sbx_net_prepare(&c.net, err) < 0)
		goto out;
	r = launch(&c, sv, &cgpath, out, err);
out:
	if (cgpath) {
		struct sbx_err e2;
		if (sbx_cgroup_destroy(cgpath, true, &e2) < 0)
			sbx_debug_err(&e2, "cleanup");
		free(cgpath);
	}
	sbx_cleanup_close(&c.fifo_fd);
	sbx_cleanup_close(&c.lsock);
	sbx_cleanup_close(&c.err_fd);
	sbx_cleanup_close(&sv[0]);
	sbx_cleanup_close(&sv[1]);
	free_plans(&c);
	return r;
}
