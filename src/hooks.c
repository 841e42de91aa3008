/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI hooks (include/sbx/hooks.h).
 *
 * stdin of a hook is a sealed memfd holding the state JSON, not a pipe: the
 * hook may read it or not, exit early or late, and we can never block on a
 * full pipe nor die of SIGPIPE.  stdout/stderr go to another memfd so a
 * failing hook's last words end up in the error message (runc does the
 * same), without a reader loop racing the timeout.
 */
#include "sbx/hooks.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Last bytes of the hook's output, one line, for the error message. */
static void output_tail(int fd, char *buf, size_t len)
{
	off_t size = lseek(fd, 0, SEEK_END);
	off_t from = size > (off_t)(len - 1) ? size - (off_t)(len - 1) : 0;
	ssize_t n = pread(fd, buf, len - 1, from);

	if (n < 0)
		n = 0;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
}

static int run_one(const struct sbx_hook *h, const char *label, const char *state_json,
		   const struct sbx_hook_exec *how, struct sbx_err *err)
{
	_sbx_cleanup_close_ int in = -1, out = -1, pidfd = -1;
	char *const empty[] = { NULL };
	char *argv0[] = { h->path, NULL };
	char tail[256];
	int status;
	pid_t pid;

	in = memfd_create("sbx-hook-state", MFD_CLOEXEC);
	out = memfd_create("sbx-hook-output", MFD_CLOEXEC);
	if (in < 0 || out < 0)
		return sbx_err_set(err, errno, "%s %s: memfd_create", label, h->path);
	if (state_json && sbx_write_all(in, state_json, strlen(state_json)) < 0)
		return sbx_err_set(err, errno, "%s %s: write state", label, h->path);
	if (lseek(in, 0, SEEK_SET) < 0)
		return sbx_err_set(err, errno, "%s %s: seek state", label, h->path);

	pid = fork();
	if (pid < 0)
		return sbx_err_set(err, errno, "%s %s: fork", label, h->path);
	if (pid == 0) {
		sigset_t all;
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(127);
		/* Never through a shell; env is exactly hook.env (runtime-spec:
		 * same semantics as execve's envp).  Without `env` the hook
		 * gets the caller's default (startContainer: the process's
		 * environment), else the runtime's own, as with runc and crun. */
		char *const *env = h->has_env ? (h->n_env ? h->env : empty)
				   : how && how->default_env ? how->default_env : environ;
		char *const *args = h->n_args ? h->args : argv0;
		if (how && how->exec) {
			how->exec(h, args, env, how->arg);
			_exit(127);
		}
		execve(h->path, args, env);
		dprintf(2, "exec %s: %s\n", h->path, strerror(errno));
		_exit(127);
	}

	pidfd = pidfd_open_(pid);
	if (h->has_timeout && pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int r;
		do
			r = poll(&p, 1, h->timeout * 1000);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			/* Timed out: the hook and nothing else (pidfd cannot
			 * hit a recycled pid). */
			syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return sbx_err_set(err, 0, "%s %s: timed out after %d seconds", label,
					   h->path, h->timeout);
		}
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return sbx_err_set(err, errno, "%s %s: wait", label, h->path);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	output_tail(out, tail, sizeof(tail));
	if (WIFEXITED(status))
		sbx_err_set(err, 0, "%s %s: exited with status %d", label, h->path,
			    WEXITSTATUS(status));
	else
		sbx_err_set(err, 0, "%s %s: killed by signal %d", label, h->path,
			    WTERMSIG(status));
	if (tail[0]) {
		size_t l = strlen(err->msg);
		snprintf(err->msg + l, sizeof(err->msg) - l, " (output: %s)", tail);
	}
	return -1;
}

int sbx_hooks_run_in(const struct sbx_hook_list *list, const char *name, const char *state_json,
		     const struct sbx_hook_exec *how, struct sbx_err *err)
{
	if (!list)
		return 0;
	for (size_t i = 0; i < list->n; i++) {
		char label[64];
		snprintf(label, sizeof(label), "%s hook[%zu]", name, i);
		if (run_one(&list->hooks[i], label, state_json, how, err) < 0)
			return -1;
	}
	return 0;
}

int sbx_hooks_run(const struct sbx_hook_list *list, const char *name, const char *state_json,
		  struct sbx_err *err)
{
	return sbx_hooks_run_in(list, name, state_json, NULL, err);
}

size_t sbx_hooks_run_warn(const struct sbx_hook_list *list, const char *name,
			  const char *state_json)
{
	size_t failed = 0;

	if (!list)
		return 0;
	for (size_t i = 0; i < list->n; i++) {
		struct sbx_err err = { 0 };
		char label[64], buf[SBX_ERR_MSG_MAX + 128];

		snprintf(label, sizeof(label), "%s hook[%zu]", name, i);
		if (run_one(&list->hooks[i], label, state_json, NULL, &err) < 0) {
			sbx_warn("%s", sbx_err_str(&err, buf, sizeof(buf)));
			failed++;
		}
	}
	return failed;
}
