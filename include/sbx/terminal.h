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

/* process.terminal, compiled before the fork: whether there is one, who
 * owns its slave, and its initial size (consoleSize), already in the
 * kernel's 16-bit fields. */
struct sbx_terminal_plan {
	bool present;
	uid_t owner;             /* process.user.uid */
	bool has_size;           /* consoleSize given; else the caller's tty's size */
	unsigned short rows, cols;
};

/* Pure.  A consoleSize over 65535 rows or columns is a config error (the
 * kernel's winsize would silently keep only the low 16 bits). */
int sbx_terminal_compile(const struct sbx_process *proc, struct sbx_terminal_plan *out,
			 struct sbx_err *err);

/* Inside the container (its /dev/ptmx and /dev/pts exist), as a session
 * leader, before the uid switch: open a pty pair, chown the slave to the
 * owner (the group stays devpts' gid=), clear ONLCR, set the window size,
 * make the slave the controlling terminal (TIOCSCTTY) and
 * stdin/stdout/stderr.  *master receives the master fd,
 * which the caller sends to the parent and then closes. */
int sbx_terminal_setup_child(const struct sbx_terminal_plan *plan, int *master,
			     struct sbx_err *err);

/* Parent: send the master fd over the AF_UNIX socket at `path`
 * (--console-socket), SCM_RIGHTS, as runc/conmon expect. */
int sbx_terminal_send_console(const char *path, int master, struct sbx_err *err);

/* Parent, `run` without a console socket: put the caller's terminal in raw
 * mode, copy stdin -> master and master -> stdout, forward window-size
 * changes (SIGWINCH), until the master hangs up.  Restores the terminal. */
int sbx_terminal_proxy(int master, struct sbx_err *err);

#endif
