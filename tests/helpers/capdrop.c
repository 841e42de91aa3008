/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * capdrop CAPNUM CMD [ARGS...]: drop capability CAPNUM from this process's
 * bounding, effective, permitted and inheritable sets, then exec CMD.
 * Used by the `sbxrun check --id` tests to make the kernel's view of a
 * container differ from its config for real (the workload gave up a
 * capability the config grants).
 */
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	int cap;

	if (argc < 3) {
		fprintf(stderr, "usage: capdrop CAPNUM CMD [ARGS...]\n");
		return 2;
	}
	cap = atoi(argv[1]);
	if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
		perror("capdrop: PR_CAPBSET_DROP");
		return 1;
	}
	if (syscall(SYS_capget, &h, d) < 0) {
		perror("capdrop: capget");
		return 1;
	}
	d[cap / 32].effective &= ~(1u << (cap % 32));
	d[cap / 32].permitted &= ~(1u << (cap % 32));
	d[cap / 32].inheritable &= ~(1u << (cap % 32));
	if (syscall(SYS_capset, &h, d) < 0) {
		perror("capdrop: capset");
		return 1;
	}
	execvp(argv[2], argv + 2);
	perror("capdrop: exec");
	return 127;
}
