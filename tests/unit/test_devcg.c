/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The device cgroup program compiler (src/devcg.c): the exact instructions
 * for a small rule set, and the program's verdicts, computed by a small
 * interpreter of the instructions it emits, against the reference rule
 * semantics (defaults first, then the last matching rule wins; allow needs
 * every requested bit, deny refuses any).  Loading and attaching for real
 * need root and cgroup v2: tests/vm/devices.test.sh.
 */
#include "unit.h"
#include "sbx/devcg.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbx/cgroup.h"

#define TYPE_B BPF_DEVCG_DEV_BLOCK
#define TYPE_C BPF_DEVCG_DEV_CHAR
#define M SBX_DEVCG_MKNOD
#define R SBX_DEVCG_READ
#define W SBX_DEVCG_WRITE

/* Run the program on one request, as the kernel would (only the
 * instructions the compiler emits are implemented; anything else fails
 * the test).  Returns the program's r0. */
static int run(const struct sbx_devcg_prog *p, unsigned type, unsigned access, uint32_t major,
	       uint32_t minor)
{
	uint32_t ctx[3] = { (access << 16) | type, major, minor };
	uint64_t r[11] = { 0 };
	size_t pc = 0, steps = 0;

	r[1] = (uint64_t)(uintptr_t)ctx;
	while (pc < p->n) {
		const struct sbx_bpf_insn *i = &p->insns[pc++];
		unsigned dst = i->regs & 0xf, src = i->regs >> 4;
		ck_assert_uint_lt(++steps, 100000);
		ck_assert_uint_le(dst, 10);
		switch (i->code) {
		case BPF_LDX | BPF_W | BPF_MEM:
			ck_assert_uint_eq(src, 1);
			ck_assert(i->off == 0 || i->off == 4 || i->off == 8);
			ck_assert_uint_eq(r[1], (uint64_t)(uintptr_t)ctx); /* loads come first */
			r[dst] = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[dst] = (uint32_t)r[dst] & (uint32_t)i->imm;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[dst] = (uint32_t)r[dst] >> i->imm;
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			r[dst] = (uint32_t)r[src];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[dst] = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (r[dst] != (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			if (r[dst] == (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			ck_abort_msg("unexpected instruction code 0x%02x at %zu", i->code, pc - 1);
		}
	}
	ck_abort_msg("fell off the end of the program");
	return -1;
}

/* Reference semantics, written independently of the compiler. */
struct ref_rule {
	char type;
	int64_t major, minor;
	unsigned access;
	bool allow;
};

static bool ref_matches(const struct ref_rule *r, unsigned type, unsigned access, uint32_t major,
			uint32_t minor)
{
	if (r->type == 'c' && type != TYPE_C)
		return false;
	if (r->type == 'b' && type != TYPE_B)
		return false;
	if (r->major >= 0 && (uint32_t)r->major != major)
		return false;
	if (r->minor >= 0 && (uint32_t)r->minor != minor)
		return false;
	return r->allow ? (access & ~r->access) == 0 : (access & r->access) != 0;
}

static const struct ref_rule defaults[] = {
	{ 'c', 1, 3, M | R | W, true },  { 'c', 1, 5, M | R | W, true }, { 'c', 1, 7, M | R | W, true },
	{ 'c', 1, 8, M | R | W, true },  { 'c', 1, 9, M | R | W, true }, { 'c', 5, 0, M | R | W, true },
	{ 'c', 5, 2, M | R | W, true },  { 'c', 136, -1, M | R | W, true },
	{ 'c', 10, 200, M | R | W, true },
};

static int ref_verdict(const struct ref_rule *rules, size_t n, const struct ref_rule *mk, size_t nmk,
		       unsigned type, unsigned access, uint32_t major, uint32_t minor)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(defaults); i++)
		if (ref_matches(&defaults[i], type, access, major, minor))
			return 1;
	for (size_t i = 0; i < nmk; i++)
		if (ref_matches(&mk[i], type, access, major, minor))
			return 1;
	for (size_t i = n; i-- > 0;)
		if (ref_matches(&rules[i], type, access, major, minor))
			return rules[i].allow ? 1 : 0;
	return 0;
}

static unsigned acc_of(const char *s)
{
	unsigned a = 0;
	for (; s && *s; s++)
		a |= *s == 'r' ? R : *s == 'w' ? W : *s == 'm' ? M : 0;
	return a;
}

/* Compile `rules` and compare every (type, access, device) combination
 * over a grid of interesting numbers with the reference. */
static void check_against_reference(const struct sbx_device_rule *rules, size_t n,
				    const struct sbx_device *devs, size_t nd)
{
	static const uint32_t majors[] = { 0, 1, 4, 5, 7, 8, 10, 136, 254, 4095 };
	static const uint32_t minors[] = { 0, 1, 2, 3, 5, 7, 8, 9, 11, 200, 1048575 };
	struct ref_rule ref[32], mk[8];
	struct sbx_devcg_prog p;
	struct sbx_err err = { 0 };
	size_t nmk = 0;

	ck_assert_uint_le(n, SBX_ARRAY_SIZE(ref));
	for (size_t i = 0; i < n; i++)
		ref[i] = (struct ref_rule){ rules[i].type ? rules[i].type : 'a', rules[i].major,
					    rules[i].minor, acc_of(rules[i].access), rules[i].allow };
	for (size_t i = 0; i < nd && nmk < SBX_ARRAY_SIZE(mk); i++)
		if (devs[i].type != 'p')
			mk[nmk++] = (struct ref_rule){ devs[i].type == 'b' ? 'b' : 'c', devs[i].major,
						       devs[i].minor, M, true };
	ck_assert_msg(sbx_devcg_compile(rules, n, devs, nd, "config.json", &p, &err) == 0, "%s", err.msg);
	for (unsigned type = TYPE_B; type <= TYPE_C; type++)
		for (unsigned acc = 1; acc <= 7; acc++)
			for (size_t a = 0; a < SBX_ARRAY_SIZE(majors); a++)
				for (size_t b = 0; b < SBX_ARRAY_SIZE(minors); b++) {
					int want = ref_verdict(ref, n, mk, nmk, type, acc, majors[a],
							       minors[b]);
					int got = run(&p, type, acc, majors[a], minors[b]);
					ck_assert_msg(got == want,
						      "type %u access %u %u:%u: program says %d, rules say %d",
						      type, acc, majors[a], minors[b], got, want);
				}
	sbx_devcg_prog_free(&p);
}

#define RULE(allow, type, major, minor, access) \
	{ (allow), (type), (major) >= 0, (minor) >= 0, (major), (minor), (char *)(access) }

/* The instructions for the smallest interesting program: the prologue, the
 * nine default blocks, one deny-all rule, no epilogue (nothing after a
 * rule that matches everything can run). */
START_TEST(test_exact_instructions)
{
	struct sbx_device_rule rules[] = { RULE(false, 'a', -1, -1, "rwm") };
	struct sbx_devcg_prog p;
	struct sbx_err err = { 0 };
	const struct sbx_bpf_insn *i;

	ck_assert_int_eq(sbx_devcg_compile(rules, 1, NULL, 0, NULL, &p, &err), 0);
	/* prologue 6; defaults: 8 with type+major+minor (5 insns) and pts
	 * with type+major (4); deny all: mov + exit */
	ck_assert_uint_eq(p.n, 6 + 8 * 5 + 4 + 2);
	ck_assert_uint_eq(p.n_rules, 10);
	i = p.insns;
	ck_assert_uint_eq(i[0].code, BPF_LDX | BPF_W | BPF_MEM);
	ck_assert_uint_eq(i[0].regs, 2 | 1 << 4);
	ck_assert_int_eq(i[0].off, 0);
	ck_assert_uint_eq(i[1].code, BPF_ALU | BPF_AND | BPF_K);
	ck_assert_int_eq(i[1].imm, 0xffff);
	ck_assert_uint_eq(i[3].code, BPF_ALU | BPF_RSH | BPF_K);
	ck_assert_int_eq(i[3].imm, 16);
	ck_assert_int_eq(i[4].off, 4);
	ck_assert_int_eq(i[5].off, 8);
	/* first default block: c 1:3 rwm */
	ck_assert_uint_eq(i[6].code, BPF_JMP | BPF_JNE | BPF_K);
	ck_assert_uint_eq(i[6].regs, 2);
	ck_assert_int_eq(i[6].imm, TYPE_C);
	ck_assert_int_eq(i[6].off, 4);
	ck_assert_uint_eq(i[7].regs, 4);
	ck_assert_int_eq(i[7].imm, 1);
	ck_assert_int_eq(i[7].off, 3);
	ck_assert_uint_eq(i[8].regs, 5);
	ck_assert_int_eq(i[8].imm, 3);
	ck_assert_int_eq(i[8].off, 2);
	ck_assert_uint_eq(i[9].code, BPF_ALU64 | BPF_MOV | BPF_K);
	ck_assert_int_eq(i[9].imm, 1);
	ck_assert_uint_eq(i[10].code, BPF_JMP | BPF_EXIT);
	/* the last block: deny everything */
	ck_assert_uint_eq(i[p.n - 2].code, BPF_ALU64 | BPF_MOV | BPF_K);
	ck_assert_int_eq(i[p.n - 2].imm, 0);
	ck_assert_uint_eq(i[p.n - 1].code, BPF_JMP | BPF_EXIT);
	/* verdicts */
	ck_assert_int_eq(run(&p, TYPE_C, R | W, 1, 3), 1);     /* /dev/null */
	ck_assert_int_eq(run(&p, TYPE_C, R, 136, 7), 1);       /* /dev/pts/7 */
	ck_assert_int_eq(run(&p, TYPE_C, R, 1, 11), 0);        /* /dev/kmsg */
	ck_assert_int_eq(run(&p, TYPE_C, M, 1, 11), 0);        /* mknod kmsg */
	ck_assert_int_eq(run(&p, TYPE_B, R, 8, 0), 0);         /* /dev/sda */
	ck_assert_int_eq(run(&p, TYPE_B, M, 1, 3), 0);         /* block 1:3 is not null */
	sbx_devcg_prog_free(&p);
}
END_TEST

/* An access test: allow needs every requested bit ("r" does not cover
 * an O_RDWR open), deny refuses any ("w" refuses O_RDWR too, as the
 * cgroup v1 controller did). */
START_TEST(test_partial_access)
{
	struct sbx_device_rule rules[] = {
		RULE(false, 'a', -1, -1, "rwm"),
		RULE(true, 'c', 1, 11, "r"),
		RULE(true, 'c', 4, -1, "rwm"),
		RULE(false, 'c', 4, 1, "w"),
	};
	struct sbx_devcg_prog p;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_devcg_compile(rules, 4, NULL, 0, NULL, &p, &err), 0);
	ck_assert_int_eq(run(&p, TYPE_C, R, 1, 11), 1);
	ck_assert_int_eq(run(&p, TYPE_C, R | W, 1, 11), 0);
	ck_assert_int_eq(run(&p, TYPE_C, W, 1, 11), 0);
	ck_assert_int_eq(run(&p, TYPE_C, M, 1, 11), 0);
	ck_assert_int_eq(run(&p, TYPE_C, R | W, 4, 2), 1);
	ck_assert_int_eq(run(&p, TYPE_C, R, 4, 1), 1);
	ck_assert_int_eq(run(&p, TYPE_C, W, 4, 1), 0);
	ck_assert_int_eq(run(&p, TYPE_C, R | W, 4, 1), 0);
	ck_assert_int_eq(run(&p, TYPE_B, R, 4, 2), 0);
	sbx_devcg_prog_free(&p);
	check_against_reference(rules, 4, NULL, 0);
}
END_TEST

/* What engines send: podman's deny-all plus --device, privileged's
 * allow-all, Docker's explicit list, and no rules at all. */
START_TEST(test_engine_rule_sets)
{
	struct sbx_device_rule podman[] = {
		RULE(false, 0, -1, -1, "rwm"),
		RULE(true, 'c', 1, 3, "rwm"),
	};
	struct sbx_device_rule privileged[] = { RULE(true, 0, -1, -1, "rwm") };
	struct sbx_device_rule docker[] = {
		RULE(false, 'a', -1, -1, "rwm"),
		RULE(true, 'c', -1, -1, "m"),
		RULE(true, 'b', -1, -1, "m"),
		RULE(true, 'c', 1, 3, "rwm"),
		RULE(true, 'c', 5, 1, "rwm"),
		RULE(false, 'c', 10, 229, "rwm"),
	};
	struct sbx_device devs[] = {
		{ .path = "/dev/mynull", .type = 'c', .major = 1, .minor = 3 },
		{ .path = "/dev/kmsg", .type = 'c', .major = 1, .minor = 11 },
		{ .path = "/dev/loop0", .type = 'b', .major = 7, .minor = 0 },
		{ .path = "/dev/fifo", .type = 'p' },
	};
	struct sbx_devcg_prog p;
	struct sbx_err err = { 0 };

	check_against_reference(podman, 2, devs, 4);
	check_against_reference(privileged, 1, NULL, 0);
	check_against_reference(docker, 6, devs, 4);
	check_against_reference(NULL, 0, NULL, 0);
	check_against_reference(NULL, 0, devs, 4);

	/* allow-all: every request passes, and nothing follows that rule */
	ck_assert_int_eq(sbx_devcg_compile(privileged, 1, NULL, 0, NULL, &p, &err), 0);
	ck_assert_int_eq(run(&p, TYPE_B, R | W | M, 8, 0), 1);
	ck_assert_uint_eq(p.insns[p.n - 2].imm, 1);
	sbx_devcg_prog_free(&p);
	/* linux.devices nodes may be created (m), not opened, by default */
	ck_assert_int_eq(sbx_devcg_compile(podman, 1, devs, 4, NULL, &p, &err), 0);
	ck_assert_int_eq(run(&p, TYPE_C, M, 1, 11), 1);
	ck_assert_int_eq(run(&p, TYPE_C, R, 1, 11), 0);
	ck_assert_int_eq(run(&p, TYPE_B, M, 7, 0), 1);
	ck_assert_int_eq(run(&p, TYPE_C, M, 7, 0), 0);
	sbx_devcg_prog_free(&p);
}
END_TEST

/* Rules are applied in the listed order, the last match winning. */
START_TEST(test_last_match_wins)
{
	struct sbx_device_rule allow_then_deny[] = {
		RULE(true, 'c', 1, 11, "rwm"),
		RULE(false, 'c', 1, 11, "rwm"),
	};
	struct sbx_device_rule deny_then_allow[] = {
		RULE(false, 'c', 1, 11, "rwm"),
		RULE(true, 'c', 1, 11, "rw"),
	};
	struct sbx_devcg_prog p;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_devcg_compile(allow_then_deny, 2, NULL, 0, NULL, &p, &err), 0);
	ck_assert_int_eq(run(&p, TYPE_C, R, 1, 11), 0);
	sbx_devcg_prog_free(&p);
	ck_assert_int_eq(sbx_devcg_compile(deny_then_allow, 2, NULL, 0, NULL, &p, &err), 0);
	ck_assert_int_eq(run(&p, TYPE_C, R, 1, 11), 1);
	ck_assert_int_eq(run(&p, TYPE_C, M, 1, 11), 0);
	sbx_devcg_prog_free(&p);
	check_against_reference(allow_then_deny, 2, NULL, 0);
	check_against_reference(deny_then_allow, 2, NULL, 0);
}
END_TEST

START_TEST(test_invalid_numbers)
{
	struct sbx_device_rule big_major[] = { RULE(false, 'c', 4096, 1, "rwm") };
	struct sbx_device_rule big_minor[] = { RULE(true, 'b', 8, 1048576, "r") };
	struct sbx_devcg_prog p;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_devcg_compile(big_major, 1, NULL, 0, NULL, &p, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: linux.resources.devices[0]: major 4096 is not a device"
			 " number (major 0..4095, minor 0..1048575)");
	ck_assert_int_eq(sbx_devcg_compile(big_minor, 1, NULL, 0, "resources", &p, &err), -1);
	ck_assert_str_eq(err.msg, "resources: linux.resources.devices[0]: minor 1048576 is not a"
			 " device number (major 0..4095, minor 0..1048575)");
}
END_TEST

/* For real, as root where a cgroup v2 hierarchy is mounted (this host:
 * /sys/fs/cgroup/unified, with no controller needed): attach, replace
 * (still one program), and the verdicts of open(2) in a child inside. */
START_TEST(test_attach_replace_real)
{
	struct sbx_device_rule deny[] = { RULE(false, 'a', -1, -1, "rwm") };
	struct sbx_device_rule kmsg[] = { RULE(false, 'a', -1, -1, "rwm"),
					  RULE(true, 'c', 1, 11, "w") };
	struct sbx_devcg_prog p1, p2;
	struct sbx_err err = { 0 };
	char *mi = NULL, *mount, cg[512], procs[600], pid[32];
	int st;
	pid_t c;

	if (geteuid() != 0)
		SBX_SKIP("needs root: covered by tests/vm/devices.test.sh");
	ck_assert_int_eq(sbx_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mi, NULL, &err), 0);
	mount = sbx_cgroup_parse_mountinfo(mi, NULL);
	free(mi);
	if (!mount)
		SBX_SKIP("no cgroup2 mount: covered by tests/vm/devices.test.sh");
	snprintf(cg, sizeof(cg), "%s/sbx-unit-devcg-%d", mount, (int)getpid());
	free(mount);
	if (mkdir(cg, 0755) < 0) {
		ck_assert_msg(errno == EROFS || errno == EACCES, "mkdir %s: %s", cg, strerror(errno));
		SBX_SKIP("cgroup2 not writable: covered by tests/vm/devices.test.sh");
	}
	ck_assert_int_eq(sbx_devcg_compile(deny, 1, NULL, 0, NULL, &p1, &err), 0);
	ck_assert_int_eq(sbx_devcg_compile(kmsg, 2, NULL, 0, NULL, &p2, &err), 0);
	ck_assert_msg(sbx_devcg_attach(&p1, cg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(sbx_devcg_count(cg, &err), 1);
	ck_assert_msg(sbx_devcg_attach(&p2, cg, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(sbx_devcg_count(cg, &err), 1); /* replaced, not added */
	c = fork();
	ck_assert_int_ge(c, 0);
	if (c == 0) {
		int fd;
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, pid, strlen(pid)) < 0)
			_exit(10);
		close(fd);
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);     /* a default device */
		if (fd < 0)
			_exit(11);
		close(fd);
		fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);   /* allowed: w */
		if (fd < 0)
			_exit(12);
		close(fd);
		fd = open("/dev/kmsg", O_RDWR | O_CLOEXEC);     /* r not allowed */
		if (fd >= 0 || errno != EPERM)
			_exit(13);
		if (mknod("/tmp/sbx-unit-devcg-node", S_IFCHR | 0600, makedev(1, 11)) == 0 ||
		    errno != EPERM)
			_exit(14);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(c, &st, 0), c);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child: status %#x", st);
	ck_assert_int_eq(rmdir(cg), 0);
	sbx_devcg_prog_free(&p1);
	sbx_devcg_prog_free(&p2);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("devcg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_exact_instructions);
	tcase_add_test(tc, test_partial_access);
	tcase_add_test(tc, test_engine_rule_sets);
	tcase_add_test(tc, test_last_match_wins);
	tcase_add_test(tc, test_invalid_numbers);
	tcase_add_test(tc, test_attach_replace_real);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
