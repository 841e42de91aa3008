/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sbxrun list [--format table|json] [-q|--quiet] */
#include "lifecycle.h"
#include "sbx/util.h"

#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void owner_name(uid_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];
	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, len, "%s", pw.pw_name);
	else
		snprintf(buf, len, "#%u", (unsigned)uid);
}

int sbx_cmd_list(const struct sbx_global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	_sbx_cleanup_free_ char *root = sbx_cli_state_root(g);
	struct sbx_err err = { 0 };
	bool json = false, quiet = false;
	json_t *arr = json_array();
	char **ids;
	size_t n;
	int c;

	while ((c = getopt_long(argc, argv, "f:q", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "table") != 0) {
				json_decref(arr);
				return sbx_cli_usage("list", "--format: expected table or json, got \"%s\"", optarg);
			}
			break;
		case 'q': quiet = true; break;
		default: json_decref(arr); return sbx_cli_usage("list", "unknown option");
		}
	}
	if (optind != argc) {
		json_decref(arr);
		return sbx_cli_usage("list", "takes no arguments");
	}
	if (sbx_state_list(root, &ids, &n, &err) < 0) {
		json_decref(arr);
		return sbx_cli_fail(&err);
	}
	if (!json && !quiet)
		printf("%-24s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
	for (size_t i = 0; i < n; i++) {
		struct sbx_state_handle h;
		struct sbx_state st = { 0 };
		char owner[64], why[SBX_ERR_MSG_MAX + 64];
		const char *status;
		bool bad = false;
		pid_t pid;

		/* Never hide a container: a record that cannot be opened or
		 * read is listed as `unknown`, with the reason ("error" in
		 * JSON), so that it can be seen and deleted (delete --force). */
		if (sbx_state_open(root, ids[i], false, &h, &err) < 0) {
			if (err.kind == SBX_ERR_NO_CONTAINER)
				continue; /* deleted meanwhile */
			bad = true;
		} else if (sbx_state_load(&h, &st, &err) < 0) {
			sbx_state_close(&h);
			bad = true;
		}
		if (bad) {
			sbx_err_str(&err, why, sizeof(why));
			if (quiet) {
				printf("%s\n", ids[i]);
			} else if (json) {
				json_array_append_new(arr, json_pack("{s:s,s:s,s:i,s:s,s:s}",
					"ociVersion", SBX_OCI_VERSION, "id", ids[i], "pid", 0,
					"status", "unknown", "error", why));
			} else {
				printf("%-24s %-8d %-10s %s\n", ids[i], 0, "unknown", why);
			}
			continue;
		}
		status = sbx_state_status_name(st.status);
		pid = st.status == SBX_STATUS_STOPPED ? 0 : st.pid;
		owner_name(st.owner, owner, sizeof(owner));
		if (quiet) {
			printf("%s\n", st.id);
		} else if (json) {
			json_t *ann = json_object();
			for (size_t k = 0; k < st.n_annotations; k++)
				json_object_set_new(ann, st.ann_keys[k], json_string(st.ann_values[k]));
			json_array_append_new(arr, json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:o}",
				"ociVersion", SBX_OCI_VERSION, "id", st.id, "pid", (int)pid,
				"status", status,
				"bundle", st.bundle ? st.bundle : "", "rootfs", st.rootfs ? st.rootfs : "",
				"created", st.created ? st.created : "", "owner", owner,
				"annotations", ann));
		} else {
			printf("%-24s %-8d %-10s %-40s %-32s %s\n", st.id, (int)pid,
			       status, st.bundle ? st.bundle : "",
			       st.created ? st.created : "", owner);
		}
		sbx_state_free(&st);
		sbx_state_close(&h);
	}
	if (json && !quiet) {
		char *t = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
		printf("%s\n", t ? t : "[]");
		free(t);
	}
	json_decref(arr);
	sbx_state_list_free(ids, n);
	return 0;
}
