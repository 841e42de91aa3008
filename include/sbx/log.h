/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging.  Text ("time=... level=... msg=...") or JSON lines in the shape
 * runc writes ({"level":"error","msg":"...","time":"2026-...Z"}), to stderr
 * or to --log FILE.  Engines (containerd, conmon) read the last JSON line of
 * the log file to show the runtime's error, so errors are always logged.
 */
#ifndef SBX_LOG_H
#define SBX_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum sbx_log_level {
	SBX_LOG_DEBUG = 0,
	SBX_LOG_INFO,
	SBX_LOG_WARN,
	SBX_LOG_ERROR,
};

enum sbx_log_format {
	SBX_LOG_TEXT = 0,
	SBX_LOG_JSON,
};

struct sbx_err;

/* path NULL or "" means stderr.  Returns -1 + err if the file cannot be
 * opened (O_APPEND|O_CLOEXEC). */
int sbx_log_init(const char *path, enum sbx_log_format fmt, enum sbx_log_level min,
		 struct sbx_err *err);
int sbx_log_parse_format(const char *s, enum sbx_log_format *out);
void sbx_log_close(void);
bool sbx_log_enabled(enum sbx_log_level lvl);
/* The fd the log writes to (stderr if none); the child must not inherit it. */
int sbx_log_fd(void);

/*
 * The launcher's children (container.c, exec.c) must not keep the log fd:
 * it is a runtime fd, and they close every such fd before they resolve a
 * path from the config.  They install a sink that passes each record to the
 * parent over the sync socket (sync.c), which writes it with the child's
 * timestamp through sbx_log_record().
 */
typedef void (*sbx_log_sink_fn)(enum sbx_log_level lvl, long long sec, long nsec,
				const char *msg, void *arg);
void sbx_log_set_sink(sbx_log_sink_fn fn, void *arg);
/* Write one record (already formatted message) if lvl is enabled. */
void sbx_log_record(enum sbx_log_level lvl, long long sec, long nsec, const char *msg);

void sbx_log(enum sbx_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbx_vlog(enum sbx_log_level lvl, const char *fmt, va_list ap);

/* Format one log record into buf (exposed for unit tests).  `when` is
 * seconds + nanoseconds since the epoch.  Returns the length written. */
size_t sbx_log_format_record(char *buf, size_t len, enum sbx_log_format fmt,
			     enum sbx_log_level lvl, long long sec, long nsec, const char *msg);

/* A record about an error that is not fatal (a warning, a failed cleanup):
 * "<ctx>: <msg>: <errno text>" (ctx may be NULL).  Never print err->msg
 * alone: it drops the errno text. */
void sbx_log_err(enum sbx_log_level lvl, const struct sbx_err *e, const char *ctx);
#define sbx_warn_err(e, ctx) sbx_log_err(SBX_LOG_WARN, (e), (ctx))
#define sbx_debug_err(e, ctx) do { if (sbx_log_enabled(SBX_LOG_DEBUG)) sbx_log_err(SBX_LOG_DEBUG, (e), (ctx)); } while (0)

#define sbx_debug(...) do { if (sbx_log_enabled(SBX_LOG_DEBUG)) sbx_log(SBX_LOG_DEBUG, __VA_ARGS__); } while (0)
#define sbx_info(...) sbx_log(SBX_LOG_INFO, __VA_ARGS__)
#define sbx_warn(...) sbx_log(SBX_LOG_WARN, __VA_ARGS__)
#define sbx_error(...) sbx_log(SBX_LOG_ERROR, __VA_ARGS__)

#endif
