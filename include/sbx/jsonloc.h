/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON path -> line/column locator, for `sbxrun check` (SARIF and text
 * output point at the place in config.json a finding is about).
 *
 * This is NOT a config parser: config.json means only what src/config.c
 * makes of it.  The locator only walks the raw text along a path the
 * caller already got from the typed model ("process.capabilities.bounding[3]",
 * "mounts[2].source", "annotations[\"run.sbx.secrets\"]") and reports where
 * that value starts and ends.  It follows jansson's rule for duplicate keys
 * (the last one wins), so it points at the value the parser used.
 *
 * It must survive any input (it is fuzzed with the config parser): no
 * recursion, every read bounds-checked, malformed text just stops the walk.
 */
#ifndef SBX_JSONLOC_H
#define SBX_JSONLOC_H

#include <stdbool.h>
#include <stddef.h>

struct sbx_jsonloc {
	unsigned line, column;          /* 1-based; column in Unicode code points */
	unsigned end_line, end_column;  /* just past the value's last character */
	bool exact;                     /* false: only an ancestor was found */
};

/*
 * Locate `path` in `text`.  Path syntax: members joined by '.', array
 * indexes as "[N]", and members whose names contain '.', '[' or '"' as
 * ["name"] (with '"' and '\' escaped by a backslash).  An empty path is the
 * top-level value.  If the path does not exist, the deepest existing
 * ancestor is reported with exact = false (a missing "linux.seccomp" points
 * at "linux"); if nothing can be found the location is 1:1.
 * Members are located at their key (what an editor shows), array elements
 * at their value.  Returns 0 when exact, 1 for an ancestor, -1 for 1:1.
 */
int sbx_jsonloc_find(const char *text, size_t len, const char *path, struct sbx_jsonloc *out);

/* The bytes [*start, *end) of the value at `path` (same syntax, same
 * last-duplicate rule), for a text the config parser accepted.  Returns 0,
 * or -1 if the path is not there. */
int sbx_jsonloc_span(const char *text, size_t len, const char *path, size_t *start, size_t *end);

/* Append a member name to a path in the syntax above ("a.b" or
 * "a[\"x.y\"]"), into buf of size n.  Returns buf. */
char *sbx_jsonloc_member(char *buf, size_t n, const char *parent, const char *name);

#endif
