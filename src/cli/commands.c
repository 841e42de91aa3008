/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command table: add a line here and a src/cli/cmd_<name>.c file. */
#include "cli.h"
#include "lifecycle.h"
#include "cli.h"

const struct sbx_command sbx_commands[] = {
	{ "run", sbx_cmd_run, "create and start a container, wait for it to exit" },
	{ "spec", sbx_cmd_spec, "write a hardened default config.json" },
	{ "create", sbx_cmd_create, "create a container (it waits in `created` until start)" },
	{ "start", sbx_cmd_start, "start a created container" },
	{ "state", sbx_cmd_state, "print the state of a container (runtime-spec JSON)" },
	{ "kill", sbx_cmd_kill, "send a signal to a container's init (--all: every process)" },
	{ "delete", sbx_cmd_delete, "delete a stopped container (--force: any)" },
	{ "list", sbx_cmd_list, "list containers" },
	{ "ps", sbx_cmd_ps, "list the processes of a container" },
	{ "exec", sbx_cmd_exec, "run a new process inside a running container" },
	{ "pause", sbx_cmd_pause, "freeze a container (cgroup freezer)" },
	{ "resume", sbx_cmd_resume, "thaw a paused container" },
	{ "update", sbx_cmd_update, "change the resource limits of a running container" },
	{ "events", sbx_cmd_events, "print container stats and OOM events (JSON; --stats: once)" },
	{ "features", sbx_cmd_features, "print the features this runtime supports (JSON)" },
	{ "version", sbx_cmd_version, "print version information" },
	{ NULL, NULL, NULL },
};
