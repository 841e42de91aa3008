/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launch checks of src/validate.c: each refusal, its message and its
 * kind (SBX_ERR_CONFIG), and that a good config passes.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sbx/config.h"
#include "sbx/error.h"
#include "sbx/validate.h"
#include "unit.h"

#define NS_USER "{\"type\":\"user\"}"
#define NS_UTS "{\"type\":\"uts\"}"

static struct sbx_config *parse(const char *json)
{
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"ociVersion\":\"1.0.2\",%s", json + 1);
	ck_assert_msg(sbx_config_parse(buf, strlen(buf), "config.json", &cfg, &err) == 0, "%s",
		      err.msg);
	/* sbx_config_load() joins root.path to the bundle; "/" exists */
	if (cfg->root.path)
		cfg->rootfs = sbx_arena_strdup(&cfg->arena, cfg->root.path);
	return cfg;
}

static void refused(const char *json, const struct sbx_validate_opts *o, const char *want)
{
	struct sbx_config *cfg = parse(json);
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_validate_launch(cfg, o, &err), -1);
	ck_assert_msg(strstr(err.msg, want) != NULL, "%s: got \"%s\", want \"%s\"", json, err.msg,
		      want);
	ck_assert_int_eq(err.kind, SBX_ERR_CONFIG);
	sbx_config_free(cfg);
}

static const struct sbx_validate_opts root_opts = { .euid = 0, .have_state_builder = true };

START_TEST(test_good)
{
	struct sbx_config *cfg = parse("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
				       "\"root\":{\"path\":\"/\"},\"hostname\":\"c\","
				       "\"linux\":{\"namespaces\":[" NS_USER "," NS_UTS "]}}");
	struct sbx_validate_opts o = { .euid = 1000, .have_state_builder = true };
	struct sbx_err err = { 0 };

	ck_assert_msg(sbx_validate_launch(cfg, &o, &err) == 0, "%s", err.msg);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_required)
{
	refused("{\"root\":{\"path\":\"/\"}}", &root_opts, "process: is required");
	refused("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}}", &root_opts,
		"root.path: is required");
}
END_TEST

START_TEST(test_console_socket_without_terminal)
{
	struct sbx_validate_opts o = root_opts;

	o.console_socket = "/tmp/x.sock";
	refused("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/\"}}", &o,
		"--console-socket /tmp/x.sock: process.terminal is false");
}
END_TEST

START_TEST(test_unprivileged_needs_userns)
{
	struct sbx_validate_opts o = { .euid = 1000, .have_state_builder = true };

	refused("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/\"}}", &o,
		"running as an unprivileged user needs a user namespace");
}
END_TEST

START_TEST(test_uts)
{
	refused("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/\"},"
		"\"hostname\":\"h\"}",
		&root_opts, "hostname: setting it requires a uts namespace");
	refused("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/\"},"
		"\"domainname\":\"d\"}",
		&root_opts, "domainname: setting it requires a uts namespace");
	/* joining our own uts namespace would rename the host */
	refused("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/\"},"
		"\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":\"uts\","
		"\"path\":\"/proc/self/ns/uts\"}]}}",
		&root_opts, "is the runtime's own");
}
END_TEST

START_TEST(test_rootfs)
{
	refused("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
		"\"root\":{\"path\":\"/nonexistent-rootfs\"}}",
		&root_opts, "invalid rootfs: stat /nonexistent-rootfs");
	refused("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/etc/passwd\"}}",
		&root_opts, "invalid rootfs: /etc/passwd");
}
END_TEST

START_TEST(test_mappings_need_new_userns)
{
	/* Maps without any user namespace are refused by the parser
	 * (config_linux.c); a joined user namespace has maps of its own. */
	refused("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/\"},"
		"\"linux\":{\"namespaces\":[{\"type\":\"user\",\"path\":\"/proc/self/ns/user\"}],"
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}",
		&root_opts, "linux.uidMappings: requires a new user namespace");
}
END_TEST

START_TEST(test_init_annotation)
{
	struct sbx_config *cfg = parse("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
				       "\"root\":{\"path\":\"/\"},"
				       "\"annotations\":{\"run.sbx.init\":\"true\"}}");
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_validate_launch(cfg, &root_opts, &err), 0);
	sbx_config_free(cfg);
	refused("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"/\"},"
		"\"annotations\":{\"run.sbx.init\":\"yes\"}}",
		&root_opts, "annotations.run.sbx.init: must be \"true\" or \"false\", got \"yes\"");
}
END_TEST

START_TEST(test_selinux_refused)
{
	refused("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"selinuxLabel\":\"x\"},"
		"\"root\":{\"path\":\"/\"}}",
		&root_opts, "process.selinuxLabel: SELinux is not supported");
}
END_TEST

/* The launcher must be given a state builder when there are hooks: a
 * programming error, not the config's (kind setup). */
START_TEST(test_hooks_need_state_builder)
{
	struct sbx_config *cfg = parse("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
				       "\"root\":{\"path\":\"/\"},"
				       "\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\"}]}}");
	struct sbx_validate_opts o = { .euid = 0 };
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_validate_launch(cfg, &o, &err), -1);
	ck_assert_int_eq(err.kind, SBX_ERR_SETUP);
	o.have_state_builder = true;
	ck_assert_int_eq(sbx_validate_launch(cfg, &o, &err), 0);
	sbx_config_free(cfg);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc = tcase_create("validate");

	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_required);
	tcase_add_test(tc, test_console_socket_without_terminal);
	tcase_add_test(tc, test_unprivileged_needs_userns);
	tcase_add_test(tc, test_uts);
	tcase_add_test(tc, test_rootfs);
	tcase_add_test(tc, test_mappings_need_new_userns);
	tcase_add_test(tc, test_init_annotation);
	tcase_add_test(tc, test_selinux_refused);
	tcase_add_test(tc, test_hooks_need_state_builder);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
