/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun ps [--format table|json] ID [ps-options...]: the container's
 * processes (its cgroup's members, or without a cgroup the processes of its
 * pid namespace).  table (runc's behaviour): the host's `ps` run with
 * ps-options (default -ef), filtered to those processes by its PID column.
 * json: an array of host pids, as runc prints it (ps-options ignored).
 */
#include "lifecycle.h"
#include "sbx/ps.h"
#include "sbx/util.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

int sbx_cmd_ps(const struct sbx_global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_err err = { 0 };
	bool json = false;
	pid_t *pids = NULL;
	size_t n = 0;
	int c;

	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f')
			return sbx_cli_usage("ps", "unknown option");
		if (!strcmp(optarg, "json"))
			json = true;
		else if (strcmp(optarg, "table") != 0)
			return sbx_cli_usage("ps", "--format: expected table or json, got \"%s\"", optarg);
	}
	if (optind >= argc)
		return sbx_cli_usage("ps", "expected a container ID");
	if (sbx_cli_open(g, argv[optind], false, &h, &st, &err) < 0)
		return sbx_cli_fail(&err);
	if (sbx_life_pids(&st, &pids, &n, &err) < 0) {
		sbx_state_free(&st);
		sbx_state_close(&h);
		return sbx_cli_fail(&err);
	}
	if (n)
		qsort(pids, n, sizeof(pid_t), cmp_pid);
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
	} else {
		_sbx_cleanup_free_ char *ps = sbx_ps_run(argv + optind + 1,
							 (size_t)(argc - optind - 1), &err);
		_sbx_cleanup_free_ char *out = ps ? sbx_ps_filter(ps, pids, n, &err) : NULL;
		if (!out) {
			free(pids);
			sbx_state_free(&st);
			sbx_state_close(&h);
			return sbx_cli_fail(&err);
		}
		fputs(out, stdout);
	}
	free(pids);
	sbx_state_free(&st);
	sbx_state_close(&h);
	return 0;
}
