/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Root filesystem, child side: the fd-based mount helpers the apply and
 * finalize steps (rootfs.c) are made of.  Each resolves its destination in
 * the rootfs (sbx_path_*_in_root), mounts through the fds' magic links
 * (sbx_rootfs_fdpath: the cwd is the context's procfs), then applies the
 * remount, propagation and recursive attributes the op asks for.
 *
 * A bind remount keeps the restrictive flags of the source (ro, nosuid,
 * nodev, noexec) unless the config explicitly clears them: in a user
 * namespace the kernel locks them (a remount clearing them fails with
 * EPERM) and outside one silently dropping them would weaken the mount.
 */
#include "rootfs_int.h"
#include "sbx/path.h"
#include "sbx/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif

#define ATIME_MODES (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
/* Flags the kernel locks on mounts inherited by a less privileged mount
 * namespace (MNT_LOCK_READONLY/NOSUID/NODEV/NOEXEC). */
#define LOCKABLE (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/*
 * mount_setattr(AT_RECURSIVE) for kernels without it (< 5.12, and valgrind,
 * which cannot emulate it): bind-remount the mount at fd and every mount
 * below it, one by one.  Only adding the restrictive flags is supported
 * (rro, rnosuid, rnodev, rnoexec: what sbxrun itself asks for); each remount
 * keeps the flags the kernel has locked on that mount.
 */
static int setattr_rec_fallback(int fd, uint64_t set, uint64_t clr)
{
	_sbx_cleanup_fclose_ FILE *f = NULL;
	_sbx_cleanup_free_ char *line = NULL;
	char self[64], top[PATH_MAX];
	unsigned long add = 0;
	size_t cap = 0, tl;
	ssize_t n;

	if (clr || (set & ~(uint64_t)(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				      MOUNT_ATTR_NOEXEC))) {
		errno = ENOSYS;
		return -1;
	}
	add |= (set & MOUNT_ATTR_RDONLY) ? MS_RDONLY : 0;
	add |= (set & MOUNT_ATTR_NOSUID) ? MS_NOSUID : 0;
	add |= (set & MOUNT_ATTR_NODEV) ? MS_NODEV : 0;
	add |= (set & MOUNT_ATTR_NOEXEC) ? MS_NOEXEC : 0;
	/* Like every mount here, through the host /proc that is our cwd
	 * (sbx_rootfs_fdpath): this works whatever is mounted at /proc. */
	n = readlink(sbx_rootfs_fdpath(self, sizeof(self), fd), top, sizeof(top) - 1);
	if (n < 0)
		return -1;
	top[n] = '\0';
	tl = (size_t)n;
	f = fopen("self/mountinfo", "re");
	if (!f)
		return -1;
	/* mountinfo lists parents before children, so the top mount is
	 * remounted first. */
	while (getline(&line, &cap, f) > 0) {
		char *mp = line, *sp;
		_sbx_cleanup_close_ int mfd = -1;
		struct statvfs sv;
		unsigned long fl = MS_BIND | MS_REMOUNT | add;
		char mpath[64];

		for (int i = 0; i < 4 && mp; i++) /* field 5: the mount point */
			mp = (sp = strchr(mp, ' ')) ? sp + 1 : NULL;
		if (!mp || !(sp = strchr(mp, ' ')))
			continue;
		*sp = '\0';
		sbx_mountinfo_unescape(mp);
		if (strncmp(mp, top, tl) != 0 || (mp[tl] != '\0' && mp[tl] != '/' && tl != 1))
			continue;
		mfd = open(mp, O_PATH | O_CLOEXEC | O_NOFOLLOW);
		if (mfd < 0 || fstatvfs(mfd, &sv) < 0)
			return -1;
		fl |= (sv.f_flag & ST_RDONLY) ? MS_RDONLY : 0;
		fl |= (sv.f_flag & ST_NOSUID) ? MS_NOSUID : 0;
		fl |= (sv.f_flag & ST_NODEV) ? MS_NODEV : 0;
		fl |= (sv.f_flag & ST_NOEXEC) ? MS_NOEXEC : 0;
		fl |= (sv.f_flag & ST_NOATIME) ? MS_NOATIME : (sv.f_flag & ST_RELATIME) ? MS_RELATIME : 0;
		fl |= (sv.f_flag & ST_NODIRATIME) ? MS_NODIRATIME : 0;
		if (mount(NULL, sbx_rootfs_fdpath(mpath, sizeof(mpath), mfd), NULL, fl, NULL) < 0)
			return -1;
	}
	return 0;
}

static int setattr_rec(int fd, uint64_t set, uint64_t clr, bool recursive)
{
	struct mount_attr attr;
	int r;

	memset(&attr, 0, sizeof(attr));
	attr.attr_set = set;
	attr.attr_clr = clr;
	r = (int)syscall(SYS_mount_setattr, fd, "",
			 AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr));
	if (r < 0 && errno == ENOSYS && recursive)
		return setattr_rec_fallback(fd, set, clr);
	return r;
}

/* The source's restrictive flags we must (and want to) keep on a remount. */
static int locked_flags(int fd, unsigned long *out)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) < 0)
		return -1;
	*out = 0;
	if (sv.f_flag & ST_RDONLY)
		*out |= MS_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		*out |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		*out |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		*out |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		*out |= MS_NOATIME;
	else if (sv.f_flag & ST_RELATIME)
		*out |= MS_RELATIME;
	else
		*out |= MS_STRICTATIME;
	if (sv.f_flag & ST_NODIRATIME)
		*out |= MS_NODIRATIME;
	return 0;
}

/* MS_BIND|MS_REMOUNT the mount whose root is `fd`, with `flags`, keeping
 * the source's ro/nosuid/nodev/noexec unless `clear` names them.  The atime
 * mode is left to the kernel (which keeps the current one) unless the config
 * chose one. */
int sbx_rootfs_remount_bind(int fd, unsigned long flags, unsigned long clear, bool atime_given,
			    const char *dest, struct sbx_err *err)
{
	unsigned long src, f;
	char p[64];

	if (locked_flags(fd, &src) < 0)
		return sbx_err_set(err, errno, "statvfs %s", dest);
	f = MS_BIND | MS_REMOUNT | (flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT));
	f |= src & LOCKABLE & ~clear;
	if (atime_given && !(f & ATIME_MODES))
		f |= src & ATIME_MODES; /* e.g. only "nodiratime" given */
	else if (!atime_given)
		f &= ~(unsigned long)(ATIME_MODES | MS_NODIRATIME);
	if (mount(NULL, sbx_rootfs_fdpath(p, sizeof(p), fd), NULL, f, NULL) < 0)
		return sbx_err_set(err, errno, "remount %s", dest);
	return 0;
}

/* After the mount: remount, propagation, recursive attributes.  The
 * destination is resolved again so we get the root of the new mount (the fd
 * used as target still points at the covered directory). */
static int finish_mount(int rootfd, const struct sbx_rootfs_op *op, bool bind, unsigned long flags,
			unsigned long propagation, uint64_t attr_set, uint64_t attr_clr,
			struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = -1;
	char p[64];

	fd = sbx_path_open_in_root(rootfd, op->destination, O_PATH, err);
	if (fd < 0)
		return sbx_err_prefix(err, "mount on %s", op->destination);
	if (bind && ((flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT)) || op->clear) &&
	    sbx_rootfs_remount_bind(fd, flags, op->clear, op->atime_given, op->destination, err) < 0)
		return -1;
	if (propagation && mount(NULL, sbx_rootfs_fdpath(p, sizeof(p), fd), NULL, propagation, NULL) < 0)
		return sbx_err_set(err, errno, "set propagation of %s", op->destination);
	if ((attr_set || attr_clr) && setattr_rec(fd, attr_set, attr_clr, true) < 0)
		return sbx_err_set(err, errno, "mount_setattr %s (recursive options)", op->destination);
	return 0;
}

/* Bind the object `src` (an O_PATH fd; `source` names it in messages) onto
 * op's destination, then apply op's flags.  Holding an fd pins what we
 * checked (file or dir) to what we mount. */
int sbx_rootfs_bind_fd(int rootfd, const struct sbx_rootfs_op *op, int src, const char *source,
		       unsigned long flags, uint64_t attr_set, struct sbx_err *err)
{
	_sbx_cleanup_close_ int dst = -1;
	char sp[64], dp[64];
	struct stat st;

	if (fstat(src, &st) < 0)
		return sbx_err_set(err, errno, "bind %s on %s: stat source", source, op->destination);
	dst = sbx_path_mkpath_in_root(rootfd, op->destination, S_ISDIR(st.st_mode), err);
	if (dst < 0)
		return sbx_err_prefix(err, "bind %s on %s", source, op->destination);
	/* The data string, if any, is passed as the runtime-spec asks; the
	 * kernel ignores it for a bind mount. */
	if (mount(sbx_rootfs_fdpath(sp, sizeof(sp), src), sbx_rootfs_fdpath(dp, sizeof(dp), dst),
		  NULL, MS_BIND | (flags & MS_REC), op->data) < 0)
		return sbx_err_set(err, errno, "bind %s on %s", source, op->destination);
	return finish_mount(rootfd, op, true, flags, op->propagation ? op->propagation : 0, attr_set,
			    op->attr_clr, err);
}

/* Bind a fixed host path of sbxrun's own choosing (/sys, /dev/mqueue...). */
int sbx_rootfs_bind_path(int rootfd, const struct sbx_rootfs_op *op, const char *source,
			 unsigned long flags, uint64_t attr_set, struct sbx_err *err)
{
	_sbx_cleanup_close_ int src = open(source, O_PATH | O_CLOEXEC);

	if (src < 0)
		return sbx_err_set(err, errno, "bind %s on %s: open source", source, op->destination);
	return sbx_rootfs_bind_fd(rootfd, op, src, source, flags, attr_set, err);
}

/* A mount the parent prepared (rootfs_idmap.c: a detached, maybe
 * id-mapped clone of the source): attach it with move_mount onto the
 * destination resolved in the rootfs, then the same remount/propagation
 * steps as any bind. */
int sbx_rootfs_attach_prepared(int rootfd, const struct sbx_rootfs_op *op, int mfd,
			       struct sbx_err *err)
{
	_sbx_cleanup_close_ int dst = -1;
	struct stat st;

	if (fstat(mfd, &st) < 0)
		return sbx_err_set(err, errno, "bind %s on %s: stat the prepared mount", op->source,
				   op->destination);
	dst = sbx_path_mkpath_in_root(rootfd, op->destination, S_ISDIR(st.st_mode), err);
	if (dst < 0)
		return sbx_err_prefix(err, "bind %s on %s", op->source, op->destination);
	if (syscall(SYS_move_mount, mfd, "", dst, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return sbx_err_set(err, errno, "bind %s on %s: attach the prepared mount", op->source,
				   op->destination);
	return finish_mount(rootfd, op, true, op->flags, op->propagation, op->attr_set,
			    op->attr_clr, err);
}

/* The kernel refuses sysfs without a new netns and cgroup v1/cgroup2
 * outside the owning user/cgroup namespace; the host's tree, bound
 * read-only with every submount also made read-only, is what runc/crun
 * give rootless containers too. */
int sbx_rootfs_bind_host_ro(int rootfd, const struct sbx_rootfs_op *op, const char *host,
			    struct sbx_err *err)
{
	return sbx_rootfs_bind_path(rootfd, op, host,
				    (op->flags & ~(unsigned long)MS_REMOUNT) | MS_BIND | MS_REC | MS_RDONLY,
				    op->attr_set | MOUNT_ATTR_RDONLY, err);
}

/*
 * tmpcopyup: copy the tree at `src` (the image's directory, now covered by
 * the tmpfs but still reachable through this fd) into `dst` (the tmpfs).
 * Everything is relative to directory fds with O_NOFOLLOW: a symlink in the
 * image is copied as a symlink, never followed, so it cannot pull host
 * files in or push writes out.  Sockets and device nodes are skipped (a
 * tmpfs from a config is nodev, and sockets cannot be copied).
 */
static int copy_owner_mode(int fd, const struct stat *st, const char *what, struct sbx_err *err)
{
	/* An owner the user namespace does not map cannot be set (EINVAL);
	 * the copy then stays owned by the container's root, which is what
	 * the original looks like from inside anyway. */
	if (fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EINVAL && errno != EPERM)
		return sbx_err_set(err, errno, "tmpcopyup: chown %s", what);
	if (fchmod(fd, st->st_mode & 07777) < 0)
		return sbx_err_set(err, errno, "tmpcopyup: chmod %s", what);
	return 0;
}

static int copy_tree(int src, int dst, const char *dest, int depth, struct sbx_err *err)
{
	_sbx_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int dfd;

	if (depth > 64)
		return sbx_err_set(err, ELOOP, "tmpcopyup %s: directory tree too deep", dest);
	dfd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return sbx_err_set(err, errno, "tmpcopyup %s: read directory", dest);
	}
	while ((errno = 0, de = readdir(d))) {
		const char *n = de->d_name;
		struct stat st;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (fstatat(src, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return sbx_err_set(err, errno, "tmpcopyup %s/%s", dest, n);
		if (S_ISDIR(st.st_mode)) {
			_sbx_cleanup_close_ int s2 = -1, d2 = -1;
			if (mkdirat(dst, n, 0700) < 0 && errno != EEXIST)
				return sbx_err_set(err, errno, "tmpcopyup: mkdir %s/%s", dest, n);
			s2 = openat(src, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			d2 = openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				return sbx_err_set(err, errno, "tmpcopyup: open %s/%s", dest, n);
			if (copy_tree(s2, d2, dest, depth + 1, err) < 0 ||
			    copy_owner_mode(d2, &st, n, err) < 0)
				return -1;
		} else if (S_ISREG(st.st_mode)) {
			_sbx_cleanup_close_ int s2 = -1, d2 = -1;
			off_t left = st.st_size;
			s2 = openat(src, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			d2 = openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (s2 < 0 || d2 < 0)
				return sbx_err_set(err, errno, "tmpcopyup: copy %s/%s", dest, n);
			while (left > 0) {
				ssize_t w = sendfile(d2, s2, NULL, (size_t)left);
				if (w <= 0)
					return sbx_err_set(err, w < 0 ? errno : EIO, "tmpcopyup: copy %s/%s",
							   dest, n);
				left -= w;
			}
			if (copy_owner_mode(d2, &st, n, err) < 0)
				return -1;
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t l = readlinkat(src, n, target, sizeof(target) - 1);
			if (l < 0)
				return sbx_err_set(err, errno, "tmpcopyup: readlink %s/%s", dest, n);
			target[l] = '\0';
			if (symlinkat(target, dst, n) < 0)
				return sbx_err_set(err, errno, "tmpcopyup: symlink %s/%s", dest, n);
			if (fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
			    errno != EINVAL && errno != EPERM)
				return sbx_err_set(err, errno, "tmpcopyup: chown %s/%s", dest, n);
		} else if (S_ISFIFO(st.st_mode)) {
			if (mkfifoat(dst, n, st.st_mode & 07777) < 0)
				return sbx_err_set(err, errno, "tmpcopyup: mkfifo %s/%s", dest, n);
		}
	}
	if (errno)
		return sbx_err_set(err, errno, "tmpcopyup %s: read directory", dest);
	return 0;
}

int sbx_rootfs_mount_fs(int rootfd, const struct sbx_rootfs_op *op, const char *type,
			int *mount_errno, struct sbx_err *err)
{
	_sbx_cleanup_close_ int dst = -1, under = -1, top = -1;
	unsigned long flags = op->flags & ~(unsigned long)(MS_BIND | MS_REC);
	struct stat st;
	char dp[64];

	*mount_errno = 0;
	/* A late read-only mount is writable until finalize. */
	if (op->late_ro)
		flags &= ~(unsigned long)MS_RDONLY;
	dst = sbx_path_mkpath_in_root(rootfd, op->destination, true, err);
	if (dst < 0)
		return sbx_err_prefix(err, "mount %s on %s", type, op->destination);
	/* tmpcopyup: keep a handle on the directory the tmpfs will cover. */
	if (op->tmpcopyup && ((under = openat(dst, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
			      fstat(under, &st) < 0))
		return sbx_err_set(err, errno, "tmpcopyup: open %s", op->destination);
	/* The options that are not flags go to the filesystem as data; when
	 * it refuses them, say which mount and which data. */
	if (mount(op->source, sbx_rootfs_fdpath(dp, sizeof(dp), dst), type, flags, op->data) < 0) {
		*mount_errno = errno;
		return sbx_err_set(err, errno, "mount %s on %s%s%s%s", type, op->destination,
				   op->data ? " with data \"" : "", op->data ? op->data : "",
				   op->data ? "\"" : "");
	}
	if (op->tmpcopyup) {
		/* A read-only tmpcopyup tmpfs is late_ro: filled here, made
		 * read-only in finalize. */
		top = sbx_path_open_in_root(rootfd, op->destination, O_RDONLY | O_DIRECTORY, err);
		if (top < 0)
			return sbx_err_prefix(err, "tmpcopyup");
		if (copy_tree(under, top, op->destination, 0, err) < 0 ||
		    copy_owner_mode(top, &st, op->destination, err) < 0)
			return -1;
	}
	return finish_mount(rootfd, op, false, flags, op->propagation, op->attr_set, op->attr_clr,
			    err);
}
