/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * seccomp: the OCI linux.seccomp model -> a classic BPF program.
 *
 * compile (parent, before clone): libseccomp builds the filter and exports
 * it as raw BPF (into a memfd: libseccomp 2.5 has no export-to-memory), which
 * we keep in plan->insns.  Every name (syscall, architecture, flag) is
 * validated here and an unknown one is an error: a profile that silently
 * skipped a rule it did not understand would run the container with less
 * confinement than its author wrote.
 *
 * apply (child): one seccomp(2) call with the precompiled program.  No
 * libseccomp, no allocation, nothing between the filter load and execve that
 * the filter could break.
 *
 * The single exception to "unknown is an error": a syscall libseccomp knows
 * but that does not exist on any architecture of the filter (e.g.
 * "arm_fadvise64_64" on x86_64) is skipped with a debug log.  Shared
 * multi-arch profiles (ours, Docker's) list such names on purpose; there is
 * nothing to allow or deny.  See docs/seccomp.md.
 */
#include "sbx/seccomp.h"
#include "sbx/error.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static const struct {
	const char *name;
	unsigned long flag;
} filter_flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

static const char *action_name(enum sbx_seccomp_action a)
{
	switch (a) {
	case SBX_SCMP_KILL: return "SCMP_ACT_KILL";
	case SBX_SCMP_KILL_PROCESS: return "SCMP_ACT_KILL_PROCESS";
	case SBX_SCMP_KILL_THREAD: return "SCMP_ACT_KILL_THREAD";
	case SBX_SCMP_TRAP: return "SCMP_ACT_TRAP";
	case SBX_SCMP_ERRNO: return "SCMP_ACT_ERRNO";
	case SBX_SCMP_TRACE: return "SCMP_ACT_TRACE";
	case SBX_SCMP_ALLOW: return "SCMP_ACT_ALLOW";
	case SBX_SCMP_LOG: return "SCMP_ACT_LOG";
	case SBX_SCMP_NOTIFY: return "SCMP_ACT_NOTIFY";
	}
	return "?";
}

/* The kernel action code, to ask the kernel whether it supports it. */
static uint32_t kernel_action(enum sbx_seccomp_action a)
{
	switch (a) {
	case SBX_SCMP_KILL:
	case SBX_SCMP_KILL_THREAD: return SECCOMP_RET_KILL_THREAD;
	case SBX_SCMP_KILL_PROCESS: return SECCOMP_RET_KILL_PROCESS;
	case SBX_SCMP_TRAP: return SECCOMP_RET_TRAP;
	case SBX_SCMP_ERRNO: return SECCOMP_RET_ERRNO;
	case SBX_SCMP_TRACE: return SECCOMP_RET_TRACE;
	case SBX_SCMP_ALLOW: return SECCOMP_RET_ALLOW;
	case SBX_SCMP_LOG: return SECCOMP_RET_LOG;
	case SBX_SCMP_NOTIFY: return SECCOMP_RET_USER_NOTIF;
	}
	return SECCOMP_RET_KILL_THREAD;
}

/*
 * Map an OCI action (+ errnoRet) to a libseccomp action.  `path` names the
 * JSON object for messages ("linux.seccomp" or "linux.seccomp.syscalls[3]");
 * `ret_field` is "defaultErrnoRet" or "errnoRet".
 */
static int map_action(enum sbx_seccomp_action a, bool has_ret, uint32_t ret, const char *path,
		      const char *ret_field, const char *act_field, uint32_t *out,
		      struct sbx_err *err)
{
	uint32_t act = kernel_action(a);

	if (has_ret && a != SBX_SCMP_ERRNO && a != SBX_SCMP_TRACE)
		return sbx_err_set(err, 0,
				   "config.json: %s.%s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE (action is %s)",
				   path, ret_field, action_name(a));
	if (has_ret && ret > 0xffff)
		return sbx_err_set(err, 0, "config.json: %s.%s: %u is out of range (0..65535)",
				   path, ret_field, ret);
	/* Ask the kernel: a profile using an action this kernel lacks must not
	 * load as something else. */
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &act) < 0)
		return sbx_err_set(err, errno,
				   "config.json: %s.%s: %s is not supported by the running kernel",
				   path, act_field, action_name(a));
	switch (a) {
	case SBX_SCMP_KILL:
	case SBX_SCMP_KILL_THREAD: *out = SCMP_ACT_KILL_THREAD; break;
	case SBX_SCMP_KILL_PROCESS: *out = SCMP_ACT_KILL_PROCESS; break;
	case SBX_SCMP_TRAP: *out = SCMP_ACT_TRAP; break;
	/* EPERM when errnoRet is absent, as the runtime-spec says. */
	case SBX_SCMP_ERRNO: *out = SCMP_ACT_ERRNO(has_ret ? ret : EPERM); break;
	case SBX_SCMP_TRACE: *out = SCMP_ACT_TRACE(has_ret ? ret : EPERM); break;
	case SBX_SCMP_ALLOW: *out = SCMP_ACT_ALLOW; break;
	case SBX_SCMP_LOG: *out = SCMP_ACT_LOG; break;
	case SBX_SCMP_NOTIFY: *out = SCMP_ACT_NOTIFY; break;
	}
	return 0;
}

static int map_op(enum sbx_seccomp_op op, enum scmp_compare *out)
{
	switch (op) {
	case SBX_SCMP_CMP_NE: *out = SCMP_CMP_NE; return 0;
	case SBX_SCMP_CMP_LT: *out = SCMP_CMP_LT; return 0;
	case SBX_SCMP_CMP_LE: *out = SCMP_CMP_LE; return 0;
	case SBX_SCMP_CMP_EQ: *out = SCMP_CMP_EQ; return 0;
	case SBX_SCMP_CMP_GE: *out = SCMP_CMP_GE; return 0;
	case SBX_SCMP_CMP_GT: *out = SCMP_CMP_GT; return 0;
	case SBX_SCMP_CMP_MASKED_EQ: *out = SCMP_CMP_MASKED_EQ; return 0;
	}
	return -1;
}

/* "SCMP_ARCH_X86_64" -> libseccomp token, or 0 if unknown. */
static uint32_t resolve_arch(const char *name)
{
	char buf[64];
	size_t i;

	if (strncmp(name, "SCMP_ARCH_", 10) != 0)
		return 0;
	name += 10;
	if (!*name || strlen(name) >= sizeof(buf))
		return 0;
	for (i = 0; name[i]; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	return seccomp_arch_resolve_name(buf);
}

/* Does the running kernel accept `flag` for SECCOMP_SET_MODE_FILTER?  With a
 * NULL program the kernel validates the flags first (EINVAL for unknown) and
 * only then faults on the program (EFAULT): nothing is installed. */
static bool kernel_has_flag(unsigned long flag)
{
	if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
		flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER; /* only valid together */
	errno = 0;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT)
		return true;
	return false;
}

const char *sbx_seccomp_flag_name(size_t i)
{
	return i < SBX_ARRAY_SIZE(filter_flags) ? filter_flags[i].name : NULL;
}

bool sbx_seccomp_flag_supported(const char *name)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(filter_flags); i++)
		if (!strcmp(name, filter_flags[i].name))
			return kernel_has_flag(filter_flags[i].flag);
	return false;
}

struct ctx_holder {
	scmp_filter_ctx ctx;
};

static void release_ctx(struct ctx_holder *h)
{
	if (h->ctx)
		seccomp_release(h->ctx);
}

/* Add one rule; libseccomp returns -errno. */
static int add_rule(scmp_filter_ctx ctx, uint32_t act, int nr, unsigned n,
		    const struct scmp_arg_cmp *cmp, const char *path, const char *name,
		    struct sbx_err *err)
{
	int r = seccomp_rule_add_array(ctx, act, nr, n, cmp);
	if (r < 0)
		return sbx_err_set(err, -r, "config.json: %s: add rule for syscall \"%s\"", path, name);
	return 0;
}

/* With ctx NULL only validate (a rule that repeats the default action adds
 * nothing, but a typo in it must still be reported). */
static int add_syscall_rules(scmp_filter_ctx ctx, const struct sbx_seccomp_syscall *s,
			     size_t idx, uint32_t act, const uint32_t *archs, size_t n_archs,
			     struct sbx_err *err)
{
	struct scmp_arg_cmp cmp[6];
	char path[96];
	bool same_index = false;
	unsigned count[6] = { 0 };

	if (s->n_args > 6)
		return sbx_err_set(err, 0, "config.json: linux.seccomp.syscalls[%zu].args: at most 6 conditions are supported",
				   idx);
	for (size_t a = 0; a < s->n_args; a++) {
		enum scmp_compare op;
		if (s->args[a].index > 5)
			return sbx_err_set(err, 0,
					   "config.json: linux.seccomp.syscalls[%zu].args[%zu].index: %u is out of range (0..5)",
					   idx, a, s->args[a].index);
		if (map_op(s->args[a].op, &op) < 0)
			return sbx_err_set(err, 0, "config.json: linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator",
					   idx, a);
		/* MASKED_EQ: libseccomp takes (mask, datum); OCI (as runc reads it)
		 * puts the mask in value and the datum in valueTwo. */
		cmp[a] = (struct scmp_arg_cmp){ .arg = s->args[a].index, .op = op,
						.datum_a = s->args[a].value,
						.datum_b = s->args[a].value_two };
		if (++count[s->args[a].index] > 1)
			same_index = true;
	}

	for (size_t n = 0; n < s->n_names; n++) {
		const char *name = s->names[n];
		int nr;

		snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu].names[%zu]", idx, n);
		if (!name || !*name)
			return sbx_err_set(err, 0, "config.json: %s: empty syscall name", path);
		nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR)
			return sbx_err_set(err, 0, "config.json: %s: unknown syscall \"%s\"", path, name);
		if (nr < 0) {
			/* A pseudo number: known to libseccomp, not native.  Keep it
			 * if any filter arch has it (libseccomp maps it per arch). */
			bool any = false;
			for (size_t i = 0; i < n_archs && !any; i++)
				any = seccomp_syscall_resolve_name_arch(archs[i], name) >= 0;
			if (!any) {
				sbx_debug("seccomp: %s: syscall \"%s\" does not exist on the filter's architectures, skipped",
					  path, name);
				continue;
			}
		}
		if (!ctx)
			continue;
		if (s->n_args == 0) {
			if (add_rule(ctx, act, nr, 0, NULL, path, name, err) < 0)
				return -1;
		} else if (same_index) {
			/* runc semantics: conditions on the same argument cannot all
			 * hold at once in one libseccomp rule, so each becomes its own
			 * rule (ORed). */
			for (size_t a = 0; a < s->n_args; a++)
				if (add_rule(ctx, act, nr, 1, &cmp[a], path, name, err) < 0)
					return -1;
		} else {
			if (add_rule(ctx, act, nr, (unsigned)s->n_args, cmp, path, name, err) < 0)
				return -1;
		}
	}
	return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct sbx_seccomp_plan *out, struct sbx_err *err)
{
	_sbx_cleanup_close_ int fd = memfd_create("sbx-seccomp-bpf", MFD_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0)
		return sbx_err_set(err, errno, "seccomp: create memfd for the BPF program");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return sbx_err_set(err, -r, "seccomp: export BPF program");
	if (fstat(fd, &st) < 0)
		return sbx_err_set(err, errno, "seccomp: stat BPF memfd");
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return sbx_err_set(err, E2BIG,
				   "seccomp: exported BPF program has a bad size (%lld bytes, limit %d instructions)",
				   (long long)st.st_size, BPF_MAXINSNS);
	out->n_insns = (size_t)st.st_size / sizeof(struct sock_filter);
	out->insns = sbx_xmalloc((size_t)st.st_size);
	if (lseek(fd, 0, SEEK_SET) < 0 ||
	    sbx_read_all(fd, out->insns, (size_t)st.st_size) != (ssize_t)st.st_size)
		return sbx_err_set(err, errno ? errno : EIO, "seccomp: read back BPF program");
	return 0;
}

/* Validate syscalls[i]'s names list and map its action ("config.json:
 * linux.seccomp.syscalls[i]...").  Shared by both halves of compile. */
static int rule_action(const struct sbx_seccomp_syscall *s, size_t i, char *path, size_t plen,
		       uint32_t *act, struct sbx_err *err)
{
	snprintf(path, plen, "linux.seccomp.syscalls[%zu]", i);
	if (s->n_names == 0)
		return sbx_err_set(err, 0, "config.json: %s.names: must list at least one syscall", path);
	return map_action(s->action, s->has_errno_ret, s->errno_ret, path, "errnoRet", "action", act,
			  err);
}

/*
 * The cheap half of compile: everything that validates the config or sets
 * plan fields other than the BPF program (flags, listener).  It always runs,
 * also when the program itself comes from the cache (seccomp_cache.c), so a
 * cached filter never skips a check against the running kernel.
 */
static int compile_meta(const struct sbx_seccomp *sc, struct sbx_seccomp_plan *out,
			struct sbx_err *err)
{
	uint32_t def_act, act;

	if (sc->default_action == SBX_SCMP_NOTIFY)
		/* The runtime itself runs (execve) under the filter before the
		 * listener fd reaches the agent: a notify default would hang it. */
		return sbx_err_set(err, 0, "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	if (map_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
		       "linux.seccomp", "defaultErrnoRet", "defaultAction", &def_act, err) < 0)
		return -1;

	for (size_t i = 0; i < sc->n_flags; i++) {
		unsigned long f = 0;
		for (size_t k = 0; k < SBX_ARRAY_SIZE(filter_flags); k++)
			if (!strcmp(sc->flags[i], filter_flags[k].name))
				f = filter_flags[k].flag;
		if (!f)
			return sbx_err_set(err, 0, "config.json: linux.seccomp.flags[%zu]: unknown flag \"%s\"",
					   i, sc->flags[i]);
		if (!kernel_has_flag(f))
			return sbx_err_set(err, 0, "config.json: linux.seccomp.flags[%zu]: %s is not supported by the running kernel",
					   i, sc->flags[i]);
		out->flags |= (unsigned)f;
	}

	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct sbx_seccomp_syscall *s = &sc->syscalls[i];
		char path[64];

		if (rule_action(s, i, path, sizeof(path), &act, err) < 0)
			return -1;
		if (s->action == SBX_SCMP_NOTIFY)
			out->needs_listener = true;
	}
	if (out->needs_listener) {
		if (!sc->listener_path || !*sc->listener_path)
			return sbx_err_set(err, 0, "config.json: linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
		if (sc->listener_path[0] != '/')
			return sbx_err_set(err, 0, "config.json: linux.seccomp.listenerPath: \"%s\" must be an absolute path",
					   sc->listener_path);
		if (strlen(sc->listener_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
			return sbx_err_set(err, 0, "config.json: linux.seccomp.listenerPath: \"%s\" is too long for a unix socket path",
					   sc->listener_path);
		if (!kernel_has_flag(SECCOMP_FILTER_FLAG_NEW_LISTENER))
			return sbx_err_set(err, 0, "config.json: linux.seccomp: SCMP_ACT_NOTIFY needs seccomp user notification, which the running kernel lacks");
		out->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		if (out->flags & SECCOMP_FILTER_FLAG_TSYNC) {
			/* The kernel refuses TSYNC together with a listener unless
			 * TSYNC_ESRCH (5.7+) is also given.  Without it, drop TSYNC: the
			 * launcher child is single-threaded, so TSYNC syncs nothing. */
			if (kernel_has_flag(SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH)) {
				out->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
			} else {
				sbx_warn("seccomp: kernel refuses SECCOMP_FILTER_FLAG_TSYNC with SCMP_ACT_NOTIFY; TSYNC dropped (the container process is single-threaded at load time)");
				out->flags &= ~(unsigned)SECCOMP_FILTER_FLAG_TSYNC;
			}
		}
		out->listener_path = sbx_xstrdup(sc->listener_path);
		if (sc->listener_metadata)
			out->listener_metadata = sbx_xstrdup(sc->listener_metadata);
	} else if (out->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
		return sbx_err_set(err, 0, "config.json: linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs an SCMP_ACT_NOTIFY rule");
	}

	return 0;
}

/* The expensive half: build the filter with libseccomp and export it. */
static int compile_filter(const struct sbx_seccomp *sc, struct sbx_seccomp_plan *out,
			  struct sbx_err *err)
{
	struct ctx_holder h __attribute__((cleanup(release_ctx))) = { NULL };
	uint32_t def_act, archs[32];
	size_t n_archs = 0;
	int r;


	if (map_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
		       "linux.seccomp", "defaultErrnoRet", "defaultAction", &def_act, err) < 0)
		return -1;
	h.ctx = seccomp_init(def_act);
	if (!h.ctx)
		return sbx_err_set(err, EINVAL, "seccomp: initialise filter");
	/* The launcher sets no_new_privs itself (process.noNewPrivileges); the
	 * filter must not force it.  We never call seccomp_load() anyway, but
	 * keep the exported state honest. */
	if ((r = seccomp_attr_set(h.ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
		return sbx_err_set(err, -r, "seccomp: clear the NNP attribute");
	/* Binary-tree syscall dispatch: big allow lists stay fast. */
	(void)seccomp_attr_set(h.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

	archs[n_archs++] = seccomp_arch_native();
	for (size_t i = 0; i < sc->n_architectures; i++) {
		uint32_t a = resolve_arch(sc->architectures[i]);
		if (!a)
			return sbx_err_set(err, 0, "config.json: linux.seccomp.architectures[%zu]: unknown architecture \"%s\"",
					   i, sc->architectures[i]);
		r = seccomp_arch_add(h.ctx, a);
		if (r == -EEXIST)
			continue;
		if (r < 0)
			return sbx_err_set(err, -r, "config.json: linux.seccomp.architectures[%zu]: add architecture \"%s\"",
					   i, sc->architectures[i]);
		if (n_archs < SBX_ARRAY_SIZE(archs))
			archs[n_archs++] = a;
	}

	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct sbx_seccomp_syscall *s = &sc->syscalls[i];
		char path[64];
		uint32_t act;

		if (rule_action(s, i, path, sizeof(path), &act, err) < 0)
			return -1;
		/* libseccomp rejects rules that repeat the default action; they
		 * change nothing, so they are only validated (runc drops them). */
		if (act == def_act)
			sbx_debug("seccomp: %s: action equals the default action, skipped", path);
		if (add_syscall_rules(act == def_act ? NULL : h.ctx, s, i, act, archs, n_archs, err) < 0)
			return -1;
	}

	if (export_bpf(h.ctx, out, err) < 0)
		return -1;
	return sbx_seccomp_enosys_patch(sc, archs, n_archs, out, err);
}

int sbx_seccomp_compile(const struct sbx_seccomp *sc, struct sbx_seccomp_plan *out,
			struct sbx_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!sc)
		return 0;
	out->present = true;
	if (compile_meta(sc, out, err) < 0 || compile_filter(sc, out, err) < 0) {
		sbx_seccomp_plan_free(out);
		return -1;
	}
	return 0;
}

int sbx_seccomp_compile_cached(const struct sbx_seccomp *sc, const char *cache_dir,
			       struct sbx_seccomp_plan *out, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *key = NULL;

	if (!sc || !cache_dir)
		return sbx_seccomp_compile(sc, out, err);
	memset(out, 0, sizeof(*out));
	out->present = true;
	if (compile_meta(sc, out, err) < 0)
		goto fail;
	key = sbx_seccomp_cache_key(sc);
	if (sbx_seccomp_cache_load(cache_dir, key, &out->insns, &out->n_insns) == 0)
		return 0;
	if (compile_filter(sc, out, err) < 0)
		goto fail;
	sbx_seccomp_cache_store(cache_dir, key, out->insns, out->n_insns);
	return 0;
fail:
	sbx_seccomp_plan_free(out);
	return -1;
}

static bool text_has(const char *text, size_t len, const char *what)
{
	return memmem(text, len, what, strlen(what)) != NULL;
}

int sbx_seccomp_compile_text(const char *text, size_t len, const char *cache_dir,
			     struct sbx_seccomp_plan *out, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *key = NULL;
	struct sbx_arena a = { 0 };
	struct sbx_seccomp *sc;
	bool plain = !text_has(text, len, "SCMP_ACT_NOTIFY") && !text_has(text, len, "listenerPath") &&
		     !text_has(text, len, "\"flags\"");
	int r;

	memset(out, 0, sizeof(*out));
	if (plain && cache_dir) {
		key = sbx_seccomp_cache_text_key(text, len);
		if (sbx_seccomp_cache_load(cache_dir, key, &out->insns, &out->n_insns) == 0) {
			out->present = true;
			return 0;
		}
	}
	r = sbx_config_parse_seccomp(text, len, &a, &sc, err);
	if (r == 0)
		r = sbx_seccomp_compile_cached(sc, cache_dir, out, err);
	if (r == 0 && key)
		sbx_seccomp_cache_store(cache_dir, key, out->insns, out->n_insns);
	sbx_arena_free(&a);
	return r;
}

void sbx_seccomp_plan_free(struct sbx_seccomp_plan *plan)
{
	if (!plan)
		return;
	free(plan->insns);
	free(plan->listener_path);
	free(plan->listener_metadata);
	memset(plan, 0, sizeof(*plan));
}

int sbx_seccomp_apply_child(const struct sbx_seccomp_plan *plan, int *listener_fd,
			    struct sbx_err *err)
{
	struct sock_fprog prog;
	long r;

	if (listener_fd)
		*listener_fd = -1;
	if (!plan || !plan->present)
		return 0;
	prog.len = (unsigned short)plan->n_insns;
	prog.filter = plan->insns;
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, plan->flags, &prog);
	if (r < 0) {
		if (errno == EACCES)
			return sbx_err_set(err, errno,
					   "load seccomp filter (needs no_new_privs or CAP_SYS_ADMIN)");
		return sbx_err_set(err, errno, "load seccomp filter (flags 0x%x, %zu instructions)",
				   plan->flags, plan->n_insns);
	}
	if (plan->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
		if (listener_fd)
			*listener_fd = (int)r;
		else
			close((int)r);
	}
	return 0;
}

int sbx_seccomp_send_listener(const struct sbx_seccomp_plan *plan, int listener_fd,
			      const char *state_json, struct sbx_err *err)
{
	_sbx_cleanup_close_ int sock = -1;
	size_t len;
	ssize_t n;

	if (!plan || !plan->listener_path)
		return sbx_err_set(err, EINVAL, "send seccomp listener fd: no listenerPath");
	if (listener_fd < 0)
		return sbx_err_set(err, EBADF, "send seccomp listener fd to %s", plan->listener_path);
	len = state_json ? strlen(state_json) : 0;
	if (len == 0)
		return sbx_err_set(err, EINVAL, "send seccomp listener fd to %s: empty state",
				   plan->listener_path);
	sock = sbx_unix_connect(plan->listener_path, "seccomp listener", err);
	if (sock < 0)
		return -1;
	/* runtime-spec: the state (with fds ["seccompFd"] and the metadata) goes
	 * as the payload and the listener fd as SCM_RIGHTS, in one message. */
	n = sbx_send_fd(sock, state_json, len, listener_fd);
	if (n < 0)
		return sbx_err_set(err, errno, "send seccomp listener fd to %s", plan->listener_path);
	/* The fd went with the first chunk; send the rest plainly. */
	if ((size_t)n < len && sbx_write_all(sock, state_json + n, len - (size_t)n) < 0)
		return sbx_err_set(err, errno, "send container state to seccomp listener %s",
				   plan->listener_path);
	return 0;
}
