/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * User namespace id mappings, written by the parent for the child.
 *
 *  - root on the host: write /proc/PID/{uid,gid}_map directly;
 *  - unprivileged, mapping only its own uid/gid (one line, size 1): write
 *    directly, with setgroups "deny" first (the kernel's rule for a map
 *    written without CAP_SETGID);
 *  - unprivileged, anything else: newuidmap/newgidmap (setuid helpers from
 *    the uidmap package) which check /etc/subuid and /etc/subgid.
 * No mappings in the config + rootless: map the caller to root (0 -> euid, 1).
 */
#ifndef SBX_IDMAP_H
#define SBX_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "sbx/config.h"

/* Lines per map in a plan.  The kernel accepts 340; 64 is plenty and keeps
 * the plan a fixed-size struct (it crosses fork without allocation). */
#define SBX_IDMAP_MAX 64

struct sbx_idmap_plan {
	struct sbx_idmap uid[SBX_IDMAP_MAX], gid[SBX_IDMAP_MAX];
	size_t n_uid, n_gid;
	bool use_helpers;       /* newuidmap/newgidmap */
	bool deny_setgroups;    /* single-id rootless map: setgroups denied */
};

int sbx_idmap_compile(const struct sbx_config *cfg, uid_t euid, gid_t egid,
		      struct sbx_idmap_plan *out, struct sbx_err *err);
/* Is this process in the initial user namespace (uid_map "0 0 4294967295")?
 * Root inside another user namespace (rootless podman runs the runtime in
 * its own) is not really root: it cannot mknod, mount sysfs without a new
 * netns, or write /run.  Read once per process. */
bool sbx_userns_is_initial(void);
/* CAP_SETUID and CAP_SETGID effective in our user namespace: we may write
 * any id map of a child namespace ourselves (no newuidmap). */
bool sbx_idmap_have_setid_caps(void);

int sbx_idmap_apply_parent(const struct sbx_idmap_plan *plan, pid_t pid, struct sbx_err *err);

/* A user namespace with exactly these mappings, as an fd (for an id-mapped
 * mount's MOUNT_ATTR_IDMAP: on-disk id `container_id` is seen as
 * `host_id`).  Writes the maps directly: needs root on the host. */
int sbx_idmap_userns_fd(const struct sbx_idmap *uid, size_t n_uid, const struct sbx_idmap *gid,
			size_t n_gid, struct sbx_err *err);

#endif
