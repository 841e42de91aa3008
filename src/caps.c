/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capabilities.
 *
 * compile (parent): names -> five 64-bit masks, validated against both
 * libcap-ng's name table and the running kernel (/proc/sys/kernel/cap_last_cap).
 *
 * Unknown names follow runc and crun where that is safe, and fail closed
 * where it is not (docs/capabilities.md has the rule and its reasons):
 *   - a name that is a capability this kernel or libcap-ng does not know
 *     (yet) is ignored, with one warning for the whole config: not granting
 *     a capability can never grant more, and a config written for a newer
 *     kernel must still run;
 *   - a name that is not a capability at all is an error: a typo in a list
 *     meant to restrict or to grant must not pass silently.  "Not a
 *     capability" is decided mechanically: the name is not of the form
 *     CAP_<A-Z><A-Z_>*, or it is within a small edit distance of a known
 *     capability (CAP_SYS_ADMN: "did you mean CAP_SYS_ADMIN?").
 * An ambient capability that the kernel would refuse to raise (not in both
 * permitted and inheritable) is skipped with a warning, as runc does: a
 * bundle from `runc spec` lists ambient capabilities without inheritable.
 *
 * apply (child): raw prctl(PR_CAPBSET_DROP) / capset(2) / PR_CAP_AMBIENT.
 * libcap-ng is only used for its name table; the child path does no
 * allocation and depends on no library state, so it is safe after clone.
 */
#include "sbx/caps.h"
#include "sbx/error.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <cap-ng.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_CAP 63

int sbx_caps_last_cap(void)
{
	static int cached = -1;
	char buf[32];
	ssize_t n;
	int fd;
	int64_t v;

	if (cached >= 0)
		return cached;
	fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			if (buf[n - 1] == '\n')
				buf[n - 1] = '\0';
			if (sbx_parse_i64(buf, &v) == 0 && v >= 0 && v <= MAX_CAP) {
				cached = (int)v;
				return cached;
			}
		}
	}
	/* No /proc (or a weird value): fall back to what this binary was built
	 * against.  CAP_LAST_CAP is the newest cap the headers know, which is the
	 * conservative choice: we never claim support the headers lack. */
	cached = CAP_LAST_CAP;
	return cached;
}

int sbx_caps_from_name(const char *name)
{
	const char *bare = name;

	if (!name || !*name)
		return -1;
	/* OCI writes "CAP_SYS_ADMIN"; also accept the bare "SYS_ADMIN" form some
	 * tools (docker --cap-add) use.  Compare case-insensitively against
	 * libcap-ng's table ("sys_admin").  Numbers are not names. */
	if (strncasecmp(name, "CAP_", 4) == 0)
		bare = name + 4;
	if (!*bare || isdigit((unsigned char)*bare))
		return -1;
	for (int c = 0; c <= MAX_CAP; c++) {
		const char *n = capng_capability_to_name((unsigned)c);
		if (n && !isdigit((unsigned char)*n) && strcasecmp(n, bare) == 0)
			return c;
	}
	return -1;
}

const char *sbx_caps_to_name(int cap)
{
	/* Upper-case "CAP_X" names, built once from libcap-ng's table. */
	static char names[MAX_CAP + 1][40];
	const char *n;

	if (cap < 0 || cap > MAX_CAP)
		return NULL;
	if (names[cap][0])
		return names[cap];
	n = capng_capability_to_name((unsigned)cap);
	if (!n || isdigit((unsigned char)*n))
		return NULL;
	snprintf(names[cap], sizeof(names[cap]), "CAP_%s", n);
	for (char *p = names[cap]; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return names[cap];
}

/* Optimal string alignment distance (Levenshtein + adjacent transposition),
 * capped: returns cap + 1 as soon as the distance must exceed cap. */
static size_t edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[3][48];
	size_t *pp = d[0], *p = d[1], *c = d[2];

	if (la >= 47 || lb >= 47)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		p[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t row_min;
		c[0] = row_min = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = p[j] + 1;
			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (p[j - 1] + cost < v)
				v = p[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
			if (v < row_min)
				row_min = v;
		}
		if (row_min > cap)
			return cap + 1;
		{
			size_t *t = pp;
			pp = p;
			p = c;
			c = t;
		}
	}
	return p[lb];
}

/* The known capability `name` is a near miss of (NULL if none).  Short
 * names allow one edit, longer ones two: "CAP_BPX" is a typo of CAP_BPF,
 * "CAP_FOO" is not. */
static const char *near_miss(const char *name)
{
	const char *bare = name + 4; /* name is CAP_... (checked by the caller) */
	size_t best = SIZE_MAX;
	const char *found = NULL;

	for (int c = 0; c <= MAX_CAP; c++) {
		const char *full = sbx_caps_to_name(c);
		size_t lim, dist;
		if (!full)
			continue;
		lim = strlen(full + 4) <= 4 ? 1 : 2;
		dist = edit_distance(bare, full + 4, lim);
		if (dist <= lim && dist < best) {
			best = dist;
			found = full;
		}
	}
	return found;
}

enum sbx_caps_class sbx_caps_classify(const char *name, int *cap, const char **hint)
{
	const char *s;

	*cap = sbx_caps_from_name(name);
	if (hint)
		*hint = NULL;
	if (*cap >= 0)
		return *cap <= sbx_caps_last_cap() ? SBX_CAPS_KNOWN : SBX_CAPS_UNAVAILABLE;
	/* The form every kernel capability name has, and the pattern the
	 * runtime-spec's own schema gives them (features-linux.json:
	 * ^CAP_[A-Z_]+$), starting with a letter.  Anything else (no or a
	 * wrong prefix, lower case, digits, punctuation) is not a
	 * capability. */
	if (!name || strncmp(name, "CAP_", 4) != 0 || !(name[4] >= 'A' && name[4] <= 'Z'))
		return SBX_CAPS_INVALID;
	for (s = name + 4; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || *s == '_'))
			return SBX_CAPS_INVALID;
	if (s - name > 40)
		return SBX_CAPS_INVALID;
	{
		const char *nm = near_miss(name);
		if (nm) {
			if (hint)
				*hint = nm;
			return SBX_CAPS_INVALID;
		}
	}
	return SBX_CAPS_UNKNOWN;
}

/* Names ignored so far (for the one warning), without duplicates. */
struct ignored {
	const char *names[32];
	unsigned n;
};

static void note_ignored(struct ignored *ig, const char *name)
{
	for (unsigned i = 0; i < ig->n; i++)
		if (!strcmp(ig->names[i], name))
			return;
	if (ig->n < SBX_ARRAY_SIZE(ig->names))
		ig->names[ig->n++] = name;
}

static void warn_ignored(const struct ignored *ig)
{
	char list[512];
	size_t o = 0;

	list[0] = '\0';
	for (unsigned i = 0; i < ig->n && o < sizeof(list); i++) {
		int w = snprintf(list + o, sizeof(list) - o, "%s%s", i ? " " : "", ig->names[i]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	/* runc's wording, so that logs read the same under either runtime. */
	sbx_warn("ignoring unknown or unavailable capabilities: [%s] (config.json:"
		 " process.capabilities; unknown to this kernel, cap_last_cap %d, or to libcap-ng)",
		 list, sbx_caps_last_cap());
}

static int compile_set(char **names, size_t n, const char *set, uint64_t *mask,
		       struct ignored *ig, struct sbx_err *err)
{
	*mask = 0;
	for (size_t i = 0; i < n; i++) {
		const char *hint = NULL;
		int c;

		switch (sbx_caps_classify(names[i], &c, &hint)) {
		case SBX_CAPS_KNOWN:
			*mask |= UINT64_C(1) << c;
			break;
		case SBX_CAPS_UNAVAILABLE:
		case SBX_CAPS_UNKNOWN:
			note_ignored(ig, names[i]);
			break;
		case SBX_CAPS_INVALID:
			if (hint)
				return sbx_err_set(err, 0,
						   "config.json: process.capabilities.%s[%zu]: unknown capability \"%s\" (did you mean %s?)",
						   set, i, names[i], hint);
			return sbx_err_set(err, 0,
					   "config.json: process.capabilities.%s[%zu]: \"%s\" is not a capability name (expected CAP_ followed by upper-case letters and '_', e.g. CAP_NET_BIND_SERVICE)",
					   set, i, names[i]);
		}
	}
	return 0;
}

/*
 * Capabilities sbxrun itself lacks in its bounding set can never be held by
 * anything it starts (capset(2) refuses them: EPERM), e.g. when sbxrun runs
 * in a container or sandbox that dropped CAP_SYS_RESOURCE.  Leaving them
 * out only grants less, so, like capabilities the kernel does not know,
 * they are ignored with a warning instead of failing the start: `docker run
 * --privileged` asks for every capability Docker knows, and then works
 * where runc fails.
 */
static void drop_unheld(struct sbx_caps_plan *p)
{
	uint64_t asked = p->effective | p->permitted | p->inheritable | p->ambient, unheld = 0;
	int last = sbx_caps_last_cap();
	char list[512];
	size_t o = 0;

	for (int c = 0; c <= last; c++) {
		int w;
		if (!(asked & (UINT64_C(1) << c)) || prctl(PR_CAPBSET_READ, (unsigned long)c, 0UL, 0UL, 0UL) != 0)
			continue;
		unheld |= UINT64_C(1) << c;
		w = snprintf(list + o, sizeof(list) - o, "%s%s", o ? " " : "",
			     sbx_caps_to_name(c) ? sbx_caps_to_name(c) : "?");
		if (w > 0 && (size_t)w < sizeof(list) - o)
			o += (size_t)w;
	}
	if (!unheld)
		return;
	list[o < sizeof(list) ? o : sizeof(list) - 1] = '\0';
	sbx_warn("ignoring unknown or unavailable capabilities: [%s] (not in sbxrun's own bounding"
		 " set: no process it starts can hold them)", list);
	p->bounding &= ~unheld;
	p->effective &= ~unheld;
	p->permitted &= ~unheld;
	p->inheritable &= ~unheld;
	p->ambient &= ~unheld;
}

/* Index of the first name in `names` whose cap is in `bits` (for messages). */
static size_t first_index(char **names, size_t n, uint64_t bits)
{
	for (size_t i = 0; i < n; i++) {
		int c = sbx_caps_from_name(names[i]);
		if (c >= 0 && (bits & (UINT64_C(1) << c)))
			return i;
	}
	return 0;
}

int sbx_caps_compile(const struct sbx_caps *caps, struct sbx_caps_plan *out, struct sbx_err *err)
{
	struct ignored ig = { .n = 0 };
	uint64_t bad;

	memset(out, 0, sizeof(*out));
	if (!caps || !caps->present)
		return 0;
	if (compile_set(caps->bounding, caps->n_bounding, "bounding", &out->bounding, &ig, err) < 0 ||
	    compile_set(caps->effective, caps->n_effective, "effective", &out->effective, &ig, err) < 0 ||
	    compile_set(caps->permitted, caps->n_permitted, "permitted", &out->permitted, &ig, err) < 0 ||
	    compile_set(caps->inheritable, caps->n_inheritable, "inheritable", &out->inheritable, &ig, err) < 0 ||
	    compile_set(caps->ambient, caps->n_ambient, "ambient", &out->ambient, &ig, err) < 0)
		return -1;
	if (ig.n)
		warn_ignored(&ig);
	drop_unheld(out);

	/* The kernel refuses PR_CAP_AMBIENT_RAISE unless the cap is in both
	 * permitted and inheritable.  runc warns and goes on without it, and
	 * `runc spec` relies on that (ambient without inheritable): skip it
	 * with a warning.  Never granting it is the safe side. */
	bad = out->ambient & ~(out->permitted & out->inheritable);
	if (bad) {
		char list[512];
		size_t o = 0;
		for (int c = 0; c <= MAX_CAP; c++) {
			int w;
			if (!(bad & (UINT64_C(1) << c)))
				continue;
			w = snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "",
				     sbx_caps_to_name(c) ? sbx_caps_to_name(c) : "?");
			if (w > 0 && (size_t)w < sizeof(list) - o)
				o += (size_t)w;
		}
		list[o < sizeof(list) ? o : sizeof(list) - 1] = '\0';
		sbx_warn("config.json: process.capabilities.ambient: can't raise ambient capability %s: not in both permitted and inheritable (skipped)",
			 list);
		out->ambient &= ~bad;
	}
	/* capset(2) refuses an effective set that is not a subset of permitted. */
	bad = out->effective & ~out->permitted;
	if (bad) {
		size_t i = first_index(caps->effective, caps->n_effective, bad);
		return sbx_err_set(err, 0,
				   "config.json: process.capabilities.effective[%zu]: %s must also be in permitted",
				   i, sbx_caps_to_name(sbx_caps_from_name(caps->effective[i])));
	}
	return 0;
}

int sbx_caps_apply_bounding(const struct sbx_caps_plan *plan, struct sbx_err *err)
{
	int last = sbx_caps_last_cap();

	/* Drop everything not listed.  The bounding set limits what any later
	 * execve (even of a setuid/file-cap binary) can ever gain, so this is the
	 * step that makes the drop irreversible. */
	for (int c = 0; c <= last; c++) {
		if (plan->bounding & (UINT64_C(1) << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0UL, 0UL, 0UL) < 0) {
			/* EINVAL: the kernel does not know this cap, nothing to drop. */
			if (errno == EINVAL)
				continue;
			return sbx_err_set(err, errno, "drop %s from the bounding set",
					   sbx_caps_to_name(c) ? sbx_caps_to_name(c) : "capability");
		}
	}
	return 0;
}

int sbx_caps_apply(const struct sbx_caps_plan *plan, struct sbx_err *err)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2];
	int last = sbx_caps_last_cap();

	memset(data, 0, sizeof(data));
	data[0].effective = (uint32_t)plan->effective;
	data[1].effective = (uint32_t)(plan->effective >> 32);
	data[0].permitted = (uint32_t)plan->permitted;
	data[1].permitted = (uint32_t)(plan->permitted >> 32);
	data[0].inheritable = (uint32_t)plan->inheritable;
	data[1].inheritable = (uint32_t)(plan->inheritable >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return sbx_err_set(err, errno,
				   "set capabilities (effective 0x%016llx, permitted 0x%016llx, inheritable 0x%016llx)",
				   (unsigned long long)plan->effective,
				   (unsigned long long)plan->permitted,
				   (unsigned long long)plan->inheritable);

	/* Ambient: start from empty so nothing inherited from the runtime's own
	 * environment survives, then raise exactly the configured ones. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0UL, 0UL, 0UL) < 0) {
		/* EINVAL: kernel without ambient caps (< 4.3); only fatal if asked. */
		if (errno != EINVAL || plan->ambient)
			return sbx_err_set(err, errno, "clear the ambient capability set");
		return 0;
	}
	for (int c = 0; c <= last; c++) {
		if (!(plan->ambient & (UINT64_C(1) << c)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)c, 0UL, 0UL) < 0)
			return sbx_err_set(err, errno, "raise ambient capability %s",
					   sbx_caps_to_name(c) ? sbx_caps_to_name(c) : "?");
	}
	return 0;
}
