/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for `sbxrun check` (src/check*.c) and the JSON locator
 * (src/jsonloc.c).
 *
 * Per control: tests/fixtures/check/hardened.json passes every control;
 * each table row is a JSON merge patch (RFC 7386: null deletes) plus an
 * optional mount appended to mounts[], which must make that control FAIL
 * at the given level.  The hardened fixture is the passing fixture of
 * every control.
 */
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbx/check.h"
#include "sbx/config.h"
#include "sbx/jsonloc.h"
#include "sbx/util.h"
#include "unit.h"

/* RFC 7386 merge patch. */
static void merge_patch(json_t *target, json_t *patch)
{
	const char *k;
	json_t *v;

	json_object_foreach(patch, k, v) {
		json_t *t = json_object_get(target, k);
		if (json_is_null(v))
			json_object_del(target, k);
		else if (json_is_object(v) && json_is_object(t))
			merge_patch(t, v);
		else
			json_object_set(target, k, v);
	}
}

static char *hardened_with(const char *patch, const char *mount)
{
	json_error_t jerr;
	json_t *base = json_load_file(SBX_FIXTURE("check/hardened.json"), 0, &jerr);
	char *text;

	ck_assert_msg(base != NULL, "load hardened.json: %s", jerr.text);
	if (patch) {
		json_t *p = json_loads(patch, 0, &jerr);
		ck_assert_msg(p != NULL, "bad patch %s: %s", patch, jerr.text);
		merge_patch(base, p);
		json_decref(p);
	}
	if (mount) {
		json_t *m = json_loads(mount, 0, &jerr);
		ck_assert_msg(m != NULL, "bad mount %s: %s", mount, jerr.text);
		json_array_append_new(json_object_get(base, "mounts"), m);
	}
	text = json_dumps(base, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(base);
	return text;
}

static void check_text(const char *text, struct sbx_check_report *r)
{
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };

	if (sbx_config_parse(text, strlen(text), "config.json", &cfg, &err) < 0)
		ck_abort_msg("parse: %s\n%s", err.msg, text);
	cfg->bundle = sbx_arena_strdup(&cfg->arena, "/bundle");
	sbx_check_report_init(r);
	if (sbx_check_config(cfg, r, &err) < 0)
		ck_abort_msg("check: %s", err.msg);
	sbx_check_locate(r, text, strlen(text));
	sbx_config_free(cfg);
}

static const struct sbx_check_finding *find(const struct sbx_check_report *r, const char *id,
					    enum sbx_check_status st)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].control->id, id) && r->v[i].status == st)
			return &r->v[i];
	return NULL;
}

#define ALLCAPS                                                                              \
	"[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_DAC_READ_SEARCH\",\"CAP_FOWNER\",\"CAP_FSETID\"," \
	"\"CAP_KILL\",\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETPCAP\",\"CAP_LINUX_IMMUTABLE\","       \
	"\"CAP_NET_BIND_SERVICE\",\"CAP_NET_BROADCAST\",\"CAP_NET_ADMIN\",\"CAP_NET_RAW\","         \
	"\"CAP_IPC_LOCK\",\"CAP_IPC_OWNER\",\"CAP_SYS_MODULE\",\"CAP_SYS_RAWIO\",\"CAP_SYS_CHROOT\"," \
	"\"CAP_SYS_PTRACE\",\"CAP_SYS_PACCT\",\"CAP_SYS_ADMIN\",\"CAP_SYS_BOOT\",\"CAP_SYS_NICE\","  \
	"\"CAP_SYS_RESOURCE\",\"CAP_SYS_TIME\",\"CAP_SYS_TTY_CONFIG\",\"CAP_MKNOD\",\"CAP_LEASE\","  \
	"\"CAP_AUDIT_WRITE\",\"CAP_AUDIT_CONTROL\",\"CAP_SETFCAP\",\"CAP_MAC_OVERRIDE\","            \
	"\"CAP_MAC_ADMIN\",\"CAP_SYSLOG\",\"CAP_WAKE_ALARM\",\"CAP_BLOCK_SUSPEND\",\"CAP_AUDIT_READ\"]"
#define NS(...) "{\"linux\":{\"namespaces\":[" __VA_ARGS__ "]}}"
#define N(t) "{\"type\":\"" t "\"}"

static const struct {
	const char *id;
	const char *patch;
	const char *mount;
	enum sbx_check_level level;
	const char *path;   /* expected JSON path of the finding, NULL: any */
} cases[] = {
	{ "apparmor", "{\"process\":{\"apparmorProfile\":null}}", NULL, SBX_CHECK_LOW, "process" },
	{ "apparmor", "{\"process\":{\"apparmorProfile\":\"unconfined\"}}", NULL, SBX_CHECK_MEDIUM, "process.apparmorProfile" },
	{ "landlock", "{\"annotations\":null}", NULL, SBX_CHECK_LOW, NULL },
	{ "capabilities", "{\"process\":{\"capabilities\":{\"effective\":[\"CAP_SYS_ADMIN\"]}}}", NULL, SBX_CHECK_HIGH, "process.capabilities.effective[0]" },
	{ "capabilities", "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_SYS_NICE\"]}}}", NULL, SBX_CHECK_MEDIUM, "process.capabilities.bounding[1]" },
	{ "capabilities", "{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_NET_RAW\"]}}}", NULL, SBX_CHECK_LOW, "process.capabilities.bounding[0]" },
	{ "capabilities", "{\"process\":{\"capabilities\":{\"inheritable\":[\"CAP_KILL\"],\"ambient\":[\"CAP_KILL\"]}}}", NULL, SBX_CHECK_MEDIUM, "process.capabilities.ambient" },
	{ "privileged", "{\"process\":{\"capabilities\":{\"bounding\":" ALLCAPS "}}}", NULL, SBX_CHECK_HIGH, "process.capabilities.bounding" },
	{ "privileged", "{\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}}}", NULL, SBX_CHECK_HIGH, "linux.resources.devices[0]" },
	{ "no-new-privileges", "{\"process\":{\"noNewPrivileges\":false}}", NULL, SBX_CHECK_MEDIUM, "process.noNewPrivileges" },
	{ "root-user", "{\"process\":{\"user\":{\"uid\":0,\"gid\":0}}}", NULL, SBX_CHECK_LOW, "process.user.uid" },
	{ "root-user", "{\"process\":{\"user\":{\"uid\":0,\"gid\":0}},\"linux\":{\"uidMappings\":null,\"gidMappings\":null}}" , NULL, SBX_CHECK_LOW, NULL },
	{ "seccomp", "{\"linux\":{\"seccomp\":null}}", NULL, SBX_CHECK_HIGH, "linux" },
	{ "seccomp", "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}}}", NULL, SBX_CHECK_MEDIUM, "linux.seccomp.defaultAction" },
	{ "host-network", NS(N("pid") "," N("ipc") "," N("uts") "," N("mount") "," N("user")), NULL, SBX_CHECK_HIGH, "linux.namespaces" },
	{ "host-network", NS(N("pid") "," N("ipc") "," N("uts") "," N("mount") "," N("user") ",{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}"), NULL, SBX_CHECK_HIGH, "linux.namespaces[5]" },
	{ "host-pid", NS(N("network") "," N("ipc") "," N("uts") "," N("mount") "," N("user")), NULL, SBX_CHECK_HIGH, NULL },
	{ "host-ipc", NS(N("network") "," N("pid") "," N("uts") "," N("mount") "," N("user")), NULL, SBX_CHECK_MEDIUM, NULL },
	{ "host-uts", "{\"hostname\":null,\"linux\":{\"namespaces\":[" N("network") "," N("pid") "," N("ipc") "," N("mount") "," N("user") "]}}", NULL, SBX_CHECK_LOW, NULL },
	{ "host-userns", NS(N("network") "," N("pid") "," N("ipc") "," N("uts") "," N("mount") ",{\"type\":\"user\",\"path\":\"/proc/self/ns/user\"}"), NULL, SBX_CHECK_HIGH, "linux.namespaces[5]" },
	{ "userns", "{\"process\":{\"user\":{\"uid\":0,\"gid\":0}},\"linux\":{\"uidMappings\":null,\"gidMappings\":null,\"namespaces\":[" N("network") "," N("pid") "," N("ipc") "," N("uts") "," N("mount") "]}}", NULL, SBX_CHECK_MEDIUM, "linux.namespaces" },
	{ "userns", "{\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":0,\"size\":1}]}}", NULL, SBX_CHECK_HIGH, "linux.uidMappings[0]" },
	{ "readonly-root", "{\"root\":{\"readonly\":false}}", NULL, SBX_CHECK_MEDIUM, "root.readonly" },
	{ "sensitive-mounts", NULL, "{\"destination\":\"/host-etc\",\"type\":\"bind\",\"source\":\"/etc\",\"options\":[\"rbind\"]}", SBX_CHECK_HIGH, "mounts[8].source" },
	{ "sensitive-mounts", NULL, "{\"destination\":\"/host-etc\",\"type\":\"bind\",\"source\":\"/etc/\",\"options\":[\"rbind\",\"ro\"]}", SBX_CHECK_MEDIUM, "mounts[8].source" },
	{ "sensitive-mounts", NULL, "{\"destination\":\"/host\",\"type\":\"bind\",\"source\":\"/\",\"options\":[\"rbind\",\"ro\"]}", SBX_CHECK_HIGH, NULL },
	{ "sensitive-mounts", NULL, "{\"destination\":\"/sys/kernel/debug\",\"type\":\"debugfs\",\"source\":\"debugfs\"}", SBX_CHECK_HIGH, "mounts[8].type" },
	{ "runtime-socket", NULL, "{\"destination\":\"/var/run/docker.sock\",\"source\":\"/var/run/docker.sock\",\"options\":[\"bind\"]}", SBX_CHECK_HIGH, "mounts[8].source" },
	{ "mount-propagation", NULL, "{\"destination\":\"/data\",\"source\":\"/srv/data\",\"options\":[\"rbind\",\"rshared\"]}", SBX_CHECK_MEDIUM, "mounts[8].options" },
	{ "mount-propagation", "{\"linux\":{\"rootfsPropagation\":\"shared\"}}", NULL, SBX_CHECK_MEDIUM, "linux.rootfsPropagation" },
	{ "masked-paths", "{\"linux\":{\"maskedPaths\":[\"/proc/kcore\"]}}", NULL, SBX_CHECK_MEDIUM, "linux.maskedPaths" },
	{ "proc-sys-readonly", "{\"linux\":{\"readonlyPaths\":[\"/proc/bus\"]}}", NULL, SBX_CHECK_MEDIUM, "linux.readonlyPaths" },
	{ "proc-sys-readonly", NULL, "{\"destination\":\"/sys2\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\"]}", SBX_CHECK_MEDIUM, "mounts[8].options" },
	{ "tmpfs-size", NULL, "{\"destination\":\"/scratch\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"mode=1777\"]}", SBX_CHECK_LOW, "mounts[8].options" },
	{ "host-devices", "{\"linux\":{\"devices\":[{\"path\":\"/dev/sda\",\"type\":\"b\",\"major\":8,\"minor\":0}]}}", NULL, SBX_CHECK_HIGH, "linux.devices[0]" },
	{ "host-devices", "{\"linux\":{\"devices\":[{\"path\":\"/dev/kvm\",\"type\":\"c\",\"major\":10,\"minor\":232}]}}", NULL, SBX_CHECK_MEDIUM, "linux.devices[0]" },
	{ "host-devices", NULL, "{\"destination\":\"/dev/kvm\",\"source\":\"/dev/kvm\",\"options\":[\"bind\"]}", SBX_CHECK_MEDIUM, "mounts[8].source" },
	{ "memory-limit", "{\"linux\":{\"resources\":{\"memory\":null}}}", NULL, SBX_CHECK_LOW, NULL },
	{ "cpu-limit", "{\"linux\":{\"resources\":{\"cpu\":null}}}", NULL, SBX_CHECK_LOW, NULL },
	{ "pids-limit", "{\"linux\":{\"resources\":{\"pids\":null}}}", NULL, SBX_CHECK_LOW, NULL },
	{ "cgroup-parent", "{\"linux\":{\"cgroupsPath\":\"/custom/box\"}}", NULL, SBX_CHECK_LOW, "linux.cgroupsPath" },
	{ "sshd", "{\"process\":{\"args\":[\"/usr/sbin/sshd\",\"-D\"]}}", NULL, SBX_CHECK_MEDIUM, "process.args[0]" },
	{ "sshd", "{\"process\":{\"args\":[\"sh\",\"-c\",\"dropbear -F\"]}}", NULL, SBX_CHECK_MEDIUM, "process.args[2]" },
	{ "env-secrets", "{\"process\":{\"env\":[\"PATH=/bin\",\"DB_PASSWORD=hunter2\"]}}", NULL, SBX_CHECK_MEDIUM, "process.env[1]" },
	{ "env-secrets", "{\"process\":{\"env\":[\"AWS_SECRET_ACCESS_KEY=x\"]}}", NULL, SBX_CHECK_MEDIUM, "process.env[0]" },
	{ "env-secrets", "{\"process\":{\"env\":[\"API_KEY=x\"]}}", NULL, SBX_CHECK_MEDIUM, "process.env[0]" },
	{ "privileged-ports", "{\"annotations\":{\"run.sbx.net.mode\":\"bridge\",\"run.sbx.net.publish\":\"127.0.0.1:80:80\"}}", NULL, SBX_CHECK_LOW, "annotations[\"run.sbx.net.publish\"]" },
	{ "host-interface", "{\"annotations\":{\"run.sbx.net.mode\":\"bridge\",\"run.sbx.net.publish\":\"8080:80/tcp\"}}", NULL, SBX_CHECK_LOW, "annotations[\"run.sbx.net.publish\"]" },
};

/* Every control that can FAIL in bundle mode has a row above. */
START_TEST(test_every_control_has_a_case)
{
	size_t n;
	const struct sbx_check_control *c = sbx_check_controls(&n);

	for (size_t i = 0; i < n; i++) {
		bool found = false;
		if (!strncmp(c[i].id, "drift-", 6) || !strcmp(c[i].id, "selinux"))
			continue; /* drift: live mode; selinux: never applicable */
		for (size_t k = 0; k < SBX_ARRAY_SIZE(cases); k++)
			found |= !strcmp(cases[k].id, c[i].id);
		ck_assert_msg(found, "control %s has no triggering fixture", c[i].id);
	}
}
END_TEST

START_TEST(test_hardened_passes_everything)
{
	_sbx_cleanup_free_ char *text = hardened_with(NULL, NULL);
	struct sbx_check_report r;
	size_t n;
	const struct sbx_check_control *c = sbx_check_controls(&n);

	check_text(text, &r);
	for (size_t i = 0; i < r.n; i++)
		ck_assert_msg(r.v[i].status != SBX_CHECK_FAIL, "hardened fixture fails %s: %s",
			      r.v[i].control->id, r.v[i].message);
	for (size_t i = 0; i < n; i++) {
		if (!strncmp(c[i].id, "drift-", 6))
			continue;
		ck_assert_msg(find(&r, c[i].id, SBX_CHECK_PASS) || find(&r, c[i].id, SBX_CHECK_SKIP),
			      "control %s reports nothing on the hardened fixture", c[i].id);
	}
	ck_assert_ptr_nonnull(find(&r, "selinux", SBX_CHECK_SKIP));
	ck_assert_int_eq(sbx_check_exit_status(&r, SBX_CHECK_LOW), 0);
	sbx_check_report_free(&r);
}
END_TEST

START_TEST(test_control_triggers)
{
	_sbx_cleanup_free_ char *text = hardened_with(cases[_i].patch, cases[_i].mount);
	struct sbx_check_report r;
	const struct sbx_check_finding *f;

	check_text(text, &r);
	f = find(&r, cases[_i].id, SBX_CHECK_FAIL);
	ck_assert_msg(f != NULL, "case %d: control %s did not fail", _i, cases[_i].id);
	ck_assert_msg(f->level == cases[_i].level, "case %d (%s): level %s, want %s", _i,
		      cases[_i].id, sbx_check_level_name(f->level), sbx_check_level_name(cases[_i].level));
	ck_assert_msg(f->attack && *f->attack && f->fix && *f->fix, "case %d: attack and fix", _i);
	if (cases[_i].path)
		ck_assert_msg(f->path && !strcmp(f->path, cases[_i].path), "case %d (%s): path %s, want %s",
			      _i, cases[_i].id, f->path ? f->path : "(null)", cases[_i].path);
	if (f->path)
		ck_assert_msg(f->line > 0 && f->column > 0, "case %d: located", _i);
	ck_assert_int_eq(sbx_check_exit_status(&r, cases[_i].level), 1);
	/* A secret's value never appears in any output format. */
	{
		struct sbx_check_format_opts fo = { .fail_on = SBX_CHECK_HIGH };
		char *docs[3] = { sbx_check_format_text(&r, &fo), sbx_check_format_json(&r, &fo),
				  sbx_check_format_sarif(&r, &fo) };
		for (int k = 0; k < 3; k++) {
			ck_assert_ptr_null(strstr(docs[k], "hunter2"));
			free(docs[k]);
		}
	}
	sbx_check_report_free(&r);
}
END_TEST

START_TEST(test_pids_rlimit_in_userns)
{
	_sbx_cleanup_free_ char *text = hardened_with(
		"{\"linux\":{\"resources\":{\"pids\":null}},\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NPROC\",\"soft\":64,\"hard\":64}]}}",
		NULL);
	struct sbx_check_report r;

	check_text(text, &r);
	ck_assert_ptr_nonnull(find(&r, "pids-limit", SBX_CHECK_PASS));
	ck_assert_ptr_null(find(&r, "pids-limit", SBX_CHECK_FAIL));
	sbx_check_report_free(&r);
}
END_TEST

/* 5.8 and 5.14 judge the typed network model (cfg->net), the one the
 * network module publishes from, never the annotation's text. */
START_TEST(test_ports_from_typed_model)
{
	_sbx_cleanup_free_ char *text = hardened_with(
		"{\"annotations\":{\"run.sbx.net.mode\":\"bridge\","
		"\"run.sbx.net.publish\":\"127.0.0.1:8080:80,53:5353/udp\"}}", NULL);
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };
	struct sbx_check_report r;
	const struct sbx_check_finding *f;
	size_t n;

	check_text(text, &r);
	f = find(&r, "privileged-ports", SBX_CHECK_FAIL);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->message, "host port 53/udp (container port 5353) is published");
	ck_assert_str_eq(f->path, "annotations[\"run.sbx.net.publish\"]");
	f = find(&r, "host-interface", SBX_CHECK_FAIL);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->message, "host port 53/udp is published on every host address");
	n = 0;
	for (size_t i = 0; i < r.n; i++)
		n += !strcmp(r.v[i].control->id, "host-interface") && r.v[i].status == SBX_CHECK_FAIL;
	ck_assert_uint_eq(n, 1); /* 127.0.0.1:8080 names its address */
	sbx_check_report_free(&r);

	/* The model alone decides: the same text with the model emptied
	 * passes, and a model entry with no annotation text fails. */
	ck_assert_int_eq(sbx_config_parse(text, strlen(text), "config.json", &cfg, &err), 0);
	cfg->bundle = sbx_arena_strdup(&cfg->arena, "/bundle");
	cfg->net.n_publish = 0;
	sbx_check_report_init(&r);
	ck_assert_int_eq(sbx_check_config(cfg, &r, &err), 0);
	ck_assert_ptr_null(find(&r, "privileged-ports", SBX_CHECK_FAIL));
	ck_assert_ptr_null(find(&r, "host-interface", SBX_CHECK_FAIL));
	sbx_check_report_free(&r);
	for (size_t i = 0; i < cfg->n_annotations; i++)
		if (!strcmp(cfg->annotations[i].key, "run.sbx.net.publish"))
			cfg->annotations[i].value = sbx_arena_strdup(&cfg->arena, "");
	cfg->net.n_publish = 1;
	cfg->net.publish[0] = (struct sbx_publish){ .host_ip = 0, .host_port = 443, .port = 8443,
						    .proto = IPPROTO_TCP };
	sbx_check_report_init(&r);
	ck_assert_int_eq(sbx_check_config(cfg, &r, &err), 0);
	f = find(&r, "privileged-ports", SBX_CHECK_FAIL);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->message, "host port 443/tcp (container port 8443) is published");
	ck_assert_ptr_nonnull(find(&r, "host-interface", SBX_CHECK_FAIL));
	sbx_check_report_free(&r);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_default_specs)
{
	/* root's default (user namespace from the pool), --no-userns's, and
	 * --rootless's */
	for (int v = 0; v < 3; v++) {
		_sbx_cleanup_free_ char *text = sbx_config_default_spec_full(v == 2, v == 0, NULL, false, NULL, 0);
		struct sbx_check_report r;

		check_text(text, &r);
		for (size_t i = 0; i < r.n; i++) {
			const struct sbx_check_finding *f = &r.v[i];
			bool userns_ctl = !strcmp(f->control->id, "userns") || !strcmp(f->control->id, "root-user");
			/* --no-userns is the opt-out: root in the container is
			 * host root, which check must say (medium).  A rootless
			 * spec made by root (this test) maps container root to
			 * host root: high. */
			if (f->status == SBX_CHECK_FAIL && f->level >= SBX_CHECK_MEDIUM && !(v != 0 && userns_ctl))
				ck_abort_msg("default spec (%s) fails %s at %s: %s",
					     v == 0 ? "root" : v == 1 ? "--no-userns" : "--rootless", f->control->id,
					     sbx_check_level_name(f->level), f->message);
		}
		if (v == 1)
			ck_assert_ptr_nonnull(find(&r, "userns", SBX_CHECK_FAIL));
		if (v == 0)
			ck_assert_ptr_nonnull(strstr(find(&r, "userns", SBX_CHECK_PASS)->message,
						     "the rootfs is id-mapped (run.sbx.userns=auto)"));
		sbx_check_report_free(&r);
	}
}
END_TEST

START_TEST(test_bad_mount_option_is_config_error)
{
	_sbx_cleanup_free_ char *text = hardened_with(NULL,
		/* A bare unknown word on a bind mount (on a filesystem mount
		 * it is data for the filesystem, checked by the kernel). */
		"{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"rbind\",\"bogus-flag\"]}");
	struct sbx_config *cfg = NULL;
	struct sbx_check_report r;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_config_parse(text, strlen(text), "config.json", &cfg, &err), 0);
	sbx_check_report_init(&r);
	ck_assert_int_eq(sbx_check_config(cfg, &r, &err), -1);
	ck_assert_msg(strstr(err.msg, "mounts[8].options"), "%s", err.msg);
	sbx_check_report_free(&r);
	sbx_config_free(cfg);
}
END_TEST

/* ------------------------------------------------------------------ */
/* output formats                                                      */

START_TEST(test_json_format)
{
	_sbx_cleanup_free_ char *text = hardened_with("{\"root\":{\"readonly\":false}}", NULL);
	struct sbx_check_report r;
	struct sbx_check_format_opts fo = { .fail_on = SBX_CHECK_MEDIUM };
	_sbx_cleanup_free_ char *out = NULL;
	json_error_t jerr;
	json_t *j, *f;
	size_t i;
	bool seen = false;

	check_text(text, &r);
	r.bundle = sbx_check_strdup(&r, "/bundle");
	r.target = r.bundle;
	out = sbx_check_format_json(&r, &fo);
	j = json_loads(out, 0, &jerr);
	ck_assert_msg(j != NULL, "%s", jerr.text);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "schemaVersion")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(j, "mode")), "bundle");
	ck_assert_str_eq(json_string_value(json_object_get(j, "result")), "fail");
	ck_assert_str_eq(json_string_value(json_object_get(j, "failOn")), "medium");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "summary"), "medium")), 1);
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		static const char *const keys[] = { "id", "cis", "layer", "title", "status", "level",
						    "source", "path", "line", "column", "live",
						    "message", "attack", "fix", "blocks", "doc" };
		for (size_t k = 0; k < SBX_ARRAY_SIZE(keys); k++)
			ck_assert_msg(json_object_get(f, keys[k]) != NULL, "finding %zu lacks %s", i, keys[k]);
		ck_assert_int_eq(json_object_size(f), SBX_ARRAY_SIZE(keys));
		if (!strcmp(json_string_value(json_object_get(f, "id")), "readonly-root")) {
			ck_assert_str_eq(json_string_value(json_object_get(f, "status")), "fail");
			ck_assert_str_eq(json_string_value(json_object_get(f, "level")), "medium");
			ck_assert_str_eq(json_string_value(json_object_get(f, "cis")), "5.13");
			ck_assert_str_eq(json_string_value(json_object_get(f, "path")), "root.readonly");
			ck_assert_int_gt(json_integer_value(json_object_get(f, "line")), 1);
			seen = true;
		}
	}
	ck_assert(seen);
	json_decref(j);
	sbx_check_report_free(&r);
}
END_TEST

START_TEST(test_sarif_format)
{
	_sbx_cleanup_free_ char *text = hardened_with("{\"linux\":{\"seccomp\":null}}", NULL);
	struct sbx_check_report r;
	struct sbx_check_format_opts fo = { .fail_on = SBX_CHECK_HIGH };
	_sbx_cleanup_free_ char *out = NULL;
	json_error_t jerr;
	json_t *j, *run, *res;

	check_text(text, &r);
	r.bundle = sbx_check_strdup(&r, "/my bundle");
	out = sbx_check_format_sarif(&r, &fo);
	j = json_loads(out, 0, &jerr);
	ck_assert_msg(j != NULL, "%s", jerr.text);
	ck_assert_str_eq(json_string_value(json_object_get(j, "version")), "2.1.0");
	run = json_array_get(json_object_get(j, "runs"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(run,
			 "originalUriBaseIds"), "BUNDLE"), "uri")), "file:///my%20bundle/");
	ck_assert_int_eq(json_array_size(json_object_get(run, "results")), 1);
	res = json_array_get(json_object_get(run, "results"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(res, "ruleId")), "seccomp");
	ck_assert_str_eq(json_string_value(json_object_get(res, "level")), "error");
	{
		json_t *reg = json_object_get(json_object_get(json_array_get(json_object_get(res,
				"locations"), 0), "physicalLocation"), "region");
		ck_assert_int_gt(json_integer_value(json_object_get(reg, "startLine")), 1);
		ck_assert_int_ge(json_integer_value(json_object_get(reg, "endLine")),
				 json_integer_value(json_object_get(reg, "startLine")));
	}
	json_decref(j);
	sbx_check_report_free(&r);
}
END_TEST

START_TEST(test_text_colour_only_when_asked)
{
	_sbx_cleanup_free_ char *text = hardened_with("{\"root\":{\"readonly\":false}}", NULL);
	struct sbx_check_report r;
	struct sbx_check_format_opts plain = { .fail_on = SBX_CHECK_HIGH }, col = plain;
	char *a, *b;

	col.color = true;
	check_text(text, &r);
	r.target = sbx_check_strdup(&r, "/bundle");
	a = sbx_check_format_text(&r, &plain);
	b = sbx_check_format_text(&r, &col);
	ck_assert_ptr_null(strchr(a, '\033'));
	ck_assert_ptr_nonnull(strchr(b, '\033'));
	ck_assert_ptr_nonnull(strstr(a, "FAIL medium readonly-root (CIS 5.13)"));
	ck_assert_ptr_nonnull(strstr(a, "blocks: "));
	ck_assert_ptr_nonnull(strstr(a, "\nFilesystem\n"));
	free(a);
	free(b);
	sbx_check_report_free(&r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* locator                                                             */

static void loc_eq(const char *text, const char *path, int ret, unsigned line, unsigned col)
{
	struct sbx_jsonloc l;
	int r = sbx_jsonloc_find(text, strlen(text), path, &l);

	ck_assert_msg(r == ret && l.line == line && l.column == col,
		      "%s: got %d %u:%u, want %d %u:%u", path, r, l.line, l.column, ret, line, col);
}

START_TEST(test_jsonloc)
{
	static const char t[] =
		"{\n"
		"  \"a\": {\"b\": [10, {\"c\": \"x\"}, [1, 2]]},\n"
		"  \"dup\": 1, \"dup\": {\"k\": true},\n"
		"  \"ann\": {\"run.sbx.x\": \"v\", \"q\\\"uote\": 1, \"\\u00e9t\\u00e9\": 2},\n"
		"  \"\xc3\xa9\": \"\xc3\xa9\", \"z\": null\n"
		"}\n";

	loc_eq(t, "", 0, 1, 1);
	loc_eq(t, "a", 0, 2, 3);
	loc_eq(t, "a.b", 0, 2, 9);
	loc_eq(t, "a.b[0]", 0, 2, 15);
	loc_eq(t, "a.b[1].c", 0, 2, 20);
	loc_eq(t, "a.b[2][1]", 0, 2, 35);
	loc_eq(t, "dup.k", 0, 3, 21);              /* the last duplicate wins */
	loc_eq(t, "ann[\"run.sbx.x\"]", 0, 4, 11);
	loc_eq(t, "ann[\"q\\\"uote\"]", 0, 4, 29);
	loc_eq(t, "ann[\"\xc3\xa9t\xc3\xa9\"]", 0, 4, 43);
	loc_eq(t, "z", 0, 5, 13);                  /* columns count code points */
	loc_eq(t, "a.b[9]", 1, 2, 9);              /* missing: nearest ancestor */
	loc_eq(t, "a.nope.x", 1, 2, 3);
	loc_eq(t, "nope", -1, 1, 1);
	loc_eq(t, "a..b[", 1, 2, 3);               /* bad path syntax: stop there */
	{
		struct sbx_jsonloc l;
		sbx_jsonloc_find(t, strlen(t), "a.b[1]", &l);
		ck_assert_uint_eq(l.end_line, 2);
		ck_assert_uint_eq(l.end_column, 29);
	}
}
END_TEST

START_TEST(test_jsonloc_hostile)
{
	/* Truncated, unbalanced and deep input: no crash, no overread. */
	static const char *const bad[] = { "", "{", "{\"a\"", "{\"a\":", "{\"a\": [", "[[[[[[",
					   "{\"a\": \"\\", "\"str", "{\"a\": {\"b\": ]}}", "}}}}",
					   "{\"a\":1,,}", "{\"\\u12\":1}", "{\"\\uD800\":1}" };
	struct sbx_jsonloc l;
	char *deep = sbx_xmalloc(200001);

	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		char *copy = sbx_xstrdup(bad[i]); /* exact length for ASan */
		sbx_jsonloc_find(copy, strlen(copy), "a.b[0].c", &l);
		sbx_jsonloc_find(copy, strlen(copy), "a", &l);
		free(copy);
	}
	memset(deep, '[', 200000);
	deep[200000] = '\0';
	sbx_jsonloc_find(deep, 200000, "[0][0][0]", &l);
	memcpy(deep, "{\"a\":", 5);
	sbx_jsonloc_find(deep, 200000, "a[0][1]", &l);
	free(deep);
	{
		char buf[64];
		ck_assert_str_eq(sbx_jsonloc_member(buf, sizeof(buf), "annotations", "run.sbx.x"),
				 "annotations[\"run.sbx.x\"]");
		ck_assert_str_eq(sbx_jsonloc_member(buf, sizeof(buf), "process", "env"), "process.env");
		ck_assert_str_eq(sbx_jsonloc_member(buf, sizeof(buf), "", "a\"b"), "[\"a\\\"b\"]");
	}
}
END_TEST


/* ------------------------------------------------------------------ */
/* live mode: the pure parts                                           */

START_TEST(test_parse_status)
{
	static const char st[] = "Name:\tsleep\nUid:\t1001\t1001\t1001\t1001\nCapInh:\t0000000000000000\n"
				 "CapPrm:\t00000000000405fb\nCapEff:\t00000000000405fb\nCapBnd:\t00000000002405fb\n"
				 "CapAmb:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n";
	struct sbx_check_proc p;

	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(sbx_check_parse_status(st, &p), 0);
	ck_assert_str_eq(p.comm, "sleep");
	ck_assert_uint_eq(p.cap_bnd, 0x2405fb);
	ck_assert_uint_eq(p.cap_eff, 0x405fb);
	ck_assert_int_eq(p.nnp, 1);
	ck_assert_int_eq(p.seccomp, 2);
	ck_assert_int_eq(p.seccomp_filters, 1);
	ck_assert_int_eq(p.uid, 1001);
	ck_assert_int_eq(sbx_check_parse_status("Name:\tx\n", &p), -1);
}
END_TEST

START_TEST(test_host_path)
{
	static const char mi[] =
		"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
		"30 22 8:2 / /home rw shared:2 - ext4 /dev/sda2 rw\n"
		"40 22 0:5 / /dev rw - devtmpfs udev rw\n"
		"41 22 8:1 /var/lib/x /srv/x rw - ext4 /dev/sda1 rw\n";
	char *p;

	ck_assert_str_eq((p = sbx_check_host_path(mi, 8, 1, "/etc")), "/etc");
	free(p);
	ck_assert_str_eq((p = sbx_check_host_path(mi, 8, 2, "/u/b/rootfs")), "/home/u/b/rootfs");
	free(p);
	ck_assert_str_eq((p = sbx_check_host_path(mi, 0, 5, "/")), "/dev");
	free(p);
	ck_assert_str_eq((p = sbx_check_host_path(mi, 8, 1, "/var/lib/x/y")), "/srv/x/y");
	free(p);
	ck_assert_ptr_null(sbx_check_host_path(mi, 0, 99, "/"));
}
END_TEST

/* A live snapshot that matches the hardened fixture exactly. */
static void matching_live(struct sbx_check_live *l, struct sbx_check_proc *p)
{
	static struct sbx_check_live_mount root = { .dest = "/", .fstype = "ext4", .readonly = true };
	uint64_t def = 0x405fb; /* the default set: CHOWN .. NET_BIND_SERVICE, SYS_CHROOT */

	memset(l, 0, sizeof(*l));
	memset(p, 0, sizeof(*p));
	p->pid = 42;
	snprintf(p->comm, sizeof(p->comm), "sh");
	p->have_status = true;
	p->cap_bnd = p->cap_eff = p->cap_prm = def;
	p->nnp = 1;
	p->seccomp = 2;
	p->seccomp_filters = 1;
	p->uid = 101000;
	l->pid = 42;
	l->procs = p;
	l->n_procs = 1;
	l->apparmor = "sbxrun-default (enforce)";
	l->uid_map = "0 100000 65536\n";
	l->gid_map = "0 100000 65536\n";
	for (int t = 0; t < SBX_NS_COUNT; t++)
		l->ns[t] = SBX_NS_OWN;
	l->mounts = &root;
	l->n_mounts = 1;
	l->have_mounts = true;
	l->root_readonly = true;
	l->have_cgroup = true;
	l->cgroup_path = "/sys/fs/cgroup/sbx-x";
	l->has_memory_max = l->has_pids_max = l->has_cpu_weight = true;
	l->memory_max = 268435456;
	l->pids_max = 256;
	l->cpu_weight = 59; /* shares 512 */
	l->landlock_abi = 4;
}

static void live_eval_patched(const struct sbx_check_live *l, const char *patch,
			      struct sbx_check_report *r)
{
	_sbx_cleanup_free_ char *text = hardened_with(patch, NULL);
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_config_parse(text, strlen(text), "config.json", &cfg, &err), 0);
	sbx_check_report_init(r);
	if (sbx_check_live_evaluate(cfg, l, 1000, 1000, r, &err) < 0)
		ck_abort_msg("evaluate: %s", err.msg);
	sbx_config_free(cfg);
}

static void live_eval(const struct sbx_check_live *l, struct sbx_check_report *r)
{
	live_eval_patched(l, NULL, r);
}

START_TEST(test_live_matching)
{
	struct sbx_check_live l;
	struct sbx_check_proc p;
	struct sbx_check_report r;

	matching_live(&l, &p);
	live_eval(&l, &r);
	for (size_t i = 0; i < r.n; i++)
		ck_assert_msg(r.v[i].status != SBX_CHECK_FAIL, "%s fails: %s", r.v[i].control->id,
			      r.v[i].message);
	ck_assert_ptr_nonnull(find(&r, "drift-capabilities", SBX_CHECK_PASS));
	sbx_check_report_free(&r);
}
END_TEST

START_TEST(test_live_drift)
{
	struct sbx_check_live l;
	struct sbx_check_proc p;
	struct sbx_check_report r;
	const struct sbx_check_finding *f;

	/* less than the config: low */
	matching_live(&l, &p);
	p.cap_bnd &= ~(UINT64_C(1) << 5); /* CAP_KILL */
	live_eval(&l, &r);
	f = find(&r, "drift-capabilities", SBX_CHECK_FAIL);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->level, SBX_CHECK_LOW);
	ck_assert_ptr_nonnull(strstr(f->message, "CAP_KILL"));
	ck_assert_str_eq(f->live, "/proc/42/status: CapBnd");
	sbx_check_report_free(&r);

	/* more than the config, and weaker kernel state: high */
	matching_live(&l, &p);
	p.cap_eff |= UINT64_C(1) << 21; /* CAP_SYS_ADMIN */
	p.nnp = 0;
	p.seccomp = 0;
	l.root_readonly = false;
	l.ns[SBX_NS_PID] = SBX_NS_HOST;
	l.apparmor = "unconfined";
	l.pids_max = UINT64_MAX;
	l.uid_map = "0 0 4294967295\n";
	live_eval(&l, &r);
	{
		static const char *const ids[] = { "drift-capabilities", "drift-no-new-privileges",
						   "drift-seccomp", "drift-readonly-root", "drift-namespaces",
						   "drift-apparmor", "drift-resources", "drift-idmap" };
		for (size_t i = 0; i < SBX_ARRAY_SIZE(ids); i++) {
			enum sbx_check_level want = !strcmp(ids[i], "drift-idmap") ? SBX_CHECK_MEDIUM : SBX_CHECK_HIGH;
			f = find(&r, ids[i], SBX_CHECK_FAIL);
			ck_assert_msg(f != NULL, "%s not reported", ids[i]);
			ck_assert_msg(f->level == want, "%s level %s", ids[i], sbx_check_level_name(f->level));
		}
	}
	ck_assert_ptr_nonnull(find(&r, "host-pid", SBX_CHECK_FAIL));
	ck_assert_ptr_nonnull(find(&r, "userns", SBX_CHECK_FAIL));
	ck_assert_ptr_nonnull(find(&r, "capabilities", SBX_CHECK_FAIL));
	ck_assert_int_eq(sbx_check_exit_status(&r, SBX_CHECK_HIGH), 1);
	sbx_check_report_free(&r);
}
END_TEST

/* gid_map is a source of its own: compared with linux.gidMappings, and
 * host gid 0 inside the container is reported. */
START_TEST(test_live_gid_map)
{
	struct sbx_check_live l;
	struct sbx_check_proc p;
	struct sbx_check_report r;
	const struct sbx_check_finding *f;

	matching_live(&l, &p);
	live_eval(&l, &r);
	f = find(&r, "drift-idmap", SBX_CHECK_PASS);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->message, "uid_map and gid_map match the config");
	sbx_check_report_free(&r);

	matching_live(&l, &p);
	l.gid_map = "0 200000 65536\n";
	live_eval(&l, &r);
	f = find(&r, "drift-idmap", SBX_CHECK_FAIL);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->level, SBX_CHECK_MEDIUM);
	ck_assert_str_eq(f->message, "gid_map differs from the config (first line: 0 200000 65536)");
	ck_assert_str_eq(f->live, "/proc/42/gid_map");
	ck_assert_ptr_null(find(&r, "drift-idmap", SBX_CHECK_PASS));
	ck_assert_ptr_nonnull(find(&r, "userns", SBX_CHECK_PASS));
	sbx_check_report_free(&r);

	matching_live(&l, &p);
	l.gid_map = "0 0 1\n1 100001 65535\n";
	live_eval(&l, &r);
	f = find(&r, "userns", SBX_CHECK_FAIL);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->level, SBX_CHECK_HIGH);
	ck_assert_str_eq(f->message, "host gid 0 is mapped into the container");
	ck_assert_str_eq(f->live, "/proc/42/gid_map");
	sbx_check_report_free(&r);
}
END_TEST

/* run.sbx.userns=auto (root's default): the config has no map; the one
 * to expect is the pool block that the state records. */
START_TEST(test_live_userns_pool)
{
	static const char *const patch =
		"{\"linux\":{\"uidMappings\":null,\"gidMappings\":null},\"annotations\":{\"run.sbx.userns\":\"auto\"}}";
	struct sbx_check_live l;
	struct sbx_check_proc p;
	struct sbx_check_report r;
	const struct sbx_check_finding *f;

	matching_live(&l, &p);
	l.pool_expected = l.has_pool_map = true;
	l.pool_block = 3;
	l.pool_uid = l.pool_gid = 100000;
	l.pool_size = 65536;
	l.root_idmapped = true;
	live_eval_patched(&l, patch, &r);
	f = find(&r, "drift-idmap", SBX_CHECK_PASS);
	ck_assert_msg(f != NULL, "drift-idmap does not pass: %s",
		      find(&r, "drift-idmap", SBX_CHECK_FAIL) ? find(&r, "drift-idmap", SBX_CHECK_FAIL)->message : "-");
	ck_assert_str_eq(f->message, "uid_map and gid_map are block 3 of the user namespace pool (run.sbx.userns=auto): 0 100000 65536, 0 100000 65536");
	f = find(&r, "userns", SBX_CHECK_PASS);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->message, "user namespace; container uid 0 is host uid 100000 (a block of the sbxrun user's subordinate ids); the rootfs is id-mapped");
	sbx_check_report_free(&r);

	/* another block than the recorded one */
	l.uid_map = "0 165536 65536\n";
	live_eval_patched(&l, patch, &r);
	f = find(&r, "drift-idmap", SBX_CHECK_FAIL);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->level, SBX_CHECK_MEDIUM);
	ck_assert_str_eq(f->message, "uid_map differs from block 3 of the user namespace pool (first line: 0 165536 65536)");
	ck_assert_ptr_null(find(&r, "drift-idmap", SBX_CHECK_PASS));
	sbx_check_report_free(&r);
	l.uid_map = "0 100000 65536\n";
	l.gid_map = "0 165536 65536\n";
	live_eval_patched(&l, patch, &r);
	f = find(&r, "drift-idmap", SBX_CHECK_FAIL);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->message, "gid_map differs from block 3 of the user namespace pool (first line: 0 165536 65536)");
	sbx_check_report_free(&r);

	/* the pool files no longer describe the block: no verdict */
	l.gid_map = "0 100000 65536\n";
	l.has_pool_map = false;
	live_eval_patched(&l, patch, &r);
	ck_assert_ptr_nonnull(find(&r, "drift-idmap", SBX_CHECK_SKIP));
	ck_assert_ptr_null(find(&r, "drift-idmap", SBX_CHECK_FAIL));
	sbx_check_report_free(&r);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("check");
	TCase *tc = tcase_create("check");

	tcase_add_test(tc, test_every_control_has_a_case);
	tcase_add_test(tc, test_hardened_passes_everything);
	tcase_add_loop_test(tc, test_control_triggers, 0, (int)SBX_ARRAY_SIZE(cases));
	tcase_add_test(tc, test_pids_rlimit_in_userns);
	tcase_add_test(tc, test_ports_from_typed_model);
	tcase_add_test(tc, test_default_specs);
	tcase_add_test(tc, test_bad_mount_option_is_config_error);
	tcase_add_test(tc, test_json_format);
	tcase_add_test(tc, test_sarif_format);
	tcase_add_test(tc, test_text_colour_only_when_asked);
	tcase_add_test(tc, test_jsonloc);
	tcase_add_test(tc, test_jsonloc_hostile);
	tcase_add_test(tc, test_parse_status);
	tcase_add_test(tc, test_host_path);
	tcase_add_test(tc, test_live_matching);
	tcase_add_test(tc, test_live_drift);
	tcase_add_test(tc, test_live_gid_map);
	tcase_add_test(tc, test_live_userns_pool);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
