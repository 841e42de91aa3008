/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `run --detach` json-file log (include/sbx/lifecycle.h).  A logger process, forked
 * before the container, reads the container's stdout/stderr pipes and
 * appends docker-style JSON lines to <state dir>/container.log, rotating it.
 * It exits when every writer is gone (the container and everything it
 * started), so it needs no supervision and never outlives its container.
 */
#include "sbx/lifecycle.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_NAME "container.log"
#define LINE_MAX_BYTES 16384  /* a longer line is split, as docker does */

struct logger {
	int dirfd, fd;
	uint64_t size, max_size;
	unsigned max_files;
};

/* container.log.(N-1) -> .N ... container.log -> .1, then a fresh file.
 * With max_files == 1 the file is just truncated.  All renames are inside
 * the 0700 state directory, by dirfd. */
static void rotate(struct logger *l)
{
	char from[64], to[64];

	for (unsigned i = l->max_files - 1; i >= 1; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", LOG_NAME);
		else
			snprintf(from, sizeof(from), "%s.%u", LOG_NAME, i - 1);
		snprintf(to, sizeof(to), "%s.%u", LOG_NAME, i);
		(void)renameat(l->dirfd, from, l->dirfd, to);
	}
	close(l->fd);
	l->fd = openat(l->dirfd, LOG_NAME, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	l->size = 0;
}

static void emit(struct logger *l, const char *stream, const char *data, size_t len)
{
	char ts[64];
	json_t *o;
	char *line;
	size_t n;

	sbx_state_now_rfc3339(ts, sizeof(ts));
	o = json_pack("{s:s%,s:s,s:s}", "log", data, len, "stream", stream, "time", ts);
	if (!o)
		return;
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!line)
		return;
	n = strlen(line);
	line[n++] = '\n'; /* json_dumps's NUL becomes the newline */
	if (l->max_size && l->size > 0 && l->size + n > l->max_size)
		rotate(l);
	if (l->fd >= 0 && sbx_write_all(l->fd, line, n) == 0)
		l->size += n;
	free(line);
}

struct stream {
	int fd;
	const char *name;
	char buf[LINE_MAX_BYTES];
	size_t len;
};

static void drain(struct logger *l, struct stream *s, bool eof)
{
	size_t start = 0;

	for (size_t i = 0; i < s->len; i++) {
		if (s->buf[i] == '\n') {
			emit(l, s->name, s->buf + start, i + 1 - start);
			start = i + 1;
		}
	}
	if (start < s->len && (eof || (start == 0 && s->len == sizeof(s->buf)))) {
		emit(l, s->name, s->buf + start, s->len - start);
		start = s->len;
	}
	memmove(s->buf, s->buf + start, s->len - start);
	s->len -= start;
}

static __attribute__((noreturn)) void logger_main(struct logger *l, int out_fd, int err_fd)
{
	static struct stream streams[2];
	int open_streams = 2;

	streams[0].fd = out_fd;
	streams[0].name = "stdout";
	streams[1].fd = err_fd;
	streams[1].name = "stderr";
	while (open_streams > 0) {
		struct pollfd p[2] = { { streams[0].fd, POLLIN, 0 }, { streams[1].fd, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			struct stream *s = &streams[i];
			ssize_t n;
			if (s->fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				drain(l, s, true);
				close(s->fd);
				s->fd = -1;
				open_streams--;
				continue;
			}
			s->len += (size_t)n;
			drain(l, s, false);
		}
	}
	_exit(0);
}

int sbx_life_detach_log_start(struct sbx_state_handle *h, struct sbx_state *st,
			      uint64_t max_size, unsigned max_files, int *saved_out,
			      int *saved_err, struct sbx_err *err)
{
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	struct logger l = { .dirfd = -1, .fd = -1, .max_size = max_size,
			    .max_files = max_files ? max_files : 1 };
	pid_t pid;

	*saved_out = *saved_err = -1;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		sbx_err_set(err, errno, "run --detach: create log pipes");
		goto fail;
	}
	l.dirfd = openat(h->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	l.fd = openat(h->dirfd, LOG_NAME, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (l.dirfd < 0 || l.fd < 0) {
		sbx_err_set(err, errno, "run --detach: open %s/%s", h->dir, LOG_NAME);
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		sbx_err_set(err, errno, "run --detach: fork the logger");
		goto fail;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		/* Own session: a terminal hangup or ^C aimed at the caller
		 * must not take the log down with it. */
		setsid();
		signal(SIGHUP, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		close(out[1]);
		close(errp[1]);
		logger_main(&l, out[0], errp[0]);
	}
	close(out[0]);
	close(errp[0]);
	close(l.fd);
	close(l.dirfd);
	*saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	*saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	/* dup2 clears O_CLOEXEC: the container inherits the write ends. */
	if (dup2(out[1], STDOUT_FILENO) < 0 || dup2(errp[1], STDERR_FILENO) < 0) {
		sbx_err_set(err, errno, "run --detach: redirect output to the logger");
		sbx_life_detach_log_restore(*saved_out, *saved_err);
		*saved_out = *saved_err = -1;
		close(out[1]);
		close(errp[1]);
		return -1;
	}
	close(out[1]);
	close(errp[1]);
	free(st->log_path);
	st->log_path = sbx_xasprintf("%s/%s", h->dir, LOG_NAME);
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	if (l.fd >= 0)
		close(l.fd);
	if (l.dirfd >= 0)
		close(l.dirfd);
	return -1;
}

void sbx_life_detach_log_restore(int saved_out, int saved_err)
{
	if (saved_out >= 0) {
		dup2(saved_out, STDOUT_FILENO);
		close(saved_out);
	}
	if (saved_err >= 0) {
		dup2(saved_err, STDERR_FILENO);
		close(saved_err);
	}
}

int sbx_life_parse_size(const char *s, uint64_t *out)
{
	_sbx_cleanup_free_ char *num = sbx_xstrdup(s);
	size_t n = strlen(num);
	uint64_t mult = 1, v;

	if (n == 0)
		return -1;
	switch (num[n - 1]) {
	case 'k': case 'K': mult = 1024; break;
	case 'm': case 'M': mult = 1024 * 1024; break;
	case 'g': case 'G': mult = 1024 * 1024 * 1024; break;
	default: break;
	}
	if (mult != 1)
		num[n - 1] = '\0';
	if (sbx_parse_u64(num, &v) < 0 || v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}
