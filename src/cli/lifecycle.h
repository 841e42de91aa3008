/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the lifecycle commands (create, start, state, kill,
 * delete, list, ps, exec, pause, resume) and their prototypes.
 */
#ifndef SBX_CLI_LIFECYCLE_H
#define SBX_CLI_LIFECYCLE_H

#include <stdbool.h>
#include <sys/types.h>

#include "cli.h"
#include "sbx/config.h"
#include "sbx/state.h"

/* The copy of config.json kept in the state dir at create time: delete
 * (poststop hooks) and exec (process defaults, confinement) use what the
 * container was created with, even if the bundle changed or is gone. */
#define SBX_STATE_CONFIG "config.json"

/* Open <root>/<id> (locked) and load its state. */
int sbx_life_open(const struct sbx_global_opts *g, const char *id, bool exclusive,
		  struct sbx_state_handle *h, struct sbx_state *st, struct sbx_err *err);
/* Parse the saved config of the container. */
int sbx_life_load_config(const struct sbx_state_handle *h, const struct sbx_state *st,
			 struct sbx_config **cfg, struct sbx_err *err);
/* Signal the container's init, safely against pid reuse (pidfd + start
 * time check).  ESRCH-style "not running" error if it is gone. */
int sbx_life_signal_init(const struct sbx_state *st, int sig, struct sbx_err *err);
/* Every process of the container: its cgroup's cgroup.procs, else every
 * process in init's pid namespace (only if it has its own).  malloc'ed. */
int sbx_life_pids(const struct sbx_state *st, pid_t **pids, size_t *n, struct sbx_err *err);
/* Wait (up to timeout_ms) until init has exited.  0 if it did. */
int sbx_life_wait_exit(const struct sbx_state *st, int timeout_ms);
/* Write a pid file atomically (temp + rename). */
int sbx_life_write_pid_file(const char *path, pid_t pid, struct sbx_err *err);

/* pause/resume: write cgroup.freeze and wait for cgroup.events. */
int sbx_life_freeze(const struct sbx_global_opts *g, const char *cmd, int argc, char **argv,
		    bool freeze);

/* Commands. */
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

#endif
