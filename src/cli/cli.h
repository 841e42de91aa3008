/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CLI layer: one file per command (src/cli/cmd_<name>.c).  Only this layer
 * prints.  Each command returns the process exit code.
 */
#ifndef SBX_CLI_H
#define SBX_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include "sbx/error.h"
#include "sbx/log.h"

/* Exit codes of sbxrun itself: SBX_EXIT_* in sbx/error.h. */

struct sbx_global_opts {
	const char *root;          /* --root: state directory */
	const char *log;           /* --log FILE */
	enum sbx_log_format log_format;
	bool debug;
	bool systemd_cgroup;       /* --systemd-cgroup */
	int rootless;              /* --rootless: -1 auto, 0 false, 1 true */
};

struct sbx_command {
	const char *name;
	int (*fn)(const struct sbx_global_opts *g, int argc, char **argv);
	const char *summary;
	const char *usage;   /* options and arguments, for `sbxrun CMD --help` */
};

/* Print/log an error (log at error level; to stderr as "sbxrun: <msg>") and
 * return the exit code of its kind (sbx_err_exit_code: 125, 126 or 127). */
int sbx_cli_fail(const struct sbx_err *err);
/* Report a condition to the user: logged at error level, and also printed
 * to stderr when the log goes to a file (engines read the file, people read
 * stderr). */
void sbx_cli_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: "sbxrun <cmd>: <message>" + hint; returns SBX_EXIT_FAILURE. */
int sbx_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The effective state root (--root, else $XDG_RUNTIME_DIR/sbxrun for
 * non-root, /run/sbxrun for root).  malloc'ed. */
char *sbx_cli_state_root(const struct sbx_global_opts *g);
bool sbx_cli_is_rootless(const struct sbx_global_opts *g);
/* Private cache directory (compiled seccomp programs) under the state
 * root: "<root>/.cache" (no container ID starts with a dot).  malloc'ed. */
char *sbx_cli_cache_dir(const struct sbx_global_opts *g);

/* Foreground waiting (src/cli/forward.c): the signals sbxrun forwards to
 * the container process (+ SIGCHLD), and a signalfd loop that forwards them
 * to `pid` until it exits.  Returns its wait status. */
void sbx_cli_forward_mask(sigset_t *mask);
int sbx_cli_wait_forwarding(pid_t pid, int sfd);

/* Commands (each in src/cli/cmd_<name>.c). */
int sbx_cmd_run(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_spec(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_create(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_start(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_state(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_kill(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_delete(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_list(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_ps(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_exec(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_pause(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_resume(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_features(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_version(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_update(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_events(const struct sbx_global_opts *g, int argc, char **argv);
int sbx_cmd_check(const struct sbx_global_opts *g, int argc, char **argv);
/* `sbxrun DIR`: run the bundle DIR with an ID generated from its name. */
int sbx_cmd_run_bundle_dir(const struct sbx_global_opts *g, const char *dir);

/* Table of all commands, NULL-terminated (src/cli/commands.c). */
extern const struct sbx_command sbx_commands[];

#endif
