/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup v2.  compile: config -> plan (path, limits as file/value pairs).
 * enter (parent, after clone, before the child unshares its cgroup ns):
 * create the cgroup, write the limits, move the pid.
 *
 * Hosts without a usable cgroup v2 (hybrid v1+v2, no delegation): with no
 * resources requested, sbxrun proceeds without a cgroup (debug log); with
 * resources requested, it is an error that says why and how to fix it.
 */
#ifndef SBX_CGROUP_H
#define SBX_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>
#include "sbx/config.h"

struct sbx_cgroup_plan; /* opaque */

int sbx_cgroup_compile(const struct sbx_config *cfg, const char *id, bool rootless,
		       struct sbx_cgroup_plan **out, struct sbx_err *err);
void sbx_cgroup_plan_free(struct sbx_cgroup_plan *plan);

/* *path_out: malloc'ed absolute path of the container's cgroup directory,
 * or NULL when proceeding without a cgroup. */
int sbx_cgroup_enter(const struct sbx_cgroup_plan *plan, pid_t pid, char **path_out,
		     struct sbx_err *err);
/* Remove the cgroup (kill remaining processes first with cgroup.kill when
 * `kill` is set).  A NULL/empty path is a no-op. */
int sbx_cgroup_destroy(const char *path, bool kill, struct sbx_err *err);

#endif
