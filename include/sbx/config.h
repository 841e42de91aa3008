/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The typed OCI configuration model (runtime-spec config.json, config-linux).
 *
 * config.json is parsed exactly once, by sbx_config_load()/sbx_config_parse()
 * (src/config.c, the only code that touches jansson for the config), into
 * these structs.  Every later module reads only this model.
 *
 * Conventions:
 *   - everything is allocated from cfg->arena; sbx_config_free() frees it all;
 *   - optional scalars have a `has_x` flag; optional objects a `present` flag
 *     or a NULL pointer;
 *   - string arrays are NULL-terminated and also carry a count `n_x`;
 *   - the parser checks JSON types, required fields, ranges and cross-field
 *     rules (see config.c).  Names that need a library to validate
 *     (capabilities, syscalls, seccomp architectures, mount options) are kept
 *     as strings and validated by the owning module's compile step, which
 *     uses the same "config.json: <json path>: <problem>" message style.
 *   - unknown properties are ignored, as the runtime-spec requires.
 */
#ifndef SBX_CONFIG_H
#define SBX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx/error.h"
#include "sbx/ns.h"
#include "sbx/util.h"

/* GCC's gnu* modes predefine the macro `linux` (= 1), which would turn the
 * member `struct sbx_linux linux` below into a syntax error. */
#undef linux

/* The runtime-spec version this runtime implements (features, state). */
#define SBX_OCI_VERSION "1.2.0"

/* ---------- process ---------- */

struct sbx_rlimit {
	char *type;       /* "RLIMIT_NOFILE" */
	int resource;     /* RLIMIT_NOFILE (validated by the parser) */
	uint64_t soft, hard;
};

struct sbx_caps {
	bool present;     /* process.capabilities given at all */
	char **bounding, **effective, **permitted, **inheritable, **ambient;
	size_t n_bounding, n_effective, n_permitted, n_inheritable, n_ambient;
};

struct sbx_user {
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username;   /* Windows only; ignored */
};

struct sbx_console_size {
	bool present;
	unsigned height, width;
};

struct sbx_process {
	bool terminal;
	struct sbx_console_size console_size;
	char *cwd;               /* required, absolute */
	char **env;              /* "KEY=VALUE", NULL-terminated */
	size_t n_env;
	char **args;             /* required, >= 1, NULL-terminated */
	size_t n_args;
	struct sbx_user user;
	struct sbx_caps caps;
	struct sbx_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;  /* NULL if absent/empty */
	char *selinux_label;     /* NULL if absent/empty */
	bool has_oom_score_adj;
	int oom_score_adj;
};

/* ---------- root, mounts, hooks ---------- */

struct sbx_root {
	char *path;       /* as written (relative to the bundle or absolute) */
	bool readonly;
};

struct sbx_idmap;

struct sbx_mount {
	char *destination;  /* required, absolute (validated) */
	char *type;         /* NULL: bind if options contain bind/rbind */
	char *source;       /* may be NULL (e.g. tmpfs) */
	char **options;     /* NULL-terminated */
	size_t n_options;
	/* Id-mapped mount: on-disk ids (containerID) are seen as hostID
	 * through the mount; both present or both absent. */
	struct sbx_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
};

struct sbx_hook {
	char *path;         /* required, absolute */
	char **args;        /* NULL-terminated, may be empty */
	size_t n_args;
	char **env;
	size_t n_env;
	bool has_env;       /* false: the hook gets the runtime's environment */
	bool has_timeout;
	int timeout;        /* seconds, > 0 */
};

struct sbx_hook_list {
	struct sbx_hook *hooks;
	size_t n;
};

struct sbx_hooks {
	struct sbx_hook_list prestart;          /* deprecated, still run */
	struct sbx_hook_list create_runtime;
	struct sbx_hook_list create_container;
	struct sbx_hook_list start_container;
	struct sbx_hook_list poststart;
	struct sbx_hook_list poststop;
};

struct sbx_kv {
	char *key, *value;
};

/* ---------- linux ---------- */

struct sbx_namespace {
	enum sbx_ns_type type;
	int clone_flag;     /* CLONE_NEWPID, ... */
	char *path;         /* NULL: create a new one; else join (setns) */
};

struct sbx_idmap {
	uint32_t container_id, host_id, size;
};

struct sbx_device {
	char *path;         /* absolute, inside the container */
	char type;          /* 'c', 'b', 'u', 'p' */
	int64_t major, minor;
	bool has_file_mode;
	uint32_t file_mode; /* permission bits only (file-type bits dropped) */
	bool has_uid, has_gid;
	uint32_t uid, gid;
};

struct sbx_device_rule {      /* linux.resources.devices */
	bool allow;
	char type;                /* 'a', 'c', 'b' */
	bool has_major, has_minor;
	int64_t major, minor;     /* -1 == wildcard when absent */
	char *access;             /* "rwm" subset, may be NULL */
};

struct sbx_blkio_weight_device {
	int64_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
};

struct sbx_blkio_throttle {
	int64_t major, minor;
	uint64_t rate;
};

struct sbx_hugepage_limit {
	char *page_size;          /* "2MB" */
	uint64_t limit;
};

struct sbx_rdma_limit {       /* linux.resources.rdma["mlx5_0"] */
	char *device;
	bool has_handles, has_objects;
	uint32_t handles, objects;
};

struct sbx_resources {
	bool present;
	struct {
		bool present;
		bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp;
		bool has_swappiness, has_disable_oom_killer, has_use_hierarchy, has_check_before_update;
		int64_t limit, reservation, swap, kernel, kernel_tcp; /* -1 == unlimited */
		uint64_t swappiness;
		bool disable_oom_killer, use_hierarchy, check_before_update;
	} memory;
	struct {
		bool present;
		bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
			has_realtime_period, has_idle;
		uint64_t shares, burst, period, realtime_period;
		int64_t quota, realtime_runtime, idle;
		char *cpus, *mems;    /* NULL if absent */
	} cpu;
	struct {
		bool present;
		int64_t limit;        /* <= 0 == unlimited (runtime-spec) */
	} pids;
	struct {
		bool present;
		bool has_weight, has_leaf_weight;
		uint16_t weight, leaf_weight;
		struct sbx_blkio_weight_device *weight_device;
		size_t n_weight_device;
		struct sbx_blkio_throttle *throttle_read_bps, *throttle_write_bps,
			*throttle_read_iops, *throttle_write_iops;
		size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
			n_throttle_write_iops;
	} blkio;
	struct sbx_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	struct sbx_rdma_limit *rdma;
	size_t n_rdma;
	struct sbx_device_rule *devices;
	size_t n_devices;
	struct sbx_kv *unified;
	size_t n_unified;
};

enum sbx_seccomp_action {
	SBX_SCMP_KILL = 0,        /* SCMP_ACT_KILL (== KILL_THREAD) */
	SBX_SCMP_KILL_PROCESS,
	SBX_SCMP_KILL_THREAD,
	SBX_SCMP_TRAP,
	SBX_SCMP_ERRNO,
	SBX_SCMP_TRACE,
	SBX_SCMP_ALLOW,
	SBX_SCMP_LOG,
	SBX_SCMP_NOTIFY,
};

enum sbx_seccomp_op {
	SBX_SCMP_CMP_NE = 0,
	SBX_SCMP_CMP_LT,
	SBX_SCMP_CMP_LE,
	SBX_SCMP_CMP_EQ,
	SBX_SCMP_CMP_GE,
	SBX_SCMP_CMP_GT,
	SBX_SCMP_CMP_MASKED_EQ,
};

struct sbx_seccomp_arg {
	unsigned index;           /* 0..5 */
	uint64_t value, value_two;
	enum sbx_seccomp_op op;
};

struct sbx_seccomp_syscall {
	char **names;             /* >= 1 */
	size_t n_names;
	enum sbx_seccomp_action action;
	bool has_errno_ret;
	uint32_t errno_ret;
	struct sbx_seccomp_arg *args;
	size_t n_args;
};

struct sbx_seccomp {
	enum sbx_seccomp_action default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	char **architectures;     /* "SCMP_ARCH_X86_64", validated by seccomp.c */
	size_t n_architectures;
	char **flags;             /* "SECCOMP_FILTER_FLAG_TSYNC", validated by seccomp.c */
	size_t n_flags;
	char *listener_path;
	char *listener_metadata;
	struct sbx_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct sbx_linux {
	struct sbx_namespace *namespaces;
	size_t n_namespaces;
	struct sbx_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct sbx_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct sbx_resources resources;
	char *rootfs_propagation;     /* "private" | "shared" | "slave" | "unbindable" | NULL */
	char **masked_paths, **readonly_paths;
	size_t n_masked_paths, n_readonly_paths;
	struct sbx_kv *sysctl;
	size_t n_sysctl;
	struct sbx_seccomp *seccomp;  /* NULL if absent (or deferred, below) */
	/* sbx_config_parse_deferred: linux.seccomp's text, unparsed (seccomp
	 * is NULL then); the seccomp module compiles it, or finds it compiled
	 * (sbx_seccomp_compile_text).  NULL otherwise. */
	const char *seccomp_text;
	size_t seccomp_len;
	char *mount_label;
	struct sbx_net_device *net_devices;   /* linux.netDevices (runtime-spec 1.2) */
	size_t n_net_devices;
};

/* ---------- network (run.sbx.net.* annotations, linux.netDevices) ---------- */

/* linux.netDevices: move the host interface `host_name` into the
 * container's network namespace and call it `name` there. */
struct sbx_net_device {
	char *host_name;
	char *name;         /* the host name when the config gives none */
};

enum sbx_net_mode {
	SBX_NET_NONE = 0,   /* no annotation / "none": lo only (the default) */
	SBX_NET_HOST,       /* no network namespace of its own */
	SBX_NET_BRIDGE,     /* veth on a bridge, NAT (rootful) */
	SBX_NET_USER,       /* pasta or slirp4netns (rootless) */
};

enum sbx_net_helper {
	SBX_NET_HELPER_AUTO = 0,  /* pasta if installed, else slirp4netns */
	SBX_NET_HELPER_PASTA,
	SBX_NET_HELPER_SLIRP4NETNS,
};

/* One --publish [IP:]HOSTPORT:PORT[/tcp|/udp]. */
struct sbx_publish {
	uint32_t host_ip;         /* network byte order; 0 = every address */
	uint16_t host_port, port;
	int proto;                /* IPPROTO_TCP or IPPROTO_UDP */
};

struct sbx_net_config {
	bool present;             /* some run.sbx.net.* annotation is set */
	enum sbx_net_mode mode;
	enum sbx_net_helper helper;
	char *name;               /* run.sbx.net.name; NULL: the default network */
	bool icc;                 /* run.sbx.net.icc (default true) */
	bool has_subnet;
	uint32_t subnet;          /* run.sbx.net.subnet, host byte order */
	unsigned prefix;
	struct sbx_publish *publish;
	size_t n_publish;
};

struct sbx_config {
	struct sbx_arena arena;
	char *oci_version;
	char *bundle;               /* absolute bundle dir (set by sbx_config_load) */
	char *rootfs;               /* absolute rootfs path (bundle-relative resolved) */
	struct sbx_root root;
	struct sbx_process *process;   /* NULL if absent (create may omit it) */
	char *hostname;                /* NULL if absent */
	char *domainname;
	struct sbx_mount *mounts;
	size_t n_mounts;
	struct sbx_hooks hooks;
	struct sbx_kv *annotations;
	size_t n_annotations;
	bool has_linux;
	struct sbx_linux linux;
	struct sbx_net_config net;  /* parsed from the run.sbx.net.* annotations */
};

/*
 * Parse a config.json text.  `source` names the file in error messages
 * ("config.json").  On error returns -1 and err->msg is exactly
 * "<source>: <json path>: <problem>", e.g.
 *   "config.json: process.args[0]: must be a non-empty string".
 * On success *out must be released with sbx_config_free().
 */
int sbx_config_parse(const char *text, size_t len, const char *source,
		     struct sbx_config **out, struct sbx_err *err);

/*
 * The same, for a text this parser already accepted (a container's saved
 * copy), with linux.seccomp left as text in cfg->linux.seccomp_text: most
 * of a Docker-sized config is its seccomp profile, whose parse costs
 * jansson ~0.3 ms of every `exec` (of ~0.35 ms for the whole config) while
 * its compiled program is usually in the cache.  The value is found in
 * the raw text (sbx_jsonloc_span, jansson's last-duplicate rule) and
 * replaced by null, which the parser reads as absent.
 */
int sbx_config_parse_deferred(const char *text, size_t len, const char *source,
			      struct sbx_config **out, struct sbx_err *err);

/* A linux.seccomp object on its own (sbx_config_parse_deferred's text),
 * with config.json's checks and messages; allocated from `a`. */
int sbx_config_parse_seccomp(const char *text, size_t len, struct sbx_arena *a,
			     struct sbx_seccomp **out, struct sbx_err *err);

/* Read <bundle>/config.json, parse it, set cfg->bundle and cfg->rootfs. */
int sbx_config_load(const char *bundle, struct sbx_config **out, struct sbx_err *err);

void sbx_config_free(struct sbx_config *cfg);

/*
 * `sbxrun update --resources FILE`: parse a runtime-spec linux.resources
 * object (the file's top level) with the same checks as config.json;
 * strings are allocated from `a`.  Error paths read
 * "<source>: linux.resources.memory.limit: ...".
 */
int sbx_config_parse_resources(const char *text, size_t len, const char *source,
			       struct sbx_arena *a, struct sbx_resources *out, struct sbx_err *err);

/* `exec --process FILE`: parse a runtime-spec `process` object into
 * cfg->process (replacing it; allocated from cfg->arena).  Errors:
 * "<source>: process.<field>: <problem>". */
int sbx_config_parse_process(const char *text, size_t len, const char *source,
			     struct sbx_config *cfg, struct sbx_err *err);

/* Lookups used by several modules. */
const struct sbx_namespace *sbx_config_ns(const struct sbx_config *cfg, enum sbx_ns_type t);
const char *sbx_config_annotation(const struct sbx_config *cfg, const char *key);

/*
 * Format an id map as the text the kernel expects in /proc/PID/uid_map and
 * gid_map: one "containerID hostID size\n" line per entry.  Returns the
 * length written, or -1 (errno ENOSPC, buf set to "") if it does not fit:
 * a truncated map must never be written.
 */
int sbx_config_format_idmap(const struct sbx_idmap *m, size_t n, char *buf, size_t len);

/*
 * `sbxrun spec`: write the hardened default config.json text (malloc'ed) for
 * a rootless (or rootful) bundle whose rootfs is "rootfs".  The args default
 * to ["sh"].
 */
char *sbx_config_default_spec(bool rootless);
/* The same, confined by the AppArmor profile `apparmor_profile` (NULL: none).
 * `sbxrun spec` passes "sbxrun-default" when that profile is loaded. */
char *sbx_config_default_spec_lsm(bool rootless, const char *apparmor_profile);
/* `sbxrun spec --secret`: the spec text `text` (from the functions above)
 * with annotations[key] = value added.  malloc'ed; `text` is freed. */
char *sbx_config_spec_set_annotation(char *text, const char *key, const char *value);
/* The same with annotations (`spec --net ...`: run.sbx.net.*) and, for
 * host_net, without a network namespace. */
char *sbx_config_default_spec_net(bool rootless, const char *apparmor_profile, bool host_net,
				  const struct sbx_kv *ann, size_t n_ann);
/* The same; auto_userns (ignored when rootless): add a user namespace
 * whose mappings sbxrun allocates per container from the pool of the
 * dedicated user (annotation run.sbx.userns=auto, include/sbx/idpool.h).
 * `sbxrun spec` sets it when run by root, unless --no-userns. */
char *sbx_config_default_spec_full(bool rootless, bool auto_userns, const char *apparmor_profile,
				   bool host_net, const struct sbx_kv *ann, size_t n_ann);
/* `sbxrun spec`: write `text` to <bundle>/config.json (mode 0644), never
 * over an existing file: a hand-tuned config is not clobbered. */
int sbx_config_spec_write(const char *bundle, const char *text, struct sbx_err *err);

#endif
