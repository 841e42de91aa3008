/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure parsers of the network settings: publish specs, CIDRs, network and
 * interface names, modes.  Used by the config parser (annotations), by
 * `sbxrun spec` (to refuse a bad flag before writing anything) and by the
 * unit tests.  No system calls here.
 */
#include "sbx/net.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int why_set(char *why, size_t len, const char *fmt, const char *a)
{
	if (why && len)
		snprintf(why, len, fmt, a);
	return -1;
}

/* A decimal port 1..65535, the whole string. */
static int parse_port(const char *s, size_t n, uint16_t *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int sbx_net_parse_publish(const char *spec, struct sbx_publish *out, char *why, size_t len)
{
	char buf[64], *proto, *last, *prev;
	struct in_addr a;

	memset(out, 0, sizeof(*out));
	out->proto = IPPROTO_TCP;
	if (!spec || !*spec)
		return why_set(why, len, "empty publish spec%s", "");
	if (strlen(spec) >= sizeof(buf))
		return why_set(why, len, "\"%.40s...\" is too long", spec);
	strcpy(buf, spec);
	proto = strchr(buf, '/');
	if (proto) {
		*proto++ = '\0';
		if (!strcmp(proto, "tcp"))
			out->proto = IPPROTO_TCP;
		else if (!strcmp(proto, "udp"))
			out->proto = IPPROTO_UDP;
		else
			return why_set(why, len, "unknown protocol \"%s\" (tcp or udp)", proto);
	}
	last = strrchr(buf, ':');
	if (!last)
		return why_set(why, len, "\"%s\" is not [IP:]HOSTPORT:PORT[/tcp|/udp]", spec);
	*last++ = '\0';
	if (parse_port(last, strlen(last), &out->port) < 0)
		return why_set(why, len, "container port \"%s\" is not a number in 1..65535", last);
	prev = strrchr(buf, ':');
	if (prev) {
		*prev++ = '\0';
		if (inet_pton(AF_INET, buf, &a) != 1)
			return why_set(why, len, "host address \"%s\" is not an IPv4 address", buf);
		out->host_ip = a.s_addr;
	} else {
		prev = buf;
	}
	if (parse_port(prev, strlen(prev), &out->host_port) < 0)
		return why_set(why, len, "host port \"%s\" is not a number in 1..65535", prev);
	return 0;
}

int sbx_net_parse_cidr(const char *s, uint32_t *net, unsigned *prefix, char *why, size_t len)
{
	char buf[32], *slash;
	struct in_addr a;
	unsigned long p;
	char *end;
	uint32_t mask;

	if (!s || strlen(s) >= sizeof(buf))
		return why_set(why, len, "\"%s\" is not an IPv4 CIDR (a.b.c.d/N)", s ? s : "");
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return why_set(why, len, "\"%s\" is not an IPv4 CIDR (a.b.c.d/N)", s);
	*slash++ = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return why_set(why, len, "\"%s\" is not an IPv4 CIDR (a.b.c.d/N)", s);
	if (!isdigit((unsigned char)*slash))
		return why_set(why, len, "\"%s\" is not an IPv4 CIDR (a.b.c.d/N)", s);
	p = strtoul(slash, &end, 10);
	if (*end || p < 8 || p > 28)
		return why_set(why, len, "\"%s\": the prefix length must be 8..28", s);
	mask = ~0u << (32 - p);
	if (ntohl(a.s_addr) & ~mask)
		return why_set(why, len, "\"%s\" has host bits set", s);
	*net = ntohl(a.s_addr);
	*prefix = (unsigned)p;
	return 0;
}

int sbx_net_check_name(const char *name, char *why, size_t len)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0)
		return why_set(why, len, "network name is empty%s", "");
	if (n > SBX_NET_NAME_MAX) {
		if (why && len)
			snprintf(why, len,
				 "network name \"%s\" is too long (at most %d characters: its bridge is \"sbx-<name>\" and Linux interface names have at most 15)",
				 name, SBX_NET_NAME_MAX);
		return -1;
	}
	if (!isalnum((unsigned char)name[0]))
		return why_set(why, len, "network name \"%s\" must start with a letter or digit", name);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_' && name[i] != '.')
			return why_set(why, len, "network name \"%s\" may only contain letters, digits, '-', '_' and '.'",
				       name);
	return 0;
}

int sbx_net_check_ifname(const char *name, char *why, size_t len)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0)
		return why_set(why, len, "interface name is empty%s", "");
	if (n > 15)
		return why_set(why, len, "interface name \"%s\" is longer than 15 characters", name);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return why_set(why, len, "\"%s\" is not a valid interface name", name);
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || isspace((unsigned char)name[i]) ||
		    !isprint((unsigned char)name[i]))
			return why_set(why, len, "interface name \"%s\" contains '/', ':', a space or a control character",
				       name);
	return 0;
}

int sbx_net_parse_mode(const char *s, enum sbx_net_mode *mode, enum sbx_net_helper *helper)
{
	*helper = SBX_NET_HELPER_AUTO;
	if (!strcmp(s, "none"))
		*mode = SBX_NET_NONE;
	else if (!strcmp(s, "host"))
		*mode = SBX_NET_HOST;
	else if (!strcmp(s, "bridge"))
		*mode = SBX_NET_BRIDGE;
	else if (!strcmp(s, "user"))
		*mode = SBX_NET_USER;
	else if (!strcmp(s, "user:pasta")) {
		*mode = SBX_NET_USER;
		*helper = SBX_NET_HELPER_PASTA;
	} else if (!strcmp(s, "user:slirp4netns")) {
		*mode = SBX_NET_USER;
		*helper = SBX_NET_HELPER_SLIRP4NETNS;
	} else
		return -1;
	return 0;
}

const char *sbx_net_mode_name(enum sbx_net_mode m)
{
	switch (m) {
	case SBX_NET_NONE: return "none";
	case SBX_NET_HOST: return "host";
	case SBX_NET_BRIDGE: return "bridge";
	case SBX_NET_USER: return "user";
	}
	return "unknown";
}
