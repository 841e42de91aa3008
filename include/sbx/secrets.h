/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Secrets as files (annotation run.sbx.secrets, `sbxrun spec --secret
 * NAME=HOSTFILE`): each host file is copied at create into a private tmpfs
 * at /run/secrets/NAME, mode 0400, owned by the process user.
 *
 *   run.sbx.secrets  "db_password=/home/u/db.txt,api_token=/home/u/tok"
 *
 * compile (parent, before clone): parse the annotation and read every host
 * file through a safe open: no symlink anywhere in the path
 * (openat2 RESOLVE_NO_SYMLINKS), only a regular file, at most 1 MiB.  The
 * runtime reads the file with the caller's own credentials.
 * apply (child, after the rootfs mounts, before the root is made read-only):
 * a new tmpfs, filled while it is still detached (nobody in the container
 * can see it half-written), made read-only, then attached at /run/secrets
 * (resolved inside the rootfs).  It is a copy, not a bind mount: the
 * container cannot write the host file back or watch it change.
 *
 * The values never reach state.json, the logs or the state/ps output: only
 * this plan holds them, and it is wiped (explicit_bzero) when freed.
 */
#ifndef SBX_SECRETS_H
#define SBX_SECRETS_H

#include <stddef.h>
#include <sys/types.h>
#include "sbx/config.h"

#define SBX_SECRETS_ANNOTATION "run.sbx.secrets"
#define SBX_SECRETS_DIR "/run/secrets"
#define SBX_SECRET_MAX (1u << 20)

struct sbx_secret {
	char *name;
	char *host_path;
	char *data;
	size_t len;
};

struct sbx_secrets_plan {
	struct sbx_secret *v;
	size_t n;
	uid_t uid;
	gid_t gid;
};

int sbx_secrets_compile(const struct sbx_config *cfg, struct sbx_secrets_plan *out,
			struct sbx_err *err);
void sbx_secrets_plan_free(struct sbx_secrets_plan *plan);
int sbx_secrets_apply_child(struct sbx_secrets_plan *plan, struct sbx_err *err);

/* Open a host file for reading, refusing symlinks (in any component) and
 * anything but a regular file.  Returns the fd or -1 + err. */
int sbx_secrets_open_host(const char *path, struct sbx_err *err);

#endif
