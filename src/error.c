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
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
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
	err->msg[0] = '\0';
}
