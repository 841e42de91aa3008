/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sbx_err_set(struct sbx_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->errnum = errnum;
	err->kind = SBX_ERR_SETUP;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int sbx_err_setk(struct sbx_err *err, enum sbx_err_kind kind, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->errnum = errnum;
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int sbx_err_kind(struct sbx_err *err, enum sbx_err_kind kind)
{
	if (err)
		err->kind = kind;
	return -1;
}

enum sbx_err_kind sbx_err_exec_kind(int errnum)
{
	if (errnum == ENOENT)
		return SBX_ERR_EXEC_NOT_FOUND;
	if (errnum == EACCES || errnum == ENOEXEC)
		return SBX_ERR_EXEC_DENIED;
	return SBX_ERR_SETUP;
}

int sbx_err_exit_code(const struct sbx_err *err)
{
	switch (err ? err->kind : SBX_ERR_SETUP) {
	case SBX_ERR_EXEC_NOT_FOUND: return SBX_EXIT_NOTFOUND;
	case SBX_ERR_EXEC_DENIED: return SBX_EXIT_NOEXEC;
	default: return SBX_EXIT_FAILURE;
	}
}

enum sbx_err_kind sbx_err_kind_of_exit_code(int code)
{
	if (code == SBX_EXIT_NOTFOUND)
		return SBX_ERR_EXEC_NOT_FOUND;
	if (code == SBX_EXIT_NOEXEC)
		return SBX_ERR_EXEC_DENIED;
	return SBX_ERR_SETUP;
}

int sbx_err_prefix(struct sbx_err *err, const char *fmt, ...)
{
	char ctx[SBX_ERR_MSG_MAX];
	char old[SBX_ERR_MSG_MAX];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	if (old[0])
		snprintf(err->msg, sizeof(err->msg), "%s: %s", ctx, old);
	else
		snprintf(err->msg, sizeof(err->msg), "%s", ctx);
	return -1;
}

const char *sbx_err_str(const struct sbx_err *err, char *buf, size_t len)
{
	char ebuf[128];
	const char *msg;

	if (!buf || len == 0)
		return "";
	msg = (err && err->msg[0]) ? err->msg : "unknown error";
	if (err && err->errnum > 0) {
		/* strerror_r (GNU variant) may return a static string. */
		const char *es = strerror_r(err->errnum, ebuf, sizeof(ebuf));
		snprintf(buf, len, "%s: %s", msg, es);
	} else {
		snprintf(buf, len, "%s", msg);
	}
	return buf;
}

void sbx_err_clear(struct sbx_err *err)
{
	if (!err)
		return;
	err->errnum = 0;
	err->kind = SBX_ERR_SETUP;
	err->msg[0] = '\0';
}
