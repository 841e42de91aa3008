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
 *
 * The kind says what went wrong in terms a caller acts on (the exit code,
 * "no such container" in delete --force); it is set where the error
 * happens, never guessed from the message text.  sbx_err_set() starts every
 * error as SBX_ERR_SETUP; sbx_err_prefix() keeps the kind.
 */
#ifndef SBX_ERROR_H
#define SBX_ERROR_H

#include <errno.h>
#include <stddef.h>

#define SBX_ERR_MSG_MAX 1024

enum sbx_err_kind {
	SBX_ERR_SETUP = 0,       /* the runtime failed: a system call, I/O, a process step */
	SBX_ERR_CONFIG,          /* config.json or a flag is invalid: nothing was attempted */
	SBX_ERR_EXEC_NOT_FOUND,  /* process.args[0] (or exec's command) does not exist */
	SBX_ERR_EXEC_DENIED,     /* it exists but cannot be executed */
	SBX_ERR_NO_CONTAINER,    /* no container with that ID */
};

struct sbx_err {
	int errnum;                 /* errno value, 0 if not errno-related */
	int kind;                   /* enum sbx_err_kind */
	char msg[SBX_ERR_MSG_MAX];  /* context chain, NUL-terminated */
};

/*
 * Exit statuses of sbxrun (README "Exit codes"), the only definitions.
 * The CLI exits with sbx_err_exit_code() of its error; a container process
 * that fails before its execve exits with the same code, so whoever waits
 * for it (an engine's shim, `start`) sees what `run` would have returned.
 */
#define SBX_EXIT_FAILURE 125     /* sbxrun failed (config, setup, usage) */
#define SBX_EXIT_NOEXEC 126      /* process.args[0] exists but cannot be executed */
#define SBX_EXIT_NOTFOUND 127    /* process.args[0] not found */

/* Set the error (replacing any previous one).  Always returns -1, so callers
 * can write `return sbx_err_set(err, errno, "open %s", path);`. */
int sbx_err_set(struct sbx_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same with a kind other than SBX_ERR_SETUP.  Returns -1. */
int sbx_err_setk(struct sbx_err *err, enum sbx_err_kind kind, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Give an error that is already set its kind.  Returns -1. */
int sbx_err_kind(struct sbx_err *err, enum sbx_err_kind kind);

/* The kind of a failed exec of args[0] (lookup or execve) from its errno:
 * ENOENT not found; EACCES/ENOEXEC denied; anything else a setup error. */
enum sbx_err_kind sbx_err_exec_kind(int errnum);

/* Exit status for an error of this kind (125, 126 or 127), and back (an
 * exit status read from a report, exec.err). */
int sbx_err_exit_code(const struct sbx_err *err);
enum sbx_err_kind sbx_err_kind_of_exit_code(int code);

/* Prepend "<context>: " to the message.  Returns -1. */
int sbx_err_prefix(struct sbx_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Full human-readable text: "<msg>: <strerror(errnum)>" (or just msg).
 * Writes into buf (size len) and returns buf. */
const char *sbx_err_str(const struct sbx_err *err, char *buf, size_t len);

/* Reset to "no error". */
void sbx_err_clear(struct sbx_err *err);

#endif
