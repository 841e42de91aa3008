/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbx_container_create_*: the one sequence of `create` and `run` records
 * the container (its directory, the kept config.json, the `creating`
 * state) and fills the launch options both share; remove and keep do what
 * their names say.  No process is started here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbx/config.h"
#include "sbx/lifecycle.h"
#include "sbx/util.h"
#include "unit.h"

static char top[256], root[300], bundle[300];

static void setup(void)
{
	char tmpl[] = "/tmp/sbx-record-test.XXXXXX", path[400];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(top, sizeof(top), "%s", tmpl);
	snprintf(root, sizeof(root), "%s/state", top);
	snprintf(bundle, sizeof(bundle), "%s/bundle", top);
	snprintf(path, sizeof(path), "%s/rootfs", bundle);
	ck_assert_int_eq(mkdir(bundle, 0755), 0);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	/* Explicit mappings: no claim from the user namespace pool. */
	fprintf(f, "{\"ociVersion\":\"1.2.0\",\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]},"
		   "\"root\":{\"path\":\"rootfs\"},\"annotations\":{\"a\":\"b\"},"
		   "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"user\"}],"
		   "\"uidMappings\":[{\"containerID\":0,\"hostID\":%u,\"size\":1}],"
		   "\"gidMappings\":[{\"containerID\":0,\"hostID\":%u,\"size\":1}]}}",
		(unsigned)geteuid(), (unsigned)getegid());
	fclose(f);
}

static void teardown(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	(void)!system(cmd);
}

static bool exists(const char *id, const char *file)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s%s%s", root, id, file ? "/" : "", file ? file : "");
	return stat(path, &st) == 0;
}

START_TEST(test_begin_fills_and_records)
{
	struct sbx_config *cfg = NULL;
	struct sbx_create cr;
	struct sbx_err err = { 0 };
	_sbx_cleanup_free_ char *cache = sbx_xasprintf("%s/.cache", root);

	ck_assert_msg(sbx_config_load(bundle, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_msg(sbx_container_create_begin(&cr, root, -1, true, "c1", cfg, "/x.pid", &err) == 0,
		      "%s", err.msg);
	/* the launch options both commands share */
	ck_assert_str_eq(cr.lo.id, "c1");
	ck_assert_str_eq(cr.lo.state_root, root);
	ck_assert_str_eq(cr.lo.cache_dir, cache);
	ck_assert_int_eq(cr.lo.rootless, -1);
	ck_assert(!cr.lo.userns_auto);
	ck_assert(cr.lo.record_cgroup == sbx_life_record_cgroup);
	ck_assert(cr.lo.record_started == sbx_life_record_started);
	ck_assert_ptr_eq(cr.lo.record_arg, &cr.rec);
	ck_assert_ptr_eq(cr.lo.state_arg, &cr.st);
	ck_assert_str_eq(cr.rec.pid_file, "/x.pid");
	/* the record: claimed, config kept, `creating` state saved */
	ck_assert(exists("c1", "config.json"));
	ck_assert(exists("c1", "state.json"));
	ck_assert_str_eq(cr.st.id, "c1");
	ck_assert(cr.st.rootless);
	ck_assert_uint_eq(cr.st.n_annotations, 1);
	/* the ID is taken */
	{
		struct sbx_create cr2;
		ck_assert_int_eq(sbx_container_create_begin(&cr2, root, -1, true, "c1", cfg, NULL, &err),
				 -1);
		ck_assert(exists("c1", "state.json"));
	}
	sbx_container_create_remove(&cr);
	ck_assert(!exists("c1", NULL));
	ck_assert_ptr_null(cr.state_root);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_keep_leaves_a_record)
{
	struct sbx_config *cfg = NULL;
	struct sbx_create cr;
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_err err = { 0 };

	ck_assert_msg(sbx_config_load(bundle, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_msg(sbx_container_create_begin(&cr, root, 0, false, "c2", cfg, NULL, &err) == 0,
		      "%s", err.msg);
	sbx_container_create_keep(&cr);
	ck_assert(exists("c2", "state.json"));
	/* what the other commands open */
	ck_assert_msg(sbx_life_open(root, "c2", false, &h, &st, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(st.id, "c2");
	ck_assert_str_eq(st.bundle, cfg->bundle);
	ck_assert(!st.rootless);
	ck_assert_int_eq(st.pid, 0);
	sbx_state_free(&st);
	sbx_state_close(&h);
	sbx_config_free(cfg);
}
END_TEST

/* create: the exec fifo init parks on, in the record's directory, owner
 * only; the launch options point at it and at the exec error file. */
START_TEST(test_exec_fifo)
{
	struct sbx_config *cfg = NULL;
	struct sbx_create cr;
	struct sbx_err err = { 0 };
	_sbx_cleanup_free_ char *fifo = sbx_xasprintf("%s/c3/exec.fifo", root);
	_sbx_cleanup_free_ char *efile = sbx_xasprintf("%s/c3/exec.err", root);
	struct stat st;

	ck_assert_msg(sbx_config_load(bundle, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_msg(sbx_container_create_begin(&cr, root, -1, true, "c3", cfg, NULL, &err) == 0,
		      "%s", err.msg);
	ck_assert_msg(sbx_container_create_exec_fifo(&cr, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(lstat(fifo, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_str_eq(cr.lo.exec_fifo, fifo);
	ck_assert_str_eq(cr.lo.exec_error_file, efile);
	/* never over an existing one */
	ck_assert_int_eq(sbx_container_create_exec_fifo(&cr, &err), -1);
	ck_assert_int_eq(err.errnum, EEXIST);
	sbx_container_create_remove(&cr);
	ck_assert(!exists("c3", NULL));
	ck_assert_ptr_null(cr.exec_fifo);
	sbx_config_free(cfg);
}
END_TEST

/* The end of a foreground run: poststop runs with the `stopped` state and
 * the record goes; a cgroup that cannot be removed keeps the record. */
START_TEST(test_finish)
{
	struct sbx_config *cfg = NULL;
	struct sbx_create cr;
	struct sbx_err err = { 0 };
	_sbx_cleanup_free_ char *out = sbx_xasprintf("%s/poststop.out", top);
	_sbx_cleanup_free_ char *notcg = sbx_xasprintf("%s/not-a-cgroup", top);
	_sbx_cleanup_free_ char *text = NULL;
	char *args[] = { "sh", "-c", "cat > \"$0\"", out, NULL };
	struct sbx_hook hook = { .path = "/bin/sh", .args = args, .n_args = 4 };

	ck_assert_msg(sbx_config_load(bundle, &cfg, &err) == 0, "%s", err.msg);
	cfg->hooks.poststop.hooks = &hook;
	cfg->hooks.poststop.n = 1;
	ck_assert_msg(sbx_container_create_begin(&cr, root, -1, true, "c4", cfg, NULL, &err) == 0,
		      "%s", err.msg);
	ck_assert_msg(sbx_container_create_finish(&cr, cfg, NULL, &err) == 0, "%s", err.msg);
	ck_assert(!exists("c4", NULL));
	ck_assert_ptr_null(cr.state_root);
	ck_assert_msg(sbx_read_file_at(AT_FDCWD, out, &text, NULL, &err) == 0, "%s", err.msg);
	ck_assert_msg(strstr(text, "\"stopped\"") && strstr(text, "\"c4\""), "%s", text);

	/* a directory that is no cgroup cannot be emptied and removed */
	ck_assert_int_eq(mkdir(notcg, 0755), 0);
	cfg->hooks.poststop.n = 0;
	ck_assert_msg(sbx_container_create_begin(&cr, root, -1, true, "c5", cfg, NULL, &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(sbx_container_create_finish(&cr, cfg, notcg, &err), -1);
	ck_assert(exists("c5", "state.json"));
	ck_assert_ptr_null(cr.state_root);
	cfg->hooks.poststop.hooks = NULL;
	sbx_config_free(cfg);
}
END_TEST

/* start refuses what is not `created`, and says so when init is gone
 * (nobody holds the fifo's read end) or reported its own failure. */
START_TEST(test_start_refusals)
{
	struct sbx_config *cfg = NULL;
	struct sbx_create cr;
	struct sbx_err err = { 0 };
	_sbx_cleanup_free_ char *efile = sbx_xasprintf("%s/c6/exec.err", root);
	FILE *f;

	ck_assert_msg(sbx_config_load(bundle, &cfg, &err) == 0, "%s", err.msg);
	ck_assert_msg(sbx_container_create_begin(&cr, root, -1, true, "c6", cfg, NULL, &err) == 0,
		      "%s", err.msg);
	ck_assert_msg(sbx_container_create_exec_fifo(&cr, &err) == 0, "%s", err.msg);
	cr.st.status = SBX_STATUS_RUNNING;
	ck_assert_int_eq(sbx_life_start(&cr.h, &cr.st, &err), -1);
	ck_assert_msg(strstr(err.msg, "it is running, not created"), "%s", err.msg);
	cr.st.status = SBX_STATUS_CREATED;
	ck_assert_int_eq(sbx_life_start(&cr.h, &cr.st, &err), -1);
	ck_assert_msg(strstr(err.msg, "its init is gone"), "%s", err.msg);
	ck_assert(exists("c6", "exec.fifo"));
	/* init's own report: its message and kind */
	f = fopen(efile, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "127 2 exec \"/bin/nope\"\n");
	fclose(f);
	ck_assert_int_eq(sbx_life_start(&cr.h, &cr.st, &err), -1);
	ck_assert_msg(strstr(err.msg, "its init failed: exec \"/bin/nope\""), "%s", err.msg);
	ck_assert_int_eq(err.kind, SBX_ERR_EXEC_NOT_FOUND);
	sbx_container_create_remove(&cr);
	sbx_config_free(cfg);
}
END_TEST

/* pause/resume refuse a container without a cgroup or in the wrong state,
 * before anything is written. */
START_TEST(test_freeze_refusals)
{
	struct sbx_state st = { .id = "c7", .status = SBX_STATUS_RUNNING };
	struct sbx_err err = { 0 };

	ck_assert_int_eq(sbx_life_freeze(&st, true, &err), -1);
	ck_assert_msg(strstr(err.msg, "cannot pause container \"c7\": it has no cgroup"), "%s",
		      err.msg);
	st.cgroup_path = "/sys/fs/cgroup/nonexistent-sbx-test";
	ck_assert_int_eq(sbx_life_freeze(&st, false, &err), -1);
	ck_assert_msg(strstr(err.msg, "cannot resume container \"c7\": it is running, not paused"),
		      "%s", err.msg);
	st.status = SBX_STATUS_STOPPED;
	ck_assert_int_eq(sbx_life_freeze(&st, true, &err), -1);
	ck_assert_msg(strstr(err.msg, "it is stopped, not running"), "%s", err.msg);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("record");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_begin_fills_and_records);
	tcase_add_test(tc, test_keep_leaves_a_record);
	tcase_add_test(tc, test_exec_fifo);
	tcase_add_test(tc, test_finish);
	tcase_add_test(tc, test_start_refusals);
	tcase_add_test(tc, test_freeze_refusals);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
