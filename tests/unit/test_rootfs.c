/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rootfs: the compile step (option parsing, plan order, errors) and the real
 * apply/finalize in a fresh user+mount+pid namespace on a busybox rootfs.
 * The apply tests work unprivileged (they map only the caller's own id), so
 * run this binary both as root and as an unprivileged user.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbx/config.h"
#include "sbx/rootfs.h"
#include "sbx/util.h"

#define BUSYBOX "/bin/busybox"

/* ---------------- helpers ---------------- */

static struct sbx_config *parse(const char *mounts_and_linux, const char *bundle_dir)
{
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };
	bool has_root = strstr(mounts_and_linux, "\"root\"") != NULL;
	char *json = sbx_xasprintf("{\"ociVersion\":\"1.2.0\",%s"
				   "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]},%s}",
				   has_root ? "" : "\"root\":{\"path\":\"rootfs\"},",
				   mounts_and_linux);
	char *r;

	ck_assert_msg(sbx_config_parse(json, strlen(json), "config.json", &cfg, &err) == 0,
		      "parse: %s", err.msg);
	free(json);
	/* What sbx_config_load would set from the bundle directory. */
	cfg->bundle = sbx_arena_strdup(&cfg->arena, bundle_dir);
	r = sbx_xasprintf("%s/rootfs", bundle_dir);
	cfg->rootfs = sbx_arena_strdup(&cfg->arena, r);
	free(r);
	return cfg;
}

static int compile_err(const char *json, struct sbx_err *err)
{
	struct sbx_config *cfg = parse(json, "/b");
	struct sbx_rootfs_opts o = { 0 };
	struct sbx_rootfs_plan *plan = NULL;
	int r = sbx_rootfs_compile(cfg, &o, &plan, err);

	sbx_rootfs_plan_free(plan);
	sbx_config_free(cfg);
	return r;
}

/* ---------------- compile ---------------- */

START_TEST(test_compile_options)
{
	struct sbx_config *cfg = parse(
		"\"mounts\":["
		"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
		" \"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\",\"X-mine\"]},"
		"{\"destination\":\"/data/\",\"source\":\"hostdata/../hostdata\","
		" \"options\":[\"rbind\",\"ro\",\"nosuid\",\"rprivate\",\"rnodev\",\"rnoatime\"]},"
		"{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/abs//src\",\"options\":[\"ro\",\"rw\",\"noatime\",\"relatime\"]},"
		"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
		" \"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]}"
		"]", "/home/u/b");
	struct sbx_rootfs_opts o = { 0 };
	struct sbx_rootfs_plan *plan = NULL;
	struct sbx_err err = { 0 };
	const struct sbx_rootfs_op *op;

	ck_assert_msg(sbx_rootfs_compile(cfg, &o, &plan, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(sbx_rootfs_plan_count(plan), 5);

	op = sbx_rootfs_plan_op(plan, 0);
	ck_assert_int_eq(op->kind, SBX_ROOTFS_OP_FS);
	ck_assert_str_eq(op->type, "tmpfs");
	ck_assert_uint_eq(op->flags, MS_NOSUID | MS_STRICTATIME);
	ck_assert_str_eq(op->data, "mode=755,size=65536k");

	ck_assert_int_eq(sbx_rootfs_plan_op(plan, 1)->kind, SBX_ROOTFS_OP_DEV);

	op = sbx_rootfs_plan_op(plan, 2);
	ck_assert_int_eq(op->kind, SBX_ROOTFS_OP_BIND);
	ck_assert_str_eq(op->destination, "/data");
	ck_assert_str_eq(op->source, "/home/u/b/hostdata"); /* bundle-relative */
	ck_assert_uint_eq(op->flags, MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID);
	ck_assert_uint_eq(op->propagation, MS_PRIVATE | MS_REC);
	ck_assert_uint_eq(op->attr_set, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOATIME);
	ck_assert_uint_eq(op->attr_clr, MOUNT_ATTR__ATIME);
	ck_assert_ptr_null(op->data);

	op = sbx_rootfs_plan_op(plan, 3);
	ck_assert_str_eq(op->source, "/abs/src");
	ck_assert_uint_eq(op->flags, MS_BIND | MS_RELATIME); /* ro then rw; relatime wins */
	ck_assert_uint_eq(op->clear, MS_RDONLY);
	ck_assert(op->atime_given);

	op = sbx_rootfs_plan_op(plan, 4);
	ck_assert_str_eq(op->data, "newinstance,ptmxmode=0666,mode=0620");
	ck_assert_uint_eq(op->flags, MS_NOSUID | MS_NOEXEC);

	ck_assert_uint_eq(sbx_rootfs_plan_root_propagation(plan), MS_REC | MS_PRIVATE);
	ck_assert_uint_eq(sbx_rootfs_plan_final_propagation(plan), 0);
	sbx_rootfs_plan_free(plan);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_compile_order_and_kinds)
{
	struct sbx_config *cfg = parse(
		"\"mounts\":["
		"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
		"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\"},"
		"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"ro\"]},"
		"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\"},"
		"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\"}"
		"],\"linux\":{\"rootfsPropagation\":\"rslave\"}", "/b");
	static const enum sbx_rootfs_op_kind want[] = {
		SBX_ROOTFS_OP_PROC, SBX_ROOTFS_OP_FS, SBX_ROOTFS_OP_DEV, SBX_ROOTFS_OP_FS,
		SBX_ROOTFS_OP_SYSFS, SBX_ROOTFS_OP_CGROUP, SBX_ROOTFS_OP_FS,
	};
	static const char *const dest[] = { "/proc", "/dev", "/dev", "/dev/pts", "/sys",
					    "/sys/fs/cgroup", "/dev/mqueue" };
	struct sbx_rootfs_opts o = { 0 };
	struct sbx_rootfs_plan *plan = NULL;
	struct sbx_err err = { 0 };

	ck_assert_msg(sbx_rootfs_compile(cfg, &o, &plan, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(sbx_rootfs_plan_count(plan), SBX_ARRAY_SIZE(want));
	for (size_t i = 0; i < SBX_ARRAY_SIZE(want); i++) {
		ck_assert_int_eq(sbx_rootfs_plan_op(plan, i)->kind, want[i]);
		ck_assert_str_eq(sbx_rootfs_plan_op(plan, i)->destination, dest[i]);
	}
	ck_assert_ptr_null(sbx_rootfs_plan_op(plan, SBX_ARRAY_SIZE(want)));
	ck_assert_uint_eq(sbx_rootfs_plan_root_propagation(plan), MS_REC | MS_SLAVE);
	ck_assert_uint_eq(sbx_rootfs_plan_final_propagation(plan), MS_REC | MS_SLAVE);
	sbx_rootfs_plan_free(plan);
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_compile_errors)
{
	static const char *const cases[][2] = {
		/* A bare word that is not a flag, on a bind mount, can only be a
		 * misspelt flag: the kernel would ignore it. */
		{ "\"mounts\":[{\"destination\":\"/a\",\"type\":\"tmpfs\"},"
		  "{\"destination\":\"/b\",\"source\":\"/x\",\"options\":[\"bind\",\"mode=1\",\"nosiud\"]}]",
		  "config.json: mounts[1].options[2]: unknown mount option \"nosiud\" (a bind mount takes no filesystem options; a misspelt flag would be ignored)" },
		{ "\"mounts\":[{\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"/x\",\"options\":[\"ro\",\"newinstance\"]}]",
		  "config.json: mounts[0].options[1]: unknown mount option \"newinstance\" (a bind mount takes no filesystem options; a misspelt flag would be ignored)" },

		{ "\"mounts\":[{\"destination\":\"/t\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"bind\",\"tmpcopyup\"]}]",
		  "config.json: mounts[0].options: \"tmpcopyup\" is only valid for a tmpfs mount" },
		{ "\"mounts\":[{\"destination\":\"/b\",\"source\":\"/x\",\"options\":[\"rbind\",\"idmap\"]}]",
		  "config.json: mounts[0]: an id-mapped mount needs a user namespace in linux.namespaces" },
		{ "\"mounts\":[{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":[\"idmap\"]}]",
		  "config.json: mounts[0]: id-mapped mounts are only supported for bind mounts" },
		{ "\"mounts\":[{\"destination\":\"/b\",\"source\":\"/x\"}]",
		  "config.json: mounts[0].type: missing without a \"bind\" or \"rbind\" option" },
		{ "\"mounts\":[{\"destination\":\"/b\",\"type\":\"none\",\"source\":\"/x\"}]",
		  "config.json: mounts[0].type: \"none\" without a \"bind\" or \"rbind\" option" },
		{ "\"mounts\":[{\"destination\":\"/b\",\"type\":\"bind\"}]",
		  "config.json: mounts[0].source: required for a bind mount" },
		{ "\"mounts\":[{\"destination\":\"/\",\"type\":\"tmpfs\"}]",
		  "config.json: mounts[0].destination: cannot mount over \"/\"" },
	};

	for (size_t i = 0; i < SBX_ARRAY_SIZE(cases); i++) {
		struct sbx_err err = { 0 };
		ck_assert_msg(compile_err(cases[i][0], &err) == -1, "case %zu compiled", i);
		ck_assert_msg(!strcmp(err.msg, cases[i][1]), "case %zu: got '%s'\nwant '%s'", i,
			      err.msg, cases[i][1]);
	}
}
END_TEST

/*
 * runtime-spec config.md (Linux mount options): "Runtimes SHOULD treat
 * unknown options as filesystem-specific ones and pass those as a
 * comma-separated string to the fifth (const void *data) argument of
 * mount(2)."  And (mounts.destination, Linux): "it MAY be a relative path,
 * in which case it MUST be interpreted as relative to "/"."
 */
START_TEST(test_compile_data_and_relative)
{
	struct sbx_config *cfg = parse(
		"\"mounts\":["
		"{\"destination\":\"srv/x\",\"type\":\"tmpfs\",\"options\":[\"nosuid\",\"frobnicate\",\"huge=never\",\"ro\"]},"
		"{\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"/x\",\"options\":[\"rbind\",\"mode=755\",\"ro\"]},"
		"{\"destination\":\"/c\",\"type\":\"bind\",\"source\":\"rootfs/srv/x\",\"options\":[\"bind\"]},"
		"{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/b/rootfsX\",\"options\":[\"bind\"]},"
		"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"options\":[\"ro\"]}"
		"]", "/b");
	struct sbx_rootfs_opts o = { 0 };
	struct sbx_rootfs_plan *plan = NULL;
	struct sbx_err err = { 0 };
	const struct sbx_rootfs_op *op;

	ck_assert_msg(sbx_rootfs_compile(cfg, &o, &plan, &err) == 0, "%s", err.msg);
	op = sbx_rootfs_plan_op(plan, 0);
	ck_assert_str_eq(op->destination, "/srv/x");
	ck_assert_str_eq(op->data, "frobnicate,huge=never");
	ck_assert_uint_eq(op->flags, MS_NOSUID | MS_RDONLY);
	ck_assert(op->late_ro); /* ro tmpfs: made read-only in finalize */
	op = sbx_rootfs_plan_op(plan, 1);
	ck_assert_str_eq(op->data, "mode=755");
	ck_assert(!op->late_ro);
	ck_assert_ptr_null(op->source_in_root);
	op = sbx_rootfs_plan_op(plan, 2);
	ck_assert_str_eq(op->source, "/b/rootfs/srv/x");
	ck_assert_str_eq(op->source_in_root, "/srv/x"); /* resolved by init, in the rootfs */
	op = sbx_rootfs_plan_op(plan, 3);
	ck_assert_ptr_null(op->source_in_root); /* "/b/rootfsX" is not under /b/rootfs */
	op = sbx_rootfs_plan_op(plan, 4);
	ck_assert(op->late_ro);
	ck_assert_int_eq(sbx_rootfs_plan_op(plan, 5)->kind, SBX_ROOTFS_OP_DEV);
	ck_assert_uint_eq(sbx_rootfs_host_sources(plan), 2);
	sbx_rootfs_plan_free(plan);
	sbx_config_free(cfg);
}
END_TEST

/* Id-mapped mounts (issue 8): which binds the parent prepares, with which
 * user namespace, and what a rootless caller is told. */
START_TEST(test_compile_idmap)
{
	struct sbx_config *cfg = parse(
		"\"mounts\":["
		"{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"/x\",\"options\":[\"rbind\",\"ridmap\"]},"
		"{\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"/y\",\"options\":[\"bind\"],"
		" \"uidMappings\":[{\"containerID\":0,\"hostID\":5000,\"size\":10}],"
		" \"gidMappings\":[{\"containerID\":0,\"hostID\":6000,\"size\":10}]},"
		"{\"destination\":\"/c\",\"type\":\"bind\",\"source\":\"/z\",\"options\":[\"bind\"]},"
		"{\"destination\":\"/t\",\"type\":\"tmpfs\"}],"
		"\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}]}",
		"/b");
	struct sbx_rootfs_opts o = { .userns = true };
	struct sbx_rootfs_plan *plan = NULL;
	struct sbx_err err = { 0 };
	const struct sbx_rootfs_op *op;

	ck_assert_msg(sbx_rootfs_compile(cfg, &o, &plan, &err) == 0, "%s", err.msg);
	op = sbx_rootfs_plan_op(plan, 0);
	ck_assert_int_eq(op->idmap, SBX_ROOTFS_IDMAP_CONTAINER);
	ck_assert(op->idmap_recursive);
	op = sbx_rootfs_plan_op(plan, 1);
	ck_assert_int_eq(op->idmap, SBX_ROOTFS_IDMAP_EXPLICIT);
	ck_assert(!op->idmap_recursive);
	ck_assert_uint_eq(op->n_uid_map, 1);
	ck_assert_uint_eq(op->uid_map[0].host_id, 5000);
	ck_assert_uint_eq(op->gid_map[0].host_id, 6000);
	ck_assert_int_eq(sbx_rootfs_plan_op(plan, 2)->idmap, SBX_ROOTFS_IDMAP_NONE);
	ck_assert(!sbx_rootfs_plan_prepares_rootfs(plan));
	ck_assert_uint_eq(sbx_rootfs_plan_n_prepared(plan), 2);
	sbx_rootfs_plan_free(plan);

	/* A pool container: the rootfs and every bind, the plain one too. */
	o.idmap_auto = true;
	ck_assert_msg(sbx_rootfs_compile(cfg, &o, &plan, &err) == 0, "%s", err.msg);
	ck_assert(sbx_rootfs_plan_prepares_rootfs(plan));
	ck_assert_str_eq(sbx_rootfs_plan_rootfs(plan), "/b/rootfs");
	ck_assert_int_eq(sbx_rootfs_plan_op(plan, 2)->idmap, SBX_ROOTFS_IDMAP_AUTO);
	ck_assert_int_eq(sbx_rootfs_plan_op(plan, 3)->idmap, SBX_ROOTFS_IDMAP_NONE);
	ck_assert_uint_eq(sbx_rootfs_plan_n_prepared(plan), 4);
	/* The child takes fds only for prepared slots. */
	ck_assert_int_eq(sbx_rootfs_plan_take_fd(plan, SBX_ROOTFS_SLOT_ROOT, -1, &err), 0);
	ck_assert_int_eq(sbx_rootfs_plan_take_fd(plan, 3, -1, &err), -1);
	sbx_rootfs_plan_free(plan);

	/* Rootless: refused with the reason. */
	o.idmap_auto = false;
	o.rootless = true;
	ck_assert_int_eq(sbx_rootfs_compile(cfg, &o, &plan, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: mounts[0]: an id-mapped mount needs root on the host (CAP_SYS_ADMIN over the source's filesystem)");
	sbx_config_free(cfg);
}
END_TEST

START_TEST(test_compile_relative_source_needs_bundle)
{
	struct sbx_config *cfg = parse("\"mounts\":[{\"destination\":\"/d\",\"source\":\"rel\",\"options\":[\"bind\"]}]",
				       "/b");
	struct sbx_rootfs_opts o = { 0 };
	struct sbx_rootfs_plan *plan = NULL;
	struct sbx_err err = { 0 };

	cfg->bundle = NULL;
	ck_assert_int_eq(sbx_rootfs_compile(cfg, &o, &plan, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: mounts[0].source: relative path \"rel\" needs a bundle directory");
	sbx_config_free(cfg);
}
END_TEST

/* ---------------- apply ---------------- */

static char base[PATH_MAX], bundle[PATH_MAX], rootfs[PATH_MAX], outside[PATH_MAX];

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

static void writef(const char *path, const char *data)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_msg(fd >= 0, "create %s", path);
	ck_assert_int_eq(sbx_write_all(fd, data, strlen(data)), 0);
	close(fd);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	_sbx_cleanup_free_ char *buf = NULL;
	size_t len;
	struct sbx_err err;
	int fd;

	ck_assert_msg(sbx_read_file_at(AT_FDCWD, from, &buf, &len, &err) == 0, "%s", err.msg);
	fd = open(to, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sbx_write_all(fd, buf, len), 0);
	close(fd);
}

static void apply_setup(void)
{
	char p[PATH_MAX * 2];
	static const char *const dirs[] = { "bin", "proc", "sys", "dev", "data", "secretdir", "etc", "tmp" };

	snprintf(base, sizeof(base), "/tmp/sbx-test-rootfs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	ck_assert_int_eq(chmod(base, 0755), 0);
	snprintf(bundle, sizeof(bundle), "%s/bundle", base);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	ck_assert_int_eq(mkdir(bundle, 0755), 0);
	ck_assert_int_eq(mkdir(rootfs, 0755), 0);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	for (size_t i = 0; i < SBX_ARRAY_SIZE(dirs); i++) {
		snprintf(p, sizeof(p), "%s/%s", rootfs, dirs[i]);
		ck_assert_int_eq(mkdir(p, 0755), 0);
	}
	snprintf(p, sizeof(p), "%s/bin/busybox", rootfs);
	copy_file(BUSYBOX, p, 0755);
	snprintf(p, sizeof(p), "%s/secretdir/secret", rootfs);
	writef(p, "secret\n");
	snprintf(p, sizeof(p), "%s/etc/hostname", rootfs);
	writef(p, "sbx\n");
	/* The escape attempt: a mount destination through this symlink must
	 * land inside the rootfs, never in the host's <base>/outside. */
	snprintf(p, sizeof(p), "%s/evil", rootfs);
	ck_assert_int_eq(symlink(outside, p), 0);
	snprintf(p, sizeof(p), "%s/hostdata", bundle);
	ck_assert_int_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/hostdata/marker", bundle);
	writef(p, "from-the-host\n");
}

static void apply_teardown(void)
{
	nftw(base, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static int report_fd = -1;

static int report(int code, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		(void)!write(report_fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return code;
}

static int write_map(const char *file, const char *data)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = sbx_write_all(fd, data, strlen(data));
	close(fd);
	return r;
}

/*
 * Run fn in a fresh user+mount+pid namespace (as pid 1, with only our own
 * uid/gid mapped to 0, which needs no privilege).  Returns fn's exit code;
 * *msg gets what the child reported.
 */
static int in_sandbox(int (*fn)(struct sbx_rootfs_plan *), struct sbx_rootfs_plan *plan,
		      char *msg, size_t msglen)
{
	int pfd[2], status = 0;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	ck_assert_int_eq(pipe2(pfd, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char map[64];
		uid_t uid = geteuid();
		gid_t gid = getegid();
		pid_t inner;

		close(pfd[0]);
		report_fd = pfd[1];
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0)
			_exit(report(90, "unshare: %s", strerror(errno)));
		snprintf(map, sizeof(map), "0 %u 1\n", uid);
		if (write_map("/proc/self/uid_map", map) < 0)
			_exit(report(91, "uid_map: %s", strerror(errno)));
		if (write_map("/proc/self/setgroups", "deny") < 0)
			_exit(report(91, "setgroups: %s", strerror(errno)));
		snprintf(map, sizeof(map), "0 %u 1\n", gid);
		if (write_map("/proc/self/gid_map", map) < 0)
			_exit(report(91, "gid_map: %s", strerror(errno)));
		inner = fork();
		if (inner < 0)
			_exit(report(92, "fork: %s", strerror(errno)));
		if (inner == 0)
			_exit(fn(plan));
		if (waitpid(inner, &status, 0) < 0)
			_exit(93);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	close(pfd[1]);
	while (got + 1 < msglen && (n = read(pfd[0], msg + got, msglen - got - 1)) > 0)
		got += (size_t)n;
	msg[got] = '\0';
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool is_ro(const char *p)
{
	struct statvfs sv;
	return statvfs(p, &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

static int check_full(struct sbx_rootfs_plan *plan)
{
	struct sbx_rootfs_child cx = SBX_ROOTFS_CHILD_INIT;
	struct sbx_err err = { 0 };
	char buf[256];
	struct statfs sf;
	struct stat st;
	int fd, status;
	ssize_t n;
	pid_t pid;

	if (sbx_rootfs_apply_child(plan, &cx, &err) < 0)
		return report(1, "apply: %s: %s", err.msg, strerror(err.errnum));
	if (sbx_rootfs_pivot_child(plan, &cx, &err) < 0)
		return report(1, "pivot: %s: %s", err.msg, strerror(err.errnum));
	if (sbx_rootfs_finalize_child(plan, &cx, &err) < 0)
		return report(2, "finalize: %s: %s", err.msg, strerror(err.errnum));
	/* No runtime fd is left for the container: the context is empty. */
	if (cx.proc_fd != -1 || cx.root_fd != -1)
		return report(2, "finalize left fds %d %d in the context", cx.proc_fd, cx.root_fd);
	if (!getcwd(buf, sizeof(buf)) || strcmp(buf, "/"))
		return report(3, "cwd is not /");
	/* The old root is gone: only the rootfs is visible. */
	if (access("/etc/hostname", F_OK) < 0 || access("/bin/busybox", X_OK) < 0)
		return report(4, "rootfs content not at /");
	if (access("/hostdata", F_OK) == 0)
		return report(4, "bundle visible at /");
	if (statfs("/proc", &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return report(5, "/proc is not a proc mount");
	if (access("/proc/self/status", R_OK) < 0)
		return report(5, "/proc/self/status: %s", strerror(errno));
	/* bind mount, read-only */
	fd = open("/data/marker", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return report(6, "/data/marker: %s", strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n != 14 || memcmp(buf, "from-the-host\n", 14))
		return report(6, "/data/marker has the wrong content");
	if (open("/data/new", O_CREAT | O_WRONLY | O_CLOEXEC, 0644) >= 0 || errno != EROFS)
		return report(7, "/data writable (errno %d)", errno);
	/* root.readonly */
	if (open("/newfile", O_CREAT | O_WRONLY | O_CLOEXEC, 0644) >= 0 || errno != EROFS)
		return report(8, "root writable (errno %d)", errno);
	/* masked file: reads empty (/proc/version always exists; /proc/kcore
	 * only with CONFIG_PROC_KCORE, else it is a skipped missing path) */
	fd = open("/proc/version", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return report(9, "/proc/version: %s", strerror(errno));
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != 0)
		return report(9, "/proc/version not masked (read %zd)", n);
	/* masked dir: empty and read-only */
	if (access("/secretdir/secret", F_OK) == 0)
		return report(10, "/secretdir not masked");
	if (mkdir("/secretdir/x", 0755) == 0 || errno != EROFS)
		return report(10, "/secretdir mask writable (errno %d)", errno);
	/* readonly path */
	if (!is_ro("/proc/sys"))
		return report(11, "/proc/sys not read-only");
	if (is_ro("/proc"))
		return report(11, "/proc itself became read-only");
	/* the escape attempt landed inside: /evil -> <outside> inside root */
	if (statfs("/evil/mnt", &sf) < 0 || sf.f_type != TMPFS_MAGIC)
		return report(12, "/evil/mnt is not the tmpfs");
	/* /dev */
	if (stat("/dev/null", &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return report(13, "/dev/null is not 1:3");
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "x", 1) != 1)
		return report(13, "/dev/null not writable: %s", strerror(errno));
	close(fd);
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, 4) != 4 || buf[0] || buf[3])
		return report(13, "/dev/zero unusable");
	close(fd);
	n = readlink("/dev/ptmx", buf, sizeof(buf) - 1);
	if (n != 8 || memcmp(buf, "pts/ptmx", 8))
		return report(14, "/dev/ptmx is not -> pts/ptmx");
	n = readlink("/dev/fd", buf, sizeof(buf) - 1);
	if (n != 13 || memcmp(buf, "/proc/self/fd", 13))
		return report(14, "/dev/fd is not -> /proc/self/fd");
	if (statfs("/dev/pts", &sf) < 0 || sf.f_type != DEVPTS_SUPER_MAGIC)
		return report(14, "/dev/pts is not devpts");
	/* sysfs (host /sys bound read-only without a netns) and cgroup */
	if (!is_ro("/sys") || access("/sys/kernel", F_OK) < 0)
		return report(15, "/sys is not a read-only sysfs view");
	if (!is_ro("/sys/fs/cgroup"))
		return report(15, "/sys/fs/cgroup is not read-only");
	/* and a real program runs in it */
	pid = fork();
	if (pid == 0) {
		execl("/bin/busybox", "sh", "-c",
		      "echo hi >/dev/null && test -r /proc/self/status && ! touch /x 2>/dev/null && "
		      "test \"$(cat /data/marker)\" = from-the-host", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return report(16, "busybox check failed (status %d)", status);
	return 0;
}

START_TEST(test_apply_full)
{
	struct sbx_config *cfg;
	struct sbx_rootfs_opts o = { .userns = true, .rootless = geteuid() != 0, .new_pidns = true };
	struct sbx_rootfs_plan *plan = NULL;
	struct sbx_err err = { 0 };
	char msg[1024];
	int rc;

	if (access(BUSYBOX, X_OK) < 0) {
		SBX_SKIP("%s not found (install busybox-static)", BUSYBOX);
	}
	cfg = parse(
		"\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
		"\"mounts\":["
		"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\",\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
		"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
		"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\",\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]},"
		"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
		"{\"destination\":\"/data\",\"source\":\"hostdata\",\"options\":[\"rbind\",\"ro\",\"nosuid\",\"nodev\"]},"
		"{\"destination\":\"/evil/mnt\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
		"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
		"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}"
		"],\"linux\":{"
		"\"maskedPaths\":[\"/proc/kcore\",\"/proc/version\",\"/secretdir\",\"/does/not/exist\"],"
		"\"readonlyPaths\":[\"/proc/sys\",\"/nope\"]}",
		bundle);
	ck_assert_msg(sbx_rootfs_compile(cfg, &o, &plan, &err) == 0, "%s", err.msg);
	rc = in_sandbox(check_full, plan, msg, sizeof(msg));
	ck_assert_msg(rc == 0, "rc %d: %s", rc, msg);
	/* Nothing was created in the real target of the hostile symlink... */
	{
		_sbx_cleanup_closedir_ DIR *d = opendir(outside);
		struct dirent *e;
		char p[PATH_MAX * 2];
		ck_assert_ptr_nonnull(d);
		while ((e = readdir(d)))
			ck_assert_msg(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."),
				      "%s/%s created outside the rootfs", outside, e->d_name);
		/* ...the mount point was created inside the rootfs instead. */
		snprintf(p, sizeof(p), "%s%s/mnt", rootfs, outside);
		ck_assert_msg(access(p, F_OK) == 0, "%s missing", p);
	}
	sbx_rootfs_plan_free(plan);
	sbx_config_free(cfg);
}
END_TEST

static int check_missing_source(struct sbx_rootfs_plan *plan)
{
	struct sbx_rootfs_child cx = SBX_ROOTFS_CHILD_INIT;
	struct sbx_err err = { 0 };
	char want[PATH_MAX + 64];

	if (sbx_rootfs_apply_child(plan, &cx, &err) == 0)
		return report(1, "apply succeeded");
	if (cx.proc_fd != -1 || cx.root_fd != -1)
		return report(1, "a failed apply left fds %d %d in the context", cx.proc_fd, cx.root_fd);
	snprintf(want, sizeof(want), "mounts[0]: bind %s/missing on /x: open source", bundle);
	if (strcmp(err.msg, want) || err.errnum != ENOENT)
		return report(2, "got '%s' (%d)", err.msg, err.errnum);
	return 0;
}

START_TEST(test_apply_error_message)
{
	struct sbx_config *cfg = parse("\"mounts\":[{\"destination\":\"/x\",\"source\":\"missing\",\"options\":[\"bind\"]}]",
				       bundle);
	struct sbx_rootfs_opts o = { .userns = true };
	struct sbx_rootfs_plan *plan = NULL;
	struct sbx_err err = { 0 };
	char msg[1024];
	int rc;

	ck_assert_msg(sbx_rootfs_compile(cfg, &o, &plan, &err) == 0, "%s", err.msg);
	rc = in_sandbox(check_missing_source, plan, msg, sizeof(msg));
	ck_assert_msg(rc == 0, "rc %d: %s", rc, msg);
	sbx_rootfs_plan_free(plan);
	sbx_config_free(cfg);
}
END_TEST

static int check_no_pivot(struct sbx_rootfs_plan *plan)
{
	struct sbx_rootfs_child cx = SBX_ROOTFS_CHILD_INIT;
	struct sbx_err err = { 0 };
	struct statfs sf;

	if (sbx_rootfs_apply_child(plan, &cx, &err) < 0)
		return report(1, "apply: %s: %s", err.msg, strerror(err.errnum));
	if (sbx_rootfs_pivot_child(plan, &cx, &err) < 0)
		return report(1, "pivot: %s: %s", err.msg, strerror(err.errnum));
	if (sbx_rootfs_finalize_child(plan, &cx, &err) < 0)
		return report(2, "finalize: %s: %s", err.msg, strerror(err.errnum));
	if (access("/etc/hostname", F_OK) < 0 || access("/hostdata", F_OK) == 0)
		return report(3, "not chrooted into the rootfs");
	if (statfs("/proc", &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return report(4, "/proc is not a proc mount");
	if (mkdir("/tmp/w", 0755) < 0)
		return report(5, "rootfs not writable: %s", strerror(errno));
	return 0;
}

START_TEST(test_apply_no_pivot)
{
	struct sbx_config *cfg = parse("\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\"}]", bundle);
	struct sbx_rootfs_opts o = { .userns = true, .new_pidns = true, .no_pivot = true };
	struct sbx_rootfs_plan *plan = NULL;
	struct sbx_err err = { 0 };
	char msg[1024];
	int rc;

	ck_assert_msg(sbx_rootfs_compile(cfg, &o, &plan, &err) == 0, "%s", err.msg);
	rc = in_sandbox(check_no_pivot, plan, msg, sizeof(msg));
	ck_assert_msg(rc == 0, "rc %d: %s", rc, msg);
	sbx_rootfs_plan_free(plan);
	sbx_config_free(cfg);
}
END_TEST

/* Is the mount at `path` (exact mount point) in a peer group? -1: not found. */
static int mount_shared(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mp[PATH_MAX];
	int r = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && !strcmp(mp, path))
			r = strstr(line, " shared:") != NULL && strstr(line, " shared:") < strstr(line, " - ");
	}
	fclose(f);
	return r;
}

/*
 * A mount namespace that is not the container's own (config-linux.md: "If
 * a namespace type is not specified in the namespaces array, the container
 * MUST inherit the runtime namespace of that type"): the runtime's "/" keeps
 * its propagation, the container's mounts sit under a private bind of the
 * rootfs, and the container is chrooted (no pivot_root, no detach).
 */
static int check_shared_mntns(struct sbx_rootfs_plan *plan)
{
	struct sbx_rootfs_child cx = SBX_ROOTFS_CHILD_INIT;
	struct sbx_err err = { 0 };
	struct statfs sf;

	if (mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0)
		return report(1, "make / rshared: %s", strerror(errno));
	if (sbx_rootfs_apply_child(plan, &cx, &err) < 0)
		return report(2, "apply: %s: %s", err.msg, strerror(err.errnum));
	if (mount_shared("/") != 1)
		return report(3, "the runtime's / lost its propagation");
	if (mount_shared(rootfs) != 0)
		return report(4, "the rootfs bind is not a private mount (%d)", mount_shared(rootfs));
	if (sbx_rootfs_pivot_child(plan, &cx, &err) < 0)
		return report(5, "pivot: %s: %s", err.msg, strerror(err.errnum));
	if (sbx_rootfs_finalize_child(plan, &cx, &err) < 0)
		return report(6, "finalize: %s: %s", err.msg, strerror(err.errnum));
	if (access("/etc/hostname", F_OK) < 0 || access("/hostdata", F_OK) == 0)
		return report(7, "not chrooted into the rootfs");
	if (statfs("/tmp", &sf) < 0 || sf.f_type != TMPFS_MAGIC)
		return report(8, "/tmp is not the tmpfs");
	/* chroot, not pivot_root: the namespace's root is still the old one,
	 * so the kernel refuses a new user namespace to this process. */
	if (unshare(CLONE_NEWUSER) == 0 || errno != EPERM)
		return report(9, "not a chroot (unshare CLONE_NEWUSER: %s)", strerror(errno));
	return 0;
}

START_TEST(test_apply_shared_mntns)
{
	struct sbx_config *cfg = parse("\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
				       "\"mounts\":[{\"destination\":\"/tmp\",\"type\":\"tmpfs\"}]", bundle);
	struct sbx_rootfs_opts o = { .userns = true, .shared_mntns = true };
	struct sbx_rootfs_plan *plan = NULL;
	struct sbx_err err = { 0 };
	char msg[1024];
	int rc;

	ck_assert_msg(sbx_rootfs_compile(cfg, &o, &plan, &err) == 0, "%s", err.msg);
	rc = in_sandbox(check_shared_mntns, plan, msg, sizeof(msg));
	ck_assert_msg(rc == 0, "rc %d: %s", rc, msg);
	sbx_rootfs_plan_free(plan);
	sbx_config_free(cfg);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("rootfs");
	TCase *tc = tcase_create("compile");
	TCase *ta = tcase_create("apply");

	tcase_add_test(tc, test_compile_options);
	tcase_add_test(tc, test_compile_order_and_kinds);
	tcase_add_test(tc, test_compile_errors);
	tcase_add_test(tc, test_compile_relative_source_needs_bundle);
	tcase_add_test(tc, test_compile_idmap);
	tcase_add_test(tc, test_compile_data_and_relative);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(ta, apply_setup, apply_teardown);
	tcase_set_timeout(ta, 30);
	tcase_add_test(ta, test_apply_full);
	tcase_add_test(ta, test_apply_error_message);
	tcase_add_test(ta, test_apply_no_pivot);
	tcase_add_test(ta, test_apply_shared_mntns);
	suite_add_tcase(s, ta);
	return s;
}

SBX_TEST_MAIN()
