/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sbxrun features`: the runtime-spec features.md document, describing what
 * this build and the running kernel support.  Lists are derived from the
 * modules that enforce them (mount options accepted by mountopt.c,
 * capabilities known to caps.c and the kernel, seccomp architectures
 * libseccomp resolves), so the document cannot claim what we reject.
 */
#ifndef SBX_FEATURES_H
#define SBX_FEATURES_H

/* Pretty-printed JSON, malloc'ed. */
char *sbx_features_json(void);

#endif
