/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's process: user/group switch, rlimits, oom_score_adj,
 * executable lookup, fd hygiene and execve.  Shared by `run`/`create` (init)
 * and `exec`.
 */
#ifndef SBX_PROCESS_H
#define SBX_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include "sbx/caps.h"
#include "sbx/config.h"
#include "sbx/landlock.h"
#include "sbx/seccomp.h"

/* setrlimit for every process.rlimits entry ("setrlimit RLIMIT_NOFILE 1024/1024: ..."). */
int sbx_process_apply_rlimits(const struct sbx_process *p, struct sbx_err *err);
/* Write /proc/self/oom_score_adj if configured. */
int sbx_process_apply_oom_score_adj(const struct sbx_process *p, struct sbx_err *err);
/* setgroups (unless denied and there is nothing to set) + setresgid +
 * setresuid, keeping capabilities across the switch (PR_SET_KEEPCAPS) so
 * caps.c can then set exactly the configured sets. */
int sbx_process_switch_user(const struct sbx_process *p, bool setgroups_allowed,
			    struct sbx_err *err);
/* Resolve process.args[0] against PATH from process.env (not sbxrun's own
 * environment: the container's PATH is what counts).  err->errnum is ENOENT
 * (-> exit 127) or EACCES (-> exit 126) on failure. */
int sbx_process_find_executable(const struct sbx_process *p, char *out, size_t len,
				struct sbx_err *err);
/* Mark every fd >= 3 + preserve_fds close-on-exec and clear close-on-exec on
 * 3 .. 3+preserve_fds-1, so nothing but stdio and the preserved fds reaches
 * the container. */
int sbx_process_prepare_fds(unsigned preserve_fds, struct sbx_err *err);
/*
 * The privilege drop, in the one order both init (`run`/`create`) and
 * `exec` use: seccomp first when no_new_privs is off (loading it then
 * needs CAP_SYS_ADMIN), bounding set, setgroups/setresgid/setresuid with
 * keep-caps, the configured capability sets, PR_SET_PDEATHSIG again when
 * `pdeathsig` is set (the uid switch clears it), no_new_privs, chdir(cwd)
 * as the final user, Landlock, the executable lookup (into exe), fd
 * hygiene, and seccomp last when no_new_privs is on.  *listener_fd gets a
 * NOTIFY listener fd or -1.
 */
struct sbx_confine {
	const struct sbx_caps_plan *caps;
	const struct sbx_seccomp_plan *seccomp;
	const struct sbx_landlock_plan *landlock;
	bool setgroups_allowed;
	unsigned preserve_fds;
	int pdeathsig;
};
int sbx_process_confine(const struct sbx_process *p, const struct sbx_confine *cf, char *exe,
			size_t len, int *listener_fd, struct sbx_err *err);

/* Every signal back to SIG_DFL (32 and 33 too) and nothing blocked: the
 * last step before execve. */
void sbx_process_reset_signals(void);

/* Exit code for a failed exec (ENOENT -> 127, EACCES/ENOEXEC/... -> 126). */
int sbx_process_exec_exit_code(int errnum);
/* Exit code sbxrun reports for a setup failure `e`: 127/126 when the
 * executable lookup or execve of process.args[0] failed (message
 * `exec "<path>": ...`),
 * else 125.  Shared by run/create (init) and exec. */
int sbx_process_error_exit_code(const struct sbx_err *e);

#endif
