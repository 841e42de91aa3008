/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unit.h"
#include "sbx/apparmor.h"
#include "sbx/caps.h"
#include "sbx/config.h"
#include "sbx/features.h"
#include "sbx/mountopt.h"
#include "sbx/seccomp.h"

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
	/* Id-mapped bind mounts are implemented (issue 8). */
	ck_assert(has(m, "idmap"));
	ck_assert(has(m, "ridmap"));
	ck_assert(!has(m, "bogus"));
	/* filesystem data is not a runtime mount option (features.md) */
	ck_assert(!has(m, "acl"));
	ck_assert(!has(m, "idmap") || json_is_true(json_object_get(json_object_get(json_object_get(
		json_object_get(doc, "linux"), "mountExtensions"), "idmap"), "enabled")));
	{
		size_t i;
		json_t *v;
		json_array_foreach(m, i, v)
			ck_assert_msg(sbx_mountopt_recognized(json_string_value(v)), "%s",
				      json_string_value(v));
	}
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
	/* AppArmor: as the host has it (sbxrun refuses a profile elsewhere) */
	ck_assert(json_boolean_value(json_object_get(json_object_get(lx, "apparmor"), "enabled")) ==
		  sbx_apparmor_enabled());
	ck_assert(json_is_false(json_object_get(json_object_get(lx, "selinux"), "enabled")));
	ck_assert(json_is_false(json_object_get(json_object_get(lx, "intelRdt"), "enabled")));
	ck_assert(json_is_true(json_object_get(json_object_get(lx, "cgroup"), "rdma")));
	ck_assert(json_is_object(json_object_get(doc, "annotations")));
	/* This kernel (>= 5.12) has mount_setattr: idmap is reported on. */
	ck_assert(json_is_true(json_object_get(
		json_object_get(json_object_get(lx, "mountExtensions"), "idmap"), "enabled")));
}
END_TEST

/* Parse a config.json text; true if accepted. */
static bool parses(const char *text, struct sbx_config **out)
{
	struct sbx_err err;
	struct sbx_config *c = NULL;
	bool ok = sbx_config_parse(text, strlen(text), "config.json", &c, &err) == 0;

	if (out)
		*out = c;
	else
		sbx_config_free(c);
	return ok;
}

/* Every value listed is one the code accepts (issue 9 item 10): each
 * namespace, seccomp action, operator, architecture and flag goes through
 * the config parser and the seccomp compile step; each capability is
 * known; and what is not supported is refused. */
START_TEST(test_lists_match_the_code)
{
	json_t *lx = json_object_get(doc, "linux"), *sc = json_object_get(lx, "seccomp"), *v;
	char buf[1024];
	size_t i;

	json_array_foreach(json_object_get(lx, "namespaces"), i, v) {
		snprintf(buf, sizeof(buf), "{\"ociVersion\":\"1.2.0\",\"linux\":{\"namespaces\":"
			 "[{\"type\":\"%s\"}]}}", json_string_value(v));
		ck_assert_msg(parses(buf, NULL), "namespace %s", json_string_value(v));
	}
	json_array_foreach(json_object_get(lx, "capabilities"), i, v) {
		int c;
		ck_assert_int_eq(sbx_caps_classify(json_string_value(v), &c, NULL), SBX_CAPS_KNOWN);
	}
	json_array_foreach(json_object_get(sc, "actions"), i, v) {
		snprintf(buf, sizeof(buf), "{\"ociVersion\":\"1.2.0\",\"linux\":{\"seccomp\":"
			 "{\"defaultAction\":\"%s\"}}}", json_string_value(v));
		ck_assert_msg(parses(buf, NULL), "action %s", json_string_value(v));
	}
	json_array_foreach(json_object_get(sc, "operators"), i, v) {
		snprintf(buf, sizeof(buf), "{\"ociVersion\":\"1.2.0\",\"linux\":{\"seccomp\":"
			 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],"
			 "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"%s\"}]}]}}}",
			 json_string_value(v));
		ck_assert_msg(parses(buf, NULL), "operator %s", json_string_value(v));
	}
	json_array_foreach(json_object_get(sc, "archs"), i, v) {
		struct sbx_config *c;
		struct sbx_seccomp_plan plan;
		struct sbx_err err;
		snprintf(buf, sizeof(buf), "{\"ociVersion\":\"1.2.0\",\"linux\":{\"seccomp\":"
			 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"%s\"],"
			 "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\"}]}}}",
			 json_string_value(v));
		ck_assert(parses(buf, &c));
		ck_assert_msg(sbx_seccomp_compile(c->linux.seccomp, &plan, &err) == 0, "arch %s: %s",
			      json_string_value(v), err.msg);
		sbx_seccomp_plan_free(&plan);
		sbx_config_free(c);
	}
	json_array_foreach(json_object_get(sc, "supportedFlags"), i, v)
		ck_assert(sbx_seccomp_flag_supported(json_string_value(v)));
	ck_assert(!parses("{\"ociVersion\":\"1.2.0\",\"linux\":{\"intelRdt\":{\"closID\":\"x\"}}}", NULL));
	/* mountExtensions.idmap: what the parser does with mounts[].uidMappings */
	{
		bool idmap = json_boolean_value(json_object_get(json_object_get(
			json_object_get(lx, "mountExtensions"), "idmap"), "enabled"));
		ck_assert(idmap == parses("{\"ociVersion\":\"1.2.0\",\"mounts\":[{\"destination\":\"/m\","
			"\"source\":\"/m\",\"options\":[\"rbind\"],\"uidMappings\":[{\"containerID\":0,"
			"\"hostID\":1000,\"size\":1}],\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,"
			"\"size\":1}]}],\"linux\":{\"namespaces\":[{\"type\":\"user\"},{\"type\":\"mount\"}],"
			"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
			"\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}", NULL));
	}
}
END_TEST

START_TEST(test_annotations)
{
	json_t *u = json_object_get(doc, "potentiallyUnsafeConfigAnnotations");

	ck_assert_int_eq(json_array_size(u), 1);
	ck_assert(has(u, "run.sbx."));
	ck_assert(json_is_string(json_object_get(json_object_get(doc, "annotations"),
						 "io.github.sbxrun.linux.resources.devices")));
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
	tcase_add_test(tc, test_lists_match_the_code);
	tcase_add_test(tc, test_annotations);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
