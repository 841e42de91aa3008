/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capabilities (libcap-ng).  process.capabilities absent == all sets empty.
 * A capability this kernel or libcap-ng does not know (CAP_FUTURE) is
 * ignored with one warning; a name that is not a capability (a typo such
 * as CAP_SYS_ADMN, a wrong prefix such as SYSADMIN or CAPS_X) is an error:
 *   "config.json: process.capabilities.bounding[2]: unknown capability
 *    \"CAP_SYS_ADMN\" (did you mean CAP_SYS_ADMIN?)"
 * Ambient capabilities are only raised where both permitted and inheritable
 * hold them (the kernel requires it); others are skipped with a warning,
 * as runc does.
 */
#ifndef SBX_CAPS_H
#define SBX_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include "sbx/config.h"

struct sbx_caps_plan {
	uint64_t bounding, effective, permitted, inheritable, ambient; /* bit = cap number */
};

enum sbx_caps_class {
	SBX_CAPS_KNOWN,        /* known to libcap-ng and the running kernel */
	SBX_CAPS_UNAVAILABLE,  /* known to libcap-ng, beyond cap_last_cap: ignored */
	SBX_CAPS_UNKNOWN,      /* CAP_<NAME> unknown to libcap-ng, no near miss: ignored */
	SBX_CAPS_INVALID,      /* not a capability name: an error */
};
/* Classify a capability name (*cap: its number or -1; *hint: the known name
 * an INVALID one is a near miss of, or NULL). */
enum sbx_caps_class sbx_caps_classify(const char *name, int *cap, const char **hint);

int sbx_caps_compile(const struct sbx_caps *caps, struct sbx_caps_plan *out, struct sbx_err *err);
/* Name <-> number ("CAP_SYS_ADMIN" <-> 21).  -1 if unknown. */
int sbx_caps_from_name(const char *name);
const char *sbx_caps_to_name(int cap); /* NULL if unknown */
int sbx_caps_last_cap(void);           /* highest cap the kernel knows */

/* Child, before the uid switch (needs CAP_SETPCAP): drop from the bounding set. */
int sbx_caps_apply_bounding(const struct sbx_caps_plan *plan, struct sbx_err *err);
/* Child, after setresuid() with PR_SET_KEEPCAPS: set E/P/I, then ambient. */
int sbx_caps_apply(const struct sbx_caps_plan *plan, struct sbx_err *err);

#endif
