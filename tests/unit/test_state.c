/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "unit.h"
#include "sbx/state.h"
#include "sbx/util.h"

#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[256];

static void setup(void)
{
	char tmpl[] = "/tmp/sbx-state-test.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	/* A not-yet-existing nested root: create must make it. */
	snprintf(root, sizeof(root), "%s/a/b", tmpl);
}

static void teardown(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strlen(root) - 4), root);
	(void)!system(cmd);
}

static unsigned long long start_time_of(pid_t pid)
{
	char path[64], buf[1024];
	FILE *f;
	char *p;
	unsigned long long v = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')') + 2;
	for (int i = 3; i < 22; i++)
		p = strchr(p, ' ') + 1;
	sscanf(p, "%llu", &v);
	return v;
}

START_TEST(test_ids)
{
	struct sbx_err err = { 0 };
	char *big = sbx_xmalloc(SBX_ID_MAX + 2);

	ck_assert_int_eq(sbx_state_validate_id("abc", &err), 0);
	ck_assert_int_eq(sbx_state_validate_id("a.b_c+d-e9", &err), 0);
	ck_assert_int_eq(sbx_state_validate_id("", &err), -1);
	ck_assert_str_eq(err.msg, "invalid container id \"\": must not be empty");
	ck_assert_int_eq(sbx_state_validate_id(".", &err), -1);
	ck_assert_int_eq(sbx_state_validate_id("..", &err), -1);
	ck_assert_int_eq(sbx_state_validate_id("a/b", &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "'/'"));
	ck_assert_int_eq(sbx_state_validate_id("-a", &err), -1);
	ck_assert_int_eq(sbx_state_validate_id("a b", &err), -1);
	memset(big, 'a', SBX_ID_MAX);
	big[SBX_ID_MAX] = '\0';
	ck_assert_int_eq(sbx_state_validate_id(big, &err), 0);
	big[SBX_ID_MAX] = 'a';
	big[SBX_ID_MAX + 1] = '\0';
	ck_assert_int_eq(sbx_state_validate_id(big, &err), -1);
	free(big);
}
END_TEST

START_TEST(test_create_save_load_remove)
{
	struct sbx_err err = { 0 };
	struct sbx_state_handle h, h2;
	struct sbx_state st = { 0 }, ld;
	char *keys[] = { "org.example.k" }, *vals[] = { "v1" };
	char *dir, *json;
	struct stat sb;
	json_t *o;

	ck_assert_msg(sbx_state_create(root, "c1", &h, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(stat(h.dir, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0700);
	ck_assert_int_eq(stat(root, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0700);

	/* No state.json yet: creating. */
	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), 0);
	ck_assert_int_eq(ld.status, SBX_STATUS_CREATING);
	sbx_state_free(&ld);

	/* Second create of the same ID fails with the exact message. */
	ck_assert_int_eq(sbx_state_create(root, "c1", &h2, &err), -1);
	ck_assert_str_eq(err.msg, "container \"c1\" already exists");

	st.id = "c1";
	st.pid = getpid();
	st.start_time = start_time_of(getpid());
	st.bundle = "/b";
	st.rootfs = "/b/rootfs";
	st.created = "2026-01-01T00:00:00.000000001Z";
	st.owner = 1234;
	st.ann_keys = keys;
	st.ann_values = vals;
	st.n_annotations = 1;
	st.shared_pidns = true;
	ck_assert_msg(sbx_state_save(&h, &st, &err) == 0, "%s", err.msg);
	/* No temp file left behind. */
	ck_assert_int_eq(faccessat(h.dirfd, ".state.json.tmp", F_OK, 0), -1);

	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), 0);
	ck_assert_str_eq(ld.id, "c1");
	ck_assert_int_eq(ld.pid, getpid());
	ck_assert_str_eq(ld.bundle, "/b");
	ck_assert_str_eq(ld.rootfs, "/b/rootfs");
	ck_assert_int_eq(ld.owner, 1234);
	ck_assert(ld.shared_pidns);
	ck_assert_ptr_null(ld.cgroup_path);
	ck_assert_int_eq(ld.n_annotations, 1);
	ck_assert_str_eq(ld.ann_values[0], "v1");
	ck_assert_int_eq(ld.status, SBX_STATUS_RUNNING); /* our own pid is alive */

	json = sbx_state_oci_json(&ld, NULL, false);
	o = json_loads(json, 0, NULL);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "status")), "running");
	ck_assert_str_eq(json_string_value(json_object_get(o, "id")), "c1");
	ck_assert_str_eq(json_string_value(json_object_get(o, "ociVersion")), "1.2.0");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "pid")), getpid());
	ck_assert_str_eq(json_string_value(json_object_get(o, "bundle")), "/b");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "annotations"),
							   "org.example.k")), "v1");
	json_decref(o);
	free(json);
	sbx_state_free(&ld);

	/* The exec fifo makes it `created` while init is parked on it (it
	 * carries SBX_INIT_PARKED_COMM); once init moved on (a `start` cut
	 * short before it removed the fifo) it is running. */
	ck_assert_int_eq(mkfifoat(h.dirfd, SBX_EXEC_FIFO, 0600), 0);
	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), 0);
	ck_assert_int_eq(ld.status, SBX_STATUS_RUNNING);
	sbx_state_free(&ld);
	{
		char comm[32] = "";
		ck_assert_int_eq(prctl(PR_GET_NAME, comm, 0, 0, 0), 0);
		ck_assert_int_eq(prctl(PR_SET_NAME, SBX_INIT_PARKED_COMM, 0, 0, 0), 0);
		ck_assert_int_eq(sbx_state_load(&h, &ld, &err), 0);
		ck_assert_int_eq(ld.status, SBX_STATUS_CREATED);
		sbx_state_free(&ld);
		ck_assert_int_eq(prctl(PR_SET_NAME, comm, 0, 0, 0), 0);
	}

	dir = sbx_xstrdup(h.dir);
	ck_assert_int_eq(sbx_state_remove(&h, &err), 0);
	ck_assert_int_eq(stat(dir, &sb), -1);
	sbx_state_close(&h);
	ck_assert_int_eq(sbx_state_open(root, "c1", false, &h, &err), -1);
	ck_assert_str_eq(err.msg, "container \"c1\" does not exist");
	free(dir);
}
END_TEST

/* A save replaces state.json as a whole (since it exists, by
 * RENAME_EXCHANGE and an unlink of the old record): a reader that opened
 * the old one still reads all of it, the name gives the new one, and no
 * temp file stays. */
START_TEST(test_save_replaces)
{
	struct sbx_err err = { 0 };
	struct sbx_state_handle h;
	struct sbx_state st = { 0 }, ld;
	struct stat a, b;
	char buf[4096];
	ssize_t n;
	int old;

	ck_assert_int_eq(sbx_state_create(root, "rep", &h, &err), 0);
	st.id = "rep";
	st.bundle = "/first";
	st.rootfs = "/first/rootfs";
	st.created = "2026-01-01T00:00:00.000000001Z";
	ck_assert_msg(sbx_state_save(&h, &st, &err) == 0, "%s", err.msg);
	old = openat(h.dirfd, "state.json", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(old, 0);
	ck_assert_int_eq(fstat(old, &a), 0);
	st.bundle = "/second";
	ck_assert_msg(sbx_state_save(&h, &st, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(faccessat(h.dirfd, ".state.json.tmp", F_OK, 0), -1);
	ck_assert_int_eq(fstatat(h.dirfd, "state.json", &b, 0), 0);
	ck_assert(a.st_ino != b.st_ino);
	n = pread(old, buf, sizeof(buf) - 1, 0);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "\"bundle\":\"/first\""));
	close(old);
	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), 0);
	ck_assert_str_eq(ld.bundle, "/second");
	sbx_state_free(&ld);
	ck_assert_int_eq(sbx_state_remove(&h, &err), 0);
	sbx_state_close(&h);
}
END_TEST

START_TEST(test_stale_pid)
{
	struct sbx_err err = { 0 };
	struct sbx_state_handle h;
	struct sbx_state st = { 0 }, ld;
	pid_t child;
	int status;

	ck_assert_int_eq(sbx_state_create(root, "stale", &h, &err), 0);
	st.id = "stale";
	/* Our own pid with a wrong start time: a reused pid, must be stopped. */
	st.pid = getpid();
	st.start_time = start_time_of(getpid()) + 1;
	ck_assert_int_eq(sbx_state_save(&h, &st, &err), 0);
	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), 0);
	ck_assert_int_eq(ld.status, SBX_STATUS_STOPPED);
	ck_assert(!sbx_state_pid_alive(&ld));
	sbx_state_free(&ld);

	/* A zombie (exited, not reaped) is stopped too. */
	child = fork();
	if (child == 0)
		_exit(0);
	usleep(100000);
	st.pid = child;
	st.start_time = start_time_of(child);
	ck_assert_int_eq(sbx_state_save(&h, &st, &err), 0);
	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), 0);
	ck_assert_int_eq(ld.status, SBX_STATUS_STOPPED);
	sbx_state_free(&ld);
	waitpid(child, &status, 0);

	/* A reaped pid is stopped; its state JSON reports pid 0. */
	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), 0);
	ck_assert_int_eq(ld.status, SBX_STATUS_STOPPED);
	{
		char *j = sbx_state_oci_json(&ld, NULL, false);
		ck_assert_ptr_nonnull(strstr(j, "\"pid\":0"));
		ck_assert_ptr_nonnull(strstr(j, "\"status\":\"stopped\""));
		free(j);
	}
	sbx_state_free(&ld);
	ck_assert_int_eq(sbx_state_remove(&h, &err), 0);
	sbx_state_close(&h);
}
END_TEST

START_TEST(test_locking)
{
	struct sbx_err err = { 0 };
	struct sbx_state_handle h, h2;
	int pfd[2];
	char c;
	pid_t child;
	int status;

	ck_assert_int_eq(sbx_state_create(root, "lk", &h, &err), 0);
	ck_assert_int_eq(pipe(pfd), 0);
	child = fork();
	if (child == 0) {
		struct sbx_state_handle hc;
		struct sbx_err e = { 0 };
		/* Blocks until the parent drops its exclusive lock; by then
		 * the directory is gone, which must be reported. */
		int r = sbx_state_open(root, "lk", false, &hc, &e);
		_exit(r == -1 && strstr(e.msg, "does not exist") ? 0 : 1);
	}
	usleep(200000);
	ck_assert_int_eq(waitpid(child, &status, WNOHANG), 0); /* still blocked */
	ck_assert_int_eq(sbx_state_remove(&h, &err), 0);
	sbx_state_close(&h);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);

	/* A child forked while the lock is held (like init parked on the
	 * exec fifo) must not keep the lock once we close our handle. */
	ck_assert_int_eq(sbx_state_create(root, "inh", &h, &err), 0);
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	sbx_state_close(&h);
	{
		pid_t opener = fork();
		if (opener == 0) {
			struct sbx_state_handle hc;
			struct sbx_err e = { 0 };
			alarm(5);
			_exit(sbx_state_open(root, "inh", true, &hc, &e) == 0 ? 0 : 1);
		}
		ck_assert_int_eq(waitpid(opener, &status, 0), opener);
		ck_assert(WIFEXITED(status));
		ck_assert_int_eq(WEXITSTATUS(status), 0);
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);

	/* Shared locks coexist. */
	ck_assert_int_eq(sbx_state_create(root, "lk2", &h, &err), 0);
	ck_assert_int_eq(sbx_state_relock(&h, false, &err), 0);
	ck_assert_int_eq(sbx_state_open(root, "lk2", false, &h2, &err), 0);
	sbx_state_close(&h2);
	sbx_state_close(&h);
	close(pfd[0]);
	close(pfd[1]);
	(void)c;
}
END_TEST

START_TEST(test_concurrent_create)
{
	/* 8 processes race to create one ID: exactly one wins. */
	pid_t kids[8];
	int wins = 0, status;

	for (int i = 0; i < 8; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			struct sbx_state_handle h;
			struct sbx_err e = { 0 };
			_exit(sbx_state_create(root, "race", &h, &e) == 0 ? 0 : 1);
		}
	}
	for (int i = 0; i < 8; i++) {
		waitpid(kids[i], &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			wins++;
	}
	ck_assert_int_eq(wins, 1);
}
END_TEST

START_TEST(test_list)
{
	struct sbx_err err = { 0 };
	struct sbx_state_handle h;
	char **ids;
	size_t n;
	char junk[300];

	ck_assert_int_eq(sbx_state_list(root, &ids, &n, &err), 0); /* missing root */
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(sbx_state_create(root, "zeta", &h, &err), 0);
	sbx_state_close(&h);
	ck_assert_int_eq(sbx_state_create(root, "alpha", &h, &err), 0);
	sbx_state_close(&h);
	snprintf(junk, sizeof(junk), "%s/.hidden", root);
	ck_assert_int_eq(mkdir(junk, 0700), 0);
	/* A directory that is not a container (no lock file), e.g. a cache. */
	snprintf(junk, sizeof(junk), "%s/cache", root);
	ck_assert_int_eq(mkdir(junk, 0700), 0);
	ck_assert_int_eq(sbx_state_list(root, &ids, &n, &err), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(ids[0], "alpha");
	ck_assert_str_eq(ids[1], "zeta");
	sbx_state_list_free(ids, n);
}
END_TEST

START_TEST(test_symlink_id_dir)
{
	struct sbx_err err = { 0 };
	struct sbx_state_handle h;
	char link[300];

	ck_assert_int_eq(sbx_state_create(root, "real", &h, &err), 0);
	sbx_state_close(&h);
	snprintf(link, sizeof(link), "%s/evil", root);
	ck_assert_int_eq(symlink("/tmp", link), 0);
	ck_assert_int_eq(sbx_state_open(root, "evil", true, &h, &err), -1);
}
END_TEST

/* Class 3 (issue 8): a state root or record that is not the caller's own
 * private directory is refused, naming path, owner and mode. */
START_TEST(test_unsafe_root)
{
	struct sbx_err err = { 0 };
	struct sbx_state_handle h;
	char **ids = NULL, link[300], sub[300];
	size_t n;

	ck_assert_int_eq(sbx_state_create(root, "c1", &h, &err), 0);
	sbx_state_close(&h);
	{
		struct stat sb;
		ck_assert_int_eq(stat(root, &sb), 0);
		ck_assert_int_eq(sb.st_mode & 07777, 0700);
	}
	/* World-writable: refused by every entry point. */
	ck_assert_int_eq(chmod(root, 0777), 0);
	ck_assert_int_eq(sbx_state_open(root, "c1", false, &h, &err), -1);
	ck_assert_msg(strstr(err.msg, "refusing to use state root") && strstr(err.msg, "mode 0777") &&
			      strstr(err.msg, root),
		      "%s", err.msg);
	ck_assert_ptr_null(strstr(err.msg, "does not exist"));
	ck_assert_int_eq(sbx_state_create(root, "c2", &h, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "refusing"));
	ck_assert_int_eq(sbx_state_list(root, &ids, &n, &err), -1);
	/* Group-writable too. */
	ck_assert_int_eq(chmod(root, 0770), 0);
	ck_assert_int_eq(sbx_state_open(root, "c1", false, &h, &err), -1);
	/* 0755 is not writable by others: accepted. */
	ck_assert_int_eq(chmod(root, 0755), 0);
	ck_assert_int_eq(sbx_state_open(root, "c1", false, &h, &err), 0);
	sbx_state_close(&h);
	if (geteuid() == 0) {
		/* Owned by somebody else. */
		ck_assert_int_eq(chown(root, 12345, 12345), 0);
		ck_assert_int_eq(sbx_state_open(root, "c1", false, &h, &err), -1);
		ck_assert_msg(strstr(err.msg, "owned by uid 12345"), "%s", err.msg);
		ck_assert_int_eq(chown(root, 0, 0), 0);
		/* A record owned by somebody else in our own root. */
		snprintf(sub, sizeof(sub), "%s/c1", root);
		ck_assert_int_eq(chown(sub, 12345, 12345), 0);
		ck_assert_int_eq(sbx_state_open(root, "c1", false, &h, &err), -1);
		ck_assert_msg(strstr(err.msg, "refusing to use state directory"), "%s", err.msg);
		ck_assert_int_eq(chown(sub, 0, 0), 0);
	}
	/* The root itself a symlink to a private directory: not followed. */
	snprintf(link, sizeof(link), "%s-link", root);
	ck_assert_int_eq(symlink(root, link), 0);
	ck_assert_int_eq(sbx_state_open(link, "c1", false, &h, &err), -1);
	ck_assert_int_eq(unlink(link), 0);
}
END_TEST

START_TEST(test_rfc3339)
{
	char buf[64];
	sbx_state_now_rfc3339(buf, sizeof(buf));
	ck_assert_int_eq(strlen(buf), 30);
	ck_assert_int_eq(buf[4], '-');
	ck_assert_int_eq(buf[10], 'T');
	ck_assert_int_eq(buf[19], '.');
	ck_assert_int_eq(buf[29], 'Z');
}
END_TEST

/* Write `data` (len bytes) as state.json of h. */
static void put_state(const struct sbx_state_handle *h, const char *data, size_t len)
{
	int fd = openat(h->dirfd, SBX_STATE_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

START_TEST(test_corrupt_records)
{
	struct sbx_err err = { 0 };
	struct sbx_state_handle h;
	struct sbx_state st = { 0 }, ld;
	char *good;
	size_t glen;

	ck_assert_int_eq(sbx_state_create(root, "bad", &h, &err), 0);
	st.id = "bad";
	st.bundle = "/b";
	ck_assert_int_eq(sbx_state_save(&h, &st, &err), 0);
	ck_assert_int_eq(sbx_read_file_at(h.dirfd, SBX_STATE_FILE, &good, &glen, &err), 0);
	ck_assert_ptr_nonnull(strstr(good, "\"sbxrunStateVersion\":2"));

	put_state(&h, "", 0);
	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "corrupt state: the file is empty"));
	put_state(&h, good, glen / 2); /* truncated */
	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "corrupt state"));
	ck_assert_ptr_nonnull(strstr(err.msg, "truncated or not JSON"));
	put_state(&h, "\x7f\x01garbage", 9);
	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "corrupt state"));
	{
		char *nul = sbx_xstrdup(good);
		nul[5] = '\0';
		put_state(&h, nul, glen);
		free(nul);
	}
	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "NUL byte at offset 5"));
	put_state(&h, "[1,2]", 5);
	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a JSON object"));
	put_state(&h, "{\"id\":\"other\"}", 14);
	ck_assert_int_eq(sbx_state_load(&h, &ld, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "id does not match"));
	/* A newer format is refused, an older one (no version) is read. */
	{
		const char *newer = "{\"id\":\"bad\",\"sbxrunStateVersion\":99}";
		const char *older = "{\"id\":\"bad\",\"pid\":-5,\"bundle\":\"/old\"}";
		put_state(&h, newer, strlen(newer));
		ck_assert_int_eq(sbx_state_load(&h, &ld, &err), -1);
		ck_assert_ptr_nonnull(strstr(err.msg, "newer than this sbxrun"));
		put_state(&h, older, strlen(older));
		ck_assert_msg(sbx_state_load(&h, &ld, &err) == 0, "%s", err.msg);
		ck_assert_str_eq(ld.bundle, "/old");
		ck_assert_int_eq(ld.pid, 0); /* a negative pid is never kept */
		ck_assert_int_eq(ld.status, SBX_STATUS_STOPPED);
		sbx_state_free(&ld);
	}
	free(good);
	ck_assert_int_eq(sbx_state_remove(&h, &err), 0);
	sbx_state_close(&h);
}
END_TEST

START_TEST(test_anchor)
{
	struct sbx_err err = { 0 };
	struct sbx_state_handle h;
	struct sbx_state_anchor a = { 0 }, b;
	struct stat sb;

	ck_assert_int_eq(sbx_state_create(root, "anc", &h, &err), 0);
	ck_assert_int_eq(sbx_state_read_anchor(&h, &b), -1); /* empty lock file */
	a.cgroup_path = "/sys/fs/cgroup/some where/sbx-anc";
	ck_assert_msg(sbx_state_write_anchor(&h, &a, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(sbx_state_read_anchor(&h, &b), 0);
	ck_assert_int_eq(b.pid, 0);
	ck_assert_str_eq(b.cgroup_path, a.cgroup_path);
	sbx_state_anchor_free(&b);
	/* Rewritten shorter: no tail of the old one is left. */
	a.pid = 4242;
	a.start_time = 777;
	a.cgroup_path = NULL;
	ck_assert_int_eq(sbx_state_write_anchor(&h, &a, &err), 0);
	ck_assert_int_eq(fstat(h.lockfd, &sb), 0);
	ck_assert_int_eq(sbx_state_read_anchor(&h, &b), 0);
	ck_assert_int_eq(b.pid, 4242);
	ck_assert_uint_eq(b.start_time, 777);
	ck_assert_ptr_null(b.cgroup_path);
	/* A torn write (no final newline) reads as no anchor. */
	ck_assert_int_eq(ftruncate(h.lockfd, sb.st_size - 1), 0);
	ck_assert_int_eq(sbx_state_read_anchor(&h, &b), -1);
	/* The record lock is untouched by all this: still ours. */
	{
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		pid_t child = fork();
		int status;
		if (child == 0) {
			int fd = openat(h.dirfd, SBX_LOCK_FILE, O_RDWR | O_CLOEXEC);
			_exit(fd >= 0 && fcntl(fd, F_SETLK, &fl) < 0 ? 0 : 1);
		}
		ck_assert_int_eq(waitpid(child, &status, 0), child);
		ck_assert_int_eq(WEXITSTATUS(status), 0);
	}
	ck_assert_int_eq(sbx_state_remove(&h, &err), 0);
	sbx_state_close(&h);
}
END_TEST

START_TEST(test_init_error_report)
{
	struct sbx_err err = { 0 }, rep = { 0 };
	struct sbx_state_handle h;
	int code = 0, fd;
	char buf[SBX_ERR_MSG_MAX + 64];
	const char *line = "127 2 exec \"/bin/sleep\"\n";

	ck_assert_int_eq(sbx_state_create(root, "ierr", &h, &err), 0);
	ck_assert_int_eq(sbx_state_read_init_error(&h, &code, &rep), 0);
	fd = openat(h.dirfd, SBX_INIT_ERROR_FILE, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sbx_state_read_init_error(&h, &code, &rep), 0); /* empty: no failure */
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
	ck_assert_int_eq(sbx_state_read_init_error(&h, &code, &rep), 1);
	ck_assert_int_eq(code, 127);
	ck_assert_str_eq(sbx_err_str(&rep, buf, sizeof(buf)),
			 "exec \"/bin/sleep\": No such file or directory");
	ck_assert_int_eq(sbx_state_remove(&h, &err), 0);
	sbx_state_close(&h);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ids);
	tcase_add_test(tc, test_create_save_load_remove);
	tcase_add_test(tc, test_save_replaces);
	tcase_add_test(tc, test_stale_pid);
	tcase_add_test(tc, test_locking);
	tcase_add_test(tc, test_concurrent_create);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_symlink_id_dir);
	tcase_add_test(tc, test_unsafe_root);
	tcase_add_test(tc, test_rfc3339);
	tcase_add_test(tc, test_corrupt_records);
	tcase_add_test(tc, test_anchor);
	tcase_add_test(tc, test_init_error_report);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
