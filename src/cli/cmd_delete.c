/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun delete [--force|-f] ID
 *
 * runtime-spec: deleting a container that is not stopped is an error.
 * Like runc, a `created` container (whose process never ran user code) is
 * killed and deleted without --force; a running or paused one needs
 * --force.  Then everything of the container is killed and waited for (its
 * cgroup with cgroup.kill, its init through a pidfd), the cgroup and the
 * state directory are removed and the poststop hooks run (failures are
 * warnings).
 *
 * --force converges: a record that a killed create/run left incomplete, or
 * a state.json that cannot be read, is completed from the anchor and the
 * exec fifo's holders (src/teardown.c), and what was recovered is said on
 * stderr.  If something cannot be killed or removed, the command fails and
 * the record stays, so that it can be retried; it never reports success
 * while a process or the cgroup is left.
 */
#include "lifecycle.h"
#include "sbx/hooks.h"
#include "sbx/net.h"
#include "sbx/log.h"
#include "sbx/teardown.h"
#include "sbx/util.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static int delete_one(const struct sbx_global_opts *g, const char *id, bool force)
{
	_sbx_cleanup_free_ char *root = sbx_cli_state_root(g);
	struct sbx_state_handle h;
	struct sbx_state st = { 0 };
	struct sbx_teardown td = { 0 };
	struct sbx_err err = { 0 }, load_err = { 0 };
	struct sbx_config *cfg = NULL;
	bool unreadable = false, recovered = false;
	unsigned killed = 0;
	int ret = SBX_EXIT_FAILURE;

	if (sbx_state_open(root, id, true, &h, &err) < 0) {
		/* --force on a container that does not exist succeeds (runc). */
		if (force && err.kind == SBX_ERR_NO_CONTAINER)
			return 0;
		return sbx_cli_fail(&err);
	}
	if (sbx_state_load(&h, &st, &load_err) < 0) {
		if (!force) {
			sbx_err_prefix(&load_err, "cannot delete container \"%s\" (delete --force"
				       " removes it and whatever of it is still running)", id);
			sbx_state_close(&h);
			return sbx_cli_fail(&load_err);
		}
		unreadable = true;
		st.id = sbx_xstrdup(id);
		st.status = SBX_STATUS_STOPPED;
	}
	if ((st.status == SBX_STATUS_RUNNING || st.status == SBX_STATUS_PAUSED) && !force) {
		sbx_err_set(&err, 0, "cannot delete container \"%s\": it is %s (stop it first, or use --force)",
			    st.id, sbx_state_status_name(st.status));
		goto out_fail;
	}
	/* An unreadable record, or one a killed create/run left without a
	 * process (no create can still be running: we hold the lock it held),
	 * is completed from the other sources before anything is killed. */
	if (unreadable || st.pid <= 0) {
		sbx_teardown_recover(&h, &st, unreadable ? &load_err : NULL, &td);
		recovered = true;
	}
	if (sbx_teardown_kill(&st, &td, &killed, &err) < 0) {
		sbx_err_prefix(&err, "cannot delete container \"%s\" (its record is kept: run"
			       " delete --force again)", st.id);
		goto out_fail;
	}
	/* The network's lease, veth, nft rules and helper outlive init:
	 * released here, whether or not the container had a network. */
	if (sbx_net_teardown(root, st.id, &err) < 0)
		sbx_warn_err(&err, "delete");
	if (recovered && (unreadable || killed || st.cgroup_path || td.n))
		sbx_warn("delete \"%s\": %s record (%s); killed %u process%s%s%s", st.id,
			 unreadable ? "unreadable" : "incomplete", td.note[0] ? td.note : "nothing recovered",
			 killed, killed == 1 ? "" : "es", st.cgroup_path ? ", removed cgroup " : "",
			 st.cgroup_path ? st.cgroup_path : "");
	if (sbx_life_load_config(&h, &st, true, &cfg, &err) < 0) {
		if (st.status != SBX_STATUS_CREATING && !unreadable)
			sbx_warn_err(&err, "poststop hooks not run");
		cfg = NULL;
	}
	if (sbx_state_remove(&h, &err) < 0)
		goto out_fail;
	/* The record is gone: its host ids may go to the next container (an
	 * unreadable record's claim is stale now and is reclaimed by the
	 * next allocation). */
	sbx_life_userns_release(&h, &st);
	if (cfg && cfg->hooks.poststop.n) {
		_sbx_cleanup_free_ char *js = sbx_state_oci_json(&st, "stopped", false);
		sbx_hooks_run_warn(&cfg->hooks.poststop, "poststop", js);
	}
	ret = 0;
	goto out;
out_fail:
	ret = sbx_cli_fail(&err);
out:
	sbx_config_free(cfg);
	sbx_teardown_free(&td);
	sbx_state_free(&st);
	sbx_state_close(&h);
	return ret;
}

int sbx_cmd_delete(const struct sbx_global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
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
	return delete_one(g, argv[optind], force);
}
