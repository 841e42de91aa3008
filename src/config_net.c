/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.json parser, the network settings: the run.sbx.net.* annotations
 * (written by `sbxrun spec --net ...`) into cfg->net, and linux.netDevices.
 * Exact errors name the annotation and the bad value; the checks that need
 * the system (helper installed, subnet overlap, port in use) are the net
 * module's (src/net*.c).
 */
#include "config_int.h"
#include "sbx/net.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static int ann_fail(struct cfg_ctx *c, const char *key, const char *why)
{
	return sbx_err_set(c->err, 0, "%s: annotations.%s: %s", c->source, key, why);
}

static int parse_publish_list(struct cfg_ctx *c, const char *val, struct sbx_net_config *n)
{
	char why[256], item[128];
	const char *p = val;
	size_t cnt = 1;

	for (const char *q = val; *q; q++)
		cnt += *q == ',';
	n->publish = sbx_arena_alloc(c->arena, cnt * sizeof(*n->publish));
	while (*p) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		struct sbx_publish *pb = &n->publish[n->n_publish];

		if (l >= sizeof(item))
			return ann_fail(c, SBX_NET_ANN_PUBLISH, "a publish spec is too long");
		memcpy(item, p, l);
		item[l] = '\0';
		if (sbx_net_parse_publish(item, pb, why, sizeof(why)) < 0)
			return ann_fail(c, SBX_NET_ANN_PUBLISH, why);
		/* Two rules for one host port: the second would never match. */
		for (size_t i = 0; i < n->n_publish; i++)
			if (n->publish[i].host_port == pb->host_port && n->publish[i].proto == pb->proto &&
			    (n->publish[i].host_ip == pb->host_ip || !n->publish[i].host_ip || !pb->host_ip)) {
				snprintf(why, sizeof(why), "host port %u/%s is published twice",
					 pb->host_port, pb->proto == IPPROTO_UDP ? "udp" : "tcp");
				return ann_fail(c, SBX_NET_ANN_PUBLISH, why);
			}
		n->n_publish++;
		p += l;
		if (*p == ',')
			p++;
	}
	return 0;
}

int sbx_cfg_parse_net(struct cfg_ctx *c, struct sbx_config *cfg)
{
	struct sbx_net_config *n = &cfg->net;
	const char *mode = sbx_config_annotation(cfg, SBX_NET_ANN_MODE);
	const char *pub = sbx_config_annotation(cfg, SBX_NET_ANN_PUBLISH);
	const char *name = sbx_config_annotation(cfg, SBX_NET_ANN_NAME);
	const char *icc = sbx_config_annotation(cfg, SBX_NET_ANN_ICC);
	const char *subnet = sbx_config_annotation(cfg, SBX_NET_ANN_SUBNET);
	char why[256];

	memset(n, 0, sizeof(*n));
	n->icc = true;
	n->present = mode || pub || name || icc || subnet;
	if (mode && sbx_net_parse_mode(mode, &n->mode, &n->helper) < 0) {
		snprintf(why, sizeof(why),
			 "unknown network mode \"%s\" (none, host, bridge, user, user:pasta or user:slirp4netns)",
			 mode);
		return ann_fail(c, SBX_NET_ANN_MODE, why);
	}
	if (pub && *pub && parse_publish_list(c, pub, n) < 0)
		return -1;
	if (name) {
		if (sbx_net_check_name(name, why, sizeof(why)) < 0)
			return ann_fail(c, SBX_NET_ANN_NAME, why);
		n->name = sbx_arena_strdup(c->arena, name);
	}
	if (icc) {
		if (strcmp(icc, "true") && strcmp(icc, "false")) {
			snprintf(why, sizeof(why), "must be \"true\" or \"false\", got \"%s\"", icc);
			return ann_fail(c, SBX_NET_ANN_ICC, why);
		}
		n->icc = !strcmp(icc, "true");
	}
	if (subnet) {
		if (sbx_net_parse_cidr(subnet, &n->subnet, &n->prefix, why, sizeof(why)) < 0)
			return ann_fail(c, SBX_NET_ANN_SUBNET, why);
		n->has_subnet = true;
	}
	/* Settings that only mean something for a mode that has them are
	 * errors elsewhere: silently ignoring --publish would leave the user
	 * believing a port is (or is not) reachable. */
	if (n->n_publish && n->mode != SBX_NET_BRIDGE && n->mode != SBX_NET_USER) {
		snprintf(why, sizeof(why), "publishing ports needs network mode bridge or user, not %s",
			 sbx_net_mode_name(n->mode));
		return ann_fail(c, SBX_NET_ANN_PUBLISH, why);
	}
	if ((name || subnet || icc) && n->mode != SBX_NET_BRIDGE && n->mode != SBX_NET_USER) {
		const char *k = name ? SBX_NET_ANN_NAME : subnet ? SBX_NET_ANN_SUBNET : SBX_NET_ANN_ICC;
		snprintf(why, sizeof(why), "needs network mode bridge, or user with %s, not %s",
			 SBX_NET_ANN_NAME, sbx_net_mode_name(n->mode));
		return ann_fail(c, k, why);
	}
	/* user without a name is the container's own pasta/slirp4netns:
	 * there is no network for a subnet or icc to describe. */
	if ((subnet || icc) && n->mode == SBX_NET_USER && !name) {
		snprintf(why, sizeof(why), "needs %s with network mode user (a user-defined network)",
			 SBX_NET_ANN_NAME);
		return ann_fail(c, subnet ? SBX_NET_ANN_SUBNET : SBX_NET_ANN_ICC, why);
	}
	return 0;
}

int sbx_cfg_parse_net_devices(struct cfg_ctx *c, json_t *lx, struct sbx_linux *l)
{
	char p[SBX_JPATH_MAX], pn[SBX_JPATH_MAX], why[256];
	const char *key;
	json_t *o, *v;
	size_t i = 0;

	if (sbx_cfg_obj(c, lx, "linux", "netDevices", &o) < 0)
		return -1;
	if (!o)
		return 0;
	l->net_devices = sbx_arena_alloc(c->arena, (json_object_size(o) + 1) * sizeof(*l->net_devices));
	json_object_foreach(o, key, v) {
		struct sbx_net_device *d = &l->net_devices[i];

		sbx_cfg_jmap(p, "linux.netDevices", key);
		if (sbx_net_check_ifname(key, why, sizeof(why)) < 0)
			return sbx_cfg_fail(c, p, "%s", why);
		if (!json_is_object(v))
			return sbx_cfg_fail(c, p, "must be an object");
		if (sbx_cfg_str(c, v, p, "name", false, false, &d->name) < 0)
			return -1;
		d->host_name = sbx_arena_strdup(c->arena, key);
		if (!d->name || !*d->name)
			d->name = d->host_name;
		else if (sbx_net_check_ifname(d->name, why, sizeof(why)) < 0)
			return sbx_cfg_fail(c, sbx_cfg_jkey(pn, p, "name"), "%s", why);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(l->net_devices[k].name, d->name))
				return sbx_cfg_fail(c, sbx_cfg_jkey(pn, p, "name"),
						    "\"%s\" is already the name of another device", d->name);
		i++;
	}
	l->n_net_devices = i;
	return 0;
}
