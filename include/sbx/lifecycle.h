/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The library's lifecycle operations on the state store (state.h): the
 * record `create` and `run` make, and what the other commands do to a
 * recorded container (signal its init, list its processes, wait for it).
 * The CLI parses flags, calls these and prints their errors.
 */
#ifndef SBX_LIFECYCLE_H
#define SBX_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx/config.h"
#include "sbx/container.h"
#include "sbx/state.h"

/* The copy of config.json kept in the state dir at create time: delete
 * (poststop hooks) and exec (process defaults, confinement) use what the
 * container was created with, even if the bundle changed or is gone. */
#define SBX_STATE_CONFIG "config.json"

/* Open <root>/<id> (locked) and load its state. */
int sbx_life_open(const char *root, const char *id, bool exclusive, struct sbx_state_handle *h,
		  struct sbx_state *st, struct sbx_err *err);
/* Parse the saved config of the container.  defer_seccomp: leave
 * linux.seccomp as text (sbx_config_parse_deferred), for a command that
 * needs at most its compiled program (exec, delete). */
int sbx_life_load_config(const struct sbx_state_handle *h, const struct sbx_state *st,
			 bool defer_seccomp, struct sbx_config **cfg, struct sbx_err *err);
/* `start`: release a `created` container's init from the exec fifo, wait
 * for its execve, then run the poststart hooks (failures are warnings, as
 * the runtime-spec says).  If init fails instead (exec, startContainer
 * hook), err is init's own report, with its kind (exec-not-found, ...).
 * `h` must be open exclusively. */
int sbx_life_start(const struct sbx_state_handle *h, struct sbx_state *st, struct sbx_err *err);
/* `pause` (freeze) / `resume`: freeze or thaw every process of a running
 * (paused) container through its cgroup; returns once the kernel says
 * every task is frozen (thawed). */
int sbx_life_freeze(const struct sbx_state *st, bool freeze, struct sbx_err *err);
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
 *   begin:   claim the ID (atomic mkdir), keep a copy of config.json, fill
 *            the `creating` state (owner, bundle, annotations, created...),
 *            which the caller saves (sbx_container_create_begin: the pool
 *            claim's commit does, with the claimed block);
 *   cgroup:  (launcher callback) the anchor names the cgroup before the
 *            launcher creates it;
 *   started: (launcher callback, before init is handed over) the anchor
 *            and state.json get init's pid, start time and cgroup, and the
 *            --pid-file is written;
 *   remove:  delete the record (failed create, foreground run that ended);
 *   close:   keep the record (created / detached), release the handle.
 * The callbacks take a struct sbx_life_rec as their arg.
 */
struct sbx_life_rec {
	struct sbx_state_handle *h;
	struct sbx_state *st;
	const char *pid_file;           /* NULL: none */
};
int sbx_life_record_begin(const char *root, bool rootless, const char *id,
			  const struct sbx_config *cfg, struct sbx_state_handle *h,
			  struct sbx_state *st, struct sbx_err *err);
int sbx_life_record_cgroup(void *rec, const char *path, struct sbx_err *err);
int sbx_life_record_started(void *rec, const struct sbx_container *ctr, struct sbx_err *err);
void sbx_life_record_remove(struct sbx_state_handle *h, struct sbx_state *st);
void sbx_life_record_close(struct sbx_state_handle *h, struct sbx_state *st);
/* Root on the host, a new user namespace without mappings (or annotation
 * run.sbx.userns=auto; include/sbx/idpool.h): claim a block of the user
 * namespace pool for the container being recorded (st->id_block; st is
 * saved under the pool's lock) and put its mappings into cfg.  Returns 1
 * if it did (st saved) (the launcher then
 * id-maps the rootfs and volumes: sbx_launch_opts.userns_auto), 0 if the
 * config keeps its own mappings (st not saved), -1 on error.  Release the block with
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

/*
 * One container being made, by `create` or by `run`: both go through the
 * same sequence, and fill the launch options that they share here.
 *   begin:  record the container (sbx_life_record_begin), claim host ids
 *           from the user namespace pool where that applies
 *           (sbx_life_userns_auto), and fill c->lo: ID, state root, cache,
 *           --rootless, the hook state and the recording callbacks.  The
 *           caller then adds its own fields to c->lo (exec fifo, console
 *           socket, foreground...);
 *   spawn:  sbx_container_spawn() with c->lo;
 *   remove: the record goes (a failed launch, a foreground run that ended);
 *   keep:   the record stays (created, detached, --keep).
 * On a failed begin nothing is left and c needs no remove.
 */
struct sbx_create {
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_life_rec rec;
	struct sbx_launch_opts lo;
	char *state_root, *cache_dir;
	char *exec_fifo, *exec_error_file;      /* create only */
};
int sbx_container_create_begin(struct sbx_create *c, const char *state_root, int rootless_opt,
			       bool rootless, const char *id, struct sbx_config *cfg,
			       const char *pid_file, struct sbx_err *err);
int sbx_container_create_spawn(struct sbx_create *c, const struct sbx_config *cfg,
			       struct sbx_container *out, struct sbx_err *err);
void sbx_container_create_remove(struct sbx_create *c);
void sbx_container_create_keep(struct sbx_create *c);
/* `create` (after begin): make the exec fifo <state dir>/exec.fifo (0600)
 * that init parks on until `start` writes into it, and point c->lo at it
 * and at the file where init reports a failed execve. */
int sbx_container_create_exec_fifo(struct sbx_create *c, struct sbx_err *err);
/* `run` (after a successful spawn): release the record's lock so that
 * other commands may act on the container, and run the poststart hooks
 * (a failing one is a warning, as the runtime-spec says). */
void sbx_container_create_started(struct sbx_create *c, const struct sbx_config *cfg);
/*
 * A foreground `run` whose init has exited (and been waited for): remove
 * its cgroup (killing what is left in it), release its network, run the
 * poststop hooks and remove the record (sbx_container_create_remove).
 * If the cgroup cannot be removed, something of the container survives in
 * it: the record that names it is kept (never a cgroup that nobody knows
 * about, for `delete --force`) and -1 returned with err saying why.
 */
int sbx_container_create_finish(struct sbx_create *c, const struct sbx_config *cfg,
				const char *cgroup_path, struct sbx_err *err);

#endif
