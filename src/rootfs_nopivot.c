/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --no-pivot: hide the old root's procfs and sysfs (see rootfs_int.h).
 */
#include "rootfs_int.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/*
 * --no-pivot leaves the old root in the mount namespace, under the moved
 * rootfs.  The kernel lets a user namespace mount a fresh procfs or sysfs
 * only if a fully visible one (no locked mount covering any of it) already
 * exists in the mount namespace, wherever it is: the host's /proc down there
 * would let a process in the container, through a nested user and mount
 * namespace, mount a procfs without the container's masks.  As runc does,
 * detach every full proc and sysfs mount outside the rootfs first, or where
 * a user namespace may not (the mount is locked), cover it with an empty
 * read-only tmpfs.  Our namespace's "/" is rprivate or rslave by now, so
 * none of this reaches the host.
 */
int sbx_rootfs_hide_host_procfs(int proc_fd, const char *rootfs, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *text = NULL;
	size_t rl = strlen(rootfs);
	char *line, *next;

	/* The whole table first: unmounting while reading would shift it. */
	if (sbx_read_file_at(proc_fd, "self/mountinfo", &text, NULL, err) < 0)
		return sbx_err_prefix(err, "--no-pivot");
	for (line = text; line && *line; line = next) {
		char *fld[5], *sep, *fstype, *p = line;
		int i;

		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		/* id parent maj:min root mountpoint opts [optional...] - fstype ... */
		for (i = 0; i < 5 && p; i++) {
			fld[i] = p;
			p = strchr(p, ' ');
			if (p)
				*p++ = '\0';
		}
		sep = p ? strstr(p, " - ") : NULL;
		if (i < 5 || !sep)
			continue;
		fstype = sep + 3;
		if ((p = strchr(fstype, ' ')))
			*p = '\0';
		if (strcmp(fld[3], "/") || (strcmp(fstype, "proc") && strcmp(fstype, "sysfs")))
			continue;
		sbx_mountinfo_unescape(fld[4]);
		if (!strncmp(fld[4], rootfs, rl) && (fld[4][rl] == '/' || fld[4][rl] == '\0'))
			continue;
		if (umount2(fld[4], MNT_DETACH) == 0 || errno == ENOENT)
			continue; /* ENOENT: a parent of it is already gone */
		if ((errno != EINVAL && errno != EPERM) ||
		    mount("tmpfs", fld[4], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=4k,mode=000") < 0)
			return sbx_err_set(err, errno, "--no-pivot: hide the %s mount on %s", fstype,
					   fld[4]);
	}
	return 0;
}
