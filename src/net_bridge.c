/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bridge mode (rootful): the parent side.  In order, with the state root's
 * network lock held so two `create`s never race for a subnet, an address
 * or a host port:
 *
 *   1. the network record (subnet, icc) is read, or made on first use after
 *      checking the subnet against every other sbxrun network and every
 *      route of this network namespace;
 *   2. published host ports are checked: not published by another
 *      container (our nft table), not bound by a process here;
 *   3. a lease, and the container's record listing what follows (so a
 *      crash at any later point leaves nothing teardown cannot find);
 *   4. the bridge with its gateway address, created on first use;
 *      net.ipv4.ip_forward=1 in this namespace (only now, only if needed);
 *   5. the veth pair: host end on the bridge, peer created directly in the
 *      container's netns as eth0, MTU of the uplink; --icc=false isolates
 *      the port;
 *   6. the network's nft rules (masquerade, no forwarding into other
 *      sbxrun networks) if missing, the container's DNAT rules for its
 *      published ports.
 * The child then sets eth0's address and default route (net.c).
 */
#include "net_int.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *ipstr(uint32_t host, char *buf)
{
	struct in_addr a = { htonl(host) };
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

struct overlap_arg {
	uint32_t subnet;
	unsigned prefix;
	unsigned skip_oif;
	uint32_t hit;
	unsigned hit_prefix, hit_oif;
	bool found;
};

static int route_overlap(uint32_t dst, unsigned prefix, unsigned oif, void *arg)
{
	struct overlap_arg *a = arg;

	if (prefix == 0 || a->found || (a->skip_oif && oif == a->skip_oif))
		return 0;
	if (sbx_ipam_overlap(dst, prefix, a->subnet, a->prefix)) {
		a->found = true;
		a->hit = dst;
		a->hit_prefix = prefix;
		a->hit_oif = oif;
	}
	return 0;
}

/* Does subnet collide with another network's record or a route here? */
static int check_subnet(struct sbx_nl *nl, const char *state_root, const char *name, uint32_t subnet,
			unsigned prefix, unsigned bridge_idx, bool report, struct sbx_err *err)
{
	_sbx_cleanup_free_ struct sbx_netrec *recs = NULL;
	struct overlap_arg oa = { .subnet = subnet, .prefix = prefix, .skip_oif = bridge_idx };
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], ifn[IF_NAMESIZE] = "?";
	size_t n = 0;

	if (sbx_ipam_net_list(state_root, &recs, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(recs[i].name, name) || !sbx_ipam_overlap(recs[i].subnet, recs[i].prefix, subnet, prefix))
			continue;
		if (!report)
			return 1;
		return sbx_err_set(err, 0, "network \"%s\": subnet %s/%u overlaps network \"%s\" (%s/%u)",
				   name, ipstr(subnet, a), prefix, recs[i].name, ipstr(recs[i].subnet, b),
				   recs[i].prefix);
	}
	if (sbx_nl_routes(nl, route_overlap, &oa) < 0)
		return sbx_err_set(err, errno, "network \"%s\": list the routes", name);
	if (!oa.found)
		return 0;
	if (!report)
		return 1;
	if_indextoname(oa.hit_oif, ifn);
	return sbx_err_set(err, 0, "network \"%s\": subnet %s/%u overlaps the route %s/%u on %s of this host",
			   name, ipstr(subnet, a), prefix, ipstr(oa.hit, b), oa.hit_prefix, ifn);
}

static int network_record(struct sbx_nl *nl, const struct sbx_net_plan *plan, unsigned bridge_idx,
			  struct sbx_netrec *rec, struct sbx_err *err)
{
	const struct sbx_net_config *nc = &plan->cfg->net;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	int r = sbx_ipam_net_load(plan->state_root, plan->network, rec, err);

	if (r < 0)
		return -1;
	if (r == 0) {
		if (nc->has_subnet && (nc->subnet != rec->subnet || nc->prefix != rec->prefix))
			return sbx_err_set(err, 0, "network \"%s\" exists with subnet %s/%u, not %s/%u",
					   plan->network, ipstr(rec->subnet, a), rec->prefix,
					   ipstr(nc->subnet, b), nc->prefix);
		if (rec->rootless != plan->rnet)
			return sbx_err_set(err, 0, "network \"%s\" exists as a %s network; a %s network needs another name",
					   plan->network, rec->rootless ? "rootless user-defined" : "bridge-mode",
					   plan->rnet ? "rootless user-defined" : "bridge-mode");
		if (rec->icc != nc->icc)
			return sbx_err_set(err, 0, "network \"%s\" exists with icc=%s; a container asking icc=%s needs its own network (--net-name)",
					   plan->network, rec->icc ? "true" : "false", nc->icc ? "true" : "false");
		return 0;
	}
	memset(rec, 0, sizeof(*rec));
	snprintf(rec->name, sizeof(rec->name), "%s", plan->network);
	rec->icc = nc->icc;
	rec->rootless = plan->rnet;
	if (nc->has_subnet) {
		rec->subnet = nc->subnet;
		rec->prefix = nc->prefix;
	} else if (!strcmp(plan->network, SBX_NET_DEFAULT_NAME)) {
		rec->subnet = (10u << 24) | (88u << 16);
		rec->prefix = 16;
	} else {
		unsigned i;
		for (i = 0; i < 256; i++) {
			r = check_subnet(nl, plan->state_root, plan->network, sbx_ipam_named_pool(i), 24,
					 bridge_idx, false, err);
			if (r < 0)
				return -1;
			if (r == 0)
				break;
		}
		if (i == 256)
			return sbx_err_set(err, 0, "network \"%s\": no free /24 left in 10.89.0.0/16 (give one with --subnet)",
					   plan->network);
		rec->subnet = sbx_ipam_named_pool(i);
		rec->prefix = 24;
	}
	if (check_subnet(nl, plan->state_root, plan->network, rec->subnet, rec->prefix, bridge_idx, true,
			 err) != 0)
		return -1;
	return sbx_ipam_net_save(plan->state_root, rec, err);
}

/* A published host port must not be another container's or in use here:
 * DNAT would silently steal it from the process that bound it. */
static int check_ports(const struct sbx_net_plan *plan, struct sbx_err *err)
{
	const struct sbx_net_config *nc = &plan->cfg->net;

	for (size_t i = 0; i < nc->n_publish; i++) {
		const struct sbx_publish *p = &nc->publish[i];
		const char *pr = p->proto == IPPROTO_UDP ? "udp" : "tcp";
		_sbx_cleanup_free_ char *owner = sbx_nft_port_owner(p->proto, p->host_port, p->host_ip);
		_sbx_cleanup_close_ int fd = -1;
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(p->host_port),
					  .sin_addr.s_addr = p->host_ip };

		if (owner)
			return sbx_err_set(err, 0, "host port %u/%s is already published by container \"%s\"",
					   p->host_port, pr, owner);
		fd = socket(AF_INET, (p->proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
		if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRINUSE)
			return sbx_err_set(err, EADDRINUSE, "host port %u/%s is in use on this host",
					   p->host_port, pr);
	}
	return 0;
}

static int ensure_bridge(struct sbx_nl *nl, const struct sbx_net_plan *plan, const struct sbx_netrec *rec,
			 unsigned mtu, unsigned *idx, struct sbx_err *err)
{
	char buf[SBX_NL_BUF] = { 0 }; /* no stack bytes in padding */
	struct sbx_nl_linkinfo li;
	uint32_t gw = rec->subnet + 1;
	int r;

	*idx = (unsigned)sbx_nl_link_index(plan->bridge);
	if (!*idx) {
		if (sbx_nl_talk(nl, sbx_nl_build_bridge(buf, plan->bridge, mtu)) < 0 && errno != EEXIST)
			return sbx_err_set(err, errno, "create bridge %s", plan->bridge);
		*idx = (unsigned)sbx_nl_link_index(plan->bridge);
		if (!*idx)
			return sbx_err_set(err, errno, "find bridge %s", plan->bridge);
		sbx_debug("net: bridge %s created", plan->bridge);
	}
	if (sbx_nl_link_info(nl, *idx, &li) < 0)
		return sbx_err_set(err, errno, "query %s", plan->bridge);
	if (strcmp(li.kind, "bridge"))
		return sbx_err_set(err, 0, "network \"%s\": interface %s exists and is not a bridge (%s)",
				   plan->network, plan->bridge, *li.kind ? li.kind : "no kind");
	r = sbx_nl_has_addr(nl, *idx, gw, rec->prefix);
	if (r < 0)
		return sbx_err_set(err, errno, "list the addresses of %s", plan->bridge);
	if (!r && sbx_nl_talk(nl, sbx_nl_build_addr(buf, *idx, gw, rec->prefix)) < 0 && errno != EEXIST)
		return sbx_err_set(err, errno, "add the gateway address to %s", plan->bridge);
	if (!(li.flags & IFF_UP) && sbx_nl_talk(nl, sbx_nl_build_link_updown(buf, *idx, true)) < 0)
		return sbx_err_set(err, errno, "set %s up", plan->bridge);
	return 0;
}

/* Forwarding between the bridge and the uplink needs ip_forward, which is
 * per network namespace: this changes only the namespace sbxrun runs in,
 * and only when a bridge-mode container starts (docs/networking.md). */
static int ensure_forwarding(struct sbx_err *err)
{
	_sbx_cleanup_free_ char *v = NULL;
	struct sbx_err ign;

	if (sbx_read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", &v, NULL, &ign) == 0 && v[0] == '1')
		return 0;
	if (sbx_write_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", "1", 1, err) < 0)
		return sbx_err_prefix(err, "enable net.ipv4.ip_forward for bridge mode");
	sbx_debug("net: net.ipv4.ip_forward set to 1 in sbxrun's network namespace");
	return 0;
}

/* What the two halves of a bridge-mode apply share: the IPAM lock is held
 * from the lease to the veth, as when they were one step. */
struct sbx_net_bridge_run {
	struct sbx_nl nl;
	struct sbx_netrec rec;
	int lockfd;
	uint32_t addr;
	unsigned bridge_idx, mtu;
	char veth[16];
};

void sbx_net_bridge_run_free(struct sbx_net_plan *plan)
{
	struct sbx_net_bridge_run *br = plan->bridge_run;

	if (!br)
		return;
	sbx_ipam_unlock(&br->lockfd);
	sbx_nl_close(&br->nl);
	free(br);
	plan->bridge_run = NULL;
}

/* The lease and the network record; from here on teardown has something
 * to find (plan->applied). */
static int bridge_lease(struct sbx_net_plan *plan, struct sbx_net_bridge_run *br, bool dnat, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *text = NULL;
	char ip[INET_ADDRSTRLEN];

	if (sbx_ipam_lock(plan->state_root, &br->lockfd, err) < 0)
		return -1;
	br->bridge_idx = (unsigned)sbx_nl_link_index(plan->bridge);
	if (network_record(&br->nl, plan, br->bridge_idx, &br->rec, err) < 0 || (dnat && check_ports(plan, err) < 0))
		return -1;
	if (sbx_ipam_lease(plan->state_root, &br->rec, plan->id, &br->addr, err) < 0)
		return -1;
	/* nft=1: the container has DNAT rules of its own (--publish). */
	text = sbx_xasprintf("mode=bridge\nnetwork=%s\nip=%s\nveth=%s\n%s%s", plan->network, ipstr(br->addr, ip),
			     br->veth, dnat ? "nft=1\n" : "", plan->rnet ? "netns=rootless\n" : "");
	if (sbx_net_rec_write(plan->state_root, plan->id, text, err) < 0) {
		sbx_ipam_release(plan->state_root, plan->network, br->addr);
		return -1;
	}
	plan->applied = true;
	return 0;
}

/*
 * The first half: everything that needs no namespace of the container,
 * so that the launcher can do it while stage 1 makes them (parent_setup,
 * step 1b): the lease and record, the bridge, forwarding, the nft rules
 * and the /etc files.  On failure the lock is released (the caller tears
 * down what the record names).
 */
int sbx_net_bridge_begin(struct sbx_net_plan *plan, struct sbx_err *err)
{
	const struct sbx_net_config *nc = &plan->cfg->net;
	struct sbx_net_bridge_run *br = sbx_xcalloc(1, sizeof(*br));
	/* A rootless user-defined network publishes through the keeper's
	 * relay on the host (net_proxy.c), not DNAT in its namespace. */
	size_t n_dnat = plan->rnet ? 0 : nc->n_publish;
	char comment[256];
	unsigned uplink;
	uint32_t rnd = 0;

	br->lockfd = -1;
	plan->bridge_run = br;
	/* A new name for every create: the veth of a container deleted a
	 * moment ago may still be on its way out (see teardown). */
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)sbx_net_hash(plan->id) ^ (uint32_t)getpid() ^ (uint32_t)time(NULL);
	snprintf(br->veth, sizeof(br->veth), "vsbx%08x", (unsigned)rnd);
	sbx_nft_comment(plan->id, comment, sizeof(comment));
	if (sbx_nl_open(&br->nl, err) < 0 || bridge_lease(plan, br, n_dnat > 0, err) < 0)
		goto fail;
	if (sbx_nl_uplink(&br->nl, &uplink, &br->mtu, NULL) < 0) {
		sbx_err_set(err, errno, "find the uplink (default route)");
		goto fail;
	}
	if (ensure_bridge(&br->nl, plan, &br->rec, br->mtu, &br->bridge_idx, err) < 0 || ensure_forwarding(err) < 0)
		goto fail;
	{
		struct sbx_nft_net n = { .name = plan->network, .bridge = plan->bridge,
					 .subnet = br->rec.subnet, .prefix = br->rec.prefix };
		struct sbx_nft_ctr c = { .comment = comment, .addr = br->addr,
					 .publish = nc->publish, .n_publish = n_dnat };
		if (sbx_nft_apply(&n, &c, err) < 0)
			goto fail;
	}
	if (sbx_net_write_etc(plan, br->addr, NULL, err) < 0)
		goto fail;
	return 0;
fail:
	sbx_net_bridge_run_free(plan);
	return -1;
}

/* The second half, once init's network namespace exists: the veth pair
 * into it, the port's isolation, the address for init to configure. */
int sbx_net_bridge_finish(struct sbx_net_plan *plan, pid_t init, struct sbx_err *err)
{
	struct sbx_net_bridge_run *br = plan->bridge_run;
	char buf[SBX_NL_BUF] = { 0 }, ip[INET_ADDRSTRLEN]; /* no stack bytes in padding */
	unsigned vidx;
	int r = -1;

	if (sbx_nl_talk(&br->nl, sbx_nl_build_veth(buf, br->veth, br->bridge_idx, br->mtu, "eth0", init)) < 0) {
		sbx_err_set(err, errno, "create veth pair %s (bridge %s) / eth0 (container)", br->veth, plan->bridge);
		goto out;
	}
	if (!br->rec.icc && (!(vidx = (unsigned)sbx_nl_link_index(br->veth)) ||
			     sbx_nl_talk(&br->nl, sbx_nl_build_brport_isolated(buf, vidx, true)) < 0)) {
		sbx_err_set(err, errno, "icc=false: isolate bridge port %s", br->veth);
		goto out;
	}
	plan->shared->configure = true;
	plan->shared->addr = br->addr;
	plan->shared->gateway = br->rec.subnet + 1;
	plan->shared->prefix = br->rec.prefix;
	plan->shared->mtu = br->mtu;
	plan->shared->ifindex = SBX_NL_PEER_IFINDEX;
	sbx_debug("net: %s on %s (%s/%u), veth %s, mtu %u", ipstr(br->addr, ip), plan->bridge, plan->network,
		  br->rec.prefix, br->veth, br->mtu);
	r = 0;
out:
	sbx_net_bridge_run_free(plan);
	return r;
}

int sbx_net_bridge_apply(struct sbx_net_plan *plan, pid_t init, struct sbx_err *err)
{
	if (sbx_net_bridge_begin(plan, err) < 0)
		return -1;
	return sbx_net_bridge_finish(plan, init, err);
}

/*
 * Removing the veth pair: RTM_DELLINK takes both ends out of their
 * namespaces at once, then waits in the kernel for RCU grace periods
 * before it acks (synchronize_net, rcu_barrier: 10-20 ms here).  Moving the
 * host end elsewhere waits just as long, and leaving the pair to die with
 * the container's namespace can take much longer (TCP sockets in TIME_WAIT
 * keep a namespace alive for a minute).  So the delete is sent by a child,
 * and we return as soon as the host end is no longer listed here: from
 * then on nothing can use it; what is left is the kernel freeing memory.
 * The child reports a failure (and is waited for) if the delete fails
 * before that; otherwise it exits on its own when the kernel acks.
 */
/* Was RTM_DELLINK of ifindex `idx` announced in these messages? */
static bool dellink_seen(const char *buf, ssize_t len, unsigned idx)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
		const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(h);
		if (h->nlmsg_type == RTM_DELLINK && (unsigned)ifm->ifi_index == idx)
			return true;
	}
	return false;
}

/* The child that sends the delete and waits for the kernel's ack: it
 * reports 0 or the errno on `wfd`. */
static __attribute__((noreturn)) void veth_delete_child(unsigned idx, int wfd)
{
	char buf[SBX_NL_BUF] = { 0 }; /* no stack bytes in padding */
	struct sbx_nl nl = { 0 };
	struct sbx_err e;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), res = 0;

	prctl(PR_SET_NAME, "sbxrun-vethdel"); /* named for what it waits for */
	signal(SIGPIPE, SIG_IGN); /* our caller may be gone when we report */
	/* Hold nothing of the caller's but the pipe: no stdio (a reader of
	 * our caller's output must not wait for us), no lock or state fd. */
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	if (wfd > 3)
		syscall(SYS_close_range, 3, (unsigned)wfd - 1, 0);
	syscall(SYS_close_range, (unsigned)wfd + 1, ~0U, 0);
	if (sbx_nl_open(&nl, &e) < 0)
		res = e.errnum ? e.errnum : EIO;
	else if (sbx_nl_talk(&nl, sbx_nl_build_link_del(buf, idx)) < 0 && errno != ENODEV)
		res = errno;
	if (write(wfd, &res, sizeof(res)) < 0)
		_exit(1);
	_exit(0);
}

/* Wait until the host end `idx` is unlisted (a link event on `mon`), or
 * the child reports on `rfd` (a failure, or done first). */
static int veth_wait_unlisted(pid_t child, int rfd, struct mnl_socket *mon, unsigned idx, const char *veth,
			      struct sbx_err *err)
{
	char buf[SBX_NL_BUF];

	for (;;) {
		struct pollfd pf[2] = { { .fd = rfd, .events = POLLIN },
					{ .fd = mnl_socket_get_fd(mon), .events = POLLIN } };
		int res = 0, n = poll(pf, 2, 10000);
		ssize_t got;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sbx_err_set(err, n < 0 ? errno : ETIMEDOUT, "delete veth %s", veth);
		if (pf[0].revents) {
			if (read(rfd, &res, sizeof(res)) != sizeof(res))
				res = EIO;
			waitpid(child, NULL, 0);
			return res ? sbx_err_set(err, res, "delete veth %s", veth) : 0;
		}
		got = mnl_socket_recvfrom(mon, buf, sizeof(buf));
		/* ENOBUFS (missed events): look at the device list itself. */
		if ((got > 0 && dellink_seen(buf, got, idx)) ||
		    (got < 0 && errno == ENOBUFS && sbx_nl_link_index(veth) != (int)idx))
			return 0; /* unlisted: the child finishes alone */
	}
}

static int veth_delete(unsigned idx, const char *veth, struct sbx_err *err)
{
	struct mnl_socket *mon;
	int p[2], rc;
	pid_t child;

	/* Link events, subscribed before the delete is sent: the kernel
	 * announces RTM_DELLINK as it unlists the device, before the grace
	 * periods it then waits for. */
	mon = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!mon || mnl_socket_bind(mon, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		if (mon)
			mnl_socket_close(mon);
		return sbx_err_set(err, errno, "delete veth %s: netlink", veth);
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		mnl_socket_close(mon);
		return sbx_err_set(err, errno, "delete veth %s: pipe", veth);
	}
	child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		mnl_socket_close(mon);
		return sbx_err_set(err, errno, "delete veth %s: fork", veth);
	}
	if (child == 0)
		veth_delete_child(idx, p[1]);
	close(p[1]);
	rc = veth_wait_unlisted(child, p[0], mon, idx, veth, err);
	close(p[0]);
	mnl_socket_close(mon);
	return rc;
}

int sbx_net_bridge_teardown(const char *state_root, const char *id, const char *rec, bool in_ns,
			    struct sbx_err *err)
{
	_sbx_cleanup_free_ char *network = sbx_net_rec_get(rec, "network"), *ip = sbx_net_rec_get(rec, "ip"),
				*veth = sbx_net_rec_get(rec, "veth"), *nft = sbx_net_rec_get(rec, "nft");
	char comment[256];
	struct in_addr a;
	int lockfd = -1, r = 0;
	unsigned idx;

	sbx_nft_comment(id, comment, sizeof(comment));
	if (sbx_ipam_lock(state_root, &lockfd, err) < 0)
		return -1;
	if (in_ns && nft && sbx_nft_del(comment, err) < 0)
		r = -1;
	if (in_ns && veth && (idx = (unsigned)sbx_nl_link_index(veth)) && veth_delete(idx, veth, err) < 0)
		r = -1;
	if (network && ip && inet_pton(AF_INET, ip, &a) == 1 &&
	    sbx_ipam_release(state_root, network, ntohl(a.s_addr)) < 0)
		r = sbx_err_set(err, errno, "release lease %s of network %s", ip, network);
	sbx_ipam_unlock(&lockfd);
	return r;
}
