/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exec stub, embedded (include/sbx/execstub.h).
 *
 * The Makefile builds src/stub/exec_stub.c freestanding for the host and
 * passes its path as SBX_EXEC_STUB; .incbin puts the bytes in .rodata.
 * Each launch copies them into a memfd and seals it: the copy is private to
 * the launch, immutable (F_SEAL_WRITE/GROW/SHRINK, then F_SEAL_SEAL), and
 * not reachable by path, so a container that opens /proc/PID/exe of the
 * starting process gets a file it can neither change nor use against the
 * host.  About 2 KiB: the copy costs microseconds, not the ~10 MB clone of
 * the whole runtime binary that runc 1.1 makes on every start.
 */
#include "sbx/execstub.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SBX_EXEC_STUB
#error "SBX_EXEC_STUB (path of the built exec stub) must be defined by the Makefile"
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

extern const unsigned char sbx_execstub_bin[];
extern const unsigned char sbx_execstub_bin_end[];

__asm__(".section .rodata\n"
	".global sbx_execstub_bin\n"
	".type sbx_execstub_bin, @object\n"
	".balign 16\n"
	"sbx_execstub_bin:\n"
	".incbin \"" SBX_EXEC_STUB "\"\n"
	".global sbx_execstub_bin_end\n"
	"sbx_execstub_bin_end:\n"
	".previous\n");

int sbx_execstub_open(struct sbx_err *err)
{
	const unsigned int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	size_t len = (size_t)(sbx_execstub_bin_end - sbx_execstub_bin);
	_sbx_cleanup_close_ int fd = -1;

	/* MFD_EXEC says "this memfd is meant to be executed" (6.3+: without
	 * it the kernel logs a warning, and vm.memfd_noexec may forbid it);
	 * older kernels do not know the flag. */
	fd = memfd_create("sbxrun-exec-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("sbxrun-exec-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return sbx_err_set(err, errno,
				   "create the exec stub memfd (an executable memfd is required; is vm.memfd_noexec 2?)");
	if (sbx_write_all(fd, sbx_execstub_bin, len) < 0)
		return sbx_err_set(err, errno, "write the exec stub memfd");
	/* F_SEAL_EXEC (6.3+): not even the mode bits may change. */
	if (fcntl(fd, F_ADD_SEALS, seals | F_SEAL_EXEC) < 0 &&
	    (errno != EINVAL || fcntl(fd, F_ADD_SEALS, seals) < 0))
		return sbx_err_set(err, errno, "seal the exec stub memfd");
	return sbx_steal_fd(&fd);
}

int sbx_execstub_exec(int fd, char *const stub_argv[], char *const envp[])
{
	char path[32];

	int e;

	syscall(SYS_execveat, fd, "", stub_argv, envp, AT_EMPTY_PATH);
	if (errno == E2BIG || errno == ENOMEM)
		return -1;
	/* A seccomp profile without execveat (ENOSYS: older than it; EPERM:
	 * denied by default), or an emulator without it (valgrind: ENOENT).
	 * The same sealed file through our own fd's magic link; only execve
	 * is needed then, as for runc. */
	e = errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	execve(path, stub_argv, envp);
	errno = e;
	return -1;
}
