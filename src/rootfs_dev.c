/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Root filesystem, child side: the device nodes of linux.devices and the
 * defaults (mknod, or a bind of the host's node where mknod is refused),
 * and the /dev symlinks, made in the container's /dev right after it is
 * mounted (the plan's OP_DEV step).
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
#include <sys/sysmacros.h>
#include <unistd.h>

/* Bind the host's device node onto an empty file: in a user namespace
 * mknod is refused and device nodes on its mounts are inert anyway. */
static int bind_device(int rootfd, const struct dev_node *d, struct sbx_err *err)
{
	_sbx_cleanup_close_ int src = -1, dst = -1;
	char sp[64], dp[64];
	struct stat st;

	src = open(d->path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	if (src < 0 || fstat(src, &st) < 0)
		return sbx_err_set(err, errno, "bind device %s from the host", d->path);
	/* Fail closed: never hand the container a different node than the
	 * one the config asked for. */
	if ((st.st_mode & S_IFMT) != (d->mode & S_IFMT) || st.st_rdev != d->rdev)
		return sbx_err_set(err, 0, "bind device %s from the host: host node is not %u:%u",
				   d->path, major(d->rdev), minor(d->rdev));
	dst = sbx_path_mkpath_in_root(rootfd, d->path, false, err);
	if (dst < 0)
		return sbx_err_prefix(err, "bind device %s", d->path);
	if (mount(sbx_rootfs_fdpath(sp, sizeof(sp), src), sbx_rootfs_fdpath(dp, sizeof(dp), dst),
		  NULL, MS_BIND, NULL) < 0)
		return sbx_err_set(err, errno, "bind device %s", d->path);
	return 0;
}

static int make_device(int rootfd, const struct dev_node *d, bool userns, struct sbx_err *err)
{
	_sbx_cleanup_close_ int parent = -1;
	char dir[PATH_MAX];
	const char *base;
	mode_t old;
	int r;

	if (userns && (d->mode & S_IFMT) != S_IFIFO)
		return bind_device(rootfd, d, err);
	snprintf(dir, sizeof(dir), "%s", d->path);
	*strrchr(dir, '/') = '\0';
	base = strrchr(d->path, '/') + 1;
	parent = sbx_path_mkpath_in_root(rootfd, dir, true, err);
	if (parent < 0)
		return sbx_err_prefix(err, "create device %s", d->path);
	/* umask would mask the mode the config asked for; we are single
	 * threaded here, so the process-wide switch is safe. */
	old = umask(0);
	r = mknodat(parent, base, d->mode, d->rdev);
	if (r < 0 && errno == EEXIST) {
		/* Whatever the image put there is replaced: a regular file
		 * posing as /dev/null must not survive. */
		if (unlinkat(parent, base, 0) == 0)
			r = mknodat(parent, base, d->mode, d->rdev);
		else
			errno = EEXIST;
	}
	umask(old);
	if (r < 0 && errno == EPERM && (d->mode & S_IFMT) != S_IFIFO)
		return bind_device(rootfd, d, err);
	if (r < 0)
		return sbx_err_set(err, errno, "mknod %s", d->path);
	if (fchownat(parent, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return sbx_err_set(err, errno, "chown %s to %u:%u", d->path, d->uid, d->gid);
	return 0;
}

static int dev_symlink(int devfd, const char *target, const char *name, bool replace,
		       struct sbx_err *err)
{
	if (symlinkat(target, devfd, name) == 0)
		return 0;
	if (errno == EEXIST && replace && unlinkat(devfd, name, 0) == 0 &&
	    symlinkat(target, devfd, name) == 0)
		return 0;
	if (errno == EEXIST && !replace)
		return 0;
	return sbx_err_set(err, errno, "symlink /dev/%s -> %s", name, target);
}

int sbx_rootfs_populate_dev(const struct sbx_rootfs_plan *plan, int rootfd, struct sbx_err *err)
{
	_sbx_cleanup_close_ int devfd = -1;
	size_t i;

	for (i = 0; i < plan->n_devs; i++)
		if (make_device(rootfd, &plan->devs[i], plan->opts.userns, err) < 0)
			return -1;
	if (!plan->dev_symlinks)
		return 0;
	devfd = sbx_path_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, err);
	if (devfd < 0)
		return sbx_err_prefix(err, "create /dev symlinks");
	if (dev_symlink(devfd, "/proc/self/fd", "fd", false, err) < 0 ||
	    dev_symlink(devfd, "/proc/self/fd/0", "stdin", false, err) < 0 ||
	    dev_symlink(devfd, "/proc/self/fd/1", "stdout", false, err) < 0 ||
	    dev_symlink(devfd, "/proc/self/fd/2", "stderr", false, err) < 0)
		return -1;
	/* The container's ptys must come from its own devpts instance
	 * (newinstance), not from a ptmx node that would reach the host's. */
	if (plan->ptmx_link && dev_symlink(devfd, "pts/ptmx", "ptmx", true, err) < 0)
		return -1;
	return 0;
}
