/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The error object.
 *
 * Every fallible function returns <0 and fills a `struct sbx_err`.  The
 * object is a fixed-size plain struct on purpose:
 *   - it needs no allocation, so it is safe to fill in the child after
 *     clone and after privileges are dropped;
 *   - it can be sent as-is over the parent/child sync socket;
 *   - it cannot leak.
 *
 * The message is a context chain without the errno text, e.g.
 *   "mount /proc on rootfs/proc"; sbx_err_str() appends ": <strerror>".
 * Callers add context with sbx_err_prefix(): "rootfs: mount /proc ...".
 */
#ifndef SBX_ERROR_H
#define SBX_ERROR_H

#include <errno.h>
#include <stddef.h>

#define SBX_ERR_MSG_MAX 1024

struct sbx_err {
	int errnum;                 /* errno value, 0 if not errno-related */
	char msg[SBX_ERR_MSG_MAX];  /* context chain, NUL-terminated */
};

/* Set the error (replacing any previous one).  Always returns -1, so callers
 * can write `return sbx_err_set(err, errno, "open %s", path);`. */
int sbx_err_set(struct sbx_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "<context>: " to the message.  Returns -1. */
int sbx_err_prefix(struct sbx_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Full human-readable text: "<msg>: <strerror(errnum)>" (or just msg).
 * Writes into buf (size len) and returns buf. */
const char *sbx_err_str(const struct sbx_err *err, char *buf, size_t len);

/* Reset to "no error". */
void sbx_err_clear(struct sbx_err *err);

#endif
