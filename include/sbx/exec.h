/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `exec`: start another process in a created or running container.
 *
 * Process tree:  sbxrun --fork--> joiner --clone(CLONE_PARENT)--> process
 *
 * The joiner runs the process steps' first phase (process.h, steps 1-4:
 * close every runtime fd, AppArmor label, oom score, non-dumpable) while it
 * is still outside, then moves itself into the container's cgroup and
 * joins all of init's namespaces with ONE setns(pidfd, flags): the kernel
 * joins the user namespace first and the rest with the privileges gained
 * there, atomically, and the pidfd pins the very process whose start time
 * we checked (no /proc/<pid>/ns race with a recycled pid).  A pid namespace
 * only applies to children, so the joiner clones the process (as a child
 * of sbxrun, CLONE_PARENT, so that sbxrun can wait for it) and exits.  The
 * process, non-dumpable from birth, runs the same steps as the container's
 * init (process.h, 5-22).  Failures travel back as `struct sbx_err` over a
 * SEQPACKET socket; EOF on it (close-on-exec) means the exec happened.
 */
#ifndef SBX_EXEC_H
#define SBX_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx/config.h"
#include "sbx/state.h"

/* The command-line overrides (runc's `exec` flags). */
struct sbx_exec_opts {
	const char *process_file;        /* --process: replaces the process */
	char **args;                     /* the command (without --process) */
	size_t n_args;
	const char *cwd, *apparmor;
	bool tty, no_new_privs, detach, ignore_paused;
	bool has_user, has_gid;
	uint32_t uid, gid;
	char **env;                      /* KEY=VALUE, replacing or appended */
	size_t n_env;
	char **caps;                     /* --cap: bounding, effective, permitted */
	size_t n_caps;
	uint32_t *additional_gids;       /* --additional-gids: appended */
	size_t n_additional_gids;
	unsigned preserve_fds;
	const char *console_socket;
	const char *cache_dir;           /* seccomp program cache, or NULL */
	int state_dirfd;                 /* the container's state dir (exec.sock), or -1 */
};

/* The started process. */
struct sbx_exec_proc {
	pid_t pid;
	int pty_master;  /* terminal without console socket: the master, else -1 */
};

/* May the container of `st` take another process?  created and running
 * may; paused only with ignore_paused (runc's rule); stopped never. */
int sbx_exec_check_status(const struct sbx_state *st, bool ignore_paused, struct sbx_err *err);

/* The process to run: the --process file, or the container's own process
 * (cfg->process, from the saved config) with the overrides applied. */
int sbx_exec_build_process(struct sbx_config *cfg, const struct sbx_exec_opts *o,
			   struct sbx_err *err);

/* Start it in the container of `st`.  The caller blocks the signals it
 * will forward before calling.  Returns 0, or -1 with err (its kind tells
 * a missing or non-executable command from a setup failure). */
int sbx_exec_start(const struct sbx_config *cfg, const struct sbx_state *st,
		   const struct sbx_exec_opts *o, struct sbx_exec_proc *out, struct sbx_err *err);

#endif
