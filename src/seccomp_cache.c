/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A cache of compiled seccomp programs.
 *
 * Why: libseccomp needs 30-60 ms to turn a Docker-sized profile into BPF,
 * several times what the rest of a container start costs.  The result
 * depends only on the profile, the libseccomp version and the native
 * architecture, so it is computed once and reused.
 *
 * Why it is safe:
 *   - the cache key is a canonical, length-prefixed serialisation of every
 *     field that goes into the program, after a first line that names the
 *     program's format (bumped whenever compile changes what it builds
 *     from the same profile: 2 added the ENOSYS prefix), and the whole key is stored in the
 *     file and compared byte for byte: the file name is only a hash for
 *     lookup, a hash collision can never select another profile's program;
 *   - only programs that compiled successfully are stored, so every name in
 *     a cached profile was validated when it was compiled;
 *   - the directory is created 0700 and every file is checked to be a
 *     regular file owned by us and not writable by group or others before
 *     it is trusted (O_NOFOLLOW: no symlink games).  Whoever can write there
 *     can already edit the user's config.json;
 *   - the cheap checks against the running kernel (filter flags, actions,
 *     listener) still run on every start (compile_meta in seccomp.c), and
 *     the kernel verifies the program when it is loaded.
 *   - the cache is best effort: any problem means "compile again".
 */
#include "sbx/seccomp.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "SBXBPF01"
#define CACHE_MAX_FILE (4u << 20)

struct keybuf {
	char *s;
	size_t len, cap;
};

static void kb_printf(struct keybuf *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kb_printf(struct keybuf *k, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(k->s + k->len, k->cap - k->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < k->cap - k->len) {
			k->len += (size_t)n;
			return;
		}
		k->cap = k->cap * 2 + (size_t)(n > 0 ? n : 0);
		k->s = sbx_xrealloc(k->s, k->cap);
	}
}

static void kb_put(struct keybuf *k, const char *s, size_t n)
{
	if (k->len + n + 1 > k->cap) {
		k->cap = (k->len + n + 1) * 2;
		k->s = sbx_xrealloc(k->s, k->cap);
	}
	memcpy(k->s + k->len, s, n);
	k->len += n;
	k->s[k->len] = '\0';
}

/* Length-prefixed, so no two different profiles serialise alike: the text
 * of "%s %zu:%s\n", without printf (one per syscall name: vsnprintf made
 * the key of the default profile cost ~50 us of every start). */
static void kb_str(struct keybuf *k, const char *tag, const char *s)
{
	size_t n = s ? strlen(s) : 0, v = n;
	char num[24];
	char *p = num + sizeof(num);

	*--p = ':';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	*--p = ' ';
	kb_put(k, tag, strlen(tag));
	kb_put(k, p, (size_t)(num + sizeof(num) - p));
	kb_put(k, s ? s : "", n);
	kb_put(k, "\n", 1);
}

/* What, besides the profile, decides the program: the format (bumped
 * whenever compile changes what it builds from the same profile: 2 added
 * the ENOSYS prefix), libseccomp's version, the native architecture. */
static void kb_head(struct keybuf *k, const char *what)
{
	const struct scmp_version *v = seccomp_version();

	kb_printf(k, "sbxrun-seccomp-bpf 2 (enosys prefix)%s\nlibseccomp %u.%u.%u\nnative %u\n", what,
		  v->major, v->minor, v->micro, seccomp_arch_native());
}

char *sbx_seccomp_cache_key(const struct sbx_seccomp *sc)
{
	struct keybuf k = { .s = sbx_xmalloc(4096), .cap = 4096 };

	kb_head(&k, "");
	kb_printf(&k, "default %d %d %u\n", (int)sc->default_action, sc->has_default_errno_ret,
		  sc->default_errno_ret);
	kb_printf(&k, "archs %zu\n", sc->n_architectures);
	for (size_t i = 0; i < sc->n_architectures; i++)
		kb_str(&k, "arch", sc->architectures[i]);
	kb_printf(&k, "rules %zu\n", sc->n_syscalls);
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct sbx_seccomp_syscall *s = &sc->syscalls[i];
		kb_printf(&k, "rule %d %d %u %zu %zu\n", (int)s->action, s->has_errno_ret,
			  s->errno_ret, s->n_names, s->n_args);
		for (size_t n = 0; n < s->n_names; n++)
			kb_str(&k, "name", s->names[n]);
		for (size_t a = 0; a < s->n_args; a++)
			kb_printf(&k, "arg %u %llu %llu %d\n", s->args[a].index,
				  (unsigned long long)s->args[a].value,
				  (unsigned long long)s->args[a].value_two, (int)s->args[a].op);
	}
	return k.s;
}

/* The profile as the text of config.json's linux.seccomp value (a
 * container's saved copy, sbx_config_parse_deferred): the text decides the
 * parsed profile, so it decides the program; it is stored and compared
 * byte for byte like the other key. */
char *sbx_seccomp_cache_text_key(const char *text, size_t len)
{
	struct keybuf k = { .s = sbx_xmalloc(len + 256), .cap = len + 256 };

	kb_head(&k, " from text");
	kb_printf(&k, "profile %zu:", len);
	kb_put(&k, text, len);
	return k.s;
}

/* FNV-1a 64: only a file name, never trusted (see above). */
static void file_name(const char *key, char *out, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	snprintf(out, len, "%016llx.bpf", (unsigned long long)h);
}

static bool trusted(int fd, bool dir)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return false;
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return false;
	return st.st_uid == geteuid() && (st.st_mode & 022) == 0;
}

static int open_dir(const char *dir, bool create)
{
	int fd;

	if (create) {
		/* Parents (the state root) may not exist yet. */
		_sbx_cleanup_free_ char *p = sbx_xstrdup(dir);
		for (char *s = p + 1; *s; s++) {
			if (*s != '/')
				continue;
			*s = '\0';
			(void)mkdir(p, 0700);
			*s = '/';
		}
		(void)mkdir(p, 0700);
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && !trusted(fd, true)) {
		sbx_debug("seccomp cache: %s is not a private directory of ours: not used", dir);
		close(fd);
		return -1;
	}
	return fd;
}

int sbx_seccomp_cache_load(const char *dir, const char *key, struct sock_filter **insns,
			   size_t *n_insns)
{
	_sbx_cleanup_close_ int dfd = open_dir(dir, false);
	_sbx_cleanup_close_ int fd = -1;
	_sbx_cleanup_free_ char *buf = NULL;
	size_t klen = strlen(key), off;
	uint64_t flen, n;
	char name[32];
	struct stat st;

	if (dfd < 0)
		return -1;
	file_name(key, name, sizeof(name));
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !trusted(fd, false) || fstat(fd, &st) < 0 || st.st_size <= 0 ||
	    (uint64_t)st.st_size > CACHE_MAX_FILE)
		return -1;
	buf = sbx_xmalloc((size_t)st.st_size);
	if (sbx_read_all(fd, buf, (size_t)st.st_size) != st.st_size)
		return -1;
	off = 8;
	if (memcmp(buf, CACHE_MAGIC, 8) != 0 || (size_t)st.st_size < off + 8)
		return -1;
	memcpy(&flen, buf + off, 8);
	off += 8;
	if (flen != klen || (size_t)st.st_size < off + klen + 8 || memcmp(buf + off, key, klen) != 0)
		return -1;
	off += klen;
	memcpy(&n, buf + off, 8);
	off += 8;
	if (n == 0 || n > BPF_MAXINSNS || (size_t)st.st_size != off + n * sizeof(struct sock_filter))
		return -1;
	*insns = sbx_xmalloc(n * sizeof(struct sock_filter));
	memcpy(*insns, buf + off, n * sizeof(struct sock_filter));
	*n_insns = n;
	sbx_debug("seccomp cache: hit %s/%s (%llu instructions)", dir, name, (unsigned long long)n);
	return 0;
}

void sbx_seccomp_cache_store(const char *dir, const char *key, const struct sock_filter *insns,
			     size_t n_insns)
{
	_sbx_cleanup_close_ int dfd = open_dir(dir, true);
	_sbx_cleanup_close_ int fd = -1;
	uint64_t klen = strlen(key), n = n_insns;
	char name[32], tmp[64];

	if (dfd < 0)
		return;
	file_name(key, name, sizeof(name));
	snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	/* temp + rename: a concurrent reader sees the old file or the whole
	 * new one, never half of it. */
	if (sbx_write_all(fd, CACHE_MAGIC, 8) < 0 || sbx_write_all(fd, &klen, 8) < 0 ||
	    sbx_write_all(fd, key, klen) < 0 || sbx_write_all(fd, &n, 8) < 0 ||
	    sbx_write_all(fd, insns, n_insns * sizeof(*insns)) < 0 ||
	    renameat(dfd, tmp, dfd, name) < 0) {
		unlinkat(dfd, tmp, 0);
		return;
	}
	sbx_debug("seccomp cache: stored %s/%s", dir, name);
}
