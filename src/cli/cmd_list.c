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

/* Where the rows go: a table, one ID per line (-q), or a JSON array
 * printed at the end. */
struct list_out {
	bool json, quiet;
	json_t *arr;
};

/* A record that cannot be opened or read, listed as `unknown` with the
 * reason ("error" in JSON). */
static void list_broken(struct list_out *o, const char *id, const struct sbx_err *err)
{
	char why[SBX_ERR_MSG_MAX + 64];

	sbx_err_str(err, why, sizeof(why));
	if (o->quiet) {
		printf("%s\n", id);
	} else if (o->json) {
		json_array_append_new(o->arr, json_pack("{s:s,s:s,s:i,s:s,s:s}",
			"ociVersion", SBX_OCI_VERSION, "id", id, "pid", 0,
			"status", "unknown", "error", why));
	} else {
		printf("%-24s %-8d %-10s %s\n", id, 0, "unknown", why);
	}
}

static void list_entry(struct list_out *o, const struct sbx_state *st)
{
	const char *status = sbx_state_status_name(st->status);
	pid_t pid = st->status == SBX_STATUS_STOPPED ? 0 : st->pid;
	char owner[64];

	owner_name(st->owner, owner, sizeof(owner));
	if (o->quiet) {
		printf("%s\n", st->id);
	} else if (o->json) {
		json_t *ann = json_object();
		for (size_t k = 0; k < st->n_annotations; k++)
			json_object_set_new(ann, st->ann_keys[k], json_string(st->ann_values[k]));
		json_array_append_new(o->arr, json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:o}",
			"ociVersion", SBX_OCI_VERSION, "id", st->id, "pid", (int)pid,
			"status", status,
			"bundle", st->bundle ? st->bundle : "", "rootfs", st->rootfs ? st->rootfs : "",
			"created", st->created ? st->created : "", "owner", owner,
			"annotations", ann));
	} else {
		printf("%-24s %-8d %-10s %-40s %-32s %s\n", st->id, (int)pid,
		       status, st->bundle ? st->bundle : "",
		       st->created ? st->created : "", owner);
	}
}

static void list_one(struct list_out *o, const char *root, const char *id)
{
	struct sbx_state_handle h;
	struct sbx_state st = { 0 };
	struct sbx_err err = { 0 };

	/* Never hide a container: a record that cannot be opened or read is
	 * listed as `unknown`, with the reason, so that it can be seen and
	 * deleted (delete --force). */
	if (sbx_state_open(root, id, false, &h, &err) < 0) {
		if (err.kind != SBX_ERR_NO_CONTAINER) /* else: deleted meanwhile */
			list_broken(o, id, &err);
		return;
	}
	if (sbx_state_load(&h, &st, &err) < 0) {
		sbx_state_close(&h);
		list_broken(o, id, &err);
		return;
	}
	list_entry(o, &st);
	sbx_state_free(&st);
	sbx_state_close(&h);
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
	struct list_out o = { 0 };
	char **ids;
	size_t n;
	int c;

	while ((c = getopt_long(argc, argv, "f:q", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "json"))
				o.json = true;
			else if (strcmp(optarg, "table") != 0)
				return sbx_cli_usage("list", "--format: expected table or json, got \"%s\"", optarg);
			break;
		case 'q': o.quiet = true; break;
		default: return sbx_cli_usage("list", "unknown option");
		}
	}
	if (optind != argc)
		return sbx_cli_usage("list", "takes no arguments");
	if (sbx_state_list(root, &ids, &n, &err) < 0)
		return sbx_cli_fail(&err);
	if (!o.json && !o.quiet)
		printf("%-24s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
	o.arr = json_array();
	for (size_t i = 0; i < n; i++)
		list_one(&o, root, ids[i]);
	if (o.json && !o.quiet) {
		char *t = json_dumps(o.arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
		printf("%s\n", t ? t : "[]");
		free(t);
	}
	json_decref(o.arr);
	sbx_state_list_free(ids, n);
	return 0;
}
