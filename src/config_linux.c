/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.json parser, the "linux" object (runtime-spec config-linux.md):
 * namespaces, id mappings, devices, resources, seccomp and the path lists.
 * See config.c for the conventions (null == absent, exact error messages).
 */
#include "config_int.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int parse_namespaces(struct cfg_ctx *c, json_t *lx, struct sbx_linux *l)
{
	char pi[SBX_JPATH_MAX], pt[SBX_JPATH_MAX];
	int seen[SBX_NS_COUNT];
	json_t *arr, *e;
	size_t i;

	if (sbx_cfg_arr(c, lx, "linux", "namespaces", &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	for (i = 0; i < SBX_NS_COUNT; i++)
		seen[i] = -1;
	l->namespaces = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) * sizeof(*l->namespaces));
	json_array_foreach(arr, i, e) {
		struct sbx_namespace *ns = &l->namespaces[i];
		char *type;
		int t;

		sbx_cfg_jidx(pi, "linux.namespaces", i);
		if (!json_is_object(e))
			return sbx_cfg_fail(c, pi, "must be an object");
		if (sbx_cfg_str(c, e, pi, "type", true, true, &type) < 0)
			return -1;
		t = sbx_ns_from_name(type);
		sbx_cfg_jkey(pt, pi, "type");
		if (t < 0)
			return sbx_cfg_fail(c, pt, "unknown namespace type \"%s\"", type);
		/* The spec requires an error: two entries for one type would
		 * leave it ambiguous whether to create or join. */
		if (seen[t] >= 0)
			return sbx_cfg_fail(c, pt, "duplicate namespace type \"%s\" (also linux.namespaces[%d])",
					    type, seen[t]);
		seen[t] = (int)i;
		ns->type = (enum sbx_ns_type)t;
		ns->clone_flag = sbx_ns_flag((enum sbx_ns_type)t);
		if (sbx_cfg_abspath(c, e, pi, "path", false, &ns->path) < 0)
			return -1;
	}
	l->n_namespaces = json_array_size(arr);
	return 0;
}

/*
 * One id map.  The kernel rejects overlapping extents in /proc/PID/uid_map
 * with a bare EINVAL, and an extent whose end wraps 32 bits would map ids we
 * never meant to map; both are reported here with the entry named.
 */
int sbx_cfg_idmap(struct cfg_ctx *c, json_t *obj, const char *parent, const char *key,
		  struct sbx_idmap **out, size_t *n)
{
	char pl[SBX_JPATH_MAX], pi[SBX_JPATH_MAX];
	json_t *arr, *e;
	size_t i, j;
	struct sbx_idmap *m;

	if (sbx_cfg_arr(c, obj, parent, key, &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	sbx_cfg_jkey(pl, parent, key);
	m = *out = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) * sizeof(*m));
	json_array_foreach(arr, i, e) {
		sbx_cfg_jidx(pi, pl, i);
		if (!json_is_object(e))
			return sbx_cfg_fail(c, pi, "must be an object");
		if (sbx_cfg_u32(c, e, pi, "containerID", true, NULL, &m[i].container_id) < 0 ||
		    sbx_cfg_u32(c, e, pi, "hostID", true, NULL, &m[i].host_id) < 0 ||
		    sbx_cfg_u32(c, e, pi, "size", true, NULL, &m[i].size) < 0)
			return -1;
		if (m[i].size == 0)
			return sbx_cfg_fail(c, sbx_cfg_jkey(pl, pi, "size"), "must be greater than 0");
		/* The kernel computes first + count in 32 bits; id 4294967295
		 * is (uid_t)-1 and can never be mapped. */
		if ((uint64_t)m[i].container_id + m[i].size > UINT32_MAX)
			return sbx_cfg_fail(c, pi, "containerID + size exceeds 4294967295");
		if ((uint64_t)m[i].host_id + m[i].size > UINT32_MAX)
			return sbx_cfg_fail(c, pi, "hostID + size exceeds 4294967295");
		for (j = 0; j < i; j++) {
			bool cont = m[i].container_id < (uint64_t)m[j].container_id + m[j].size &&
				    m[j].container_id < (uint64_t)m[i].container_id + m[i].size;
			bool host = m[i].host_id < (uint64_t)m[j].host_id + m[j].size &&
				    m[j].host_id < (uint64_t)m[i].host_id + m[i].size;
			if (cont || host)
				return sbx_cfg_fail(c, pi, "overlaps %s[%zu] (%s IDs)", pl, j,
						    cont ? "container" : "host");
		}
	}
	*n = json_array_size(arr);
	return 0;
}

static int parse_devices(struct cfg_ctx *c, json_t *lx, struct sbx_linux *l)
{
	char pi[SBX_JPATH_MAX], pk[SBX_JPATH_MAX];
	json_t *arr, *e;
	size_t i;

	if (sbx_cfg_arr(c, lx, "linux", "devices", &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	l->devices = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) * sizeof(*l->devices));
	json_array_foreach(arr, i, e) {
		struct sbx_device *d = &l->devices[i];
		char *type;
		bool need_nums;

		sbx_cfg_jidx(pi, "linux.devices", i);
		if (!json_is_object(e))
			return sbx_cfg_fail(c, pi, "must be an object");
		if (sbx_cfg_abspath(c, e, pi, "path", true, &d->path) < 0 ||
		    sbx_cfg_str(c, e, pi, "type", true, true, &type) < 0)
			return -1;
		if (strlen(type) != 1 || !strchr("cbup", type[0]))
			return sbx_cfg_fail(c, sbx_cfg_jkey(pk, pi, "type"),
					    "unknown device type \"%s\" (must be c, b, u or p)", type);
		d->type = type[0];
		/* A FIFO has no device number; everything else does. */
		need_nums = d->type != 'p';
		if (sbx_cfg_i64(c, e, pi, "major", need_nums, 0, INT64_MAX, NULL, &d->major) < 0 ||
		    sbx_cfg_i64(c, e, pi, "minor", need_nums, 0, INT64_MAX, NULL, &d->minor) < 0 ||
		    sbx_cfg_u32(c, e, pi, "fileMode", false, &d->has_file_mode, &d->file_mode) < 0 ||
		    sbx_cfg_u32(c, e, pi, "uid", false, &d->has_uid, &d->uid) < 0 ||
		    sbx_cfg_u32(c, e, pi, "gid", false, &d->has_gid, &d->gid) < 0)
			return -1;
		/* Engines send the host node's whole st_mode (podman rootful:
		 * 8630 = S_IFCHR|0666), so file-type bits are accepted, as
		 * runc does, and dropped: the node's type always comes from
		 * `type`, never from stray bits that would make mknod create
		 * something else.  Bits outside S_IFMT|07777 mean nothing. */
		if (d->has_file_mode && (d->file_mode & ~(uint32_t)(S_IFMT | 07777)))
			return sbx_cfg_fail(c, sbx_cfg_jkey(pk, pi, "fileMode"),
					    "%u (0%o) has bits outside the file type (S_IFMT) and"
					    " permission bits (07777)", d->file_mode, d->file_mode);
		d->file_mode &= 07777;
	}
	l->n_devices = json_array_size(arr);
	return 0;
}

/* ------------------------------------------------------------------ */
/* resources                                                           */
/* ------------------------------------------------------------------ */

static int parse_memory(struct cfg_ctx *c, json_t *res, struct sbx_resources *r)
{
	static const char pm[] = "linux.resources.memory";
	json_t *o;

	if (sbx_cfg_obj(c, res, "linux.resources", "memory", &o) < 0)
		return -1;
	if (!o)
		return 0;
	r->memory.present = true;
	/* Byte limits: -1 means unlimited, other negatives mean nothing. */
	if (sbx_cfg_i64(c, o, pm, "limit", false, -1, INT64_MAX, &r->memory.has_limit,
			&r->memory.limit) < 0 ||
	    sbx_cfg_i64(c, o, pm, "reservation", false, -1, INT64_MAX, &r->memory.has_reservation,
			&r->memory.reservation) < 0 ||
	    sbx_cfg_i64(c, o, pm, "swap", false, -1, INT64_MAX, &r->memory.has_swap,
			&r->memory.swap) < 0 ||
	    sbx_cfg_i64(c, o, pm, "kernel", false, -1, INT64_MAX, &r->memory.has_kernel,
			&r->memory.kernel) < 0 ||
	    sbx_cfg_i64(c, o, pm, "kernelTCP", false, -1, INT64_MAX, &r->memory.has_kernel_tcp,
			&r->memory.kernel_tcp) < 0)
		return -1;
	{
		int64_t sw = 0;
		if (sbx_cfg_i64(c, o, pm, "swappiness", false, 0, 100, &r->memory.has_swappiness,
				&sw) < 0)
			return -1;
		if (r->memory.has_swappiness)
			r->memory.swappiness = (uint64_t)sw;
	}
	if (sbx_cfg_bool(c, o, pm, "disableOOMKiller", &r->memory.has_disable_oom_killer,
			 &r->memory.disable_oom_killer) < 0 ||
	    sbx_cfg_bool(c, o, pm, "useHierarchy", &r->memory.has_use_hierarchy,
			 &r->memory.use_hierarchy) < 0 ||
	    sbx_cfg_bool(c, o, pm, "checkBeforeUpdate", &r->memory.has_check_before_update,
			 &r->memory.check_before_update) < 0)
		return -1;
	return 0;
}

static int parse_cpu(struct cfg_ctx *c, json_t *res, struct sbx_resources *r)
{
	static const char pc[] = "linux.resources.cpu";
	json_t *o;

	if (sbx_cfg_obj(c, res, "linux.resources", "cpu", &o) < 0)
		return -1;
	if (!o)
		return 0;
	r->cpu.present = true;
	if (sbx_cfg_u64(c, o, pc, "shares", false, &r->cpu.has_shares, &r->cpu.shares) < 0 ||
	    sbx_cfg_i64(c, o, pc, "quota", false, -1, INT64_MAX, &r->cpu.has_quota,
			&r->cpu.quota) < 0 ||
	    sbx_cfg_u64(c, o, pc, "burst", false, &r->cpu.has_burst, &r->cpu.burst) < 0 ||
	    sbx_cfg_u64(c, o, pc, "period", false, &r->cpu.has_period, &r->cpu.period) < 0 ||
	    sbx_cfg_i64(c, o, pc, "realtimeRuntime", false, -1, INT64_MAX,
			&r->cpu.has_realtime_runtime, &r->cpu.realtime_runtime) < 0 ||
	    sbx_cfg_u64(c, o, pc, "realtimePeriod", false, &r->cpu.has_realtime_period,
			&r->cpu.realtime_period) < 0 ||
	    sbx_cfg_i64(c, o, pc, "idle", false, 0, 1, &r->cpu.has_idle, &r->cpu.idle) < 0 ||
	    sbx_cfg_str(c, o, pc, "cpus", false, false, &r->cpu.cpus) < 0 ||
	    sbx_cfg_str(c, o, pc, "mems", false, false, &r->cpu.mems) < 0)
		return -1;
	/* cgroup v1 cpu.shares is 2..262144; 0 is taken as "unset" by
	 * runc and crun, so accept it and let the cgroup module skip it. */
	if (r->cpu.has_shares && r->cpu.shares != 0 &&
	    (r->cpu.shares < 2 || r->cpu.shares > 262144))
		return sbx_cfg_fail(c, "linux.resources.cpu.shares",
				    "must be an integer between 2 and 262144");
	return 0;
}

static int parse_throttle(struct cfg_ctx *c, json_t *bio, const char *key,
			  struct sbx_blkio_throttle **out, size_t *n)
{
	char pl[SBX_JPATH_MAX], pi[SBX_JPATH_MAX];
	json_t *arr, *e;
	size_t i;

	if (sbx_cfg_arr(c, bio, "linux.resources.blockIO", key, &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	sbx_cfg_jkey(pl, "linux.resources.blockIO", key);
	*out = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) * sizeof(**out));
	json_array_foreach(arr, i, e) {
		struct sbx_blkio_throttle *t = &(*out)[i];

		sbx_cfg_jidx(pi, pl, i);
		if (!json_is_object(e))
			return sbx_cfg_fail(c, pi, "must be an object");
		if (sbx_cfg_i64(c, e, pi, "major", true, 0, INT64_MAX, NULL, &t->major) < 0 ||
		    sbx_cfg_i64(c, e, pi, "minor", true, 0, INT64_MAX, NULL, &t->minor) < 0 ||
		    sbx_cfg_u64(c, e, pi, "rate", true, NULL, &t->rate) < 0)
			return -1;
	}
	*n = json_array_size(arr);
	return 0;
}

/* blkio weights are 10..1000 in both cgroup v1 (blkio.weight) and the
 * runtime-spec; 0 would be refused by the kernel with a bare EINVAL. */
static int blkio_weight(struct cfg_ctx *c, json_t *o, const char *parent, const char *key,
			bool *has, uint16_t *out)
{
	int64_t w = 0;
	json_t *v = json_object_get(o, key);

	/* Docker (moby) writes an unset weight as 0; runc and crun treat 0
	 * as "not set", so do we: otherwise `docker run` without --blkio-weight
	 * would fail on every host. */
	if (json_is_integer(v) && json_integer_value(v) == 0) {
		*has = false;
		return 0;
	}
	if (sbx_cfg_i64(c, o, parent, key, false, 10, 1000, has, &w) < 0)
		return -1;
	if (*has)
		*out = (uint16_t)w;
	return 0;
}

static int parse_blkio(struct cfg_ctx *c, json_t *res, struct sbx_resources *r)
{
	static const char pb[] = "linux.resources.blockIO";
	char pl[SBX_JPATH_MAX], pi[SBX_JPATH_MAX];
	json_t *o, *arr, *e;
	size_t i;

	if (sbx_cfg_obj(c, res, "linux.resources", "blockIO", &o) < 0)
		return -1;
	if (!o)
		return 0;
	r->blkio.present = true;
	if (blkio_weight(c, o, pb, "weight", &r->blkio.has_weight, &r->blkio.weight) < 0 ||
	    blkio_weight(c, o, pb, "leafWeight", &r->blkio.has_leaf_weight,
			 &r->blkio.leaf_weight) < 0)
		return -1;
	if (sbx_cfg_arr(c, o, pb, "weightDevice", &arr) < 0)
		return -1;
	if (arr) {
		sbx_cfg_jkey(pl, pb, "weightDevice");
		r->blkio.weight_device = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) *
								   sizeof(*r->blkio.weight_device));
		json_array_foreach(arr, i, e) {
			struct sbx_blkio_weight_device *w = &r->blkio.weight_device[i];

			sbx_cfg_jidx(pi, pl, i);
			if (!json_is_object(e))
				return sbx_cfg_fail(c, pi, "must be an object");
			if (sbx_cfg_i64(c, e, pi, "major", true, 0, INT64_MAX, NULL, &w->major) < 0 ||
			    sbx_cfg_i64(c, e, pi, "minor", true, 0, INT64_MAX, NULL, &w->minor) < 0 ||
			    blkio_weight(c, e, pi, "weight", &w->has_weight, &w->weight) < 0 ||
			    blkio_weight(c, e, pi, "leafWeight", &w->has_leaf_weight,
					 &w->leaf_weight) < 0)
				return -1;
		}
		r->blkio.n_weight_device = json_array_size(arr);
	}
	if (parse_throttle(c, o, "throttleReadBpsDevice", &r->blkio.throttle_read_bps,
			   &r->blkio.n_throttle_read_bps) < 0 ||
	    parse_throttle(c, o, "throttleWriteBpsDevice", &r->blkio.throttle_write_bps,
			   &r->blkio.n_throttle_write_bps) < 0 ||
	    parse_throttle(c, o, "throttleReadIOPSDevice", &r->blkio.throttle_read_iops,
			   &r->blkio.n_throttle_read_iops) < 0 ||
	    parse_throttle(c, o, "throttleWriteIOPSDevice", &r->blkio.throttle_write_iops,
			   &r->blkio.n_throttle_write_iops) < 0)
		return -1;
	return 0;
}

static int parse_hugepages(struct cfg_ctx *c, json_t *res, struct sbx_resources *r)
{
	char pi[SBX_JPATH_MAX], pk[SBX_JPATH_MAX];
	json_t *arr, *e;
	size_t i;

	if (sbx_cfg_arr(c, res, "linux.resources", "hugepageLimits", &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	r->hugepage_limits = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) *
							  sizeof(*r->hugepage_limits));
	json_array_foreach(arr, i, e) {
		struct sbx_hugepage_limit *h = &r->hugepage_limits[i];
		const char *s;

		sbx_cfg_jidx(pi, "linux.resources.hugepageLimits", i);
		if (!json_is_object(e))
			return sbx_cfg_fail(c, pi, "must be an object");
		if (sbx_cfg_str(c, e, pi, "pageSize", true, true, &h->page_size) < 0 ||
		    sbx_cfg_u64(c, e, pi, "limit", true, NULL, &h->limit) < 0)
			return -1;
		/* The page size becomes part of a cgroup file name
		 * ("hugetlb.<size>.limit_in_bytes"): only "<digits><unit>"
		 * may get there, never a '/' or "..". */
		for (s = h->page_size; *s >= '0' && *s <= '9'; s++)
			;
		if (s == h->page_size || (strcmp(s, "KB") && strcmp(s, "MB") && strcmp(s, "GB")))
			return sbx_cfg_fail(c, sbx_cfg_jkey(pk, pi, "pageSize"),
					    "invalid page size \"%s\" (expected e.g. \"2MB\")",
					    h->page_size);
	}
	r->n_hugepage_limits = json_array_size(arr);
	return 0;
}

static int parse_rdma(struct cfg_ctx *c, json_t *res, struct sbx_resources *r)
{
	char pk[SBX_JPATH_MAX];
	json_t *m, *v;
	const char *k;
	size_t i = 0;

	if (sbx_cfg_obj(c, res, "linux.resources", "rdma", &m) < 0)
		return -1;
	if (!m)
		return 0;
	r->rdma = sbx_arena_alloc(c->arena, (json_object_size(m) + 1) * sizeof(*r->rdma));
	json_object_foreach(m, k, v) {
		struct sbx_rdma_limit *l = &r->rdma[i++];

		sbx_cfg_jmap(pk, "linux.resources.rdma", k);
		if (!json_is_object(v))
			return sbx_cfg_fail(c, pk, "must be an object");
		/* The name becomes the first word of a line in rdma.max. */
		if (!*k || strpbrk(k, " \t\n/"))
			return sbx_cfg_fail(c, pk, "invalid RDMA device name");
		l->device = sbx_arena_strdup(c->arena, k);
		if (sbx_cfg_u32(c, v, pk, "hcaHandles", false, &l->has_handles, &l->handles) < 0 ||
		    sbx_cfg_u32(c, v, pk, "hcaObjects", false, &l->has_objects, &l->objects) < 0)
			return -1;
	}
	r->n_rdma = i;
	return 0;
}

static int parse_device_rules(struct cfg_ctx *c, json_t *res, struct sbx_resources *r)
{
	char pi[SBX_JPATH_MAX], pk[SBX_JPATH_MAX];
	json_t *arr, *e;
	size_t i;

	if (sbx_cfg_arr(c, res, "linux.resources", "devices", &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	r->devices = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) * sizeof(*r->devices));
	json_array_foreach(arr, i, e) {
		struct sbx_device_rule *d = &r->devices[i];
		bool has_allow = false;
		char *type, *s;

		sbx_cfg_jidx(pi, "linux.resources.devices", i);
		if (!json_is_object(e))
			return sbx_cfg_fail(c, pi, "must be an object");
		if (sbx_cfg_bool(c, e, pi, "allow", &has_allow, &d->allow) < 0)
			return -1;
		if (!has_allow)
			return sbx_cfg_fail(c, sbx_cfg_jkey(pk, pi, "allow"), "is required");
		if (sbx_cfg_str(c, e, pi, "type", false, false, &type) < 0)
			return -1;
		if (type && (strlen(type) != 1 || !strchr("acb", type[0])))
			return sbx_cfg_fail(c, sbx_cfg_jkey(pk, pi, "type"),
					    "unknown device type \"%s\" (must be a, c or b)", type);
		d->type = type ? type[0] : 'a';
		d->major = d->minor = -1;
		if (sbx_cfg_i64(c, e, pi, "major", false, -1, INT64_MAX, &d->has_major,
				&d->major) < 0 ||
		    sbx_cfg_i64(c, e, pi, "minor", false, -1, INT64_MAX, &d->has_minor,
				&d->minor) < 0 ||
		    sbx_cfg_str(c, e, pi, "access", false, false, &d->access) < 0)
			return -1;
		if (!d->has_major)
			d->major = -1;
		if (!d->has_minor)
			d->minor = -1;
		if (d->access) {
			for (s = d->access; *s; s++)
				if (!strchr("rwm", *s) || strchr(s + 1, *s))
					return sbx_cfg_fail(c, sbx_cfg_jkey(pk, pi, "access"),
							    "invalid access \"%s\" (must be a subset of \"rwm\")",
							    d->access);
		}
	}
	r->n_devices = json_array_size(arr);
	return 0;
}

static int parse_resources(struct cfg_ctx *c, json_t *lx, struct sbx_resources *r)
{
	json_t *o, *pids;

	if (sbx_cfg_obj(c, lx, "linux", "resources", &o) < 0)
		return -1;
	if (!o)
		return 0;
	r->present = true;
	if (parse_memory(c, o, r) < 0 || parse_cpu(c, o, r) < 0)
		return -1;
	if (sbx_cfg_obj(c, o, "linux.resources", "pids", &pids) < 0)
		return -1;
	if (pids) {
		r->pids.present = true;
		if (sbx_cfg_i64(c, pids, "linux.resources.pids", "limit", true, INT64_MIN,
				INT64_MAX, NULL, &r->pids.limit) < 0)
			return -1;
	}
	if (parse_blkio(c, o, r) < 0 || parse_hugepages(c, o, r) < 0 ||
	    parse_device_rules(c, o, r) < 0 || parse_rdma(c, o, r) < 0 ||
	    sbx_cfg_strmap(c, o, "linux.resources", "unified", &r->unified, &r->n_unified) < 0)
		return -1;
	return 0;
}

/* `sbxrun update --resources FILE`: the same parser on {"resources": ...}. */
int sbx_cfg_parse_resources(struct cfg_ctx *c, json_t *lx, struct sbx_resources *r)
{
	return parse_resources(c, lx, r);
}

/* ------------------------------------------------------------------ */
/* seccomp                                                             */
/* ------------------------------------------------------------------ */

static const char *const seccomp_actions[] = {
	[SBX_SCMP_KILL] = "SCMP_ACT_KILL",
	[SBX_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[SBX_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[SBX_SCMP_TRAP] = "SCMP_ACT_TRAP",
	[SBX_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
	[SBX_SCMP_TRACE] = "SCMP_ACT_TRACE",
	[SBX_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
	[SBX_SCMP_LOG] = "SCMP_ACT_LOG",
	[SBX_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const seccomp_ops[] = {
	[SBX_SCMP_CMP_NE] = "SCMP_CMP_NE",
	[SBX_SCMP_CMP_LT] = "SCMP_CMP_LT",
	[SBX_SCMP_CMP_LE] = "SCMP_CMP_LE",
	[SBX_SCMP_CMP_EQ] = "SCMP_CMP_EQ",
	[SBX_SCMP_CMP_GE] = "SCMP_CMP_GE",
	[SBX_SCMP_CMP_GT] = "SCMP_CMP_GT",
	[SBX_SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

/* Look `key` up in a name table; -1 + error if absent or unknown. */
static int name_enum(struct cfg_ctx *c, json_t *o, const char *parent, const char *key,
		     const char *const *names, size_t n, const char *what, int *out)
{
	char p[SBX_JPATH_MAX];
	char *s;
	size_t i;

	if (sbx_cfg_str(c, o, parent, key, true, true, &s) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i])) {
			*out = (int)i;
			return 0;
		}
	return sbx_cfg_fail(c, sbx_cfg_jkey(p, parent, key), "unknown %s \"%s\"", what, s);
}

static int parse_seccomp_args(struct cfg_ctx *c, json_t *sc, const char *parent,
			      struct sbx_seccomp_syscall *s)
{
	char pl[SBX_JPATH_MAX], pi[SBX_JPATH_MAX];
	json_t *arr, *e;
	size_t i;

	if (sbx_cfg_arr(c, sc, parent, "args", &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	sbx_cfg_jkey(pl, parent, "args");
	s->args = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) * sizeof(*s->args));
	json_array_foreach(arr, i, e) {
		struct sbx_seccomp_arg *a = &s->args[i];
		int64_t idx = 0;
		int op = 0;

		sbx_cfg_jidx(pi, pl, i);
		if (!json_is_object(e))
			return sbx_cfg_fail(c, pi, "must be an object");
		/* Syscalls have six argument registers. */
		if (sbx_cfg_i64(c, e, pi, "index", true, 0, 5, NULL, &idx) < 0 ||
		    sbx_cfg_u64(c, e, pi, "value", true, NULL, &a->value) < 0 ||
		    sbx_cfg_u64(c, e, pi, "valueTwo", false, NULL, &a->value_two) < 0 ||
		    name_enum(c, e, pi, "op", seccomp_ops, SBX_ARRAY_SIZE(seccomp_ops),
			      "seccomp operator", &op) < 0)
			return -1;
		a->index = (unsigned)idx;
		a->op = (enum sbx_seccomp_op)op;
	}
	s->n_args = json_array_size(arr);
	return 0;
}

int sbx_cfg_parse_seccomp(struct cfg_ctx *c, json_t *lx, struct sbx_linux *l)
{
	static const char ps[] = "linux.seccomp";
	char pi[SBX_JPATH_MAX], pk[SBX_JPATH_MAX], pn[SBX_JPATH_MAX];
	struct sbx_seccomp *sc;
	json_t *o, *arr, *e;
	size_t i;
	int act = 0;

	if (sbx_cfg_obj(c, lx, "linux", "seccomp", &o) < 0)
		return -1;
	if (!o)
		return 0;
	sc = l->seccomp = sbx_arena_alloc(c->arena, sizeof(*sc));
	if (name_enum(c, o, ps, "defaultAction", seccomp_actions, SBX_ARRAY_SIZE(seccomp_actions),
		      "seccomp action", &act) < 0)
		return -1;
	sc->default_action = (enum sbx_seccomp_action)act;
	if (sbx_cfg_u32(c, o, ps, "defaultErrnoRet", false, &sc->has_default_errno_ret,
			&sc->default_errno_ret) < 0 ||
	    sbx_cfg_strv(c, o, ps, "architectures", false, &sc->architectures,
			 &sc->n_architectures) < 0 ||
	    sbx_cfg_strv(c, o, ps, "flags", false, &sc->flags, &sc->n_flags) < 0 ||
	    sbx_cfg_abspath(c, o, ps, "listenerPath", false, &sc->listener_path) < 0 ||
	    sbx_cfg_str(c, o, ps, "listenerMetadata", false, false, &sc->listener_metadata) < 0)
		return -1;
	if (sbx_cfg_arr(c, o, ps, "syscalls", &arr) < 0)
		return -1;
	if (!arr)
		return 0;
	sc->syscalls = sbx_arena_alloc(c->arena, (json_array_size(arr) + 1) * sizeof(*sc->syscalls));
	json_array_foreach(arr, i, e) {
		struct sbx_seccomp_syscall *s = &sc->syscalls[i];
		size_t k;

		sbx_cfg_jidx(pi, "linux.seccomp.syscalls", i);
		if (!json_is_object(e))
			return sbx_cfg_fail(c, pi, "must be an object");
		if (!json_is_array(json_object_get(e, "names")) ||
		    json_array_size(json_object_get(e, "names")) == 0)
			return sbx_cfg_fail(c, sbx_cfg_jkey(pk, pi, "names"),
					    json_object_get(e, "names") ?
					    "must be a non-empty array of strings" : "is required");
		if (sbx_cfg_strv(c, e, pi, "names", false, &s->names, &s->n_names) < 0)
			return -1;
		sbx_cfg_jkey(pk, pi, "names");
		for (k = 0; k < s->n_names; k++)
			if (!s->names[k][0])
				return sbx_cfg_fail(c, sbx_cfg_jidx(pn, pk, k),
						    "must be a non-empty string");
		if (name_enum(c, e, pi, "action", seccomp_actions,
			      SBX_ARRAY_SIZE(seccomp_actions), "seccomp action", &act) < 0)
			return -1;
		s->action = (enum sbx_seccomp_action)act;
		if (sbx_cfg_u32(c, e, pi, "errnoRet", false, &s->has_errno_ret, &s->errno_ret) < 0 ||
		    parse_seccomp_args(c, e, pi, s) < 0)
			return -1;
	}
	sc->n_syscalls = json_array_size(arr);
	return 0;
}

/* ------------------------------------------------------------------ */

static const char *const propagations[] = {
	"private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable",
};

int sbx_cfg_parse_linux(struct cfg_ctx *c, json_t *lx, struct sbx_linux *l)
{
	const struct sbx_namespace *userns = NULL;
	size_t i;

	/* Absent "linux": keep the empty-but-iterable arrays convention. */
	if (parse_namespaces(c, lx, l) < 0 ||
	    sbx_cfg_idmap(c, lx, "linux", "uidMappings", &l->uid_mappings, &l->n_uid_mappings) < 0 ||
	    sbx_cfg_idmap(c, lx, "linux", "gidMappings", &l->gid_mappings, &l->n_gid_mappings) < 0 ||
	    parse_devices(c, lx, l) < 0 ||
	    sbx_cfg_str(c, lx, "linux", "cgroupsPath", false, false, &l->cgroups_path) < 0 ||
	    parse_resources(c, lx, &l->resources) < 0 ||
	    sbx_cfg_str(c, lx, "linux", "rootfsPropagation", false, false,
			&l->rootfs_propagation) < 0 ||
	    sbx_cfg_strv(c, lx, "linux", "maskedPaths", true, &l->masked_paths,
			 &l->n_masked_paths) < 0 ||
	    sbx_cfg_strv(c, lx, "linux", "readonlyPaths", true, &l->readonly_paths,
			 &l->n_readonly_paths) < 0 ||
	    sbx_cfg_strmap(c, lx, "linux", "sysctl", &l->sysctl, &l->n_sysctl) < 0 ||
	    sbx_cfg_parse_seccomp(c, lx, l) < 0 ||
	    sbx_cfg_str(c, lx, "linux", "mountLabel", false, false, &l->mount_label) < 0 ||
	    sbx_cfg_parse_net_devices(c, lx, l) < 0)
		return -1;

	/* Fail closed: a resctrl class we silently left out would leave the
	 * container with the cache and memory bandwidth it was to be denied. */
	if (lx && json_object_get(lx, "intelRdt") && !json_is_null(json_object_get(lx, "intelRdt")))
		return sbx_cfg_fail(c, "linux.intelRdt", "Intel RDT (resctrl) is not supported by"
				    " sbxrun; remove it from the config");

	if (l->cgroups_path && !*l->cgroups_path)
		l->cgroups_path = NULL;
	if (l->mount_label && !*l->mount_label)
		l->mount_label = NULL;
	if (l->rootfs_propagation && !*l->rootfs_propagation)
		l->rootfs_propagation = NULL;
	if (l->rootfs_propagation) {
		for (i = 0; i < SBX_ARRAY_SIZE(propagations); i++)
			if (!strcmp(l->rootfs_propagation, propagations[i]))
				break;
		if (i == SBX_ARRAY_SIZE(propagations))
			return sbx_cfg_fail(c, "linux.rootfsPropagation",
					    "unknown propagation \"%s\"", l->rootfs_propagation);
	}

	for (i = 0; i < l->n_namespaces; i++)
		if (l->namespaces[i].type == SBX_NS_USER)
			userns = &l->namespaces[i];
	/* Mappings only mean something for a user namespace we create; with
	 * none they would be silently ignored and the process would run with
	 * the host ids the author tried to map away. */
	if (!userns && l->n_uid_mappings)
		return sbx_cfg_fail(c, "linux.uidMappings", "requires a user namespace");
	if (!userns && l->n_gid_mappings)
		return sbx_cfg_fail(c, "linux.gidMappings", "requires a user namespace");
	return 0;
}
