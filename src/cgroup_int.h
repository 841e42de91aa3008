/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internal to src/cgroup*.c: file helpers (cgroup_fs.c) shared by placement
 * (cgroup.c) and the lifecycle operations (cgroup_ops.c). */
#ifndef SBX_CGROUP_INT_H
#define SBX_CGROUP_INT_H

#include <stdbool.h>
#include <sys/types.h>
#include "sbx/cgroup.h"

/* Read/write <dir>/<file>.  On failure: -1, err filled, errno preserved. */
int sbx_cgroup_read_file(const char *dir, const char *file, char **out, struct sbx_err *err);
int sbx_cgroup_write_file(const char *dir, const char *file, const char *value,
			  struct sbx_err *err);
/* Enable the missing `ctrls` in dir/cgroup.subtree_control; steps sbxrun
 * aside into dir/sbxrun-leaf when it is the only process there (pid, the
 * container's first process, is tolerated too).  errno preserved. */
int sbx_cgroup_enable_controllers(const char *dir, unsigned ctrls, pid_t pid,
				  struct sbx_err *err);
/* Same for every ancestor of `full` (an absolute cgroup dir under mount),
 * from the mount root down to full's parent. */
int sbx_cgroup_enable_chain(const char *mount, const char *full, unsigned ctrls, pid_t pid,
			    struct sbx_err *err);
/* Write the settings (alt file on ENOENT).  errno preserved.  `update`
 * false (a new cgroup): is_default settings are skipped; true: they are
 * written where their file exists. */
int sbx_cgroup_apply_settings(const char *dir, const struct sbx_cgroup_settings *set,
			      bool update, struct sbx_err *err);
/* Error (with the how-to-fix text, naming a controller the host keeps on
 * cgroup v1) if a controller `set` needs is not available at the cgroup2
 * root `mount`. */
int sbx_cgroup_check_available(const char *mount, const struct sbx_cgroup_settings *set,
			       struct sbx_err *err);
/* The cgroup2 mount point of this process's mount namespace (malloc'ed),
 * NULL if none. */
char *sbx_cgroup_find_mount(void);
/* Error unless path is a cgroup directory under the cgroup2 mount (*mount_out:
 * the mount, malloc'ed, when not NULL): a recorded path is checked before
 * anything is read, written or removed there. */
int sbx_cgroup_check_under_mount(const char *path, char **mount_out, struct sbx_err *err);

#endif
