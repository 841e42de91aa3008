/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI hooks.  Each hook is executed (fork + execve of hook.path with
 * hook.args and hook.env, never through a shell) with the container state
 * JSON on its stdin, and killed (SIGKILL) after hook.timeout seconds.
 *
 * Failure semantics are the caller's (runtime-spec): prestart,
 * createRuntime, createContainer and startContainer failures abort the
 * container; poststart and poststop failures are logged as warnings.
 */
#ifndef SBX_HOOKS_H
#define SBX_HOOKS_H

#include "sbx/config.h"

/* Run every hook of `list` in order; stop at the first failure.
 * `name` ("createRuntime", ...) is used in messages:
 *   "createRuntime hook[1] /usr/bin/x: exited with status 3". */
int sbx_hooks_run(const struct sbx_hook_list *list, const char *name, const char *state_json,
		  struct sbx_err *err);

/* How the hooks of a list are started (sbx_hooks_run_in), for hooks that
 * run inside the container (startContainer): `exec` is called in the
 * forked child with stdio set up and must not return on success (it goes
 * through the container's process steps, process.h); `default_env` is the
 * environment of a hook without `env` (runc gives startContainer hooks the
 * process's). */
struct sbx_hook_exec {
	void (*exec)(const struct sbx_hook *h, char *const argv[], char *const envp[], void *arg);
	void *arg;
	char *const *default_env;
};
int sbx_hooks_run_in(const struct sbx_hook_list *list, const char *name, const char *state_json,
		     const struct sbx_hook_exec *how, struct sbx_err *err);

#endif
