/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parent <-> child synchronisation over a SOCK_SEQPACKET socketpair.
 *
 * SEQPACKET keeps message boundaries and reports the peer's death as EOF,
 * so a child that dies mid-setup can never leave the parent waiting.  Both
 * ends are O_CLOEXEC: at the container's execve the child's end closes by
 * itself, which is how the parent learns that exec succeeded.
 *
 * Every message is one fixed-size struct (no allocation on either side);
 * an fd may ride along as SCM_RIGHTS; bulk text (the state JSON for hooks)
 * follows a SBX_SYNC_BLOB header as its own message.
 */
#ifndef SBX_SYNC_H
#define SBX_SYNC_H

#include <stdint.h>
#include <sys/types.h>
#include "sbx/error.h"
#include "sbx/log.h"

enum sbx_sync_type {
	SBX_SYNC_ERROR = 1,      /* child -> parent: err is set; child exits */
	SBX_SYNC_USERNS,         /* stage-1 -> parent: unshared, please map ids + place in cgroup */
	SBX_SYNC_USERNS_DONE,    /* parent -> stage-1 */
	SBX_SYNC_INIT_PID,       /* stage-1 -> parent: value = init's pid */
	SBX_SYNC_GO,             /* parent -> init: create-runtime hooks done, go on */
	SBX_SYNC_BLOB,           /* either way: value = length of the next message */
	SBX_SYNC_PTY,            /* init -> parent: fd = pty master */
	SBX_SYNC_SECCOMP,        /* init -> parent: fd = seccomp listener */
	SBX_SYNC_CREATED,        /* init -> parent: set up, waiting on the exec fifo */
	SBX_SYNC_EXEC,           /* init -> parent: about to execve (EOF follows on success) */
	SBX_SYNC_FIFO,           /* parent -> init (create): fd = the exec fifo (read-write) */
	SBX_SYNC_EXEC_SOCK,      /* parent -> init (create): fd = exec.sock, listening (handover.h) */
	SBX_SYNC_LOG,            /* child -> parent: a log record (value = level, err.msg,
				  * time); sbx_sync_recv() writes it and reads on */
	SBX_SYNC_MOUNT_SOURCE,   /* parent -> init, after GO: fd = bind source of plan step `value` */
	SBX_SYNC_HOOKS,          /* init -> parent: mounts done, run prestart/createRuntime */
	SBX_SYNC_HOOKS_DONE,     /* parent -> init */
	SBX_SYNC_EXEC_ERR,       /* parent -> init (create): fd = exec.err, for a failure after start */
	SBX_SYNC_HANDOVER,       /* parent -> init: recorded, outlive the parent from now on;
				  * init -> parent (create): done (no death signal any more) */
	SBX_SYNC_MOUNTFD,        /* parent -> init: value = rootfs plan slot, fd = prepared mount (or none) */
	SBX_SYNC_NETWORK,        /* parent -> init (foreground run, user mode): the network's
				  * helper is ready; go on to exec */
	SBX_SYNC_MOUNTS_DONE,    /* parent -> init: every MOUNTFD and MOUNT_SOURCE sent */
};

struct sbx_sync_msg {
	uint32_t type;
	int64_t value;
	int64_t sec, nsec;       /* SBX_SYNC_LOG: when the child logged it */
	struct sbx_err err;
};

/* Send a message (with an optional fd, -1 for none). */
int sbx_sync_send(int sock, enum sbx_sync_type type, int64_t value, int fd, struct sbx_err *err);
/* Send an error report (used by the child; best effort). */
void sbx_sync_send_err(int sock, const struct sbx_err *e);
/* Receive one message.  Returns 1 on a message, 0 on EOF (peer gone/exec'd),
 * -1 on error.  *fd receives a passed fd (O_CLOEXEC) or -1.  Log records
 * (SBX_SYNC_LOG) are written to the log here and never returned. */
int sbx_sync_recv(int sock, struct sbx_sync_msg *msg, int *fd, struct sbx_err *err);
/* Receive, and require `type`; an SBX_SYNC_ERROR from the peer is copied
 * into err.  Returns 0, or -1 (EOF is an error naming `what`). */
int sbx_sync_expect(int sock, enum sbx_sync_type type, struct sbx_sync_msg *msg, int *fd,
		    const char *what, struct sbx_err *err);

/* A log sink for sbx_log_set_sink(): arg is the sync socket (intptr_t).
 * Never blocks (a full socket drops the record). */
void sbx_sync_log_sink(enum sbx_log_level lvl, long long sec, long nsec, const char *msg,
		       void *arg);

/* Bulk text: a BLOB header then the bytes as one message (<= 1 MiB). */
int sbx_sync_send_blob(int sock, const char *data, size_t len, struct sbx_err *err);
int sbx_sync_recv_blob(int sock, char **data, struct sbx_err *err);

#endif
