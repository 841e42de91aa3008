/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun delete [--force|-f] ID
 *
 * runtime-spec: deleting a container that is not stopped is an error.
 * Like runc, a `created` container (whose process never ran user code) is
 * killed and deleted without --force; a running or paused one needs
 * --force, which SIGKILLs everything and waits for it.  Then the cgroup and
 * the state directory are removed and the poststop hooks run (failures are
 * warnings).
 */
#include "lifecycle.h"
#include "sbx/cgroup.h"
#include "sbx/hooks.h"
#include "sbx/net.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void kill_all(const struct sbx_state *st)
{
	struct sbx_err err;
	pid_t *pids = NULL;
	size_t n = 0;

	/* Every process first (they may outlive init when the container
	 * shares the host pid namespace), then init.  Without an own pid
	 * namespace and without a cgroup there is nothing else we can find. */
	if (sbx_life_pids(st, &pids, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			if (pids[i] != st->pid)
				kill(pids[i], SIGKILL);
	}
	free(pids);
	if (sbx_life_signal_init(st, SIGKILL, &err) < 0)
		sbx_debug("delete: %s", err.msg);
}

int sbx_cmd_delete(const struct sbx_global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_err err = { 0 };
	struct sbx_config *cfg = NULL;
	_sbx_cleanup_free_ char *root = sbx_cli_state_root(g);
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else
			return sbx_cli_usage("delete", "unknown option");
	}
	if (optind != argc - 1)
		return sbx_cli_usage("delete", "expected exactly one container ID");
	if (sbx_life_open(g, argv[optind], true, &h, &st, &err) < 0) {
		/* --force on a container that does not exist succeeds (runc). */
		if (force && strstr(err.msg, "does not exist"))
			return 0;
		return sbx_cli_fail(&err);
	}
	if ((st.status == SBX_STATUS_RUNNING || st.status == SBX_STATUS_PAUSED) && !force) {
		sbx_err_set(&err, 0, "cannot delete container \"%s\": it is %s (stop it first, or use --force)",
			    st.id, sbx_state_status_name(st.status));
		sbx_state_free(&st);
		sbx_state_close(&h);
		return sbx_cli_fail(&err);
	}
	if (st.status != SBX_STATUS_STOPPED && st.status != SBX_STATUS_CREATING) {
		kill_all(&st);
		if (sbx_life_wait_exit(&st, 10000) < 0) {
			sbx_err_set(&err, 0, "cannot delete container \"%s\": pid %d did not exit after SIGKILL",
				    st.id, (int)st.pid);
			sbx_state_free(&st);
			sbx_state_close(&h);
			return sbx_cli_fail(&err);
		}
	}
	if (st.cgroup_path && sbx_cgroup_destroy(st.cgroup_path, true, &err) < 0)
		sbx_warn("delete: %s", err.msg);
	if (sbx_net_teardown(root, st.id, &err) < 0) /* net: lease, veth, nft rules, helper */
		sbx_warn("delete: %s", err.msg);
	if (sbx_life_load_config(&h, &st, &cfg, &err) < 0) {
		if (st.status != SBX_STATUS_CREATING)
			sbx_warn("poststop hooks not run: %s", err.msg);
		cfg = NULL;
	}
	if (sbx_state_remove(&h, &err) < 0) {
		sbx_config_free(cfg);
		sbx_state_free(&st);
		sbx_state_close(&h);
		return sbx_cli_fail(&err);
	}
	if (cfg && cfg->hooks.poststop.n) {
		_sbx_cleanup_free_ char *js = sbx_state_oci_json(&st, "stopped", false);
		sbx_hooks_run_warn(&cfg->hooks.poststop, "poststop", js);
	}
	sbx_config_free(cfg);
	sbx_state_free(&st);
	sbx_state_close(&h);
	return 0;
}
