/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup-side commands (src/cli/cmd_update.c, src/cli/cmd_events.c). */
#ifndef SBX_CLI_CGROUP_CMDS_H
#define SBX_CLI_CGROUP_CMDS_H

#include "cli.h"

int sbx_cmd_update(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_events(const struct sbx_global_opts *g, int argc, char **argv);

#endif
