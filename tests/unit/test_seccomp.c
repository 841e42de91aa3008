/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp: compile errors (exact messages) and real decisions: each filter is
 * loaded for real in a forked child (with no_new_privs) and a syscall's
 * result is reported back through the exit status.
 */
#include "unit.h"

#include "sbx/config.h"
#include "sbx/embedded.h"
#include "sbx/seccomp.h"

#include <errno.h>
#include <seccomp.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXS 8

/* A small builder for struct sbx_seccomp (the parser is tested elsewhere). */
struct prof {
	struct sbx_seccomp sc;
	struct sbx_seccomp_syscall sys[MAXS];
	char *names[MAXS][4];
	struct sbx_seccomp_arg args[MAXS][6];
};

static void prof_init(struct prof *p, enum sbx_seccomp_action def)
{
	memset(p, 0, sizeof(*p));
	p->sc.default_action = def;
	p->sc.syscalls = p->sys;
}

static struct sbx_seccomp_syscall *prof_add(struct prof *p, const char *name,
					    enum sbx_seccomp_action act)
{
	size_t i = p->sc.n_syscalls++;
	struct sbx_seccomp_syscall *s = &p->sys[i];

	ck_assert_uint_lt(i, MAXS);
	p->names[i][0] = (char *)name;
	s->names = p->names[i];
	s->n_names = 1;
	s->action = act;
	s->args = p->args[i];
	return s;
}

static void add_arg(struct sbx_seccomp_syscall *s, unsigned idx, enum sbx_seccomp_op op,
		    uint64_t v, uint64_t v2)
{
	s->args[s->n_args++] = (struct sbx_seccomp_arg){ .index = idx, .op = op, .value = v,
							 .value_two = v2 };
}

static void expect_compile_error(const struct sbx_seccomp *sc, const char *msg)
{
	struct sbx_seccomp_plan plan;
	struct sbx_err err = { 0 };

	ck_assert_int_lt(sbx_seccomp_compile(sc, &plan, &err), 0);
	ck_assert_str_eq(err.msg, msg);
	ck_assert_ptr_null(plan.insns);
}

static void compile_ok(const struct sbx_seccomp *sc, struct sbx_seccomp_plan *plan)
{
	struct sbx_err err = { 0 };

	if (sbx_seccomp_compile(sc, plan, &err) < 0)
		ck_abort_msg("compile failed: %s (errno %d)", err.msg, err.errnum);
	ck_assert(plan->present);
	ck_assert_ptr_nonnull(plan->insns);
	ck_assert_uint_gt(plan->n_insns, 0);
}

/*
 * Run `fn` in a child under the filter.  Returns the child's wait status.
 * fn returns an errno (0 == success) which becomes the exit code.
 */
typedef int (*probe_fn)(void *);

static int run_filtered(const struct sbx_seccomp_plan *plan, probe_fn fn, void *arg)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sbx_err err = { 0 };
		int lfd;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(200);
		if (sbx_seccomp_apply_child(plan, &lfd, &err) < 0)
			_exit(201);
		/* exit_group directly: _exit() under ASan runs the leak checker,
		 * whose syscalls a restrictive test filter denies. */
		syscall(SYS_exit_group, fn(arg));
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static int exit_code(int status)
{
	if (!WIFEXITED(status))
		ck_abort_msg("child did not exit normally (status 0x%x)", status);
	return WEXITSTATUS(status);
}

#define RAW(...) (syscall(__VA_ARGS__) < 0 ? errno : 0)

struct args3 {
	long nr, a0, a1;
};

static int p_raw(void *v)
{
	struct args3 *a = v;
	return RAW(a->nr, a->a0, a->a1);
}

static int try_raw(const struct sbx_seccomp_plan *plan, long nr, long a0, long a1)
{
	struct args3 a = { nr, a0, a1 };
	return exit_code(run_filtered(plan, p_raw, &a));
}

/* ---------- compile errors ---------- */

START_TEST(test_unknown_syscall)
{
	struct prof p;
	prof_init(&p, SBX_SCMP_ALLOW);
	prof_add(&p, "getpid", SBX_SCMP_ERRNO);
	prof_add(&p, "getppid", SBX_SCMP_ERRNO);
	prof_add(&p, "mkdir", SBX_SCMP_ERRNO);
	prof_add(&p, "foo", SBX_SCMP_ERRNO);
	expect_compile_error(&p.sc, "config.json: linux.seccomp.syscalls[3].names[0]: unknown syscall \"foo\"");
	/* also in a rule that repeats the default action (and is dropped) */
	prof_init(&p, SBX_SCMP_ALLOW);
	prof_add(&p, "getpid", SBX_SCMP_ERRNO);
	prof_add(&p, "foo", SBX_SCMP_ALLOW);
	expect_compile_error(&p.sc, "config.json: linux.seccomp.syscalls[1].names[0]: unknown syscall \"foo\"");
}
END_TEST

START_TEST(test_unknown_arch)
{
	struct prof p;
	char *archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_PDP11", NULL };
	prof_init(&p, SBX_SCMP_ALLOW);
	p.sc.architectures = archs;
	p.sc.n_architectures = 2;
	expect_compile_error(&p.sc, "config.json: linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_PDP11\"");
	archs[1] = "x86_64"; /* the prefix is required */
	expect_compile_error(&p.sc, "config.json: linux.seccomp.architectures[1]: unknown architecture \"x86_64\"");
}
END_TEST

START_TEST(test_flags)
{
	struct prof p;
	struct sbx_seccomp_plan plan;
	char *flags[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS", NULL };

	prof_init(&p, SBX_SCMP_ALLOW);
	p.sc.flags = flags;
	p.sc.n_flags = 2;
	expect_compile_error(&p.sc, "config.json: linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"");
	flags[1] = "SECCOMP_FILTER_FLAG_SPEC_ALLOW";
	compile_ok(&p.sc, &plan);
	ck_assert_uint_eq(plan.flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
	sbx_seccomp_plan_free(&plan);
	/* WAIT_KILLABLE_RECV is about notify: meaningless without NOTIFY. */
	flags[1] = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";
	expect_compile_error(&p.sc, "config.json: linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs an SCMP_ACT_NOTIFY rule");
}
END_TEST

START_TEST(test_errno_ret_rules)
{
	struct prof p;
	struct sbx_seccomp_syscall *s;

	prof_init(&p, SBX_SCMP_ALLOW);
	s = prof_add(&p, "getpid", SBX_SCMP_KILL);
	s->has_errno_ret = true;
	s->errno_ret = 5;
	expect_compile_error(&p.sc, "config.json: linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE (action is SCMP_ACT_KILL)");
	prof_init(&p, SBX_SCMP_ALLOW);
	p.sc.has_default_errno_ret = true;
	p.sc.default_errno_ret = 1;
	expect_compile_error(&p.sc, "config.json: linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE (action is SCMP_ACT_ALLOW)");
}
END_TEST

START_TEST(test_notify_rules)
{
	struct prof p;

	prof_init(&p, SBX_SCMP_NOTIFY);
	expect_compile_error(&p.sc, "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	prof_init(&p, SBX_SCMP_ALLOW);
	prof_add(&p, "getppid", SBX_SCMP_NOTIFY);
	expect_compile_error(&p.sc, "config.json: linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
	p.sc.listener_path = "relative.sock";
	expect_compile_error(&p.sc, "config.json: linux.seccomp.listenerPath: \"relative.sock\" must be an absolute path");
}
END_TEST

START_TEST(test_foreign_syscall_skipped)
{
	/* Known to libseccomp but not an x86_64 (or native) syscall: skipped. */
	struct prof p;
	struct sbx_seccomp_plan plan;
	char *archs[] = { "SCMP_ARCH_X86_64", NULL };

#ifndef __x86_64__
	SBX_SKIP("x86_64 only");
#endif
	prof_init(&p, SBX_SCMP_ALLOW);
	p.sc.architectures = archs;
	p.sc.n_architectures = 1;
	prof_add(&p, "arm_fadvise64_64", SBX_SCMP_ERRNO);
	compile_ok(&p.sc, &plan);
	sbx_seccomp_plan_free(&plan);
}
END_TEST

/* ---------- real decisions ---------- */

START_TEST(test_errno_and_kill)
{
	struct prof p;
	struct sbx_seccomp_plan plan;
	struct sbx_seccomp_syscall *s;
	int st;

	prof_init(&p, SBX_SCMP_ALLOW);
	s = prof_add(&p, "mkdir", SBX_SCMP_ERRNO);
	s->has_errno_ret = true;
	s->errno_ret = EROFS;
	prof_add(&p, "getppid", SBX_SCMP_KILL);
	prof_add(&p, "getpgrp", SBX_SCMP_KILL_PROCESS);
	prof_add(&p, "getsid", SBX_SCMP_ERRNO); /* no errnoRet: EPERM */
	compile_ok(&p.sc, &plan);

	ck_assert_int_eq(try_raw(&plan, SYS_getpid, 0, 0), 0);
	ck_assert_int_eq(try_raw(&plan, SYS_mkdir, (long)"/nonexistent-dir/x", 0755), EROFS);
	ck_assert_int_eq(try_raw(&plan, SYS_getsid, 0, 0), EPERM);
	{
		struct args3 a = { SYS_getppid, 0, 0 };
		st = run_filtered(&plan, p_raw, &a);
		ck_assert(WIFSIGNALED(st));
		ck_assert_int_eq(WTERMSIG(st), SIGSYS);
		a.nr = SYS_getpgrp;
		st = run_filtered(&plan, p_raw, &a);
		ck_assert(WIFSIGNALED(st));
		ck_assert_int_eq(WTERMSIG(st), SIGSYS);
	}
	sbx_seccomp_plan_free(&plan);
}
END_TEST

START_TEST(test_default_errno_ret)
{
	struct prof p;
	struct sbx_seccomp_plan plan;

	prof_init(&p, SBX_SCMP_ERRNO);
	p.sc.has_default_errno_ret = true;
	p.sc.default_errno_ret = EXDEV;
	prof_add(&p, "exit_group", SBX_SCMP_ALLOW);
	prof_add(&p, "exit", SBX_SCMP_ALLOW);
	prof_add(&p, "getppid", SBX_SCMP_ALLOW);
	compile_ok(&p.sc, &plan);
	ck_assert_int_eq(try_raw(&plan, SYS_getppid, 0, 0), 0);
	ck_assert_int_eq(try_raw(&plan, SYS_getpid, 0, 0), EXDEV);
	sbx_seccomp_plan_free(&plan);
}
END_TEST

/* The ENOSYS rule (seccomp_enosys.c): a call newer than every name of a
 * denying profile gets ENOSYS, an older unnamed one the default action. */
START_TEST(test_enosys_for_newer_syscalls)
{
	struct prof p;
	struct sbx_seccomp_plan plan;

	prof_init(&p, SBX_SCMP_ERRNO); /* EPERM */
	prof_add(&p, "exit_group", SBX_SCMP_ALLOW);
	prof_add(&p, "getppid", SBX_SCMP_ALLOW);
	prof_add(&p, "openat", SBX_SCMP_ALLOW); /* the newest name: 257 on x86_64 */
	compile_ok(&p.sc, &plan);
	ck_assert_int_eq(try_raw(&plan, SYS_getppid, 0, 0), 0);
	ck_assert_int_eq(try_raw(&plan, SYS_getpid, 0, 0), EPERM);
	ck_assert_int_eq(try_raw(&plan, SYS_faccessat2, AT_FDCWD, (long)"/"), ENOSYS);
	ck_assert_int_eq(try_raw(&plan, SYS_close_range, 1000, 1000), ENOSYS);
	ck_assert_int_eq(try_raw(&plan, SYS_clone3, 0, 0), ENOSYS);
	ck_assert_int_eq(try_raw(&plan, 1000, 0, 0), ENOSYS);
	sbx_seccomp_plan_free(&plan);

	/* A kill default: newer calls are ENOSYS, older ones still kill. */
	prof_init(&p, SBX_SCMP_KILL_PROCESS);
	prof_add(&p, "exit_group", SBX_SCMP_ALLOW);
	prof_add(&p, "getppid", SBX_SCMP_ALLOW);
	compile_ok(&p.sc, &plan);
	ck_assert_int_eq(try_raw(&plan, SYS_getppid, 0, 0), 0);
	ck_assert_int_eq(try_raw(&plan, SYS_faccessat2, AT_FDCWD, (long)"/"), ENOSYS);
	{
		struct args3 a = { SYS_getpid, 0, 0 };
		int st = run_filtered(&plan, p_raw, &a);
		ck_assert(WIFSIGNALED(st));
		ck_assert_int_eq(WTERMSIG(st), SIGSYS);
	}
	sbx_seccomp_plan_free(&plan);
}
END_TEST

START_TEST(test_enosys_rule_scope)
{
	struct prof p;

	prof_init(&p, SBX_SCMP_ERRNO);
	ck_assert(sbx_seccomp_enosys_applies(&p.sc));
	p.sc.has_default_errno_ret = true;
	p.sc.default_errno_ret = EPERM;
	ck_assert(sbx_seccomp_enosys_applies(&p.sc));
	p.sc.default_errno_ret = ENOSYS; /* already the answer */
	ck_assert(!sbx_seccomp_enosys_applies(&p.sc));
	prof_init(&p, SBX_SCMP_KILL);
	ck_assert(sbx_seccomp_enosys_applies(&p.sc));
	prof_init(&p, SBX_SCMP_TRAP);
	ck_assert(sbx_seccomp_enosys_applies(&p.sc));
	prof_init(&p, SBX_SCMP_ALLOW);
	ck_assert(!sbx_seccomp_enosys_applies(&p.sc));
	prof_init(&p, SBX_SCMP_LOG);
	ck_assert(!sbx_seccomp_enosys_applies(&p.sc));
	prof_init(&p, SBX_SCMP_TRACE);
	ck_assert(!sbx_seccomp_enosys_applies(&p.sc));
}
END_TEST

/* Each architecture of the filter gets its own maximum: a name that only
 * exists on another architecture does not lift the native one's. */
START_TEST(test_enosys_per_arch)
{
	static char *archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", NULL };
	struct prof p;
	struct sbx_seccomp_plan plan;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		SBX_SKIP("x86_64 only");
	prof_init(&p, SBX_SCMP_ERRNO);
	p.sc.architectures = archs;
	p.sc.n_architectures = 2;
	prof_add(&p, "exit_group", SBX_SCMP_ALLOW);
	prof_add(&p, "getppid", SBX_SCMP_ALLOW);
	/* 355 on i386 (getrandom), 318 on x86_64 */
	prof_add(&p, "getrandom", SBX_SCMP_ALLOW);
	compile_ok(&p.sc, &plan);
	/* x86_64's maximum is 318: 319 (memfd_create) is newer there. */
	ck_assert_int_eq(try_raw(&plan, SYS_memfd_create, (long)"x", 0), ENOSYS);
	ck_assert_int_eq(try_raw(&plan, SYS_getpid, 0, 0), EPERM);
	sbx_seccomp_plan_free(&plan);
}
END_TEST

START_TEST(test_arg_conditions)
{
	struct prof p;
	struct sbx_seccomp_plan plan;
	struct sbx_seccomp_syscall *s;

	/* getppid ignores its arguments, but the filter sees the registers: a
	 * harmless carrier for argument tests. */
	prof_init(&p, SBX_SCMP_ALLOW);
	/* same index twice: ORed (runc semantics) */
	s = prof_add(&p, "getppid", SBX_SCMP_ERRNO);
	s->has_errno_ret = true;
	s->errno_ret = 42;
	add_arg(s, 0, SBX_SCMP_CMP_EQ, 1, 0);
	add_arg(s, 0, SBX_SCMP_CMP_EQ, 2, 0);
	/* different indexes: ANDed */
	s = prof_add(&p, "getpid", SBX_SCMP_ERRNO);
	s->has_errno_ret = true;
	s->errno_ret = 43;
	add_arg(s, 0, SBX_SCMP_CMP_EQ, 1, 0);
	add_arg(s, 1, SBX_SCMP_CMP_GT, 10, 0);
	/* MASKED_EQ: value = mask, valueTwo = datum */
	s = prof_add(&p, "gettid", SBX_SCMP_ERRNO);
	s->has_errno_ret = true;
	s->errno_ret = 44;
	add_arg(s, 0, SBX_SCMP_CMP_MASKED_EQ, 0xff00, 0x1200);
	/* NE / LE */
	s = prof_add(&p, "getuid", SBX_SCMP_ERRNO);
	s->has_errno_ret = true;
	s->errno_ret = 45;
	add_arg(s, 0, SBX_SCMP_CMP_NE, 7, 0);
	add_arg(s, 1, SBX_SCMP_CMP_LE, 3, 0);
	compile_ok(&p.sc, &plan);

	ck_assert_int_eq(try_raw(&plan, SYS_getppid, 1, 0), 42);
	ck_assert_int_eq(try_raw(&plan, SYS_getppid, 2, 0), 42);
	ck_assert_int_eq(try_raw(&plan, SYS_getppid, 3, 0), 0);

	ck_assert_int_eq(try_raw(&plan, SYS_getpid, 1, 11), 43);
	ck_assert_int_eq(try_raw(&plan, SYS_getpid, 1, 10), 0);
	ck_assert_int_eq(try_raw(&plan, SYS_getpid, 2, 11), 0);

	ck_assert_int_eq(try_raw(&plan, SYS_gettid, 0x1234, 0), 44);
	ck_assert_int_eq(try_raw(&plan, SYS_gettid, 0x12ff, 0), 44);
	ck_assert_int_eq(try_raw(&plan, SYS_gettid, 0x1334, 0), 0);

	ck_assert_int_eq(try_raw(&plan, SYS_getuid, 8, 3), 45);
	ck_assert_int_eq(try_raw(&plan, SYS_getuid, 7, 3), 0);
	ck_assert_int_eq(try_raw(&plan, SYS_getuid, 8, 4), 0);
	sbx_seccomp_plan_free(&plan);
}
END_TEST

/* ---------- the default profile ---------- */

static int parse_default(struct sbx_config **cfg)
{
	char *text = sbx_xasprintf(
		"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
		"\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0}},"
		"\"linux\":{\"seccomp\":%s}}",
		sbx_seccomp_default_json);
	struct sbx_err err = { 0 };
	int r = sbx_config_parse(text, strlen(text), "config.json", cfg, &err);

	if (r < 0)
		ck_abort_msg("default profile does not parse: %s", err.msg);
	free(text);
	return r;
}

static int p_fork(void *v)
{
	int st;
	pid_t c = fork();
	(void)v;
	if (c < 0)
		return errno;
	if (c == 0)
		_exit(0);
	return waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 99;
}

static int p_basics(void *v)
{
	char buf[64];
	int fd, sv[2];
	(void)v;
	/* What a shell does: files, pipes, dirs, sockets, time. */
	if ((fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)) < 0)
		return errno;
	if (read(fd, buf, sizeof(buf)) <= 0)
		return 90;
	close(fd);
	if (pipe2(sv, O_CLOEXEC) < 0)
		return errno;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return errno;
	if (socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) < 0)
		return errno;
	if (access("/", R_OK) < 0 || getcwd(buf, sizeof(buf)) == NULL)
		return errno;
	if (personality(0xffffffff) < 0)
		return errno;
	return 0;
}

START_TEST(test_default_profile)
{
	struct sbx_config *cfg = NULL;
	struct sbx_seccomp_plan plan;

	parse_default(&cfg);
	ck_assert_ptr_nonnull(cfg->linux.seccomp);
	compile_ok(cfg->linux.seccomp, &plan);

	/* the basics work */
	ck_assert_int_eq(try_raw(&plan, SYS_getpid, 0, 0), 0);
	ck_assert_int_eq(exit_code(run_filtered(&plan, p_basics, NULL)), 0);
	ck_assert_int_eq(exit_code(run_filtered(&plan, p_fork, NULL)), 0);
	ck_assert_int_eq(try_raw(&plan, SYS_mkdir, (long)"/nonexistent-dir/x", 0755), ENOENT);
	/* blocked: EPERM (defaultErrnoRet 1) */
	ck_assert_int_eq(try_raw(&plan, SYS_mount, (long)"none", (long)"/mnt"), EPERM);
	ck_assert_int_eq(try_raw(&plan, SYS_unshare, CLONE_NEWUSER, 0), EPERM);
	ck_assert_int_eq(try_raw(&plan, SYS_setns, 0, 0), EPERM);
	ck_assert_int_eq(try_raw(&plan, SYS_keyctl, 0, 0), EPERM);
	ck_assert_int_eq(try_raw(&plan, SYS_ptrace, 0, 0), EPERM);
	ck_assert_int_eq(try_raw(&plan, SYS_bpf, 0, 0), EPERM);
	ck_assert_int_eq(try_raw(&plan, SYS_perf_event_open, 0, 0), EPERM);
	ck_assert_int_eq(try_raw(&plan, SYS_userfaultfd, 0, 0), EPERM);
	ck_assert_int_eq(try_raw(&plan, SYS_open_by_handle_at, 0, 0), EPERM);
	ck_assert_int_eq(try_raw(&plan, SYS_personality, 0x0400000 /* READ_IMPLIES_EXEC */, 0), EPERM);
	/* clone with a namespace flag: EPERM; socket(AF_ALG): EPERM */
	ck_assert_int_eq(try_raw(&plan, SYS_clone, CLONE_NEWUSER | SIGCHLD, 0), EPERM);
	ck_assert_int_eq(try_raw(&plan, SYS_socket, 38 /* AF_ALG */, SOCK_SEQPACKET), EPERM);
	/* clone3: ENOSYS so libcs fall back to clone */
	ck_assert_int_eq(try_raw(&plan, SYS_clone3, 0, 0), ENOSYS);

	sbx_seccomp_plan_free(&plan);
	sbx_config_free(cfg);
}
END_TEST

/* ---------- NOTIFY end to end ---------- */

START_TEST(test_notify_listener)
{
	char dir[] = "/tmp/sbx-sc-XXXXXX";
	char sock_path[100];
	struct prof p;
	struct sbx_seccomp_plan plan;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *state = "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":1,\"metadata\":\"m\"}";
	int srv, conn, lfd = -1, st;
	char payload[512] = { 0 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} ctl;
	struct iovec iov = { payload, sizeof(payload) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	pid_t pid;
	ssize_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/l.sock", dir);
	prof_init(&p, SBX_SCMP_ALLOW);
	prof_add(&p, "getppid", SBX_SCMP_NOTIFY);
	p.sc.listener_path = sock_path;
	p.sc.listener_metadata = "m";
	compile_ok(&p.sc, &plan);
	ck_assert(plan.needs_listener);
	ck_assert(plan.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
	ck_assert_str_eq(plan.listener_path, sock_path);

	srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock_path);
	ck_assert_int_eq(bind(srv, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(listen(srv, 1), 0);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sbx_err err = { 0 };
		int fd;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    sbx_seccomp_apply_child(&plan, &fd, &err) < 0 || fd < 0)
			_exit(200);
		if (sbx_seccomp_send_listener(&plan, fd, state, &err) < 0)
			_exit(201);
		close(fd);
		/* Blocks until the agent answers. */
		_exit(RAW(SYS_getppid));
	}
	conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(conn, 0);
	n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	ck_assert_int_eq(n, (ssize_t)strlen(state));
	ck_assert_str_eq(payload, state);
	cm = CMSG_FIRSTHDR(&msg);
	ck_assert_ptr_nonnull(cm);
	ck_assert_int_eq(cm->cmsg_type, SCM_RIGHTS);
	memcpy(&lfd, CMSG_DATA(cm), sizeof(int));
	ck_assert_int_ge(lfd, 0);
	{
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;
		memset(&req, 0, sizeof(req));
		ck_assert_int_eq(ioctl(lfd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0);
		ck_assert_int_eq((int)req.pid, (int)pid);
		ck_assert_int_eq(req.data.nr, SYS_getppid);
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.error = -77;
		ck_assert_int_eq(ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_int_eq(exit_code(st), 77);
	close(lfd);
	close(conn);
	close(srv);
	unlink(sock_path);
	rmdir(dir);
	sbx_seccomp_plan_free(&plan);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("seccomp");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_unknown_syscall);
	tcase_add_test(tc, test_unknown_arch);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_errno_ret_rules);
	tcase_add_test(tc, test_notify_rules);
	tcase_add_test(tc, test_foreign_syscall_skipped);
	tcase_add_test(tc, test_errno_and_kill);
	tcase_add_test(tc, test_default_errno_ret);
	tcase_add_test(tc, test_enosys_for_newer_syscalls);
	tcase_add_test(tc, test_enosys_rule_scope);
	tcase_add_test(tc, test_enosys_per_arch);
	tcase_add_test(tc, test_arg_conditions);
	tcase_add_test(tc, test_default_profile);
	tcase_add_test(tc, test_notify_listener);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
