/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sbxrun check`: audit a config (bundle mode) or a running container (live
 * mode) against the CIS Docker Benchmark v1.6.0 section 5 and the
 * hardening guides' advice that CIS does not number.  docs/check.md lists
 * every control, the JSON format and the exit status.
 *
 * Layout:
 *   check.c          the control table, the report, levels, --fail-on
 *   check_config.c   bundle mode: pure evaluation of the typed config
 *   check_live.c     live mode: read what the kernel applied (collect) and
 *                    compare it with the config (evaluate, pure)
 *   check_format.c   text / JSON / SARIF 2.1.0 output (pure)
 *
 * A finding is one control's verdict about one thing: FAIL with a level,
 * PASS, or SKIP (not applicable, or its source could not be read).
 */
#ifndef SBX_CHECK_H
#define SBX_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx/config.h"
#include "sbx/error.h"
#include "sbx/util.h"

enum sbx_check_level {
	SBX_CHECK_NONE = 0,   /* PASS / SKIP entries */
	SBX_CHECK_LOW,
	SBX_CHECK_MEDIUM,
	SBX_CHECK_HIGH,
};

enum sbx_check_status {
	SBX_CHECK_PASS = 0,
	SBX_CHECK_FAIL,
	SBX_CHECK_SKIP,
};

/* Where a verdict comes from. */
enum sbx_check_source {
	SBX_CHECK_SRC_CONFIG = 0,  /* config.json */
	SBX_CHECK_SRC_KERNEL,      /* what the kernel reports for the container */
	SBX_CHECK_SRC_DRIFT,       /* config and kernel disagree */
};

struct sbx_check_control {
	const char *id;       /* stable: "capabilities", "drift-capabilities", ... */
	const char *cis;      /* CIS Docker Benchmark v1.6.0 number, NULL if none */
	const char *layer;    /* "Capabilities", "Namespaces", ... (text grouping) */
	const char *title;    /* what the control wants, one line */
	const char *blocks;   /* one line: what passing it blocks */
	const char *doc;      /* docs page that teaches the layer */
};

struct sbx_check_finding {
	const struct sbx_check_control *control;
	enum sbx_check_status status;
	enum sbx_check_level level;     /* SBX_CHECK_NONE unless FAIL */
	enum sbx_check_source source;
	char *path;      /* JSON path in config.json, NULL if none */
	char *live;      /* live source ("/proc/42/status: CapBnd"), NULL in bundle mode */
	char *message;   /* what was found */
	char *attack;    /* FAIL: what an attacker gains, one sentence */
	char *fix;       /* FAIL: the exact config change or `sbxrun spec` flag */
	unsigned line, column, end_line, end_column; /* in config.json; 0: unknown */
};

struct sbx_check_report {
	struct sbx_arena arena;
	bool live;                 /* live mode */
	char *target;              /* bundle directory or container id */
	char *config_file;         /* absolute path of the config.json reported on */
	char *bundle;              /* absolute bundle directory */
	pid_t pid;                 /* live: the container's init */
	struct sbx_check_finding *v;
	size_t n, cap;
};

/* The control table (for docs, tests and the SARIF rules). */
const struct sbx_check_control *sbx_check_controls(size_t *n);
const struct sbx_check_control *sbx_check_control(const char *id);

const char *sbx_check_level_name(enum sbx_check_level l);    /* "low", ... "" */
int sbx_check_level_parse(const char *s, enum sbx_check_level *out);
const char *sbx_check_status_name(enum sbx_check_status s);  /* "pass", "fail", "skip" */
const char *sbx_check_source_name(enum sbx_check_source s);  /* "config", "kernel", "drift" */

void sbx_check_report_init(struct sbx_check_report *r);
void sbx_check_report_free(struct sbx_check_report *r);

/* Add a finding (strings copied into the report; fmt builds the message).
 * Returns it so callers can set more fields. */
struct sbx_check_finding *sbx_check_add(struct sbx_check_report *r, const char *control_id,
					enum sbx_check_status st, enum sbx_check_level lvl,
					enum sbx_check_source src, const char *path,
					const char *attack, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 9, 10)));
char *sbx_check_strdup(struct sbx_check_report *r, const char *s);

/* Sort findings by layer (table order), then control, failures first. */
void sbx_check_sort(struct sbx_check_report *r);
/* Highest level among FAIL findings (SBX_CHECK_NONE if none). */
enum sbx_check_level sbx_check_worst(const struct sbx_check_report *r);
/* Exit status: 1 if a FAIL reaches fail_on, else 0. */
int sbx_check_exit_status(const struct sbx_check_report *r, enum sbx_check_level fail_on);
/* Fill line/column of every finding with a path, from config.json text. */
void sbx_check_locate(struct sbx_check_report *r, const char *text, size_t len);

/* ---------- bundle mode (check_config.c) ---------- */

/* Evaluate every control on the typed config.  Fails (-1) only on config
 * errors the model cannot express (a bad mount option): exit 125. */
int sbx_check_config(const struct sbx_config *cfg, struct sbx_check_report *r,
		     struct sbx_err *err);

/* `sbxrun check BUNDLE`: load <bundle>/config.json (sbx_config_load),
 * evaluate it and locate every finding in the file.  -1 + err on a
 * missing or invalid config. */
int sbx_check_bundle(const char *bundle, struct sbx_check_report *r, struct sbx_err *err);

/* ---------- live mode (check_live.c) ---------- */

enum sbx_check_ns_state { SBX_NS_UNKNOWN = 0, SBX_NS_OWN, SBX_NS_HOST };

struct sbx_check_proc {
	pid_t pid;
	char comm[32];
	bool have_status;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	int nnp;               /* -1 unknown */
	int seccomp;           /* 0 off, 1 strict, 2 filter, -1 unknown */
	int seccomp_filters;   /* -1 unknown */
	long uid;              /* effective uid as seen in the container's user ns, -1 unknown */
};

struct sbx_check_live_mount {
	char *dest;            /* mount point inside the container */
	char *fstype;
	char *host_path;       /* bind: the host path it shows, NULL: not a host path */
	bool readonly;
	bool shared;           /* propagation shared:N */
};

/* What the kernel reports for one container, gathered by
 * sbx_check_live_collect() (or built by hand in unit tests). */
struct sbx_check_live {
	pid_t pid;
	struct sbx_check_proc *procs;   /* procs[0] is init */
	size_t n_procs;
	char *apparmor;                 /* /proc/PID/attr/current, NULL: no LSM reports one */
	char *uid_map, *gid_map;        /* text */
	enum sbx_check_ns_state ns[SBX_NS_COUNT];
	struct sbx_check_live_mount *mounts;
	size_t n_mounts;
	bool have_mounts;
	bool root_readonly;
	bool root_idmapped;             /* "/" is an id-mapped mount */
	/* run.sbx.userns=auto: the block of the sbxrun user's pool that the
	 * state records, resolved to host ids (the expected uid_map) */
	bool pool_expected, has_pool_map;
	uint32_t pool_uid, pool_gid, pool_size;
	unsigned pool_block;
	bool have_cgroup;               /* the container has a cgroup v2 directory */
	char *cgroup_path;
	bool has_memory_max, has_pids_max, has_cpu_max, has_cpu_weight;
	uint64_t memory_max, pids_max, cpu_quota, cpu_period, cpu_weight; /* UINT64_MAX: max */
	int landlock_abi;               /* kernel Landlock ABI, -1 none */
	char **unreadable;              /* sources that could not be read ("what: why") */
	size_t n_unreadable;
	struct sbx_arena arena;
};

struct sbx_check_live_opts {
	pid_t pid;                      /* the container's init */
	const pid_t *pids;              /* every process of the container (may be NULL) */
	size_t n_pids;
	const char *cgroup_path;        /* from the state, NULL: none */
	bool has_id_block;              /* the state records a block of the user namespace pool */
	unsigned id_block;
};
int sbx_check_live_collect(const struct sbx_check_live_opts *o, struct sbx_check_live *out,
			   struct sbx_err *err);
void sbx_check_live_free(struct sbx_check_live *l);

/* Evaluate the kernel's view and compare it with the config.  `owner_uid`
 * and `owner_gid` created the container (the expected id maps of a
 * rootless single-id config derive from them). */
int sbx_check_live_evaluate(const struct sbx_config *cfg, const struct sbx_check_live *live,
			    uid_t owner_uid, gid_t owner_gid, struct sbx_check_report *r,
			    struct sbx_err *err);

/* Pure helpers, exported for the unit tests. */
int sbx_check_parse_status(const char *text, struct sbx_check_proc *p);
/* Host path shown by a container mount (mountinfo lines), malloc'ed or NULL. */
char *sbx_check_host_path(const char *host_mountinfo, unsigned major, unsigned minor,
			  const char *root);

/* ---------- output (check_format.c) ---------- */

struct sbx_check_format_opts {
	bool color;                     /* ANSI colours (the CLI: only on a tty) */
	enum sbx_check_level fail_on;
};
/* Each returns a malloc'ed NUL-terminated document. */
char *sbx_check_format_text(const struct sbx_check_report *r,
			    const struct sbx_check_format_opts *o);
char *sbx_check_format_json(const struct sbx_check_report *r,
			    const struct sbx_check_format_opts *o);
char *sbx_check_format_sarif(const struct sbx_check_report *r,
			     const struct sbx_check_format_opts *o);

#endif
