/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp (libseccomp).  The filter is compiled to BPF in the parent before
 * clone, so the child only calls seccomp(2): no allocation, no library code
 * after privileges are dropped, and a faster start.
 */
#ifndef SBX_SECCOMP_H
#define SBX_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>
#include "sbx/config.h"

struct sbx_seccomp_plan {
	bool present;
	struct sock_filter *insns;   /* malloc'ed BPF program */
	size_t n_insns;
	unsigned int flags;          /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	bool needs_listener;         /* a NOTIFY action is used */
	char *listener_path;         /* copied from the config, may be NULL */
	char *listener_metadata;
};

int sbx_seccomp_compile(const struct sbx_seccomp *sc, struct sbx_seccomp_plan *out,
			struct sbx_err *err);
void sbx_seccomp_plan_free(struct sbx_seccomp_plan *plan);

/* linux.seccomp.flags: the i-th name this module recognises (NULL past the
 * end), and whether the running kernel accepts it (features). */
const char *sbx_seccomp_flag_name(size_t i);
bool sbx_seccomp_flag_supported(const char *name);

/* Like sbx_seccomp_compile, reusing a program compiled earlier for the same
 * profile from `cache_dir` (seccomp_cache.c explains why that is safe).
 * cache_dir NULL: no cache. */
int sbx_seccomp_compile_cached(const struct sbx_seccomp *sc, const char *cache_dir,
			       struct sbx_seccomp_plan *out, struct sbx_err *err);

/*
 * The same for a profile left as text by sbx_config_parse_deferred (`exec`
 * into a running container): its program from the cache, keyed by the
 * text, without parsing it; else parsed and compiled as above, and stored
 * under the text too.  Only for a profile without flags, listener or
 * SCMP_ACT_NOTIFY (found anywhere in the text: else the parsed path), the
 * parts of compile_meta beyond validation: the text was validated, and
 * its program loaded by the container's init on this running kernel,
 * when the container started.
 */
int sbx_seccomp_compile_text(const char *text, size_t len, const char *cache_dir,
			     struct sbx_seccomp_plan *out, struct sbx_err *err);

/* The ENOSYS rule (seccomp_enosys.c, docs/seccomp.md): does it apply to
 * this profile, and prefix plan's program (libseccomp's, for the filter
 * architectures `archs`, libseccomp tokens) with it. */
bool sbx_seccomp_enosys_applies(const struct sbx_seccomp *sc);
int sbx_seccomp_enosys_patch(const struct sbx_seccomp *sc, const uint32_t *archs,
			     size_t n_archs, struct sbx_seccomp_plan *plan, struct sbx_err *err);

/* The cache (seccomp_cache.c). */
char *sbx_seccomp_cache_key(const struct sbx_seccomp *sc);
char *sbx_seccomp_cache_text_key(const char *text, size_t len);
int sbx_seccomp_cache_load(const char *dir, const char *key, struct sock_filter **insns,
			   size_t *n_insns);
void sbx_seccomp_cache_store(const char *dir, const char *key, const struct sock_filter *insns,
			     size_t n_insns);

/* Child: load the filter.  With NOTIFY, *listener_fd receives the new
 * listener fd (else -1). */
int sbx_seccomp_apply_child(const struct sbx_seccomp_plan *plan, int *listener_fd,
			    struct sbx_err *err);

/* Parent: send the listener fd and the container state JSON to listenerPath
 * (SCM_RIGHTS over a unix stream socket, as runtime-spec describes). */
int sbx_seccomp_send_listener(const struct sbx_seccomp_plan *plan, int listener_fd,
			      const char *state_json, struct sbx_err *err);

#endif
