/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * init's namespaced identity: hostname and domainname (in the container's
 * UTS namespace; sbx_validate_uts() made sure it is not the host's) and a
 * fresh session keyring, so that the container cannot read the keys of the
 * session sbxrun was started from.  Applied by init as the first step
 * inside the namespaces, while it still holds every capability of the new
 * user namespace.
 */
#ifndef SBX_IDENTITY_H
#define SBX_IDENTITY_H

#include <stdbool.h>
#include "sbx/config.h"

struct sbx_identity_plan {
	const char *hostname;    /* NULL: leave it (the config's arena owns it) */
	const char *domainname;  /* NULL: leave it */
	bool new_keyring;        /* join a new session keyring (not --no-new-keyring) */
};

void sbx_identity_compile(const struct sbx_config *cfg, bool no_new_keyring,
			  struct sbx_identity_plan *out);
int sbx_identity_apply_child(const struct sbx_identity_plan *p, struct sbx_err *err);

#endif
