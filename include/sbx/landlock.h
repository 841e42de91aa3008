/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Landlock: unprivileged mandatory access control, configured by annotations
 * (see docs/landlock.md for the exact names and syntax).  Paths are container
 * paths: the ruleset is built and enforced in the child after pivot_root,
 * just before exec.  Uses the best ABI the kernel offers.
 */
#ifndef SBX_LANDLOCK_H
#define SBX_LANDLOCK_H

#include <stdbool.h>
#include "sbx/config.h"

struct sbx_landlock_plan {
	bool present;
	char **ro;   /* read-only (and execute) paths, NULL-terminated, malloc'ed */
	char **rw;   /* read-write paths */
	size_t n_ro, n_rw;
	bool best_effort; /* annotation says: skip if the kernel lacks landlock */
};

int sbx_landlock_compile(const struct sbx_config *cfg, struct sbx_landlock_plan *out,
			 struct sbx_err *err);
void sbx_landlock_plan_free(struct sbx_landlock_plan *plan);
int sbx_landlock_apply_child(const struct sbx_landlock_plan *plan, struct sbx_err *err);

#endif
