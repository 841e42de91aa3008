/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Path resolution under a root: hostile symlinks must never let an open or
 * a create escape the root.  Every test runs against a real temp tree.
 */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbx/path.h"
#include "sbx/util.h"

static char base[PATH_MAX], root[PATH_MAX], outside[PATH_MAX];
static int rootfd = -1;

static void mk(const char *rel, bool dir)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (dir)
		ck_assert_int_eq(mkdir(p, 0755), 0);
	else {
		int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
}

static void ln(const char *target, const char *rel)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	ck_assert_int_eq(symlink(target, p), 0);
}

static void setup(void)
{
	snprintf(base, sizeof(base), "/tmp/sbx-test-path.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	ck_assert_int_eq(mkdir(root, 0755), 0);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	mk("real", true);
	mk("real/file", false);
	mk("etc", true);
	mk("etc/marker", false);
	ln("/etc", "etc_link");            /* absolute: must mean <root>/etc */
	ln("../../..", "up");              /* climbs: clamped to the root */
	ln("loop2", "loop1");
	ln("loop1", "loop2");
	ln(outside, "evil");               /* absolute host path of a real dir */
	ln("../../../../../../../../../../..", "deep_up");
	mk("mid", true);
	ln("../../outside", "mid/esc");    /* middle-component escape attempt */
	ln("/proc/self/root", "magic");
	ln("../nowhere/a", "real/dangling");
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(rootfd, 0);
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

static void teardown(void)
{
	if (rootfd >= 0)
		close(rootfd);
	rootfd = -1;
	nftw(base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static bool dir_empty(const char *p)
{
	int n = 0;
	_sbx_cleanup_closedir_ DIR *d = opendir(p);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	return n == 0;
}

/* Same inode as <root>/<rel>? */
static void assert_is(int fd, const char *rel)
{
	char p[PATH_MAX * 2];
	struct stat a, b;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	ck_assert_int_eq(fstat(fd, &a), 0);
	ck_assert_msg(lstat(p, &b) == 0, "%s missing", p);
	char lp[PATH_MAX] = "", fp[64];
	snprintf(fp, sizeof(fp), "/proc/self/fd/%d", fd);
	(void)!readlink(fp, lp, sizeof(lp) - 1);
	ck_assert_msg(a.st_ino == b.st_ino && a.st_dev == b.st_dev, "fd is %s, not %s", lp, p);
}

typedef int (*open_fn)(int, const char *, int, struct sbx_err *);
static const open_fn impls[] = { sbx_path_open_in_root, sbx_path_walk_in_root };

/* _i: 0 = openat2, 1 = the fallback walk */
START_TEST(test_open_abs_symlink_clamped)
{
	struct sbx_err err = { 0 };
	int fd = impls[_i](rootfd, "/etc_link/marker", O_RDONLY, &err);
	ck_assert_int_ge(fd, 0);
	assert_is(fd, "etc/marker");
	close(fd);
	/* The host's /etc/passwd exists, the rootfs's does not. */
	ck_assert_int_eq(impls[_i](rootfd, "etc_link/passwd", O_RDONLY, &err), -1);
	ck_assert_int_eq(err.errnum, ENOENT);
	ck_assert_str_eq(err.msg, "open etc_link/passwd in root");
}
END_TEST

START_TEST(test_open_dotdot_clamped)
{
	struct sbx_err err = { 0 };
	int fd = impls[_i](rootfd, "up/real/file", O_RDONLY, &err);
	ck_assert_int_ge(fd, 0);
	assert_is(fd, "real/file");
	close(fd);
	fd = impls[_i](rootfd, "../../../../real/file", O_RDONLY, &err);
	ck_assert_int_ge(fd, 0);
	assert_is(fd, "real/file");
	close(fd);
	fd = impls[_i](rootfd, "deep_up/etc/marker", O_RDONLY, &err);
	ck_assert_int_ge(fd, 0);
	assert_is(fd, "etc/marker");
	close(fd);
	ck_assert_int_eq(impls[_i](rootfd, "../../../../etc/passwd", O_RDONLY, &err), -1);
	ck_assert_int_eq(err.errnum, ENOENT);
	/* ".." of the root is the root itself. */
	fd = impls[_i](rootfd, "/..", O_PATH, &err);
	ck_assert_int_ge(fd, 0);
	assert_is(fd, ".");
	close(fd);
}
END_TEST

START_TEST(test_open_loop_and_middle_escape)
{
	struct sbx_err err = { 0 };
	ck_assert_int_eq(impls[_i](rootfd, "loop1", O_RDONLY, &err), -1);
	ck_assert_int_eq(err.errnum, ELOOP);
	ck_assert_int_eq(impls[_i](rootfd, "loop1/x", O_RDONLY, &err), -1);
	ck_assert_int_eq(err.errnum, ELOOP);
	/* mid/esc -> ../../outside: clamped to <root>/outside, absent. */
	ck_assert_int_eq(impls[_i](rootfd, "mid/esc", O_PATH, &err), -1);
	ck_assert_int_eq(err.errnum, ENOENT);
	/* evil -> <host tmp>/outside: means <root>/<host tmp>/outside. */
	ck_assert_int_eq(impls[_i](rootfd, "evil", O_PATH, &err), -1);
	ck_assert_int_eq(err.errnum, ENOENT);
	/* An O_CREAT through the escaping symlink lands inside the root. */
	mk("outside", true);
	int fd = impls[_i](rootfd, "mid/esc/new", O_CREAT | O_WRONLY, &err);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert(dir_empty(outside));
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/outside/new", root);
	ck_assert_int_eq(access(p, F_OK), 0);
}
END_TEST

START_TEST(test_open_nofollow_last)
{
	struct sbx_err err = { 0 };
	struct stat st;
	int fd = impls[_i](rootfd, "etc_link", O_PATH | O_NOFOLLOW, &err);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstatat(fd, "", &st, AT_EMPTY_PATH), 0);
	ck_assert(S_ISLNK(st.st_mode));
	close(fd);
}
END_TEST

START_TEST(test_open_magiclink_refused)
{
	/* With the real "/" as root, /proc/self/root is a magic link: the
	 * kernel resolution must refuse to jump through it. */
	struct sbx_err err = { 0 };
	_sbx_cleanup_close_ int slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(sbx_path_open_in_root(slash, "/proc/self/root/etc", O_PATH, &err), -1);
	ck_assert_int_eq(err.errnum, ELOOP);
	/* Inside our rootfs "magic" -> /proc/self/root is just a dangling
	 * in-root symlink. */
	ck_assert_int_eq(sbx_path_open_in_root(rootfd, "magic/etc", O_PATH, &err), -1);
	ck_assert_int_eq(err.errnum, ENOENT);
}
END_TEST

START_TEST(test_mkpath_evil_stays_inside)
{
	struct sbx_err err = { 0 };
	char p[PATH_MAX * 3];
	int fd = sbx_path_mkpath_in_root(rootfd, "/evil/x", true, &err);

	ck_assert_msg(fd >= 0, "%s (%d)", err.msg, err.errnum);
	/* The symlink's target was created inside the root... */
	snprintf(p, sizeof(p), "%s%s/x", root, outside);
	struct stat st, fst;
	ck_assert_msg(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "%s not created", p);
	ck_assert_int_eq(fstat(fd, &fst), 0);
	ck_assert(st.st_ino == fst.st_ino);
	close(fd);
	/* ...and the real outside dir is untouched. */
	ck_assert(dir_empty(outside));

	fd = sbx_path_mkpath_in_root(rootfd, "mid/esc/a/b/file", false, &err);
	ck_assert_msg(fd >= 0, "%s", err.msg);
	assert_is(fd, "outside/a/b/file");
	ck_assert_int_eq(fstat(fd, &fst), 0);
	ck_assert(S_ISREG(fst.st_mode));
	close(fd);
	ck_assert(dir_empty(outside));
}
END_TEST

START_TEST(test_mkpath_dotdot_and_dangling)
{
	struct sbx_err err = { 0 };
	int fd = sbx_path_mkpath_in_root(rootfd, "up/../../newdir/f", false, &err);
	ck_assert_msg(fd >= 0, "%s", err.msg);
	assert_is(fd, "newdir/f");
	close(fd);
	/* real/dangling -> ../nowhere/a: created as <root>/nowhere/a/sub */
	fd = sbx_path_mkpath_in_root(rootfd, "/real/dangling/sub", true, &err);
	ck_assert_msg(fd >= 0, "%s", err.msg);
	assert_is(fd, "nowhere/a/sub");
	close(fd);
	/* Idempotent: the existing object is returned. */
	fd = sbx_path_mkpath_in_root(rootfd, "/real/dangling/sub", true, &err);
	ck_assert_int_ge(fd, 0);
	assert_is(fd, "nowhere/a/sub");
	close(fd);
}
END_TEST

START_TEST(test_mkpath_errors)
{
	struct sbx_err err = { 0 };
	ck_assert_int_eq(sbx_path_mkpath_in_root(rootfd, "/real/file", true, &err), -1);
	ck_assert_int_eq(err.errnum, ENOTDIR);
	ck_assert_str_eq(err.msg, "create directory /real/file");
	ck_assert_int_eq(sbx_path_mkpath_in_root(rootfd, "/real/file/x", true, &err), -1);
	ck_assert_int_eq(err.errnum, ENOTDIR);
	ck_assert_int_eq(sbx_path_mkpath_in_root(rootfd, "/real", false, &err), -1);
	ck_assert_int_eq(err.errnum, EISDIR);
	ck_assert_int_eq(sbx_path_mkpath_in_root(rootfd, "/loop1/x", true, &err), -1);
	ck_assert_int_eq(err.errnum, ELOOP);
}
END_TEST

START_TEST(test_clean)
{
	static const char *cases[][2] = {
		{ "//a/./b/../c", "/a/c" }, { "/", "/" }, { "/..", "/" }, { "/../../x", "/x" },
		{ "/a/b/", "/a/b" }, { "/a//b//", "/a/b" }, { "/a/..", "/" }, { "/.", "/" },
		{ "a/../..", ".." }, { "a/./b", "a/b" }, { "", "." }, { "/a/b/../../..", "/" },
		{ "../x/../y", "../y" }, { "/mid/../../outside/a/b/file", "/outside/a/b/file" },
		{ "a", "a" }, { "/abc", "/abc" }, { "../x/..", ".." },
	};
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		char buf[64];
		/* Garbage after the NUL catches an in-place copy that reads
		 * past the end. */
		memset(buf, 'z', sizeof(buf));
		snprintf(buf, sizeof(buf), "%s", cases[i][0]);
		sbx_path_clean(buf);
		ck_assert_msg(!strcmp(buf, cases[i][1]), "clean(\"%s\") = \"%s\", want \"%s\"",
			      cases[i][0], buf, cases[i][1]);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("in_root");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_open_abs_symlink_clamped, 0, 2);
	tcase_add_loop_test(tc, test_open_dotdot_clamped, 0, 2);
	tcase_add_loop_test(tc, test_open_loop_and_middle_escape, 0, 2);
	tcase_add_loop_test(tc, test_open_nofollow_last, 0, 2);
	tcase_add_test(tc, test_open_magiclink_refused);
	tcase_add_test(tc, test_mkpath_evil_stays_inside);
	tcase_add_test(tc, test_mkpath_dotdot_and_dangling);
	tcase_add_test(tc, test_mkpath_errors);
	tcase_add_test(tc, test_clean);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
