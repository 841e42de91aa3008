/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup v2: discovery, path derivation, placement (enter) and removal.
 *
 * Placement of a container (enter), in this order:
 *   1. create the directories of the container's cgroup;
 *   2. move the (stopped, not yet exec'd) stage-1 pid into it: everything
 *      it clones, init included, is born inside the cgroup, so no process
 *      of the container ever runs unlimited;
 *   3. enable the needed controllers in each ancestor's
 *      cgroup.subtree_control, top-down (a controller is only available in
 *      a cgroup if its parent enabled it);
 *   4. write the limits.
 * Step 3 hits cgroup v2's "no internal processes" rule when an ancestor
 * still holds processes: if the only one is sbxrun itself, it moves itself
 * into a leaf `sbxrun-leaf` next to the container (as crun does); if others
 * are there (the shell that started sbxrun, in a delegated user cgroup),
 * the default/relative path falls back once to the parent of the caller's
 * cgroup, which a delegation normally gives us (systemd's user@.service,
 * or user-1000/ with the shell in user-1000/init).
 *
 * Without resources, any permission problem means "run without a cgroup"
 * (rootless on a host without delegation must still work).  With
 * resources, it is an error that explains the fix.
 */
#include "sbx/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sbx/devcg.h"
#include "sbx/log.h"
#include "cgroup_int.h"

struct sbx_cgroup_plan {
	char *mount;          /* cgroup2 mount point, NULL: no cgroup v2 at all */
	char *own;            /* the caller's cgroup, relative to the mount */
	char *rel;            /* the container's cgroup, relative to the mount */
	char *fallback_rel;   /* rootless, default/relative path: under parent(own),
	                       * tried first when that parent is delegated */
	bool rootless;
	struct sbx_cgroup_settings set;
	/* linux.resources.devices (src/devcg.c): attached when root */
	struct sbx_devcg_prog dev;
	bool dev_enforce;     /* attach the program */
	bool dev_required;    /* explicit rules: failing to attach is an error */
};

static int check_components(const char *p, const char *what, struct sbx_err *err)
{
	const char *s = p;

	while (*s) {
		size_t n;
		while (*s == '/')
			s++;
		n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
			return sbx_err_set(err, 0, "config.json: linux.cgroupsPath: \"%s\": \"%.*s\""
					   " components are not allowed in %s", p, (int)n, s, what);
		s += n;
	}
	return 0;
}

static char *join_clean(const char *a, const char *b)
{
	_sbx_cleanup_free_ char *raw = sbx_xasprintf("%s/%s", a, b);
	char *out = sbx_xmalloc(strlen(raw) + 2), *w = out;

	/* collapse '/' runs, drop a trailing '/', keep a leading one */
	*w++ = '/';
	for (const char *r = raw; *r; r++) {
		if (*r == '/' && (w[-1] == '/'))
			continue;
		*w++ = *r;
	}
	if (w > out + 1 && w[-1] == '/')
		w--;
	*w = '\0';
	return out;
}

int sbx_cgroup_derive_path(const char *cgroups_path, const char *id, const char *own,
			   bool rootless, char **out, struct sbx_err *err)
{
	const char *base = rootless ? (own ? own : "/") : "/sbxrun";

	*out = NULL;
	if (cgroups_path && *cgroups_path) {
		/* "system.slice:sbx:id" is the systemd driver's syntax; this
		 * runtime manages cgroupfs paths only: refuse it rather than
		 * create a directory literally named with colons. */
		if (strchr(cgroups_path, ':'))
			return sbx_err_set(err, 0, "config.json: linux.cgroupsPath: \"%s\" is a systemd"
					   " path (slice:prefix:name); sbxrun manages cgroupfs paths only:"
					   " use a path like \"/mygroup/%s\"", cgroups_path, id ? id : "ID");
		if (check_components(cgroups_path, "a cgroup path", err) < 0)
			return -1;
		if (cgroups_path[0] == '/')
			*out = join_clean("/", cgroups_path);
		else
			*out = join_clean(base, cgroups_path);
		if (strcmp(*out, "/") == 0) {
			free(*out);
			*out = NULL;
			return sbx_err_set(err, 0, "config.json: linux.cgroupsPath: \"%s\" names the"
					   " cgroup root; a container needs a cgroup of its own",
					   cgroups_path);
		}
		return 0;
	}
	if (!id || !*id || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return sbx_err_set(err, 0, "cgroup: invalid container id \"%s\" for a cgroup name",
				   id ? id : "");
	{
		_sbx_cleanup_free_ char *leaf = sbx_xasprintf("sbx-%s", id);
		*out = join_clean(base, leaf);
	}
	return 0;
}

static bool is_perm_errno(int e)
{
	return e == EACCES || e == EPERM || e == EROFS || e == ENOENT;
}

/* The inner message already names what is not writable; add the fix. */
static int perm_error(struct sbx_err *err)
{
	char buf[SBX_ERR_MSG_MAX];
	int e = err->errnum;

	snprintf(buf, sizeof(buf), "%s", err->msg);
	return sbx_err_set(err, e, "cgroup: %s: enable delegation (systemd: Delegate=yes, e.g."
			   " 'systemctl edit user@.service', see docs/cgroups.md) or run as root",
			   buf);
}

/* "create DIR: PARENT is not writable by uid N" for permission errors. */
static int mkdir_error(struct sbx_err *err, int e, const char *full)
{
	_sbx_cleanup_free_ char *parent = sbx_xstrdup(full);
	char *sl = strrchr(parent, '/');

	if (sl && sl != parent)
		*sl = '\0';
	if (e == EACCES || e == EPERM)
		return sbx_err_set(err, e, "create %s: %s is not writable by uid %u", full, parent,
				   (unsigned)geteuid());
	return sbx_err_set(err, e, "mkdir %s", full);
}

/* ---------- compile ---------- */

static void plan_free(struct sbx_cgroup_plan *p)
{
	if (!p)
		return;
	free(p->mount);
	free(p->own);
	free(p->rel);
	free(p->fallback_rel);
	sbx_cgroup_settings_free(&p->set);
	sbx_devcg_prog_free(&p->dev);
	free(p);
}

void sbx_cgroup_plan_free(struct sbx_cgroup_plan *plan)
{
	plan_free(plan);
}

static char *parent_of(const char *rel)
{
	char *p = sbx_xstrdup(rel);
	char *s = strrchr(p, '/');

	if (!s || s == p)
		p[1] = '\0', p[0] = '/';
	else
		*s = '\0';
	return p;
}

int sbx_cgroup_compile(const struct sbx_config *cfg, const char *id, bool rootless,
		       struct sbx_cgroup_plan **out, struct sbx_err *err)
{
	struct sbx_cgroup_plan *p = sbx_xcalloc(1, sizeof(*p));
	_sbx_cleanup_free_ char *pc = NULL;
	const struct sbx_resources *r = cfg && cfg->has_linux ? &cfg->linux.resources : NULL;
	const char *cgpath = cfg && cfg->has_linux ? cfg->linux.cgroups_path : NULL;
	struct sbx_err ign;

	*out = NULL;
	p->rootless = rootless;
	if (sbx_cgroup_resources_compile(r, "config.json", &p->set, err) < 0)
		goto fail;
	if (!rootless) {
		/* Always, as runc: without rules only the default devices
		 * (and mknod of linux.devices) are allowed. */
		if (sbx_devcg_compile(r ? r->devices : NULL, r ? r->n_devices : 0,
				      cfg ? cfg->linux.devices : NULL, cfg ? cfg->linux.n_devices : 0,
				      "config.json", &p->dev, err) < 0)
			goto fail;
		p->dev_enforce = true;
		p->dev_required = r && r->n_devices;
	} else if (r && r->n_devices) {
		/* crun does the same: attaching needs CAP_SYS_ADMIN in the
		 * initial user namespace.  A rootless container cannot mknod
		 * and opens devices with the user's own permissions. */
		sbx_debug("cgroup: rootless: linux.resources.devices not enforced by a device"
			  " program (attaching one needs root); devices are bounded by the user"
			  " namespace");
	}

	p->mount = sbx_cgroup_find_mount();
	if (!p->mount) {
		if (p->set.n_limits || p->dev_required) {
			sbx_err_set(err, 0, "cgroup: resource limits requested (linux.resources) but no"
				    " cgroup v2 hierarchy is mounted; sbxrun supports cgroup v2 only:"
				    " mount it (mount -t cgroup2 none /sys/fs/cgroup) or boot with"
				    " systemd.unified_cgroup_hierarchy=1");
			goto fail;
		}
		sbx_debug("cgroup: no cgroup v2 mount: running without a cgroup");
		*out = p;
		return 0;
	}
	if (sbx_read_file_at(AT_FDCWD, "/proc/self/cgroup", &pc, NULL, &ign) == 0)
		p->own = sbx_cgroup_parse_proc_cgroup(pc);
	if (!p->own)
		p->own = sbx_xstrdup("/");
	if (sbx_cgroup_derive_path(cgpath, id, p->own, rootless, &p->rel, err) < 0)
		goto fail;
	if (rootless && (!cgpath || !*cgpath || cgpath[0] != '/') && strcmp(p->own, "/") != 0) {
		_sbx_cleanup_free_ char *up = parent_of(p->own);
		if (sbx_cgroup_derive_path(cgpath, id, up, true, &p->fallback_rel, err) < 0)
			goto fail;
	}

	/* A controller missing at the root is missing everywhere: say so now,
	 * in the parent, before anything is cloned. */
	if (sbx_cgroup_check_available(p->mount, &p->set, err) < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	plan_free(p);
	return -1;
}

/* ---------- enter ---------- */

/* The pids listed in <dir>/cgroup.procs other than `a` and `b`: 0 none,
 * 1 some, -1 unreadable. */
static int has_other_procs(const char *dir, pid_t a, pid_t b)
{
	_sbx_cleanup_free_ char *s = NULL;
	struct sbx_err ign;

	if (sbx_cgroup_read_file(dir, "cgroup.procs", &s, &ign) < 0)
		return -1;
	for (char *l = s; l && *l;) {
		char *nl = strchr(l, '\n');
		long v;
		if (nl)
			*nl = '\0';
		v = strtol(l, NULL, 10);
		if (*l && v != a && v != b)
			return 1;
		l = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* Enable `ctrls` in dir/cgroup.subtree_control (only the missing ones). */
int sbx_cgroup_enable_controllers(const char *dir, unsigned ctrls, pid_t pid, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *cur_s = NULL;
	unsigned cur = 0;

	if (sbx_cgroup_read_file(dir, "cgroup.subtree_control", &cur_s, err) < 0)
		return -1;
	cur = sbx_cgroup_parse_ctrl_list(cur_s);
	for (unsigned i = 0; i < SBX_CG_NCTRL; i++) {
		unsigned bit = 1u << i;
		char v[32];
		bool moved = false;

		if (!(ctrls & bit) || (cur & bit))
			continue;
		snprintf(v, sizeof(v), "+%s", sbx_cgroup_ctrl_name(bit));
	retry:
		if (sbx_cgroup_write_file(dir, "cgroup.subtree_control", v, err) == 0)
			continue;
		if (errno == EBUSY && !moved && has_other_procs(dir, getpid(), pid) == 0) {
			/* Only sbxrun itself sits in this cgroup: step aside into
			 * a leaf so the cgroup can become a parent with
			 * controllers (v2's "no internal processes" rule). */
			_sbx_cleanup_free_ char *leaf = sbx_xasprintf("%s/sbxrun-leaf", dir);
			char me[32];
			struct sbx_err e2;
			if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
				return sbx_err_set(err, errno, "mkdir %s", leaf);
			snprintf(me, sizeof(me), "%d", (int)getpid());
			if (sbx_cgroup_write_file(leaf, "cgroup.procs", me, &e2) < 0) {
				*err = e2;
				return -1;
			}
			sbx_debug("cgroup: moved sbxrun (pid %d) into %s to enable controllers in %s",
				  (int)getpid(), leaf, dir);
			moved = true;
			goto retry;
		}
		if (errno == EBUSY) {
			int e = errno;
			return sbx_err_set(err, e, "cannot enable the %s controller in %s: it contains"
					   " processes (cgroup v2's \"no internal processes\" rule): start"
					   " sbxrun in a cgroup of its own (e.g. systemd-run --user --scope"
					   " -p Delegate=yes sbxrun ...) or set linux.cgroupsPath to a"
					   " delegated cgroup without processes",
					   sbx_cgroup_ctrl_name(bit), dir);
		}
		if (errno == EACCES || errno == EPERM) {
			int e = errno;
			return sbx_err_set(err, e, "cannot enable the %s controller in %s:"
					   " %s/cgroup.subtree_control is not writable by uid %u (the"
					   " controller is not delegated)", sbx_cgroup_ctrl_name(bit), dir,
					   dir, (unsigned)geteuid());
		}
		if (errno == ENOENT || errno == EINVAL) {
			int e = errno;
			return sbx_err_set(err, e, "cannot enable the %s controller in %s: it is not"
					   " available there (not enabled in the parent's"
					   " cgroup.subtree_control, or bound to cgroup v1)",
					   sbx_cgroup_ctrl_name(bit), dir);
		}
		return -1;
	}
	return 0;
}

int sbx_cgroup_enable_chain(const char *mount, const char *full, unsigned ctrls, pid_t pid,
			    struct sbx_err *err)
{
	_sbx_cleanup_free_ char *walk = sbx_xstrdup(full);
	size_t mlen = strlen(mount);

	if (strncmp(full, mount, mlen) != 0 || full[mlen] != '/')
		return sbx_err_set(err, EINVAL, "%s is not under the cgroup2 mount %s", full, mount);
	for (char *s = walk + mlen;; s++) {
		char c = *s;
		int r;
		if (c != '/' && c != '\0')
			continue;
		if (c == '\0')
			break; /* the leaf itself needs no subtree_control */
		*s = '\0';
		r = sbx_cgroup_enable_controllers(s == walk + mlen ? mount : walk, ctrls, pid, err);
		*s = c;
		if (r < 0)
			return -1;
	}
	return 0;
}

/* Write the settings into dir. */
int sbx_cgroup_apply_settings(const char *dir, const struct sbx_cgroup_settings *set,
			      bool update, struct sbx_err *err)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct sbx_cgroup_setting *s = &set->v[i];
		if (s->is_default && !update)
			continue; /* a new cgroup has it already */
		if (sbx_cgroup_write_file(dir, s->file, s->value, err) == 0)
			continue;
		if (s->is_default && errno == ENOENT) {
			/* Controller not enabled here: no limit was ever set. */
			sbx_debug("cgroup: %s/%s absent: nothing to reset to \"%s\"", dir, s->file,
				  s->value);
			continue;
		}
		if (errno == ENOENT && s->alt_file &&
		    sbx_cgroup_write_file(dir, s->alt_file, s->alt_value, err) == 0)
			continue;
		if (errno == ENOENT)
			return sbx_err_set(err, ENOENT, "set %s=\"%s\": %s/%s does not exist (the"
					   " kernel does not provide it%s)", s->file, s->value, dir,
					   s->file, strncmp(s->file, "hugetlb.", 8) == 0 ?
					   ": unsupported huge page size?" : "");
		return -1;
	}
	return 0;
}

/* rmdir the directories in `made` (deepest last in the array). */
static void undo_mkdirs(char **made, size_t n)
{
	while (n-- > 0) {
		if (rmdir(made[n]) < 0 && errno != ENOENT)
			sbx_debug("cgroup: cleanup: rmdir %s: %s", made[n], strerror(errno));
		free(made[n]);
	}
}

/*
 * Place pid in mount+rel with the plan's settings.  `stage` receives the
 * errno class of the failure: 1 permission/absent (EACCES, EPERM, EROFS,
 * ENOENT), 2 busy, 0 other.
 */
struct record_cb {
	int (*fn)(void *arg, const char *path, struct sbx_err *err);
	void *arg;
};

static int place(const struct sbx_cgroup_plan *p, const char *rel, const struct record_cb *rec,
		 int *stage, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *full = sbx_xasprintf("%s%s", p->mount, rel);
	char *made[64];
	size_t nmade = 0;
	size_t mlen = strlen(p->mount);

	*stage = 0;
	/* 0. the caller records the path before the directory exists */
	if (rec->fn && rec->fn(rec->arg, full, err) < 0)
		return -1;
	/* 1. the directories, top-down */
	for (char *s = full + mlen + 1;; s++) {
		char c = *s;
		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(full, 0755) == 0) {
			if (nmade < SBX_ARRAY_SIZE(made))
				made[nmade++] = sbx_xstrdup(full);
		} else if (errno != EEXIST) {
			int e = errno;
			*stage = is_perm_errno(e) ? 1 : 0;
			mkdir_error(err, e, full);
			*s = c;
			goto fail;
		} else if (c == '\0' && has_other_procs(full, -1, -1) != 0) {
			*stage = 0;
			sbx_err_set(err, EEXIST, "%s already exists and is in use", full);
			goto fail;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	/* 2. controllers, top-down from the mount root to the parent (no
	 *    process is in the new cgroup yet: the launcher creates the
	 *    container's first process inside it with CLONE_INTO_CGROUP) */
	if (p->set.controllers &&
	    sbx_cgroup_enable_chain(p->mount, full, p->set.controllers, -1, err) < 0) {
		*stage = errno == EBUSY ? 2 : is_perm_errno(errno) ? 1 : 0;
		goto fail;
	}
	/* 3. the limits */
	if (sbx_cgroup_apply_settings(full, &p->set, false, err) < 0) {
		*stage = (errno == EACCES || errno == EPERM) ? 1 : 0;
		goto fail;
	}
	for (size_t i = 0; i < nmade; i++)
		free(made[i]);
	return 0;
fail:
	undo_mkdirs(made, nmade);
	return -1;
}

/* Is the parent of the caller's cgroup delegated to us (we may create
 * children there and move processes through it)? */
static bool parent_delegated(const struct sbx_cgroup_plan *p)
{
	_sbx_cleanup_free_ char *up = parent_of(p->own);
	_sbx_cleanup_free_ char *dir = sbx_xasprintf("%s%s", p->mount, strcmp(up, "/") ? up : "");
	_sbx_cleanup_free_ char *procs = sbx_xasprintf("%s/cgroup.procs", dir);
	_sbx_cleanup_free_ char *stc = sbx_xasprintf("%s/cgroup.subtree_control", dir);

	return strcmp(up, "/") != 0 && access(dir, W_OK) == 0 && access(procs, W_OK) == 0 &&
	       access(stc, W_OK) == 0;
}

int sbx_cgroup_prepare(const struct sbx_cgroup_plan *p,
		       int (*record)(void *arg, const char *path, struct sbx_err *err),
		       void *record_arg, char **path_out, struct sbx_err *err)
{
	const struct record_cb rec = { record, record_arg };
	const char *cand[2] = { NULL, NULL };
	struct sbx_err first = { 0 };
	int stage = 0, first_stage = 0;

	*path_out = NULL;
	if (!p || !p->mount)
		return 0;
	/*
	 * Rootless with a default/relative path: prefer a sibling of the
	 * caller's cgroup when its parent is delegated to us.  The caller's
	 * own cgroup then stays a leaf: enabling controllers in it would make
	 * it refuse new processes (EBUSY) and break whatever manages the
	 * session (systemd, or `asuser` in the test VM) for the rest of its
	 * life.  Otherwise (e.g. `systemd-run --user --scope -p Delegate=yes`,
	 * where only our own cgroup is delegated) the container goes below
	 * our cgroup and sbxrun steps aside into a leaf.
	 */
	if (p->fallback_rel && parent_delegated(p)) {
		cand[0] = p->fallback_rel;
		cand[1] = p->rel;
	} else {
		cand[0] = p->rel;
		cand[1] = p->fallback_rel;
	}
	for (int i = 0; i < 2 && cand[i]; i++) {
		struct sbx_err e = { 0 };
		char buf[SBX_ERR_MSG_MAX];

		if (place(p, cand[i], &rec, &stage, &e) == 0) {
			*path_out = sbx_xasprintf("%s%s", p->mount, cand[i]);
			sbx_debug("cgroup: %s created with its limits", *path_out);
			return 0;
		}
		sbx_debug("cgroup: %s%s: %s", p->mount, cand[i], sbx_err_str(&e, buf, sizeof(buf)));
		if (i == 0) {
			first = e;
			first_stage = stage;
		}
		if (stage != 1 && stage != 2)
			break;
	}
	if (!p->set.n_limits && !p->dev_required && first_stage == 1) {
		/* Never fail a resource-less container because of cgroups. */
		char buf[SBX_ERR_MSG_MAX];
		sbx_debug("cgroup: running without a cgroup (no resources requested): %s",
			  sbx_err_str(&first, buf, sizeof(buf)));
		return 0;
	}
	*err = first;
	if (first_stage == 1)
		return perm_error(err);
	return sbx_err_prefix(err, "cgroup");
}

int sbx_cgroup_apply_devices(const struct sbx_cgroup_plan *p, const char *path, struct sbx_err *err)
{
	if (!p || !path || !p->dev_enforce)
		return 0;
	return sbx_devcg_enforce(&p->dev, path, p->dev_required, err);
}

/* ---------- destroy ---------- */
