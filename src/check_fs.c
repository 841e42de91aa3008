/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sbxrun check` bundle mode, filesystem and devices: mounts (host paths,
 * propagation, tmpfs sizes, sysfs), masked and read-only kernel paths,
 * linux.devices.  Mount options are read with the rootfs module's own
 * parser (sbx_mountopt_parse), so "ro" means here what it means at start.
 */
#include "check_int.h"
#include "sbx/mountopt.h"
#include "sbx/path.h"

#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#define PATHLEN 512
#define FAIL SBX_CHECK_FAIL
#define PASS SBX_CHECK_PASS
#define CFG SBX_CHECK_SRC_CONFIG

/* Filesystems that expose host-wide kernel state whatever the namespace. */
static const char *const kernel_fs[] = { "debugfs", "tracefs", "securityfs", "configfs", "bpf",
					 "efivarfs", "pstore", "fusectl", "binfmt_misc" };

struct fs_seen {
	bool proc, sysfs;
	size_t sensitive, socket, propagation, tmpfs;
};

static void check_bind(const struct sbx_config *cfg, size_t i, const struct sbx_mountopts *mo,
		       struct sbx_check_report *r, struct fs_seen *s, bool live_done)
{
	const struct sbx_mount *m = &cfg->mounts[i];
	bool ro = (mo->flags & MS_RDONLY) || (mo->attr_set & MOUNT_ATTR_RDONLY);
	const char *ctl = NULL, *why = NULL;
	enum sbx_check_level l;
	char path[PATHLEN], *src;

	if (!m->source || m->source[0] != '/')
		return; /* relative: a path inside the bundle */
	src = sbx_xstrdup(m->source);
	sbx_path_clean(src);
	l = sbx_check_host_path_level(src, ro, &ctl, &why);
	if (l != SBX_CHECK_NONE && !(live_done && strcmp(ctl, "host-devices"))) {
		char attack[512], fix[256];
		snprintf(path, sizeof(path), "mounts[%zu].source", i);
		snprintf(attack, sizeof(attack), "Through %s the container reaches %s.", m->destination, why);
		snprintf(fix, sizeof(fix), "remove mounts[%zu] (or bind only the files the workload needs, with \"ro\")", i);
		sbx_check_add(r, ctl, FAIL, l, CFG, path, attack, fix, "host %s %s is mounted at %s",
			      src, ro ? "(read-only)" : "(read-write)", m->destination);
		if (!strcmp(ctl, "runtime-socket"))
			s->socket++;
		else if (!strcmp(ctl, "sensitive-mounts"))
			s->sensitive++;
	}
	free(src);
}

static void check_mount(const struct sbx_config *cfg, size_t i, const struct sbx_mountopts *mo,
			struct sbx_check_report *r, struct fs_seen *s, bool live_done)
{
	const struct sbx_mount *m = &cfg->mounts[i];
	bool ro = (mo->flags & MS_RDONLY) || (mo->attr_set & MOUNT_ATTR_RDONLY);
	bool bind = mo->bind || (m->type && !strcmp(m->type, "bind"));
	const char *type = m->type ? m->type : "";
	char path[PATHLEN];

	if (!live_done && (mo->propagation & MS_SHARED)) {
		snprintf(path, sizeof(path), "mounts[%zu].options", i);
		sbx_check_add(r, "mount-propagation", FAIL, SBX_CHECK_MEDIUM, CFG, path,
			      "With shared propagation, mounts made on either side appear on the other: the container can plant mounts on the host.",
			      "use \"rprivate\" (or \"rslave\" to only receive host mounts) instead of \"shared\"/\"rshared\"",
			      "%s is mounted with shared propagation", m->destination);
		s->propagation++;
	}
	if (bind) {
		check_bind(cfg, i, mo, r, s, live_done);
		return;
	}
	if (!strcmp(type, "proc"))
		s->proc = true;
	if (!strcmp(type, "sysfs")) {
		s->sysfs = true;
		if (!ro) {
			snprintf(path, sizeof(path), "mounts[%zu].options", i);
			sbx_check_add(r, "proc-sys-readonly", FAIL, SBX_CHECK_MEDIUM, CFG, path,
				      "A writable /sys lets root in the container change kernel and device settings it can reach.",
				      "add \"ro\" to the sysfs mount's options (as `sbxrun spec`)",
				      "sysfs at %s is writable", m->destination);
		}
	}
	for (size_t k = 0; k < SBX_ARRAY_SIZE(kernel_fs); k++)
		if (!strcmp(type, kernel_fs[k]) && !live_done) {
			snprintf(path, sizeof(path), "mounts[%zu].type", i);
			sbx_check_add(r, "sensitive-mounts", FAIL, SBX_CHECK_HIGH, CFG, path,
				      "This filesystem is the host kernel's own interface, not namespaced: it can change host-wide settings or leak kernel state.",
				      "remove this mount", "%s (%s) is mounted at %s", type, "host kernel interface",
				      m->destination);
			s->sensitive++;
		}
	if (!strcmp(type, "tmpfs") && !ro && !(mo->data && (strstr(mo->data, "size=") ||
							      strstr(mo->data, "nr_blocks=")))) {
		snprintf(path, sizeof(path), "mounts[%zu].options", i);
		sbx_check_add(r, "tmpfs-size", FAIL, SBX_CHECK_LOW, CFG, path,
			      "An unbounded tmpfs can grow to half the host's memory: a cheap denial of service.",
			      "add a size option, e.g. \"size=64m\", to this mount's options",
			      "tmpfs at %s has no size limit", m->destination);
		s->tmpfs++;
	}
}

/* Is `p` covered by a list entry (the entry itself or a parent)? */
static bool covered(char **list, size_t n, const char *p)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(list[i]);
		if (!strncmp(p, list[i], k) && (p[k] == '\0' || p[k] == '/' || !strcmp(list[i], "/")))
			return true;
	}
	return false;
}

static void c_kernel_paths(const struct sbx_config *cfg, const struct fs_seen *s,
			   struct sbx_check_report *r)
{
	static const char *const proc_masked[] = { "/proc/acpi", "/proc/kcore", "/proc/keys",
						   "/proc/latency_stats", "/proc/timer_list",
						   "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi" };
	static const char *const sys_masked[] = { "/sys/firmware", "/sys/devices/virtual/powercap" };
	static const char *const proc_ro[] = { "/proc/sys", "/proc/sysrq-trigger" };
	const struct sbx_linux *l = &cfg->linux;
	char missing[1024] = "";
	size_t o = 0;

#define CHECK_MASK(p)                                                                         \
	do {                                                                                  \
		if (!covered(l->masked_paths, l->n_masked_paths, p))                          \
			o += (size_t)snprintf(missing + o, sizeof(missing) - o, "%s%s",       \
					      o ? ", " : "", p);                              \
	} while (0)
	if (s->proc)
		for (size_t i = 0; i < SBX_ARRAY_SIZE(proc_masked); i++)
			CHECK_MASK(proc_masked[i]);
	if (s->sysfs)
		for (size_t i = 0; i < SBX_ARRAY_SIZE(sys_masked); i++)
			CHECK_MASK(sys_masked[i]);
#undef CHECK_MASK
	if (o)
		sbx_check_add(r, "masked-paths", FAIL, SBX_CHECK_MEDIUM, CFG,
			      l->n_masked_paths ? "linux.maskedPaths" : (cfg->has_linux ? "linux" : NULL),
			      "Unmasked kernel files leak kernel memory, keyrings and timer data that make kernel exploits reliable.",
			      "add the missing paths to linux.maskedPaths (as `sbxrun spec`)",
			      "not masked: %s", missing);
	else
		sbx_check_add(r, "masked-paths", PASS, 0, CFG,
			      l->n_masked_paths ? "linux.maskedPaths" : NULL, NULL, NULL,
			      s->proc || s->sysfs ? "the kernel information files are masked"
						  : "no /proc or /sys is mounted");

	o = 0;
	missing[0] = '\0';
	if (s->proc)
		for (size_t i = 0; i < SBX_ARRAY_SIZE(proc_ro); i++)
			if (!covered(l->readonly_paths, l->n_readonly_paths, proc_ro[i]) &&
			    !covered(l->masked_paths, l->n_masked_paths, proc_ro[i]))
				o += (size_t)snprintf(missing + o, sizeof(missing) - o, "%s%s",
						      o ? ", " : "", proc_ro[i]);
	if (o)
		sbx_check_add(r, "proc-sys-readonly", FAIL, SBX_CHECK_MEDIUM, CFG,
			      l->n_readonly_paths ? "linux.readonlyPaths" : (cfg->has_linux ? "linux" : NULL),
			      "Writable kernel parameters and sysrq let root in the container change host-wide settings it is allowed to reach, or crash the host.",
			      "add the missing paths to linux.readonlyPaths (as `sbxrun spec`)",
			      "writable: %s", missing);
}

static void c_devices(const struct sbx_config *cfg, struct sbx_check_report *r)
{
	/* The devices every container gets anyway (runtime-spec defaults). */
	static const struct { long maj, min; } std[] = { { 1, 3 }, { 1, 5 }, { 1, 7 }, { 1, 8 },
						      { 1, 9 }, { 5, 0 }, { 5, 2 } };
	const struct sbx_linux *l = &cfg->linux;
	size_t bad = 0;
	char path[PATHLEN];

	for (size_t i = 0; i < l->n_devices; i++) {
		const struct sbx_device *d = &l->devices[i];
		bool standard = false;

		for (size_t k = 0; k < SBX_ARRAY_SIZE(std); k++)
			if (d->type == 'c' && d->major == std[k].maj && d->minor == std[k].min)
				standard = true;
		if (standard || d->type == 'p')
			continue;
		snprintf(path, sizeof(path), "linux.devices[%zu]", i);
		sbx_check_add(r, "host-devices", FAIL, d->type == 'b' ? SBX_CHECK_HIGH : SBX_CHECK_MEDIUM,
			      CFG, path,
			      d->type == 'b' ? "A block device gives raw access to a host disk: every file on it, past all permissions."
					     : "A host character device is a direct line to a driver: hardware access and kernel attack surface.",
			      "remove this entry from linux.devices (and its linux.resources.devices rule)",
			      "host device %s (%c %lld:%lld)", d->path, d->type, (long long)d->major,
			      (long long)d->minor);
		bad++;
	}
	if (!bad)
		sbx_check_add(r, "host-devices", PASS, 0, CFG, NULL, NULL, NULL,
			      "only the standard devices (null, zero, full, random, urandom, tty)");
}

int sbx_check_fs_controls(const struct sbx_config *cfg, bool live_done, struct sbx_check_report *r,
			  struct sbx_err *err)
{
	struct fs_seen s = { 0 };
	struct sbx_arena a = { 0 };
	const char *prop = cfg->linux.rootfs_propagation;

	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct sbx_mount *m = &cfg->mounts[i];
		struct sbx_mountopts mo;

		if (sbx_mountopt_parse(m->options, m->n_options, m->type && !strcmp(m->type, "bind"), i,
				       &a, &mo, err) < 0) {
			sbx_arena_free(&a);
			return -1;
		}
		check_mount(cfg, i, &mo, r, &s, live_done);
	}
	sbx_arena_free(&a);
	if (!live_done) {
		if (prop && strstr(prop, "shared")) {
			sbx_check_add(r, "mount-propagation", FAIL, SBX_CHECK_MEDIUM, CFG, "linux.rootfsPropagation",
				      "With shared propagation, mounts made on either side appear on the other: the container can plant mounts on the host.",
				      "set linux.rootfsPropagation to \"rprivate\" (the default) or \"rslave\"",
				      "rootfsPropagation is \"%s\"", prop);
			s.propagation++;
		}
		if (!s.sensitive)
			sbx_check_add(r, "sensitive-mounts", PASS, 0, CFG, NULL, NULL, NULL,
				      "no sensitive host directory or kernel filesystem is mounted");
		if (!s.socket)
			sbx_check_add(r, "runtime-socket", PASS, 0, CFG, NULL, NULL, NULL,
				      "no container engine socket is mounted");
		if (!s.propagation)
			sbx_check_add(r, "mount-propagation", PASS, 0, CFG, NULL, NULL, NULL,
				      "no mount has shared propagation");
	}
	if (!s.tmpfs)
		sbx_check_add(r, "tmpfs-size", PASS, 0, CFG, NULL, NULL, NULL,
			      "every writable tmpfs has a size");
	c_kernel_paths(cfg, &s, r);
	{
		/* proc-sys-readonly PASS only when neither /sys nor /proc/sys failed. */
		bool failed = false;
		for (size_t i = 0; i < r->n; i++)
			if (!strcmp(r->v[i].control->id, "proc-sys-readonly"))
				failed = true;
		if (!failed)
			sbx_check_add(r, "proc-sys-readonly", PASS, 0, CFG, NULL, NULL, NULL,
				      "/proc/sys, /proc/sysrq-trigger and /sys are read-only (or not mounted)");
	}
	c_devices(cfg, r);
	return 0;
}
