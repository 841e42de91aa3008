/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The namespace table (src/ns.c): names, flags and /proc names agree with
 * the kernel, the lookups invert each other, and the join order puts the
 * user namespace first and lists every type once.
 */
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbx/ns.h"
#include "unit.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

START_TEST(names_and_flags)
{
	ck_assert_str_eq(sbx_ns_type_name(SBX_NS_NETWORK), "network");
	ck_assert_str_eq(sbx_ns_proc_name(SBX_NS_NETWORK), "net");
	ck_assert_str_eq(sbx_ns_type_name(SBX_NS_MOUNT), "mount");
	ck_assert_str_eq(sbx_ns_proc_name(SBX_NS_MOUNT), "mnt");
	ck_assert_int_eq(sbx_ns_flag(SBX_NS_MOUNT), CLONE_NEWNS);
	ck_assert_int_eq(sbx_ns_flag(SBX_NS_USER), CLONE_NEWUSER);
	ck_assert_int_eq(sbx_ns_flag(SBX_NS_TIME), CLONE_NEWTIME);
	ck_assert_str_eq(sbx_ns_type_name(SBX_NS_COUNT), "unknown");
	ck_assert_str_eq(sbx_ns_proc_name((enum sbx_ns_type)-1), "unknown");
	ck_assert_int_eq(sbx_ns_flag(SBX_NS_COUNT), 0);
}
END_TEST

START_TEST(lookups_invert)
{
	for (int t = 0; t < SBX_NS_COUNT; t++) {
		ck_assert_int_eq(sbx_ns_from_name(sbx_ns_type_name((enum sbx_ns_type)t)), t);
		ck_assert_int_eq(sbx_ns_from_flag(sbx_ns_flag((enum sbx_ns_type)t)), t);
	}
	/* the /proc name is not a config name where they differ */
	ck_assert_int_eq(sbx_ns_from_name("net"), -1);
	ck_assert_int_eq(sbx_ns_from_name("mnt"), -1);
	ck_assert_int_eq(sbx_ns_from_name(""), -1);
	ck_assert_int_eq(sbx_ns_from_flag(0), -1);
	ck_assert_int_eq(sbx_ns_from_flag(CLONE_NEWNS | CLONE_NEWPID), -1);
}
END_TEST

START_TEST(join_order)
{
	int seen[SBX_NS_COUNT] = { 0 };

	/* user first: it owns the others */
	ck_assert_int_eq(sbx_ns_join_order[0], SBX_NS_USER);
	ck_assert_int_eq(sbx_ns_join_order[1], SBX_NS_MOUNT);
	for (int i = 0; i < SBX_NS_COUNT; i++) {
		ck_assert_int_lt((int)sbx_ns_join_order[i], SBX_NS_COUNT);
		seen[sbx_ns_join_order[i]]++;
	}
	for (int t = 0; t < SBX_NS_COUNT; t++)
		ck_assert_int_eq(seen[t], 1);
}
END_TEST

START_TEST(proc_paths_exist)
{
	char p[SBX_NS_PATH_MAX];
	struct stat a, b;

	sbx_ns_path(p, 0, SBX_NS_CGROUP);
	ck_assert_str_eq(p, "/proc/self/ns/cgroup");
	sbx_ns_path(p, 2147483647, SBX_NS_NETWORK);
	ck_assert_str_eq(p, "/proc/2147483647/ns/net");
	/* every name but time (a 5.6 kernel feature) is a file the kernel has */
	for (int t = 0; t < SBX_NS_COUNT; t++) {
		if (t == SBX_NS_TIME)
			continue;
		sbx_ns_path(p, 0, (enum sbx_ns_type)t);
		ck_assert_msg(stat(p, &a) == 0, "%s", p);
		sbx_ns_path(p, getpid(), (enum sbx_ns_type)t);
		ck_assert_msg(stat(p, &b) == 0 && a.st_ino == b.st_ino, "%s", p);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ns");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, names_and_flags);
	tcase_add_test(tc, lookups_invert);
	tcase_add_test(tc, join_order);
	tcase_add_test(tc, proc_paths_exist);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
