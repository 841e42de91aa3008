/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sbxrun check`: the control table and the report (see include/sbx/check.h).
 *
 * CIS numbers are those of the CIS Docker Benchmark v1.6.0 (section 5,
 * "Container Runtime Configuration"), the numbering Docker Bench for
 * Security uses.  Controls of that section that are about the engine and
 * not the runtime (swarm mode 5.1, needed ports 5.9, restart policy 5.15,
 * ulimit review 5.19, exec options 5.23/5.24, health checks 5.27, image
 * pinning 5.28, docker0 5.30) have no equivalent here; docs/check.md says
 * why for each.
 */
#include "sbx/check.h"
#include "sbx/jsonloc.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define L_MAC "Mandatory access control"
#define L_CAPS "Capabilities"
#define L_PRIV "Privileges"
#define L_SYSCALL "System calls"
#define L_NS "Namespaces"
#define L_FS "Filesystem"
#define L_DEV "Devices"
#define L_RES "Resources"
#define L_PROC "Process"
#define L_NET "Network"

/* Table order is the output order (layer by layer). */
static const struct sbx_check_control controls[] = {
	{ "apparmor", "5.2", L_MAC, "an AppArmor profile confines the process",
	  "file, mount, ptrace and signal access outside the profile, even by root in the container",
	  "docs/apparmor.md" },
	{ "selinux", "5.3", L_MAC, "SELinux options are set, if applicable",
	  "nothing here: sbxrun does not implement SELinux labels (AppArmor and Landlock are its MAC layers)",
	  "docs/apparmor.md" },
	{ "landlock", NULL, L_MAC, "Landlock limits the paths the process can use",
	  "access to any path outside an allow-list, enforced by the kernel without privilege or LSM policy",
	  "docs/landlock.md" },
	{ "drift-apparmor", NULL, L_MAC, "the kernel applied the configured AppArmor profile",
	  "trusting a config whose confinement the container does not have", "docs/apparmor.md" },
	{ "drift-landlock", NULL, L_MAC, "the kernel can enforce the configured Landlock rules",
	  "trusting a config whose confinement the container does not have", "docs/landlock.md" },

	{ "capabilities", "5.4", L_CAPS, "capabilities are restricted to what the workload needs",
	  "privileged kernel operations: mounts, raw sockets, module loading, ptrace of other processes",
	  "docs/capabilities.md" },
	{ "privileged", "5.5", L_CAPS, "the container is not privileged (all capabilities or all devices)",
	  "the trivial escapes of a privileged container: host disks, kernel modules, every privileged syscall",
	  "docs/capabilities.md" },
	{ "drift-capabilities", NULL, L_CAPS, "the kernel's capability sets match the config",
	  "trusting a config whose capability sets the container does not have",
	  "docs/capabilities.md" },

	{ "no-new-privileges", "5.26", L_PRIV, "no_new_privs is set",
	  "gaining privileges through setuid/setgid binaries or file capabilities in the image",
	  "docs/no-new-privileges.md" },
	{ "root-user", "4.1", L_PRIV, "the process does not run as root",
	  "root's file access (DAC override) and every check that still trusts uid 0",
	  "docs/capabilities.md" },
	{ "drift-no-new-privileges", NULL, L_PRIV, "the kernel's no_new_privs flag matches the config",
	  "trusting a config whose no_new_privs the container does not have",
	  "docs/no-new-privileges.md" },

	{ "seccomp", "5.22", L_SYSCALL, "a seccomp filter restricts the system calls",
	  "rarely needed, exploit-prone syscalls (keyctl, bpf, userfaultfd, unshare, mount, ...)",
	  "docs/seccomp.md" },
	{ "drift-seccomp", NULL, L_SYSCALL, "the kernel's seccomp mode matches the config",
	  "trusting a config whose syscall filter the container does not have", "docs/seccomp.md" },

	{ "host-network", "5.10", L_NS, "the host's network namespace is not shared",
	  "using the host's interfaces and ports, sniffing its traffic, reaching its abstract unix sockets",
	  "docs/namespaces.md" },
	{ "host-pid", "5.16", L_NS, "the host's PID namespace is not shared",
	  "seeing and signalling host processes and reading their /proc files", "docs/namespaces.md" },
	{ "host-ipc", "5.17", L_NS, "the host's IPC namespace is not shared",
	  "reading and writing the host's System V shared memory, semaphores and message queues",
	  "docs/namespaces.md" },
	{ "host-uts", "5.21", L_NS, "the host's UTS namespace is not shared",
	  "changing the host's hostname and domain name", "docs/namespaces.md" },
	{ "host-userns", "5.31", L_NS, "the host's user namespace is not shared",
	  "capabilities that count against the host's own resources", "docs/namespaces.md" },
	{ "userns", NULL, L_NS, "a user namespace maps container root to an unprivileged host user",
	  "root in the container being root on the host after an escape", "docs/namespaces.md" },
	{ "drift-namespaces", NULL, L_NS, "the kernel's namespaces match the config",
	  "trusting a config whose isolation the container does not have", "docs/namespaces.md" },
	{ "drift-idmap", NULL, L_NS, "the user namespace's id maps match the config",
	  "container ids owning host files the config did not give them", "docs/namespaces.md" },

	{ "readonly-root", "5.13", L_FS, "the root filesystem is read-only",
	  "changing the image's binaries and libraries and persisting malware in it",
	  "docs/filesystem.md" },
	{ "sensitive-mounts", "5.6", L_FS, "no sensitive host directory is mounted",
	  "reading or changing host configuration, kernel interfaces and other containers' data",
	  "docs/filesystem.md" },
	{ "runtime-socket", "5.32", L_FS, "no container engine socket is mounted",
	  "starting a privileged container on the host through the engine's API",
	  "docs/filesystem.md" },
	{ "mount-propagation", "5.20", L_FS, "mount propagation is not shared",
	  "mounts made in the container appearing on the host, and the reverse",
	  "docs/filesystem.md" },
	{ "masked-paths", NULL, L_FS, "kernel information files are masked",
	  "reading kernel memory, keys and timer data that help an exploit (/proc/kcore, /proc/keys, ...)",
	  "docs/filesystem.md" },
	{ "proc-sys-readonly", NULL, L_FS, "/proc/sys, /proc/sysrq-trigger and /sys are read-only",
	  "changing kernel parameters and triggering sysrq", "docs/filesystem.md" },
	{ "tmpfs-size", NULL, L_FS, "every writable tmpfs has a size limit",
	  "filling the host's memory through an unbounded tmpfs such as /tmp", "docs/filesystem.md" },
	{ "drift-readonly-root", NULL, L_FS, "the kernel mounted the root as the config says",
	  "trusting a config whose read-only root the container does not have",
	  "docs/filesystem.md" },

	{ "host-devices", "5.18", L_DEV, "no host device is exposed",
	  "raw access to host disks, consoles and hardware", "docs/filesystem.md" },

	{ "memory-limit", "5.11", L_RES, "memory is limited",
	  "exhausting the host's memory and waking the host's OOM killer", "docs/cgroups.md" },
	{ "cpu-limit", "5.12", L_RES, "a CPU weight or quota is set",
	  "starving the host and other containers of CPU time", "docs/cgroups.md" },
	{ "pids-limit", "5.29", L_RES, "the number of processes is limited",
	  "fork bombs that fill the host's process table", "docs/cgroups.md" },
	{ "cgroup-parent", "5.25", L_RES, "the cgroup is placed where the runtime chooses",
	  "running outside the limits of the parent cgroup you meant", "docs/cgroups.md" },
	{ "drift-resources", NULL, L_RES, "the kernel's cgroup limits match the config",
	  "trusting limits the container does not have", "docs/cgroups.md" },

	{ "sshd", "5.7", L_PROC, "sshd does not run in the container",
	  "a second, unaudited way in with its own keys and attack surface", "docs/check.md" },
	{ "env-secrets", NULL, L_PROC, "no secret is passed in the environment",
	  "secrets leaking through /proc/PID/environ, crash reports, logs and child processes",
	  "docs/check.md" },

	{ "privileged-ports", "5.8", L_NET, "no privileged host port (below 1024) is published",
	  "a container impersonating a system service on a well-known host port", "docs/check.md" },
	{ "host-interface", "5.14", L_NET, "published ports are bound to one host address",
	  "exposing the service on every host interface, public ones included", "docs/check.md" },
};

const struct sbx_check_control *sbx_check_controls(size_t *n)
{
	*n = SBX_ARRAY_SIZE(controls);
	return controls;
}

const struct sbx_check_control *sbx_check_control(const char *id)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(controls); i++)
		if (!strcmp(controls[i].id, id))
			return &controls[i];
	return NULL;
}

const char *sbx_check_level_name(enum sbx_check_level l)
{
	switch (l) {
	case SBX_CHECK_LOW: return "low";
	case SBX_CHECK_MEDIUM: return "medium";
	case SBX_CHECK_HIGH: return "high";
	case SBX_CHECK_NONE: break;
	}
	return "";
}

int sbx_check_level_parse(const char *s, enum sbx_check_level *out)
{
	static const enum sbx_check_level all[] = { SBX_CHECK_LOW, SBX_CHECK_MEDIUM, SBX_CHECK_HIGH };

	for (size_t i = 0; i < SBX_ARRAY_SIZE(all); i++)
		if (s && !strcmp(s, sbx_check_level_name(all[i]))) {
			*out = all[i];
			return 0;
		}
	return -1;
}

const char *sbx_check_status_name(enum sbx_check_status s)
{
	switch (s) {
	case SBX_CHECK_PASS: return "pass";
	case SBX_CHECK_FAIL: return "fail";
	case SBX_CHECK_SKIP: return "skip";
	}
	return "";
}

const char *sbx_check_source_name(enum sbx_check_source s)
{
	switch (s) {
	case SBX_CHECK_SRC_CONFIG: return "config";
	case SBX_CHECK_SRC_KERNEL: return "kernel";
	case SBX_CHECK_SRC_DRIFT: return "drift";
	}
	return "";
}

void sbx_check_report_init(struct sbx_check_report *r)
{
	memset(r, 0, sizeof(*r));
}

void sbx_check_report_free(struct sbx_check_report *r)
{
	if (!r)
		return;
	free(r->v);
	sbx_arena_free(&r->arena);
	memset(r, 0, sizeof(*r));
}

char *sbx_check_strdup(struct sbx_check_report *r, const char *s)
{
	return s ? sbx_arena_strdup(&r->arena, s) : NULL;
}

struct sbx_check_finding *sbx_check_add(struct sbx_check_report *r, const char *control_id,
					enum sbx_check_status st, enum sbx_check_level lvl,
					enum sbx_check_source src, const char *path,
					const char *attack, const char *fix, const char *fmt, ...)
{
	const struct sbx_check_control *c = sbx_check_control(control_id);
	struct sbx_check_finding *f;
	char msg[1024];
	va_list ap;

	if (!c)
		abort(); /* a typo in a control id is a programming error */
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = sbx_xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	f = &r->v[r->n++];
	memset(f, 0, sizeof(*f));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->control = c;
	f->status = st;
	f->level = st == SBX_CHECK_FAIL ? lvl : SBX_CHECK_NONE;
	f->source = src;
	f->path = sbx_check_strdup(r, path);
	f->message = sbx_check_strdup(r, msg);
	if (st == SBX_CHECK_FAIL) {
		f->attack = sbx_check_strdup(r, attack);
		f->fix = sbx_check_strdup(r, fix);
	}
	return f;
}

static size_t control_index(const struct sbx_check_control *c)
{
	return (size_t)(c - controls);
}

/* Layer order = the position of the layer's first control in the table. */
static size_t layer_rank(const struct sbx_check_control *c)
{
	for (size_t i = 0; i < SBX_ARRAY_SIZE(controls); i++)
		if (!strcmp(controls[i].layer, c->layer))
			return i;
	return SIZE_MAX;
}

static int cmp_finding(const struct sbx_check_finding *x, const struct sbx_check_finding *y)
{
	size_t ix = control_index(x->control), iy = control_index(y->control);
	size_t lx = layer_rank(x->control), ly = layer_rank(y->control);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	if (ix != iy)
		return ix < iy ? -1 : 1;
	if (x->status != y->status)
		return x->status == SBX_CHECK_FAIL ? -1 : y->status == SBX_CHECK_FAIL ? 1 :
		       (int)x->status - (int)y->status;
	if (x->level != y->level)
		return x->level > y->level ? -1 : 1;
	return 0;
}

void sbx_check_sort(struct sbx_check_report *r)
{
	/* Insertion sort: stable (findings of one control keep the order they
	 * were found in), and a report has tens of entries. */
	for (size_t i = 1; i < r->n; i++) {
		struct sbx_check_finding t = r->v[i];
		size_t j = i;

		while (j > 0 && cmp_finding(&r->v[j - 1], &t) > 0) {
			r->v[j] = r->v[j - 1];
			j--;
		}
		r->v[j] = t;
	}
}

enum sbx_check_level sbx_check_worst(const struct sbx_check_report *r)
{
	enum sbx_check_level w = SBX_CHECK_NONE;

	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].status == SBX_CHECK_FAIL && r->v[i].level > w)
			w = r->v[i].level;
	return w;
}

int sbx_check_exit_status(const struct sbx_check_report *r, enum sbx_check_level fail_on)
{
	enum sbx_check_level w = sbx_check_worst(r);

	return w != SBX_CHECK_NONE && w >= fail_on ? 1 : 0;
}

void sbx_check_locate(struct sbx_check_report *r, const char *text, size_t len)
{
	for (size_t i = 0; i < r->n; i++) {
		struct sbx_check_finding *f = &r->v[i];
		struct sbx_jsonloc loc;

		if (!f->path)
			continue;
		(void)sbx_jsonloc_find(text, len, f->path, &loc);
		f->line = loc.line;
		f->column = loc.column;
		f->end_line = loc.end_line;
		f->end_column = loc.end_column;
	}
}

int sbx_check_bundle(const char *bundle, struct sbx_check_report *r, struct sbx_err *err)
{
	struct sbx_config *cfg = NULL;
	_sbx_cleanup_free_ char *path = NULL, *text = NULL;
	size_t len = 0;
	int ret = -1;

	if (sbx_config_load(bundle, &cfg, err) < 0)
		return -1;
	r->live = false;
	r->target = sbx_check_strdup(r, cfg->bundle);
	r->bundle = sbx_check_strdup(r, cfg->bundle);
	path = sbx_xasprintf("%s/config.json", strcmp(cfg->bundle, "/") ? cfg->bundle : "");
	r->config_file = sbx_check_strdup(r, path);
	if (sbx_check_config(cfg, r, err) < 0)
		goto out;
	/* Positions only: a second read of the file the parser just accepted.
	 * Should it change in between, only line numbers could be off. */
	if (sbx_read_file_at(AT_FDCWD, path, &text, &len, err) == 0)
		sbx_check_locate(r, text, len);
	sbx_err_clear(err);
	ret = 0;
out:
	sbx_config_free(cfg);
	return ret;
}
