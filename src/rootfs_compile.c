/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Root filesystem, compile step (parent, before clone; pure): the OCI
 * mounts, devices, masked and read-only paths -> an ordered plan (see
 * include/sbx/rootfs.h), and the plan's accessors.  The child applies it in
 * rootfs.c.
 */
#include "rootfs_int.h"
#include "sbx/mountopt.h"
#include "sbx/path.h"
#include "sbx/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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

/* mounts[idx].destination: clean, absolute, never "/". */
static int compile_destination(struct sbx_rootfs_plan *plan, const struct sbx_mount *m,
			       size_t idx, struct sbx_rootfs_op *op, struct sbx_err *err)
{
	size_t rl = strlen(plan->rootfs);

	/* runtime-spec 1.2: a relative destination is relative to "/". */
	if (m->destination[0] == '/') {
		op->destination = clean_abs(&plan->arena, m->destination);
	} else {
		char *d = sbx_xasprintf("/%s", m->destination);
		op->destination = clean_abs(&plan->arena, d);
		free(d);
	}
	/* A destination spelt with the rootfs's host path in front is that
	 * path inside the container, as runc reads it (its tests and some
	 * tools write "<rootfs>/mnt"); it is still resolved inside the rootfs. */
	if (!strncmp(op->destination, plan->rootfs, rl) && op->destination[rl] == '/')
		op->destination += rl;
	if (!strcmp(op->destination, "/"))
		return sbx_err_set(err, 0, "config.json: mounts[%zu].destination: cannot mount over \"/\"",
				   idx);
	return 0;
}

/* The parsed options that the apply step reads from the op. */
static void take_mountopts(struct sbx_rootfs_op *op, const struct sbx_mountopts *mo)
{
	op->flags = mo->flags;
	op->clear = mo->clear;
	op->propagation = mo->propagation;
	op->attr_set = mo->attr_set;
	op->attr_clr = mo->attr_clr;
	op->atime_given = mo->atime_given;
	op->tmpcopyup = mo->tmpcopyup;
	op->data = mo->data;
}

/* Id-mapped mounts (runtime-spec 1.2): bind mounts only, as in runc;
 * they need a user namespace for the ids to mean anything inside, and
 * root on the host to set them up (the parent id-maps the source). */
static int compile_idmap(const struct sbx_rootfs_plan *plan, const struct sbx_config *cfg,
			 const struct sbx_mount *m, const struct sbx_mountopts *mo, size_t idx,
			 struct sbx_rootfs_op *op, struct sbx_err *err)
{
	if (!mo->bind && !(m->type && !strcmp(m->type, "bind")))
		return sbx_err_set(err, 0, "config.json: mounts[%zu]: id-mapped mounts are only supported for bind mounts",
				   idx);
	if (!sbx_config_ns(cfg, SBX_NS_USER))
		return sbx_err_set(err, 0, "config.json: mounts[%zu]: an id-mapped mount needs a user namespace in linux.namespaces",
				   idx);
	if (plan->opts.rootless)
		return sbx_err_set(err, 0, "config.json: mounts[%zu]: an id-mapped mount needs root on the host (CAP_SYS_ADMIN over the source's filesystem)",
				   idx);
	op->idmap = m->n_uid_mappings ? SBX_ROOTFS_IDMAP_EXPLICIT : SBX_ROOTFS_IDMAP_CONTAINER;
	op->idmap_recursive = mo->idmap_recursive;
	op->uid_map = m->uid_mappings;
	op->gid_map = m->gid_mappings;
	op->n_uid_map = m->n_uid_mappings;
	op->n_gid_map = m->n_gid_mappings;
	return 0;
}

/* A bind mount: where its source is (host path, bundle-relative, or inside
 * the rootfs) and whether a pool container id-maps it. */
static int compile_bind(struct sbx_rootfs_plan *plan, const struct sbx_config *cfg,
			const struct sbx_mount *m, size_t idx, struct sbx_rootfs_op *op,
			struct sbx_err *err)
{
	size_t rl = strlen(plan->rootfs);

	if (!m->source || !*m->source)
		return sbx_err_set(err, 0, "config.json: mounts[%zu].source: required for a bind mount",
				   idx);
	op->kind = SBX_ROOTFS_OP_BIND;
	op->flags |= MS_BIND;
	if (m->source[0] == '/') {
		op->source = clean_abs(&plan->arena, m->source);
	} else {
		/* Relative bind sources are relative to the bundle
		 * (runtime-spec), not to our cwd. */
		if (!cfg->bundle)
			return sbx_err_set(err, 0, "config.json: mounts[%zu].source: relative path \"%s\" needs a bundle directory",
					   idx, m->source);
		char *s = sbx_xasprintf("%s/%s", cfg->bundle, m->source);
		op->source = clean_abs(&plan->arena, s);
		free(s);
	}
	/* A source inside the rootfs names what the container sees
	 * there, earlier mounts included: it is resolved at mount
	 * time, inside the rootfs, never by the host's view of it. */
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

/* Any other filesystem: its kind (proc, sysfs and cgroup have fallbacks
 * in the apply step) and whether it turns read-only only in finalize. */
static int compile_fs(struct sbx_rootfs_plan *plan, const struct sbx_mount *m, size_t idx,
		      struct sbx_rootfs_op *op, struct sbx_err *err)
{
	if (!m->type || !strcmp(m->type, "bind") || !strcmp(m->type, "none"))
		return sbx_err_set(err, 0, "config.json: mounts[%zu].type: %s%s%s without a \"bind\" or \"rbind\" option",
				   idx, m->type ? "\"" : "missing", m->type ? m->type : "", m->type ? "\"" : "");
	if (op->flags & MS_REC)
		return sbx_err_set(err, 0, "config.json: mounts[%zu].options: rbind on a %s mount",
				   idx, m->type);
	op->type = sbx_arena_strdup(&plan->arena, m->type);
	op->source = sbx_arena_strdup(&plan->arena, m->source && *m->source ? m->source : m->type);
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

/* mounts[idx] -> op.  The checks run in this order, so the first error
 * reported for a mount is the same whatever else is wrong with it. */
static int compile_mount(struct sbx_rootfs_plan *plan, const struct sbx_config *cfg,
			 const struct sbx_mount *m, size_t idx, struct sbx_rootfs_op *op,
			 struct sbx_err *err)
{
	bool type_bind = m->type && !strcmp(m->type, "bind");
	struct sbx_mountopts mo;

	if (!m->destination || !*m->destination)
		return sbx_err_set(err, 0, "config.json: mounts[%zu].destination: is required", idx);
	if (sbx_mountopt_parse(m->options, m->n_options, type_bind, idx, &plan->arena, &mo, err) < 0)
		return -1;
	memset(op, 0, sizeof(*op));
	op->index = idx;
	if (compile_destination(plan, m, idx, op, err) < 0)
		return -1;
	take_mountopts(op, &mo);
	if (mo.tmpcopyup && (!m->type || strcmp(m->type, "tmpfs") != 0))
		return sbx_err_set(err, 0, "config.json: mounts[%zu].options: \"tmpcopyup\" is only valid for a tmpfs mount",
				   idx);
	if ((mo.idmap || m->n_uid_mappings) && compile_idmap(plan, cfg, m, &mo, idx, op, err) < 0)
		return -1;
	/* Like runc/crun: a "bind" option makes it a bind mount whatever the
	 * type says, and type "bind" without the option is still a bind. */
	if (mo.bind || type_bind)
		return compile_bind(plan, cfg, m, idx, op, err);
	return compile_fs(plan, m, idx, op, err);
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

/* root.path (or the runtime's absolute rootfs), clean and absolute. */
static int compile_rootfs_path(struct sbx_rootfs_plan *plan, const struct sbx_config *cfg,
			       struct sbx_err *err)
{
	if (cfg->rootfs && cfg->rootfs[0] == '/') {
		plan->rootfs = clean_abs(&plan->arena, cfg->rootfs);
	} else if (cfg->root.path && cfg->root.path[0] == '/') {
		plan->rootfs = clean_abs(&plan->arena, cfg->root.path);
	} else if (cfg->root.path && cfg->bundle) {
		char *s = sbx_xasprintf("%s/%s", cfg->bundle, cfg->root.path);
		plan->rootfs = clean_abs(&plan->arena, s);
		free(s);
	} else {
		return sbx_err_set(err, 0, "config.json: root.path: is required");
	}
	return 0;
}

/* Old root: rprivate by default so nothing we mount can reach the host.
 * "slave"/"shared" ask for host mounts to keep propagating in: rslave
 * gives that without letting ours propagate out; "shared" is then set on
 * the container's "/" after pivot_root, where it only affects the
 * container's own peer group. */
static int compile_propagation(struct sbx_rootfs_plan *plan, const struct sbx_linux *l,
			       struct sbx_err *err)
{
	unsigned long prop;

	plan->root_propagation = MS_REC | MS_PRIVATE;
	if (!l->rootfs_propagation)
		return 0;
	if (sbx_mountopt_propagation(l->rootfs_propagation, &prop) < 0)
		return sbx_err_set(err, 0, "config.json: linux.rootfsPropagation: unknown propagation \"%s\"",
				   l->rootfs_propagation);
	if (prop & (MS_SLAVE | MS_SHARED))
		plan->root_propagation = MS_REC | MS_SLAVE;
	plan->final_propagation = prop;
	return 0;
}

/* The step that creates the devices and /dev symlinks. */
static void add_dev_op(struct sbx_rootfs_plan *plan)
{
	struct sbx_rootfs_op *op = &plan->ops[plan->n_ops++];

	op->kind = SBX_ROOTFS_OP_DEV;
	op->index = (size_t)-1;
	op->destination = "/dev";
}

/* The config's mounts, then the extra ones, in order, with the device step
 * right after the /dev mount (or last, when devices are asked for without
 * one); then a source fd and a prepared-mount fd slot per op and the
 * rootfs's (all -1). */
static int compile_ops(struct sbx_rootfs_plan *plan, const struct sbx_config *cfg,
		       const struct sbx_rootfs_opts *opts, struct sbx_err *err)
{
	size_t i, n = cfg->n_mounts + opts->n_extra_mounts;

	plan->ops = sbx_arena_alloc(&plan->arena, sizeof(*plan->ops) * (n + 1));
	for (i = 0; i < n; i++) {
		struct sbx_rootfs_op *op = &plan->ops[plan->n_ops];
		const struct sbx_mount *m = i < cfg->n_mounts ? &cfg->mounts[i]
							      : &opts->extra_mounts[i - cfg->n_mounts];

		if (compile_mount(plan, cfg, m, i, op, err) < 0)
			return -1;
		plan->n_ops++;
		if (!strcmp(op->destination, "/dev/pts") && op->type && !strcmp(op->type, "devpts"))
			plan->ptmx_link = true;
		if (!strcmp(op->destination, "/dev") && !plan->dev_symlinks) {
			/* Devices go into the fresh /dev right after it is
			 * mounted, before /dev/pts, /dev/shm, ... */
			plan->dev_symlinks = true;
			add_dev_op(plan);
		}
	}
	if (!plan->dev_symlinks && cfg->linux.n_devices > 0)
		add_dev_op(plan);
	plan->src_fds = sbx_arena_alloc(&plan->arena, sizeof(int) * (plan->n_ops + 1));
	plan->mntfds = sbx_arena_alloc(&plan->arena, sizeof(int) * (plan->n_ops + 1));
	for (i = 0; i <= plan->n_ops; i++)
		plan->src_fds[i] = plan->mntfds[i] = -1;
	return 0;
}

int sbx_rootfs_compile(const struct sbx_config *cfg, const struct sbx_rootfs_opts *opts,
		       struct sbx_rootfs_plan **out, struct sbx_err *err)
{
	struct sbx_rootfs_plan *plan = sbx_xcalloc(1, sizeof(*plan));
	const struct sbx_linux *l = &cfg->linux;

	plan->opts = *opts;
	plan->readonly = cfg->root.readonly;
	plan->prepare_rootfs = opts->idmap_auto;
	/* dev_symlinks: /dev is a mount of the config's, which then also
	 * gets the default devices. */
	if (compile_rootfs_path(plan, cfg, err) < 0 || compile_propagation(plan, l, err) < 0 ||
	    compile_ops(plan, cfg, opts, err) < 0 ||
	    compile_devices(plan, cfg, plan->dev_symlinks, err) < 0 ||
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
