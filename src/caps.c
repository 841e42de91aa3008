/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capabilities.
 *
 * compile (parent): names -> five 64-bit masks, validated against both
 * libcap-ng's name table and the running kernel (/proc/sys/kernel/cap_last_cap).
 * An unknown name is an error, never ignored: silently dropping a capability
 * the user asked to keep breaks the workload, and silently ignoring a typo in
 * a list meant to *restrict* is worse.
 *
 * apply (child): raw prctl(PR_CAPBSET_DROP) / capset(2) / PR_CAP_AMBIENT.
 * libcap-ng is only used for its name table; the child path does no
 * allocation and depends on no library state, so it is safe after clone.
 */
#include "sbx/caps.h"
#include "sbx/error.h"
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

static int compile_set(char **names, size_t n, const char *set, uint64_t *mask,
		       struct sbx_err *err)
{
	int last = sbx_caps_last_cap();

	*mask = 0;
	for (size_t i = 0; i < n; i++) {
		int c = sbx_caps_from_name(names[i]);
		if (c < 0)
			return sbx_err_set(err, 0,
					   "config.json: process.capabilities.%s[%zu]: unknown capability \"%s\"",
					   set, i, names[i]);
		if (c > last)
			return sbx_err_set(err, 0,
					   "config.json: process.capabilities.%s[%zu]: capability \"%s\" is not supported by the running kernel (cap_last_cap is %d)",
					   set, i, names[i], last);
		*mask |= UINT64_C(1) << c;
	}
	return 0;
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
	memset(out, 0, sizeof(*out));
	if (!caps || !caps->present)
		return 0;
	if (compile_set(caps->bounding, caps->n_bounding, "bounding", &out->bounding, err) < 0 ||
	    compile_set(caps->effective, caps->n_effective, "effective", &out->effective, err) < 0 ||
	    compile_set(caps->permitted, caps->n_permitted, "permitted", &out->permitted, err) < 0 ||
	    compile_set(caps->inheritable, caps->n_inheritable, "inheritable", &out->inheritable, err) < 0 ||
	    compile_set(caps->ambient, caps->n_ambient, "ambient", &out->ambient, err) < 0)
		return -1;

	/* The kernel refuses PR_CAP_AMBIENT_RAISE unless the cap is in both
	 * permitted and inheritable; say so now instead of an EPERM at start. */
	uint64_t bad = out->ambient & ~(out->permitted & out->inheritable);
	if (bad) {
		size_t i = first_index(caps->ambient, caps->n_ambient, bad);
		return sbx_err_set(err, 0,
				   "config.json: process.capabilities.ambient[%zu]: %s must also be in permitted and inheritable",
				   i, sbx_caps_to_name(sbx_caps_from_name(caps->ambient[i])));
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
