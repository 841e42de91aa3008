/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * process.terminal: a pseudo-terminal allocated inside the container's own
 * devpts instance (so the container cannot reach the host's ptys).
 */
#ifndef SBX_TERMINAL_H
#define SBX_TERMINAL_H

#include <stdbool.h>
#include <sys/types.h>
#include "sbx/config.h"

/* Inside the container (its /dev/ptmx and /dev/pts exist), as a session
 * leader, before the uid switch: open a pty pair, chown the slave to the
 * uid (the group stays devpts' gid=), clear ONLCR, set the window size,
 * make the slave the controlling terminal (TIOCSCTTY) and
 * stdin/stdout/stderr.  *master receives the master fd,
 * which the caller sends to the parent and then closes. */
int sbx_terminal_setup_child(const struct sbx_process *proc, int *master, struct sbx_err *err);

/* Parent: send the master fd over the AF_UNIX socket at `path`
 * (--console-socket), SCM_RIGHTS, as runc/conmon expect. */
int sbx_terminal_send_console(const char *path, int master, struct sbx_err *err);

/* Parent, `run` without a console socket: put the caller's terminal in raw
 * mode, copy stdin -> master and master -> stdout, forward window-size
 * changes (SIGWINCH), until the master hangs up.  Restores the terminal. */
int sbx_terminal_proxy(int master, struct sbx_err *err);

#endif
