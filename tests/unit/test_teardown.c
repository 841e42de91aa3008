/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Teardown from incomplete and unreadable records (src/teardown.c), with
 * ordinary processes standing in for a container's init, and the cgroup
 * kill paths (cgroup.kill and the freeze-and-kill fallback) on a real
 * cgroup v2 directory when the test may create one.
 */
#include "unit.h"
#include "sbx/cgroup.h"
#include "sbx/state.h"
#include "sbx/teardown.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[256];

static void setup(void)
{
	char tmpl[] = "/tmp/sbx-teardown-test.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(root, sizeof(root), "%s", tmpl);
}

static void teardown(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	(void)!system(cmd);
}

/* A child that opens <dir>/exec.fifo for reading like a parked init, and
 * waits forever.  Returns once the fifo is open. */
static pid_t fake_parked_init(const struct sbx_state_handle *h)
{
	int p[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = openat(h->dirfd, SBX_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		(void)!write(p[1], fd >= 0 ? "y" : "n", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');
	close(p[0]);
	return pid;
}

static bool reaped_killed(pid_t pid)
{
	int st;
	return waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

/* state.json unreadable, no anchor: the init is found by the exec fifo it
 * holds, killed, and the note says so. */
START_TEST(test_unreadable_record_fifo_holder)
{
	struct sbx_err err = { 0 }, load = { 0 };
	struct sbx_state_handle h;
	struct sbx_state st = { 0 };
	struct sbx_teardown td = { 0 };
	unsigned killed = 0;
	pid_t init;
	char expect[64];

	ck_assert_int_eq(sbx_state_create(root, "lost", &h, &err), 0);
	ck_assert_int_eq(mkfifoat(h.dirfd, SBX_EXEC_FIFO, 0600), 0);
	init = fake_parked_init(&h);
	sbx_err_set(&load, 0, "state.json: corrupt state: the file is empty");
	st.id = sbx_xstrdup("lost");
	sbx_teardown_recover(&h, &st, &load, &td);
	ck_assert_uint_eq(td.n, 1);
	ck_assert_int_eq(td.pids[0], init);
	ck_assert_ptr_nonnull(strstr(td.note, "corrupt state"));
	ck_assert_ptr_nonnull(strstr(td.note, "no anchor"));
	snprintf(expect, sizeof(expect), "pid %d holds the exec fifo", (int)init);
	ck_assert_msg(strstr(td.note, expect), "%s", td.note);
	ck_assert_msg(sbx_teardown_kill(&st, &td, &killed, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(killed, 1);
	ck_assert(reaped_killed(init));
	sbx_teardown_free(&td);
	sbx_state_free(&st);
	ck_assert_int_eq(sbx_state_remove(&h, &err), 0);
	sbx_state_close(&h);
}
END_TEST

/* A parked init that answers on exec.sock (as a non-dumpable init does for
 * an unprivileged caller who cannot read its fds) is found by the pid the
 * kernel stamps on its answer. */
START_TEST(test_exec_sock_answer)
{
	struct sbx_err err = { 0 }, load = { 0 };
	struct sbx_state_handle h;
	struct sbx_state st = { 0 };
	struct sbx_teardown td = { 0 };
	unsigned killed = 0;
	int p[2];
	char c, expect[64];
	pid_t init;

	ck_assert_int_eq(sbx_state_create(root, "sock", &h, &err), 0);
	ck_assert_int_eq(mkfifoat(h.dirfd, SBX_EXEC_FIFO, 0600), 0);
	ck_assert_int_eq(pipe(p), 0);
	init = fork();
	if (init == 0) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		snprintf(a.sun_path, sizeof(a.sun_path), "%s/exec.sock", h.dir);
		if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4) < 0)
			_exit(1);
		(void)!write(p[1], "y", 1);
		for (;;) {
			int cfd = accept(s, NULL, NULL);
			if (cfd >= 0) {
				(void)!write(cfd, "x", 1);
				close(cfd);
			}
		}
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	sbx_err_set(&load, 0, "state.json: corrupt state: the file is empty");
	st.id = sbx_xstrdup("sock");
	sbx_teardown_recover(&h, &st, &load, &td);
	snprintf(expect, sizeof(expect), "pid %d answers on exec.sock", (int)init);
	ck_assert_msg(strstr(td.note, expect), "%s", td.note);
	ck_assert_msg(sbx_teardown_kill(&st, &td, &killed, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(killed, 1);
	ck_assert(reaped_killed(init));
	sbx_teardown_free(&td);
	sbx_state_free(&st);
	ck_assert_int_eq(sbx_state_remove(&h, &err), 0);
	sbx_state_close(&h);
}
END_TEST

/* A record without a pid (create killed before the hand-over) takes pid
 * and start time from the anchor; a recycled pid (wrong start time) is
 * never signalled. */
START_TEST(test_incomplete_record_anchor)
{
	struct sbx_err err = { 0 };
	struct sbx_state_handle h;
	struct sbx_state st = { 0 };
	struct sbx_teardown td = { 0 };
	struct sbx_state_anchor a = { 0 };
	unsigned long long start;
	unsigned killed = 0;
	char state;
	pid_t victim;
	int status;

	ck_assert_int_eq(sbx_state_create(root, "half", &h, &err), 0);
	victim = fork();
	if (victim == 0) {
		for (;;)
			pause();
	}
	ck_assert_int_eq(sbx_proc_stat(victim, &start, &state), 0);
	/* Wrong start time: somebody else's process now; must survive. */
	a.pid = victim;
	a.start_time = start + 1;
	ck_assert_int_eq(sbx_state_write_anchor(&h, &a, &err), 0);
	st.id = sbx_xstrdup("half");
	sbx_teardown_recover(&h, &st, NULL, &td);
	ck_assert_int_eq(st.pid, victim);
	ck_assert_msg(sbx_teardown_kill(&st, &td, &killed, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(killed, 0);
	ck_assert_int_eq(waitpid(victim, &status, WNOHANG), 0); /* alive */
	sbx_teardown_free(&td);
	sbx_state_free(&st);

	/* The right start time: killed. */
	a.start_time = start;
	ck_assert_int_eq(sbx_state_write_anchor(&h, &a, &err), 0);
	memset(&st, 0, sizeof(st));
	st.id = sbx_xstrdup("half");
	sbx_teardown_recover(&h, &st, NULL, &td);
	ck_assert_msg(strstr(td.note, "from the anchor"), "%s", td.note);
	ck_assert_msg(sbx_teardown_kill(&st, &td, &killed, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(killed, 1);
	ck_assert(reaped_killed(victim));
	sbx_teardown_free(&td);
	sbx_state_free(&st);
	ck_assert_int_eq(sbx_state_remove(&h, &err), 0);
	sbx_state_close(&h);
}
END_TEST

/* A complete record is not overridden by the anchor. */
START_TEST(test_complete_record_wins)
{
	struct sbx_err err = { 0 };
	struct sbx_state_handle h;
	struct sbx_state st = { 0 };
	struct sbx_teardown td = { 0 };
	struct sbx_state_anchor a = { .pid = 1, .cgroup_path = "/sys/fs/cgroup/elsewhere" };

	ck_assert_int_eq(sbx_state_create(root, "done", &h, &err), 0);
	ck_assert_int_eq(sbx_state_write_anchor(&h, &a, &err), 0);
	st.id = sbx_xstrdup("done");
	st.pid = 12345;
	sbx_teardown_recover(&h, &st, NULL, &td);
	ck_assert_int_eq(st.pid, 12345);
	ck_assert_ptr_null(st.cgroup_path);
	ck_assert_uint_eq(td.n, 0);
	sbx_teardown_free(&td);
	sbx_state_free(&st);
	sbx_state_close(&h);
}
END_TEST

/* A tampered record cannot make teardown act outside cgroupfs. */
START_TEST(test_foreign_cgroup_path_refused)
{
	struct sbx_err err = { 0 };
	struct sbx_state st = { 0 };
	struct sbx_teardown td = { 0 };
	unsigned killed;

	st.id = "x";
	st.cgroup_path = root;
	ck_assert_int_eq(sbx_teardown_kill(&st, &td, &killed, &err), -1);
	ck_assert_int_eq(access(root, F_OK), 0);
}
END_TEST

/* ---- cgroup kill + wait + remove on a real cgroup v2 directory ---- */

static char *test_cgroup(const char *name)
{
	char *mi = NULL, *mount;
	struct sbx_err err;
	char *path;

	if (geteuid() != 0 || sbx_read_file_at(AT_FDCWD, "/proc/self/mountinfo", &mi, NULL, &err) < 0)
		return NULL;
	mount = sbx_cgroup_parse_mountinfo(mi, NULL);
	free(mi);
	if (!mount)
		return NULL;
	path = sbx_xasprintf("%s/sbx-unit-%s-%d", mount, name, (int)getpid());
	free(mount);
	if (mkdir(path, 0755) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* A forking process tree inside the cgroup: a fork loop that keeps making
 * short-lived children, and a few sleepers. */
static pid_t spawn_tree(const char *cg)
{
	char procs[512], me[32];
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd;
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		snprintf(me, sizeof(me), "%d", (int)getpid());
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, me, strlen(me)) < 0)
			_exit(1);
		close(fd);
		for (int i = 0; i < 3; i++)
			if (fork() == 0)
				for (;;)
					pause();
		for (;;) {
			pid_t c = fork();
			if (c == 0)
				_exit(0);
			if (c > 0)
				waitpid(c, NULL, 0);
		}
	}
	return pid;
}

static void kill_and_remove(unsigned flags)
{
	struct sbx_err err = { 0 };
	char *cg = test_cgroup(flags ? "fallback" : "killfile");
	pid_t *pids = NULL;
	size_t n = 0;
	pid_t top;

	if (!cg)
		SBX_SKIP("not root, or no writable cgroup2: covered in the VM");
	top = spawn_tree(cg);
	for (int i = 0; i < 200 && n < 4; i++) {
		free(pids);
		pids = NULL;
		ck_assert_int_eq(sbx_cgroup_list_pids(cg, &pids, &n, &err), 0);
		usleep(5000);
	}
	free(pids);
	ck_assert_uint_ge(n, 4);
	ck_assert_msg(sbx_cgroup_kill(cg, flags, &err) == 0, "%s", err.msg);
	ck_assert_msg(sbx_cgroup_wait_empty(cg, 10000, &err) == 0, "%s", err.msg);
	ck_assert(reaped_killed(top));
	ck_assert_msg(sbx_cgroup_destroy(cg, true, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(access(cg, F_OK), -1);
	/* Destroying what is gone is a no-op. */
	ck_assert_int_eq(sbx_cgroup_destroy(cg, true, &err), 0);
	free(cg);
}

START_TEST(test_cgroup_kill_file)
{
	kill_and_remove(0);
}
END_TEST

START_TEST(test_cgroup_freeze_kill_fallback)
{
	kill_and_remove(SBX_CGROUP_KILL_NO_KILLFILE);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("teardown");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_unreadable_record_fifo_holder);
	tcase_add_test(tc, test_exec_sock_answer);
	tcase_add_test(tc, test_incomplete_record_anchor);
	tcase_add_test(tc, test_complete_record_wins);
	tcase_add_test(tc, test_foreign_cgroup_path_refused);
	tcase_add_test(tc, test_cgroup_kill_file);
	tcase_add_test(tc, test_cgroup_freeze_kill_fallback);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
