/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What every command shares: printing an error (the only place the CLI
 * turns a struct sbx_err into text and an exit code), usage errors, and
 * the global options' state root.  Kept out of main.c so that the
 * commands do not depend on the file that dispatches to them.
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

void sbx_cli_report(const char *fmt, ...)
{
	char buf[SBX_ERR_MSG_MAX + 160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sbx_log(SBX_LOG_ERROR, "%s", buf);
	/* With --log to a file, engines read the error from there; people
	 * read stderr.  Print to stderr too unless the log already is it. */
	if (sbx_log_fd() != STDERR_FILENO)
		fprintf(stderr, "sbxrun: %s\n", buf);
}

int sbx_cli_fail(const struct sbx_err *err)
{
	char buf[SBX_ERR_MSG_MAX + 160];

	sbx_cli_report("%s", sbx_err_str(err, buf, sizeof(buf)));
	return sbx_err_exit_code(err);
}

int sbx_cli_usage(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "sbxrun%s%s: %s\nRun 'sbxrun --help' for usage.\n", *cmd ? " " : "", cmd, msg);
	return SBX_EXIT_FAILURE;
}

bool sbx_cli_is_rootless(const struct sbx_global_opts *g)
{
	if (g->rootless >= 0)
		return g->rootless == 1;
	/* The launcher's rule (container.c): only root in the initial user
	 * namespace is really root. */
	return !(geteuid() == 0 && sbx_userns_is_initial());
}

/* uid_map "0 0 4294967295": the initial user namespace. */
char *sbx_cli_state_root(const struct sbx_global_opts *g)
{
	const char *x;

	if (g->root && *g->root)
		return sbx_xstrdup(g->root);
	x = getenv("XDG_RUNTIME_DIR");
	/* Root in a user namespace (rootless podman calls us inside its own
	 * user namespace without --root) cannot write /run: like runc and
	 * crun, use $XDG_RUNTIME_DIR then. */
	if (geteuid() == 0 && x && *x && !sbx_userns_is_initial())
		return sbx_xasprintf("%s/sbxrun", x);
	if (geteuid() == 0)
		return sbx_xstrdup("/run/sbxrun");
	if (x && *x)
		return sbx_xasprintf("%s/sbxrun", x);
	return sbx_xasprintf("/tmp/sbxrun-%u", (unsigned)geteuid());
}

char *sbx_cli_cache_dir(const struct sbx_global_opts *g)
{
	_sbx_cleanup_free_ char *root = sbx_cli_state_root(g);

	return sbx_xasprintf("%s/.cache", root);
}
