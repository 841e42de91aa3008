/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup v2: operations on a live container's cgroup, for the lifecycle
 * commands (update, pause/resume, events, delete, the OOM report of run).
 * The cgroup path comes from the state store, i.e. from sbxrun itself; it
 * is still checked to lie under the cgroup2 mount so that a tampered state
 * file cannot make `update` write into an arbitrary sysfs/procfs file.
 */
#include "sbx/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sbx/devcg.h"
#include "sbx/idmap.h"
#include "sbx/log.h"
#include "cgroup_int.h"

/* How long `pause` waits for every task to reach the freezer (a task in
 * uninterruptible sleep gets there only when it wakes), polling
 * cgroup.events at this interval: it only changes when a task freezes. */
#define FREEZE_WAIT_MS 5000
#define FREEZE_POLL_MS 5

/* New linux.resources.devices: a new program replaces the container's.
 * Root only (as at create); rootless it is skipped with a debug log. */
static int update_devices(const char *path, const struct sbx_resources *r, struct sbx_err *err)
{
	struct sbx_devcg_prog prog;
	int ret;

	if (geteuid() != 0 || !sbx_userns_is_initial()) {
		sbx_debug("cgroup: update: rootless: linux.resources.devices not enforced (attaching a"
			  " device program needs root)");
		return 0;
	}
	if (sbx_devcg_compile(r->devices, r->n_devices, NULL, 0, "resources", &prog, err) < 0)
		return -1;
	ret = sbx_devcg_enforce(&prog, path, true, err);
	sbx_devcg_prog_free(&prog);
	return ret;
}

int sbx_cgroup_check_path(const char *path, struct sbx_err *err)
{
	return sbx_cgroup_check_under_mount(path, NULL, err);
}

/* runc's `update --memory-swap` alone: memory+swap (the v1 semantics)
 * is relative to the memory limit currently in force, so that limit is
 * read from the cgroup.  Unreadable or "max": the swap value stands alone,
 * as before the update. */
static void current_memory_limit(const char *path, struct sbx_resources *r)
{
	_sbx_cleanup_free_ char *txt = NULL;
	struct sbx_err ign;
	char mx[32];
	int64_t cur;

	if (!r->memory.has_swap || r->memory.has_limit || !path || !*path)
		return;
	if (sbx_cgroup_read_file(path, "memory.max", &txt, &ign) < 0)
		return;
	snprintf(mx, sizeof(mx), "%s", txt);
	mx[strcspn(mx, "\n")] = '\0';
	if (sbx_parse_i64(mx, &cur) == 0) {
		r->memory.has_limit = true;
		r->memory.limit = cur;
	}
}

int sbx_cgroup_update(const char *path, const struct sbx_resources *req, struct sbx_err *err)
{
	struct sbx_resources res = *req, *r = &res;
	struct sbx_cgroup_settings set;
	_sbx_cleanup_free_ char *mount = NULL;
	int ret = -1;

	current_memory_limit(path, r);
	if (sbx_cgroup_resources_compile(r, "resources", &set, err) < 0)
		return -1;
	/* Only "no limit" values and no cgroup: nothing was ever limited. */
	if ((!path || !*path) && set.n_limits == 0 && r->n_devices == 0) {
		sbx_cgroup_settings_free(&set);
		return 0;
	}
	if (sbx_cgroup_check_under_mount(path, &mount, err) < 0)
		goto out;
	if (sbx_cgroup_check_available(mount, &set, err) < 0)
		goto out;
	if (set.controllers &&
	    sbx_cgroup_enable_chain(mount, path, set.controllers, 0, err) < 0) {
		sbx_err_prefix(err, "cgroup: update %s", path);
		goto out;
	}
	if (sbx_cgroup_apply_settings(path, &set, true, err) < 0) {
		sbx_err_prefix(err, "cgroup: update %s", path);
		goto out;
	}
	if (r->n_devices && update_devices(path, r, err) < 0)
		goto out;
	ret = 0;
out:
	sbx_cgroup_settings_free(&set);
	return ret;
}

/* Value of `key` in a flat-keyed file ("populated 1\nfrozen 0\n"). */
static int keyed_u64(const char *text, const char *key, uint64_t *out)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ') {
			char *end;
			*out = strtoull(l + kl + 1, &end, 10);
			return 0;
		}
		l = nl ? nl + 1 : NULL;
	}
	return -1;
}

int sbx_cgroup_is_frozen(const char *path, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *ev = NULL;
	uint64_t v = 0;

	if (sbx_cgroup_check_under_mount(path, NULL, err) < 0)
		return -1;
	if (sbx_cgroup_read_file(path, "cgroup.events", &ev, err) < 0)
		return sbx_err_prefix(err, "cgroup");
	if (keyed_u64(ev, "frozen", &v) < 0)
		return sbx_err_set(err, 0, "cgroup: %s/cgroup.events has no \"frozen\" key (kernel"
				   " older than 5.2: no cgroup v2 freezer)", path);
	return v ? 1 : 0;
}

int sbx_cgroup_freeze(const char *path, bool frozen, struct sbx_err *err)
{
	if (sbx_cgroup_check_under_mount(path, NULL, err) < 0)
		return -1;
	if (sbx_cgroup_write_file(path, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return sbx_err_prefix(err, "cgroup: %s", frozen ? "freeze" : "thaw");
	/* The write only starts freezing; the cgroup is frozen once every task
	 * reached the refrigerator, which cgroup.events reports.  Wait for it
	 * so that `pause` returning means the processes are really stopped. */
	for (int i = 0; i < FREEZE_WAIT_MS / FREEZE_POLL_MS; i++) {
		struct timespec ts = { 0, FREEZE_POLL_MS * 1000 * 1000 };
		int r = sbx_cgroup_is_frozen(path, err);
		if (r < 0)
			return -1;
		if ((r == 1) == frozen)
			return 0;
		nanosleep(&ts, NULL);
	}
	return sbx_err_set(err, ETIMEDOUT, "cgroup: %s %s: cgroup.events did not report frozen %d"
			   " within %d s", frozen ? "freeze" : "thaw", path, frozen ? 1 : 0,
			   FREEZE_WAIT_MS / 1000);
}

/* Read a single number or "max" (UINT64_MAX).  -1 if the file is absent. */
static int read_u64(const char *path, const char *file, uint64_t *out)
{
	_sbx_cleanup_free_ char *s = NULL;
	struct sbx_err ign;

	if (sbx_cgroup_read_file(path, file, &s, &ign) < 0)
		return -1;
	if (strncmp(s, "max", 3) == 0)
		*out = UINT64_MAX;
	else
		*out = strtoull(s, NULL, 10);
	return 0;
}

int sbx_cgroup_stats(const char *path, struct sbx_cgroup_stats *out, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *ev = NULL;
	_sbx_cleanup_free_ char *cs = NULL;
	struct sbx_err ign;

	memset(out, 0, sizeof(*out));
	if (sbx_cgroup_check_under_mount(path, NULL, err) < 0)
		return -1;
	if (access(path, F_OK) < 0)
		return sbx_err_set(err, errno, "cgroup: %s", path);
	if (read_u64(path, "memory.current", &out->memory_current) == 0) {
		out->has_memory = true;
		(void)read_u64(path, "memory.max", &out->memory_max);
		(void)read_u64(path, "memory.peak", &out->memory_peak);
		(void)read_u64(path, "memory.swap.current", &out->memory_swap_current);
		if (sbx_cgroup_read_file(path, "memory.events", &ev, &ign) == 0) {
			(void)keyed_u64(ev, "oom", &out->memory_oom);
			(void)keyed_u64(ev, "oom_kill", &out->memory_oom_kill);
		}
	}
	if (read_u64(path, "pids.current", &out->pids_current) == 0) {
		out->has_pids = true;
		(void)read_u64(path, "pids.max", &out->pids_max);
	}
	/* cpu.stat's usage fields are core (present without the controller). */
	if (sbx_cgroup_read_file(path, "cpu.stat", &cs, &ign) == 0) {
		out->has_cpu = true;
		(void)keyed_u64(cs, "usage_usec", &out->cpu_usage_usec);
		(void)keyed_u64(cs, "user_usec", &out->cpu_user_usec);
		(void)keyed_u64(cs, "system_usec", &out->cpu_system_usec);
		(void)keyed_u64(cs, "nr_throttled", &out->cpu_nr_throttled);
		(void)keyed_u64(cs, "throttled_usec", &out->cpu_throttled_usec);
	}
	{
		_sbx_cleanup_free_ char *mx = NULL;
		if (sbx_cgroup_read_file(path, "cpu.max", &mx, &ign) == 0) {
			/* "max 100000" or "50000 100000" */
			char *sp = strchr(mx, ' ');
			out->has_cpu_max = true;
			out->cpu_max_quota = strncmp(mx, "max", 3) == 0 ? UINT64_MAX : strtoull(mx, NULL, 10);
			out->cpu_max_period = sp ? strtoull(sp + 1, NULL, 10) : 0;
		}
		if (read_u64(path, "cpu.weight", &out->cpu_weight) == 0)
			out->has_cpu_weight = true;
	}
	return 0;
}

uint64_t sbx_cgroup_oom_killed(const char *path, char *memory_max, size_t len)
{
	_sbx_cleanup_free_ char *ev = NULL;
	_sbx_cleanup_free_ char *mx = NULL;
	struct sbx_err ign;
	uint64_t n = 0;

	if (memory_max && len)
		memory_max[0] = '\0';
	if (!path || !*path || sbx_cgroup_read_file(path, "memory.events", &ev, &ign) < 0)
		return 0;
	if (keyed_u64(ev, "oom_kill", &n) < 0)
		return 0;
	if (memory_max && len && sbx_cgroup_read_file(path, "memory.max", &mx, &ign) == 0) {
		mx[strcspn(mx, "\n")] = '\0';
		snprintf(memory_max, len, "%s", mx);
	}
	return n;
}
