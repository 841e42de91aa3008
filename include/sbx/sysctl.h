/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.sysctl.  Only namespaced sysctls are accepted (the same rule as
 * runc): a container must never change a host-wide kernel setting, even as
 * root.  IPC keys need an IPC namespace, net.* a network namespace,
 * kernel.domainname a UTS namespace (and must agree with `domainname`);
 * kernel.hostname is refused because it conflicts with `hostname` (runc,
 * crun).  Keys may use '/' as the separator ("net/ipv4/ip_forward").
 */
#ifndef SBX_SYSCTL_H
#define SBX_SYSCTL_H

#include "sbx/config.h"

/* Longest key accepted (a longer one is refused, never shortened). */
#define SBX_SYSCTL_KEY_MAX 256

struct sbx_sysctl_entry {
	const char *key, *value;  /* the config's (its arena outlives the plan) */
	char *path;               /* /proc/sys/..., malloc'ed */
};
struct sbx_sysctl_plan {
	struct sbx_sysctl_entry *e;
	size_t n;
};

/* Check every key (namespaced, in a namespace of the container's own, no
 * conflict with hostname/domainname) and compute its /proc/sys path. */
int sbx_sysctl_compile(const struct sbx_config *cfg, struct sbx_sysctl_plan *out,
		       struct sbx_err *err);
void sbx_sysctl_plan_free(struct sbx_sysctl_plan *p);
/* Child, after the container's /proc is mounted (cwd-independent: uses
 * /proc/sys of the container's mount namespace). */
int sbx_sysctl_apply_child(const struct sbx_sysctl_plan *p, struct sbx_err *err);

#endif
