/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the config parser (src/config.c, src/config_process.c,
 * src/config_linux.c) and the default spec (src/config_spec.c).
 *
 * Invalid inputs are table-driven: each case is a JSON patch merged
 * recursively into tests/fixtures/config/valid-minimal.json (a JSON null
 * removes a member, which the parser treats as absent) plus the exact error
 * message it must produce.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbx/config.h"
#include "sbx/embedded.h"
#include "sbx/error.h"
#include "sbx/util.h"
#include "unit.h"

static char *read_fixture(const char *path, size_t *len)
{
	struct sbx_err err = { 0 };
	char *text = NULL;

	if (sbx_read_file_at(AT_FDCWD, path, &text, len, &err) < 0)
		ck_abort_msg("read fixture %s: %s", path, err.msg);
	return text;
}

static struct sbx_config *parse_ok(const char *text)
{
	struct sbx_err err = { 0 };
	struct sbx_config *cfg = NULL;

	if (sbx_config_parse(text, strlen(text), "config.json", &cfg, &err) < 0)
		ck_abort_msg("unexpected parse error: %s", err.msg);
	ck_assert_ptr_nonnull(cfg);
	return cfg;
}

static struct sbx_config *parse_fixture_ok(const char *path)
{
	size_t len;
	_sbx_cleanup_free_ char *text = read_fixture(path, &len);
	return parse_ok(text);
}

/* Parse and expect failure; returns the message (static buffer). */
static const char *parse_err(const char *text)
{
	static struct sbx_err err;
	struct sbx_config *cfg = (struct sbx_config *)1;

	sbx_err_clear(&err);
	ck_assert_int_eq(sbx_config_parse(text, strlen(text), "config.json", &cfg, &err), -1);
	ck_assert_ptr_null(cfg);
	/* A config error is not an errno: sbx_err_str must not add one. */
	ck_assert_int_eq(err.errnum, 0);
	return err.msg;
}

/* minimal fixture + recursive merge of `patch` -> JSON text (malloc'ed) */
static char *patched(const char *patch)
{
	json_error_t jerr;
	json_t *base = json_load_file(SBX_FIXTURE("config/valid-minimal.json"), 0, &jerr);
	json_t *p = json_loads(patch, 0, &jerr);
	char *text;

	ck_assert_msg(base != NULL, "load base: %s", jerr.text);
	ck_assert_msg(p != NULL, "bad patch in test table: %s: %s", patch, jerr.text);
	ck_assert_int_eq(json_object_update_recursive(base, p), 0);
	text = json_dumps(base, JSON_PRESERVE_ORDER);
	json_decref(base);
	json_decref(p);
	return text;
}

/* ------------------------------------------------------------------ */

START_TEST(test_full)
{
	struct sbx_config *cfg = parse_fixture_ok(SBX_FIXTURE("config/valid-full.json"));
	const struct sbx_process *p = cfg->process;
	const struct sbx_linux *l = &cfg->linux;
	const struct sbx_resources *r = &l->resources;
	const struct sbx_seccomp *sc = l->seccomp;

	ck_assert_str_eq(cfg->oci_version, "1.0.2-dev");
	ck_assert_str_eq(cfg->root.path, "rootfs");
	ck_assert(cfg->root.readonly);
	ck_assert_ptr_null(cfg->bundle);
	ck_assert_ptr_null(cfg->rootfs);

	ck_assert_ptr_nonnull(p);
	ck_assert(p->terminal);
	ck_assert(p->console_size.present);
	ck_assert_uint_eq(p->console_size.height, 25);
	ck_assert_uint_eq(p->console_size.width, 80);
	ck_assert_uint_eq(p->user.uid, 1000);
	ck_assert_uint_eq(p->user.gid, 1001);
	ck_assert(p->user.has_umask);
	ck_assert_uint_eq(p->user.umask, 022);
	ck_assert_uint_eq(p->user.n_additional_gids, 3);
	ck_assert_uint_eq(p->user.additional_gids[0], 5);
	ck_assert_uint_eq(p->user.additional_gids[1], 6);
	ck_assert_uint_eq(p->user.additional_gids[2], 4294967295u);
	ck_assert_uint_eq(p->n_args, 3);
	ck_assert_str_eq(p->args[0], "/bin/sh");
	ck_assert_str_eq(p->args[2], "echo hi");
	ck_assert_ptr_null(p->args[3]);
	ck_assert_uint_eq(p->n_env, 3);
	ck_assert_str_eq(p->env[2], "EMPTY=");
	ck_assert_ptr_null(p->env[3]);
	ck_assert_str_eq(p->cwd, "/work");
	ck_assert(p->caps.present);
	ck_assert_uint_eq(p->caps.n_bounding, 2);
	ck_assert_str_eq(p->caps.bounding[1], "CAP_CHOWN");
	ck_assert_uint_eq(p->caps.n_effective, 1);
	ck_assert_uint_eq(p->caps.n_permitted, 2);
	ck_assert_uint_eq(p->caps.n_inheritable, 0);
	ck_assert_ptr_nonnull(p->caps.inheritable);
	ck_assert_ptr_null(p->caps.inheritable[0]);
	ck_assert_uint_eq(p->caps.n_ambient, 1);
	ck_assert_str_eq(p->caps.ambient[0], "CAP_KILL");
	ck_assert_uint_eq(p->n_rlimits, 2);
	ck_assert_str_eq(p->rlimits[0].type, "RLIMIT_NOFILE");
	ck_assert_int_eq(p->rlimits[0].resource, RLIMIT_NOFILE);
	ck_assert_uint_eq(p->rlimits[0].soft, 1024);
	ck_assert_uint_eq(p->rlimits[0].hard, 2048);
	ck_assert_int_eq(p->rlimits[1].resource, RLIMIT_CORE);
	ck_assert(p->no_new_privileges);
	ck_assert_str_eq(p->apparmor_profile, "sbxrun-default");
	ck_assert_ptr_null(p->selinux_label); /* "" == absent */
	ck_assert(p->has_oom_score_adj);
	ck_assert_int_eq(p->oom_score_adj, -500);

	ck_assert_str_eq(cfg->hostname, "box");
	ck_assert_str_eq(cfg->domainname, "example.org");

	ck_assert_uint_eq(cfg->n_mounts, 3);
	ck_assert_str_eq(cfg->mounts[0].destination, "/proc");
	ck_assert_str_eq(cfg->mounts[0].type, "proc");
	ck_assert_str_eq(cfg->mounts[0].source, "proc");
	ck_assert_uint_eq(cfg->mounts[0].n_options, 0);
	ck_assert_ptr_null(cfg->mounts[0].options[0]);
	ck_assert_ptr_null(cfg->mounts[1].type);
	ck_assert_str_eq(cfg->mounts[1].source, "/srv/data");
	ck_assert_uint_eq(cfg->mounts[1].n_options, 3);
	ck_assert_str_eq(cfg->mounts[1].options[0], "rbind");
	ck_assert_ptr_null(cfg->mounts[2].source);

	ck_assert_uint_eq(cfg->hooks.prestart.n, 1);
	ck_assert_str_eq(cfg->hooks.prestart.hooks[0].path, "/usr/bin/pre");
	ck_assert_uint_eq(cfg->hooks.prestart.hooks[0].n_args, 2);
	ck_assert_str_eq(cfg->hooks.prestart.hooks[0].args[1], "1");
	ck_assert_uint_eq(cfg->hooks.prestart.hooks[0].n_env, 1);
	ck_assert(cfg->hooks.prestart.hooks[0].has_env);
	ck_assert(!cfg->hooks.create_runtime.hooks[0].has_env); /* runtime's env */
	ck_assert(cfg->hooks.prestart.hooks[0].has_timeout);
	ck_assert_int_eq(cfg->hooks.prestart.hooks[0].timeout, 5);
	ck_assert_str_eq(cfg->hooks.create_runtime.hooks[0].path, "/bin/cr");
	ck_assert(!cfg->hooks.create_runtime.hooks[0].has_timeout);
	ck_assert_uint_eq(cfg->hooks.create_container.n, 2);
	ck_assert_str_eq(cfg->hooks.create_container.hooks[1].path, "/bin/cc2");
	ck_assert_str_eq(cfg->hooks.start_container.hooks[0].path, "/bin/sc");
	ck_assert_str_eq(cfg->hooks.poststart.hooks[0].path, "/bin/ps");
	ck_assert_str_eq(cfg->hooks.poststop.hooks[0].path, "/bin/pst");
	ck_assert_int_eq(cfg->hooks.poststop.hooks[0].timeout, 30);

	ck_assert_uint_eq(cfg->n_annotations, 2);
	ck_assert_str_eq(sbx_config_annotation(cfg, "org.example.key"), "value");
	ck_assert_str_eq(sbx_config_annotation(cfg, "empty"), "");
	ck_assert_ptr_null(sbx_config_annotation(cfg, "missing"));

	ck_assert(cfg->has_linux);
	ck_assert_uint_eq(l->n_namespaces, 8);
	{
		static const int flags[] = { CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWIPC,
					     CLONE_NEWUTS, CLONE_NEWUSER, CLONE_NEWCGROUP, 0x80 };
		static const enum sbx_ns_type types[] = { SBX_NS_PID, SBX_NS_NETWORK, SBX_NS_MOUNT,
							  SBX_NS_IPC, SBX_NS_UTS, SBX_NS_USER,
							  SBX_NS_CGROUP, SBX_NS_TIME };
		for (size_t i = 0; i < 8; i++) {
			ck_assert_int_eq(l->namespaces[i].type, types[i]);
			ck_assert_int_eq(l->namespaces[i].clone_flag, flags[i]);
			ck_assert_ptr_eq(sbx_config_ns(cfg, types[i]), &l->namespaces[i]);
		}
	}
	ck_assert_str_eq(sbx_config_ns(cfg, SBX_NS_NETWORK)->path, "/proc/1/ns/net");
	ck_assert_ptr_null(sbx_config_ns(cfg, SBX_NS_PID)->path);

	ck_assert_uint_eq(l->n_uid_mappings, 2);
	ck_assert_uint_eq(l->uid_mappings[0].container_id, 0);
	ck_assert_uint_eq(l->uid_mappings[0].host_id, 100000);
	ck_assert_uint_eq(l->uid_mappings[0].size, 1000);
	ck_assert_uint_eq(l->uid_mappings[1].container_id, 1000);
	ck_assert_uint_eq(l->n_gid_mappings, 1);
	ck_assert_uint_eq(l->gid_mappings[0].size, 65536);

	ck_assert_uint_eq(l->n_devices, 2);
	ck_assert_str_eq(l->devices[0].path, "/dev/fuse");
	ck_assert_int_eq(l->devices[0].type, 'c');
	ck_assert_int_eq(l->devices[0].major, 10);
	ck_assert_int_eq(l->devices[0].minor, 229);
	ck_assert(l->devices[0].has_file_mode);
	ck_assert_uint_eq(l->devices[0].file_mode, 0666);
	ck_assert(l->devices[0].has_uid && l->devices[0].has_gid);
	ck_assert_int_eq(l->devices[1].type, 'p');
	ck_assert(!l->devices[1].has_file_mode && !l->devices[1].has_uid);

	ck_assert_str_eq(l->cgroups_path, "/sbx/test");
	ck_assert(r->present);
	ck_assert(r->memory.present);
	ck_assert(r->memory.has_limit);
	ck_assert_int_eq(r->memory.limit, 536870912);
	ck_assert_int_eq(r->memory.reservation, 268435456);
	ck_assert(r->memory.has_swap);
	ck_assert_int_eq(r->memory.swap, -1);
	ck_assert_int_eq(r->memory.kernel, -1);
	ck_assert_int_eq(r->memory.kernel_tcp, 1048576);
	ck_assert(r->memory.has_swappiness);
	ck_assert_uint_eq(r->memory.swappiness, 60);
	ck_assert(r->memory.has_disable_oom_killer && !r->memory.disable_oom_killer);
	ck_assert(r->memory.has_use_hierarchy && r->memory.use_hierarchy);
	ck_assert(r->memory.has_check_before_update && r->memory.check_before_update);
	ck_assert(r->cpu.present);
	ck_assert_uint_eq(r->cpu.shares, 1024);
	ck_assert_int_eq(r->cpu.quota, 50000);
	ck_assert_uint_eq(r->cpu.burst, 1000);
	ck_assert_uint_eq(r->cpu.period, 100000);
	ck_assert_int_eq(r->cpu.realtime_runtime, 950000);
	ck_assert_uint_eq(r->cpu.realtime_period, 1000000);
	ck_assert(r->cpu.has_idle);
	ck_assert_int_eq(r->cpu.idle, 1);
	ck_assert_str_eq(r->cpu.cpus, "0-3");
	ck_assert_str_eq(r->cpu.mems, "0");
	ck_assert(r->pids.present);
	ck_assert_int_eq(r->pids.limit, 128);
	ck_assert(r->blkio.present);
	ck_assert_uint_eq(r->blkio.weight, 500);
	ck_assert_uint_eq(r->blkio.leaf_weight, 300);
	ck_assert_uint_eq(r->blkio.n_weight_device, 2);
	ck_assert(r->blkio.weight_device[0].has_weight && !r->blkio.weight_device[0].has_leaf_weight);
	ck_assert_uint_eq(r->blkio.weight_device[0].weight, 600);
	ck_assert_int_eq(r->blkio.weight_device[1].minor, 16);
	ck_assert_uint_eq(r->blkio.weight_device[1].leaf_weight, 10);
	ck_assert_uint_eq(r->blkio.n_throttle_read_bps, 1);
	ck_assert_uint_eq(r->blkio.throttle_read_bps[0].rate, 104857600);
	ck_assert_uint_eq(r->blkio.throttle_write_bps[0].rate, 52428800);
	ck_assert_uint_eq(r->blkio.throttle_read_iops[0].rate, 1000);
	ck_assert_uint_eq(r->blkio.n_throttle_write_iops, 2);
	ck_assert_uint_eq(r->blkio.throttle_write_iops[1].rate, 400);
	ck_assert_uint_eq(r->n_hugepage_limits, 2);
	ck_assert_str_eq(r->hugepage_limits[0].page_size, "2MB");
	ck_assert_uint_eq(r->hugepage_limits[0].limit, 209715200);
	ck_assert_str_eq(r->hugepage_limits[1].page_size, "1GB");
	ck_assert_uint_eq(r->n_devices, 3);
	ck_assert(!r->devices[0].allow);
	ck_assert_int_eq(r->devices[0].type, 'a');
	ck_assert_int_eq(r->devices[0].major, -1);
	ck_assert_int_eq(r->devices[0].minor, -1);
	ck_assert_str_eq(r->devices[0].access, "rwm");
	ck_assert(r->devices[1].allow && r->devices[1].has_major && r->devices[1].has_minor);
	ck_assert_int_eq(r->devices[1].type, 'c');
	ck_assert_int_eq(r->devices[1].minor, 3);
	ck_assert(!r->devices[2].has_minor);
	ck_assert_int_eq(r->devices[2].minor, -1);
	ck_assert_ptr_null(r->devices[2].access);
	ck_assert_uint_eq(r->n_unified, 2);
	ck_assert_str_eq(r->unified[1].key, "io.weight");
	ck_assert_str_eq(r->unified[1].value, "default 100");

	ck_assert_str_eq(l->rootfs_propagation, "rslave");
	ck_assert_uint_eq(l->n_masked_paths, 2);
	ck_assert_str_eq(l->masked_paths[1], "/sys/firmware");
	ck_assert_uint_eq(l->n_readonly_paths, 1);
	ck_assert_uint_eq(l->n_sysctl, 2);
	ck_assert_str_eq(l->sysctl[0].key, "net.ipv4.ip_forward");
	ck_assert_str_eq(l->sysctl[0].value, "1");

	ck_assert_ptr_nonnull(sc);
	ck_assert_int_eq(sc->default_action, SBX_SCMP_ERRNO);
	ck_assert(sc->has_default_errno_ret);
	ck_assert_uint_eq(sc->default_errno_ret, 1);
	ck_assert_uint_eq(sc->n_architectures, 2);
	ck_assert_str_eq(sc->architectures[1], "SCMP_ARCH_X86");
	ck_assert_uint_eq(sc->n_flags, 1);
	ck_assert_str_eq(sc->listener_path, "/run/seccomp.sock");
	ck_assert_str_eq(sc->listener_metadata, "meta");
	ck_assert_uint_eq(sc->n_syscalls, 11);
	ck_assert_uint_eq(sc->syscalls[0].n_names, 2);
	ck_assert_str_eq(sc->syscalls[0].names[1], "write");
	ck_assert_int_eq(sc->syscalls[0].action, SBX_SCMP_ALLOW);
	ck_assert_uint_eq(sc->syscalls[1].n_args, 2);
	ck_assert_uint_eq(sc->syscalls[1].args[0].index, 0);
	ck_assert_int_eq(sc->syscalls[1].args[0].op, SBX_SCMP_CMP_EQ);
	ck_assert_uint_eq(sc->syscalls[1].args[1].index, 5);
	ck_assert_uint_eq(sc->syscalls[1].args[1].value, 4294967295u);
	ck_assert_uint_eq(sc->syscalls[1].args[1].value_two, 8);
	ck_assert_int_eq(sc->syscalls[1].args[1].op, SBX_SCMP_CMP_MASKED_EQ);
	ck_assert_int_eq(sc->syscalls[2].action, SBX_SCMP_ERRNO);
	ck_assert(sc->syscalls[2].has_errno_ret);
	ck_assert_uint_eq(sc->syscalls[2].errno_ret, 13);
	ck_assert(!sc->syscalls[0].has_errno_ret);
	{
		static const enum sbx_seccomp_action acts[] = {
			SBX_SCMP_KILL, SBX_SCMP_KILL_PROCESS, SBX_SCMP_KILL_THREAD, SBX_SCMP_TRAP,
			SBX_SCMP_TRACE, SBX_SCMP_LOG, SBX_SCMP_NOTIFY,
		};
		static const enum sbx_seccomp_op ops[] = {
			SBX_SCMP_CMP_NE, SBX_SCMP_CMP_LT, SBX_SCMP_CMP_LE, SBX_SCMP_CMP_GE,
			SBX_SCMP_CMP_GT,
		};
		for (size_t i = 0; i < SBX_ARRAY_SIZE(acts); i++)
			ck_assert_int_eq(sc->syscalls[3 + i].action, acts[i]);
		for (size_t i = 0; i < SBX_ARRAY_SIZE(ops); i++)
			ck_assert_int_eq(sc->syscalls[10].args[i].op, ops[i]);
	}
	ck_assert_str_eq(l->mount_label, "system_u:object_r:container_file_t:s0");
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_minimal)
{
	struct sbx_config *cfg = parse_fixture_ok(SBX_FIXTURE("config/valid-minimal.json"));

	ck_assert_str_eq(cfg->oci_version, "1.2.0");
	ck_assert(!cfg->root.readonly);
	ck_assert_ptr_nonnull(cfg->process);
	ck_assert(!cfg->process->terminal);
	ck_assert(!cfg->process->console_size.present);
	ck_assert_uint_eq(cfg->process->user.uid, 0);
	ck_assert(!cfg->process->user.has_umask);
	ck_assert(!cfg->process->caps.present);
	ck_assert_uint_eq(cfg->process->caps.n_bounding, 0);
	ck_assert_ptr_null(cfg->process->caps.bounding[0]);
	ck_assert_uint_eq(cfg->process->n_env, 0);
	ck_assert_ptr_null(cfg->process->env[0]);
	ck_assert_uint_eq(cfg->process->n_rlimits, 0);
	ck_assert(!cfg->process->no_new_privileges);
	ck_assert(!cfg->process->has_oom_score_adj);
	ck_assert_ptr_null(cfg->process->apparmor_profile);
	ck_assert_ptr_null(cfg->hostname);
	ck_assert_uint_eq(cfg->n_mounts, 0);
	ck_assert_uint_eq(cfg->hooks.prestart.n, 0);
	ck_assert_uint_eq(cfg->n_annotations, 0);
	ck_assert(cfg->has_linux);
	ck_assert_uint_eq(cfg->linux.n_namespaces, 2);
	ck_assert_ptr_null(sbx_config_ns(cfg, SBX_NS_NETWORK));
	/* user namespace without mappings is allowed (launcher default) */
	ck_assert_ptr_nonnull(sbx_config_ns(cfg, SBX_NS_USER));
	ck_assert_uint_eq(cfg->linux.n_uid_mappings, 0);
	ck_assert(!cfg->linux.resources.present);
	ck_assert_ptr_null(cfg->linux.seccomp);
	ck_assert_ptr_null(cfg->linux.rootfs_propagation);
	ck_assert_ptr_null(cfg->linux.cgroups_path);
	ck_assert_ptr_nonnull(cfg->linux.masked_paths);
	ck_assert_ptr_null(cfg->linux.masked_paths[0]);
	sbx_config_free(cfg);

	/* Only ociVersion is required by the spec; no process, no linux. */
	cfg = parse_ok("{\"ociVersion\":\"1.0.0\"}");
	ck_assert_ptr_null(cfg->process);
	ck_assert(!cfg->has_linux);
	ck_assert_ptr_null(cfg->root.path);
	ck_assert_ptr_null(sbx_config_ns(cfg, SBX_NS_PID));
	ck_assert_ptr_nonnull(cfg->linux.readonly_paths);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_unknown_properties_ignored)
{
	struct sbx_config *cfg =
		parse_fixture_ok(SBX_FIXTURE("config/valid-unknown-properties.json"));

	ck_assert_str_eq(cfg->root.path, "/abs/rootfs");
	ck_assert_uint_eq(cfg->n_mounts, 1);
	ck_assert_ptr_null(cfg->mounts[0].type);
	ck_assert(cfg->process->caps.present);
	ck_assert_uint_eq(cfg->linux.n_namespaces, 1);
	ck_assert(cfg->linux.resources.present);
	ck_assert(cfg->linux.resources.memory.present);
	ck_assert(!cfg->linux.resources.memory.has_limit);
	ck_assert_int_eq(cfg->linux.seccomp->default_action, SBX_SCMP_ALLOW);
	ck_assert_uint_eq(cfg->linux.seccomp->n_syscalls, 0);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_nulls_are_absent)
{
	struct sbx_config *cfg = parse_fixture_ok(SBX_FIXTURE("config/valid-nulls.json"));

	ck_assert(!cfg->root.readonly);
	ck_assert_uint_eq(cfg->process->n_env, 0);
	ck_assert(!cfg->process->caps.present);
	ck_assert(!cfg->process->has_oom_score_adj);
	ck_assert_ptr_null(cfg->hostname);
	ck_assert_uint_eq(cfg->n_mounts, 0);
	ck_assert_uint_eq(cfg->linux.n_namespaces, 0);
	ck_assert(!cfg->linux.resources.present);
	ck_assert_ptr_null(cfg->linux.seccomp);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_versions)
{
	static const char *const ok[] = { "1.0.0", "1.0.2-dev", "1.2.0", "1.1.0-rc.1", "1.10.3" };
	static const char *const bad[] = { "2.0.0", "0.5.0", "10.0.0", "1", "1.", "v1.0.0", "1x" };
	char text[256], want[256];

	for (size_t i = 0; i < SBX_ARRAY_SIZE(ok); i++) {
		snprintf(text, sizeof(text), "{\"ociVersion\":\"%s\"}", ok[i]);
		sbx_config_free(parse_ok(text));
	}
	for (size_t i = 0; i < SBX_ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "{\"ociVersion\":\"%s\"}", bad[i]);
		snprintf(want, sizeof(want),
			 "config.json: ociVersion: unsupported version \"%s\" (sbxrun supports 1.x)",
			 bad[i]);
		ck_assert_str_eq(parse_err(text), want);
	}
}
END_TEST

/* ------------------------------------------------------------------ */

static const struct {
	const char *patch;
	const char *msg;
} bad_cases[] = {
	/* ociVersion */
	{ "{\"ociVersion\":null}", "ociVersion: is required" },
	{ "{\"ociVersion\":1}", "ociVersion: must be a non-empty string" },
	{ "{\"ociVersion\":\"\"}", "ociVersion: must be a non-empty string" },
	/* root */
	{ "{\"root\":\"rootfs\"}", "root: must be an object" },
	{ "{\"root\":{\"path\":null}}", "root.path: is required" },
	{ "{\"root\":{\"path\":\"\"}}", "root.path: must be a non-empty string" },
	{ "{\"root\":{\"readonly\":\"yes\"}}", "root.readonly: must be a boolean" },
	/* process */
	{ "{\"process\":[]}", "process: must be an object" },
	{ "{\"process\":{\"terminal\":1}}", "process.terminal: must be a boolean" },
	{ "{\"process\":{\"consoleSize\":{\"height\":10}}}", "process.consoleSize.width: is required" },
	{ "{\"process\":{\"consoleSize\":{\"height\":-1,\"width\":1}}}",
	  "process.consoleSize.height: must be an integer between 0 and 4294967295" },
	{ "{\"process\":{\"cwd\":null}}", "process.cwd: is required" },
	{ "{\"process\":{\"cwd\":\"tmp\"}}", "process.cwd: must be an absolute path" },
	{ "{\"process\":{\"cwd\":\"\"}}", "process.cwd: must be a non-empty string" },
	{ "{\"process\":{\"args\":null}}", "process.args: is required" },
	{ "{\"process\":{\"args\":[]}}", "process.args: must be a non-empty array of strings" },
	{ "{\"process\":{\"args\":\"sh\"}}", "process.args: must be an array of strings" },
	{ "{\"process\":{\"args\":[\"\"]}}", "process.args[0]: must be a non-empty string" },
	{ "{\"process\":{\"args\":[\"sh\",1]}}", "process.args[1]: must be a string" },
	{ "{\"process\":{\"env\":[\"FOO\"]}}", "process.env[0]: must be of the form KEY=VALUE" },
	{ "{\"process\":{\"env\":[\"A=1\",\"=x\"]}}", "process.env[1]: must be of the form KEY=VALUE" },
	{ "{\"process\":{\"env\":{\"A\":\"1\"}}}", "process.env: must be an array of strings" },
	{ "{\"process\":{\"user\":5}}", "process.user: must be an object" },
	{ "{\"process\":{\"user\":{\"gid\":0}}}", "process.user.uid: is required" },
	{ "{\"process\":{\"user\":{\"uid\":0}}}", "process.user.gid: is required" },
	{ "{\"process\":{\"user\":{\"uid\":-1,\"gid\":0}}}",
	  "process.user.uid: must be an integer between 0 and 4294967295" },
	{ "{\"process\":{\"user\":{\"uid\":4294967296,\"gid\":0}}}",
	  "process.user.uid: must be an integer between 0 and 4294967295" },
	{ "{\"process\":{\"user\":{\"uid\":1.5,\"gid\":0}}}", "process.user.uid: must be an integer" },
	{ "{\"process\":{\"user\":{\"uid\":\"0\",\"gid\":0}}}", "process.user.uid: must be an integer" },
	{ "{\"process\":{\"user\":{\"uid\":0,\"gid\":0,\"umask\":512}}}",
	  "process.user.umask: must be an integer between 0 and 0777" },
	{ "{\"process\":{\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[1,-2]}}}",
	  "process.user.additionalGids[1]: must be an integer between 0 and 4294967295" },
	{ "{\"process\":{\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":5}}}",
	  "process.user.additionalGids: must be an array" },
	{ "{\"process\":{\"capabilities\":[]}}", "process.capabilities: must be an object" },
	{ "{\"process\":{\"capabilities\":{\"bounding\":\"CAP_KILL\"}}}",
	  "process.capabilities.bounding: must be an array of strings" },
	{ "{\"process\":{\"capabilities\":{\"ambient\":[5]}}}",
	  "process.capabilities.ambient[0]: must be a string" },
	{ "{\"process\":{\"rlimits\":{}}}", "process.rlimits: must be an array" },
	{ "{\"process\":{\"rlimits\":[1]}}", "process.rlimits[0]: must be an object" },
	{ "{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]}}",
	  "process.rlimits[0].type: unknown rlimit type \"RLIMIT_FOO\"" },
	{ "{\"process\":{\"rlimits\":[{\"soft\":1,\"hard\":1}]}}", "process.rlimits[0].type: is required" },
	{ "{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1},"
	  "{\"type\":\"RLIMIT_CPU\",\"soft\":1,\"hard\":1},"
	  "{\"type\":\"RLIMIT_NOFILE\",\"soft\":2,\"hard\":2}]}}",
	  "process.rlimits[2].type: duplicate rlimit type \"RLIMIT_NOFILE\" (also process.rlimits[0])" },
	{ "{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":5}]}}",
	  "process.rlimits[0]: soft limit 10 exceeds hard limit 5" },
	{ "{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10}]}}",
	  "process.rlimits[0].hard: is required" },
	{ "{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":-1,\"hard\":5}]}}",
	  "process.rlimits[0].soft: must be a non-negative integer" },
	{ "{\"process\":{\"noNewPrivileges\":\"true\"}}", "process.noNewPrivileges: must be a boolean" },
	{ "{\"process\":{\"apparmorProfile\":1}}", "process.apparmorProfile: must be a string" },
	{ "{\"process\":{\"selinuxLabel\":[]}}", "process.selinuxLabel: must be a string" },
	{ "{\"process\":{\"oomScoreAdj\":1001}}",
	  "process.oomScoreAdj: must be an integer between -1000 and 1000" },
	{ "{\"process\":{\"oomScoreAdj\":-1001}}",
	  "process.oomScoreAdj: must be an integer between -1000 and 1000" },
	/* hostname, mounts, hooks, annotations */
	{ "{\"hostname\":5}", "hostname: must be a string" },
	{ "{\"domainname\":true}", "domainname: must be a string" },
	{ "{\"mounts\":{}}", "mounts: must be an array" },
	{ "{\"mounts\":[\"/proc\"]}", "mounts[0]: must be an object" },
	{ "{\"mounts\":[{\"type\":\"tmpfs\"}]}", "mounts[0].destination: is required" },
	{ "{\"mounts\":[{\"destination\":\"/a\"},{\"destination\":\"/b\"},{\"destination\":\"/c\"},"
	  "{\"destination\":\"\"}]}", "mounts[3].destination: must be a non-empty string" },
	{ "{\"mounts\":[{\"destination\":\"/a\",\"options\":\"ro\"}]}",
	  "mounts[0].options: must be an array of strings" },
	{ "{\"mounts\":[{\"destination\":\"/a\",\"source\":7}]}", "mounts[0].source: must be a string" },
	{ "{\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}]}",
	  "mounts[0].gidMappings: required with uidMappings (an id-mapped mount maps both)" },
	{ "{\"mounts\":[{\"destination\":\"/a\",\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":0}]}]}",
	  "mounts[0].gidMappings[0].size: must be greater than 0" },
	{ "{\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10},"
	  "{\"containerID\":5,\"hostID\":2000,\"size\":1}]}]}",
	  "mounts[0].uidMappings[1]: overlaps mounts[0].uidMappings[0] (container IDs)" },
	{ "{\"hooks\":[]}", "hooks: must be an object" },
	{ "{\"hooks\":{\"prestart\":{}}}", "hooks.prestart: must be an array" },
	{ "{\"hooks\":{\"prestart\":[{\"path\":\"bin/true\"}]}}",
	  "hooks.prestart[0].path: must be an absolute path" },
	{ "{\"hooks\":{\"createRuntime\":[{\"args\":[\"x\"]}]}}",
	  "hooks.createRuntime[0].path: is required" },
	{ "{\"hooks\":{\"createContainer\":[{\"path\":\"/x\",\"env\":[1]}]}}",
	  "hooks.createContainer[0].env[0]: must be a string" },
	{ "{\"hooks\":{\"startContainer\":[{\"path\":\"/x\",\"args\":\"a\"}]}}",
	  "hooks.startContainer[0].args: must be an array of strings" },
	{ "{\"hooks\":{\"poststart\":[\"/x\"]}}", "hooks.poststart[0]: must be an object" },
	{ "{\"hooks\":{\"poststop\":[{\"path\":\"/x\"},{\"path\":\"/x\",\"timeout\":0}]}}",
	  "hooks.poststop[1].timeout: must be an integer between 1 and 2147483647" },
	{ "{\"annotations\":[]}", "annotations: must be an object" },
	{ "{\"annotations\":{\"a.b\":1}}", "annotations[\"a.b\"]: must be a string" },
	/* linux: namespaces, mappings */
	{ "{\"linux\":[]}", "linux: must be an object" },
	{ "{\"linux\":{\"namespaces\":{}}}", "linux.namespaces: must be an array" },
	{ "{\"linux\":{\"namespaces\":[\"pid\"]}}", "linux.namespaces[0]: must be an object" },
	{ "{\"linux\":{\"namespaces\":[{\"type\":\"foo\"}]}}",
	  "linux.namespaces[0].type: unknown namespace type \"foo\"" },
	{ "{\"linux\":{\"namespaces\":[{\"path\":\"/x\"}]}}", "linux.namespaces[0].type: is required" },
	{ "{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"pid\"}]}}",
	  "linux.namespaces[2].type: duplicate namespace type \"pid\" (also linux.namespaces[0])" },
	{ "{\"linux\":{\"namespaces\":[{\"type\":\"net\"}]}}",
	  "linux.namespaces[0].type: unknown namespace type \"net\"" },
	{ "{\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"proc/1/ns/net\"}]}}",
	  "linux.namespaces[0].path: must be an absolute path" },
	{ "{\"linux\":{\"uidMappings\":{}}}", "linux.uidMappings: must be an array" },
	{ "{\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":0}]}}",
	  "linux.uidMappings[0].size: must be greater than 0" },
	{ "{\"linux\":{\"uidMappings\":[{\"containerID\":0,\"size\":1}]}}",
	  "linux.uidMappings[0].hostID: is required" },
	{ "{\"linux\":{\"gidMappings\":[{\"containerID\":0,\"hostID\":-5,\"size\":1}]}}",
	  "linux.gidMappings[0].hostID: must be an integer between 0 and 4294967295" },
	{ "{\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10},"
	  "{\"containerID\":5,\"hostID\":2000,\"size\":10}]}}",
	  "linux.uidMappings[1]: overlaps linux.uidMappings[0] (container IDs)" },
	{ "{\"linux\":{\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10},"
	  "{\"containerID\":100,\"hostID\":3000,\"size\":1},"
	  "{\"containerID\":200,\"hostID\":1009,\"size\":1}]}}",
	  "linux.gidMappings[2]: overlaps linux.gidMappings[0] (host IDs)" },
	{ "{\"linux\":{\"uidMappings\":[{\"containerID\":4294967290,\"hostID\":0,\"size\":10}]}}",
	  "linux.uidMappings[0]: containerID + size exceeds 4294967295" },
	{ "{\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":4294967295,\"size\":1}]}}",
	  "linux.uidMappings[0]: hostID + size exceeds 4294967295" },
	{ "{\"linux\":{\"namespaces\":[{\"type\":\"pid\"}],"
	  "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}",
	  "linux.uidMappings: requires a user namespace" },
	{ "{\"linux\":{\"namespaces\":null,"
	  "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}",
	  "linux.gidMappings: requires a user namespace" },
	/* linux.devices */
	{ "{\"linux\":{\"devices\":[{\"path\":\"dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3}]}}",
	  "linux.devices[0].path: must be an absolute path" },
	{ "{\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"x\",\"major\":1,\"minor\":3}]}}",
	  "linux.devices[0].type: unknown device type \"x\" (must be c, b, u or p)" },
	{ "{\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"cb\",\"major\":1,\"minor\":3}]}}",
	  "linux.devices[0].type: unknown device type \"cb\" (must be c, b, u or p)" },
	{ "{\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"major\":1,\"minor\":3}]}}",
	  "linux.devices[0].type: is required" },
	{ "{\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"b\",\"minor\":3}]}}",
	  "linux.devices[0].major: is required" },
	{ "{\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"u\",\"major\":3}]}}",
	  "linux.devices[0].minor: is required" },
	{ "{\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1,\"minor\":3,"
	  "\"fileMode\":262144}]}}", "linux.devices[0].fileMode: 262144 (01000000) has bits outside the"
	  " file type (S_IFMT) and permission bits (07777)" },
	{ "{\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"p\",\"uid\":-1}]}}",
	  "linux.devices[0].uid: must be an integer between 0 and 4294967295" },
	/* linux.resources */
	{ "{\"linux\":{\"cgroupsPath\":5}}", "linux.cgroupsPath: must be a string" },
	{ "{\"linux\":{\"resources\":[]}}", "linux.resources: must be an object" },
	{ "{\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1G\"}}}}",
	  "linux.resources.memory.limit: must be an integer" },
	{ "{\"linux\":{\"resources\":{\"memory\":{\"swap\":-2}}}}",
	  "linux.resources.memory.swap: must be an integer between -1 and 9223372036854775807" },
	{ "{\"linux\":{\"resources\":{\"memory\":{\"swappiness\":101}}}}",
	  "linux.resources.memory.swappiness: must be an integer between 0 and 100" },
	{ "{\"linux\":{\"resources\":{\"memory\":{\"disableOOMKiller\":1}}}}",
	  "linux.resources.memory.disableOOMKiller: must be a boolean" },
	{ "{\"linux\":{\"resources\":{\"cpu\":{\"shares\":\"1024\"}}}}",
	  "linux.resources.cpu.shares: must be an integer" },
	{ "{\"linux\":{\"resources\":{\"cpu\":{\"shares\":1}}}}",
	  "linux.resources.cpu.shares: must be an integer between 2 and 262144" },
	{ "{\"linux\":{\"resources\":{\"cpu\":{\"shares\":-5}}}}",
	  "linux.resources.cpu.shares: must be a non-negative integer" },
	{ "{\"linux\":{\"resources\":{\"cpu\":{\"quota\":1.5}}}}",
	  "linux.resources.cpu.quota: must be an integer" },
	{ "{\"linux\":{\"resources\":{\"cpu\":{\"period\":-1}}}}",
	  "linux.resources.cpu.period: must be a non-negative integer" },
	{ "{\"linux\":{\"resources\":{\"cpu\":{\"cpus\":1}}}}", "linux.resources.cpu.cpus: must be a string" },
	{ "{\"linux\":{\"resources\":{\"cpu\":{\"idle\":2}}}}",
	  "linux.resources.cpu.idle: must be an integer between 0 and 1" },
	{ "{\"linux\":{\"resources\":{\"pids\":{}}}}", "linux.resources.pids.limit: is required" },
	{ "{\"linux\":{\"resources\":{\"pids\":{\"limit\":\"10\"}}}}",
	  "linux.resources.pids.limit: must be an integer" },
	{ "{\"linux\":{\"resources\":{\"blockIO\":{\"weight\":5}}}}",
	  "linux.resources.blockIO.weight: must be an integer between 10 and 1000" },
	{ "{\"linux\":{\"resources\":{\"blockIO\":{\"leafWeight\":1001}}}}",
	  "linux.resources.blockIO.leafWeight: must be an integer between 10 and 1000" },
	{ "{\"linux\":{\"resources\":{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0,"
	  "\"weight\":1001}]}}}}",
	  "linux.resources.blockIO.weightDevice[0].weight: must be an integer between 10 and 1000" },
	{ "{\"linux\":{\"resources\":{\"blockIO\":{\"weightDevice\":[{\"minor\":0}]}}}}",
	  "linux.resources.blockIO.weightDevice[0].major: is required" },
	{ "{\"linux\":{\"resources\":{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,"
	  "\"minor\":0}]}}}}", "linux.resources.blockIO.throttleReadBpsDevice[0].rate: is required" },
	{ "{\"linux\":{\"resources\":{\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,"
	  "\"minor\":0,\"rate\":-1}]}}}}",
	  "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: must be a non-negative integer" },
	{ "{\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"../x\",\"limit\":1}]}}}",
	  "linux.resources.hugepageLimits[0].pageSize: invalid page size \"../x\" (expected e.g. \"2MB\")" },
	{ "{\"linux\":{\"resources\":{\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]}}}",
	  "linux.resources.hugepageLimits[0].limit: is required" },
	{ "{\"linux\":{\"resources\":{\"devices\":[{\"access\":\"rwm\"}]}}}",
	  "linux.resources.devices[0].allow: is required" },
	{ "{\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}}}",
	  "linux.resources.devices[0].access: invalid access \"rwx\" (must be a subset of \"rwm\")" },
	{ "{\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rr\"}]}}}",
	  "linux.resources.devices[0].access: invalid access \"rr\" (must be a subset of \"rwm\")" },
	{ "{\"linux\":{\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"p\"}]}}}",
	  "linux.resources.devices[0].type: unknown device type \"p\" (must be a, c or b)" },
	{ "{\"linux\":{\"resources\":{\"unified\":{\"memory.max\":5}}}}",
	  "linux.resources.unified[\"memory.max\"]: must be a string" },
	/* linux: propagation, paths, sysctl */
	{ "{\"linux\":{\"rootfsPropagation\":\"bogus\"}}",
	  "linux.rootfsPropagation: unknown propagation \"bogus\"" },
	{ "{\"linux\":{\"maskedPaths\":[\"/proc/kcore\",\"proc/keys\"]}}",
	  "linux.maskedPaths[1]: must be an absolute path" },
	{ "{\"linux\":{\"readonlyPaths\":[1]}}", "linux.readonlyPaths[0]: must be a string" },
	{ "{\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":1}}}",
	  "linux.sysctl[\"net.ipv4.ip_forward\"]: must be a string" },
	{ "{\"linux\":{\"mountLabel\":1}}", "linux.mountLabel: must be a string" },
	/* linux.seccomp */
	{ "{\"linux\":{\"seccomp\":[]}}", "linux.seccomp: must be an object" },
	{ "{\"linux\":{\"seccomp\":{}}}", "linux.seccomp.defaultAction: is required" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_FOO\"}}}",
	  "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\"" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"scmp_act_allow\"}}}",
	  "linux.seccomp.defaultAction: unknown seccomp action \"scmp_act_allow\"" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}}}",
	  "linux.seccomp.defaultErrnoRet: must be an integer between 0 and 4294967295" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":\"x\"}}}",
	  "linux.seccomp.architectures: must be an array of strings" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[1]}}}",
	  "linux.seccomp.flags[0]: must be a string" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"x.sock\"}}}",
	  "linux.seccomp.listenerPath: must be an absolute path" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":{}}}}",
	  "linux.seccomp.syscalls: must be an array" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	  "{\"action\":\"SCMP_ACT_ALLOW\"}]}}}", "linux.seccomp.syscalls[0].names: is required" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	  "{\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}]}}}",
	  "linux.seccomp.syscalls[0].names: must be a non-empty array of strings" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	  "{\"names\":[\"read\",\"\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}",
	  "linux.seccomp.syscalls[0].names[1]: must be a non-empty string" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	  "{\"names\":[\"read\"]}]}}}", "linux.seccomp.syscalls[0].action: is required" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	  "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":-1}]}}}",
	  "linux.seccomp.syscalls[0].errnoRet: must be an integer between 0 and 4294967295" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	  "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,\"value\":0,"
	  "\"op\":\"SCMP_CMP_EQ\"}]}]}}}",
	  "linux.seccomp.syscalls[0].args[0].index: must be an integer between 0 and 5" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	  "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":0,"
	  "\"op\":\"SCMP_CMP_XX\"}]}]}}}",
	  "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_XX\"" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	  "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
	  "\"op\":\"SCMP_CMP_EQ\"}]}]}}}", "linux.seccomp.syscalls[0].args[0].value: is required" },
	{ "{\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
	  "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
	  "\"value\":1}]}]}}}", "linux.seccomp.syscalls[0].args[0].op: is required" },
};

START_TEST(test_invalid_table)
{
	_sbx_cleanup_free_ char *text = patched(bad_cases[_i].patch);
	char want[SBX_ERR_MSG_MAX];

	snprintf(want, sizeof(want), "config.json: %s", bad_cases[_i].msg);
	ck_assert_msg(!strcmp(parse_err(text), want), "case %d (%s):\n got  %s\n want %s", _i,
		      bad_cases[_i].patch, parse_err(text), want);
}
END_TEST

/* Every bad case must be valid once its patch is not applied: i.e. the
 * base really is valid, so each failure above comes from its patch. */
START_TEST(test_invalid_table_base_is_valid)
{
	_sbx_cleanup_free_ char *text = patched("{}");
	sbx_config_free(parse_ok(text));
}
END_TEST

START_TEST(test_invalid_fixtures)
{
	static const struct {
		const char *file, *msg;
	} cases[] = {
		{ "config/invalid-idmap-overlap.json",
		  "config.json: linux.uidMappings[1]: overlaps linux.uidMappings[0] (host IDs)" },
		{ "config/invalid-seccomp-action.json",
		  "config.json: linux.seccomp.syscalls[2].action: unknown seccomp action \"SCMP_ACT_ALLOW_MAYBE\"" },
		{ "config/invalid-version.json",
		  "config.json: ociVersion: unsupported version \"2.0.0\" (sbxrun supports 1.x)" },
		/* jansson's own text, with the position of the stray '}' */
		{ "config/invalid-syntax.json",
		  "config.json: line 3, column 44: string or '}' expected near '}'" },
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		size_t len;
		_sbx_cleanup_free_ char *text = NULL;

		snprintf(path, sizeof(path), "%s/tests/fixtures/%s", SBX_SRCDIR, cases[i].file);
		text = read_fixture(path, &len);
		ck_assert_str_eq(parse_err(text), cases[i].msg);
	}
}
END_TEST

/* podman rootful sends fileMode with the file-type bits (8630 =
 * S_IFCHR|0666): accepted, the permission bits kept (issue 9 item 8). */
START_TEST(test_device_filemode_type_bits)
{
	_sbx_cleanup_free_ char *t = patched("{\"linux\":{\"devices\":["
		"{\"path\":\"/dev/a\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":8630},"
		"{\"path\":\"/dev/b\",\"type\":\"b\",\"major\":7,\"minor\":0,\"fileMode\":24960},"
		"{\"path\":\"/dev/c\",\"type\":\"c\",\"major\":1,\"minor\":5,\"fileMode\":2559}]}}");
	struct sbx_config *cfg = parse_ok(t);

	ck_assert_uint_eq(cfg->linux.n_devices, 3);
	ck_assert_uint_eq(cfg->linux.devices[0].file_mode, 0666);
	ck_assert_uint_eq(cfg->linux.devices[1].file_mode, 0600);
	ck_assert_uint_eq(cfg->linux.devices[2].file_mode, 04777); /* setuid: a permission bit */
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_rdma_and_intel_rdt)
{
	_sbx_cleanup_free_ char *t = patched("{\"linux\":{\"resources\":{\"rdma\":{"
		"\"mlx5_1\":{\"hcaHandles\":3,\"hcaObjects\":10000},\"mlx4_0\":{}}}}}");
	struct sbx_config *cfg = parse_ok(t);

	ck_assert_uint_eq(cfg->linux.resources.n_rdma, 2);
	ck_assert_str_eq(cfg->linux.resources.rdma[0].device, "mlx5_1");
	ck_assert(cfg->linux.resources.rdma[0].has_handles);
	ck_assert_uint_eq(cfg->linux.resources.rdma[0].objects, 10000);
	ck_assert(!cfg->linux.resources.rdma[1].has_handles);
	sbx_config_free(cfg);
	free(t);
	t = patched("{\"linux\":{\"resources\":{\"rdma\":{\"a b\":{}}}}}");
	ck_assert_str_eq(parse_err(t), "config.json: linux.resources.rdma[\"a b\"]: invalid RDMA device name");
	free(t);
	t = patched("{\"linux\":{\"intelRdt\":{\"closID\":\"g\"}}}");
	ck_assert_str_eq(parse_err(t), "config.json: linux.intelRdt: Intel RDT (resctrl) is not supported"
			 " by sbxrun; remove it from the config");
	free(t);
	t = patched("{\"linux\":{\"intelRdt\":null}}");
	sbx_config_free(parse_ok(t));
}
END_TEST

/* The exact output of `runc spec` (runc 1.1.5) parses. */
START_TEST(test_runc_spec_fixture)
{
	struct sbx_config *cfg = parse_fixture_ok(SBX_FIXTURE("config/runc-spec.json"));

	ck_assert(cfg->process->terminal);
	ck_assert_uint_eq(cfg->process->caps.n_ambient, 3);
	ck_assert_uint_eq(cfg->process->caps.n_inheritable, 0);
	ck_assert_uint_eq(cfg->linux.resources.n_devices, 1);
	sbx_config_free(cfg);
	cfg = parse_fixture_ok(SBX_FIXTURE("config/runc-spec-rootless.json"));
	ck_assert_uint_eq(cfg->linux.n_uid_mappings, 1);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_syntax_and_top_level)
{
	ck_assert_str_eq(parse_err("[]"), "config.json: the top-level value must be an object");
	/* jansson itself refuses a scalar top level (no JSON_DECODE_ANY) */
	ck_assert_str_eq(parse_err("\"x\""),
			 "config.json: line 1, column 3: '[' or '{' expected near '\"x\"'");
	ck_assert_str_eq(parse_err(""), "config.json: line 1, column 0: '[' or '{' expected near end of file");
	/* An embedded NUL could make a C string shorter than what was
	 * validated; jansson rejects it by default and so must we. */
	ck_assert_str_eq(parse_err("{\"ociVersion\":\"1.0.0\",\"hostname\":\"a\\u0000b\"}"),
			 "config.json: line 1, column 43: a string contains a NUL character (\\u0000),"
			 " which is not allowed in config strings");
	/* The source name is the caller's. */
	{
		struct sbx_err err = { 0 };
		struct sbx_config *cfg;
		const char *t = "{}";
		ck_assert_int_eq(sbx_config_parse(t, 2, "other.json", &cfg, &err), -1);
		ck_assert_str_eq(err.msg, "other.json: ociVersion: is required");
	}
	/* Length is honoured: trailing bytes past len are not parsed. */
	{
		struct sbx_err err = { 0 };
		struct sbx_config *cfg = NULL;
		const char *t = "{\"ociVersion\":\"1.0.0\"}garbage";
		ck_assert_int_eq(sbx_config_parse(t, 22, "config.json", &cfg, &err), 0);
		sbx_config_free(cfg);
	}
}
END_TEST

START_TEST(test_ns_names)
{
	ck_assert_str_eq(sbx_ns_type_name(SBX_NS_PID), "pid");
	ck_assert_str_eq(sbx_ns_type_name(SBX_NS_NETWORK), "network");
	ck_assert_str_eq(sbx_ns_type_name(SBX_NS_MOUNT), "mount");
	ck_assert_str_eq(sbx_ns_type_name(SBX_NS_IPC), "ipc");
	ck_assert_str_eq(sbx_ns_type_name(SBX_NS_UTS), "uts");
	ck_assert_str_eq(sbx_ns_type_name(SBX_NS_USER), "user");
	ck_assert_str_eq(sbx_ns_type_name(SBX_NS_CGROUP), "cgroup");
	ck_assert_str_eq(sbx_ns_type_name(SBX_NS_TIME), "time");
	ck_assert_str_eq(sbx_ns_type_name(SBX_NS_COUNT), "unknown");
	ck_assert_ptr_null(sbx_config_ns(NULL, SBX_NS_PID));
	ck_assert_ptr_null(sbx_config_annotation(NULL, "x"));
	sbx_config_free(NULL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* sbx_config_load                                                     */
/* ------------------------------------------------------------------ */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_load)
{
	char tmpl[] = "/tmp/sbx-test-config-XXXXXX", path[PATH_MAX], rel[PATH_MAX], cwd[PATH_MAX];
	char *dir = mkdtemp(tmpl), *real;
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };
	char buf[2048];

	ck_assert_ptr_nonnull(dir);
	real = realpath(dir, NULL);
	ck_assert_ptr_nonnull(real);

	/* missing config.json */
	ck_assert_int_eq(sbx_config_load(dir, &cfg, &err), -1);
	ck_assert_ptr_null(cfg);
	snprintf(path, sizeof(path), "open %s/config.json", real);
	ck_assert_str_eq(err.msg, path);
	ck_assert_int_eq(err.errnum, ENOENT);
	snprintf(path, sizeof(path), "open %s/config.json: No such file or directory", real);
	ck_assert_str_eq(sbx_err_str(&err, buf, sizeof(buf)), path);

	/* missing bundle */
	snprintf(path, sizeof(path), "%s/nope", dir);
	ck_assert_int_eq(sbx_config_load(path, &cfg, &err), -1);
	ck_assert_int_eq(err.errnum, ENOENT);

	/* relative root.path, bundle given relative to the cwd */
	snprintf(path, sizeof(path), "%s/config.json", dir);
	write_text(path, "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"./rootfs\"}}");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir("/tmp"), 0);
	snprintf(rel, sizeof(rel), "../tmp/%s", dir + strlen("/tmp/"));
	sbx_err_clear(&err);
	if (sbx_config_load(rel, &cfg, &err) < 0)
		ck_abort_msg("load %s: %s", rel, err.msg);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_str_eq(cfg->bundle, real);
	snprintf(path, sizeof(path), "%s/rootfs", real);
	ck_assert_str_eq(cfg->rootfs, path);
	ck_assert_str_eq(cfg->root.path, "./rootfs");
	sbx_config_free(cfg);

	/* absolute root.path is kept */
	snprintf(path, sizeof(path), "%s/config.json", dir);
	write_text(path, "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"/srv/rootfs\"}}");
	ck_assert_int_eq(sbx_config_load(dir, &cfg, &err), 0);
	ck_assert_str_eq(cfg->rootfs, "/srv/rootfs");
	sbx_config_free(cfg);

	/* no root: rootfs NULL */
	write_text(path, "{\"ociVersion\":\"1.0.0\"}");
	ck_assert_int_eq(sbx_config_load(dir, &cfg, &err), 0);
	ck_assert_ptr_null(cfg->rootfs);
	ck_assert_str_eq(cfg->bundle, real);
	sbx_config_free(cfg);

	/* a parse error is reported with the "config.json" source */
	write_text(path, "{\"ociVersion\":\"1.0.0\",\"process\":{\"cwd\":\"/\",\"args\":[\"\"]}}");
	ck_assert_int_eq(sbx_config_load(dir, &cfg, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: process.args[0]: must be a non-empty string");
	ck_assert_ptr_null(cfg);

	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	free(real);
}
END_TEST

/* config.json that is not a plain file must be refused, not read: a FIFO
 * would block forever (this test would time out) and /dev/zero never ends. */
START_TEST(test_load_not_regular)
{
	char tmpl[] = "/tmp/sbx-test-config-XXXXXX", path[PATH_MAX], want[PATH_MAX + 64];
	char *dir = mkdtemp(tmpl), *real;
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };
	FILE *f;

	ck_assert_ptr_nonnull(dir);
	real = realpath(dir, NULL);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	snprintf(want, sizeof(want), "open %s/config.json: not a regular file", real);

	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(sbx_config_load(dir, &cfg, &err), -1);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(err.errnum, 0);
	ck_assert_ptr_null(cfg);
	ck_assert_int_eq(unlink(path), 0);

	ck_assert_int_eq(symlink("/dev/zero", path), 0);
	ck_assert_int_eq(sbx_config_load(dir, &cfg, &err), -1);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(unlink(path), 0);

	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(sbx_config_load(dir, &cfg, &err), -1);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(rmdir(path), 0);

	/* a (sparse) 17 MiB file is over the cap */
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(ftruncate(fileno(f), 17 << 20), 0);
	fclose(f);
	snprintf(want, sizeof(want), "open %s/config.json: larger than 16 MiB", real);
	ck_assert_int_eq(sbx_config_load(dir, &cfg, &err), -1);
	ck_assert_str_eq(err.msg, want);

	/* a file larger than its first size hint still reads in full */
	write_text(path, "{\"ociVersion\":\"1.0.0\",\"hostname\":\"");
	f = fopen(path, "ae");
	for (int i = 0; i < 100000; i++)
		fputc('h', f);
	fputs("\"}", f);
	fclose(f);
	ck_assert_int_eq(sbx_config_load(dir, &cfg, &err), 0);
	ck_assert_uint_eq(strlen(cfg->hostname), 100000);
	sbx_config_free(cfg);

	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	free(real);
}
END_TEST

/* ------------------------------------------------------------------ */
/* default spec                                                        */
/* ------------------------------------------------------------------ */

static bool has_str(char **v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

static const struct sbx_mount *find_mount(const struct sbx_config *cfg, const char *dest)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (!strcmp(cfg->mounts[i].destination, dest))
			return &cfg->mounts[i];
	return NULL;
}

static void check_spec(bool rootless)
{
	static const char *const caps[] = {
		"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
		"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
	};
	static const char *const masked[] = {
		"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
		"/proc/scsi", "/sys/devices/virtual/powercap",
	};
	static const char *const ro[] = {
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	};
	static const char *const dests[] = {
		"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/tmp",
	};
	_sbx_cleanup_free_ char *text = sbx_config_default_spec(rootless);
	struct sbx_config *cfg;
	const struct sbx_process *p;
	const struct sbx_mount *m;
	size_t len = strlen(text);

	ck_assert_uint_gt(len, 2);
	ck_assert_int_eq(text[len - 1], '\n');
	ck_assert_int_eq(text[len - 2], '}');
	/* pretty-printed with 2-space indentation, keys in insertion order */
	ck_assert(!strncmp(text, "{\n  \"ociVersion\": \"" SBX_OCI_VERSION "\"", 19 + strlen(SBX_OCI_VERSION) + 1));

	cfg = parse_ok(text);
	p = cfg->process;
	ck_assert_str_eq(cfg->oci_version, SBX_OCI_VERSION);
	ck_assert_str_eq(cfg->root.path, "rootfs");
	ck_assert(cfg->root.readonly);
	ck_assert_str_eq(cfg->hostname, "sbxrun");
	ck_assert(!p->terminal);
	ck_assert_uint_eq(p->user.uid, 0);
	ck_assert_uint_eq(p->user.gid, 0);
	ck_assert_uint_eq(p->n_args, 1);
	ck_assert_str_eq(p->args[0], "sh");
	ck_assert_uint_eq(p->n_env, 2);
	ck_assert_str_eq(p->env[0], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	ck_assert_str_eq(p->env[1], "TERM=xterm");
	ck_assert_str_eq(p->cwd, "/");
	ck_assert(p->caps.present);
	ck_assert_uint_eq(p->caps.n_bounding, SBX_ARRAY_SIZE(caps));
	ck_assert_uint_eq(p->caps.n_effective, SBX_ARRAY_SIZE(caps));
	ck_assert_uint_eq(p->caps.n_permitted, SBX_ARRAY_SIZE(caps));
	for (size_t i = 0; i < SBX_ARRAY_SIZE(caps); i++) {
		ck_assert(has_str(p->caps.bounding, caps[i]));
		ck_assert(has_str(p->caps.effective, caps[i]));
		ck_assert(has_str(p->caps.permitted, caps[i]));
	}
	ck_assert(!has_str(p->caps.bounding, "CAP_MKNOD"));
	ck_assert(!has_str(p->caps.bounding, "CAP_NET_RAW"));
	ck_assert_uint_eq(p->caps.n_inheritable, 0);
	ck_assert_uint_eq(p->caps.n_ambient, 0);
	ck_assert_uint_eq(p->n_rlimits, 1);
	ck_assert_int_eq(p->rlimits[0].resource, RLIMIT_NOFILE);
	ck_assert_uint_eq(p->rlimits[0].soft, 1024);
	ck_assert_uint_eq(p->rlimits[0].hard, 1024);
	ck_assert(p->no_new_privileges);

	ck_assert_uint_eq(cfg->n_mounts, SBX_ARRAY_SIZE(dests));
	for (size_t i = 0; i < SBX_ARRAY_SIZE(dests); i++)
		ck_assert_str_eq(cfg->mounts[i].destination, dests[i]);
	m = find_mount(cfg, "/dev/pts");
	ck_assert_str_eq(m->type, "devpts");
	ck_assert(has_str(m->options, "newinstance"));
	ck_assert(has_str(m->options, "ptmxmode=0666"));
	ck_assert(has_str(m->options, "noexec"));
	ck_assert(has_str(m->options, "gid=5") == !rootless);
	m = find_mount(cfg, "/sys");
	ck_assert_str_eq(m->type, "sysfs");
	ck_assert(has_str(m->options, "ro") && has_str(m->options, "nosuid"));
	m = find_mount(cfg, "/sys/fs/cgroup");
	ck_assert_str_eq(m->type, "cgroup");
	ck_assert(has_str(m->options, "ro"));
	m = find_mount(cfg, "/tmp");
	ck_assert_str_eq(m->type, "tmpfs");
	ck_assert(has_str(m->options, "mode=1777") && has_str(m->options, "nodev"));
	/* issue 8 class 7: a size limit (it would default to half of RAM). */
	ck_assert(has_str(m->options, "size=64m"));
	m = find_mount(cfg, "/dev/shm");
	ck_assert(has_str(m->options, "noexec") && has_str(m->options, "size=65536k"));

	ck_assert(cfg->has_linux);
	ck_assert_ptr_nonnull(sbx_config_ns(cfg, SBX_NS_PID));
	ck_assert_ptr_nonnull(sbx_config_ns(cfg, SBX_NS_NETWORK));
	ck_assert_ptr_nonnull(sbx_config_ns(cfg, SBX_NS_IPC));
	ck_assert_ptr_nonnull(sbx_config_ns(cfg, SBX_NS_UTS));
	ck_assert_ptr_nonnull(sbx_config_ns(cfg, SBX_NS_MOUNT));
	ck_assert_ptr_nonnull(sbx_config_ns(cfg, SBX_NS_CGROUP));
	ck_assert_ptr_null(sbx_config_ns(cfg, SBX_NS_TIME));
	if (rootless) {
		ck_assert_uint_eq(cfg->linux.n_namespaces, 7);
		ck_assert_ptr_nonnull(sbx_config_ns(cfg, SBX_NS_USER));
		ck_assert_uint_eq(cfg->linux.n_uid_mappings, 1);
		ck_assert_uint_eq(cfg->linux.uid_mappings[0].container_id, 0);
		ck_assert_uint_eq(cfg->linux.uid_mappings[0].host_id, getuid());
		ck_assert_uint_eq(cfg->linux.uid_mappings[0].size, 1);
		ck_assert_uint_eq(cfg->linux.n_gid_mappings, 1);
		ck_assert_uint_eq(cfg->linux.gid_mappings[0].host_id, getgid());
	} else {
		ck_assert_uint_eq(cfg->linux.n_namespaces, 6);
		ck_assert_ptr_null(sbx_config_ns(cfg, SBX_NS_USER));
		ck_assert_uint_eq(cfg->linux.n_uid_mappings, 0);
		ck_assert_uint_eq(cfg->linux.n_gid_mappings, 0);
	}
	ck_assert_uint_eq(cfg->linux.n_masked_paths, SBX_ARRAY_SIZE(masked));
	for (size_t i = 0; i < SBX_ARRAY_SIZE(masked); i++)
		ck_assert_str_eq(cfg->linux.masked_paths[i], masked[i]);
	ck_assert_uint_eq(cfg->linux.n_readonly_paths, SBX_ARRAY_SIZE(ro));
	for (size_t i = 0; i < SBX_ARRAY_SIZE(ro); i++)
		ck_assert_str_eq(cfg->linux.readonly_paths[i], ro[i]);
	ck_assert_ptr_nonnull(cfg->linux.seccomp);
	sbx_config_free(cfg);
}

START_TEST(test_default_spec_rootful)
{
	check_spec(false);
}
END_TEST

START_TEST(test_default_spec_rootless)
{
	check_spec(true);
}
END_TEST

/* `sbxrun spec` as root (issue 8): a user namespace whose mappings the
 * runtime allocates from the pool (annotation run.sbx.userns=auto), no
 * mappings in the file; rootless ignores the request. */
START_TEST(test_default_spec_auto_userns)
{
	_sbx_cleanup_free_ char *text = sbx_config_default_spec_full(false, true, NULL, false, NULL, 0);
	_sbx_cleanup_free_ char *rl = sbx_config_default_spec_full(true, true, NULL, false, NULL, 0);
	_sbx_cleanup_free_ char *plain = sbx_config_default_spec(true);
	struct sbx_config *cfg = parse_ok(text);

	ck_assert_ptr_nonnull(sbx_config_ns(cfg, SBX_NS_USER));
	ck_assert_ptr_null(sbx_config_ns(cfg, SBX_NS_USER)->path);
	ck_assert_uint_eq(cfg->linux.n_namespaces, 7);
	ck_assert_uint_eq(cfg->linux.n_uid_mappings, 0);
	ck_assert_uint_eq(cfg->linux.n_gid_mappings, 0);
	ck_assert_str_eq(sbx_config_annotation(cfg, "run.sbx.userns"), "auto");
	/* gid 5 (tty) exists in the container's 65536-id range. */
	ck_assert(has_str(find_mount(cfg, "/dev/pts")->options, "gid=5"));
	sbx_config_free(cfg);
	ck_assert_str_eq(rl, plain);
}
END_TEST

/* The seccomp object is the embedded profile, unchanged but for the
 * architectures: only the host's family is kept (a subset of the profile's
 * list, in its order; on x86_64 exactly the three x86 ABIs). */
START_TEST(test_default_spec_embeds_profile)
{
	_sbx_cleanup_free_ char *text = sbx_config_default_spec(false);
	json_error_t jerr;
	json_t *spec = json_loads(text, 0, &jerr);
	json_t *prof = json_loads(sbx_seccomp_default_json, 0, &jerr);
	json_t *sc, *archs, *all;
	struct utsname u;

	ck_assert_ptr_nonnull(spec);
	ck_assert_msg(prof != NULL, "embedded profile: %s", jerr.text);
	sc = json_object_get(json_object_get(spec, "linux"), "seccomp");
	ck_assert_ptr_nonnull(sc);
	archs = json_incref(json_object_get(sc, "architectures"));
	all = json_incref(json_object_get(prof, "architectures"));
	ck_assert(json_is_array(archs) && json_array_size(archs) > 0);
	for (size_t i = 0; i < json_array_size(archs); i++) {
		bool found = false;
		for (size_t j = 0; j < json_array_size(all); j++)
			found |= json_equal(json_array_get(archs, i), json_array_get(all, j));
		ck_assert_msg(found, "architecture %s is not in the profile",
			      json_string_value(json_array_get(archs, i)));
	}
	ck_assert_int_eq(uname(&u), 0);
	if (!strcmp(u.machine, "x86_64")) {
		json_t *x86 = json_pack("[sss]", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
		ck_assert(json_equal(archs, x86));
		json_decref(x86);
	}
	json_object_del(sc, "architectures");
	json_object_del(prof, "architectures");
	ck_assert(json_equal(sc, prof));
	json_decref(archs);
	json_decref(all);
	json_decref(spec);
	json_decref(prof);
}
END_TEST

/* ------------------------------------------------------------------ */

/* `sbxrun spec` writes config.json once: never over an existing file, and
 * never through a symlink planted where config.json goes. */
START_TEST(test_spec_write)
{
	char tmpl[] = "/tmp/sbx-spec-test.XXXXXX";
	char *dir = mkdtemp(tmpl);
	struct sbx_err err = { 0 };
	_sbx_cleanup_free_ char *path = NULL, *text = NULL, *target = NULL, *cmd = NULL;
	struct stat st;
	mode_t um = umask(0);

	umask(um);
	ck_assert_ptr_nonnull(dir);
	path = sbx_xasprintf("%s/config.json", dir);
	ck_assert_msg(sbx_config_spec_write(dir, "{\"a\":1}\n", &err) == 0, "%s", err.msg);
	ck_assert_int_eq(sbx_read_file_at(AT_FDCWD, path, &text, NULL, &err), 0);
	ck_assert_str_eq(text, "{\"a\":1}\n");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644 & ~um);
	ck_assert_int_eq(sbx_config_spec_write(dir, "{}", &err), -1);
	ck_assert_msg(strstr(err.msg, "already exists: remove it first"), "%s", err.msg);
	/* a dangling symlink: not followed, nothing created at its target */
	ck_assert_int_eq(unlink(path), 0);
	target = sbx_xasprintf("%s/elsewhere", dir);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_int_eq(sbx_config_spec_write(dir, "{}", &err), -1);
	ck_assert_int_eq(access(target, F_OK), -1);
	cmd = sbx_xasprintf("rm -rf '%s'", dir);
	(void)!system(cmd);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_device_filemode_type_bits);
	tcase_add_test(tc, test_runc_spec_fixture);
	tcase_add_test(tc, test_rdma_and_intel_rdt);
	tcase_add_test(tc, test_minimal);
	tcase_add_test(tc, test_unknown_properties_ignored);
	tcase_add_test(tc, test_nulls_are_absent);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_invalid_table_base_is_valid);
	tcase_add_loop_test(tc, test_invalid_table, 0, (int)SBX_ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, test_invalid_fixtures);
	tcase_add_test(tc, test_syntax_and_top_level);
	tcase_add_test(tc, test_ns_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_load_not_regular);
	tcase_set_timeout(tc, 10);
	suite_add_tcase(s, tc);

	tc = tcase_create("spec");
	tcase_add_test(tc, test_default_spec_rootful);
	tcase_add_test(tc, test_default_spec_rootless);
	tcase_add_test(tc, test_default_spec_auto_userns);
	tcase_add_test(tc, test_default_spec_embeds_profile);
	tcase_add_test(tc, test_spec_write);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
