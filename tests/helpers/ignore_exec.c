/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ignore_exec CMD [ARGS...]: set SIG_IGN for signals 32 and 33 (which
 * glibc's sigaction() refuses to touch, but which a parent process can
 * leave ignored) through the raw syscall, then exec CMD.  Used to check
 * that sbxrun gives the container default dispositions for every signal.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} ksa = { .handler = (void *)1 /* SIG_IGN */ };

	if (argc < 2) {
		fprintf(stderr, "usage: ignore_exec CMD [ARGS...]\n");
		return 2;
	}
	for (int sig = 32; sig <= 33; sig++)
		if (syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask)) < 0) {
			perror("rt_sigaction");
			return 2;
		}
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
