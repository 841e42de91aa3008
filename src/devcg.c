/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.resources.devices on cgroup v2 as a BPF_PROG_TYPE_CGROUP_DEVICE
 * program (include/sbx/devcg.h has the rule order and the reasons).  The
 * approach is crun's and systemd's (a straight-line program, one block per
 * rule, first match returns); the code is our own.  No library: the
 * instructions are built here and loaded with the bpf(2) syscall.
 *
 * Program shape (struct bpf_cgroup_dev_ctx in r1):
 *
 *     r2 = ctx->access_type & 0xffff      device type (1 block, 2 char)
 *     r3 = ctx->access_type >> 16         access (1 mknod, 2 read, 4 write)
 *     r4 = ctx->major
 *     r5 = ctx->minor
 *   per rule, highest priority first:
 *     if r2 != TYPE  goto next            (omitted for type "a")
 *     if r4 != MAJOR goto next            (omitted for a wildcard)
 *     if r5 != MINOR goto next            (omitted for a wildcard)
 *     r1 = r3; r1 &= MASK                 allow: MASK = ~access, match if 0
 *     if r1 {!=,==} 0 goto next           deny:  MASK = access,  match if != 0
 *     r0 = ALLOW; exit
 *   next: ...
 *     r0 = 0; exit                        nothing matched: denied
 */
#include "sbx/devcg.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

_Static_assert(sizeof(struct sbx_bpf_insn) == sizeof(struct bpf_insn), "bpf_insn layout");

#define ACC_ALL (SBX_DEVCG_MKNOD | SBX_DEVCG_READ | SBX_DEVCG_WRITE)
/* Far more than any real config; bounds the program (and the verifier's
 * work) whatever the input. */
#define MAX_RULES 4096

/* ---------- instruction builders ---------- */

static struct sbx_bpf_insn insn(uint8_t code, unsigned dst, unsigned src, int16_t off, int32_t imm)
{
	struct sbx_bpf_insn i = { .code = code, .regs = (uint8_t)((dst & 0xf) | (src & 0xf) << 4),
				  .off = off, .imm = imm };
	return i;
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define ALU32_IMM(op, dst, imm) insn(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm) insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JMP_IMM(op, dst, imm, off) insn(BPF_JMP | (op) | BPF_K, dst, 0, off, imm)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

struct rule {
	char type;          /* 'a', 'c', 'b' */
	int64_t major, minor; /* -1: any */
	unsigned access;    /* SBX_DEVCG_* */
	bool allow;
};

static void emit(struct sbx_devcg_prog *p, size_t *cap, struct sbx_bpf_insn i)
{
	if (p->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		p->insns = sbx_xrealloc(p->insns, *cap * sizeof(*p->insns));
	}
	p->insns[p->n++] = i;
}

/* One rule's block; returns false if it matches every request (nothing
 * after it can ever run). */
static bool emit_rule(struct sbx_devcg_prog *p, size_t *cap, const struct rule *r)
{
	bool has_type = r->type != 'a', has_major = r->major >= 0, has_minor = r->minor >= 0;
	/* rwm (or, for allow, every bit) needs no access test */
	bool has_access = (r->access & ACC_ALL) != ACC_ALL;
	int16_t skip;

	if (!r->allow && (r->access & ACC_ALL) == 0)
		return true; /* a deny rule refusing nothing never matches */
	if (r->allow && (r->access & ACC_ALL) == 0)
		return true; /* nor does an allow rule granting nothing */
	/* instructions after each test up to the end of the block */
	skip = (int16_t)(has_type + has_major + has_minor + (has_access ? 3 : 0) + 2);
	if (has_type) {
		emit(p, cap, JMP_IMM(BPF_JNE, BPF_REG_2,
				     r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
				     --skip));
	}
	if (has_major)
		emit(p, cap, JMP_IMM(BPF_JNE, BPF_REG_4, (int32_t)r->major, --skip));
	if (has_minor)
		emit(p, cap, JMP_IMM(BPF_JNE, BPF_REG_5, (int32_t)r->minor, --skip));
	if (has_access) {
		emit(p, cap, MOV32_REG(BPF_REG_1, BPF_REG_3));
		emit(p, cap, ALU32_IMM(BPF_AND, BPF_REG_1,
				       (int32_t)(r->allow ? (~r->access & ACC_ALL) : r->access)));
		skip -= 2;
		emit(p, cap, JMP_IMM(r->allow ? BPF_JNE : BPF_JEQ, BPF_REG_1, 0, --skip));
	}
	emit(p, cap, MOV64_IMM(BPF_REG_0, r->allow ? 1 : 0));
	emit(p, cap, EXIT());
	p->n_rules++;
	return has_type || has_major || has_minor || has_access;
}

/* The runtime-spec's default devices (config-linux.md "Default Devices")
 * plus the pty slaves and /dev/net/tun, as runc and crun allow them. */
static const struct rule default_rules[] = {
	{ 'c', 1, 3, ACC_ALL, true },    /* /dev/null */
	{ 'c', 1, 5, ACC_ALL, true },    /* /dev/zero */
	{ 'c', 1, 7, ACC_ALL, true },    /* /dev/full */
	{ 'c', 1, 8, ACC_ALL, true },    /* /dev/random */
	{ 'c', 1, 9, ACC_ALL, true },    /* /dev/urandom */
	{ 'c', 5, 0, ACC_ALL, true },    /* /dev/tty */
	{ 'c', 5, 2, ACC_ALL, true },    /* /dev/ptmx */
	{ 'c', 136, -1, ACC_ALL, true }, /* /dev/pts/N */
	{ 'c', 10, 200, ACC_ALL, true }, /* /dev/net/tun */
};

static unsigned parse_access(const char *s)
{
	unsigned a = 0;

	/* NULL/absent: the runtime-spec leaves it undefined; runc and crun
	 * read it as nothing. */
	for (; s && *s; s++)
		a |= *s == 'r' ? SBX_DEVCG_READ : *s == 'w' ? SBX_DEVCG_WRITE :
		     *s == 'm' ? SBX_DEVCG_MKNOD : 0;
	return a;
}

int sbx_devcg_compile(const struct sbx_device_rule *rules, size_t n_rules,
		      const struct sbx_device *devs, size_t n_devs, const char *source,
		      struct sbx_devcg_prog *out, struct sbx_err *err)
{
	size_t cap = 0;
	bool reachable = true;

	memset(out, 0, sizeof(*out));
	if (!source)
		source = "config.json";
	if (n_rules > MAX_RULES)
		return sbx_err_set(err, 0, "%s: linux.resources.devices: %zu rules (at most %d)",
				   source, n_rules, MAX_RULES);
	/* Device numbers: 12-bit major, 20-bit minor (MAJOR()/MINOR() of a
	 * dev_t).  A rule naming another can never match anything; for a
	 * deny rule that is a config mistake worth reporting. */
	for (size_t i = 0; i < n_rules; i++) {
		if (rules[i].major > 0xfff || rules[i].minor > 0xfffff)
			return sbx_err_set(err, 0, "%s: linux.resources.devices[%zu]: %s %" PRId64
					   " is not a device number (major 0..4095, minor 0..1048575)",
					   source, i, rules[i].major > 0xfff ? "major" : "minor",
					   rules[i].major > 0xfff ? rules[i].major : rules[i].minor);
	}

	emit(out, &cap, LDX_W(BPF_REG_2, BPF_REG_1, 0));
	emit(out, &cap, ALU32_IMM(BPF_AND, BPF_REG_2, 0xffff));
	emit(out, &cap, LDX_W(BPF_REG_3, BPF_REG_1, 0));
	emit(out, &cap, ALU32_IMM(BPF_RSH, BPF_REG_3, 16));
	emit(out, &cap, LDX_W(BPF_REG_4, BPF_REG_1, 4));
	emit(out, &cap, LDX_W(BPF_REG_5, BPF_REG_1, 8));

	for (size_t i = 0; i < SBX_ARRAY_SIZE(default_rules); i++)
		emit_rule(out, &cap, &default_rules[i]);
	for (size_t i = 0; i < n_devs; i++) {
		struct rule r = { devs[i].type == 'b' ? 'b' : 'c', devs[i].major, devs[i].minor,
				  SBX_DEVCG_MKNOD, true };
		/* FIFOs are not devices: the program never sees them. */
		if (devs[i].type == 'p' || devs[i].major > 0xfff || devs[i].minor > 0xfffff)
			continue;
		emit_rule(out, &cap, &r);
	}
	/* The last matching rule wins: emit them last-first. */
	for (size_t i = n_rules; i-- > 0 && reachable;) {
		struct rule r = { rules[i].type ? rules[i].type : 'a', rules[i].major, rules[i].minor,
				  parse_access(rules[i].access), rules[i].allow };
		reachable = emit_rule(out, &cap, &r);
	}
	if (reachable) {
		emit(out, &cap, MOV64_IMM(BPF_REG_0, 0));
		emit(out, &cap, EXIT());
	}
	return 0;
}

void sbx_devcg_prog_free(struct sbx_devcg_prog *p)
{
	if (!p)
		return;
	free(p->insns);
	memset(p, 0, sizeof(*p));
}

/* ---------- bpf(2) ---------- */

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load(const struct sbx_devcg_prog *p, struct sbx_err *err)
{
	union bpf_attr a;
	char *log;
	int fd, e;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p->insns;
	a.insn_cnt = (uint32_t)p->n;
	a.license = (uint64_t)(uintptr_t)"GPL";
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	e = errno;
	if (e == EPERM || e == EACCES)
		return sbx_err_set(err, e, "load the device cgroup program (bpf BPF_PROG_LOAD)");
	/* Anything else is our bug or an odd kernel: get the verifier's words. */
	log = sbx_xmalloc(1 << 16);
	log[0] = '\0';
	a.log_level = 1;
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = 1 << 16;
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0) {
		free(log);
		return fd;
	}
	e = errno;
	{
		/* The verifier's verdict is at the end of its log. */
		size_t l = strlen(log);
		char *tail = l > 300 ? log + l - 300 : log;
		for (char *c = tail; *c; c++)
			if (*c == '\n')
				*c = ' ';
		sbx_err_set(err, e, "load the device cgroup program (%zu instructions)%s%s", p->n,
			    tail[0] ? ": verifier: " : "", tail);
	}
	free(log);
	errno = e;
	return -1;
}

/* Ids of the device programs attached to the cgroup (malloc'ed). */
static int query(int cgfd, uint32_t **ids, uint32_t *n, struct sbx_err *err)
{
	union bpf_attr a;
	uint32_t cap = 64;

	*ids = NULL;
	*n = 0;
	for (;;) {
		*ids = sbx_xrealloc(*ids, cap * sizeof(**ids));
		memset(&a, 0, sizeof(a));
		a.query.target_fd = (uint32_t)cgfd;
		a.query.attach_type = BPF_CGROUP_DEVICE;
		a.query.prog_ids = (uint64_t)(uintptr_t)*ids;
		a.query.prog_cnt = cap;
		if (sys_bpf(BPF_PROG_QUERY, &a) == 0)
			break;
		if (errno == ENOSPC && cap < 65536) {
			cap *= 4;
			continue;
		}
		{
			int e = errno;
			free(*ids);
			*ids = NULL;
			return sbx_err_set(err, e, "query the device cgroup programs (bpf BPF_PROG_QUERY)");
		}
	}
	*n = a.query.prog_cnt;
	return 0;
}

static int prog_fd_by_id(uint32_t id)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	return sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
}

static int attach_fd(int cgfd, int progfd, int replacefd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)progfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	/* MULTI: programs attached above (an engine's, a parent cgroup's)
	 * still run; every one of them must allow. */
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (replacefd >= 0) {
		a.attach_flags |= BPF_F_REPLACE;
		a.replace_bpf_fd = (uint32_t)replacefd;
	}
	return sys_bpf(BPF_PROG_ATTACH, &a);
}

int sbx_devcg_attach(const struct sbx_devcg_prog *p, const char *cgroup_path,
		     struct sbx_err *err)
{
	_sbx_cleanup_close_ int cgfd = -1, progfd = -1, oldfd = -1;
	_sbx_cleanup_free_ uint32_t *ids = NULL;
	uint32_t n = 0;
	union bpf_attr a;

	cgfd = open(cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return sbx_err_set(err, errno, "device cgroup program: open %s", cgroup_path);
	progfd = load(p, err);
	if (progfd < 0)
		return -1;
	if (query(cgfd, &ids, &n, err) < 0)
		return -1;
	/* One program there (ours from create, on `update`): swap it
	 * atomically, so no access is ever decided by neither or both. */
	if (n == 1) {
		oldfd = prog_fd_by_id(ids[0]);
		if (oldfd >= 0 && attach_fd(cgfd, progfd, oldfd) == 0)
			return 0;
		/* EINVAL: no BPF_F_REPLACE (< 5.6); ENOENT: it went away */
	}
	if (attach_fd(cgfd, progfd, -1) < 0)
		return sbx_err_set(err, errno, "attach the device cgroup program to %s (bpf"
				   " BPF_PROG_ATTACH)", cgroup_path);
	/* The new one is in force: now remove the old ones (both run
	 * meanwhile, which can only refuse more). */
	for (uint32_t i = 0; i < n; i++) {
		_sbx_cleanup_close_ int fd = prog_fd_by_id(ids[i]);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return sbx_err_set(err, errno, "device cgroup program: get program %u", ids[i]);
		}
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)cgfd;
		a.attach_bpf_fd = (uint32_t)fd;
		a.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
			return sbx_err_set(err, errno, "detach the old device cgroup program %u from %s",
					   ids[i], cgroup_path);
	}
	return 0;
}

int sbx_devcg_count(const char *cgroup_path, struct sbx_err *err)
{
	_sbx_cleanup_close_ int cgfd = open(cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_sbx_cleanup_free_ uint32_t *ids = NULL;
	uint32_t n = 0;

	if (cgfd < 0)
		return sbx_err_set(err, errno, "open %s", cgroup_path);
	if (query(cgfd, &ids, &n, err) < 0)
		return -1;
	return (int)n;
}

int sbx_devcg_enforce(const struct sbx_devcg_prog *p, const char *cgroup_path, bool required,
		      struct sbx_err *err)
{
	char buf[SBX_ERR_MSG_MAX];
	struct sbx_err e = { 0 };

	if (sbx_devcg_attach(p, cgroup_path, &e) == 0) {
		sbx_debug("devices: program attached to %s (%zu rules, %zu instructions)",
			  cgroup_path, p->n_rules, p->n);
		return 0;
	}
	if (!required) {
		sbx_debug("devices: no device program (no linux.resources.devices rules): %s",
			  sbx_err_str(&e, buf, sizeof(buf)));
		return 0;
	}
	*err = e;
	return sbx_err_prefix(err, "cgroup: linux.resources.devices cannot be enforced");
}
