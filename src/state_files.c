/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The files the state store keeps per container (include/sbx/state.h):
 * state.json, saved by rename and read back with every way it can be
 * corrupt named; the pool block peeked without the lock; the anchor in the
 * lock file; init's error report; and the runtime-spec state JSON of
 * `sbxrun state` and the hooks.  The store itself (the root and record
 * directories, locks, status, removal, listing) is state.c.
 */
#include "sbx/state.h"
#include "sbx/config.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---- (de)serialisation ---- */

static json_t *state_to_json(const struct sbx_state *st)
{
	json_t *o = json_object();
	json_t *ann = json_object();

	for (size_t i = 0; i < st->n_annotations; i++)
		json_object_set_new(ann, st->ann_keys[i], json_string(st->ann_values[i]));
	json_object_set_new(o, "ociVersion", json_string(SBX_OCI_VERSION));
	json_object_set_new(o, "sbxrunStateVersion", json_integer(SBX_STATE_VERSION));
	json_object_set_new(o, "id", json_string(st->id ? st->id : ""));
	json_object_set_new(o, "pid", json_integer(st->pid));
	json_object_set_new(o, "startTime", json_integer((json_int_t)st->start_time));
	json_object_set_new(o, "bundle", json_string(st->bundle ? st->bundle : ""));
	json_object_set_new(o, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
	json_object_set_new(o, "created", json_string(st->created ? st->created : ""));
	json_object_set_new(o, "owner", json_integer(st->owner));
	if (st->cgroup_path)
		json_object_set_new(o, "cgroupPath", json_string(st->cgroup_path));
	json_object_set_new(o, "annotations", ann);
	json_object_set_new(o, "sharedPidNamespace", json_boolean(st->shared_pidns));
	json_object_set_new(o, "rootless", json_boolean(st->rootless));
	if (st->log_path)
		json_object_set_new(o, "logPath", json_string(st->log_path));
	if (st->has_id_block)
		json_object_set_new(o, "idBlock", json_integer(st->id_block));
	return o;
}

int sbx_state_save(const struct sbx_state_handle *h, const struct sbx_state *st,
		   struct sbx_err *err)
{
	static const char tmpname[] = ".state.json.tmp";
	json_t *o = state_to_json(st);
	_sbx_cleanup_free_ char *text = json_dumps(o, JSON_COMPACT);
	_sbx_cleanup_close_ int fd = -1;
	struct stat old;
	bool exchange;
	int r;

	json_decref(o);
	if (!text)
		return sbx_err_set(err, ENOMEM, "serialise state of container \"%s\"", st->id);
	/* Write a temp file in the same directory and rename it over
	 * state.json: a reader sees the old or the new state, never a torn
	 * one, and a crash leaves at worst a stale temp file.  We hold the
	 * exclusive lock, so the fixed temp name cannot collide.
	 * No fsync: the state describes running processes, which a power
	 * loss ends anyway, and it lives in /run (tmpfs) on most hosts; on a
	 * disk-backed /run it cost ~2 ms per start (runc does not sync either). */
	fd = openat(h->dirfd, tmpname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return sbx_err_set(err, errno, "write state %s/%s", h->dir, tmpname);
	if (sbx_write_all(fd, text, strlen(text)) < 0 || sbx_write_all(fd, "\n", 1) < 0)
		return sbx_err_set(err, errno, "write state %s/%s", h->dir, tmpname);
	/* Once state.json exists: RENAME_EXCHANGE, then unlink the old
	 * state under the temp name.  As atomic for readers as a rename, but
	 * not a rename over a file: ext4 (auto_da_alloc) gives a file renamed
	 * over another its disk blocks at once, and on a state root mounted
	 * with `discard` freeing them (the next save, `delete`) then waited
	 * for the device, 3-5 ms in half of the runs on this project's VM.
	 * Every save is one renameat2 call (tests/reliability counts them);
	 * a filesystem without the flag gets a plain rename. */
	exchange = fstatat(h->dirfd, SBX_STATE_FILE, &old, AT_SYMLINK_NOFOLLOW) == 0 &&
		   S_ISREG(old.st_mode);
	r = (int)syscall(SYS_renameat2, h->dirfd, tmpname, h->dirfd, SBX_STATE_FILE,
			 exchange ? RENAME_EXCHANGE : 0);
	if (r < 0 && (errno == EINVAL || errno == ENOSYS)) {
		exchange = false;
		r = renameat(h->dirfd, tmpname, h->dirfd, SBX_STATE_FILE);
	}
	if (r < 0)
		return sbx_err_set(err, errno, "rename state %s/%s", h->dir, SBX_STATE_FILE);
	if (exchange)
		(void)unlinkat(h->dirfd, tmpname, 0);
	return 0;
}

static char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v) || !*json_string_value(v))
		return NULL;
	return sbx_xstrdup(json_string_value(v));
}

/* The text of state.json as a JSON object, or an error that says why the
 * record is corrupt (or too new for us) and names the file. */
static int state_json_parse(const struct sbx_state_handle *h, const char *text, size_t len,
			    json_t **out, struct sbx_err *err)
{
	json_error_t jerr;
	json_t *o, *v;

	if (len == 0)
		return sbx_err_set(err, 0, "%s/%s: corrupt state: the file is empty", h->dir,
				   SBX_STATE_FILE);
	if (memchr(text, '\0', len))
		return sbx_err_set(err, 0, "%s/%s: corrupt state: NUL byte at offset %zu", h->dir,
				   SBX_STATE_FILE, (size_t)((char *)memchr(text, '\0', len) - text));
	o = json_loadb(text, len, 0, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		return sbx_err_set(err, 0, "%s/%s: corrupt state: %s%s", h->dir, SBX_STATE_FILE,
				   o ? "not a JSON object" : jerr.text, o ? "" : " (truncated or not JSON)");
	}
	v = json_object_get(o, "sbxrunStateVersion");
	if (v && (!json_is_integer(v) || json_integer_value(v) > SBX_STATE_VERSION)) {
		long long ver = json_is_integer(v) ? (long long)json_integer_value(v) : -1;
		json_decref(o);
		if (ver < 0)
			return sbx_err_set(err, 0, "%s/%s: corrupt state: sbxrunStateVersion is not a number",
					   h->dir, SBX_STATE_FILE);
		return sbx_err_set(err, 0, "%s/%s: state format %lld is newer than this sbxrun's (%d):"
				   " use the sbxrun that created the container", h->dir,
				   SBX_STATE_FILE, ver, SBX_STATE_VERSION);
	}
	*out = o;
	return 0;
}

/* The inverse of state_to_json, for the fields after "id" (checked by the
 * caller).  Missing or mistyped fields read as absent. */
static void state_from_json(json_t *o, struct sbx_state *st)
{
	json_t *ann, *v;
	const char *k;

	st->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	if (st->pid < 0)
		st->pid = 0; /* never signal a process group through a bad record */
	st->start_time = (unsigned long long)json_integer_value(json_object_get(o, "startTime"));
	st->bundle = jstr(o, "bundle");
	st->rootfs = jstr(o, "rootfs");
	st->created = jstr(o, "created");
	st->owner = (uid_t)json_integer_value(json_object_get(o, "owner"));
	st->cgroup_path = jstr(o, "cgroupPath");
	st->log_path = jstr(o, "logPath");
	st->shared_pidns = json_is_true(json_object_get(o, "sharedPidNamespace"));
	st->rootless = json_is_true(json_object_get(o, "rootless"));
	v = json_object_get(o, "idBlock");
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= UINT32_MAX) {
		st->has_id_block = true;
		st->id_block = (unsigned)json_integer_value(v);
	}
	ann = json_object_get(o, "annotations");
	if (json_is_object(ann) && json_object_size(ann) > 0) {
		size_t n = json_object_size(ann), i = 0;
		st->ann_keys = sbx_xcalloc(n, sizeof(char *));
		st->ann_values = sbx_xcalloc(n, sizeof(char *));
		json_object_foreach(ann, k, v) {
			if (!json_is_string(v))
				continue;
			st->ann_keys[i] = sbx_xstrdup(k);
			st->ann_values[i] = sbx_xstrdup(json_string_value(v));
			i++;
		}
		st->n_annotations = i;
	}
}

int sbx_state_load(const struct sbx_state_handle *h, struct sbx_state *st, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *text = NULL;
	struct stat sb;
	json_t *o;
	size_t len;

	memset(st, 0, sizeof(*st));
	if (sbx_read_file_at(h->dirfd, SBX_STATE_FILE, &text, &len, err) < 0) {
		if (err->errnum == ENOENT) {
			sbx_err_clear(err);
			st->id = sbx_xstrdup(h->id);
			st->status = SBX_STATUS_CREATING;
			return 0;
		}
		return sbx_err_prefix(err, "container \"%s\"", h->id);
	}
	if (state_json_parse(h, text, len, &o, err) < 0)
		return -1;
	st->id = jstr(o, "id");
	if (!st->id || strcmp(st->id, h->id) != 0) {
		json_decref(o);
		sbx_state_free(st);
		return sbx_err_set(err, 0, "%s/%s: corrupt state: id does not match the directory",
				   h->dir, SBX_STATE_FILE);
	}
	state_from_json(o, st);
	json_decref(o);
	st->status = sbx_state_compute_status(
		st, fstatat(h->dirfd, SBX_EXEC_FIFO, &sb, AT_SYMLINK_NOFOLLOW) == 0);
	return 0;
}

void sbx_state_free(struct sbx_state *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_annotations; i++) {
		free(st->ann_keys[i]);
		free(st->ann_values[i]);
	}
	free(st->ann_keys);
	free(st->ann_values);
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup_path);
	free(st->log_path);
	memset(st, 0, sizeof(*st));
}

int sbx_state_peek_id_block(const char *root, const char *id, unsigned *block)
{
	_sbx_cleanup_close_ int rootfd = -1, dirfd = -1;
	_sbx_cleanup_free_ char *text = NULL;
	struct sbx_err err;
	json_t *o, *v;
	size_t len;
	int r = 1;

	/* Only "the record is gone" (ENOENT) or a readable record without
	 * the block frees a claim.  A record that exists but cannot be read
	 * (corrupt, truncated, unreadable) may belong to a container that
	 * still runs with these host ids: handing them to another container
	 * would let each reach the other's processes and files. */
	if (sbx_state_validate_id(id, &err) < 0)
		return -1;
	rootfd = sbx_state_root_open(root, false, &err);
	if (rootfd < 0)
		return errno == ENOENT ? -1 : 1;
	dirfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return errno == ENOENT ? -1 : 1;
	if (sbx_read_file_at(dirfd, SBX_STATE_FILE, &text, &len, &err) < 0)
		return err.errnum == ENOENT ? -1 : 1;
	o = json_loadb(text, len, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return 1;
	}
	v = json_object_get(o, "idBlock");
	if (!v) {
		r = -1;
	} else if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		   json_integer_value(v) <= UINT32_MAX) {
		*block = (unsigned)json_integer_value(v);
		r = 0;
	}
	json_decref(o);
	return r;
}

/* ---- the anchor, init's error report ---- */

int sbx_state_write_anchor(const struct sbx_state_handle *h, const struct sbx_state_anchor *a,
			   struct sbx_err *err)
{
	json_t *o = json_object();
	_sbx_cleanup_free_ char *text = NULL;
	size_t len;

	json_object_set_new(o, "pid", json_integer(a->pid));
	json_object_set_new(o, "startTime", json_integer((json_int_t)a->start_time));
	if (a->cgroup_path)
		json_object_set_new(o, "cgroupPath", json_string(a->cgroup_path));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return sbx_err_set(err, ENOMEM, "serialise the anchor of container \"%s\"", h->id);
	len = strlen(text);
	/* In place, no rename: the lock file must keep its inode (it carries
	 * the record lock).  A crash mid-write leaves a torn line that reads
	 * as "no anchor", never a wrong one: the reader needs one complete
	 * JSON object followed by the newline. */
	text = sbx_xrealloc(text, len + 2);
	text[len++] = '\n';
	if (pwrite(h->lockfd, text, len, 0) != (ssize_t)len)
		return sbx_err_set(err, errno ? errno : EIO, "write the anchor %s/%s", h->dir,
				   SBX_LOCK_FILE);
	if (ftruncate(h->lockfd, (off_t)len) < 0)
		return sbx_err_set(err, errno, "truncate the anchor %s/%s", h->dir, SBX_LOCK_FILE);
	return 0;
}

int sbx_state_read_anchor(const struct sbx_state_handle *h, struct sbx_state_anchor *a)
{
	char buf[8192];
	json_t *o;
	ssize_t n;
	json_int_t pid, start;

	memset(a, 0, sizeof(*a));
	if (h->lockfd < 0)
		return -1;
	n = pread(h->lockfd, buf, sizeof(buf) - 1, 0);
	if (n <= 0 || buf[n - 1] != '\n' || memchr(buf, '\0', (size_t)n))
		return -1;
	buf[n] = '\0';
	o = json_loads(buf, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	pid = json_integer_value(json_object_get(o, "pid"));
	start = json_integer_value(json_object_get(o, "startTime"));
	a->pid = pid > 0 && pid < (1 << 22) ? (pid_t)pid : 0;
	a->start_time = start > 0 ? (unsigned long long)start : 0;
	a->cgroup_path = jstr(o, "cgroupPath");
	json_decref(o);
	return 0;
}

void sbx_state_anchor_free(struct sbx_state_anchor *a)
{
	free(a->cgroup_path);
	a->cgroup_path = NULL;
}

int sbx_state_read_init_error(const struct sbx_state_handle *h, int *code, struct sbx_err *report)
{
	_sbx_cleanup_free_ char *text = NULL;
	struct sbx_err ign;
	size_t len;
	int c, e, off = 0;

	if (sbx_read_file_at(h->dirfd, SBX_INIT_ERROR_FILE, &text, &len, &ign) < 0 || len == 0)
		return 0;
	/* "<exit code> <errno> <message>\n", written by init in one write(). */
	if (sscanf(text, "%d %d %n", &c, &e, &off) < 2 || off <= 0) {
		*code = SBX_EXIT_FAILURE;
		sbx_err_set(report, 0, "container init failed (unreadable report in %s/%s)", h->dir,
			    SBX_INIT_ERROR_FILE);
		return 1;
	}
	text[strcspn(text, "\n")] = '\0';
	*code = c > 0 && c < 256 ? c : SBX_EXIT_FAILURE;
	sbx_err_setk(report, sbx_err_kind_of_exit_code(*code), e >= 0 ? e : 0, "%s", text + off);
	return 1;
}

/* ---- JSON for `state` and hooks ---- */

char *sbx_state_oci_json(const struct sbx_state *st, const char *status, bool pretty)
{
	json_t *o = json_object();
	json_t *ann = json_object();
	const char *s = status ? status : sbx_state_status_name(st->status);
	char *text;

	json_object_set_new(o, "ociVersion", json_string(SBX_OCI_VERSION));
	json_object_set_new(o, "id", json_string(st->id ? st->id : ""));
	json_object_set_new(o, "status", json_string(s));
	/* runtime-spec: pid is REQUIRED when status is created or running on
	 * Linux; a stopped container has no process to name, and reporting a
	 * pid that may have been reused would invite killing a stranger. */
	if (st->pid > 0 && strcmp(s, "stopped") != 0)
		json_object_set_new(o, "pid", json_integer(st->pid));
	else
		json_object_set_new(o, "pid", json_integer(0));
	json_object_set_new(o, "bundle", json_string(st->bundle ? st->bundle : ""));
	for (size_t i = 0; i < st->n_annotations; i++)
		json_object_set_new(ann, st->ann_keys[i], json_string(st->ann_values[i]));
	json_object_set_new(o, "annotations", ann);
	if (st->created)
		json_object_set_new(o, "created", json_string(st->created));
	text = json_dumps(o, pretty ? JSON_INDENT(2) | JSON_PRESERVE_ORDER
				    : JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		abort(); /* only on OOM */
	return text;
}

void sbx_state_now_rfc3339(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}
