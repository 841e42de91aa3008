/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command table: add a line here and a src/cli/cmd_<name>.c file. */
#include "cli.h"

const struct sbx_command sbx_commands[] = {
	{ "run", sbx_cmd_run, "create and start a container, wait for it to exit", "[-b DIR] [-d] [--pid-file FILE] [--console-socket SOCK] [--preserve-fds N] [--no-pivot] [--no-new-keyring] [--log-max-size SIZE] [--log-max-file N] ID" },
	{ "spec", sbx_cmd_spec, "write a hardened default config.json", "[--rootless] [--no-userns] [-b DIR] [--secret NAME=HOSTFILE]..." },
	{ "create", sbx_cmd_create, "create a container (it waits in `created` until start)", "[-b DIR] [--pid-file FILE] [--console-socket SOCK] [--preserve-fds N] [--no-pivot] [--no-new-keyring] ID" },
	{ "start", sbx_cmd_start, "start a created container", "ID" },
	{ "state", sbx_cmd_state, "print the state of a container (runtime-spec JSON)", "ID" },
	{ "kill", sbx_cmd_kill, "send a signal to a container's init (--all: every process)", "[-a] ID [SIGNAL]" },
	{ "delete", sbx_cmd_delete, "delete a stopped container (--force: any)", "[-f] ID" },
	{ "list", sbx_cmd_list, "list containers", "[-f table|json] [-q]" },
	{ "ps", sbx_cmd_ps, "list the processes of a container", "[-f table|json] ID" },
	{ "exec", sbx_cmd_exec, "run a new process inside a created or running container", "[-p FILE] [-d] [-t] [--pid-file FILE] [--console-socket SOCK] [--cwd DIR] [-e KEY=VALUE]... [-u UID[:GID]] [-g GID]... [--cap CAP]... [--no-new-privs] [--apparmor PROFILE] [--preserve-fds N] [--ignore-paused] ID [COMMAND [ARG...]]" },
	{ "pause", sbx_cmd_pause, "freeze a container (cgroup freezer)", "ID" },
	{ "resume", sbx_cmd_resume, "thaw a paused container", "ID" },
	{ "update", sbx_cmd_update, "change the resource limits of a running container", "[-r FILE|-] [--memory N] [--memory-reservation N] [--memory-swap N] [--pids-limit N] [--cpu-quota N] [--cpu-period N] [--cpu-shares N] [--cpuset-cpus LIST] [--cpuset-mems LIST] [--blkio-weight N] ID" },
	{ "events", sbx_cmd_events, "print container stats and OOM events (JSON; --stats: once)", "[--stats] [--interval DURATION] ID" },
	{ "check", sbx_cmd_check, "audit a bundle or a running container (CIS Docker Benchmark, hardening guides)", "[--format text|json|sarif] [--fail-on low|medium|high] (BUNDLE-DIR | --id ID)" },
	{ "features", sbx_cmd_features, "print the features this runtime supports (JSON)", "" },
	{ "version", sbx_cmd_version, "print version information", "" },
	{ NULL, NULL, NULL, NULL },
};
