/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sbxrun features: runtime-spec features.md JSON (see src/features.c). */
#include "lifecycle.h"
#include "sbx/features.h"

#include <stdio.h>
#include <stdlib.h>

int sbx_cmd_features(const struct sbx_global_opts *g, int argc, char **argv)
{
	char *js;

	if (argc > 1)
		return sbx_cli_usage("features", "takes no arguments");
	js = sbx_features_json();
	printf("%s\n", js);
	free(js);
	return 0;
}
