/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to the config parser (src/config*.c): the parse
 * context and the typed JSON getters.  Nothing outside the parser may use
 * jansson for config.json, so this header is not under include/.
 */
#ifndef SBX_CONFIG_INT_H
#define SBX_CONFIG_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "sbx/config.h"

/* Longest JSON path we build ("linux.seccomp.syscalls[123].args[4].valueTwo"
 * is ~45 bytes; map keys are user data and are truncated, which only affects
 * the message). */
#define SBX_JPATH_MAX 512

struct cfg_ctx {
	struct sbx_arena *arena;
	const char *source;     /* "config.json" */
	struct sbx_err *err;
};

/* "<source>: <path>: <problem>"; always returns -1. */
int sbx_cfg_fail(struct cfg_ctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Child paths: "parent.key" (or "key" at top level), "parent[i]",
 * "parent[\"key\"]" for map entries whose keys contain dots. */
const char *sbx_cfg_jkey(char *buf, const char *parent, const char *key);
const char *sbx_cfg_jidx(char *buf, const char *parent, size_t i);
const char *sbx_cfg_jmap(char *buf, const char *parent, const char *key);

/*
 * Typed getters.  `obj` is a JSON object, `parent` its path, `key` the
 * member.  A member that is absent or JSON null counts as absent: Go-based
 * engines serialise nil slices and pointers as null, and the runtime-spec
 * gives null no other meaning.  Each returns 0 (with *has = false when
 * absent, where there is a has flag) or -1 with the error set.
 */
int sbx_cfg_str(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		bool required, bool nonempty, char **out);
int sbx_cfg_abspath(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		    bool required, char **out);
int sbx_cfg_bool(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		 bool *has, bool *out);
int sbx_cfg_i64(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		bool required, int64_t min, int64_t max, bool *has, int64_t *out);
int sbx_cfg_u64(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		bool required, bool *has, uint64_t *out);
int sbx_cfg_u32(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		bool required, bool *has, uint32_t *out);
/* An array of strings (absent: *out = NULL-terminated empty array, n = 0).
 * abs: every element must be an absolute path. */
int sbx_cfg_strv(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		 bool abs, char ***out, size_t *n);
/* A {string: string} map. */
int sbx_cfg_strmap(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		   struct sbx_kv **out, size_t *n);
/* The member if present and an object, NULL if absent; -1 if not an object. */
int sbx_cfg_obj(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		json_t **out);
/* The member if present and an array, NULL if absent; -1 if not an array. */
int sbx_cfg_arr(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		json_t **out);

/* An id map array (linux.uidMappings, mounts[i].gidMappings, ...): each
 * entry's containerID/hostID/size checked, no overlaps.  Absent: n = 0. */
int sbx_cfg_idmap(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		  struct sbx_idmap **out, size_t *n);

/* linux.resources only, from an object holding "resources" (update). */
int sbx_cfg_parse_resources(struct cfg_ctx *c, json_t *lx, struct sbx_resources *r);
/* lx's "seccomp" member into l->seccomp (NULL if absent). */
int sbx_cfg_parse_seccomp(struct cfg_ctx *c, json_t *lx, struct sbx_linux *l);

/* The "process" object of `root` into cfg->process (absent: stays NULL;
 * src/config_process.c). */
int sbx_cfg_parse_process(struct cfg_ctx *c, json_t *root, struct sbx_config *cfg);

/* The "linux" object (src/config_linux.c). */
int sbx_cfg_parse_linux(struct cfg_ctx *c, json_t *lx, struct sbx_linux *out);

/* The run.sbx.net.* annotations into cfg->net (src/config_net.c). */
int sbx_cfg_parse_net(struct cfg_ctx *c, struct sbx_config *cfg);
/* linux.netDevices (src/config_net.c). */
int sbx_cfg_parse_net_devices(struct cfg_ctx *c, json_t *lx, struct sbx_linux *l);

#endif
