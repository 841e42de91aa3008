/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compiled-seccomp cache: hits give the same program, anything not
 * exactly ours is never trusted. */
#include "unit.h"
#include "sbx/config.h"
#include "sbx/seccomp.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *PROFILE_A =
	"{\"ociVersion\":\"1.2.0\",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
	"\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]}}}";
/* Differs from A only in the errno: must not share a cache entry. */
static const char *PROFILE_B =
	"{\"ociVersion\":\"1.2.0\",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
	"\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}}}";

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sbx-scache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0700);
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.'))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static struct sbx_config *parse(const char *text)
{
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };

	ck_assert_msg(sbx_config_parse(text, strlen(text), "config.json", &cfg, &err) == 0, "%s",
		      err.msg);
	return cfg;
}

/* The one file in the cache dir (there must be exactly one). */
static void cache_file(char *out, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(out, len, "%s/%s", dir, e->d_name);
			n++;
		}
	closedir(d);
	ck_assert_int_eq(n, 1);
}

START_TEST(test_hit_equals_compile)
{
	struct sbx_config *cfg = parse(PROFILE_A);
	struct sbx_seccomp_plan a, b, c;
	struct sbx_err err = { 0 };
	_sbx_cleanup_free_ char *key = sbx_seccomp_cache_key(cfg->linux.seccomp);
	struct sock_filter *insns = NULL;
	size_t n = 0;

	ck_assert_int_eq(sbx_seccomp_cache_load(dir, key, &insns, &n), -1); /* empty: miss */
	ck_assert_int_eq(sbx_seccomp_compile(cfg->linux.seccomp, &a, &err), 0);
	ck_assert_int_eq(sbx_seccomp_compile_cached(cfg->linux.seccomp, dir, &b, &err), 0); /* store */
	ck_assert_int_eq(sbx_seccomp_cache_load(dir, key, &insns, &n), 0);               /* now a hit */
	free(insns);
	ck_assert_int_eq(sbx_seccomp_compile_cached(cfg->linux.seccomp, dir, &c, &err), 0); /* hit */
	ck_assert_uint_eq(a.n_insns, c.n_insns);
	ck_assert_int_eq(memcmp(a.insns, c.insns, a.n_insns * sizeof(*a.insns)), 0);
	ck_assert_uint_eq(a.flags, c.flags);
	sbx_seccomp_plan_free(&a);
	sbx_seccomp_plan_free(&b);
	sbx_seccomp_plan_free(&c);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_keys_differ)
{
	struct sbx_config *a = parse(PROFILE_A), *b = parse(PROFILE_B);
	_sbx_cleanup_free_ char *ka = sbx_seccomp_cache_key(a->linux.seccomp);
	_sbx_cleanup_free_ char *kb = sbx_seccomp_cache_key(b->linux.seccomp);

	ck_assert_str_ne(ka, kb);
	sbx_config_free(a);
	sbx_config_free(b);
}
END_TEST

/* A cache file whose stored key is another profile's (a forged or colliding
 * file name) is a miss, never the other profile's program. */
START_TEST(test_foreign_key_is_miss)
{
	struct sbx_config *a = parse(PROFILE_A), *b = parse(PROFILE_B);
	_sbx_cleanup_free_ char *ka = sbx_seccomp_cache_key(a->linux.seccomp);
	_sbx_cleanup_free_ char *kb = sbx_seccomp_cache_key(b->linux.seccomp);
	struct sock_filter prog[2] = { { 0x06, 0, 0, 0x7fff0000 }, { 0x06, 0, 0, 0x7fff0000 } };
	struct sock_filter *insns = NULL;
	size_t n = 0;
	char fa[512], tmpl[600];

	sbx_seccomp_cache_store(dir, ka, prog, 2);
	cache_file(fa, sizeof(fa));
	/* Put B's entry under A's file name. */
	sbx_seccomp_cache_store(dir, kb, prog, 1);
	{
		DIR *d = opendir(dir);
		struct dirent *e;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.' && strcmp(strrchr(fa, '/') + 1, e->d_name)) {
				snprintf(tmpl, sizeof(tmpl), "%s/%s", dir, e->d_name);
				ck_assert_int_eq(rename(tmpl, fa), 0);
			}
		closedir(d);
	}
	ck_assert_int_eq(sbx_seccomp_cache_load(dir, ka, &insns, &n), -1);
	sbx_config_free(a);
	sbx_config_free(b);
}
END_TEST

START_TEST(test_untrusted_file_mode_is_miss)
{
	struct sbx_config *a = parse(PROFILE_A);
	_sbx_cleanup_free_ char *ka = sbx_seccomp_cache_key(a->linux.seccomp);
	struct sock_filter prog[1] = { { 0x06, 0, 0, 0x7fff0000 } };
	struct sock_filter *insns = NULL;
	size_t n = 0;
	char f[512];

	sbx_seccomp_cache_store(dir, ka, prog, 1);
	cache_file(f, sizeof(f));
	ck_assert_int_eq(sbx_seccomp_cache_load(dir, ka, &insns, &n), 0);
	free(insns);
	ck_assert_int_eq(chmod(f, 0666), 0); /* others could have written it */
	ck_assert_int_eq(sbx_seccomp_cache_load(dir, ka, &insns, &n), -1);
	ck_assert_int_eq(chmod(f, 0600), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0); /* nor may the directory be shared */
	ck_assert_int_eq(sbx_seccomp_cache_load(dir, ka, &insns, &n), -1);
	chmod(dir, 0700);
	sbx_config_free(a);
}
END_TEST

START_TEST(test_truncated_file_is_miss)
{
	struct sbx_config *a = parse(PROFILE_A);
	_sbx_cleanup_free_ char *ka = sbx_seccomp_cache_key(a->linux.seccomp);
	struct sock_filter prog[3] = { { 0x06, 0, 0, 0x7fff0000 } };
	struct sock_filter *insns = NULL;
	size_t n = 0;
	struct stat st;
	char f[512];

	sbx_seccomp_cache_store(dir, ka, prog, 3);
	cache_file(f, sizeof(f));
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_int_eq(truncate(f, st.st_size - 4), 0);
	ck_assert_int_eq(sbx_seccomp_cache_load(dir, ka, &insns, &n), -1);
	sbx_config_free(a);
}
END_TEST

/* ---- exec's path: the profile left as text (sbx_config_parse_deferred) ---- */

static struct sbx_config *parse_deferred(const char *text)
{
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };

	ck_assert_msg(sbx_config_parse_deferred(text, strlen(text), "config.json", &cfg, &err) == 0,
		      "%s", err.msg);
	return cfg;
}

/* The text, parsed on its own, is the profile the full parse gives (same
 * cache key: same program); the rest of the config is unchanged. */
static void check_deferred(const char *text)
{
	struct sbx_config *full = parse(text), *def = parse_deferred(text);
	struct sbx_arena a = { 0 };
	struct sbx_seccomp *sc = NULL;
	struct sbx_err err = { 0 };
	_sbx_cleanup_free_ char *kf = NULL, *kd = NULL;

	ck_assert_ptr_null(def->linux.seccomp);
	ck_assert_ptr_nonnull(def->linux.seccomp_text);
	ck_assert_msg(sbx_config_parse_seccomp(def->linux.seccomp_text, def->linux.seccomp_len, &a,
					       &sc, &err) == 0, "%s", err.msg);
	kf = sbx_seccomp_cache_key(full->linux.seccomp);
	kd = sbx_seccomp_cache_key(sc);
	ck_assert_str_eq(kf, kd);
	ck_assert_str_eq(full->hostname ? full->hostname : "", def->hostname ? def->hostname : "");
	ck_assert_uint_eq(full->linux.n_masked_paths, def->linux.n_masked_paths);
	sbx_arena_free(&a);
	sbx_config_free(full);
	sbx_config_free(def);
}

START_TEST(test_deferred_profile_is_the_parsed_one)
{
	check_deferred(PROFILE_A);
	/* Duplicate keys (jansson keeps the last), braces and the member's
	 * name inside strings, an escaped member name, members after it. */
	check_deferred("{\"ociVersion\":\"1.2.0\",\"hostname\":\"{\\\"seccomp\\\":}\","
		       "\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_KILL\"},"
		       "\"maskedPaths\":[\"/a}\",\"/b\"],"
		       "\"s\\u0065ccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
		       "[{\"names\":[\"kcmp\"],\"action\":\"SCMP_ACT_ERRNO\"}]},"
		       "\"sysctl\":{\"x\":\"]\"}},\"annotations\":{\"a\":\"b\"}}");
	/* No profile, or null: nothing deferred. */
	{
		struct sbx_config *c = parse_deferred("{\"ociVersion\":\"1.2.0\",\"linux\":{\"seccomp\":null}}");
		ck_assert_ptr_null(c->linux.seccomp_text);
		sbx_config_free(c);
	}
}
END_TEST

/* compile_text: the program of the parsed path; a second call finds it
 * under the text; a profile with flags is never kept under its text. */
START_TEST(test_compile_text_hit_equals_compile)
{
	struct sbx_config *full = parse(PROFILE_A), *def = parse_deferred(PROFILE_A);
	struct sbx_seccomp_plan a, b, c;
	struct sbx_err err = { 0 };
	_sbx_cleanup_free_ char *tkey = sbx_seccomp_cache_text_key(def->linux.seccomp_text,
								    def->linux.seccomp_len);
	struct sock_filter *insns = NULL;
	size_t n = 0;
	static const char *FLAGS = "{\"defaultAction\":\"SCMP_ACT_ALLOW\","
				   "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"]}";
	_sbx_cleanup_free_ char *fkey = sbx_seccomp_cache_text_key(FLAGS, strlen(FLAGS));

	ck_assert_int_eq(sbx_seccomp_compile(full->linux.seccomp, &a, &err), 0);
	ck_assert_int_eq(sbx_seccomp_cache_load(dir, tkey, &insns, &n), -1);
	ck_assert_int_eq(sbx_seccomp_compile_text(def->linux.seccomp_text, def->linux.seccomp_len, dir,
						  &b, &err), 0);
	ck_assert_int_eq(sbx_seccomp_cache_load(dir, tkey, &insns, &n), 0);
	free(insns);
	ck_assert_int_eq(sbx_seccomp_compile_text(def->linux.seccomp_text, def->linux.seccomp_len, dir,
						  &c, &err), 0);
	ck_assert(b.present && c.present);
	ck_assert_uint_eq(a.n_insns, c.n_insns);
	ck_assert_int_eq(memcmp(a.insns, b.insns, a.n_insns * sizeof(*a.insns)), 0);
	ck_assert_int_eq(memcmp(a.insns, c.insns, a.n_insns * sizeof(*a.insns)), 0);
	sbx_seccomp_plan_free(&a);
	sbx_seccomp_plan_free(&b);
	sbx_seccomp_plan_free(&c);
	ck_assert_int_eq(sbx_seccomp_compile_text(FLAGS, strlen(FLAGS), dir, &a, &err), 0);
	ck_assert(a.flags != 0);
	ck_assert_int_eq(sbx_seccomp_cache_load(dir, fkey, &insns, &n), -1);
	sbx_seccomp_plan_free(&a);
	sbx_config_free(full);
	sbx_config_free(def);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("seccomp_cache");
	TCase *tc = tcase_create("cache");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_hit_equals_compile);
	tcase_add_test(tc, test_keys_differ);
	tcase_add_test(tc, test_foreign_key_is_miss);
	tcase_add_test(tc, test_untrusted_file_mode_is_miss);
	tcase_add_test(tc, test_truncated_file_is_miss);
	tcase_add_test(tc, test_deferred_profile_is_the_parsed_one);
	tcase_add_test(tc, test_compile_text_hit_equals_compile);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
