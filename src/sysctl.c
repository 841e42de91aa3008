/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/sysctl.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

static bool has_new_ns(const struct sbx_config *cfg, enum sbx_ns_type t)
{
	const struct sbx_namespace *ns = sbx_config_ns(cfg, t);
	return ns != NULL;
}

static bool key_ok(const char *k)
{
	/* Keys are "a.b.c" (or "a/b/c"); refuse anything that could walk out
	 * of /proc/sys. */
	if (!*k || strstr(k, "..") || k[0] == '/' || k[0] == '.')
		return false;
	for (const char *p = k; *p; p++)
		if (!(*p == '.' || *p == '/' || *p == '_' || *p == '-' || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

/*
 * The key in dot form: runc and crun accept "net/ipv4/ip_forward" too, and
 * when the first separator is '/', '.' and '/' swap ("net/ipv4/conf/eth0.1/
 * forwarding" names the interface "eth0.1").  Comparisons use this form.
 */
static void dot_form(const char *k, char *out, size_t len)
{
	size_t first = strcspn(k, "./"), i;
	bool swap = k[first] == '/';

	for (i = 0; k[i] && i + 1 < len; i++)
		out[i] = !swap ? k[i] : k[i] == '/' ? '.' : k[i] == '.' ? '/' : k[i];
	out[i] = '\0';
}

int sbx_sysctl_compile(const struct sbx_config *cfg, struct sbx_err *err)
{
	static const char *const ipc_exact[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
						 "kernel.sem", "kernel.shmall", "kernel.shmmax",
						 "kernel.shmmni", "kernel.shm_rmid_forced" };

	for (size_t i = 0; i < cfg->linux.n_sysctl; i++) {
		const char *key = cfg->linux.sysctl[i].key, *v = cfg->linux.sysctl[i].value;
		char k[256];
		bool ok = false;
		enum sbx_ns_type need = SBX_NS_COUNT;

		if (!key_ok(key) || strlen(key) >= sizeof(k))
			return sbx_err_set(err, 0, "config.json: linux.sysctl: invalid key \"%s\"", key);
		dot_form(key, k, sizeof(k));
		for (size_t j = 0; j < SBX_ARRAY_SIZE(ipc_exact); j++)
			if (!strcmp(k, ipc_exact[j]))
				ok = true, need = SBX_NS_IPC;
		if (!strncmp(k, "fs.mqueue.", 10))
			ok = true, need = SBX_NS_IPC;
		if (!strncmp(k, "net.", 4))
			ok = true, need = SBX_NS_NETWORK;
		/* The UTS names have their own fields.  kernel.hostname always
		 * conflicts with `hostname` (runc and crun refuse it): which
		 * of the two wins would be an accident of ordering.
		 * kernel.domainname is refused when `domainname` says
		 * otherwise (crun's rule). */
		if (!strcmp(k, "kernel.hostname"))
			return sbx_err_set(err, 0, "config.json: linux.sysctl: \"%s\" conflicts with the"
					   " OCI \"hostname\" field: set \"hostname\" instead", key);
		if (!strcmp(k, "kernel.domainname")) {
			if (cfg->domainname && *cfg->domainname && strcmp(cfg->domainname, v) != 0)
				return sbx_err_set(err, 0, "config.json: linux.sysctl: \"%s\"=\"%s\""
						   " conflicts with the OCI \"domainname\" field (\"%s\")",
						   key, v, cfg->domainname);
			ok = true, need = SBX_NS_UTS;
		}
		if (!ok)
			return sbx_err_set(err, 0,
					   "config.json: linux.sysctl: \"%s\" is not namespaced: refusing to change a host-wide kernel setting",
					   key);
		if (!has_new_ns(cfg, need))
			return sbx_err_set(err, 0,
					   "config.json: linux.sysctl: \"%s\" requires a %s namespace", key,
					   sbx_ns_type_name(need));
	}
	return 0;
}

int sbx_sysctl_apply_child(const struct sbx_config *cfg, struct sbx_err *err)
{
	for (size_t i = 0; i < cfg->linux.n_sysctl; i++) {
		const struct sbx_kv *kv = &cfg->linux.sysctl[i];
		char path[512], k[256];
		size_t o = (size_t)snprintf(path, sizeof(path), "/proc/sys/");

		dot_form(kv->key, k, sizeof(k));
		for (const char *p = k; *p && o + 1 < sizeof(path); p++)
			path[o++] = *p == '.' ? '/' : *p == '/' ? '.' : *p;
		path[o] = '\0';
		if (sbx_write_file_at(AT_FDCWD, path, kv->value, strlen(kv->value), err) < 0)
			return sbx_err_prefix(err, "sysctl %s=%s", kv->key, kv->value);
	}
	return 0;
}
