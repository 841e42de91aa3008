/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun run [--bundle DIR] [--detach] [--pid-file F] [--console-socket S]
 *            [--no-pivot] [--no-new-keyring] [--preserve-fds N] [--keep] ID
 * sbxrun DIR
 *
 * Foreground: sbxrun stays the container's parent, forwards signals to its
 * init, and exits with its status (128+N when killed by signal N).  With
 * --keep (runc's flag) the stopped container's record and cgroup stay until
 * `sbxrun delete ID`, which then runs the poststop hooks: the runtime-spec
 * runs them when the container is deleted, and it is not deleted yet.
 */
#include "cli.h"
#include "lifecycle.h"
#include "sbx/cgroup.h"
#include "sbx/config.h"
#include "sbx/container.h"
#include "sbx/process.h"
#include "sbx/terminal.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

struct run_args {
	const char *bundle;
	const char *id;
	const char *pid_file;
	const char *console_socket;
	bool detach, no_pivot, no_new_keyring;
	bool keep;               /* --keep: the stopped container stays until `delete` */
	unsigned preserve_fds;
	uint64_t log_max_size;   /* --log-max-size (run --detach json-file log) */
	unsigned log_max_file;   /* --log-max-file */
};

/* "67108864" -> "64M" (exact multiples only), "max" stays "max". */
static void format_bytes(const char *v, char *out, size_t len)
{
	static const char units[] = "KMGT";
	uint64_t n;
	int u = -1;

	if (sbx_parse_u64(v, &n) < 0 || n == 0) {
		snprintf(out, len, "%s", v[0] ? v : "unknown");
		return;
	}
	while (u < 3 && n % 1024 == 0) {
		n /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, len, "%llu", (unsigned long long)n);
	else
		snprintf(out, len, "%llu%c", (unsigned long long)n, units[u]);
}

/* Said plainly: an OOM kill otherwise looks like a random SIGKILL. */
static void report_oom(const char *cgroup_path)
{
	char mm[64] = "", human[64];

	if (cgroup_path && sbx_cgroup_oom_killed(cgroup_path, mm, sizeof(mm)) > 0) {
		format_bytes(mm, human, sizeof(human));
		sbx_cli_report("container killed by the OOM killer: memory.max=%s", human);
	}
}

/* Load the config and record the container (the state store then knows
 * it, so that state/list/kill/exec/delete work on it); `run --detach`
 * without a terminal also starts its json-file log.  On error nothing is
 * left. */
static int run_prepare(const struct sbx_global_opts *g, const struct run_args *a,
		       const char *state_root, struct sbx_config **cfgp, struct sbx_create *cr,
		       int *saved_out, int *saved_err, struct sbx_err *err)
{
	struct sbx_config *cfg = NULL;

	/* Before anything is opened: a gap in 3..3+N-1 would be filled by one
	 * of our own fds and handed to the container. */
	if (sbx_process_check_preserve_fds(a->preserve_fds, err) < 0)
		return -1;
	if (sbx_config_load(a->bundle, &cfg, err) < 0)
		return -1;
	sbx_debug("parent: %s/config.json loaded", cfg->bundle);
	if (sbx_container_create_begin(cr, state_root, g->rootless, sbx_cli_is_rootless(g), a->id,
				       cfg, a->pid_file, err) < 0)
		goto fail_cfg;
	/* Detached, nobody would read the pty: refuse rather than silently
	 * closing the container's terminal (runc refuses too). */
	if (a->detach && !a->console_socket && cfg->process && cfg->process->terminal) {
		sbx_err_set(err, 0, "run --detach: process.terminal is true but no --console-socket was given to hand the terminal to");
		goto fail_rec;
	}
	/* `run --detach` without a terminal: nobody reads our stdout once we
	 * exit, so the output goes to a json-file log (as docker's). */
	if (a->detach && !a->console_socket && cfg->process && !cfg->process->terminal &&
	    sbx_life_detach_log_start(&cr->h, &cr->st, a->log_max_size, a->log_max_file, saved_out,
				      saved_err, err) < 0)
		goto fail_rec;
	cr->lo.preserve_fds = a->preserve_fds;
	cr->lo.console_socket = a->console_socket;
	cr->lo.no_pivot = a->no_pivot;
	cr->lo.no_new_keyring = a->no_new_keyring;
	cr->lo.foreground = !a->detach;
	*cfgp = cfg;
	return 0;

fail_rec:
	sbx_container_create_remove(cr);
fail_cfg:
	sbx_config_free(cfg);
	return -1;
}

/* The foreground container has exited: with --keep its record and cgroup
 * stay, else everything of it goes (sbx_container_create_finish). */
static void run_end(const struct run_args *a, struct sbx_create *cr, const struct sbx_config *cfg,
		    const char *cgroup_path)
{
	struct sbx_err err = { 0 };
	char why[SBX_ERR_MSG_MAX + 160];

	report_oom(cgroup_path);
	if (a->keep) {
		/* Stopped but not deleted: state shows "stopped", `delete`
		 * removes the cgroup and the record and runs poststop. */
		sbx_container_create_keep(cr);
		sbx_debug("container %s stopped; kept until delete (--keep)", a->id);
		return;
	}
	if (sbx_container_create_finish(cr, cfg, cgroup_path, &err) < 0) {
		/* Something of the container survives in its cgroup: the
		 * record that names it was kept, for `delete --force`. */
		sbx_warn("%s; the record of container \"%s\" is kept: remove it with"
			 " `sbxrun delete --force %s`", sbx_err_str(&err, why, sizeof(why)),
			 a->id, a->id);
		return;
	}
	sbx_debug("container %s: cgroup and state removed", a->id);
}

/* Stay the container's parent: proxy its terminal, forward signals to its
 * init until it exits, then clean up.  Returns sbxrun's exit code. */
static int run_foreground(const struct run_args *a, struct sbx_create *cr,
			  const struct sbx_config *cfg, const struct sbx_container *ctr,
			  const sigset_t *mask, const sigset_t *old)
{
	struct sbx_err err = { 0 };
	int st, code, sfd;

	if (ctr->pty_master >= 0) {
		/* Interactive: proxy the terminal until the container hangs up. */
		if (sbx_terminal_proxy(ctr->pty_master, &err) < 0)
			sbx_warn_err(&err, "terminal");
	}
	sfd = signalfd(-1, mask, SFD_CLOEXEC);
	if (sfd < 0) {
		sbx_err_set(&err, errno, "signalfd");
		kill(ctr->pid, SIGKILL);
		code = sbx_cli_fail(&err);
		while (waitpid(ctr->pid, &st, 0) < 0 && errno == EINTR)
			;
	} else {
		st = sbx_cli_wait_forwarding(ctr->pid, sfd);
		close(sfd);
		code = sbx_container_exit_code(st);
		sbx_debug("container %s exited: status %d", a->id, code);
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) {
			/* Otherwise indistinguishable from a crash: name the cause. */
			sbx_cli_report("container killed by SIGSYS (signal 31): a seccomp rule with SCMP_ACT_KILL matched a system call");
		}
	}
	sigprocmask(SIG_SETMASK, old, NULL);
	run_end(a, cr, cfg, ctr->cgroup_path);
	return code;
}

static int run_container(const struct sbx_global_opts *g, const struct run_args *a)
{
	struct sbx_err err = { 0 };
	struct sbx_config *cfg = NULL;
	struct sbx_container ctr = { .pty_master = -1, .seccomp_listener = -1 };
	_sbx_cleanup_free_ char *state_root = sbx_cli_state_root(g);
	struct sbx_create cr;
	sigset_t mask, old;
	int r, code, saved_out = -1, saved_err = -1;

	if (run_prepare(g, a, state_root, &cfg, &cr, &saved_out, &saved_err, &err) < 0)
		return sbx_cli_fail(&err);
	/* Block the forwarded signals before the container exists, so none
	 * is lost between its start and our signalfd; init unblocks them in
	 * itself right before execve. */
	sbx_cli_forward_mask(&mask);
	sigprocmask(SIG_BLOCK, &mask, &old);

	r = sbx_container_create_spawn(&cr, cfg, &ctr, &err);
	sbx_life_detach_log_restore(saved_out, saved_err);
	if (r < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		code = sbx_cli_fail(&err);
		sbx_container_create_remove(&cr);
		sbx_config_free(cfg);
		return code;
	}
	sbx_debug("container %s started: pid %d, cgroup %s", a->id, (int)ctr.pid,
		  ctr.cgroup_path ? ctr.cgroup_path : "(none)");
	sbx_container_create_started(&cr, cfg);
	if (a->detach) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		sbx_container_create_keep(&cr); /* detached: the record stays */
		code = 0;
	} else {
		code = run_foreground(a, &cr, cfg, &ctr, &mask, &old);
	}
	sbx_container_release(&ctr);
	sbx_config_free(cfg);
	return code;
}

int sbx_cmd_run(const struct sbx_global_opts *g, int argc, char **argv)
{
	enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_PRESERVE, OPT_KEEP,
	       OPT_NO_SUBREAPER, OPT_LOG_MAX_SIZE, OPT_LOG_MAX_FILE };
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
		{ "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
		{ "log-max-size", required_argument, NULL, OPT_LOG_MAX_SIZE },
		{ "log-max-file", required_argument, NULL, OPT_LOG_MAX_FILE },
		{ NULL, 0, NULL, 0 },
	};
	struct run_args a = { .bundle = "." };
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "+b:d", opts, NULL)) != -1) {
		switch (c) {
		case 'b': a.bundle = optarg; break;
		case 'd': a.detach = true; break;
		case OPT_PID_FILE: a.pid_file = optarg; break;
		case OPT_CONSOLE: a.console_socket = optarg; break;
		case OPT_NO_PIVOT: a.no_pivot = true; break;
		case OPT_NO_KEYRING: a.no_new_keyring = true; break;
		case OPT_PRESERVE:
			if (sbx_parse_u64(optarg, &v) < 0 || v > SBX_PRESERVE_FDS_MAX)
				return sbx_cli_usage("run", "--preserve-fds: invalid number \"%s\"", optarg);
			a.preserve_fds = (unsigned)v;
			break;
		case OPT_KEEP: a.keep = true; break;
		case OPT_NO_SUBREAPER: break;
		case OPT_LOG_MAX_SIZE: /* bytes, or with a k/m/g suffix */
			if (sbx_life_parse_size(optarg, &a.log_max_size) < 0)
				return sbx_cli_usage("run", "--log-max-size: invalid size \"%s\" (e.g. 10m)", optarg);
			break;
		case OPT_LOG_MAX_FILE:
			if (sbx_parse_u64(optarg, &v) < 0 || v < 1 || v > 100)
				return sbx_cli_usage("run", "--log-max-file: expected 1..100, got \"%s\"", optarg);
			a.log_max_file = (unsigned)v;
			break;
		default: return sbx_cli_usage("run", "unknown option");
		}
	}
	if (optind != argc - 1)
		return sbx_cli_usage("run", "expected exactly one container ID");
	a.id = argv[optind];
	return run_container(g, &a);
}

int sbx_cmd_run_bundle_dir(const struct sbx_global_opts *g, const char *dir)
{
	_sbx_cleanup_free_ char *copy = sbx_xstrdup(dir);
	char id[96], *base = basename(copy);
	unsigned char rnd[3] = { 0 };
	size_t o = 0;
	struct run_args a = { .bundle = dir };

	/* ID: the directory's name (sanitised to the ID alphabet) plus a
	 * random suffix, so two runs of one bundle do not collide. */
	for (const char *p = base; *p && o < 60; p++)
		id[o++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					 (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'
				 ? *p
				 : '-');
	/* IDs start with a letter or digit (state.c validates that). */
	if (o == 0 || !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z') ||
			(id[0] >= '0' && id[0] <= '9'))) {
		memmove(id + 4, id, o); /* o <= 60: fits */
		memcpy(id, "sbx-", 4);
		o += 4;
	}
	(void)!getrandom(rnd, sizeof(rnd), 0);
	snprintf(id + o, sizeof(id) - o, "-%02x%02x%02x", rnd[0], rnd[1], rnd[2]);
	a.id = id;
	return run_container(g, &a);
}
