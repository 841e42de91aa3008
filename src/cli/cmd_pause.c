/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun pause ID / sbxrun resume ID: the cgroup v2 freezer (cgroup.freeze).
 * Both live here; cmd_resume.c holds the resume entry point.
 */
#include "lifecycle.h"
#include "sbx/cgroup.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int sbx_life_freeze(const struct sbx_global_opts *g, const char *cmd, int argc, char **argv,
		    bool freeze)
{
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_err err = { 0 };
	enum sbx_status need = freeze ? SBX_STATUS_RUNNING : SBX_STATUS_PAUSED;
	int c, ret = 0;

	while ((c = getopt(argc, argv, "")) != -1)
		return sbx_cli_usage(cmd, "unknown option");
	if (optind != argc - 1)
		return sbx_cli_usage(cmd, "expected exactly one container ID");
	if (sbx_cli_open(g, argv[optind], true, &h, &st, &err) < 0)
		return sbx_cli_fail(&err);
	if (!st.cgroup_path) {
		sbx_err_set(&err, 0,
			    "cannot %s container \"%s\": it has no cgroup (the freezer needs a "
			    "delegated cgroup v2 hierarchy; see docs/cgroups.md)", cmd, st.id);
		ret = sbx_cli_fail(&err);
		goto out;
	}
	if (st.status != need) {
		sbx_err_set(&err, 0, "cannot %s container \"%s\": it is %s, not %s", cmd, st.id,
			    sbx_state_status_name(st.status), sbx_state_status_name(need));
		ret = sbx_cli_fail(&err);
		goto out;
	}
	/* The cgroup module writes cgroup.freeze and returns once
	 * cgroup.events says every task is frozen (or thawed). */
	if (sbx_cgroup_freeze(st.cgroup_path, freeze, &err) < 0) {
		sbx_err_prefix(&err, "%s container \"%s\"", cmd, st.id);
		ret = sbx_cli_fail(&err);
	}
out:
	sbx_state_free(&st);
	sbx_state_close(&h);
	return ret;
}

int sbx_cmd_pause(const struct sbx_global_opts *g, int argc, char **argv)
{
	return sbx_life_freeze(g, "pause", argc, argv, true);
}
