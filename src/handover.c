/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `created` state: the exec fifo and the namespace hand-over to `exec`
 * (include/sbx/handover.h).
 */
#include "sbx/handover.h"
#include "sbx/ns.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/nsfs.h>

/* The request and the answer: the types, then the fds as SCM_RIGHTS. */
struct wire {
	uint32_t n;
	int32_t type[SBX_HANDOVER_NS_MAX];
};

/* "/proc/self/fd/N/exec.sock": short whatever the state root's length. */
static int sock_addr(int dirfd, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "/proc/self/fd/%d/%s", dirfd, SBX_EXEC_SOCK);
	return 0;
}

int sbx_handover_listen(const char *fifo_path, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *copy = sbx_xstrdup(fifo_path);
	_sbx_cleanup_close_ int dirfd = -1, s = -1;
	struct sockaddr_un a;

	dirfd = open(dirname(copy), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return sbx_err_set(err, errno, "exec socket: open %s", fifo_path);
	sock_addr(dirfd, &a);
	/* Non-blocking: a connection that goes away between init's poll() and
	 * accept() must not leave init stuck in accept(), deaf to `start`. */
	s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return sbx_err_set(err, errno, "exec socket: socket");
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 8) < 0)
		return sbx_err_set(err, errno, "exec socket: listen on %s next to %s", SBX_EXEC_SOCK,
				   fifo_path);
	return sbx_steal_fd(&s);
}

int sbx_handover_open_ns(struct sbx_handover_ns *ns, struct sbx_err *err)
{
	ns->n = 0;
	/* user first: exec joins in the order it receives them */
	for (size_t i = 0; i < SBX_NS_COUNT; i++) {
		char path[SBX_NS_PATH_MAX];
		int fd;

		sbx_ns_path(path, 0, sbx_ns_join_order[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue; /* a kernel without this namespace type */
		if (fd < 0) {
			sbx_handover_close_ns(ns);
			return sbx_err_set(err, errno, "open %s", path);
		}
		ns->fd[ns->n] = fd;
		ns->type[ns->n++] = sbx_ns_flag(sbx_ns_join_order[i]);
	}
	return 0;
}

int sbx_handover_add_root(struct sbx_handover_ns *ns, struct sbx_err *err)
{
	int fd;

	if (ns->n >= SBX_HANDOVER_NS_MAX)
		return sbx_err_set(err, ENOSPC, "keep the container's root for exec");
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sbx_err_set(err, errno, "keep the container's root for exec");
	ns->fd[ns->n] = fd;
	ns->type[ns->n++] = SBX_HANDOVER_ROOT;
	return 0;
}

void sbx_handover_close_ns(struct sbx_handover_ns *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		if (ns->fd[i] >= 0)
			close(ns->fd[i]);
	ns->n = 0;
}

/* Answer one connection with the namespace fds. */
static void serve(int lsock, const struct sbx_handover_ns *ns)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SBX_HANDOVER_NS_MAX)];
		struct cmsghdr align;
	} u;
	struct wire w = { .n = (uint32_t)ns->n };
	struct iovec iov = { .iov_base = &w, .iov_len = sizeof(w) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	_sbx_cleanup_close_ int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	struct cmsghdr *cm;

	if (c < 0)
		return;
	for (size_t i = 0; i < ns->n; i++)
		w.type[i] = ns->type[i];
	if (ns->n) {
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * ns->n);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * ns->n);
		memcpy(CMSG_DATA(cm), ns->fd, sizeof(int) * ns->n);
	}
	(void)sendmsg(c, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
}

int sbx_handover_wait(int fifo, int lsock, const struct sbx_handover_ns *ns,
		      struct sbx_err *err)
{
	struct pollfd p[2] = { { .fd = fifo, .events = POLLIN }, { .fd = lsock, .events = POLLIN } };
	char b;

	/* The fifo is open O_RDWR (container.c, sbx_container_spawn): we
	 * count as a writer ourselves, so poll() blocks until `sbxrun start`
	 * writes one byte, and a `start` that opened it and died before
	 * writing leaves neither end-of-file nor a hang-up behind. */
	for (;;) {
		ssize_t n;
		int r = poll(p, lsock >= 0 ? 2 : 1, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sbx_err_set(err, errno, "wait for start on the exec fifo");
		if (lsock >= 0 && (p[1].revents & POLLIN))
			serve(lsock, ns);
		if (!p[0].revents)
			continue;
		n = read(fifo, &b, 1);
		if (n == 1)
			break;
		/* (read() returning 0 sets no errno: a stale one used to end
		 * the container here) */
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return sbx_err_set(err, errno, "read the exec fifo");
		if (n == 0 || (p[0].revents & POLLHUP)) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	/* The fifo stays open (close-on-exec): `sbxrun start` waits for it to
	 * close at execve before running the poststart hooks. */
	return 0;
}

int sbx_handover_fetch_ns(int dirfd, struct sbx_handover_ns *ns, struct sbx_err *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SBX_HANDOVER_NS_MAX)];
		struct cmsghdr align;
	} u;
	struct wire w;
	struct iovec iov = { .iov_base = &w, .iov_len = sizeof(w) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	_sbx_cleanup_close_ int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un a;
	struct cmsghdr *cm;
	size_t nfd = 0;
	ssize_t n;

	ns->n = 0;
	if (s < 0)
		return sbx_err_set(err, errno, "exec socket: socket");
	sock_addr(dirfd, &a);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return sbx_err_set(err, errno, "connect to the created container's %s", SBX_EXEC_SOCK);
	do
		n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sbx_err_set(err, errno, "receive the created container's namespaces");
	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (nfd > SBX_HANDOVER_NS_MAX)
			nfd = SBX_HANDOVER_NS_MAX; /* cannot happen: the buffer holds no more */
		memcpy(ns->fd, CMSG_DATA(cm), sizeof(int) * nfd);
	}
	ns->n = nfd;
	if (n != (ssize_t)sizeof(w) || w.n != nfd) {
		sbx_handover_close_ns(ns);
		return sbx_err_set(err, EPROTO, "receive the created container's namespaces");
	}
	/* Each fd must be the namespace type it claims to be (the root: a
	 * directory). */
	for (size_t i = 0; i < nfd; i++) {
		struct stat st;

		ns->type[i] = w.type[i];
		if (w.type[i] == SBX_HANDOVER_ROOT ? fstat(ns->fd[i], &st) < 0 || !S_ISDIR(st.st_mode)
						   : ioctl(ns->fd[i], NS_GET_NSTYPE) != w.type[i]) {
			sbx_handover_close_ns(ns);
			return sbx_err_set(err, EPROTO, "the created container sent a namespace fd of the wrong type");
		}
	}
	return 0;
}
