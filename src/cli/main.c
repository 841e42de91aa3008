/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun: global options, then a command (runc-compatible), or a bundle
 * directory as the only argument (`sbxrun DIR`).
 */
#include "cli.h"
#include "sbx/config.h"
#include "sbx/idmap.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sbxrun [global options] COMMAND [options] [ID]\n"
		"       sbxrun BUNDLE-DIR           run the bundle (ID generated from its name)\n"
		"\n"
		"Global options:\n"
		"  --root DIR              state directory (default $XDG_RUNTIME_DIR/sbxrun, /run/sbxrun as root)\n"
		"  --log FILE              log to FILE (default stderr)\n"
		"  --log-format text|json  log format (json: one object per line, as runc)\n"
		"  --debug                 log debug messages\n"
		"  --systemd-cgroup        accepted for compatibility (cgroupfs driver only)\n"
		"  --rootless true|false|auto\n"
		"  -v, --version           print the version\n"
		"  -h, --help\n"
		"\nCommands:\n");
	for (const struct sbx_command *c = sbx_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\nExit codes: the container's own status; 128+N if it was killed by signal N;\n"
		   "125 sbxrun failed; 126 the command cannot be executed; 127 command not found.\n");
}

static bool is_bundle_dir(const char *arg)
{
	struct stat st;
	char path[4096];

	if (stat(arg, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	snprintf(path, sizeof(path), "%s/config.json", arg);
	return access(path, F_OK) == 0;
}

/* The global options, before the command.  Returns -1 to go on, else the
 * exit code (--help, --version, a usage error). */
static int parse_global_opts(int argc, char **argv, struct sbx_global_opts *g)
{
	enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS,
	       OPT_CRIU };
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "criu", required_argument, NULL, OPT_CRIU },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT: g->root = optarg; break;
		case OPT_LOG: g->log = optarg; break;
		case OPT_LOG_FORMAT:
			if (sbx_log_parse_format(optarg, &g->log_format) < 0)
				return sbx_cli_usage("", "--log-format: unknown format \"%s\" (text or json)", optarg);
			break;
		case OPT_DEBUG: g->debug = true; break;
		case OPT_SYSTEMD: g->systemd_cgroup = true; break;
		case OPT_ROOTLESS:
			if (!strcmp(optarg, "true"))
				g->rootless = 1;
			else if (!strcmp(optarg, "false"))
				g->rootless = 0;
			else if (!strcmp(optarg, "auto"))
				g->rootless = -1;
			else
				return sbx_cli_usage("", "--rootless: expected true, false or auto, got \"%s\"", optarg);
			break;
		case OPT_CRIU: break; /* accepted and ignored, as engines may pass it */
		case 'v': return sbx_cmd_version(g, 1, argv);
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return SBX_EXIT_FAILURE;
		}
	}
	return -1;
}

/* Run one command on (name, args...): `sbxrun CMD --help` prints its usage. */
static int run_command(const struct sbx_command *sc, const struct sbx_global_opts *g,
		       int sub_argc, char **sub_argv)
{
	/* `sbxrun CMD --help`: only among the leading options, so
	 * `sbxrun exec ID ls -h` still runs `ls -h`. */
	for (int i = 1; i < sub_argc && sub_argv[i][0] == '-' && strcmp(sub_argv[i], "--"); i++)
		if (!strcmp(sub_argv[i], "--help") || !strcmp(sub_argv[i], "-h")) {
			printf("Usage: sbxrun [global options] %s%s%s\n%s.\n"
			       "See `man sbxrun` or docs/cli.md for every option.\n",
			       sc->name, *sc->usage ? " " : "", sc->usage, sc->summary);
			return 0;
		}
	/* Each command runs its own getopt over (name, args...). */
	optind = 0;
	return sc->fn(g, sub_argc, sub_argv);
}

int main(int argc, char **argv)
{
	struct sbx_global_opts g = { .rootless = -1, .log_format = SBX_LOG_TEXT };
	struct sbx_err err = { 0 };
	const char *cmd;
	int r;

	r = parse_global_opts(argc, argv, &g);
	if (r >= 0)
		return r;
	if (sbx_log_init(g.log, g.log_format, g.debug ? SBX_LOG_DEBUG : SBX_LOG_WARN, &err) < 0)
		return sbx_cli_fail(&err);
	if (optind >= argc) {
		usage(stderr);
		return SBX_EXIT_FAILURE;
	}
	cmd = argv[optind];
	for (const struct sbx_command *sc = sbx_commands; sc->name; sc++) {
		if (!strcmp(sc->name, cmd)) {
			r = run_command(sc, &g, argc - optind, argv + optind);
			sbx_log_close();
			return r;
		}
	}
	if (argc - optind == 1 && is_bundle_dir(cmd)) {
		r = sbx_cmd_run_bundle_dir(&g, cmd);
		sbx_log_close();
		return r;
	}
	return sbx_cli_usage(cmd, "unknown command (and not a bundle directory with a config.json)");
}
