/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unit.h"
#include "sbx/caps.h"
#include "sbx/features.h"

#include <jansson.h>
#include <string.h>

static json_t *doc;

static void setup(void)
{
	char *t = sbx_features_json();
	json_error_t e;
	doc = json_loads(t, 0, &e);
	ck_assert_msg(doc != NULL, "features is not JSON: %s", e.text);
	free(t);
}

static void teardown(void)
{
	json_decref(doc);
}

static bool has(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	ck_assert(json_is_array(arr));
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return true;
	return false;
}

START_TEST(test_versions_hooks)
{
	ck_assert_str_eq(json_string_value(json_object_get(doc, "ociVersionMin")), "1.0.0");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "ociVersionMax")), "1.2.0");
	json_t *h = json_object_get(doc, "hooks");
	ck_assert_int_eq(json_array_size(h), 6);
	ck_assert(has(h, "createRuntime"));
	ck_assert(has(h, "poststop"));
}
END_TEST

START_TEST(test_mount_options)
{
	json_t *m = json_object_get(doc, "mountOptions");
	ck_assert(has(m, "ro"));
	ck_assert(has(m, "nosuid"));
	ck_assert(has(m, "rbind"));
	ck_assert(has(m, "rprivate"));
	ck_assert(!has(m, "bogus"));
}
END_TEST

START_TEST(test_linux)
{
	json_t *lx = json_object_get(doc, "linux");
	json_t *caps = json_object_get(lx, "capabilities");
	const char *ns[] = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" };

	ck_assert(json_is_object(lx));
	for (size_t i = 0; i < 8; i++)
		ck_assert_msg(has(json_object_get(lx, "namespaces"), ns[i]), "namespace %s", ns[i]);
	/* Every capability the kernel knows, by name, and nothing else. */
	ck_assert_int_eq(json_array_size(caps), (size_t)sbx_caps_last_cap() + 1);
	ck_assert(has(caps, "CAP_SYS_ADMIN"));
	ck_assert(has(caps, "CAP_CHOWN"));
	ck_assert(json_is_false(json_object_get(json_object_get(lx, "cgroup"), "v1")));
	ck_assert(json_is_true(json_object_get(json_object_get(lx, "cgroup"), "v2")));
	json_t *sc = json_object_get(lx, "seccomp");
	ck_assert(json_is_true(json_object_get(sc, "enabled")));
	ck_assert(has(json_object_get(sc, "actions"), "SCMP_ACT_ERRNO"));
	ck_assert(has(json_object_get(sc, "actions"), "SCMP_ACT_NOTIFY"));
	ck_assert(has(json_object_get(sc, "operators"), "SCMP_CMP_MASKED_EQ"));
	ck_assert(has(json_object_get(sc, "archs"), "SCMP_ARCH_X86_64"));
	ck_assert(json_is_true(json_object_get(json_object_get(lx, "apparmor"), "enabled")));
	ck_assert(json_is_false(json_object_get(json_object_get(lx, "selinux"), "enabled")));
	ck_assert(json_is_object(json_object_get(doc, "annotations")));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("features");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_versions_hooks);
	tcase_add_test(tc, test_mount_options);
	tcase_add_test(tc, test_linux);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
