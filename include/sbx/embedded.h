/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SBX_EMBEDDED_H
#define SBX_EMBEDDED_H

/* configs/seccomp/default.json, NUL-terminated. */
extern const char sbx_seccomp_default_json[];
extern const char sbx_seccomp_default_json_end[];

#endif
