/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Root filesystem: mounts, /dev, masked and read-only paths, pivot_root.
 *
 * compile (parent, before clone; pure, unit-testable): config -> an ordered
 * list of mount operations with parsed flags/propagation/data.  Unknown mount
 * options are an error (fail closed).
 *
 * apply (child, inside the new mount namespace, still with full capabilities
 * in the container's user namespace, before the uid switch):
 *   sbx_rootfs_apply_child:  make the old root private (or rootfsPropagation),
 *       bind the rootfs onto itself, do the config mounts, /dev (devices:
 *       mknod when possible, bind from the host when in a user namespace),
 *       /dev/pts, /dev/ptmx, /dev/shm, default symlinks, then pivot_root
 *       (or chroot when opts.no_pivot) and detach the old root.  Returns with
 *       cwd == "/" of the container.
 *   sbx_rootfs_finalize_child: read-only paths, masked paths, root.readonly
 *       remount, rootfsPropagation on "/".  Runs after sysctls are written.
 *
 * Every destination is resolved inside the rootfs with openat2(RESOLVE_IN_ROOT)
 * (see path.h) and mounted through its fd, so a symlink in the bundle cannot
 * make a mount land outside the rootfs.
 */
#ifndef SBX_ROOTFS_H
#define SBX_ROOTFS_H

#include <stdbool.h>
#include "sbx/config.h"

struct sbx_rootfs_opts {
	bool userns;        /* the mount ns belongs to a new user namespace (no mknod) */
	bool rootless;      /* the caller is not root on the host */
	bool new_netns;     /* sysfs may be mounted (else rbind /sys) */
	bool new_pidns;     /* proc may be mounted fresh */
	bool new_cgroupns;
	bool no_pivot;      /* --no-pivot: chroot-style MS_MOVE + chroot */
	/* Mounts another module adds after the config's (the network
	 * module's read-only /etc/hosts, /etc/hostname, /etc/resolv.conf). */
	const struct sbx_mount *extra_mounts;
	size_t n_extra_mounts;
};

struct sbx_rootfs_plan; /* opaque, defined in rootfs.c */

/* One step of the plan, exposed read-only for inspection (tests, debug). */
enum sbx_rootfs_op_kind {
	SBX_ROOTFS_OP_BIND = 0,  /* bind / rbind of a host path */
	SBX_ROOTFS_OP_FS,        /* any filesystem (tmpfs, devpts, mqueue, ...) */
	SBX_ROOTFS_OP_PROC,      /* proc: always mounted fresh */
	SBX_ROOTFS_OP_SYSFS,     /* sysfs, or a read-only rbind of /sys */
	SBX_ROOTFS_OP_CGROUP,    /* cgroup2, or a read-only rbind of /sys/fs/cgroup */
	SBX_ROOTFS_OP_DEV,       /* devices + /dev symlinks (after the /dev mount) */
};

struct sbx_rootfs_op {
	enum sbx_rootfs_op_kind kind;
	size_t index;              /* mounts[index]; (size_t)-1 for OP_DEV */
	const char *destination;   /* clean absolute path inside the container */
	const char *source;        /* binds: absolute host path; else fs source */
	const char *type;          /* fs type; NULL for binds and OP_DEV */
	unsigned long flags;       /* MS_* (MS_BIND|MS_REC for rbind) */
	unsigned long clear;       /* MS_* explicitly cleared ("rw", "suid") */
	unsigned long propagation; /* 0: none */
	unsigned long long attr_set, attr_clr; /* recursive MOUNT_ATTR_* */
	bool atime_given;
	bool tmpcopyup;            /* tmpfs: copy the covered directory's content in */
	const char *data;          /* fs data, NULL if none */
};

size_t sbx_rootfs_plan_count(const struct sbx_rootfs_plan *plan);
const struct sbx_rootfs_op *sbx_rootfs_plan_op(const struct sbx_rootfs_plan *plan, size_t i);
/* Propagation applied to the old "/" before anything else (MS_REC|MS_PRIVATE
 * by default) and to the new "/" in finalize (0: leave it). */
unsigned long sbx_rootfs_plan_root_propagation(const struct sbx_rootfs_plan *plan);
unsigned long sbx_rootfs_plan_final_propagation(const struct sbx_rootfs_plan *plan);

int sbx_rootfs_compile(const struct sbx_config *cfg, const struct sbx_rootfs_opts *opts,
		       struct sbx_rootfs_plan **out, struct sbx_err *err);
void sbx_rootfs_plan_free(struct sbx_rootfs_plan *plan);

int sbx_rootfs_apply_child(const struct sbx_rootfs_plan *plan, struct sbx_err *err);
int sbx_rootfs_finalize_child(const struct sbx_rootfs_plan *plan, struct sbx_err *err);

#endif
