/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unit.h"

#include "sbx/caps.h"

#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

START_TEST(test_names_both_ways)
{
	ck_assert_int_eq(sbx_caps_from_name("CAP_CHOWN"), 0);
	ck_assert_int_eq(sbx_caps_from_name("CAP_SYS_ADMIN"), 21);
	ck_assert_int_eq(sbx_caps_from_name("CAP_NET_BIND_SERVICE"), 10);
	ck_assert_int_eq(sbx_caps_from_name("SYS_ADMIN"), 21);
	ck_assert_int_eq(sbx_caps_from_name("cap_sys_admin"), 21);
	ck_assert_int_eq(sbx_caps_from_name("CAP_TEST"), -1);
	ck_assert_int_eq(sbx_caps_from_name("CAP_"), -1);
	ck_assert_int_eq(sbx_caps_from_name("21"), -1);
	ck_assert_int_eq(sbx_caps_from_name("CAP_21"), -1);
	ck_assert_int_eq(sbx_caps_from_name(""), -1);
	ck_assert_str_eq(sbx_caps_to_name(21), "CAP_SYS_ADMIN");
	ck_assert_str_eq(sbx_caps_to_name(0), "CAP_CHOWN");
	ck_assert_ptr_null(sbx_caps_to_name(-1));
	ck_assert_ptr_null(sbx_caps_to_name(64));
	/* every cap the kernel knows round-trips */
	for (int c = 0; c <= sbx_caps_last_cap(); c++) {
		const char *n = sbx_caps_to_name(c);
		ck_assert_msg(n != NULL, "no name for cap %d", c);
		ck_assert_int_eq(sbx_caps_from_name(n), c);
	}
}
END_TEST

START_TEST(test_last_cap)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int v = -1;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%d", &v), 1);
	fclose(f);
	ck_assert_int_eq(sbx_caps_last_cap(), v);
}
END_TEST

#define SET(field, ...)                                              \
	do {                                                         \
		static char *l_##field[] = { __VA_ARGS__, NULL };    \
		c.field = l_##field;                                 \
		c.n_##field = SBX_ARRAY_SIZE(l_##field) - 1;         \
	} while (0)

START_TEST(test_compile_ok)
{
	struct sbx_caps c = { .present = true };
	struct sbx_caps_plan p;
	struct sbx_err err = { 0 };

	SET(bounding, "CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE");
	SET(effective, "CAP_KILL");
	SET(permitted, "CAP_KILL", "CAP_NET_BIND_SERVICE");
	SET(inheritable, "CAP_NET_BIND_SERVICE");
	SET(ambient, "CAP_NET_BIND_SERVICE");
	ck_assert_int_eq(sbx_caps_compile(&c, &p, &err), 0);
	ck_assert_uint_eq(p.bounding, (1ULL << 0) | (1ULL << 5) | (1ULL << 10));
	ck_assert_uint_eq(p.effective, 1ULL << 5);
	ck_assert_uint_eq(p.permitted, (1ULL << 5) | (1ULL << 10));
	ck_assert_uint_eq(p.inheritable, 1ULL << 10);
	ck_assert_uint_eq(p.ambient, 1ULL << 10);

	/* absent: everything empty */
	struct sbx_caps none = { .present = false };
	ck_assert_int_eq(sbx_caps_compile(&none, &p, &err), 0);
	ck_assert_uint_eq(p.bounding | p.effective | p.permitted | p.inheritable | p.ambient, 0);
}
END_TEST

/* The rule (docs/capabilities.md): a capability this kernel or libcap-ng
 * does not know is ignored with a warning (it only grants less); a name
 * that is not a capability at all (wrong form, or a typo of a known one)
 * is an error. */
START_TEST(test_classify)
{
	const char *hint;
	int c;

	ck_assert_int_eq(sbx_caps_classify("CAP_KILL", &c, &hint), SBX_CAPS_KNOWN);
	ck_assert_int_eq(c, 5);
	ck_assert_int_eq(sbx_caps_classify("kill", &c, &hint), SBX_CAPS_KNOWN);
	/* well-formed, far from every known name: a future capability */
	ck_assert_int_eq(sbx_caps_classify("CAP_TEST", &c, &hint), SBX_CAPS_UNKNOWN);
	ck_assert_int_eq(c, -1);
	ck_assert_int_eq(sbx_caps_classify("CAP_BLAH", &c, &hint), SBX_CAPS_UNKNOWN);
	ck_assert_int_eq(sbx_caps_classify("CAP_FUTURE_THING", &c, &hint), SBX_CAPS_UNKNOWN);
	/* the runtime-spec schema's pattern (^CAP_[A-Z_]+$): no digits */
	ck_assert_int_eq(sbx_caps_classify("CAP_FUTURE2", &c, &hint), SBX_CAPS_INVALID);
	/* typos of known names */
	ck_assert_int_eq(sbx_caps_classify("CAP_SYS_ADMN", &c, &hint), SBX_CAPS_INVALID);
	ck_assert_str_eq(hint, "CAP_SYS_ADMIN");
	ck_assert_int_eq(sbx_caps_classify("CAP_NET_BIND_SERIVCE", &c, &hint), SBX_CAPS_INVALID);
	ck_assert_str_eq(hint, "CAP_NET_BIND_SERVICE");
	ck_assert_int_eq(sbx_caps_classify("CAP_SYSADMIN", &c, &hint), SBX_CAPS_INVALID);
	ck_assert_str_eq(hint, "CAP_SYS_ADMIN");
	ck_assert_int_eq(sbx_caps_classify("CAP_BPX", &c, &hint), SBX_CAPS_INVALID);
	ck_assert_str_eq(hint, "CAP_BPF");
	ck_assert_int_eq(sbx_caps_classify("CAP_KIL", &c, &hint), SBX_CAPS_INVALID);
	ck_assert_str_eq(hint, "CAP_KILL");
	/* not of the form CAP_<NAME> */
	ck_assert_int_eq(sbx_caps_classify("CAPS_KILL", &c, &hint), SBX_CAPS_INVALID);
	ck_assert_ptr_null(hint);
	ck_assert_int_eq(sbx_caps_classify("SYSADMIN", &c, &hint), SBX_CAPS_INVALID);
	ck_assert_int_eq(sbx_caps_classify("cap_future", &c, &hint), SBX_CAPS_INVALID);
	ck_assert_int_eq(sbx_caps_classify("CAP_21", &c, &hint), SBX_CAPS_INVALID);
	ck_assert_int_eq(sbx_caps_classify("CAP_", &c, &hint), SBX_CAPS_INVALID);
	ck_assert_int_eq(sbx_caps_classify("CAP_A-B", &c, &hint), SBX_CAPS_INVALID);
	ck_assert_int_eq(sbx_caps_classify("CAP_X ", &c, &hint), SBX_CAPS_INVALID);
	ck_assert_int_eq(sbx_caps_classify("", &c, &hint), SBX_CAPS_INVALID);
}
END_TEST

START_TEST(test_compile_unknown)
{
	struct sbx_caps c = { .present = true };
	struct sbx_caps_plan p;
	struct sbx_err err = { 0 };

	/* ignored (with a warning), the rest still applies */
	SET(bounding, "CAP_CHOWN", "CAP_KILL", "CAP_TEST");
	SET(permitted, "CAP_TEST", "CAP_KILL");
	ck_assert_int_eq(sbx_caps_compile(&c, &p, &err), 0);
	ck_assert_uint_eq(p.bounding, (1ULL << 0) | (1ULL << 5));
	ck_assert_uint_eq(p.permitted, 1ULL << 5);

	c = (struct sbx_caps){ .present = true };
	SET(inheritable, "CAP_SYS_ADMN");
	ck_assert_int_lt(sbx_caps_compile(&c, &p, &err), 0);
	ck_assert_str_eq(err.msg, "config.json: process.capabilities.inheritable[0]: unknown capability \"CAP_SYS_ADMN\" (did you mean CAP_SYS_ADMIN?)");

	c = (struct sbx_caps){ .present = true };
	SET(bounding, "CAP_CHOWN", "NET_RAWW");
	ck_assert_int_lt(sbx_caps_compile(&c, &p, &err), 0);
	ck_assert_str_eq(err.msg, "config.json: process.capabilities.bounding[1]: \"NET_RAWW\" is not a capability name (expected CAP_ followed by upper-case letters and '_', e.g. CAP_NET_BIND_SERVICE)");
}
END_TEST

START_TEST(test_compile_ambient_rule)
{
	struct sbx_caps c = { .present = true };
	struct sbx_caps_plan p;
	struct sbx_err err = { 0 };

	/* runc's rule: an ambient cap that cannot be raised is skipped */
	SET(permitted, "CAP_KILL", "CAP_CHOWN");
	SET(inheritable, "CAP_CHOWN");
	SET(ambient, "CAP_CHOWN", "CAP_KILL");
	ck_assert_int_eq(sbx_caps_compile(&c, &p, &err), 0);
	ck_assert_uint_eq(p.ambient, 1ULL << 0);

	/* `runc spec`: ambient without inheritable at all */
	c = (struct sbx_caps){ .present = true };
	SET(bounding, "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
	SET(effective, "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
	SET(permitted, "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
	SET(ambient, "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
	ck_assert_int_eq(sbx_caps_compile(&c, &p, &err), 0);
	ck_assert_uint_eq(p.ambient, 0);
	ck_assert_uint_eq(p.effective, (1ULL << 29) | (1ULL << 5) | (1ULL << 10));

	c = (struct sbx_caps){ .present = true };
	SET(effective, "CAP_SETUID");
	ck_assert_int_lt(sbx_caps_compile(&c, &p, &err), 0);
	ck_assert_str_eq(err.msg, "config.json: process.capabilities.effective[0]: CAP_SETUID must also be in permitted");
}
END_TEST

/* A capability not in our own bounding set can never be granted (capset
 * would fail with EPERM): ignored with a warning, the others kept.  Needs
 * CAP_SETPCAP to drop one from the bounding set in a child. */
START_TEST(test_compile_drops_unheld)
{
	int st;
	pid_t pid;

	if (geteuid() != 0)
		SBX_SKIP("needs root (capability sets it does not hold)");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sbx_caps c = { .present = true };
		struct sbx_caps_plan p;
		struct sbx_err err = { 0 };
		if (prctl(PR_CAPBSET_DROP, 25UL /* CAP_SYS_TIME */, 0UL, 0UL, 0UL) < 0)
			_exit(10);
		SET(bounding, "CAP_SYS_TIME", "CAP_KILL");
		SET(effective, "CAP_SYS_TIME", "CAP_KILL");
		SET(permitted, "CAP_SYS_TIME", "CAP_KILL");
		if (sbx_caps_compile(&c, &p, &err) < 0)
			_exit(11);
		if (p.effective != (1ULL << 5) || p.permitted != (1ULL << 5) || p.bounding != (1ULL << 5))
			_exit(12);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %#x", st);
}
END_TEST

/* Apply for real in a child (needs CAP_SETPCAP: root, or skip). */
START_TEST(test_apply_real)
{
	struct sbx_caps_plan p = {
		.bounding = (1ULL << 0) | (1ULL << 5) | (1ULL << 10),
		.effective = (1ULL << 5) | (1ULL << 10),
		.permitted = (1ULL << 5) | (1ULL << 10),
		.inheritable = 1ULL << 10,
		.ambient = 1ULL << 10,
	};
	int st;
	pid_t pid;

	if (geteuid() != 0)
		SBX_SKIP("needs CAP_SETPCAP (root): covered by the integration tests");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sbx_err err = { 0 };
		char line[256];
		unsigned long long eff = 0, prm = 0, inh = 0, bnd = 0, amb = 0;
		FILE *f;
		if (sbx_caps_apply_bounding(&p, &err) < 0 || sbx_caps_apply(&p, &err) < 0)
			_exit(10);
		f = fopen("/proc/self/status", "re");
		if (!f)
			_exit(11);
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "CapEff: %llx", &eff);
			sscanf(line, "CapPrm: %llx", &prm);
			sscanf(line, "CapInh: %llx", &inh);
			sscanf(line, "CapBnd: %llx", &bnd);
			sscanf(line, "CapAmb: %llx", &amb);
		}
		fclose(f);
		if (eff != p.effective) _exit(20);
		if (prm != p.permitted) _exit(21);
		if (inh != p.inheritable) _exit(22);
		if (bnd != p.bounding) _exit(23);
		if (amb != p.ambient) _exit(24);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st));
	ck_assert_int_eq(WEXITSTATUS(st), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("caps");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_names_both_ways);
	tcase_add_test(tc, test_last_cap);
	tcase_add_test(tc, test_compile_ok);
	tcase_add_test(tc, test_compile_unknown);
	tcase_add_test(tc, test_compile_ambient_rule);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_compile_drops_unheld);
	tcase_add_test(tc, test_apply_real);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
