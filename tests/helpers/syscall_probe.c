/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * syscall_probe NAME...: run inside a container to see what its seccomp
 * filter / LSMs / capabilities allow.  Each probe makes one syscall with
 * harmless arguments (nothing is mounted, loaded or traced even if allowed)
 * and prints "NAME: ok" or "NAME: errno=N (ENAME)".  Always exits 0; a
 * probe killed by seccomp kills the program, which the caller sees.
 *
 * Static, no libraries beyond libc: it is copied into busybox rootfses.
 * `syscall_probe` with no arguments lists the probes.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER 0x10000000
#endif

static long p_getpid(void) { return syscall(SYS_getpid); }

static long p_mkdir(void)
{
	/* A fresh name under /tmp, removed again. */
	char path[64];
	long r;

	snprintf(path, sizeof(path), "/tmp/.syscall_probe.%ld", (long)getpid());
	r = syscall(SYS_mkdir, path, 0700);
	if (r == 0)
		rmdir(path);
	return r;
}

/* CLONE_NEWUSER alone creates a namespace only for this process, which
 * exits right after: harmless. */
static long p_unshare(void) { return syscall(SYS_unshare, CLONE_NEWUSER); }
/* A tmpfs mount attempt on a path that must not exist: even if the filter
 * and LSMs allow it, the kernel fails with ENOENT, nothing is mounted. */
static long p_mount(void) { return syscall(SYS_mount, "none", "/nonexistent-probe", "tmpfs", 0UL, NULL); }
static long p_umount(void) { return syscall(SYS_umount2, "/nonexistent-probe", 0); }
static long p_pivot_root(void) { return syscall(SYS_pivot_root, "/nonexistent-a", "/nonexistent-b"); }
/* KEYCTL_GET_KEYRING_ID (0) of the thread keyring, do not create (0). */
static long p_keyctl(void) { return syscall(SYS_keyctl, 0, -1, 0); }
static long p_add_key(void) { return syscall(SYS_add_key, "user", "probe", "x", 1, -3 /* session */); }
/* PTRACE_PEEKDATA of pid 1 at address 0: never modifies anything. */
static long p_ptrace(void) { return syscall(SYS_ptrace, 2 /* PEEKDATA */, 1, 0, 0); }
/* clone3 with a NULL args pointer: EFAULT if the syscall is reachable. */
static long p_clone3(void) { return syscall(SYS_clone3, NULL, 0); }
/* BPF_PROG_LOAD with a NULL attr: EFAULT/EINVAL if reachable. */
static long p_bpf(void) { return syscall(SYS_bpf, 5, NULL, 0); }
static long p_perf_event_open(void) { return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0); }
static long p_personality(void) { return syscall(SYS_personality, 0xffffffffUL); }
static long p_personality_bad(void) { return syscall(SYS_personality, 0x0400000UL /* READ_IMPLIES_EXEC */); }
static long p_userfaultfd(void) { long r = syscall(SYS_userfaultfd, 0); if (r >= 0) close((int)r); return r < 0 ? r : 0; }
static long p_kexec_load(void) { return syscall(SYS_kexec_load, 0, 0, NULL, 0); }
static long p_init_module(void) { return syscall(SYS_init_module, NULL, 0, ""); }
static long p_open_by_handle_at(void) { return syscall(SYS_open_by_handle_at, -1, NULL, 0); }
static long p_process_vm_readv(void) { return syscall(SYS_process_vm_readv, 1, NULL, 0, NULL, 0, 0); }
static long p_kcmp(void) { return syscall(SYS_kcmp, 1, 1, 0, 0, 0); }
static long p_setns(void) { return syscall(SYS_setns, -1, 0); }
/* Newer calls libcs probe and fall back from on ENOSYS.  Harmless args. */
static long p_faccessat2(void) { return syscall(439 /* SYS_faccessat2 */, AT_FDCWD, "/", F_OK, 0); }
static long p_close_range(void) { return syscall(436 /* SYS_close_range */, 100000U, 100000U, 0); }
static long p_reboot(void) { return syscall(SYS_reboot, 0, 0, 0, NULL); } /* bad magic: EINVAL if reachable */

static long sock(int domain, int type)
{
	long r = syscall(SYS_socket, domain, type | SOCK_CLOEXEC, 0);
	if (r >= 0) {
		close((int)r);
		return 0;
	}
	return r;
}
static long p_socket_alg(void) { return sock(38 /* AF_ALG */, SOCK_SEQPACKET); }
static long p_socket_unix(void) { return sock(AF_UNIX, SOCK_STREAM); }
static long p_socket_inet(void) { return sock(AF_INET, SOCK_DGRAM); }

/* fork through clone without namespace flags: the basic case must work. */
static long p_fork(void)
{
	int st;
	pid_t c = fork();
	if (c < 0)
		return -1;
	if (c == 0)
		_exit(0);
	waitpid(c, &st, 0);
	return 0;
}

static long p_clone_newuser(void)
{
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0);
	if (r == 0)
		_exit(0);
	if (r > 0) {
		int st;
		waitpid((pid_t)r, &st, 0);
		return 0;
	}
	return r;
}

static long p_sysrq(void)
{
	/* Open for writing only; nothing is written. */
	int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static const struct {
	const char *name;
	long (*fn)(void);
} probes[] = {
	{ "getpid", p_getpid },
	{ "mkdir", p_mkdir },
	{ "fork", p_fork },
	{ "unshare", p_unshare },
	{ "setns", p_setns },
	{ "clone-newuser", p_clone_newuser },
	{ "clone3", p_clone3 },
	{ "faccessat2", p_faccessat2 },
	{ "close_range", p_close_range },
	{ "mount", p_mount },
	{ "umount2", p_umount },
	{ "pivot_root", p_pivot_root },
	{ "keyctl", p_keyctl },
	{ "add_key", p_add_key },
	{ "ptrace", p_ptrace },
	{ "bpf", p_bpf },
	{ "perf_event_open", p_perf_event_open },
	{ "personality", p_personality },
	{ "personality-bad", p_personality_bad },
	{ "userfaultfd", p_userfaultfd },
	{ "kexec_load", p_kexec_load },
	{ "init_module", p_init_module },
	{ "open_by_handle_at", p_open_by_handle_at },
	{ "process_vm_readv", p_process_vm_readv },
	{ "kcmp", p_kcmp },
	{ "reboot", p_reboot },
	{ "socket-alg", p_socket_alg },
	{ "socket-unix", p_socket_unix },
	{ "socket-inet", p_socket_inet },
	{ "sysrq-trigger", p_sysrq },
};

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EROFS: return "EROFS";
	case ENOTDIR: return "ENOTDIR";
	case E2BIG: return "E2BIG";
	case ENOKEY: return "ENOKEY";
	default: return "?";
	}
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			printf("%s\n", probes[i].name);
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		size_t i;
		for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			if (!strcmp(argv[a], probes[i].name))
				break;
		if (i == sizeof(probes) / sizeof(probes[0])) {
			printf("%s: unknown probe\n", argv[a]);
			continue;
		}
		errno = 0;
		if (probes[i].fn() < 0) {
			int e = errno;
			printf("%s: errno=%d (%s)\n", argv[a], e, errname(e));
		} else {
			printf("%s: ok\n", argv[a]);
		}
	}
	return 0;
}
