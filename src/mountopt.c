/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI mount options -> mount(2) flags (see include/sbx/mountopt.h).
 */
#include "sbx/mountopt.h"

#include <string.h>
#include <sys/mount.h>

enum opt_kind {
	OPT_FLAG,      /* set `val` in flags */
	OPT_CLEAR,     /* clear `val` (e.g. "rw" clears MS_RDONLY) */
	OPT_PROP,      /* propagation */
	OPT_RATTR_SET, /* recursive attribute set via mount_setattr */
	OPT_RATTR_CLR, /* recursive attribute clear */
	OPT_BIND,      /* bind / rbind */
	OPT_NOOP,      /* "defaults" */
	OPT_REJECT,    /* known, deliberately unsupported: error with `why` */
	OPT_TMPCOPYUP, /* tmpfs: copy the covered directory's content in */
};

struct opt {
	const char *name;
	enum opt_kind kind;
	unsigned long val;
	bool atime;       /* this option picks the atime mode */
	const char *why;  /* OPT_REJECT reason */
};

/* MS_RELATIME / MS_NOATIME / MS_STRICTATIME are mutually exclusive modes:
 * choosing one clears the others (like mount(8)). */
#define ATIME_MODES (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

static const struct opt opts[] = {
	{ "defaults", OPT_NOOP, 0, false, NULL },
	{ "ro", OPT_FLAG, MS_RDONLY, false, NULL },
	{ "rw", OPT_CLEAR, MS_RDONLY, false, NULL },
	{ "nosuid", OPT_FLAG, MS_NOSUID, false, NULL },
	{ "suid", OPT_CLEAR, MS_NOSUID, false, NULL },
	{ "nodev", OPT_FLAG, MS_NODEV, false, NULL },
	{ "dev", OPT_CLEAR, MS_NODEV, false, NULL },
	{ "noexec", OPT_FLAG, MS_NOEXEC, false, NULL },
	{ "exec", OPT_CLEAR, MS_NOEXEC, false, NULL },
	{ "sync", OPT_FLAG, MS_SYNCHRONOUS, false, NULL },
	{ "async", OPT_CLEAR, MS_SYNCHRONOUS, false, NULL },
	{ "dirsync", OPT_FLAG, MS_DIRSYNC, false, NULL },
	{ "remount", OPT_FLAG, MS_REMOUNT, false, NULL },
	{ "mand", OPT_FLAG, MS_MANDLOCK, false, NULL },
	{ "nomand", OPT_CLEAR, MS_MANDLOCK, false, NULL },
	{ "atime", OPT_CLEAR, MS_NOATIME, true, NULL },
	{ "noatime", OPT_FLAG, MS_NOATIME, true, NULL },
	{ "diratime", OPT_CLEAR, MS_NODIRATIME, true, NULL },
	{ "nodiratime", OPT_FLAG, MS_NODIRATIME, true, NULL },
	{ "relatime", OPT_FLAG, MS_RELATIME, true, NULL },
	{ "norelatime", OPT_CLEAR, MS_RELATIME, true, NULL },
	{ "strictatime", OPT_FLAG, MS_STRICTATIME, true, NULL },
	{ "nostrictatime", OPT_CLEAR, MS_STRICTATIME, true, NULL },
	{ "lazytime", OPT_FLAG, MS_LAZYTIME, false, NULL },
	{ "nolazytime", OPT_CLEAR, MS_LAZYTIME, false, NULL },
	{ "iversion", OPT_FLAG, MS_I_VERSION, false, NULL },
	{ "noiversion", OPT_CLEAR, MS_I_VERSION, false, NULL },
	{ "silent", OPT_FLAG, MS_SILENT, false, NULL },
	{ "loud", OPT_CLEAR, MS_SILENT, false, NULL },
	{ "nosymfollow", OPT_FLAG, MS_NOSYMFOLLOW, false, NULL },
	{ "symfollow", OPT_CLEAR, MS_NOSYMFOLLOW, false, NULL },
	{ "bind", OPT_BIND, 0, false, NULL },
	{ "rbind", OPT_BIND, MS_REC, false, NULL },
	{ "private", OPT_PROP, MS_PRIVATE, false, NULL },
	{ "rprivate", OPT_PROP, MS_PRIVATE | MS_REC, false, NULL },
	{ "shared", OPT_PROP, MS_SHARED, false, NULL },
	{ "rshared", OPT_PROP, MS_SHARED | MS_REC, false, NULL },
	{ "slave", OPT_PROP, MS_SLAVE, false, NULL },
	{ "rslave", OPT_PROP, MS_SLAVE | MS_REC, false, NULL },
	{ "unbindable", OPT_PROP, MS_UNBINDABLE, false, NULL },
	{ "runbindable", OPT_PROP, MS_UNBINDABLE | MS_REC, false, NULL },
	/* Recursive variants (mount(2) only changes the top mount of an
	 * rbind; "rro" makes every submount read-only too). */
	{ "rro", OPT_RATTR_SET, MOUNT_ATTR_RDONLY, false, NULL },
	{ "rrw", OPT_RATTR_CLR, MOUNT_ATTR_RDONLY, false, NULL },
	{ "rnosuid", OPT_RATTR_SET, MOUNT_ATTR_NOSUID, false, NULL },
	{ "rsuid", OPT_RATTR_CLR, MOUNT_ATTR_NOSUID, false, NULL },
	{ "rnodev", OPT_RATTR_SET, MOUNT_ATTR_NODEV, false, NULL },
	{ "rdev", OPT_RATTR_CLR, MOUNT_ATTR_NODEV, false, NULL },
	{ "rnoexec", OPT_RATTR_SET, MOUNT_ATTR_NOEXEC, false, NULL },
	{ "rexec", OPT_RATTR_CLR, MOUNT_ATTR_NOEXEC, false, NULL },
	{ "rnodiratime", OPT_RATTR_SET, MOUNT_ATTR_NODIRATIME, false, NULL },
	{ "rdiratime", OPT_RATTR_CLR, MOUNT_ATTR_NODIRATIME, false, NULL },
	{ "rnosymfollow", OPT_RATTR_SET, MOUNT_ATTR_NOSYMFOLLOW, false, NULL },
	{ "rsymfollow", OPT_RATTR_CLR, MOUNT_ATTR_NOSYMFOLLOW, false, NULL },
	/* atime modes: the kernel wants the whole __ATIME field cleared and
	 * one mode set (RELATIME is 0).  Handled specially below. */
	{ "rnoatime", OPT_RATTR_SET, MOUNT_ATTR_NOATIME, true, NULL },
	{ "rstrictatime", OPT_RATTR_SET, MOUNT_ATTR_STRICTATIME, true, NULL },
	{ "rrelatime", OPT_RATTR_SET, MOUNT_ATTR_RELATIME, true, NULL },
	{ "ratime", OPT_RATTR_SET, MOUNT_ATTR_RELATIME, true, NULL },
	{ "tmpcopyup", OPT_TMPCOPYUP, 0, false, NULL },
	{ "idmap", OPT_REJECT, 0, false, "idmapped mounts are not supported" },
	{ "ridmap", OPT_REJECT, 0, false, "idmapped mounts are not supported" },
};

/* Bare (no "=") options understood by common filesystems; passed in the
 * data string of filesystem mounts.  Anything else without "=" is unknown. */
static const char *const fs_bare_opts[] = {
	"newinstance", "inode64", "inode32", "noswap", "user_xattr", "nouser_xattr",
	"acl", "noacl", "nsdelegate", "memory_recursiveprot", "memory_localevents",
	"memory_hugetlb_accounting", "favordynmods", "pids_localevents",
	"cpuset_v2_mode", "noprefix", "xino_auto", "redirect_dir", "metacopy",
	"userxattr", "volatile", "nouuid", "discard", "nodiscard", "norecovery",
	"errors", "user_id", "allow_other", "default_permissions",
};

int sbx_mountopt_propagation(const char *s, unsigned long *out)
{
	size_t i;

	if (!s)
		return -1;
	for (i = 0; i < SBX_ARRAY_SIZE(opts); i++) {
		if (opts[i].kind == OPT_PROP && strcmp(opts[i].name, s) == 0) {
			*out = opts[i].val;
			return 0;
		}
	}
	return -1;
}

static bool is_fs_bare(const char *s)
{
	size_t i;

	for (i = 0; i < SBX_ARRAY_SIZE(fs_bare_opts); i++)
		if (strcmp(fs_bare_opts[i], s) == 0)
			return true;
	return false;
}

int sbx_mountopt_parse(char *const *options, size_t n, bool is_bind, size_t idx,
		       struct sbx_arena *arena, struct sbx_mountopts *out, struct sbx_err *err)
{
	size_t i, j, datalen = 0, first_data = (size_t)-1;
	char *data;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		const char *o = options[i];
		const struct opt *found = NULL;

		if (!o || !*o)
			return sbx_err_set(err, 0, "config.json: mounts[%zu].options[%zu]: empty mount option",
					   idx, i);
		/* X-* are userspace annotations (fstab "x-systemd.*" style):
		 * never meaningful to the kernel, ignored like crun does. */
		if (o[0] == 'X' && o[1] == '-')
			continue;
		for (j = 0; j < SBX_ARRAY_SIZE(opts); j++) {
			if (strcmp(opts[j].name, o) == 0) {
				found = &opts[j];
				break;
			}
		}
		if (!found) {
			if (strchr(o, '=') || is_fs_bare(o)) {
				if (first_data == (size_t)-1)
					first_data = i;
				datalen += strlen(o) + 1;
				continue;
			}
			return sbx_err_set(err, 0,
					   "config.json: mounts[%zu].options[%zu]: unknown mount option \"%s\"",
					   idx, i, o);
		}
		switch (found->kind) {
		case OPT_NOOP:
			break;
		case OPT_TMPCOPYUP:
			out->tmpcopyup = true;
			break;
		case OPT_FLAG:
			if (found->atime && (found->val & ATIME_MODES)) {
				out->flags &= ~(unsigned long)ATIME_MODES;
				out->clear &= ~(unsigned long)ATIME_MODES;
			}
			out->flags |= found->val;
			out->clear &= ~found->val;
			break;
		case OPT_CLEAR:
			out->flags &= ~found->val;
			out->clear |= found->val;
			break;
		case OPT_PROP:
			/* Last one wins; mount(2) takes a single type per call. */
			out->propagation = found->val;
			break;
		case OPT_RATTR_SET:
			if (found->atime) {
				out->attr_clr |= MOUNT_ATTR__ATIME;
				out->attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
			} else {
				out->attr_clr &= ~(uint64_t)found->val;
			}
			out->attr_set |= found->val;
			break;
		case OPT_RATTR_CLR:
			out->attr_set &= ~(uint64_t)found->val;
			out->attr_clr |= found->val;
			break;
		case OPT_BIND:
			out->bind = true;
			out->flags |= MS_BIND | found->val;
			break;
		case OPT_REJECT:
			return sbx_err_set(err, 0, "config.json: mounts[%zu].options[%zu]: \"%s\": %s",
					   idx, i, o, found->why);
		}
		if (found->atime)
			out->atime_given = true;
	}
	if (first_data != (size_t)-1) {
		if (is_bind || out->bind)
			return sbx_err_set(err, 0,
					   "config.json: mounts[%zu].options[%zu]: unknown mount option \"%s\"",
					   idx, first_data, options[first_data]);
		data = sbx_arena_alloc(arena, datalen + 1);
		data[0] = '\0';
		for (i = first_data; i < n; i++) {
			const char *o = options[i];
			bool known = false;

			if (o[0] == 'X' && o[1] == '-')
				continue;
			for (j = 0; j < SBX_ARRAY_SIZE(opts); j++)
				if (strcmp(opts[j].name, o) == 0)
					known = true;
			if (known)
				continue;
			if (data[0])
				strcat(data, ",");
			strcat(data, o);
		}
		out->data = data;
	}
	return 0;
}

bool sbx_mountopt_recognized(const char *name)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(opts); i++)
		if (strcmp(opts[i].name, name) == 0)
			return opts[i].kind != OPT_REJECT;
	return false;
}
