/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The compiled process attributes and terminal plan (item 5 of issue 11):
 * rlimits resolved to resource numbers with the kernel's struct rlimit,
 * the oom score as the text step 3 writes, the ids and groups step 10
 * passes to setgroups/setresgid/setresuid, the terminal's owner and size;
 * and what the compile step refuses (kind SBX_ERR_CONFIG) before anything
 * is attempted.
 */
#include "unit.h"

#include "sbx/config.h"
#include "sbx/process.h"
#include "sbx/terminal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static struct sbx_config *parse(const char *process)
{
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };
	char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
		 " \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], %s}}", process);
	if (sbx_config_parse(buf, strlen(buf), "config.json", &cfg, &err) < 0)
		ck_abort_msg("parse: %s", err.msg);
	return cfg;
}

/* attrs compile of `process` fails with a config error containing `want` */
static void attrs_refused(const struct sbx_process *p, const char *want)
{
	struct sbx_process_attrs a;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_process_attrs_compile(p, &a, &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG);
	ck_assert_msg(strstr(err.msg, want) != NULL, "got \"%s\", want \"%s\"", err.msg, want);
}

START_TEST(attrs_compiled)
{
	struct sbx_config *cfg = parse(
		"\"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 18, \"additionalGids\": [5, 7]},"
		" \"oomScoreAdj\": -17,"
		" \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 512, \"hard\": 1024},"
		"  {\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 9223372036854775807}]");
	struct sbx_process_attrs a;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_process_attrs_compile(cfg->process, &a, &err), 0);
	ck_assert_uint_eq(a.n_rlimits, 2);
	ck_assert_int_eq(a.rlimits[0].resource, RLIMIT_NOFILE);
	ck_assert_uint_eq(a.rlimits[0].lim.rlim_cur, 512);
	ck_assert_uint_eq(a.rlimits[0].lim.rlim_max, 1024);
	ck_assert_str_eq(a.rlimits[0].type, "RLIMIT_NOFILE");
	ck_assert_int_eq(a.rlimits[1].resource, RLIMIT_CORE);
	ck_assert(a.rlimits[1].lim.rlim_max == (rlim_t)9223372036854775807ULL);
	ck_assert(a.has_oom_score_adj);
	ck_assert_int_eq(a.oom_score_adj, -17);
	ck_assert_str_eq(a.oom_text, "-17");
	ck_assert_uint_eq(a.uid, 1000);
	ck_assert_uint_eq(a.gid, 100);
	ck_assert_uint_eq(a.n_groups, 2);
	ck_assert_uint_eq(a.groups[0], 5);
	ck_assert_uint_eq(a.groups[1], 7);
	ck_assert(a.has_umask);
	ck_assert_uint_eq(a.umask, 022); /* JSON has no octal: 18 */
	sbx_config_free(cfg);
}
END_TEST

START_TEST(attrs_defaults)
{
	struct sbx_config *cfg = parse("\"user\": {\"uid\": 0, \"gid\": 0}");
	struct sbx_process_attrs a;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_process_attrs_compile(cfg->process, &a, &err), 0);
	ck_assert_uint_eq(a.n_rlimits, 0);
	ck_assert(!a.has_oom_score_adj);
	ck_assert(!a.has_umask);
	ck_assert_uint_eq(a.n_groups, 0);
	ck_assert_uint_eq(a.uid, 0);
	sbx_config_free(cfg);
}
END_TEST

/* 4294967295 is "unchanged" to setresuid(2): the process would keep the
 * runtime's ids (root in the container).  Refused, for uid, gid and an
 * additional gid alike. */
START_TEST(attrs_refuse_unchanged_ids)
{
	struct sbx_config *cfg = parse("\"user\": {\"uid\": 4294967295, \"gid\": 0}");
	attrs_refused(cfg->process, "process.user.uid: 4294967295 is not a valid id");
	sbx_config_free(cfg);
	cfg = parse("\"user\": {\"uid\": 0, \"gid\": 4294967295}");
	attrs_refused(cfg->process, "process.user.gid: 4294967295 is not a valid id");
	sbx_config_free(cfg);
	cfg = parse("\"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [1, 4294967295]}");
	attrs_refused(cfg->process, "process.user.additionalGids[1]: 4294967295");
	sbx_config_free(cfg);
	/* the largest real id is fine */
	cfg = parse("\"user\": {\"uid\": 4294967294, \"gid\": 4294967294}");
	{
		struct sbx_process_attrs a;
		struct sbx_err err = { 0 };
		ck_assert_int_eq(sbx_process_attrs_compile(cfg->process, &a, &err), 0);
		ck_assert_uint_eq(a.uid, 4294967294u);
	}
	sbx_config_free(cfg);
}
END_TEST

/* What the parser already refuses, the compile step refuses again for a
 * model built another way (exec's overrides, a future caller). */
START_TEST(attrs_refuse_bad_model)
{
	struct sbx_rlimit rl = { .type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 2, .hard = 1 };
	struct sbx_process p = { .rlimits = &rl, .n_rlimits = 1 };
	uint32_t *many;

	attrs_refused(&p, "process.rlimits[0]: invalid rlimit RLIMIT_NOFILE 2/1");
	rl = (struct sbx_rlimit){ .type = "RLIMIT_BOGUS", .resource = -1, .soft = 1, .hard = 1 };
	attrs_refused(&p, "process.rlimits[0]: invalid rlimit RLIMIT_BOGUS");
	p.n_rlimits = RLIM_NLIMITS + 1;
	attrs_refused(&p, "process.rlimits:");
	p = (struct sbx_process){ .has_oom_score_adj = true, .oom_score_adj = 1001 };
	attrs_refused(&p, "process.oomScoreAdj: 1001");
	p = (struct sbx_process){ 0 };
	many = calloc(NGROUPS_MAX + 1, sizeof(*many));
	p.user.additional_gids = many;
	p.user.n_additional_gids = NGROUPS_MAX + 1;
	attrs_refused(&p, "process.user.additionalGids: 65537 gids");
	free(many);
}
END_TEST

START_TEST(terminal_plan)
{
	struct sbx_config *cfg = parse("\"user\": {\"uid\": 1000, \"gid\": 1000}");
	struct sbx_terminal_plan t;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_terminal_compile(cfg->process, &t, &err), 0);
	ck_assert(!t.present);
	sbx_config_free(cfg);

	cfg = parse("\"terminal\": true, \"user\": {\"uid\": 1000, \"gid\": 1000}");
	ck_assert_int_eq(sbx_terminal_compile(cfg->process, &t, &err), 0);
	ck_assert(t.present);
	ck_assert_uint_eq(t.owner, 1000);
	ck_assert(!t.has_size); /* the caller's terminal size, at setup */
	sbx_config_free(cfg);

	cfg = parse("\"terminal\": true, \"consoleSize\": {\"height\": 40, \"width\": 132},"
		    " \"user\": {\"uid\": 0, \"gid\": 0}");
	ck_assert_int_eq(sbx_terminal_compile(cfg->process, &t, &err), 0);
	ck_assert(t.has_size);
	ck_assert_uint_eq(t.rows, 40);
	ck_assert_uint_eq(t.cols, 132);
	sbx_config_free(cfg);

	/* the kernel's winsize has 16-bit fields: 65536 would become 0 */
	cfg = parse("\"terminal\": true, \"consoleSize\": {\"height\": 65536, \"width\": 80},"
		    " \"user\": {\"uid\": 0, \"gid\": 0}");
	ck_assert_int_eq(sbx_terminal_compile(cfg->process, &t, &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG);
	ck_assert_msg(strstr(err.msg, "process.consoleSize: 80x65536 does not fit") != NULL, "%s",
		      err.msg);
	sbx_config_free(cfg);

	/* without a terminal the size is not used, so it is not judged */
	cfg = parse("\"consoleSize\": {\"height\": 65536, \"width\": 80},"
		    " \"user\": {\"uid\": 0, \"gid\": 0}");
	ck_assert_int_eq(sbx_terminal_compile(cfg->process, &t, &err), 0);
	ck_assert(!t.present);
	sbx_config_free(cfg);
}
END_TEST

/* sbx_process_compile fills both and stops at their errors. */
START_TEST(process_compile_uses_them)
{
	struct sbx_config *cfg = parse("\"terminal\": true, \"oomScoreAdj\": 5,"
				       " \"user\": {\"uid\": 7, \"gid\": 8}");
	struct sbx_process_plan plan;
	struct sbx_err err = { 0 };

	ck_assert_msg(sbx_process_compile(cfg, NULL, &plan, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(plan.attrs.uid, 7);
	ck_assert_str_eq(plan.attrs.oom_text, "5");
	ck_assert(plan.terminal.present);
	ck_assert_uint_eq(plan.terminal.owner, 7);
	sbx_process_plan_free(&plan);
	sbx_config_free(cfg);

	cfg = parse("\"user\": {\"uid\": 4294967295, \"gid\": 0}");
	ck_assert_int_eq(sbx_process_compile(cfg, NULL, &plan, &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG);
	sbx_process_plan_free(&plan);
	sbx_config_free(cfg);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("process_plan");
	TCase *tc = tcase_create("compile");

	tcase_add_test(tc, attrs_compiled);
	tcase_add_test(tc, attrs_defaults);
	tcase_add_test(tc, attrs_refuse_unchanged_ids);
	tcase_add_test(tc, attrs_refuse_bad_model);
	tcase_add_test(tc, terminal_plan);
	tcase_add_test(tc, process_compile_uses_them);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
