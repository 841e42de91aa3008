/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keeper: a process that lives as long as the container, for what
 * needs one.  User mode (pasta or slirp4netns, net_helper.c),
 * linux.netDevices, and the published ports of a rootless user-defined
 * network (net_proxy.c).
 *
 * The keeper is a fork of sbxrun (double-forked, so it is nobody's child
 * to wait for; named "sbxrun-net"), in the host's network namespace,
 * holding only the fds below.  It
 *   - starts the helper as its own child (PR_SET_PDEATHSIG SIGKILL) and
 *     waits until it is ready, or binds the published host ports;
 *   - holds the container's network namespace open (so a moved-in device
 *     is not destroyed with it when init exits first);
 *   - when init exits, or on SIGTERM (delete), moves linux.netDevices
 *     back to the host under their own names, stops the helper, exits.
 * The helper dies with the keeper (PDEATHSIG; slirp4netns also with its
 * --exit-fd), so it can never outlive the container; teardown stops the
 * keeper by its recorded pid + start time.
 */
#include "net_int.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int rec_append(const char *state_root, const char *id, const char *more, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *old = sbx_net_rec_read(state_root, id), *text = NULL;

	text = sbx_xasprintf("%s%s", old ? old : "", more);
	return sbx_net_rec_write(state_root, id, text, err);
}

/* ---- linux.netDevices ---- */

int sbx_net_devices_apply(struct sbx_net_plan *plan, pid_t init, struct sbx_err *err)
{
	const struct sbx_linux *l = &plan->cfg->linux;
	char buf[SBX_NL_BUF] = { 0 }; /* no stack bytes in padding */
	struct sbx_nl nl = { 0 };
	int r = 0;

	if (!l->n_net_devices)
		return 0;
	if (sbx_nl_open(&nl, err) < 0)
		return -1;
	for (size_t i = 0; i < l->n_net_devices && r == 0; i++) {
		const struct sbx_net_device *d = &l->net_devices[i];
		int idx = sbx_nl_link_index(d->host_name);
		_sbx_cleanup_free_ char *line = NULL;

		if (!idx) {
			r = sbx_err_set(err, ENODEV, "linux.netDevices: no interface \"%s\" here", d->host_name);
			break;
		}
		/* Recorded first: if we die right after the move, teardown
		 * still knows what to give back. */
		line = sbx_xasprintf("dev=%s %s\n", d->host_name, d->name);
		if (rec_append(plan->state_root, plan->id, line, err) < 0) {
			r = -1;
			break;
		}
		if (sbx_nl_talk(&nl, sbx_nl_build_link_move(buf, (unsigned)idx, -1, init, d->name)) < 0)
			r = sbx_err_set(err, errno, "linux.netDevices: move %s into the container as %s",
					d->host_name, d->name);
	}
	sbx_nl_close(&nl);
	return r;
}

/* Keeper side: from inside the container's netns, move each recorded
 * device back to the host (`host_ns`) under its host name. */
static void devices_return(const char *rec, int ctr_ns, int host_ns)
{
	char buf[SBX_NL_BUF] = { 0 }; /* no stack bytes in padding */
	struct sbx_nl nl = { 0 };
	struct sbx_err e;

	if (ctr_ns < 0 || !strstr(rec, "dev=") || setns(ctr_ns, CLONE_NEWNET) < 0)
		return;
	if (sbx_nl_open(&nl, &e) == 0) {
		for (const char *p = strstr(rec, "dev="); p; p = strstr(p + 1, "\ndev=")) {
			char host[IF_NAMESIZE], name[IF_NAMESIZE];
			int idx;
			if (*p == '\n')
				p++;
			if (sscanf(p, "dev=%15s %15s", host, name) != 2)
				continue;
			idx = sbx_nl_link_index(name);
			if (idx)
				(void)sbx_nl_talk(&nl, sbx_nl_build_link_move(buf, (unsigned)idx, host_ns, 0, host));
		}
		sbx_nl_close(&nl);
	}
	(void)setns(host_ns, CLONE_NEWNET);
}

/* ---- the keeper ---- */

/* The container's user namespace (fd) if it is not ours, else -1. */
static int ctr_userns_fd(pid_t init)
{
	char up[64];
	struct stat a, b;
	int fd;

	snprintf(up, sizeof(up), "/proc/%d/ns/user", (int)init);
	fd = open(up, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && stat("/proc/self/ns/user", &a) == 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void sort_ints(int *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (v[j] < v[i]) {
				int t = v[i];
				v[i] = v[j];
				v[j] = t;
			}
}

struct keeper_fds {
	int init_pidfd, ctr_ns, ctr_user, rnet_ns, report;
};

static __attribute__((noreturn)) void keeper_main(const struct sbx_net_plan *plan, const struct keeper_fds *f)
{
	struct sbx_helper h = { .pid = -1, .pidfd = -1, .exit_w = -1 };
	const struct sbx_net_config *nc = &plan->cfg->net;
	struct sbx_proxy *px = NULL;
	char why[768] = "";
	int host_ns, sfd, keep[32];
	size_t nk = 0;
	_sbx_cleanup_free_ char *rec = NULL;

	sfd = sbx_net_daemon_begin("sbxrun-net");
	host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	/* A user-defined rootless network's published ports: bound here, in
	 * the host's network namespace, as the user. */
	if (plan->rnet && nc->n_publish) {
		px = sbx_proxy_listen(nc->publish, nc->n_publish, plan->shared->addr, why, sizeof(why));
		if (!px) {
			dprintf(f->report, "ERR %s", why);
			_exit(1);
		}
		nk = sbx_proxy_fds(px, keep, 24);
	}
	keep[nk++] = f->init_pidfd;
	keep[nk++] = f->ctr_ns;
	keep[nk++] = f->ctr_user;
	keep[nk++] = f->rnet_ns;
	keep[nk++] = f->report;
	keep[nk++] = host_ns;
	keep[nk++] = sfd;
	sort_ints(keep, nk);
	sbx_net_keep_only(keep, nk);
	sbx_net_stdio_devnull(-1);
	if (plan->mode == SBX_NET_USER && !plan->rnet) {
		struct sbx_helper_spec hs = { .kind = plan->helper, .path = plan->helper_path,
					      .dir = plan->etc_dir, .netns_fd = f->ctr_ns,
					      .userns_fd = f->ctr_user, .ifname = "eth0", .persistent_tap = true,
					      .publish = nc->publish, .n_publish = nc->n_publish };
		if (sbx_helper_start(&hs, &h, why, sizeof(why)) < 0) {
			dprintf(f->report, "ERR %s", why);
			sbx_helper_stop(&h);
			_exit(1);
		}
	}
	dprintf(f->report, "OK %d", (int)getpid());
	close(f->report);
	if (px) {
		int stop[2] = { f->init_pidfd, sfd };
		/* Connections to the container are made from inside the
		 * per-user network namespace, where its bridge is. */
		if (setns(f->rnet_ns, CLONE_NEWNET) == 0)
			sbx_proxy_run(px, stop, 2);
		_exit(0);
	}
	for (;;) {
		struct pollfd p[3] = { { .fd = f->init_pidfd, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN },
				       { .fd = h.pidfd, .events = POLLIN } };
		int r = poll(p, h.pid > 0 ? 3 : 2, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (p[0].revents & POLLIN) || (p[1].revents & POLLIN))
			break;
		if (h.pid > 0 && (p[2].revents & POLLIN)) {
			/* The helper died on its own: the container lost its
			 * uplink; nothing to restart it with safely. */
			waitpid(h.pid, NULL, 0);
			h.pid = -1;
		}
	}
	rec = sbx_net_rec_read(plan->state_root, plan->id);
	if (rec)
		devices_return(rec, f->ctr_ns, host_ns);
	sbx_helper_stop(&h);
	_exit(0);
}

/* Start the keeper (double-forked) with the fds of `f`; *report: the
 * end of the pipe it reports on, *mid: the intermediate child, for
 * keeper_wait to reap (it exits at once; nothing waits for it before the
 * report).  The keeper inherits `f`, we keep ours. */
static int keeper_fork(const struct sbx_net_plan *plan, struct keeper_fds f, int *report, pid_t *mid,
		       struct sbx_err *err)
{
	int rp[2];

	if (pipe2(rp, O_CLOEXEC) < 0)
		return sbx_err_set(err, errno, "pipe");
	*mid = fork();
	if (*mid < 0) {
		close(rp[0]);
		close(rp[1]);
		return sbx_err_set(err, errno, "fork the network keeper");
	}
	if (*mid == 0) {
		/* Double fork: the keeper is nobody's child, so no waitpid()
		 * of sbxrun (run's reaper loop) can ever collect it. */
		f.report = rp[1];
		close(rp[0]);
		if (fork() == 0)
			keeper_main(plan, &f);
		_exit(0);
	}
	close(rp[1]);
	*report = rp[0];
	return 0;
}

/* The keeper's report: its pid once its helper is ready, or its error. */
static pid_t keeper_wait(int report, pid_t mid, struct sbx_err *err)
{
	char msg[1024] = "";
	ssize_t n = sbx_read_all(report, msg, sizeof(msg) - 1);
	int st;

	close(report);
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	msg[n > 0 ? n : 0] = '\0';
	if (!strncmp(msg, "OK ", 3))
		return (pid_t)atoi(msg + 3);
	if (!strncmp(msg, "ERR ", 4))
		return sbx_err_set(err, 0, "%s", msg + 4);
	return sbx_err_set(err, 0, "the network keeper failed to start");
}

/* The keeper's pid and start time in the record: teardown stops it by
 * both, so a recycled pid is never signalled. */
static int keeper_record(const struct sbx_net_plan *plan, pid_t kp, struct sbx_err *err)
{
	unsigned long long start = 0;
	char state;
	_sbx_cleanup_free_ char *line = NULL;

	if (sbx_proc_stat(kp, &start, &state) < 0)
		return sbx_err_set(err, 0, "the network keeper exited");
	line = sbx_xasprintf("keeper=%d %llu\n", (int)kp, start);
	if (rec_append(plan->state_root, plan->id, line, err) < 0) {
		kill(kp, SIGKILL);
		return -1;
	}
	return 0;
}

/* User mode's /etc files: slirp4netns has fixed addresses; pasta copies
 * the host's uplink address into the container. */
static int user_write_etc(const struct sbx_net_plan *plan, struct sbx_err *err)
{
	bool slirp = plan->helper == SBX_NET_HELPER_SLIRP4NETNS;
	uint32_t addr = slirp ? (10u << 24 | 2u << 8 | 100u) : 0;

	if (!addr) {
		struct sbx_nl nl = { 0 };
		unsigned idx, mtu;
		if (sbx_nl_open(&nl, err) == 0) {
			(void)sbx_nl_uplink(&nl, &idx, &mtu, &addr);
			sbx_nl_close(&nl);
		}
	}
	return sbx_net_write_etc(plan, addr, slirp ? "10.0.2.3" : NULL, err);
}

int sbx_net_user_apply(struct sbx_net_plan *plan, pid_t init, struct sbx_err *err)
{
	_sbx_cleanup_close_ int init_pidfd = -1, ctr_ns = -1, ctr_user = -1, rnet_ns = -1;
	bool helper = plan->mode == SBX_NET_USER && !plan->rnet;
	struct sbx_err ign;
	char path[64];
	int report = -1, etc;
	pid_t mid = -1, kp;

	if (helper) {
		_sbx_cleanup_free_ char *line = sbx_xasprintf("mode=user\nhelper=%s\n", plan->helper_path);
		if (sbx_net_rec_write(plan->state_root, plan->id, line, err) < 0)
			return -1;
	}
	if (sbx_net_devices_apply(plan, init, err) < 0)
		return -1;
	if (plan->rnet && (rnet_ns = sbx_rnet_open_netns(plan->state_root, err)) < 0)
		return -1;
	init_pidfd = sbx_net_pidfd_open(init);
	if (init_pidfd < 0)
		return sbx_err_set(err, errno, "pidfd_open %d", (int)init);
	/* The container's namespaces: for the helper and for the devices to
	 * return.  Not for a rootless user-defined network's relay, which
	 * needs neither, and could not open them: its parent left its own
	 * user namespace for the per-user one, and a not yet dumpable init
	 * is only open to a ptracer privileged where init's memory was
	 * made (the user namespace sbxrun started in). */
	if (!plan->rnet) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)init);
		ctr_ns = open(path, O_RDONLY | O_CLOEXEC);
		if (ctr_ns < 0)
			return sbx_err_set(err, errno, "open %s", path);
		ctr_user = ctr_userns_fd(init);
	}
	if (keeper_fork(plan, (struct keeper_fds){ init_pidfd, ctr_ns, ctr_user, rnet_ns, -1 }, &report, &mid,
			err) < 0)
		return -1;
	/* While the keeper starts the helper (pasta: ~20 ms on an idle
	 * machine), the /etc files, which need only the uplink's address.
	 * Whatever fails, a keeper that started is recorded, so that the
	 * caller's teardown stops it. */
	etc = helper ? user_write_etc(plan, err) : 0;
	if (etc == 0 && plan->helper_async) {
		/* ... and init's own setup: sbx_net_apply_ready waits. */
		plan->keeper_report = report;
		plan->keeper_mid = mid;
		return 0;
	}
	kp = keeper_wait(report, mid, etc < 0 ? &ign : err);
	if (kp < 0 || keeper_record(plan, kp, etc < 0 ? &ign : err) < 0 || etc < 0)
		return -1;
	return 0;
}

int sbx_net_keeper_ready(struct sbx_net_plan *plan, struct sbx_err *err)
{
	pid_t kp = keeper_wait(plan->keeper_report, plan->keeper_mid, err);

	plan->keeper_report = plan->keeper_mid = -1;
	if (kp < 0 || keeper_record(plan, kp, err) < 0)
		return -1;
	return 0;
}

void sbx_net_keeper_forget(struct sbx_net_plan *plan)
{
	if (plan->keeper_report >= 0)
		close(plan->keeper_report);
	if (plan->keeper_mid > 0)
		while (waitpid(plan->keeper_mid, NULL, 0) < 0 && errno == EINTR)
			;
	plan->keeper_report = plan->keeper_mid = -1;
}

int sbx_net_keeper_stop(const char *rec, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *k = sbx_net_rec_get(rec, "keeper");
	unsigned long long start = 0, now = 0;
	_sbx_cleanup_close_ int fd = -1;
	struct pollfd p;
	char state;
	int pid;

	if (!k || sscanf(k, "%d %llu", &pid, &start) != 2 || pid <= 0)
		return 0;
	fd = sbx_net_pidfd_open(pid);
	/* The pidfd pins the pid: checking the start time after opening it
	 * makes sure it is still our keeper, not a recycled pid. */
	if (fd < 0 || sbx_proc_stat(pid, &now, &state) < 0 || now != start)
		return 0;
	if (syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0) < 0)
		return sbx_err_set(err, errno, "stop the network keeper (pid %d)", pid);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 5000) <= 0) {
		syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
		(void)poll(&p, 1, 2000);
	}
	return 0;
}
