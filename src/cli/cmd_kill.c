/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun kill [--all|-a] ID [SIGNAL]   (default SIGTERM; names or numbers;
 *                                      0 only checks that the container is alive)
 *
 * The init is signalled through a pidfd after checking its start time, so a
 * recycled pid is never hit.  --all signals every process of the container:
 * its cgroup's members, or without a cgroup every process in its own pid
 * namespace.
 */
#include "lifecycle.h"
#include "sbx/signals.h"
#include "sbx/util.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int sbx_cmd_kill(const struct sbx_global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_err err = { 0 };
	bool all = false;
	int c, sig = SIGTERM, ret = 0;

	while ((c = getopt_long(argc, argv, "a", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else
			return sbx_cli_usage("kill", "unknown option");
	}
	if (optind != argc - 1 && optind != argc - 2)
		return sbx_cli_usage("kill", "expected ID [SIGNAL]");
	/* Signal 0 sends nothing and only checks that the container's init
	 * is alive (kill(2)); liveness scripts use `kill ID 0` with runc. */
	if (optind == argc - 2 && strcmp(argv[optind + 1], "0") == 0)
		sig = 0;
	else if (optind == argc - 2 && sbx_signals_parse(argv[optind + 1], &sig, &err) < 0)
		return sbx_cli_fail(&err);
	if (sbx_cli_open(g, argv[optind], false, &h, &st, &err) < 0)
		return sbx_cli_fail(&err);
	if (st.status != SBX_STATUS_CREATED && st.status != SBX_STATUS_RUNNING &&
	    st.status != SBX_STATUS_PAUSED) {
		sbx_err_set(&err, 0, "container \"%s\" is not running (status %s)", st.id,
			    sbx_state_status_name(st.status));
		ret = sbx_cli_fail(&err);
		goto out;
	}
	if (all) {
		pid_t *pids = NULL;
		size_t n = 0;
		if (sbx_life_pids(&st, &pids, &n, &err) < 0) {
			ret = sbx_cli_fail(&err);
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			/* Members of the container's cgroup or pid namespace
			 * only; a process that exits meanwhile is fine. */
			if (pids[i] != st.pid && kill(pids[i], sig) < 0 && errno != ESRCH) {
				sbx_err_set(&err, errno, "kill %d", (int)pids[i]);
				ret = sbx_cli_fail(&err);
			}
		}
		free(pids);
	}
	if (sbx_life_signal_init(&st, sig, &err) < 0 && !(all && !sbx_state_pid_alive(&st)))
		ret = sbx_cli_fail(&err);
out:
	sbx_state_free(&st);
	sbx_state_close(&h);
	return ret;
}
