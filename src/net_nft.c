/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nftables rules for bridge mode, written over netlink with libnftnl (no
 * nft or iptables binary is ever run).  Everything lives in one table that
 * sbxrun owns, `ip sbxrun`; no other table or chain is read for decisions
 * or changed.  Chains (created on first use, kept afterwards, like
 * Docker's):
 *
 *   prerouting  nat    dstnat   published ports arriving from outside
 *   output      nat    dstnat   published ports used from this host
 *   postrouting nat    srcnat   egress masquerade
 *   forward     filter 0        no traffic from one sbxrun network to another
 *
 * Two kinds of rules:
 *   - each network's (made with the network, kept like its bridge; comment
 *     "sbxrun-net <name>"): masquerade of the subnet's egress, and a drop
 *     of forwarding from its bridge into any other sbxrun bridge;
 *   - each container's, only when it publishes ports (comment
 *     "sbxrun <id> tcp/8080" or "... tcp/8080@<ip>", which is how a second
 *     container asking for the same host port is refused): DNAT in
 *     prerouting and output.  delete removes exactly those, found by their
 *     comment even after a crash.
 *
 * Why a container without published ports needs no rule of its own: every
 * nftables commit leaves the kernel a deferred free of the transaction
 * (after an RCU grace period), and releasing the netlink socket waits for
 * it (nf_tables flushes that work on NETLINK_URELEASE): ~17 ms here, twice
 * per container (create and delete).  A dump commits nothing.
 */
#include "net_int.h"
#include "sbx/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/prctl.h>

#define MSG_ROOM 2048  /* generous upper bound of one message */

void sbx_nft_comment(const char *id, char *buf, size_t len)
{
	/* nft keeps comments up to 128 bytes: long IDs are shortened, with
	 * a hash so that two long IDs never share a comment. */
	if (strlen(id) <= 96)
		snprintf(buf, len, "sbxrun %s", id);
	else
		snprintf(buf, len, "sbxrun %.72s~%016llx", id, (unsigned long long)sbx_net_hash(id));
}

/* ---- expressions ---- */

static void add(struct nftnl_rule *r, struct nftnl_expr *e)
{
	nftnl_rule_add_expr(r, e);
}

static void payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	add(r, e);
}

static void meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	add(r, e);
}

static void cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	add(r, e);
}

static void imm_data(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	add(r, e);
}

static void verdict(struct nftnl_rule *r, int v)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	add(r, e);
}

/* [o|i]ifname == name (exact; len-limited prefix when wildcard) */
static void match_ifname(struct nftnl_rule *r, uint32_t key, uint32_t op, const char *name,
			 bool prefix)
{
	char b[16] = { 0 };
	snprintf(b, sizeof(b), "%s", name);
	meta(r, key);
	cmp(r, op, b, prefix ? (uint32_t)strlen(b) : (uint32_t)strlen(b) + 1);
}

/* fib daddr type local: only traffic addressed to this host is DNATed,
 * never traffic that is merely routed through it. */
/* ip saddr (offset 12) or daddr (16), masked, compared with `net`: a
 * prefix match; mask and net in network byte order. */
static void match_ip_prefix(struct nftnl_rule *r, uint32_t off, uint32_t mask, uint32_t op, uint32_t net)
{
	struct nftnl_expr *e;
	uint32_t zero = 0;

	payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, 4);
	e = nftnl_expr_alloc("bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	add(r, e);
	cmp(r, op, &net, 4);
}

static void match_local_dst(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("fib");
	uint32_t local = RTN_LOCAL;

	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	add(r, e);
	cmp(r, NFT_CMP_EQ, &local, 4);
}

static void set_comment(struct nftnl_rule *r, const char *comment)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);

	nftnl_udata_put_strz(u, NFTNL_UDATA_RULE_COMMENT, comment);
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
}

static struct nftnl_rule *new_rule(const char *chain, const char *comment)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, SBX_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
	set_comment(r, comment);
	return r;
}

static struct nftnl_rule *dnat_rule(const char *chain, const char *comment, uint32_t caddr,
				    const struct sbx_publish *p, bool from_host)
{
	struct nftnl_rule *r = new_rule(chain, comment);
	struct nftnl_expr *e;
	uint8_t proto = (uint8_t)p->proto;
	uint16_t hport = htons(p->host_port), cport = htons(p->port);
	uint32_t a = htonl(caddr);

	if (p->host_ip) {
		payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);
		cmp(r, NFT_CMP_EQ, &p->host_ip, 4);
	} else {
		match_local_dst(r);
	}
	if (from_host) {
		/* 127.0.0.0/8 would reach the container with a loopback
		 * source address, which it cannot answer: not for us. */
		match_ip_prefix(r, 16, htonl(0xff000000), NFT_CMP_NEQ, htonl(0x7f000000));
	}
	meta(r, NFT_META_L4PROTO);
	cmp(r, NFT_CMP_EQ, &proto, 1);
	payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	cmp(r, NFT_CMP_EQ, &hport, 2);
	imm_data(r, NFT_REG_1, &a, 4);
	imm_data(r, NFT_REG_2, &cport, 2);
	e = nftnl_expr_alloc("nat");
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
	add(r, e);
	return r;
}

/* ---- batch ---- */

struct batch {
	char *buf;
	size_t len, off;
	unsigned seq;
	unsigned n_msgs;
	bool overflow;
};

static struct nlmsghdr *batch_hdr(struct batch *b, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	if (b->off + MSG_ROOM > b->len) {
		b->overflow = true;
		return NULL;
	}
	nlh = nftnl_nlmsg_build_hdr(b->buf + b->off, type, NFPROTO_IPV4, flags | NLM_F_ACK, b->seq++);
	b->n_msgs++;
	return nlh;
}

static void batch_done(struct batch *b, struct nlmsghdr *nlh)
{
	if (nlh)
		b->off += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void batch_mark(struct batch *b, bool begin)
{
	struct nlmsghdr *nlh;

	if (b->off + MSG_ROOM > b->len) {
		b->overflow = true;
		return;
	}
	nlh = begin ? nftnl_batch_begin(b->buf + b->off, b->seq++) : nftnl_batch_end(b->buf + b->off, b->seq++);
	b->off += NLMSG_ALIGN(nlh->nlmsg_len);
}

static void put_rule(struct batch *b, struct nftnl_rule *r)
{
	struct nlmsghdr *nlh = batch_hdr(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);

	if (nlh)
		nftnl_rule_nlmsg_build_payload(nlh, r);
	batch_done(b, nlh);
	nftnl_rule_free(r);
}

static void put_chain(struct batch *b, const char *name, const char *type, uint32_t hook, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, SBX_NFT_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, hook);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	/* NLM_F_CREATE without EXCL: "add chain", a no-op when it exists. */
	nlh = batch_hdr(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	if (nlh)
		nftnl_chain_nlmsg_build_payload(nlh, c);
	batch_done(b, nlh);
	nftnl_chain_free(c);
}

/* table + the four chains ("add": no-ops when they exist) */
static void put_skeleton(struct batch *b)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, SBX_NFT_TABLE);
	nlh = batch_hdr(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	if (nlh)
		nftnl_table_nlmsg_build_payload(nlh, t);
	batch_done(b, nlh);
	nftnl_table_free(t);
	put_chain(b, "prerouting", "nat", NF_INET_PRE_ROUTING, -100);
	put_chain(b, "output", "nat", NF_INET_LOCAL_OUT, -100);
	put_chain(b, "postrouting", "nat", NF_INET_POST_ROUTING, 100);
	put_chain(b, "forward", "filter", NF_INET_FORWARD, 0);
}

void sbx_nft_net_comment(const char *network, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", SBX_NFT_NET_TAG, network);
}

/* The network's two rules, made with the network and kept (like its
 * bridge).  Matching the bridge by interface rather than each container by
 * address means a container that changes its own address (it has
 * CAP_NET_ADMIN in its network namespace) is still kept in its network. */
static void put_network_rules(struct batch *b, const struct sbx_nft_net *n)
{
	struct nftnl_rule *r;
	uint32_t net = htonl(n->subnet), mask = htonl(n->prefix ? ~0u << (32 - n->prefix) : 0);
	char cm[64];

	sbx_nft_net_comment(n->name, cm, sizeof(cm));
	/* egress: ip saddr <subnet> oifname != <bridge> masquerade */
	r = new_rule("postrouting", cm);
	match_ip_prefix(r, 12, mask, NFT_CMP_EQ, net);
	match_ifname(r, NFT_META_OIFNAME, NFT_CMP_NEQ, n->bridge, false);
	add(r, nftnl_expr_alloc("masq"));
	put_rule(b, r);
	/* networks stay apart: iifname <bridge> oifname "sbx*"
	 * oifname != <bridge> drop */
	r = new_rule("forward", cm);
	match_ifname(r, NFT_META_IIFNAME, NFT_CMP_EQ, n->bridge, false);
	match_ifname(r, NFT_META_OIFNAME, NFT_CMP_EQ, "sbx", true);
	match_ifname(r, NFT_META_OIFNAME, NFT_CMP_NEQ, n->bridge, false);
	verdict(r, NF_DROP);
	put_rule(b, r);
}

ssize_t sbx_nft_build_add(char *buf, size_t len, unsigned seq, const struct sbx_nft_net *net,
			  const struct sbx_nft_ctr *c, unsigned *n_msgs)
{
	struct batch b = { .buf = buf, .len = len, .seq = seq };
	char cm[256];

	batch_mark(&b, true);
	put_skeleton(&b);
	if (net)
		put_network_rules(&b, net);
	for (size_t i = 0; c && i < c->n_publish; i++) {
		const struct sbx_publish *p = &c->publish[i];
		char ip[INET_ADDRSTRLEN] = "";
		struct in_addr a = { p->host_ip };

		if (p->host_ip)
			inet_ntop(AF_INET, &a, ip, sizeof(ip));
		snprintf(cm, sizeof(cm), "%s %s/%u%s%s", c->comment,
			 p->proto == IPPROTO_UDP ? "udp" : "tcp", p->host_port, p->host_ip ? "@" : "", ip);
		put_rule(&b, dnat_rule("prerouting", cm, c->addr, p, false));
		put_rule(&b, dnat_rule("output", cm, c->addr, p, true));
	}
	batch_mark(&b, false);
	if (n_msgs)
		*n_msgs = b.n_msgs;
	return b.overflow ? -1 : (ssize_t)b.off;
}

/* ---- talking to the kernel ---- */

static struct mnl_socket *nft_open(struct sbx_err *err)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);

	if (!nl) {
		sbx_err_set(err, errno, "nftables: open netlink socket");
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		sbx_err_set(err, errno, "nftables: bind netlink socket");
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

/* Send a batch and collect one ack per message; the first error wins. */
static int send_batch(struct mnl_socket *nl, const char *buf, size_t len, unsigned n_acks)
{
	char rb[MNL_SOCKET_BUFFER_SIZE];
	int first = 0;

	if (mnl_socket_sendto(nl, buf, len) < 0)
		return -errno;
	while (n_acks > 0) {
		ssize_t n = mnl_socket_recvfrom(nl, rb, sizeof(rb));
		struct nlmsghdr *h = (struct nlmsghdr *)rb;
		int left = (int)n;

		if (n < 0)
			return -errno;
		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
				if (e->error && !first)
					first = e->error;
				n_acks--;
				/* After an error the kernel aborts the batch
				 * and acks nothing else. */
				if (e->error)
					return first;
			}
		}
	}
	return first;
}

/* The last close of a socket that committed waits for the kernel's
 * deferred free of the transaction (see the top of this file): a child
 * holding a copy of the socket makes that close, after ours. */
static void close_after_commit(struct mnl_socket *nl)
{
	int fd = mnl_socket_get_fd(nl), p[2];
	pid_t c;

	if (pipe2(p, O_CLOEXEC) < 0) {
		mnl_socket_close(nl);
		return;
	}
	c = fork();
	if (c == 0) {
		char x;
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		prctl(PR_SET_NAME, "sbxrun-nftrel"); /* named for what it waits for */
		/* Nothing of the caller's but the socket and the pipe (no
		 * stdio, lock or state fd). */
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		close(p[1]);
		{
			int keep[2] = { fd < p[0] ? fd : p[0], fd < p[0] ? p[0] : fd };
			sbx_net_keep_only(keep, 2); /* every fd, not only those below 1024 */
		}
		while (read(p[0], &x, 1) < 0 && errno == EINTR)
			;
		_exit(0); /* the socket's last close */
	}
	mnl_socket_close(nl);
	close(p[0]);
	close(p[1]); /* the child's read returns: our copy is closed */
}

/* ---- reading our table back ---- */

struct found {
	char chain[32];
	uint64_t handle;
	char comment[256];
};

struct dump_arg {
	struct found *v;
	size_t n;
};

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	const char **out = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT)
		*out = nftnl_udata_get(attr);
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_arg *a = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *comment = NULL;
	const void *ud;
	uint32_t udlen = 0;

	if (nftnl_rule_nlmsg_parse(nlh, r) == 0 && (ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &udlen)) &&
	    nftnl_udata_parse(ud, udlen, comment_cb, &comment) >= 0 && comment) {
		struct found *f;
		a->v = sbx_xrealloc(a->v, (a->n + 1) * sizeof(*a->v));
		f = &a->v[a->n++];
		snprintf(f->chain, sizeof(f->chain), "%s", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
		f->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
		snprintf(f->comment, sizeof(f->comment), "%s", comment);
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* Every commented rule of our table.  No table: 0 rules. */
static int dump_rules(struct mnl_socket *nl, struct dump_arg *a)
{
	char buf[SBX_NL_BUF] = { 0 }; /* no stack bytes in padding */
	struct nftnl_rule *r = nftnl_rule_alloc();
	unsigned seq = (unsigned)time(NULL), portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh;
	ssize_t n;
	int ret;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_IPV4, NLM_F_DUMP, seq);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, SBX_NFT_TABLE);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, rule_cb, a);
		if (ret <= MNL_CB_STOP) {
			if (ret < 0 && errno == ENOENT)
				return 0;
			return ret < 0 ? -1 : 0;
		}
	}
}

static bool comment_is(const char *c, const char *want)
{
	size_t n = strlen(want);
	return !strncmp(c, want, n) && (c[n] == '\0' || c[n] == ' ');
}

int sbx_nft_del(const char *comment, struct sbx_err *err)
{
	struct mnl_socket *nl = nft_open(err);
	struct dump_arg a = { 0 };
	_sbx_cleanup_free_ char *buf = NULL;
	struct batch b = { 0 };
	unsigned n = 0;
	int r = 0;

	if (!nl)
		return -1;
	if (dump_rules(nl, &a) < 0) {
		r = sbx_err_set(err, errno, "nftables: list the rules of table ip %s", SBX_NFT_TABLE);
		goto out;
	}
	for (size_t i = 0; i < a.n; i++)
		n += comment_is(a.v[i].comment, comment);
	if (!n)
		goto out;
	b.len = (n + 2) * MSG_ROOM;
	b.buf = buf = sbx_xmalloc(b.len);
	memset(buf, 0, b.len);
	b.seq = (unsigned)time(NULL);
	batch_mark(&b, true);
	for (size_t i = 0; i < a.n; i++) {
		struct nftnl_rule *rl;
		struct nlmsghdr *nlh;
		if (!comment_is(a.v[i].comment, comment))
			continue;
		rl = nftnl_rule_alloc();
		nftnl_rule_set_str(rl, NFTNL_RULE_TABLE, SBX_NFT_TABLE);
		nftnl_rule_set_str(rl, NFTNL_RULE_CHAIN, a.v[i].chain);
		nftnl_rule_set_u64(rl, NFTNL_RULE_HANDLE, a.v[i].handle);
		nlh = batch_hdr(&b, NFT_MSG_DELRULE, 0);
		if (nlh)
			nftnl_rule_nlmsg_build_payload(nlh, rl);
		batch_done(&b, nlh);
		nftnl_rule_free(rl);
	}
	batch_mark(&b, false);
	r = send_batch(nl, b.buf, b.off, n);
	if (r < 0)
		r = sbx_err_set(err, -r, "nftables: delete the rules of %s", comment);
	free(a.v);
	close_after_commit(nl);
	return r;
out:
	free(a.v);
	mnl_socket_close(nl);
	return r;
}

char *sbx_nft_port_owner(int proto, uint16_t host_port, uint32_t host_ip)
{
	struct sbx_err err;
	struct mnl_socket *nl = nft_open(&err);
	struct dump_arg a = { 0 };
	char *owner = NULL;
	char pat[32];

	if (!nl)
		return NULL;
	snprintf(pat, sizeof(pat), " %s/%u", proto == IPPROTO_UDP ? "udp" : "tcp", host_port);
	if (dump_rules(nl, &a) == 0) {
		for (size_t i = 0; i < a.n && !owner; i++) {
			char *p = strstr(a.v[i].comment, pat), *at;
			struct in_addr ia;
			size_t l = strlen(pat);
			if (!p || strcmp(a.v[i].chain, "prerouting") || (p[l] != '\0' && p[l] != '@'))
				continue;
			at = p[l] == '@' ? p + l + 1 : NULL;
			/* Conflict: either side binds every address, or both
			 * the same one. */
			if (at && host_ip && inet_pton(AF_INET, at, &ia) == 1 && ia.s_addr != host_ip)
				continue;
			owner = sbx_xstrdup(a.v[i].comment + strlen("sbxrun "));
			owner[p - a.v[i].comment - strlen("sbxrun ")] = '\0';
		}
	}
	free(a.v);
	mnl_socket_close(nl);
	return owner;
}

int sbx_nft_apply(const struct sbx_nft_net *net, const struct sbx_nft_ctr *c, struct sbx_err *err)
{
	struct mnl_socket *nl = nft_open(err);
	struct dump_arg a = { 0 };
	_sbx_cleanup_free_ char *buf = NULL;
	bool have_post = false, have_fwd = false;
	char cm[64];
	unsigned n_msgs = 0;
	ssize_t len;
	int r = 0;

	if (!nl)
		return -1;
	/* A dump commits nothing, so closing this socket costs nothing when
	 * the rules are already there (the common case); see the file
	 * comment on the cost of a commit. */
	if (net) {
		sbx_nft_net_comment(net->name, cm, sizeof(cm));
		if (dump_rules(nl, &a) < 0) {
			r = sbx_err_set(err, errno, "nftables: list the rules of table ip %s", SBX_NFT_TABLE);
			goto out;
		}
		for (size_t i = 0; i < a.n; i++) {
			if (strcmp(a.v[i].comment, cm))
				continue;
			have_post |= !strcmp(a.v[i].chain, "postrouting");
			have_fwd |= !strcmp(a.v[i].chain, "forward");
		}
		if (have_post && have_fwd)
			net = NULL;
	}
	if (!net && (!c || !c->n_publish))
		goto out;
	buf = sbx_xmalloc(65536);
	memset(buf, 0, 65536);
	len = sbx_nft_build_add(buf, 65536, (unsigned)time(NULL), net, c, &n_msgs);
	if (len < 0) {
		r = sbx_err_set(err, E2BIG, "nftables: rules for %zu published ports", c ? c->n_publish : 0);
		goto out;
	}
	r = send_batch(nl, buf, (size_t)len, n_msgs);
	if (r < 0)
		r = sbx_err_set(err, -r, "nftables: add the rules of %s to table ip %s",
				c && c->n_publish ? c->comment : cm, SBX_NFT_TABLE);
	free(a.v);
	close_after_commit(nl);
	return r;
out:
	free(a.v);
	mnl_socket_close(nl);
	return r;
}
