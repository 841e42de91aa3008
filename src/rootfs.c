/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Root filesystem: compile the OCI mounts into an ordered plan (parent,
 * pure) and apply it in the child inside the new mount namespace
 * (see include/sbx/rootfs.h).
 *
 * Security rules followed throughout the apply step:
 *   - every destination is resolved inside the rootfs with
 *     sbx_path_mkpath_in_root/sbx_path_open_in_root (openat2
 *     RESOLVE_IN_ROOT), and mount(2) is given the *resolved* object as
 *     "self/fd/<fd>" under an fd of procfs, never the path string, so a
 *     symlink in the rootfs cannot redirect a mount outside of it, nor can
 *     the tree change between the check and the mount;
 *   - a bind remount keeps the restrictive flags of the source (ro, nosuid,
 *     nodev, noexec) unless the config explicitly clears them: in a user
 *     namespace the kernel locks them (a remount clearing them fails with
 *     EPERM) and outside one silently dropping them would weaken the mount;
 *   - container mounts never propagate back to the host: the old root is
 *     made rprivate (or rslave) before the first mount; in a mount
 *     namespace that is not the container's own, they all sit under a
 *     private bind of the rootfs instead, and the old root is left alone.
 */
#include "rootfs_int.h"
#include "sbx/mountopt.h"
#include "sbx/path.h"
#include "sbx/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define ATIME_MODES (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
/* Flags the kernel locks on mounts inherited by a less privileged mount
 * namespace (MNT_LOCK_READONLY/NOSUID/NODEV/NOEXEC). */
#define LOCKABLE (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* ------------------------------------------------------------------ */
/* compile                                                            */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	unsigned maj, min;
} default_devs[] = {
	{ "/dev/null", 1, 3 }, { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
	{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static char *clean_abs(struct sbx_arena *a, const char *path)
{
	char *s = sbx_arena_strdup(a, path);
	sbx_path_clean(s);
	return s;
}

static int compile_mount(struct sbx_rootfs_plan *plan, const struct sbx_config *cfg,
			 const struct sbx_mount *m, size_t idx, struct sbx_rootfs_op *op,
			 struct sbx_err *err)
{
	struct sbx_arena *a = &plan->arena;
	struct sbx_mountopts mo;
	bool bind_type = !m->type || !strcmp(m->type, "bind") || !strcmp(m->type, "none");
	size_t rl;

	if (!m->destination || !*m->destination)
		return sbx_err_set(err, 0, "config.json: mounts[%zu].destination: is required", idx);
	if (sbx_mountopt_parse(m->options, m->n_options, m->type && !strcmp(m->type, "bind"), idx, a,
			       &mo, err) < 0)
		return -1;
	memset(op, 0, sizeof(*op));
	op->index = idx;
	/* runtime-spec 1.2: a relative destination is relative to "/". */
	if (m->destination[0] == '/') {
		op->destination = clean_abs(a, m->destination);
	} else {
		char *d = sbx_xasprintf("/%s", m->destination);
		op->destination = clean_abs(a, d);
		free(d);
	}
	/* A destination spelt with the rootfs's host path in front is that
	 * path inside the container, as runc reads it (its tests and some
	 * tools write "<rootfs>/mnt"); it is still resolved inside the rootfs. */
	rl = strlen(plan->rootfs);
	if (!strncmp(op->destination, plan->rootfs, rl) && op->destination[rl] == '/')
		op->destination += rl;
	if (!strcmp(op->destination, "/"))
		return sbx_err_set(err, 0, "config.json: mounts[%zu].destination: cannot mount over \"/\"",
				   idx);
	op->flags = mo.flags;
	op->clear = mo.clear;
	op->propagation = mo.propagation;
	op->attr_set = mo.attr_set;
	op->attr_clr = mo.attr_clr;
	op->atime_given = mo.atime_given;
	op->tmpcopyup = mo.tmpcopyup;
	op->data = mo.data;
	if (mo.tmpcopyup && (!m->type || strcmp(m->type, "tmpfs") != 0))
		return sbx_err_set(err, 0, "config.json: mounts[%zu].options: \"tmpcopyup\" is only valid for a tmpfs mount",
				   idx);

	/* Id-mapped mounts (runtime-spec 1.2): bind mounts only, as in runc;
	 * they need a user namespace for the ids to mean anything inside, and
	 * root on the host to set them up (the parent id-maps the source). */
	if (mo.idmap || m->n_uid_mappings) {
		bool bind = mo.bind || (m->type && !strcmp(m->type, "bind"));
		if (!bind)
			return sbx_err_set(err, 0, "config.json: mounts[%zu]: id-mapped mounts are only supported for bind mounts",
					   idx);
		if (!sbx_config_ns(cfg, SBX_NS_USER))
			return sbx_err_set(err, 0, "config.json: mounts[%zu]: an id-mapped mount needs a user namespace in linux.namespaces",
					   idx);
		if (plan->opts.rootless)
			return sbx_err_set(err, 0, "config.json: mounts[%zu]: an id-mapped mount needs root on the host (CAP_SYS_ADMIN over the source's filesystem)",
					   idx);
		op->idmap = m->n_uid_mappings ? SBX_ROOTFS_IDMAP_EXPLICIT : SBX_ROOTFS_IDMAP_CONTAINER;
		op->idmap_recursive = mo.idmap_recursive;
		op->uid_map = m->uid_mappings;
		op->gid_map = m->gid_mappings;
		op->n_uid_map = m->n_uid_mappings;
		op->n_gid_map = m->n_gid_mappings;
	}

	/* Like runc/crun: a "bind" option makes it a bind mount whatever the
	 * type says, and type "bind" without the option is still a bind. */
	if (mo.bind || (m->type && !strcmp(m->type, "bind"))) {
		if (!m->source || !*m->source)
			return sbx_err_set(err, 0, "config.json: mounts[%zu].source: required for a bind mount",
					   idx);
		op->kind = SBX_ROOTFS_OP_BIND;
		op->flags |= MS_BIND;
		if (m->source[0] == '/') {
			op->source = clean_abs(a, m->source);
		} else {
			/* Relative bind sources are relative to the bundle
			 * (runtime-spec), not to our cwd. */
			if (!cfg->bundle)
				return sbx_err_set(err, 0, "config.json: mounts[%zu].source: relative path \"%s\" needs a bundle directory",
						   idx, m->source);
			char *s = sbx_xasprintf("%s/%s", cfg->bundle, m->source);
			op->source = clean_abs(a, s);
			free(s);
		}
		/* A source inside the rootfs names what the container sees
		 * there, earlier mounts included: it is resolved at mount
		 * time, inside the rootfs, never by the host's view of it. */
		rl = strlen(plan->rootfs);
		if (!strncmp(op->source, plan->rootfs, rl) &&
		    (op->source[rl] == '/' || op->source[rl] == '\0'))
			op->source_in_root = op->source[rl] ? op->source + rl : "/";
		if (op->source_in_root && op->idmap)
			return sbx_err_set(err, 0, "config.json: mounts[%zu]: an id-mapped bind mount needs a source outside the rootfs",
					   idx);
		/* A pool container's volumes keep their host owners: the
		 * container's ids are the on-disk ids (where supported).  A
		 * source inside the rootfs is already seen through its map. */
		if (!op->idmap && !op->source_in_root && plan->opts.idmap_auto) {
			op->idmap = SBX_ROOTFS_IDMAP_AUTO;
			op->idmap_recursive = (op->flags & MS_REC) != 0;
		}
		return 0;
	}
	if (bind_type)
		return sbx_err_set(err, 0, "config.json: mounts[%zu].type: %s%s%s without a \"bind\" or \"rbind\" option",
				   idx, m->type ? "\"" : "missing", m->type ? m->type : "", m->type ? "\"" : "");
	if (mo.flags & MS_REC)
		return sbx_err_set(err, 0, "config.json: mounts[%zu].options: rbind on a %s mount",
				   idx, m->type);
	op->type = sbx_arena_strdup(a, m->type);
	op->source = sbx_arena_strdup(a, m->source && *m->source ? m->source : m->type);
	/* Like runc: a read-only tmpfs or /dev is mounted writable and made
	 * read-only in finalize, so that devices, /dev symlinks, nested mount
	 * points and tmpcopyup content can be created in it first. */
	if ((op->flags & MS_RDONLY) && (!strcmp(m->type, "tmpfs") || !strcmp(op->destination, "/dev")))
		op->late_ro = true;
	if (!strcmp(m->type, "proc"))
		op->kind = SBX_ROOTFS_OP_PROC;
	else if (!strcmp(m->type, "sysfs"))
		op->kind = SBX_ROOTFS_OP_SYSFS;
	else if (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2"))
		op->kind = SBX_ROOTFS_OP_CGROUP;
	else
		op->kind = SBX_ROOTFS_OP_FS;
	return 0;
}

static int compile_devices(struct sbx_rootfs_plan *plan, const struct sbx_config *cfg,
			   bool defaults, struct sbx_err *err)
{
	const struct sbx_linux *l = &cfg->linux;
	size_t i, j, n = 0;

	plan->devs = sbx_arena_alloc(&plan->arena,
				     sizeof(*plan->devs) * (SBX_ARRAY_SIZE(default_devs) + l->n_devices));
	for (i = 0; i < l->n_devices; i++) {
		const struct sbx_device *d = &l->devices[i];
		struct dev_node *dn = &plan->devs[n];
		mode_t type;

		if (!d->path || d->path[0] != '/')
			return sbx_err_set(err, 0, "config.json: linux.devices[%zu].path: must be an absolute path", i);
		switch (d->type) {
		case 'c': case 'u': type = S_IFCHR; break;
		case 'b': type = S_IFBLK; break;
		case 'p': type = S_IFIFO; break;
		default:
			return sbx_err_set(err, 0, "config.json: linux.devices[%zu].type: unknown device type '%c'",
					   i, d->type);
		}
		if (d->major < 0 || d->minor < 0 || d->major > 0xfff || d->minor > 0xfffff)
			return sbx_err_set(err, 0, "config.json: linux.devices[%zu]: invalid major/minor %lld:%lld",
					   i, (long long)d->major, (long long)d->minor);
		dn->path = clean_abs(&plan->arena, d->path);
		if (!strcmp(dn->path, "/dev") || strncmp(dn->path, "/dev/", 5))
			return sbx_err_set(err, 0, "config.json: linux.devices[%zu].path: \"%s\" is not under /dev",
					   i, d->path);
		dn->mode = type | ((d->has_file_mode ? d->file_mode : 0666) & 07777);
		dn->rdev = makedev((unsigned)d->major, (unsigned)d->minor);
		dn->uid = d->has_uid ? d->uid : 0;
		dn->gid = d->has_gid ? d->gid : 0;
		n++;
	}
	if (defaults) {
		for (i = 0; i < SBX_ARRAY_SIZE(default_devs); i++) {
			bool dup = false;
			for (j = 0; j < n; j++)
				if (!strcmp(plan->devs[j].path, default_devs[i].name))
					dup = true;
			if (dup)
				continue; /* linux.devices overrides the default */
			plan->devs[n].path = default_devs[i].name;
			plan->devs[n].mode = S_IFCHR | 0666;
			plan->devs[n].rdev = makedev(default_devs[i].maj, default_devs[i].min);
			n++;
		}
	}
	plan->n_devs = n;
	return 0;
}

static int compile_paths(struct sbx_rootfs_plan *plan, char **in, size_t n, const char *what,
			 const char ***out, size_t *n_out, struct sbx_err *err)
{
	size_t i;

	*out = sbx_arena_alloc(&plan->arena, sizeof(char *) * (n + 1));
	for (i = 0; i < n; i++) {
		if (!in[i] || in[i][0] != '/')
			return sbx_err_set(err, 0, "config.json: linux.%s[%zu]: must be an absolute path", what, i);
		(*out)[i] = clean_abs(&plan->arena, in[i]);
	}
	*n_out = n;
	return 0;
}

int sbx_rootfs_compile(const struct sbx_config *cfg, const struct sbx_rootfs_opts *opts,
		       struct sbx_rootfs_plan **out, struct sbx_err *err)
{
	struct sbx_rootfs_plan *plan = sbx_xcalloc(1, sizeof(*plan));
	const struct sbx_linux *l = &cfg->linux;
	size_t i, n = 0;
	bool have_dev = false;
	unsigned long prop;

	plan->opts = *opts;
	plan->readonly = cfg->root.readonly;
	plan->prepare_rootfs = opts->idmap_auto;
	if (cfg->rootfs && cfg->rootfs[0] == '/') {
		plan->rootfs = clean_abs(&plan->arena, cfg->rootfs);
	} else if (cfg->root.path && cfg->root.path[0] == '/') {
		plan->rootfs = clean_abs(&plan->arena, cfg->root.path);
	} else if (cfg->root.path && cfg->bundle) {
		char *s = sbx_xasprintf("%s/%s", cfg->bundle, cfg->root.path);
		plan->rootfs = clean_abs(&plan->arena, s);
		free(s);
	} else {
		sbx_rootfs_plan_free(plan);
		return sbx_err_set(err, 0, "config.json: root.path: is required");
	}

	/* Old root: rprivate by default so nothing we mount can reach the
	 * host.  "slave"/"shared" ask for host mounts to keep propagating in:
	 * rslave gives that without letting ours propagate out; "shared" is
	 * then set on the container's "/" after pivot_root, where it only
	 * affects the container's own peer group. */
	plan->root_propagation = MS_REC | MS_PRIVATE;
	if (l->rootfs_propagation) {
		if (sbx_mountopt_propagation(l->rootfs_propagation, &prop) < 0) {
			sbx_rootfs_plan_free(plan);
			return sbx_err_set(err, 0, "config.json: linux.rootfsPropagation: unknown propagation \"%s\"",
					   l->rootfs_propagation);
		}
		if (prop & (MS_SLAVE | MS_SHARED))
			plan->root_propagation = MS_REC | MS_SLAVE;
		plan->final_propagation = prop;
	}

	plan->ops = sbx_arena_alloc(&plan->arena,
				    sizeof(*plan->ops) * (cfg->n_mounts + opts->n_extra_mounts + 1));
	for (i = 0; i < cfg->n_mounts + opts->n_extra_mounts; i++) {
		struct sbx_rootfs_op *op = &plan->ops[n];
		const struct sbx_mount *m = i < cfg->n_mounts ? &cfg->mounts[i]
							      : &opts->extra_mounts[i - cfg->n_mounts];

		if (compile_mount(plan, cfg, m, i, op, err) < 0) {
			sbx_rootfs_plan_free(plan);
			return -1;
		}
		n++;
		if (!strcmp(op->destination, "/dev/pts") && op->type && !strcmp(op->type, "devpts"))
			plan->ptmx_link = true;
		if (!strcmp(op->destination, "/dev") && !have_dev) {
			/* Devices go into the fresh /dev right after it is
			 * mounted, before /dev/pts, /dev/shm, ... */
			have_dev = true;
			plan->ops[n].kind = SBX_ROOTFS_OP_DEV;
			plan->ops[n].index = (size_t)-1;
			plan->ops[n].destination = "/dev";
			n++;
		}
	}
	if (!have_dev && l->n_devices > 0) {
		plan->ops[n].kind = SBX_ROOTFS_OP_DEV;
		plan->ops[n].index = (size_t)-1;
		plan->ops[n].destination = "/dev";
		n++;
	}
	plan->n_ops = n;
	plan->src_fds = sbx_arena_alloc(&plan->arena, sizeof(int) * (n + 1));
	for (i = 0; i <= n; i++)
		plan->src_fds[i] = -1;
	plan->mntfds = sbx_arena_alloc(&plan->arena, sizeof(int) * (n + 1));
	for (i = 0; i <= n; i++)
		plan->mntfds[i] = -1;
	plan->dev_symlinks = have_dev;
	if (compile_devices(plan, cfg, have_dev, err) < 0 ||
	    compile_paths(plan, l->masked_paths, l->n_masked_paths, "maskedPaths", &plan->masked,
			  &plan->n_masked, err) < 0 ||
	    compile_paths(plan, l->readonly_paths, l->n_readonly_paths, "readonlyPaths",
			  &plan->ro_paths, &plan->n_ro, err) < 0) {
		sbx_rootfs_plan_free(plan);
		return -1;
	}
	*out = plan;
	return 0;
}

void sbx_rootfs_plan_free(struct sbx_rootfs_plan *plan)
{
	if (!plan)
		return;
	sbx_rootfs_close_sources(plan);
	sbx_arena_free(&plan->arena);
	free(plan);
}

size_t sbx_rootfs_plan_count(const struct sbx_rootfs_plan *plan)
{
	return plan->n_ops;
}

const struct sbx_rootfs_op *sbx_rootfs_plan_op(const struct sbx_rootfs_plan *plan, size_t i)
{
	return i < plan->n_ops ? &plan->ops[i] : NULL;
}

unsigned long sbx_rootfs_plan_root_propagation(const struct sbx_rootfs_plan *plan)
{
	return plan->root_propagation;
}

unsigned long sbx_rootfs_plan_final_propagation(const struct sbx_rootfs_plan *plan)
{
	return plan->final_propagation;
}

const char *sbx_rootfs_plan_rootfs(const struct sbx_rootfs_plan *plan)
{
	return plan->rootfs;
}

bool sbx_rootfs_plan_prepares_rootfs(const struct sbx_rootfs_plan *plan)
{
	return plan->prepare_rootfs;
}

size_t sbx_rootfs_plan_n_prepared(const struct sbx_rootfs_plan *plan)
{
	size_t n = plan->prepare_rootfs ? 1 : 0;

	for (size_t i = 0; i < plan->n_ops; i++)
		if (plan->ops[i].kind == SBX_ROOTFS_OP_BIND && plan->ops[i].idmap)
			n++;
	return n;
}

int sbx_rootfs_plan_take_fd(struct sbx_rootfs_plan *plan, size_t slot, int fd,
			    struct sbx_err *err)
{
	int *dst;

	if (slot == SBX_ROOTFS_SLOT_ROOT && plan->prepare_rootfs)
		dst = &plan->mntfds[plan->n_ops];
	else if (slot < plan->n_ops && plan->ops[slot].kind == SBX_ROOTFS_OP_BIND &&
		 plan->ops[slot].idmap)
		dst = &plan->mntfds[slot];
	else {
		if (fd >= 0)
			close(fd);
		return sbx_err_set(err, EPROTO, "prepared mount for unexpected slot %zu", slot);
	}
	sbx_cleanup_close(dst);
	*dst = fd;
	return 0;
}

/* ------------------------------------------------------------------ */
/* apply (child)                                                      */
/* ------------------------------------------------------------------ */

/*
 * mount(2) takes path strings.  To mount onto (or from) exactly the object
 * we resolved, we pass the magic link of its fd.  The links are relative to
 * an fd of a procfs we made our cwd ("self/fd/N"): that procfs is the host's
 * one, opened before pivot_root, so it works in finalize too, even when the
 * container has no /proc of its own.  The fd is O_CLOEXEC and closed at the
 * end of finalize, so it never reaches the container process.
 */
static int proc_fd = -1;

static const char *fdpath(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "self/fd/%d", fd);
	return buf;
}

static int enter_proc(struct sbx_err *err)
{
	if (proc_fd < 0) {
		proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (proc_fd < 0)
			return sbx_err_set(err, errno, "open /proc");
	}
	if (fchdir(proc_fd) < 0)
		return sbx_err_set(err, errno, "chdir to /proc");
	return 0;
}

/*
 * mount_setattr(AT_RECURSIVE) for kernels without it (< 5.12, and valgrind,
 * which cannot emulate it): bind-remount the mount at fd and every mount
 * below it, one by one.  Only adding the restrictive flags is supported
 * (rro, rnosuid, rnodev, rnoexec: what sbxrun itself asks for); each remount
 * keeps the flags the kernel has locked on that mount.
 */
static int setattr_rec_fallback(int fd, uint64_t set, uint64_t clr)
{
	_sbx_cleanup_fclose_ FILE *f = NULL;
	_sbx_cleanup_free_ char *line = NULL;
	char self[64], top[PATH_MAX];
	unsigned long add = 0;
	size_t cap = 0, tl;
	ssize_t n;

	if (clr || (set & ~(uint64_t)(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				      MOUNT_ATTR_NOEXEC))) {
		errno = ENOSYS;
		return -1;
	}
	add |= (set & MOUNT_ATTR_RDONLY) ? MS_RDONLY : 0;
	add |= (set & MOUNT_ATTR_NOSUID) ? MS_NOSUID : 0;
	add |= (set & MOUNT_ATTR_NODEV) ? MS_NODEV : 0;
	add |= (set & MOUNT_ATTR_NOEXEC) ? MS_NOEXEC : 0;
	/* Like every mount here, through the host /proc that is our cwd
	 * (fdpath): this works whatever is mounted at /proc. */
	n = readlink(fdpath(self, sizeof(self), fd), top, sizeof(top) - 1);
	if (n < 0)
		return -1;
	top[n] = '\0';
	tl = (size_t)n;
	f = fopen("self/mountinfo", "re");
	if (!f)
		return -1;
	/* mountinfo lists parents before children, so the top mount is
	 * remounted first. */
	while (getline(&line, &cap, f) > 0) {
		char *mp = line, *sp;
		_sbx_cleanup_close_ int mfd = -1;
		struct statvfs sv;
		unsigned long fl = MS_BIND | MS_REMOUNT | add;
		char mpath[64];

		for (int i = 0; i < 4 && mp; i++) /* field 5: the mount point */
			mp = (sp = strchr(mp, ' ')) ? sp + 1 : NULL;
		if (!mp || !(sp = strchr(mp, ' ')))
			continue;
		*sp = '\0';
		sbx_mountinfo_unescape(mp);
		if (strncmp(mp, top, tl) != 0 || (mp[tl] != '\0' && mp[tl] != '/' && tl != 1))
			continue;
		mfd = open(mp, O_PATH | O_CLOEXEC | O_NOFOLLOW);
		if (mfd < 0 || fstatvfs(mfd, &sv) < 0)
			return -1;
		fl |= (sv.f_flag & ST_RDONLY) ? MS_RDONLY : 0;
		fl |= (sv.f_flag & ST_NOSUID) ? MS_NOSUID : 0;
		fl |= (sv.f_flag & ST_NODEV) ? MS_NODEV : 0;
		fl |= (sv.f_flag & ST_NOEXEC) ? MS_NOEXEC : 0;
		fl |= (sv.f_flag & ST_NOATIME) ? MS_NOATIME : (sv.f_flag & ST_RELATIME) ? MS_RELATIME : 0;
		fl |= (sv.f_flag & ST_NODIRATIME) ? MS_NODIRATIME : 0;
		if (mount(NULL, fdpath(mpath, sizeof(mpath), mfd), NULL, fl, NULL) < 0)
			return -1;
	}
	return 0;
}

static int setattr_rec(int fd, uint64_t set, uint64_t clr, bool recursive)
{
	struct mount_attr attr;
	int r;

	memset(&attr, 0, sizeof(attr));
	attr.attr_set = set;
	attr.attr_clr = clr;
	r = (int)syscall(SYS_mount_setattr, fd, "",
			 AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr));
	if (r < 0 && errno == ENOSYS && recursive)
		return setattr_rec_fallback(fd, set, clr);
	return r;
}

/* The source's restrictive flags we must (and want to) keep on a remount. */
static int locked_flags(int fd, unsigned long *out)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) < 0)
		return -1;
	*out = 0;
	if (sv.f_flag & ST_RDONLY)
		*out |= MS_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		*out |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		*out |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		*out |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		*out |= MS_NOATIME;
	else if (sv.f_flag & ST_RELATIME)
		*out |= MS_RELATIME;
	else
		*out |= MS_STRICTATIME;
	if (sv.f_flag & ST_NODIRATIME)
		*out |= MS_NODIRATIME;
	return 0;
}

/* MS_BIND|MS_REMOUNT the mount whose root is `fd`, with `flags`, keeping
 * the source's ro/nosuid/nodev/noexec unless `clear` names them.  The atime
 * mode is left to the kernel (which keeps the current one) unless the config
 * chose one. */
static int remount_bind(int fd, unsigned long flags, unsigned long clear, bool atime_given,
			const char *dest, struct sbx_err *err)
{
	unsigned long src, f;
	char p[64];

	if (locked_flags(fd, &src) < 0)
		return sbx_err_set(err, errno, "statvfs %s", dest);
	f = MS_BIND | MS_REMOUNT | (flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT));
	f |= src & LOCKABLE & ~clear;
	if (atime_given && !(f & ATIME_MODES))
		f |= src & ATIME_MODES; /* e.g. only "nodiratime" given */
	else if (!atime_given)
		f &= ~(unsigned long)(ATIME_MODES | MS_NODIRATIME);
	if (mount(NULL, fdpath(p, sizeof(p), fd), NULL, f, NULL) < 0)
		return sbx_err_set(err, errno, "remount %s", dest);
	return 0;
}

/* After the mount: remount, propagation, recursive attributes.  The
 * destination is resolved again so we get the root of the new mount (the fd
 * used as target still points at the covered directory). */
static int finish_mount(int rootfd, const struct sbx_rootfs_op *op, bool bind, unsigned long flags,
			unsigned long propagation, uint64_t attr_set, uint64_t attr_clr,
			struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = -1;
	char p[64];

	fd = sbx_path_open_in_root(rootfd, op->destination, O_PATH, err);
	if (fd < 0)
		return sbx_err_prefix(err, "mount on %s", op->destination);
	if (bind && ((flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT)) || op->clear) &&
	    remount_bind(fd, flags, op->clear, op->atime_given, op->destination, err) < 0)
		return -1;
	if (propagation && mount(NULL, fdpath(p, sizeof(p), fd), NULL, propagation, NULL) < 0)
		return sbx_err_set(err, errno, "set propagation of %s", op->destination);
	if ((attr_set || attr_clr) && setattr_rec(fd, attr_set, attr_clr, true) < 0)
		return sbx_err_set(err, errno, "mount_setattr %s (recursive options)", op->destination);
	return 0;
}

/* Bind the object `src` (an O_PATH fd; `source` names it in messages) onto
 * op's destination, then apply op's flags.  Holding an fd pins what we
 * checked (file or dir) to what we mount. */
static int bind_fd(int rootfd, const struct sbx_rootfs_op *op, int src, const char *source,
		   unsigned long flags, uint64_t attr_set, struct sbx_err *err)
{
	_sbx_cleanup_close_ int dst = -1;
	char sp[64], dp[64];
	struct stat st;

	if (fstat(src, &st) < 0)
		return sbx_err_set(err, errno, "bind %s on %s: stat source", source, op->destination);
	dst = sbx_path_mkpath_in_root(rootfd, op->destination, S_ISDIR(st.st_mode), err);
	if (dst < 0)
		return sbx_err_prefix(err, "bind %s on %s", source, op->destination);
	/* The data string, if any, is passed as the runtime-spec asks; the
	 * kernel ignores it for a bind mount. */
	if (mount(fdpath(sp, sizeof(sp), src), fdpath(dp, sizeof(dp), dst), NULL,
		  MS_BIND | (flags & MS_REC), op->data) < 0)
		return sbx_err_set(err, errno, "bind %s on %s", source, op->destination);
	return finish_mount(rootfd, op, true, flags, op->propagation ? op->propagation : 0, attr_set,
			    op->attr_clr, err);
}

/* Bind a fixed host path of sbxrun's own choosing (/sys, /dev/mqueue...). */
static int do_bind(int rootfd, const struct sbx_rootfs_op *op, const char *source,
		   unsigned long flags, uint64_t attr_set, struct sbx_err *err)
{
	_sbx_cleanup_close_ int src = open(source, O_PATH | O_CLOEXEC);

	if (src < 0)
		return sbx_err_set(err, errno, "bind %s on %s: open source", source, op->destination);
	return bind_fd(rootfd, op, src, source, flags, attr_set, err);
}

/* A mount the parent prepared (rootfs_idmap.c: a detached, maybe
 * id-mapped clone of the source): attach it with move_mount onto the
 * destination resolved in the rootfs, then the same remount/propagation
 * steps as any bind. */
static int attach_prepared(int rootfd, const struct sbx_rootfs_op *op, int mfd,
			   struct sbx_err *err)
{
	_sbx_cleanup_close_ int dst = -1;
	struct stat st;

	if (fstat(mfd, &st) < 0)
		return sbx_err_set(err, errno, "bind %s on %s: stat the prepared mount", op->source,
				   op->destination);
	dst = sbx_path_mkpath_in_root(rootfd, op->destination, S_ISDIR(st.st_mode), err);
	if (dst < 0)
		return sbx_err_prefix(err, "bind %s on %s", op->source, op->destination);
	if (syscall(SYS_move_mount, mfd, "", dst, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return sbx_err_set(err, errno, "bind %s on %s: attach the prepared mount", op->source,
				   op->destination);
	return finish_mount(rootfd, op, true, op->flags, op->propagation, op->attr_set,
			    op->attr_clr, err);
}

/* The kernel refuses sysfs without a new netns and cgroup v1/cgroup2
 * outside the owning user/cgroup namespace; the host's tree, bound
 * read-only with every submount also made read-only, is what runc/crun
 * give rootless containers too. */
static int bind_host_ro(int rootfd, const struct sbx_rootfs_op *op, const char *host,
			struct sbx_err *err)
{
	return do_bind(rootfd, op, host, (op->flags & ~(unsigned long)MS_REMOUNT) | MS_BIND | MS_REC |
			       MS_RDONLY, op->attr_set | MOUNT_ATTR_RDONLY, err);
}

/*
 * tmpcopyup: copy the tree at `src` (the image's directory, now covered by
 * the tmpfs but still reachable through this fd) into `dst` (the tmpfs).
 * Everything is relative to directory fds with O_NOFOLLOW: a symlink in the
 * image is copied as a symlink, never followed, so it cannot pull host
 * files in or push writes out.  Sockets and device nodes are skipped (a
 * tmpfs from a config is nodev, and sockets cannot be copied).
 */
static int copy_owner_mode(int fd, const struct stat *st, const char *what, struct sbx_err *err)
{
	/* An owner the user namespace does not map cannot be set (EINVAL);
	 * the copy then stays owned by the container's root, which is what
	 * the original looks like from inside anyway. */
	if (fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EINVAL && errno != EPERM)
		return sbx_err_set(err, errno, "tmpcopyup: chown %s", what);
	if (fchmod(fd, st->st_mode & 07777) < 0)
		return sbx_err_set(err, errno, "tmpcopyup: chmod %s", what);
	return 0;
}

static int copy_tree(int src, int dst, const char *dest, int depth, struct sbx_err *err)
{
	_sbx_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int dfd;

	if (depth > 64)
		return sbx_err_set(err, ELOOP, "tmpcopyup %s: directory tree too deep", dest);
	dfd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return sbx_err_set(err, errno, "tmpcopyup %s: read directory", dest);
	}
	while ((errno = 0, de = readdir(d))) {
		const char *n = de->d_name;
		struct stat st;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		if (fstatat(src, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return sbx_err_set(err, errno, "tmpcopyup %s/%s", dest, n);
		if (S_ISDIR(st.st_mode)) {
			_sbx_cleanup_close_ int s2 = -1, d2 = -1;
			if (mkdirat(dst, n, 0700) < 0 && errno != EEXIST)
				return sbx_err_set(err, errno, "tmpcopyup: mkdir %s/%s", dest, n);
			s2 = openat(src, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			d2 = openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				return sbx_err_set(err, errno, "tmpcopyup: open %s/%s", dest, n);
			if (copy_tree(s2, d2, dest, depth + 1, err) < 0 ||
			    copy_owner_mode(d2, &st, n, err) < 0)
				return -1;
		} else if (S_ISREG(st.st_mode)) {
			_sbx_cleanup_close_ int s2 = -1, d2 = -1;
			off_t left = st.st_size;
			s2 = openat(src, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			d2 = openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (s2 < 0 || d2 < 0)
				return sbx_err_set(err, errno, "tmpcopyup: copy %s/%s", dest, n);
			while (left > 0) {
				ssize_t w = sendfile(d2, s2, NULL, (size_t)left);
				if (w <= 0)
					return sbx_err_set(err, w < 0 ? errno : EIO, "tmpcopyup: copy %s/%s",
							   dest, n);
				left -= w;
			}
			if (copy_owner_mode(d2, &st, n, err) < 0)
				return -1;
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t l = readlinkat(src, n, target, sizeof(target) - 1);
			if (l < 0)
				return sbx_err_set(err, errno, "tmpcopyup: readlink %s/%s", dest, n);
			target[l] = '\0';
			if (symlinkat(target, dst, n) < 0)
				return sbx_err_set(err, errno, "tmpcopyup: symlink %s/%s", dest, n);
			if (fchownat(dst, n, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
			    errno != EINVAL && errno != EPERM)
				return sbx_err_set(err, errno, "tmpcopyup: chown %s/%s", dest, n);
		} else if (S_ISFIFO(st.st_mode)) {
			if (mkfifoat(dst, n, st.st_mode & 07777) < 0)
				return sbx_err_set(err, errno, "tmpcopyup: mkfifo %s/%s", dest, n);
		}
	}
	if (errno)
		return sbx_err_set(err, errno, "tmpcopyup %s: read directory", dest);
	return 0;
}

static int do_fs(int rootfd, const struct sbx_rootfs_op *op, const char *type, int *mount_errno,
		 struct sbx_err *err)
{
	_sbx_cleanup_close_ int dst = -1, under = -1, top = -1;
	unsigned long flags = op->flags & ~(unsigned long)(MS_BIND | MS_REC);
	struct stat st;
	char dp[64];

	*mount_errno = 0;
	/* A late read-only mount is writable until finalize. */
	if (op->late_ro)
		flags &= ~(unsigned long)MS_RDONLY;
	dst = sbx_path_mkpath_in_root(rootfd, op->destination, true, err);
	if (dst < 0)
		return sbx_err_prefix(err, "mount %s on %s", type, op->destination);
	/* tmpcopyup: keep a handle on the directory the tmpfs will cover. */
	if (op->tmpcopyup && ((under = openat(dst, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
			      fstat(under, &st) < 0))
		return sbx_err_set(err, errno, "tmpcopyup: open %s", op->destination);
	/* The options that are not flags go to the filesystem as data; when
	 * it refuses them, say which mount and which data. */
	if (mount(op->source, fdpath(dp, sizeof(dp), dst), type, flags, op->data) < 0) {
		*mount_errno = errno;
		return sbx_err_set(err, errno, "mount %s on %s%s%s%s", type, op->destination,
				   op->data ? " with data \"" : "", op->data ? op->data : "",
				   op->data ? "\"" : "");
	}
	if (op->tmpcopyup) {
		/* A read-only tmpcopyup tmpfs is late_ro: filled here, made
		 * read-only in finalize. */
		top = sbx_path_open_in_root(rootfd, op->destination, O_RDONLY | O_DIRECTORY, err);
		if (top < 0)
			return sbx_err_prefix(err, "tmpcopyup");
		if (copy_tree(under, top, op->destination, 0, err) < 0 ||
		    copy_owner_mode(top, &st, op->destination, err) < 0)
			return -1;
	}
	return finish_mount(rootfd, op, false, flags, op->propagation, op->attr_set, op->attr_clr,
			    err);
}

static bool host_cgroup2(void)
{
	struct statfs sf;

	return statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* Bind the host's device node onto an empty file: in a user namespace
 * mknod is refused and device nodes on its mounts are inert anyway. */
static int bind_device(int rootfd, const struct dev_node *d, struct sbx_err *err)
{
	_sbx_cleanup_close_ int src = -1, dst = -1;
	char sp[64], dp[64];
	struct stat st;

	src = open(d->path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	if (src < 0 || fstat(src, &st) < 0)
		return sbx_err_set(err, errno, "bind device %s from the host", d->path);
	/* Fail closed: never hand the container a different node than the
	 * one the config asked for. */
	if ((st.st_mode & S_IFMT) != (d->mode & S_IFMT) || st.st_rdev != d->rdev)
		return sbx_err_set(err, 0, "bind device %s from the host: host node is not %u:%u",
				   d->path, major(d->rdev), minor(d->rdev));
	dst = sbx_path_mkpath_in_root(rootfd, d->path, false, err);
	if (dst < 0)
		return sbx_err_prefix(err, "bind device %s", d->path);
	if (mount(fdpath(sp, sizeof(sp), src), fdpath(dp, sizeof(dp), dst), NULL, MS_BIND, NULL) < 0)
		return sbx_err_set(err, errno, "bind device %s", d->path);
	return 0;
}

static int make_device(int rootfd, const struct dev_node *d, bool userns, struct sbx_err *err)
{
	_sbx_cleanup_close_ int parent = -1;
	char dir[PATH_MAX];
	const char *base;
	mode_t old;
	int r;

	if (userns && (d->mode & S_IFMT) != S_IFIFO)
		return bind_device(rootfd, d, err);
	snprintf(dir, sizeof(dir), "%s", d->path);
	*strrchr(dir, '/') = '\0';
	base = strrchr(d->path, '/') + 1;
	parent = sbx_path_mkpath_in_root(rootfd, dir, true, err);
	if (parent < 0)
		return sbx_err_prefix(err, "create device %s", d->path);
	/* umask would mask the mode the config asked for; we are single
	 * threaded here, so the process-wide switch is safe. */
	old = umask(0);
	r = mknodat(parent, base, d->mode, d->rdev);
	if (r < 0 && errno == EEXIST) {
		/* Whatever the image put there is replaced: a regular file
		 * posing as /dev/null must not survive. */
		if (unlinkat(parent, base, 0) == 0)
			r = mknodat(parent, base, d->mode, d->rdev);
		else
			errno = EEXIST;
	}
	umask(old);
	if (r < 0 && errno == EPERM && (d->mode & S_IFMT) != S_IFIFO)
		return bind_device(rootfd, d, err);
	if (r < 0)
		return sbx_err_set(err, errno, "mknod %s", d->path);
	if (fchownat(parent, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return sbx_err_set(err, errno, "chown %s to %u:%u", d->path, d->uid, d->gid);
	return 0;
}

static int dev_symlink(int devfd, const char *target, const char *name, bool replace,
		       struct sbx_err *err)
{
	if (symlinkat(target, devfd, name) == 0)
		return 0;
	if (errno == EEXIST && replace && unlinkat(devfd, name, 0) == 0 &&
	    symlinkat(target, devfd, name) == 0)
		return 0;
	if (errno == EEXIST && !replace)
		return 0;
	return sbx_err_set(err, errno, "symlink /dev/%s -> %s", name, target);
}

static int do_dev(const struct sbx_rootfs_plan *plan, int rootfd, struct sbx_err *err)
{
	_sbx_cleanup_close_ int devfd = -1;
	size_t i;

	for (i = 0; i < plan->n_devs; i++)
		if (make_device(rootfd, &plan->devs[i], plan->opts.userns, err) < 0)
			return -1;
	if (!plan->dev_symlinks)
		return 0;
	devfd = sbx_path_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, err);
	if (devfd < 0)
		return sbx_err_prefix(err, "create /dev symlinks");
	if (dev_symlink(devfd, "/proc/self/fd", "fd", false, err) < 0 ||
	    dev_symlink(devfd, "/proc/self/fd/0", "stdin", false, err) < 0 ||
	    dev_symlink(devfd, "/proc/self/fd/1", "stdout", false, err) < 0 ||
	    dev_symlink(devfd, "/proc/self/fd/2", "stderr", false, err) < 0)
		return -1;
	/* The container's ptys must come from its own devpts instance
	 * (newinstance), not from a ptmx node that would reach the host's. */
	if (plan->ptmx_link && dev_symlink(devfd, "pts/ptmx", "ptmx", true, err) < 0)
		return -1;
	return 0;
}

/*
 * proc and sysfs (as runc and crun require) and /dev (sbxrun adds it) are
 * mounted only on an ordinary directory of the image, never through a
 * symlink there: with /proc a link into a volume that another container
 * controls (CVE-2019-16884, CVE-2019-19921), the runtime's later writes
 * through the container's /proc (sysctls, read-only and masked paths) would
 * land on files of the attacker's choosing.  A missing one is created.
 */
static int check_plain_dir(int rootfd, const struct sbx_rootfs_op *op, const char *what,
			   struct sbx_err *err)
{
	_sbx_cleanup_close_ int pfd = -1;
	char parent[PATH_MAX];
	const char *base = strrchr(op->destination, '/') + 1;
	struct stat st;

	snprintf(parent, sizeof(parent), "%.*s", (int)(base - op->destination), op->destination);
	pfd = sbx_path_open_in_root(rootfd, parent, O_PATH | O_DIRECTORY, NULL);
	if (pfd < 0 || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* missing: mkpath creates a directory */
	if (S_ISLNK(st.st_mode))
		return sbx_err_set(err, 0, "mount %s on %s: it is a symbolic link in the rootfs; %s must be mounted on an ordinary directory",
				   what, op->destination, what);
	if (!S_ISDIR(st.st_mode))
		return sbx_err_set(err, ENOTDIR, "mount %s on %s: %s must be mounted on an ordinary directory",
				   what, op->destination, what);
	return 0;
}

static int do_op(struct sbx_rootfs_plan *plan, int rootfd, size_t i, struct sbx_err *err)
{
	const struct sbx_rootfs_opts *o = &plan->opts;
	const struct sbx_rootfs_op *op = &plan->ops[i];
	int merr = 0, r;

	if (op->kind == SBX_ROOTFS_OP_PROC || op->kind == SBX_ROOTFS_OP_SYSFS) {
		if (check_plain_dir(rootfd, op, op->type, err) < 0)
			return -1;
	} else if (op->kind != SBX_ROOTFS_OP_DEV && !strcmp(op->destination, "/dev")) {
		if (check_plain_dir(rootfd, op, "/dev", err) < 0)
			return -1;
	}
	switch (op->kind) {
	case SBX_ROOTFS_OP_BIND: {
		_sbx_cleanup_close_ int src = -1;
		if (plan->mntfds[i] >= 0) {
			/* Prepared by the parent (rootfs_idmap.c). */
			r = attach_prepared(rootfd, op, plan->mntfds[i], err);
			sbx_cleanup_close(&plan->mntfds[i]);
			return r;
		}
		src = sbx_rootfs_source_fd(plan, i, rootfd, err);
		if (src < 0)
			return -1;
		return bind_fd(rootfd, op, src, op->source, op->flags, op->attr_set, err);
	}
	case SBX_ROOTFS_OP_PROC:
	case SBX_ROOTFS_OP_FS:
		if (do_fs(rootfd, op, op->type, &merr, err) == 0)
			return 0;
		/* mqueue needs a new ipc namespace owned by our user ns;
		 * without one, share the host's like runc does. */
		if (op->kind == SBX_ROOTFS_OP_FS && !strcmp(op->type, "mqueue") && merr == EPERM &&
		    o->userns)
			return do_bind(rootfd, op, "/dev/mqueue", op->flags | MS_BIND | MS_REC,
				       op->attr_set, err);
		return -1;
	case SBX_ROOTFS_OP_SYSFS:
		if (!o->new_netns && (o->userns || o->rootless))
			return bind_host_ro(rootfd, op, "/sys", err);
		if (do_fs(rootfd, op, "sysfs", &merr, err) == 0)
			return 0;
		if (merr == EPERM && o->userns)
			return bind_host_ro(rootfd, op, "/sys", err);
		return -1;
	case SBX_ROOTFS_OP_CGROUP:
		/* A cgroup2 mount only makes sense when the host is unified:
		 * on a hybrid host the controllers live in v1 hierarchies,
		 * which a user namespace can never mount.  Without a cgroup
		 * namespace (or user ns privileges over it) the kernel says
		 * EPERM.  In both cases expose the host's tree read-only. */
		if (!host_cgroup2())
			return bind_host_ro(rootfd, op, "/sys/fs/cgroup", err);
		if (do_fs(rootfd, op, "cgroup2", &merr, err) == 0)
			return 0;
		if (merr == EPERM)
			return bind_host_ro(rootfd, op, "/sys/fs/cgroup", err);
		return -1;
	case SBX_ROOTFS_OP_DEV:
		return do_dev(plan, rootfd, err);
	}
	return sbx_err_set(err, EINVAL, "unknown mount kind %d", (int)op->kind);
}

static const char *prop_name(unsigned long p)
{
	if (p & MS_SHARED)
		return p & MS_REC ? "rshared" : "shared";
	if (p & MS_SLAVE)
		return p & MS_REC ? "rslave" : "slave";
	if (p & MS_UNBINDABLE)
		return p & MS_REC ? "runbindable" : "unbindable";
	return p & MS_REC ? "rprivate" : "private";
}

/* The rootfs mount (or directory) from the mounts to pivot_root, so both
 * steps act on the very object the mounts went into. */
static int root_fd = -1;

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Anything to do in the rootfs that needs a mount of its own there. */
static bool needs_rootfs_mount(const struct sbx_rootfs_plan *plan)
{
	return plan->n_ops || plan->readonly || plan->n_masked || plan->n_ro ||
	       plan->final_propagation;
}

static int apply_child(struct sbx_rootfs_plan *plan, struct sbx_err *err)
{
	bool own = !plan->opts.shared_mntns;
	size_t i;

	/* Only in a mount namespace of its own: elsewhere this would change
	 * the propagation of every mount of the runtime (runc does that, on
	 * the host's whole tree; crun does not). */
	if (own && mount(NULL, "/", NULL, plan->root_propagation, NULL) < 0)
		return sbx_err_set(err, errno, "make / %s", prop_name(plan->root_propagation));
	if (own && plan->mntfds[plan->n_ops] >= 0) {
		int *tfd = &plan->mntfds[plan->n_ops];
		struct stat cwd, tree;
		/* The parent's (id-mapped) clone of the rootfs.  Stage-1 made
		 * the rootfs directory our cwd before unsharing (the namespace
		 * copy carried it over), so the tree is attached there without
		 * a path lookup by the container's uid, which may not be able
		 * to search the bundle's parents.  Check it is the same dir. */
		if (stat(".", &cwd) < 0 || fstat(*tfd, &tree) < 0)
			return sbx_err_set(err, errno, "attach the prepared rootfs %s", plan->rootfs);
		if (cwd.st_dev != tree.st_dev || cwd.st_ino != tree.st_ino)
			return sbx_err_set(err, EXDEV, "attach the prepared rootfs %s: the working directory is not that directory",
					   plan->rootfs);
		if (syscall(SYS_move_mount, *tfd, "", AT_FDCWD, "",
			    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
			return sbx_err_set(err, errno, "attach the prepared rootfs %s", plan->rootfs);
		/* The fd now names the root of the attached tree: the mount
		 * pivot_root needs. */
		root_fd = *tfd;
		*tfd = -1;
	} else {
		/* pivot_root needs the new root to be a mount point.  In a shared
		 * namespace the bind holds the container's mounts, and made private
		 * right away none of them reaches another mount or namespace; the
		 * bind itself still appears wherever the rootfs's parent mount
		 * propagates to, as with runc and crun (which mount into the shared
		 * tree directly). */
		if (own || needs_rootfs_mount(plan)) {
			if (mount(plan->rootfs, plan->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
				return sbx_err_set(err, errno, "bind %s onto itself%s", plan->rootfs,
						   own ? "" : " (the container has no mount namespace of its own: its mounts go to the runtime's one; add {\"type\": \"mount\"} to linux.namespaces)");
			if (!own && mount(NULL, plan->rootfs, NULL, MS_REC | MS_PRIVATE, NULL) < 0)
				return sbx_err_set(err, errno, "make the bind of %s private", plan->rootfs);
		}
		root_fd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root_fd < 0)
			return sbx_err_set(err, errno, "open %s", plan->rootfs);
	}
	if (enter_proc(err) < 0)
		return -1;
	for (i = 0; i < plan->n_ops; i++) {
		if (do_op(plan, root_fd, i, err) < 0) {
			if (plan->ops[i].index != (size_t)-1)
				sbx_err_prefix(err, "mounts[%zu]", plan->ops[i].index);
			return -1;
		}
	}
	/* No runtime-opened source survives the mounts. */
	sbx_rootfs_close_sources(plan);
	/* The createContainer hooks run here, in the rootfs (as in runc). */
	if (fchdir(root_fd) < 0)
		return sbx_err_set(err, errno, "chdir to %s", plan->rootfs);
	return 0;
}

int sbx_rootfs_apply_child(struct sbx_rootfs_plan *plan, struct sbx_err *err)
{
	int r = apply_child(plan, err);

	if (r < 0) {
		sbx_rootfs_close_sources(plan);
		close_fd(&proc_fd);
		close_fd(&root_fd);
	}
	return r;
}

static int pivot_child(const struct sbx_rootfs_plan *plan, struct sbx_err *err)
{
	if (fchdir(root_fd) < 0)
		return sbx_err_set(err, errno, "chdir to %s", plan->rootfs);
	if (plan->opts.shared_mntns) {
		/* Not our namespace: pivot_root would move the root (and cwd)
		 * of every process in it that uses the old root into the
		 * container, and the detach would take the namespace's mounts
		 * away from all of them; moving onto "/" would cover its root.
		 * chroot, as runc and crun do without a mount namespace.  A
		 * chroot keeps the old root reachable to whoever can escape one
		 * (CAP_SYS_CHROOT); the kernel at least refuses a new user
		 * namespace to a chrooted process. */
		if (chroot(".") < 0)
			return sbx_err_set(err, errno, "chroot to %s", plan->rootfs);
	} else if (plan->opts.no_pivot) {
		/* chroot-style: needed where pivot_root is impossible
		 * (initramfs); weaker, the old root stays reachable to
		 * anyone who can escape a chroot (CAP_SYS_CHROOT). */
		if (sbx_rootfs_hide_host_procfs(proc_fd, plan->rootfs, err) < 0)
			return -1;
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return sbx_err_set(err, errno, "move %s to /", plan->rootfs);
		if (chroot(".") < 0)
			return sbx_err_set(err, errno, "chroot to %s", plan->rootfs);
	} else {
		/* pivot_root(".", "."): the old root ends up mounted on top of
		 * the new one; detaching "." then removes it without a
		 * put_old directory inside the rootfs. */
		if (syscall(SYS_pivot_root, ".", ".") < 0)
			return sbx_err_set(err, errno, "pivot_root to %s", plan->rootfs);
		/* Make sure the detach below cannot propagate to the host. */
		if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
			return sbx_err_set(err, errno, "make old root rslave");
		if (umount2(".", MNT_DETACH) < 0)
			return sbx_err_set(err, errno, "detach old root");
	}
	if (chdir("/") < 0)
		return sbx_err_set(err, errno, "chdir to /");
	return 0;
}

int sbx_rootfs_pivot_child(const struct sbx_rootfs_plan *plan, struct sbx_err *err)
{
	int r = pivot_child(plan, err);

	close_fd(&root_fd);
	if (r < 0)
		close_fd(&proc_fd);
	return r;
}

/* ------------------------------------------------------------------ */
/* finalize (child, after pivot_root)                                 */
/* ------------------------------------------------------------------ */

static int readonly_path(int rootfd, const char *path, struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = -1, fd2 = -1;
	char p[64];

	fd = sbx_path_open_in_root(rootfd, path, O_PATH, err);
	if (fd < 0 && errno == ENOENT)
		return 0; /* runtime-spec: missing paths are skipped */
	if (fd < 0)
		return sbx_err_prefix(err, "make %s read-only", path);
	if (mount(fdpath(p, sizeof(p), fd), p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return sbx_err_set(err, errno, "make %s read-only: bind", path);
	fd2 = sbx_path_open_in_root(rootfd, path, O_PATH, err);
	if (fd2 < 0)
		return sbx_err_prefix(err, "make %s read-only", path);
	if (remount_bind(fd2, MS_RDONLY, 0, false, path, err) < 0)
		return sbx_err_prefix(err, "make %s read-only", path);
	return 0;
}

static int masked_path(int rootfd, int nullfd, const char *path, struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = -1;
	char p[64], np[64];
	struct stat st;

	fd = sbx_path_open_in_root(rootfd, path, O_PATH, err);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return sbx_err_prefix(err, "mask %s", path);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", fdpath(p, sizeof(p), fd), "tmpfs",
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return sbx_err_set(err, errno, "mask %s: mount tmpfs", path);
		return 0;
	}
	if (nullfd < 0)
		return sbx_err_set(err, ENOENT, "mask %s: no /dev/null character device in the container",
				   path);
	if (mount(fdpath(np, sizeof(np), nullfd), fdpath(p, sizeof(p), fd), NULL, MS_BIND, NULL) < 0)
		return sbx_err_set(err, errno, "mask %s: bind /dev/null", path);
	return 0;
}

static int finalize_child(const struct sbx_rootfs_plan *plan, struct sbx_err *err)
{
	_sbx_cleanup_close_ int rootfd = -1, nullfd = -1;
	char p[64];
	size_t i;

	rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return sbx_err_set(err, errno, "open /");
	if (enter_proc(err) < 0)
		return -1;
	/* Read-only tmpfs and /dev mounts, filled by now (see late_ro). */
	for (i = 0; i < plan->n_ops; i++) {
		const struct sbx_rootfs_op *op = &plan->ops[i];
		_sbx_cleanup_close_ int fd = -1;

		if (!op->late_ro)
			continue;
		fd = sbx_path_open_in_root(rootfd, op->destination, O_PATH | O_DIRECTORY, err);
		if (fd < 0 || remount_bind(fd, op->flags, op->clear, op->atime_given, op->destination,
					   err) < 0)
			return sbx_err_prefix(err, "mounts[%zu]: make %s read-only", op->index,
					      op->destination);
	}
	for (i = 0; i < plan->n_ro; i++)
		if (readonly_path(rootfd, plan->ro_paths[i], err) < 0)
			return -1;
	if (plan->n_masked) {
		struct stat st;
		/* Masking a file binds the container's /dev/null over it:
		 * check it really is the null device, an image could ship a
		 * regular file there. */
		nullfd = sbx_path_open_in_root(rootfd, "/dev/null", O_PATH, NULL);
		if (nullfd >= 0 && (fstat(nullfd, &st) < 0 || !S_ISCHR(st.st_mode) ||
				    st.st_rdev != makedev(1, 3))) {
			close(nullfd);
			nullfd = -1;
		}
	}
	for (i = 0; i < plan->n_masked; i++)
		if (masked_path(rootfd, nullfd, plan->masked[i], err) < 0)
			return -1;
	if (plan->readonly && remount_bind(rootfd, MS_RDONLY, 0, false, "/", err) < 0)
		return sbx_err_prefix(err, "make root read-only");
	if (plan->final_propagation &&
	    mount(NULL, fdpath(p, sizeof(p), rootfd), NULL, plan->final_propagation, NULL) < 0)
		return sbx_err_set(err, errno, "make / %s", prop_name(plan->final_propagation));
	return 0;
}

int sbx_rootfs_finalize_child(const struct sbx_rootfs_plan *plan, struct sbx_err *err)
{
	int r = finalize_child(plan, err);

	if (chdir("/") < 0 && r == 0)
		r = sbx_err_set(err, errno, "chdir to /");
	if (proc_fd >= 0) {
		close(proc_fd);
		proc_fd = -1;
	}
	return r;
}
