/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/log.h"
#include "sbx/error.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1; /* -1: stderr */
static enum sbx_log_format log_fmt = SBX_LOG_TEXT;
static enum sbx_log_level log_min = SBX_LOG_WARN;
static const char *level_name(enum sbx_log_level l);
static sbx_log_sink_fn log_sink;
static void *log_sink_arg;

void sbx_log_set_sink(sbx_log_sink_fn fn, void *arg)
{
	/* The fd itself is closed by the child's fd sweep, not here: the
	 * number is only forgotten, so nothing writes to a reused fd. */
	log_sink = fn;
	log_sink_arg = arg;
	log_fd = -1;
}

void sbx_log_record(enum sbx_log_level lvl, long long sec, long nsec, const char *msg)
{
	char rec[8192];
	size_t n;
	int saved = errno;

	if (lvl < log_min)
		return;
	if (log_fd < 0 && log_fmt == SBX_LOG_TEXT) {
		/* Plain stderr, text: keep it readable for people. */
		if (lvl == SBX_LOG_ERROR)
			n = (size_t)snprintf(rec, sizeof(rec), "sbxrun: %s\n", msg);
		else
			n = (size_t)snprintf(rec, sizeof(rec), "sbxrun: %s: %s\n", level_name(lvl), msg);
		if (n >= sizeof(rec))
			n = sizeof(rec) - 1;
	} else {
		n = sbx_log_format_record(rec, sizeof(rec), log_fmt, lvl, sec, nsec, msg);
	}
	(void)sbx_write_all(sbx_log_fd(), rec, n);
	errno = saved;
}

static const char *level_name(enum sbx_log_level l)
{
	switch (l) {
	case SBX_LOG_DEBUG: return "debug";
	case SBX_LOG_INFO: return "info";
	case SBX_LOG_WARN: return "warning";
	case SBX_LOG_ERROR: return "error";
	}
	return "error";
}

int sbx_log_parse_format(const char *s, enum sbx_log_format *out)
{
	if (!strcmp(s, "text"))
		*out = SBX_LOG_TEXT;
	else if (!strcmp(s, "json"))
		*out = SBX_LOG_JSON;
	else
		return -1;
	return 0;
}

int sbx_log_init(const char *path, enum sbx_log_format fmt, enum sbx_log_level min,
		 struct sbx_err *err)
{
	log_fmt = fmt;
	log_min = min;
	if (path && *path) {
		/* O_NOFOLLOW: --log is a caller-given path, often in a shared
		 * sticky directory; a symlink planted there must not make us
		 * append to (or create) a file of the attacker's choosing. */
		int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW,
			      0600);
		if (fd < 0 && errno == ELOOP)
			return sbx_err_set(err, errno, "open log file %s: it is a symbolic link (not followed)",
					   path);
		if (fd < 0)
			return sbx_err_set(err, errno, "open log file %s", path);
		if (log_fd >= 0)
			close(log_fd);
		log_fd = fd;
	}
	return 0;
}

void sbx_log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

bool sbx_log_enabled(enum sbx_log_level lvl)
{
	return lvl >= log_min;
}

int sbx_log_fd(void)
{
	return log_fd >= 0 ? log_fd : STDERR_FILENO;
}

/* JSON string escaping for the msg field (RFC 8259: quote, backslash and
 * control characters must be escaped). */
static size_t json_escape(char *out, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s && o + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': out[o++] = '\\'; out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; out[o++] = '\\'; break;
		case '\n': out[o++] = '\\'; out[o++] = 'n'; break;
		case '\r': out[o++] = '\\'; out[o++] = 'r'; break;
		case '\t': out[o++] = '\\'; out[o++] = 't'; break;
		default:
			if (c < 0x20)
				o += (size_t)snprintf(out + o, len - o, "\\u%04x", c);
			else
				out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return o;
}

size_t sbx_log_format_record(char *buf, size_t len, enum sbx_log_format fmt,
			     enum sbx_log_level lvl, long long sec, long nsec, const char *msg)
{
	char ts[64], esc[4096];
	struct tm tm;
	time_t t = (time_t)sec;
	int n;

	gmtime_r(&t, &tm);
	n = (int)strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - (size_t)n, ".%09ldZ", nsec);
	if (fmt == SBX_LOG_JSON) {
		json_escape(esc, sizeof(esc), msg);
		n = snprintf(buf, len, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
			     level_name(lvl), esc, ts);
	} else {
		/* Same escaping as JSON: a quote or newline inside a message (a
		 * path from config.json, say) must not forge a log record. */
		json_escape(esc, sizeof(esc), msg);
		n = snprintf(buf, len, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level_name(lvl), esc);
	}
	if (n < 0)
		return 0;
	if ((size_t)n >= len) {
		/* Truncated: keep the record a single terminated line. */
		buf[len - 2] = '\n';
		return len - 1;
	}
	return (size_t)n;
}

void sbx_vlog(enum sbx_log_level lvl, const char *fmt, va_list ap)
{
	char msg[2048];
	struct timespec now;
	int saved = errno;

	if (lvl < log_min)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &now);
	if (log_sink)
		log_sink(lvl, (long long)now.tv_sec, now.tv_nsec, msg, log_sink_arg);
	else
		sbx_log_record(lvl, (long long)now.tv_sec, now.tv_nsec, msg);
	errno = saved;
}

void sbx_log(enum sbx_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbx_vlog(lvl, fmt, ap);
	va_end(ap);
}

void sbx_log_err(enum sbx_log_level lvl, const struct sbx_err *e, const char *ctx)
{
	char buf[SBX_ERR_MSG_MAX + 160];

	sbx_err_str(e, buf, sizeof(buf));
	if (ctx && *ctx)
		sbx_log(lvl, "%s: %s", ctx, buf);
	else
		sbx_log(lvl, "%s", buf);
}
