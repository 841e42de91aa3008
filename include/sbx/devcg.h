/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.resources.devices on cgroup v2: the device allow-list is an eBPF
 * program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the container's
 * cgroup (cgroup v2 has no devices.allow file).  The kernel runs it on every
 * open(2) of a device node (read/write) and every mknod(2) of one; it
 * returns 1 (allow) or 0 (EPERM).
 *
 * compile (pure, parent): rules -> BPF instructions (docs/devices.md):
 *   1. always allowed, first (the runtime-spec's default devices must work,
 *      as in runc and crun): rwm on /dev/null, zero, full, random, urandom,
 *      tty, ptmx, the pty slaves (136:*) and /dev/net/tun;
 *   2. mknod ("m" only) of each linux.devices node, which the runtime itself
 *      creates inside the cgroup;
 *   3. linux.resources.devices, the LAST matching rule wins (the cgroup v1
 *      semantics the runtime-spec follows): an allow rule matches when it
 *      grants every bit the access asks for, a deny rule when it refuses any
 *      of them (so "deny w" also refuses a read-write open);
 *   4. nothing matched: denied.
 * Unlike runc and crun there is no implicit "mknod of any device": creating
 * a node for a denied device (e.g. on a bind-mounted host directory, where a
 * process outside the container could open it) needs a rule that allows it.
 *
 * attach (parent, root only): load the program and attach it to the cgroup
 * directory, replacing the program sbxrun attached there before (`update`).
 * Without the privilege to attach (rootless), the caller skips it: devices
 * are then bounded by the user namespace (no mknod, the user's own access).
 */
#ifndef SBX_DEVCG_H
#define SBX_DEVCG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbx/config.h"

/* One eBPF instruction (struct bpf_insn's layout, without the kernel
 * header in every includer). */
struct sbx_bpf_insn {
	uint8_t code;
	uint8_t regs;     /* dst_reg:4 (low), src_reg:4 (high) */
	int16_t off;
	int32_t imm;
};

struct sbx_devcg_prog {
	struct sbx_bpf_insn *insns;   /* malloc'ed */
	size_t n;
	size_t n_rules;               /* rules emitted (implicit ones included) */
};

/* Access bits, as the kernel passes them (BPF_DEVCG_ACC_*). */
#define SBX_DEVCG_MKNOD 1u
#define SBX_DEVCG_READ  2u
#define SBX_DEVCG_WRITE 4u

/*
 * rules: linux.resources.devices (may be NULL/0: only the implicit rules,
 * i.e. everything else is denied); devs: linux.devices (may be NULL/0),
 * whose nodes get mknod.  `source` names the input in errors
 * ("config.json").  Errors: "<source>: linux.resources.devices[i].major:
 * ..." for numbers no device can have.
 */
int sbx_devcg_compile(const struct sbx_device_rule *rules, size_t n_rules,
		      const struct sbx_device *devs, size_t n_devs, const char *source,
		      struct sbx_devcg_prog *out, struct sbx_err *err);
void sbx_devcg_prog_free(struct sbx_devcg_prog *p);

/* Load the program and attach it to the cgroup v2 directory `cgroup_path`
 * (BPF_F_ALLOW_MULTI), then detach the programs that were attached there
 * before (atomically with BPF_F_REPLACE when there was exactly one).
 * errno is preserved on failure (EPERM: no privilege). */
int sbx_devcg_attach(const struct sbx_devcg_prog *p, const char *cgroup_path,
		     struct sbx_err *err);

/* attach, for a container's cgroup: failing is an error when `required`
 * (explicit rules: fail closed), a debug message otherwise (the implicit
 * default policy on a kernel without cgroup BPF). */
int sbx_devcg_enforce(const struct sbx_devcg_prog *p, const char *cgroup_path, bool required,
		      struct sbx_err *err);

/* Number of device programs attached to `cgroup_path` (-1 + err). */
int sbx_devcg_count(const char *cgroup_path, struct sbx_err *err);

#endif
