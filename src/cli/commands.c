/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command table: add a line here and a src/cli/cmd_<name>.c file. */
#include "cli.h"

const struct sbx_command sbx_commands[] = {
	{ "run", sbx_cmd_run, "create and start a container, wait for it to exit" },
	{ "spec", sbx_cmd_spec, "write a hardened default config.json" },
	{ NULL, NULL, NULL },
};
