/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * process.terminal (include/sbx/terminal.h).
 *
 * The pty pair is created by init from the container's own /dev/ptmx (its
 * private devpts instance), and the slave is opened with TIOCGPTPEER rather
 * than by path: a path lookup of /dev/pts/N inside a rootfs the container
 * controls could be redirected by a symlink, the peer ioctl cannot.
 */
#include "sbx/terminal.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int sbx_terminal_compile(const struct sbx_process *proc, struct sbx_terminal_plan *out,
			 struct sbx_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!proc->terminal)
		return 0;
	out->present = true;
	out->owner = proc->user.uid;
	if (!proc->console_size.present)
		return 0;
	if (proc->console_size.height > USHRT_MAX || proc->console_size.width > USHRT_MAX)
		return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
				    "config.json: process.consoleSize: %ux%u does not fit a terminal (at most %ux%u)",
				    proc->console_size.width, proc->console_size.height, USHRT_MAX,
				    USHRT_MAX);
	out->has_size = true;
	out->rows = (unsigned short)proc->console_size.height;
	out->cols = (unsigned short)proc->console_size.width;
	return 0;
}

int sbx_terminal_setup_child(const struct sbx_terminal_plan *plan, int *master,
			     struct sbx_err *err)
{
	_sbx_cleanup_close_ int m = -1, s = -1;
	struct termios tio;
	int unlock = 0;

	m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return sbx_err_set(err, errno, "terminal: open /dev/ptmx");
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
		return sbx_err_set(err, errno, "terminal: unlock pty");
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return sbx_err_set(err, errno, "terminal: open pty slave (TIOCGPTPEER)");
	/* The process owns its terminal, as login would arrange; the group
	 * stays the one devpts gave it (gid=5, "tty", in the default spec),
	 * as with runc and crun. */
	if (fchown(s, plan->owner, (gid_t)-1) < 0)
		return sbx_err_set(err, errno, "terminal: chown pty slave to uid %u",
				   (unsigned)plan->owner);
	/* No NL -> CR NL translation on output: the container's bytes reach
	 * the reader unchanged (runc and crun clear ONLCR too). */
	if (tcgetattr(s, &tio) < 0)
		return sbx_err_set(err, errno, "terminal: get attributes");
	tio.c_oflag &= ~(tcflag_t)ONLCR;
	if (tcsetattr(s, TCSANOW, &tio) < 0)
		return sbx_err_set(err, errno, "terminal: clear ONLCR");
	if (plan->has_size) {
		struct winsize ws = { .ws_row = plan->rows, .ws_col = plan->cols };
		if (ioctl(s, TIOCSWINSZ, &ws) < 0)
			return sbx_err_set(err, errno, "terminal: set window size %ux%u",
					   plan->cols, plan->rows);
	} else {
		/* No consoleSize: if we were started from a terminal (`run`
		 * in the foreground), start with its size, so the process does
		 * not see 0x0 before the proxy's first resize reaches it. */
		struct winsize ws;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
			(void)ioctl(s, TIOCSWINSZ, &ws);
	}
	/* The caller made us a session leader (process.h, step 5): the pty
	 * becomes the controlling terminal of that new session (job control,
	 * ^C to its foreground group). */
	if (ioctl(s, TIOCSCTTY, 0) < 0)
		return sbx_err_set(err, errno, "terminal: make pty the controlling terminal");
	for (int fd = 0; fd <= 2; fd++)
		if (dup2(s, fd) < 0)
			return sbx_err_set(err, errno, "terminal: dup pty slave to fd %d", fd);
	*master = sbx_steal_fd(&m);
	return 0;
}

int sbx_terminal_send_console(const char *path, int master, struct sbx_err *err)
{
	/* runc and crun send the master's name ("/dev/ptmx") as the payload;
	 * conmon/containerd only look at the fd but need a non-empty message. */
	static const char payload[] = "/dev/ptmx";
	/* --console-socket is a caller-given path: never follow a symlink
	 * planted as its final component (issue 8, class 7). */
	_sbx_cleanup_close_ int sock = sbx_unix_connect_nofollow(path, "console socket", err);

	if (sock < 0)
		return -1;
	if (sbx_send_fd(sock, payload, sizeof(payload) - 1, master) < 0)
		return sbx_err_set(err, errno, "console socket %s: send pty master", path);
	return 0;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(to, TIOCSWINSZ, &ws);
}

/* Copy what is readable on `from` to `to`.  Returns bytes copied, 0 on
 * EOF/hangup, -1 on error. */
static ssize_t pump(int from, int to)
{
	char buf[8192];
	ssize_t n;

	do
		n = read(from, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 1;
	if (n <= 0)
		return n < 0 && errno == EIO ? 0 : n; /* EIO: slave side closed */
	if (sbx_write_all(to, buf, (size_t)n) < 0)
		return -1;
	return n;
}

int sbx_terminal_proxy(int master, struct sbx_err *err)
{
	struct termios saved, raw;
	bool tty = isatty(STDIN_FILENO);
	bool stdin_open = true;
	_sbx_cleanup_close_ int sfd = -1;
	sigset_t mask, oldmask;
	int ret = 0;

	if (tty) {
		if (tcgetattr(STDIN_FILENO, &saved) < 0)
			return sbx_err_set(err, errno, "terminal: get attributes of stdin");
		raw = saved;
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) < 0)
			return sbx_err_set(err, errno, "terminal: set stdin to raw mode");
		copy_winsize(STDIN_FILENO, master);
	}
	/* SIGWINCH through a signalfd: no async handler, resized in the loop. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = master, .events = POLLIN },
			{ .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = sbx_err_set(err, errno, "terminal: poll");
			break;
		}
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			if (tty)
				copy_winsize(STDIN_FILENO, master);
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = pump(STDIN_FILENO, master);
			if (n <= 0) {
				/* stdin closed: pass the end of input on as the
				 * terminal's EOF character, then stop reading. */
				if (!tty)
					(void)!write(master, "\004", 1);
				stdin_open = false;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = pump(master, STDOUT_FILENO);
			if (n == 0)
				break; /* every slave fd closed: the process is gone */
			if (n < 0) {
				ret = sbx_err_set(err, errno, "terminal: copy output");
				break;
			}
		}
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return ret;
}
