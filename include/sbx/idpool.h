/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rootful user-namespace pool: host ids for containers that root runs
 * with a user namespace and asks sbxrun to choose the mapping.
 *
 * A config says "allocate for me" with a new user namespace, no
 * linux.uidMappings/gidMappings, and the annotation
 *     "run.sbx.userns": "auto"
 * (`sbxrun spec` run as root writes exactly that).  Such a container gets
 * SBX_IDPOOL_BLOCK (65536) consecutive host uids and gids, mapped to
 * container ids 0..65535, taken from the subordinate ranges of the
 * dedicated user SBX_IDPOOL_USER ("sbxrun") in /etc/subuid and /etc/subgid
 * (created by `make install` / scripts/setup-userns.sh).
 *
 * The pool is cut into blocks of 65536 ids, numbered in file order over the
 * user's ranges (a range contributes floor(count / 65536) blocks); block k
 * is the k-th block of /etc/subuid and, independently, of /etc/subgid.
 *
 * Two containers never share a block: a host-wide registry directory
 * (SBX_IDPOOL_REGISTRY, inside root's default state root, mode 0700) holds
 * one claim file per block in use, named by the block number and naming
 * the state root and container ID that hold it.  Claiming happens under an
 * exclusive lock on <registry>/lock, as podman's --userns=auto does under
 * its storage lock; the claimer records the block in the container's
 * state.json ("idBlock") before the lock is released.  A claim is live
 * while <root>/<id>/state.json exists and records that block, or exists
 * and cannot be read (a corrupt record's container may still run with
 * the block's ids until `delete --force` removes it); any other
 * claim (a container deleted without `delete`, a crash between claim and
 * record) is stale and is reclaimed by the next allocation.  `delete`
 * (also --force of a crashed container) releases the claim.
 * The registry is host-wide, not per --root, so that two state roots can
 * never hand out the same ids.
 */
#ifndef SBX_IDPOOL_H
#define SBX_IDPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx/error.h"

#define SBX_IDPOOL_USER "sbxrun"
#define SBX_IDPOOL_BLOCK 65536u
#define SBX_IDPOOL_REGISTRY "/run/sbxrun/.idpool"
#define SBX_USERNS_ANNOTATION "run.sbx.userns"
#define SBX_SUBUID_FILE "/etc/subuid"
#define SBX_SUBGID_FILE "/etc/subgid"

struct sbx_subid {
	uint32_t start, count;
};

/* The subordinate ranges of `user` (or of its numeric `uid` written as
 * the first field, as shadow allows) in `path`, in file order; at most
 * `max`.  A missing file is no range.  Malformed lines are skipped. */
int sbx_subid_read(const char *path, const char *user, uid_t uid, struct sbx_subid *out,
		   size_t max, size_t *n, struct sbx_err *err);

/* Number of whole blocks in the ranges, and the first id of block k. */
size_t sbx_idpool_nblocks(const struct sbx_subid *r, size_t n);
int sbx_idpool_block_start(const struct sbx_subid *r, size_t n, size_t k, uint32_t *start);

struct sbx_idpool {
	struct sbx_subid uid[32], gid[32];
	size_t n_uid, n_gid;
	size_t nblocks;               /* usable blocks: min over uid and gid */
};

/* Load the pool of SBX_IDPOOL_USER from the two files.  No usable block
 * is an error that says how to create the ranges. */
int sbx_idpool_load(const char *subuid, const char *subgid, struct sbx_idpool *pool,
		    struct sbx_err *err);

struct sbx_idpool_lease {
	unsigned block;
	uint32_t uid, gid, size;      /* host ids of container id 0, count */
};

/*
 * Claim the lowest free block for container `id` of state root `root`
 * under the registry lock.  `commit` is called with the lease while the
 * lock is held and must record the block in <root>/<id>/state.json
 * (sbx_state_save with has_id_block): that record is what keeps the claim
 * live.  If commit fails, the claim is withdrawn.
 */
int sbx_idpool_claim(const char *registry, const struct sbx_idpool *pool, const char *root,
		     const char *id,
		     int (*commit)(void *arg, const struct sbx_idpool_lease *l, struct sbx_err *err),
		     void *arg, struct sbx_idpool_lease *out, struct sbx_err *err);

/* Withdraw the claim on `block` if it still names (root, id).  Best
 * effort: a stale claim is reclaimed by the next allocation anyway. */
void sbx_idpool_release(const char *registry, const char *root, const char *id, unsigned block);

/* The lease of block k in the pool. */
int sbx_idpool_lease_of(const struct sbx_idpool *pool, unsigned block,
			struct sbx_idpool_lease *out, struct sbx_err *err);

#endif
