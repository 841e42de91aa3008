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

/*
 * `run --detach` without a terminal: the container's stdout/stderr go to a
 * json-file log <state dir>/container.log (docker's format: one
 * {"log","stream","time"} object per line), written by a small logger
 * process that outlives sbxrun, rotated at max_size bytes keeping
 * max_files files (container.log, .1, ...).  max_size 0: no rotation.
 * Replaces sbxrun's own fds 1 and 2 with the pipes, so the container
 * inherits them; the caller restores them with
 * sbx_life_detach_log_restore(saved_out, saved_err) after the spawn.
 */
int sbx_life_detach_log_start(struct sbx_state_handle *h, struct sbx_state *st,
			      uint64_t max_size, unsigned max_files, int *saved_out,
			      int *saved_err, struct sbx_err *err);
void sbx_life_detach_log_restore(int saved_out, int saved_err);
/* "1048576", "512k", "10m", "1g" -> bytes. */
int sbx_life_parse_size(const char *s, uint64_t *out);

/* pause/resume: write cgroup.freeze and wait for cgroup.events. */
int sbx_life_freeze(const struct sbx_global_opts *g, const char *cmd, int argc, char **argv,
		    bool freeze);


#endif
