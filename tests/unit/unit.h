/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared boilerplate for the Check unit tests: each tests/unit/test_X.c
 * defines `static Suite *make_suite(void)` and ends with SBX_TEST_MAIN().
 * The runner prints Check's own summary line ("100%: Checks: N, Failures: 0,
 * Errors: 0"), which CI reads.
 */
#ifndef SBX_UNIT_H
#define SBX_UNIT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef SBX_SRCDIR
#define SBX_SRCDIR "."
#endif
/* Absolute path of a fixture under tests/fixtures. */
#define SBX_FIXTURE(name) SBX_SRCDIR "/tests/fixtures/" name

/* A test that cannot run on this machine says so and returns: a line
 * "SKIP <test>: <reason>" that tests/run-unit.sh shows and counts as
 * skipped, never as passed.  Use it for every early return that leaves
 * the test's point unchecked. */
#define SBX_SKIP(...)                                                     \
	do {                                                              \
		fprintf(stderr, "SKIP %s: ", __func__);                   \
		fprintf(stderr, __VA_ARGS__);                             \
		fputc('\n', stderr);                                      \
		return;                                                   \
	} while (0)

#define SBX_TEST_MAIN()                                                   \
	int main(void)                                                    \
	{                                                                 \
		SRunner *sr = srunner_create(make_suite());               \
		int failed;                                               \
		srunner_run_all(sr, CK_NORMAL);                           \
		failed = srunner_ntests_failed(sr);                       \
		srunner_free(sr);                                         \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;              \
	}

#endif
