/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sbxrun state ID: the runtime-spec state JSON. */
#include "lifecycle.h"
#include "sbx/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

int sbx_cmd_state(const struct sbx_global_opts *g, int argc, char **argv)
{
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_err err = { 0 };
	char *js;
	int c;

	while ((c = getopt(argc, argv, "")) != -1)
		return sbx_cli_usage("state", "unknown option");
	if (optind != argc - 1)
		return sbx_cli_usage("state", "expected exactly one container ID");
	if (sbx_cli_open(g, argv[optind], false, &h, &st, &err) < 0)
		return sbx_cli_fail(&err);
	js = sbx_state_oci_json(&st, NULL, true);
	printf("%s\n", js);
	free(js);
	sbx_state_free(&st);
	sbx_state_close(&h);
	return 0;
}
