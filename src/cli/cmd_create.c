/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun create [--bundle DIR] [--pid-file F] [--console-socket SOCK]
 *               [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID
 *
 * The container is set up completely and its init parks on the exec fifo
 * (<state>/exec.fifo) right before execve, until `sbxrun start` writes into
 * it.  State: `creating` while this runs, `created` afterwards.
 */
#include "lifecycle.h"
#include "sbx/cgroup.h"
#include "sbx/container.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct hook_state_arg {
	struct sbx_state *st;
};

/* The state given to the hooks run by the launcher (prestart,
 * createRuntime, createContainer, startContainer). */
static char *hook_state(void *arg, pid_t pid, const char *status)
{
	struct hook_state_arg *a = arg;
	a->st->pid = pid;
	return sbx_state_oci_json(a->st, status, false);
}

static void fill_annotations(struct sbx_state *st, const struct sbx_config *cfg)
{
	st->n_annotations = cfg->n_annotations;
	if (!cfg->n_annotations)
		return;
	st->ann_keys = sbx_xcalloc(cfg->n_annotations, sizeof(char *));
	st->ann_values = sbx_xcalloc(cfg->n_annotations, sizeof(char *));
	for (size_t i = 0; i < cfg->n_annotations; i++) {
		st->ann_keys[i] = sbx_xstrdup(cfg->annotations[i].key);
		st->ann_values[i] = sbx_xstrdup(cfg->annotations[i].value);
	}
}

int sbx_cmd_create(const struct sbx_global_opts *g, int argc, char **argv)
{
	enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_PRESERVE };
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
		{ "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ NULL, 0, NULL, 0 },
	};
	const char *bundle = ".", *pid_file = NULL;
	struct sbx_launch_opts lo = { 0 };
	struct sbx_container ctr = { .pty_master = -1, .seccomp_listener = -1 };
	struct sbx_state_handle h = { .dirfd = -1, .lockfd = -1 };
	struct sbx_state st = { 0 };
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };
	struct hook_state_arg ha = { &st };
	_sbx_cleanup_free_ char *root = NULL, *cfgpath = NULL, *cfgtext = NULL, *fifo = NULL;
	char created[64];
	const struct sbx_namespace *pidns;
	size_t cfglen;
	uint64_t v;
	int c, r, code = SBX_EXIT_FAILURE;

	while ((c = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b': bundle = optarg; break;
		case OPT_PID_FILE: pid_file = optarg; break;
		case OPT_CONSOLE: lo.console_socket = optarg; break;
		case OPT_NO_PIVOT: lo.no_pivot = true; break;
		case OPT_NO_KEYRING: lo.no_new_keyring = true; break;
		case OPT_PRESERVE:
			if (sbx_parse_u64(optarg, &v) < 0 || v > 4096)
				return sbx_cli_usage("create", "--preserve-fds: invalid number \"%s\"", optarg);
			lo.preserve_fds = (unsigned)v;
			break;
		default: return sbx_cli_usage("create", "unknown option");
		}
	}
	if (optind != argc - 1)
		return sbx_cli_usage("create", "expected exactly one container ID");
	lo.id = argv[optind];
	if (sbx_state_validate_id(lo.id, &err) < 0)
		return sbx_cli_fail(&err);

	/* Keep the exact config text: delete and exec use it later. */
	cfgpath = sbx_xasprintf("%s/config.json", bundle);
	if (sbx_read_file_at(AT_FDCWD, cfgpath, &cfgtext, &cfglen, &err) < 0)
		return sbx_cli_fail(&err);
	if (sbx_config_load(bundle, &cfg, &err) < 0)
		return sbx_cli_fail(&err);
	if (!cfg->process) {
		sbx_err_set(&err, 0, "config.json: process: required to create a container");
		goto fail_nostate;
	}

	root = sbx_cli_state_root(g);
	if (sbx_state_create(root, lo.id, &h, &err) < 0)
		goto fail_nostate;

	st.id = sbx_xstrdup(lo.id);
	st.bundle = sbx_xstrdup(cfg->bundle);
	st.rootfs = sbx_xstrdup(cfg->rootfs);
	sbx_state_now_rfc3339(created, sizeof(created));
	st.created = sbx_xstrdup(created);
	st.owner = geteuid();
	st.rootless = sbx_cli_is_rootless(g);
	pidns = sbx_config_ns(cfg, SBX_NS_PID);
	st.shared_pidns = !pidns || pidns->path;
	fill_annotations(&st, cfg);

	{
		_sbx_cleanup_close_ int fd = openat(h.dirfd, SBX_STATE_CONFIG,
						    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || sbx_write_all(fd, cfgtext, cfglen) < 0) {
			sbx_err_set(&err, errno, "write %s/%s", h.dir, SBX_STATE_CONFIG);
			goto fail;
		}
	}
	if (mkfifoat(h.dirfd, SBX_EXEC_FIFO, 0600) < 0) {
		sbx_err_set(&err, errno, "create exec fifo %s/%s", h.dir, SBX_EXEC_FIFO);
		goto fail;
	}
	fifo = sbx_xasprintf("%s/%s", h.dir, SBX_EXEC_FIFO);
	if (sbx_state_save(&h, &st, &err) < 0) /* `creating`, no pid yet */
		goto fail;

	lo.exec_fifo = fifo;
	lo.foreground = false;
	lo.state_json = hook_state;
	lo.state_arg = &ha;
	r = sbx_container_spawn(cfg, &lo, &ctr, &err);
	if (r < 0) {
		code = -r;
		goto fail;
	}
	st.pid = ctr.pid;
	st.start_time = ctr.start_time;
	if (ctr.cgroup_path)
		st.cgroup_path = sbx_xstrdup(ctr.cgroup_path);
	if (sbx_state_save(&h, &st, &err) < 0 ||
	    (pid_file && sbx_life_write_pid_file(pid_file, ctr.pid, &err) < 0)) {
		struct sbx_err e2;
		/* Nothing half-created stays behind: kill what we started. */
		sbx_life_signal_init(&st, SIGKILL, &e2);
		sbx_life_wait_exit(&st, 5000);
		if (st.cgroup_path)
			sbx_cgroup_destroy(st.cgroup_path, true, &e2);
		goto fail;
	}
	sbx_container_release(&ctr);
	sbx_state_free(&st);
	sbx_state_close(&h);
	sbx_config_free(cfg);
	return 0;

fail:
	sbx_cli_fail(&err);
	{
		struct sbx_err e2;
		if (sbx_state_remove(&h, &e2) < 0)
			sbx_warn("%s", e2.msg);
	}
	sbx_container_release(&ctr);
	sbx_state_free(&st);
	sbx_state_close(&h);
	sbx_config_free(cfg);
	return code;

fail_nostate:
	sbx_config_free(cfg);
	return sbx_cli_fail(&err);
}
