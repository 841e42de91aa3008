/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to the check module (src/check*.c). */
#ifndef SBX_CHECK_INT_H
#define SBX_CHECK_INT_H

#include "sbx/check.h"

/* Controls that live mode evaluates from the kernel instead of the config. */
#define SBX_CHECK_LIVE_CONTROLS                                                        \
	"apparmor", "capabilities", "privileged", "no-new-privileges", "root-user",     \
	"seccomp", "host-network", "host-pid", "host-ipc", "host-uts", "host-userns",   \
	"userns", "readonly-root", "sensitive-mounts", "runtime-socket",                \
	"mount-propagation", "memory-limit", "cpu-limit", "pids-limit", "sshd"

/* Run the config controls; with `live_done`, skip those in
 * SBX_CHECK_LIVE_CONTROLS (live mode evaluated them from the kernel). */
int sbx_check_config_controls(const struct sbx_config *cfg, bool live_done,
			      struct sbx_check_report *r, struct sbx_err *err);

/* Filesystem and device controls (check_fs.c). */
int sbx_check_fs_controls(const struct sbx_config *cfg, bool live_done, struct sbx_check_report *r,
			  struct sbx_err *err);

/* Shared judgements, so bundle and live mode agree. */
enum sbx_check_level sbx_check_cap_level(int cap, const char **why);
#define SBX_CHECK_PRIV_CAPS 38   /* CAP_CHOWN .. CAP_AUDIT_READ: "all capabilities" */
/* A host path seen in the container: level and control id ("sensitive-mounts",
 * "runtime-socket", "host-devices") or SBX_CHECK_NONE. */
enum sbx_check_level sbx_check_host_path_level(const char *path, bool readonly,
					       const char **control, const char **why);
/* Capability names -> bit mask (unknown names grant nothing). */
uint64_t sbx_check_cap_mask(char **names, size_t n);
/* "CAP_A, CAP_B" for a mask (in arena). */
char *sbx_check_caps_str(struct sbx_check_report *r, uint64_t mask);

#endif
