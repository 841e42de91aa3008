/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unit.h"
#include "sbx/signals.h"

#include <signal.h>
#include <string.h>

static int parse(const char *s)
{
	struct sbx_err err = { 0 };
	int sig = -1;
	if (sbx_signals_parse(s, &sig, &err) < 0)
		return -1;
	return sig;
}

START_TEST(test_names)
{
	ck_assert_int_eq(parse("KILL"), SIGKILL);
	ck_assert_int_eq(parse("SIGKILL"), SIGKILL);
	ck_assert_int_eq(parse("kill"), SIGKILL);
	ck_assert_int_eq(parse("sigterm"), SIGTERM);
	ck_assert_int_eq(parse("TERM"), SIGTERM);
	ck_assert_int_eq(parse("HUP"), SIGHUP);
	ck_assert_int_eq(parse("SIGWINCH"), SIGWINCH);
	ck_assert_int_eq(parse("USR1"), SIGUSR1);
	ck_assert_int_eq(parse("SIGCHLD"), SIGCHLD);
}
END_TEST

START_TEST(test_numbers)
{
	ck_assert_int_eq(parse("9"), 9);
	ck_assert_int_eq(parse("15"), 15);
	ck_assert_int_eq(parse("1"), 1);
	ck_assert_int_eq(parse("0"), -1);
	ck_assert_int_eq(parse("65"), -1);
	ck_assert_int_eq(parse("-9"), -1);
	ck_assert_int_eq(parse("9x"), -1);
}
END_TEST

START_TEST(test_realtime)
{
	ck_assert_int_eq(parse("SIGRTMIN"), SIGRTMIN);
	ck_assert_int_eq(parse("SIGRTMIN+3"), SIGRTMIN + 3);
	ck_assert_int_eq(parse("RTMIN+3"), SIGRTMIN + 3);
	ck_assert_int_eq(parse("RTMAX-1"), SIGRTMAX - 1);
	ck_assert_int_eq(parse("SIGRTMAX"), SIGRTMAX);
	ck_assert_int_eq(parse("SIGRTMAX+1"), -1);
	ck_assert_int_eq(parse("SIGRTMIN-1"), -1);
	ck_assert_int_eq(parse("SIGRTMIN+"), -1);
}
END_TEST

START_TEST(test_unknown)
{
	struct sbx_err err = { 0 };
	int sig;
	ck_assert_int_eq(sbx_signals_parse("SIGFOO", &sig, &err), -1);
	ck_assert_str_eq(err.msg, "unknown signal \"SIGFOO\"");
	ck_assert_int_eq(parse(""), -1);
	ck_assert_int_eq(parse("SIG"), -1);
}
END_TEST

START_TEST(test_roundtrip)
{
	char buf[32];
	for (int s = 1; s <= SIGRTMAX; s++) {
		if (s == 32 || s == 33) /* glibc-internal, below SIGRTMIN */
			continue;
		sbx_signals_name(s, buf, sizeof(buf));
		ck_assert_msg(parse(buf) == s, "signal %d -> %s -> %d", s, buf, parse(buf));
	}
	ck_assert_str_eq(sbx_signals_name(SIGKILL, buf, sizeof(buf)), "SIGKILL");
	ck_assert_str_eq(sbx_signals_name(SIGRTMIN + 3, buf, sizeof(buf)), "SIGRTMIN+3");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("signals");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_realtime);
	tcase_add_test(tc, test_unknown);
	tcase_add_test(tc, test_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
