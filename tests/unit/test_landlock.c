/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unit.h"

#include "sbx/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/landlock.h>

struct fake {
	struct sbx_config cfg;
	struct sbx_process proc;
	struct sbx_kv ann[4];
};

static void fake_init(struct fake *f, bool nnp, const char *ro, const char *rw, const char *mode)
{
	memset(f, 0, sizeof(*f));
	f->proc.no_new_privileges = nnp;
	f->cfg.process = &f->proc;
	f->cfg.annotations = f->ann;
	f->ann[f->cfg.n_annotations++] = (struct sbx_kv){ "org.example.other", "x" };
	if (ro)
		f->ann[f->cfg.n_annotations++] = (struct sbx_kv){ "run.sbx.landlock.ro", (char *)ro };
	if (rw)
		f->ann[f->cfg.n_annotations++] = (struct sbx_kv){ "run.sbx.landlock.rw", (char *)rw };
	if (mode)
		f->ann[f->cfg.n_annotations++] = (struct sbx_kv){ "run.sbx.landlock.mode", (char *)mode };
}

static void expect_error(const char *ro, const char *rw, const char *mode, bool nnp, const char *msg)
{
	struct fake f;
	struct sbx_landlock_plan p;
	struct sbx_err err = { 0 };

	fake_init(&f, nnp, ro, rw, mode);
	ck_assert_int_lt(sbx_landlock_compile(&f.cfg, &p, &err), 0);
	ck_assert_str_eq(err.msg, msg);
	ck_assert_ptr_null(p.ro);
	ck_assert_ptr_null(p.rw);
}

static bool have_landlock(void)
{
	return syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) >= 1;
}

START_TEST(test_parse)
{
	struct fake f;
	struct sbx_landlock_plan p;
	struct sbx_err err = { 0 };

	fake_init(&f, true, NULL, NULL, NULL);
	ck_assert_int_eq(sbx_landlock_compile(&f.cfg, &p, &err), 0);
	ck_assert(!p.present);

	if (!have_landlock())
		SBX_SKIP("landlock not available: the rest of the compile checks need its ABI");
	fake_init(&f, true, "/usr:/etc:/", "/tmp", NULL);
	ck_assert_int_eq(sbx_landlock_compile(&f.cfg, &p, &err), 0);
	ck_assert(p.present);
	ck_assert(!p.best_effort);
	ck_assert_uint_eq(p.n_ro, 3);
	ck_assert_str_eq(p.ro[0], "/usr");
	ck_assert_str_eq(p.ro[1], "/etc");
	ck_assert_str_eq(p.ro[2], "/");
	ck_assert_ptr_null(p.ro[3]);
	ck_assert_uint_eq(p.n_rw, 1);
	ck_assert_str_eq(p.rw[0], "/tmp");
	sbx_landlock_plan_free(&p);

	fake_init(&f, true, NULL, "/data", "best-effort");
	ck_assert_int_eq(sbx_landlock_compile(&f.cfg, &p, &err), 0);
	ck_assert(p.best_effort);
	ck_assert_uint_eq(p.n_ro, 0);
	ck_assert_ptr_null(p.ro[0]);
	sbx_landlock_plan_free(&p);
}
END_TEST

START_TEST(test_validation)
{
	expect_error(NULL, "tmp", NULL, true,
		     "config.json: annotations.run.sbx.landlock.rw: \"tmp\" must be an absolute path");
	expect_error("/usr:etc", NULL, NULL, true,
		     "config.json: annotations.run.sbx.landlock.ro: \"etc\" must be an absolute path");
	expect_error("/usr::/etc", NULL, NULL, true,
		     "config.json: annotations.run.sbx.landlock.ro: empty path in \"/usr::/etc\"");
	expect_error(NULL, "/a//b", NULL, true,
		     "config.json: annotations.run.sbx.landlock.rw: \"/a//b\" has an empty path component");
	expect_error(NULL, "/tmp/", NULL, true,
		     "config.json: annotations.run.sbx.landlock.rw: \"/tmp/\" has an empty path component");
	expect_error(NULL, "/tmp", "strict", true,
		     "config.json: annotations.run.sbx.landlock.mode: unknown mode \"strict\" (expected \"enforce\" or \"best-effort\")");
	expect_error(NULL, "/tmp", NULL, false,
		     "config.json: process.noNewPrivileges: landlock requires process.noNewPrivileges: true (annotations run.sbx.landlock.rw)");
}
END_TEST

static char base[64];

static int try_open(const char *rel, int flags)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void write_file(const char *rel)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	close(fd);
}

START_TEST(test_enforce)
{
	struct fake f;
	struct sbx_landlock_plan p;
	struct sbx_err err = { 0 };
	char ro[128], rw[128], ann_ro[300];
	int st;
	pid_t pid;

	if (!have_landlock()) {
		SBX_SKIP("landlock not available: enforcement not tested");
	}
	snprintf(base, sizeof(base), "/tmp/sbx-ll-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(ro, sizeof(ro), "%s/ro", base);
	snprintf(rw, sizeof(rw), "%s/rw", base);
	ck_assert_int_eq(mkdir(ro, 0755), 0);
	ck_assert_int_eq(mkdir(rw, 0755), 0);
	char out[128];
	snprintf(out, sizeof(out), "%s/out", base);
	ck_assert_int_eq(mkdir(out, 0755), 0);
	write_file("ro/file");
	write_file("out/file");
	write_file("ro/single");
	/* A directory and a single file (file rules must be restricted to
	 * file rights or add_rule fails). */
	snprintf(ann_ro, sizeof(ann_ro), "%s:%s/out/file", ro, base);
	fake_init(&f, true, ann_ro, rw, NULL);
	ck_assert_int_eq(sbx_landlock_compile(&f.cfg, &p, &err), 0);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sbx_err e = { 0 };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(100);
		if (sbx_landlock_apply_child(&p, &e) < 0)
			_exit(101);
		if (try_open("ro/file", O_RDONLY) != 0) _exit(1);
		if (try_open("ro/new", O_WRONLY | O_CREAT) != EACCES) _exit(2);
		if (try_open("ro/file", O_WRONLY) != EACCES) _exit(3);
		if (try_open("rw/new", O_WRONLY | O_CREAT) != 0) _exit(4);
		if (try_open("out/file", O_RDONLY) != 0) _exit(5);       /* file rule */
		if (try_open("out/file", O_WRONLY) != EACCES) _exit(6);
		if (try_open("ro/single", O_RDONLY) != 0) _exit(7);
		if (try_open("x-outside", O_WRONLY | O_CREAT) != EACCES) _exit(8);
		/* reads outside the lists are denied too */
		if (open("/etc/passwd", O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES) _exit(9);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	sbx_landlock_plan_free(&p);

	/* A path that does not exist at apply time: error naming it. */
	fake_init(&f, true, "/nonexistent-sbx-path", NULL, NULL);
	ck_assert_int_eq(sbx_landlock_compile(&f.cfg, &p, &err), 0);
	pid = fork();
	if (pid == 0) {
		struct sbx_err e = { 0 };
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (sbx_landlock_apply_child(&p, &e) == 0)
			_exit(1);
		_exit(strcmp(e.msg, "landlock: open /nonexistent-sbx-path") == 0 && e.errnum == ENOENT ? 0 : 2);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
	sbx_landlock_plan_free(&p);

	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("landlock");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_validation);
	tcase_add_test(tc, test_enforce);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
