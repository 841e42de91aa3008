/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tearing a container down so that nothing of it survives, also when its
 * record is incomplete (a create or run that was killed) or unreadable (a
 * corrupt, truncated or foreign state.json).  Used by `delete`.
 *
 * Where the kill handles come from, in order of trust:
 *   1. state.json: init's pid + start time, the cgroup;
 *   2. the anchor in the lock file (state.h): the same, written before the
 *      thing it names exists, so it also covers a create cut short;
 *   3. a parked init itself, found even when both records are lost: it
 *      answers on <dir>/exec.sock (the kernel stamps the answer with its
 *      pid, SO_PASSCRED), and it holds the exec fifo open until its execve
 *      (a scan of /proc/PID/fd, for when the socket does not answer; an
 *      unprivileged caller cannot see a non-dumpable init's fds).
 * A pid is only ever signalled through a pidfd opened BEFORE its start time
 * is compared with the recorded one, so a recycled pid is never hit.
 */
#ifndef SBX_TEARDOWN_H
#define SBX_TEARDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sbx/error.h"
#include "sbx/state.h"

struct sbx_teardown {
	pid_t *pids;                     /* further processes to kill (recovered) */
	unsigned long long *starts;      /* their start times (0: unknown) */
	size_t n;
	char note[2048];                 /* what was recovered from where; "" if nothing */
};

/*
 * Complete `st` for a teardown.  `unreadable` is the load error when
 * state.json could not be read (st then holds only the id), NULL otherwise.
 * A missing pid or cgroup is taken from the anchor; when state.json is
 * unreadable, missing, or records no process, the exec fifo's holders are
 * looked up too.  td->note says what came from where.
 */
void sbx_teardown_recover(const struct sbx_state_handle *h, struct sbx_state *st,
			  const struct sbx_err *unreadable, struct sbx_teardown *td);

/*
 * Kill every process of the container and remove its cgroup: cgroup.kill
 * (or freeze-and-kill) on the cgroup, SIGKILL through pidfds for init and
 * the recovered pids (init is pid 1 of its pid namespace: the kernel then
 * kills the whole namespace); wait until each has exited and cgroup.events
 * says unpopulated; remove the cgroup.  *killed counts the processes that
 * were alive.  0, or -1 + err when something is still there (the caller
 * must then keep the record, so that a retry can finish the job).
 */
int sbx_teardown_kill(const struct sbx_state *st, const struct sbx_teardown *td,
		      unsigned *killed, struct sbx_err *err);

void sbx_teardown_free(struct sbx_teardown *td);

#endif
