/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the base modules: the error object (src/error.c), log
 * record formatting (src/log.c), the arena and number parsing (src/util.c),
 * and the id-map formatter (src/config.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sbx/config.h"
#include "sbx/error.h"
#include "sbx/log.h"
#include "sbx/util.h"
#include "unit.h"

/* ---------- error ---------- */

START_TEST(test_err_chain)
{
	struct sbx_err err = { 0 };
	char buf[SBX_ERR_MSG_MAX + 128];

	ck_assert_int_eq(sbx_err_set(&err, ENOENT, "open %s", "/etc/x"), -1);
	ck_assert_int_eq(sbx_err_prefix(&err, "mount %s", "proc"), -1);
	ck_assert_int_eq(sbx_err_prefix(&err, "rootfs"), -1);
	ck_assert_str_eq(err.msg, "rootfs: mount proc: open /etc/x");
	ck_assert_int_eq(err.errnum, ENOENT);
	ck_assert_str_eq(sbx_err_str(&err, buf, sizeof(buf)),
			 "rootfs: mount proc: open /etc/x: No such file or directory");

	/* errnum 0: no strerror suffix (config errors) */
	sbx_err_set(&err, 0, "config.json: %s: %s", "process.cwd", "is required");
	ck_assert_str_eq(sbx_err_str(&err, buf, sizeof(buf)), "config.json: process.cwd: is required");

	/* prefix on an empty error is just the context */
	sbx_err_clear(&err);
	ck_assert_int_eq(err.errnum, 0);
	ck_assert_str_eq(err.msg, "");
	sbx_err_prefix(&err, "ctx");
	ck_assert_str_eq(err.msg, "ctx");

	/* empty error object prints a placeholder, never garbage */
	sbx_err_clear(&err);
	ck_assert_str_eq(sbx_err_str(&err, buf, sizeof(buf)), "unknown error");
	ck_assert_str_eq(sbx_err_str(NULL, buf, sizeof(buf)), "unknown error");

	/* NULL err is tolerated and still returns -1 */
	ck_assert_int_eq(sbx_err_set(NULL, EINVAL, "x"), -1);
	ck_assert_int_eq(sbx_err_prefix(NULL, "x"), -1);
}
END_TEST

START_TEST(test_err_truncation)
{
	struct sbx_err err = { 0 };
	char big[3000], small[16];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sbx_err_set(&err, EPERM, "%s", big);
	ck_assert_uint_eq(strlen(err.msg), SBX_ERR_MSG_MAX - 1);
	/* prefixing a full message keeps it terminated, context first */
	sbx_err_prefix(&err, "ctx");
	ck_assert_uint_eq(strlen(err.msg), SBX_ERR_MSG_MAX - 1);
	ck_assert(!strncmp(err.msg, "ctx: aaa", 8));
	/* sbx_err_str honours the output buffer size */
	sbx_err_set(&err, EPERM, "operation");
	ck_assert_str_eq(sbx_err_str(&err, small, sizeof(small)), "operation: Oper");
}
END_TEST

/* ---------- log ---------- */

START_TEST(test_log_text)
{
	char buf[512];
	size_t n;

	n = sbx_log_format_record(buf, sizeof(buf), SBX_LOG_TEXT, SBX_LOG_ERROR, 0, 5, "hello");
	ck_assert_str_eq(buf, "time=\"1970-01-01T00:00:00.000000005Z\" level=error msg=\"hello\"\n");
	ck_assert_uint_eq(n, strlen(buf));
	/* 2026-11-24T06:25:30Z */
	sbx_log_format_record(buf, sizeof(buf), SBX_LOG_TEXT, SBX_LOG_WARN, 1795501530LL, 123456789,
			      "w");
	ck_assert_str_eq(buf, "time=\"2026-11-24T06:25:30.123456789Z\" level=warning msg=\"w\"\n");
	sbx_log_format_record(buf, sizeof(buf), SBX_LOG_TEXT, SBX_LOG_DEBUG, 0, 0, "d");
	ck_assert_str_eq(buf, "time=\"1970-01-01T00:00:00.000000000Z\" level=debug msg=\"d\"\n");
	sbx_log_format_record(buf, sizeof(buf), SBX_LOG_TEXT, SBX_LOG_INFO, 0, 0, "i");
	ck_assert_str_eq(buf, "time=\"1970-01-01T00:00:00.000000000Z\" level=info msg=\"i\"\n");
}
END_TEST

START_TEST(test_log_json_escaping)
{
	char buf[512];
	size_t n;

	n = sbx_log_format_record(buf, sizeof(buf), SBX_LOG_JSON, SBX_LOG_ERROR, 0, 0,
				  "say \"hi\"\nback\\slash\ttab\r\x01\x1f end");
	ck_assert_str_eq(buf, "{\"level\":\"error\",\"msg\":\"say \\\"hi\\\"\\nback\\\\slash\\ttab\\r"
			      "\\u0001\\u001f end\",\"time\":\"1970-01-01T00:00:00.000000000Z\"}\n");
	ck_assert_uint_eq(n, strlen(buf));
	/* bytes >= 0x20 (including UTF-8) pass through unchanged */
	sbx_log_format_record(buf, sizeof(buf), SBX_LOG_JSON, SBX_LOG_INFO, 0, 0, "caf\xc3\xa9 /x");
	ck_assert_str_eq(buf, "{\"level\":\"info\",\"msg\":\"caf\xc3\xa9 /x\","
			      "\"time\":\"1970-01-01T00:00:00.000000000Z\"}\n");
}
END_TEST

/* A newline or quote in a message (e.g. a path from config.json) must not
 * forge a second text record or end the msg field early. */
START_TEST(test_log_text_escaping)
{
	char buf[512];
	size_t n = sbx_log_format_record(buf, sizeof(buf), SBX_LOG_TEXT, SBX_LOG_WARN, 0, 0,
					 "a\"b\nlevel=error msg=\"forged\"");

	ck_assert_str_eq(buf, "time=\"1970-01-01T00:00:00.000000000Z\" level=warning "
			      "msg=\"a\\\"b\\nlevel=error msg=\\\"forged\\\"\"\n");
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_ptr_eq(strchr(buf, '\n'), buf + n - 1);
}
END_TEST

START_TEST(test_log_truncation)
{
	char buf[32];
	size_t n;

	/* a record that does not fit is cut but stays one terminated line */
	n = sbx_log_format_record(buf, sizeof(buf), SBX_LOG_JSON, SBX_LOG_ERROR, 0, 0,
				  "a long message that does not fit");
	ck_assert_uint_eq(n, sizeof(buf) - 1);
	ck_assert_uint_eq(strlen(buf), sizeof(buf) - 1);
	ck_assert_int_eq(buf[n - 1], '\n');
	ck_assert_ptr_eq(strchr(buf, '\n'), buf + n - 1);
}
END_TEST

START_TEST(test_log_parse_format)
{
	enum sbx_log_format f = SBX_LOG_TEXT;

	ck_assert_int_eq(sbx_log_parse_format("json", &f), 0);
	ck_assert_int_eq(f, SBX_LOG_JSON);
	ck_assert_int_eq(sbx_log_parse_format("text", &f), 0);
	ck_assert_int_eq(f, SBX_LOG_TEXT);
	ck_assert_int_eq(sbx_log_parse_format("JSON", &f), -1);
	ck_assert_int_eq(sbx_log_parse_format("", &f), -1);
}
END_TEST

/* ---------- arena ---------- */

START_TEST(test_arena)
{
	struct sbx_arena a = { 0 };
	unsigned char *p, *q, *big;
	char *s;

	p = sbx_arena_alloc(&a, 1);
	q = sbx_arena_alloc(&a, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_ne(p, q);
	ck_assert_uint_eq((uintptr_t)p % 16, 0);
	ck_assert_uint_eq((uintptr_t)q % 16, 0);
	/* larger than one chunk: still one zeroed block */
	big = sbx_arena_alloc(&a, 100000);
	for (size_t i = 0; i < 100000; i++)
		ck_assert_uint_eq(big[i], 0);
	memset(big, 0xff, 100000);
	/* many small allocations stay disjoint and zeroed */
	for (int i = 0; i < 5000; i++) {
		unsigned char *r = sbx_arena_alloc(&a, 24);
		ck_assert_uint_eq((uintptr_t)r % 16, 0);
		for (int j = 0; j < 24; j++)
			ck_assert_uint_eq(r[j], 0);
		memset(r, 0xaa, 24);
	}
	s = sbx_arena_strdup(&a, "hello");
	ck_assert_str_eq(s, "hello");
	ck_assert_ptr_null(sbx_arena_strdup(&a, NULL));
	ck_assert_str_eq(sbx_arena_strdup(&a, ""), "");
	sbx_arena_free(&a);
	ck_assert_ptr_null(a.head);
	/* usable again after free, and freeing twice is harmless */
	ck_assert_ptr_nonnull(sbx_arena_alloc(&a, 8));
	sbx_arena_free(&a);
	sbx_arena_free(&a);
}
END_TEST

/* ---------- number parsing ---------- */

START_TEST(test_parse_u64)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "\t1", "\n-1", "0x10", "12a", "18446744073709551616",
		"99999999999999999999", "-0", "1.0",
	};
	uint64_t v = 42;

	ck_assert_int_eq(sbx_parse_u64("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(sbx_parse_u64("007", &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(sbx_parse_u64("18446744073709551615", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		v = 42;
		ck_assert_msg(sbx_parse_u64(bad[i], &v) == -1, "accepted \"%s\"", bad[i]);
		ck_assert_uint_eq(v, 42); /* untouched on error */
	}
	ck_assert_int_eq(sbx_parse_u64(NULL, &v), -1);
}
END_TEST

START_TEST(test_parse_i64)
{
	static const char *const bad[] = {
		"", "-", "+5", " 5", "5 ", "\t5", "\n-5", "- 5", "--5", "5x", "9223372036854775808",
		"-9223372036854775809", "1e3",
	};
	int64_t v = 42;

	ck_assert_int_eq(sbx_parse_i64("0", &v), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(sbx_parse_i64("-1", &v), 0);
	ck_assert_int_eq(v, -1);
	ck_assert_int_eq(sbx_parse_i64("9223372036854775807", &v), 0);
	ck_assert_int_eq(v, INT64_MAX);
	ck_assert_int_eq(sbx_parse_i64("-9223372036854775808", &v), 0);
	ck_assert_int_eq(v, INT64_MIN);
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		v = 42;
		ck_assert_msg(sbx_parse_i64(bad[i], &v) == -1, "accepted \"%s\"", bad[i]);
		ck_assert_int_eq(v, 42);
	}
	ck_assert_int_eq(sbx_parse_i64(NULL, &v), -1);
}
END_TEST

/* ---------- id maps ---------- */

START_TEST(test_format_idmap)
{
	static const struct sbx_idmap m[] = {
		{ .container_id = 0, .host_id = 1000, .size = 1 },
		{ .container_id = 1, .host_id = 100000, .size = 65536 },
	};
	static const char want[] = "0 1000 1\n1 100000 65536\n";
	char buf[64];

	ck_assert_int_eq(sbx_config_format_idmap(m, 2, buf, sizeof(buf)), (int)strlen(want));
	ck_assert_str_eq(buf, want);
	/* exact fit (text + NUL) */
	ck_assert_int_eq(sbx_config_format_idmap(m, 2, buf, sizeof(want)), (int)strlen(want));
	ck_assert_str_eq(buf, want);
	/* one byte short: refused, nothing half-written */
	errno = 0;
	ck_assert_int_eq(sbx_config_format_idmap(m, 2, buf, sizeof(want) - 1), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_str_eq(buf, "");
	/* empty map */
	ck_assert_int_eq(sbx_config_format_idmap(m, 0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(sbx_config_format_idmap(m, 1, buf, 0), -1);
	/* the largest ids print in full */
	{
		struct sbx_idmap x = { 4294967294u, 4294967294u, 1 };
		ck_assert_int_gt(sbx_config_format_idmap(&x, 1, buf, sizeof(buf)), 0);
		ck_assert_str_eq(buf, "4294967294 4294967294 1\n");
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("base");
	TCase *tc = tcase_create("error");

	tcase_add_test(tc, test_err_chain);
	tcase_add_test(tc, test_err_truncation);
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_test(tc, test_log_text);
	tcase_add_test(tc, test_log_json_escaping);
	tcase_add_test(tc, test_log_text_escaping);
	tcase_add_test(tc, test_log_truncation);
	tcase_add_test(tc, test_log_parse_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("util");
	tcase_add_test(tc, test_arena);
	tcase_add_test(tc, test_parse_u64);
	tcase_add_test(tc, test_parse_i64);
	tcase_add_test(tc, test_format_idmap);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
