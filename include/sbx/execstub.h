/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exec stub (src/stub/exec_stub.c): a tiny freestanding program,
 * embedded in sbxrun, that every container process is started through, so
 * that the host's sbxrun binary is never what /proc/self/exe points to when
 * a path chosen by the container is executed.  docs/security.md, class 2.
 */
#ifndef SBX_EXECSTUB_H
#define SBX_EXECSTUB_H

#include "sbx/error.h"

/* argv[0] the stub requires: run any other way it refuses to do anything. */
#define SBX_EXECSTUB_MAGIC "sbxrun-exec-stub"
/* argv[0] of the stub as the run.sbx.init pid 1: {MAGIC, "<workload pid>"}
 * with every signal blocked (src/stub/exec_stub.c, init_loop). */
#define SBX_EXECSTUB_INIT_MAGIC "sbxrun-init-stub"

/* A sealed memfd (O_CLOEXEC; no write, grow, shrink or further seals)
 * holding the stub.  Parent side, before the fork.  -1 + err. */
int sbx_execstub_open(struct sbx_err *err);

/* Execute the stub with stub_argv = {MAGIC, path, argv0, argv1, ..., NULL}:
 * execveat(fd, "", AT_EMPTY_PATH), or execve("/proc/self/fd/N") where that
 * fails (a seccomp profile without execveat, an emulator).  No allocation and
 * no other syscall (it runs after the container's seccomp filter).
 * Returns -1 with errno on failure. */
int sbx_execstub_exec(int fd, char *const stub_argv[], char *const envp[]);

#endif
