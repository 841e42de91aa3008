/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the lifecycle commands (create, start, state, kill,
 * delete, list, ps, exec, pause, resume) and their prototypes.
 */
#ifndef SBX_CLI_LIFECYCLE_H
#define SBX_CLI_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>
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

/*
 * Recording a container in the state store, shared by `create` and `run`
 * (the write protocol is in docs/internals.md, "The state store"):
 *   begin:   claim the ID (atomic mkdir), keep a copy of config.json, save
 *            the `creating` state (owner, bundle, annotations, created...);
 *   cgroup:  (launcher callback) the anchor names the cgroup before the
 *            launcher creates it;
 *   started: (launcher callback, before init is handed over) the anchor
 *            and state.json get init's pid, start time and cgroup, and the
 *            --pid-file is written;
 *   remove:  delete the record (failed create, foreground run that ended);
 *   close:   keep the record (created / detached), release the handle.
 * The callbacks take a struct sbx_life_rec as their arg.
 */
struct sbx_container;
struct sbx_life_rec {
	struct sbx_state_handle *h;
	struct sbx_state *st;
	const char *pid_file;           /* NULL: none */
};
int sbx_life_record_begin(const struct sbx_global_opts *g, const char *id,
			  const struct sbx_config *cfg, struct sbx_state_handle *h,
			  struct sbx_state *st, struct sbx_err *err);
int sbx_life_record_cgroup(void *rec, const char *path, struct sbx_err *err);
int sbx_life_record_started(void *rec, const struct sbx_container *ctr, struct sbx_err *err);
void sbx_life_record_remove(struct sbx_state_handle *h, struct sbx_state *st);
void sbx_life_record_close(struct sbx_state_handle *h, struct sbx_state *st);
/* Root on the host, a new user namespace without mappings (or annotation
 * run.sbx.userns=auto; include/sbx/idpool.h): claim a block of the user
 * namespace pool for the container being recorded (st->id_block, saved)
 * and put its mappings into cfg.  Returns 1 if it did (the launcher then
 * id-maps the rootfs and volumes: sbx_launch_opts.userns_auto), 0 if the
 * config keeps its own mappings, -1 on error.  Release the block with
 * sbx_life_userns_release() once the record is removed
 * (sbx_life_record_remove does). */
int sbx_life_userns_auto(struct sbx_config *cfg, struct sbx_state_handle *h, struct sbx_state *st,
			 struct sbx_err *err);
void sbx_life_userns_release(const struct sbx_state_handle *h, const struct sbx_state *st);
/* Hook state callback for sbx_launch_opts.state_json; arg is the sbx_state. */
char *sbx_life_hook_state(void *arg, pid_t pid, const char *status);

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
