/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtnetlink over libmnl: the bridge, the veth pair, addresses, routes and
 * bridge port flags.  Builders are pure (unit-tested byte by byte); every
 * request asks for an ack, so a failure comes back as the kernel's errno.
 */
#include "net_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

int sbx_nl_open(struct sbx_nl *nl, struct sbx_err *err)
{
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return sbx_err_set(err, errno, "open rtnetlink socket");
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return sbx_err_set(err, e, "bind rtnetlink socket");
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	return 0;
}

void sbx_nl_close(struct sbx_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* Send one request and read its answers until the kernel is done: the
 * ACK of an NLM_F_ACK request (mnl_cb_run turns an NLMSG_ERROR ack into -1
 * with errno), the NLMSG_DONE of a dump, or the one reply of a plain GET. */
static int exchange(struct sbx_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	char buf[SBX_NL_BUF] = { 0 }; /* no stack bytes in padding */
	ssize_t n;
	int r;

	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return -1;
		r = mnl_cb_run(buf, (size_t)n, nl->seq, nl->portid, cb, arg);
		if (r <= MNL_CB_STOP)
			return r < 0 ? -1 : 0;
		if (!(nlh->nlmsg_flags & (NLM_F_DUMP | NLM_F_ACK)))
			return 0;
	}
}

int sbx_nl_talk(struct sbx_nl *nl, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	return exchange(nl, nlh, NULL, NULL);
}

int sbx_nl_talk_batch(struct sbx_nl *nl, char *buf, size_t len, unsigned *failed)
{
	char rb[MNL_SOCKET_BUFFER_SIZE];
	unsigned first = nl->seq + 1, n = 0;
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	int left = (int)len;

	for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left), n++) {
		h->nlmsg_seq = ++nl->seq;
		h->nlmsg_flags |= NLM_F_ACK;
	}
	if (mnl_socket_sendto(nl->sock, buf, len) < 0)
		return -1;
	/* One ack per request, in order; rtnetlink goes on after an error,
	 * so the first failure is the one reported. */
	while (n > 0) {
		ssize_t got = mnl_socket_recvfrom(nl->sock, rb, sizeof(rb));
		int l;

		if (got < 0)
			return -1;
		l = (int)got;
		for (h = (struct nlmsghdr *)rb; mnl_nlmsg_ok(h, l); h = mnl_nlmsg_next(h, &l)) {
			const struct nlmsgerr *e;
			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq < first || h->nlmsg_seq > nl->seq)
				continue;
			e = mnl_nlmsg_get_payload(h);
			n--;
			if (e->error) {
				if (failed)
					*failed = h->nlmsg_seq - first;
				errno = -e->error;
				return -1;
			}
		}
	}
	return 0;
}

static struct nlmsghdr *put_link_hdr(char *buf, int type, unsigned flags, unsigned ifindex,
				     struct ifinfomsg **out)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)ifindex;
	if (out)
		*out = ifm;
	return nlh;
}

struct nlmsghdr *sbx_nl_build_bridge(char *buf, const char *name, unsigned mtu)
{
	struct nlmsghdr *nlh = put_link_hdr(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	struct nlattr *li;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, li);
	return nlh;
}

/* The host end (named host_name, on bridge `master`, up) and the peer,
 * created directly in the container's netns (IFLA_NET_NS_PID): it never
 * exists in ours, so nothing in our namespace can grab it meanwhile. */
struct nlmsghdr *sbx_nl_build_veth(char *buf, const char *host_name, unsigned master, unsigned mtu,
				   const char *peer_name, pid_t peer_netns_pid)
{
	struct ifinfomsg *ifm, *peer;
	struct nlmsghdr *nlh = put_link_hdr(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, &ifm);
	struct nlattr *li, *data, *pi;

	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, host_name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, master);
	/* One queue each way on both ends, said explicitly: without it the
	 * kernel allocates a queue per possible CPU, then cuts the real
	 * count to 1, and cutting tx queues of a registered device waits for
	 * an RCU grace period (synchronize_net, under RTNL) per end.  The
	 * traffic path is the same single queue either way. */
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pi = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	peer = mnl_nlmsg_put_extra_header(nlh, sizeof(*peer));
	peer->ifi_family = AF_UNSPEC;
	/* A fixed index in the (new) container namespace, where only lo (1)
	 * exists yet: the child then needs no lookup by name. */
	peer->ifi_index = SBX_NL_PEER_IFINDEX;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer_name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)peer_netns_pid);
	mnl_attr_nest_end(nlh, pi);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return nlh;
}

struct nlmsghdr *sbx_nl_build_link_updown(char *buf, unsigned ifindex, bool up)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = put_link_hdr(buf, RTM_NEWLINK, 0, ifindex, &ifm);

	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = up ? IFF_UP : 0;
	return nlh;
}

/* Move (and rename) a link into another netns, given by fd or pid. */
struct nlmsghdr *sbx_nl_build_link_move(char *buf, unsigned ifindex, int netns_fd, pid_t netns_pid,
					const char *new_name)
{
	struct nlmsghdr *nlh = put_link_hdr(buf, RTM_NEWLINK, 0, ifindex, NULL);

	if (netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	else
		mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)netns_pid);
	if (new_name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
	return nlh;
}

struct nlmsghdr *sbx_nl_build_link_del(char *buf, unsigned ifindex)
{
	return put_link_hdr(buf, RTM_DELLINK, 0, ifindex, NULL);
}

/* `bridge link set dev X isolated on`: an isolated port cannot send to
 * another isolated port of the same bridge (Linux 4.18+), but still to the
 * bridge itself (the gateway) and so to the outside through NAT. */
struct nlmsghdr *sbx_nl_build_brport_isolated(char *buf, unsigned ifindex, bool isolated)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = put_link_hdr(buf, RTM_SETLINK, 0, ifindex, &ifm);
	struct nlattr *pi;

	ifm->ifi_family = AF_BRIDGE;
	pi = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_ISOLATED, isolated ? 1 : 0);
	mnl_attr_nest_end(nlh, pi);
	return nlh;
}

struct nlmsghdr *sbx_nl_build_addr(char *buf, unsigned ifindex, uint32_t addr, unsigned prefix)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	uint32_t a = htonl(addr), brd = htonl(addr | (prefix < 32 ? ~0u >> prefix : 0));

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, a);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, a);
	mnl_attr_put_u32(nlh, IFA_BROADCAST, brd);
	return nlh;
}

struct nlmsghdr *sbx_nl_build_default_route(char *buf, unsigned ifindex, uint32_t gateway)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 0;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, htonl(gateway));
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return nlh;
}

int sbx_nl_link_index(const char *name)
{
	return (int)if_nametoindex(name);
}

/* ---- dumps ---- */


static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sbx_nl_linkinfo *li = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *attr, *in;

	li->flags = ifm->ifi_flags;
	mnl_attr_for_each(attr, nlh, sizeof(struct ifinfomsg)) {
		switch (mnl_attr_get_type(attr)) {
		case IFLA_LINKINFO:
			mnl_attr_for_each_nested(in, attr)
				if (mnl_attr_get_type(in) == IFLA_INFO_KIND)
					snprintf(li->kind, sizeof(li->kind), "%s", mnl_attr_get_str(in));
			break;
		case IFLA_MTU:
			li->mtu = mnl_attr_get_u32(attr);
			break;
		case IFLA_MASTER:
			li->master = mnl_attr_get_u32(attr);
			break;
		case IFLA_LINK_NETNSID:
			li->has_link_netnsid = true;
			li->link_netnsid = (int32_t)mnl_attr_get_u32(attr);
			break;
		}
	}
	return MNL_CB_OK;
}

int sbx_nl_link_info(struct sbx_nl *nl, unsigned ifindex, struct sbx_nl_linkinfo *li)
{
	char buf[SBX_NL_BUF] = { 0 }; /* no stack bytes in padding */
	struct nlmsghdr *nlh = put_link_hdr(buf, RTM_GETLINK, 0, ifindex, NULL);

	memset(li, 0, sizeof(*li));
	return exchange(nl, nlh, link_cb, li);
}

struct route_arg {
	int (*fn)(uint32_t dst, unsigned prefix, unsigned oif, void *arg);
	void *arg;
	int r;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_arg *a = data;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *attr;
	uint32_t dst = 0;
	unsigned oif = 0;

	if (rtm->rtm_family != AF_INET || rtm->rtm_table != RT_TABLE_MAIN ||
	    rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(attr) == RTA_DST)
			dst = ntohl(mnl_attr_get_u32(attr));
		else if (mnl_attr_get_type(attr) == RTA_OIF)
			oif = mnl_attr_get_u32(attr);
	}
	if (a->fn(dst, rtm->rtm_dst_len, oif, a->arg) < 0) {
		a->r = -1;
		return MNL_CB_STOP;
	}
	return MNL_CB_OK;
}

int sbx_nl_routes(struct sbx_nl *nl, int (*fn)(uint32_t dst, unsigned prefix, unsigned oif, void *arg),
		  void *arg)
{
	char buf[SBX_NL_BUF] = { 0 }; /* no stack bytes in padding */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	struct route_arg a = { fn, arg, 0 };

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	if (exchange(nl, nlh, route_cb, &a) < 0)
		return -1;
	return a.r;
}

static int find_default(uint32_t dst, unsigned prefix, unsigned oif, void *arg)
{
	unsigned *out = arg;

	if (prefix == 0 && dst == 0 && !*out)
		*out = oif;
	return 0;
}

struct addr_arg {
	unsigned ifindex;
	uint32_t addr;      /* in: wanted (has_addr); out: first (uplink) */
	unsigned prefix;
	bool found;
	bool first_only;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_arg *a = data;
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct nlattr *attr;

	if (ifa->ifa_family != AF_INET || ifa->ifa_index != a->ifindex)
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa)) {
		uint32_t v;
		if (mnl_attr_get_type(attr) != IFA_LOCAL)
			continue;
		v = ntohl(mnl_attr_get_u32(attr));
		if (a->first_only && !a->found) {
			a->addr = v;
			a->found = true;
		} else if (!a->first_only && v == a->addr && ifa->ifa_prefixlen == a->prefix) {
			a->found = true;
		}
	}
	return MNL_CB_OK;
}

static int addr_dump(struct sbx_nl *nl, struct addr_arg *a)
{
	char buf[SBX_NL_BUF] = { 0 }; /* no stack bytes in padding */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	return exchange(nl, nlh, addr_cb, a);
}

int sbx_nl_uplink(struct sbx_nl *nl, unsigned *ifindex, unsigned *mtu, uint32_t *addr)
{
	struct sbx_nl_linkinfo li;
	struct addr_arg a = { .first_only = true };

	*ifindex = 0;
	*mtu = 1500;
	if (addr)
		*addr = 0;
	if (sbx_nl_routes(nl, find_default, ifindex) < 0)
		return -1;
	if (!*ifindex)
		return 0;
	if (sbx_nl_link_info(nl, *ifindex, &li) < 0)
		return -1;
	if (li.mtu >= 576)
		*mtu = li.mtu;
	if (addr) {
		a.ifindex = *ifindex;
		if (addr_dump(nl, &a) < 0)
			return -1;
		*addr = a.addr;
	}
	return 0;
}

int sbx_nl_has_addr(struct sbx_nl *nl, unsigned ifindex, uint32_t addr, unsigned prefix)
{
	struct addr_arg a = { .ifindex = ifindex, .addr = addr, .prefix = prefix };

	if (addr_dump(nl, &a) < 0)
		return -1;
	return a.found;
}
