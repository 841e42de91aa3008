/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI hooks.  Each hook is executed (fork + execve of hook.path with
 * hook.args and hook.env, never through a shell) with the container state
 * JSON on its stdin, and killed (SIGKILL) after hook.timeout seconds.
 *
 * Failure semantics (runtime-spec 1.2, the version sbxrun declares):
 * prestart, createRuntime, createContainer and startContainer failures
 * abort the container (sbx_hooks_run); a poststart or poststop failure "MUST
 * log a warning, but the remaining hooks and lifecycle continue as if the
 * hook had succeeded" (sbx_hooks_run_warn).  (runtime-spec 1.3 makes a
 * poststart failure an error that stops the container; sbxrun follows 1.2
 * until it declares 1.3.)
 */
#ifndef SBX_HOOKS_H
#define SBX_HOOKS_H

#include <stddef.h>

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

/* Run every hook of `list`, whatever fails: each failure is logged as a
 * warning ("poststop hook[0] /x: exited with status 1").  Returns the
 * number of hooks that failed. */
size_t sbx_hooks_run_warn(const struct sbx_hook_list *list, const char *name,
			  const char *state_json);

#endif
