/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Signal names <-> numbers, as `kill ID SIGNAL` accepts them (like runc):
 * "KILL", "SIGKILL", "kill", "9", "SIGRTMIN+3", "RTMAX-1".
 */
#ifndef SBX_SIGNALS_H
#define SBX_SIGNALS_H

#include "sbx/error.h"

/* Parse a signal; -1 + err ("unknown signal \"FOO\"") if invalid. */
int sbx_signals_parse(const char *s, int *sig, struct sbx_err *err);
/* "SIGKILL", "SIGRTMIN+3"; written into buf, which is returned. */
const char *sbx_signals_name(int sig, char *buf, size_t len);

#endif
