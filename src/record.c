/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container record of `create` and `run` (the write protocol is in
 * docs/internals.md, "The state store"), the user namespace pool claim
 * that goes with it, and sbx_container_create(), the one sequence both
 * commands go through.
 */
#include "sbx/lifecycle.h"
#include "sbx/cgroup.h"
#include "sbx/container.h"
#include "sbx/hooks.h"
#include "sbx/idmap.h"
#include "sbx/idpool.h"
#include "sbx/log.h"
#include "sbx/net.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- recording create/run in the state store ---- */

char *sbx_life_hook_state(void *arg, pid_t pid, const char *status)
{
	struct sbx_state *st = arg;
	st->pid = pid;
	return sbx_state_oci_json(st, status, false);
}

int sbx_life_record_begin(const char *root, bool rootless, const char *id,
			  const struct sbx_config *cfg, struct sbx_state_handle *h,
			  struct sbx_state *st, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *cfgpath = NULL, *text = NULL;
	const struct sbx_namespace *pidns = sbx_config_ns(cfg, SBX_NS_PID);
	char created[64];
	size_t len;

	memset(st, 0, sizeof(*st));
	h->rootfd = h->dirfd = h->lockfd = -1;
	h->dir = h->id = NULL;
	/* The exact config text, kept for delete (poststop hooks) and exec. */
	cfgpath = sbx_xasprintf("%s/config.json", cfg->bundle);
	if (sbx_read_file_at(AT_FDCWD, cfgpath, &text, &len, err) < 0)
		return -1;
	if (sbx_state_create(root, id, h, err) < 0)
		return -1;
	st->id = sbx_xstrdup(id);
	st->bundle = sbx_xstrdup(cfg->bundle);
	st->rootfs = sbx_xstrdup(cfg->rootfs);
	sbx_state_now_rfc3339(created, sizeof(created));
	st->created = sbx_xstrdup(created);
	st->owner = geteuid();
	st->rootless = rootless;
	st->shared_pidns = !pidns || pidns->path;
	st->n_annotations = cfg->n_annotations;
	if (cfg->n_annotations) {
		st->ann_keys = sbx_xcalloc(cfg->n_annotations, sizeof(char *));
		st->ann_values = sbx_xcalloc(cfg->n_annotations, sizeof(char *));
		for (size_t i = 0; i < cfg->n_annotations; i++) {
			st->ann_keys[i] = sbx_xstrdup(cfg->annotations[i].key);
			st->ann_values[i] = sbx_xstrdup(cfg->annotations[i].value);
		}
	}
	{
		_sbx_cleanup_close_ int fd = openat(h->dirfd, SBX_STATE_CONFIG,
						    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || sbx_write_all(fd, text, len) < 0) {
			sbx_err_set(err, errno, "write %s/%s", h->dir, SBX_STATE_CONFIG);
			sbx_life_record_remove(h, st);
			return -1;
		}
	}
	return 0;
}

int sbx_life_record_cgroup(void *arg, const char *path, struct sbx_err *err)
{
	struct sbx_life_rec *r = arg;
	struct sbx_state_anchor a = { .cgroup_path = (char *)path };

	free(r->st->cgroup_path);
	r->st->cgroup_path = sbx_xstrdup(path);
	/* Only the anchor: a pwrite into the open lock file, no rename.
	 * state.json still has no pid, which is what makes delete consult
	 * the anchor. */
	return sbx_state_write_anchor(r->h, &a, err);
}

int sbx_life_record_started(void *arg, const struct sbx_container *ctr, struct sbx_err *err)
{
	struct sbx_life_rec *r = arg;
	struct sbx_state *st = r->st;
	struct sbx_state_anchor a = { .pid = ctr->pid, .start_time = ctr->start_time,
				      .cgroup_path = ctr->cgroup_path };

	st->pid = ctr->pid;
	st->start_time = ctr->start_time;
	free(st->cgroup_path);
	st->cgroup_path = ctr->cgroup_path ? sbx_xstrdup(ctr->cgroup_path) : NULL;
	/* The anchor first: if state.json cannot be written, the anchor
	 * still names the process that the failed launch kills anyway. */
	if (sbx_state_write_anchor(r->h, &a, err) < 0 || sbx_state_save(r->h, st, err) < 0)
		return -1;
	if (r->pid_file && sbx_life_write_pid_file(r->pid_file, ctr->pid, err) < 0)
		return -1;
	return 0;
}

void sbx_life_record_remove(struct sbx_state_handle *h, struct sbx_state *st)
{
	struct sbx_err e;

	/* Take the lock again (it may have been dropped after `started`); a
	 * `delete` that got there first already removed everything. */
	if (h->dirfd >= 0 && sbx_state_relock(h, true, &e) == 0) {
		if (sbx_state_remove(h, &e) < 0)
			sbx_warn_err(&e, NULL);
		else
			sbx_life_userns_release(h, st);
	}
	sbx_life_record_close(h, st);
}

/* ---- run.sbx.userns=auto: host ids from the pool (include/sbx/idpool.h) ---- */

/* The state root as the kernel names it (the checked fd's path): the same
 * string whatever spelling of --root the caller used, so a claim made by
 * `create --root /run/x/` is found by `delete --root /run/x`. */
static char *canonical_root(const struct sbx_state_handle *h)
{
	char link[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", h->rootfd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (h->rootfd < 0 || n <= 0)
		return NULL;
	buf[n] = '\0';
	return sbx_xstrdup(buf);
}

struct commit_arg {
	struct sbx_state_handle *h;
	struct sbx_state *st;
};

/* Called under the pool's lock: the record of the block is what keeps the
 * claim alive, so it must be on disk before the lock goes. */
static int commit_block(void *arg, const struct sbx_idpool_lease *l, struct sbx_err *err)
{
	struct commit_arg *a = arg;

	a->st->has_id_block = true;
	a->st->id_block = l->block;
	if (sbx_state_save(a->h, a->st, err) < 0) {
		a->st->has_id_block = false;
		return -1;
	}
	return 0;
}

int sbx_life_userns_auto(struct sbx_config *cfg, struct sbx_state_handle *h, struct sbx_state *st,
			 struct sbx_err *err)
{
	const char *v = sbx_config_annotation(cfg, SBX_USERNS_ANNOTATION);
	const struct sbx_namespace *u = sbx_config_ns(cfg, SBX_NS_USER);
	bool host_root = geteuid() == 0 && sbx_userns_is_initial();
	bool no_maps = !cfg->linux.n_uid_mappings && !cfg->linux.n_gid_mappings;
	struct commit_arg ca = { h, st };
	struct sbx_idpool_lease l;
	struct sbx_idpool pool;
	_sbx_cleanup_free_ char *root = NULL;
	struct sbx_idmap *m;

	if (v) {
		/* The explicit form: checked strictly, it must not be ignored. */
		if (strcmp(v, "auto") != 0)
			return sbx_err_set(err, 0, "config.json: annotations.%s: unknown value \"%s\" (\"auto\" is the only one)",
					   SBX_USERNS_ANNOTATION, v);
		/* No user namespace at all: the config was made by `sbxrun
		 * spec` and the namespace taken out on purpose (to be host
		 * root): nothing to allocate for, as the namespaces say. */
		if (!u) {
			sbx_debug("annotation %s=auto: no user namespace in linux.namespaces, nothing to allocate",
				  SBX_USERNS_ANNOTATION);
			return 0;
		}
		if (u->path)
			return sbx_err_set(err, 0, "config.json: annotations.%s: \"auto\" needs a new user namespace, not one joined by path",
					   SBX_USERNS_ANNOTATION);
		if (!no_maps)
			return sbx_err_set(err, 0, "config.json: annotations.%s: \"auto\" chooses linux.uidMappings and gidMappings itself: remove them or the annotation",
					   SBX_USERNS_ANNOTATION);
		/* Handing out host ids is root's business; an unprivileged
		 * user can only map ids it owns. */
		if (!host_root)
			return sbx_err_set(err, EPERM, "config.json: annotations.%s: \"auto\" allocates host ids from the pool of user \"%s\", which needs root on the host (unprivileged: create the bundle with `sbxrun spec --rootless`)",
					   SBX_USERNS_ANNOTATION, SBX_IDPOOL_USER);
	} else if (!(host_root && u && !u->path && no_maps)) {
		/* The implicit form: a new user namespace without mappings,
		 * created by root (which runc refuses), gets ids from the pool
		 * too.  Anything else keeps its own mappings. */
		return 0;
	}
	if (sbx_idpool_load(SBX_SUBUID_FILE, SBX_SUBGID_FILE, &pool, err) < 0)
		return -1;
	root = canonical_root(h);
	if (!root)
		return sbx_err_set(err, errno, "user namespace pool: name the state root of %s", h->dir);
	if (sbx_idpool_claim(SBX_IDPOOL_REGISTRY, &pool, root, h->id, commit_block, &ca, &l, err) < 0)
		return -1;
	/* The launcher sees an ordinary config with explicit mappings. */
	m = sbx_arena_alloc(&cfg->arena, 2 * sizeof(*m));
	m[0] = (struct sbx_idmap){ .container_id = 0, .host_id = l.uid, .size = l.size };
	m[1] = (struct sbx_idmap){ .container_id = 0, .host_id = l.gid, .size = l.size };
	cfg->linux.uid_mappings = &m[0];
	cfg->linux.gid_mappings = &m[1];
	cfg->linux.n_uid_mappings = cfg->linux.n_gid_mappings = 1;
	return 1;
}

void sbx_life_userns_release(const struct sbx_state_handle *h, const struct sbx_state *st)
{
	_sbx_cleanup_free_ char *root = NULL;

	if (!st->has_id_block)
		return;
	root = canonical_root(h);
	if (root)
		sbx_idpool_release(SBX_IDPOOL_REGISTRY, root, h->id, st->id_block);
}

void sbx_life_record_close(struct sbx_state_handle *h, struct sbx_state *st)
{
	sbx_state_free(st);
	sbx_state_close(h);
}

/* ---- sbx_container_create: the sequence of `create` and `run` ---- */

int sbx_container_create_begin(struct sbx_create *c, const char *state_root, int rootless_opt,
			       bool rootless, const char *id, struct sbx_config *cfg,
			       const char *pid_file, struct sbx_err *err)
{
	int r;

	memset(c, 0, sizeof(*c));
	c->h.rootfd = c->h.dirfd = c->h.lockfd = -1;
	c->rec = (struct sbx_life_rec){ .h = &c->h, .st = &c->st, .pid_file = pid_file };
	if (sbx_life_record_begin(state_root, rootless, id, cfg, &c->h, &c->st, err) < 0)
		return -1;
	/* Root without its own mappings: host ids from the pool.  Its claim
	 * saves the `creating` state with the block (step 4 of the write
	 * protocol, docs/internals.md); otherwise it is saved here.  One save,
	 * not two: each costs a file's creation and a rename in the state
	 * root (0.1-0.9 ms on ext4 with discard). */
	r = sbx_life_userns_auto(cfg, &c->h, &c->st, err);
	if (r == 0 && sbx_state_save(&c->h, &c->st, err) < 0)
		r = -1;
	if (r < 0) {
		sbx_life_record_remove(&c->h, &c->st);
		return -1;
	}
	c->state_root = sbx_xstrdup(state_root);
	/* Private cache (compiled seccomp programs): no container ID starts
	 * with a dot. */
	c->cache_dir = sbx_xasprintf("%s/.cache", state_root);
	c->lo.id = id;
	c->lo.userns_auto = r > 0;
	c->lo.state_root = c->state_root;
	c->lo.cache_dir = c->cache_dir;
	c->lo.rootless = rootless_opt;
	c->lo.state_json = sbx_life_hook_state;
	c->lo.state_arg = &c->st;
	/* The launcher completes the record: the cgroup before it exists,
	 * init (and the pid file) before init runs or is handed over.  Until
	 * then init dies with us; nothing is left if we are killed. */
	c->lo.record_cgroup = sbx_life_record_cgroup;
	c->lo.record_started = sbx_life_record_started;
	c->lo.record_arg = &c->rec;
	return 0;
}

int sbx_container_create_spawn(struct sbx_create *c, const struct sbx_config *cfg,
			       struct sbx_container *out, struct sbx_err *err)
{
	return sbx_container_spawn(cfg, &c->lo, out, err);
}

static void create_free(struct sbx_create *c)
{
	free(c->state_root);
	free(c->cache_dir);
	free(c->exec_fifo);
	free(c->exec_error_file);
	c->state_root = c->cache_dir = c->exec_fifo = c->exec_error_file = NULL;
}

void sbx_container_create_remove(struct sbx_create *c)
{
	sbx_life_record_remove(&c->h, &c->st);
	create_free(c);
}

void sbx_container_create_keep(struct sbx_create *c)
{
	sbx_life_record_close(&c->h, &c->st);
	create_free(c);
}

int sbx_container_create_exec_fifo(struct sbx_create *c, struct sbx_err *err)
{
	/* In the record's own directory (0700, the caller's): only the
	 * caller can open the fifo and so start the container. */
	if (mkfifoat(c->h.dirfd, SBX_EXEC_FIFO, 0600) < 0)
		return sbx_err_set(err, errno, "create exec fifo %s/%s", c->h.dir, SBX_EXEC_FIFO);
	c->exec_fifo = sbx_xasprintf("%s/%s", c->h.dir, SBX_EXEC_FIFO);
	c->exec_error_file = sbx_xasprintf("%s/%s", c->h.dir, SBX_INIT_ERROR_FILE);
	c->lo.exec_fifo = c->exec_fifo;
	c->lo.exec_error_file = c->exec_error_file;
	return 0;
}

void sbx_container_create_started(struct sbx_create *c, const struct sbx_config *cfg)
{
	/* Recorded: from now on other commands may act on the container
	 * (a foreground run keeps the handle for as long as it runs). */
	sbx_state_unlock(&c->h);
	if (cfg->hooks.poststart.n) {
		_sbx_cleanup_free_ char *state = sbx_state_oci_json(&c->st, "running", false);
		sbx_hooks_run_warn(&cfg->hooks.poststart, "poststart", state);
	}
}

int sbx_container_create_finish(struct sbx_create *c, const struct sbx_config *cfg,
				const char *cgroup_path, struct sbx_err *err)
{
	struct sbx_err e2 = { 0 };

	if (cgroup_path && sbx_cgroup_destroy(cgroup_path, true, err) < 0) {
		sbx_container_create_keep(c);
		return -1;
	}
	/* Leases, rules and helpers outlive init: released with the record. */
	if (sbx_net_teardown(c->state_root, c->lo.id, &e2) < 0)
		sbx_warn_err(&e2, NULL);
	if (cfg->hooks.poststop.n) {
		_sbx_cleanup_free_ char *state = sbx_state_oci_json(&c->st, "stopped", false);
		sbx_hooks_run_warn(&cfg->hooks.poststop, "poststop", state);
	}
	sbx_container_create_remove(c); /* a foreground run leaves no record */
	return 0;
}
