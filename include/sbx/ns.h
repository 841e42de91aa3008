/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The namespace kinds, in one table (src/ns.c): the name config.json uses,
 * the name of the file under /proc/PID/ns/, and the clone flag.  Every
 * module that names, opens, compares or joins namespaces asks here, so a
 * new kind is added once.
 */
#ifndef SBX_NS_H
#define SBX_NS_H

#include <stddef.h>
#include <sys/types.h>

enum sbx_ns_type {
	SBX_NS_PID = 0,
	SBX_NS_NETWORK,
	SBX_NS_MOUNT,
	SBX_NS_IPC,
	SBX_NS_UTS,
	SBX_NS_USER,
	SBX_NS_CGROUP,
	SBX_NS_TIME,
	SBX_NS_COUNT
};

/* "pid", "network", "mount", ... (runtime-spec); "unknown" out of range */
const char *sbx_ns_type_name(enum sbx_ns_type t);
/* "pid", "net", "mnt", ... (/proc/PID/ns/<name>); "unknown" out of range */
const char *sbx_ns_proc_name(enum sbx_ns_type t);
/* CLONE_NEWPID, ...; 0 out of range */
int sbx_ns_flag(enum sbx_ns_type t);
/* The type of a config name ("network") or of one CLONE_NEW* flag; -1 if none */
int sbx_ns_from_name(const char *config_name);
int sbx_ns_from_flag(int clone_flag);

/* "/proc/<pid>/ns/<name>", or "/proc/self/ns/<name>" for pid 0, into buf */
#define SBX_NS_PATH_MAX 40
void sbx_ns_path(char buf[SBX_NS_PATH_MAX], pid_t pid, enum sbx_ns_type t);

/*
 * Every type, in the order to open or join a process's namespaces: the user
 * namespace first, because it owns the others (setns into them needs
 * CAP_SYS_ADMIN in their owner), then the mount namespace, then the rest.
 * The `created` hand-over sends them in this order.
 */
extern const enum sbx_ns_type sbx_ns_join_order[SBX_NS_COUNT];

#endif
