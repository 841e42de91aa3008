/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun check [--format text|json|sarif] [--fail-on low|medium|high]
 *              (BUNDLE-DIR | --id ID)
 * Audit a bundle's config.json, or a running container against what the
 * kernel applied (src/check*.c; docs/check.md).  Exit status: 0 nothing
 * reaches --fail-on, 1 something does, 125 usage or config error.
 */
#include "lifecycle.h"
#include "sbx/check.h"
#include "sbx/util.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum fmt { FMT_TEXT, FMT_JSON, FMT_SARIF };

/* Live mode: the container's record, its saved config and its processes
 * come from the state store (lifecycle helpers); reading and judging what
 * the kernel applied is the library's (sbx_check_live_*). */
static int check_live(const struct sbx_global_opts *g, const char *id, struct sbx_check_report *rep,
		      struct sbx_err *err)
{
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_config *cfg = NULL;
	struct sbx_check_live live;
	_sbx_cleanup_free_ char *text = NULL;
	pid_t *pids = NULL;
	size_t n = 0, len = 0;
	int ret = -1;

	if (sbx_cli_open(g, id, false, &h, &st, err) < 0)
		return -1;
	memset(&live, 0, sizeof(live));
	if (st.status != SBX_STATUS_CREATED && st.status != SBX_STATUS_RUNNING &&
	    st.status != SBX_STATUS_PAUSED) {
		sbx_err_set(err, 0, "check: container \"%s\" is %s: live mode needs its processes",
			    id, sbx_state_status_name(st.status));
		goto out;
	}
	if (sbx_life_load_config(&h, &st, false, &cfg, err) < 0)
		goto out;
	if (sbx_life_pids(&st, &pids, &n, err) < 0)
		sbx_err_clear(err); /* init alone is still worth checking */
	{
		struct sbx_check_live_opts o = { .pid = st.pid, .pids = pids, .n_pids = n,
						 .cgroup_path = st.cgroup_path,
						 .has_id_block = st.has_id_block, .id_block = st.id_block };
		if (sbx_check_live_collect(&o, &live, err) < 0)
			goto out;
	}
	rep->live = true;
	rep->pid = st.pid;
	rep->target = sbx_check_strdup(rep, id);
	rep->bundle = sbx_check_strdup(rep, st.bundle);
	{
		_sbx_cleanup_free_ char *saved = sbx_xasprintf("%s/%s", h.dir, SBX_STATE_CONFIG);
		rep->config_file = sbx_check_strdup(rep, saved);
	}
	if (sbx_check_live_evaluate(cfg, &live, st.owner, (gid_t)-1, rep, err) < 0)
		goto out;
	if (sbx_read_file_at(h.dirfd, SBX_STATE_CONFIG, &text, &len, err) == 0)
		sbx_check_locate(rep, text, len);
	sbx_err_clear(err);
	ret = 0;
out:
	sbx_check_live_free(&live);
	free(pids);
	sbx_config_free(cfg);
	sbx_state_free(&st);
	sbx_state_close(&h);
	return ret;
}

int sbx_cmd_check(const struct sbx_global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct sbx_check_format_opts fo = { .fail_on = SBX_CHECK_HIGH };
	struct sbx_check_report rep;
	struct sbx_err err = { 0 };
	const char *id = NULL, *bundle = NULL, *nc = getenv("NO_COLOR");
	enum fmt fmt = FMT_TEXT;
	char *out;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "text"))
				fmt = FMT_TEXT;
			else if (!strcmp(optarg, "json"))
				fmt = FMT_JSON;
			else if (!strcmp(optarg, "sarif"))
				fmt = FMT_SARIF;
			else
				return sbx_cli_usage("check", "--format: expected text, json or sarif, got \"%s\"", optarg);
			break;
		case 'F':
			if (sbx_check_level_parse(optarg, &fo.fail_on) < 0)
				return sbx_cli_usage("check", "--fail-on: expected low, medium or high, got \"%s\"", optarg);
			break;
		case 'i': id = optarg; break;
		default: return sbx_cli_usage("check", "unknown option");
		}
	}
	if (optind < argc)
		bundle = argv[optind++];
	if (optind < argc)
		return sbx_cli_usage("check", "unexpected argument \"%s\"", argv[optind]);
	if (!!id == !!bundle)
		return sbx_cli_usage("check", "expected a bundle directory or --id ID (one of them)");

	sbx_check_report_init(&rep);
	if (bundle)
		rc = sbx_check_bundle(bundle, &rep, &err);
	else
		rc = check_live(g, id, &rep, &err);
	if (rc < 0) {
		sbx_check_report_free(&rep);
		return sbx_cli_fail(&err);
	}
	/* Colour only for a person at a terminal (and never with NO_COLOR). */
	fo.color = fmt == FMT_TEXT && isatty(STDOUT_FILENO) && !(nc && *nc);
	out = fmt == FMT_JSON ? sbx_check_format_json(&rep, &fo) :
	      fmt == FMT_SARIF ? sbx_check_format_sarif(&rep, &fo) : sbx_check_format_text(&rep, &fo);
	fputs(out, stdout);
	free(out);
	rc = sbx_check_exit_status(&rep, fo.fail_on);
	sbx_check_report_free(&rep);
	if (fflush(stdout) != 0)
		return SBX_EXIT_FAILURE;
	return rc;
}
