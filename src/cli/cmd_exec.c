/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun exec [--process FILE] [--detach] [--pid-file F] [--console-socket S]
 *             [--tty] [--cwd DIR] [--env K=V]... [--user UID[:GID]]
 *             [--additional-gids GID]... [--cap CAP]... [--no-new-privs]
 *             [--apparmor P] [--preserve-fds N] [--ignore-paused]
 *             ID [CMD [ARG...]]
 *
 * Flags, the state record, the pid file and the foreground wait.  The
 * launcher itself is src/exec.c (include/sbx/exec.h).
 */
#include "lifecycle.h"
#include "sbx/container.h"
#include "sbx/exec.h"
#include "sbx/process.h"
#include "sbx/terminal.h"
#include "sbx/util.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static int wait_process(struct sbx_exec_proc *p, const sigset_t *mask)
{
	struct sbx_err err;
	int sfd, wst = 0;

	if (p->pty_master >= 0 && sbx_terminal_proxy(p->pty_master, &err) < 0)
		sbx_warn_err(&err, "terminal");
	sfd = signalfd(-1, mask, SFD_CLOEXEC);
	if (sfd < 0) {
		while (waitpid(p->pid, &wst, 0) < 0 && errno == EINTR)
			;
	} else {
		wst = sbx_cli_wait_forwarding(p->pid, sfd);
		close(sfd);
	}
	return sbx_container_exit_code(wst);
}

static int do_exec(const struct sbx_global_opts *g, struct sbx_exec_opts *o, const char *id,
		   const char *pid_file)
{
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_config *cfg = NULL;
	struct sbx_exec_proc p = { .pid = -1, .pty_master = -1 };
	_sbx_cleanup_free_ char *cache_dir = NULL;
	struct sbx_err err = { 0 };
	sigset_t mask, old;
	int r, code;

	if (sbx_process_check_preserve_fds(o->preserve_fds, &err) < 0)
		return sbx_cli_fail(&err);
	if (sbx_cli_open(g, id, false, &h, &st, &err) < 0)
		return sbx_cli_fail(&err);
	if (sbx_exec_check_status(&st, o->ignore_paused, &err) < 0 ||
	    sbx_life_load_config(&h, &st, true, &cfg, &err) < 0 || sbx_exec_build_process(cfg, o, &err) < 0) {
		code = sbx_cli_fail(&err);
		goto out;
	}
	cache_dir = sbx_cli_cache_dir(g);
	o->cache_dir = cache_dir;
	o->state_dirfd = h.dirfd;
	/* Into a paused container (--ignore-paused) the process freezes as
	 * soon as it enters the cgroup and runs at `resume`, which needs the
	 * lock: do not hold it while we wait. */
	if (st.status == SBX_STATUS_PAUSED)
		sbx_state_unlock(&h);
	/* Blocked before the process exists, so none is lost before the
	 * signalfd; the process unblocks everything right before execve. */
	sbx_cli_forward_mask(&mask);
	sigprocmask(SIG_BLOCK, &mask, &old);
	r = sbx_exec_start(cfg, &st, o, &p, &err);
	if (r < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		code = sbx_cli_fail(&err);
		goto out;
	}
	if (pid_file && sbx_life_write_pid_file(pid_file, p.pid, &err) < 0) {
		kill(p.pid, SIGKILL);
		while (waitpid(p.pid, NULL, 0) < 0 && errno == EINTR)
			;
		sigprocmask(SIG_SETMASK, &old, NULL);
		code = sbx_cli_fail(&err);
		goto out;
	}
	/* The process is running: drop the state lock so that `state`,
	 * `kill` and `delete` are not blocked while we wait for it. */
	sbx_state_free(&st);
	sbx_state_close(&h);
	code = o->detach ? 0 : wait_process(&p, &mask);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (p.pty_master >= 0)
		close(p.pty_master);
	sbx_config_free(cfg);
	return code;
out:
	sbx_config_free(cfg);
	sbx_state_free(&st);
	sbx_state_close(&h);
	return code;
}

/* "10", "10,20": appended to the --additional-gids list. */
static int add_gids(struct sbx_exec_opts *o, char *arg)
{
	char *save = NULL;

	for (char *t = strtok_r(arg, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (sbx_parse_u64(t, &v) < 0 || v > UINT32_MAX)
			return -1;
		o->additional_gids = sbx_xrealloc(o->additional_gids,
						  (o->n_additional_gids + 1) * sizeof(uint32_t));
		o->additional_gids[o->n_additional_gids++] = (uint32_t)v;
	}
	return 0;
}

static int parse_user(struct sbx_exec_opts *o, char *arg)
{
	char *colon = strchr(arg, ':');
	uint64_t uid, gid;

	if (colon)
		*colon = '\0';
	if (sbx_parse_u64(arg, &uid) < 0 || uid > UINT32_MAX ||
	    (colon && (sbx_parse_u64(colon + 1, &gid) < 0 || gid > UINT32_MAX)))
		return -1;
	o->has_user = true;
	o->uid = (uint32_t)uid;
	if (colon) {
		o->has_gid = true;
		o->gid = (uint32_t)gid;
	}
	return 0;
}

static void free_opts(struct sbx_exec_opts *o)
{
	free(o->env);
	free(o->caps);
	free(o->additional_gids);
}

static int usage(struct sbx_exec_opts *o, const char *msg, const char *arg)
{
	free_opts(o);
	return sbx_cli_usage("exec", "%s%s%s%s", msg, arg ? " \"" : "", arg ? arg : "", arg ? "\"" : "");
}

int sbx_cmd_exec(const struct sbx_global_opts *g, int argc, char **argv)
{
	enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_CWD, OPT_NNP, OPT_PRESERVE, OPT_APPARMOR,
	       OPT_LABEL, OPT_IGNORE_PAUSED };
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "tty", no_argument, NULL, 't' },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, OPT_NNP },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "apparmor", required_argument, NULL, OPT_APPARMOR },
		{ "process-label", required_argument, NULL, OPT_LABEL },
		{ "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
		{ NULL, 0, NULL, 0 },
	};
	struct sbx_exec_opts o = { 0 };
	const char *pid_file = NULL;
	uint64_t v;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+p:dte:u:g:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'p': o.process_file = optarg; break;
		case 'd': o.detach = true; break;
		case 't': o.tty = true; break;
		case OPT_PID_FILE: pid_file = optarg; break;
		case OPT_CONSOLE: o.console_socket = optarg; break;
		case OPT_CWD: o.cwd = optarg; break;
		case OPT_NNP: o.no_new_privs = true; break;
		case OPT_APPARMOR: o.apparmor = optarg; break;
		case OPT_IGNORE_PAUSED: o.ignore_paused = true; break;
		case OPT_LABEL:
			if (*optarg)
				return usage(&o, "--process-label: SELinux is not supported", NULL);
			break;
		case 'e':
			o.env = sbx_xrealloc(o.env, (o.n_env + 1) * sizeof(char *));
			o.env[o.n_env++] = optarg;
			break;
		case 'c':
			o.caps = sbx_xrealloc(o.caps, (o.n_caps + 1) * sizeof(char *));
			o.caps[o.n_caps++] = optarg;
			break;
		case 'g':
			if (add_gids(&o, optarg) < 0)
				return usage(&o, "--additional-gids: expected a gid (or a comma-separated list), got", optarg);
			break;
		case 'u':
			if (parse_user(&o, optarg) < 0)
				return usage(&o, "--user: expected UID[:GID] (numeric)", NULL);
			break;
		case OPT_PRESERVE:
			if (sbx_parse_u64(optarg, &v) < 0 || v > SBX_PRESERVE_FDS_MAX)
				return usage(&o, "--preserve-fds: invalid number", optarg);
			o.preserve_fds = (unsigned)v;
			break;
		default:
			return usage(&o, "unknown option", NULL);
		}
	}
	if (optind >= argc)
		return usage(&o, "expected a container ID", NULL);
	o.args = argv + optind + 1;
	o.n_args = (size_t)(argc - optind - 1);
	ret = do_exec(g, &o, argv[optind], pid_file);
	free_opts(&o);
	return ret;
}
