/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sbxrun resume ID: thaw a paused container (see cmd_pause.c). */
#include "lifecycle.h"

int sbx_cmd_resume(const struct sbx_global_opts *g, int argc, char **argv)
{
	return sbx_cli_freeze(g, "resume", argc, argv, false);
}
