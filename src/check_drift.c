/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sbxrun check --id`, evaluation (pure): judge the kernel's facts about a
 * container (struct sbx_check_live, from check_live.c) and compare them
 * with its config.  Kernel verdicts have source "kernel"; disagreements are
 * drift findings: high when the kernel gives MORE than the config says
 * (the config's promise is broken), low when it gives less (the config is
 * misleading, e.g. a capability the kernel did not grant).
 */
#include "check_int.h"
#include "sbx/caps.h"
#include "sbx/cgroup.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL SBX_CHECK_FAIL
#define PASS SBX_CHECK_PASS
#define SKIP SBX_CHECK_SKIP
#define KERN SBX_CHECK_SRC_KERNEL
#define DRIFT SBX_CHECK_SRC_DRIFT

static struct sbx_check_finding *live_src(struct sbx_check_report *r, struct sbx_check_finding *f,
					  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static struct sbx_check_finding *live_src(struct sbx_check_report *r, struct sbx_check_finding *f,
					  const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	f->live = sbx_check_strdup(r, buf);
	return f;
}

/* ---------- id maps ---------- */

struct idm { uint32_t c, h, n; };

static size_t parse_map(const char *text, struct idm *m, size_t max)
{
	size_t n = 0;
	const char *p = text;

	while (p && *p && n < max) {
		unsigned long c, h, s;
		int used = 0;
		if (sscanf(p, " %lu %lu %lu%n", &c, &h, &s, &used) != 3)
			break;
		m[n++] = (struct idm){ (uint32_t)c, (uint32_t)h, (uint32_t)s };
		p += used;
	}
	return n;
}

/* Container id for host id `h`, -1 if unmapped. */
static long to_container(const struct idm *m, size_t n, long h)
{
	for (size_t i = 0; i < n; i++)
		if (h >= (long)m[i].h && h - (long)m[i].h < (long)m[i].n)
			return (long)m[i].c + (h - (long)m[i].h);
	return -1;
}

static bool full_map(const struct idm *m, size_t n)
{
	return n == 1 && m[0].c == 0 && m[0].h == 0 && m[0].n == 4294967295u;
}

/* ---------- controls ---------- */

/* Drift: every process (exec'd ones included) has exactly the configured
 * capability sets; more is high (the config's promise is broken), less low. */
static void caps_drift(const struct sbx_config *cfg, const struct sbx_check_live *l,
		       struct sbx_check_report *r)
{
	const struct sbx_caps *c = &cfg->process->caps;
	struct { const char *name, *key; uint64_t want; size_t off; } sets[] = {
		{ "bounding", "CapBnd", sbx_check_cap_mask(c->bounding, c->n_bounding), offsetof(struct sbx_check_proc, cap_bnd) },
		{ "effective", "CapEff", sbx_check_cap_mask(c->effective, c->n_effective), offsetof(struct sbx_check_proc, cap_eff) },
		{ "permitted", "CapPrm", sbx_check_cap_mask(c->permitted, c->n_permitted), offsetof(struct sbx_check_proc, cap_prm) },
		{ "ambient", "CapAmb", sbx_check_cap_mask(c->ambient, c->n_ambient), offsetof(struct sbx_check_proc, cap_amb) },
	};
	size_t drift = 0;

	for (size_t i = 0; i < l->n_procs; i++) {
		const struct sbx_check_proc *q = &l->procs[i];
		if (!q->have_status)
			continue;
		for (size_t s = 0; s < SBX_ARRAY_SIZE(sets); s++) {
			uint64_t have = *(const uint64_t *)((const char *)q + sets[s].off);
			uint64_t more = have & ~sets[s].want, less = sets[s].want & ~have;
			char path[64];

			snprintf(path, sizeof(path), "process.capabilities.%s", sets[s].name);
			if (more) {
				live_src(r, sbx_check_add(r, "drift-capabilities", FAIL, SBX_CHECK_HIGH, DRIFT, path,
							  "The process holds capabilities its config does not grant: the config no longer tells what it can do.",
							  "find what raised them (an `exec --cap`, a setuid file without no_new_privs) and recreate the container",
							  "pid %d (%s) has %s in its %s set, which the config does not ask for",
							  (int)q->pid, q->comm, sbx_check_caps_str(r, more), sets[s].name),
					 "/proc/%d/status: %s", (int)q->pid, sets[s].key);
				drift++;
			}
			if (less) {
				live_src(r, sbx_check_add(r, "drift-capabilities", FAIL, SBX_CHECK_LOW, DRIFT, path,
							  "Nothing for an attacker; but the config claims a capability the container does not have, so it misleads whoever audits it.",
							  "remove the capability from the config, or run sbxrun where it can be granted (the caller's bounding set, a user namespace)",
							  "the config asks for %s in the %s set, but the kernel did not grant it to pid %d (%s)",
							  sbx_check_caps_str(r, less), sets[s].name, (int)q->pid, q->comm),
					 "/proc/%d/status: %s", (int)q->pid, sets[s].key);
				drift++;
			}
		}
	}
	if (!drift)
		sbx_check_add(r, "drift-capabilities", PASS, 0, DRIFT, NULL, NULL, NULL,
			      "every process has exactly the configured capability sets");
}

static void l_caps(const struct sbx_config *cfg, const struct sbx_check_live *l,
		   struct sbx_check_report *r)
{
	const struct sbx_check_proc *p = &l->procs[0];
	uint64_t any = p->cap_bnd | p->cap_eff | p->cap_prm | p->cap_amb;
	uint64_t all = (UINT64_C(1) << SBX_CHECK_PRIV_CAPS) - 1;
	size_t fails = 0;

	for (int cap = 0; cap < 64; cap++) {
		const char *why, *name = sbx_caps_to_name(cap);
		enum sbx_check_level lv;
		char attack[512], fix[256];

		if (!(any & (UINT64_C(1) << cap)))
			continue;
		lv = sbx_check_cap_level(cap, &why);
		if (lv == SBX_CHECK_NONE)
			continue;
		snprintf(attack, sizeof(attack), "%s lets a compromised process %s.", name ? name : "?", why);
		snprintf(fix, sizeof(fix), "remove \"%s\" from every set in process.capabilities", name ? name : "?");
		live_src(r, sbx_check_add(r, "capabilities", FAIL, lv, KERN, "process.capabilities", attack,
					  fix, "the kernel grants %s", name ? name : "?"),
			 "/proc/%d/status: CapBnd/CapEff/CapPrm/CapAmb", (int)p->pid);
		fails++;
	}
	if (!fails)
		live_src(r, sbx_check_add(r, "capabilities", PASS, 0, KERN, NULL, NULL, NULL,
					  "bounding set: %s", sbx_check_caps_str(r, p->cap_bnd)),
			 "/proc/%d/status: CapBnd", (int)p->pid);
	if ((p->cap_bnd & all) == all)
		live_src(r, sbx_check_add(r, "privileged", FAIL, SBX_CHECK_HIGH, KERN, "process.capabilities",
					  "With every capability, root in the container can load modules, mount host disks and reach the host in one step.",
					  "list only the capabilities the workload needs in process.capabilities",
					  "the kernel grants every capability"),
			 "/proc/%d/status: CapBnd", (int)p->pid);
	else
		live_src(r, sbx_check_add(r, "privileged", PASS, 0, KERN, NULL, NULL, NULL,
					  "not every capability"), "/proc/%d/status: CapBnd", (int)p->pid);

	if (cfg->process)
		caps_drift(cfg, l, r);
}

static void l_nnp_seccomp(const struct sbx_config *cfg, const struct sbx_check_live *l,
			  struct sbx_check_report *r)
{
	const struct sbx_check_proc *p = &l->procs[0];
	bool want_nnp = cfg->process && cfg->process->no_new_privileges;
	bool want_sc = cfg->linux.seccomp != NULL;

	if (p->nnp == 1)
		live_src(r, sbx_check_add(r, "no-new-privileges", PASS, 0, KERN, NULL, NULL, NULL,
					  "NoNewPrivs is 1"), "/proc/%d/status: NoNewPrivs", (int)p->pid);
	else
		live_src(r, sbx_check_add(r, "no-new-privileges", FAIL, SBX_CHECK_MEDIUM, KERN, "process.noNewPrivileges",
					  "A setuid-root or file-capability binary in the image gives its caller the privileges the config dropped.",
					  "set process.noNewPrivileges to true and recreate the container",
					  "NoNewPrivs is %d", p->nnp), "/proc/%d/status: NoNewPrivs", (int)p->pid);
	if (p->nnp >= 0 && (p->nnp == 1) != want_nnp)
		live_src(r, sbx_check_add(r, "drift-no-new-privileges", FAIL, want_nnp ? SBX_CHECK_HIGH : SBX_CHECK_LOW,
					  DRIFT, "process.noNewPrivileges",
					  want_nnp ? "The config promises no_new_privs but the process can gain privileges through setuid files."
						   : "Nothing for an attacker; the config says no_new_privs is off, but the process set it itself.",
					  want_nnp ? "recreate the container; report a runtime bug if it persists"
						   : "set process.noNewPrivileges to true so the config says what runs",
					  "config noNewPrivileges %s, kernel NoNewPrivs %d", want_nnp ? "true" : "false", p->nnp),
			 "/proc/%d/status: NoNewPrivs", (int)p->pid);
	else
		sbx_check_add(r, "drift-no-new-privileges", PASS, 0, DRIFT, NULL, NULL, NULL,
			      "NoNewPrivs matches the config");

	if (p->seccomp == 2)
		live_src(r, sbx_check_add(r, "seccomp", PASS, 0, KERN, NULL, NULL, NULL,
					  "seccomp filter mode, %d filter(s)", p->seccomp_filters),
			 "/proc/%d/status: Seccomp", (int)p->pid);
	else
		live_src(r, sbx_check_add(r, "seccomp", FAIL, SBX_CHECK_HIGH, KERN, "linux.seccomp",
					  "Every system call is open, including the rarely used ones most kernel exploits start from.",
					  "add linux.seccomp (`sbxrun spec` writes the default profile) and recreate the container",
					  "Seccomp is %d (no filter)", p->seccomp), "/proc/%d/status: Seccomp", (int)p->pid);
	if (p->seccomp >= 0 && (p->seccomp == 2) != want_sc)
		live_src(r, sbx_check_add(r, "drift-seccomp", FAIL, want_sc ? SBX_CHECK_HIGH : SBX_CHECK_LOW, DRIFT,
					  want_sc ? "linux.seccomp" : "linux",
					  want_sc ? "The config promises a syscall filter that the process does not have."
						  : "Nothing for an attacker; the process loaded a filter the config does not describe.",
					  want_sc ? "recreate the container; report a runtime bug if it persists"
						  : "describe the filter in linux.seccomp so the config says what runs",
					  "config %s, kernel Seccomp %d with %d filter(s)",
					  want_sc ? "has a filter" : "has no filter", p->seccomp, p->seccomp_filters),
			 "/proc/%d/status: Seccomp", (int)p->pid);
	else
		sbx_check_add(r, "drift-seccomp", PASS, 0, DRIFT, NULL, NULL, NULL,
			      "the seccomp mode matches the config");
}

static void l_apparmor(const struct sbx_config *cfg, const struct sbx_check_live *l,
		       struct sbx_check_report *r)
{
	const char *want = cfg->process ? cfg->process->apparmor_profile : NULL;
	const char *have = l->apparmor;
	bool confined = have && strncmp(have, "unconfined", 10);
	size_t wl = want ? strlen(want) : 0;

	if (confined)
		live_src(r, sbx_check_add(r, "apparmor", PASS, 0, KERN, NULL, NULL, NULL, "label \"%s\"", have),
			 "/proc/%d/attr/current", (int)l->pid);
	else
		live_src(r, sbx_check_add(r, "apparmor", FAIL, SBX_CHECK_LOW, KERN, "process",
					  "A process that gets past the other layers keeps every file, mount and ptrace right the kernel leaves it.",
					  "set process.apparmorProfile to \"sbxrun-default\" (scripts/load-apparmor.sh loads it)",
					  have ? "AppArmor label \"%s\"" : "no LSM reports a label for the process%s",
					  have ? have : ""),
			 "/proc/%d/attr/current", (int)l->pid);
	if (want && !(confined && !strncmp(have, want, wl) && (have[wl] == '\0' || have[wl] == ' ')))
		live_src(r, sbx_check_add(r, "drift-apparmor", FAIL, SBX_CHECK_HIGH, DRIFT, "process.apparmorProfile",
					  "The config promises an AppArmor profile that does not confine the process.",
					  "recreate the container; check that the profile is loaded (aa-status)",
					  "config profile \"%s\", kernel label \"%s\"", want, have ? have : "(none)"),
			 "/proc/%d/attr/current", (int)l->pid);
	else
		sbx_check_add(r, "drift-apparmor", PASS, 0, DRIFT, NULL, NULL, NULL,
			      want ? "the configured profile confines the process" : "no profile configured");
}

static void l_landlock(const struct sbx_config *cfg, const struct sbx_check_live *l,
		       struct sbx_check_report *r)
{
	bool want = sbx_config_annotation(cfg, "run.sbx.landlock.ro") ||
		    sbx_config_annotation(cfg, "run.sbx.landlock.rw");

	/* The kernel does not report a process's Landlock domain; it does
	 * report whether it can enforce one at all. */
	if (want && l->landlock_abi < 0)
		sbx_check_add(r, "drift-landlock", FAIL, SBX_CHECK_HIGH, DRIFT, "annotations",
			      "The config's Landlock rules were skipped (best-effort mode): the paths they guard are open.",
			      "run on a kernel with Landlock (lsm=landlock), or use run.sbx.landlock.mode \"enforce\" so the container refuses to start",
			      "Landlock rules are configured but the kernel has no Landlock");
	else
		sbx_check_add(r, "drift-landlock", PASS, 0, DRIFT, NULL, NULL, NULL,
			      want ? "the kernel supports Landlock (ABI %d)" : "no Landlock rules configured (kernel ABI %d)",
			      l->landlock_abi);
}

static void l_namespaces(const struct sbx_config *cfg, const struct sbx_check_live *l,
			 struct sbx_check_report *r)
{
	static const struct { enum sbx_ns_type t; const char *ctl; enum sbx_check_level lv; } ns[] = {
		{ SBX_NS_NETWORK, "host-network", SBX_CHECK_HIGH },
		{ SBX_NS_PID, "host-pid", SBX_CHECK_HIGH },
		{ SBX_NS_IPC, "host-ipc", SBX_CHECK_MEDIUM },
		{ SBX_NS_UTS, "host-uts", SBX_CHECK_LOW },
		{ SBX_NS_USER, "host-userns", SBX_CHECK_HIGH },
		{ SBX_NS_MOUNT, NULL, SBX_CHECK_HIGH },
		{ SBX_NS_CGROUP, NULL, SBX_CHECK_LOW },
	};
	size_t drift = 0;

	for (size_t i = 0; i < SBX_ARRAY_SIZE(ns); i++) {
		const struct sbx_namespace *c = sbx_config_ns(cfg, ns[i].t);
		enum sbx_check_ns_state st = l->ns[ns[i].t];
		const char *name = sbx_ns_type_name(ns[i].t);

		if (ns[i].ctl && st == SBX_NS_UNKNOWN) {
			live_src(r, sbx_check_add(r, ns[i].ctl, SKIP, 0, KERN, NULL, NULL, NULL,
						  "could not read the container's %s namespace", name),
				 "/proc/%d/ns/%s", (int)l->pid, sbx_ns_proc_name(ns[i].t));
			continue;
		}
		/* No user namespace at all is the userns control's finding. */
		if (ns[i].ctl && !(ns[i].t == SBX_NS_USER && !c)) {
			if (st == SBX_NS_HOST) {
				char attack[256], fix[128];
				snprintf(attack, sizeof(attack), "The container shares the host's %s namespace: %s.",
					 name, sbx_check_control(ns[i].ctl)->blocks);
				snprintf(fix, sizeof(fix), "add {\"type\": \"%s\"} to linux.namespaces (without a path)", name);
				live_src(r, sbx_check_add(r, ns[i].ctl, FAIL, ns[i].lv, KERN, "linux.namespaces",
							  attack, fix, "the %s namespace is the host's", name),
					 "/proc/%d/ns/%s", (int)l->pid, sbx_ns_proc_name(ns[i].t));
			} else {
				live_src(r, sbx_check_add(r, ns[i].ctl, PASS, 0, KERN, NULL, NULL, NULL,
							  "own %s namespace", name),
					 "/proc/%d/ns/%s", (int)l->pid, sbx_ns_proc_name(ns[i].t));
			}
		} else if (ns[i].ctl) {
			live_src(r, sbx_check_add(r, ns[i].ctl, PASS, 0, KERN, NULL, NULL, NULL,
						  "no user namespace is joined (see the userns control)"),
				 "/proc/%d/ns/%s", (int)l->pid, sbx_ns_proc_name(ns[i].t));
		}
		if (st == SBX_NS_HOST && c && !c->path) {
			live_src(r, sbx_check_add(r, "drift-namespaces", FAIL, SBX_CHECK_HIGH, DRIFT, "linux.namespaces",
						  "The config promises isolation that the container does not have.",
						  "recreate the container; report a runtime bug if it persists",
						  "the config asks for a new %s namespace, but the container uses the host's", name),
				 "/proc/%d/ns/%s", (int)l->pid, sbx_ns_proc_name(ns[i].t));
			drift++;
		} else if (st == SBX_NS_OWN && !c && ns[i].t != SBX_NS_USER) {
			live_src(r, sbx_check_add(r, "drift-namespaces", FAIL, SBX_CHECK_LOW, DRIFT, "linux.namespaces",
						  "Nothing for an attacker; the container is more isolated than its config says.",
						  "add the namespace to linux.namespaces so the config says what runs",
						  "the config has no %s namespace, but the container has its own", name),
				 "/proc/%d/ns/%s", (int)l->pid, sbx_ns_proc_name(ns[i].t));
			drift++;
		}
	}
	if (!drift)
		sbx_check_add(r, "drift-namespaces", PASS, 0, DRIFT, NULL, NULL, NULL,
			      "the namespaces match the config");
}

/* drift-idmap for one of uid_map/gid_map: `want` is the map the launcher
 * writes for this config.  False (and a finding) if they differ. */
static bool map_drift(struct sbx_check_report *r, const struct sbx_check_live *l, const char *file,
		      const char *what, const char *cfg_path, const struct idm *have, size_t n,
		      const struct idm *want, size_t nw)
{
	bool same = nw == n;

	for (size_t i = 0; same && i < nw; i++) {
		bool found = false;
		for (size_t k = 0; k < n; k++)
			found |= want[i].c == have[k].c && want[i].h == have[k].h && want[i].n == have[k].n;
		same = found;
	}
	if (!same)
		live_src(r, sbx_check_add(r, "drift-idmap", FAIL, SBX_CHECK_MEDIUM, DRIFT, cfg_path,
					  "Container ids own other host ids than the config says: files may be shared with the wrong host users.",
					  "recreate the container with the intended linux.uidMappings and gidMappings",
					  "%s differs from %s (first line: %u %u %u)", file, what,
					  n ? have[0].c : 0, n ? have[0].h : 0, n ? have[0].n : 0),
			 "/proc/%d/%s", (int)l->pid, file);
	return same;
}

/* The map a new user namespace gets: the config's, or (none in the
 * config) the caller's own id as container root; 0 if unknown. */
static size_t want_map(const struct sbx_idmap *cm, size_t ncm, long owner, struct idm *want, size_t max)
{
	size_t nw = 0;

	for (size_t i = 0; i < ncm && nw < max; i++)
		want[nw++] = (struct idm){ cm[i].container_id, cm[i].host_id, cm[i].size };
	if (!ncm && owner >= 0)
		want[nw++] = (struct idm){ 0, (uint32_t)owner, 1 };
	return nw;
}

/* Does any extent map host id 0? */
static bool maps_host_root(const struct idm *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (m[i].h == 0 && m[i].n > 0)
			return true;
	return false;
}

/* The kernel's verdict on the user namespace: none (full map), host root
 * or group root mapped in, or a proper unprivileged map. */
static void userns_verdict(const struct sbx_check_live *l, const struct idm *m, size_t n,
			   const struct idm *g, size_t ng, long cuid, struct sbx_check_report *r)
{
	if (full_map(m, n))
		live_src(r, sbx_check_add(r, "userns", FAIL, cuid == 0 ? SBX_CHECK_MEDIUM : SBX_CHECK_LOW, KERN,
					  "linux.namespaces",
					  "Container uid 0 is host uid 0: a process that escapes the other layers is root on the host.",
					  "add {\"type\": \"user\"} to linux.namespaces with an unprivileged id map (`sbxrun spec --rootless`)",
					  "no user namespace: container ids are host ids"),
			 "/proc/%d/uid_map", (int)l->pid);
	else if (maps_host_root(m, n))
		live_src(r, sbx_check_add(r, "userns", FAIL, SBX_CHECK_HIGH, KERN, "linux.uidMappings",
					  "A container uid is host root: files it creates and processes it escapes with belong to root.",
					  "map the container to a subordinate range that does not include host uid 0",
					  "host uid 0 is mapped into the container"),
			 "/proc/%d/uid_map", (int)l->pid);
	else if (maps_host_root(g, ng))
		/* Group root owns host files that uid root does not need to:
		 * e.g. group-writable ones under /etc, /var, disks (group disk
		 * aside, many distributions give group root read access). */
		live_src(r, sbx_check_add(r, "userns", FAIL, SBX_CHECK_HIGH, KERN, "linux.gidMappings",
					  "A container gid is host gid 0: files it creates belong to group root, and host files open to group root are open to it.",
					  "map the container's gids to a subordinate range that does not include host gid 0",
					  "host gid 0 is mapped into the container"),
			 "/proc/%d/gid_map", (int)l->pid);
	else
		live_src(r, sbx_check_add(r, "userns", PASS, 0, KERN, NULL, NULL, NULL,
					  "user namespace; container uid %u is host uid %u%s%s", m[0].c, m[0].h,
					  l->pool_expected ? " (a block of the sbxrun user's subordinate ids)" : "",
					  l->root_idmapped ? "; the rootfs is id-mapped" : ""),
			 "/proc/%d/uid_map", (int)l->pid);
}

/* run.sbx.userns=auto: the config has no map; the launcher mapped the
 * block of the pool that the record holds. */
static void pool_idmap_drift(const struct sbx_check_live *l, const struct idm *m, size_t n,
			     const struct idm *g, size_t ng, struct sbx_check_report *r)
{
	struct idm want;
	char what[64];
	bool same, gsame;

	if (!l->has_pool_map) {
		sbx_check_add(r, "drift-idmap", SKIP, 0, DRIFT, NULL, NULL, NULL,
			      "block %u of the user namespace pool could not be resolved", l->pool_block);
		return;
	}
	snprintf(what, sizeof(what), "block %u of the user namespace pool", l->pool_block);
	want = (struct idm){ 0, l->pool_uid, l->pool_size };
	same = map_drift(r, l, "uid_map", what, "linux.uidMappings", m, n, &want, 1);
	want = (struct idm){ 0, l->pool_gid, l->pool_size };
	gsame = !l->gid_map || map_drift(r, l, "gid_map", what, "linux.gidMappings", g, ng, &want, 1);
	if (same && gsame)
		sbx_check_add(r, "drift-idmap", PASS, 0, DRIFT, NULL, NULL, NULL,
			      "uid_map and gid_map are block %u of the user namespace pool (run.sbx.userns=auto): 0 %u %u, 0 %u %u",
			      l->pool_block, l->pool_uid, l->pool_size, l->pool_gid, l->pool_size);
}

/* Drift: the maps a new user namespace of the config's should have. */
static void idmap_drift(const struct sbx_config *cfg, const struct sbx_check_live *l,
			uid_t owner_uid, gid_t owner_gid, const struct idm *m, size_t n,
			const struct idm *g, size_t ng, struct sbx_check_report *r)
{
	const struct sbx_namespace *uns = sbx_config_ns(cfg, SBX_NS_USER);
	struct idm want[64];
	size_t nw;
	bool same, gsame;

	if (!uns || uns->path)
		return;
	if (!cfg->linux.n_uid_mappings && l->pool_expected) {
		pool_idmap_drift(l, m, n, g, ng, r);
		return;
	}
	nw = want_map(cfg->linux.uid_mappings, cfg->linux.n_uid_mappings, (long)owner_uid, want,
		      SBX_ARRAY_SIZE(want));
	same = map_drift(r, l, "uid_map", "the config", "linux.uidMappings", m, n, want, nw);
	/* Without gidMappings the launcher maps the creator's gid, which the
	 * record does not keep: (gid_t)-1 means no verdict on gid_map.  An
	 * unreadable gid_map is reported with the other unreadable sources. */
	nw = want_map(cfg->linux.gid_mappings, cfg->linux.n_gid_mappings,
		      owner_gid == (gid_t)-1 ? -1 : (long)owner_gid, want, SBX_ARRAY_SIZE(want));
	gsame = !l->gid_map || !nw || map_drift(r, l, "gid_map", "the config", "linux.gidMappings", g, ng, want, nw);
	if (same && gsame)
		sbx_check_add(r, "drift-idmap", PASS, 0, DRIFT, NULL, NULL, NULL, "%s the config",
			      l->gid_map && nw ? "uid_map and gid_map match" : "uid_map matches");
}

static void l_users(const struct sbx_config *cfg, const struct sbx_check_live *l, uid_t owner_uid,
		    gid_t owner_gid, struct sbx_check_report *r)
{
	struct idm m[340], g[340];
	size_t n = l->uid_map ? parse_map(l->uid_map, m, SBX_ARRAY_SIZE(m)) : 0;
	size_t ng = l->gid_map ? parse_map(l->gid_map, g, SBX_ARRAY_SIZE(g)) : 0;
	const struct sbx_check_proc *p = &l->procs[0];
	long cuid = p->uid >= 0 ? to_container(m, n, p->uid) : -1;

	if (!l->uid_map) {
		sbx_check_add(r, "userns", SKIP, 0, KERN, NULL, NULL, NULL, "could not read uid_map");
		sbx_check_add(r, "root-user", SKIP, 0, KERN, NULL, NULL, NULL, "could not read uid_map");
		return;
	}
	userns_verdict(l, m, n, g, ng, cuid, r);
	if (cuid == 0)
		live_src(r, sbx_check_add(r, "root-user", FAIL, full_map(m, n) ? SBX_CHECK_MEDIUM : SBX_CHECK_LOW,
					  KERN, "process.user.uid",
					  full_map(m, n) ? "Root in the container is root on the host: one escape and the attacker owns the machine."
							 : "Root in the container owns the whole image and every capability granted; any escape starts from there.",
					  "set process.user.uid and gid to an unprivileged id that the image has",
					  "init runs as uid 0 in the container (host uid %ld)", p->uid),
			 "/proc/%d/status: Uid", (int)l->pid);
	else
		live_src(r, sbx_check_add(r, "root-user", PASS, 0, KERN, NULL, NULL, NULL,
					  "init runs as uid %ld in the container", cuid),
			 "/proc/%d/status: Uid", (int)l->pid);
	idmap_drift(cfg, l, owner_uid, owner_gid, m, n, g, ng, r);
}

static void l_mounts(const struct sbx_config *cfg, const struct sbx_check_live *l,
		     struct sbx_check_report *r)
{
	size_t sens = 0, sock = 0, shared = 0;

	if (!l->have_mounts) {
		static const char *const ids[] = { "readonly-root", "sensitive-mounts", "runtime-socket",
						   "mount-propagation" };
		for (size_t i = 0; i < SBX_ARRAY_SIZE(ids); i++)
			live_src(r, sbx_check_add(r, ids[i], SKIP, 0, KERN, NULL, NULL, NULL,
						  "could not read the container's mountinfo"),
				 "/proc/%d/mountinfo", (int)l->pid);
		return;
	}
	if (l->root_readonly)
		live_src(r, sbx_check_add(r, "readonly-root", PASS, 0, KERN, NULL, NULL, NULL,
					  "/ is mounted read-only"), "/proc/%d/mountinfo: /", (int)l->pid);
	else
		live_src(r, sbx_check_add(r, "readonly-root", FAIL, SBX_CHECK_MEDIUM, KERN, "root.readonly",
					  "The workload can replace binaries and libraries in its image and keep malware there.",
					  "set root.readonly to true and recreate the container",
					  "/ is mounted read-write"), "/proc/%d/mountinfo: /", (int)l->pid);
	if (l->root_readonly != cfg->root.readonly)
		live_src(r, sbx_check_add(r, "drift-readonly-root", FAIL,
					  cfg->root.readonly ? SBX_CHECK_HIGH : SBX_CHECK_LOW, DRIFT, "root.readonly",
					  cfg->root.readonly ? "The config promises a read-only root that is writable."
							     : "Nothing for an attacker; the root is read-only although the config says otherwise.",
					  cfg->root.readonly ? "recreate the container; report a runtime bug if it persists"
							     : "set root.readonly to true so the config says what runs",
					  "config root.readonly %s, kernel: / is %s", cfg->root.readonly ? "true" : "false",
					  l->root_readonly ? "read-only" : "read-write"),
			 "/proc/%d/mountinfo: /", (int)l->pid);
	else
		sbx_check_add(r, "drift-readonly-root", PASS, 0, DRIFT, NULL, NULL, NULL,
			      "the root's read-only flag matches the config");
	for (size_t i = 0; i < l->n_mounts; i++) {
		const struct sbx_check_live_mount *m = &l->mounts[i];
		const char *ctl = NULL, *why = NULL;
		enum sbx_check_level lv;

		if (m->shared) {
			live_src(r, sbx_check_add(r, "mount-propagation", FAIL, SBX_CHECK_MEDIUM, KERN, "mounts",
						  "With shared propagation, mounts made on either side appear on the other.",
						  "use \"rprivate\" or \"rslave\" propagation",
						  "%s has shared propagation", m->dest),
				 "/proc/%d/mountinfo: %s", (int)l->pid, m->dest);
			shared++;
		}
		if (!m->host_path)
			continue;
		/* The runtime's read-only stand-in for a fresh sysfs or cgroup
		 * mount (no new netns, no usable cgroup2): same place, ro. */
		if (m->readonly && !strcmp(m->host_path, m->dest) &&
		    (!strcmp(m->dest, "/sys") || !strcmp(m->dest, "/sys/fs/cgroup")))
			continue;
		lv = sbx_check_host_path_level(m->host_path, m->readonly, &ctl, &why);
		if (lv == SBX_CHECK_NONE || !strcmp(ctl, "host-devices"))
			continue; /* devices: judged on linux.devices (the defaults are binds too) */
		{
			char attack[512];
			snprintf(attack, sizeof(attack), "Through %s the container reaches %s.", m->dest, why);
			live_src(r, sbx_check_add(r, ctl, FAIL, lv, KERN, "mounts", attack,
						  "remove the mount (or bind only the files needed, read-only) and recreate the container",
						  "host %s is mounted at %s (%s)", m->host_path, m->dest,
						  m->readonly ? "read-only" : "read-write"),
				 "/proc/%d/mountinfo: %s", (int)l->pid, m->dest);
		}
		if (!strcmp(ctl, "runtime-socket"))
			sock++;
		else
			sens++;
	}
	if (!sens)
		live_src(r, sbx_check_add(r, "sensitive-mounts", PASS, 0, KERN, NULL, NULL, NULL,
					  "no sensitive host path is mounted"), "/proc/%d/mountinfo", (int)l->pid);
	if (!sock)
		live_src(r, sbx_check_add(r, "runtime-socket", PASS, 0, KERN, NULL, NULL, NULL,
					  "no container engine socket is mounted"), "/proc/%d/mountinfo", (int)l->pid);
	if (!shared)
		live_src(r, sbx_check_add(r, "mount-propagation", PASS, 0, KERN, NULL, NULL, NULL,
					  "no mount has shared propagation"), "/proc/%d/mountinfo", (int)l->pid);
}

static void limit(struct sbx_check_report *r, const struct sbx_check_live *l, const char *ctl,
		  const char *file, bool has, uint64_t have, bool want_has, uint64_t want,
		  const char *path, const char *attack)
{
	bool limited = l->have_cgroup && has && have != UINT64_MAX;
	char fix[256];

	snprintf(fix, sizeof(fix), "set %s (needs cgroup v2 delegated to the user when rootless: docs/cgroups.md)", path);
	if (limited)
		live_src(r, sbx_check_add(r, ctl, PASS, 0, KERN, NULL, NULL, NULL, "%s is %llu", file,
					  (unsigned long long)have), "%s/%s", l->cgroup_path, file);
	else
		live_src(r, sbx_check_add(r, ctl, FAIL, SBX_CHECK_LOW, KERN, path, attack, fix,
					  !l->have_cgroup ? "no cgroup v2 limits (the container has no cgroup%s)" :
					  has ? "%s is max" : "no %s (the controller is not enabled in the cgroup)",
					  l->have_cgroup ? file : ""),
			 "%s/%s", l->cgroup_path ? l->cgroup_path : "(no cgroup)", file);
	if (want_has && (!limited || have != want))
		live_src(r, sbx_check_add(r, "drift-resources", FAIL,
					  !limited || have > want ? SBX_CHECK_HIGH : SBX_CHECK_LOW, DRIFT, path,
					  !limited || have > want ? "The container may use more than its config allows."
								  : "Nothing for an attacker; the kernel limit is stricter than the config.",
					  "apply the config's value with `sbxrun update`, or change the config to match",
					  "config %llu, kernel %s %s", (unsigned long long)want, file,
					  limited ? "differs" : "is max"),
			 "%s/%s", l->cgroup_path ? l->cgroup_path : "(no cgroup)", file);
}

static void l_resources(const struct sbx_config *cfg, const struct sbx_check_live *l,
			struct sbx_check_report *r)
{
	const struct sbx_resources *res = &cfg->linux.resources;
	size_t before = r->n;
	bool nproc = false;

	limit(r, l, "memory-limit", "memory.max", l->has_memory_max, l->memory_max,
	      res->memory.present && res->memory.has_limit && res->memory.limit > 0,
	      (uint64_t)res->memory.limit, "linux.resources.memory.limit",
	      "The container can take all of the host's memory; the host's OOM killer then picks victims outside it.");
	if (cfg->process && sbx_config_ns(cfg, SBX_NS_USER))
		for (size_t i = 0; i < cfg->process->n_rlimits; i++)
			nproc |= !strcmp(cfg->process->rlimits[i].type, "RLIMIT_NPROC");
	if (nproc && !(l->have_cgroup && l->has_pids_max && l->pids_max != UINT64_MAX))
		sbx_check_add(r, "pids-limit", PASS, 0, SBX_CHECK_SRC_CONFIG, "process.rlimits", NULL, NULL,
			      "no pids cgroup limit, but RLIMIT_NPROC per user of the container's user namespace");
	else
		limit(r, l, "pids-limit", "pids.max", l->has_pids_max, l->pids_max,
		      res->pids.present && res->pids.limit > 0, (uint64_t)res->pids.limit,
		      "linux.resources.pids.limit",
		      "A fork bomb in the container fills the host's process table.");
	{
		bool quota = l->have_cgroup && l->has_cpu_max && l->cpu_quota != UINT64_MAX;
		bool weight = l->have_cgroup && l->has_cpu_weight && l->cpu_weight != 100;
		if (quota || weight)
			live_src(r, sbx_check_add(r, "cpu-limit", PASS, 0, KERN, NULL, NULL, NULL,
						  "cpu.max quota %s, cpu.weight %llu", quota ? "set" : "max",
						  (unsigned long long)l->cpu_weight), "%s/cpu.max", l->cgroup_path);
		else
			live_src(r, sbx_check_add(r, "cpu-limit", FAIL, SBX_CHECK_LOW, KERN, "linux.resources.cpu",
						  "A busy loop in the container competes with the host's own services on equal terms.",
						  "set linux.resources.cpu.shares or quota (needs delegated cgroup v2 when rootless)",
						  "no CPU quota or weight"),
				 "%s/cpu.max", l->cgroup_path ? l->cgroup_path : "(no cgroup)");
		if (res->cpu.present && res->cpu.has_shares && res->cpu.shares > 0 &&
		    (!l->has_cpu_weight || l->cpu_weight != sbx_cgroup_shares_to_weight(res->cpu.shares)))
			live_src(r, sbx_check_add(r, "drift-resources", FAIL, SBX_CHECK_LOW, DRIFT, "linux.resources.cpu.shares",
						  "The container's CPU weight is not what its config says.",
						  "apply the config's value with `sbxrun update --cpu-shares`",
						  "config cpu.shares %llu, kernel cpu.weight differs",
						  (unsigned long long)res->cpu.shares),
				 "%s/cpu.weight", l->cgroup_path ? l->cgroup_path : "(no cgroup)");
	}
	for (size_t i = before; i < r->n; i++)
		if (!strcmp(r->v[i].control->id, "drift-resources"))
			return;
	sbx_check_add(r, "drift-resources", PASS, 0, DRIFT, NULL, NULL, NULL,
		      "the cgroup limits match the config");
}

static void l_sshd(const struct sbx_check_live *l, struct sbx_check_report *r)
{
	for (size_t i = 0; i < l->n_procs; i++)
		if (!strcmp(l->procs[i].comm, "sshd") || !strcmp(l->procs[i].comm, "dropbear")) {
			live_src(r, sbx_check_add(r, "sshd", FAIL, SBX_CHECK_MEDIUM, KERN, "process.args",
						  "An SSH daemon is another way in, with its own keys, users and bugs.",
						  "do not run an SSH server in the container; use `sbxrun exec`",
						  "pid %d runs %s", (int)l->procs[i].pid, l->procs[i].comm),
				 "/proc/%d/status: Name", (int)l->procs[i].pid);
			return;
		}
	sbx_check_add(r, "sshd", PASS, 0, KERN, NULL, NULL, NULL, "no SSH server among the %zu processes",
		      l->n_procs);
}

int sbx_check_live_evaluate(const struct sbx_config *cfg, const struct sbx_check_live *l,
			    uid_t owner_uid, gid_t owner_gid, struct sbx_check_report *r,
			    struct sbx_err *err)
{
	if (!l->n_procs || !l->procs[0].have_status)
		return sbx_err_set(err, 0, "check: no status for the container's init");
	l_apparmor(cfg, l, r);
	l_landlock(cfg, l, r);
	l_caps(cfg, l, r);
	l_nnp_seccomp(cfg, l, r);
	l_namespaces(cfg, l, r);
	l_users(cfg, l, owner_uid, owner_gid, r);
	l_mounts(cfg, l, r);
	l_resources(cfg, l, r);
	l_sshd(l, r);
	for (size_t i = 0; i < l->n_unreadable; i++)
		sbx_check_add(r, "drift-namespaces", SKIP, 0, KERN, NULL, NULL, NULL, "could not read %s",
			      l->unreadable[i]);
	/* Everything without a kernel source is judged on the config. */
	if (sbx_check_config_controls(cfg, true, r, err) < 0)
		return -1;
	sbx_check_sort(r);
	return 0;
}
