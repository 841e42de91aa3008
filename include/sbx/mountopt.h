/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI mount options ("ro", "nosuid", "rbind", "rprivate", "mode=755", ...)
 * -> mount(2) flags, propagation, recursive mount_setattr(2) attributes and
 * the filesystem data string.  Pure; used by the rootfs compile step.
 *
 * Options that are not flags are filesystem-specific (runtime-spec) and go,
 * comma-separated, into the data string of mount(2): the filesystem refuses
 * what it does not know, and rootfs_mount.c reports that error naming the
 * mount.  A bind mount has no filesystem to check them, so there only "key=value"
 * options are passed (the kernel ignores them, as with runc and crun); a bare
 * unknown word is refused, because it can only be a misspelt flag and
 * ignoring a misspelt "nosuid" would silently weaken the mount:
 *   config.json: mounts[2].options[1]: unknown mount option "nosiud" (...)
 * "X-*" options (userspace hints, as in fstab/crun) are ignored.
 */
#ifndef SBX_MOUNTOPT_H
#define SBX_MOUNTOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbx/error.h"
#include "sbx/util.h"

struct sbx_mountopts {
	unsigned long flags;       /* MS_* to set (MS_BIND|MS_REC for binds) */
	unsigned long clear;       /* MS_* explicitly cleared ("rw", "suid", ...) */
	unsigned long propagation; /* MS_PRIVATE/MS_SHARED/... (|MS_REC), 0: none */
	uint64_t attr_set, attr_clr; /* MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE) */
	bool bind;                 /* "bind" or "rbind" given */
	bool atime_given;          /* an atime option was given explicitly */
	bool tmpcopyup;            /* "tmpcopyup" (tmpfs only; checked by rootfs_compile.c) */
	bool idmap;                /* "idmap" or "ridmap" (bind only; checked by rootfs_compile.c) */
	bool idmap_recursive;      /* "ridmap": every submount of an rbind id-mapped */
	char *data;                /* fs data ("mode=755,size=65536k"), NULL if none */
};

/*
 * Parse `options` (n of them) of mounts[idx].  `is_bind` says the mount is a
 * bind mount by its type ("bind"/"none"); a "bind"/"rbind" option also
 * makes it one.  Every option that is not a flag goes into `data` (for a
 * bind mount only "key=value" ones, see above).  `data` is allocated from
 * `arena`.  Errors: "config.json: mounts[idx].options[i]: ...".
 */
int sbx_mountopt_parse(char *const *options, size_t n, bool is_bind, size_t idx,
		       struct sbx_arena *arena, struct sbx_mountopts *out, struct sbx_err *err);

/* "private"/"rprivate"/"shared"/"rshared"/"slave"/"rslave"/"unbindable"/
 * "runbindable" -> MS_* (|MS_REC for the r-forms).  -1 if unknown. */
int sbx_mountopt_propagation(const char *s, unsigned long *out);

/* A mount option sbxrun itself understands (a flag, propagation, bind,
 * tmpcopyup...), not filesystem data and not one it refuses: `features`. */
bool sbx_mountopt_recognized(const char *name);

#endif
