/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sbxrun spec`: the default config.json, hardened.
 *
 * It follows the shape of `runc spec [--rootless]`, with these deliberate
 * differences, each removing attack surface a plain shell does not need:
 *   - the root filesystem is read-only, with a tmpfs on /tmp so programs
 *     still have a scratch directory;
 *   - the capability set is smaller than Docker's default: no CAP_MKNOD
 *     (device nodes), CAP_NET_RAW (packet spoofing), CAP_AUDIT_WRITE or
 *     CAP_SETFCAP (file capabilities that survive into other contexts), and
 *     nothing inheritable or ambient, so an exec'd program cannot keep
 *     capabilities it was not granted through its own file;
 *   - noNewPrivileges is on, so setuid binaries in the image gain nothing;
 *   - the seccomp profile compiled into the binary is always included;
 *   - a new cgroup namespace hides the host's cgroup layout;
 *   - run by root (auto_userns), a user namespace: container ids 0..65535
 *     are mapped to a block of the dedicated user's subordinate ids that
 *     sbxrun allocates at create time (annotation run.sbx.userns=auto, see
 *     include/sbx/idpool.h), so root in the container is an unprivileged
 *     uid on the host.  `sbxrun spec --no-userns` opts out.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sbx/config.h"
#include "sbx/embedded.h"
#include "sbx/idpool.h"
#include "sbx/util.h"

static const char *const default_caps[] = {
	"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL",    "CAP_SETGID",       "CAP_SETUID", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
};

/* runc's defaults: kernel interfaces that leak host information or allow
 * host-wide changes are masked (bind-mounted over with /dev/null or an
 * empty read-only tmpfs) or made read-only. */
static const char *const masked_paths[] = {
	"/proc/acpi",         "/proc/asound",     "/proc/kcore",       "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/sys/firmware",      "/proc/scsi",       "/sys/devices/virtual/powercap",
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* jansson's *_new functions steal the reference, so building a tree is
 * leak-free as long as every constructor result goes straight into a
 * container; OOM aborts (as everywhere in sbxrun). */
static json_t *chk(json_t *j)
{
	if (!j) {
		static const char m[] = "sbxrun: out of memory\n";
		(void)!write(2, m, sizeof(m) - 1);
		abort();
	}
	return j;
}

static json_t *strv(const char *const *v, size_t n)
{
	json_t *a = chk(json_array());
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, chk(json_string(v[i])));
	return a;
}

#define STRV(...) strv((const char *const[]){ __VA_ARGS__ }, \
		       sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

static json_t *mount_obj(const char *dest, const char *type, const char *source, json_t *options)
{
	json_t *m = chk(json_object());

	json_object_set_new(m, "destination", chk(json_string(dest)));
	json_object_set_new(m, "type", chk(json_string(type)));
	json_object_set_new(m, "source", chk(json_string(source)));
	json_object_set_new(m, "options", options);
	return m;
}

static json_t *idmap(unsigned host_id)
{
	json_t *a = chk(json_array()), *m = chk(json_object());

	json_object_set_new(m, "containerID", chk(json_integer(0)));
	json_object_set_new(m, "hostID", chk(json_integer(host_id)));
	json_object_set_new(m, "size", chk(json_integer(1)));
	json_array_append_new(a, m);
	return a;
}

static json_t *process_obj(const char *apparmor_profile)
{
	json_t *p = chk(json_object()), *user = chk(json_object()), *caps = chk(json_object());
	json_t *rl = chk(json_object()), *rls = chk(json_array());
	size_t nc = SBX_ARRAY_SIZE(default_caps);

	json_object_set_new(p, "terminal", json_false());
	json_object_set_new(user, "uid", chk(json_integer(0)));
	json_object_set_new(user, "gid", chk(json_integer(0)));
	json_object_set_new(p, "user", user);
	json_object_set_new(p, "args", STRV("sh"));
	json_object_set_new(p, "env", STRV("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
					   "TERM=xterm"));
	json_object_set_new(p, "cwd", chk(json_string("/")));
	json_object_set_new(caps, "bounding", strv(default_caps, nc));
	json_object_set_new(caps, "effective", strv(default_caps, nc));
	json_object_set_new(caps, "permitted", strv(default_caps, nc));
	json_object_set_new(p, "capabilities", caps);
	json_object_set_new(rl, "type", chk(json_string("RLIMIT_NOFILE")));
	json_object_set_new(rl, "hard", chk(json_integer(1024)));
	json_object_set_new(rl, "soft", chk(json_integer(1024)));
	json_array_append_new(rls, rl);
	json_object_set_new(p, "rlimits", rls);
	json_object_set_new(p, "noNewPrivileges", json_true());
	if (apparmor_profile)
		json_object_set_new(p, "apparmorProfile", chk(json_string(apparmor_profile)));
	return p;
}

static json_t *mounts_arr(bool rootless)
{
	json_t *a = chk(json_array());
	json_t *pts = STRV("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620");

	/* gid=5 ("tty") only exists in a rootful container's id range; in a
	 * rootless one with a single mapped gid the mount would fail. */
	if (!rootless)
		json_array_append_new(pts, chk(json_string("gid=5")));
	json_array_append_new(a, mount_obj("/proc", "proc", "proc", chk(json_array())));
	json_array_append_new(a, mount_obj("/dev", "tmpfs", "tmpfs",
				       STRV("nosuid", "strictatime", "mode=755", "size=65536k")));
	json_array_append_new(a, mount_obj("/dev/pts", "devpts", "devpts", pts));
	json_array_append_new(a, mount_obj("/dev/shm", "tmpfs", "shm",
				       STRV("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
	json_array_append_new(a, mount_obj("/dev/mqueue", "mqueue", "mqueue",
				       STRV("nosuid", "noexec", "nodev")));
	/* sysfs can be mounted rootless too: the network namespace is new,
	 * which is what the kernel requires for an unprivileged sysfs mount. */
	json_array_append_new(a, mount_obj("/sys", "sysfs", "sysfs",
				       STRV("nosuid", "noexec", "nodev", "ro")));
	json_array_append_new(a, mount_obj("/sys/fs/cgroup", "cgroup", "cgroup",
				       STRV("nosuid", "noexec", "nodev", "relatime", "ro")));
	/* A size limit: without one a tmpfs may fill half of the host's RAM
	 * (issue 8, class 7); 64 MiB is plenty for scratch files. */
	json_array_append_new(a, mount_obj("/tmp", "tmpfs", "tmpfs",
				       STRV("nosuid", "nodev", "mode=1777", "size=64m")));
	return a;
}

/*
 * The embedded profile lists the architectures of several host families
 * (as Docker's does).  A spec only needs the ones this host can execute:
 * its native ABI and the compat ABIs of the same family.  Dropping the
 * others is strictly more restrictive (a syscall made with an architecture
 * the filter does not list is killed) and makes the BPF program about 40%
 * smaller, which the kernel verifies at every start and runs at every
 * syscall.  Unknown machines keep the whole list.
 */
static void keep_host_archs(json_t *sc, const char *machine)
{
	static const struct {
		const char *machine;
		const char *archs[4];
	} fam[] = {
		{ "x86_64", { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL } },
		{ "aarch64", { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL } },
	};
	json_t *old = json_object_get(sc, "architectures"), *keep, *v;
	size_t i;

	for (i = 0; i < SBX_ARRAY_SIZE(fam); i++)
		if (!strcmp(machine, fam[i].machine))
			break;
	if (i == SBX_ARRAY_SIZE(fam) || !json_is_array(old))
		return;
	keep = chk(json_array());
	for (size_t k = 0; k < json_array_size(old); k++) {
		v = json_array_get(old, k);
		for (size_t j = 0; fam[i].archs[j]; j++)
			if (json_is_string(v) && !strcmp(json_string_value(v), fam[i].archs[j]))
				json_array_append(keep, v);
	}
	json_object_set_new(sc, "architectures", keep);
}

static json_t *linux_obj(bool rootless, bool host_net, bool auto_userns)
{
	static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
	json_t *l = chk(json_object()), *nss = chk(json_array()), *sc;
	json_error_t jerr;
	size_t i;

	for (i = 0; i < SBX_ARRAY_SIZE(ns); i++) {
		json_t *o;
		if (host_net && !strcmp(ns[i], "network"))
			continue;
		o = chk(json_object());
		json_object_set_new(o, "type", chk(json_string(ns[i])));
		json_array_append_new(nss, o);
	}
	if (rootless || auto_userns) {
		json_t *o = chk(json_object());
		json_object_set_new(o, "type", chk(json_string("user")));
		json_array_append_new(nss, o);
	}
	json_object_set_new(l, "namespaces", nss);
	if (rootless) {
		/* As `runc spec --rootless`: root in the container is the
		 * caller outside, and nothing else is mapped. */
		json_object_set_new(l, "uidMappings", idmap((unsigned)getuid()));
		json_object_set_new(l, "gidMappings", idmap((unsigned)getgid()));
	}
	json_object_set_new(l, "maskedPaths", strv(masked_paths, SBX_ARRAY_SIZE(masked_paths)));
	json_object_set_new(l, "readonlyPaths",
			    strv(readonly_paths, SBX_ARRAY_SIZE(readonly_paths)));
	/* The embedded profile is part of the binary and is checked by the
	 * unit tests; if it were ever unparsable, emitting a spec without
	 * seccomp would silently drop the filter, so stop instead. */
	sc = json_loads(sbx_seccomp_default_json, 0, &jerr);
	if (!json_is_object(sc)) {
		static const char m[] = "sbxrun: embedded seccomp profile is not a JSON object\n";
		(void)!write(2, m, sizeof(m) - 1);
		abort();
	}
	{
		struct utsname u;
		if (uname(&u) == 0)
			keep_host_archs(sc, u.machine);
	}
	json_object_set_new(l, "seccomp", sc);
	return l;
}

char *sbx_config_default_spec(bool rootless)
{
	return sbx_config_default_spec_lsm(rootless, NULL);
}

char *sbx_config_default_spec_lsm(bool rootless, const char *apparmor_profile)
{
	return sbx_config_default_spec_net(rootless, apparmor_profile, false, NULL, 0);
}

char *sbx_config_default_spec_net(bool rootless, const char *apparmor_profile, bool host_net,
				  const struct sbx_kv *ann, size_t n_ann)
{
	return sbx_config_default_spec_full(rootless, false, apparmor_profile, host_net, ann, n_ann);
}

char *sbx_config_default_spec_full(bool rootless, bool auto_userns, const char *apparmor_profile,
				   bool host_net, const struct sbx_kv *ann, size_t n_ann)
{
	json_t *root = chk(json_object()), *r = chk(json_object());
	char *text, *out;
	size_t n;

	json_object_set_new(root, "ociVersion", chk(json_string(SBX_OCI_VERSION)));
	json_object_set_new(r, "path", chk(json_string("rootfs")));
	json_object_set_new(r, "readonly", json_true());
	json_object_set_new(root, "root", r);
	json_object_set_new(root, "process", process_obj(apparmor_profile));
	json_object_set_new(root, "hostname", chk(json_string("sbxrun")));
	json_object_set_new(root, "mounts", mounts_arr(rootless));
	auto_userns = auto_userns && !rootless;
	if (n_ann || auto_userns) {
		json_t *a = chk(json_object());
		for (size_t i = 0; i < n_ann; i++)
			json_object_set_new(a, ann[i].key, chk(json_string(ann[i].value)));
		/* The mappings are chosen at create time, per container. */
		if (auto_userns)
			json_object_set_new(a, SBX_USERNS_ANNOTATION, chk(json_string("auto")));
		json_object_set_new(root, "annotations", a);
	}
	json_object_set_new(root, "linux", linux_obj(rootless, host_net, auto_userns));

	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		chk(NULL);
	n = strlen(text);
	out = sbx_xmalloc(n + 2);
	memcpy(out, text, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	free(text);
	return out;
}

char *sbx_config_spec_set_annotation(char *text, const char *key, const char *value)
{
	json_error_t jerr;
	json_t *root = json_loads(text, 0, &jerr), *ann;
	char *dumped, *out;
	size_t n;

	/* Our own output: unparsable would be a bug, never user input. */
	chk(root);
	free(text);
	ann = json_object_get(root, "annotations");
	if (!json_is_object(ann)) {
		ann = chk(json_object());
		json_object_set_new(root, "annotations", ann);
	}
	json_object_set_new(ann, key, chk(json_string(value)));
	dumped = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	chk(dumped ? json_true() : NULL);
	n = strlen(dumped);
	out = sbx_xmalloc(n + 2);
	memcpy(out, dumped, n);
	out[n] = '\n';
	out[n + 1] = '\0';
	free(dumped);
	return out;
}

int sbx_config_spec_write(const char *bundle, const char *text, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *path = sbx_xasprintf("%s/config.json", bundle);
	/* O_EXCL: refuse to clobber an existing (possibly hand-tuned) config;
	 * it also never follows a symlink planted at the final component. */
	_sbx_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0) {
		if (errno == EEXIST)
			return sbx_err_set(err, 0, "%s already exists: remove it first", path);
		return sbx_err_set(err, errno, "create %s", path);
	}
	if (sbx_write_all(fd, text, strlen(text)) < 0)
		return sbx_err_set(err, errno, "write %s", path);
	return 0;
}
