/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Real hook scripts in a temp dir: stdin state, args, env, timeout, failure. */
#include "unit.h"
#include "sbx/hooks.h"
#include "sbx/util.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/sbx-hooks-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

static char *script(const char *name, const char *body)
{
	char *path = sbx_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
	return path;
}

static char *slurp(const char *name)
{
	char *path = sbx_xasprintf("%s/%s", dir, name), *text = NULL;
	struct sbx_err err;
	if (sbx_read_file_at(-100 /* AT_FDCWD */, path, &text, NULL, &err) < 0)
		text = NULL;
	free(path);
	return text;
}

/* runc and crun: a hook without `env` gets the runtime's environment;
 * "env": [] is an empty one. */
START_TEST(test_env_default_is_runtime_env)
{
	struct sbx_err err = { 0 };
	char *body = sbx_xasprintf("echo \"${SBX_HOOK_TEST_VAR:-unset}\" >> %s/env", dir);
	char *p = script("h", body);
	struct sbx_hook hooks[2] = {
		{ .path = p },                     /* no env: ours */
		{ .path = p, .has_env = true },    /* env: [] */
	};
	struct sbx_hook_list list = { hooks, 2 };
	char *t;

	setenv("SBX_HOOK_TEST_VAR", "from-runtime", 1);
	ck_assert_msg(sbx_hooks_run(&list, "poststop", "{}", &err) == 0, "%s", err.msg);
	unsetenv("SBX_HOOK_TEST_VAR");
	t = slurp("env");
	ck_assert_str_eq(t, "from-runtime\nunset\n");
	free(t);
	free(body);
	free(p);
}
END_TEST

START_TEST(test_stdin_args_env_order)
{
	struct sbx_err err = { 0 };
	char *out1 = sbx_xasprintf("cat > %s/stdin1; echo \"$1 $2|$FOO|${HOME:-nohome}\" > %s/args1; echo one >> %s/order", dir, dir, dir);
	char *out2 = sbx_xasprintf("echo two >> %s/order", dir);
	char *p1 = script("h1", out1), *p2 = script("h2", out2);
	char *args[] = { "myhook", "a", "b c", NULL };
	char *env[] = { "FOO=bar", NULL };
	struct sbx_hook hooks[2] = {
		{ .path = p1, .args = args, .n_args = 3, .env = env, .n_env = 1, .has_env = true },
		{ .path = p2 },
	};
	struct sbx_hook_list list = { hooks, 2 };
	const char *state = "{\"ociVersion\":\"1.2.0\",\"id\":\"x\",\"status\":\"creating\"}";
	char *t;

	ck_assert_msg(sbx_hooks_run(&list, "prestart", state, &err) == 0, "%s", err.msg);
	t = slurp("stdin1");
	ck_assert_str_eq(t, state);
	free(t);
	t = slurp("args1");
	/* env is exactly hook.env: our HOME is not passed on. */
	ck_assert_str_eq(t, "a b c|bar|nohome\n");
	free(t);
	t = slurp("order");
	ck_assert_str_eq(t, "one\ntwo\n");
	free(t);
	free(out1);
	free(out2);
	free(p1);
	free(p2);
}
END_TEST

START_TEST(test_failure_stops)
{
	struct sbx_err err = { 0 };
	char *marker = sbx_xasprintf("touch %s/ran", dir);
	char *p1 = script("ok", "exit 0"), *p2 = script("bad", "echo oops >&2; exit 3"),
	     *p3 = script("after", marker);
	struct sbx_hook hooks[3] = { { .path = p1 }, { .path = p2 }, { .path = p3 } };
	struct sbx_hook_list list = { hooks, 3 };
	char *expect = sbx_xasprintf("createRuntime hook[1] %s: exited with status 3 (output: oops)", p2);
	char *t;

	ck_assert_int_eq(sbx_hooks_run(&list, "createRuntime", "{}", &err), -1);
	ck_assert_str_eq(err.msg, expect);
	t = slurp("ran");
	ck_assert_ptr_null(t); /* the hook after the failing one did not run */
	free(marker);
	free(expect);
	free(p1);
	free(p2);
	free(p3);
}
END_TEST

/* runtime.md (1.2): "If any poststop hook fails, the runtime MUST log a
 * warning, but the remaining hooks and lifecycle continue as if the hook had
 * succeeded" (poststart likewise in 1.2). */
START_TEST(test_warn_runs_every_hook)
{
	char *m1 = sbx_xasprintf("echo a >> %s/ran; exit 1", dir);
	char *m2 = sbx_xasprintf("echo b >> %s/ran; exit 2", dir);
	char *m3 = sbx_xasprintf("echo c >> %s/ran", dir);
	char *p1 = script("w1", m1), *p2 = script("w2", m2), *p3 = script("w3", m3);
	struct sbx_hook hooks[3] = { { .path = p1 }, { .path = p2 }, { .path = p3 } };
	struct sbx_hook_list list = { hooks, 3 };
	char *t;

	ck_assert_uint_eq(sbx_hooks_run_warn(&list, "poststop", "{}"), 2);
	t = slurp("ran");
	ck_assert_str_eq(t, "a\nb\nc\n");
	free(t);
	ck_assert_uint_eq(sbx_hooks_run_warn(NULL, "poststop", "{}"), 0);
	free(m1);
	free(m2);
	free(m3);
	free(p1);
	free(p2);
	free(p3);
}
END_TEST

START_TEST(test_timeout)
{
	struct sbx_err err = { 0 };
	char *p = script("slow", "sleep 30");
	struct sbx_hook h = { .path = p, .has_timeout = true, .timeout = 1 };
	struct sbx_hook_list list = { &h, 1 };
	struct timespec a, b;
	char *expect = sbx_xasprintf("poststop hook[0] %s: timed out after 1 seconds", p);

	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(sbx_hooks_run(&list, "poststop", "{}", &err), -1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_str_eq(err.msg, expect);
	ck_assert_int_lt(b.tv_sec - a.tv_sec, 5);
	free(expect);
	free(p);
}
END_TEST

START_TEST(test_missing_binary_and_signal)
{
	struct sbx_err err = { 0 };
	char *missing = sbx_xasprintf("%s/does-not-exist", dir);
	char *p = script("selfkill", "kill -9 $$");
	struct sbx_hook h = { .path = missing };
	struct sbx_hook_list list = { &h, 1 };

	ck_assert_int_eq(sbx_hooks_run(&list, "poststart", "{}", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "exited with status 127"));
	ck_assert_ptr_nonnull(strstr(err.msg, "No such file or directory"));
	h.path = p;
	ck_assert_int_eq(sbx_hooks_run(&list, "poststart", "{}", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "killed by signal 9"));
	free(missing);
	free(p);
}
END_TEST

START_TEST(test_hook_ignores_stdin)
{
	/* A hook that never reads a large state must not block or SIGPIPE us. */
	struct sbx_err err = { 0 };
	char *p = script("noread", "exit 0");
	struct sbx_hook h = { .path = p };
	struct sbx_hook_list list = { &h, 1 };
	char *big = sbx_xmalloc(1 << 20);

	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	ck_assert_int_eq(sbx_hooks_run(&list, "prestart", big, &err), 0);
	ck_assert_int_eq(sbx_hooks_run(NULL, "prestart", big, &err), 0);
	free(big);
	free(p);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("hooks");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_stdin_args_env_order);
	tcase_add_test(tc, test_env_default_is_runtime_env);
	tcase_add_test(tc, test_failure_stops);
	tcase_add_test(tc, test_warn_runs_every_hook);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_missing_binary_and_signal);
	tcase_add_test(tc, test_hook_ignores_stdin);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
