/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cleanup helpers and small utilities shared by every module.
 *
 * Resources are released with __attribute__((cleanup)) so an early `return`
 * on an error path cannot leak an fd or a buffer:
 *
 *     _sbx_cleanup_close_ int fd = open(...);
 *     _sbx_cleanup_free_ char *s = strdup(...);
 *
 * To hand ownership to someone else, use sbx_steal_fd()/sbx_steal_ptr().
 */
#ifndef SBX_UTIL_H
#define SBX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "sbx/error.h"

void sbx_cleanup_close(int *fd);
void sbx_cleanup_free(void *p); /* takes void** in disguise */
void sbx_cleanup_fclose(FILE **f);
void sbx_cleanup_closedir(void *dirp); /* DIR ** */

#define _sbx_cleanup_close_ __attribute__((cleanup(sbx_cleanup_close)))
#define _sbx_cleanup_free_ __attribute__((cleanup(sbx_cleanup_free)))
#define _sbx_cleanup_fclose_ __attribute__((cleanup(sbx_cleanup_fclose)))
#define _sbx_cleanup_closedir_ __attribute__((cleanup(sbx_cleanup_closedir)))

static inline int sbx_steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

static inline void *sbx_steal_ptr(void *pp)
{
	void **p = (void **)pp;
	void *r = *p;
	*p = NULL;
	return r;
}

#define SBX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Move fd to a number >= `min` (O_CLOEXEC), closing the old one; fds
 * already there are returned as they are.  -1 (errno set) on failure.
 * Used to keep sbxrun's own fds out of the range the container receives
 * (stdio + --preserve-fds). */
int sbx_fd_move_above(int fd, int min);

/* Close every fd except 0 .. below-1 (stdio and --preserve-fds) and those
 * in keep[0..n) (at most 16; -1 entries are ignored).  Used by the launcher's children before they resolve any path
 * from the config: no runtime fd (state dir, lock, log, caller's extra fds)
 * may be reachable through /proc/self/fd then. */
void sbx_fd_close_except(unsigned below, const int *keep, size_t n);
/* Connect a SOCK_STREAM|SOCK_CLOEXEC unix socket to `path` ("connect to
 * <what> <path>" on error).  Returns the fd or -1 + err. */
int sbx_unix_connect(const char *path, const char *what, struct sbx_err *err);
/* The same for a caller-given path whose final component must not be a
 * symlink (--console-socket): refused with ELOOP ("... is a symbolic link
 * (not followed)"), never followed; connects through the O_PATH fd of the
 * socket inode it checked (/proc/self/fd/N). */
int sbx_unix_connect_nofollow(const char *path, const char *what, struct sbx_err *err);
/* sendmsg(data, len) with `fd` attached as SCM_RIGHTS (fd < 0: none),
 * retrying on EINTR, MSG_NOSIGNAL.  Returns the bytes sent or -1 (errno). */
ssize_t sbx_send_fd(int sock, const void *data, size_t len, int fd);

/* Write all of buf, retrying on EINTR/short writes.  0 or -1 (errno set). */
int sbx_write_all(int fd, const void *buf, size_t len);
/* Read exactly len bytes.  Returns bytes read (< len only at EOF) or -1. */
ssize_t sbx_read_all(int fd, void *buf, size_t len);

/* Write a string to a file (O_WRONLY|O_CLOEXEC, optional dirfd).  -1 + err. */
int sbx_write_file_at(int dirfd, const char *path, const char *data, size_t len,
		      struct sbx_err *err);
/* Read a whole (small) file into a malloc'ed NUL-terminated buffer. */
int sbx_read_file_at(int dirfd, const char *path, char **out, size_t *out_len,
		     struct sbx_err *err);

/* xmalloc-style helpers: abort on OOM (there is no sane recovery for a
 * launcher, and checking every strdup would hide the real logic). */
void *sbx_xmalloc(size_t n);
void *sbx_xcalloc(size_t n, size_t sz);
void *sbx_xrealloc(void *p, size_t n);
char *sbx_xstrdup(const char *s);
char *sbx_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A bump arena.  The config model is allocated from one so that freeing it
 * is one call and a half-parsed config cannot leak.
 */
struct sbx_arena_chunk;
struct sbx_arena {
	struct sbx_arena_chunk *head;
};
void *sbx_arena_alloc(struct sbx_arena *a, size_t n); /* zeroed, 16-aligned */
char *sbx_arena_strdup(struct sbx_arena *a, const char *s);
void sbx_arena_free(struct sbx_arena *a);

/* Field 22 (start time, clock ticks since boot) and field 3 (state letter)
 * of /proc/<pid>/stat: the start time tells a process from a later one
 * that reuses its pid.  0, or -1 if the process is gone. */
int sbx_proc_stat(pid_t pid, unsigned long long *start, char *state);

/* Parse an unsigned/signed decimal integer; whole string must match. */
/* Decode a /proc/PID/mountinfo path field in place: the kernel escapes
 * space, tab, newline and backslash as \ooo (first digit 0-3: one byte). */
void sbx_mountinfo_unescape(char *s);

int sbx_parse_u64(const char *s, uint64_t *out);
int sbx_parse_i64(const char *s, int64_t *out);

#endif
