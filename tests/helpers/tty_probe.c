/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tty_probe: what a container process can do with the caller's terminal
 * (run with stdin on a tty, e.g. under script(1)).  Prints
 *   "stdin_tty: 0|1"
 *   "devtty: ok|errno=N (NAME)"      open("/dev/tty")
 *   "tiocsti: ok|errno=N (NAME)"     push a space (harmless, unlike a
 *                                    newline) into stdin's input queue
 *   "sid_is_self: 0|1" "pgrp_is_self: 0|1"
 * Exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void report(const char *what, int r)
{
	if (r >= 0)
		printf("%s: ok\n", what);
	else
		printf("%s: errno=%d (%s)\n", what, errno,
		       errno == ENXIO ? "ENXIO" : errno == EPERM ? "EPERM" : errno == EIO ? "EIO"
			: errno == ENOTTY ? "ENOTTY" : "other");
}

int main(void)
{
	char c = ' ';
	int fd;

	printf("stdin_tty: %d\n", isatty(0));
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	report("devtty", fd);
	if (fd >= 0)
		close(fd);
	report("tiocsti", ioctl(0, TIOCSTI, &c));
	printf("sid_is_self: %d\n", getsid(0) == getpid());
	printf("pgrp_is_self: %d\n", getpgrp() == getpid());
	return 0;
}
