/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun create [--bundle DIR] [--pid-file F] [--console-socket SOCK]
 *               [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID
 *
 * The container is set up completely and its init parks on the exec fifo
 * (<state>/exec.fifo) right before execve, until `sbxrun start` writes into
 * it.  State: `creating` while this runs, `created` afterwards.
 */
#include "lifecycle.h"
#include "sbx/container.h"
#include "sbx/log.h"
#include "sbx/process.h"
#include "sbx/util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct create_args {
	const char *bundle, *id, *pid_file, *console_socket;
	bool no_pivot, no_new_keyring;
	unsigned preserve_fds;
};

/* Returns -1 when the flags are good, else the usage error's exit code. */
static int create_parse_args(int argc, char **argv, struct create_args *a)
{
	enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_PRESERVE };
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
		{ "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b': a->bundle = optarg; break;
		case OPT_PID_FILE: a->pid_file = optarg; break;
		case OPT_CONSOLE: a->console_socket = optarg; break;
		case OPT_NO_PIVOT: a->no_pivot = true; break;
		case OPT_NO_KEYRING: a->no_new_keyring = true; break;
		case OPT_PRESERVE:
			if (sbx_parse_u64(optarg, &v) < 0 || v > SBX_PRESERVE_FDS_MAX)
				return sbx_cli_usage("create", "--preserve-fds: invalid number \"%s\"", optarg);
			a->preserve_fds = (unsigned)v;
			break;
		default: return sbx_cli_usage("create", "unknown option");
		}
	}
	if (optind != argc - 1)
		return sbx_cli_usage("create", "expected exactly one container ID");
	a->id = argv[optind];
	return -1;
}

/* What `create` cannot do with this config, before anything is recorded. */
static int create_check_config(const struct sbx_config *cfg, const struct create_args *a,
			       struct sbx_err *err)
{
	if (!cfg->process)
		return sbx_err_set(err, 0, "config.json: process: required to create a container");
	/* `create` returns before anyone could read the pty: it can only go
	 * to a console socket (runc refuses the same). */
	if (cfg->process->terminal && !a->console_socket)
		return sbx_err_set(err, 0, "create: process.terminal is true but no --console-socket was given to hand the terminal to");
	return 0;
}

int sbx_cmd_create(const struct sbx_global_opts *g, int argc, char **argv)
{
	struct create_args a = { .bundle = "." };
	_sbx_cleanup_free_ char *state_root = sbx_cli_state_root(g);
	struct sbx_create cr;
	struct sbx_container ctr = { .pty_master = -1, .seccomp_listener = -1 };
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };
	int code;

	code = create_parse_args(argc, argv, &a);
	if (code >= 0)
		return code;
	if (sbx_state_validate_id(a.id, &err) < 0 ||
	    sbx_process_check_preserve_fds(a.preserve_fds, &err) < 0)
		return sbx_cli_fail(&err);

	if (sbx_config_load(a.bundle, &cfg, &err) < 0)
		return sbx_cli_fail(&err);
	if (create_check_config(cfg, &a, &err) < 0 ||
	    sbx_container_create_begin(&cr, state_root, g->rootless, sbx_cli_is_rootless(g), a.id,
				       cfg, a.pid_file, &err) < 0) {
		sbx_config_free(cfg);
		return sbx_cli_fail(&err);
	}
	if (sbx_container_create_exec_fifo(&cr, &err) < 0)
		goto fail;
	cr.lo.foreground = false;
	cr.lo.console_socket = a.console_socket;
	cr.lo.no_pivot = a.no_pivot;
	cr.lo.no_new_keyring = a.no_new_keyring;
	cr.lo.preserve_fds = a.preserve_fds;
	if (sbx_container_create_spawn(&cr, cfg, &ctr, &err) < 0)
		goto fail;
	sbx_container_release(&ctr);
	sbx_container_create_keep(&cr);
	sbx_config_free(cfg);
	return 0;

fail:
	code = sbx_cli_fail(&err);
	sbx_container_create_remove(&cr);
	sbx_container_release(&ctr);
	sbx_config_free(cfg);
	return code;
}
