/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to src/rootfs*.c: the plan, shared by the mount code (rootfs.c)
 * and the bind-source handling (rootfs_bind.c). */
#ifndef SBX_ROOTFS_INT_H
#define SBX_ROOTFS_INT_H

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

#endif
