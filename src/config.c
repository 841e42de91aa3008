/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.json parser: the only code that reads the OCI config JSON.  It
 * turns the text into the typed model of include/sbx/config.h once, and
 * checks everything that can be checked without a library or the kernel:
 * JSON types, required fields, absolute paths, numeric ranges, enumerations
 * and cross-field rules.  The "process" object lives in config_process.c,
 * the "linux" object in config_linux.c.
 *
 * Why so strict: every later module trusts the model.  A wrong type that was
 * silently ignored would turn into a missing restriction (fail open), so a
 * property we understand but cannot honour is an error, while a property we
 * do not know at all is ignored because the runtime-spec requires it.
 */
#include "config_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbx/config.h"
#include "sbx/error.h"
#include "sbx/jsonloc.h"
#include "sbx/util.h"

/* ------------------------------------------------------------------ */
/* errors and paths                                                    */
/* ------------------------------------------------------------------ */

int sbx_cfg_fail(struct cfg_ctx *c, const char *path, const char *fmt, ...)
{
	char problem[SBX_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	/* errnum 0: a config error is not an errno, and sbx_err_str() must
	 * not append a misleading strerror. */
	return sbx_err_set(c->err, 0, "%s: %s: %s", c->source, path, problem);
}

const char *sbx_cfg_jkey(char *buf, const char *parent, const char *key)
{
	if (parent && *parent)
		snprintf(buf, SBX_JPATH_MAX, "%s.%s", parent, key);
	else
		snprintf(buf, SBX_JPATH_MAX, "%s", key);
	return buf;
}

const char *sbx_cfg_jidx(char *buf, const char *parent, size_t i)
{
	snprintf(buf, SBX_JPATH_MAX, "%s[%zu]", parent, i);
	return buf;
}

const char *sbx_cfg_jmap(char *buf, const char *parent, const char *key)
{
	snprintf(buf, SBX_JPATH_MAX, "%s[\"%s\"]", parent, key);
	return buf;
}

/* ------------------------------------------------------------------ */
/* typed getters                                                       */
/* ------------------------------------------------------------------ */

static json_t *member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

static int missing(struct cfg_ctx *c, const char *parent, const char *key)
{
	char p[SBX_JPATH_MAX];
	return sbx_cfg_fail(c, sbx_cfg_jkey(p, parent, key), "is required");
}

int sbx_cfg_str(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		bool required, bool nonempty, char **out)
{
	char p[SBX_JPATH_MAX];
	json_t *v = member(obj, key);

	*out = NULL;
	if (!v)
		return required ? missing(c, parent, key) : 0;
	if (!json_is_string(v) || (nonempty && json_string_length(v) == 0))
		return sbx_cfg_fail(c, sbx_cfg_jkey(p, parent, key),
				    nonempty ? "must be a non-empty string" : "must be a string");
	*out = sbx_arena_strdup(c->arena, json_string_value(v));
	return 0;
}

int sbx_cfg_abspath(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		    bool required, char **out)
{
	char p[SBX_JPATH_MAX];

	if (sbx_cfg_str(c, obj, parent, key, required, true, out) < 0)
		return -1;
	/* Relative paths inside the container would be resolved against
	 * whatever the cwd happens to be at apply time; refuse them. */
	if (*out && (*out)[0] != '/')
		return sbx_cfg_fail(c, sbx_cfg_jkey(p, parent, key), "must be an absolute path");
	return 0;
}

int sbx_cfg_bool(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		 bool *has, bool *out)
{
	char p[SBX_JPATH_MAX];
	json_t *v = member(obj, key);

	if (has)
		*has = false;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return sbx_cfg_fail(c, sbx_cfg_jkey(p, parent, key), "must be a boolean");
	*out = json_is_true(v);
	if (has)
		*has = true;
	return 0;
}

int sbx_cfg_i64(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		bool required, int64_t min, int64_t max, bool *has, int64_t *out)
{
	char p[SBX_JPATH_MAX];
	json_t *v = member(obj, key);
	json_int_t x;

	if (has)
		*has = false;
	if (!v)
		return required ? missing(c, parent, key) : 0;
	if (!json_is_integer(v))
		return sbx_cfg_fail(c, sbx_cfg_jkey(p, parent, key), "must be an integer");
	x = json_integer_value(v);
	if (x < min || x > max) {
		sbx_cfg_jkey(p, parent, key);
		if (min == 0 && max == INT64_MAX)
			return sbx_cfg_fail(c, p, "must be a non-negative integer");
		return sbx_cfg_fail(c, p, "must be an integer between %lld and %lld",
				    (long long)min, (long long)max);
	}
	*out = x;
	if (has)
		*has = true;
	return 0;
}

/*
 * jansson stores integers as long long and rejects larger literals at parse
 * time ("too big integer"), so unsigned 64-bit fields are limited to
 * INT64_MAX.  That bound is far above every real limit (bytes, periods).
 */
int sbx_cfg_u64(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		bool required, bool *has, uint64_t *out)
{
	int64_t x = 0;
	bool h = false;

	if (sbx_cfg_i64(c, obj, parent, key, required, 0, INT64_MAX, &h, &x) < 0)
		return -1;
	if (h)
		*out = (uint64_t)x;
	if (has)
		*has = h;
	return 0;
}

int sbx_cfg_u32(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		bool required, bool *has, uint32_t *out)
{
	int64_t x = 0;
	bool h = false;

	if (sbx_cfg_i64(c, obj, parent, key, required, 0, UINT32_MAX, &h, &x) < 0)
		return -1;
	if (h)
		*out = (uint32_t)x;
	if (has)
		*has = h;
	return 0;
}

int sbx_cfg_obj(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		json_t **out)
{
	char p[SBX_JPATH_MAX];
	json_t *v = member(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_object(v))
		return sbx_cfg_fail(c, sbx_cfg_jkey(p, parent, key), "must be an object");
	*out = v;
	return 0;
}

int sbx_cfg_arr(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		json_t **out)
{
	char p[SBX_JPATH_MAX];
	json_t *v = member(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return sbx_cfg_fail(c, sbx_cfg_jkey(p, parent, key), "must be an array");
	*out = v;
	return 0;
}

int sbx_cfg_strv(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		 bool abs, char ***out, size_t *n)
{
	char p[SBX_JPATH_MAX], pi[SBX_JPATH_MAX];
	json_t *v = member(obj, key), *e;
	size_t i;
	char **r;

	*n = 0;
	if (v && !json_is_array(v))
		return sbx_cfg_fail(c, sbx_cfg_jkey(p, parent, key), "must be an array of strings");
	/* Always hand out a NULL-terminated array so users can iterate
	 * without checking for NULL. */
	r = sbx_arena_alloc(c->arena, ((v ? json_array_size(v) : 0) + 1) * sizeof(*r));
	*out = r;
	if (!v)
		return 0;
	sbx_cfg_jkey(p, parent, key);
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return sbx_cfg_fail(c, sbx_cfg_jidx(pi, p, i), "must be a string");
		if (abs && json_string_value(e)[0] != '/')
			return sbx_cfg_fail(c, sbx_cfg_jidx(pi, p, i), "must be an absolute path");
		r[i] = sbx_arena_strdup(c->arena, json_string_value(e));
	}
	*n = json_array_size(v);
	return 0;
}

int sbx_cfg_strmap(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		   struct sbx_kv **out, size_t *n)
{
	char p[SBX_JPATH_MAX], pk[SBX_JPATH_MAX];
	json_t *m, *v;
	const char *k;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (sbx_cfg_obj(c, obj, parent, key, &m) < 0)
		return -1;
	if (!m)
		return 0;
	sbx_cfg_jkey(p, parent, key);
	*out = sbx_arena_alloc(c->arena, (json_object_size(m) + 1) * sizeof(**out));
	json_object_foreach(m, k, v) {
		if (!json_is_string(v))
			return sbx_cfg_fail(c, sbx_cfg_jmap(pk, p, k), "must be a string");
		(*out)[i].key = sbx_arena_strdup(c->arena, k);
		(*out)[i].value = sbx_arena_strdup(c->arena, json_string_value(v));
		i++;
	}
	*n = i;
	return 0;
}

/* ------------------------------------------------------------------ */
/* top-level sections                                                  */
/* ------------------------------------------------------------------ */

/* The runtime-spec promises compatibility within a major version, so any
 * 1.x.y (with an optional "-suffix") is accepted and anything else is not:
 * a 2.x config may carry semantics we would silently misread. */
static int parse_oci_version(struct cfg_ctx *c, json_t *root, struct sbx_config *cfg)
{
	const char *v;

	if (sbx_cfg_str(c, root, "", "ociVersion", true, true, &cfg->oci_version) < 0)
		return -1;
	v = cfg->oci_version;
	if (v[0] != '1' || v[1] != '.' || v[2] < '0' || v[2] > '9')
		return sbx_cfg_fail(c, "ociVersion", "unsupported version \"%s\" (sbxrun supports 1.x)",
				    v);
	return 0;
}

static int parse_root(struct cfg_ctx *c, json_t *root, struct sbx_config *cfg)
{
	json_t *r;

	if (sbx_cfg_obj(c, root, "", "root", &r) < 0)
		return -1;
	if (!r)
		return 0;
	if (sbx_cfg_str(c, r, "root", "path", true, true, &cfg->root.path) < 0)
		return -1;
	return sbx_cfg_bool(c, r, "root", "readonly", NULL, &cfg->root.readonly);
}


static int parse_mounts(struct cfg_ctx *c, json_t *root, struct sbx_config *cfg)
{
	char pi[SBX_JPATH_MAX], pk[SBX_JPATH_MAX];
	json_t *arr, *e;
	size_t i;

	if (sbx_cfg_arr(c, root, "", "mounts", &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	cfg->mounts = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) * sizeof(*cfg->mounts));
	json_array_foreach(arr, i, e) {
		struct sbx_mount *m = &cfg->mounts[i];

		sbx_cfg_jidx(pi, "mounts", i);
		if (!json_is_object(e))
			return sbx_cfg_fail(c, pi, "must be an object");
		/* runtime-spec 1.2 (Linux): a relative destination is
		 * deprecated but valid, relative to "/" (rootfs.c). */
		if (sbx_cfg_str(c, e, pi, "destination", true, true, &m->destination) < 0 ||
		    sbx_cfg_str(c, e, pi, "type", false, false, &m->type) < 0 ||
		    sbx_cfg_str(c, e, pi, "source", false, false, &m->source) < 0 ||
		    sbx_cfg_strv(c, e, pi, "options", false, &m->options, &m->n_options) < 0)
			return -1;
		if (m->type && !*m->type)
			m->type = NULL;
		/* Id-mapped mount (runtime-spec 1.2): both maps or neither;
		 * the rootfs compile step checks the rest. */
		if (sbx_cfg_idmap(c, e, pi, "uidMappings", &m->uid_mappings, &m->n_uid_mappings) < 0 ||
		    sbx_cfg_idmap(c, e, pi, "gidMappings", &m->gid_mappings, &m->n_gid_mappings) < 0)
			return -1;
		if (!m->n_uid_mappings != !m->n_gid_mappings)
			return sbx_cfg_fail(c, sbx_cfg_jkey(pk, pi, m->n_uid_mappings ? "gidMappings" : "uidMappings"),
					    "required with %s (an id-mapped mount maps both)",
					    m->n_uid_mappings ? "uidMappings" : "gidMappings");
	}
	cfg->n_mounts = json_array_size(arr);
	return 0;
}

static int parse_hook_list(struct cfg_ctx *c, json_t *hooks, const char *key,
			   struct sbx_hook_list *out)
{
	char pl[SBX_JPATH_MAX], pi[SBX_JPATH_MAX];
	json_t *arr, *e;
	size_t i;

	if (sbx_cfg_arr(c, hooks, "hooks", key, &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	sbx_cfg_jkey(pl, "hooks", key);
	out->hooks = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) * sizeof(*out->hooks));
	json_array_foreach(arr, i, e) {
		struct sbx_hook *h = &out->hooks[i];
		int64_t t = 0;

		sbx_cfg_jidx(pi, pl, i);
		if (!json_is_object(e))
			return sbx_cfg_fail(c, pi, "must be an object");
		if (sbx_cfg_abspath(c, e, pi, "path", true, &h->path) < 0 ||
		    sbx_cfg_strv(c, e, pi, "args", false, &h->args, &h->n_args) < 0 ||
		    sbx_cfg_strv(c, e, pi, "env", false, &h->env, &h->n_env) < 0 ||
		    sbx_cfg_i64(c, e, pi, "timeout", false, 1, INT_MAX, &h->has_timeout, &t) < 0)
			return -1;
		if (h->has_timeout)
			h->timeout = (int)t;
		/* runtime-spec: env has execve's semantics; runc and crun give
		 * a hook without `env` their own environment (Go's nil Env),
		 * and an explicit [] an empty one. */
		h->has_env = json_is_array(json_object_get(e, "env"));
	}
	out->n = json_array_size(arr);
	return 0;
}

static int parse_hooks(struct cfg_ctx *c, json_t *root, struct sbx_hooks *h)
{
	json_t *o;

	if (sbx_cfg_obj(c, root, "", "hooks", &o) < 0)
		return -1;
	if (!o)
		return 0;
	if (parse_hook_list(c, o, "prestart", &h->prestart) < 0 ||
	    parse_hook_list(c, o, "createRuntime", &h->create_runtime) < 0 ||
	    parse_hook_list(c, o, "createContainer", &h->create_container) < 0 ||
	    parse_hook_list(c, o, "startContainer", &h->start_container) < 0 ||
	    parse_hook_list(c, o, "poststart", &h->poststart) < 0 ||
	    parse_hook_list(c, o, "poststop", &h->poststop) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* public API                                                          */
/* ------------------------------------------------------------------ */

/* A JSON syntax error, in words a user can act on.  jansson names its own
 * flag for an embedded NUL ("\u0000 is not allowed without
 * JSON_ALLOW_NUL"), which means nothing to someone editing config.json. */
static int load_error(struct sbx_err *err, const char *source, const json_error_t *j)
{
	if (strstr(j->text, "JSON_ALLOW_NUL") || strstr(j->text, "NUL byte"))
		return sbx_err_set(err, 0, "%s: line %d, column %d: a string contains a NUL character"
				   " (\\u0000), which is not allowed in config strings", source, j->line,
				   j->column);
	return sbx_err_set(err, 0, "%s: line %d, column %d: %s", source, j->line, j->column,
			   j->text);
}

static int parse_config(const char *text, size_t len, const char *source,
			struct sbx_config **out, struct sbx_err *err)
{
	struct cfg_ctx c = { .source = source ? source : "config.json", .err = err };
	struct sbx_config *cfg;
	json_error_t jerr;
	json_t *root, *lx;
	int r = -1;

	*out = NULL;
	/* Default flags: duplicate keys keep the last value (the spec does
	 * not forbid them) and embedded NUL in strings is rejected, so a
	 * C string can never be shorter than the JSON string it came from. */
	root = json_loadb(text, len, 0, &jerr);
	if (!root)
		return load_error(err, c.source, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return sbx_err_set(err, 0, "%s: the top-level value must be an object", c.source);
	}

	/* The struct itself lives in its own arena: one free releases all. */
	{
		struct sbx_arena a = { 0 };
		cfg = sbx_arena_alloc(&a, sizeof(*cfg));
		cfg->arena = a;
	}
	c.arena = &cfg->arena;

	if (parse_oci_version(&c, root, cfg) < 0 || parse_root(&c, root, cfg) < 0 ||
	    sbx_cfg_parse_process(&c, root, cfg) < 0 ||
	    sbx_cfg_str(&c, root, "", "hostname", false, false, &cfg->hostname) < 0 ||
	    sbx_cfg_str(&c, root, "", "domainname", false, false, &cfg->domainname) < 0 ||
	    parse_mounts(&c, root, cfg) < 0 || parse_hooks(&c, root, &cfg->hooks) < 0 ||
	    sbx_cfg_strmap(&c, root, "", "annotations", &cfg->annotations,
			   &cfg->n_annotations) < 0)
		goto out;
	if (sbx_cfg_obj(&c, root, "", "linux", &lx) < 0)
		goto out;
	cfg->has_linux = lx != NULL;
	if (sbx_cfg_parse_linux(&c, lx, &cfg->linux) < 0 || sbx_cfg_parse_net(&c, cfg) < 0)
		goto out;
	*out = cfg;
	cfg = NULL;
	r = 0;
out:
	json_decref(root);
	sbx_config_free(cfg);
	return r;
}

/* Every error of the parser is the config's: kind SBX_ERR_CONFIG. */
int sbx_config_parse(const char *text, size_t len, const char *source,
		     struct sbx_config **out, struct sbx_err *err)
{
	return parse_config(text, len, source, out, err) < 0 ? sbx_err_kind(err, SBX_ERR_CONFIG) : 0;
}

int sbx_config_parse_deferred(const char *text, size_t len, const char *source,
			      struct sbx_config **out, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *rest = NULL;
	size_t start, end;
	char *slice;

	/* Only an object is deferred: anything else (null, or a value the
	 * parser refuses) goes through the parser as it is. */
	if (sbx_jsonloc_span(text, len, "linux.seccomp", &start, &end) < 0 || text[start] != '{' ||
	    end <= start || text[end - 1] != '}')
		return sbx_config_parse(text, len, source, out, err);
	rest = sbx_xmalloc(len - (end - start) + 4);
	memcpy(rest, text, start);
	memcpy(rest + start, "null", 4);
	memcpy(rest + start + 4, text + end, len - end);
	if (sbx_config_parse(rest, len - (end - start) + 4, source, out, err) < 0)
		return -1;
	slice = sbx_arena_alloc(&(*out)->arena, end - start + 1);
	memcpy(slice, text + start, end - start);
	slice[end - start] = '\0';
	(*out)->linux.seccomp = NULL;
	(*out)->linux.seccomp_text = slice;
	(*out)->linux.seccomp_len = end - start;
	return 0;
}

/* `text` is one object of config.json on its own (a seccomp profile,
 * linux.resources, process): *wrap = {key: it}, for the member's parser
 * (same checks, same messages as inside config.json). */
static int wrap_member(const char *text, size_t len, const char *source, const char *key,
		       json_t **wrap, struct sbx_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);

	if (!root)
		return load_error(err, source, &jerr);
	if (!json_is_object(root)) {
		json_decref(root);
		return sbx_err_set(err, 0, "%s: the top-level value must be an object", source);
	}
	*wrap = json_pack("{s:O}", key, root);
	json_decref(root);
	if (!*wrap)
		return sbx_err_set(err, ENOMEM, "%s", source);
	return 0;
}

static int parse_seccomp_text(const char *text, size_t len, struct sbx_arena *a,
			      struct sbx_seccomp **out, struct sbx_err *err)
{
	struct cfg_ctx c = { .arena = a, .source = "config.json", .err = err };
	struct sbx_linux l;
	json_t *wrap;
	int r;

	*out = NULL;
	if (wrap_member(text, len, c.source, "seccomp", &wrap, err) < 0)
		return -1;
	memset(&l, 0, sizeof(l));
	r = sbx_cfg_parse_seccomp(&c, wrap, &l);
	json_decref(wrap);
	if (r == 0 && !l.seccomp)
		return sbx_err_set(err, 0, "%s: linux.seccomp: missing", c.source);
	*out = l.seccomp;
	return r;
}

int sbx_config_parse_seccomp(const char *text, size_t len, struct sbx_arena *a,
			     struct sbx_seccomp **out, struct sbx_err *err)
{
	return parse_seccomp_text(text, len, a, out, err) < 0 ? sbx_err_kind(err, SBX_ERR_CONFIG)
								: 0;
}

static int parse_resources(const char *text, size_t len, const char *source,
			   struct sbx_arena *a, struct sbx_resources *out, struct sbx_err *err)
{
	struct cfg_ctx c = { .arena = a, .source = source ? source : "resources", .err = err };
	json_t *wrap;
	int r;

	memset(out, 0, sizeof(*out));
	if (wrap_member(text, len, c.source, "resources", &wrap, err) < 0)
		return -1;
	r = sbx_cfg_parse_resources(&c, wrap, out);
	json_decref(wrap);
	return r;
}

int sbx_config_parse_resources(const char *text, size_t len, const char *source,
			       struct sbx_arena *a, struct sbx_resources *out, struct sbx_err *err)
{
	return parse_resources(text, len, source, a, out, err) < 0 ? sbx_err_kind(err, SBX_ERR_CONFIG)
								    : 0;
}

/* `sbxrun exec --process FILE`: a runtime-spec `process` object, parsed by
 * the same code as config.json's process (same checks, same messages: one
 * parser, so exec cannot accept what create refuses), into cfg->process. */
static int parse_process_file(const char *text, size_t len, const char *source,
			      struct sbx_config *cfg, struct sbx_err *err)
{
	struct cfg_ctx c = { .arena = &cfg->arena, .source = source ? source : "process.json",
			     .err = err };
	json_t *wrap;
	int r;

	if (wrap_member(text, len, c.source, "process", &wrap, err) < 0)
		return -1;
	cfg->process = NULL;
	r = sbx_cfg_parse_process(&c, wrap, cfg);
	json_decref(wrap);
	if (r == 0 && !cfg->process)
		return sbx_err_set(err, 0, "%s: process: missing", c.source);
	return r;
}

int sbx_config_parse_process(const char *text, size_t len, const char *source,
			     struct sbx_config *cfg, struct sbx_err *err)
{
	return parse_process_file(text, len, source, cfg, err) < 0 ? sbx_err_kind(err, SBX_ERR_CONFIG)
								    : 0;
}

void sbx_config_free(struct sbx_config *cfg)
{
	struct sbx_arena a;

	if (!cfg)
		return;
	/* cfg is inside its own arena: copy the handle out before freeing. */
	a = cfg->arena;
	sbx_arena_free(&a);
}

/* Lexical join of the bundle and a relative root.path, without resolving
 * symlinks: the rootfs directory is opened later and everything under it
 * is resolved with RESOLVE_IN_ROOT, so nothing here is trusted. */
static char *join_rootfs(struct sbx_arena *a, const char *bundle, const char *path)
{
	size_t bl = strlen(bundle), pl = strlen(path);
	char *r;

	if (path[0] == '/')
		return sbx_arena_strdup(a, path);
	while (pl > 2 && path[0] == '.' && path[1] == '/') {
		path += 2;
		pl -= 2;
	}
	r = sbx_arena_alloc(a, bl + pl + 2);
	memcpy(r, bundle, bl);
	if (!(bl > 0 && bundle[bl - 1] == '/'))
		r[bl++] = '/';
	memcpy(r + bl, path, pl + 1);
	return r;
}

/* Real configs are tens of KiB; the cap only stops a runaway read. */
#define SBX_CONFIG_MAX_SIZE (16u << 20)

/*
 * Read config.json.  The bundle may belong to someone other than the user
 * running sbxrun (an engine running it as root), so the file is checked
 * before it is read: a FIFO would block the runtime forever (O_NONBLOCK
 * keeps even the open from waiting for a writer) and a device such as
 * /dev/zero would never end.  Only a regular file up to the cap is read.
 */
static int read_config(const char *path, char **out, size_t *out_len, struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	_sbx_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0, cap;
	ssize_t n;

	if (fd < 0)
		return sbx_err_set(err, errno, "open %s", path);
	if (fstat(fd, &st) < 0)
		return sbx_err_set(err, errno, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return sbx_err_set(err, 0, "open %s: not a regular file", path);
	if (st.st_size > (off_t)SBX_CONFIG_MAX_SIZE)
		return sbx_err_set(err, 0, "open %s: larger than %u MiB", path,
				   SBX_CONFIG_MAX_SIZE >> 20);
	/* st_size is only a hint (the file may change under us): read until
	 * EOF, growing the buffer, and stop at the cap. */
	cap = (size_t)st.st_size + 1;
	buf = sbx_xmalloc(cap + 1);
	for (;;) {
		if (len == cap) {
			if (cap > SBX_CONFIG_MAX_SIZE)
				return sbx_err_set(err, 0, "open %s: larger than %u MiB", path,
						   SBX_CONFIG_MAX_SIZE >> 20);
			cap *= 2;
			buf = sbx_xrealloc(buf, cap + 1);
		}
		n = sbx_read_all(fd, buf + len, cap - len);
		if (n < 0)
			return sbx_err_set(err, errno, "read %s", path);
		len += (size_t)n;
		if (len < cap)
			break; /* short read: EOF */
	}
	if (len > SBX_CONFIG_MAX_SIZE)
		return sbx_err_set(err, 0, "open %s: larger than %u MiB", path,
				   SBX_CONFIG_MAX_SIZE >> 20);
	buf[len] = '\0';
	*out_len = len;
	*out = sbx_steal_ptr(&buf);
	return 0;
}

int sbx_config_load(const char *bundle, struct sbx_config **out, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *abs = NULL, *path = NULL, *text = NULL;
	struct sbx_config *cfg;
	size_t len = 0;

	*out = NULL;
	abs = realpath(bundle, NULL);
	if (!abs)
		return sbx_err_setk(err, SBX_ERR_CONFIG, errno, "bundle %s", bundle);
	path = sbx_xasprintf("%s/config.json", strcmp(abs, "/") ? abs : "");
	if (read_config(path, &text, &len, err) < 0)
		return sbx_err_kind(err, SBX_ERR_CONFIG);
	if (sbx_config_parse(text, len, "config.json", &cfg, err) < 0)
		return -1;
	cfg->bundle = sbx_arena_strdup(&cfg->arena, abs);
	if (cfg->root.path)
		cfg->rootfs = join_rootfs(&cfg->arena, abs, cfg->root.path);
	*out = cfg;
	return 0;
}

const struct sbx_namespace *sbx_config_ns(const struct sbx_config *cfg, enum sbx_ns_type t)
{
	size_t i;

	if (!cfg || !cfg->has_linux)
		return NULL;
	for (i = 0; i < cfg->linux.n_namespaces; i++)
		if (cfg->linux.namespaces[i].type == t)
			return &cfg->linux.namespaces[i];
	return NULL;
}

const char *sbx_config_annotation(const struct sbx_config *cfg, const char *key)
{
	size_t i;

	if (!cfg || !key)
		return NULL;
	for (i = 0; i < cfg->n_annotations; i++)
		if (!strcmp(cfg->annotations[i].key, key))
			return cfg->annotations[i].value;
	return NULL;
}

int sbx_config_format_idmap(const struct sbx_idmap *m, size_t n, char *buf, size_t len)
{
	size_t o = 0, i;

	if (!buf || len == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		int w = snprintf(buf + o, len - o, "%u %u %u\n", m[i].container_id, m[i].host_id,
				 m[i].size);
		if (w < 0 || (size_t)w >= len - o) {
			/* A truncated map would be written as a partial (and
			 * so different) mapping: refuse instead. */
			buf[0] = '\0';
			errno = ENOSPC;
			return -1;
		}
		o += (size_t)w;
	}
	return (int)o;
}
