/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rootful user-namespace pool (include/sbx/idpool.h): subordinate id
 * ranges of the dedicated user, cut into blocks, handed out under a
 * host-wide registry lock.
 */
#include "sbx/idpool.h"
#include "sbx/log.h"
#include "sbx/state.h"
#include "sbx/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef SBX_DATADIR
#define SBX_DATADIR "/usr/local/share/sbxrun"
#endif

#define CLAIM_MAX 8192

int sbx_subid_read(const char *path, const char *user, uid_t uid, struct sbx_subid *out,
		   size_t max, size_t *n, struct sbx_err *err)
{
	_sbx_cleanup_fclose_ FILE *f = fopen(path, "re");
	_sbx_cleanup_free_ char *line = NULL;
	char uidstr[16];
	size_t cap = 0;

	*n = 0;
	if (!f) {
		if (errno == ENOENT)
			return 0;
		return sbx_err_set(err, errno, "read %s", path);
	}
	snprintf(uidstr, sizeof(uidstr), "%u", (unsigned)uid);
	while (getline(&line, &cap, f) > 0) {
		char *name = line, *s1, *s2, *end;
		uint64_t start, count;

		s1 = strchr(name, ':');
		if (!s1)
			continue;
		*s1++ = '\0';
		if (strcmp(name, user) != 0 && strcmp(name, uidstr) != 0)
			continue;
		s2 = strchr(s1, ':');
		if (!s2)
			continue;
		*s2++ = '\0';
		end = s2 + strcspn(s2, " \t\r\n");
		*end = '\0';
		if (sbx_parse_u64(s1, &start) < 0 || sbx_parse_u64(s2, &count) < 0 || count == 0 ||
		    start + count > UINT32_MAX)
			continue;
		if (*n == max)
			break;
		out[*n].start = (uint32_t)start;
		out[*n].count = (uint32_t)count;
		(*n)++;
	}
	return 0;
}

size_t sbx_idpool_nblocks(const struct sbx_subid *r, size_t n)
{
	size_t blocks = 0;

	for (size_t i = 0; i < n; i++)
		blocks += r[i].count / SBX_IDPOOL_BLOCK;
	return blocks;
}

int sbx_idpool_block_start(const struct sbx_subid *r, size_t n, size_t k, uint32_t *start)
{
	for (size_t i = 0; i < n; i++) {
		size_t b = r[i].count / SBX_IDPOOL_BLOCK;
		if (k < b) {
			*start = r[i].start + (uint32_t)k * SBX_IDPOOL_BLOCK;
			return 0;
		}
		k -= b;
	}
	return -1;
}

int sbx_idpool_load(const char *subuid, const char *subgid, struct sbx_idpool *pool,
		    struct sbx_err *err)
{
	size_t nu, ng;

	memset(pool, 0, sizeof(*pool));
	/* The pool belongs to a user name, not to whoever runs sbxrun (root):
	 * match only the name (there is no uid to match it by). */
	if (sbx_subid_read(subuid, SBX_IDPOOL_USER, (uid_t)-1, pool->uid, SBX_ARRAY_SIZE(pool->uid),
			   &pool->n_uid, err) < 0 ||
	    sbx_subid_read(subgid, SBX_IDPOOL_USER, (uid_t)-1, pool->gid, SBX_ARRAY_SIZE(pool->gid),
			   &pool->n_gid, err) < 0)
		return -1;
	nu = sbx_idpool_nblocks(pool->uid, pool->n_uid);
	ng = sbx_idpool_nblocks(pool->gid, pool->n_gid);
	pool->nblocks = nu < ng ? nu : ng;
	if (pool->nblocks == 0)
		return sbx_err_set(err, 0,
				   "user namespace pool: no subordinate range of at least %u ids for user \"%s\" in %s and %s "
				   "(create it as root with scripts/setup-userns.sh, installed as "
				   SBX_DATADIR "/setup-userns.sh by `make install`, "
				   "or create the bundle with `sbxrun spec --no-userns`)",
				   SBX_IDPOOL_BLOCK, SBX_IDPOOL_USER, subuid, subgid);
	return 0;
}

int sbx_idpool_lease_of(const struct sbx_idpool *pool, unsigned block,
			struct sbx_idpool_lease *out, struct sbx_err *err)
{
	if (block >= pool->nblocks ||
	    sbx_idpool_block_start(pool->uid, pool->n_uid, block, &out->uid) < 0 ||
	    sbx_idpool_block_start(pool->gid, pool->n_gid, block, &out->gid) < 0)
		return sbx_err_set(err, ERANGE, "user namespace pool: block %u is outside the pool of %zu blocks",
				   block, pool->nblocks);
	out->block = block;
	out->size = SBX_IDPOOL_BLOCK;
	return 0;
}

/* ---- the registry ---- */

/* "<root>\n<id>\n" of claim file `name`, or -1. */
static int read_claim(int regfd, const char *name, char **root, char **id)
{
	_sbx_cleanup_free_ char *text = NULL;
	struct sbx_err e;
	char *nl, *nl2;
	size_t len;

	if (sbx_read_file_at(regfd, name, &text, &len, &e) < 0 || len > CLAIM_MAX)
		return -1;
	nl = strchr(text, '\n');
	if (!nl)
		return -1;
	*nl = '\0';
	nl2 = strchr(nl + 1, '\n');
	if (!nl2)
		return -1;
	*nl2 = '\0';
	*root = sbx_xstrdup(text);
	*id = sbx_xstrdup(nl + 1);
	return 0;
}

/* Is claim `block` (file `name`) still held?  A record that exists and
 * says so keeps it, and so does one that exists but cannot be read (a
 * corrupt state.json of a container that may still run with these ids:
 * `delete --force` tears it down and removes the record, and only then
 * is the claim stale).  See the header. */
static bool claim_live(int regfd, const char *name, unsigned block)
{
	_sbx_cleanup_free_ char *root = NULL, *id = NULL;
	unsigned rec;
	int r;

	if (read_claim(regfd, name, &root, &id) < 0)
		return false;
	r = sbx_state_peek_id_block(root, id, &rec);
	return r == 1 || (r == 0 && rec == block);
}

static int lock_registry(const char *registry, int *regfd, int *lockfd, struct sbx_err *err)
{
	*lockfd = -1;
	/* The same rules as a state root: root's own, 0700, checked on the
	 * fd; the claims in it decide whose ids are whose. */
	*regfd = sbx_state_root_open(registry, true, err);
	if (*regfd < 0)
		return sbx_err_prefix(err, "user namespace pool registry");
	*lockfd = openat(*regfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (*lockfd < 0) {
		sbx_err_set(err, errno, "user namespace pool: open %s/lock", registry);
		goto fail;
	}
	while (flock(*lockfd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			sbx_err_set(err, errno, "user namespace pool: lock %s/lock", registry);
			goto fail;
		}
	}
	return 0;
fail:
	sbx_cleanup_close(lockfd);
	sbx_cleanup_close(regfd);
	return -1;
}

static bool block_name(const char *s, unsigned *out)
{
	uint64_t v;

	if (s[0] == '0' && s[1] != '\0')
		return false; /* no leading zeros: one name per block */
	if (sbx_parse_u64(s, &v) < 0 || v > UINT32_MAX)
		return false;
	*out = (unsigned)v;
	return true;
}

int sbx_idpool_claim(const char *registry, const struct sbx_idpool *pool, const char *root,
		     const char *id,
		     int (*commit)(void *arg, const struct sbx_idpool_lease *l, struct sbx_err *err),
		     void *arg, struct sbx_idpool_lease *out, struct sbx_err *err)
{
	_sbx_cleanup_close_ int regfd = -1, lockfd = -1, dfd = -1, cfd = -1;
	_sbx_cleanup_closedir_ DIR *d = NULL;
	_sbx_cleanup_free_ unsigned char *used = NULL;
	_sbx_cleanup_free_ char *text = NULL;
	struct dirent *de;
	char name[16];
	size_t k;

	if (lock_registry(registry, &regfd, &lockfd, err) < 0)
		return -1;
	used = sbx_xcalloc(pool->nblocks ? pool->nblocks : 1, 1);
	dfd = openat(regfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(d = fdopendir(dfd)))
		return sbx_err_set(err, errno, "user namespace pool: read %s", registry);
	dfd = -1; /* owned by d */
	while ((de = readdir(d))) {
		unsigned b;
		if (!block_name(de->d_name, &b))
			continue;
		if (claim_live(regfd, de->d_name, b)) {
			if (b < pool->nblocks)
				used[b] = 1;
			continue;
		}
		/* Stale: its container is gone without `delete` (or a create
		 * died between claim and record).  Reclaim it. */
		sbx_debug("user namespace pool: reclaiming stale block %u", b);
		(void)unlinkat(regfd, de->d_name, 0);
	}
	for (k = 0; k < pool->nblocks && used[k]; k++)
		;
	if (k == pool->nblocks)
		return sbx_err_set(err, ENOSPC,
				   "user namespace pool: all %zu blocks of %u ids of user \"%s\" are in use "
				   "(delete containers, or add subordinate ranges to /etc/subuid and /etc/subgid)",
				   pool->nblocks, SBX_IDPOOL_BLOCK, SBX_IDPOOL_USER);
	if (sbx_idpool_lease_of(pool, (unsigned)k, out, err) < 0)
		return -1;
	snprintf(name, sizeof(name), "%zu", k);
	text = sbx_xasprintf("%s\n%s\n", root, id);
	cfd = openat(regfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (cfd < 0 || sbx_write_all(cfd, text, strlen(text)) < 0) {
		sbx_err_set(err, errno, "user namespace pool: write claim %s/%s", registry, name);
		if (cfd >= 0)
			(void)unlinkat(regfd, name, 0);
		return -1;
	}
	if (commit(arg, out, err) < 0) {
		(void)unlinkat(regfd, name, 0);
		return -1;
	}
	sbx_debug("user namespace pool: block %zu (uid %u, gid %u, %u ids) for %s/%s", k, out->uid,
		  out->gid, out->size, root, id);
	return 0; /* the lock goes with lockfd */
}

void sbx_idpool_release(const char *registry, const char *root, const char *id, unsigned block)
{
	_sbx_cleanup_close_ int regfd = -1, lockfd = -1;
	_sbx_cleanup_free_ char *croot = NULL, *cid = NULL;
	struct sbx_err err;
	char name[16];

	if (lock_registry(registry, &regfd, &lockfd, &err) < 0) {
		sbx_warn_err(&err, NULL);
		return;
	}
	snprintf(name, sizeof(name), "%u", block);
	/* Only our own claim: a stale one may have been reclaimed and given
	 * to another container meanwhile. */
	if (read_claim(regfd, name, &croot, &cid) == 0 && !strcmp(croot, root) && !strcmp(cid, id))
		(void)unlinkat(regfd, name, 0);
}
