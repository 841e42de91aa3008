/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun pause ID / sbxrun resume ID: the cgroup v2 freezer (cgroup.freeze).
 * Both live here; cmd_resume.c holds the resume entry point.
 */
#include "lifecycle.h"

#include <unistd.h>

int sbx_cli_freeze(const struct sbx_global_opts *g, const char *cmd, int argc, char **argv,
		   bool freeze)
{
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_err err = { 0 };
	int c, r;

	while ((c = getopt(argc, argv, "")) != -1)
		return sbx_cli_usage(cmd, "unknown option");
	if (optind != argc - 1)
		return sbx_cli_usage(cmd, "expected exactly one container ID");
	if (sbx_cli_open(g, argv[optind], true, &h, &st, &err) < 0)
		return sbx_cli_fail(&err);
	r = sbx_life_freeze(&st, freeze, &err);
	sbx_state_free(&st);
	sbx_state_close(&h);
	return r < 0 ? sbx_cli_fail(&err) : 0;
}

int sbx_cmd_pause(const struct sbx_global_opts *g, int argc, char **argv)
{
	return sbx_cli_freeze(g, "pause", argc, argv, true);
}
