/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the pure parts of the network module: publish specs,
 * CIDRs and names (net_parse.c), the config annotations (config_net.c),
 * the IPAM choices (net_ipam.c), the rtnetlink messages (net_nl.c), the
 * nftables batch (net_nft.c) and the generated /etc files (net_etc.c).
 */
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/net_int.h"
#include "sbx/config.h"
#include "unit.h"

START_TEST(publish_ok)
{
	struct sbx_publish p;
	char why[256];

	ck_assert_int_eq(sbx_net_parse_publish("8080:80", &p, why, sizeof(why)), 0);
	ck_assert_uint_eq(p.host_port, 8080);
	ck_assert_uint_eq(p.port, 80);
	ck_assert_int_eq(p.proto, IPPROTO_TCP);
	ck_assert_uint_eq(p.host_ip, 0);
	ck_assert_int_eq(sbx_net_parse_publish("127.0.0.1:53:5353/udp", &p, why, sizeof(why)), 0);
	ck_assert_int_eq(p.proto, IPPROTO_UDP);
	ck_assert_uint_eq(p.host_ip, htonl(0x7f000001));
	ck_assert_uint_eq(p.port, 5353);
}
END_TEST

START_TEST(publish_bad)
{
	static const struct { const char *in, *why; } c[] = {
		{ "8080", "\"8080\" is not [IP:]HOSTPORT:PORT[/tcp|/udp]" },
		{ "80:0", "container port \"0\" is not a number in 1..65535" },
		{ "70000:80", "host port \"70000\" is not a number in 1..65535" },
		{ "1.2.3:80:80", "host address \"1.2.3\" is not an IPv4 address" },
		{ "80:80/sctp", "unknown protocol \"sctp\" (tcp or udp)" },
		{ "", "empty publish spec" },
		{ "a:b", "container port \"b\" is not a number in 1..65535" },
	};
	struct sbx_publish p;
	char why[256];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ck_assert_int_eq(sbx_net_parse_publish(c[i].in, &p, why, sizeof(why)), -1);
		ck_assert_str_eq(why, c[i].why);
	}
}
END_TEST

START_TEST(cidr_and_names)
{
	uint32_t n;
	unsigned pfx;
	char why[256];

	ck_assert_int_eq(sbx_net_parse_cidr("10.88.0.0/16", &n, &pfx, why, sizeof(why)), 0);
	ck_assert_uint_eq(n, 0x0a580000);
	ck_assert_uint_eq(pfx, 16);
	ck_assert_int_eq(sbx_net_parse_cidr("10.88.0.1/16", &n, &pfx, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "\"10.88.0.1/16\" has host bits set");
	ck_assert_int_eq(sbx_net_parse_cidr("10.0.0.0/30", &n, &pfx, why, sizeof(why)), -1);
	ck_assert_int_eq(sbx_net_check_name("web", why, sizeof(why)), 0);
	ck_assert_int_eq(sbx_net_check_name("averyverylongname", why, sizeof(why)), -1);
	ck_assert(strstr(why, "is too long (at most 11 characters") != NULL);
	ck_assert_int_eq(sbx_net_check_name("-x", why, sizeof(why)), -1);
	ck_assert_int_eq(sbx_net_check_ifname("eth0", why, sizeof(why)), 0);
	ck_assert_int_eq(sbx_net_check_ifname("a/b", why, sizeof(why)), -1);
	ck_assert_int_eq(sbx_net_check_ifname("0123456789abcdef", why, sizeof(why)), -1);
}
END_TEST

static int parse(const char *ann, struct sbx_config **cfg, struct sbx_err *err)
{
	char *t = sbx_xasprintf("{\"ociVersion\": \"1.2.0\", \"annotations\": %s}", ann);
	int r = sbx_config_parse(t, strlen(t), "config.json", cfg, err);
	free(t);
	return r;
}

START_TEST(config_annotations)
{
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };

	ck_assert_int_eq(parse("{\"run.sbx.net.mode\": \"bridge\", \"run.sbx.net.publish\": \"8080:80,53:53/udp\", \"run.sbx.net.name\": \"web\", \"run.sbx.net.icc\": \"false\"}",
			       &cfg, &err), 0);
	ck_assert_int_eq(cfg->net.mode, SBX_NET_BRIDGE);
	ck_assert_uint_eq(cfg->net.n_publish, 2);
	ck_assert_str_eq(cfg->net.name, "web");
	ck_assert(!cfg->net.icc);
	sbx_config_free(cfg);
	ck_assert_int_eq(parse("{\"run.sbx.net.mode\": \"bridged\"}", &cfg, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: annotations.run.sbx.net.mode: unknown network mode \"bridged\" (none, host, bridge, user, user:pasta or user:slirp4netns)");
	ck_assert_int_eq(parse("{\"run.sbx.net.mode\": \"bridge\", \"run.sbx.net.publish\": \"8080:80,8080:81\"}", &cfg, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: annotations.run.sbx.net.publish: host port 8080/tcp is published twice");
	ck_assert_int_eq(parse("{\"run.sbx.net.publish\": \"8080:80\"}", &cfg, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: annotations.run.sbx.net.publish: publishing ports needs network mode bridge or user, not none");
	ck_assert_int_eq(parse("{\"run.sbx.net.mode\": \"bridge\", \"run.sbx.net.icc\": \"no\"}", &cfg, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: annotations.run.sbx.net.icc: must be \"true\" or \"false\", got \"no\"");
	/* user with a name: a rootless user-defined network */
	ck_assert_int_eq(parse("{\"run.sbx.net.mode\": \"user\", \"run.sbx.net.name\": \"lan\", \"run.sbx.net.icc\": \"false\"}",
			       &cfg, &err), 0);
	ck_assert_int_eq(cfg->net.mode, SBX_NET_USER);
	ck_assert_str_eq(cfg->net.name, "lan");
	sbx_config_free(cfg);
	ck_assert_int_eq(parse("{\"run.sbx.net.mode\": \"user\", \"run.sbx.net.subnet\": \"10.90.0.0/24\"}", &cfg, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: annotations.run.sbx.net.subnet: needs run.sbx.net.name with network mode user (a user-defined network)");
	ck_assert_int_eq(parse("{\"run.sbx.net.mode\": \"none\", \"run.sbx.net.name\": \"lan\"}", &cfg, &err), -1);
	ck_assert_str_eq(err.msg, "config.json: annotations.run.sbx.net.name: needs network mode bridge, or user with run.sbx.net.name, not none");
}
END_TEST

START_TEST(ipam)
{
	uint32_t net = 0x0a580000, used[] = { 0x0a580002, 0x0a580003 };

	ck_assert_uint_eq(sbx_ipam_pick(net, 16, NULL, 0), 0x0a580002);
	ck_assert_uint_eq(sbx_ipam_pick(net, 16, used, 2), 0x0a580004);
	/* /30: .0 net, .1 gw, .2 host, .3 broadcast */
	ck_assert_uint_eq(sbx_ipam_pick(net, 30, used, 1), 0);
	ck_assert(sbx_ipam_overlap(0x0a580000, 16, 0x0a580500, 24));
	ck_assert(!sbx_ipam_overlap(0x0a580000, 16, 0x0a590000, 24));
	ck_assert_uint_eq(sbx_ipam_named_pool(3), 0x0a590300);
}
END_TEST

START_TEST(netlink_messages)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = sbx_nl_build_veth(buf, "vsbx1", 7, 1400, "eth0", 1234);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct nlattr *a;
	bool name = false, master = false, kind = false, txq = false, rxq = false, peer_txq = false, peer_rxq = false;

	ck_assert_int_eq(nlh->nlmsg_type, RTM_NEWLINK);
	ck_assert(nlh->nlmsg_flags & NLM_F_CREATE);
	ck_assert(nlh->nlmsg_flags & NLM_F_EXCL);
	ck_assert_uint_eq(ifm->ifi_flags & IFF_UP, IFF_UP);
	mnl_attr_for_each(a, nlh, sizeof(*ifm)) {
		if (mnl_attr_get_type(a) == IFLA_IFNAME)
			name = !strcmp(mnl_attr_get_str(a), "vsbx1");
		if (mnl_attr_get_type(a) == IFLA_MASTER)
			master = mnl_attr_get_u32(a) == 7;
		/* One queue each way, given (not cut down after creation,
		 * which waits for an RCU grace period per end). */
		if (mnl_attr_get_type(a) == IFLA_NUM_TX_QUEUES)
			txq = mnl_attr_get_u32(a) == 1;
		if (mnl_attr_get_type(a) == IFLA_NUM_RX_QUEUES)
			rxq = mnl_attr_get_u32(a) == 1;
		if (mnl_attr_get_type(a) == IFLA_LINKINFO) {
			struct nlattr *in, *d, *pa;
			mnl_attr_for_each_nested(in, a) {
				if (mnl_attr_get_type(in) == IFLA_INFO_KIND)
					kind = !strcmp(mnl_attr_get_str(in), "veth");
				if (mnl_attr_get_type(in) != IFLA_INFO_DATA)
					continue;
				mnl_attr_for_each_nested(d, in) {
					const char *p = (const char *)mnl_attr_get_payload(d) + sizeof(struct ifinfomsg);
					const char *end = (const char *)d + d->nla_len;
					if (mnl_attr_get_type(d) != VETH_INFO_PEER)
						continue;
					for (pa = (struct nlattr *)p; mnl_attr_ok(pa, (int)(end - (const char *)pa));
					     pa = mnl_attr_next(pa)) {
						if (mnl_attr_get_type(pa) == IFLA_NUM_TX_QUEUES)
							peer_txq = mnl_attr_get_u32(pa) == 1;
						if (mnl_attr_get_type(pa) == IFLA_NUM_RX_QUEUES)
							peer_rxq = mnl_attr_get_u32(pa) == 1;
					}
				}
			}
		}
	}
	ck_assert(name && master && kind);
	ck_assert(txq && rxq && peer_txq && peer_rxq);

	nlh = sbx_nl_build_brport_isolated(buf, 9, true);
	ifm = mnl_nlmsg_get_payload(nlh);
	ck_assert_int_eq(nlh->nlmsg_type, RTM_SETLINK);
	ck_assert_int_eq(ifm->ifi_family, AF_BRIDGE);
	ck_assert_int_eq(ifm->ifi_index, 9);
	a = mnl_nlmsg_get_payload_offset(nlh, sizeof(*ifm));
	ck_assert_int_eq(mnl_attr_get_type(a), IFLA_PROTINFO);

	nlh = sbx_nl_build_addr(buf, 3, 0x0a580002, 16);
	ck_assert_int_eq(nlh->nlmsg_type, RTM_NEWADDR);
	ck_assert_uint_eq(((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_prefixlen, 16);
	nlh = sbx_nl_build_default_route(buf, 3, 0x0a580001);
	ck_assert_int_eq(nlh->nlmsg_type, RTM_NEWROUTE);
	ck_assert_uint_eq(((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_dst_len, 0);
}
END_TEST

START_TEST(nft_batch)
{
	struct sbx_publish p[2] = { { 0, 8080, 80, IPPROTO_TCP }, { 0, 53, 53, IPPROTO_UDP } };
	struct sbx_nft_net net = { "sbx0", "sbx0", 0x0a580000, 16 };
	struct sbx_nft_ctr c = { "sbxrun web1", 0x0a580002, p, 2 };
	char buf[65536], small[1024], comment[256];
	unsigned n_msgs = 0;
	ssize_t n = sbx_nft_build_add(buf, sizeof(buf), 1, &net, &c, &n_msgs);
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	int left = (int)n, msgs = 0;

	ck_assert_int_gt(n, 0);
	for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left))
		msgs++;
	/* begin + table + 4 chains + masquerade + forward + 2*2 DNAT + end */
	ck_assert_int_eq(msgs, 13);
	ck_assert_uint_eq(n_msgs, 11);
	ck_assert(memmem(buf, (size_t)n, "sbxrun web1 tcp/8080", 20) != NULL);
	ck_assert(memmem(buf, (size_t)n, "sbxrun web1 udp/53", 18) != NULL);
	ck_assert(memmem(buf, (size_t)n, "sbxrun-net sbx0", 15) != NULL);
	/* A container without published ports on a network whose rules
	 * exist: table and chains only (no rule carries its ID). */
	c.n_publish = 0;
	n = sbx_nft_build_add(buf, sizeof(buf), 1, NULL, &c, &n_msgs);
	ck_assert_uint_eq(n_msgs, 5);
	ck_assert(memmem(buf, (size_t)n, "web1", 4) == NULL);
	c.n_publish = 2;
	ck_assert_int_eq(sbx_nft_build_add(small, sizeof(small), 1, &net, &c, NULL), -1);
	sbx_nft_comment("short", comment, sizeof(comment));
	ck_assert_str_eq(comment, "sbxrun short");
	sbx_nft_net_comment("web", comment, sizeof(comment));
	ck_assert_str_eq(comment, "sbxrun-net web");
	{
		char id[300];
		memset(id, 'a', sizeof(id) - 1);
		id[sizeof(id) - 1] = '\0';
		sbx_nft_comment(id, comment, sizeof(comment));
		ck_assert_uint_lt(strlen(comment), 128);
	}
}
END_TEST

START_TEST(etc_files)
{
	char *h = sbx_net_hosts_text("box", 0x0a580002);
	char *r = sbx_net_resolv_text("nameserver 127.0.0.53\nsearch example.org\nnameserver 192.0.2.1\n", NULL);
	char *f = sbx_net_resolv_text("nameserver 127.0.0.53\n", "10.0.2.3");

	ck_assert(strstr(h, "10.88.0.2\tbox\n") != NULL);
	ck_assert_str_eq(r, "search example.org\nnameserver 192.0.2.1\n");
	ck_assert_str_eq(f, "nameserver 10.0.2.3\n");
	free(h);
	free(r);
	free(f);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, publish_ok);
	tcase_add_test(tc, publish_bad);
	tcase_add_test(tc, cidr_and_names);
	tcase_add_test(tc, config_annotations);
	tcase_add_test(tc, ipam);
	tcase_add_test(tc, netlink_messages);
	tcase_add_test(tc, nft_batch);
	tcase_add_test(tc, etc_files);
	suite_add_tcase(s, tc);
	return s;
}

SBX_TEST_MAIN()
