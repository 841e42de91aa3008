/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * console_recv SOCKET [INPUT]: the receiving end of --console-socket, like
 * conmon.  Listens on the unix socket SOCKET, accepts one connection,
 * receives the pty master over SCM_RIGHTS, prints "payload: <text>" and
 * whether the fd is a terminal, writes INPUT (default "echo hi; exit\n")
 * into the master and copies everything the container writes back to
 * stdout until the pty hangs up (or 20 s pass).  Exit 0 if a pty master
 * was received.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *input = argc > 2 ? argv[2] : "echo hi; exit\n";
	char payload[256] = { 0 }, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { payload, sizeof(payload) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int ls, conn, master = -1;
	time_t deadline;

	if (argc < 2) {
		fprintf(stderr, "usage: console_recv SOCKET [INPUT]\n");
		return 2;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 1) < 0) {
		perror("console_recv: listen");
		return 1;
	}
	conn = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0) {
		perror("console_recv: accept");
		return 1;
	}
	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0) {
		perror("console_recv: recvmsg");
		return 1;
	}
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&master, CMSG_DATA(c), sizeof(int));
	if (master < 0) {
		fprintf(stderr, "console_recv: no fd received\n");
		return 1;
	}
	printf("payload: %s\n", payload);
	printf("isatty: %d\n", isatty(master));
	fflush(stdout);
	if (write(master, input, strlen(input)) < 0) {
		perror("console_recv: write");
		return 1;
	}
	deadline = time(NULL) + 20;
	while (time(NULL) < deadline) {
		struct pollfd p = { master, POLLIN, 0 };
		char buf[4096];
		ssize_t n;
		if (poll(&p, 1, 1000) <= 0)
			continue;
		n = read(master, buf, sizeof(buf));
		if (n <= 0)
			break; /* EIO: the container side closed */
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
	}
	return 0;
}
