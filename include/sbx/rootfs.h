/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Root filesystem: mounts, /dev, masked and read-only paths, pivot_root.
 *
 * compile (parent, before clone; pure, unit-testable; src/rootfs_compile.c):
 * config -> an ordered list of mount operations with parsed
 * flags/propagation/data.  Unknown mount options are an error (fail closed).
 *
 * apply (child, inside the container's mount namespace, still with full
 * capabilities in the container's user namespace, before the uid switch;
 * src/rootfs.c, with the fd-based mount helpers of rootfs_mount.c and the
 * devices of rootfs_dev.c; the fds it carries between the steps are in a
 * struct sbx_rootfs_child the caller holds):
 *   sbx_rootfs_apply_child:  make the old root private (or rootfsPropagation),
 *       bind the rootfs onto itself, do the config mounts, /dev (devices:
 *       mknod when possible, bind from the host when in a user namespace),
 *       /dev/pts, /dev/ptmx, /dev/shm, default symlinks.  Returns with
 *       cwd == the rootfs (seen from the old root): the createContainer hooks
 *       run here (runtime-spec: after the mounts, before pivot_root).
 *   sbx_rootfs_pivot_child:  pivot_root into the rootfs and detach the old
 *       root (MS_MOVE + chroot with opts.no_pivot).  Returns with cwd == "/"
 *       of the container.
 *   sbx_rootfs_finalize_child: read-only remount of read-only tmpfs and /dev
 *       mounts (deferred so devices and nested mount points can be created
 *       in them first), read-only paths, masked paths, root.readonly
 *       remount, rootfsPropagation on "/".  Runs after sysctls are written.
 *
 * A mount namespace that is not the container's own (not listed: inherited
 * from the runtime; or joined by path) is shared with other processes, so
 * nothing there may change their view: the old root's propagation is left
 * alone, the rootfs is bound onto itself as a *private* mount (so nothing
 * mounted for the container propagates anywhere), and the container enters
 * it with chroot(2), never pivot_root(2) (which would move the root of every
 * process of that namespace) and never a detach of the old root.
 *
 * Bind-mount sources (src/rootfs_bind.c) are opened by the runtime, with its
 * own credentials, in the container's mount namespace before any container
 * mount exists (sbx_rootfs_open_sources, parent side), and handed to init
 * (sbx_rootfs_adopt_source).  A source inside the rootfs is resolved by init
 * at mount time, inside the rootfs, so it sees the earlier mounts.
 *
 * Every destination is resolved inside the rootfs with openat2(RESOLVE_IN_ROOT)
 * (see path.h) and mounted through its fd, so a symlink in the bundle cannot
 * make a mount land outside the rootfs.
 *
 * Id-mapped mounts (mounts[].uidMappings/gidMappings, options idmap/ridmap,
 * and the rootfs and every bind mount of a run.sbx.userns=auto container)
 * are made by the PARENT: setting MOUNT_ATTR_IDMAP needs CAP_SYS_ADMIN over
 * the source's filesystem (the host's user namespace), which the container
 * never has.  sbx_rootfs_prepare_parent() clones each source as a detached
 * mount (open_tree OPEN_TREE_CLONE), id-maps it (mount_setattr
 * MOUNT_ATTR_IDMAP with a user namespace fd) and the launcher hands the fds
 * to init over the sync socket (sbx_rootfs_plan_take_fd); the apply step
 * attaches them with move_mount(2) onto the destination it resolved safely
 * under the rootfs, like any other mount.  See rootfs_idmap.c.
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
	bool shared_mntns;  /* the mount ns is not the container's own (inherited or joined) */
	/* run.sbx.userns=auto (root, user namespace from the pool): the
	 * rootfs and every bind mount are id-mapped with the container's user
	 * namespace where their filesystem supports it, so files keep their
	 * owners; elsewhere they are plain (unmapped owners show as nobody). */
	bool idmap_auto;
};

/* How a bind mount is id-mapped (struct sbx_rootfs_op.idmap). */
enum sbx_rootfs_idmap {
	SBX_ROOTFS_IDMAP_NONE = 0,
	SBX_ROOTFS_IDMAP_AUTO,       /* idmap_auto: the container's mappings, plain if unsupported */
	SBX_ROOTFS_IDMAP_CONTAINER,  /* "idmap" option without mappings: the container's, required */
	SBX_ROOTFS_IDMAP_EXPLICIT,   /* mounts[].uidMappings/gidMappings, required */
};

struct sbx_rootfs_plan; /* opaque, defined in src/rootfs_int.h */

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
	bool late_ro;              /* ro tmpfs or /dev: mounted rw, made ro in finalize */
	const char *data;          /* fs data, NULL if none */
	enum sbx_rootfs_idmap idmap; /* binds: prepared by the parent unless NONE */
	bool idmap_recursive;      /* "ridmap" (or an rbind under idmap_auto) */
	const struct sbx_idmap *uid_map, *gid_map; /* EXPLICIT */
	size_t n_uid_map, n_gid_map;

	const char *source_in_root; /* binds: source relative to the rootfs, NULL if a host path */
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

/* The absolute host path of the rootfs. */
const char *sbx_rootfs_plan_rootfs(const struct sbx_rootfs_plan *plan);
/* Does the parent prepare the rootfs as a detached (id-mapped) mount?  Then
 * init must start with its cwd at the rootfs directory of the container's
 * mount namespace (stage-1 changes into it before unsharing): the prepared
 * tree is attached there without a path lookup by the container's uid. */
bool sbx_rootfs_plan_prepares_rootfs(const struct sbx_rootfs_plan *plan);

/* Detached mounts the parent prepares: the rootfs (slot
 * SBX_ROOTFS_SLOT_ROOT) and every bind op with an idmap mode (slot = the
 * op's position in the plan), in that order; fd -1 where the kernel has no
 * open_tree (the child then mounts the path itself). */
#define SBX_ROOTFS_SLOT_ROOT ((size_t)-1)
struct sbx_rootfs_prepared {
	size_t slot;
	int fd;
};
size_t sbx_rootfs_plan_n_prepared(const struct sbx_rootfs_plan *plan);
/* Parent, after the container's id maps are written, before init (`pid`)
 * mounts anything (it waits for MOUNTS_DONE): clones made in init's mount
 * namespace (host root only).
 * `userns_fd` is the container's user namespace (for AUTO and CONTAINER
 * mounts; -1 if it has none).  Fills out[sbx_rootfs_plan_n_prepared()]; on
 * error closes what it opened. */
int sbx_rootfs_prepare_parent(const struct sbx_rootfs_plan *plan, pid_t pid, int userns_fd,
			      struct sbx_rootfs_prepared *out, struct sbx_err *err);
/* Child: keep a prepared mount fd for its slot (taken over; -1: none). */
int sbx_rootfs_plan_take_fd(struct sbx_rootfs_plan *plan, size_t slot, int fd,
			    struct sbx_err *err);


/*
 * What the child carries from one rootfs step to the next (apply -> pivot
 * -> finalize), kept by the caller, not by the module: the plan stays
 * read-only from pivot on, and every fd the runtime holds is visible where
 * it lives.  Start from SBX_ROOTFS_CHILD_INIT.  Each step closes what the
 * later ones no longer need (root_fd after pivot, proc_fd at the end of
 * finalize) and everything on its own failure; sbx_rootfs_child_close()
 * releases what is left when the caller gives up between steps.  Both fds
 * are O_CLOEXEC.
 */
struct sbx_rootfs_child {
	int proc_fd;  /* the host's procfs, opened before pivot_root: the cwd of every mount call */
	int root_fd;  /* the rootfs mount the mounts went into, from apply to pivot */
};
#define SBX_ROOTFS_CHILD_INIT { .proc_fd = -1, .root_fd = -1 }

int sbx_rootfs_apply_child(struct sbx_rootfs_plan *plan, struct sbx_rootfs_child *cx,
			   struct sbx_err *err);
int sbx_rootfs_pivot_child(const struct sbx_rootfs_plan *plan, struct sbx_rootfs_child *cx,
			   struct sbx_err *err);
int sbx_rootfs_finalize_child(const struct sbx_rootfs_plan *plan, struct sbx_rootfs_child *cx,
			      struct sbx_err *err);
void sbx_rootfs_child_close(struct sbx_rootfs_child *cx);
#define _sbx_cleanup_rootfs_child_ __attribute__((cleanup(sbx_rootfs_child_close)))

/* ---- bind-mount sources opened by the runtime (src/rootfs_bind.c) ---- */

/* Number of bind mounts whose source is a host path (not inside the rootfs). */
size_t sbx_rootfs_host_sources(const struct sbx_rootfs_plan *plan);

/*
 * Parent side, before init mounts anything: enter the mount namespace of
 * `pid` (the container's init), open every host bind source there with the
 * runtime's credentials (O_PATH, following symlinks, as runc does), come
 * back (same mount namespace, root and cwd as before), and hand each fd to
 * `send(arg, op_index, fd, err)` (which must not keep it).  An fd opened in
 * that namespace can be bind-mounted by init there, and the kernel keeps the
 * host mount's flags locked on it.  Only as root of the initial user
 * namespace (else -1 + EPERM without trying: root of a nested user namespace
 * could enter and not come back).  Returns -1 + err; err->errnum EPERM when
 * the runtime may not enter the namespace (init then opens them).
 */
int sbx_rootfs_open_sources(const struct sbx_rootfs_plan *plan, pid_t pid,
			    int (*send)(void *arg, size_t op, int fd, struct sbx_err *err),
			    void *arg, struct sbx_err *err);

/* Child side: `fd` (O_PATH) is the source of plan op `op`; the plan owns it
 * (closed after the mount, or on failure).  -1 + err for an op that is not a
 * bind mount with a host source. */
int sbx_rootfs_adopt_source(struct sbx_rootfs_plan *plan, size_t op, int fd,
			    struct sbx_err *err);

#endif
