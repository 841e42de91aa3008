/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure compile steps without a test file of their own: idmap (which maps,
 * direct write or newuidmap, setgroups denied) and sysctl (namespaced keys
 * only, the /proc/sys path of each, long keys refused rather than cut).
 */
#include <string.h>

#include "sbx/config.h"
#include "sbx/error.h"
#include "sbx/idmap.h"
#include "sbx/sysctl.h"
#include "unit.h"

static struct sbx_config *parse(const char *linux_json)
{
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };
	char buf[4096];

	snprintf(buf, sizeof(buf),
		 "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
		 "\"root\":{\"path\":\"/\"},\"linux\":%s}", linux_json);
	ck_assert_msg(sbx_config_parse(buf, strlen(buf), "config.json", &cfg, &err) == 0, "%s",
		      err.msg);
	return cfg;
}

/* ---- idmap ---- */

START_TEST(test_idmap_rootless_default)
{
	struct sbx_config *cfg = parse("{\"namespaces\":[{\"type\":\"user\"}]}");
	struct sbx_idmap_plan p;
	struct sbx_err err = { 0 };

	/* No maps, unprivileged: the caller becomes root, written directly
	 * (setgroups denied, the kernel's rule), no helper. */
	ck_assert_int_eq(sbx_idmap_compile(cfg, 1000, 1001, &p, &err), 0);
	ck_assert_uint_eq(p.n_uid, 1);
	ck_assert_uint_eq(p.n_gid, 1);
	ck_assert_uint_eq(p.uid[0].container_id, 0);
	ck_assert_uint_eq(p.uid[0].host_id, 1000);
	ck_assert_uint_eq(p.uid[0].size, 1);
	ck_assert_uint_eq(p.gid[0].host_id, 1001);
	ck_assert(p.deny_setgroups);
	ck_assert(!p.use_helpers);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_idmap_root_needs_maps)
{
	struct sbx_config *cfg = parse("{\"namespaces\":[{\"type\":\"user\"}]}");
	struct sbx_idmap_plan p;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_idmap_compile(cfg, 0, 0, &p, &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(err.msg, "linux.uidMappings: required when root"));
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_idmap_ranges)
{
	struct sbx_config *cfg = parse(
		"{\"namespaces\":[{\"type\":\"user\"}],"
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1},"
		"{\"containerID\":1,\"hostID\":200000,\"size\":65536}],"
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}");
	struct sbx_idmap_plan p;
	struct sbx_err err = { 0 };

	/* More than the caller's own id: only newuidmap may write it. */
	ck_assert_int_eq(sbx_idmap_compile(cfg, 1000, 1000, &p, &err), 0);
	ck_assert_uint_eq(p.n_uid, 2);
	ck_assert_uint_eq(p.uid[1].host_id, 200000);
	ck_assert_uint_eq(p.uid[1].size, 65536);
	ck_assert(p.use_helpers);
	ck_assert(!p.deny_setgroups);
	/* Root writes any map itself. */
	ck_assert_int_eq(sbx_idmap_compile(cfg, 0, 0, &p, &err), 0);
	ck_assert(!p.use_helpers);
	ck_assert(!p.deny_setgroups);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_idmap_one_side_only)
{
	struct sbx_config *cfg = parse(
		"{\"namespaces\":[{\"type\":\"user\"}],"
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}");
	struct sbx_idmap_plan p;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_idmap_compile(cfg, 1000, 1000, &p, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "uidMappings: required with linux.gidMappings"));
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_idmap_too_many)
{
	char json[8192];
	size_t o = 0;
	struct sbx_config *cfg;
	struct sbx_idmap_plan p;
	struct sbx_err err = { 0 };

	o += (size_t)snprintf(json + o, sizeof(json) - o,
			      "{\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[");
	for (int i = 0; i <= SBX_IDMAP_MAX; i++)
		o += (size_t)snprintf(json + o, sizeof(json) - o,
				      "%s{\"containerID\":%d,\"hostID\":%d,\"size\":1}", i ? "," : "",
				      i, 100000 + i);
	snprintf(json + o, sizeof(json) - o,
		 "],\"gidMappings\":[{\"containerID\":0,\"hostID\":0,\"size\":1}]}");
	{
		/* parse() has a smaller buffer */
		char buf[9000];
		snprintf(buf, sizeof(buf),
			 "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
			 "\"root\":{\"path\":\"/\"},\"linux\":%s}", json);
		cfg = NULL;
		ck_assert_msg(sbx_config_parse(buf, strlen(buf), "config.json", &cfg, &err) == 0,
			      "%s", err.msg);
	}
	ck_assert_int_eq(sbx_idmap_compile(cfg, 0, 0, &p, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 64 mappings"));
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG);
	sbx_config_free(cfg);
}
END_TEST

/* ---- sysctl ---- */

START_TEST(test_sysctl_paths)
{
	struct sbx_config *cfg = parse(
		"{\"namespaces\":[{\"type\":\"ipc\"},{\"type\":\"network\"}],"
		"\"sysctl\":{\"kernel.msgmax\":\"8192\",\"net/ipv4/conf/eth0.1/forwarding\":\"0\","
		"\"fs.mqueue.queues_max\":\"10\"}}");
	struct sbx_sysctl_plan p;
	struct sbx_err err = { 0 };
	bool seen[3] = { false };

	ck_assert_msg(sbx_sysctl_compile(cfg, &p, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(p.n, 3);
	for (size_t i = 0; i < p.n; i++) {
		if (!strcmp(p.e[i].key, "kernel.msgmax")) {
			ck_assert_str_eq(p.e[i].path, "/proc/sys/kernel/msgmax");
			ck_assert_str_eq(p.e[i].value, "8192");
			seen[0] = true;
		} else if (!strcmp(p.e[i].key, "net/ipv4/conf/eth0.1/forwarding")) {
			/* slash form: the dot stays part of the interface name */
			ck_assert_str_eq(p.e[i].path, "/proc/sys/net/ipv4/conf/eth0.1/forwarding");
			seen[1] = true;
		} else if (!strcmp(p.e[i].key, "fs.mqueue.queues_max")) {
			ck_assert_str_eq(p.e[i].path, "/proc/sys/fs/mqueue/queues_max");
			seen[2] = true;
		}
	}
	ck_assert(seen[0] && seen[1] && seen[2]);
	sbx_sysctl_plan_free(&p);
	ck_assert_uint_eq(p.n, 0);
	sbx_config_free(cfg);
}
END_TEST

static void sysctl_refused(const char *linux_json, const char *want)
{
	struct sbx_config *cfg = parse(linux_json);
	struct sbx_sysctl_plan p;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_sysctl_compile(cfg, &p, &err), -1);
	ck_assert_msg(strstr(err.msg, want) != NULL, "got \"%s\", want \"%s\"", err.msg, want);
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG);
	ck_assert_uint_eq(p.n, 0);
	sbx_config_free(cfg);
}

START_TEST(test_sysctl_refusals)
{
	/* host-wide */
	sysctl_refused("{\"namespaces\":[{\"type\":\"ipc\"}],\"sysctl\":{\"vm.swappiness\":\"1\"}}",
		       "is not namespaced");
	/* namespaced, but the container shares the host's */
	sysctl_refused("{\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}}", "requires a network namespace");
	/* walks out of /proc/sys */
	sysctl_refused("{\"namespaces\":[{\"type\":\"network\"}],\"sysctl\":{\"net..x\":\"1\"}}",
		       "invalid key");
	/* the OCI field owns the host name */
	sysctl_refused("{\"namespaces\":[{\"type\":\"uts\"}],\"sysctl\":{\"kernel.hostname\":\"x\"}}",
		       "conflicts with the OCI \"hostname\" field");
	/* a later refusal frees the entries compiled before it */
	sysctl_refused("{\"namespaces\":[{\"type\":\"ipc\"}],"
		       "\"sysctl\":{\"kernel.msgmax\":\"1\",\"kernel.panic\":\"1\"}}",
		       "is not namespaced");
}
END_TEST

START_TEST(test_sysctl_long_key_refused)
{
	char json[1024], key[SBX_SYSCTL_KEY_MAX + 16];

	/* Cutting it to the buffer would name another file: refuse. */
	memset(key, 'a', sizeof(key) - 1);
	memcpy(key, "net.", 4);
	key[sizeof(key) - 1] = '\0';
	snprintf(json, sizeof(json),
		 "{\"namespaces\":[{\"type\":\"network\"}],\"sysctl\":{\"%s\":\"1\"}}", key);
	sysctl_refused(json, "(too long)");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("compile");
	TCase *tc = tcase_create("compile");

	tcase_add_test(tc, test_idmap_rootless_default);
	tcase_add_test(tc, test_idmap_root_needs_maps);
	tcase_add_test(tc, test_idmap_ranges);
	tcase_add_test(tc, test_idmap_one_side_only);
	tcase_add_test(tc, test_idmap_too_many);
	tcase_add_test(tc, test_sysctl_paths);
	tcase_add_test(tc, test_sysctl_refusals);
	tcase_add_test(tc, test_sysctl_long_key_refused);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
