/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signal forwarding for commands that wait for a container process in the
 * foreground (`run`, `exec`): the signals an engine or a user sends to
 * sbxrun go to the container process instead, and sbxrun exits with the
 * process's status.
 */
#include "cli.h"
#include "sbx/util.h"

#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

/* Everything a user or an engine may send to stop, reload or notify a
 * workload. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
				 SIGWINCH, SIGCONT, SIGALRM, SIGURG, SIGPWR };

void sbx_cli_forward_mask(sigset_t *mask)
{
	sigemptyset(mask);
	for (size_t i = 0; i < SBX_ARRAY_SIZE(forwarded); i++)
		sigaddset(mask, forwarded[i]);
	sigaddset(mask, SIGCHLD);
}

int sbx_cli_wait_forwarding(pid_t pid, int sfd)
{
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sfd, &si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si)) {
			int st = 0;
			/* Should not happen; fall back to a plain wait. */
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			return st;
		}
		if (si.ssi_signo == SIGCHLD) {
			int st;
			pid_t w;
			/* Reap everything: the process, and any stray child. */
			while ((w = waitpid(-1, &st, WNOHANG)) > 0)
				if (w == pid)
					return st;
			continue;
		}
		kill(pid, (int)si.ssi_signo);
	}
}
