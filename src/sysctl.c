/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/sysctl.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The key's file under /proc/sys, from its dot form: '.' separates,
 * a '/' in the dot form is a literal dot of a component. */
static char *proc_path(const char *dotted)
{
	char *path = sbx_xasprintf("/proc/sys/%s", dotted);

	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		*p = *p == '.' ? '/' : *p == '/' ? '.' : *p;
	return path;
}

/* Which namespace a key needs; SBX_NS_COUNT: not namespaced (refused). */
static int key_namespace(const struct sbx_config *cfg, const char *key, const char *k,
			 const char *v, enum sbx_ns_type *need, struct sbx_err *err)
{
	static const char *const ipc_exact[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
						 "kernel.sem", "kernel.shmall", "kernel.shmmax",
						 "kernel.shmmni", "kernel.shm_rmid_forced" };

	*need = SBX_NS_COUNT;
	for (size_t j = 0; j < SBX_ARRAY_SIZE(ipc_exact); j++)
		if (!strcmp(k, ipc_exact[j]))
			*need = SBX_NS_IPC;
	if (!strncmp(k, "fs.mqueue.", 10))
		*need = SBX_NS_IPC;
	if (!strncmp(k, "net.", 4))
		*need = SBX_NS_NETWORK;
	/* The UTS names have their own fields.  kernel.hostname always
	 * conflicts with `hostname` (runc and crun refuse it): which of the
	 * two wins would be an accident of ordering.  kernel.domainname is
	 * refused when `domainname` says otherwise (crun's rule). */
	if (!strcmp(k, "kernel.hostname"))
		return sbx_err_setk(err, SBX_ERR_CONFIG, 0, "config.json: linux.sysctl: \"%s\" conflicts"
				    " with the OCI \"hostname\" field: set \"hostname\" instead", key);
	if (!strcmp(k, "kernel.domainname")) {
		if (cfg->domainname && *cfg->domainname && strcmp(cfg->domainname, v) != 0)
			return sbx_err_setk(err, SBX_ERR_CONFIG, 0, "config.json: linux.sysctl: \"%s\"=\"%s\""
					    " conflicts with the OCI \"domainname\" field (\"%s\")",
					    key, v, cfg->domainname);
		*need = SBX_NS_UTS;
	}
	return 0;
}

int sbx_sysctl_compile(const struct sbx_config *cfg, struct sbx_sysctl_plan *out,
		       struct sbx_err *err)
{
	memset(out, 0, sizeof(*out));
	if (cfg->linux.n_sysctl)
		out->e = sbx_xcalloc(cfg->linux.n_sysctl, sizeof(*out->e));
	for (size_t i = 0; i < cfg->linux.n_sysctl; i++) {
		const char *key = cfg->linux.sysctl[i].key, *v = cfg->linux.sysctl[i].value;
		char k[SBX_SYSCTL_KEY_MAX];
		enum sbx_ns_type need;

		/* Too long is refused, never cut: a shortened key would name
		 * another file. */
		if (!key_ok(key) || strlen(key) >= sizeof(k)) {
			sbx_sysctl_plan_free(out);
			return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
					    "config.json: linux.sysctl: invalid key \"%s\"%s", key,
					    strlen(key) >= sizeof(k) ? " (too long)" : "");
		}
		dot_form(key, k, sizeof(k));
		if (key_namespace(cfg, key, k, v, &need, err) < 0) {
			sbx_sysctl_plan_free(out);
			return -1;
		}
		if (need == SBX_NS_COUNT || !has_new_ns(cfg, need)) {
			sbx_sysctl_plan_free(out);
			if (need == SBX_NS_COUNT)
				return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
						    "config.json: linux.sysctl: \"%s\" is not namespaced: refusing to change a host-wide kernel setting",
						    key);
			return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
					    "config.json: linux.sysctl: \"%s\" requires a %s namespace",
					    key, sbx_ns_type_name(need));
		}
		out->e[out->n].key = key;
		out->e[out->n].value = v;
		out->e[out->n].path = proc_path(k);
		out->n++;
	}
	return 0;
}

void sbx_sysctl_plan_free(struct sbx_sysctl_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->e[i].path);
	free(p->e);
	p->e = NULL;
	p->n = 0;
}

int sbx_sysctl_apply_child(const struct sbx_sysctl_plan *p, struct sbx_err *err)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct sbx_sysctl_entry *e = &p->e[i];
		if (sbx_write_file_at(AT_FDCWD, e->path, e->value, strlen(e->value), err) < 0)
			return sbx_err_prefix(err, "sysctl %s=%s", e->key, e->value);
	}
	return 0;
}
