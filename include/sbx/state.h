/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container state store (--root DIR).
 *
 * Layout: <root>/<id>/ (mode 0700) holds
 *   state.json   the recorded state, replaced atomically (temp + fsync + rename)
 *   lock         the lock file; it also holds the anchor (below)
 *   config.json  the config the container was created with
 *   exec.fifo    exists while the container is `created` (see cmd_create.c)
 *   exec.err     init's error report when it fails after `start`
 *   ...          anything else a command keeps per container (logs)
 *
 * The anchor is a second, minimal record of how to kill the container
 * (cgroup path, init pid and start time), rewritten in place in the lock
 * file before each thing it names exists: the cgroup path before the
 * cgroup directory is created, the pid before init is handed over.  It
 * lets `delete --force` converge when state.json is missing or unreadable.
 * The write protocol and what each crash point leaves behind are in
 * docs/internals.md ("The state store").
 *
 * Concurrency: every command holds a lock on <root>/<id>/lock, exclusive
 * for mutations (create, start, delete, pause, resume), shared for reads
 * (state, list, ps).  It is a POSIX record lock (fcntl F_SETLKW), not a
 * flock: record locks are owned by the process and NOT inherited by fork,
 * so the container's init, forked while `create` holds the lock and then
 * parked on the exec fifo for as long as the container is `created`, does
 * not keep holding it (with flock the shared open file description would).  Creating the directory is the atomic
 * "claim" of an ID: mkdir fails with EEXIST for the loser of two concurrent
 * `create`s.  A command that waited for the lock re-checks that the
 * directory was not removed meanwhile (st_nlink == 0 after rmdir).
 *
 * Ownership: every state root (--root, $XDG_RUNTIME_DIR/sbxrun, the
 * /tmp/sbxrun-<uid> fallback) and every container directory in it must be
 * owned by the caller and not writable by group or others, checked with
 * fstat on the opened (O_NOFOLLOW) fd; everything after that is relative to
 * that fd.  Anything else is refused, naming the path, owner and mode, so a
 * record planted by another user is never loaded (and its hooks never run).
 *
 * Pid reuse: the recorded pid comes with its start time (/proc/<pid>/stat
 * field 22).  A live pid whose start time differs is somebody else's process,
 * so the container is `stopped` and nothing is ever signalled through it.
 */
#ifndef SBX_STATE_H
#define SBX_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sbx/error.h"

#define SBX_ID_MAX 1024
#define SBX_STATE_FILE "state.json"
#define SBX_EXEC_FIFO "exec.fifo"
#define SBX_LOCK_FILE "lock"
#define SBX_INIT_ERROR_FILE "exec.err"
/* state.json format: 2 adds this field ("sbxrunStateVersion"); a file
 * without it is format 1 (same fields, read the same way).  A newer format
 * is refused: its fields may mean something this version does not know. */
#define SBX_STATE_VERSION 2
/* The comm (/proc/<pid>/comm) of an init parked on the exec fifo.  A
 * `created` container is one whose fifo exists AND whose init still
 * carries this name: if `start` was killed after releasing init but
 * before removing the fifo, init has moved on and the container is
 * `running`, not `created`. */
#define SBX_INIT_PARKED_COMM "sbxrun-created"

enum sbx_status {
	SBX_STATUS_CREATING = 0,
	SBX_STATUS_CREATED,
	SBX_STATUS_RUNNING,
	SBX_STATUS_STOPPED,
	SBX_STATUS_PAUSED,
};

struct sbx_state {
	char *id;
	pid_t pid;                      /* 0: never started */
	unsigned long long start_time;  /* /proc/<pid>/stat field 22 */
	char *bundle;                   /* absolute */
	char *rootfs;                   /* absolute */
	char *created;                  /* RFC3339 with nanoseconds, UTC */
	uid_t owner;                    /* uid that created the container */
	char *cgroup_path;              /* absolute cgroup dir, NULL: none */
	char **ann_keys, **ann_values;  /* annotations, n_annotations pairs */
	size_t n_annotations;
	bool shared_pidns;              /* no new pid namespace: --all needs the cgroup */
	bool rootless;
	char *log_path;                 /* `run --detach` json-file log, NULL: none */
	bool has_id_block;              /* holds a block of the user namespace pool (idpool.h) */
	unsigned id_block;
	/* Computed by sbx_state_load(), not stored. */
	enum sbx_status status;
};

/* An open container directory with its lock held. */
struct sbx_state_handle {
	int rootfd;                     /* the checked state root (O_DIRECTORY) */
	int dirfd;                      /* O_DIRECTORY */
	int lockfd;                     /* <dir>/lock, holds the record lock */
	char *dir;                      /* <root>/<id>, malloc'ed */
	char *id;
};

/* ID rules: 1..SBX_ID_MAX chars of [A-Za-z0-9_.+-], first one alphanumeric
 * (so never "", ".", ".." and never a "/").  Error: "invalid container id
 * \"x\": <why>". */
int sbx_state_validate_id(const char *id, struct sbx_err *err);

const char *sbx_state_status_name(enum sbx_status s);

/* Claim a new ID: create <root> (0700, parents as needed) and <root>/<id>
 * (0700) and lock it exclusively.  EEXIST -> "container \"x\" already exists".
 * A root that is not the caller's own private directory is refused
 * ("refusing to use state root R: it is owned by uid U with mode M; ..."). */
int sbx_state_create(const char *root, const char *id, struct sbx_state_handle *h,
		     struct sbx_err *err);
/* Open and lock an existing container ("container \"x\" does not exist"). */
int sbx_state_open(const char *root, const char *id, bool exclusive, struct sbx_state_handle *h,
		   struct sbx_err *err);
/* Open a state root (creating it 0700 when `create`) with O_NOFOLLOW and
 * check it is the caller's private directory (the rules above).  Returns
 * the fd, or -1 + err (errno ENOENT when it does not exist). */
int sbx_state_root_open(const char *root, bool create, struct sbx_err *err);
/* The user namespace pool block recorded in <root>/<id>/state.json, read
 * without taking the container's lock (state.json is replaced atomically).
 * 0 and *block: recorded; -1: none (no record, or a readable record
 * without a block); 1: cannot tell (the record exists but is corrupt or
 * unreadable: its container may still run with the block's ids). */
int sbx_state_peek_id_block(const char *root, const char *id, unsigned *block);
/* Upgrade/downgrade the lock held by h (or take it again after unlock). */
int sbx_state_relock(struct sbx_state_handle *h, bool exclusive, struct sbx_err *err);
/* Drop the lock but keep the handle: a foreground `run` must not block
 * `state`, `kill` or `delete` for as long as its container runs. */
void sbx_state_unlock(struct sbx_state_handle *h);
void sbx_state_close(struct sbx_state_handle *h);

/* Atomically replace state.json with `st` (status is not stored). */
int sbx_state_save(const struct sbx_state_handle *h, const struct sbx_state *st,
		   struct sbx_err *err);
/* Read state.json and compute st->status.  A directory without state.json
 * (create in progress or crashed before the first save) loads as `creating`
 * with only the id set. */
int sbx_state_load(const struct sbx_state_handle *h, struct sbx_state *st, struct sbx_err *err);
void sbx_state_free(struct sbx_state *st);

/* Remove everything in the container directory and the directory itself,
 * state.json and the lock file (with the anchor) last, so that a removal
 * cut short leaves a record that still names what is left.
 * The handle stays valid (to be closed). */
int sbx_state_remove(struct sbx_state_handle *h, struct sbx_err *err);

/* Status of a recorded process: alive (with the same start time) or not,
 * created (exec fifo present), paused (cgroup frozen). */
enum sbx_status sbx_state_compute_status(const struct sbx_state *st, bool fifo_exists);
/* true if st->pid is alive and is still the process we started. */
bool sbx_state_pid_alive(const struct sbx_state *st);

/* The runtime-spec state JSON {ociVersion, id, status, pid, bundle,
 * annotations} (pid only when the process exists, as the spec says).
 * `status` overrides st->status when not NULL (hooks).  malloc'ed. */
char *sbx_state_oci_json(const struct sbx_state *st, const char *status, bool pretty);

/* The anchor (see above), kept in the lock file.  pid 0: no process
 * recorded yet; cgroup_path NULL: none.  write: under the exclusive lock;
 * one pwrite + ftruncate, no rename (a torn anchor reads as absent).
 * read: 0 and *a filled, or -1 when there is none or it is unreadable. */
struct sbx_state_anchor {
	pid_t pid;
	unsigned long long start_time;
	char *cgroup_path;
};
int sbx_state_write_anchor(const struct sbx_state_handle *h, const struct sbx_state_anchor *a,
			   struct sbx_err *err);
int sbx_state_read_anchor(const struct sbx_state_handle *h, struct sbx_state_anchor *a);
void sbx_state_anchor_free(struct sbx_state_anchor *a);

/* init's report of a failure after `start` (exec.err, written by init
 * through an fd it holds): 1 and *code, *report filled, 0 when there is none. */
int sbx_state_read_init_error(const struct sbx_state_handle *h, int *code, struct sbx_err *report);

/* The IDs under root, sorted.  A missing root is an empty list. */
int sbx_state_list(const char *root, char ***ids, size_t *n, struct sbx_err *err);
void sbx_state_list_free(char **ids, size_t n);

/* Current time as RFC3339 with nanoseconds ("2026-01-02T03:04:05.123456789Z"). */
void sbx_state_now_rfc3339(char *buf, size_t len);


#endif
