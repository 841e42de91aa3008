/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup v2: the pure part.  linux.resources -> a list of (file, value)
 * writes, with every value validated here so that a bad config fails in
 * the parent before anything is cloned, with a "config.json: <json path>:
 * <problem>" message, instead of as an EINVAL from the kernel half-way
 * through the setup.
 *
 * The mapping (docs/cgroups.md has the table):
 * "No limit" values (-1, pids <= 0, quota -1, all-zero throttles, burst
 * 0, idle 0) are what a new cgroup has already: they need no controller
 * and are only written by `update` (see add_nolimit()).
 *
 *   memory.limit        -> memory.max          (-1 -> "max")
 *   memory.reservation  -> memory.low
 *   memory.swap         -> memory.swap.max = swap - limit  (the spec's swap
 *                          is v1's memory+swap; v2 limits swap alone)
 *   cpu.shares          -> cpu.weight (log-quadratic, see below)
 *   cpu.quota/period    -> cpu.max "quota period" | "max period"
 *   cpu.burst           -> cpu.max.burst,   cpu.idle -> cpu.idle
 *   cpu.cpus/mems       -> cpuset.cpus / cpuset.mems
 *   pids.limit          -> pids.max (<= 0 -> "max")
 *   blockIO.weight      -> io.bfq.weight (else io.weight, converted)
 *   blockIO.throttle*   -> io.max "MAJ:MIN rbps= wbps= riops= wiops="
 *   hugepageLimits      -> hugetlb.<size>.max
 *   rdma[DEV]           -> rdma.max "DEV hca_handle=N hca_object=M" (absent: max)
 *   unified             -> the file named by the key, verbatim
 */
#include "sbx/cgroup.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx/log.h"

static const char *const ctrl_names[SBX_CG_NCTRL] = {
	"cpu", "cpuset", "io", "memory", "pids", "hugetlb", "rdma", "misc",
};

const char *sbx_cgroup_ctrl_name(unsigned bit)
{
	for (unsigned i = 0; i < SBX_CG_NCTRL; i++)
		if (bit == (1u << i))
			return ctrl_names[i];
	return NULL;
}

unsigned sbx_cgroup_ctrl_from_name(const char *name, size_t len)
{
	for (unsigned i = 0; i < SBX_CG_NCTRL; i++)
		if (strlen(ctrl_names[i]) == len && memcmp(ctrl_names[i], name, len) == 0)
			return 1u << i;
	return 0;
}

unsigned sbx_cgroup_parse_ctrl_list(const char *text)
{
	unsigned mask = 0;
	const char *p = text;

	while (p && *p) {
		size_t n;
		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		if (n == 0)
			break;
		mask |= sbx_cgroup_ctrl_from_name(p, n);
		p += n;
	}
	return mask;
}

/* ---- shares -> weight without libm ----
 * The project links no libm; the two transcendental functions the formula
 * needs are computed here to double precision over the small domain used
 * (shares in [2, 262144], exponent in [0, 4]). */

static double ln_1_2(double m) /* ln(m), m in [1, 2) */
{
	/* ln(m) = 2 atanh(t), t = (m-1)/(m+1) <= 1/3: converges quickly. */
	double t = (m - 1) / (m + 1), t2 = t * t, term = t, sum = 0;
	for (int k = 1; k < 60; k += 2) {
		sum += term / k;
		term *= t2;
	}
	return 2 * sum;
}

#define SBX_LN2 0.69314718055994530942
#define SBX_LN10 2.30258509299404568402

static double my_log2(double x) /* x >= 1 */
{
	int e = 0;
	while (x >= 2) {
		x /= 2;
		e++;
	}
	return e + ln_1_2(x) / SBX_LN2;
}

static double my_exp(double y) /* y in [0, 10] */
{
	/* exp(y) = exp(y/2^k)^(2^k) with y/2^k < 1/16, Taylor on the rest. */
	int k = 0;
	double r, term = 1, sum = 1;
	while (y > 0.0625) {
		y /= 2;
		k++;
	}
	for (int i = 1; i < 20; i++) {
		term *= y / i;
		sum += term;
	}
	r = sum;
	while (k-- > 0)
		r *= r;
	return r;
}

uint64_t sbx_cgroup_shares_to_weight(uint64_t shares)
{
	/*
	 * cpu.weight = ceil(10^((L^2 + 125 L) / 612 - 7/34)), L = log2(shares).
	 * This is the conversion of runc >= 1.3.2 and crun >= 1.23 (the
	 * Kubernetes KEP follow-up): unlike the older linear
	 * 1 + (shares-2)*9999/262142 it maps the v1 default 1024 to the v2
	 * default 100, so a container with default shares is not deprioritised
	 * against system services, and still maps 2 -> 1 and 262144 -> 10000.
	 */
	double l, e, v;
	uint64_t w, r;

	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	l = my_log2((double)shares);
	e = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
	v = my_exp(e * SBX_LN10);
	/* ceil, but an exact power (1024 -> 100.0000000001) must not round up
	 * because of the last bits of floating-point error. */
	r = (uint64_t)(v + 0.5);
	if (v - (double)r < 1e-7 * v && (double)r - v < 1e-7 * v)
		w = r;
	else
		w = (uint64_t)v + 1;
	if (w < 1)
		w = 1;
	if (w > 10000)
		w = 10000;
	return w;
}

uint64_t sbx_cgroup_blkio_to_io_weight(uint64_t weight)
{
	/* [10, 1000] -> [1, 10000], linear (runc, crun). */
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + (weight - 10) * 9999 / 990;
}

/* ---- settings list ---- */

void sbx_cgroup_settings_free(struct sbx_cgroup_settings *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].file);
		free(s->v[i].value);
		free(s->v[i].alt_file);
		free(s->v[i].alt_value);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static struct sbx_cgroup_setting *add(struct sbx_cgroup_settings *s, unsigned ctrl,
				      const char *why, const char *file, const char *value)
{
	struct sbx_cgroup_setting *e;

	s->v = sbx_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->file = sbx_xstrdup(file);
	e->value = sbx_xstrdup(value);
	e->ctrl = ctrl;
	s->n_limits++;
	if (ctrl) {
		for (unsigned i = 0; i < SBX_CG_NCTRL; i++)
			if (ctrl == (1u << i) && !s->why[i])
				s->why[i] = why;
		s->controllers |= ctrl;
	}
	return e;
}

/*
 * A "no limit" value, i.e. what a new cgroup's file already holds
 * ("max", "max 100000", "0").  It asks for no controller, so that
 * engines' explicit defaults (podman: pids {limit: 0}) run on hosts
 * without delegation, as with runc and crun; `update` still writes it,
 * to lift a limit set earlier.
 */
static void add_nolimit(struct sbx_cgroup_settings *s, unsigned ctrl, const char *file,
			const char *value)
{
	struct sbx_cgroup_setting *e;

	s->v = sbx_xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->file = sbx_xstrdup(file);
	e->value = sbx_xstrdup(value);
	e->ctrl = ctrl;
	e->is_default = true;
}

static void fmt_u64(char *buf, size_t len, uint64_t v)
{
	snprintf(buf, len, "%" PRIu64, v);
}

/* A cpuset list: "0-3,5,7-8". */
static bool valid_cpuset_list(const char *s)
{
	const char *p = s;

	if (!*s)
		return false;
	for (;;) {
		unsigned long a, b;
		char *end;
		if (*p < '0' || *p > '9')
			return false;
		a = strtoul(p, &end, 10);
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return false;
			b = strtoul(p, &end, 10);
			p = end;
			if (b < a)
				return false;
		}
		if (*p == '\0')
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}

static int compile_memory(const struct sbx_resources *r, const char *src,
			  struct sbx_cgroup_settings *out, struct sbx_err *err)
{
	char buf[64];
	bool limited = false;
	int64_t limit = 0;

	if (!r->memory.present)
		return 0;
	if (r->memory.has_limit && r->memory.limit != 0) {
		/* 0 means "not set", as in runc (engines send it for unset). */
		if (r->memory.limit < -1)
			return sbx_err_set(err, 0, "%s: linux.resources.memory.limit: %" PRId64
					   " is invalid: must be -1 (unlimited) or a number of bytes > 0",
					   src, r->memory.limit);
		if (r->memory.limit == -1) {
			add_nolimit(out, SBX_CG_MEMORY, "memory.max", "max");
		} else {
			fmt_u64(buf, sizeof(buf), (uint64_t)r->memory.limit);
			add(out, SBX_CG_MEMORY, "memory limit (linux.resources.memory.limit)",
			    "memory.max", buf);
		}
		limited = r->memory.limit > 0;
		limit = r->memory.limit;
	}
	if (r->memory.has_reservation && r->memory.reservation != 0) {
		if (r->memory.reservation < -1)
			return sbx_err_set(err, 0, "%s: linux.resources.memory.reservation: %" PRId64
					   " is invalid: must be -1 (unlimited) or a number of bytes > 0",
					   src, r->memory.reservation);
		if (r->memory.reservation == -1)
			snprintf(buf, sizeof(buf), "max");
		else
			fmt_u64(buf, sizeof(buf), (uint64_t)r->memory.reservation);
		add(out, SBX_CG_MEMORY, "memory reservation (linux.resources.memory.reservation)",
		    "memory.low", buf);
	}
	if (r->memory.has_swap && r->memory.swap != 0) {
		/* The spec's swap is v1's memsw limit (memory + swap); v2's
		 * memory.swap.max counts swap alone, hence swap - limit. */
		if (r->memory.swap == -1) {
			add_nolimit(out, SBX_CG_MEMORY, "memory.swap.max", "max");
		} else if (r->memory.swap < -1) {
			return sbx_err_set(err, 0, "%s: linux.resources.memory.swap: %" PRId64
					   " is invalid: must be -1 (unlimited) or a number of bytes > 0",
					   src, r->memory.swap);
		} else if (!limited) {
			return sbx_err_set(err, 0, "%s: linux.resources.memory.swap: a swap limit (%" PRId64
					   ") needs a memory limit: set linux.resources.memory.limit"
					   " (swap is the memory+swap total)", src, r->memory.swap);
		} else if (r->memory.swap < limit) {
			return sbx_err_set(err, 0, "%s: linux.resources.memory.swap: %" PRId64
					   " is less than memory.limit %" PRId64
					   " (swap is the memory+swap total, so it must be >= limit)",
					   src, r->memory.swap, limit);
		} else {
			fmt_u64(buf, sizeof(buf), (uint64_t)(r->memory.swap - limit));
			add(out, SBX_CG_MEMORY, "swap limit (linux.resources.memory.swap)",
			    "memory.swap.max", buf);
		}
	}
	if (r->memory.has_disable_oom_killer && r->memory.disable_oom_killer)
		return sbx_err_set(err, 0, "%s: linux.resources.memory.disableOOMKiller: not supported"
				   " on cgroup v2 (the kernel has no per-cgroup switch for the OOM"
				   " killer); remove it or set it to false", src);
	if (r->memory.has_swappiness)
		return sbx_err_set(err, 0, "%s: linux.resources.memory.swappiness: not supported on"
				   " cgroup v2 (there is no per-cgroup swappiness); remove it", src);
	/* kernel/kernelTCP: deprecated by the runtime-spec and by the kernel
	 * (v2 accounts kernel memory in memory.max); runc ignores them too. */
	if (r->memory.has_kernel || r->memory.has_kernel_tcp)
		sbx_debug("cgroup: ignoring linux.resources.memory.kernel/kernelTCP (deprecated;"
			  " cgroup v2 counts kernel memory in memory.max)");
	return 0;
}

static int compile_cpu(const struct sbx_resources *r, const char *src,
		       struct sbx_cgroup_settings *out, struct sbx_err *err)
{
	char buf[96];

	if (!r->cpu.present)
		return 0;
	if (r->cpu.has_shares && r->cpu.shares != 0) {
		if (r->cpu.shares < 2 || r->cpu.shares > 262144)
			return sbx_err_set(err, 0, "%s: linux.resources.cpu.shares: %" PRIu64
					   " is out of range [2, 262144]", src, r->cpu.shares);
		fmt_u64(buf, sizeof(buf), sbx_cgroup_shares_to_weight(r->cpu.shares));
		add(out, SBX_CG_CPU, "cpu shares (linux.resources.cpu.shares)", "cpu.weight", buf);
	}
	if ((r->cpu.has_quota && r->cpu.quota != 0) || (r->cpu.has_period && r->cpu.period != 0)) {
		uint64_t period = (r->cpu.has_period && r->cpu.period) ? r->cpu.period : 100000;
		/* The kernel's bounds (kernel/sched/core.c): period 1ms..1s,
		 * quota >= 1ms. */
		if (period < 1000 || period > 1000000)
			return sbx_err_set(err, 0, "%s: linux.resources.cpu.period: %" PRIu64
					   " is out of range [1000, 1000000] (microseconds)", src, period);
		if (r->cpu.has_quota && r->cpu.quota > 0) {
			if (r->cpu.quota < 1000)
				return sbx_err_set(err, 0, "%s: linux.resources.cpu.quota: %" PRId64
						   " is too small: the minimum is 1000 (microseconds)",
						   src, r->cpu.quota);
			snprintf(buf, sizeof(buf), "%" PRId64 " %" PRIu64, r->cpu.quota, period);
		} else if (r->cpu.has_quota && r->cpu.quota < -1) {
			return sbx_err_set(err, 0, "%s: linux.resources.cpu.quota: %" PRId64
					   " is invalid: must be -1 (unlimited) or >= 1000", src, r->cpu.quota);
		} else {
			snprintf(buf, sizeof(buf), "max %" PRIu64, period);
		}
		/* "max 100000" (no quota, the default period) is a new cgroup's
		 * value; another period is a setting even without a quota. */
		if (strcmp(buf, "max 100000") == 0)
			add_nolimit(out, SBX_CG_CPU, "cpu.max", buf);
		else
			add(out, SBX_CG_CPU, "cpu quota (linux.resources.cpu.quota)", "cpu.max", buf);
	}
	if (r->cpu.has_burst) {
		fmt_u64(buf, sizeof(buf), r->cpu.burst);
		if (r->cpu.burst == 0)
			add_nolimit(out, SBX_CG_CPU, "cpu.max.burst", buf);
		else
			add(out, SBX_CG_CPU, "cpu burst (linux.resources.cpu.burst)", "cpu.max.burst",
			    buf);
	}
	if (r->cpu.has_idle) {
		if (r->cpu.idle != 0 && r->cpu.idle != 1)
			return sbx_err_set(err, 0, "%s: linux.resources.cpu.idle: %" PRId64
					   " is invalid: must be 0 or 1", src, r->cpu.idle);
		snprintf(buf, sizeof(buf), "%" PRId64, r->cpu.idle);
		if (r->cpu.idle == 0)
			add_nolimit(out, SBX_CG_CPU, "cpu.idle", buf);
		else
			add(out, SBX_CG_CPU, "cpu idle (linux.resources.cpu.idle)", "cpu.idle", buf);
	}
	if ((r->cpu.has_realtime_runtime && r->cpu.realtime_runtime != 0) ||
	    (r->cpu.has_realtime_period && r->cpu.realtime_period != 0))
		return sbx_err_set(err, 0, "%s: linux.resources.cpu.realtimeRuntime: not supported on"
				   " cgroup v2 (the cpu controller has no realtime bandwidth"
				   " interface); remove realtimeRuntime/realtimePeriod", src);
	if (r->cpu.cpus && *r->cpu.cpus) {
		if (!valid_cpuset_list(r->cpu.cpus))
			return sbx_err_set(err, 0, "%s: linux.resources.cpu.cpus: \"%s\" is not a cpu list"
					   " (e.g. \"0-3,5\")", src, r->cpu.cpus);
		add(out, SBX_CG_CPUSET, "cpuset (linux.resources.cpu.cpus)", "cpuset.cpus", r->cpu.cpus);
	}
	if (r->cpu.mems && *r->cpu.mems) {
		if (!valid_cpuset_list(r->cpu.mems))
			return sbx_err_set(err, 0, "%s: linux.resources.cpu.mems: \"%s\" is not a memory"
					   " node list (e.g. \"0-1\")", src, r->cpu.mems);
		add(out, SBX_CG_CPUSET, "cpuset (linux.resources.cpu.mems)", "cpuset.mems", r->cpu.mems);
	}
	return 0;
}

static bool valid_dev(int64_t major, int64_t minor)
{
	return major >= 0 && minor >= 0 && major <= 0xfff && minor <= 0xfffff;
}

/* io.max: one line per device, all four limits of a device on the line. */
struct io_dev {
	int64_t major, minor;
	char rbps[24], wbps[24], riops[24], wiops[24];
};

static int add_throttle(struct io_dev **devs, size_t *n, const struct sbx_blkio_throttle *t,
			size_t nt, size_t which, const char *src, const char *jname,
			struct sbx_err *err)
{
	for (size_t i = 0; i < nt; i++) {
		struct io_dev *d = NULL;
		char *slot;

		if (!valid_dev(t[i].major, t[i].minor))
			return sbx_err_set(err, 0, "%s: linux.resources.blockIO.%s[%zu]: invalid device"
					   " %" PRId64 ":%" PRId64, src, jname, i, t[i].major, t[i].minor);
		for (size_t j = 0; j < *n; j++)
			if ((*devs)[j].major == t[i].major && (*devs)[j].minor == t[i].minor)
				d = &(*devs)[j];
		if (!d) {
			*devs = sbx_xrealloc(*devs, (*n + 1) * sizeof(**devs));
			d = &(*devs)[(*n)++];
			memset(d, 0, sizeof(*d));
			d->major = t[i].major;
			d->minor = t[i].minor;
		}
		slot = which == 0 ? d->rbps : which == 1 ? d->wbps : which == 2 ? d->riops : d->wiops;
		/* rate 0 == no limit, as in v1 (and runc). */
		if (t[i].rate == 0)
			snprintf(slot, sizeof(d->rbps), "max");
		else
			snprintf(slot, sizeof(d->rbps), "%" PRIu64, t[i].rate);
	}
	return 0;
}

static int compile_blkio(const struct sbx_resources *r, const char *src,
			 struct sbx_cgroup_settings *out, struct sbx_err *err)
{
	char buf[128], alt[128];
	_sbx_cleanup_free_ struct io_dev *devs = NULL;
	size_t ndev = 0;

	if (!r->blkio.present)
		return 0;
	if (r->blkio.has_weight && r->blkio.weight != 0) {
		struct sbx_cgroup_setting *s;
		if (r->blkio.weight < 10 || r->blkio.weight > 1000)
			return sbx_err_set(err, 0, "%s: linux.resources.blockIO.weight: %u is out of range"
					   " [10, 1000]", src, (unsigned)r->blkio.weight);
		/* BFQ takes the v1 range as is; without BFQ, io.weight takes
		 * [1, 10000] and the value is converted. */
		snprintf(buf, sizeof(buf), "default %u", (unsigned)r->blkio.weight);
		s = add(out, SBX_CG_IO, "blkio weight (linux.resources.blockIO.weight)", "io.bfq.weight", buf);
		snprintf(alt, sizeof(alt), "default %" PRIu64, sbx_cgroup_blkio_to_io_weight(r->blkio.weight));
		s->alt_file = sbx_xstrdup("io.weight");
		s->alt_value = sbx_xstrdup(alt);
	}
	if (r->blkio.has_leaf_weight)
		sbx_debug("cgroup: ignoring linux.resources.blockIO.leafWeight (no cgroup v2 equivalent)");
	for (size_t i = 0; i < r->blkio.n_weight_device; i++) {
		const struct sbx_blkio_weight_device *w = &r->blkio.weight_device[i];
		struct sbx_cgroup_setting *s;
		if (!valid_dev(w->major, w->minor))
			return sbx_err_set(err, 0, "%s: linux.resources.blockIO.weightDevice[%zu]: invalid"
					   " device %" PRId64 ":%" PRId64, src, i, w->major, w->minor);
		if (!w->has_weight)
			continue;
		if (w->weight < 10 || w->weight > 1000)
			return sbx_err_set(err, 0, "%s: linux.resources.blockIO.weightDevice[%zu].weight:"
					   " %u is out of range [10, 1000]", src, i, (unsigned)w->weight);
		snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %u", w->major, w->minor,
			 (unsigned)w->weight);
		s = add(out, SBX_CG_IO, "blkio weight (linux.resources.blockIO.weightDevice)",
			"io.bfq.weight", buf);
		snprintf(alt, sizeof(alt), "%" PRId64 ":%" PRId64 " %" PRIu64, w->major, w->minor,
			 sbx_cgroup_blkio_to_io_weight(w->weight));
		s->alt_file = sbx_xstrdup("io.weight");
		s->alt_value = sbx_xstrdup(alt);
	}
	if (add_throttle(&devs, &ndev, r->blkio.throttle_read_bps, r->blkio.n_throttle_read_bps, 0,
			 src, "throttleReadBpsDevice", err) < 0 ||
	    add_throttle(&devs, &ndev, r->blkio.throttle_write_bps, r->blkio.n_throttle_write_bps, 1,
			 src, "throttleWriteBpsDevice", err) < 0 ||
	    add_throttle(&devs, &ndev, r->blkio.throttle_read_iops, r->blkio.n_throttle_read_iops, 2,
			 src, "throttleReadIOPSDevice", err) < 0 ||
	    add_throttle(&devs, &ndev, r->blkio.throttle_write_iops, r->blkio.n_throttle_write_iops, 3,
			 src, "throttleWriteIOPSDevice", err) < 0)
		return -1;
	for (size_t i = 0; i < ndev; i++) {
		struct io_dev *d = &devs[i];
		int n = snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64, d->major, d->minor);
		if (d->rbps[0])
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, " rbps=%s", d->rbps);
		if (d->wbps[0])
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, " wbps=%s", d->wbps);
		if (d->riops[0])
			n += snprintf(buf + n, sizeof(buf) - (size_t)n, " riops=%s", d->riops);
		if (d->wiops[0])
			snprintf(buf + n, sizeof(buf) - (size_t)n, " wiops=%s", d->wiops);
		/* Every given rate 0 ("max"): the device's default, no limit. */
		if ((!d->rbps[0] || !strcmp(d->rbps, "max")) && (!d->wbps[0] || !strcmp(d->wbps, "max")) &&
		    (!d->riops[0] || !strcmp(d->riops, "max")) && (!d->wiops[0] || !strcmp(d->wiops, "max")))
			add_nolimit(out, SBX_CG_IO, "io.max", buf);
		else
			add(out, SBX_CG_IO, "io throttle (linux.resources.blockIO.throttle*)", "io.max",
			    buf);
	}
	return 0;
}

/* "2MB", "1GB", "64KB": the hugetlb file suffix the kernel uses. */
static bool valid_page_size(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n == 0 || s[0] == '0')
		return false;
	return strcmp(s + n, "KB") == 0 || strcmp(s + n, "MB") == 0 || strcmp(s + n, "GB") == 0;
}

/* Files the runtime itself manages: letting `unified` write them would let
 * a config move processes, kill or freeze behind the runtime's back, or
 * change the tree's shape. */
static const char *const unified_denied[] = {
	"cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "cgroup.type",
	"cgroup.kill", "cgroup.freeze", "cgroup.events", "cgroup.controllers",
	"cgroup.stat",
};

static int compile_unified(const struct sbx_resources *r, const char *src,
			   struct sbx_cgroup_settings *out, struct sbx_err *err)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key, *v = r->unified[i].value;
		const char *dot;
		unsigned ctrl = 0;

		if (!k || !*k || strchr(k, '/') || strcmp(k, ".") == 0 || strcmp(k, "..") == 0 ||
		    strstr(k, ".."))
			return sbx_err_set(err, 0, "%s: linux.resources.unified: key \"%s\" is not a"
					   " cgroup file name (no '/' or '..' allowed)", src, k ? k : "");
		dot = strchr(k, '.');
		if (!dot || dot == k || dot[1] == '\0')
			return sbx_err_set(err, 0, "%s: linux.resources.unified: key \"%s\" is not of the"
					   " form <controller>.<file>", src, k);
		if ((size_t)(dot - k) == 6 && strncmp(k, "cgroup", 6) == 0) {
			for (size_t j = 0; j < SBX_ARRAY_SIZE(unified_denied); j++)
				if (strcmp(k, unified_denied[j]) == 0)
					return sbx_err_set(err, 0, "%s: linux.resources.unified: key \"%s\""
							   " is managed by the runtime and cannot be set",
							   src, k);
		} else {
			ctrl = sbx_cgroup_ctrl_from_name(k, (size_t)(dot - k));
			if (!ctrl)
				return sbx_err_set(err, 0, "%s: linux.resources.unified: key \"%s\": unknown"
						   " controller \"%.*s\"", src, k, (int)(dot - k), k);
		}
		if (!v || !*v)
			return sbx_err_set(err, 0, "%s: linux.resources.unified.%s: empty value", src, k);
		add(out, ctrl, "unified (linux.resources.unified)", k, v);
	}
	return 0;
}

int sbx_cgroup_resources_compile(const struct sbx_resources *r, const char *src,
				 struct sbx_cgroup_settings *out, struct sbx_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!src)
		src = "config.json";
	if (!r || !r->present)
		return 0;
	if (compile_memory(r, src, out, err) < 0 || compile_cpu(r, src, out, err) < 0)
		goto fail;
	if (r->pids.present) {
		char buf[32];
		/* <= 0: unlimited (runtime-spec; podman sends 0 for "no limit") */
		if (r->pids.limit <= 0) {
			add_nolimit(out, SBX_CG_PIDS, "pids.max", "max");
		} else {
			snprintf(buf, sizeof(buf), "%" PRId64, r->pids.limit);
			add(out, SBX_CG_PIDS, "pids limit (linux.resources.pids.limit)", "pids.max", buf);
		}
	}
	if (compile_blkio(r, src, out, err) < 0)
		goto fail;
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const struct sbx_hugepage_limit *h = &r->hugepage_limits[i];
		char file[64], buf[32];
		if (!h->page_size || !valid_page_size(h->page_size)) {
			sbx_err_set(err, 0, "%s: linux.resources.hugepageLimits[%zu].pageSize: \"%s\" is"
				    " not a page size like \"2MB\" or \"1GB\"", src, i,
				    h->page_size ? h->page_size : "");
			goto fail;
		}
		snprintf(file, sizeof(file), "hugetlb.%s.max", h->page_size);
		fmt_u64(buf, sizeof(buf), h->limit);
		add(out, SBX_CG_HUGETLB, "hugepage limit (linux.resources.hugepageLimits)", file, buf);
	}
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct sbx_rdma_limit *l = &r->rdma[i];
		char buf[320], h[16] = "max", o[16] = "max";
		if (l->has_handles)
			snprintf(h, sizeof(h), "%" PRIu32, l->handles);
		if (l->has_objects)
			snprintf(o, sizeof(o), "%" PRIu32, l->objects);
		snprintf(buf, sizeof(buf), "%.256s hca_handle=%s hca_object=%s", l->device, h, o);
		if (!l->has_handles && !l->has_objects)
			add_nolimit(out, SBX_CG_RDMA, "rdma.max", buf);
		else
			add(out, SBX_CG_RDMA, "rdma limit (linux.resources.rdma)", "rdma.max", buf);
	}
	/* linux.resources.devices is enforced on v2 by an eBPF program, not
	 * by a file; it is not part of this list. */
	if (compile_unified(r, src, out, err) < 0)
		goto fail;
	return 0;
fail:
	sbx_cgroup_settings_free(out);
	return -1;
}
