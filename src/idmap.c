/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/idmap.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static size_t copy_maps(struct sbx_idmap *dst, const struct sbx_idmap *src, size_t n,
			const char *what, struct sbx_err *err)
{
	if (n > SBX_IDMAP_MAX) {
		sbx_err_setk(err, SBX_ERR_CONFIG, E2BIG, "config.json: linux.%s: more than %d mappings",
			     what, SBX_IDMAP_MAX);
		return (size_t)-1;
	}
	if (n) /* src is NULL without mappings: memcpy(NULL, 0) is undefined */
		memcpy(dst, src, n * sizeof(*src));
	return n;
}

int sbx_idmap_compile(const struct sbx_config *cfg, uid_t euid, gid_t egid,
		      struct sbx_idmap_plan *out, struct sbx_err *err)
{
	const struct sbx_linux *l = &cfg->linux;

	memset(out, 0, sizeof(*out));
	if ((out->n_uid = copy_maps(out->uid, l->uid_mappings, l->n_uid_mappings, "uidMappings",
				    err)) == (size_t)-1)
		return -1;
	if ((out->n_gid = copy_maps(out->gid, l->gid_mappings, l->n_gid_mappings, "gidMappings",
				    err)) == (size_t)-1)
		return -1;
	if (out->n_uid == 0 && out->n_gid == 0) {
		if (euid == 0)
			return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
					    "config.json: linux.uidMappings: required when root creates a user namespace");
		out->uid[0] = (struct sbx_idmap){ 0, euid, 1 };
		out->gid[0] = (struct sbx_idmap){ 0, egid, 1 };
		out->n_uid = out->n_gid = 1;
	}
	if (out->n_uid == 0)
		return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
				    "config.json: linux.uidMappings: required with linux.gidMappings");
	if (out->n_gid == 0)
		return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
				    "config.json: linux.gidMappings: required with linux.uidMappings");
	if (euid != 0) {
		bool self_uid = out->n_uid == 1 && out->uid[0].host_id == euid && out->uid[0].size == 1;
		bool self_gid = out->n_gid == 1 && out->gid[0].host_id == egid && out->gid[0].size == 1;

		if (self_uid && self_gid) {
			out->deny_setgroups = true;
		} else {
			out->use_helpers = true;
		}
	}
	return 0;
}

static int run_helper(const char *helper, pid_t pid, const struct sbx_idmap *m, size_t n,
		      struct sbx_err *err)
{
	char *argv[2 + 3 * SBX_IDMAP_MAX + 1];
	char nums[3 * SBX_IDMAP_MAX + 1][16];
	size_t a = 0, k = 0;
	int status;
	pid_t c;

	argv[a++] = (char *)helper;
	snprintf(nums[k], sizeof(nums[k]), "%d", (int)pid);
	argv[a++] = nums[k++];
	for (size_t i = 0; i < n; i++) {
		uint32_t v[3] = { m[i].container_id, m[i].host_id, m[i].size };
		for (int j = 0; j < 3; j++) {
			snprintf(nums[k], sizeof(nums[k]), "%u", v[j]);
			argv[a++] = nums[k++];
		}
	}
	argv[a] = NULL;
	c = fork();
	if (c < 0)
		return sbx_err_set(err, errno, "fork for %s", helper);
	if (c == 0) {
		execvp(helper, argv);
		_exit(127);
	}
	while (waitpid(c, &status, 0) < 0)
		if (errno != EINTR)
			return sbx_err_set(err, errno, "wait for %s", helper);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return sbx_err_set(err, ENOENT,
				   "%s: not found (install the uidmap package; needed for multi-id mappings when rootless)",
				   helper);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sbx_err_set(err, 0,
				   "%s %d failed (status %d): check /etc/sub%cid has a range for this user that covers the configured mappings",
				   helper, (int)pid, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				   helper[3] == 'u' ? 'u' : 'g');
	return 0;
}

static int write_map(pid_t pid, const char *file, const struct sbx_idmap *m, size_t n,
		     struct sbx_err *err)
{
	char path[64], buf[SBX_IDMAP_MAX * 36]; /* 3 x 10 digits + 2 blanks + \n per line */
	int len = sbx_config_format_idmap(m, n, buf, sizeof(buf));

	if (len <= 0)
		return sbx_err_set(err, E2BIG, "format %s", file);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (sbx_write_file_at(AT_FDCWD, path, buf, (size_t)len, err) < 0)
		return -1;
	return 0;
}

bool sbx_userns_is_initial(void)
{
	static int cached = -1;
	char *buf = NULL;
	struct sbx_err e;
	unsigned a, b, n;

	if (cached >= 0)
		return cached;
	cached = 1;
	if (sbx_read_file_at(AT_FDCWD, "/proc/self/uid_map", &buf, NULL, &e) == 0) {
		if (sscanf(buf, "%u %u %u", &a, &b, &n) == 3)
			cached = a == 0 && b == 0 && n == 4294967295u;
		free(buf);
	}
	return cached;
}

/* CAP_SETUID and CAP_SETGID in our user namespace (the parent of the one
 * being mapped)?  Then we may write any mapping of ids that exist here
 * ourselves, and newuidmap (setuid root, powerless in a user namespace
 * that does not map root) is not needed.  That is sbxrun after joining the
 * per-user namespace of a rootless user-defined network (net_rootless.c). */
bool sbx_idmap_have_setid_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return (d[0].effective & (1u << CAP_SETUID)) && (d[0].effective & (1u << CAP_SETGID));
}

int sbx_idmap_apply_parent(const struct sbx_idmap_plan *plan, pid_t pid, struct sbx_err *err)
{
	char path[64];

	if (plan->use_helpers && !sbx_idmap_have_setid_caps()) {
		if (run_helper("newuidmap", pid, plan->uid, plan->n_uid, err) < 0 ||
		    run_helper("newgidmap", pid, plan->gid, plan->n_gid, err) < 0)
			return sbx_err_prefix(err, "user namespace id mapping");
		return 0;
	}
	if (plan->deny_setgroups) {
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		if (sbx_write_file_at(AT_FDCWD, path, "deny", 4, err) < 0)
			return sbx_err_prefix(err, "user namespace id mapping");
	}
	if (write_map(pid, "uid_map", plan->uid, plan->n_uid, err) < 0 ||
	    write_map(pid, "gid_map", plan->gid, plan->n_gid, err) < 0)
		return sbx_err_prefix(err, "user namespace id mapping");
	return 0;
}

int sbx_idmap_userns_fd(const struct sbx_idmap *uid, size_t n_uid, const struct sbx_idmap *gid,
			size_t n_gid, struct sbx_err *err)
{
	_sbx_cleanup_close_ int rd = -1, wr = -1;
	char path[64];
	int p[2], fd = -1, status;
	long pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return sbx_err_set(err, errno, "id-mapped mount: create a user namespace: pipe");
	rd = p[0];
	wr = p[1];
	/* A process born in a new user namespace (clone, not unshare: it is
	 * in it before the parent looks), that only waits to be let go. */
	pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0)
		return sbx_err_set(err, errno, "id-mapped mount: create a user namespace");
	if (pid == 0) {
		char b;
		close(wr);
		(void)!read(rd, &b, 1);
		_exit(0);
	}
	if (write_map((pid_t)pid, "uid_map", uid, n_uid, err) == 0 &&
	    write_map((pid_t)pid, "gid_map", gid, n_gid, err) == 0) {
		snprintf(path, sizeof(path), "/proc/%ld/ns/user", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			sbx_err_set(err, errno, "id-mapped mount: open %s", path);
	}
	sbx_cleanup_close(&wr); /* EOF: the holder exits; the fd keeps the namespace */
	while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR)
		;
	if (fd < 0)
		return sbx_err_prefix(err, "id-mapped mount");
	return fd;
}
