/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The process steps' pure parts and primitives: exec's overrides
 * (sbx_exec_build_process), the fd sweep, the exec stub (sealed, refuses to
 * run without sbxrun's argv[0], execs its argument with it), HOME, the cwd
 * check and the --preserve-fds check.
 */
#include "unit.h"

#include "sbx/config.h"
#include "sbx/exec.h"
#include "sbx/execstub.h"
#include "sbx/process.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *base_config =
	"{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
	" \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"env\": [\"A=1\", \"PATH=/bin\"],"
	"  \"user\": {\"uid\": 0, \"gid\": 0, \"additionalGids\": [7]},"
	"  \"capabilities\": {\"bounding\": [\"CAP_KILL\"], \"effective\": [\"CAP_KILL\"],"
	"   \"permitted\": [\"CAP_KILL\"], \"inheritable\": [], \"ambient\": []}}}";

static struct sbx_config *parse(void)
{
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };

	if (sbx_config_parse(base_config, strlen(base_config), "config.json", &cfg, &err) < 0)
		ck_abort_msg("parse: %s", err.msg);
	return cfg;
}

static bool has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

START_TEST(test_exec_overrides)
{
	struct sbx_config *cfg = parse();
	char *args[] = { "id", "-G" }, *env[] = { "A=2", "B=3" }, *caps[] = { "CAP_NET_RAW" };
	uint32_t gids[] = { 10, 20 };
	struct sbx_exec_opts o = { .args = args, .n_args = 2, .env = env, .n_env = 2, .caps = caps,
				   .n_caps = 1, .additional_gids = gids, .n_additional_gids = 2,
				   .has_user = true, .uid = 1000, .cwd = "/tmp", .state_dirfd = -1 };
	struct sbx_err err = { 0 };
	const struct sbx_process *p;

	ck_assert_int_eq(sbx_exec_build_process(cfg, &o, &err), 0);
	p = cfg->process;
	ck_assert_str_eq(p->args[0], "id");
	ck_assert_ptr_null(p->args[2]);
	ck_assert_str_eq(p->cwd, "/tmp");
	/* --env replaces A, appends B */
	ck_assert(has(p->env, p->n_env, "A=2") && has(p->env, p->n_env, "B=3"));
	ck_assert(!has(p->env, p->n_env, "A=1"));
	/* --user keeps the gid and the configured additional gids (runc) */
	ck_assert_uint_eq(p->user.uid, 1000);
	ck_assert_uint_eq(p->user.gid, 0);
	ck_assert_uint_eq(p->user.n_additional_gids, 3);
	ck_assert_uint_eq(p->user.additional_gids[0], 7);
	ck_assert_uint_eq(p->user.additional_gids[2], 20);
	/* --cap: bounding, effective, permitted; never inheritable or ambient */
	ck_assert(has(p->caps.bounding, p->caps.n_bounding, "CAP_NET_RAW"));
	ck_assert(has(p->caps.effective, p->caps.n_effective, "CAP_NET_RAW"));
	ck_assert(has(p->caps.permitted, p->caps.n_permitted, "CAP_NET_RAW"));
	ck_assert_uint_eq(p->caps.n_inheritable, 0);
	ck_assert_uint_eq(p->caps.n_ambient, 0);
	sbx_config_free(cfg);

	cfg = parse();
	o = (struct sbx_exec_opts){ .state_dirfd = -1 };
	ck_assert_int_lt(sbx_exec_build_process(cfg, &o, &err), 0);
	ck_assert_str_eq(err.msg, "exec: no command given (and no --process)");
	o.args = args;
	o.n_args = 1;
	o.env = (char *[]){ "NOEQUALS" };
	o.n_env = 1;
	ck_assert_int_lt(sbx_exec_build_process(cfg, &o, &err), 0);
	ck_assert_str_eq(err.msg, "exec --env \"NOEQUALS\": expected KEY=VALUE");
	sbx_config_free(cfg);
}
END_TEST

/* In a child: open fds, sweep, report which are left as a bit mask. */
START_TEST(test_fd_close_except)
{
	int pipefd[2], st;
	pid_t pid;
	unsigned char mask = 0;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int keep[] = { 40, -1, 43, 40 };
		unsigned char m = 0;
		close(pipefd[0]);
		for (int fd = 40; fd < 46; fd++)
			dup2(pipefd[1], fd);
		dup2(pipefd[1], 5);
		sbx_fd_close_except(6, keep, 4);
		for (int fd = 40; fd < 46; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				m |= (unsigned char)(1u << (fd - 40));
		if (fcntl(5, F_GETFD) >= 0) /* below the limit: kept */
			m |= 0x80;
		(void)!write(40, &m, 1);
		_exit(0);
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], &mask, 1), 1);
	waitpid(pid, &st, 0);
	close(pipefd[0]);
	ck_assert_uint_eq(mask, 0x80 | 0x01 | 0x08);
}
END_TEST

static int run_stub(char *const argv[])
{
	struct sbx_err err = { 0 };
	int fd = sbx_execstub_open(&err), st;
	char *const envp[] = { NULL };
	pid_t pid;

	ck_assert_msg(fd >= 0, "stub: %s", err.msg);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		sbx_execstub_exec(fd, argv, envp);
		_exit(99);
	}
	close(fd);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

START_TEST(test_exec_stub)
{
	struct sbx_err err = { 0 };
	int fd = sbx_execstub_open(&err);

	ck_assert_int_ge(fd, 0);
	/* sealed: no write, grow, shrink, no new seals */
	ck_assert_int_eq(fcntl(fd, F_GET_SEALS) & (F_SEAL_SEAL | F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK),
			 F_SEAL_SEAL | F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK);
	ck_assert_int_lt(write(fd, "x", 1), 0);
	ck_assert_int_eq(errno, EPERM);
	close(fd);
	/* runs its argument with sbxrun's argv[0]... */
	ck_assert_int_eq(run_stub((char *[]){ SBX_EXECSTUB_MAGIC, "/bin/true", "true", NULL }), 0);
	ck_assert_int_eq(run_stub((char *[]){ SBX_EXECSTUB_MAGIC, "/bin/false", "false", NULL }), 1);
	/* ...with exec's exit codes on failure... */
	ck_assert_int_eq(run_stub((char *[]){ SBX_EXECSTUB_MAGIC, "/no/such/file", "x", NULL }), 127);
	ck_assert_int_eq(run_stub((char *[]){ SBX_EXECSTUB_MAGIC, "/etc/passwd", "x", NULL }), 126);
	/* ...and nothing at all without it (e.g. as a #! interpreter) */
	ck_assert_int_eq(run_stub((char *[]){ "/proc/self/exe", "/bin/true", "true", NULL }), 127);
}
END_TEST

START_TEST(test_stub_argv)
{
	char *argv[] = { "ls", "-l", NULL };
	char **v = sbx_process_stub_argv("/bin/ls", argv);

	ck_assert_str_eq(v[0], SBX_EXECSTUB_MAGIC);
	ck_assert_str_eq(v[1], "/bin/ls");
	ck_assert_str_eq(v[2], "ls");
	ck_assert_str_eq(v[3], "-l");
	ck_assert_ptr_null(v[4]);
	free(v);
}
END_TEST

/* HOME from this machine's /etc/passwd (the "container" root is / here). */
START_TEST(test_home)
{
	struct sbx_config *cfg = parse();
	struct sbx_process *p = cfg->process;
	char **env;

	env = sbx_process_env(p);
	ck_assert_str_eq(env[p->n_env], "HOME=/root");
	free(env[p->n_env]);
	free(env);
	p->user.uid = 3999999; /* no entry */
	env = sbx_process_env(p);
	ck_assert_str_eq(env[p->n_env], "HOME=/");
	free(env[p->n_env]);
	free(env);
	p->env[0] = "HOME=/mine";
	env = sbx_process_env(p);
	ck_assert_ptr_null(env[p->n_env]);
	free(env);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_chdir_and_preserve_check)
{
	struct sbx_config *cfg = parse();
	struct sbx_process *p = cfg->process;
	struct sbx_err err = { 0 };
	char cwd[4096];

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	p->cwd = "/tmp/../etc";
	ck_assert_int_eq(sbx_process_chdir(p, &err), 0);
	ck_assert_str_eq(getcwd(cwd, sizeof(cwd)), "/etc");
	/* a magic link is refused */
	p->cwd = "/proc/self/cwd";
	ck_assert_int_lt(sbx_process_chdir(p, &err), 0);
	ck_assert_int_eq(err.errnum, ELOOP);
	ck_assert_str_eq(err.msg, "chdir to process.cwd /proc/self/cwd");
	sbx_config_free(cfg);
	/* --preserve-fds: a gap is an error */
	ck_assert_int_eq(sbx_process_check_preserve_fds(0, &err), 0);
	ck_assert_int_lt(sbx_process_check_preserve_fds(4000, &err), 0);
	ck_assert(strstr(err.msg, "is not open") != NULL);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("process");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_exec_overrides);
	tcase_add_test(tc, test_fd_close_except);
	tcase_add_test(tc, test_exec_stub);
	tcase_add_test(tc, test_stub_argv);
	tcase_add_test(tc, test_home);
	tcase_add_test(tc, test_chdir_and_preserve_check);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
