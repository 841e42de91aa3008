/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Networking.  docs/networking.md explains every mode for users;
 * docs/internals.md ("Networking") the design.
 *
 *   none    a new network namespace with only lo, brought up (the default)
 *   host    no network namespace of its own
 *   bridge  (rootful) a veth pair: eth0 in the container, the other end on a
 *           bridge (sbx0, 10.88.0.0/16, or a named network), an address from
 *           the IPAM, egress NAT and --publish DNAT as nftables rules in the
 *           sbxrun-owned table, --icc=false as isolated bridge ports
 *   user    (rootless) pasta or slirp4netns, started and supervised by sbxrun
 *
 * The settings come from the run.sbx.net.* annotations (written by `sbxrun
 * spec --net ...`), parsed once into cfg->net by the config parser.
 *
 * The module follows the launcher's shape:
 *   compile      (parent, before clone; pure) config -> struct sbx_net_plan;
 *   apply_parent (parent, init's pid known, before GO) lease, veth, nft
 *                rules, helper; fills the part of the plan the child reads;
 *   apply_child  (init, inside the namespaces) lo and eth0 up, address,
 *                default route;
 *   teardown     (delete, a failed create, the end of a foreground run)
 *                removes everything recorded for the container ID.
 */
#ifndef SBX_NET_H
#define SBX_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbx/config.h"
#include "sbx/error.h"

#define SBX_NET_ANN_MODE "run.sbx.net.mode"
#define SBX_NET_ANN_PUBLISH "run.sbx.net.publish"
#define SBX_NET_ANN_NAME "run.sbx.net.name"
#define SBX_NET_ANN_ICC "run.sbx.net.icc"
#define SBX_NET_ANN_SUBNET "run.sbx.net.subnet"

#define SBX_NET_DEFAULT_NAME "sbx0"
/* Named networks get the bridge "sbx-<name>": 4 + 11 = IFNAMSIZ - 1. */
#define SBX_NET_NAME_MAX 11

/* ---- pure parsers (config parser, `sbxrun spec`, unit tests) ---- */

/* "[IP:]HOSTPORT:PORT[/tcp|/udp]".  0, or -1 with the reason in `why`. */
int sbx_net_parse_publish(const char *spec, struct sbx_publish *out, char *why, size_t len);
/* "10.88.0.0/16" -> network (host order) and prefix; host bits must be 0. */
int sbx_net_parse_cidr(const char *s, uint32_t *net, unsigned *prefix, char *why, size_t len);
/* A network name: [A-Za-z0-9][A-Za-z0-9_.-]*, at most SBX_NET_NAME_MAX. */
int sbx_net_check_name(const char *name, char *why, size_t len);
/* A Linux interface name (1..15 bytes, no '/', ':', whitespace, not . or ..). */
int sbx_net_check_ifname(const char *name, char *why, size_t len);
/* "none", "host", "bridge", "user", "user:pasta", "user:slirp4netns". */
int sbx_net_parse_mode(const char *s, enum sbx_net_mode *mode, enum sbx_net_helper *helper);
const char *sbx_net_mode_name(enum sbx_net_mode m);

/* ---- the plan ---- */

struct sbx_net_shared; /* filled by apply_parent, read by apply_child */

struct sbx_net_plan {
	enum sbx_net_mode mode;
	bool new_netns;           /* the container gets a network namespace we create */
	const struct sbx_config *cfg;
	const char *id;
	const char *state_root;   /* leases, network records (NULL: not bridge/user) */
	char network[SBX_NET_NAME_MAX + 8];
	char bridge[16];
	enum sbx_net_helper helper;
	char helper_path[256];    /* the pasta/slirp4netns binary found at compile */
	bool rootless;            /* the caller is not root on the host */
	/* Extra mounts for the generated /etc/hosts, /etc/hostname and
	 * /etc/resolv.conf (read-only binds of files in the state dir). */
	struct sbx_mount etc_mounts[3];
	size_t n_etc_mounts;
	char *etc_dir;            /* <state root>/<id>/net (malloc'ed) */
	struct sbx_net_shared *shared; /* MAP_SHARED page, or NULL */
	bool applied;             /* apply_parent ran (teardown on failure) */
	/* user mode with a name: a rootless user-defined network (a bridge
	 * in the per-user network namespace, net_rootless.c) */
	bool rnet;
	int rnet_users_fd;        /* shared lock: "a container is being made" */
	/* bridge mode, from sbx_net_apply_early to sbx_net_apply_parent */
	struct sbx_net_bridge_run *bridge_run;
	/* user mode (not a user-defined network, no hook that runs before
	 * init's exec): the helper starts while init sets itself up;
	 * sbx_net_apply_ready waits for it, and init waits for that before
	 * its exec (compiled: both sides know) */
	bool helper_async;
	int keeper_report;        /* the keeper's report pipe until then, or -1 */
	pid_t keeper_mid;         /* its intermediate child, to reap, or -1 */
};

/* Parent, before clone.  Checks everything that can be checked without
 * touching the system (and finds the helper binary for user mode). */
int sbx_net_compile(const struct sbx_config *cfg, const char *id, const char *state_root,
		    bool rootless, bool new_netns, bool new_userns, struct sbx_net_plan *plan,
		    struct sbx_err *err);
void sbx_net_plan_free(struct sbx_net_plan *plan);

/* Parent, before the container's first process is made: a rootless
 * user-defined network joins the per-user user namespace here (starting
 * it if needed), so that the container's user namespace is made inside
 * it.  Nothing for the other modes. */
int sbx_net_prepare(struct sbx_net_plan *plan, struct sbx_err *err);

/* Parent, while stage 1 makes the namespaces (after the id maps, before
 * init's pid): bridge mode's lease, record, bridge, nft rules and /etc
 * files, which need none of them.  Nothing for the other modes.  On
 * failure everything it created is removed again. */
int sbx_net_apply_early(struct sbx_net_plan *plan, struct sbx_err *err);

/* Parent, once init is set up (before the hand-over): waits for what
 * sbx_net_apply_parent left running (user mode: until the helper is
 * ready) and records it.  On failure everything is removed again. */
int sbx_net_apply_ready(struct sbx_net_plan *plan, struct sbx_err *err);

/* Parent, after clone: init's pid is known, its namespaces exist, it waits
 * for GO.  On failure everything it created is removed again. */
int sbx_net_apply_parent(struct sbx_net_plan *plan, pid_t init, struct sbx_err *err);

/* init, inside the new network namespace: lo up; eth0 address, MTU, up and
 * the default route when bridge mode gave it one. */
int sbx_net_apply_child(const struct sbx_net_plan *plan, struct sbx_err *err);

/* Remove what the network setup of container `id` left: its lease, veth,
 * nft rules, helper process, returned netDevices.  Idempotent; works from
 * the records under the state root alone (after a crash of `create`). */
int sbx_net_teardown(const char *state_root, const char *id, struct sbx_err *err);

/* Child, inside the new netns, with CAP_NET_ADMIN in its user namespace. */
int sbx_net_lo_up(struct sbx_err *err);

#endif
