/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup v2: conversions, value validation (exact messages), path
 * derivation, mountinfo and /proc/self/cgroup parsing from fixtures, and the
 * real behaviour of this host (hybrid: cgroup2 with only hugetlb): a
 * resource-less container proceeds (with or without a cgroup), a memory
 * limit is refused with the explanation.
 */
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbx/cgroup.h"
#include "../../src/cgroup_int.h"
#include "unit.h"

static char *fixture(const char *name)
{
	char path[512];
	char *text = NULL;
	struct sbx_err err;

	snprintf(path, sizeof(path), SBX_FIXTURE("cgroup/%s"), name);
	ck_assert_msg(sbx_read_file_at(AT_FDCWD, path, &text, NULL, &err) == 0, "%s", err.msg);
	return text;
}

/* Compile `r` and return the value written to `file` ("" if none). */
static const char *value_of(const struct sbx_cgroup_settings *s, const char *file)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].file, file) == 0)
			return s->v[i].value;
	return "";
}

static void compile_err(const struct sbx_resources *r, const char *expected)
{
	struct sbx_cgroup_settings s;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_cgroup_resources_compile(r, "config.json", &s, &err), -1);
	ck_assert_str_eq(err.msg, expected);
	ck_assert_ptr_null(s.v);
}

/* ---- conversions ---- */

START_TEST(shares_to_weight)
{
	/* Fixed points of the log-quadratic mapping and values from its
	 * closed form (checked against a double-precision reference). */
	ck_assert_uint_eq(sbx_cgroup_shares_to_weight(2), 1);
	ck_assert_uint_eq(sbx_cgroup_shares_to_weight(3), 2);
	ck_assert_uint_eq(sbx_cgroup_shares_to_weight(10), 4);
	ck_assert_uint_eq(sbx_cgroup_shares_to_weight(100), 17);
	ck_assert_uint_eq(sbx_cgroup_shares_to_weight(512), 59);
	ck_assert_uint_eq(sbx_cgroup_shares_to_weight(1024), 100);
	ck_assert_uint_eq(sbx_cgroup_shares_to_weight(2048), 174);
	ck_assert_uint_eq(sbx_cgroup_shares_to_weight(4096), 303);
	ck_assert_uint_eq(sbx_cgroup_shares_to_weight(10000), 627);
	ck_assert_uint_eq(sbx_cgroup_shares_to_weight(100000), 4340);
	ck_assert_uint_eq(sbx_cgroup_shares_to_weight(262143), 10000);
	ck_assert_uint_eq(sbx_cgroup_shares_to_weight(262144), 10000);
	/* monotonic and in range over the whole domain */
	uint64_t prev = 0;
	for (uint64_t s = 2; s <= 262144; s++) {
		uint64_t w = sbx_cgroup_shares_to_weight(s);
		ck_assert_msg(w >= prev && w >= 1 && w <= 10000, "shares %lu -> %lu", (unsigned long)s,
			      (unsigned long)w);
		prev = w;
	}
}
END_TEST

START_TEST(blkio_weight)
{
	ck_assert_uint_eq(sbx_cgroup_blkio_to_io_weight(10), 1);
	ck_assert_uint_eq(sbx_cgroup_blkio_to_io_weight(500), 4950);
	ck_assert_uint_eq(sbx_cgroup_blkio_to_io_weight(1000), 10000);
}
END_TEST

/* ---- resources -> files ---- */

START_TEST(memory_files)
{
	struct sbx_resources r = { .present = true };
	struct sbx_cgroup_settings s;
	struct sbx_err err = { 0 };

	r.memory.present = true;
	r.memory.has_limit = true;
	r.memory.limit = 64 << 20;
	r.memory.has_reservation = true;
	r.memory.reservation = 32 << 20;
	r.memory.has_swap = true;
	r.memory.swap = 96 << 20;
	r.memory.has_kernel = true; /* ignored, deprecated */
	r.memory.kernel = 1 << 20;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_str_eq(value_of(&s, "memory.max"), "67108864");
	ck_assert_str_eq(value_of(&s, "memory.low"), "33554432");
	ck_assert_str_eq(value_of(&s, "memory.swap.max"), "33554432"); /* 96M - 64M */
	ck_assert_uint_eq(s.n, 3);
	ck_assert_uint_eq(s.controllers, SBX_CG_MEMORY);
	ck_assert_str_eq(s.why[3], "memory limit (linux.resources.memory.limit)");
	/* memory.max is written before memory.swap.max */
	ck_assert_str_eq(s.v[0].file, "memory.max");
	sbx_cgroup_settings_free(&s);

	r.memory.limit = -1;
	r.memory.swap = -1;
	r.memory.has_reservation = false;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_str_eq(value_of(&s, "memory.max"), "max");
	ck_assert_str_eq(value_of(&s, "memory.swap.max"), "max");
	sbx_cgroup_settings_free(&s);

	/* swap == limit: no swap at all */
	r.memory.limit = 8 << 20;
	r.memory.swap = 8 << 20;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_str_eq(value_of(&s, "memory.swap.max"), "0");
	sbx_cgroup_settings_free(&s);
}
END_TEST

START_TEST(memory_errors)
{
	struct sbx_resources r = { .present = true };

	r.memory.present = true;
	r.memory.has_limit = true;
	r.memory.limit = -5;
	compile_err(&r, "config.json: linux.resources.memory.limit: -5 is invalid: must be -1"
		    " (unlimited) or a number of bytes > 0");
	r.memory.limit = 100;
	r.memory.has_swap = true;
	r.memory.swap = 50;
	compile_err(&r, "config.json: linux.resources.memory.swap: 50 is less than memory.limit 100"
		    " (swap is the memory+swap total, so it must be >= limit)");
	r.memory.has_limit = false;
	compile_err(&r, "config.json: linux.resources.memory.swap: a swap limit (50) needs a memory"
		    " limit: set linux.resources.memory.limit (swap is the memory+swap total)");
	r.memory.has_swap = false;
	r.memory.has_disable_oom_killer = true;
	r.memory.disable_oom_killer = true;
	compile_err(&r, "config.json: linux.resources.memory.disableOOMKiller: not supported on"
		    " cgroup v2 (the kernel has no per-cgroup switch for the OOM killer); remove it"
		    " or set it to false");
	r.memory.disable_oom_killer = false;
	r.memory.has_swappiness = true;
	compile_err(&r, "config.json: linux.resources.memory.swappiness: not supported on cgroup v2"
		    " (there is no per-cgroup swappiness); remove it");
}
END_TEST

START_TEST(cpu_files)
{
	struct sbx_resources r = { .present = true };
	struct sbx_cgroup_settings s;
	struct sbx_err err = { 0 };

	r.cpu.present = true;
	r.cpu.has_shares = true;
	r.cpu.shares = 1024;
	r.cpu.has_quota = true;
	r.cpu.quota = 50000;
	r.cpu.has_period = true;
	r.cpu.period = 100000;
	r.cpu.has_burst = true;
	r.cpu.burst = 1000;
	r.cpu.has_idle = true;
	r.cpu.idle = 0;
	r.cpu.cpus = "0-1,3";
	r.cpu.mems = "0";
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_str_eq(value_of(&s, "cpu.weight"), "100");
	ck_assert_str_eq(value_of(&s, "cpu.max"), "50000 100000");
	ck_assert_str_eq(value_of(&s, "cpu.max.burst"), "1000");
	ck_assert_str_eq(value_of(&s, "cpu.idle"), "0");
	ck_assert_str_eq(value_of(&s, "cpuset.cpus"), "0-1,3");
	ck_assert_str_eq(value_of(&s, "cpuset.mems"), "0");
	ck_assert_uint_eq(s.controllers, SBX_CG_CPU | SBX_CG_CPUSET);
	sbx_cgroup_settings_free(&s);

	/* unlimited quota keeps the period; quota without a period: 100ms */
	r.cpu.quota = -1;
	r.cpu.has_burst = r.cpu.has_idle = r.cpu.has_shares = false;
	r.cpu.cpus = r.cpu.mems = NULL;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_str_eq(value_of(&s, "cpu.max"), "max 100000");
	sbx_cgroup_settings_free(&s);
	r.cpu.quota = 20000;
	r.cpu.has_period = false;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_str_eq(value_of(&s, "cpu.max"), "20000 100000");
	ck_assert_uint_eq(s.n, 1);
	sbx_cgroup_settings_free(&s);
}
END_TEST

START_TEST(cpu_errors)
{
	struct sbx_resources r = { .present = true };

	r.cpu.present = true;
	r.cpu.has_shares = true;
	r.cpu.shares = 1;
	compile_err(&r, "config.json: linux.resources.cpu.shares: 1 is out of range [2, 262144]");
	r.cpu.shares = 300000;
	compile_err(&r, "config.json: linux.resources.cpu.shares: 300000 is out of range [2, 262144]");
	r.cpu.has_shares = false;
	r.cpu.has_quota = true;
	r.cpu.quota = 500;
	compile_err(&r, "config.json: linux.resources.cpu.quota: 500 is too small: the minimum is"
		    " 1000 (microseconds)");
	r.cpu.quota = 5000;
	r.cpu.has_period = true;
	r.cpu.period = 2000000;
	compile_err(&r, "config.json: linux.resources.cpu.period: 2000000 is out of range [1000,"
		    " 1000000] (microseconds)");
	r.cpu.has_quota = r.cpu.has_period = false;
	r.cpu.has_idle = true;
	r.cpu.idle = 2;
	compile_err(&r, "config.json: linux.resources.cpu.idle: 2 is invalid: must be 0 or 1");
	r.cpu.has_idle = false;
	r.cpu.has_realtime_runtime = true;
	r.cpu.realtime_runtime = 950000;
	compile_err(&r, "config.json: linux.resources.cpu.realtimeRuntime: not supported on cgroup v2"
		    " (the cpu controller has no realtime bandwidth interface); remove"
		    " realtimeRuntime/realtimePeriod");
	r.cpu.has_realtime_runtime = false;
	r.cpu.cpus = "0-";
	compile_err(&r, "config.json: linux.resources.cpu.cpus: \"0-\" is not a cpu list (e.g. \"0-3,5\")");
	r.cpu.cpus = "3-1";
	compile_err(&r, "config.json: linux.resources.cpu.cpus: \"3-1\" is not a cpu list (e.g. \"0-3,5\")");
	r.cpu.cpus = NULL;
	r.cpu.mems = "a";
	compile_err(&r, "config.json: linux.resources.cpu.mems: \"a\" is not a memory node list (e.g. \"0-1\")");
}
END_TEST

START_TEST(pids_io_hugetlb)
{
	struct sbx_resources r = { .present = true };
	struct sbx_cgroup_settings s;
	struct sbx_err err = { 0 };
	struct sbx_blkio_throttle rb[] = { { 8, 0, 1048576 } }, wi[] = { { 8, 0, 100 }, { 253, 1, 0 } };
	struct sbx_blkio_weight_device wd[] = { { .major = 8, .minor = 16, .has_weight = true, .weight = 500 } };
	struct sbx_hugepage_limit hp[] = { { "2MB", 4194304 } };

	r.pids.present = true;
	r.pids.limit = 0;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_str_eq(value_of(&s, "pids.max"), "max");
	sbx_cgroup_settings_free(&s);
	r.pids.limit = 20;
	r.blkio.present = true;
	r.blkio.has_weight = true;
	r.blkio.weight = 500;
	r.blkio.weight_device = wd;
	r.blkio.n_weight_device = 1;
	r.blkio.throttle_read_bps = rb;
	r.blkio.n_throttle_read_bps = 1;
	r.blkio.throttle_write_iops = wi;
	r.blkio.n_throttle_write_iops = 2;
	r.hugepage_limits = hp;
	r.n_hugepage_limits = 1;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_str_eq(value_of(&s, "pids.max"), "20");
	ck_assert_str_eq(value_of(&s, "hugetlb.2MB.max"), "4194304");
	ck_assert_uint_eq(s.controllers, SBX_CG_PIDS | SBX_CG_IO | SBX_CG_HUGETLB);
	/* weights: BFQ first, io.weight (converted) as the alternative */
	size_t nw = 0, nmax = 0;
	for (size_t i = 0; i < s.n; i++) {
		if (strcmp(s.v[i].file, "io.bfq.weight") == 0) {
			ck_assert_str_eq(s.v[i].alt_file, "io.weight");
			if (nw++ == 0) {
				ck_assert_str_eq(s.v[i].value, "default 500");
				ck_assert_str_eq(s.v[i].alt_value, "default 4950");
			} else {
				ck_assert_str_eq(s.v[i].value, "8:16 500");
				ck_assert_str_eq(s.v[i].alt_value, "8:16 4950");
			}
		}
		if (strcmp(s.v[i].file, "io.max") == 0) {
			/* one line per device, both limits of 8:0 together */
			if (nmax++ == 0)
				ck_assert_str_eq(s.v[i].value, "8:0 rbps=1048576 wiops=100");
			else
				ck_assert_str_eq(s.v[i].value, "253:1 wiops=max");
		}
	}
	ck_assert_uint_eq(nw, 2);
	ck_assert_uint_eq(nmax, 2);
	sbx_cgroup_settings_free(&s);

	r.blkio.weight = 5;
	compile_err(&r, "config.json: linux.resources.blockIO.weight: 5 is out of range [10, 1000]");
	r.blkio.weight = 500;
	wi[1].major = -2;
	compile_err(&r, "config.json: linux.resources.blockIO.throttleWriteIOPSDevice[1]: invalid"
		    " device -2:1");
	wi[1].major = 253;
	hp[0].page_size = "2M";
	compile_err(&r, "config.json: linux.resources.hugepageLimits[0].pageSize: \"2M\" is not a"
		    " page size like \"2MB\" or \"1GB\"");
}
END_TEST

START_TEST(unified_validation)
{
	struct sbx_resources r = { .present = true };
	struct sbx_cgroup_settings s;
	struct sbx_err err = { 0 };
	struct sbx_kv kv[2] = { { "memory.high", "50M" }, { "cgroup.max.depth", "3" } };

	r.unified = kv;
	r.n_unified = 2;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_str_eq(value_of(&s, "memory.high"), "50M");
	ck_assert_str_eq(value_of(&s, "cgroup.max.depth"), "3");
	ck_assert_uint_eq(s.controllers, SBX_CG_MEMORY);
	sbx_cgroup_settings_free(&s);

	r.n_unified = 1;
	kv[0].key = "../../../proc/sys/kernel/core_pattern";
	compile_err(&r, "config.json: linux.resources.unified: key"
		    " \"../../../proc/sys/kernel/core_pattern\" is not a cgroup file name (no '/' or"
		    " '..' allowed)");
	kv[0].key = "memory..high";
	compile_err(&r, "config.json: linux.resources.unified: key \"memory..high\" is not a cgroup"
		    " file name (no '/' or '..' allowed)");
	kv[0].key = "foo.bar";
	compile_err(&r, "config.json: linux.resources.unified: key \"foo.bar\": unknown controller \"foo\"");
	kv[0].key = "memory";
	compile_err(&r, "config.json: linux.resources.unified: key \"memory\" is not of the form"
		    " <controller>.<file>");
	kv[0].key = "cgroup.procs";
	compile_err(&r, "config.json: linux.resources.unified: key \"cgroup.procs\" is managed by the"
		    " runtime and cannot be set");
	kv[0].key = "cgroup.kill";
	compile_err(&r, "config.json: linux.resources.unified: key \"cgroup.kill\" is managed by the"
		    " runtime and cannot be set");
	kv[0].key = "pids.max";
	kv[0].value = "";
	compile_err(&r, "config.json: linux.resources.unified.pids.max: empty value");
}
END_TEST

/* ---- parsing ---- */

START_TEST(parse_mountinfo)
{
	unsigned v1 = 0;
	char *t = fixture("mountinfo-hybrid");
	char *m = sbx_cgroup_parse_mountinfo(t, &v1);

	ck_assert_str_eq(m, "/sys/fs/cgroup/unified");
	ck_assert_uint_eq(v1, SBX_CG_CPU | SBX_CG_CPUSET | SBX_CG_MEMORY | SBX_CG_IO | SBX_CG_PIDS);
	free(m);
	free(t);

	t = fixture("mountinfo-v2");
	m = sbx_cgroup_parse_mountinfo(t, &v1);
	ck_assert_str_eq(m, "/sys/fs/cgroup"); /* the first one */
	ck_assert_uint_eq(v1, 0);
	free(m);
	free(t);

	t = fixture("mountinfo-escaped");
	m = sbx_cgroup_parse_mountinfo(t, NULL);
	ck_assert_str_eq(m, "/run/my cg\\x");
	free(m);
	free(t);

	t = fixture("mountinfo-none");
	ck_assert_ptr_null(sbx_cgroup_parse_mountinfo(t, &v1));
	ck_assert_uint_eq(v1, SBX_CG_MEMORY);
	free(t);
}
END_TEST

START_TEST(parse_proc_cgroup)
{
	char *t = fixture("proc-cgroup-hybrid"), *p = sbx_cgroup_parse_proc_cgroup(t);

	ck_assert_str_eq(p, "/user.slice/user-1000.slice/session-2.scope");
	free(p);
	free(t);
	t = fixture("proc-cgroup-v2");
	p = sbx_cgroup_parse_proc_cgroup(t);
	ck_assert_str_eq(p, "/user.slice/user-1000.slice/user@1000.service/app.slice/vte-spawn-1.scope");
	free(p);
	free(t);
	t = fixture("proc-cgroup-v1only");
	ck_assert_ptr_null(sbx_cgroup_parse_proc_cgroup(t));
	free(t);
	p = sbx_cgroup_parse_proc_cgroup("0::\n");
	ck_assert_str_eq(p, "/");
	free(p);
	ck_assert_uint_eq(sbx_cgroup_parse_ctrl_list("cpuset cpu io memory hugetlb pids rdma misc\n"),
			  0xff);
	ck_assert_uint_eq(sbx_cgroup_parse_ctrl_list("hugetlb\n"), SBX_CG_HUGETLB);
	ck_assert_uint_eq(sbx_cgroup_parse_ctrl_list(""), 0);
}
END_TEST

START_TEST(derive_path)
{
	char *p = NULL;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_cgroup_derive_path(NULL, "c1", "/user-1000/init", false, &p, &err), 0);
	ck_assert_str_eq(p, "/sbxrun/sbx-c1");
	free(p);
	ck_assert_int_eq(sbx_cgroup_derive_path(NULL, "c1", "/user-1000/init", true, &p, &err), 0);
	ck_assert_str_eq(p, "/user-1000/init/sbx-c1");
	free(p);
	ck_assert_int_eq(sbx_cgroup_derive_path("", "c1", "/", true, &p, &err), 0);
	ck_assert_str_eq(p, "/sbx-c1");
	free(p);
	ck_assert_int_eq(sbx_cgroup_derive_path("/a//b/", "c1", "/x", true, &p, &err), 0);
	ck_assert_str_eq(p, "/a/b");
	free(p);
	ck_assert_int_eq(sbx_cgroup_derive_path("pods/c1", "c1", "/x/y", true, &p, &err), 0);
	ck_assert_str_eq(p, "/x/y/pods/c1");
	free(p);
	ck_assert_int_eq(sbx_cgroup_derive_path("pods/c1", "c1", "/x/y", false, &p, &err), 0);
	ck_assert_str_eq(p, "/sbxrun/pods/c1");
	free(p);

	ck_assert_int_eq(sbx_cgroup_derive_path("../../etc", "c1", "/x", true, &p, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: linux.cgroupsPath: \"../../etc\": \"..\" components"
			 " are not allowed in a cgroup path");
	ck_assert_ptr_null(p);
	ck_assert_int_eq(sbx_cgroup_derive_path("/a/./b", "c1", "/x", true, &p, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: linux.cgroupsPath: \"/a/./b\": \".\" components"
			 " are not allowed in a cgroup path");
	ck_assert_int_eq(sbx_cgroup_derive_path("system.slice:sbx:c1", "c1", "/", false, &p, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: linux.cgroupsPath: \"system.slice:sbx:c1\" is a"
			 " systemd path (slice:prefix:name); sbxrun manages cgroupfs paths only: use a"
			 " path like \"/mygroup/c1\"");
	ck_assert_int_eq(sbx_cgroup_derive_path("//", "c1", "/", false, &p, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: linux.cgroupsPath: \"//\" names the cgroup root; a"
			 " container needs a cgroup of its own");
	ck_assert_int_eq(sbx_cgroup_derive_path(NULL, "a/b", "/", false, &p, &err), -1);
	ck_assert_str_eq(err.msg, "cgroup: invalid container id \"a/b\" for a cgroup name");
}
END_TEST

/* ---- this host ---- */

/* find_mount asks statfs at /sys/fs/cgroup and /sys/fs/cgroup/unified
 * before it reads mountinfo (issue 8: exec's cost): on this host (hybrid)
 * and in the VM (unified), its answer must be mountinfo's. */
START_TEST(host_mount_matches_mountinfo)
{
	char *mi = NULL, *want = NULL, *got = sbx_cgroup_find_mount();
	struct sbx_err err;

	ck_assert_int_eq(sbx_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mi, NULL, &err), 0);
	want = sbx_cgroup_parse_mountinfo(mi, NULL);
	if (want)
		ck_assert_msg(got && !strcmp(got, want), "find_mount %s, mountinfo %s",
			      got ? got : "(none)", want);
	else
		ck_assert_ptr_null(got);
	free(mi);
	free(want);
	free(got);
}
END_TEST

static bool host_has_memory_v2(char **mount)
{
	char *mi = NULL, *ctl = NULL;
	struct sbx_err err;
	bool r = false;

	*mount = NULL;
	if (sbx_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mi, NULL, &err) < 0)
		return false;
	*mount = sbx_cgroup_parse_mountinfo(mi, NULL);
	free(mi);
	if (*mount) {
		char p[512];
		snprintf(p, sizeof(p), "%s/cgroup.controllers", *mount);
		if (sbx_read_file_at(AT_FDCWD, p, &ctl, NULL, &err) == 0)
			r = sbx_cgroup_parse_ctrl_list(ctl) & SBX_CG_MEMORY;
		free(ctl);
	}
	return r;
}

/* A resource-less container never fails because of cgroups: enter either
 * places the pid in a real cgroup (root) or returns NULL (no permission). */
static void enter_without_resources(const char *id, bool expect_cgroup)
{
	struct sbx_config cfg;
	struct sbx_cgroup_plan *plan = NULL;
	struct sbx_err err = { 0 };
	char *path = (char *)1;
	pid_t child;
	int st;

	memset(&cfg, 0, sizeof(cfg));
	cfg.has_linux = true;
	ck_assert_msg(sbx_cgroup_compile(&cfg, id, geteuid() != 0, &plan, &err) == 0, "%s", err.msg);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	ck_assert_msg(sbx_cgroup_prepare(plan, NULL, NULL, &path, &err) == 0, "%s", err.msg);
	if (path)
		ck_assert_msg(sbx_cgroup_add_pid(path, child, &err) == 0, "%s", err.msg);
	if (expect_cgroup) {
		char procs[512], *txt = NULL, pidline[32];
		ck_assert_ptr_nonnull(path);
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
		ck_assert_int_eq(sbx_read_file_at(AT_FDCWD, procs, &txt, NULL, &err), 0);
		snprintf(pidline, sizeof(pidline), "%d\n", (int)child);
		ck_assert_str_eq(txt, pidline);
		free(txt);
		/* freeze/thaw work on any v2 cgroup (core files) */
		ck_assert_msg(sbx_cgroup_freeze(path, true, &err) == 0, "%s", err.msg);
		ck_assert_int_eq(sbx_cgroup_is_frozen(path, &err), 1);
		ck_assert_msg(sbx_cgroup_freeze(path, false, &err) == 0, "%s", err.msg);
		ck_assert_int_eq(sbx_cgroup_is_frozen(path, &err), 0);
		pid_t *pids = NULL;
		size_t n = 0;
		ck_assert_int_eq(sbx_cgroup_list_pids(path, &pids, &n, &err), 0);
		ck_assert_uint_eq(n, 1);
		ck_assert_int_eq(pids[0], child);
		free(pids);
		ck_assert_msg(sbx_cgroup_destroy(path, true, &err) == 0, "%s", err.msg);
		ck_assert_int_eq(access(path, F_OK), -1);
	} else {
		ck_assert_ptr_null(path);
		kill(child, SIGKILL);
	}
	ck_assert_int_eq(waitpid(child, &st, 0), child);
	free(path);
	sbx_cgroup_plan_free(plan);
}

START_TEST(host_no_resources)
{
	char *mount = NULL;
	(void)host_has_memory_v2(&mount);
	if (!mount) {
		/* no cgroup2 at all: compile+enter must still succeed */
		enter_without_resources("unit-nores", false);
		return;
	}
	free(mount);
	if (geteuid() == 0) {
		enter_without_resources("unit-nores-root", true);
		/* and as an unprivileged user without delegation: NULL path */
		pid_t c = fork();
		int st;
		ck_assert_int_ge(c, 0);
		if (c == 0) {
			struct passwd *pw = getpwnam("nobody");
			uid_t u = pw ? pw->pw_uid : 65534;
			if (setresgid(u, u, u) < 0 || setresuid(u, u, u) < 0)
				_exit(3);
			/* the default rootless path is the caller's cgroup, here
			 * root-owned: no permission -> proceed without one */
			enter_without_resources("unit-nores-user", false);
			_exit(0);
		}
		ck_assert_int_eq(waitpid(c, &st, 0), c);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "unprivileged child failed: %#x", st);
	} else {
		enter_without_resources("unit-nores-user", false);
	}
}
END_TEST

START_TEST(host_memory_limit_needs_v2)
{
	struct sbx_config cfg;
	struct sbx_cgroup_plan *plan = NULL;
	struct sbx_err err = { 0 };
	char *mount = NULL, expected[1024];
	bool has = host_has_memory_v2(&mount);

	memset(&cfg, 0, sizeof(cfg));
	cfg.has_linux = true;
	cfg.linux.resources.present = true;
	cfg.linux.resources.memory.present = true;
	cfg.linux.resources.memory.has_limit = true;
	cfg.linux.resources.memory.limit = 64 << 20;
	if (has || !mount) {
		/* pure v2 host: the plan compiles (placement is tested in the VM);
		 * no v2 at all: the no-hierarchy error */
		int r = sbx_cgroup_compile(&cfg, "unit-mem", geteuid() != 0, &plan, &err);
		if (has)
			ck_assert_msg(r == 0, "%s", err.msg);
		else
			ck_assert_int_eq(r, -1);
		sbx_cgroup_plan_free(plan);
		free(mount);
		return;
	}
	snprintf(expected, sizeof(expected),
		 "cgroup: memory limit (linux.resources.memory.limit) requested but the memory"
		 " controller is not available in the cgroup v2 hierarchy at %s (this host uses"
		 " cgroup v1 for it); sbxrun supports cgroup v2 only: boot with"
		 " systemd.unified_cgroup_hierarchy=1 (or cgroup_no_v1=memory) so that the controller"
		 " is on cgroup v2, or remove the limit from the config", mount);
	ck_assert_int_eq(sbx_cgroup_compile(&cfg, "unit-mem", geteuid() != 0, &plan, &err), -1);
	ck_assert_str_eq(err.msg, expected);
	ck_assert_ptr_null(plan);
	free(mount);
}
END_TEST

/* Limits requested, controller available (hugetlb is on v2 on this hybrid
 * host) but no delegation: the error names the unwritable directory and the
 * fix.  Run as an unprivileged user (forked + setuid when we are root). */
static void perm_error_as_user(void)
{
	struct sbx_config cfg;
	struct sbx_cgroup_plan *plan = NULL;
	struct sbx_err err = { 0 };
	struct sbx_hugepage_limit hp[] = { { "2MB", 0 } };
	char *path = NULL, *mount = NULL, *pc = NULL, *own = NULL, expected[1024];

	(void)host_has_memory_v2(&mount);
	ck_assert_int_eq(sbx_read_file_at(AT_FDCWD, "/proc/self/cgroup", &pc, NULL, &err), 0);
	own = sbx_cgroup_parse_proc_cgroup(pc);
	free(pc);
	pc = own;
	if (!mount || !own || strcmp(own, "/") != 0 || access(mount, W_OK) == 0) {
		/* not this host's layout: covered by the VM test */
		free(mount);
		free(pc);
		SBX_SKIP("needs a read-only cgroup2 at / of this host's layout: covered by the VM test");
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.has_linux = true;
	cfg.linux.resources.present = true;
	cfg.linux.resources.hugepage_limits = hp;
	cfg.linux.resources.n_hugepage_limits = 1;
	if (sbx_cgroup_compile(&cfg, "unit-hp", true, &plan, &err) < 0) {
		/* hugetlb not on v2 here: the controller error instead */
		ck_assert_ptr_nonnull(strstr(err.msg, "the hugetlb controller is not available"));
	} else {
		snprintf(expected, sizeof(expected), "cgroup: create %s/sbx-unit-hp: %s is not writable"
			 " by uid %u: enable delegation (systemd: Delegate=yes, e.g. 'systemctl edit"
			 " user@.service', see docs/cgroups.md) or run as root", mount, mount,
			 (unsigned)geteuid());
		ck_assert_int_eq(sbx_cgroup_prepare(plan, NULL, NULL, &path, &err), -1);
		ck_assert_str_eq(err.msg, expected);
		ck_assert_int_eq(err.errnum, EACCES);
		ck_assert_ptr_null(path);
	}
	sbx_cgroup_plan_free(plan);
	free(mount);
	free(pc);
}

START_TEST(host_limits_without_delegation)
{
	if (geteuid() != 0) {
		perm_error_as_user();
		return;
	}
	pid_t c = fork();
	int st;
	ck_assert_int_ge(c, 0);
	if (c == 0) {
		struct passwd *pw = getpwnam("nobody");
		uid_t u = pw ? pw->pw_uid : 65534;
		if (setresgid(u, u, u) < 0 || setresuid(u, u, u) < 0)
			_exit(3);
		perm_error_as_user();
		_exit(0);
	}
	ck_assert_int_eq(waitpid(c, &st, 0), c);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "unprivileged child failed: %#x", st);
}
END_TEST

/* runtime-spec config-linux: pids.limit 0/-1, memory limit/swap -1 and a
 * quota of -1 mean "no limit".  They are what a new cgroup holds already,
 * so they must not demand a controller (issue 9 item 9: podman sends
 * pids {limit: 0}); a real limit still does. */
START_TEST(nolimit_values_need_no_controller)
{
	struct sbx_resources r = { .present = true };
	struct sbx_blkio_throttle z[] = { { 8, 0, 0 } };
	struct sbx_cgroup_settings s;
	struct sbx_err err = { 0 };

	r.pids.present = true;
	r.pids.limit = -1;
	r.memory.present = r.memory.has_limit = r.memory.has_swap = true;
	r.memory.limit = r.memory.swap = -1;
	r.cpu.present = r.cpu.has_quota = r.cpu.has_burst = r.cpu.has_idle = true;
	r.cpu.quota = -1;
	r.blkio.present = true;
	r.blkio.throttle_read_bps = z;
	r.blkio.n_throttle_read_bps = 1;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_uint_eq(s.controllers, 0);
	ck_assert_uint_eq(s.n_limits, 0);
	/* still there for `update`, which lifts an earlier limit with them */
	ck_assert_str_eq(value_of(&s, "pids.max"), "max");
	ck_assert_str_eq(value_of(&s, "memory.max"), "max");
	ck_assert_str_eq(value_of(&s, "memory.swap.max"), "max");
	ck_assert_str_eq(value_of(&s, "cpu.max"), "max 100000");
	ck_assert_str_eq(value_of(&s, "cpu.max.burst"), "0");
	ck_assert_str_eq(value_of(&s, "cpu.idle"), "0");
	ck_assert_str_eq(value_of(&s, "io.max"), "8:0 rbps=max");
	for (size_t i = 0; i < s.n; i++)
		ck_assert_msg(s.v[i].is_default, "%s is not a default", s.v[i].file);
	sbx_cgroup_settings_free(&s);

	r.pids.limit = 0;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_uint_eq(s.controllers, 0);
	sbx_cgroup_settings_free(&s);

	/* a real value next to them: only its controller is needed */
	r.pids.limit = 100;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_uint_eq(s.controllers, SBX_CG_PIDS);
	ck_assert_uint_eq(s.n_limits, 1);
	sbx_cgroup_settings_free(&s);

	/* a period without a quota is a setting, not the default */
	r.pids.limit = 0;
	r.cpu.has_period = true;
	r.cpu.period = 50000;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_str_eq(value_of(&s, "cpu.max"), "max 50000");
	ck_assert_uint_eq(s.controllers, SBX_CG_CPU);
	sbx_cgroup_settings_free(&s);
}
END_TEST

/* linux.resources.rdma -> rdma.max, one line per device. */
START_TEST(rdma_files)
{
	struct sbx_resources r = { .present = true };
	struct sbx_rdma_limit l[] = {
		{ .device = "mlx5_0", .has_handles = true, .handles = 3, .has_objects = true,
		  .objects = 10000 },
		{ .device = "mlx5_1", .has_objects = true, .objects = 5 },
		{ .device = "mlx5_2" },
	};
	struct sbx_cgroup_settings s;
	struct sbx_err err = { 0 };

	r.rdma = l;
	r.n_rdma = 3;
	ck_assert_int_eq(sbx_cgroup_resources_compile(&r, "config.json", &s, &err), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(s.v[0].value, "mlx5_0 hca_handle=3 hca_object=10000");
	ck_assert_str_eq(s.v[1].value, "mlx5_1 hca_handle=max hca_object=5");
	ck_assert_str_eq(s.v[2].value, "mlx5_2 hca_handle=max hca_object=max");
	ck_assert(s.v[2].is_default);
	ck_assert_uint_eq(s.controllers, SBX_CG_RDMA);
	ck_assert_uint_eq(s.n_limits, 2);
	sbx_cgroup_settings_free(&s);
}
END_TEST

/* The same on this host: no usable controller, yet "no limit" values
 * compile and prepare (as root and as a user without delegation). */
static void nolimit_on_host(bool rootless)
{
	struct sbx_config cfg;
	struct sbx_cgroup_plan *plan = NULL;
	struct sbx_err err = { 0 };
	char *path = NULL;

	memset(&cfg, 0, sizeof(cfg));
	cfg.has_linux = true;
	cfg.linux.resources.present = true;
	cfg.linux.resources.pids.present = true;
	cfg.linux.resources.pids.limit = 0;
	cfg.linux.resources.memory.present = true;
	cfg.linux.resources.memory.has_limit = true;
	cfg.linux.resources.memory.limit = -1;
	cfg.linux.resources.cpu.present = true;
	cfg.linux.resources.cpu.has_quota = true;
	cfg.linux.resources.cpu.quota = -1;
	ck_assert_msg(sbx_cgroup_compile(&cfg, "unit-nolimit", rootless, &plan, &err) == 0, "%s",
		      err.msg);
	ck_assert_msg(sbx_cgroup_prepare(plan, NULL, NULL, &path, &err) == 0, "%s", err.msg);
	if (path) {
		ck_assert_int_eq(sbx_cgroup_destroy(path, true, &err), 0);
		free(path);
	}
	sbx_cgroup_plan_free(plan);
}

START_TEST(host_nolimit_values)
{
	pid_t c;
	int st;

	if (geteuid() == 0)
		nolimit_on_host(false);
	c = fork();
	ck_assert_int_ge(c, 0);
	if (c == 0) {
		struct passwd *pw = getpwnam("nobody");
		uid_t u = pw ? pw->pw_uid : 65534;
		if (geteuid() == 0 && (setresgid(u, u, u) < 0 || setresuid(u, u, u) < 0))
			_exit(3);
		nolimit_on_host(true);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(c, &st, 0), c);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "unprivileged child failed: %#x", st);
}
END_TEST

START_TEST(ops_refuse_foreign_paths)
{
	struct sbx_err err = { 0 };
	struct sbx_resources r = { .present = true };

	r.pids.present = true;
	r.pids.limit = 5;
	ck_assert_int_eq(sbx_cgroup_update("/proc/sys/kernel", &r, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/proc/sys/kernel is not a cgroup under "));
	ck_assert_int_eq(sbx_cgroup_freeze(NULL, true, &err), -1);
	ck_assert_str_eq(err.msg, "cgroup: the container has no cgroup (it was started without one:"
			 " no usable cgroup v2, see docs/cgroups.md)");
	ck_assert_int_eq(sbx_cgroup_destroy(NULL, true, &err), 0);
	ck_assert_int_eq(sbx_cgroup_destroy("", false, &err), 0);
	ck_assert_uint_eq(sbx_cgroup_oom_killed(NULL, NULL, 0), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, shares_to_weight);
	tcase_add_test(tc, blkio_weight);
	tcase_add_test(tc, memory_files);
	tcase_add_test(tc, memory_errors);
	tcase_add_test(tc, cpu_files);
	tcase_add_test(tc, cpu_errors);
	tcase_add_test(tc, pids_io_hugetlb);
	tcase_add_test(tc, unified_validation);
	tcase_add_test(tc, parse_mountinfo);
	tcase_add_test(tc, parse_proc_cgroup);
	tcase_add_test(tc, derive_path);
	tcase_add_test(tc, host_no_resources);
	tcase_add_test(tc, host_memory_limit_needs_v2);
	tcase_add_test(tc, host_mount_matches_mountinfo);
	tcase_add_test(tc, host_limits_without_delegation);
	tcase_add_test(tc, ops_refuse_foreign_paths);
	tcase_add_test(tc, nolimit_values_need_no_controller);
	tcase_add_test(tc, rdma_files);
	tcase_add_test(tc, host_nolimit_values);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
