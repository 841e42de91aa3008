/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * User mode (pasta or slirp4netns) and linux.netDevices: both need a
 * process that lives as long as the container, the keeper.
 *
 * The keeper is a fork of sbxrun (double-forked, so it is nobody's child
 * to wait for; named "sbxrun-net"), in the host's namespaces, holding only
 * the fds below.  It
 *   - starts the helper as its own child with PR_SET_PDEATHSIG(SIGKILL),
 *     waits until it reports ready (pasta writes its --pid file, here a
 *     FIFO; slirp4netns writes to --ready-fd), adds slirp4netns's port
 *     forwards over its API socket, and reports "OK" or the error;
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

#define KEEPER_READY_MS 10000

static bool find_in_path(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", d, name);
		if (access(out, X_OK) == 0)
			return true;
	}
	out[0] = '\0';
	return false;
}

int sbx_net_find_helper(enum sbx_net_helper want, enum sbx_net_helper *got, char *path, size_t len,
			struct sbx_err *err)
{
	if (want != SBX_NET_HELPER_SLIRP4NETNS && find_in_path("pasta", path, len)) {
		*got = SBX_NET_HELPER_PASTA;
		return 0;
	}
	if (want != SBX_NET_HELPER_PASTA && find_in_path("slirp4netns", path, len)) {
		*got = SBX_NET_HELPER_SLIRP4NETNS;
		return 0;
	}
	if (want == SBX_NET_HELPER_PASTA)
		return sbx_err_set(err, 0, "network mode user:pasta: pasta is not installed (install the package passt)");
	if (want == SBX_NET_HELPER_SLIRP4NETNS)
		return sbx_err_set(err, 0, "network mode user:slirp4netns: slirp4netns is not installed (install the package slirp4netns)");
	return sbx_err_set(err, 0,
			   "network mode user: neither pasta nor slirp4netns is installed (install the package passt, or slirp4netns)");
}

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
	char buf[MNL_SOCKET_BUFFER_SIZE];
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
	char buf[MNL_SOCKET_BUFFER_SIZE];
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

/* ---- the helper ---- */

struct helper {
	pid_t pid;
	int pidfd;
	int exit_w;          /* slirp4netns --exit-fd: our end */
};

static void keep_only(const int *keep, size_t n)
{
	/* keep[] sorted ascending; everything else from 3 up is closed. */
	unsigned from = 3;

	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < from)
			continue;
		if ((unsigned)keep[i] > from)
			syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0);
		from = (unsigned)keep[i] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

static void stdio_devnull(int err_fd)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(err_fd >= 0 ? err_fd : fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* Text of the helper's log for an error message (first line that is not
 * syslog noise). */
static void log_excerpt(const char *dir, char *out, size_t len)
{
	_sbx_cleanup_free_ char *path = sbx_xasprintf("%s/net-helper.log", dir), *text = NULL;
	struct sbx_err ign;

	snprintf(out, len, "no message");
	if (sbx_read_file_at(AT_FDCWD, path, &text, NULL, &ign) < 0)
		return;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strstr(l, "syslog") || strstr(l, "IPv6") || !*l)
			continue;
		snprintf(out, len, "%s", l);
		return;
	}
}

static int helper_start(const struct sbx_net_plan *plan, pid_t init, int ctr_ns, struct helper *h,
			char *why, size_t wlen)
{
	const struct sbx_net_config *nc = &plan->cfg->net;
	bool pasta = plan->helper == SBX_NET_HELPER_PASTA;
	_sbx_cleanup_free_ char *logp = sbx_xasprintf("%s/net-helper.log", plan->etc_dir);
	_sbx_cleanup_free_ char *fifo = sbx_xasprintf("%s/net-helper.ready", plan->etc_dir);
	char *argv[64], tcp[1024] = "", udp[1024] = "", pidstr[16], runas[32], rfd[16], efd[16];
	_sbx_cleanup_close_ int logfd = -1, ready_r = -1, ctr_user = -1;
	bool own_userns = false;
	int ready_w = -1, exit_p[2] = { -1, -1 }, rp[2] = { -1, -1 }, n = 0;
	struct pollfd pfd[2];
	pid_t keeper = getpid();

	h->pid = -1;
	h->pidfd = h->exit_w = -1;
	logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (logfd < 0) {
		snprintf(why, wlen, "open %s: %s", logp, strerror(errno));
		return -1;
	}
	snprintf(pidstr, sizeof(pidstr), "%d", (int)init);
	argv[n++] = (char *)plan->helper_path;
	if (pasta) {
		/* Only what was asked: no automatic port forwarding in
		 * either direction, and the gateway address is not mapped
		 * to the host's loopback (the container cannot reach
		 * services bound to the host's 127.0.0.1). */
		for (size_t i = 0; i < nc->n_publish; i++) {
			const struct sbx_publish *p = &nc->publish[i];
			char *s = p->proto == IPPROTO_UDP ? udp : tcp, item[64], ip[INET_ADDRSTRLEN] = "";
			struct in_addr a = { p->host_ip };
			if (p->host_ip)
				inet_ntop(AF_INET, &a, ip, sizeof(ip));
			snprintf(item, sizeof(item), "%s%s%s%u:%u", *s ? "," : "", ip, *ip ? "/" : "",
				 p->host_port, p->port);
			strncat(s, item, sizeof(tcp) - strlen(s) - 1);
		}
		unlink(fifo);
		if (mkfifo(fifo, 0600) < 0) {
			snprintf(why, wlen, "mkfifo %s: %s", fifo, strerror(errno));
			return -1;
		}
		ready_r = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (ready_r < 0) {
			snprintf(why, wlen, "open %s: %s", fifo, strerror(errno));
			return -1;
		}
		snprintf(runas, sizeof(runas), "%u:%u", (unsigned)geteuid(), (unsigned)getegid());
		/* pasta drops its capabilities before it opens the namespaces,
		 * so it could not open the ns files of a root-owned init:
		 * it gets them as inherited fds 3 (net) and 4 (user, when the
		 * container has a user namespace of its own). */
		{
			char up[64];
			struct stat a, b;
			snprintf(up, sizeof(up), "/proc/%d/ns/user", (int)init);
			ctr_user = open(up, O_RDONLY | O_CLOEXEC);
			own_userns = ctr_user >= 0 && stat("/proc/self/ns/user", &a) == 0 &&
				     fstat(ctr_user, &b) == 0 && a.st_ino != b.st_ino;
		}
		argv[n++] = "--foreground";
		argv[n++] = "--quiet";
		argv[n++] = "--stderr";
		argv[n++] = "--config-net";
		argv[n++] = "--ns-ifname";
		argv[n++] = "eth0";
		argv[n++] = "--no-map-gw";
		argv[n++] = "--runas";
		argv[n++] = runas;
		argv[n++] = "--pid";
		argv[n++] = fifo;
		argv[n++] = "-t";
		argv[n++] = *tcp ? tcp : "none";
		argv[n++] = "-u";
		argv[n++] = *udp ? udp : "none";
		argv[n++] = "-T";
		argv[n++] = "none";
		argv[n++] = "-U";
		argv[n++] = "none";
		if (own_userns) {
			argv[n++] = "--userns";
			argv[n++] = "/proc/self/fd/4";
		}
		argv[n++] = "--netns";
		argv[n++] = "/proc/self/fd/3";
	} else {
		if (pipe2(rp, O_CLOEXEC) < 0 || pipe2(exit_p, O_CLOEXEC) < 0) {
			snprintf(why, wlen, "pipe: %s", strerror(errno));
			return -1;
		}
		ready_r = rp[0];
		ready_w = rp[1];
		h->exit_w = exit_p[1];
		snprintf(rfd, sizeof(rfd), "--ready-fd=%d", 3);
		snprintf(efd, sizeof(efd), "--exit-fd=%d", 4);
		argv[n++] = "--configure";
		argv[n++] = "--mtu=65520";
		argv[n++] = "--disable-host-loopback";
		argv[n++] = rfd;
		argv[n++] = efd;
		argv[n++] = "--api-socket=net-slirp.sock";
		argv[n++] = pidstr;
		argv[n++] = "eth0";
	}
	argv[n] = NULL;

	h->pid = fork();
	if (h->pid < 0) {
		snprintf(why, wlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (h->pid == 0) {
		sigset_t none;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != keeper)
			_exit(127);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* The helper starts with default dispositions (pasta refuses
		 * to start when SIGPIPE is already ignored). */
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		if (chdir(plan->etc_dir) < 0)
			_exit(127);
		stdio_devnull(logfd);
		if (pasta) {
			int a = fcntl(ctr_ns, F_DUPFD, 10), b = ctr_user >= 0 ? fcntl(ctr_user, F_DUPFD, 10) : -1;
			if (a < 0 || dup2(a, 3) < 0 || (b >= 0 && dup2(b, 4) < 0))
				_exit(127);
		} else {
			/* fds 3 and 4 for --ready-fd and --exit-fd */
			int r = fcntl(ready_w, F_DUPFD_CLOEXEC, 10), e = fcntl(exit_p[0], F_DUPFD_CLOEXEC, 10);
			if (r < 0 || e < 0 || dup2(r, 3) < 0 || dup2(e, 4) < 0)
				_exit(127);
		}
		execv(plan->helper_path, argv);
		dprintf(2, "exec %s: %s\n", plan->helper_path, strerror(errno));
		_exit(127);
	}
	if (ready_w >= 0)
		close(ready_w);
	if (exit_p[0] >= 0)
		close(exit_p[0]);
	h->pidfd = pidfd_open_(h->pid);
	pfd[0] = (struct pollfd){ .fd = ready_r, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = h->pidfd, .events = POLLIN };
	for (;;) {
		int r = poll(pfd, 2, KEEPER_READY_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			snprintf(why, wlen, "%s did not get ready within %d s", plan->helper_path,
				 KEEPER_READY_MS / 1000);
			return -1;
		}
		if (pfd[0].revents & POLLIN)
			break;
		if (pfd[1].revents & POLLIN) {
			char msg[512];
			log_excerpt(plan->etc_dir, msg, sizeof(msg));
			snprintf(why, wlen, "%s exited: %s", plan->helper_path, msg);
			waitpid(h->pid, NULL, 0);
			h->pid = -1;
			return -1;
		}
	}
	return 0;
}

/* slirp4netns port forwards, one API request each (its JSON protocol). */
static int slirp_publish(const struct sbx_net_plan *plan, char *why, size_t wlen)
{
	const struct sbx_net_config *nc = &plan->cfg->net;

	for (size_t i = 0; i < nc->n_publish; i++) {
		const struct sbx_publish *p = &nc->publish[i];
		struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "net-slirp.sock" };
		char req[256], resp[512] = "", ip[INET_ADDRSTRLEN] = "0.0.0.0";
		struct in_addr a = { p->host_ip };
		_sbx_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ssize_t got;

		if (p->host_ip)
			inet_ntop(AF_INET, &a, ip, sizeof(ip));
		snprintf(req, sizeof(req),
			 "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"%s\", \"host_addr\": \"%s\", \"host_port\": %u, \"guest_port\": %u}}",
			 p->proto == IPPROTO_UDP ? "udp" : "tcp", ip, p->host_port, p->port);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    sbx_write_all(fd, req, strlen(req)) < 0 || shutdown(fd, SHUT_WR) < 0) {
			snprintf(why, wlen, "slirp4netns API socket: %s", strerror(errno));
			return -1;
		}
		got = sbx_read_all(fd, resp, sizeof(resp) - 1);
		if (got <= 0 || strstr(resp, "\"error\"")) {
			snprintf(why, wlen, "slirp4netns: publish %u/%s: %s", p->host_port,
				 p->proto == IPPROTO_UDP ? "udp" : "tcp", got > 0 ? resp : "no answer");
			return -1;
		}
	}
	return 0;
}

static void helper_stop(struct helper *h)
{
	struct pollfd p = { .fd = h->pidfd, .events = POLLIN };

	if (h->pid <= 0)
		return;
	kill(h->pid, SIGTERM);
	if (h->pidfd < 0 || poll(&p, 1, 2000) <= 0)
		kill(h->pid, SIGKILL);
	waitpid(h->pid, NULL, 0);
	h->pid = -1;
}

static __attribute__((noreturn)) void keeper_main(const struct sbx_net_plan *plan, pid_t init, int init_pidfd,
						  int ctr_ns, int report)
{
	struct helper h = { .pid = -1, .pidfd = -1, .exit_w = -1 };
	char why[768] = "";
	int host_ns, sfd;
	sigset_t mask;
	_sbx_cleanup_free_ char *rec = NULL;

	setsid();
	prctl(PR_SET_NAME, "sbxrun-net");
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	{
		int keep[] = { init_pidfd, ctr_ns, report, host_ns, sfd };
		/* sorted for keep_only */
		for (size_t i = 0; i < 5; i++)
			for (size_t j = i + 1; j < 5; j++)
				if (keep[j] < keep[i]) {
					int t = keep[i];
					keep[i] = keep[j];
					keep[j] = t;
				}
		keep_only(keep, 5);
	}
	stdio_devnull(-1);
	if (plan->mode == SBX_NET_USER) {
		if (helper_start(plan, init, ctr_ns, &h, why, sizeof(why)) < 0 ||
		    (plan->helper == SBX_NET_HELPER_SLIRP4NETNS && (chdir(plan->etc_dir) < 0 ||
								   slirp_publish(plan, why, sizeof(why)) < 0))) {
			dprintf(report, "ERR %s", why);
			helper_stop(&h);
			_exit(1);
		}
	}
	dprintf(report, "OK %d", (int)getpid());
	close(report);
	for (;;) {
		struct pollfd p[3] = { { .fd = init_pidfd, .events = POLLIN },
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
		devices_return(rec, ctr_ns, host_ns);
	helper_stop(&h);
	_exit(0);
}

int sbx_net_user_apply(struct sbx_net_plan *plan, pid_t init, struct sbx_err *err)
{
	_sbx_cleanup_close_ int init_pidfd = -1, ctr_ns = -1;
	char path[64], msg[1024] = "";
	int rp[2] = { -1, -1 };
	pid_t mid;
	ssize_t n;
	int st;

	if (plan->mode == SBX_NET_USER) {
		_sbx_cleanup_free_ char *line = sbx_xasprintf("mode=user\nhelper=%s\n", plan->helper_path);
		if (sbx_net_rec_write(plan->state_root, plan->id, line, err) < 0)
			return -1;
	}
	if (sbx_net_devices_apply(plan, init, err) < 0)
		return -1;
	init_pidfd = pidfd_open_(init);
	if (init_pidfd < 0)
		return sbx_err_set(err, errno, "pidfd_open %d", (int)init);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)init);
	ctr_ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ctr_ns < 0)
		return sbx_err_set(err, errno, "open %s", path);
	if (pipe2(rp, O_CLOEXEC) < 0)
		return sbx_err_set(err, errno, "pipe");
	mid = fork();
	if (mid < 0) {
		close(rp[0]);
		close(rp[1]);
		return sbx_err_set(err, errno, "fork the network keeper");
	}
	if (mid == 0) {
		/* Double fork: the keeper is nobody's child, so no waitpid()
		 * of sbxrun (run's reaper loop) can ever collect it. */
		close(rp[0]);
		if (fork() == 0)
			keeper_main(plan, init, init_pidfd, ctr_ns, rp[1]);
		_exit(0);
	}
	close(rp[1]);
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	n = sbx_read_all(rp[0], msg, sizeof(msg) - 1);
	close(rp[0]);
	msg[n > 0 ? n : 0] = '\0';
	if (strncmp(msg, "OK ", 3)) {
		if (!strncmp(msg, "ERR ", 4))
			return sbx_err_set(err, 0, "%s", msg + 4);
		return sbx_err_set(err, 0, "the network keeper failed to start");
	}
	{
		unsigned long long start = 0;
		char state;
		pid_t kp = (pid_t)atoi(msg + 3);
		_sbx_cleanup_free_ char *line = NULL;
		if (sbx_proc_stat(kp, &start, &state) < 0)
			return sbx_err_set(err, 0, "the network keeper exited");
		line = sbx_xasprintf("keeper=%d %llu\n", (int)kp, start);
		if (rec_append(plan->state_root, plan->id, line, err) < 0) {
			kill(kp, SIGKILL);
			return -1;
		}
	}
	if (plan->mode == SBX_NET_USER) {
		uint32_t addr = plan->helper == SBX_NET_HELPER_SLIRP4NETNS ? (10u << 24 | 2u << 8 | 100u) : 0;
		if (!addr) {
			struct sbx_nl nl = { 0 };
			unsigned idx, mtu;
			if (sbx_nl_open(&nl, err) == 0) {
				(void)sbx_nl_uplink(&nl, &idx, &mtu, &addr);
				sbx_nl_close(&nl);
			}
		}
		if (sbx_net_write_etc(plan, addr,
				      plan->helper == SBX_NET_HELPER_SLIRP4NETNS ? "10.0.2.3" : NULL, err) < 0)
			return -1;
	}
	return 0;
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
	fd = pidfd_open_(pid);
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
