/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/signals.h"
#include "sbx/util.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	int sig;
} table[] = {
	{ "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
	{ "TRAP", SIGTRAP },   { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
	{ "FPE", SIGFPE },     { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CLD", SIGCHLD },    { "CONT", SIGCONT },
	{ "STOP", SIGSTOP },   { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU },
	{ "URG", SIGURG },     { "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ },   { "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF },   { "WINCH", SIGWINCH },   { "IO", SIGIO },       { "POLL", SIGPOLL },
	{ "PWR", SIGPWR },     { "SYS", SIGSYS },
};

/* "+N"/"-N" suffix of RTMIN/RTMAX, N decimal, may be empty. */
static int rt_offset(const char *s, int *off)
{
	uint64_t v;
	if (!*s) {
		*off = 0;
		return 0;
	}
	if ((*s != '+' && *s != '-') || sbx_parse_u64(s + 1, &v) < 0 || v > 64)
		return -1;
	*off = *s == '+' ? (int)v : -(int)v;
	return 0;
}

int sbx_signals_parse(const char *s, int *sig, struct sbx_err *err)
{
	const char *n = s;
	uint64_t num;
	int off;

	if (!s || !*s)
		return sbx_err_set(err, 0, "unknown signal \"\"");
	if (sbx_parse_u64(s, &num) == 0) {
		if (num < 1 || num > (uint64_t)SIGRTMAX)
			return sbx_err_set(err, 0, "unknown signal \"%s\": out of range 1..%d", s, SIGRTMAX);
		*sig = (int)num;
		return 0;
	}
	if (!strncasecmp(n, "SIG", 3))
		n += 3;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(table); i++) {
		if (!strcasecmp(n, table[i].name)) {
			*sig = table[i].sig;
			return 0;
		}
	}
	if (!strncasecmp(n, "RTMIN", 5) && rt_offset(n + 5, &off) == 0) {
		int r = SIGRTMIN + off;
		if (r >= SIGRTMIN && r <= SIGRTMAX) {
			*sig = r;
			return 0;
		}
	}
	if (!strncasecmp(n, "RTMAX", 5) && rt_offset(n + 5, &off) == 0) {
		int r = SIGRTMAX + off;
		if (r >= SIGRTMIN && r <= SIGRTMAX) {
			*sig = r;
			return 0;
		}
	}
	return sbx_err_set(err, 0, "unknown signal \"%s\"", s);
}

const char *sbx_signals_name(int sig, char *buf, size_t len)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(table); i++) {
		if (table[i].sig == sig) {
			snprintf(buf, len, "SIG%s", table[i].name);
			return buf;
		}
	}
	if (sig == SIGRTMIN)
		snprintf(buf, len, "SIGRTMIN");
	else if (sig > SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, len, "%d", sig);
	return buf;
}
