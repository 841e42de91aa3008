/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The network module's entry points (include/sbx/net.h): compile, the
 * parent and child apply steps, teardown, and the per-container record.
 * The modes live in net_bridge.c and net_user.c.
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

uint64_t sbx_net_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* ---- lo ---- */

int sbx_net_lo_up(struct sbx_err *err)
{
	struct sbx_nl nl = { 0 };
	char buf[SBX_NL_BUF] = { 0 }; /* no stack bytes in padding */
	int r = 0;

	if (sbx_nl_open(&nl, err) < 0)
		return sbx_err_prefix(err, "bring up lo");
	/* lo is index 1 in every network namespace (LOOPBACK_IFINDEX). */
	if (sbx_nl_talk(&nl, sbx_nl_build_link_updown(buf, SBX_NL_LO_IFINDEX, true)) < 0)
		r = sbx_err_set(err, errno, "bring up lo: RTM_NEWLINK");
	sbx_nl_close(&nl);
	return r;
}

/* ---- the per-container record ---- */

static char *rec_path(const char *state_root, const char *id)
{
	/* IDs are file-name safe ([A-Za-z0-9_.+-]); very long ones are
	 * hashed to stay under NAME_MAX. */
	if (strlen(id) <= 200)
		return sbx_xasprintf("%s/.net/c/%s", state_root, id);
	return sbx_xasprintf("%s/.net/c/~%016llx", state_root, (unsigned long long)sbx_net_hash(id));
}

int sbx_net_rec_write(const char *state_root, const char *id, const char *text, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *dir = sbx_net_dir(state_root, NULL), *cdir = sbx_net_dir(state_root, "c");
	_sbx_cleanup_free_ char *path = rec_path(state_root, id), *tmp = NULL;
	_sbx_cleanup_close_ int fd = -1;

	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || (mkdir(cdir, 0700) < 0 && errno != EEXIST))
		return sbx_err_set(err, errno, "create %s", cdir);
	tmp = sbx_xasprintf("%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	/* No fsync: the record only has to survive the death of this
	 * process (SIGKILL mid-create), which the page cache does; after a
	 * power loss the links, rules and processes it names are gone too. */
	if (fd < 0 || sbx_write_all(fd, text, strlen(text)) < 0)
		return sbx_err_set(err, errno, "write network record %s", tmp);
	if (rename(tmp, path) < 0)
		return sbx_err_set(err, errno, "rename network record %s", tmp);
	return 0;
}

char *sbx_net_rec_read(const char *state_root, const char *id)
{
	_sbx_cleanup_free_ char *path = rec_path(state_root, id);
	struct sbx_err ign;
	char *text = NULL;

	if (sbx_read_file_at(AT_FDCWD, path, &text, NULL, &ign) < 0)
		return NULL;
	return text;
}

void sbx_net_rec_remove(const char *state_root, const char *id)
{
	_sbx_cleanup_free_ char *path = rec_path(state_root, id);
	unlink(path);
}

char *sbx_net_rec_get(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l > kl && !strncmp(p, key, kl) && p[kl] == '=') {
			char *v = sbx_xmalloc(l - kl);
			memcpy(v, p + kl + 1, l - kl - 1);
			v[l - kl - 1] = '\0';
			return v;
		}
		p = e ? e + 1 : NULL;
	}
	return NULL;
}

/* ---- compile ---- */

static char *const etc_opts[] = { "bind", "ro", "nosuid", "nodev", "noexec", NULL };

static void add_etc_mount(struct sbx_net_plan *plan, const char *dest, const char *name)
{
	struct sbx_mount *m = &plan->etc_mounts[plan->n_etc_mounts++];

	m->destination = (char *)dest;
	m->type = (char *)"bind";
	m->source = sbx_xasprintf("%s/%s", plan->etc_dir, name);
	m->options = (char **)etc_opts;
	m->n_options = SBX_ARRAY_SIZE(etc_opts) - 1;
}

static int check_rootless_ports(const struct sbx_config *cfg, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *v = NULL;
	struct sbx_err ign;
	uint64_t start = 1024;

	if (sbx_read_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_unprivileged_port_start", &v, NULL, &ign) == 0) {
		char *nl = strchr(v, '\n');
		if (nl)
			*nl = '\0';
		if (sbx_parse_u64(v, &start) < 0)
			start = 1024;
	}
	for (size_t i = 0; i < cfg->net.n_publish; i++)
		if (cfg->net.publish[i].host_port < start)
			return sbx_err_set(err, 0,
					   "config.json: annotations.%s: host port %u is below net.ipv4.ip_unprivileged_port_start (%llu): a rootless container publishes ports from %llu up",
					   SBX_NET_ANN_PUBLISH, cfg->net.publish[i].host_port,
					   (unsigned long long)start, (unsigned long long)start);
	return 0;
}

/* Does the network mode fit the config's namespaces?  host needs none of
 * its own; bridge, user and moved devices need a new one. */
static int check_netns_fit(const struct sbx_config *cfg, bool new_netns, struct sbx_err *err)
{
	const struct sbx_net_config *nc = &cfg->net;

	if (nc->mode == SBX_NET_HOST && sbx_config_ns(cfg, SBX_NS_NETWORK))
		return sbx_err_set(err, 0,
				   "config.json: annotations.%s: \"host\" shares the host's network namespace, but linux.namespaces has a network namespace (remove it, as `sbxrun spec --net host` does)",
				   SBX_NET_ANN_MODE);
	if ((nc->mode == SBX_NET_BRIDGE || nc->mode == SBX_NET_USER) && !new_netns)
		return sbx_err_set(err, 0,
				   "config.json: annotations.%s: network mode %s needs a new network namespace (linux.namespaces: {\"type\": \"network\"} without a path)",
				   SBX_NET_ANN_MODE, sbx_net_mode_name(nc->mode));
	if (cfg->linux.n_net_devices && !new_netns)
		return sbx_err_set(err, 0,
				   "config.json: linux.netDevices: needs a new network namespace (linux.namespaces: {\"type\": \"network\"} without a path)");
	return 0;
}

/* The network's name and its bridge's: a rootful bridge network, or a
 * rootless user-defined one (net_rootless.c: a bridge in the per-user
 * network namespace, whose own uplink is the helper). */
static int compile_network_name(const struct sbx_net_config *nc, bool rootless, bool new_userns,
				struct sbx_net_plan *plan, struct sbx_err *err)
{
	if (nc->mode == SBX_NET_BRIDGE) {
		const char *name = nc->name ? nc->name : SBX_NET_DEFAULT_NAME;
		snprintf(plan->network, sizeof(plan->network), "%s", name);
		if (!strcmp(name, SBX_NET_DEFAULT_NAME))
			snprintf(plan->bridge, sizeof(plan->bridge), "%s", name);
		else
			snprintf(plan->bridge, sizeof(plan->bridge), "sbx-%s", name);
	} else if (nc->mode == SBX_NET_USER && nc->name) {
		if (!rootless)
			return sbx_err_set(err, 0,
					   "config.json: annotations.%s: a user-defined network with mode user is for rootless callers; as root use mode bridge (`sbxrun spec --net bridge --net-name %s`)",
					   SBX_NET_ANN_NAME, nc->name);
		if (!new_userns)
			return sbx_err_set(err, 0,
					   "config.json: annotations.%s: a rootless user-defined network needs the container to have its own user namespace (linux.namespaces: {\"type\": \"user\"})",
					   SBX_NET_ANN_NAME);
		plan->rnet = true;
		snprintf(plan->network, sizeof(plan->network), "%s", nc->name);
		snprintf(plan->bridge, sizeof(plan->bridge), "sbx-%s", nc->name);
	}
	return 0;
}

/* User mode: which helper, and whether it can run at all. */
static int compile_user_helper(const struct sbx_config *cfg, bool rootless, struct sbx_net_plan *plan,
			       struct sbx_err *err)
{
	if (sbx_net_find_helper(cfg->net.helper, &plan->helper, plan->helper_path, sizeof(plan->helper_path),
				err) < 0)
		return -1;
	/* Both helpers open a tap device; say why before starting one. */
	if (access("/dev/net/tun", R_OK | W_OK) < 0)
		return sbx_err_set(err, errno, "network mode user: %s needs /dev/net/tun (Debian's udev makes it mode 0666)",
				   plan->helper == SBX_NET_HELPER_PASTA ? "pasta" : "slirp4netns");
	if (rootless && check_rootless_ports(cfg, err) < 0)
		return -1;
	return 0;
}

int sbx_net_compile(const struct sbx_config *cfg, const char *id, const char *state_root,
		    bool rootless, bool new_netns, bool new_userns, struct sbx_net_plan *plan,
		    struct sbx_err *err)
{
	const struct sbx_net_config *nc = &cfg->net;

	memset(plan, 0, sizeof(*plan));
	plan->rnet_users_fd = -1;
	plan->keeper_report = plan->keeper_mid = -1;
	plan->cfg = cfg;
	plan->id = id;
	plan->mode = nc->mode;
	plan->new_netns = new_netns;
	plan->rootless = rootless;
	if (check_netns_fit(cfg, new_netns, err) < 0)
		return -1;
	if (nc->mode != SBX_NET_BRIDGE && nc->mode != SBX_NET_USER && !cfg->linux.n_net_devices)
		return 0;
	if (!state_root || !id)
		return sbx_err_set(err, EINVAL, "launcher: network mode %s needs the state root and container ID",
				   sbx_net_mode_name(nc->mode));
	plan->state_root = state_root;
	if (compile_network_name(nc, rootless, new_userns, plan, err) < 0)
		return -1;
	if (nc->mode == SBX_NET_USER && compile_user_helper(cfg, rootless, plan, err) < 0)
		return -1;
	/* The hooks that run before init's exec (prestart, createRuntime,
	 * createContainer) find the network ready, as they always did: with
	 * one of them the helper is waited for before GO. */
	plan->helper_async = nc->mode == SBX_NET_USER && !plan->rnet && !cfg->hooks.prestart.n &&
			     !cfg->hooks.create_runtime.n && !cfg->hooks.create_container.n;
	if (nc->mode == SBX_NET_BRIDGE || nc->mode == SBX_NET_USER) {
		/* The container's state dir: removed with it by delete. */
		plan->etc_dir = sbx_xasprintf("%s/%s", state_root, id);
		add_etc_mount(plan, "/etc/hosts", "etc-hosts");
		add_etc_mount(plan, "/etc/hostname", "etc-hostname");
		add_etc_mount(plan, "/etc/resolv.conf", "etc-resolv.conf");
	}
	if (nc->mode == SBX_NET_BRIDGE || plan->rnet) {
		/* Shared with init across the clone: the parent writes the
		 * lease here before GO, init reads it after GO. */
		void *p = mmap(NULL, sizeof(struct sbx_net_shared), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return sbx_err_set(err, errno, "network: mmap the shared page");
		plan->shared = p;
	}
	return 0;
}

void sbx_net_plan_free(struct sbx_net_plan *plan)
{
	sbx_net_bridge_run_free(plan);
	sbx_net_keeper_forget(plan);
	for (size_t i = 0; i < plan->n_etc_mounts; i++)
		free(plan->etc_mounts[i].source);
	plan->n_etc_mounts = 0;
	free(plan->etc_dir);
	plan->etc_dir = NULL;
	if (plan->shared)
		munmap(plan->shared, sizeof(struct sbx_net_shared));
	plan->shared = NULL;
	if (plan->rnet_users_fd >= 0) {
		close(plan->rnet_users_fd);
		plan->rnet_users_fd = -1;
		/* Joined, but no container record came of it: let the
		 * per-user namespace go if nobody else uses it. */
		if (!plan->applied)
			sbx_rnet_release(plan->state_root);
	}
}

int sbx_net_prepare(struct sbx_net_plan *plan, struct sbx_err *err)
{
	if (!plan->rnet)
		return 0;
	if (sbx_rnet_prepare(plan, err) < 0)
		return sbx_err_prefix(err, "network");
	return 0;
}

/* In the per-user network namespace (a child of ours, net_rootless.c). */
struct rnet_apply {
	struct sbx_net_plan *plan;
	pid_t init;
};

static int rnet_bridge_apply(void *arg, struct sbx_err *err)
{
	struct rnet_apply *a = arg;
	return sbx_net_bridge_apply(a->plan, a->init, err);
}

/* ---- apply ---- */

/* A failed apply step: undo what the network made so far, prefix err. */
static int apply_failed(struct sbx_net_plan *plan, struct sbx_err *err)
{
	struct sbx_err e2;

	if (plan->applied && sbx_net_teardown(plan->state_root, plan->id, &e2) < 0)
		sbx_debug_err(&e2, "network cleanup");
	plan->applied = false;
	return sbx_err_prefix(err, "network");
}

int sbx_net_apply_early(struct sbx_net_plan *plan, struct sbx_err *err)
{
	if (!plan->state_root || plan->mode != SBX_NET_BRIDGE)
		return 0;
	return sbx_net_bridge_begin(plan, err) == 0 ? 0 : apply_failed(plan, err);
}

int sbx_net_apply_ready(struct sbx_net_plan *plan, struct sbx_err *err)
{
	if (plan->keeper_report < 0)
		return 0;
	return sbx_net_keeper_ready(plan, err) == 0 ? 0 : apply_failed(plan, err);
}

int sbx_net_apply_parent(struct sbx_net_plan *plan, pid_t init, struct sbx_err *err)
{
	const struct sbx_config *cfg = plan->cfg;

	if (!plan->state_root)
		return 0;
	/* The second half of what sbx_net_apply_early began (both, where
	 * it was not called). */
	if (plan->mode == SBX_NET_BRIDGE && (plan->bridge_run ? sbx_net_bridge_finish(plan, init, err)
							      : sbx_net_bridge_apply(plan, init, err)) < 0)
		goto fail;
	if (plan->rnet) {
		struct rnet_apply a = { plan, init };
		/* The record is written in the child: from here on teardown
		 * has something to find. */
		plan->applied = true;
		int r = sbx_rnet_in_ns(plan->state_root, rnet_bridge_apply, &a, err);
		if (r == 1)
			sbx_err_set(err, ESRCH, "the per-user network namespace of \"%s\" is gone", plan->network);
		if (r != 0)
			goto fail;
	}
	if ((plan->mode == SBX_NET_USER && (!plan->rnet || cfg->net.n_publish)) || cfg->linux.n_net_devices) {
		plan->applied = true;
		if (sbx_net_user_apply(plan, init, err) < 0)
			goto fail;
	}
	return 0;
fail:
	return apply_failed(plan, err);
}

int sbx_net_apply_child(const struct sbx_net_plan *plan, struct sbx_err *err)
{
	static const char *const what[] = { "bring up lo", "add the address of eth0", "set eth0 up",
					    "add the default route via the gateway" };
	const struct sbx_net_shared *s = plan->shared;
	struct sbx_nl nl = { 0 };
	char buf[1024] __attribute__((aligned(8))) = { 0 };
	struct nlmsghdr *h;
	size_t off = 0;
	unsigned failed = 0;
	int r = 0;

	if (!plan->new_netns)
		return 0;
	if (!s || !s->configure)
		return sbx_net_lo_up(err);
	/* lo, eth0's address, eth0 up, the default route: one send, four
	 * acks (built back to back; each message is far below 256 bytes). */
	h = sbx_nl_build_link_updown(buf + off, SBX_NL_LO_IFINDEX, true);
	off += NLMSG_ALIGN(h->nlmsg_len);
	h = sbx_nl_build_addr(buf + off, s->ifindex, s->addr, s->prefix);
	off += NLMSG_ALIGN(h->nlmsg_len);
	h = sbx_nl_build_link_updown(buf + off, s->ifindex, true);
	off += NLMSG_ALIGN(h->nlmsg_len);
	h = sbx_nl_build_default_route(buf + off, s->ifindex, s->gateway);
	off += NLMSG_ALIGN(h->nlmsg_len);
	if (sbx_nl_open(&nl, err) < 0)
		return sbx_err_prefix(err, "network");
	if (sbx_nl_talk_batch(&nl, buf, off, &failed) < 0)
		r = sbx_err_set(err, errno, "network: %s", failed < 4 ? what[failed] : "configure eth0");
	sbx_nl_close(&nl);
	return r;
}

struct rnet_teardown {
	const char *state_root, *id, *rec;
};

static int rnet_bridge_teardown(void *arg, struct sbx_err *err)
{
	struct rnet_teardown *t = arg;
	return sbx_net_bridge_teardown(t->state_root, t->id, t->rec, true, err);
}

int sbx_net_teardown(const char *state_root, const char *id, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *rec = NULL, *mode = NULL, *netns = NULL;
	bool rootless_ns;
	int r = 0;

	if (!state_root || !id)
		return 0;
	rec = sbx_net_rec_read(state_root, id);
	if (!rec) {
		(void)sbx_ipam_release_by_id(state_root, id);
		return 0;
	}
	mode = sbx_net_rec_get(rec, "mode");
	netns = sbx_net_rec_get(rec, "netns");
	rootless_ns = netns && !strcmp(netns, "rootless");
	/* The keeper first: it gives linux.netDevices back and stops the
	 * helper or the published ports' relay. */
	if (sbx_net_keeper_stop(rec, err) < 0)
		r = -1;
	if (mode && !strcmp(mode, "bridge")) {
		if (rootless_ns) {
			struct rnet_teardown t = { state_root, id, rec };
			int x = sbx_rnet_in_ns(state_root, rnet_bridge_teardown, &t, err);
			/* Namespace gone (its links and rules with it): the
			 * lease files are all that is left. */
			if (x == 1)
				x = sbx_net_bridge_teardown(state_root, id, rec, false, err);
			if (x < 0)
				r = -1;
		} else if (sbx_net_bridge_teardown(state_root, id, rec, true, err) < 0) {
			r = -1;
		}
	}
	if (r == 0)
		sbx_net_rec_remove(state_root, id);
	if (r == 0 && rootless_ns)
		sbx_rnet_release(state_root);
	return r < 0 ? sbx_err_prefix(err, "network teardown of \"%s\"", id) : 0;
}
