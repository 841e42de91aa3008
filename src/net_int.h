/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to the network module (src/net*.c): rtnetlink helpers (net_nl.c),
 * the IPAM (net_ipam.c), nftables rules (net_nft.c), generated /etc files
 * (net_etc.c), the bridge mode (net_bridge.c), the user mode helper and the
 * keeper process (net_user.c), and the per-container record (net.c).
 *
 * The message builders are pure (they fill a caller's buffer) so the unit
 * tests check the bytes; the senders open a socket in the netns sbxrun runs
 * in, which is the only one they ever change (plus the container's).
 */
#ifndef SBX_NET_INT_H
#define SBX_NET_INT_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx/error.h"
#include "sbx/net.h"

/* What apply_parent tells the child (MAP_SHARED page made at compile). */
struct sbx_net_shared {
	bool configure;          /* eth0 needs address + route (bridge) */
	uint32_t addr, gateway;  /* host byte order */
	unsigned prefix, mtu;
	unsigned ifindex;        /* eth0's index in the container */
};

/* ---- rtnetlink (net_nl.c) ---- */

/* A request buffer (MNL_SOCKET_BUFFER_SIZE is not a constant, so it cannot
 * be zero-initialised; zeroed, no stack bytes go out in padding). */
#define SBX_NL_BUF 8192

struct sbx_nl {
	struct mnl_socket *sock;
	unsigned seq, portid;
};

int sbx_nl_open(struct sbx_nl *nl, struct sbx_err *err);
void sbx_nl_close(struct sbx_nl *nl);
/* Send one request built in buf and wait for its ack (-1, errno set). */
int sbx_nl_talk(struct sbx_nl *nl, struct nlmsghdr *nlh);
/* Requests laid out one after the other in buf (len bytes), sent at once;
 * -1 with errno of the first that failed, its position in *failed. */
int sbx_nl_talk_batch(struct sbx_nl *nl, char *buf, size_t len, unsigned *failed);
/* eth0's index in the container: the veth peer is created with it. */
#define SBX_NL_PEER_IFINDEX 2
#define SBX_NL_LO_IFINDEX 1   /* every network namespace's lo */

/* Pure builders: each fills buf (MNL_SOCKET_BUFFER_SIZE) and returns the
 * header; the caller sets nlmsg_seq (sbx_nl_talk does). */
struct nlmsghdr *sbx_nl_build_bridge(char *buf, const char *name, unsigned mtu);
struct nlmsghdr *sbx_nl_build_veth(char *buf, const char *host_name, unsigned master, unsigned mtu,
				   const char *peer_name, pid_t peer_netns_pid);
struct nlmsghdr *sbx_nl_build_link_updown(char *buf, unsigned ifindex, bool up);
struct nlmsghdr *sbx_nl_build_link_move(char *buf, unsigned ifindex, int netns_fd, pid_t netns_pid,
					const char *new_name);
struct nlmsghdr *sbx_nl_build_link_del(char *buf, unsigned ifindex);
struct nlmsghdr *sbx_nl_build_brport_isolated(char *buf, unsigned ifindex, bool isolated);
struct nlmsghdr *sbx_nl_build_addr(char *buf, unsigned ifindex, uint32_t addr, unsigned prefix);
struct nlmsghdr *sbx_nl_build_default_route(char *buf, unsigned ifindex, uint32_t gateway);

/* Queries in the socket's netns. */
int sbx_nl_link_index(const char *name);               /* 0: none */
/* One RTM_GETLINK: kind ("bridge", "veth", "" for none), flags, MTU,
 * master, and for a link whose peer is in another network namespace
 * (veth) that namespace's id here: -1 when it is being destroyed (the
 * kernel assigns no id to a namespace nobody holds any more). */
struct sbx_nl_linkinfo {
	char kind[32];
	unsigned flags, mtu, master;
	bool has_link_netnsid;
	int link_netnsid;
};
int sbx_nl_link_info(struct sbx_nl *nl, unsigned ifindex, struct sbx_nl_linkinfo *li);
/* The interface of the IPv4 default route and its MTU (0/1500 if none). */
int sbx_nl_uplink(struct sbx_nl *nl, unsigned *ifindex, unsigned *mtu, uint32_t *addr);
/* Calls fn for every IPv4 route's destination (dst, prefix, oif). */
int sbx_nl_routes(struct sbx_nl *nl, int (*fn)(uint32_t dst, unsigned prefix, unsigned oif, void *arg),
		  void *arg);
/* Is addr/prefix already on ifindex? */
int sbx_nl_has_addr(struct sbx_nl *nl, unsigned ifindex, uint32_t addr, unsigned prefix);

/* ---- IPAM (net_ipam.c) ---- */

/* Pure: the first address of net/prefix that is neither the network, the
 * gateway (net+1), the broadcast, nor in used[] (host order).  0: full. */
uint32_t sbx_ipam_pick(uint32_t net, unsigned prefix, const uint32_t *used, size_t n_used);
/* Pure: do two CIDRs overlap? */
bool sbx_ipam_overlap(uint32_t a, unsigned pa, uint32_t b, unsigned pb);
/* Pure: the n-th /24 of podman's pool for named networks (10.89.n.0/24). */
uint32_t sbx_ipam_named_pool(unsigned n);

struct sbx_netrec {
	char name[SBX_NET_NAME_MAX + 1];
	uint32_t subnet;
	unsigned prefix;
	bool icc;
	bool rootless;           /* lives in the per-user network namespace */
};

/* Everything below runs with the state root's network lock held. */
int sbx_ipam_lock(const char *state_root, int *lockfd, struct sbx_err *err);
void sbx_ipam_unlock(int *lockfd);
/* Load the record of network `name`; 0 found, 1 absent, -1 error. */
int sbx_ipam_net_load(const char *state_root, const char *name, struct sbx_netrec *rec,
		      struct sbx_err *err);
int sbx_ipam_net_list(const char *state_root, struct sbx_netrec **recs, size_t *n,
		      struct sbx_err *err);
int sbx_ipam_net_save(const char *state_root, const struct sbx_netrec *rec, struct sbx_err *err);
/* Claim an address for `id`; 0 + *addr. */
int sbx_ipam_lease(const char *state_root, const struct sbx_netrec *rec, const char *id,
		   uint32_t *addr, struct sbx_err *err);
int sbx_ipam_release(const char *state_root, const char *network, uint32_t addr);
/* Release every lease held by `id` (a create killed between taking its
 * lease and writing its record leaves one that no record names). */
int sbx_ipam_release_by_id(const char *state_root, const char *id);

/* ---- nftables (net_nft.c) ---- */

#define SBX_NFT_TABLE "sbxrun"
#define SBX_NFT_NET_TAG "sbxrun-net"

/* A network's own rules (masquerade, isolation from other networks). */
struct sbx_nft_net {
	const char *name;
	const char *bridge;
	uint32_t subnet;         /* host order */
	unsigned prefix;
};

/* A container's rules: DNAT of its published ports. */
struct sbx_nft_ctr {
	const char *comment;     /* "sbxrun <id>" */
	uint32_t addr;           /* the container's address, host order */
	const struct sbx_publish *publish;
	size_t n_publish;
};

/* Pure: the batch (table, chains, the network's rules if net, the
 * container's if c) into buf; its length (*n_msgs messages to ack) or -1
 * if it does not fit. */
ssize_t sbx_nft_build_add(char *buf, size_t len, unsigned seq, const struct sbx_nft_net *net,
			  const struct sbx_nft_ctr *c, unsigned *n_msgs);
/* Make sure the rules of `net` exist (one dump; a commit only if they are
 * missing) and add the container's DNAT rules (c may be NULL). */
int sbx_nft_apply(const struct sbx_nft_net *net, const struct sbx_nft_ctr *c, struct sbx_err *err);
void sbx_nft_net_comment(const char *network, char *buf, size_t len);
/* Remove every rule whose comment is `comment`.  0 also if none/no table. */
int sbx_nft_del(const char *comment, struct sbx_err *err);
/* The container ID that published proto/host_port already (malloc'ed
 * comment), or NULL. */
char *sbx_nft_port_owner(int proto, uint16_t host_port, uint32_t host_ip);
/* The rule comment for an ID (long IDs are shortened with a hash). */
void sbx_nft_comment(const char *id, char *buf, size_t len);

/* ---- /etc files (net_etc.c) ---- */

/* Pure builders (malloc'ed text). */
char *sbx_net_hosts_text(const char *hostname, uint32_t addr);
char *sbx_net_resolv_text(const char *host_resolv, const char *fallback_ns);
/* Write hosts, hostname, resolv.conf into plan->etc_dir. */
int sbx_net_write_etc(const struct sbx_net_plan *plan, uint32_t addr, const char *fallback_ns,
		      struct sbx_err *err);

/* ---- the per-container record (net.c) ---- */

/* <root>/.net/c/<key>: "key=value" lines; written before any resource is
 * created, so teardown finds everything after a crash. */
int sbx_net_rec_write(const char *state_root, const char *id, const char *text, struct sbx_err *err);
char *sbx_net_rec_read(const char *state_root, const char *id);
void sbx_net_rec_remove(const char *state_root, const char *id);
/* The value of `key` in a record text (malloc'ed) or NULL. */
char *sbx_net_rec_get(const char *text, const char *key);
char *sbx_net_dir(const char *state_root, const char *sub);

/* ---- modes ---- */

int sbx_net_bridge_apply(struct sbx_net_plan *plan, pid_t init, struct sbx_err *err);
/* The same in two halves: begin needs no namespace of the container (the
 * launcher runs it while stage 1 makes them), finish makes the veth. */
int sbx_net_bridge_begin(struct sbx_net_plan *plan, struct sbx_err *err);
int sbx_net_bridge_finish(struct sbx_net_plan *plan, pid_t init, struct sbx_err *err);
void sbx_net_bridge_run_free(struct sbx_net_plan *plan);
/* User mode's keeper when sbx_net_user_apply left it starting
 * (plan->helper_async): wait for its report and record it; or, when the
 * launch failed before that, close the pipe (the keeper stops when init
 * is gone) and reap its intermediate child. */
int sbx_net_keeper_ready(struct sbx_net_plan *plan, struct sbx_err *err);
void sbx_net_keeper_forget(struct sbx_net_plan *plan);
/* in_ns: the namespace the record's links and rules are in is ours now
 * (false: it is gone, only the lease is left to release). */
int sbx_net_bridge_teardown(const char *state_root, const char *id, const char *rec, bool in_ns,
			    struct sbx_err *err);
/* Moves linux.netDevices in; starts the keeper (returns them, supervises
 * the user-mode helper, proxies the published ports of a rootless
 * user-defined network) when needed. */
int sbx_net_user_apply(struct sbx_net_plan *plan, pid_t init, struct sbx_err *err);
int sbx_net_devices_apply(struct sbx_net_plan *plan, pid_t init, struct sbx_err *err);
int sbx_net_keeper_stop(const char *rec, struct sbx_err *err);
/* Find pasta / slirp4netns in PATH; "" if not. */
int sbx_net_find_helper(enum sbx_net_helper want, enum sbx_net_helper *got, char *path, size_t len,
			struct sbx_err *err);

/* ---- the helpers (net_helper.c) ---- */

struct sbx_helper_spec {
	enum sbx_net_helper kind;          /* PASTA or SLIRP4NETNS */
	const char *path;
	const char *dir;                   /* cwd; log, ready FIFO, API socket */
	int netns_fd;                      /* the target network namespace */
	int userns_fd;                     /* its user namespace, -1: ours */
	const char *ifname;                /* the tap made there */
	bool persistent_tap;               /* make it ourselves first, persistent (see net_helper.c) */
	const struct sbx_publish *publish; /* host ports forwarded into it */
	size_t n_publish;
};

struct sbx_helper {
	pid_t pid;
	int pidfd;
	int exit_w;                        /* slirp4netns --exit-fd: our end */
};

/* Start the helper as our child (PDEATHSIG) and wait until it is ready;
 * -1 with the reason (its log's first line) in `why`. */
int sbx_helper_start(const struct sbx_helper_spec *s, struct sbx_helper *h, char *why, size_t wlen);
int sbx_helper_slirp_publish(const struct sbx_helper_spec *s, char *why, size_t wlen);
void sbx_helper_stop(struct sbx_helper *h);
/* The start of a network daemon (keeper, per-user namespace supervisor):
 * a session of its own, `name` in ps, SIGPIPE ignored, TERM/INT/HUP
 * blocked and returned as a signalfd (-1 if that fails). */
int sbx_net_daemon_begin(const char *name);
/* Close every fd from 3 up but keep[] (sorted ascending). */
void sbx_net_keep_only(const int *keep, size_t n);
void sbx_net_stdio_devnull(int err_fd);
int sbx_net_pidfd_open(pid_t pid);

/* ---- rootless user-defined networks (net_rootless.c) ---- */

/* Make sure the per-user network namespace runs (start it under the
 * network lock if not), then join its user namespace: the container's
 * user namespace is then made inside it.  Holds the "users" lock (shared)
 * in plan->rnet_users_fd so the namespace is not stopped meanwhile. */
int sbx_rnet_prepare(struct sbx_net_plan *plan, struct sbx_err *err);
/* Run fn(arg) in a child inside the per-user namespaces (joins the user
 * namespace too if the caller is not in it).  1 (not run) when they do not
 * exist any more. */
int sbx_rnet_in_ns(const char *state_root, int (*fn)(void *arg, struct sbx_err *err), void *arg,
		   struct sbx_err *err);
/* The per-user network namespace's fd (for the keeper's proxy). */
int sbx_rnet_open_netns(const char *state_root, struct sbx_err *err);
/* Stop it when no container uses it any more (takes the network lock). */
void sbx_rnet_release(const char *state_root);

/* ---- published ports of a rootless user-defined network (net_proxy.c) ---- */

struct sbx_proxy;
/* Listen on the host ports (in the caller's network namespace). */
struct sbx_proxy *sbx_proxy_listen(const struct sbx_publish *p, size_t n, uint32_t ctr_addr, char *why,
				   size_t wlen);
/* Serve until one of stop_fds[] is readable; new connections to the
 * container are made in the network namespace the caller is in then. */
void sbx_proxy_run(struct sbx_proxy *px, const int *stop_fds, size_t n_stop);
/* Its listening fds (to keep across a close of everything else). */
size_t sbx_proxy_fds(const struct sbx_proxy *px, int *fds, size_t max);

/* A hash for names derived from IDs (veth, record keys). */
uint64_t sbx_net_hash(const char *s);

#endif
