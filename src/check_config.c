/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sbxrun check` bundle mode: every control evaluated on the typed config
 * model (pure: no file system, no kernel).  Each control is one function
 * that adds its FAIL findings, or one PASS/SKIP saying what it verified.
 * Levels: high = a known way out of the container or to host root; medium
 * = a layer missing that the defaults have; low = defence in depth.
 */
#include "check_int.h"
#include "sbx/caps.h"
#include "sbx/idpool.h"
#include "sbx/jsonloc.h"
#include "sbx/mountopt.h"
#include "sbx/net.h"
#include "sbx/path.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>

#define PATHLEN 512
#define FAIL SBX_CHECK_FAIL
#define PASS SBX_CHECK_PASS
#define SKIP SBX_CHECK_SKIP
#define CFG SBX_CHECK_SRC_CONFIG

/* ------------------------------------------------------------------ */
/* shared judgements                                                   */

static const struct {
	int cap;
	enum sbx_check_level level;
	const char *why;
} cap_table[] = {
	{ CAP_SYS_ADMIN, SBX_CHECK_HIGH, "mount filesystems and use the admin interfaces behind most known container escapes" },
	{ CAP_SYS_MODULE, SBX_CHECK_HIGH, "load kernel modules, i.e. run code in the kernel" },
	{ CAP_SYS_RAWIO, SBX_CHECK_HIGH, "raw access to I/O ports and device memory" },
	{ CAP_SYS_PTRACE, SBX_CHECK_HIGH, "trace other processes, read their memory and inject code" },
	{ CAP_DAC_READ_SEARCH, SBX_CHECK_HIGH, "open files by handle (open_by_handle_at), the \"shocker\" escape from a bind mount to the whole host filesystem" },
	{ CAP_NET_ADMIN, SBX_CHECK_HIGH, "reconfigure interfaces, routes and firewall rules" },
	{ CAP_SYS_BOOT, SBX_CHECK_HIGH, "reboot the host or load a new kernel" },
	{ CAP_SYS_TIME, SBX_CHECK_HIGH, "set the host's clock" },
	{ CAP_MAC_ADMIN, SBX_CHECK_HIGH, "change the mandatory access control policy" },
	{ CAP_MAC_OVERRIDE, SBX_CHECK_HIGH, "bypass the mandatory access control policy" },
	{ CAP_BPF, SBX_CHECK_HIGH, "load BPF programs, a large kernel attack surface" },
	{ CAP_PERFMON, SBX_CHECK_HIGH, "use perf events, a large kernel attack surface" },
	{ CAP_SYSLOG, SBX_CHECK_HIGH, "read the kernel log and kernel addresses (defeats KASLR)" },
	{ CAP_AUDIT_CONTROL, SBX_CHECK_HIGH, "change the kernel's audit rules" },
	{ CAP_CHECKPOINT_RESTORE, SBX_CHECK_HIGH, "checkpoint/restore interfaces: choose pids, read other processes' state" },
	{ CAP_NET_RAW, SBX_CHECK_LOW, "forge packets and spoof ARP/DNS answers to neighbours" },
	{ CAP_MKNOD, SBX_CHECK_LOW, "create device nodes" },
	{ CAP_AUDIT_WRITE, SBX_CHECK_LOW, "write records into the host's audit log" },
	{ CAP_SETFCAP, SBX_CHECK_LOW, "give file capabilities to binaries" },
};

/* Docker's default set minus the four above: what most workloads use. */
static const int default_caps[] = {
	CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_FSETID, CAP_KILL, CAP_SETGID,
	CAP_SETUID, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
};

enum sbx_check_level sbx_check_cap_level(int cap, const char **why)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(default_caps); i++)
		if (default_caps[i] == cap) {
			*why = NULL;
			return SBX_CHECK_NONE;
		}
	for (size_t i = 0; i < SBX_ARRAY_SIZE(cap_table); i++)
		if (cap_table[i].cap == cap) {
			*why = cap_table[i].why;
			return cap_table[i].level;
		}
	*why = "a privilege most workloads never use, which widens what a compromised process can do";
	return SBX_CHECK_MEDIUM;
}

char *sbx_check_caps_str(struct sbx_check_report *r, uint64_t mask)
{
	char buf[2048];
	size_t o = 0;

	buf[0] = '\0';
	for (int c = 0; c < 64; c++) {
		const char *n;
		if (!(mask & (UINT64_C(1) << c)))
			continue;
		n = sbx_caps_to_name(c);
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", o ? ", " : "",
				      n ? n : "?");
		if (o >= sizeof(buf))
			break;
	}
	return sbx_check_strdup(r, o ? buf : "none");
}

static bool under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(p, dir, n) && (p[n] == '\0' || p[n] == '/');
}

enum sbx_check_level sbx_check_host_path_level(const char *p, bool ro, const char **control,
					       const char **why)
{
	static const char *const sockets[] = { "docker.sock", "containerd.sock", "podman.sock",
					       "crio.sock", "buildkitd.sock", "dockershim.sock" };
	static const char *const sock_dirs[] = { "/run", "/var/run", "/run/docker", "/var/run/docker",
						 "/run/containerd", "/var/run/containerd",
						 "/run/podman", "/var/run/podman", "/run/crio",
						 "/var/run/crio", "/var/lib/docker", "/var/lib/containerd" };
	static const char *const harmless[] = { "/etc/localtime", "/etc/timezone", "/etc/resolv.conf",
						"/etc/hosts", "/etc/hostname" };
	static const char *const kernel_dirs[] = { "/proc", "/sys", "/boot" };
	static const char *const system_dirs[] = { "/etc", "/lib", "/lib32", "/lib64", "/usr",
						   "/bin", "/sbin", "/root" };
	const char *base = strrchr(p, '/');

	base = base ? base + 1 : p;
	*control = "sensitive-mounts";
	for (size_t i = 0; i < SBX_ARRAY_SIZE(sockets); i++)
		if (!strcmp(base, sockets[i])) {
			*control = "runtime-socket";
			*why = "the engine's API socket: whoever can talk to it can start a privileged container on the host";
			return SBX_CHECK_HIGH;
		}
	for (size_t i = 0; i < SBX_ARRAY_SIZE(sock_dirs); i++)
		if (!strcmp(p, sock_dirs[i])) {
			*control = "runtime-socket";
			*why = "this directory holds container engine sockets and state: talking to them means root on the host";
			return SBX_CHECK_HIGH;
		}
	if (!strcmp(p, "/")) {
		*why = "the host's whole filesystem";
		return SBX_CHECK_HIGH;
	}
	if (under(p, "/dev")) {
		if (!strcmp(p, "/dev")) {
			*why = "every host device node (disks, memory, consoles)";
			return SBX_CHECK_HIGH;
		}
		*control = "host-devices";
		*why = "a host device node";
		return SBX_CHECK_MEDIUM;
	}
	for (size_t i = 0; i < SBX_ARRAY_SIZE(kernel_dirs); i++)
		if (under(p, kernel_dirs[i])) {
			*why = "the host's kernel interfaces or boot files";
			return SBX_CHECK_HIGH;
		}
	for (size_t i = 0; i < SBX_ARRAY_SIZE(harmless); i++)
		if (ro && !strcmp(p, harmless[i]))
			return SBX_CHECK_NONE;
	for (size_t i = 0; i < SBX_ARRAY_SIZE(system_dirs); i++)
		if (under(p, system_dirs[i])) {
			*why = ro ? "host system files (configuration, password hashes, libraries) can be read"
				  : "host system files (configuration, libraries, binaries) can be changed: root on the host next time they are used";
			return ro ? SBX_CHECK_MEDIUM : SBX_CHECK_HIGH;
		}
	return SBX_CHECK_NONE;
}

/* ------------------------------------------------------------------ */
/* helpers                                                             */

static bool has_userns(const struct sbx_config *cfg)
{
	return sbx_config_ns(cfg, SBX_NS_USER) != NULL;
}

static const char *ns_path(char *buf, const struct sbx_config *cfg, enum sbx_ns_type t)
{
	for (size_t i = 0; i < cfg->linux.n_namespaces; i++)
		if (cfg->linux.namespaces[i].type == t) {
			snprintf(buf, PATHLEN, "linux.namespaces[%zu]", i);
			return buf;
		}
	return cfg->has_linux ? "linux.namespaces" : "linux";
}

/* First JSON path where capability `cap` appears in process.capabilities. */
static const char *cap_path(char *buf, const struct sbx_caps *c, int cap)
{
	struct { const char *name; char **v; size_t n; } sets[] = {
		{ "bounding", c->bounding, c->n_bounding }, { "effective", c->effective, c->n_effective },
		{ "permitted", c->permitted, c->n_permitted }, { "ambient", c->ambient, c->n_ambient },
		{ "inheritable", c->inheritable, c->n_inheritable },
	};
	for (size_t s = 0; s < SBX_ARRAY_SIZE(sets); s++)
		for (size_t i = 0; i < sets[s].n; i++)
			if (sbx_caps_from_name(sets[s].v[i]) == cap) {
				snprintf(buf, PATHLEN, "process.capabilities.%s[%zu]", sets[s].name, i);
				return buf;
			}
	return "process.capabilities";
}

uint64_t sbx_check_cap_mask(char **names, size_t n)
{
	uint64_t m = 0;

	/* Names the caps module would refuse (or, as runc, ignore) grant nothing. */
	for (size_t i = 0; i < n; i++) {
		int c = sbx_caps_from_name(names[i]);
		if (c >= 0 && c < 64)
			m |= UINT64_C(1) << c;
	}
	return m;
}

static bool skip(const char *const *list, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], id))
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* controls                                                            */

static void c_apparmor(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	const char *p = cfg->process->apparmor_profile;

	if (!p)
		sbx_check_add(r, "apparmor", FAIL, SBX_CHECK_LOW, CFG, "process",
			      "A process that gets past the other layers keeps every file, mount and ptrace right the kernel leaves it.",
			      "set process.apparmorProfile to \"sbxrun-default\" (load it with scripts/load-apparmor.sh; `sbxrun spec` then sets it)",
			      "no AppArmor profile (process.apparmorProfile is not set)");
	else if (!strcmp(p, "unconfined"))
		sbx_check_add(r, "apparmor", FAIL, SBX_CHECK_MEDIUM, CFG, "process.apparmorProfile",
			      "AppArmor is switched off explicitly: nothing stops file, mount and ptrace access the other layers miss.",
			      "set process.apparmorProfile to \"sbxrun-default\" instead of \"unconfined\"",
			      "AppArmor profile \"unconfined\"");
	else
		sbx_check_add(r, "apparmor", PASS, 0, CFG, "process.apparmorProfile", NULL, NULL,
			      "AppArmor profile \"%s\"", p);
}

static void c_selinux(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	sbx_check_add(r, "selinux", SKIP, 0, CFG,
		      cfg->process->selinux_label ? "process.selinuxLabel" : NULL, NULL, NULL,
		      "not applicable: sbxrun does not implement SELinux (a process.selinuxLabel is refused at start); use AppArmor and Landlock");
}

static void c_landlock(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	const char *ro = sbx_config_annotation(cfg, "run.sbx.landlock.ro");
	const char *rw = sbx_config_annotation(cfg, "run.sbx.landlock.rw");
	const char *mode = sbx_config_annotation(cfg, "run.sbx.landlock.mode");
	char p[PATHLEN];

	if (!ro && !rw) {
		sbx_check_add(r, "landlock", FAIL, SBX_CHECK_LOW, CFG, cfg->n_annotations ? "annotations" : NULL,
			      "Every path the mount namespace shows, and the other layers allow, stays readable and writable.",
			      "add the annotations run.sbx.landlock.ro (e.g. \"/bin:/lib:/usr:/etc\") and run.sbx.landlock.rw (e.g. \"/tmp\"); see docs/landlock.md",
			      "no Landlock rules (annotations run.sbx.landlock.ro / run.sbx.landlock.rw)");
		return;
	}
	sbx_check_add(r, "landlock", PASS, 0, CFG,
		      sbx_jsonloc_member(p, sizeof(p), "annotations", ro ? "run.sbx.landlock.ro" : "run.sbx.landlock.rw"),
		      NULL, NULL, "Landlock allow-lists: read-only \"%s\", read-write \"%s\"%s",
		      ro ? ro : "", rw ? rw : "",
		      mode && !strcmp(mode, "best-effort") ? " (best-effort: skipped on kernels without Landlock)" : "");
}

static void c_capabilities(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	const struct sbx_caps *c = &cfg->process->caps;
	uint64_t b = sbx_check_cap_mask(c->bounding, c->n_bounding), e = sbx_check_cap_mask(c->effective, c->n_effective),
		 p = sbx_check_cap_mask(c->permitted, c->n_permitted), a = sbx_check_cap_mask(c->ambient, c->n_ambient),
		 inh = sbx_check_cap_mask(c->inheritable, c->n_inheritable);
	uint64_t any = b | e | p | a;
	size_t fails = 0;
	char path[PATHLEN];

	for (int cap = 0; cap < 64; cap++) {
		uint64_t bit = UINT64_C(1) << cap;
		const char *why, *name = sbx_caps_to_name(cap);
		enum sbx_check_level l;
		char sets[128] = "";

		if (!(any & bit))
			continue;
		l = sbx_check_cap_level(cap, &why);
		if (l == SBX_CHECK_NONE)
			continue;
		snprintf(sets, sizeof(sets), "%s%s%s%s", b & bit ? " bounding" : "",
			 e & bit ? " effective" : "", p & bit ? " permitted" : "", a & bit ? " ambient" : "");
		{
			char attack[512], fix[256];
			snprintf(attack, sizeof(attack), "%s lets a compromised process %s.", name ? name : "?", why);
			snprintf(fix, sizeof(fix), "remove \"%s\" from every set in process.capabilities", name ? name : "?");
			sbx_check_add(r, "capabilities", FAIL, l, CFG, cap_path(path, c, cap), attack, fix,
				      "%s is granted (sets:%s)", name ? name : "?", sets);
		}
		fails++;
	}
	if (a)
		sbx_check_add(r, "capabilities", FAIL, SBX_CHECK_MEDIUM, CFG, "process.capabilities.ambient",
			      "Ambient capabilities survive execve into any program, so every binary the process runs is privileged.",
			      "empty process.capabilities.ambient (the `sbxrun spec` default)",
			      "ambient capabilities: %s", sbx_check_caps_str(r, a));
	else if (inh)
		sbx_check_add(r, "capabilities", FAIL, SBX_CHECK_LOW, CFG, "process.capabilities.inheritable",
			      "Inheritable capabilities pass on to programs whose file grants them, a way to keep privilege across execve.",
			      "empty process.capabilities.inheritable (the `sbxrun spec` default)",
			      "inheritable capabilities: %s", sbx_check_caps_str(r, inh));
	if (!fails && !a && !inh)
		sbx_check_add(r, "capabilities", PASS, 0, CFG, c->present ? "process.capabilities" : "process",
			      NULL, NULL, "bounding set: %s", sbx_check_caps_str(r, b));
}

static void c_privileged(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	const struct sbx_resources *res = &cfg->linux.resources;
	uint64_t all = (UINT64_C(1) << SBX_CHECK_PRIV_CAPS) - 1;
	bool bad = false;
	char path[PATHLEN];

	if (cfg->process) {
		const struct sbx_caps *c = &cfg->process->caps;
		uint64_t b = sbx_check_cap_mask(c->bounding, c->n_bounding), e = sbx_check_cap_mask(c->effective, c->n_effective);
		if ((b & all) == all || (e & all) == all) {
			sbx_check_add(r, "privileged", FAIL, SBX_CHECK_HIGH, CFG,
				      (b & all) == all ? "process.capabilities.bounding" : "process.capabilities.effective",
				      "With every capability, root in the container can load modules, mount host disks and reach the host in one step.",
				      "list only the capabilities the workload needs in process.capabilities (start from `sbxrun spec`)",
				      "every capability is granted (a --privileged configuration)");
			bad = true;
		}
	}
	for (size_t i = 0; i < res->n_devices; i++) {
		const struct sbx_device_rule *d = &res->devices[i];
		if (d->allow && d->type == 'a' && (!d->access || strchr(d->access, 'r') || strchr(d->access, 'w'))) {
			snprintf(path, sizeof(path), "linux.resources.devices[%zu]", i);
			sbx_check_add(r, "privileged", FAIL, SBX_CHECK_HIGH, CFG, path,
				      "Access to every device lets root in the container read and write host disks and memory.",
				      "remove the allow-all rule from linux.resources.devices (allow only the device numbers the workload needs)",
				      "the device rule allows every device (\"a\" %s)", d->access ? d->access : "rwm");
			bad = true;
		}
	}
	if (!bad)
		sbx_check_add(r, "privileged", PASS, 0, CFG, NULL, NULL, NULL,
			      "not every capability, no allow-all device rule");
}

static void c_nnp(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	if (cfg->process->no_new_privileges)
		sbx_check_add(r, "no-new-privileges", PASS, 0, CFG, "process.noNewPrivileges", NULL,
			      NULL, "process.noNewPrivileges is true");
	else
		sbx_check_add(r, "no-new-privileges", FAIL, SBX_CHECK_MEDIUM, CFG, "process.noNewPrivileges",
			      "A setuid-root or file-capability binary in the image gives its caller the privileges the config dropped.",
			      "set process.noNewPrivileges to true (the `sbxrun spec` default)",
			      "process.noNewPrivileges is false");
}

static void c_root_user(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	const struct sbx_user *u = &cfg->process->user;

	if (u->uid != 0) {
		sbx_check_add(r, "root-user", PASS, 0, CFG, "process.user.uid", NULL, NULL,
			      "runs as uid %u", u->uid);
		return;
	}
	sbx_check_add(r, "root-user", FAIL, has_userns(cfg) ? SBX_CHECK_LOW : SBX_CHECK_MEDIUM, CFG,
		      "process.user.uid",
		      has_userns(cfg) ? "Root in the container owns the whole image and every capability the config grants; any escape starts from there."
				      : "Root in the container is root on the host: one escape and the attacker owns the machine.",
		      "set process.user.uid and gid to an unprivileged id that the image has (e.g. 1000; rootless, map it in linux.uidMappings)",
		      "runs as uid 0 (root)%s", has_userns(cfg) ? " in a user namespace" : ", without a user namespace");
}

static void c_seccomp(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	const struct sbx_seccomp *s = cfg->linux.seccomp;

	if (!s) {
		sbx_check_add(r, "seccomp", FAIL, SBX_CHECK_HIGH, CFG, cfg->has_linux ? "linux" : NULL,
			      "Every system call is open, including the rarely used ones most kernel exploits start from (keyctl, bpf, userfaultfd, unshare).",
			      "add linux.seccomp: `sbxrun spec` writes the default profile (configs/seccomp/default.json)",
			      "no seccomp filter (linux.seccomp is missing)");
		return;
	}
	if (s->default_action == SBX_SCMP_ALLOW || s->default_action == SBX_SCMP_LOG) {
		sbx_check_add(r, "seccomp", FAIL, SBX_CHECK_MEDIUM, CFG, "linux.seccomp.defaultAction",
			      "A deny-list filter lets through every syscall it does not name, including new and obscure ones.",
			      "use an allow-list: defaultAction SCMP_ACT_ERRNO with the syscalls the workload needs (as `sbxrun spec`)",
			      "the filter allows every syscall it does not list (defaultAction %s)",
			      s->default_action == SBX_SCMP_ALLOW ? "SCMP_ACT_ALLOW" : "SCMP_ACT_LOG");
		return;
	}
	sbx_check_add(r, "seccomp", PASS, 0, CFG, "linux.seccomp", NULL, NULL,
		      "allow-list filter with %zu rules", s->n_syscalls);
}

static const char *const ns_ctl[SBX_NS_COUNT] = {
	[SBX_NS_NETWORK] = "host-network", [SBX_NS_PID] = "host-pid", [SBX_NS_IPC] = "host-ipc",
	[SBX_NS_UTS] = "host-uts", [SBX_NS_USER] = "host-userns",
};
static const enum sbx_check_level ns_lvl[SBX_NS_COUNT] = {
	[SBX_NS_NETWORK] = SBX_CHECK_HIGH, [SBX_NS_PID] = SBX_CHECK_HIGH, [SBX_NS_IPC] = SBX_CHECK_MEDIUM,
	[SBX_NS_UTS] = SBX_CHECK_LOW, [SBX_NS_USER] = SBX_CHECK_HIGH,
};

static bool host_ns_path(const char *p)
{
	return !strncmp(p, "/proc/1/ns/", 11) || !strncmp(p, "/proc/self/ns/", 14) ||
	       !strncmp(p, "/proc/thread-self/ns/", 21);
}

static void c_namespaces(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	static const enum sbx_ns_type order[] = { SBX_NS_NETWORK, SBX_NS_PID, SBX_NS_IPC, SBX_NS_UTS,
						  SBX_NS_USER };
	char path[PATHLEN], fix[256], attack[256];

	for (size_t i = 0; i < SBX_ARRAY_SIZE(order); i++) {
		enum sbx_ns_type t = order[i];
		const struct sbx_namespace *ns = sbx_config_ns(cfg, t);
		const char *name = sbx_ns_type_name(t), *ctl = ns_ctl[t];

		snprintf(fix, sizeof(fix), "add {\"type\": \"%s\"} to linux.namespaces (without a path)", name);
		snprintf(attack, sizeof(attack), "The container shares the host's %s namespace: %s.", name,
			 sbx_check_control(ctl)->blocks);
		if (!ns && t == SBX_NS_USER) {
			sbx_check_add(r, ctl, PASS, 0, CFG, ns_path(path, cfg, t), NULL, NULL,
				      "no user namespace is joined (see the userns control)");
		} else if (!ns) {
			sbx_check_add(r, ctl, FAIL, ns_lvl[t], CFG, ns_path(path, cfg, t), attack, fix,
				      "no %s namespace: the host's is shared", name);
		} else if (ns->path && host_ns_path(ns->path)) {
			sbx_check_add(r, ctl, FAIL, ns_lvl[t], CFG, ns_path(path, cfg, t), attack, fix,
				      "joins the host's %s namespace (%s)", name, ns->path);
		} else if (ns->path) {
			sbx_check_add(r, ctl, SKIP, 0, CFG, ns_path(path, cfg, t), NULL, NULL,
				      "joins the %s namespace at %s: `sbxrun check --id` verifies it is not the host's",
				      name, ns->path);
		} else {
			sbx_check_add(r, ctl, PASS, 0, CFG, ns_path(path, cfg, t), NULL, NULL,
				      "new %s namespace", name);
		}
	}
}

static void c_userns(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	const struct sbx_linux *l = &cfg->linux;
	char path[PATHLEN];
	bool root = cfg->process && cfg->process->user.uid == 0;

	if (!has_userns(cfg)) {
		sbx_check_add(r, "userns", FAIL, root ? SBX_CHECK_MEDIUM : SBX_CHECK_LOW, CFG,
			      ns_path(path, cfg, SBX_NS_USER),
			      "Container uid 0 is host uid 0: a process that escapes the other layers is root on the host.",
			      "make the bundle with `sbxrun spec` (as root without --no-userns: a user namespace from the pool of user \"" SBX_IDPOOL_USER "\" and an id-mapped rootfs; --rootless: your own user), or add {\"type\": \"user\"} to linux.namespaces with the annotation " SBX_USERNS_ANNOTATION "=auto or linux.uidMappings/gidMappings to an unprivileged host range",
			      "no user namespace: container ids are host ids");
		return;
	}
	for (size_t i = 0; i < l->n_uid_mappings; i++) {
		const struct sbx_idmap *m = &l->uid_mappings[i];
		if (m->host_id == 0 && m->size > 0) {
			snprintf(path, sizeof(path), "linux.uidMappings[%zu]", i);
			sbx_check_add(r, "userns", FAIL, SBX_CHECK_HIGH, CFG, path,
				      "A container uid is host root: files it creates and processes it escapes with belong to root.",
				      "map the container to a subordinate range (/etc/subuid) that does not include host uid 0",
				      "container uid %u is host uid 0 (root)", m->container_id);
			return;
		}
	}
	ns_path(path, cfg, SBX_NS_USER);
	if (sbx_config_ns(cfg, SBX_NS_USER)->path)
		sbx_check_add(r, "userns", PASS, 0, CFG, path, NULL, NULL,
			      "joins the user namespace %s", sbx_config_ns(cfg, SBX_NS_USER)->path);
	else if (l->n_uid_mappings)
		sbx_check_add(r, "userns", PASS, 0, CFG, path, NULL, NULL,
			      "user namespace; container uid %u is host uid %u", l->uid_mappings[0].container_id,
			      l->uid_mappings[0].host_id);
	else
		/* No map in the config: sbxrun chooses it at create
		 * (include/sbx/idpool.h); with the annotation only root may. */
		sbx_check_add(r, "userns", PASS, 0, CFG, path, NULL, NULL,
			      "user namespace; created by root, container ids 0-%u get a free block of user \"%s\"'s subordinate ids and the rootfs is id-mapped (%s=auto)%s",
			      SBX_IDPOOL_BLOCK - 1, SBX_IDPOOL_USER, SBX_USERNS_ANNOTATION,
			      sbx_config_annotation(cfg, SBX_USERNS_ANNOTATION) ? ""
				: "; created by another user, that user's own id is container root");
}

static void c_readonly_root(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	if (cfg->root.readonly)
		sbx_check_add(r, "readonly-root", PASS, 0, CFG, "root.readonly", NULL, NULL,
			      "root.readonly is true");
	else
		sbx_check_add(r, "readonly-root", FAIL, SBX_CHECK_MEDIUM, CFG,
			      cfg->root.path ? "root.readonly" : NULL,
			      "The workload can replace binaries and libraries in its image and keep malware there for the next start.",
			      "set root.readonly to true; give scratch space with a tmpfs mount (e.g. /tmp with \"size=64m\")",
			      "the root filesystem is writable");
}

static bool unified_limit(const struct sbx_config *cfg, const char *file)
{
	const struct sbx_resources *res = &cfg->linux.resources;

	for (size_t i = 0; i < res->n_unified; i++)
		if (!strcmp(res->unified[i].key, file) && strcmp(res->unified[i].value, "max"))
			return true;
	return false;
}

static void c_resources(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	const struct sbx_resources *res = &cfg->linux.resources;
	const char *fixp = "add linux.resources.%s (needs cgroup v2 delegated to the user when rootless: see docs/cgroups.md)";
	char fix[256];

	if ((res->memory.present && res->memory.has_limit && res->memory.limit > 0) ||
	    unified_limit(cfg, "memory.max"))
		sbx_check_add(r, "memory-limit", PASS, 0, CFG, "linux.resources.memory", NULL, NULL,
			      "memory limit %lld bytes", (long long)res->memory.limit);
	else {
		snprintf(fix, sizeof(fix), fixp, "memory.limit (e.g. 268435456 for 256 MiB)");
		sbx_check_add(r, "memory-limit", FAIL, SBX_CHECK_LOW, CFG, "linux.resources.memory.limit",
			      "The container can take all of the host's memory; the host's OOM killer then picks victims outside it.",
			      fix, "no memory limit");
	}
	if ((res->cpu.present && ((res->cpu.has_shares && res->cpu.shares > 0) ||
				  (res->cpu.has_quota && res->cpu.quota > 0))) ||
	    unified_limit(cfg, "cpu.max") || unified_limit(cfg, "cpu.weight"))
		sbx_check_add(r, "cpu-limit", PASS, 0, CFG, "linux.resources.cpu", NULL, NULL,
			      "CPU shares or quota set");
	else {
		snprintf(fix, sizeof(fix), fixp, "cpu.shares (e.g. 512) or cpu.quota with cpu.period");
		sbx_check_add(r, "cpu-limit", FAIL, SBX_CHECK_LOW, CFG, "linux.resources.cpu",
			      "A busy loop in the container competes with the host's own services on equal terms.",
			      fix, "no CPU shares or quota");
	}
	if ((res->pids.present && res->pids.limit > 0) || unified_limit(cfg, "pids.max")) {
		sbx_check_add(r, "pids-limit", PASS, 0, CFG, "linux.resources.pids.limit", NULL, NULL,
			      "at most %lld processes", (long long)res->pids.limit);
		return;
	}
	/* In a user namespace RLIMIT_NPROC is counted per user of that
	 * namespace (Linux >= 5.14), so it bounds the container's own
	 * processes: an honest substitute where cgroups are not delegated. */
	if (cfg->process && has_userns(cfg))
		for (size_t i = 0; i < cfg->process->n_rlimits; i++)
			if (!strcmp(cfg->process->rlimits[i].type, "RLIMIT_NPROC")) {
				char p[64];
				snprintf(p, sizeof(p), "process.rlimits[%zu]", i);
				sbx_check_add(r, "pids-limit", PASS, 0, CFG, p, NULL, NULL,
					      "no pids cgroup limit, but RLIMIT_NPROC %llu per user of the container's user namespace",
					      (unsigned long long)cfg->process->rlimits[i].hard);
				return;
			}
	snprintf(fix, sizeof(fix), fixp, "pids.limit (e.g. 256); or, in a user namespace, a process.rlimits entry RLIMIT_NPROC");
	sbx_check_add(r, "pids-limit", FAIL, SBX_CHECK_LOW, CFG, "linux.resources.pids.limit",
		      "A fork bomb in the container fills the host's process table and stops the host from starting processes.",
		      fix, "no limit on the number of processes");
}

static void c_cgroup_parent(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	const char *p = cfg->linux.cgroups_path;

	if (p && p[0] == '/')
		sbx_check_add(r, "cgroup-parent", FAIL, SBX_CHECK_LOW, CFG, "linux.cgroupsPath",
			      "An absolute cgroup path places the container wherever it says, outside the limits of the parent you may expect.",
			      "drop linux.cgroupsPath (sbxrun then uses its own subtree), or confirm that this parent has the limits you want",
			      "the cgroup is placed at the absolute path %s", p);
	else
		sbx_check_add(r, "cgroup-parent", PASS, 0, CFG, p ? "linux.cgroupsPath" : NULL, NULL, NULL,
			      p ? "relative cgroupsPath under sbxrun's subtree" : "sbxrun's default cgroup placement");
}

static bool word_in(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = strstr(s, w); p; p = strstr(p + 1, w)) {
		bool left = p == s || p[-1] == '/' || p[-1] == ' ' || p[-1] == ';' || p[-1] == '&';
		bool right = p[n] == '\0' || p[n] == ' ' || p[n] == ';' || p[n] == '&';
		if (left && right)
			return true;
	}
	return false;
}

static void c_sshd(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	const struct sbx_process *p = cfg->process;
	char path[PATHLEN];

	for (size_t i = 0; i < p->n_args; i++)
		if (word_in(p->args[i], "sshd") || word_in(p->args[i], "dropbear")) {
			snprintf(path, sizeof(path), "process.args[%zu]", i);
			sbx_check_add(r, "sshd", FAIL, SBX_CHECK_MEDIUM, CFG, path,
				      "An SSH daemon is another way in, with its own keys, users and bugs, that bypasses the runtime's controls.",
				      "do not run an SSH server in the container; use `sbxrun exec` to get a shell",
				      "the process starts an SSH server (%s)", p->args[i]);
			return;
		}
	sbx_check_add(r, "sshd", PASS, 0, CFG, "process.args", NULL, NULL, "no SSH server in process.args");
}

/* *PASSWORD*, *PASSWD*, *SECRET*, *TOKEN*, *_KEY (case-insensitive). */
static bool secret_name(const char *kv)
{
	static const char *const subs[] = { "PASSWORD", "PASSWD", "SECRET", "TOKEN" };
	const char *eq = strchr(kv, '=');
	char name[256];
	size_t n = eq ? (size_t)(eq - kv) : strlen(kv);

	if (n >= sizeof(name) || !eq || !eq[1])
		return false;
	for (size_t i = 0; i < n; i++)
		name[i] = (char)toupper((unsigned char)kv[i]);
	name[n] = '\0';
	for (size_t i = 0; i < SBX_ARRAY_SIZE(subs); i++)
		if (strstr(name, subs[i]))
			return true;
	return n > 4 && !strcmp(name + n - 4, "_KEY");
}

static void c_env_secrets(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	const struct sbx_process *p = cfg->process;
	size_t bad = 0;
	char path[PATHLEN];

	for (size_t i = 0; i < p->n_env; i++) {
		char name[128], lower[128], fix[512];
		size_t n = strcspn(p->env[i], "=");

		if (!secret_name(p->env[i]))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(n < 100 ? n : 100), p->env[i]);
		for (size_t k = 0; name[k]; k++)
			lower[k] = (char)tolower((unsigned char)name[k]), lower[k + 1] = '\0';
		snprintf(path, sizeof(path), "process.env[%zu]", i);
		snprintf(fix, sizeof(fix),
			 "remove process.env[%zu]; put the value in a file and pass it with `sbxrun spec --secret %s=FILE` (annotation run.sbx.secrets): the workload reads /run/secrets/%s",
			 i, lower, lower);
		/* Never print the value itself: the report may end up in CI logs. */
		sbx_check_add(r, "env-secrets", FAIL, SBX_CHECK_MEDIUM, CFG, path,
			      "Environment variables are readable in /proc/PID/environ, inherited by every child and copied into logs and crash reports.",
			      fix, "environment variable %s looks like a secret", name);
		bad++;
	}
	if (!bad)
		sbx_check_add(r, "env-secrets", PASS, 0, CFG, p->n_env ? "process.env" : NULL, NULL, NULL,
			      "no environment variable named like a secret");
}

/* Published ports, from the typed network model (cfg->net, which the config
 * module parsed from run.sbx.net.publish and validated): nothing here reads
 * the annotation's text, so check judges exactly what the network module
 * will publish. */
static void c_ports(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	const struct sbx_net_config *n = &cfg->net;
	char path[PATHLEN];
	size_t low = 0, any = 0;

	if (!n->n_publish) {
		sbx_check_add(r, "privileged-ports", PASS, 0, CFG, NULL, NULL, NULL, "no port is published");
		sbx_check_add(r, "host-interface", PASS, 0, CFG, NULL, NULL, NULL, "no port is published");
		return;
	}
	sbx_jsonloc_member(path, sizeof(path), "annotations", SBX_NET_ANN_PUBLISH);
	for (size_t i = 0; i < n->n_publish; i++) {
		const struct sbx_publish *pb = &n->publish[i];
		const char *proto = pb->proto == IPPROTO_UDP ? "udp" : "tcp";
		char addr[INET_ADDRSTRLEN] = "";

		if (pb->host_ip)
			inet_ntop(AF_INET, &pb->host_ip, addr, sizeof(addr));
		if (pb->host_port < 1024) {
			sbx_check_add(r, "privileged-ports", FAIL, SBX_CHECK_LOW, CFG, path,
				      "A container on a privileged port can pose as a system service that clients trust by port number.",
				      "publish on a host port >= 1024 (e.g. --publish 8080:80)",
				      "host port %u/%s (container port %u) is published", pb->host_port, proto,
				      pb->port);
			low++;
		}
		if (!pb->host_ip) {
			sbx_check_add(r, "host-interface", FAIL, SBX_CHECK_LOW, CFG, path,
				      "The port listens on every host interface, public ones included.",
				      "prefix the published port with the host address to listen on (e.g. --publish 127.0.0.1:8080:80)",
				      "host port %u/%s is published on every host address", pb->host_port, proto);
			any++;
		}
	}
	if (!low)
		sbx_check_add(r, "privileged-ports", PASS, 0, CFG, path, NULL, NULL,
			      "only unprivileged host ports are published (%zu)", n->n_publish);
	if (!any)
		sbx_check_add(r, "host-interface", PASS, 0, CFG, path, NULL, NULL,
			      "every published port names its host address (%zu)", n->n_publish);
}

static void no_process(struct sbx_check_report *r, const char *id)
{
	sbx_check_add(r, id, SBX_CHECK_SKIP, 0, CFG, NULL, NULL, NULL,
		      "config.json has no process (it is given at exec time)");
}

int sbx_check_config_controls(const struct sbx_config *cfg, bool live_done,
			      struct sbx_check_report *r, struct sbx_err *err)
{
	static const char *const live_ids[] = { SBX_CHECK_LIVE_CONTROLS };
	static const struct {
		const char *id;
		void (*fn)(const struct sbx_config *, struct sbx_check_report *);
		bool needs_process;
	} table[] = {
		{ "apparmor", c_apparmor, true },
		{ "selinux", c_selinux, true },
		{ "landlock", c_landlock, false },
		{ "capabilities", c_capabilities, true },
		{ "privileged", c_privileged, false },
		{ "no-new-privileges", c_nnp, true },
		{ "root-user", c_root_user, true },
		{ "seccomp", c_seccomp, false },
		{ "host-network", c_namespaces, false },
		{ "userns", c_userns, false },
		{ "readonly-root", c_readonly_root, false },
		{ "memory-limit", c_resources, false },
		{ "cgroup-parent", c_cgroup_parent, false },
		{ "sshd", c_sshd, true },
		{ "env-secrets", c_env_secrets, true },
		{ "privileged-ports", c_ports, false },
	};

	for (size_t i = 0; i < SBX_ARRAY_SIZE(table); i++) {
		if (live_done && skip(live_ids, SBX_ARRAY_SIZE(live_ids), table[i].id))
			continue;
		if (table[i].needs_process && !cfg->process)
			no_process(r, table[i].id);
		else
			table[i].fn(cfg, r);
	}
	return sbx_check_fs_controls(cfg, live_done, r, err);
}

int sbx_check_config(const struct sbx_config *cfg, struct sbx_check_report *r,
		     struct sbx_err *err)
{
	if (sbx_check_config_controls(cfg, false, r, err) < 0)
		return -1;
	sbx_check_sort(r);
	return 0;
}
