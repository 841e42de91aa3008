/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Landlock: filesystem allow-lists from annotations.
 *
 *   run.sbx.landlock.ro    "/usr:/etc"   read, execute, list
 *   run.sbx.landlock.rw    "/tmp:/data"  every filesystem right
 *   run.sbx.landlock.mode  "enforce" (default) | "best-effort"
 *
 * Either ro or rw turns Landlock on.  Then every filesystem access right the
 * kernel's Landlock ABI knows is "handled", i.e. denied unless a rule grants
 * it: reads are denied outside ro/rw too, not only writes.
 *
 * Landlock needs no_new_privs (or CAP_SYS_ADMIN) to restrict a process.  We
 * do not set it behind the user's back: a config with Landlock annotations
 * but process.noNewPrivileges false is rejected at compile time, so what the
 * config says about NNP is what the container gets (docs/landlock.md).
 */
#include "sbx/landlock.h"
#include "sbx/error.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

#define ANN_RO "run.sbx.landlock.ro"
#define ANN_RW "run.sbx.landlock.rw"
#define ANN_MODE "run.sbx.landlock.mode"

/* ABI 1 rights: bits 0..12. */
#define FS_ABI1 ((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1)
#define FS_READ (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | \
		 LANDLOCK_ACCESS_FS_READ_DIR)
/* Rights that make sense on a non-directory; others make add_rule EINVAL. */
#define FS_FILE (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
		 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | \
		 LANDLOCK_ACCESS_FS_IOCTL_DEV)

static uint64_t fs_rights_for_abi(int abi)
{
	uint64_t m = FS_ABI1;

	if (abi >= 2)
		m |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		m |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		m |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return m;
}

/* Landlock ABI version of the running kernel, or -1 (errno set). */
static int landlock_abi(void)
{
	return (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
}

static void free_list(char **l)
{
	if (!l)
		return;
	for (char **p = l; *p; p++)
		free(*p);
	free(l);
}

void sbx_landlock_plan_free(struct sbx_landlock_plan *plan)
{
	if (!plan)
		return;
	free_list(plan->ro);
	free_list(plan->rw);
	memset(plan, 0, sizeof(*plan));
}

/* Split "a:b:c" into a NULL-terminated malloc'ed list, validating each. */
static int parse_list(const char *key, const char *val, char ***out, size_t *n_out,
		      struct sbx_err *err)
{
	size_t n = 1, k = 0;
	const char *p = val, *start;
	char **list;

	for (const char *q = val; *q; q++)
		n += *q == ':';
	list = sbx_xcalloc(n + 1, sizeof(char *));
	*out = list;
	*n_out = 0;
	for (;;) {
		size_t len;
		start = p;
		while (*p && *p != ':')
			p++;
		len = (size_t)(p - start);
		char *s = sbx_xmalloc(len + 1);
		memcpy(s, start, len);
		s[len] = '\0';
		list[k++] = s;
		*n_out = k;
		if (len == 0)
			return sbx_err_set(err, 0, "config.json: annotations.%s: empty path in \"%s\"", key, val);
		if (s[0] != '/')
			return sbx_err_set(err, 0, "config.json: annotations.%s: \"%s\" must be an absolute path",
					   key, s);
		/* "//" or a trailing "/" hides an empty component: refuse rather
		 * than guess, the list is a security boundary. */
		if (len > 1 && (strstr(s, "//") || s[len - 1] == '/'))
			return sbx_err_set(err, 0, "config.json: annotations.%s: \"%s\" has an empty path component",
					   key, s);
		if (!*p)
			break;
		p++;
	}
	return 0;
}

int sbx_landlock_compile(const struct sbx_config *cfg, struct sbx_landlock_plan *out,
			 struct sbx_err *err)
{
	const char *ro, *rw, *mode;

	memset(out, 0, sizeof(*out));
	ro = sbx_config_annotation(cfg, ANN_RO);
	rw = sbx_config_annotation(cfg, ANN_RW);
	mode = sbx_config_annotation(cfg, ANN_MODE);
	if (mode && strcmp(mode, "enforce") && strcmp(mode, "best-effort"))
		return sbx_err_set(err, 0,
				   "config.json: annotations." ANN_MODE ": unknown mode \"%s\" (expected \"enforce\" or \"best-effort\")",
				   mode);
	if (!ro && !rw)
		return 0;
	out->present = true;
	out->best_effort = mode && !strcmp(mode, "best-effort");
	if (ro && parse_list(ANN_RO, ro, &out->ro, &out->n_ro, err) < 0)
		goto fail;
	if (rw && parse_list(ANN_RW, rw, &out->rw, &out->n_rw, err) < 0)
		goto fail;
	if (!out->ro)
		out->ro = sbx_xcalloc(1, sizeof(char *));
	if (!out->rw)
		out->rw = sbx_xcalloc(1, sizeof(char *));
	if (!cfg->process || !cfg->process->no_new_privileges) {
		sbx_err_set(err, 0, "config.json: process.noNewPrivileges: landlock requires process.noNewPrivileges: true (annotations %s)",
			    ro ? ANN_RO : ANN_RW);
		goto fail;
	}
	if (landlock_abi() < 1) {
		if (!out->best_effort) {
			sbx_err_set(err, errno,
				    "config.json: annotations: Landlock is not available on this kernel (set " ANN_MODE "=best-effort to run without it)");
			goto fail;
		}
		sbx_warn("landlock: not available on this kernel, running without it (best-effort)");
	}
	return 0;
fail:
	sbx_landlock_plan_free(out);
	return -1;
}

static int add_path(int ruleset, const char *path, uint64_t allowed, uint64_t handled,
		    struct sbx_err *err)
{
	struct landlock_path_beneath_attr attr;
	struct stat st;
	/* Runs after pivot_root: "/" is the container root, so even a symlink
	 * to "/" or "../.." resolves inside the container.  O_PATH: we need no
	 * read permission on the path to name it in a rule. */
	_sbx_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0)
		return sbx_err_set(err, errno, "landlock: open %s", path);
	if (fstat(fd, &st) < 0)
		return sbx_err_set(err, errno, "landlock: stat %s", path);
	allowed &= handled;
	if (!S_ISDIR(st.st_mode))
		allowed &= FS_FILE;
	attr.allowed_access = allowed;
	attr.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) < 0)
		return sbx_err_set(err, errno, "landlock: add rule for %s", path);
	return 0;
}

int sbx_landlock_apply_child(const struct sbx_landlock_plan *plan, struct sbx_err *err)
{
	struct landlock_ruleset_attr rattr;
	_sbx_cleanup_close_ int ruleset = -1;
	uint64_t handled;
	int abi;

	if (!plan || !plan->present)
		return 0;
	abi = landlock_abi();
	if (abi < 1) {
		if (plan->best_effort)
			return 0;
		return sbx_err_set(err, errno, "landlock: not available on this kernel");
	}
	handled = fs_rights_for_abi(abi);
	memset(&rattr, 0, sizeof(rattr));
	rattr.handled_access_fs = handled;
	/* Only the fs field: older kernels reject a bigger attr with E2BIG,
	 * and network/scope restrictions are not part of this feature. */
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &rattr,
			       sizeof(rattr.handled_access_fs), 0);
	if (ruleset < 0)
		return sbx_err_set(err, errno, "landlock: create ruleset");
	for (size_t i = 0; plan->ro && plan->ro[i]; i++)
		if (add_path(ruleset, plan->ro[i], FS_READ, handled, err) < 0)
			return -1;
	for (size_t i = 0; plan->rw && plan->rw[i]; i++)
		if (add_path(ruleset, plan->rw[i], handled, handled, err) < 0)
			return -1;
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
		if (errno == EPERM)
			return sbx_err_set(err, errno, "landlock: restrict self (needs no_new_privs)");
		return sbx_err_set(err, errno, "landlock: restrict self");
	}
	return 0;
}
