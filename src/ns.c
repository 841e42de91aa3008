/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The namespace kinds (include/sbx/ns.h). */
#include "sbx/ns.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *config_name; /* runtime-spec linux.namespaces[].type */
	const char *proc_name;   /* /proc/PID/ns/<proc_name> */
	int flag;
} ns_kinds[SBX_NS_COUNT] = {
	[SBX_NS_PID] = { "pid", "pid", CLONE_NEWPID },
	[SBX_NS_NETWORK] = { "network", "net", CLONE_NEWNET },
	[SBX_NS_MOUNT] = { "mount", "mnt", CLONE_NEWNS },
	[SBX_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
	[SBX_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
	[SBX_NS_USER] = { "user", "user", CLONE_NEWUSER },
	[SBX_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
	[SBX_NS_TIME] = { "time", "time", CLONE_NEWTIME },
};

const enum sbx_ns_type sbx_ns_join_order[SBX_NS_COUNT] = {
	SBX_NS_USER, SBX_NS_MOUNT, SBX_NS_PID,    SBX_NS_IPC,
	SBX_NS_UTS,  SBX_NS_NETWORK, SBX_NS_CGROUP, SBX_NS_TIME,
};

const char *sbx_ns_type_name(enum sbx_ns_type t)
{
	return (unsigned)t < SBX_NS_COUNT ? ns_kinds[t].config_name : "unknown";
}

const char *sbx_ns_proc_name(enum sbx_ns_type t)
{
	return (unsigned)t < SBX_NS_COUNT ? ns_kinds[t].proc_name : "unknown";
}

int sbx_ns_flag(enum sbx_ns_type t)
{
	return (unsigned)t < SBX_NS_COUNT ? ns_kinds[t].flag : 0;
}

int sbx_ns_from_name(const char *config_name)
{
	for (int t = 0; t < SBX_NS_COUNT; t++)
		if (!strcmp(config_name, ns_kinds[t].config_name))
			return t;
	return -1;
}

int sbx_ns_from_flag(int clone_flag)
{
	for (int t = 0; t < SBX_NS_COUNT; t++)
		if (clone_flag == ns_kinds[t].flag)
			return t;
	return -1;
}

void sbx_ns_path(char buf[SBX_NS_PATH_MAX], pid_t pid, enum sbx_ns_type t)
{
	if (pid > 0)
		snprintf(buf, SBX_NS_PATH_MAX, "/proc/%d/ns/%s", (int)pid, sbx_ns_proc_name(t));
	else
		snprintf(buf, SBX_NS_PATH_MAX, "/proc/self/ns/%s", sbx_ns_proc_name(t));
}
