/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Root filesystem, child side: apply the plan (compiled in rootfs_compile.c)
 * inside the new mount namespace, enter the rootfs, finalize it (see
 * include/sbx/rootfs.h).  The steps are made of the fd-based mount helpers
 * of rootfs_mount.c and the devices of rootfs_dev.c.
 *
 * Security rules followed throughout:
 *   - every destination is resolved inside the rootfs with
 *     sbx_path_mkpath_in_root/sbx_path_open_in_root (openat2
 *     RESOLVE_IN_ROOT), and mount(2) is given the *resolved* object as
 *     "self/fd/<fd>" under an fd of procfs, never the path string, so a
 *     symlink in the rootfs cannot redirect a mount outside of it, nor can
 *     the tree change between the check and the mount;
 *   - a bind remount keeps the restrictive flags of the source (ro, nosuid,
 *     nodev, noexec) unless the config explicitly clears them (see
 *     rootfs_mount.c);
 *   - container mounts never propagate back to the host: the old root is
 *     made rprivate (or rslave) before the first mount; in a mount
 *     namespace that is not the container's own, they all sit under a
 *     private bind of the rootfs instead, and the old root is left alone.
 */
#include "rootfs_int.h"
#include "sbx/path.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* ------------------------------------------------------------------ */
/* apply (child)                                                      */
/* ------------------------------------------------------------------ */

/*
 * mount(2) takes path strings.  To mount onto (or from) exactly the object
 * we resolved, we pass the magic link of its fd.  The links are relative to
 * an fd of a procfs we made our cwd ("self/fd/N"): that procfs is the host's
 * one, opened before pivot_root and kept in the child context from apply to
 * finalize, so it works in finalize too, even when the container has no
 * /proc of its own.  The fd is O_CLOEXEC and closed at the end of finalize
 * (or on the first failure), so it never reaches the container process.
 */
static int enter_proc(struct sbx_rootfs_child *cx, struct sbx_err *err)
{
	if (cx->proc_fd < 0) {
		cx->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (cx->proc_fd < 0)
			return sbx_err_set(err, errno, "open /proc");
	}
	if (fchdir(cx->proc_fd) < 0)
		return sbx_err_set(err, errno, "chdir to /proc");
	return 0;
}

static bool host_cgroup2(void)
{
	struct statfs sf;

	return statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/*
 * proc and sysfs (as runc and crun require) and /dev (sbxrun adds it) are
 * mounted only on an ordinary directory of the image, never through a
 * symlink there: with /proc a link into a volume that another container
 * controls (CVE-2019-16884, CVE-2019-19921), the runtime's later writes
 * through the container's /proc (sysctls, read-only and masked paths) would
 * land on files of the attacker's choosing.  A missing one is created.
 */
static int check_plain_dir(int rootfd, const struct sbx_rootfs_op *op, const char *what,
			   struct sbx_err *err)
{
	_sbx_cleanup_close_ int pfd = -1;
	char parent[PATH_MAX];
	const char *base = strrchr(op->destination, '/') + 1;
	struct stat st;

	snprintf(parent, sizeof(parent), "%.*s", (int)(base - op->destination), op->destination);
	pfd = sbx_path_open_in_root(rootfd, parent, O_PATH | O_DIRECTORY, NULL);
	if (pfd < 0 || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* missing: mkpath creates a directory */
	if (S_ISLNK(st.st_mode))
		return sbx_err_set(err, 0, "mount %s on %s: it is a symbolic link in the rootfs; %s must be mounted on an ordinary directory",
				   what, op->destination, what);
	if (!S_ISDIR(st.st_mode))
		return sbx_err_set(err, ENOTDIR, "mount %s on %s: %s must be mounted on an ordinary directory",
				   what, op->destination, what);
	return 0;
}

static int do_op(struct sbx_rootfs_plan *plan, int rootfd, size_t i, struct sbx_err *err)
{
	const struct sbx_rootfs_opts *o = &plan->opts;
	const struct sbx_rootfs_op *op = &plan->ops[i];
	int merr = 0, r;

	if (op->kind == SBX_ROOTFS_OP_PROC || op->kind == SBX_ROOTFS_OP_SYSFS) {
		if (check_plain_dir(rootfd, op, op->type, err) < 0)
			return -1;
	} else if (op->kind != SBX_ROOTFS_OP_DEV && !strcmp(op->destination, "/dev")) {
		if (check_plain_dir(rootfd, op, "/dev", err) < 0)
			return -1;
	}
	switch (op->kind) {
	case SBX_ROOTFS_OP_BIND: {
		_sbx_cleanup_close_ int src = -1;
		if (plan->mntfds[i] >= 0) {
			/* Prepared by the parent (rootfs_idmap.c). */
			r = sbx_rootfs_attach_prepared(rootfd, op, plan->mntfds[i], err);
			sbx_cleanup_close(&plan->mntfds[i]);
			return r;
		}
		src = sbx_rootfs_source_fd(plan, i, rootfd, err);
		if (src < 0)
			return -1;
		return sbx_rootfs_bind_fd(rootfd, op, src, op->source, op->flags, op->attr_set, err);
	}
	case SBX_ROOTFS_OP_PROC:
	case SBX_ROOTFS_OP_FS:
		if (sbx_rootfs_mount_fs(rootfd, op, op->type, &merr, err) == 0)
			return 0;
		/* mqueue needs a new ipc namespace owned by our user ns;
		 * without one, share the host's like runc does. */
		if (op->kind == SBX_ROOTFS_OP_FS && !strcmp(op->type, "mqueue") && merr == EPERM &&
		    o->userns)
			return sbx_rootfs_bind_path(rootfd, op, "/dev/mqueue",
						    op->flags | MS_BIND | MS_REC, op->attr_set, err);
		return -1;
	case SBX_ROOTFS_OP_SYSFS:
		if (!o->new_netns && (o->userns || o->rootless))
			return sbx_rootfs_bind_host_ro(rootfd, op, "/sys", err);
		if (sbx_rootfs_mount_fs(rootfd, op, "sysfs", &merr, err) == 0)
			return 0;
		if (merr == EPERM && o->userns)
			return sbx_rootfs_bind_host_ro(rootfd, op, "/sys", err);
		return -1;
	case SBX_ROOTFS_OP_CGROUP:
		/* A cgroup2 mount only makes sense when the host is unified:
		 * on a hybrid host the controllers live in v1 hierarchies,
		 * which a user namespace can never mount.  Without a cgroup
		 * namespace (or user ns privileges over it) the kernel says
		 * EPERM.  In both cases expose the host's tree read-only. */
		if (!host_cgroup2())
			return sbx_rootfs_bind_host_ro(rootfd, op, "/sys/fs/cgroup", err);
		if (sbx_rootfs_mount_fs(rootfd, op, "cgroup2", &merr, err) == 0)
			return 0;
		if (merr == EPERM)
			return sbx_rootfs_bind_host_ro(rootfd, op, "/sys/fs/cgroup", err);
		return -1;
	case SBX_ROOTFS_OP_DEV:
		return sbx_rootfs_populate_dev(plan, rootfd, err);
	}
	return sbx_err_set(err, EINVAL, "unknown mount kind %d", (int)op->kind);
}

static const char *prop_name(unsigned long p)
{
	if (p & MS_SHARED)
		return p & MS_REC ? "rshared" : "shared";
	if (p & MS_SLAVE)
		return p & MS_REC ? "rslave" : "slave";
	if (p & MS_UNBINDABLE)
		return p & MS_REC ? "runbindable" : "unbindable";
	return p & MS_REC ? "rprivate" : "private";
}

/* Anything to do in the rootfs that needs a mount of its own there. */
static bool needs_rootfs_mount(const struct sbx_rootfs_plan *plan)
{
	return plan->n_ops || plan->readonly || plan->n_masked || plan->n_ro ||
	       plan->final_propagation;
}

/* The parent's (id-mapped) clone of the rootfs, attached on our cwd.
 * Stage-1 made the rootfs directory our cwd before unsharing (the namespace
 * copy carried it over), so the tree is attached there without a path
 * lookup by the container's uid, which may not be able to search the
 * bundle's parents.  Check it is the same dir. */
static int attach_prepared_rootfs(struct sbx_rootfs_plan *plan, struct sbx_rootfs_child *cx,
				  struct sbx_err *err)
{
	int *tfd = &plan->mntfds[plan->n_ops];
	struct stat cwd, tree;

	if (stat(".", &cwd) < 0 || fstat(*tfd, &tree) < 0)
		return sbx_err_set(err, errno, "attach the prepared rootfs %s", plan->rootfs);
	if (cwd.st_dev != tree.st_dev || cwd.st_ino != tree.st_ino)
		return sbx_err_set(err, EXDEV, "attach the prepared rootfs %s: the working directory is not that directory",
				   plan->rootfs);
	if (syscall(SYS_move_mount, *tfd, "", AT_FDCWD, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return sbx_err_set(err, errno, "attach the prepared rootfs %s", plan->rootfs);
	/* The fd now names the root of the attached tree: the mount
	 * pivot_root needs. */
	cx->root_fd = sbx_steal_fd(tfd);
	return 0;
}

/* pivot_root needs the new root to be a mount point.  In a shared
 * namespace (!own) the bind holds the container's mounts, and made private
 * right away none of them reaches another mount or namespace; the bind
 * itself still appears wherever the rootfs's parent mount propagates to, as
 * with runc and crun (which mount into the shared tree directly). */
static int bind_rootfs(const struct sbx_rootfs_plan *plan, bool own, struct sbx_rootfs_child *cx,
		       struct sbx_err *err)
{
	if (own || needs_rootfs_mount(plan)) {
		if (mount(plan->rootfs, plan->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
			return sbx_err_set(err, errno, "bind %s onto itself%s", plan->rootfs,
					   own ? "" : " (the container has no mount namespace of its own: its mounts go to the runtime's one; add {\"type\": \"mount\"} to linux.namespaces)");
		if (!own && mount(NULL, plan->rootfs, NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			return sbx_err_set(err, errno, "make the bind of %s private", plan->rootfs);
	}
	cx->root_fd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cx->root_fd < 0)
		return sbx_err_set(err, errno, "open %s", plan->rootfs);
	return 0;
}

static int apply_child(struct sbx_rootfs_plan *plan, struct sbx_rootfs_child *cx,
		       struct sbx_err *err)
{
	bool own = !plan->opts.shared_mntns;
	size_t i;

	/* Only in a mount namespace of its own: elsewhere this would change
	 * the propagation of every mount of the runtime (runc does that, on
	 * the host's whole tree; crun does not). */
	if (own && mount(NULL, "/", NULL, plan->root_propagation, NULL) < 0)
		return sbx_err_set(err, errno, "make / %s", prop_name(plan->root_propagation));
	if (own && plan->mntfds[plan->n_ops] >= 0) {
		if (attach_prepared_rootfs(plan, cx, err) < 0)
			return -1;
	} else if (bind_rootfs(plan, own, cx, err) < 0) {
		return -1;
	}
	if (enter_proc(cx, err) < 0)
		return -1;
	for (i = 0; i < plan->n_ops; i++) {
		if (do_op(plan, cx->root_fd, i, err) < 0) {
			if (plan->ops[i].index != (size_t)-1)
				sbx_err_prefix(err, "mounts[%zu]", plan->ops[i].index);
			return -1;
		}
	}
	/* No runtime-opened source survives the mounts. */
	sbx_rootfs_close_sources(plan);
	/* The createContainer hooks run here, in the rootfs (as in runc). */
	if (fchdir(cx->root_fd) < 0)
		return sbx_err_set(err, errno, "chdir to %s", plan->rootfs);
	return 0;
}

int sbx_rootfs_apply_child(struct sbx_rootfs_plan *plan, struct sbx_rootfs_child *cx,
			   struct sbx_err *err)
{
	int r = apply_child(plan, cx, err);

	if (r < 0) {
		sbx_rootfs_close_sources(plan);
		sbx_rootfs_child_close(cx);
	}
	return r;
}

static int pivot_child(const struct sbx_rootfs_plan *plan, struct sbx_rootfs_child *cx,
		       struct sbx_err *err)
{
	if (fchdir(cx->root_fd) < 0)
		return sbx_err_set(err, errno, "chdir to %s", plan->rootfs);
	if (plan->opts.shared_mntns) {
		/* Not our namespace: pivot_root would move the root (and cwd)
		 * of every process in it that uses the old root into the
		 * container, and the detach would take the namespace's mounts
		 * away from all of them; moving onto "/" would cover its root.
		 * chroot, as runc and crun do without a mount namespace.  A
		 * chroot keeps the old root reachable to whoever can escape one
		 * (CAP_SYS_CHROOT); the kernel at least refuses a new user
		 * namespace to a chrooted process. */
		if (chroot(".") < 0)
			return sbx_err_set(err, errno, "chroot to %s", plan->rootfs);
	} else if (plan->opts.no_pivot) {
		/* chroot-style: needed where pivot_root is impossible
		 * (initramfs); weaker, the old root stays reachable to
		 * anyone who can escape a chroot (CAP_SYS_CHROOT). */
		if (sbx_rootfs_hide_host_procfs(cx->proc_fd, plan->rootfs, err) < 0)
			return -1;
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return sbx_err_set(err, errno, "move %s to /", plan->rootfs);
		if (chroot(".") < 0)
			return sbx_err_set(err, errno, "chroot to %s", plan->rootfs);
	} else {
		/* pivot_root(".", "."): the old root ends up mounted on top of
		 * the new one; detaching "." then removes it without a
		 * put_old directory inside the rootfs. */
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return sbx_err_set(err, errno, "pivot_root to %s", plan->rootfs);
		/* Make sure the detach below cannot propagate to the host. */
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			return sbx_err_set(err, errno, "make old root rslave");
		if (umount2(".", MNT_DETACH) < 0)
			return sbx_err_set(err, errno, "detach old root");
	}
	if (chdir("/") < 0)
		return sbx_err_set(err, errno, "chdir to /");
	return 0;
}

int sbx_rootfs_pivot_child(const struct sbx_rootfs_plan *plan, struct sbx_rootfs_child *cx,
			   struct sbx_err *err)
{
	int r = pivot_child(plan, cx, err);

	sbx_cleanup_close(&cx->root_fd);
	if (r < 0)
		sbx_cleanup_close(&cx->proc_fd);
	return r;
}

/* ------------------------------------------------------------------ */
/* finalize (child, after pivot_root)                                 */
/* ------------------------------------------------------------------ */

static int readonly_path(int rootfd, const char *path, struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = -1, fd2 = -1;
	char p[64];

	fd = sbx_path_open_in_root(rootfd, path, O_PATH, err);
	if (fd < 0 && errno == ENOENT)
		return 0; /* runtime-spec: missing paths are skipped */
	if (fd < 0)
		return sbx_err_prefix(err, "make %s read-only", path);
	if (mount(sbx_rootfs_fdpath(p, sizeof(p), fd), p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return sbx_err_set(err, errno, "make %s read-only: bind", path);
	fd2 = sbx_path_open_in_root(rootfd, path, O_PATH, err);
	if (fd2 < 0)
		return sbx_err_prefix(err, "make %s read-only", path);
	if (sbx_rootfs_remount_bind(fd2, MS_RDONLY, 0, false, path, err) < 0)
		return sbx_err_prefix(err, "make %s read-only", path);
	return 0;
}

static int masked_path(int rootfd, int nullfd, const char *path, struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = -1;
	char p[64], np[64];
	struct stat st;

	fd = sbx_path_open_in_root(rootfd, path, O_PATH, err);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return sbx_err_prefix(err, "mask %s", path);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", sbx_rootfs_fdpath(p, sizeof(p), fd), "tmpfs",
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return sbx_err_set(err, errno, "mask %s: mount tmpfs", path);
		return 0;
	}
	if (nullfd < 0)
		return sbx_err_set(err, ENOENT, "mask %s: no /dev/null character device in the container",
				   path);
	if (mount(sbx_rootfs_fdpath(np, sizeof(np), nullfd), sbx_rootfs_fdpath(p, sizeof(p), fd),
		  NULL, MS_BIND, NULL) < 0)
		return sbx_err_set(err, errno, "mask %s: bind /dev/null", path);
	return 0;
}

static int finalize_child(const struct sbx_rootfs_plan *plan, struct sbx_rootfs_child *cx,
			  struct sbx_err *err)
{
	_sbx_cleanup_close_ int rootfd = -1, nullfd = -1;
	char p[64];
	size_t i;

	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return sbx_err_set(err, errno, "open /");
	if (enter_proc(cx, err) < 0)
		return -1;
	/* Read-only tmpfs and /dev mounts, filled by now (see late_ro). */
	for (i = 0; i < plan->n_ops; i++) {
		const struct sbx_rootfs_op *op = &plan->ops[i];
		_sbx_cleanup_close_ int fd = -1;

		if (!op->late_ro)
			continue;
		fd = sbx_path_open_in_root(rootfd, op->destination, O_PATH | O_DIRECTORY, err);
		if (fd < 0 || sbx_rootfs_remount_bind(fd, op->flags, op->clear, op->atime_given, op->destination,
					   err) < 0)
			return sbx_err_prefix(err, "mounts[%zu]: make %s read-only", op->index,
					      op->destination);
	}
	for (i = 0; i < plan->n_ro; i++)
		if (readonly_path(rootfd, plan->ro_paths[i], err) < 0)
			return -1;
	if (plan->n_masked) {
		struct stat st;
		/* Masking a file binds the container's /dev/null over it:
		 * check it really is the null device, an image could ship a
		 * regular file there. */
		nullfd = sbx_path_open_in_root(rootfd, "/dev/null", O_PATH, NULL);
		if (nullfd >= 0 && (fstat(nullfd, &st) < 0 || !S_ISCHR(st.st_mode) ||
				    st.st_rdev != makedev(1, 3))) {
			close(nullfd);
			nullfd = -1;
		}
	}
	for (i = 0; i < plan->n_masked; i++)
		if (masked_path(rootfd, nullfd, plan->masked[i], err) < 0)
			return -1;
	if (plan->readonly && sbx_rootfs_remount_bind(rootfd, MS_RDONLY, 0, false, "/", err) < 0)
		return sbx_err_prefix(err, "make root read-only");
	if (plan->final_propagation &&
	    mount(NULL, sbx_rootfs_fdpath(p, sizeof(p), rootfd), NULL, plan->final_propagation, NULL) < 0)
		return sbx_err_set(err, errno, "make / %s", prop_name(plan->final_propagation));
	return 0;
}

int sbx_rootfs_finalize_child(const struct sbx_rootfs_plan *plan, struct sbx_rootfs_child *cx,
			      struct sbx_err *err)
{
	int r = finalize_child(plan, cx, err);

	if (chdir("/") < 0 && r == 0)
		r = sbx_err_set(err, errno, "chdir to /");
	/* The procfs fd ends here: it must never reach the container. */
	sbx_cleanup_close(&cx->proc_fd);
	return r;
}

void sbx_rootfs_child_close(struct sbx_rootfs_child *cx)
{
	sbx_cleanup_close(&cx->proc_fd);
	sbx_cleanup_close(&cx->root_fd);
}
