/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Acting on a recorded container: open its record, its saved config,
 * start it (`created` -> `running`), pause/resume it, signal its init (pidfd, checked against pid reuse), list its processes,
 * wait for it.  The CLI commands call these; nothing here prints.
 */
#include "sbx/lifecycle.h"
#include "sbx/cgroup.h"
#include "sbx/handover.h"
#include "sbx/hooks.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int sbx_life_open(const char *root, const char *id, bool exclusive, struct sbx_state_handle *h,
		  struct sbx_state *st, struct sbx_err *err)
{
	if (sbx_state_open(root, id, exclusive, h, err) < 0)
		return -1;
	if (sbx_state_load(h, st, err) < 0) {
		sbx_state_close(h);
		return -1;
	}
	return 0;
}

int sbx_life_load_config(const struct sbx_state_handle *h, const struct sbx_state *st,
			 bool defer_seccomp, struct sbx_config **cfg, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *text = NULL;
	size_t len;

	if (sbx_read_file_at(h->dirfd, SBX_STATE_CONFIG, &text, &len, err) < 0)
		return sbx_err_prefix(err, "container \"%s\": saved config", h->id);
	if ((defer_seccomp ? sbx_config_parse_deferred : sbx_config_parse)(text, len, "config.json",
									cfg, err) < 0)
		return -1;
	/* The parser leaves these to sbx_config_load(); the state knows them. */
	if (st->bundle)
		(*cfg)->bundle = sbx_arena_strdup(&(*cfg)->arena, st->bundle);
	if (st->rootfs)
		(*cfg)->rootfs = sbx_arena_strdup(&(*cfg)->arena, st->rootfs);
	return 0;
}

/* pidfd of st->pid, verified to be the process we started: the pidfd pins
 * the process, so checking the start time AFTER opening it closes the race
 * where the pid is recycled between the check and the signal. */
static int open_init_pidfd(const struct sbx_state *st, struct sbx_err *err)
{
	int fd;

	if (st->pid <= 0)
		return sbx_err_set(err, 0, "container \"%s\" has no process", st->id);
	fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (fd < 0) {
		if (errno == ESRCH)
			return sbx_err_set(err, 0, "container \"%s\" is not running", st->id);
		return sbx_err_set(err, errno, "pidfd_open %d", (int)st->pid);
	}
	if (!sbx_state_pid_alive(st)) {
		close(fd);
		return sbx_err_set(err, 0, "container \"%s\" is not running", st->id);
	}
	return fd;
}

int sbx_life_signal_init(const struct sbx_state *st, int sig, struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = open_init_pidfd(st, err);

	if (fd < 0)
		return -1;
	if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
		return sbx_err_set(err, errno, "send signal %d to container \"%s\" (pid %d)", sig,
				   st->id, (int)st->pid);
	return 0;
}

int sbx_life_wait_exit(const struct sbx_state *st, int timeout_ms)
{
	struct sbx_err err;
	_sbx_cleanup_close_ int fd = open_init_pidfd(st, &err);
	struct pollfd p;

	if (fd < 0)
		return 0; /* already gone */
	p.fd = fd;
	p.events = POLLIN; /* readable once the process has exited */
	for (;;) {
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		return r > 0 ? 0 : -1;
	}
}

int sbx_life_pids(const struct sbx_state *st, pid_t **pids, size_t *n, struct sbx_err *err)
{
	_sbx_cleanup_closedir_ DIR *d = NULL;
	char path[64];
	struct stat init_ns;
	struct dirent *de;

	*pids = NULL;
	*n = 0;
	if (st->cgroup_path)
		return sbx_cgroup_list_pids(st->cgroup_path, pids, n, err);
	if (!sbx_state_pid_alive(st))
		return 0;
	if (st->shared_pidns)
		return sbx_err_set(err, 0,
				   "container \"%s\" has neither a cgroup nor its own pid namespace: "
				   "its processes cannot be told apart from the host's", st->id);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)st->pid);
	if (stat(path, &init_ns) < 0)
		return sbx_err_set(err, errno, "stat %s", path);
	d = opendir("/proc");
	if (!d)
		return sbx_err_set(err, errno, "open /proc");
	while ((de = readdir(d))) {
		struct stat ns;
		int64_t v;
		if (sbx_parse_i64(de->d_name, &v) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/pid", de->d_name);
		if (stat(path, &ns) < 0)
			continue;
		if (ns.st_dev == init_ns.st_dev && ns.st_ino == init_ns.st_ino) {
			*pids = sbx_xrealloc(*pids, (*n + 1) * sizeof(pid_t));
			(*pids)[(*n)++] = (pid_t)v;
		}
	}
	return 0;
}

int sbx_life_write_pid_file(const char *path, pid_t pid, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *tmp = sbx_xasprintf("%s.XXXXXX", path);
	_sbx_cleanup_close_ int fd = -1;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	/* temp + rename: an engine polling the file never reads half of it.
	 * The pid file is a caller-given path, often in a shared sticky
	 * directory (issue 8, class 7): the temp name is unpredictable and
	 * created O_EXCL (never an existing file or symlink somebody planted
	 * there), and rename() replaces a symlink at `path` instead of
	 * following it. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return sbx_err_set(err, errno, "write pid file %s: create a temporary file next to it", path);
	if (fchmod(fd, 0644) < 0 || sbx_write_all(fd, buf, (size_t)n) < 0) {
		int e = errno;
		unlink(tmp);
		return sbx_err_set(err, e, "write pid file %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return sbx_err_set(err, e, "rename pid file to %s", path);
	}
	return 0;
}

/* ---- start: the exec fifo's writing side (handover.c is init's) ---- */

/* Let init go on to its execve: one byte into the exec fifo, and the fifo
 * removed (a gone fifo is what makes the status `running`).  The fifo
 * stays open in *fd so that the caller can see init exec or exit. */
static int release_init(const struct sbx_state_handle *h, const struct sbx_state *st, int *fd,
			struct sbx_err *err)
{
	int code, e;

	/* Non-blocking: init holds the read end open while it waits, so this
	 * succeeds; ENXIO means no reader, i.e. init died meanwhile.  The fifo
	 * is only ever opened in our own, 0700 state directory. */
	*fd = openat(h->dirfd, SBX_EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (*fd < 0) {
		/* Saved: looking for init's report (often absent) sets errno. */
		e = errno;
		if (e == ENXIO && sbx_state_read_init_error(h, &code, err) > 0)
			return sbx_err_prefix(err, "cannot start container \"%s\": its init failed",
					      st->id);
		if (e == ENXIO)
			return sbx_err_set(err, 0, "cannot start container \"%s\": its init is gone",
					   st->id);
		return sbx_err_set(err, e, "cannot start container \"%s\": open exec fifo", st->id);
	}
	if (sbx_write_all(*fd, "0", 1) < 0)
		return sbx_err_set(err, errno, "cannot start container \"%s\": write exec fifo", st->id);
	/* Gone fifo == started: from here on the status is `running`. */
	if (unlinkat(h->dirfd, SBX_EXEC_FIFO, 0) < 0)
		return sbx_err_set(err, errno, "remove exec fifo %s/%s", h->dir, SBX_EXEC_FIFO);
	/* init stops answering on it now (handover.h). */
	(void)unlinkat(h->dirfd, SBX_EXEC_SOCK, 0);
	return 0;
}

int sbx_life_start(const struct sbx_state_handle *h, struct sbx_state *st, struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = -1;
	struct sbx_config *cfg = NULL;
	int code;

	if (st->status != SBX_STATUS_CREATED)
		return sbx_err_set(err, 0, "cannot start container \"%s\": it is %s, not created",
				   st->id, sbx_state_status_name(st->status));
	if (release_init(h, st, &fd, err) < 0)
		return -1;
	/* runtime-spec: poststart runs after the user's process is executed.
	 * init keeps the fifo's read end open (close-on-exec) through the
	 * startContainer hooks until its execve; the write end reports POLLERR
	 * once no reader is left. */
	for (;;) {
		struct pollfd p = { .fd = fd, .events = 0 };
		int r = poll(&p, 1, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
			break;
	}
	/* The fifo closed: init exec'd, or failed (missing executable or
	 * rootfs, a startContainer hook...) and wrote why into exec.err
	 * before exiting, which is what closed it.  Report that like `run`
	 * does: the message and init's exit code, no poststart hooks. */
	if (sbx_state_read_init_error(h, &code, err) > 0)
		return sbx_err_prefix(err, "container \"%s\" failed to start", st->id);
	if (sbx_life_load_config(h, st, true, &cfg, err) < 0) {
		sbx_warn_err(err, "poststart hooks not run");
	} else if (cfg->hooks.poststart.n) {
		_sbx_cleanup_free_ char *js = sbx_state_oci_json(st, "running", false);
		sbx_hooks_run_warn(&cfg->hooks.poststart, "poststart", js);
	}
	sbx_config_free(cfg);
	return 0;
}

int sbx_life_freeze(const struct sbx_state *st, bool freeze, struct sbx_err *err)
{
	const char *cmd = freeze ? "pause" : "resume";
	enum sbx_status need = freeze ? SBX_STATUS_RUNNING : SBX_STATUS_PAUSED;

	if (!st->cgroup_path)
		return sbx_err_set(err, 0,
				   "cannot %s container \"%s\": it has no cgroup (the freezer needs a "
				   "delegated cgroup v2 hierarchy; see docs/cgroups.md)", cmd, st->id);
	if (st->status != need)
		return sbx_err_set(err, 0, "cannot %s container \"%s\": it is %s, not %s", cmd,
				   st->id, sbx_state_status_name(st->status),
				   sbx_state_status_name(need));
	/* The cgroup module writes cgroup.freeze and returns once
	 * cgroup.events says every task is frozen (or thawed). */
	if (sbx_cgroup_freeze(st->cgroup_path, freeze, err) < 0)
		return sbx_err_prefix(err, "%s container \"%s\"", cmd, st->id);
	return 0;
}
