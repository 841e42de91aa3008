/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Secrets as files: see include/sbx/secrets.h. */
#include "sbx/secrets.h"
#include "sbx/path.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ANN "config.json: annotations.run.sbx.secrets"

static bool valid_name(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > 255 || n[0] == '.')
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

int sbx_secrets_open_host(const char *path, struct sbx_err *err)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW,
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	struct stat st;
	int fd;

	fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		/* No openat2 (< 5.6): O_NOFOLLOW for the last component, and the
		 * path the kernel actually opened must be the one we were given
		 * (a symlinked directory on the way would change it). */
		char link[64], real[4096];
		_sbx_cleanup_free_ char *want = sbx_xstrdup(path);
		ssize_t n;

		sbx_path_clean(want);
		fd = open(path, (int)how.flags);
		if (fd >= 0) {
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			n = readlink(link, real, sizeof(real) - 1);
			if (n < 0 || (real[n] = '\0', strcmp(real, want))) {
				close(fd);
				errno = ELOOP;
				fd = -1;
			}
		}
	}
	if (fd < 0) {
		if (errno == ELOOP)
			return sbx_err_set(err, errno, "open %s: the path contains a symbolic link (refused)", path);
		return sbx_err_set(err, errno, "open %s", path);
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return sbx_err_set(err, e, "stat %s", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return sbx_err_set(err, 0, "open %s: not a regular file", path);
	}
	return fd;
}

static int read_secret(struct sbx_secret *s, struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = sbx_secrets_open_host(s->host_path, err);
	size_t cap = 4096;
	ssize_t n;

	if (fd < 0)
		return -1;
	s->data = sbx_xmalloc(cap);
	s->len = 0;
	for (;;) {
		if (s->len == cap) {
			if (cap > SBX_SECRET_MAX)
				return sbx_err_set(err, EFBIG, "read %s: larger than %u KiB", s->host_path,
						   SBX_SECRET_MAX >> 10);
			/* grow by copying, wiping the old buffer: no stray copies */
			char *nb = sbx_xmalloc(cap * 2);
			memcpy(nb, s->data, s->len);
			explicit_bzero(s->data, cap);
			free(s->data);
			s->data = nb;
			cap *= 2;
		}
		n = read(fd, s->data + s->len, cap - s->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sbx_err_set(err, errno, "read %s", s->host_path);
		if (n == 0)
			break;
		s->len += (size_t)n;
	}
	if (s->len > SBX_SECRET_MAX)
		return sbx_err_set(err, EFBIG, "read %s: larger than %u KiB", s->host_path,
				   SBX_SECRET_MAX >> 10);
	return 0;
}

int sbx_secrets_compile(const struct sbx_config *cfg, struct sbx_secrets_plan *out,
			struct sbx_err *err)
{
	const char *ann = sbx_config_annotation(cfg, SBX_SECRETS_ANNOTATION);
	_sbx_cleanup_free_ char *copy = NULL;
	char *save = NULL;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if (!ann || !*ann)
		return 0;
	if (cfg->process) {
		out->uid = cfg->process->user.uid;
		out->gid = cfg->process->user.gid;
	}
	copy = sbx_xstrdup(ann);
	for (char *e = strtok_r(copy, ",", &save); e; e = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(e, '=');
		struct sbx_secret *s;

		if (!eq)
			goto bad;
		*eq = '\0';
		if (!valid_name(e)) {
			sbx_secrets_plan_free(out);
			return sbx_err_set(err, 0, ANN ": invalid secret name \"%s\" (1-255 of [A-Za-z0-9._-], not starting with '.')", e);
		}
		if (eq[1] != '/') {
			sbx_secrets_plan_free(out);
			return sbx_err_set(err, 0, ANN ": secret \"%s\": the host file must be an absolute path", e);
		}
		for (size_t i = 0; i < out->n; i++)
			if (!strcmp(out->v[i].name, e)) {
				sbx_secrets_plan_free(out);
				return sbx_err_set(err, 0, ANN ": secret \"%s\" is given twice", e);
			}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 4;
			out->v = sbx_xrealloc(out->v, cap * sizeof(*out->v));
		}
		s = &out->v[out->n++];
		memset(s, 0, sizeof(*s));
		s->name = sbx_xstrdup(e);
		s->host_path = sbx_xstrdup(eq + 1);
		if (read_secret(s, err) < 0) {
			sbx_err_prefix(err, ANN ": secret \"%s\"", e);
			sbx_secrets_plan_free(out);
			return -1;
		}
	}
	return 0;
bad:
	sbx_secrets_plan_free(out);
	return sbx_err_set(err, 0, ANN ": expected NAME=/host/file[,NAME=/host/file...]");
}

void sbx_secrets_plan_free(struct sbx_secrets_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->n; i++) {
		if (plan->v[i].data)
			explicit_bzero(plan->v[i].data, plan->v[i].len);
		free(plan->v[i].data);
		free(plan->v[i].name);
		free(plan->v[i].host_path);
	}
	free(plan->v);
	memset(plan, 0, sizeof(*plan));
}

int sbx_secrets_apply_child(struct sbx_secrets_plan *plan, struct sbx_err *err)
{
	_sbx_cleanup_close_ int fs = -1, mnt = -1, root = -1, dir = -1;
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	size_t total = 0;
	char size[32];

	if (!plan->n)
		return 0;
	for (size_t i = 0; i < plan->n; i++)
		total += plan->v[i].len;
	snprintf(size, sizeof(size), "%zu", total + 64 * 1024);
	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return sbx_err_set(err, errno, "fsopen tmpfs for %s", SBX_SECRETS_DIR);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "size", size, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return sbx_err_set(err, errno, "configure the tmpfs for %s", SBX_SECRETS_DIR);
	mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return sbx_err_set(err, errno, "fsmount the tmpfs for %s", SBX_SECRETS_DIR);
	/* Filled while detached: nothing in the container sees a partial file. */
	for (size_t i = 0; i < plan->n; i++) {
		struct sbx_secret *s = &plan->v[i];
		_sbx_cleanup_close_ int fd = openat(mnt, s->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
						    O_CLOEXEC, 0400);
		if (fd < 0)
			return sbx_err_set(err, errno, "create %s/%s", SBX_SECRETS_DIR, s->name);
		if (sbx_write_all(fd, s->data, s->len) < 0)
			return sbx_err_set(err, errno, "write %s/%s", SBX_SECRETS_DIR, s->name);
		if (fchown(fd, plan->uid, plan->gid) < 0)
			return sbx_err_set(err, errno, "chown %s/%s to %u:%u (is the id mapped?)",
					   SBX_SECRETS_DIR, s->name, (unsigned)plan->uid, (unsigned)plan->gid);
		/* This process execs the workload soon; still, drop the copy now. */
		explicit_bzero(s->data, s->len);
	}
	if (mount_setattr(mnt, "", AT_EMPTY_PATH, &ro, sizeof(ro)) < 0)
		return sbx_err_set(err, errno, "make %s read-only", SBX_SECRETS_DIR);
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return sbx_err_set(err, errno, "open the container root");
	dir = sbx_path_mkpath_in_root(root, SBX_SECRETS_DIR, true, err);
	if (dir < 0)
		return sbx_err_prefix(err, "create %s", SBX_SECRETS_DIR);
	if (move_mount(mnt, "", dir, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return sbx_err_set(err, errno, "mount the secrets tmpfs on %s", SBX_SECRETS_DIR);
	return 0;
}
