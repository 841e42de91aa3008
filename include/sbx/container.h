/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launcher: turns a parsed config into a running (or created) container.
 *
 * Process tree (see docs/internals.md):
 *
 *   sbxrun (parent) --fork--> stage-1 --clone(CLONE_PARENT)--> init
 *
 *   stage-1 joins the namespaces given by path, unshares the user namespace,
 *   waits while the parent writes the id maps and places it in its cgroup,
 *   unshares the remaining namespaces and clones init, which therefore is
 *   pid 1 of the new pid namespace and a direct child of the parent.
 *   stage-1 then exits.
 *
 *   init runs the child setup (container.c: child_setup(), one function that
 *   owns the order of every step) and either execs the process (`run`) or
 *   blocks on the exec fifo until `sbxrun start` (`create`).
 *
 * Parent and children talk over a SOCK_SEQPACKET socketpair (sync.h); the
 * child reports failures as a `struct sbx_err`, so the parent can print
 * "sbxrun: <step>: <path>: <errno text>".
 */
#ifndef SBX_CONTAINER_H
#define SBX_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "sbx/config.h"

struct sbx_container;

/* sbx_container_exit_code() of a wait status that is neither an exit nor
 * a signal. */
#define SBX_EXIT_CODE_UNKNOWN 255

struct sbx_launch_opts {
	const char *id;
	/* `create`: init opens this fifo (created by the caller, mode 0600)
	 * before pivot_root and blocks on it right before execve until
	 * `sbxrun start` writes a byte into it.  NULL: exec at once (`run`). */
	const char *exec_fifo;
	unsigned preserve_fds;      /* fds 3 .. 3+N-1 are passed to the process */
	const char *console_socket; /* process.terminal: send the pty master here */
	bool no_pivot;
	bool no_new_keyring;
	const char *cache_dir;      /* private cache (compiled seccomp programs); NULL: none */
	const char *state_root;     /* --root: network leases and records (net.h); NULL: none */
	/* --rootless: -1 auto (not root in the initial user namespace), 0 act
	 * as root, 1 act as rootless (bind devices instead of mknod, sysfs
	 * fallback, rootless cgroup placement). */
	int rootless;
	/* `create` only: init reports a failure after `start` (exec, a
	 * startContainer hook) by writing "<code> <errno> <message>" into this
	 * file (opened by the launcher, mode 0600), since nobody listens on
	 * the sync socket any more.  NULL: none. */
	const char *exec_error_file;
	/*
	 * Who init belongs to.  foreground (`run`): init dies with sbxrun
	 * (PR_SET_PDEATHSIG, kept through the exec).  Otherwise (`create`,
	 * `run --detach`) init outlives sbxrun, but only after the hand-over:
	 * until then it dies with sbxrun too (docs/internals.md, "No orphan").
	 */
	bool foreground;
	/*
	 * Recording callbacks (the caller's state store), both optional; arg
	 * is record_arg.  A failure aborts the launch (nothing is left).
	 *   record_cgroup:  before the container's cgroup directory is made,
	 *                   with its absolute path (again for a fallback path);
	 *   record_started: init is set up and c->pid, c->start_time and
	 *                   c->cgroup_path are final: `create` before init is
	 *                   handed over (parked on the exec fifo), a detached
	 *                   `run` before the hand-over and execve, a foreground
	 *                   `run` while init execs.  Nothing outlives sbxrun
	 *                   before this returned 0.
	 */
	int (*record_cgroup)(void *arg, const char *path, struct sbx_err *err);
	int (*record_started)(void *arg, const struct sbx_container *c, struct sbx_err *err);
	void *record_arg;
	/* The caller put mappings from the user namespace pool into the
	 * config (include/sbx/idpool.h): the rootfs and every bind mount are
	 * id-mapped with them where the filesystem supports it. */
	bool userns_auto;
	/* Container state JSON for hooks, built by the caller's state store
	 * (the launcher passes the pid and status).  Required when config.json
	 * has prestart/createRuntime/createContainer/startContainer hooks. */
	char *(*state_json)(void *arg, pid_t pid, const char *status);
	void *state_arg;
};

struct sbx_container {
	pid_t pid;                      /* init, as seen from the caller's pid ns */
	unsigned long long start_time;  /* /proc/<pid>/stat field 22, to detect pid reuse */
	char *cgroup_path;              /* malloc'ed, NULL when running without a cgroup */
	int pty_master;                 /* terminal without console socket: the master; else -1 */
	int seccomp_listener;           /* NOTIFY without listenerPath: the fd; else -1 */
};

/*
 * Start the container up to `created` (exec_fifo set) or `running`.
 * Runs prestart/createRuntime hooks (parent side, once init's mounts exist)
 * and createContainer (before pivot_root) and startContainer hooks (init
 * side).  poststart is the caller's job.
 * Returns 0, or -1 with err (its kind tells a missing or non-executable
 * process.args[0] from a setup failure).  On error nothing is left
 * running and *out is untouched.
 */
int sbx_container_spawn(const struct sbx_config *cfg, const struct sbx_launch_opts *opts,
			struct sbx_container *out, struct sbx_err *err);

/* Release what sbx_container_spawn() returned (not the process). */
void sbx_container_release(struct sbx_container *c);

/* Exit code convention for a wait status: exit status, or 128+signal. */
int sbx_container_exit_code(int wstatus);


#endif
