/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /etc/hosts, /etc/hostname and /etc/resolv.conf for bridge and user mode.
 * The root filesystem is read-only, so the files are generated in the
 * container's state directory (<root>/<id>/etc-*) and bind-mounted read-only
 * over the image's (the mounts are added to the rootfs plan at compile).
 */
#include "net_int.h"
#include "sbx/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *sbx_net_hosts_text(const char *hostname, uint32_t addr)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr a = { htonl(addr) };

	if (!addr || !hostname || !*hostname)
		return sbx_xstrdup("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	return sbx_xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n",
			     ip, hostname);
}

/* The host's resolv.conf without loopback name servers (127.0.0.53 of
 * systemd-resolved, ::1...): they mean the host itself, which the
 * container cannot reach.  `fallback_ns` (user mode's forwarder) is used
 * when nothing is left. */
char *sbx_net_resolv_text(const char *host_resolv, const char *fallback_ns)
{
	char *out = sbx_xstrdup("");
	const char *p = host_resolv ? host_resolv : "";
	bool any = false;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char line[512];
		char *n;

		snprintf(line, sizeof(line), "%.*s", (int)(l < sizeof(line) ? l : sizeof(line) - 1), p);
		p += l + (e ? 1 : 0);
		if (!strncmp(line, "nameserver", 10)) {
			const char *v = line + 10;
			while (*v == ' ' || *v == '\t')
				v++;
			if (!strncmp(v, "127.", 4) || !strncmp(v, "::1", 3) || !*v)
				continue;
			any = true;
		} else if (strncmp(line, "search", 6) && strncmp(line, "options", 7) &&
			   strncmp(line, "domain", 6)) {
			continue;
		}
		n = sbx_xasprintf("%s%s\n", out, line);
		free(out);
		out = n;
	}
	if (!any && fallback_ns) {
		char *n = sbx_xasprintf("nameserver %s\n%s", fallback_ns, out);
		free(out);
		out = n;
	}
	return out;
}

static int write_file(const char *dir, const char *name, const char *text, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *path = sbx_xasprintf("%s/%s", dir, name);
	_sbx_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0 || sbx_write_all(fd, text, strlen(text)) < 0)
		return sbx_err_set(err, errno, "write %s", path);
	/* 0644 whatever the umask: the container's users read it. */
	if (fchmod(fd, 0644) < 0)
		return sbx_err_set(err, errno, "chmod %s", path);
	return 0;
}

int sbx_net_write_etc(const struct sbx_net_plan *plan, uint32_t addr, const char *fallback_ns,
		      struct sbx_err *err)
{
	const char *hn = plan->cfg->hostname;
	_sbx_cleanup_free_ char *hosts = NULL, *resolv = NULL, *host_resolv = NULL, *hostname = NULL;
	struct sbx_err ign;

	if (!plan->etc_dir)
		return 0;
	hosts = sbx_net_hosts_text(hn, addr);
	if (sbx_read_file_at(AT_FDCWD, "/etc/resolv.conf", &host_resolv, NULL, &ign) < 0)
		host_resolv = NULL;
	resolv = sbx_net_resolv_text(host_resolv, fallback_ns);
	hostname = sbx_xasprintf("%s\n", hn && *hn ? hn : "localhost");
	if (write_file(plan->etc_dir, "etc-hosts", hosts, err) < 0 ||
	    write_file(plan->etc_dir, "etc-hostname", hostname, err) < 0 ||
	    write_file(plan->etc_dir, "etc-resolv.conf", resolv, err) < 0)
		return sbx_err_prefix(err, "network /etc files");
	return 0;
}
