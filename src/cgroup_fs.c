/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup v2: the files of a cgroup.  The only code in sbxrun that reads or
 * writes a cgroup file (cgroup.procs, cgroup.events, cgroup.kill...): the
 * rest of the module (placement in cgroup.c, live operations in
 * cgroup_ops.c) and every other module go through these functions, which
 * check that a recorded path lies under the cgroup2 mount before they act
 * on it.  Layering: cgroup_res.c (pure) <- cgroup_fs.c <- cgroup.c,
 * cgroup_ops.c.
 */
#include "sbx/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "sbx/log.h"
#include "sbx/util.h"
#include "cgroup_int.h"

/* ---------- parsing ---------- */

char *sbx_cgroup_parse_mountinfo(const char *text, unsigned *v1_mask)
{
	char *found = NULL;
	const char *line = text;

	if (v1_mask)
		*v1_mask = 0;
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		_sbx_cleanup_free_ char *l = strndup(line, len);
		char *fields[6] = { 0 }, *sep, *save = NULL, *tok, *fstype, *opts;
		int nf = 0;

		line = nl ? nl + 1 : NULL;
		if (!l)
			continue;
		/* "36 35 98:0 /root /mnt opts [optional...] - fstype source superopts" */
		sep = strstr(l, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (tok = strtok_r(l, " ", &save); tok && nf < 6; tok = strtok_r(NULL, " ", &save))
			fields[nf++] = tok;
		if (nf < 5)
			continue;
		save = NULL;
		fstype = strtok_r(sep + 3, " ", &save);
		(void)strtok_r(NULL, " ", &save); /* source */
		opts = strtok_r(NULL, " ", &save);
		if (!fstype)
			continue;
		if (strcmp(fstype, "cgroup2") == 0 && !found) {
			found = sbx_xstrdup(fields[4]);
			sbx_mountinfo_unescape(found);
		} else if (strcmp(fstype, "cgroup") == 0 && opts && v1_mask) {
			char *o, *s2 = NULL;
			for (o = strtok_r(opts, ",", &s2); o; o = strtok_r(NULL, ",", &s2)) {
				/* v1's blkio is v2's io. */
				if (strcmp(o, "blkio") == 0)
					*v1_mask |= SBX_CG_IO;
				else
					*v1_mask |= sbx_cgroup_ctrl_from_name(o, strlen(o));
			}
		}
	}
	return found;
}

char *sbx_cgroup_parse_proc_cgroup(const char *text)
{
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len >= 3 && strncmp(line, "0::", 3) == 0) {
			char *r = strndup(line + 3, len - 3);
			if (!r)
				return NULL;
			if (!*r) {
				free(r);
				r = sbx_xstrdup("/");
			}
			return r;
		}
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* Clean "a//b/" and refuse "." / ".." components: the cgroup path must not
 * climb out of the subtree it names (a relative cgroupsPath of "../../x"
 * would otherwise leave the caller's delegated cgroup). */

/* ---------- small file helpers ---------- */

int sbx_cgroup_read_file(const char *dir, const char *file, char **out, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *p = sbx_xasprintf("%s/%s", dir, file);
	return sbx_read_file_at(AT_FDCWD, p, out, NULL, err);
}

/* Write a cgroup file; on failure err is "write <value> to <path>: <errno>"
 * and errno is preserved for the caller. */
int sbx_cgroup_write_file(const char *dir, const char *file, const char *value, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *p = sbx_xasprintf("%s/%s", dir, file);
	_sbx_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	int e;

	if (fd < 0) {
		e = errno;
		sbx_err_set(err, e, "open %s", p);
		errno = e;
		return -1;
	}
	/* cgroupfs takes a value in one write(); a short write cannot happen. */
	if (write(fd, value, strlen(value)) < 0) {
		e = errno;
		sbx_err_set(err, e, "write \"%s\" to %s", value, p);
		errno = e;
		return -1;
	}
	return 0;
}

/*
 * Where cgroup v2 is mounted.  Every command that touches a cgroup asks
 * (run: the plan; exec, state, kill...: the check of the recorded path),
 * and /proc/self/mountinfo costs the kernel a line of text per mount
 * (~0.13 ms with the ~100 mounts of this host, a third of what issue 8's
 * defences added to `exec`).  So the two places systemd mounts it are
 * asked first, with statfs: /sys/fs/cgroup (unified) and
 * /sys/fs/cgroup/unified (hybrid).  A path is a cgroup2 mount point
 * exactly when it is on cgroup2 and its parent is not (a bind mount of a
 * part of the hierarchy counts, as it does in mountinfo).  The answer is
 * the one mountinfo gives whenever the first cgroup2 mount is there; where
 * another one comes first, both name the same hierarchy, and one hidden
 * under an over-mount is not taken.  Anywhere else: mountinfo, remembered
 * per mount namespace (keyed by its inode, so a process that has joined
 * another one reads its table afresh; a fork inherits the answer).
 */
static bool on_cgroup2(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

static const char *probe_mount(void)
{
	if (on_cgroup2("/sys/fs/cgroup"))
		return on_cgroup2("/sys/fs") ? NULL : "/sys/fs/cgroup";
	return on_cgroup2("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified" : NULL;
}

static struct {
	ino_t mntns;       /* 0: nothing remembered */
	char *mount;       /* NULL: no cgroup2 mount */
} mount_memo;

char *sbx_cgroup_find_mount(void)
{
	_sbx_cleanup_free_ char *mi = NULL;
	const char *probed = probe_mount();
	struct sbx_err ign;
	struct stat ns;
	bool keyed;
	char *found;

	if (probed)
		return sbx_xstrdup(probed);
	keyed = stat("/proc/self/ns/mnt", &ns) == 0 && ns.st_ino != 0;
	if (keyed && mount_memo.mntns == ns.st_ino)
		return mount_memo.mount ? sbx_xstrdup(mount_memo.mount) : NULL;
	if (sbx_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mi, NULL, &ign) < 0)
		return NULL;
	found = sbx_cgroup_parse_mountinfo(mi, NULL);
	if (keyed) {
		free(mount_memo.mount);
		mount_memo.mount = found ? sbx_xstrdup(found) : NULL;
		mount_memo.mntns = ns.st_ino;
	}
	return found;
}

/* The controllers on cgroup v1, for the error message only. */
static unsigned v1_controllers(void)
{
	_sbx_cleanup_free_ char *mi = NULL;
	struct sbx_err ign;
	unsigned mask = 0;

	if (sbx_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mi, NULL, &ign) == 0)
		free(sbx_cgroup_parse_mountinfo(mi, &mask));
	return mask;
}

int sbx_cgroup_check_available(const char *mount, const struct sbx_cgroup_settings *set,
				struct sbx_err *err)
{
	_sbx_cleanup_free_ char *avail_s = NULL;
	unsigned missing, v1_mask;

	if (!set->controllers)
		return 0;
	if (sbx_cgroup_read_file(mount, "cgroup.controllers", &avail_s, err) < 0)
		return sbx_err_prefix(err, "cgroup");
	missing = set->controllers & ~sbx_cgroup_parse_ctrl_list(avail_s);
	v1_mask = missing ? v1_controllers() : 0;
	for (unsigned i = 0; i < SBX_CG_NCTRL; i++) {
		unsigned bit = 1u << i;
		if (!(missing & bit))
			continue;
		return sbx_err_set(err, 0, "cgroup: %s requested but the %s controller is not"
				   " available in the cgroup v2 hierarchy at %s%s; sbxrun supports"
				   " cgroup v2 only: boot with systemd.unified_cgroup_hierarchy=1 (or"
				   " cgroup_no_v1=%s) so that the controller is on cgroup v2, or remove"
				   " the limit from the config", set->why[i] ? set->why[i] : "a limit",
				   sbx_cgroup_ctrl_name(bit), mount,
				   (v1_mask & bit) ? " (this host uses cgroup v1 for it)" : "",
				   bit == SBX_CG_IO ? "blkio" : sbx_cgroup_ctrl_name(bit));
	}
	return 0;
}

int sbx_cgroup_check_under_mount(const char *path, char **mount_out, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *mount = sbx_cgroup_find_mount();
	size_t n;

	if (!path || !*path)
		return sbx_err_set(err, 0, "cgroup: the container has no cgroup (it was started"
				   " without one: no usable cgroup v2, see docs/cgroups.md)");
	if (!mount)
		return sbx_err_set(err, 0, "cgroup: no cgroup v2 hierarchy is mounted");
	n = strlen(mount);
	if (strncmp(path, mount, n) != 0 || path[n] != '/' || strstr(path, "/../") ||
	    strstr(path, "/./"))
		return sbx_err_set(err, 0, "cgroup: %s is not a cgroup under %s", path, mount);
	if (mount_out)
		*mount_out = sbx_steal_ptr(&mount);
	return 0;
}

int sbx_cgroup_add_pid(const char *path, pid_t pid, struct sbx_err *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (sbx_cgroup_write_file(path, "cgroup.procs", buf, err) < 0)
		return sbx_err_prefix(err, "cgroup: move pid %d", (int)pid);
	return 0;
}

/* "0" moves the writer itself: `exec` joins the container's cgroup before
 * it joins the namespaces, so that its process is born inside. */
int sbx_cgroup_enter(const char *path, struct sbx_err *err)
{
	if (sbx_cgroup_check_under_mount(path, NULL, err) < 0)
		return -1;
	if (sbx_cgroup_write_file(path, "cgroup.procs", "0", err) < 0)
		return sbx_err_prefix(err, "join the container's cgroup");
	return 0;
}

int sbx_cgroup_open_dir(const char *path, struct sbx_err *err)
{
	int fd;

	if (sbx_cgroup_check_under_mount(path, NULL, err) < 0)
		return -1;
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_set(err, errno, "open the container's cgroup %s", path);
	return fd;
}

/* The absolute cgroup v2 directory of `pid` (malloc'ed), NULL if unknown
 * or the root.  For teardown without a record: init's own cgroup. */
char *sbx_cgroup_of_pid(pid_t pid)
{
	_sbx_cleanup_free_ char *text = NULL, *rel = NULL, *mount = NULL;
	struct sbx_err ign;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (sbx_read_file_at(AT_FDCWD, path, &text, NULL, &ign) < 0)
		return NULL;
	rel = sbx_cgroup_parse_proc_cgroup(text);
	mount = sbx_cgroup_find_mount();
	if (!rel || !mount || !strcmp(rel, "/"))
		return NULL;
	return sbx_xasprintf("%s%s", mount, rel);
}

static int collect(const char *dir, pid_t **pids, size_t *n, size_t *cap, int depth,
		   struct sbx_err *err)
{
	_sbx_cleanup_free_ char *procs = NULL;
	_sbx_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (depth > 32)
		return sbx_err_set(err, ELOOP, "cgroup: %s: nested too deep", dir);
	if (sbx_cgroup_read_file(dir, "cgroup.procs", &procs, err) < 0)
		return -1;
	for (char *l = procs; *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		if (*l) {
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 16;
				*pids = sbx_xrealloc(*pids, *cap * sizeof(**pids));
			}
			(*pids)[(*n)++] = (pid_t)strtol(l, NULL, 10);
		}
		if (!nl)
			break;
		l = nl + 1;
	}
	d = opendir(dir);
	if (!d)
		return sbx_err_set(err, errno, "cgroup: open %s", dir);
	while ((de = readdir(d))) {
		_sbx_cleanup_free_ char *sub = NULL;
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		sub = sbx_xasprintf("%s/%s", dir, de->d_name);
		if (collect(sub, pids, n, cap, depth + 1, err) < 0)
			return -1;
	}
	return 0;
}

int sbx_cgroup_list_pids(const char *path, pid_t **pids, size_t *n, struct sbx_err *err)
{
	size_t cap = 0;

	*pids = NULL;
	*n = 0;
	if (sbx_cgroup_check_under_mount(path, NULL, err) < 0)
		return -1;
	if (collect(path, pids, n, &cap, 0, err) < 0) {
		free(*pids);
		*pids = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

/* Fallback for kernels without cgroup.kill (< 5.14): freeze the subtree so
 * that nothing in it can fork while we list it, SIGKILL every process
 * (fatal signals reach frozen tasks in cgroup v2), thaw, and repeat until
 * nothing is listed.  Without a freezer (< 5.2) it is a plain kill loop,
 * which a fast fork loop could outrun for a while; bounded at 100 rounds. */
static int freeze_kill(const char *path, struct sbx_err *err)
{
	struct sbx_err ign;
	bool frozen = sbx_cgroup_write_file(path, "cgroup.freeze", "1", &ign) == 0;

	for (int round = 0; round < 100; round++) {
		_sbx_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		if (sbx_cgroup_list_pids(path, &pids, &n, err) < 0)
			return -1;
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		if (round > 0) {
			struct timespec ts = { 0, 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	if (frozen)
		(void)sbx_cgroup_write_file(path, "cgroup.freeze", "0", &ign);
	return 0;
}

int sbx_cgroup_kill(const char *path, unsigned flags, struct sbx_err *err)
{
	struct sbx_err e2;

	if (!path || !*path)
		return 0;
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	/* cgroup.kill (5.14) kills the whole subtree atomically, with no race
	 * against forks. */
	if (!(flags & SBX_CGROUP_KILL_NO_KILLFILE) &&
	    sbx_cgroup_write_file(path, "cgroup.kill", "1", &e2) == 0)
		return 0;
	if (freeze_kill(path, err) < 0)
		return sbx_err_prefix(err, "cgroup: kill the processes of %s", path);
	return 0;
}

/* "populated 0" in <path>/cgroup.events: no live process left in the
 * subtree.  kernfs signals every change of the file with POLLPRI, so this
 * sleeps until the last process is gone instead of polling. */
int sbx_cgroup_wait_empty(const char *path, int timeout_ms, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *ev = sbx_xasprintf("%s/cgroup.events", path);
	_sbx_cleanup_close_ int fd = open(ev, O_RDONLY | O_CLOEXEC);
	struct timespec t0, now;

	if (fd < 0) {
		if (errno == ENOENT)
			return 0; /* no such cgroup (any more) */
		return sbx_err_set(err, errno, "cgroup: open %s", ev);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char buf[512];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		struct pollfd p = { .fd = fd, .events = POLLPRI };
		long left;

		if (n < 0) {
			if (errno == ENODEV || errno == ENOENT)
				return 0; /* removed meanwhile */
			return sbx_err_set(err, errno, "cgroup: read %s", ev);
		}
		buf[n] = '\0';
		if (!strncmp(buf, "populated 0", 11) || strstr(buf, "\npopulated 0"))
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - ((now.tv_sec - t0.tv_sec) * 1000 +
				     (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return sbx_err_set(err, EBUSY, "cgroup: %s still has live processes after"
					   " %d ms", path, timeout_ms);
		/* Re-read at least every 100 ms: a missed notification must
		 * not cost the whole timeout. */
		if (poll(&p, 1, left < 100 ? (int)left : 100) < 0 && errno != EINTR)
			return sbx_err_set(err, errno, "cgroup: poll %s", ev);
	}
}

static int rmdir_tree(const char *path, int depth)
{
	_sbx_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (depth > 32)
		return -1;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		_sbx_cleanup_free_ char *sub = NULL;
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sub = sbx_xasprintf("%s/%s", path, de->d_name);
		if (rmdir_tree(sub, depth + 1) < 0)
			return -1;
	}
	/* Unpopulated is not yet removable: a cgroup stays "busy" until its
	 * last dying task has been released, usually well under a
	 * millisecond, so back off exponentially from 100 us (a fixed 10 ms
	 * sleep was most of a container's run time), up to about 2 s. */
	for (long ns = 100 * 1000, waited = 0; waited < 2000L * 1000 * 1000; waited += ns) {
		struct timespec ts;
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		if (ns < 20L * 1000 * 1000)
			ns *= 2;
		ts.tv_sec = 0;
		ts.tv_nsec = ns;
		nanosleep(&ts, NULL);
	}
	errno = EBUSY;
	return -1;
}

int sbx_cgroup_destroy(const char *path, bool kill_procs, struct sbx_err *err)
{
	struct stat st;

	if (!path || !*path)
		return 0;
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;
	if (kill_procs && sbx_cgroup_kill(path, 0, err) < 0)
		return -1;
	/* Converge: removal only once the kernel says nothing is left, so
	 * that a process still dying cannot make the rmdir fail or, worse,
	 * keep a populated cgroup that nobody knows about any more. */
	if (sbx_cgroup_wait_empty(path, kill_procs ? 10000 : 2000, err) < 0)
		return -1;
	if (rmdir_tree(path, 0) < 0)
		return sbx_err_set(err, errno, "cgroup: remove %s%s", path,
				   errno == EBUSY ? " (processes are still running in it)" : "");
	return 0;
}
