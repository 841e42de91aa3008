/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sbxrun check --id`: what the kernel applied to a container.
 *
 * collect (impure, read-only): /proc/PID/status of every process,
 * /proc/PID/attr/current, uid_map/gid_map, the container's mountinfo
 * against the host's (our own), /proc/PID/ns/ entries against ours, the cgroup's
 * limits through the cgroup module, the kernel's Landlock ABI.  Nothing is
 * written and nothing is signalled.
 *
 * evaluate (pure): the controls that have a kernel source are judged on
 * the kernel's facts, and every disagreement with the config is a drift
 * finding: high when the kernel gives more than the config says, low when
 * it gives less.  Controls without a kernel source use the config.
 */
#include "check_int.h"
#include "sbx/caps.h"
#include "sbx/cgroup.h"
#include "sbx/idpool.h"
#include "sbx/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif

#define FAIL SBX_CHECK_FAIL
#define PASS SBX_CHECK_PASS
#define SKIP SBX_CHECK_SKIP
#define KERN SBX_CHECK_SRC_KERNEL
#define DRIFT SBX_CHECK_SRC_DRIFT
#define MAX_PROCS 256

/* ------------------------------------------------------------------ */
/* pure parsers                                                        */

static bool field(const char *text, const char *key, const char **val)
{
	size_t k = strlen(key);

	for (const char *l = text; l && *l;) {
		if (!strncmp(l, key, k) && l[k] == ':') {
			*val = l + k + 1;
			while (**val == ' ' || **val == '\t')
				(*val)++;
			return true;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return false;
}

int sbx_check_parse_status(const char *text, struct sbx_check_proc *p)
{
	struct { const char *k; uint64_t *v; } caps[] = {
		{ "CapInh", &p->cap_inh }, { "CapPrm", &p->cap_prm }, { "CapEff", &p->cap_eff },
		{ "CapBnd", &p->cap_bnd }, { "CapAmb", &p->cap_amb },
	};
	const char *v;

	p->nnp = p->seccomp = p->seccomp_filters = -1;
	p->uid = -1;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(caps); i++) {
		if (!field(text, caps[i].k, &v))
			return -1;
		*caps[i].v = strtoull(v, NULL, 16);
	}
	if (field(text, "Name", &v))
		snprintf(p->comm, sizeof(p->comm), "%.*s", (int)strcspn(v, "\n"), v);
	if (field(text, "NoNewPrivs", &v))
		p->nnp = atoi(v);
	if (field(text, "Seccomp", &v))
		p->seccomp = atoi(v);
	if (field(text, "Seccomp_filters", &v))
		p->seccomp_filters = atoi(v);
	if (field(text, "Uid", &v)) {
		/* real, effective, saved, fs: the effective one */
		char *end;
		(void)strtol(v, &end, 10);
		p->uid = strtol(end, NULL, 10);
	}
	p->have_status = true;
	return 0;
}

/* mountinfo: id parent maj:min root mountpoint options [optional...] - type source super */
struct mi {
	unsigned maj, min;
	char root[1024], point[1024], opts[256], optional[256], type[64];
};

static int parse_mi_line(const char *line, struct mi *m)
{
	int n = 0;
	const char *dash;

	memset(m, 0, sizeof(*m));
	if (sscanf(line, "%*d %*d %u:%u %1023s %1023s %255s %n", &m->maj, &m->min, m->root, m->point,
		   m->opts, &n) < 5)
		return -1;
	dash = strstr(line + n, "- ");
	if (!dash)
		return -1;
	snprintf(m->optional, sizeof(m->optional), "%.*s", (int)(dash - (line + n)), line + n);
	if (sscanf(dash + 2, "%63s", m->type) != 1)
		return -1;
	return 0;
}

static bool has_opt(const char *opts, const char *o)
{
	size_t n = strlen(o);

	for (const char *p = opts; (p = strstr(p, o)); p += n)
		if ((p == opts || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return true;
	return false;
}

char *sbx_check_host_path(const char *host_mi, unsigned maj, unsigned min, const char *root)
{
	char *best = NULL;
	size_t best_len = 0;

	for (const char *l = host_mi; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char line[4096];
		struct mi m;

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), l);
		l = nl ? nl + 1 : NULL;
		if (parse_mi_line(line, &m) < 0 || m.maj != maj || m.min != min)
			continue;
		sbx_mountinfo_unescape(m.root);
		sbx_mountinfo_unescape(m.point);
		{
			size_t rl = strlen(m.root);
			const char *rest;
			if (!strcmp(m.root, "/"))
				rl = 0;
			if (strncmp(root, m.root, rl) || (root[rl] != '/' && root[rl] != '\0'))
				continue;
			if (best && rl < best_len)
				continue;
			rest = root + rl;
			if (!strcmp(rest, "/"))
				rest = "";
			free(best);
			best = sbx_xasprintf("%s%s", strcmp(m.point, "/") || !*rest ? m.point : "", rest);
			best_len = rl;
		}
	}
	return best;
}

/* ------------------------------------------------------------------ */
/* collect                                                             */

static void unreadable(struct sbx_check_live *l, const char *what, int e)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(e));
	l->unreadable = sbx_xrealloc(l->unreadable, (l->n_unreadable + 1) * sizeof(char *));
	l->unreadable[l->n_unreadable++] = sbx_arena_strdup(&l->arena, msg);
}

static char *read_proc(struct sbx_check_live *l, pid_t pid, const char *file, bool report)
{
	char path[128];
	char *text = NULL;
	struct sbx_err e;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (sbx_read_file_at(AT_FDCWD, path, &text, NULL, &e) < 0) {
		if (report)
			unreadable(l, path, e.errnum);
		return NULL;
	}
	return text;
}

static void collect_mounts(struct sbx_check_live *l, pid_t pid)
{
	_sbx_cleanup_free_ char *mi = read_proc(l, pid, "mountinfo", true);
	_sbx_cleanup_free_ char *host = NULL;
	struct sbx_err e;
	size_t cap = 0;

	if (!mi || sbx_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &host, NULL, &e) < 0)
		return;
	l->have_mounts = true;
	for (char *line = strtok(mi, "\n"); line; line = strtok(NULL, "\n")) {
		struct sbx_check_live_mount *m;
		struct mi x;

		if (parse_mi_line(line, &x) < 0)
			continue;
		sbx_mountinfo_unescape(x.root);
		sbx_mountinfo_unescape(x.point);
		if (!strcmp(x.point, "/")) {
			/* the last "/" is the visible one */
			l->root_readonly = has_opt(x.opts, "ro");
			l->root_idmapped = has_opt(x.opts, "idmapped");
		}
		if (l->n_mounts == cap) {
			cap = cap ? cap * 2 : 32;
			l->mounts = sbx_xrealloc(l->mounts, cap * sizeof(*l->mounts));
		}
		m = &l->mounts[l->n_mounts++];
		memset(m, 0, sizeof(*m));
		m->dest = sbx_arena_strdup(&l->arena, x.point);
		m->fstype = sbx_arena_strdup(&l->arena, x.type);
		m->readonly = has_opt(x.opts, "ro");
		m->shared = strstr(x.optional, "shared:") != NULL;
		/* cgroup2's superblock is the host's, seen through the cgroup
		 * namespace: its root is not a host path. */
		if (strcmp(x.type, "cgroup2") && strcmp(x.type, "cgroup") && strcmp(x.point, "/")) {
			char *hp = sbx_check_host_path(host, x.maj, x.min, x.root);
			if (hp) {
				m->host_path = sbx_arena_strdup(&l->arena, hp);
				free(hp);
			}
		}
	}
}

static void collect_ns(struct sbx_check_live *l, pid_t pid)
{
	for (int t = 0; t < SBX_NS_COUNT; t++) {
		char a[SBX_NS_PATH_MAX], b[SBX_NS_PATH_MAX];
		struct stat sa, sb;

		sbx_ns_path(a, pid, (enum sbx_ns_type)t);
		sbx_ns_path(b, 0, (enum sbx_ns_type)t);
		if (stat(b, &sb) < 0)
			continue; /* the kernel has no such namespace type */
		if (stat(a, &sa) < 0) {
			unreadable(l, a, errno);
			continue;
		}
		l->ns[t] = sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev ? SBX_NS_HOST : SBX_NS_OWN;
	}
}

/* The processes to inspect, init first, then the others in the order
 * given (at most MAX_PROCS), each with its /proc/PID/status parsed. */
static void collect_procs(const struct sbx_check_live_opts *o, struct sbx_check_live *l)
{
	size_t n = o->n_pids && o->pids ? o->n_pids : 1;

	if (n > MAX_PROCS)
		n = MAX_PROCS;
	l->procs = sbx_xcalloc(n, sizeof(*l->procs));
	l->procs[l->n_procs++].pid = o->pid;
	for (size_t i = 0; o->pids && i < o->n_pids && l->n_procs < n; i++)
		if (o->pids[i] != o->pid)
			l->procs[l->n_procs++].pid = o->pids[i];
	for (size_t i = 0; i < l->n_procs; i++) {
		_sbx_cleanup_free_ char *st = read_proc(l, l->procs[i].pid, "status", i == 0);
		if (st)
			(void)sbx_check_parse_status(st, &l->procs[i]);
	}
}

/* init's AppArmor label and its id maps, as the kernel shows them. */
static void collect_label_maps(struct sbx_check_live *l, pid_t pid)
{
	char *t;

	t = read_proc(l, pid, "attr/apparmor/current", false);
	if (!t)
		t = read_proc(l, pid, "attr/current", false);
	if (t) {
		t[strcspn(t, "\n")] = '\0';
		if (*t)
			l->apparmor = sbx_arena_strdup(&l->arena, t);
		free(t);
	}
	if ((t = read_proc(l, pid, "uid_map", true))) {
		l->uid_map = sbx_arena_strdup(&l->arena, t);
		free(t);
	}
	if ((t = read_proc(l, pid, "gid_map", true))) {
		l->gid_map = sbx_arena_strdup(&l->arena, t);
		free(t);
	}
}

/* The ids the launcher mapped for a record with a pool block: the same
 * pool files, the same block (include/sbx/idpool.h). */
static void collect_pool(const struct sbx_check_live_opts *o, struct sbx_check_live *l)
{
	struct sbx_idpool pool;
	struct sbx_idpool_lease lease;
	struct sbx_err e;

	l->pool_expected = true;
	l->pool_block = o->id_block;
	if (sbx_idpool_load(SBX_SUBUID_FILE, SBX_SUBGID_FILE, &pool, &e) == 0 &&
	    sbx_idpool_lease_of(&pool, o->id_block, &lease, &e) == 0) {
		l->has_pool_map = true;
		l->pool_uid = lease.uid;
		l->pool_gid = lease.gid;
		l->pool_size = lease.size;
	} else {
		char buf[SBX_ERR_MSG_MAX + 128];
		l->unreadable = sbx_xrealloc(l->unreadable, (l->n_unreadable + 1) * sizeof(char *));
		l->unreadable[l->n_unreadable++] =
			sbx_arena_strdup(&l->arena, sbx_err_str(&e, buf, sizeof(buf)));
	}
}

/* The limits the kernel enforces on the container's cgroup. */
static void collect_cgroup(const struct sbx_check_live_opts *o, struct sbx_check_live *l)
{
	struct sbx_cgroup_stats cs;
	struct sbx_err e;

	l->cgroup_path = sbx_arena_strdup(&l->arena, o->cgroup_path);
	if (sbx_cgroup_stats(o->cgroup_path, &cs, &e) == 0) {
		l->have_cgroup = true;
		l->has_memory_max = cs.has_memory;
		l->memory_max = cs.memory_max;
		l->has_pids_max = cs.has_pids;
		l->pids_max = cs.pids_max;
		l->has_cpu_max = cs.has_cpu_max;
		l->cpu_quota = cs.cpu_max_quota;
		l->cpu_period = cs.cpu_max_period;
		l->has_cpu_weight = cs.has_cpu_weight;
		l->cpu_weight = cs.cpu_weight;
	} else {
		unreadable(l, o->cgroup_path, e.errnum ? e.errnum : EIO);
	}
}

int sbx_check_live_collect(const struct sbx_check_live_opts *o, struct sbx_check_live *l,
			   struct sbx_err *err)
{
	memset(l, 0, sizeof(*l));
	l->pid = o->pid;
	l->landlock_abi = -1;
	collect_procs(o, l);
	if (!l->procs[0].have_status)
		return sbx_err_set(err, ESRCH, "read /proc/%d/status (the container's init)", (int)o->pid);
	collect_label_maps(l, o->pid);
	if (o->has_id_block)
		collect_pool(o, l);
	collect_mounts(l, o->pid);
	collect_ns(l, o->pid);
	if (o->cgroup_path && *o->cgroup_path)
		collect_cgroup(o, l);
	l->landlock_abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
				       LANDLOCK_CREATE_RULESET_VERSION);
	if (l->landlock_abi < 0)
		l->landlock_abi = -1;
	return 0;
}

void sbx_check_live_free(struct sbx_check_live *l)
{
	if (!l)
		return;
	free(l->procs);
	free(l->mounts);
	free(l->unreadable);
	sbx_arena_free(&l->arena);
	memset(l, 0, sizeof(*l));
}
