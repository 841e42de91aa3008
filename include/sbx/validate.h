/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Checks of a parsed config that a launch needs and that no single module
 * owns: required fields, flags that contradict the config, namespaces that
 * a setting needs.  They run before any plan is compiled, read only the
 * config and the bundle (stat), and fail with kind SBX_ERR_CONFIG: a
 * config refused here never created anything.  The modules' own checks
 * stay in their compile steps (sysctl keys in sysctl.c, mounts in
 * rootfs_compile.c...).
 */
#ifndef SBX_VALIDATE_H
#define SBX_VALIDATE_H

#include <stdbool.h>
#include <sys/types.h>
#include "sbx/config.h"

/* run.sbx.init=true: a minimal pid 1 (the exec stub's init mode) reaps
 * and forwards signals for the workload. */
#define SBX_INIT_ANNOTATION "run.sbx.init"

struct sbx_validate_opts {
	const char *console_socket;  /* --console-socket, NULL if none */
	uid_t euid;                  /* the caller's effective uid */
	bool have_state_builder;     /* hooks get the state JSON (launcher opts) */
};

int sbx_validate_launch(const struct sbx_config *cfg, const struct sbx_validate_opts *o,
			struct sbx_err *err);

/* Single checks, exposed for the unit tests. */
int sbx_validate_uts(const struct sbx_config *cfg, struct sbx_err *err);
int sbx_validate_rootfs(const struct sbx_config *cfg, struct sbx_err *err);

#endif
