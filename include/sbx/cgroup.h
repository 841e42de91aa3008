/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup v2.  compile: config -> plan (path, limits as file/value pairs).
 * prepare (parent, before the first fork): create the cgroup and write the
 * limits; the container's first process is born inside it.
 *
 * Hosts without a usable cgroup v2 (hybrid v1+v2, no delegation): with no
 * resources requested, sbxrun proceeds without a cgroup (debug log); with
 * resources requested, it is an error that says why and how to fix it.
 *
 * See docs/cgroups.md for the resources -> file mapping and delegation.
 */
#ifndef SBX_CGROUP_H
#define SBX_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "sbx/config.h"

struct sbx_cgroup_plan; /* opaque */

int sbx_cgroup_compile(const struct sbx_config *cfg, const char *id, bool rootless,
		       struct sbx_cgroup_plan **out, struct sbx_err *err);
void sbx_cgroup_plan_free(struct sbx_cgroup_plan *plan);

/* Parent, before the first fork: create the container's cgroup (enabling
 * the controllers it needs up the tree) and write its limits.  *path_out:
 * malloc'ed absolute path of the cgroup directory, or NULL when proceeding
 * without a cgroup.  The launcher then creates the container's first
 * process directly inside it with clone3(CLONE_INTO_CGROUP), which avoids
 * migrating a running process (a write to cgroup.procs waits for an RCU
 * grace period: ~17 ms measured here, more than the whole rest of a start). */
/* record (may be NULL) is called with each cgroup's absolute path BEFORE
 * its directory is created, so that the caller's record names it before
 * it exists (a crash right after the mkdir must not leave a cgroup nobody
 * knows about); a failure of record fails the preparation. */
int sbx_cgroup_prepare(const struct sbx_cgroup_plan *plan,
		       int (*record)(void *arg, const char *path, struct sbx_err *err),
		       void *record_arg, char **path_out, struct sbx_err *err);
/* linux.resources.devices (src/devcg.c): attach the device program to the
 * cgroup at path (rootful; nothing to do otherwise).  The launcher calls it
 * while stage 1 makes the namespaces, so that loading the program (~0.4 ms,
 * the verifier) overlaps that work.  It only has to be attached before GO:
 * until then the processes in the cgroup run only the runtime's own code,
 * which opens and creates no device node of the container's (the rootfs,
 * its devices and the user's program all come after GO). */
int sbx_cgroup_apply_devices(const struct sbx_cgroup_plan *plan, const char *path,
			     struct sbx_err *err);
/* Move pid into the cgroup at path (fallback when clone3 is unavailable). */
int sbx_cgroup_add_pid(const char *path, pid_t pid, struct sbx_err *err);

/* Remove the cgroup: kill its processes first when `kill` is set
 * (sbx_cgroup_kill), wait until cgroup.events says it is unpopulated (up to
 * 10 s; 2 s without `kill`), then remove it and its sub-cgroups.  An error
 * means the directory is still there.  A NULL/empty path or a cgroup that
 * does not exist is a no-op. */
int sbx_cgroup_destroy(const char *path, bool kill, struct sbx_err *err);

/* SIGKILL every process in the cgroup and its descendants: cgroup.kill
 * (Linux 5.14), else freeze, kill what is listed, repeat, thaw.  Does not
 * wait.  flags: SBX_CGROUP_KILL_NO_KILLFILE forces the fallback (tests). */
#define SBX_CGROUP_KILL_NO_KILLFILE 1u
int sbx_cgroup_kill(const char *path, unsigned flags, struct sbx_err *err);
/* Wait until <path>/cgroup.events reports "populated 0" (or the cgroup is
 * gone); EBUSY error after timeout_ms. */
int sbx_cgroup_wait_empty(const char *path, int timeout_ms, struct sbx_err *err);

/* ---------- lifecycle operations on an existing container cgroup ---------- */

/* Error unless path is a directory path under the cgroup2 mount (a
 * recorded path is checked before anything is written or removed there). */
int sbx_cgroup_check_path(const char *path, struct sbx_err *err);

/* Apply new limits to a live container (`sbxrun update`).  Only the values
 * present in `r` are written; the controllers they need are enabled in the
 * parent first.  Validation is the same as at create time.  A swap limit
 * without a memory limit is taken relative to the memory limit in force
 * (runc's --memory-swap). */
int sbx_cgroup_update(const char *path, const struct sbx_resources *r, struct sbx_err *err);

/* Freeze (pause) or thaw (resume) every process of the cgroup and wait for
 * cgroup.events to report the new state. */
int sbx_cgroup_freeze(const char *path, bool frozen, struct sbx_err *err);
/* 1 frozen, 0 not frozen, -1 + err. */
int sbx_cgroup_is_frozen(const char *path, struct sbx_err *err);

/* UINT64_MAX means "max" (unlimited) for the limit fields; a field whose
 * file does not exist (controller not enabled) has its has_ flag false. */
struct sbx_cgroup_stats {
	bool has_memory;
	uint64_t memory_current, memory_max, memory_peak, memory_swap_current;
	uint64_t memory_oom, memory_oom_kill;          /* memory.events */
	bool has_pids;
	uint64_t pids_current, pids_max;
	bool has_cpu;
	uint64_t cpu_usage_usec, cpu_user_usec, cpu_system_usec; /* cpu.stat (always there) */
	uint64_t cpu_nr_throttled, cpu_throttled_usec;
	/* The cpu controller's limits (cpu.max, cpu.weight), for `sbxrun check`. */
	bool has_cpu_max, has_cpu_weight;
	uint64_t cpu_max_quota, cpu_max_period, cpu_weight;   /* quota UINT64_MAX: "max" */
};
int sbx_cgroup_stats(const char *path, struct sbx_cgroup_stats *out, struct sbx_err *err);

/* Number of OOM kills in the cgroup (memory.events oom_kill), 0 when none or
 * unknown.  `memory_max` (may be NULL) receives memory.max, e.g. "67108864". */
uint64_t sbx_cgroup_oom_killed(const char *path, char *memory_max, size_t len);

/* Move the calling process into the cgroup (`exec`: its process is then
 * born inside).  The fallback of sbx_cgroup_open_dir: a write to
 * cgroup.procs waits for an RCU grace period. */
int sbx_cgroup_enter(const char *path, struct sbx_err *err);
/* `exec`: the recorded cgroup directory, checked to lie under the cgroup2
 * mount, opened O_PATH for clone3(CLONE_INTO_CGROUP): the joiner is then
 * born inside instead of moving itself there.  -1 + err. */
int sbx_cgroup_open_dir(const char *path, struct sbx_err *err);
/* The cgroup v2 directory of a process (malloc'ed), NULL if unknown. */
char *sbx_cgroup_of_pid(pid_t pid);

/* The pids in the cgroup and its descendants (malloc'ed array). */
int sbx_cgroup_list_pids(const char *path, pid_t **pids, size_t *n, struct sbx_err *err);

/* ---------- pure helpers (exported for the unit tests and docs) ---------- */

enum sbx_cgroup_ctrl {
	SBX_CG_CPU = 1u << 0,
	SBX_CG_CPUSET = 1u << 1,
	SBX_CG_IO = 1u << 2,
	SBX_CG_MEMORY = 1u << 3,
	SBX_CG_PIDS = 1u << 4,
	SBX_CG_HUGETLB = 1u << 5,
	SBX_CG_RDMA = 1u << 6,
	SBX_CG_MISC = 1u << 7,
};
#define SBX_CG_NCTRL 8
/* "cpu", "cpuset", ... for one bit; NULL for anything else. */
const char *sbx_cgroup_ctrl_name(unsigned bit);
/* Bit for a controller name, 0 if unknown. */
unsigned sbx_cgroup_ctrl_from_name(const char *name, size_t len);
/* Parse a "cpu memory pids" list (cgroup.controllers). */
unsigned sbx_cgroup_parse_ctrl_list(const char *text);

/* One file write.  When writing `file` fails with ENOENT and alt_file is
 * set, alt_file/alt_value is written instead (io.bfq.weight -> io.weight). */
struct sbx_cgroup_setting {
	char *file;
	char *value;
	char *alt_file;
	char *alt_value;
	unsigned ctrl;        /* SBX_CG_* the file belongs to (0: cgroup core) */
	/* "No limit" (pids.limit 0/-1, memory.limit -1, cpu.quota -1, ...):
	 * the value a new cgroup already has.  Needs no controller: skipped
	 * when the cgroup is created, written by `update` only where the
	 * file exists (to lift a limit set before). */
	bool is_default;
};

struct sbx_cgroup_settings {
	struct sbx_cgroup_setting *v;
	size_t n;
	size_t n_limits;                      /* settings that are not is_default */
	unsigned controllers;                 /* SBX_CG_* needed (by n_limits) */
	/* Per controller: which config field asked for it, for error
	 * messages ("memory limit (linux.resources.memory.limit)"). */
	const char *why[SBX_CG_NCTRL];
};
void sbx_cgroup_settings_free(struct sbx_cgroup_settings *s);

/* linux.resources -> file writes.  `source` names the input in errors
 * ("config.json"); messages are "<source>: <json path>: <problem>". */
int sbx_cgroup_resources_compile(const struct sbx_resources *r, const char *source,
				 struct sbx_cgroup_settings *out, struct sbx_err *err);

/* cpu.shares [2, 262144] -> cpu.weight [1, 10000], the log-quadratic mapping
 * of runc >= 1.3.2 / crun >= 1.23 (1024 -> 100, 2 -> 1, 262144 -> 10000). */
uint64_t sbx_cgroup_shares_to_weight(uint64_t shares);
/* blkio weight [10, 1000] -> io.weight [1, 10000] (linear, as runc/crun). */
uint64_t sbx_cgroup_blkio_to_io_weight(uint64_t weight);

/* The cgroup2 mount point in /proc/self/mountinfo text (malloc'ed, NULL if
 * none).  *v1_mask (may be NULL) receives the controllers bound to cgroup v1
 * mounts, to explain why one is missing from v2. */
char *sbx_cgroup_parse_mountinfo(const char *text, unsigned *v1_mask);
/* The "0::<path>" entry of /proc/self/cgroup text (malloc'ed, NULL if none). */
char *sbx_cgroup_parse_proc_cgroup(const char *text);
/*
 * The container's cgroup path relative to the cgroup2 root ("/a/b"):
 *   absolute cgroupsPath  -> as is (relative to the cgroup2 root);
 *   relative cgroupsPath  -> under `own` (rootless) or /sbxrun (root);
 *   none                  -> <own or /sbxrun>/sbx-<id>.
 * ".." components, "//" and systemd "slice:prefix:name" syntax are refused.
 */
int sbx_cgroup_derive_path(const char *cgroups_path, const char *id, const char *own,
			   bool rootless, char **out, struct sbx_err *err);

#endif
