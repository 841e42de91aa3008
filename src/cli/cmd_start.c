/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun start ID: release a `created` container's init from the exec fifo,
 * wait for its execve, then run the poststart hooks (failures are warnings,
 * runtime-spec).  If init fails instead (exec, startContainer hook), start
 * fails with init's message and exit code (126/127 for the executable, 125
 * otherwise), as `run` does.
 */
#include "lifecycle.h"

#include <unistd.h>

int sbx_cmd_start(const struct sbx_global_opts *g, int argc, char **argv)
{
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_err err = { 0 };
	int c, r;

	while ((c = getopt(argc, argv, "")) != -1)
		return sbx_cli_usage("start", "unknown option");
	if (optind != argc - 1)
		return sbx_cli_usage("start", "expected exactly one container ID");
	if (sbx_cli_open(g, argv[optind], true, &h, &st, &err) < 0)
		return sbx_cli_fail(&err);
	r = sbx_life_start(&h, &st, &err);
	sbx_state_free(&st);
	sbx_state_close(&h);
	return r < 0 ? sbx_cli_fail(&err) : 0;
}
