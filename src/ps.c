/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sbxrun ps ID [ps-options]` (include/sbx/ps.h).  ps(1) is run as a
 * program, never through a shell: the options are the caller's, passed as
 * argv entries, so nothing in them is interpreted twice.
 */
#include "sbx/ps.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The i-th whitespace-separated field of line [s, e), as a number. */
static bool field_pid(const char *s, const char *e, size_t idx, long *out)
{
	size_t f = 0;

	while (s < e) {
		const char *t;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if (s == e)
			break;
		t = s;
		while (t < e && *t != ' ' && *t != '\t')
			t++;
		if (f == idx) {
			char buf[24];
			char *end;
			size_t n = (size_t)(t - s);
			if (n == 0 || n >= sizeof(buf))
				return false;
			memcpy(buf, s, n);
			buf[n] = '\0';
			errno = 0;
			*out = strtol(buf, &end, 10);
			return !errno && *end == '\0';
		}
		f++;
		s = t;
	}
	return false;
}

char *sbx_ps_filter(const char *text, const pid_t *pids, size_t n, struct sbx_err *err)
{
	const char *nl = strchr(text, '\n'), *hdr_end = nl ? nl : text + strlen(text);
	size_t idx = 0, cap, len = 0;
	bool found = false;
	char *out;

	/* Header: find the column literally called PID (not PPID, TPID...). */
	for (const char *s = text; s < hdr_end;) {
		const char *t;
		while (s < hdr_end && (*s == ' ' || *s == '\t'))
			s++;
		if (s == hdr_end)
			break;
		t = s;
		while (t < hdr_end && *t != ' ' && *t != '\t')
			t++;
		if (t - s == 3 && !memcmp(s, "PID", 3)) {
			found = true;
			break;
		}
		idx++;
		s = t;
	}
	if (!found) {
		sbx_err_set(err, 0, "ps: couldn't find a PID field in the ps output header \"%.*s\""
			    " (add pid to the -o list)",
			    (int)(hdr_end - text > 200 ? 200 : hdr_end - text), text);
		return NULL;
	}
	cap = strlen(text) + 2;
	out = sbx_xmalloc(cap);
	memcpy(out, text, (size_t)(hdr_end - text));
	len = (size_t)(hdr_end - text);
	out[len++] = '\n';
	for (const char *s = nl ? nl + 1 : hdr_end; *s;) {
		const char *e = strchr(s, '\n');
		long pid;
		if (!e)
			e = s + strlen(s);
		if (field_pid(s, e, idx, &pid)) {
			for (size_t i = 0; i < n; i++) {
				if (pids[i] == (pid_t)pid) {
					memcpy(out + len, s, (size_t)(e - s));
					len += (size_t)(e - s);
					out[len++] = '\n';
					break;
				}
			}
		}
		s = *e ? e + 1 : e;
	}
	out[len] = '\0';
	return out;
}

char *sbx_ps_run(char *const *args, size_t nargs, struct sbx_err *err)
{
	_sbx_cleanup_close_ int rd = -1;
	int p[2], status;
	char **argv;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		sbx_err_set(err, errno, "ps: pipe");
		return NULL;
	}
	argv = sbx_xcalloc(nargs + 2, sizeof(*argv));
	argv[0] = (char *)"ps";
	for (size_t i = 0; i < nargs; i++)
		argv[i + 1] = args[i];
	if (nargs == 0)
		argv[1] = (char *)"-ef";
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		free(argv);
		sbx_err_set(err, e, "ps: fork");
		return NULL;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
			_exit(127);
		execvp("ps", argv);
		dprintf(2, "exec ps: %s\n", strerror(errno));
		_exit(127);
	}
	free(argv);
	close(p[1]);
	rd = p[0];
	for (;;) {
		ssize_t r;
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			buf = sbx_xrealloc(buf, cap + 1);
		}
		r = read(rd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		while (len > 0 && buf[len - 1] == '\n')
			buf[--len] = '\0';
		sbx_err_set(err, 0, "ps: %s %d: %s", WIFEXITED(status) ? "exit status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), buf);
		free(buf);
		return NULL;
	}
	return buf;
}
