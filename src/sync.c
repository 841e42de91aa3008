/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/sync.h"
#include "sbx/util.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define SBX_SYNC_BLOB_MAX (1u << 20)

int sbx_sync_send(int sock, enum sbx_sync_type type, int64_t value, int fd, struct sbx_err *err)
{
	struct sbx_sync_msg m = { .type = type, .value = value };

	if (sbx_send_fd(sock, &m, sizeof(m), fd) < 0)
		return sbx_err_set(err, errno, "sync: send message %u", (unsigned)type);
	return 0;
}

void sbx_sync_send_err(int sock, const struct sbx_err *e)
{
	struct sbx_sync_msg m = { .type = SBX_SYNC_ERROR };

	m.err = *e;
	(void)send(sock, &m, sizeof(m), MSG_NOSIGNAL);
}

void sbx_sync_log_sink(enum sbx_log_level lvl, long long sec, long nsec, const char *msg,
		       void *arg)
{
	struct sbx_sync_msg m = { .type = SBX_SYNC_LOG, .value = lvl, .sec = sec, .nsec = nsec };

	snprintf(m.err.msg, sizeof(m.err.msg), "%s", msg);
	(void)send((int)(intptr_t)arg, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static int recv_one(int sock, struct sbx_sync_msg *msg, int *fd, struct sbx_err *err)
{
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(*msg) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;

	if (fd)
		*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sbx_err_set(err, errno, "sync: receive");
	if (n == 0)
		return 0;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof(int));
			if (fd)
				*fd = got;
			else
				close(got);
		}
	}
	if ((size_t)n != sizeof(*msg))
		return sbx_err_set(err, EPROTO, "sync: short message (%zd bytes)", n);
	msg->err.msg[sizeof(msg->err.msg) - 1] = '\0';
	return 1;
}

int sbx_sync_recv(int sock, struct sbx_sync_msg *msg, int *fd, struct sbx_err *err)
{
	for (;;) {
		int r = recv_one(sock, msg, fd, err);
		if (r <= 0 || msg->type != SBX_SYNC_LOG)
			return r;
		if (fd && *fd >= 0) {
			close(*fd);
			*fd = -1;
		}
		sbx_log_record((enum sbx_log_level)msg->value, (long long)msg->sec, (long)msg->nsec,
			       msg->err.msg);
	}
}

int sbx_sync_expect(int sock, enum sbx_sync_type type, struct sbx_sync_msg *msg, int *fd,
		    const char *what, struct sbx_err *err)
{
	int r = sbx_sync_recv(sock, msg, fd, err);

	if (r < 0)
		return -1;
	if (r == 0)
		return sbx_err_set(err, 0, "%s: the container process exited unexpectedly", what);
	if (msg->type == SBX_SYNC_ERROR) {
		*err = msg->err;
		return -1;
	}
	if (msg->type != type)
		return sbx_err_set(err, EPROTO, "%s: unexpected sync message %u (wanted %u)", what,
				   msg->type, (unsigned)type);
	return 0;
}

int sbx_sync_send_blob(int sock, const char *data, size_t len, struct sbx_err *err)
{
	if (len > SBX_SYNC_BLOB_MAX)
		return sbx_err_set(err, E2BIG, "sync: blob of %zu bytes is too large", len);
	if (sbx_sync_send(sock, SBX_SYNC_BLOB, (int64_t)len, -1, err) < 0)
		return -1;
	if (send(sock, data, len ? len : 1, MSG_NOSIGNAL) < 0)
		return sbx_err_set(err, errno, "sync: send blob");
	return 0;
}

int sbx_sync_recv_blob(int sock, char **data, struct sbx_err *err)
{
	struct sbx_sync_msg m;
	_sbx_cleanup_free_ char *buf = NULL;
	ssize_t n;

	if (sbx_sync_expect(sock, SBX_SYNC_BLOB, &m, NULL, "sync: blob", err) < 0)
		return -1;
	if (m.value < 0 || m.value > SBX_SYNC_BLOB_MAX)
		return sbx_err_set(err, EPROTO, "sync: bad blob length %lld", (long long)m.value);
	buf = sbx_xmalloc((size_t)m.value + 1);
	do
		n = recv(sock, buf, (size_t)m.value ? (size_t)m.value : 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sbx_err_set(err, errno, "sync: receive blob");
	if (n != m.value && !(m.value == 0 && n == 1))
		return sbx_err_set(err, EPROTO, "sync: blob truncated");
	buf[m.value] = '\0';
	*data = sbx_steal_ptr(&buf);
	return 0;
}
