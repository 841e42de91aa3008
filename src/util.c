/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

void sbx_cleanup_close(int *fd)
{
	if (fd && *fd >= 0) {
		int saved = errno;
		close(*fd);
		*fd = -1;
		errno = saved;
	}
}

void sbx_cleanup_free(void *p)
{
	void **pp = (void **)p;
	free(*pp);
	*pp = NULL;
}

void sbx_cleanup_fclose(FILE **f)
{
	if (f && *f) {
		fclose(*f);
		*f = NULL;
	}
}

void sbx_cleanup_closedir(void *dirp)
{
	DIR **d = (DIR **)dirp;
	if (d && *d) {
		closedir(*d);
		*d = NULL;
	}
}

int sbx_fd_move_above(int fd, int min)
{
	int n;

	if (fd < 0 || fd >= min)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, min);
	close(fd);
	return n;
}

/* close_range() is 5.9+; older kernels (and some emulators) get a loop. */
static void close_between(unsigned first, unsigned last)
{
	if (first > last)
		return;
	if (syscall(SYS_close_range, first, last, 0) == 0)
		return;
	for (unsigned fd = first; fd <= last && fd < 65536; fd++)
		(void)close((int)fd);
}

void sbx_fd_close_except(unsigned below, const int *keep, size_t n)
{
	int sorted[16];
	unsigned next = below;
	size_t m = 0;

	for (size_t i = 0; i < n && m < SBX_ARRAY_SIZE(sorted); i++)
		if (keep[i] >= 0 && (unsigned)keep[i] >= below)
			sorted[m++] = keep[i];
	for (size_t i = 1; i < m; i++)
		for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
			int t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (size_t i = 0; i < m; i++) {
		if ((unsigned)sorted[i] < next)
			continue; /* a duplicate */
		if ((unsigned)sorted[i] > next)
			close_between(next, (unsigned)sorted[i] - 1);
		next = (unsigned)sorted[i] + 1;
	}
	close_between(next, ~0U);
}

int sbx_unix_connect(const char *path, const char *what, struct sbx_err *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int sock;

	if (strlen(path) >= sizeof(addr.sun_path))
		return sbx_err_set(err, ENAMETOOLONG, "connect to %s %s", what, path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return sbx_err_set(err, errno, "connect to %s %s: socket", what, path);
	if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		sbx_err_set(err, errno, "connect to %s %s", what, path);
		close(sock);
		return -1;
	}
	return sock;
}

int sbx_unix_connect_nofollow(const char *path, const char *what, struct sbx_err *err)
{
	_sbx_cleanup_close_ int pfd = -1;
	char link[64];
	struct stat st;
	int sock;

	/* Pin the object the final component names without following it: a
	 * symlink opens as itself (S_ISLNK) and is refused.  connect() then
	 * goes through the fd's magic link, which names exactly that inode,
	 * so the name cannot be swapped for a symlink between check and use. */
	pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0 || fstat(pfd, &st) < 0)
		return sbx_err_set(err, errno, "connect to %s %s", what, path);
	if (S_ISLNK(st.st_mode))
		return sbx_err_set(err, ELOOP, "connect to %s %s: it is a symbolic link (not followed)",
				   what, path);
	if (!S_ISSOCK(st.st_mode))
		return sbx_err_set(err, ENOTSOCK, "connect to %s %s", what, path);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", pfd);
	sock = sbx_unix_connect(link, what, err);
	if (sock < 0)
		return sbx_err_set(err, err->errnum, "connect to %s %s", what, path);
	return sock;
}

ssize_t sbx_send_fd(int sock, const void *data, size_t len, int fd)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (fd >= 0) {
		struct cmsghdr *c;
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}

int sbx_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t sbx_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int sbx_write_file_at(int dirfd, const char *path, const char *data, size_t len,
		      struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return sbx_err_set(err, errno, "open %s for writing", path);
	if (sbx_write_all(fd, data, len) < 0)
		return sbx_err_set(err, errno, "write %s", path);
	return 0;
}

int sbx_read_file_at(int dirfd, const char *path, char **out, size_t *out_len,
		     struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_sbx_cleanup_free_ char *buf = NULL;
	size_t cap = 4096, len = 0;

	if (fd < 0)
		return sbx_err_set(err, errno, "open %s", path);
	buf = sbx_xmalloc(cap);
	for (;;) {
		ssize_t n;
		if (len + 1 >= cap) {
			cap *= 2;
			buf = sbx_xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sbx_err_set(err, errno, "read %s", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (out_len)
		*out_len = len;
	*out = sbx_steal_ptr(&buf);
	return 0;
}

/* Field 22 (starttime) and field 3 (state) of /proc/<pid>/stat.  The comm
 * field (2) may contain spaces and parentheses, so parse from the LAST ')'. */
int sbx_proc_stat(pid_t pid, unsigned long long *start, char *state)
{
	char path[64], buf[1024];
	_sbx_cleanup_close_ int fd = -1;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	*state = *p;
	/* p is at field 3; skip to field 22. */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	*start = strtoull(p, NULL, 10);
	return 0;
}

static void oom(void)
{
	static const char m[] = "sbxrun: out of memory\n";
	(void)!write(2, m, sizeof(m) - 1);
	abort();
}

void *sbx_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *sbx_xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);
	if (!p)
		oom();
	return p;
}

void *sbx_xrealloc(void *p, size_t n)
{
	void *r = realloc(p, n ? n : 1);
	if (!r)
		oom();
	return r;
}

char *sbx_xstrdup(const char *s)
{
	char *r = strdup(s ? s : "");
	if (!r)
		oom();
	return r;
}

char *sbx_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *r = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&r, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom();
	return r;
}

/* ---- arena ---- */

struct sbx_arena_chunk {
	struct sbx_arena_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

#define SBX_ARENA_CHUNK 16384

void *sbx_arena_alloc(struct sbx_arena *a, size_t n)
{
	struct sbx_arena_chunk *c = a->head;
	size_t need = (n + 15) & ~(size_t)15;

	if (need == 0)
		need = 16;
	if (!c || c->cap - c->used < need) {
		size_t cap = need > SBX_ARENA_CHUNK ? need : SBX_ARENA_CHUNK;
		c = sbx_xmalloc(sizeof(*c) + cap);
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += need;
	memset(p, 0, need);
	return p;
}

char *sbx_arena_strdup(struct sbx_arena *a, const char *s)
{
	size_t n;
	char *r;

	if (!s)
		return NULL;
	n = strlen(s);
	r = sbx_arena_alloc(a, n + 1);
	memcpy(r, s, n + 1);
	return r;
}

void sbx_arena_free(struct sbx_arena *a)
{
	struct sbx_arena_chunk *c = a->head;

	while (c) {
		struct sbx_arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
}

int sbx_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	/* strtoull skips any leading whitespace and then accepts a sign,
	 * wrapping "-1" to UINT64_MAX: only a digit may start the string. */
	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int sbx_parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	/* As above: no leading whitespace or '+', and a digit after '-'. */
	if (!s || !((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

void sbx_mountinfo_unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}
