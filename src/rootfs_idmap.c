/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parent's half of id-mapped mounts (include/sbx/rootfs.h): clone each
 * source as a detached mount tree and id-map it, before init attaches it.
 *
 * Why the parent: mount_setattr(MOUNT_ATTR_IDMAP) requires CAP_SYS_ADMIN in
 * the user namespace that owns the source's superblock (the host's, for a
 * host filesystem), and a detached tree (open_tree OPEN_TREE_CLONE) that no
 * mount namespace uses yet.  The container's root never has the first; the
 * runtime, root on the host, has both.  Cloning as the runtime also means
 * the container's uid never looks the source path up.
 *
 * Where: in init's mount namespace (sbx_rootfs_in_mntns, as rootfs_bind.c
 * opens plain bind sources), not the runtime's own.  The kernel made that
 * namespace's copies of the host's mounts for a less privileged user
 * namespace, so their ro/nosuid/nodev/noexec are locked (MNT_LOCK_*), and
 * a clone keeps those locks: container root cannot remount a bind of a
 * host read-only or nosuid mount writable or suid.  A clone of the host's
 * own mount would not be locked.
 *
 * Which user namespace maps a mount: the container's own (the rootfs and
 * binds of a run.sbx.userns=auto container, the "idmap" option without
 * mappings), or one made for the mount's own uidMappings/gidMappings
 * (sbx_idmap_userns_fd).  On-disk id C is then seen as the host id the
 * namespace maps C to; inside the container that is C again.
 *
 * Filesystems without id-mapped mount support (ramfs, nfs, ... : the kernel
 * says EINVAL) keep a plain clone for the AUTO case: files whose host
 * owners are outside the container's range show as nobody inside, files it
 * creates belong to its (unprivileged) host ids; nothing is granted that
 * the mapping would not, so it is a warning for a volume, and an info
 * message (--debug) for the read-only rootfs.  An explicit idmap request
 * fails instead (runc does the same).
 */
#include "sbx/idmap.h"
#include "sbx/log.h"
#include "rootfs_int.h"
#include "sbx/rootfs.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

/* A detached copy of `src` (and, recursive, every mount under it).  -1
 * with errno ENOSYS (kernel < 5.2, valgrind) is "cannot prepare": the
 * child then binds the path itself, as before. */
static int clone_tree(const char *src, bool recursive)
{
	return (int)syscall(SYS_open_tree, AT_FDCWD, src,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
}

/* Never a peer of the host's mounts: a clone of a shared mount joins its
 * peer group, and everything the container later mounts on or under it
 * (its /proc, /dev, ...) would propagate back into the host's tree (and
 * pivot_root refuses a shared new root).  Private, or a slave when the
 * config asked for host mounts to propagate in (rootfsPropagation slave or
 * shared makes the old root rslave: the same as a bind made in there). */
static int set_propagation(int fd, unsigned long prop)
{
	struct mount_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.propagation = prop;
	return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
			    sizeof(attr));
}

static int idmap_tree(int fd, int userns, bool recursive)
{
	struct mount_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.attr_set = MOUNT_ATTR_IDMAP;
	attr.userns_fd = (uint64_t)userns;
	return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
			    &attr, sizeof(attr));
}

/* The filesystem (or the kernel) cannot id-map: mount_setattr is
 * all-or-nothing over the tree, so the clone is still a plain one. */
static bool idmap_unsupported(int e)
{
	return e == EINVAL || e == EOPNOTSUPP || e == ENOSYS;
}

/* clone_rec: copy every mount under src too (rbind); idmap_rec: id-map
 * them all ("ridmap"), else only the top one ("idmap"). */
static int prepare_one(const char *what, const char *src, bool rootfs, bool clone_rec,
		       bool idmap_rec, enum sbx_rootfs_idmap mode, int userns, unsigned long prop,
		       int *out, struct sbx_err *err)
{
	int fd = clone_tree(src, clone_rec);

	*out = -1;
	if (fd < 0 && errno == ENOSYS) {
		sbx_debug("%s: open_tree: not supported here; not id-mapped", what);
		return 0;
	}
	if (fd < 0)
		return sbx_err_set(err, errno, "%s: clone %s (open_tree)", what, src);
	if (set_propagation(fd, prop) < 0) {
		int e = errno;
		close(fd);
		return sbx_err_set(err, e, "%s: make the clone of %s %s", what, src,
				   prop == MS_SLAVE ? "a slave" : "private");
	}
	if (userns < 0) {
		close(fd);
		return sbx_err_set(err, EINVAL, "%s: an id-mapped mount needs the container's user namespace",
				   what);
	}
	if (idmap_tree(fd, userns, idmap_rec) < 0) {
		int e = errno;
		if (mode == SBX_ROOTFS_IDMAP_AUTO && idmap_unsupported(e)) {
			/* The read-only rootfs only looks different (owners
			 * shown as nobody): logged with --debug, not on every
			 * run of a host whose bundles live on such a
			 * filesystem.  A volume also changes who owns what the
			 * container writes there: a warning. */
			sbx_log(rootfs ? SBX_LOG_INFO : SBX_LOG_WARN,
				"%s: the filesystem of %s does not support id-mapped mounts (%s): "
				"mounted without; files owned by host ids outside the container's "
				"range show as nobody (65534) inside%s",
				what, src, strerror(e),
				rootfs ? "" : ", and what it creates there belongs to its host ids");
			*out = fd;
			return 0;
		}
		close(fd);
		return sbx_err_set(err, e, "%s: id-map %s (mount_setattr MOUNT_ATTR_IDMAP%s)", what, src,
				   idmap_unsupported(e) ? "; its filesystem may not support id-mapped mounts" : "");
	}
	*out = fd;
	return 0;
}

struct prepare_arg {
	const struct sbx_rootfs_plan *plan;
	int userns_fd;
	struct sbx_rootfs_prepared *out;
};

/* In init's mount namespace (see the file comment). */
static int prepare_all(void *arg, struct sbx_err *err)
{
	struct prepare_arg *pa = arg;
	const struct sbx_rootfs_plan *plan = pa->plan;
	struct sbx_rootfs_prepared *out = pa->out;
	size_t n = 0, i, cnt = sbx_rootfs_plan_count(plan);
	unsigned long prop = (sbx_rootfs_plan_root_propagation(plan) & MS_SLAVE) ? MS_SLAVE
										  : MS_PRIVATE;
	char what[512];

	if (sbx_rootfs_plan_prepares_rootfs(plan)) {
		const char *rootfs = sbx_rootfs_plan_rootfs(plan);
		snprintf(what, sizeof(what), "rootfs %s", rootfs);
		out[n].slot = SBX_ROOTFS_SLOT_ROOT;
		if (prepare_one(what, rootfs, true, true, true, SBX_ROOTFS_IDMAP_AUTO, pa->userns_fd,
				prop, &out[n].fd, err) < 0)
			goto fail;
		n++;
	}
	for (i = 0; i < cnt; i++) {
		const struct sbx_rootfs_op *op = sbx_rootfs_plan_op(plan, i);
		_sbx_cleanup_close_ int own = -1;
		int ns = pa->userns_fd;

		if (op->kind != SBX_ROOTFS_OP_BIND || !op->idmap)
			continue;
		snprintf(what, sizeof(what), "config.json: mounts[%zu] (%s on %s)", op->index,
			 op->source, op->destination);
		if (op->idmap == SBX_ROOTFS_IDMAP_EXPLICIT) {
			own = sbx_idmap_userns_fd(op->uid_map, op->n_uid_map, op->gid_map,
						  op->n_gid_map, err);
			if (own < 0) {
				sbx_err_prefix(err, "%s", what);
				goto fail;
			}
			ns = own;
		}
		out[n].slot = i;
		if (prepare_one(what, op->source, false, (op->flags & MS_REC) != 0, op->idmap_recursive,
				op->idmap, ns, prop, &out[n].fd, err) < 0)
			goto fail;
		n++;
	}
	return 0;
fail:
	while (n > 0)
		sbx_cleanup_close(&out[--n].fd);
	return -1;
}

int sbx_rootfs_prepare_parent(const struct sbx_rootfs_plan *plan, pid_t pid, int userns_fd,
			      struct sbx_rootfs_prepared *out, struct sbx_err *err)
{
	struct prepare_arg pa = { plan, userns_fd, out };

	return sbx_rootfs_in_mntns(pid, prepare_all, &pa, err);
}
