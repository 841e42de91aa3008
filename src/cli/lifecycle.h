/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CLI helpers of the lifecycle commands (create, start, state, kill,
 * delete, list, ps, exec, pause, resume); the operations themselves are
 * the library's (include/sbx/lifecycle.h).
 */
#ifndef SBX_CLI_LIFECYCLE_H
#define SBX_CLI_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli.h"
#include "sbx/config.h"
#include "sbx/lifecycle.h"
#include "sbx/state.h"

/* sbx_life_open() in the state root of --root. */
int sbx_cli_open(const struct sbx_global_opts *g, const char *id, bool exclusive,
		 struct sbx_state_handle *h, struct sbx_state *st, struct sbx_err *err);

/* `pause` / `resume` ID (cmd names the command in messages). */
int sbx_cli_freeze(const struct sbx_global_opts *g, const char *cmd, int argc, char **argv,
		   bool freeze);


#endif
