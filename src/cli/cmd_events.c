/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun events [--stats] [--interval DURATION] ID
 *
 * JSON lines in runc's shape:
 *   {"type":"stats","id":"c1","data":{"cpu":{...},"memory":{...},"pids":{...}}}
 *   {"type":"oom","id":"c1"}
 * --stats prints one stats record and exits; otherwise a stats record is
 * printed every interval (default 5s) and an "oom" record as soon as
 * memory.events counts a new OOM kill, until the container stops.
 */
#include "lifecycle.h"
#include "cli.h"
#include "sbx/cgroup.h"
#include "sbx/util.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "5s", "500ms", "1m", "2" (seconds) -> milliseconds. */
static int parse_interval(const char *s, long *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v <= 0)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		v *= 1000;
	else if (strcmp(end, "m") == 0)
		v *= 60000;
	else if (strcmp(end, "ms") != 0)
		return -1;
	if (v < 10 || v > 86400000)
		return -1;
	*ms = (long)v;
	return 0;
}

/* "max" is printed as 0 ("no limit"), runc's convention for limits. */
static uint64_t lim(uint64_t v)
{
	return v == UINT64_MAX ? 0 : v;
}

static void print_stats(const char *id, const struct sbx_cgroup_stats *s)
{
	bool comma = false;

	printf("{\"type\":\"stats\",\"id\":\"%s\",\"data\":{", id);
	if (s->has_cpu) {
		/* runc reports nanoseconds */
		printf("\"cpu\":{\"usage\":{\"total\":%" PRIu64 ",\"user\":%" PRIu64
		       ",\"kernel\":%" PRIu64 "},\"throttling\":{\"throttledPeriods\":%" PRIu64
		       ",\"throttledTime\":%" PRIu64 "}}",
		       s->cpu_usage_usec * 1000, s->cpu_user_usec * 1000, s->cpu_system_usec * 1000,
		       s->cpu_nr_throttled, s->cpu_throttled_usec * 1000);
		comma = true;
	}
	if (s->has_memory) {
		printf("%s\"memory\":{\"usage\":{\"usage\":%" PRIu64 ",\"limit\":%" PRIu64
		       ",\"max\":%" PRIu64 "},\"swap\":{\"usage\":%" PRIu64 "},\"oom\":%" PRIu64
		       ",\"oomKill\":%" PRIu64 "}",
		       comma ? "," : "", s->memory_current, lim(s->memory_max), s->memory_peak,
		       s->memory_swap_current, s->memory_oom, s->memory_oom_kill);
		comma = true;
	}
	if (s->has_pids) {
		printf("%s\"pids\":{\"current\":%" PRIu64 ",\"limit\":%" PRIu64 "}",
		       comma ? "," : "", s->pids_current, lim(s->pids_max));
	}
	printf("}}\n");
	fflush(stdout);
}

int sbx_cmd_events(const struct sbx_global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_cgroup_stats s;
	struct sbx_err err = { 0 };
	bool once = false;
	long interval = 5000, since = 0;
	uint64_t ooms;
	int c, ret = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			once = true;
		else if (c == 'i') {
			if (parse_interval(optarg, &interval) < 0)
				return sbx_cli_usage("events", "invalid --interval \"%s\" (e.g. 5s, 500ms)",
						     optarg);
		} else {
			return sbx_cli_usage("events", "unknown option");
		}
	}
	if (optind != argc - 1)
		return sbx_cli_usage("events", "expected exactly one container ID");
	if (sbx_cli_open(g, argv[optind], false, &h, &st, &err) < 0)
		return sbx_cli_fail(&err);
	/* The state does not change under us in a way that matters here; do
	 * not block `delete`/`pause` for as long as events streams. */
	sbx_state_close(&h);
	if (st.status == SBX_STATUS_STOPPED || st.status == SBX_STATUS_CREATING) {
		sbx_err_set(&err, 0, "container \"%s\" is not running (status %s)", st.id,
			    sbx_state_status_name(st.status));
		ret = sbx_cli_fail(&err);
		goto out;
	}
	if (sbx_cgroup_stats(st.cgroup_path, &s, &err) < 0) {
		sbx_err_prefix(&err, "events \"%s\"", st.id);
		ret = sbx_cli_fail(&err);
		goto out;
	}
	print_stats(st.id, &s);
	if (once)
		goto out;
	ooms = s.memory_oom_kill;
	for (;;) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		uint64_t now;

		nanosleep(&ts, NULL);
		since += 100;
		now = sbx_cgroup_oom_killed(st.cgroup_path, NULL, 0);
		if (now > ooms) {
			printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", st.id);
			fflush(stdout);
			ooms = now;
		}
		if (!sbx_state_pid_alive(&st))
			break;
		if (since >= interval) {
			since = 0;
			if (sbx_cgroup_stats(st.cgroup_path, &s, &err) < 0)
				break; /* the cgroup went away with the container */
			print_stats(st.id, &s);
		}
	}
out:
	sbx_state_free(&st);
	return ret;
}
