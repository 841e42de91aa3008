/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AppArmor (libapparmor).  The profile is checked in the parent (AppArmor
 * enabled? profile loaded?) for a clear error before anything starts, then
 * set with aa_change_onexec() in the child so it takes effect at execve.
 * Works rootless: changing to a loaded profile needs no privilege.
 */
#ifndef SBX_APPARMOR_H
#define SBX_APPARMOR_H

#include <stdbool.h>
#include "sbx/config.h"

/* The profile shipped in configs/apparmor/sbxrun-default. */
#define SBX_APPARMOR_DEFAULT "sbxrun-default"

struct sbx_apparmor_plan {
	bool present;
	char profile[256];
};

int sbx_apparmor_compile(const struct sbx_process *proc, struct sbx_apparmor_plan *out,
			 struct sbx_err *err);
int sbx_apparmor_apply_child(const struct sbx_apparmor_plan *plan, struct sbx_err *err);
bool sbx_apparmor_enabled(void);
/* AppArmor is enabled and `profile` is loaded (`sbxrun spec` then confines
 * the container with sbxrun-default by default). */
bool sbx_apparmor_profile_available(const char *profile);

#endif
