/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lifecycle.h"
#include "sbx/cgroup.h"
#include "sbx/container.h"
#include "sbx/idmap.h"
#include "sbx/idpool.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int sbx_life_open(const struct sbx_global_opts *g, const char *id, bool exclusive,
		  struct sbx_state_handle *h, struct sbx_state *st, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *root = sbx_cli_state_root(g);

	if (sbx_state_open(root, id, exclusive, h, err) < 0)
		return -1;
	if (sbx_state_load(h, st, err) < 0) {
		sbx_state_close(h);
		return -1;
	}
	return 0;
}

int sbx_life_load_config(const struct sbx_state_handle *h, const struct sbx_state *st,
			 struct sbx_config **cfg, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *text = NULL;
	size_t len;

	if (sbx_read_file_at(h->dirfd, SBX_STATE_CONFIG, &text, &len, err) < 0)
		return sbx_err_prefix(err, "container \"%s\": saved config", h->id);
	if (sbx_config_parse(text, len, "config.json", cfg, err) < 0)
		return -1;
	/* The parser leaves these to sbx_config_load(); the state knows them. */
	if (st->bundle)
		(*cfg)->bundle = sbx_arena_strdup(&(*cfg)->arena, st->bundle);
	if (st->rootfs)
		(*cfg)->rootfs = sbx_arena_strdup(&(*cfg)->arena, st->rootfs);
	return 0;
}

/* pidfd of st->pid, verified to be the process we started: the pidfd pins
 * the process, so checking the start time AFTER opening it closes the race
 * where the pid is recycled between the check and the signal. */
static int open_init_pidfd(const struct sbx_state *st, struct sbx_err *err)
{
	int fd;

	if (st->pid <= 0)
		return sbx_err_set(err, 0, "container \"%s\" has no process", st->id);
	fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (fd < 0) {
		if (errno == ESRCH)
			return sbx_err_set(err, 0, "container \"%s\" is not running", st->id);
		return sbx_err_set(err, errno, "pidfd_open %d", (int)st->pid);
	}
	if (!sbx_state_pid_alive(st)) {
		close(fd);
		return sbx_err_set(err, 0, "container \"%s\" is not running", st->id);
	}
	return fd;
}

int sbx_life_signal_init(const struct sbx_state *st, int sig, struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = open_init_pidfd(st, err);

	if (fd < 0)
		return -1;
	if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
		return sbx_err_set(err, errno, "send signal %d to container \"%s\" (pid %d)", sig,
				   st->id, (int)st->pid);
	return 0;
}

int sbx_life_wait_exit(const struct sbx_state *st, int timeout_ms)
{
	struct sbx_err err;
	_sbx_cleanup_close_ int fd = open_init_pidfd(st, &err);
	struct pollfd p;

	if (fd < 0)
		return 0; /* already gone */
	p.fd = fd;
	p.events = POLLIN; /* readable once the process has exited */
	for (;;) {
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		return r > 0 ? 0 : -1;
	}
}

int sbx_life_pids(const struct sbx_state *st, pid_t **pids, size_t *n, struct sbx_err *err)
{
	_sbx_cleanup_closedir_ DIR *d = NULL;
	char path[64];
	struct stat init_ns;
	struct dirent *de;

	*pids = NULL;
	*n = 0;
	if (st->cgroup_path)
		return sbx_cgroup_list_pids(st->cgroup_path, pids, n, err);
	if (!sbx_state_pid_alive(st))
		return 0;
	if (st->shared_pidns)
		return sbx_err_set(err, 0,
				   "container \"%s\" has neither a cgroup nor its own pid namespace: "
				   "its processes cannot be told apart from the host's", st->id);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)st->pid);
	if (stat(path, &init_ns) < 0)
		return sbx_err_set(err, errno, "stat %s", path);
	d = opendir("/proc");
	if (!d)
		return sbx_err_set(err, errno, "open /proc");
	while ((de = readdir(d))) {
		struct stat ns;
		int64_t v;
		if (sbx_parse_i64(de->d_name, &v) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/pid", de->d_name);
		if (stat(path, &ns) < 0)
			continue;
		if (ns.st_dev == init_ns.st_dev && ns.st_ino == init_ns.st_ino) {
			*pids = sbx_xrealloc(*pids, (*n + 1) * sizeof(pid_t));
			(*pids)[(*n)++] = (pid_t)v;
		}
	}
	return 0;
}

int sbx_life_write_pid_file(const char *path, pid_t pid, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *tmp = sbx_xasprintf("%s.XXXXXX", path);
	_sbx_cleanup_close_ int fd = -1;
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	/* temp + rename: an engine polling the file never reads half of it.
	 * The pid file is a caller-given path, often in a shared sticky
	 * directory (issue 8, class 7): the temp name is unpredictable and
	 * created O_EXCL (never an existing file or symlink somebody planted
	 * there), and rename() replaces a symlink at `path` instead of
	 * following it. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return sbx_err_set(err, errno, "write pid file %s: create a temporary file next to it", path);
	if (fchmod(fd, 0644) < 0 || sbx_write_all(fd, buf, (size_t)n) < 0) {
		int e = errno;
		unlink(tmp);
		return sbx_err_set(err, e, "write pid file %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return sbx_err_set(err, e, "rename pid file to %s", path);
	}
	return 0;
}

/* ---- recording create/run in the state store ---- */

char *sbx_life_hook_state(void *arg, pid_t pid, const char *status)
{
	struct sbx_state *st = arg;
	st->pid = pid;
	return sbx_state_oci_json(st, status, false);
}

int sbx_life_record_begin(const struct sbx_global_opts *g, const char *id,
			  const struct sbx_config *cfg, struct sbx_state_handle *h,
			  struct sbx_state *st, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *root = sbx_cli_state_root(g), *cfgpath = NULL, *text = NULL;
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
	st->rootless = sbx_cli_is_rootless(g);
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
	if (sbx_state_save(h, st, err) < 0) {
		sbx_life_record_remove(h, st);
		return -1;
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
