/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capabilities (libcap-ng).  process.capabilities absent == all sets empty.
 * Unknown names (e.g. "CAP_TEST") are an error:
 *   "config.json: process.capabilities.bounding[2]: unknown capability \"CAP_TEST\""
 * Ambient capabilities are only raised where both permitted and inheritable
 * hold them (the kernel requires it; we check at compile time with a clear
 * error instead of an EPERM at start).
 */
#ifndef SBX_CAPS_H
#define SBX_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include "sbx/config.h"

struct sbx_caps_plan {
	uint64_t bounding, effective, permitted, inheritable, ambient; /* bit = cap number */
};

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
