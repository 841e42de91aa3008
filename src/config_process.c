/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.json's "process" object: what runs in the container and as whom
 * (args, env, cwd, user and groups, capabilities, rlimits, terminal, LSM
 * labels, oom score).  Parsed by the same code for config.json and for
 * `sbxrun exec --process FILE`, so exec cannot accept what create refuses.
 * The rules are config.c's: a property we understand but cannot honour is
 * an error, never a silently missing restriction.
 */
#include "config_int.h"

#include <string.h>
#include <sys/resource.h>

#include "sbx/config.h"
#include "sbx/error.h"
#include "sbx/util.h"

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

static int parse_rlimits(struct cfg_ctx *c, json_t *proc, struct sbx_process *p)
{
	char pi[SBX_JPATH_MAX], pt[SBX_JPATH_MAX];
	json_t *arr, *e;
	size_t i, j;

	if (sbx_cfg_arr(c, proc, "process", "rlimits", &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	p->rlimits = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) * sizeof(*p->rlimits));
	json_array_foreach(arr, i, e) {
		struct sbx_rlimit *rl = &p->rlimits[i];
		size_t k;

		sbx_cfg_jidx(pi, "process.rlimits", i);
		if (!json_is_object(e))
			return sbx_cfg_fail(c, pi, "must be an object");
		if (sbx_cfg_str(c, e, pi, "type", true, true, &rl->type) < 0)
			return -1;
		rl->resource = -1;
		for (k = 0; k < SBX_ARRAY_SIZE(rlimit_names); k++)
			if (!strcmp(rl->type, rlimit_names[k].name))
				rl->resource = rlimit_names[k].resource;
		if (rl->resource < 0)
			return sbx_cfg_fail(c, sbx_cfg_jkey(pt, pi, "type"),
					    "unknown rlimit type \"%s\"", rl->type);
		/* The runtime-spec requires an error for duplicate types:
		 * which one wins would otherwise be an accident of ordering. */
		for (j = 0; j < i; j++)
			if (p->rlimits[j].resource == rl->resource)
				return sbx_cfg_fail(c, sbx_cfg_jkey(pt, pi, "type"),
						    "duplicate rlimit type \"%s\" (also process.rlimits[%zu])",
						    rl->type, j);
		if (sbx_cfg_u64(c, e, pi, "soft", true, NULL, &rl->soft) < 0 ||
		    sbx_cfg_u64(c, e, pi, "hard", true, NULL, &rl->hard) < 0)
			return -1;
		/* setrlimit(2) would fail with EINVAL inside the container;
		 * saying so here names the entry. */
		if (rl->soft > rl->hard)
			return sbx_cfg_fail(c, pi, "soft limit %llu exceeds hard limit %llu",
					    (unsigned long long)rl->soft,
					    (unsigned long long)rl->hard);
	}
	p->n_rlimits = json_array_size(arr);
	return 0;
}

static int parse_caps(struct cfg_ctx *c, json_t *proc, struct sbx_caps *caps)
{
	static const char pc[] = "process.capabilities";
	json_t *o;

	if (sbx_cfg_obj(c, proc, "process", "capabilities", &o) < 0)
		return -1;
	/* Absent capabilities leave every set empty (the safe reading), and
	 * `present` lets the caps module tell "none" from "not given". */
	caps->present = o != NULL;
	if (sbx_cfg_strv(c, o, pc, "bounding", false, &caps->bounding, &caps->n_bounding) < 0 ||
	    sbx_cfg_strv(c, o, pc, "effective", false, &caps->effective, &caps->n_effective) < 0 ||
	    sbx_cfg_strv(c, o, pc, "permitted", false, &caps->permitted, &caps->n_permitted) < 0 ||
	    sbx_cfg_strv(c, o, pc, "inheritable", false, &caps->inheritable,
			 &caps->n_inheritable) < 0 ||
	    sbx_cfg_strv(c, o, pc, "ambient", false, &caps->ambient, &caps->n_ambient) < 0)
		return -1;
	return 0;
}

static int parse_user(struct cfg_ctx *c, json_t *proc, struct sbx_user *u)
{
	static const char pu[] = "process.user";
	char pi[SBX_JPATH_MAX], pg[SBX_JPATH_MAX];
	json_t *o, *arr, *e;
	size_t i;

	if (sbx_cfg_obj(c, proc, "process", "user", &o) < 0)
		return -1;
	if (!o)
		return 0; /* uid 0, gid 0: inside the container's user namespace */
	if (sbx_cfg_u32(c, o, pu, "uid", true, NULL, &u->uid) < 0 ||
	    sbx_cfg_u32(c, o, pu, "gid", true, NULL, &u->gid) < 0 ||
	    sbx_cfg_u32(c, o, pu, "umask", false, &u->has_umask, &u->umask) < 0 ||
	    sbx_cfg_str(c, o, pu, "username", false, false, &u->username) < 0)
		return -1;
	if (u->has_umask && u->umask > 0777)
		return sbx_cfg_fail(c, "process.user.umask", "must be an integer between 0 and 0777");
	if (sbx_cfg_arr(c, o, pu, "additionalGids", &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	sbx_cfg_jkey(pg, pu, "additionalGids");
	u->additional_gids = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) * sizeof(uint32_t));
	json_array_foreach(arr, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 0 ||
		    json_integer_value(e) > UINT32_MAX)
			return sbx_cfg_fail(c, sbx_cfg_jidx(pi, pg, i),
					    "must be an integer between 0 and 4294967295");
		u->additional_gids[i] = (uint32_t)json_integer_value(e);
	}
	u->n_additional_gids = json_array_size(arr);
	return 0;
}

int sbx_cfg_parse_process(struct cfg_ctx *c, json_t *root, struct sbx_config *cfg)
{
	static const char pp[] = "process";
	char pi[SBX_JPATH_MAX];
	struct sbx_process *p;
	json_t *o, *cs, *args;
	int64_t oom = 0;
	size_t i;

	if (sbx_cfg_obj(c, root, "", "process", &o) < 0)
		return -1;
	if (!o)
		return 0;
	p = cfg->process = sbx_arena_alloc(c->arena, sizeof(*p));

	if (sbx_cfg_bool(c, o, pp, "terminal", NULL, &p->terminal) < 0)
		return -1;
	if (sbx_cfg_obj(c, o, pp, "consoleSize", &cs) < 0)
		return -1;
	if (cs) {
		uint32_t h = 0, w = 0;
		if (sbx_cfg_u32(c, cs, "process.consoleSize", "height", true, NULL, &h) < 0 ||
		    sbx_cfg_u32(c, cs, "process.consoleSize", "width", true, NULL, &w) < 0)
			return -1;
		p->console_size.present = true;
		p->console_size.height = h;
		p->console_size.width = w;
	}
	if (sbx_cfg_abspath(c, o, pp, "cwd", true, &p->cwd) < 0)
		return -1;

	if (sbx_cfg_strv(c, o, pp, "env", false, &p->env, &p->n_env) < 0)
		return -1;
	for (i = 0; i < p->n_env; i++) {
		const char *eq = strchr(p->env[i], '=');
		/* A string without '=' (or with an empty name) is not an
		 * environment entry; execve would pass it through and the
		 * program would see garbage. */
		if (!eq || eq == p->env[i])
			return sbx_cfg_fail(c, sbx_cfg_jidx(pi, "process.env", i),
					    "must be of the form KEY=VALUE");
	}

	args = json_object_get(o, "args");
	if (!args || json_is_null(args))
		return sbx_cfg_fail(c, "process.args", "is required");
	if (json_is_array(args) && json_array_size(args) == 0)
		return sbx_cfg_fail(c, "process.args", "must be a non-empty array of strings");
	if (sbx_cfg_strv(c, o, pp, "args", false, &p->args, &p->n_args) < 0)
		return -1;
	if (p->args[0][0] == '\0')
		return sbx_cfg_fail(c, "process.args[0]", "must be a non-empty string");

	if (parse_user(c, o, &p->user) < 0 || parse_caps(c, o, &p->caps) < 0 ||
	    parse_rlimits(c, o, p) < 0)
		return -1;
	if (sbx_cfg_bool(c, o, pp, "noNewPrivileges", NULL, &p->no_new_privileges) < 0 ||
	    sbx_cfg_str(c, o, pp, "apparmorProfile", false, false, &p->apparmor_profile) < 0 ||
	    sbx_cfg_str(c, o, pp, "selinuxLabel", false, false, &p->selinux_label) < 0)
		return -1;
	/* The model documents "" as absent: both mean "no profile/label". */
	if (p->apparmor_profile && !*p->apparmor_profile)
		p->apparmor_profile = NULL;
	if (p->selinux_label && !*p->selinux_label)
		p->selinux_label = NULL;
	if (sbx_cfg_i64(c, o, pp, "oomScoreAdj", false, -1000, 1000, &p->has_oom_score_adj,
			&oom) < 0)
		return -1;
	if (p->has_oom_score_adj)
		p->oom_score_adj = (int)oom;
	return 0;
}
