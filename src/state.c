/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container state store: see include/sbx/state.h for the layout and the
 * locking rules.  This file: the root and the record directories, locks,
 * status, removal and listing; the files in a record (state.json, the
 * anchor, init's error report) are read and written by state_files.c.
 * state.json is the runtime's own record, not the config: config.json is
 * still only parsed by config.c.
 */
#include "sbx/state.h"
#include "sbx/cgroup.h"
#include "sbx/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int sbx_state_validate_id(const char *id, struct sbx_err *err)
{
	size_t n;

	if (!id || !*id)
		return sbx_err_set(err, 0, "invalid container id \"\": must not be empty");
	n = strlen(id);
	if (n > SBX_ID_MAX)
		return sbx_err_set(err, 0, "invalid container id \"%.32s...\": longer than %d characters",
				   id, SBX_ID_MAX);
	/* The first character being alphanumeric already excludes "." and
	 * ".."; the charset excludes "/" (and NUL-free by construction), so
	 * the ID is always exactly one path component under --root. */
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (i == 0 && !alnum)
			return sbx_err_set(err, 0,
					   "invalid container id \"%s\": must start with a letter or digit",
					   id);
		if (!alnum && c != '_' && c != '.' && c != '+' && c != '-')
			return sbx_err_set(err, 0,
					   "invalid container id \"%s\": character '%c' not allowed (use [A-Za-z0-9_.+-])",
					   id, c);
	}
	return 0;
}

const char *sbx_state_status_name(enum sbx_status s)
{
	switch (s) {
	case SBX_STATUS_CREATING: return "creating";
	case SBX_STATUS_CREATED: return "created";
	case SBX_STATUS_RUNNING: return "running";
	case SBX_STATUS_STOPPED: return "stopped";
	case SBX_STATUS_PAUSED: return "paused";
	}
	return "unknown";
}

/* mkdir -p with mode 0700 for the last component.  Parents that do not exist
 * are created 0700 too: the state root holds pids and bundle paths of other
 * users' containers only when shared, which we never want by default.
 * Whatever already exists is not trusted here: open_root() checks the root
 * itself on its fd. */
static int mkdir_p(const char *path, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *p = sbx_xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return sbx_err_set(err, errno, "create state directory %s", p);
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return sbx_err_set(err, errno, "create state directory %s", p);
	return 0;
}

/*
 * A directory we keep records in (the state root, a container's directory)
 * must be ours and writable only by us.  Otherwise whoever else can write it
 * can plant a record (a config.json with a poststop hook that `delete -f`
 * would run as us), swap one for a symlink, or remove ours.  The classic
 * case: /tmp/sbxrun-<uid>, the fallback root when XDG_RUNTIME_DIR is unset,
 * pre-created 0777 by another user.  Checked with fstat on the fd we go on
 * using, so nothing can be swapped between the check and the use.
 */
static int check_private_dir(int fd, const char *what, const char *path, struct sbx_err *err)
{
	struct stat st;
	uid_t me = geteuid();

	if (fstat(fd, &st) < 0)
		return sbx_err_set(err, errno, "stat %s %s", what, path);
	if (!S_ISDIR(st.st_mode))
		return sbx_err_set(err, ENOTDIR, "%s %s", what, path);
	if (st.st_uid != me || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		errno = EPERM;
		return sbx_err_set(err, 0,
				   "refusing to use %s %s: it is owned by uid %u with mode %04o; it must be "
				   "owned by uid %u (the caller) and not writable by group or others "
				   "(remove it, or choose another --root)",
				   what, path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
				   (unsigned)me);
	}
	return 0;
}

/* Open the state root (O_NOFOLLOW: a symlink planted in its place is not
 * followed) and check it.  create: make it (and its parents) first.
 * Returns the fd, or -1 with errno ENOENT when it does not exist. */
int sbx_state_root_open(const char *root, bool create, struct sbx_err *err)
{
	int fd;

	if (create && mkdir_p(root, err) < 0)
		return -1;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		sbx_err_set(err, e, "open state root %s", root);
		errno = e;
		return -1;
	}
	if (check_private_dir(fd, "state root", root, err) < 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

static int lock_dir(struct sbx_state_handle *h, bool exclusive, struct sbx_err *err)
{
	struct flock fl = { .l_type = exclusive ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET };
	struct stat st;

	if (h->lockfd < 0) {
		h->lockfd = openat(h->dirfd, SBX_LOCK_FILE,
				   O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
		if (h->lockfd < 0) {
			if (errno == ENOENT) /* removed under us by a delete */
				return sbx_err_setk(err, SBX_ERR_NO_CONTAINER, 0, "container \"%s\" does not exist", h->id);
			return sbx_err_set(err, errno, "open lock file %s/%s", h->dir, SBX_LOCK_FILE);
		}
	}
	while (fcntl(h->lockfd, F_SETLKW, &fl) < 0) {
		if (errno != EINTR)
			return sbx_err_set(err, errno, "lock %s/%s", h->dir, SBX_LOCK_FILE);
	}
	/* A `delete` that held the lock before us may have removed the
	 * directory: an unlinked directory has st_nlink == 0. */
	if (fstat(h->dirfd, &st) < 0)
		return sbx_err_set(err, errno, "stat state directory %s", h->dir);
	if (st.st_nlink == 0) {
		errno = ENOENT;
		return sbx_err_setk(err, SBX_ERR_NO_CONTAINER, 0, "container \"%s\" does not exist", h->id);
	}
	return 0;
}

static int open_handle(const char *root, const char *id, struct sbx_state_handle *h,
		       struct sbx_err *err)
{
	h->dir = sbx_xasprintf("%s/%s", root, id);
	h->id = sbx_xstrdup(id);
	/* O_NOFOLLOW: the ID directory itself must not be a symlink planted
	 * in a shared root to redirect our writes.  Relative to the checked
	 * root's fd: no second lookup of the root's path. */
	h->dirfd = openat(h->rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (h->dirfd < 0) {
		int e = errno;
		if (e == ENOENT)
			sbx_err_setk(err, SBX_ERR_NO_CONTAINER, 0, "container \"%s\" does not exist", id);
		else
			sbx_err_set(err, e, "open state directory %s", h->dir);
		sbx_state_close(h);
		errno = e;
		return -1;
	}
	/* The root was ours; the record must be too (a root that was once
	 * shared may still hold somebody else's). */
	if (check_private_dir(h->dirfd, "state directory", h->dir, err) < 0) {
		sbx_state_close(h);
		errno = EPERM;
		return -1;
	}
	return 0;
}

static void handle_init(struct sbx_state_handle *h)
{
	h->rootfd = h->dirfd = h->lockfd = -1;
	h->dir = h->id = NULL;
}

int sbx_state_create(const char *root, const char *id, struct sbx_state_handle *h,
		     struct sbx_err *err)
{
	handle_init(h);
	if (sbx_state_validate_id(id, err) < 0)
		return -1;
	h->rootfd = sbx_state_root_open(root, true, err);
	if (h->rootfd < 0)
		return -1;
	/* mkdir is the atomic claim of the ID: of two concurrent creates
	 * exactly one gets past this line. */
	if (mkdirat(h->rootfd, id, 0700) < 0) {
		int e = errno;
		if (e == EEXIST)
			sbx_err_set(err, 0, "container \"%s\" already exists", id);
		else
			sbx_err_set(err, e, "create state directory %s/%s", root, id);
		sbx_state_close(h);
		return -1;
	}
	/* Nothing may be left of a claim that failed (ENOSPC for the lock
	 * file, say): an empty directory would hold the ID forever ("already
	 * exists") and, having no lock file, not even be listed. */
	if (open_handle(root, id, h, err) < 0) {
		_sbx_cleanup_free_ char *dir = sbx_xasprintf("%s/%s", root, id);
		(void)rmdir(dir);
		return -1;
	}
	if (lock_dir(h, true, err) < 0) {
		(void)unlinkat(h->dirfd, SBX_LOCK_FILE, 0);
		(void)unlinkat(h->rootfd, id, AT_REMOVEDIR);
		sbx_state_close(h);
		return -1;
	}
	return 0;
}

int sbx_state_open(const char *root, const char *id, bool exclusive, struct sbx_state_handle *h,
		   struct sbx_err *err)
{
	handle_init(h);
	if (sbx_state_validate_id(id, err) < 0)
		return -1;
	h->rootfd = sbx_state_root_open(root, false, err);
	if (h->rootfd < 0) {
		if (errno == ENOENT)
			sbx_err_setk(err, SBX_ERR_NO_CONTAINER, 0, "container \"%s\" does not exist", id);
		return -1;
	}
	if (open_handle(root, id, h, err) < 0)
		return -1;
	if (lock_dir(h, exclusive, err) < 0) {
		sbx_state_close(h);
		return -1;
	}
	return 0;
}

int sbx_state_relock(struct sbx_state_handle *h, bool exclusive, struct sbx_err *err)
{
	return lock_dir(h, exclusive, err);
}

void sbx_state_unlock(struct sbx_state_handle *h)
{
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

	if (h->lockfd >= 0)
		(void)fcntl(h->lockfd, F_SETLK, &fl);
}

void sbx_state_close(struct sbx_state_handle *h)
{
	if (!h)
		return;
	sbx_cleanup_close(&h->lockfd); /* drops the record lock */
	sbx_cleanup_close(&h->dirfd);
	sbx_cleanup_close(&h->rootfd);
	free(h->dir);
	free(h->id);
	h->dir = h->id = NULL;
}

/* ---- status ---- */


bool sbx_state_pid_alive(const struct sbx_state *st)
{
	unsigned long long start;
	char state;

	if (st->pid <= 0)
		return false;
	if (sbx_proc_stat(st->pid, &start, &state) < 0)
		return false;
	/* A zombie has exited (nobody reaped it yet); 'X' is dead. */
	if (state == 'Z' || state == 'X')
		return false;
	/* Different start time: the pid was reused by another process. */
	if (st->start_time && start != st->start_time)
		return false;
	return true;
}

/* Is st->pid an init parked on the exec fifo (see SBX_INIT_PARKED_COMM)? */
static bool init_parked(const struct sbx_state *st)
{
	char path[64], comm[32];
	_sbx_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)st->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm) - 1);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, SBX_INIT_PARKED_COMM) == 0;
}

enum sbx_status sbx_state_compute_status(const struct sbx_state *st, bool fifo_exists)
{
	struct sbx_err ign;

	if (!sbx_state_pid_alive(st))
		return SBX_STATUS_STOPPED;
	/* A fifo whose init has moved on is what a `start` killed between
	 * releasing init and removing the fifo leaves: running. */
	if (fifo_exists && init_parked(st))
		return SBX_STATUS_CREATED;
	if (st->cgroup_path && sbx_cgroup_is_frozen(st->cgroup_path, &ign) == 1)
		return SBX_STATUS_PAUSED;
	return SBX_STATUS_RUNNING;
}

/* ---- removal, listing ---- */

int sbx_state_remove(struct sbx_state_handle *h, struct sbx_err *err)
{
	_sbx_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = openat(h->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return sbx_err_set(err, errno, "open state directory %s", h->dir);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return sbx_err_set(err, errno, "open state directory %s", h->dir);
	}
	/* Only plain files and fifos live here; we never recurse, so a
	 * planted symlink is removed, not followed.  state.json and the lock
	 * file (the anchor) go last: a removal cut short by a crash leaves a
	 * directory that still says what it was and is listed (list finds
	 * containers by their lock file). */
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, SBX_STATE_FILE) || !strcmp(de->d_name, SBX_LOCK_FILE))
			continue;
		if (unlinkat(h->dirfd, de->d_name, 0) < 0 && errno != ENOENT)
			return sbx_err_set(err, errno, "remove %s/%s", h->dir, de->d_name);
	}
	if (unlinkat(h->dirfd, SBX_STATE_FILE, 0) < 0 && errno != ENOENT)
		return sbx_err_set(err, errno, "remove %s/%s", h->dir, SBX_STATE_FILE);
	if (unlinkat(h->dirfd, SBX_LOCK_FILE, 0) < 0 && errno != ENOENT)
		return sbx_err_set(err, errno, "remove %s/%s", h->dir, SBX_LOCK_FILE);
	if (unlinkat(h->rootfd, h->id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return sbx_err_set(err, errno, "remove state directory %s", h->dir);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sbx_state_list(const char *root, char ***ids, size_t *n, struct sbx_err *err)
{
	_sbx_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char **v = NULL;
	size_t cnt = 0;
	int fd;

	*ids = NULL;
	*n = 0;
	fd = sbx_state_root_open(root, false, err);
	if (fd < 0) {
		if (errno == ENOENT) {
			sbx_err_clear(err);
			return 0;
		}
		return -1;
	}
	d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return sbx_err_set(err, e, "open state root %s", root);
	}
	while ((de = readdir(d))) {
		struct sbx_err e;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (sbx_state_validate_id(de->d_name, &e) < 0)
			continue;
		/* Only container directories: every one has its lock file from
		 * the moment it is claimed.  Other things that share the root
		 * (e.g. the seccomp cache directory) are not containers. */
		{
			char lockpath[SBX_ID_MAX + 16];
			struct stat sb;
			snprintf(lockpath, sizeof(lockpath), "%s/%s", de->d_name, SBX_LOCK_FILE);
			if (fstatat(dirfd(d), lockpath, &sb, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
		}
		v = sbx_xrealloc(v, (cnt + 1) * sizeof(char *));
		v[cnt++] = sbx_xstrdup(de->d_name);
	}
	if (cnt)
		qsort(v, cnt, sizeof(char *), cmp_str);
	*ids = v;
	*n = cnt;
	return 0;
}

void sbx_state_list_free(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}
