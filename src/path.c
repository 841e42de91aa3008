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
	size_t depth;           /* stack[0] is a dup of the root */
	char rem[PATH_MAX * 2]; /* the path still to resolve, link targets spliced in */
	const char *p;          /* the next component in rem */
	int links;              /* symlinks followed so far */
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

/* The next component of *pp into `name`, *pp moved just past it; *last:
 * only slashes follow.  1, 0 when only slashes are left, -1 + ENAMETOOLONG. */
static int next_component(const char **pp, char name[NAME_MAX + 1], bool *last)
{
	const char *p = *pp, *start, *q;
	size_t len;

	while (*p == '/')
		p++;
	*pp = p;
	if (!*p)
		return 0;
	start = p;
	while (*p && *p != '/')
		p++;
	*pp = p;
	len = (size_t)(p - start);
	if (len > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, start, len);
	name[len] = '\0';
	for (q = p; *q == '/'; q++)
		;
	*last = *q == '\0';
	return 1;
}

/* `name` in `cur` is a symlink to follow: the remaining path becomes
 * <target>/<rest>, from the root if the target is absolute.  -1 + errno. */
static int walk_splice_link(struct walk *w, int cur, const char *name)
{
	char target[PATH_MAX];
	ssize_t n;
	char *tmp;

	if (++w->links > SBX_MAX_SYMLINKS) {
		errno = ELOOP;
		return -1;
	}
	n = readlinkat(cur, name, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	if (strlen(w->p) + (size_t)n + 2 >= sizeof(w->rem)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	tmp = sbx_xasprintf("%s/%s", target, w->p);
	snprintf(w->rem, sizeof(w->rem), "%s", tmp);
	free(tmp);
	w->p = w->rem;
	if (target[0] == '/')
		walk_pop_all(w);
	return 0;
}

/* Step into the directory `name` of `cur` (never through a symlink). */
static int walk_push_dir(struct walk *w, int cur, const char *name)
{
	int fd;

	if (w->depth >= SBX_ARRAY_SIZE(w->stack)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	w->stack[w->depth++] = fd;
	return 0;
}

/* Resolve one component: 1 with *out the opened object, 0 to go on with
 * the next one, -1 + errno. */
static int walk_step(struct walk *w, int flags, int *out)
{
	char name[NAME_MAX + 1];
	struct stat st;
	int cur = w->stack[w->depth - 1];
	bool last = false;
	int r = next_component(&w->p, name, &last);

	if (r < 0)
		return -1;
	if (r == 0) {
		/* Path ended on a directory we already hold. */
		*out = openat(cur, ".", (flags | O_CLOEXEC) & ~(O_CREAT | O_EXCL | O_NOFOLLOW));
		return *out < 0 ? -1 : 1;
	}
	if (strcmp(name, ".") == 0)
		return 0;
	if (strcmp(name, "..") == 0) {
		if (w->depth > 1)
			close(w->stack[--w->depth]);
		return 0;
	}
	if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT && last && (flags & O_CREAT)) {
			*out = openat(cur, name, flags | O_CLOEXEC | O_NOFOLLOW, 0644);
			return *out < 0 ? -1 : 1;
		}
		return -1;
	}
	if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW)))
		return walk_splice_link(w, cur, name);
	if (last) {
		*out = openat(cur, name, flags | O_CLOEXEC | O_NOFOLLOW, (flags & O_CREAT) ? 0644 : 0);
		return *out < 0 ? -1 : 1;
	}
	return walk_push_dir(w, cur, name);
}

int sbx_path_walk_in_root(int rootfd, const char *path, int flags, struct sbx_err *err)
{
	_sbx_cleanup_free_ struct walk *w = NULL;
	int ret = -1, r, saved;

	if (!path)
		path = "";
	if (strlen(path) >= PATH_MAX)
		return sbx_err_set(err, ENAMETOOLONG, "open %s in root", path);
	w = sbx_xcalloc(1, sizeof(*w));
	snprintf(w->rem, sizeof(w->rem), "%s", path);
	w->p = w->rem;
	w->stack[0] = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->stack[0] < 0)
		return sbx_err_set(err, errno, "open root directory");
	w->depth = 1;
	while ((r = walk_step(w, flags, &ret)) == 0)
		;
	if (r < 0) {
		ret = -1;
		sbx_err_set(err, errno, "open %s in root", path);
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

/* openat2 in the root, or the walk where the kernel has no openat2. */
static int resolve_in_root(int rootfd, const char *path)
{
	int fd = openat2_in_root(rootfd, path, O_PATH);

	if (fd < 0 && errno == ENOSYS)
		fd = sbx_path_walk_in_root(rootfd, path, O_PATH, NULL);
	return fd;
}

/* One pass of mkpath (mkpath_once) over a clean absolute path. */
struct mkpath {
	int rootfd;
	const char *path;
	bool is_dir;
	char prefix[PATH_MAX]; /* the components reached so far: "/a/b" */
	size_t plen;
	char *newpath;         /* where a dangling symlink sends us (-2) */
	size_t newpath_len;
};

/* Create the missing `name` in `parent`: a directory, or (the last
 * component of a file's path) an empty file, never following a symlink. */
static int create_component(int parent, const char *name, bool file)
{
	int r;

	if (!file)
		return mkdirat(parent, name, 0755);
	r = openat(parent, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC | O_NOCTTY,
		   0644);
	if (r >= 0)
		close(r);
	return r;
}

/* Creating `name` (the last component of m->prefix) in `parent` met
 * EEXIST: either a race (someone created it: fine, 0) or a dangling
 * symlink.  For the latter -2 with m->newpath the path with the link's
 * target spliced in before `rest`, so the object is created where the link
 * points to *inside* the root. */
static int splice_dangling(struct mkpath *m, int parent, const char *name, const char *rest,
			   struct sbx_err *err)
{
	size_t dirlen = m->plen - strlen(name); /* the parent dir, ending in '/' */
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int r;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
		return 0;
	n = readlinkat(parent, name, target, sizeof(target) - 1);
	if (n < 0)
		return sbx_err_set(err, errno, "readlink %s", m->prefix);
	target[n] = '\0';
	if (target[0] == '/')
		r = snprintf(m->newpath, m->newpath_len, "%s%s", target, rest);
	else
		r = snprintf(m->newpath, m->newpath_len, "%.*s%s%s", (int)dirlen, m->prefix, target,
			     rest);
	if (r < 0 || (size_t)r >= m->newpath_len)
		return sbx_err_set(err, ENAMETOOLONG, "create %s", m->path);
	sbx_path_clean(m->newpath);
	return -2; /* caller restarts with newpath */
}

/* The O_PATH fd of m->prefix, whose last component `name` (`last` in the
 * path, `rest` what follows it) is created in `parent` if missing.  -1 +
 * err, or -2 (splice_dangling). */
static int mkpath_resolve(struct mkpath *m, int parent, const char *name, bool last,
			  const char *rest, struct sbx_err *err)
{
	int fd, r;

	/* Resolve the whole prefix from the root each time: a symlink
	 * in this component is then followed with in-root semantics. */
	fd = resolve_in_root(m->rootfd, m->prefix);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return sbx_err_set(err, errno, "resolve %s", m->prefix);
	/* Missing: create it relative to the resolved parent,
	 * never following a symlink in the last step. */
	r = create_component(parent, name, last && !m->is_dir);
	if (r < 0 && errno != EEXIST)
		return sbx_err_set(err, errno, "create %s", m->prefix);
	if (r < 0 && (r = splice_dangling(m, parent, name, rest, err)) < 0)
		return r;
	fd = resolve_in_root(m->rootfd, m->prefix);
	if (fd < 0)
		return sbx_err_set(err, errno, "resolve %s", m->prefix);
	return fd;
}

/* What m->prefix resolved to: a directory on the way, what was asked for
 * at the end. */
static int check_component(const struct mkpath *m, int fd, bool last, struct sbx_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return sbx_err_set(err, errno, "stat %s", m->prefix);
	if (!last && !S_ISDIR(st.st_mode))
		return sbx_err_set(err, ENOTDIR, "create %s: %s", m->path, m->prefix);
	if (last && m->is_dir && !S_ISDIR(st.st_mode))
		return sbx_err_set(err, ENOTDIR, "create directory %s", m->path);
	if (last && !m->is_dir && S_ISDIR(st.st_mode))
		return sbx_err_set(err, EISDIR, "create file %s", m->path);
	return 0;
}

/* One pass of mkpath over the clean absolute `path`.  Returns the O_PATH fd
 * of the final object, -1 + err, or -2 when a dangling symlink was found:
 * `newpath` then holds the path with the link's target spliced in and the
 * caller starts over (bounded by SBX_MAX_SYMLINKS). */
static int mkpath_once(int rootfd, const char *path, bool is_dir, char *newpath,
		       size_t newpath_len, struct sbx_err *err)
{
	_sbx_cleanup_close_ int parent = -1;
	struct mkpath m = { .rootfd = rootfd, .path = path, .is_dir = is_dir,
			    .newpath = newpath, .newpath_len = newpath_len };
	const char *p = path;

	parent = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return sbx_err_set(err, errno, "open root directory");
	m.prefix[0] = '\0';
	newpath[0] = '\0';

	for (;;) {
		_sbx_cleanup_close_ int fd = -1;
		char name[NAME_MAX + 1];
		bool last = false;
		int r = next_component(&p, name, &last);

		if (r == 0)
			return sbx_steal_fd(&parent);
		if (r < 0 || m.plen + strlen(name) + 2 >= sizeof(m.prefix))
			return sbx_err_set(err, ENAMETOOLONG, "create %s", path);
		m.plen += (size_t)snprintf(m.prefix + m.plen, sizeof(m.prefix) - m.plen, "/%s", name);
		fd = mkpath_resolve(&m, parent, name, last, p, err);
		if (fd < 0)
			return fd;
		if (check_component(&m, fd, last, err) < 0)
			return -1;
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
