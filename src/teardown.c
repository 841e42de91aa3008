/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tearing a container down, also from an incomplete or unreadable record:
 * see include/sbx/teardown.h for where the kill handles come from and
 * docs/reliability.md for what this guarantees.
 */
#include "sbx/teardown.h"
#include "sbx/cgroup.h"
#include "sbx/config.h"
#include "sbx/handover.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define KILL_WAIT_MS 10000
#define MAX_KILL 64

static void note(struct sbx_teardown *td, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct sbx_teardown *td, const char *fmt, ...)
{
	size_t o = strlen(td->note);
	va_list ap;

	if (o + 3 >= sizeof(td->note))
		return;
	if (o) {
		memcpy(td->note + o, "; ", 2);
		o += 2;
		td->note[o] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(td->note + o, sizeof(td->note) - o, fmt, ap);
	va_end(ap);
}

static void add_pid(struct sbx_teardown *td, pid_t pid, unsigned long long start)
{
	for (size_t i = 0; i < td->n; i++)
		if (td->pids[i] == pid)
			return;
	td->pids = sbx_xrealloc(td->pids, (td->n + 1) * sizeof(*td->pids));
	td->starts = sbx_xrealloc(td->starts, (td->n + 1) * sizeof(*td->starts));
	td->pids[td->n] = pid;
	td->starts[td->n] = start;
	td->n++;
}

/* Does process `pid` hold an fd on the inode (dev, ino)? */
static bool holds(const char *pid, dev_t dev, ino_t ino)
{
	_sbx_cleanup_closedir_ DIR *d = NULL;
	char path[64];
	struct dirent *de;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (!d)
		return false; /* gone, or not ours to look at */
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		/* stat follows the magic link to the open file itself. */
		if (fstatat(dirfd(d), de->d_name, &st, 0) == 0 && st.st_dev == dev && st.st_ino == ino)
			return true;
	}
	return false;
}

/* The container's cgroup, as its init's own cgroup, when both records are
 * lost.  Only adopted when its name says it is this container's: the
 * default "sbx-<id>", or the end of linux.cgroupsPath in the saved
 * config.json.  A container without a cgroup of its own has its init in
 * the caller's cgroup, which must never be killed. */
static char *init_cgroup(const struct sbx_state_handle *h, pid_t pid)
{
	_sbx_cleanup_free_ char *rel = sbx_cgroup_of_pid(pid), *cfgtext = NULL;
	_sbx_cleanup_free_ char *leaf = sbx_xasprintf("/sbx-%s", h->id);
	struct sbx_config *cfg = NULL;
	struct sbx_err ign;
	size_t len, rl;
	bool ours;

	if (!rel)
		return NULL;
	rl = strlen(rel);
	ours = rl > strlen(leaf) && !strcmp(rel + rl - strlen(leaf), leaf);
	if (!ours && sbx_read_file_at(h->dirfd, "config.json", &cfgtext, &len, &ign) == 0 &&
	    sbx_config_parse(cfgtext, len, "config.json", &cfg, &ign) == 0) {
		const char *cp = cfg->linux.cgroups_path ? cfg->linux.cgroups_path : "";
		size_t cl;
		while (*cp == '/')
			cp++;
		cl = strlen(cp);
		while (cl && cp[cl - 1] == '/')
			cl--;
		/* ".../<cgroupsPath>", matched on whole components */
		ours = cl && rl > cl && !strncmp(rel + rl - cl, cp, cl) && rel[rl - cl - 1] == '/';
		sbx_config_free(cfg);
	}
	return ours ? sbx_steal_ptr(&rel) : NULL;
}

/* The parked init of a `created` container answers on <dir>/exec.sock
 * (handover.h): connect with SO_PASSCRED and the kernel stamps its answer
 * with the sender's pid, translated into our pid namespace.  This works
 * where the fifo scan cannot: init is non-dumpable, so an unprivileged
 * caller may not read its /proc/PID/fd.  0 if nobody answers in 500 ms. */
static pid_t exec_sock_holder(const struct sbx_state_handle *h)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16) + CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	char data[512];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	_sbx_cleanup_close_ int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct pollfd p = { .fd = s, .events = POLLIN };
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	pid_t pid = 0;
	int one = 1;

	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		return 0;
	snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/%s", h->dirfd, SBX_EXEC_SOCK);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 || poll(&p, 1, 500) <= 0 ||
	    recvmsg(s, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT) < 0)
		return 0;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred cr;
			memcpy(&cr, CMSG_DATA(cm), sizeof(cr));
			pid = cr.pid;
		} else if (cm->cmsg_type == SCM_RIGHTS) {
			size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[16];
			memcpy(fds, CMSG_DATA(cm), sizeof(int) * (nfd < 16 ? nfd : 16));
			for (size_t i = 0; i < nfd && i < 16; i++)
				close(fds[i]);
		}
	}
	return pid > 0 ? pid : 0;
}

/* The processes holding <dir>/exec.fifo open: the container's init while
 * it is parked (it keeps the read end until its execve).  Other sbxrun
 * commands only open the fifo under the container's lock, which we hold. */
static void scan_fifo_holders(const struct sbx_state_handle *h, struct sbx_state *st,
			      struct sbx_teardown *td)
{
	_sbx_cleanup_closedir_ DIR *proc = NULL;
	struct stat fst;
	struct dirent *de;
	pid_t self = getpid();
	size_t found = 0;

	if (fstatat(h->dirfd, SBX_EXEC_FIFO, &fst, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISFIFO(fst.st_mode))
		return;
	/* First ask the parked init itself (exec.sock); only if it does not
	 * answer, look through every process's fds. */
	{
		pid_t pid = exec_sock_holder(h);
		unsigned long long start;
		char state;
		if (pid > 0 && sbx_proc_stat(pid, &start, &state) == 0) {
			if (pid != st->pid) {
				add_pid(td, pid, start);
				note(td, "pid %d answers on %s (a parked init)", (int)pid, SBX_EXEC_SOCK);
			}
			if (!st->cgroup_path && (st->cgroup_path = init_cgroup(h, pid)))
				note(td, "cgroup %s from pid %d", st->cgroup_path, (int)pid);
			return;
		}
	}
	proc = opendir("/proc");
	if (!proc)
		return;
	while ((de = readdir(proc))) {
		unsigned long long start;
		char state;
		int64_t v;

		if (sbx_parse_i64(de->d_name, &v) < 0 || v <= 0 || (pid_t)v == self)
			continue;
		if (!holds(de->d_name, fst.st_dev, fst.st_ino))
			continue;
		if (sbx_proc_stat((pid_t)v, &start, &state) < 0)
			continue;
		if ((pid_t)v != st->pid) {
			add_pid(td, (pid_t)v, start);
			note(td, "pid %lld holds the exec fifo (a parked init)", (long long)v);
		}
		if (!st->cgroup_path && (st->cgroup_path = init_cgroup(h, (pid_t)v)))
			note(td, "cgroup %s from pid %lld", st->cgroup_path, (long long)v);
		found++;
	}
	if (!found)
		note(td, "no process holds the exec fifo");
}

void sbx_teardown_recover(const struct sbx_state_handle *h, struct sbx_state *st,
			  const struct sbx_err *unreadable, struct sbx_teardown *td)
{
	struct sbx_state_anchor a;
	bool incomplete = unreadable || st->pid <= 0;

	if (unreadable) {
		char buf[SBX_ERR_MSG_MAX + 64];
		note(td, "%s", sbx_err_str(unreadable, buf, sizeof(buf)));
	}
	/* A record with a pid is complete: state.json and the anchor were
	 * written together at the hand-over, and an older anchor must not
	 * override it (a cgroup path tried before falling back, say). */
	if (incomplete && sbx_state_read_anchor(h, &a) == 0) {
		if (!st->cgroup_path && a.cgroup_path) {
			st->cgroup_path = sbx_steal_ptr(&a.cgroup_path);
			note(td, "cgroup %s from the anchor", st->cgroup_path);
		}
		if (st->pid <= 0 && a.pid > 0) {
			st->pid = a.pid;
			st->start_time = a.start_time;
			note(td, "init pid %d from the anchor", (int)a.pid);
		}
		sbx_state_anchor_free(&a);
	} else if (unreadable) {
		note(td, "no anchor in the lock file");
	}
	if (incomplete)
		scan_fifo_holders(h, st, td);
}

/* Is pid still the process that started at `start` (0: unknown), alive? */
static bool same_alive(pid_t pid, unsigned long long start)
{
	unsigned long long now;
	char state;

	return sbx_proc_stat(pid, &now, &state) == 0 && (!start || now == start) &&
	       state != 'Z' && state != 'X';
}

/* SIGKILL pid, if it is still the process that started at `start`.
 * Returns a pidfd to wait on, NO_PIDFD when the kernel (or valgrind) has
 * no pidfd_open and it was killed by pid after the same check, or -1 if
 * there is nothing to kill. */
#define NO_PIDFD (-2)
static int kill_verified(pid_t pid, unsigned long long start)
{
	int fd;

	if (pid <= 0)
		return -1;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0 && errno == ENOSYS) {
		/* Linux < 5.3: the pid could be recycled between the check
		 * and the kill, a window of microseconds right after we saw
		 * it alive with the recorded start time. */
		if (!same_alive(pid, start) || kill(pid, SIGKILL) < 0)
			return -1;
		return NO_PIDFD;
	}
	if (fd < 0)
		return -1;
	/* Checked after the pidfd pins the process: no recycling race. */
	if (!same_alive(pid, start)) {
		close(fd);
		return -1;
	}
	if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0 && errno != ESRCH) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait until every process has exited: a pidfd becomes readable, a
 * NO_PIDFD entry is polled through /proc. */
static int wait_killed(int *fds, const pid_t *pids, const unsigned long long *starts, size_t n,
		       struct sbx_err *err)
{
	struct timespec t0, now;
	size_t left = n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (left) {
		struct pollfd p[MAX_KILL];
		size_t idx[MAX_KILL], k = 0;
		bool polled = false;
		long ms;

		for (size_t i = 0; i < n; i++) {
			if (fds[i] == NO_PIDFD) {
				polled = true;
				if (!same_alive(pids[i], starts[i])) {
					fds[i] = -1;
					left--;
				}
			} else if (fds[i] >= 0) {
				p[k].fd = fds[i];
				p[k].events = POLLIN;
				idx[k++] = i;
			}
		}
		if (!left)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = KILL_WAIT_MS - ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (ms <= 0) {
			for (size_t i = 0; i < n; i++)
				if (fds[i] != -1)
					return sbx_err_set(err, ETIMEDOUT, "pid %d did not exit %d ms after SIGKILL",
							   (int)pids[i], KILL_WAIT_MS);
		}
		if (polled && ms > 10)
			ms = 10;
		if (poll(p, k, (int)ms) < 0 && errno != EINTR)
			return sbx_err_set(err, errno, "wait for the container's processes");
		for (size_t j = 0; j < k; j++)
			if (p[j].revents) {
				close(fds[idx[j]]);
				fds[idx[j]] = -1;
				left--;
			}
	}
	return 0;
}

int sbx_teardown_kill(const struct sbx_state *st, const struct sbx_teardown *td,
		      unsigned *killed, struct sbx_err *err)
{
	int fds[MAX_KILL];
	pid_t pids[MAX_KILL];
	unsigned long long starts[MAX_KILL];
	size_t n = 0;
	int r;

	*killed = 0;
	/* A path from our own record, but never act outside cgroupfs on the
	 * word of a file. */
	if (st->cgroup_path && sbx_cgroup_check_path(st->cgroup_path, err) < 0)
		return -1;
	if (st->cgroup_path && access(st->cgroup_path, F_OK) == 0) {
		_sbx_cleanup_free_ pid_t *in = NULL;
		size_t nin = 0;
		struct sbx_err ign;

		/* The cgroup first: cgroup.kill takes the whole subtree at
		 * once, forks in flight included. */
		if (sbx_cgroup_list_pids(st->cgroup_path, &in, &nin, &ign) == 0)
			*killed += (unsigned)nin;
		if (sbx_cgroup_kill(st->cgroup_path, 0, err) < 0)
			return -1;
	}
	/* init (pid 1 of its pid namespace, when it has one: its death takes
	 * every process of the namespace with it), then what was recovered. */
	for (size_t i = 0; i <= td->n && n < MAX_KILL; i++) {
		pid_t pid = i == 0 ? st->pid : td->pids[i - 1];
		unsigned long long start = i == 0 ? st->start_time : td->starts[i - 1];
		int fd = kill_verified(pid, start);
		if (fd == -1)
			continue;
		fds[n] = fd;
		starts[n] = start;
		pids[n++] = pid;
	}
	if (!st->cgroup_path)
		*killed += (unsigned)n;
	r = wait_killed(fds, pids, starts, n, err);
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (r < 0)
		return -1;
	/* Then the cgroup is removed only once cgroup.events says nothing is
	 * left in it (sbx_cgroup_destroy waits for that). */
	if (st->cgroup_path && sbx_cgroup_destroy(st->cgroup_path, true, err) < 0)
		return -1;
	return 0;
}

void sbx_teardown_free(struct sbx_teardown *td)
{
	free(td->pids);
	free(td->starts);
	td->pids = NULL;
	td->starts = NULL;
	td->n = 0;
}
