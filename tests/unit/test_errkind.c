/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Error kinds (include/sbx/error.h): set where the error happens, carried
 * through prefixes and the sync socket's struct copy, mapped to exit codes
 * in one table; the warning helper keeps the errno text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbx/config.h"
#include "sbx/error.h"
#include "sbx/log.h"
#include "sbx/process.h"
#include "sbx/state.h"
#include "unit.h"

START_TEST(test_kind_set_and_kept)
{
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_err_setk(&err, SBX_ERR_CONFIG, 0, "config.json: %s", "x"), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG);
	sbx_err_prefix(&err, "create");
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG); /* context does not change the kind */
	ck_assert_str_eq(err.msg, "create: config.json: x");
	/* a new error starts as a setup error, whatever was there */
	sbx_err_set(&err, EIO, "write");
	ck_assert_int_eq(err.kind, SBX_ERR_SETUP);
	ck_assert_int_eq(sbx_err_kind(&err, SBX_ERR_EXEC_DENIED), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_EXEC_DENIED);
	sbx_err_clear(&err);
	ck_assert_int_eq(err.kind, SBX_ERR_SETUP);
	ck_assert_int_eq(sbx_err_kind(NULL, SBX_ERR_CONFIG), -1);
	ck_assert_int_eq(sbx_err_setk(NULL, SBX_ERR_CONFIG, 0, "x"), -1);
}
END_TEST

START_TEST(test_exit_codes)
{
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_err_exec_kind(ENOENT), SBX_ERR_EXEC_NOT_FOUND);
	ck_assert_int_eq(sbx_err_exec_kind(EACCES), SBX_ERR_EXEC_DENIED);
	ck_assert_int_eq(sbx_err_exec_kind(ENOEXEC), SBX_ERR_EXEC_DENIED);
	ck_assert_int_eq(sbx_err_exec_kind(ELOOP), SBX_ERR_SETUP);
	ck_assert_int_eq(sbx_err_exit_code(NULL), SBX_EXIT_FAILURE);
	sbx_err_setk(&err, SBX_ERR_EXEC_NOT_FOUND, ENOENT, "exec \"x\"");
	ck_assert_int_eq(sbx_err_exit_code(&err), 127);
	sbx_err_kind(&err, SBX_ERR_EXEC_DENIED);
	ck_assert_int_eq(sbx_err_exit_code(&err), 126);
	/* the message no longer decides: an exec-looking setup error is 125 */
	sbx_err_set(&err, ENOENT, "exec \"x\"");
	ck_assert_int_eq(sbx_err_exit_code(&err), 125);
	/* and an exec error with any message is 127 */
	sbx_err_setk(&err, SBX_ERR_EXEC_NOT_FOUND, ENOENT, "start \"x\"");
	ck_assert_int_eq(sbx_err_exit_code(&err), 127);
	for (int k = SBX_ERR_SETUP; k <= SBX_ERR_NO_CONTAINER; k++) {
		sbx_err_setk(&err, (enum sbx_err_kind)k, 0, "k");
		int code = sbx_err_exit_code(&err);
		ck_assert(code == 125 || code == 126 || code == 127);
		if (code != 125)
			ck_assert_int_eq(sbx_err_kind_of_exit_code(code), k);
	}
	ck_assert_int_eq(sbx_err_kind_of_exit_code(1), SBX_ERR_SETUP);
}
END_TEST

/* The executable lookup sets the kind itself (it used to be guessed from
 * the message text `exec "..."`). */
START_TEST(test_find_executable_kinds)
{
	char dir[] = "/tmp/sbx-errkind-XXXXXX", file[64], out[256];
	char *env[] = { NULL, NULL };
	char pathvar[96];
	char *args[] = { NULL, NULL };
	struct sbx_process p = { .args = args, .n_args = 1, .env = env, .n_env = 1 };
	struct sbx_err err = { 0 };
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(pathvar, sizeof(pathvar), "PATH=%s", dir);
	env[0] = pathvar;
	snprintf(file, sizeof(file), "%s/noexec", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	close(fd);

	args[0] = "missing";
	ck_assert_int_eq(sbx_process_find_executable(&p, out, sizeof(out), &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_EXEC_NOT_FOUND);
	ck_assert_int_eq(sbx_err_exit_code(&err), 127);
	args[0] = "noexec";
	ck_assert_int_eq(sbx_process_find_executable(&p, out, sizeof(out), &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_EXEC_DENIED);
	ck_assert_int_eq(sbx_err_exit_code(&err), 126);
	args[0] = file; /* by path */
	ck_assert_int_eq(sbx_process_find_executable(&p, out, sizeof(out), &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_EXEC_DENIED);
	args[0] = dir; /* a directory cannot be executed */
	ck_assert_int_eq(sbx_process_find_executable(&p, out, sizeof(out), &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_EXEC_DENIED);
	args[0] = "/nonexistent/dir/x";
	ck_assert_int_eq(sbx_process_find_executable(&p, out, sizeof(out), &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_EXEC_NOT_FOUND);
	chmod(file, 0755);
	args[0] = "noexec";
	ck_assert_int_eq(sbx_process_find_executable(&p, out, sizeof(out), &err), 0);
	unlink(file);
	rmdir(dir);
}
END_TEST

START_TEST(test_config_kind)
{
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };
	const char *bad = "{\"ociVersion\": 1}";

	ck_assert_int_eq(sbx_config_parse("{", 1, "config.json", &cfg, &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG);
	sbx_err_clear(&err);
	ck_assert_int_eq(sbx_config_parse(bad, strlen(bad), "config.json", &cfg, &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG);
	sbx_err_clear(&err);
	ck_assert_int_eq(sbx_config_load("/nonexistent-bundle", &cfg, &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG);
	ck_assert_int_eq(sbx_err_exit_code(&err), 125);
}
END_TEST

START_TEST(test_state_kinds)
{
	char root[] = "/tmp/sbx-errkind-root-XXXXXX";
	struct sbx_state_handle h;
	struct sbx_err err = { 0 }, rep = { 0 };
	int code = 0, fd;
	const char *line = "126 13 exec \"/bin/x\"\n";

	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(sbx_state_open(root, "nope", false, &h, &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_NO_CONTAINER);
	ck_assert_int_eq(sbx_state_create(root, "ek", &h, &err), 0);
	fd = openat(h.dirfd, SBX_INIT_ERROR_FILE, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
	/* init's report carries its exit code; the reader turns it back into
	 * the kind, so `start` exits as `run` would */
	ck_assert_int_eq(sbx_state_read_init_error(&h, &code, &rep), 1);
	ck_assert_int_eq(code, 126);
	ck_assert_int_eq(rep.kind, SBX_ERR_EXEC_DENIED);
	ck_assert_int_eq(sbx_err_exit_code(&rep), 126);
	ck_assert_int_eq(sbx_state_remove(&h, &err), 0);
	sbx_state_close(&h);
	rmdir(root);
}
END_TEST

static char captured[2048];

static void capture(enum sbx_log_level lvl, long long sec, long nsec, const char *msg, void *arg)
{
	snprintf(captured, sizeof(captured), "%d %s", (int)lvl, msg);
}

/* Warnings keep the errno text (they used to print err.msg alone). */
START_TEST(test_warn_keeps_errno)
{
	struct sbx_err err = { 0 };

	sbx_log_set_sink(capture, NULL);
	sbx_err_set(&err, EACCES, "remove %s", "/sys/fs/cgroup/x");
	sbx_warn_err(&err, "delete");
	ck_assert_str_eq(captured, "2 delete: remove /sys/fs/cgroup/x: Permission denied");
	sbx_warn_err(&err, NULL);
	ck_assert_str_eq(captured, "2 remove /sys/fs/cgroup/x: Permission denied");
	sbx_err_set(&err, 0, "no errno");
	sbx_warn_err(&err, "x");
	ck_assert_str_eq(captured, "2 x: no errno");
	sbx_log_set_sink(NULL, NULL);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("errkind");
	TCase *tc = tcase_create("errkind");

	tcase_add_test(tc, test_kind_set_and_kept);
	tcase_add_test(tc, test_exit_codes);
	tcase_add_test(tc, test_find_executable_kinds);
	tcase_add_test(tc, test_config_kind);
	tcase_add_test(tc, test_state_kinds);
	tcase_add_test(tc, test_warn_keeps_errno);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
