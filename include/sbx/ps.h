/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sbxrun ps ID [ps-options]`, runc's behaviour: run the host's ps(1) with
 * the given options (default -ef) and keep its header line plus the lines
 * whose PID column is one of the container's processes.
 */
#ifndef SBX_PS_H
#define SBX_PS_H

#include <stddef.h>
#include <sys/types.h>

#include "sbx/error.h"

/*
 * Pure part: filter ps output text.  The PID column is found by name in
 * the header ("PID", exactly, as runc looks for it).  Returns the kept
 * lines (header first, each ending in '\n', malloc'ed) or NULL + err when
 * the output has no header or no PID column.
 */
char *sbx_ps_filter(const char *ps_output, const pid_t *pids, size_t n, struct sbx_err *err);

/*
 * Run `ps ARGS...` (argv[0] need not be set: args are the options only;
 * none means "-ef") and return its stdout+stderr (malloc'ed).  A ps that
 * cannot be run or exits non-zero is an error carrying its output.
 */
char *sbx_ps_run(char *const *args, size_t nargs, struct sbx_err *err);

#endif
