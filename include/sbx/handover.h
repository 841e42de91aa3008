/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `created` state (create -> start).
 *
 * init waits for `sbxrun start` on the exec fifo (<state>/exec.fifo, a
 * byte written into it releases init; the fifo closing at init's execve
 * tells `start` that the process runs).  Meanwhile it answers `sbxrun exec`
 * on a unix socket next to the fifo (<state>/exec.sock): a created init is
 * non-dumpable (docs/security.md, class 6), so a caller without
 * CAP_SYS_PTRACE in the initial user namespace (any rootless one) cannot
 * reach its namespaces through /proc/PID/ns or a pidfd; init hands them
 * over itself.  The socket lives in the caller's private state directory;
 * whoever can connect could already join the container.
 */
#ifndef SBX_HANDOVER_H
#define SBX_HANDOVER_H

#include <stddef.h>
#include "sbx/error.h"

#define SBX_EXEC_SOCK "exec.sock"
#define SBX_HANDOVER_NS_MAX 9    /* 8 namespace types + init's root */
#define SBX_HANDOVER_ROOT 0      /* `type` of the entry that is init's root directory */

/* The namespaces of a process, as fds of /proc/.../ns/<type>; and, when
 * init's root is not its mount namespace's root (a mount namespace that is
 * not the container's own: init is chrooted), that root (O_PATH), of type
 * SBX_HANDOVER_ROOT: joining the mount namespace alone would leave `exec`
 * at the namespace's root, outside the container. */
struct sbx_handover_ns {
	size_t n;
	int fd[SBX_HANDOVER_NS_MAX];
	int type[SBX_HANDOVER_NS_MAX];   /* CLONE_NEW*, or SBX_HANDOVER_ROOT */
};

/* Parent (create): listen on exec.sock in the directory of fifo_path.
 * Returns the listening fd (O_CLOEXEC) or -1 + err. */
int sbx_handover_listen(const char *fifo_path, struct sbx_err *err);

/* init, while the host's /proc is still its /proc: its own namespaces. */
int sbx_handover_open_ns(struct sbx_handover_ns *ns, struct sbx_err *err);
/* init, once in its root (chroot): add "/" as the SBX_HANDOVER_ROOT entry. */
int sbx_handover_add_root(struct sbx_handover_ns *ns, struct sbx_err *err);
void sbx_handover_close_ns(struct sbx_handover_ns *ns);

/* init: wait until `sbxrun start` writes into the fifo, answering every
 * connection on lsock (-1: none) with the namespace fds meanwhile. */
int sbx_handover_wait(int fifo, int lsock, const struct sbx_handover_ns *ns,
		      struct sbx_err *err);

/* `exec` into a created container: connect to exec.sock in the state
 * directory dirfd and receive init's namespaces. */
int sbx_handover_fetch_ns(int dirfd, struct sbx_handover_ns *ns, struct sbx_err *err);

#endif
