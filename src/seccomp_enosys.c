/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ENOSYS rule (docs/seccomp.md): a system call newer than every one a
 * profile names gets ENOSYS instead of the profile's default action.
 *
 * Why: a profile is an allow list written against the syscalls of its day.
 * Its default (say ERRNO/EPERM) then also hits calls that did not exist
 * yet: faccessat2, close_range, clone3, openat2...  libcs probe such calls
 * and fall back to the old ones only on ENOSYS ("this kernel lacks it"),
 * not on EPERM ("you may not"), so the workload breaks although everything
 * it really needs is allowed.  runc (libcontainer/seccomp/patchbpf) and
 * crun answer ENOSYS there; so does sbxrun, for every profile, with the
 * same rule:
 *   - only when the default action denies: not for SCMP_ACT_ALLOW, _LOG
 *     or _TRACE, and not when defaultErrnoRet already is ENOSYS;
 *   - per architecture of the filter (its `architectures` plus the native
 *     one): the highest syscall number any rule names on that architecture
 *     (whatever the rule's action); an architecture on which no name
 *     resolves gets no rule; x86_64 and x32 share AUDIT_ARCH_X86_64 and
 *     are told apart by bit 30 of the number; on s390(x) the multiplexer
 *     number 0, where unknown calls end up, gets ENOSYS as well;
 *   - a call above that number returns ENOSYS before the profile's own
 *     program sees it.
 * It is a short BPF prefix before libseccomp's program; libseccomp's jumps
 * are relative, so the program itself is unchanged.
 */
#include "sbx/seccomp.h"
#include "sbx/util.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#define X32_BIT 0x40000000U

struct arch_max {
	uint32_t audit;     /* AUDIT_ARCH_* the kernel reports */
	bool has64, has32;  /* x86_64: native / x32 maximum known */
	uint32_t max, max_x32;
};

bool sbx_seccomp_enosys_applies(const struct sbx_seccomp *sc)
{
	switch (sc->default_action) {
	case SBX_SCMP_ALLOW:
	case SBX_SCMP_LOG:
	case SBX_SCMP_TRACE: /* a tracer handles new syscalls itself */
		return false;
	default:
		return !(sc->has_default_errno_ret && sc->default_errno_ret == ENOSYS);
	}
}

static void note_max(struct arch_max *am, size_t *n, uint32_t scmp_arch, uint32_t nr)
{
	bool x32 = scmp_arch == SCMP_ARCH_X32;
	uint32_t audit = x32 ? AUDIT_ARCH_X86_64 : scmp_arch;
	size_t i;

	for (i = 0; i < *n && am[i].audit != audit; i++)
		;
	if (i == *n) {
		memset(&am[i], 0, sizeof(am[i]));
		am[i].audit = audit;
		(*n)++;
	}
	if (x32) {
		if (!am[i].has32 || nr > am[i].max_x32)
			am[i].max_x32 = nr;
		am[i].has32 = true;
	} else {
		if (!am[i].has64 || nr > am[i].max)
			am[i].max = nr;
		am[i].has64 = true;
	}
}

/* One instruction builder; offsets are filled in by the caller. */
static struct sock_filter I(uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	return (struct sock_filter){ code, jt, jf, k };
}

/* Instructions of one architecture's section (see the layout below). */
static size_t section_len(const struct arch_max *a)
{
	size_t n = 1; /* ld nr */
	if (a->audit == AUDIT_ARCH_S390 || a->audit == AUDIT_ARCH_S390X)
		n += 2;
	if (a->audit == AUDIT_ARCH_X86_64)
		return n + 1 + (a->has64 && a->has32 ? 6 : 4);
	return n + 3;
}

/* jgt max -> ENOSYS, else -> the profile's program.  `at` is the index of
 * the first of the three instructions. */
static void emit_block(struct sock_filter *p, size_t at, uint32_t max, size_t enosys,
		       size_t filter)
{
	p[at] = I(BPF_JMP | BPF_JGT | BPF_K, 0, 1, max);
	p[at + 1] = I(BPF_JMP | BPF_JA, 0, 0, (uint32_t)(enosys - (at + 2)));
	p[at + 2] = I(BPF_JMP | BPF_JA, 0, 0, (uint32_t)(filter - (at + 3)));
}

static size_t emit_section(struct sock_filter *p, size_t at, const struct arch_max *a,
			   size_t enosys, size_t filter)
{
	p[at++] = I(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0); /* seccomp_data.nr */
	if (a->audit == AUDIT_ARCH_S390 || a->audit == AUDIT_ARCH_S390X) {
		p[at] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
		p[at + 1] = I(BPF_JMP | BPF_JA, 0, 0, (uint32_t)(enosys - (at + 2)));
		at += 2;
	}
	if (a->audit != AUDIT_ARCH_X86_64) {
		emit_block(p, at, a->max, enosys, filter);
		return at + 3;
	}
	if (a->has64 && a->has32) {
		/* bit 30 set: x32 (the second block) */
		p[at] = I(BPF_JMP | BPF_JSET | BPF_K, 3, 0, X32_BIT);
		emit_block(p, at + 1, a->max, enosys, filter);
		emit_block(p, at + 4, a->max_x32, enosys, filter);
		return at + 7;
	}
	/* Only one ABI known: calls of the other go to the program as they are. */
	p[at] = I(BPF_JMP | BPF_JSET | BPF_K, a->has64 ? 0 : 1, a->has64 ? 1 : 0, X32_BIT);
	p[at + 1] = I(BPF_JMP | BPF_JA, 0, 0, (uint32_t)(filter - (at + 2)));
	emit_block(p, at + 2, a->has64 ? a->max : a->max_x32, enosys, filter);
	return at + 5;
}

int sbx_seccomp_enosys_patch(const struct sbx_seccomp *sc, const uint32_t *archs,
			     size_t n_archs, struct sbx_seccomp_plan *plan, struct sbx_err *err)
{
	struct arch_max am[32];
	size_t n_am = 0, len, at, enosys, filter;
	struct sock_filter *p;

	if (!sbx_seccomp_enosys_applies(sc))
		return 0;
	for (size_t a = 0; a < n_archs && a < SBX_ARRAY_SIZE(am); a++)
		for (size_t r = 0; r < sc->n_syscalls; r++)
			for (size_t k = 0; k < sc->syscalls[r].n_names; k++) {
				int nr = seccomp_syscall_resolve_name_arch(archs[a],
									   sc->syscalls[r].names[k]);
				if (nr >= 0)
					note_max(am, &n_am, archs[a], (uint32_t)nr);
			}
	if (n_am == 0)
		return 0;
	/* Layout: ld arch; per arch "jeq A,0,1; ja SECTION"; ja FILTER;
	 * the sections; ret ENOSYS; the profile's program (FILTER). */
	len = 1 + 2 * n_am + 1;
	for (size_t i = 0; i < n_am; i++)
		len += section_len(&am[i]);
	enosys = len;
	filter = len + 1;
	if (filter + plan->n_insns > BPF_MAXINSNS)
		return sbx_err_set(err, E2BIG,
				   "seccomp: the program with its ENOSYS prefix has %zu instructions (limit %d)",
				   filter + plan->n_insns, BPF_MAXINSNS);
	p = sbx_xcalloc(filter + plan->n_insns, sizeof(*p));
	p[0] = I(BPF_LD | BPF_W | BPF_ABS, 0, 0, 4); /* seccomp_data.arch */
	at = 1 + 2 * n_am + 1;
	for (size_t i = 0; i < n_am; i++) {
		size_t j = 1 + 2 * i;
		p[j] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, am[i].audit);
		p[j + 1] = I(BPF_JMP | BPF_JA, 0, 0, (uint32_t)(at - (j + 2)));
		at = emit_section(p, at, &am[i], enosys, filter);
	}
	p[1 + 2 * n_am] = I(BPF_JMP | BPF_JA, 0, 0, (uint32_t)(filter - (2 + 2 * n_am)));
	p[enosys] = I(BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
	memcpy(p + filter, plan->insns, plan->n_insns * sizeof(*p));
	free(plan->insns);
	plan->insns = p;
	plan->n_insns += filter;
	return 0;
}
