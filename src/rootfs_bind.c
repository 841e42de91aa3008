/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bind-mount sources: who opens them, where, and as whom (include/sbx/rootfs.h).
 *
 * A bind source is a path the runtime's caller chose.  runc and crun open it
 * with the runtime's own credentials: host root for a rootful container, even
 * when the container runs in a user namespace whose root (a subordinate uid
 * on the host) may not even search the directories above it.  sbxrun does
 * the same, in three cases:
 *
 *   - rootful with a user namespace: the parent, before init mounts
 *     anything, enters init's mount namespace (setns), opens every host
 *     source there (O_PATH), returns to its own namespace, root and cwd, and
 *     passes the fds to init over the sync socket.  The fd must come from
 *     init's namespace: mount(2) refuses to bind a mount of another mount
 *     namespace, and the copies the kernel made of the host's mounts for that
 *     namespace carry the host's nosuid/nodev/noexec/ro locked, so the
 *     container cannot clear them.  (A clone made with open_tree() on the
 *     host side would not be locked.)
 *   - rootful without a user namespace: init has the runtime's credentials
 *     and opens the source itself, at mount time.
 *   - rootless: the runtime cannot enter the container's mount namespace
 *     (it has no CAP_SYS_ADMIN in its own), and the container's root is the
 *     caller: init opens the source with the same rights the caller has.
 *
 * A source inside the rootfs is never opened by the runtime: it names what
 * the container sees at that place, which includes the earlier mounts (a
 * tmpfs, another bind), so init resolves it when it gets there, inside the
 * rootfs (openat2 RESOLVE_IN_ROOT), like every destination: a symlink in the
 * image cannot turn it into a host path.
 */
#include "rootfs_int.h"
#include "sbx/idmap.h"
#include "sbx/log.h"
#include "sbx/path.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* (Id-mapped binds are cloned by the parent instead: rootfs_idmap.c.) */
static bool host_source(const struct sbx_rootfs_op *op)
{
	return op->kind == SBX_ROOTFS_OP_BIND && op->source && !op->source_in_root && !op->idmap;
}

size_t sbx_rootfs_host_sources(const struct sbx_rootfs_plan *plan)
{
	size_t i, n = 0;

	for (i = 0; i < plan->n_ops; i++)
		n += host_source(&plan->ops[i]);
	return n;
}

/* Open the sources (we are in the target mount namespace now). */
static int open_all(const struct sbx_rootfs_plan *plan,
		    int (*send)(void *arg, size_t op, int fd, struct sbx_err *err), void *arg,
		    struct sbx_err *err)
{
	for (size_t i = 0; i < plan->n_ops; i++) {
		const struct sbx_rootfs_op *op = &plan->ops[i];
		_sbx_cleanup_close_ int fd = -1;

		if (!host_source(op))
			continue;
		/* The caller's path: following its symlinks is the caller's
		 * call (as in runc). */
		fd = open(op->source, O_PATH | O_CLOEXEC);
		if (fd < 0)
			return sbx_err_set(err, errno, "mounts[%zu]: bind %s on %s: open source",
					   op->index, op->source, op->destination);
		if (send(arg, i, fd, err) < 0)
			return -1;
	}
	return 0;
}

int sbx_rootfs_in_mntns(pid_t pid, int (*fn)(void *arg, struct sbx_err *err), void *arg,
			struct sbx_err *err)
{
	_sbx_cleanup_close_ int self_ns = -1, target_ns = -1, root = -1, cwd = -1;
	struct stat a, b;
	char path[64];
	int r, saved;

	/* Only root of the initial user namespace is sure to get back into
	 * its own mount namespace after entering the container's. */
	if (geteuid() != 0 || !sbx_userns_is_initial())
		return sbx_err_set(err, EPERM, "enter the container's mount namespace: not host root");
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	self_ns = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	target_ns = open(path, O_RDONLY | O_CLOEXEC);
	if (self_ns < 0 || target_ns < 0 || fstat(self_ns, &a) < 0 || fstat(target_ns, &b) < 0)
		return sbx_err_set(err, errno, "open the container's mount namespace %s", path);
	/* Same namespace (none of the container's own): in place. */
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return fn(arg, err);
	/* setns(CLONE_NEWNS) resets root and cwd to the namespace's root:
	 * keep both to come back exactly where we were (sbxrun may itself
	 * run chrooted, and later relative paths of the caller, such as
	 * --pid-file, must keep their meaning). */
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || cwd < 0)
		return sbx_err_set(err, errno, "open the runtime's root and working directory");
	if (setns(target_ns, CLONE_NEWNS) < 0)
		return sbx_err_set(err, errno, "enter the container's mount namespace");
	r = fn(arg, err);
	saved = errno;
	/* Coming back must not fail silently: a runtime left in the
	 * container's namespace would go on in the wrong tree. */
	if (setns(self_ns, CLONE_NEWNS) < 0 || fchdir(root) < 0 || chroot(".") < 0 ||
	    fchdir(cwd) < 0) {
		sbx_error("cannot return to the runtime's mount namespace: %s", strerror(errno));
		abort();
	}
	errno = saved;
	return r;
}

struct open_all_arg {
	const struct sbx_rootfs_plan *plan;
	int (*send)(void *arg, size_t op, int fd, struct sbx_err *err);
	void *arg;
};

static int open_all_cb(void *arg, struct sbx_err *err)
{
	struct open_all_arg *a = arg;

	return open_all(a->plan, a->send, a->arg, err);
}

int sbx_rootfs_open_sources(const struct sbx_rootfs_plan *plan, pid_t pid,
			    int (*send)(void *arg, size_t op, int fd, struct sbx_err *err),
			    void *arg, struct sbx_err *err)
{
	struct open_all_arg a = { plan, send, arg };

	if (!sbx_rootfs_host_sources(plan))
		return 0;
	if (sbx_rootfs_in_mntns(pid, open_all_cb, &a, err) < 0)
		return sbx_err_prefix(err, "open the bind sources as the runtime");
	return 0;
}

int sbx_rootfs_adopt_source(struct sbx_rootfs_plan *plan, size_t op, int fd, struct sbx_err *err)
{
	if (op >= plan->n_ops || !host_source(&plan->ops[op]) || plan->src_fds[op] >= 0) {
		close(fd);
		return sbx_err_set(err, EPROTO, "bind source for plan step %zu: not expected", op);
	}
	plan->src_fds[op] = fd;
	return 0;
}

int sbx_rootfs_source_fd(struct sbx_rootfs_plan *plan, size_t i, int rootfd, struct sbx_err *err)
{
	const struct sbx_rootfs_op *op = &plan->ops[i];
	int fd;

	if (plan->src_fds[i] >= 0) {
		fd = plan->src_fds[i];
		plan->src_fds[i] = -1;
		return fd;
	}
	if (op->source_in_root) {
		fd = sbx_path_open_in_root(rootfd, op->source_in_root, O_PATH, err);
		if (fd < 0)
			return sbx_err_prefix(err, "bind %s on %s: open source in the rootfs",
					      op->source, op->destination);
		return fd;
	}
	fd = open(op->source, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_set(err, errno, "bind %s on %s: open source", op->source,
				   op->destination);
	return fd;
}

void sbx_rootfs_close_sources(struct sbx_rootfs_plan *plan)
{
	if (plan->src_fds) {
		for (size_t i = 0; i < plan->n_ops; i++) {
			if (plan->src_fds[i] >= 0) {
				close(plan->src_fds[i]);
				plan->src_fds[i] = -1;
			}
		}
	}
	/* The parent's prepared mounts (rootfs_idmap.c), the rootfs's too. */
	for (size_t i = 0; plan->mntfds && i <= plan->n_ops; i++) {
		if (plan->mntfds[i] >= 0) {
			close(plan->mntfds[i]);
			plan->mntfds[i] = -1;
		}
	}
}
