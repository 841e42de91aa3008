/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's process: ONE ordered list of steps, shared by init
 * (`run`/`create`, container.c) and by every process that joins later
 * (`exec`, exec.c) and every startContainer hook.  A fix to any step
 * applies to all of them.  The order, and why:
 *
 *   sbx_process_enter()   in the runtime's child, with the caller's
 *                         credentials, before it enters the container or
 *                         resolves any path from the config:
 *     1. close every fd but stdio, --preserve-fds and the few the hand-over
 *        needs (sync socket, exec stub): no state dir, lock, log or
 *        caller's fd is reachable through /proc/self/fd from here on;
 *     2. AppArmor exec label (applies at execve, inherited by clone);
 *     3. oomScoreAdj (inherited by clone; /proc/self/oom_score_adj is no
 *        longer writable once the process is non-dumpable);
 *     4. non-dumpable: no container process can ptrace us or open our
 *        /proc/PID/{exe,fd,cwd,root,mem} (see docs/security.md, class 2/6).
 *
 *   sbx_process_setup()   inside every namespace, after the root is set up:
 *     5. own session (setsid); with process.terminal a pty from the
 *        container's devpts becomes its controlling terminal;
 *     6. rlimits;
 *     7. HOME from the container's /etc/passwd when process.env lacks it;
 *     8. cwd: chdir as the runtime, resolved in the root, verified;
 *     9. bounding set; 10. setgroups/setresgid/setresuid (keep caps);
 *    11. cwd again as the user if the runtime was refused (runc's rule);
 *    12. PR_SET_PDEATHSIG again (the uid switch clears it);
 *    13. the executable lookup in the container's PATH, as the user;
 *    14. every fd >= 3 + --preserve-fds close-on-exec;
 *    15. no_new_privs; 16. Landlock;
 *    17. with no_new_privs the final capability sets now (nothing after
 *        this needs privilege), else effective = permitted (loading
 *        seccomp without no_new_privs needs CAP_SYS_ADMIN);
 *    18. with SCMP_ACT_NOTIFY only: seccomp now, the listener fd to the
 *        parent (it must reach the agent before `create` returns).
 *
 *   (init only: `created`/`running` hand-over, startContainer hooks)
 *
 *   sbx_process_exec()    the end of every path:
 *    19. every signal to SIG_DFL, nothing blocked;
 *    20. seccomp (unless 18); 21. without no_new_privs the final
 *        capability sets (after the filter: they drop CAP_SYS_ADMIN);
 *    22. execveat() of the sealed exec stub (execstub.h), which execve's
 *        the program.  After the filter only capset/prctl(ambient) (21)
 *        and execveat/execve run: the syscalls runc needs too.
 */
#ifndef SBX_PROCESS_H
#define SBX_PROCESS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>
#include "sbx/apparmor.h"
#include "sbx/caps.h"
#include "sbx/config.h"
#include "sbx/landlock.h"
#include "sbx/seccomp.h"
#include "sbx/terminal.h"

/* One setrlimit(2) of step 6: the resource number resolved, the limits as
 * the kernel takes them; `type` ("RLIMIT_NOFILE") names it in errors. */
struct sbx_rlimit_step {
	int resource;
	struct rlimit lim;
	const char *type;
};

/* The process attributes (steps 3, 6, 10), compiled and validated before
 * the fork: the child only makes the system calls, with these arguments. */
struct sbx_process_attrs {
	struct sbx_rlimit_step rlimits[RLIM_NLIMITS]; /* the parser refuses duplicates */
	size_t n_rlimits;
	bool has_oom_score_adj;
	int oom_score_adj;          /* -1000..1000 */
	char oom_text[8];           /* what step 3 writes to /proc/self/oom_score_adj */
	uid_t uid;
	gid_t gid;
	const gid_t *groups;        /* process.user.additionalGids (the config's memory) */
	size_t n_groups;            /* <= NGROUPS_MAX */
	bool has_umask;
	mode_t umask;
};

/* Everything the steps need, compiled by the parent before the fork. */
struct sbx_process_plan {
	const struct sbx_process *proc;
	struct sbx_process_attrs attrs;
	struct sbx_terminal_plan terminal;
	struct sbx_caps_plan caps;
	struct sbx_seccomp_plan seccomp;
	struct sbx_apparmor_plan apparmor;
	struct sbx_landlock_plan landlock;
	unsigned preserve_fds;
	int pdeathsig;     /* re-armed after the uid switch; 0: none */
	int stub_fd;       /* sealed exec stub (sbx_execstub_open), or -1 */
};

/* What the steps learn on the way (child side). */
struct sbx_process_state {
	bool setgroups_allowed;  /* /proc/<pid>/setgroups is not "deny" */
	bool cwd_pending;        /* the runtime could not enter cwd: retry as the user */
	bool seccomp_loaded;
	bool caps_final;
	char exe[PATH_MAX];      /* the resolved process.args[0] */
	char **envp;             /* process.env (+ HOME), malloc'ed */
	char **stub_argv;        /* the exec stub's argv for exe, malloc'ed */
};

/* Parent: compile the plans for cfg->process (attributes, terminal,
 * capabilities, seccomp, AppArmor, Landlock).  cache_dir: the seccomp
 * program cache or NULL. */
int sbx_process_compile(const struct sbx_config *cfg, const char *cache_dir,
			struct sbx_process_plan *out, struct sbx_err *err);
void sbx_process_plan_free(struct sbx_process_plan *plan);
/* The attributes part of it (pure, unit-tested): refuses what the kernel
 * would misread rather than reject, e.g. uid or gid 4294967295, which
 * setresuid(2)/setresgid(2) take as "leave unchanged" (the process would
 * keep the runtime's ids), and what it would reject only inside the
 * container (more than NGROUPS_MAX additionalGids).  Kind SBX_ERR_CONFIG. */
int sbx_process_attrs_compile(const struct sbx_process *p, struct sbx_process_attrs *out,
			      struct sbx_err *err);

/* st->setgroups_allowed from /proc/self/setgroups: whether setgroups(2)
 * is allowed is a property of the user namespace the process is in (its
 * own, or one joined by path, maybe made by `unshare -r`). */
void sbx_process_probe_setgroups(struct sbx_process_state *st);

/* Steps 1-4.  keep: fds (besides stdio and --preserve-fds) to keep open,
 * at most 15; plan->stub_fd is always kept. */
int sbx_process_enter(const struct sbx_process_plan *plan, const int *keep, size_t n_keep,
		      struct sbx_err *err);
/* Steps 5-18.  sock: the sync socket (pty master, seccomp listener). */
int sbx_process_setup(const struct sbx_process_plan *plan, struct sbx_process_state *st,
		      int sock, struct sbx_err *err);
/* Steps 19-22 for the program st->stub_argv (the process) or, for a hook,
 * stub_argv/envp built by sbx_process_stub_argv().  Returns only on
 * failure (err set; exec errors say `exec "<path>"`). */
int sbx_process_exec(const struct sbx_process_plan *plan, struct sbx_process_state *st,
		     char *const stub_argv[], char *const envp[], struct sbx_err *err);
/* Steps 20-21 alone: for the run.sbx.init pid 1, before it execs the exec
 * stub's init mode (container.c, reaper_main). */
int sbx_process_seal(const struct sbx_process_plan *plan, struct sbx_process_state *st,
		     struct sbx_err *err);
/* The exec stub's argv for running `path` with `argv` (malloc'ed, one block). */
char **sbx_process_stub_argv(const char *path, char *const argv[]);

/* init only, after pivot_root and before the root is made read-only: a
 * missing process.cwd is created (mode 0755, resolved in the root), as
 * runc and crun do. */
int sbx_process_make_cwd(const struct sbx_process *p, struct sbx_err *err);

/* ---- the primitives (process.c) ---- */

/* setrlimit for every compiled entry ("setrlimit RLIMIT_NOFILE 1024/1024: ..."). */
int sbx_process_apply_rlimits(const struct sbx_process_attrs *a, struct sbx_err *err);
/* Write /proc/self/oom_score_adj if configured. */
int sbx_process_apply_oom_score_adj(const struct sbx_process_attrs *a, struct sbx_err *err);
/* setgroups (unless denied and there is nothing to set) + setresgid +
 * setresuid, keeping capabilities across the switch (PR_SET_KEEPCAPS) so
 * caps.c can then set exactly the configured sets. */
int sbx_process_switch_user(const struct sbx_process_attrs *a, bool setgroups_allowed,
			    struct sbx_err *err);
/* Resolve process.args[0] against PATH from process.env (not sbxrun's own
 * environment: the container's PATH is what counts).  err->errnum is ENOENT
 * (kind SBX_ERR_EXEC_NOT_FOUND) or EACCES (SBX_ERR_EXEC_DENIED) on failure. */
int sbx_process_find_executable(const struct sbx_process *p, char *out, size_t len,
				struct sbx_err *err);
/* Mark every fd >= 3 + preserve_fds close-on-exec and clear close-on-exec on
 * 3 .. 3+preserve_fds-1, so nothing but stdio and the preserved fds reaches
 * the container. */
int sbx_process_prepare_fds(unsigned preserve_fds, struct sbx_err *err);
/* The largest --preserve-fds N accepted: every fd the launcher opens is
 * moved above 3+N, and RLIMIT_NOFILE's usual soft limit is 1024..4096. */
#define SBX_PRESERVE_FDS_MAX 4096

/* --preserve-fds N: fds 3 .. 3+N-1 must be open and none of them sbxrun's
 * own (the log).  Checked by the CLI before it opens anything, so that a
 * gap cannot hand one of sbxrun's fds to the container. */
int sbx_process_check_preserve_fds(unsigned preserve_fds, struct sbx_err *err);
/* chdir to p->cwd resolved in the process's root (no magic links), then
 * verify with getcwd(2) that the result is reachable from the root. */
int sbx_process_chdir(const struct sbx_process *p, struct sbx_err *err);
/* process.env plus HOME=<home of p->user.uid in the container's
 * /etc/passwd, else "/"> if process.env has no HOME.  malloc'ed. */
char **sbx_process_env(const struct sbx_process *p);

/* Every signal back to SIG_DFL (32 and 33 too) and nothing blocked: the
 * last step before execve. */
void sbx_process_reset_signals(void);

#endif
