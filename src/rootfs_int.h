/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to src/rootfs*.c: the plan (built by rootfs_compile.c), and the
 * child-side pieces the apply step (rootfs.c) is made of: the fd-based
 * mount helpers (rootfs_mount.c), the devices (rootfs_dev.c), the bind
 * sources (rootfs_bind.c). */
#ifndef SBX_ROOTFS_INT_H
#define SBX_ROOTFS_INT_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "sbx/rootfs.h"

struct dev_node {
	const char *path;   /* clean absolute path inside the container */
	mode_t mode;        /* type bits | permissions */
	dev_t rdev;
	uid_t uid;
	gid_t gid;
};

struct sbx_rootfs_plan {
	struct sbx_arena arena;
	struct sbx_rootfs_opts opts;
	const char *rootfs;              /* absolute host path */
	unsigned long root_propagation;  /* old "/" (MS_REC|...) */
	unsigned long final_propagation; /* new "/" in finalize, 0: none */
	bool readonly;
	struct sbx_rootfs_op *ops;
	size_t n_ops;
	int *src_fds;                    /* per op: bind source opened by the runtime, or -1 */
	struct dev_node *devs;
	size_t n_devs;
	bool dev_symlinks;               /* /dev is a mount: fd, stdin, ... */
	bool ptmx_link;                  /* /dev/pts is devpts: /dev/ptmx -> pts/ptmx */
	const char **masked;
	size_t n_masked;
	const char **ro_paths;
	size_t n_ro;
	/* Detached mounts prepared by the parent (rootfs_idmap.c), in the
	 * child: one per op, then the rootfs at [n_ops] (-1: none). */
	bool prepare_rootfs;
	int *mntfds;
};

/* Child: the O_PATH fd to bind-mount for `op` (index i): the one the runtime
 * opened (ownership moves to the caller), else the source resolved inside
 * the rootfs `rootfd` (source_in_root), else the host path opened now.
 * -1 + err naming the mount. */
int sbx_rootfs_source_fd(struct sbx_rootfs_plan *plan, size_t i, int rootfd,
			 struct sbx_err *err);
/* Child: close every source fd still held (after the mounts, or on failure):
 * no runtime fd may survive into the rest of the setup. */
void sbx_rootfs_close_sources(struct sbx_rootfs_plan *plan);

/* Run fn(arg) in the mount namespace of `pid` (the container's init) and
 * come back (same mount namespace, root and cwd; abort if that fails).
 * Only as root of the initial user namespace: -1 + EPERM otherwise, without
 * trying (root of a nested user namespace could enter and not come back).
 * In place when `pid` shares our mount namespace. */
int sbx_rootfs_in_mntns(pid_t pid, int (*fn)(void *arg, struct sbx_err *err), void *arg,
			struct sbx_err *err);

/* --no-pivot, before the rootfs is moved onto "/": detach (or, where the
 * kernel keeps them locked, cover with an empty read-only tmpfs) every full
 * proc and sysfs mount outside `rootfs`, reading the mount table through
 * `proc_fd` (an fd of a procfs).  See rootfs_nopivot.c. */
int sbx_rootfs_hide_host_procfs(int proc_fd, const char *rootfs, struct sbx_err *err);

/* ---- child: fd-based mount helpers (rootfs_mount.c) ----
 *
 * mount(2) is given the magic link of an fd we resolved, never a path
 * string: "self/fd/N", relative to the cwd, which the apply and finalize
 * steps make a procfs (struct sbx_rootfs_child.proc_fd) before calling any
 * of these.  Every destination is resolved in the rootfs `rootfd` with
 * sbx_path_*_in_root.  -1 + err naming the mount. */
static inline const char *sbx_rootfs_fdpath(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "self/fd/%d", fd);
	return buf;
}

/* MS_BIND|MS_REMOUNT the mount whose root is `fd` with `flags`, keeping the
 * source's ro/nosuid/nodev/noexec unless `clear` names them. */
int sbx_rootfs_remount_bind(int fd, unsigned long flags, unsigned long clear, bool atime_given,
			    const char *dest, struct sbx_err *err);
/* Bind the O_PATH fd `src` (`source` names it) onto op's destination with
 * `flags` and recursive `attr_set`, then op's remount and propagation. */
int sbx_rootfs_bind_fd(int rootfd, const struct sbx_rootfs_op *op, int src, const char *source,
		       unsigned long flags, uint64_t attr_set, struct sbx_err *err);
/* The same from a host path of sbxrun's own choosing (/sys, /dev/mqueue). */
int sbx_rootfs_bind_path(int rootfd, const struct sbx_rootfs_op *op, const char *source,
			 unsigned long flags, uint64_t attr_set, struct sbx_err *err);
/* The host tree `host` bound read-only, every submount too (sysfs and
 * cgroup where the kernel refuses a fresh one). */
int sbx_rootfs_bind_host_ro(int rootfd, const struct sbx_rootfs_op *op, const char *host,
			    struct sbx_err *err);
/* Attach the mount the parent prepared (`mfd`, rootfs_idmap.c) onto op's
 * destination. */
int sbx_rootfs_attach_prepared(int rootfd, const struct sbx_rootfs_op *op, int mfd,
			       struct sbx_err *err);
/* Mount a filesystem of `type` for op (tmpcopyup included); *mount_errno:
 * the errno of mount(2) itself, for the callers' fallbacks (0 otherwise). */
int sbx_rootfs_mount_fs(int rootfd, const struct sbx_rootfs_op *op, const char *type,
			int *mount_errno, struct sbx_err *err);

/* ---- child: devices (rootfs_dev.c) ---- */

/* The plan's device nodes and, when /dev is a mount, the /dev symlinks. */
int sbx_rootfs_populate_dev(const struct sbx_rootfs_plan *plan, int rootfd, struct sbx_err *err);

#endif
