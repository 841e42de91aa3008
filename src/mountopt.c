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
	OPT_IDMAP,     /* id-mapped bind mount; val 1: recursive ("ridmap") */
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
	/* runtime-spec 1.2 id-mapped mounts (bind mounts only; rootfs_compile.c
	 * checks that): with mounts[].uid/gidMappings, or else with the
	 * container's own user namespace mappings, as crun does. */
	{ "idmap", OPT_IDMAP, 0, false, NULL },
	{ "ridmap", OPT_IDMAP, 1, false, NULL },
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

static const struct opt *find_opt(const char *name)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(opts); i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

/* X-* are userspace annotations (fstab "x-systemd.*" style): never
 * meaningful to the kernel, ignored like crun does. */
static bool is_annotation(const char *o)
{
	return o[0] == 'X' && o[1] == '-';
}

/* Fold the known option `o` into `out` (later options override earlier
 * ones).  -1 + err for an option sbxrun refuses. */
static int apply_opt(const struct opt *o, size_t idx, size_t i, struct sbx_mountopts *out,
		     struct sbx_err *err)
{
	switch (o->kind) {
	case OPT_NOOP:
		break;
	case OPT_TMPCOPYUP:
		out->tmpcopyup = true;
		break;
	case OPT_FLAG:
		if (o->atime && (o->val & ATIME_MODES)) {
			out->flags &= ~(unsigned long)ATIME_MODES;
			out->clear &= ~(unsigned long)ATIME_MODES;
		}
		out->flags |= o->val;
		out->clear &= ~o->val;
		break;
	case OPT_CLEAR:
		out->flags &= ~o->val;
		out->clear |= o->val;
		break;
	case OPT_PROP:
		/* Last one wins; mount(2) takes a single type per call. */
		out->propagation = o->val;
		break;
	case OPT_RATTR_SET:
		if (o->atime) {
			out->attr_clr |= MOUNT_ATTR__ATIME;
			out->attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
		} else {
			out->attr_clr &= ~(uint64_t)o->val;
		}
		out->attr_set |= o->val;
		break;
	case OPT_RATTR_CLR:
		out->attr_set &= ~(uint64_t)o->val;
		out->attr_clr |= o->val;
		break;
	case OPT_BIND:
		out->bind = true;
		out->flags |= MS_BIND | o->val;
		break;
	case OPT_IDMAP:
		out->idmap = true;
		out->idmap_recursive = o->val != 0;
		break;
	case OPT_REJECT:
		return sbx_err_set(err, 0, "config.json: mounts[%zu].options[%zu]: \"%s\": %s",
				   idx, i, o->name, o->why);
	}
	if (o->atime)
		out->atime_given = true;
	return 0;
}

/*
 * A bind mount has no filesystem to read the data: the kernel ignores it.
 * "key=value" is passed anyway (runc and crun do; conformance bundles put
 * "mode=755" on binds), but a bare word we do not know can only be a
 * misspelt flag there ("nosiud"), and ignoring it would silently weaken the
 * mount: refuse it (runc and crun ignore it).  Options from `first` on.
 */
static int check_bind_data(char *const *options, size_t n, size_t first, size_t idx,
			   struct sbx_err *err)
{
	for (size_t i = first; i < n; i++) {
		const char *o = options[i];

		if (strchr(o, '=') || is_annotation(o) || find_opt(o))
			continue;
		return sbx_err_set(err, 0,
				   "config.json: mounts[%zu].options[%zu]: unknown mount option \"%s\" (a bind mount takes no filesystem options; a misspelt flag would be ignored)",
				   idx, i, o);
	}
	return 0;
}

/* The options from `first` on that are not flags, comma-separated
 * (`len`: enough room for all of them), from `arena`. */
static char *join_data(char *const *options, size_t n, size_t first, size_t len,
		       struct sbx_arena *arena)
{
	char *data = sbx_arena_alloc(arena, len + 1);

	data[0] = '\0';
	for (size_t i = first; i < n; i++) {
		const char *o = options[i];

		if (is_annotation(o) || find_opt(o))
			continue;
		if (data[0])
			strcat(data, ",");
		strcat(data, o);
	}
	return data;
}

int sbx_mountopt_parse(char *const *options, size_t n, bool is_bind, size_t idx,
		       struct sbx_arena *arena, struct sbx_mountopts *out, struct sbx_err *err)
{
	size_t i, datalen = 0, first_data = (size_t)-1;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		const char *o = options[i];
		const struct opt *found;

		if (!o || !*o)
			return sbx_err_set(err, 0, "config.json: mounts[%zu].options[%zu]: empty mount option",
					   idx, i);
		if (is_annotation(o))
			continue;
		found = find_opt(o);
		if (!found) {
			/* runtime-spec: unknown options are filesystem-specific
			 * and go to mount(2) as data; the filesystem refuses
			 * what it does not know (EINVAL, reported naming the
			 * mount).  Checked below once we know whether this is
			 * a bind mount. */
			if (first_data == (size_t)-1)
				first_data = i;
			datalen += strlen(o) + 1;
			continue;
		}
		if (apply_opt(found, idx, i, out, err) < 0)
			return -1;
	}
	if (first_data == (size_t)-1)
		return 0;
	if ((is_bind || out->bind) && check_bind_data(options, n, first_data, idx, err) < 0)
		return -1;
	out->data = join_data(options, n, first_data, datalen, arena);
	return 0;
}

bool sbx_mountopt_recognized(const char *name)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(opts); i++)
		if (strcmp(opts[i].name, name) == 0)
			return opts[i].kind != OPT_REJECT;
	return false;
}
