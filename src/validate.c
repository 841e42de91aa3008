/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/validate.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>

#define config_error(err, ...) sbx_err_setk(err, SBX_ERR_CONFIG, 0, __VA_ARGS__)

/*
 * hostname/domainname need a UTS namespace of the container's, new or
 * joined by path (runtime-spec config.md).  A path that names the runtime's
 * own UTS namespace (/proc/1/ns/uts as root, say) is the host's name:
 * setting it would rename the host, so that is refused (runc does it).
 */
int sbx_validate_uts(const struct sbx_config *cfg, struct sbx_err *err)
{
	const struct sbx_namespace *uts = sbx_config_ns(cfg, SBX_NS_UTS);
	const char *what = cfg->hostname ? "hostname" : "domainname";
	struct stat a, b;

	if (!cfg->hostname && !cfg->domainname)
		return 0;
	if (!uts)
		return config_error(err, "config.json: %s: setting it requires a uts namespace (add {\"type\": \"uts\"} to linux.namespaces)",
				    what);
	if (uts->path && stat(uts->path, &a) == 0 && stat("/proc/self/ns/uts", &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return config_error(err, "config.json: %s: the uts namespace %s is the runtime's own: setting it would change the host's name",
				    what, uts->path);
	return 0;
}

/* The rootfs must be a directory; say so plainly (runc: "invalid rootfs"). */
int sbx_validate_rootfs(const struct sbx_config *cfg, struct sbx_err *err)
{
	struct stat st;

	if (stat(cfg->rootfs, &st) < 0)
		return sbx_err_setk(err, SBX_ERR_CONFIG, errno, "invalid rootfs: stat %s", cfg->rootfs);
	if (!S_ISDIR(st.st_mode))
		return sbx_err_setk(err, SBX_ERR_CONFIG, ENOTDIR, "invalid rootfs: %s", cfg->rootfs);
	return 0;
}

/* A user namespace created by the container (not joined by path). */
static bool new_userns(const struct sbx_config *cfg)
{
	const struct sbx_namespace *u = sbx_config_ns(cfg, SBX_NS_USER);

	return u && !u->path;
}

int sbx_validate_launch(const struct sbx_config *cfg, const struct sbx_validate_opts *o,
			struct sbx_err *err)
{
	const struct sbx_linux *l = &cfg->linux;
	const char *init;

	if (!cfg->process)
		return config_error(err, "config.json: process: is required");
	if (!cfg->rootfs)
		return config_error(err, "config.json: root.path: is required");
	/* runc refuses this too: without a terminal nothing would be sent,
	 * and the container would silently keep the caller's stdio. */
	if (o->console_socket && !cfg->process->terminal)
		return config_error(err, "--console-socket %s: process.terminal is false, so there is no terminal to send",
				    o->console_socket);
	if (o->euid != 0 && !sbx_config_ns(cfg, SBX_NS_USER))
		return config_error(err, "config.json: linux.namespaces: running as an unprivileged user needs a user namespace (add {\"type\": \"user\"}, or create the bundle with `sbxrun spec --rootless`)");
	if (sbx_validate_uts(cfg, err) < 0 || sbx_validate_rootfs(cfg, err) < 0)
		return -1;
	/* Maps are written for a namespace we create; a joined one has its
	 * own, which sbxrun must not pretend to change. */
	if (!new_userns(cfg) && (l->n_uid_mappings || l->n_gid_mappings))
		return config_error(err, "config.json: linux.uidMappings: requires a new user namespace");
	init = sbx_config_annotation(cfg, SBX_INIT_ANNOTATION);
	if (init && strcmp(init, "true") && strcmp(init, "false"))
		return config_error(err, "config.json: annotations.%s: must be \"true\" or \"false\", got \"%s\"",
				    SBX_INIT_ANNOTATION, init);
	if ((cfg->hooks.prestart.n || cfg->hooks.create_runtime.n || cfg->hooks.create_container.n ||
	     cfg->hooks.start_container.n) && !o->have_state_builder)
		return sbx_err_set(err, EINVAL, "launcher: hooks configured but no state builder given");
	/* Fail safe: a label that cannot be applied would leave the process
	 * less confined than the config asks. */
	if (cfg->process->selinux_label)
		return config_error(err, "config.json: process.selinuxLabel: SELinux is not supported by sbxrun");
	return 0;
}
