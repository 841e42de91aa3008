/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Safe path resolution under a root directory (see include/sbx/path.h).
 *
 * Threat model: the rootfs comes from an image or a bundle we do not trust.
 * It may contain symlinks such as "etc -> /etc", "x -> ../../../.." or loops.
 * Everything we open, create or mount on inside it must stay inside it, so
 * every lookup is done relative to an fd of the rootfs with the kernel
 * clamping ".." and absolute symlinks to that fd (RESOLVE_IN_ROOT).  Magic
 * links (/proc/self/fd/N, /proc/self/root, ...) are refused outright: they
 * jump to arbitrary places and are never needed to reach a file inside the
 * rootfs.
 */
#include "sbx/path.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* Same budget as the kernel (MAXSYMLINKS). */
#define SBX_MAX_SYMLINKS 40

void sbx_path_clean(char *path)
{
	char *r, *w, *base;
	size_t depth = 0; /* components written that a ".." may pop */
	bool abs;

	if (!path)
		return;
	abs = path[0] == '/';
	base = path + (abs ? 1 : 0);
	r = w = base;
	/* Invariant: w <= the start of the component being read, and a
	 * separator is only written between components, so the in-place copy
	 * never overwrites text not yet read. */
	while (*r) {
		const char *s;
		size_t len;

		while (*r == '/')
			r++;
		if (!*r)
			break;
		s = r;
		while (*r && *r != '/')
			r++;
		len = (size_t)(r - s);
		if (len == 1 && s[0] == '.')
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (depth > 0) {
				while (w > base && w[-1] != '/')
					w--;
				if (w > base)
					w--;
				depth--;
				continue;
			}
			if (abs)
				continue; /* "/.." is "/" */
			/* relative: a leading ".." is kept */
		} else {
			depth++;
		}
		if (w > base)
			*w++ = '/';
		memmove(w, s, len);
		w += len;
	}
	if (w == base && !abs)
		*w++ = '.';
	*w = '\0';
}

static int openat2_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how;
	int i, fd = -1;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_CLOEXEC);
	/* The kernel rejects a mode without O_CREAT/O_TMPFILE.  O_TMPFILE
	 * contains the O_DIRECTORY bit, so test it as a whole. */
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		how.mode = 0644;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	/* EAGAIN: a concurrent rename raced with ".." resolution; the kernel
	 * asks us to retry rather than risk a wrong answer. */
	for (i = 0; i < 32; i++) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd;
}

/*
 * Fallback for kernels without openat2: walk one component at a time,
 * keeping an fd for every directory on the way so that ".." pops back to an
 * fd we already know to be inside the root (never a lookup of "..", which a
 * rename could move outside).  Symlinks are read with readlinkat and their
 * text is spliced into the remaining path; an absolute target restarts at
 * the root.  Every open uses O_NOFOLLOW, so a component swapped for a
 * symlink between our check and our open fails instead of being followed.
 */
struct walk {
	int stack[PATH_MAX / 2];
	size_t depth; /* stack[0] is a dup of the root */
};

static void walk_pop_all(struct walk *w)
{
	while (w->depth > 1) {
		close(w->stack[--w->depth]);
	}
}

static void walk_free(struct walk *w)
{
	while (w->depth > 0)
		close(w->stack[--w->depth]);
}

int sbx_path_walk_in_root(int rootfd, const char *path, int flags, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *rem = NULL;
	_sbx_cleanup_free_ struct walk *w = NULL;
	size_t remcap = PATH_MAX * 2;
	int links = 0, ret = -1, saved;
	const char *p;

	if (!path)
		path = "";
	if (strlen(path) >= PATH_MAX)
		return sbx_err_set(err, ENAMETOOLONG, "open %s in root", path);
	rem = sbx_xmalloc(remcap);
	snprintf(rem, remcap, "%s", path);
	w = sbx_xcalloc(1, sizeof(*w));
	w->stack[0] = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->stack[0] < 0)
		return sbx_err_set(err, errno, "open root directory");
	w->depth = 1;

	p = rem;
	for (;;) {
		char name[NAME_MAX + 1];
		const char *start;
		size_t len;
		struct stat st;
		int cur = w->stack[w->depth - 1];
		bool last;

		while (*p == '/')
			p++;
		if (!*p) {
			/* Path ended on a directory we already hold. */
			int fl = flags | O_CLOEXEC;
			ret = openat(cur, ".", fl & ~(O_CREAT | O_EXCL | O_NOFOLLOW));
			if (ret < 0)
				sbx_err_set(err, errno, "open %s in root", path);
			break;
		}
		start = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - start);
		if (len > NAME_MAX) {
			sbx_err_set(err, ENAMETOOLONG, "open %s in root", path);
			break;
		}
		memcpy(name, start, len);
		name[len] = '\0';
		{
			const char *q = p;
			while (*q == '/')
				q++;
			last = *q == '\0';
		}
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			if (w->depth > 1)
				close(w->stack[--w->depth]);
			continue;
		}
		if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT && last && (flags & O_CREAT)) {
				ret = openat(cur, name, flags | O_CLOEXEC | O_NOFOLLOW, 0644);
				if (ret < 0)
					sbx_err_set(err, errno, "open %s in root", path);
				break;
			}
			sbx_err_set(err, errno, "open %s in root", path);
			break;
		}
		if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			char target[PATH_MAX];
			ssize_t n;
			char *tmp;

			if (++links > SBX_MAX_SYMLINKS) {
				sbx_err_set(err, ELOOP, "open %s in root", path);
				break;
			}
			n = readlinkat(cur, name, target, sizeof(target) - 1);
			if (n < 0) {
				sbx_err_set(err, errno, "open %s in root", path);
				break;
			}
			target[n] = '\0';
			if (strlen(p) + (size_t)n + 2 >= remcap) {
				sbx_err_set(err, ENAMETOOLONG, "open %s in root", path);
				break;
			}
			/* New remaining path: <target>/<rest>. */
			tmp = sbx_xasprintf("%s/%s", target, p);
			snprintf(rem, remcap, "%s", tmp);
			free(tmp);
			p = rem;
			if (target[0] == '/')
				walk_pop_all(w);
			continue;
		}
		if (last) {
			ret = openat(cur, name, flags | O_CLOEXEC | O_NOFOLLOW,
				     (flags & O_CREAT) ? 0644 : 0);
			if (ret < 0)
				sbx_err_set(err, errno, "open %s in root", path);
			break;
		}
		if (w->depth >= SBX_ARRAY_SIZE(w->stack)) {
			sbx_err_set(err, ENAMETOOLONG, "open %s in root", path);
			break;
		}
		{
			int fd = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0) {
				sbx_err_set(err, errno, "open %s in root", path);
				break;
			}
			w->stack[w->depth++] = fd;
		}
	}
	saved = errno;
	walk_free(w);
	errno = saved;
	return ret;
}

int sbx_path_open_in_root(int rootfd, const char *path, int flags, struct sbx_err *err)
{
	int fd;

	if (!path || !*path)
		path = ".";
	fd = openat2_in_root(rootfd, path, flags);
	if (fd >= 0)
		return fd;
	if (errno == ENOSYS)
		return sbx_path_walk_in_root(rootfd, path, flags, err);
	return sbx_err_set(err, errno, "open %s in root", path);
}

/* One pass of mkpath over the clean absolute `path`.  Returns the O_PATH fd
 * of the final object, -1 + err, or -2 when a dangling symlink was found:
 * `newpath` then holds the path with the link's target spliced in and the
 * caller starts over (bounded by SBX_MAX_SYMLINKS). */
static int mkpath_once(int rootfd, const char *path, bool is_dir, char *newpath,
		       size_t newpath_len, struct sbx_err *err)
{
	_sbx_cleanup_close_ int parent = -1;
	char prefix[PATH_MAX];
	const char *p = path;
	size_t plen = 0;

	parent = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return sbx_err_set(err, errno, "open root directory");
	prefix[0] = '\0';
	newpath[0] = '\0';

	for (;;) {
		_sbx_cleanup_close_ int fd = -1;
		char name[NAME_MAX + 1];
		const char *start;
		size_t len;
		bool last;
		int r;

		while (*p == '/')
			p++;
		if (!*p)
			return sbx_steal_fd(&parent);
		start = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - start);
		if (len > NAME_MAX || plen + len + 2 >= sizeof(prefix))
			return sbx_err_set(err, ENAMETOOLONG, "create %s", path);
		memcpy(name, start, len);
		name[len] = '\0';
		prefix[plen++] = '/';
		memcpy(prefix + plen, name, len + 1);
		plen += len;
		last = *p == '\0';

		/* Resolve the whole prefix from the root each time: a symlink
		 * in this component is then followed with in-root semantics. */
		fd = openat2_in_root(rootfd, prefix, O_PATH);
		if (fd < 0 && errno == ENOSYS)
			fd = sbx_path_walk_in_root(rootfd, prefix, O_PATH, NULL);
		if (fd < 0 && errno != ENOENT)
			return sbx_err_set(err, errno, "resolve %s", prefix);
		if (fd < 0) {
			/* Missing: create it relative to the resolved parent,
			 * never following a symlink in the last step. */
			if (last && !is_dir) {
				r = openat(parent, name,
					   O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC | O_NOCTTY,
					   0644);
				if (r >= 0)
					close(r);
			} else {
				r = mkdirat(parent, name, 0755);
			}
			if (r < 0 && errno != EEXIST)
				return sbx_err_set(err, errno, "create %s", prefix);
			if (r < 0) {
				/* EEXIST: either a race (someone created it:
				 * fine) or a dangling symlink.  For the latter
				 * restart with the link's target spliced in, so
				 * the object is created where the link points
				 * to *inside* the root. */
				char target[PATH_MAX];
				struct stat st;
				ssize_t n;

				if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
				    S_ISLNK(st.st_mode)) {
					n = readlinkat(parent, name, target, sizeof(target) - 1);
					if (n < 0)
						return sbx_err_set(err, errno, "readlink %s", prefix);
					target[n] = '\0';
					prefix[plen - len] = '\0'; /* parent dir, ends in '/' */
					if (target[0] == '/')
						r = snprintf(newpath, newpath_len, "%s%s", target, p);
					else
						r = snprintf(newpath, newpath_len, "%s%s%s", prefix,
							     target, p);
					if (r < 0 || (size_t)r >= newpath_len)
						return sbx_err_set(err, ENAMETOOLONG, "create %s", path);
					sbx_path_clean(newpath);
					return -2; /* caller restarts with newpath */
				}
			}
			fd = openat2_in_root(rootfd, prefix, O_PATH);
			if (fd < 0 && errno == ENOSYS)
				fd = sbx_path_walk_in_root(rootfd, prefix, O_PATH, NULL);
			if (fd < 0)
				return sbx_err_set(err, errno, "resolve %s", prefix);
		}
		if (!last) {
			struct stat st;
			if (fstat(fd, &st) < 0)
				return sbx_err_set(err, errno, "stat %s", prefix);
			if (!S_ISDIR(st.st_mode))
				return sbx_err_set(err, ENOTDIR, "create %s: %s", path, prefix);
		} else {
			struct stat st;
			if (fstat(fd, &st) < 0)
				return sbx_err_set(err, errno, "stat %s", prefix);
			if (is_dir && !S_ISDIR(st.st_mode))
				return sbx_err_set(err, ENOTDIR, "create directory %s", path);
			if (!is_dir && S_ISDIR(st.st_mode))
				return sbx_err_set(err, EISDIR, "create file %s", path);
		}
		close(parent);
		parent = sbx_steal_fd(&fd);
	}
}

int sbx_path_mkpath_in_root(int rootfd, const char *path, bool is_dir, struct sbx_err *err)
{
	char cur[PATH_MAX], next[PATH_MAX];
	int i;

	if (!path || snprintf(cur, sizeof(cur), "/%s", path) >= (int)sizeof(cur))
		return sbx_err_set(err, ENAMETOOLONG, "create %s", path ? path : "(null)");
	/* ".." is clamped to the root by the resolution anyway; cleaning first
	 * makes the component walk below simple and the messages readable. */
	sbx_path_clean(cur);
	for (i = 0; i <= SBX_MAX_SYMLINKS; i++) {
		int fd = mkpath_once(rootfd, cur, is_dir, next, sizeof(next), err);
		if (fd >= 0)
			return fd;
		if (fd != -2)
			return -1;
		memcpy(cur, next, sizeof(cur));
	}
	return sbx_err_set(err, ELOOP, "create %s", path);
}
