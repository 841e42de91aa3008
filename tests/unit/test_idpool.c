/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rootful user-namespace pool (include/sbx/idpool.h): subordinate id
 * parsing, block arithmetic, and claims under the registry lock, against
 * real state records in a temporary state root.
 */
#include "unit.h"
#include "sbx/idpool.h"
#include "sbx/state.h"
#include "sbx/util.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256], reg[300], root[300], subuid[300], subgid[300];

static void setup(void)
{
	char tmpl[] = "/tmp/sbx-idpool-test.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(dir, sizeof(dir), "%s", tmpl);
	snprintf(reg, sizeof(reg), "%s/reg", dir);
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(subuid, sizeof(subuid), "%s/subuid", dir);
	snprintf(subgid, sizeof(subgid), "%s/subgid", dir);
}

static void teardown(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(test_subid_read)
{
	struct sbx_subid r[8];
	struct sbx_err err = { 0 };
	uint32_t start;
	size_t n;

	write_file(subuid, "other:100000:65536\n"
			   "sbxrun:200000:131072\n"
			   "bad line\n"
			   "sbxrun:x:1\n"
			   "sbxrun:1:0\n"
			   "sbxrunner:5:65536\n"
			   "sbxrun:300000:65535\n"
			   "4242:400000:65536\n");
	ck_assert_int_eq(sbx_subid_read(subuid, "sbxrun", (uid_t)-1, r, 8, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(r[0].start, 200000);
	ck_assert_uint_eq(r[0].count, 131072);
	ck_assert_uint_eq(r[1].start, 300000);
	/* 131072 / 65536 = 2 blocks; 65535 ids are not a block. */
	ck_assert_uint_eq(sbx_idpool_nblocks(r, n), 2);
	ck_assert_int_eq(sbx_idpool_block_start(r, n, 0, &start), 0);
	ck_assert_uint_eq(start, 200000);
	ck_assert_int_eq(sbx_idpool_block_start(r, n, 1, &start), 0);
	ck_assert_uint_eq(start, 265536);
	ck_assert_int_eq(sbx_idpool_block_start(r, n, 2, &start), -1);
	/* A numeric uid in the first field matches that uid. */
	ck_assert_int_eq(sbx_subid_read(subuid, "nobody-here", 4242, r, 8, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(r[0].start, 400000);
	/* A missing file is no range, not an error. */
	ck_assert_int_eq(sbx_subid_read("/nonexistent/subuid", "sbxrun", 0, r, 8, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_load)
{
	struct sbx_idpool pool;
	struct sbx_idpool_lease l;
	struct sbx_err err = { 0 };

	write_file(subuid, "sbxrun:1000000:196608\n");
	write_file(subgid, "sbxrun:2000000:131072\n");
	ck_assert_msg(sbx_idpool_load(subuid, subgid, &pool, &err) == 0, "%s", err.msg);
	/* The smaller of the two files decides. */
	ck_assert_uint_eq(pool.nblocks, 2);
	ck_assert_int_eq(sbx_idpool_lease_of(&pool, 1, &l, &err), 0);
	ck_assert_uint_eq(l.uid, 1065536);
	ck_assert_uint_eq(l.gid, 2065536);
	ck_assert_uint_eq(l.size, 65536);
	ck_assert_int_eq(sbx_idpool_lease_of(&pool, 2, &l, &err), -1);
	/* No range: the error says how to make one. */
	write_file(subgid, "someone:2000000:131072\n");
	ck_assert_int_eq(sbx_idpool_load(subuid, subgid, &pool, &err), -1);
	ck_assert_msg(strstr(err.msg, "scripts/setup-userns.sh") && strstr(err.msg, "--no-userns"),
		      "%s", err.msg);
}
END_TEST

struct rec {
	struct sbx_state_handle h;
	struct sbx_state st;
	bool fail;
};

static int commit(void *arg, const struct sbx_idpool_lease *l, struct sbx_err *err)
{
	struct rec *r = arg;

	if (r->fail)
		return sbx_err_set(err, EIO, "commit refused");
	r->st.has_id_block = true;
	r->st.id_block = l->block;
	return sbx_state_save(&r->h, &r->st, err);
}

static int claim(const struct sbx_idpool *pool, const char *id, struct rec *r, bool fail)
{
	struct sbx_idpool_lease l;
	struct sbx_err err = { 0 };

	memset(r, 0, sizeof(*r));
	r->fail = fail;
	ck_assert_msg(sbx_state_create(root, id, &r->h, &err) == 0, "%s", err.msg);
	r->st.id = sbx_xstrdup(id);
	if (sbx_idpool_claim(reg, pool, root, id, commit, r, &l, &err) < 0)
		return -1;
	ck_assert_uint_eq(l.block, r->st.id_block);
	return (int)l.block;
}

static void drop(struct rec *r, bool release)
{
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_state_remove(&r->h, &err), 0);
	if (release)
		sbx_idpool_release(reg, root, r->h.id, r->st.id_block);
	sbx_state_free(&r->st);
	sbx_state_close(&r->h);
}

START_TEST(test_claim_release_reclaim)
{
	struct sbx_idpool pool;
	struct sbx_err err = { 0 };
	struct rec a, b, c, d, e;
	struct stat sb;
	unsigned blk;
	char path[400];

	write_file(subuid, "sbxrun:1000000:131072\n");
	write_file(subgid, "sbxrun:1000000:131072\n");
	ck_assert_int_eq(sbx_idpool_load(subuid, subgid, &pool, &err), 0);
	ck_assert_int_eq(claim(&pool, "a", &a, false), 0);
	ck_assert_int_eq(claim(&pool, "b", &b, false), 1);
	/* The record is what keeps a claim: peek sees it. */
	ck_assert_int_eq(sbx_state_peek_id_block(root, "b", &blk), 0);
	ck_assert_uint_eq(blk, 1);
	/* The registry is private, and full now. */
	ck_assert_int_eq(stat(reg, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0700);
	ck_assert_int_eq(claim(&pool, "c", &c, false), -1);
	drop(&c, false);
	/* delete releases: the lowest block is free again. */
	drop(&a, true);
	snprintf(path, sizeof(path), "%s/0", reg);
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(claim(&pool, "c", &c, false), 0);
	/* A record that vanished without release (crash, rm -rf): its block
	 * is reclaimed by the next allocation. */
	drop(&b, false);
	ck_assert_int_eq(claim(&pool, "d", &d, false), 1);
	/* A release by a container that no longer holds the block does not
	 * take it from its new holder. */
	sbx_idpool_release(reg, root, "b", 1);
	ck_assert_int_eq(sbx_state_peek_id_block(root, "d", &blk), 0);
	snprintf(path, sizeof(path), "%s/1", reg);
	ck_assert_int_eq(access(path, F_OK), 0);
	/* A failed commit withdraws the claim. */
	drop(&c, true);
	ck_assert_int_eq(claim(&pool, "e", &e, true), -1);
	snprintf(path, sizeof(path), "%s/0", reg);
	ck_assert_int_ne(access(path, F_OK), 0);
	drop(&e, false);
	drop(&d, true);
}
END_TEST

/* A record that exists but cannot be read keeps its claim: its container
 * may still run with the block's ids (delete --force tears it down and
 * removes the record; only then is the block free). */
START_TEST(test_unreadable_record_keeps_claim)
{
	static const char *const damage[] = { "", "{\"ociVersion\": \"1.", "\x7f" "ELF{{{",
					      "[1, 2]", "{\"idBlock\": \"zero\"}" };
	struct sbx_idpool pool;
	struct sbx_err err = { 0 };
	struct rec a, b, c;
	unsigned blk;
	char path[400];
	size_t i;

	write_file(subuid, "sbxrun:1000000:131072\n");
	write_file(subgid, "sbxrun:1000000:131072\n");
	ck_assert_int_eq(sbx_idpool_load(subuid, subgid, &pool, &err), 0);
	ck_assert_int_eq(claim(&pool, "a", &a, false), 0);
	snprintf(path, sizeof(path), "%s/a/state.json", root);
	for (i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		write_file(path, damage[i]);
		/* Block 0 stays a's: the next container gets block 1. */
		ck_assert_int_eq(claim(&pool, "b", &b, false), 1);
		drop(&b, true);
		ck_assert_int_eq(sbx_state_peek_id_block(root, "a", &blk), 1);
	}
	/* Once the record is gone (delete --force), so is the claim. */
	drop(&a, false);
	ck_assert_int_eq(sbx_state_peek_id_block(root, "a", &blk), -1);
	ck_assert_int_eq(claim(&pool, "c", &c, false), 0);
	/* A readable record without a block frees it (a create that died
	 * between its claim and its record). */
	snprintf(path, sizeof(path), "%s/c/state.json", root);
	write_file(path, "{\"id\": \"c\"}");
	ck_assert_int_eq(sbx_state_peek_id_block(root, "c", &blk), -1);
	ck_assert_int_eq(claim(&pool, "b", &b, false), 0);
	drop(&b, true);
	drop(&c, false);
}
END_TEST

START_TEST(test_unsafe_registry)
{
	struct sbx_idpool pool;
	struct sbx_err err = { 0 };
	struct rec a;

	write_file(subuid, "sbxrun:1000000:65536\n");
	write_file(subgid, "sbxrun:1000000:65536\n");
	ck_assert_int_eq(sbx_idpool_load(subuid, subgid, &pool, &err), 0);
	ck_assert_int_eq(mkdir(reg, 0777), 0);
	ck_assert_int_eq(chmod(reg, 0777), 0);
	/* Somebody else could plant claims in a writable registry. */
	ck_assert_int_eq(claim(&pool, "a", &a, false), -1);
	drop(&a, false);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("idpool");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_subid_read);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_claim_release_reclaim);
	tcase_add_test(tc, test_unreadable_record_keeps_claim);
	tcase_add_test(tc, test_unsafe_registry);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
