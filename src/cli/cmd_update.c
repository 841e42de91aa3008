/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun update [--resources FILE|-] [--memory N] [--memory-reservation N]
 *               [--memory-swap N] [--pids-limit N] [--cpu-quota N]
 *               [--cpu-period N] [--cpu-shares N] [--cpuset-cpus LIST]
 *               [--cpuset-mems LIST] [--blkio-weight N] ID
 *
 * Changes the limits of a live container.  --resources takes a
 * runtime-spec linux.resources object (parsed by src/config.c, so it gets
 * the same checks as config.json); the flags (runc's) override its fields.
 * Sizes accept k/m/g suffixes (1024-based), "-1" means unlimited.
 */
#include "lifecycle.h"
#include "cli.h"
#include "sbx/cgroup.h"
#include "sbx/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "64m", "1G", "512k", "1024", "-1" -> bytes. */
static int parse_size(const char *s, int64_t *out)
{
	char *end;
	long long v;
	int64_t mul = 1;

	if (strcmp(s, "-1") == 0) {
		*out = -1;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'k': mul = 1LL << 10; end++; break;
	case 'm': mul = 1LL << 20; end++; break;
	case 'g': mul = 1LL << 30; end++; break;
	default: return -1;
	}
	if (tolower((unsigned char)*end) == 'b')
		end++;
	if (*end || v > INT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int read_input(const char *file, char **text, size_t *len, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *buf = NULL;
	size_t cap = 4096, n = 0;

	if (strcmp(file, "-") != 0)
		return sbx_read_file_at(AT_FDCWD, file, text, len, err);
	/* fd 0 itself: reopening /dev/stdin fails for a pipe owned by another
	 * user (after setpriv/su), and a resources object is small. */
	buf = sbx_xmalloc(cap);
	for (;;) {
		ssize_t r;
		if (n + 1 >= cap)
			buf = sbx_xrealloc(buf, cap *= 2);
		r = read(STDIN_FILENO, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sbx_err_set(err, errno, "read standard input");
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > (1u << 20))
			return sbx_err_set(err, EFBIG, "standard input: more than 1 MiB");
	}
	buf[n] = '\0';
	*len = n;
	*text = sbx_steal_ptr(&buf);
	return 0;
}

enum {
	OPT_RESOURCES = 'r',
	OPT_MEMORY = 256, OPT_MEMRES, OPT_SWAP, OPT_PIDS, OPT_QUOTA, OPT_PERIOD, OPT_SHARES,
	OPT_CPUS, OPT_MEMS, OPT_BLKIO,
};

static const struct option update_opts[] = {
	{ "resources", required_argument, NULL, OPT_RESOURCES },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "memory-reservation", required_argument, NULL, OPT_MEMRES },
	{ "memory-swap", required_argument, NULL, OPT_SWAP },
	{ "pids-limit", required_argument, NULL, OPT_PIDS },
	{ "cpu-quota", required_argument, NULL, OPT_QUOTA },
	{ "cpu-period", required_argument, NULL, OPT_PERIOD },
	{ "cpu-shares", required_argument, NULL, OPT_SHARES },
	{ "cpuset-cpus", required_argument, NULL, OPT_CPUS },
	{ "cpuset-mems", required_argument, NULL, OPT_MEMS },
	{ "blkio-weight", required_argument, NULL, OPT_BLKIO },
	{ NULL, 0, NULL, 0 },
};

struct update_args {
	const char *resfile;         /* --resources */
	/* flags are applied after the file, so collect them first */
	struct { int opt; const char *val; } flags[16];
	size_t nflags;
};

/* Returns -1 when the flags are good, else the usage error's exit code. */
static int update_parse_args(int argc, char **argv, struct update_args *a)
{
	int c;

	while ((c = getopt_long(argc, argv, "r:", update_opts, NULL)) != -1) {
		if (c == OPT_RESOURCES) {
			a->resfile = optarg;
		} else if (c >= OPT_MEMORY && c <= OPT_BLKIO && a->nflags < SBX_ARRAY_SIZE(a->flags)) {
			a->flags[a->nflags].opt = c;
			a->flags[a->nflags++].val = optarg;
		} else {
			return sbx_cli_usage("update", "unknown option");
		}
	}
	if (optind != argc - 1)
		return sbx_cli_usage("update", "expected exactly one container ID");
	if (!a->resfile && a->nflags == 0)
		return sbx_cli_usage("update", "nothing to update: give --resources FILE or a limit"
				     " flag (--memory, --pids-limit, --cpu-quota, ...)");
	return -1;
}

/* One limit flag into r (over what --resources gave).  -1: a bad value. */
static int apply_flag(int opt, const char *v, struct sbx_resources *r, struct sbx_arena *arena)
{
	int64_t n = 0;
	uint64_t u = 0;
	bool bad = false;

	r->present = true;
	switch (opt) {
	case OPT_MEMORY:
	case OPT_MEMRES:
	case OPT_SWAP:
		bad = parse_size(v, &n) < 0;
		r->memory.present = true;
		if (opt == OPT_MEMORY)
			r->memory.has_limit = true, r->memory.limit = n;
		else if (opt == OPT_MEMRES)
			r->memory.has_reservation = true, r->memory.reservation = n;
		else
			r->memory.has_swap = true, r->memory.swap = n;
		break;
	case OPT_PIDS:
		bad = sbx_parse_i64(v, &n) < 0;
		r->pids.present = true;
		r->pids.limit = n;
		break;
	case OPT_QUOTA:
		bad = sbx_parse_i64(v, &n) < 0;
		r->cpu.present = r->cpu.has_quota = true;
		r->cpu.quota = n;
		break;
	case OPT_PERIOD:
	case OPT_SHARES:
		bad = sbx_parse_u64(v, &u) < 0;
		r->cpu.present = true;
		if (opt == OPT_PERIOD)
			r->cpu.has_period = true, r->cpu.period = u;
		else
			r->cpu.has_shares = true, r->cpu.shares = u;
		break;
	case OPT_CPUS:
		r->cpu.present = true;
		r->cpu.cpus = sbx_arena_strdup(arena, v);
		break;
	case OPT_MEMS:
		r->cpu.present = true;
		r->cpu.mems = sbx_arena_strdup(arena, v);
		break;
	case OPT_BLKIO:
		bad = sbx_parse_u64(v, &u) < 0 || u > UINT16_MAX;
		r->blkio.present = r->blkio.has_weight = true;
		r->blkio.weight = (uint16_t)u;
		break;
	}
	return bad ? -1 : 0;
}

/* The --resources object, if given. */
static int read_resources(const char *resfile, struct sbx_resources *r, struct sbx_arena *arena,
			  struct sbx_err *err)
{
	_sbx_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (!resfile)
		return 0;
	if (read_input(resfile, &text, &len, err) < 0) {
		sbx_err_prefix(err, "update: --resources");
		return -1;
	}
	return sbx_config_parse_resources(text, len, strcmp(resfile, "-") == 0 ? "<stdin>" : resfile,
					  arena, r, err);
}

/* Apply r to the live container `id`. */
static int update_container(const struct sbx_global_opts *g, const char *id,
			    const struct sbx_resources *r, struct sbx_err *err)
{
	struct sbx_state_handle h;
	struct sbx_state st;
	int ret = -1;

	if (sbx_cli_open(g, id, true, &h, &st, err) < 0)
		return -1;
	if (st.status != SBX_STATUS_CREATED && st.status != SBX_STATUS_RUNNING &&
	    st.status != SBX_STATUS_PAUSED)
		sbx_err_set(err, 0, "container \"%s\" is not running (status %s)", st.id,
			    sbx_state_status_name(st.status));
	else if (sbx_cgroup_update(st.cgroup_path, r, err) < 0)
		sbx_err_prefix(err, "update \"%s\"", st.id);
	else
		ret = 0;
	sbx_state_free(&st);
	sbx_state_close(&h);
	return ret;
}

int sbx_cmd_update(const struct sbx_global_opts *g, int argc, char **argv)
{
	struct update_args a = { 0 };
	struct sbx_arena arena = { 0 };
	struct sbx_resources r;
	struct sbx_err err = { 0 };
	int ret;

	memset(&r, 0, sizeof(r));
	ret = update_parse_args(argc, argv, &a);
	if (ret >= 0)
		return ret;
	if (read_resources(a.resfile, &r, &arena, &err) < 0)
		goto fail;
	for (size_t i = 0; i < a.nflags; i++) {
		if (apply_flag(a.flags[i].opt, a.flags[i].val, &r, &arena) < 0) {
			ret = sbx_cli_usage("update", "invalid value \"%s\" for --%s", a.flags[i].val,
					    update_opts[a.flags[i].opt - OPT_MEMORY + 1].name);
			sbx_arena_free(&arena);
			return ret;
		}
	}
	if (update_container(g, argv[optind], &r, &err) < 0)
		goto fail;
	sbx_arena_free(&arena);
	return 0;
fail:
	sbx_arena_free(&arena);
	return sbx_cli_fail(&err);
}
