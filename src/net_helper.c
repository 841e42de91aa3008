/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The user-mode network helpers, pasta (package passt) and slirp4netns:
 * finding them, starting one for a target network namespace, adding
 * slirp4netns's port forwards, stopping it.  Used by the container's keeper
 * (user mode, net_user.c) and by the supervisor of the per-user network
 * namespace (user-defined rootless networks, net_rootless.c).
 *
 * The helper is a child of the calling process with PR_SET_PDEATHSIG
 * SIGKILL (slirp4netns also has its --exit-fd), so it never outlives that
 * process.  Readiness: pasta writes its --pid file (a FIFO here),
 * slirp4netns writes to --ready-fd.
 */
#include "net_int.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#if defined(__x86_64__)
#include <sys/platform/x86.h>
#endif
#include <unistd.h>

#define HELPER_READY_MS 10000

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

int sbx_net_daemon_begin(const char *name)
{
	sigset_t mask;

	setsid();
	prctl(PR_SET_NAME, name);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &mask, SFD_CLOEXEC);
}

void sbx_net_keep_only(const int *keep, size_t n)
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

void sbx_net_stdio_devnull(int err_fd)
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

int sbx_net_pidfd_open(pid_t pid)
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

/* pasta's -t/-u lists: exactly the published ports, "none" if there are
 * none (never "auto"). */
static void pasta_ports(const struct sbx_helper_spec *s, char *tcp, char *udp, size_t len)
{
	for (size_t i = 0; i < s->n_publish; i++) {
		const struct sbx_publish *p = &s->publish[i];
		char *l = p->proto == IPPROTO_UDP ? udp : tcp, item[64], ip[INET_ADDRSTRLEN] = "";
		struct in_addr a = { p->host_ip };

		if (p->host_ip)
			inet_ntop(AF_INET, &a, ip, sizeof(ip));
		snprintf(item, sizeof(item), "%s%s%s%u:%u", *l ? "," : "", ip, *ip ? "/" : "", p->host_port,
			 p->port);
		strncat(l, item, len - strlen(l) - 1);
	}
}

/*
 * The helper's tap device, made by us first in the container's network
 * namespace, persistent (TUNSETPERSIST), for the helper to attach to: both
 * pasta and slirp4netns open /dev/net/tun with TUNSETIFF and that name,
 * which attaches to an existing tap of the same kind.  Why: when the last
 * fd of a non-persistent tap closes, the kernel unregisters the device
 * and waits in rcu_barrier() in the closing process, so the helper's exit,
 * which `delete` waits for, took 20-60 ms on the development VM.  A
 * persistent tap outlives the helper's fd and goes with the container's
 * network namespace, in the kernel's own cleanup work, when its last
 * process or fd is gone: it is never in any other namespace.
 * Best effort: where this fails the helper makes its own tap, as before.
 */
static void make_persistent_tap(const struct sbx_helper_spec *s)
{
	pid_t c = fork();
	int st;

	if (c < 0)
		return;
	if (c == 0) {
		struct ifreq ifr = { 0 };
		int fd;

		/* The container's user namespace first (its owner has every
		 * capability there), then its network namespace. */
		if (s->userns_fd >= 0 && setns(s->userns_fd, CLONE_NEWUSER) < 0)
			_exit(1);
		if (setns(s->netns_fd, CLONE_NEWNET) < 0)
			_exit(1);
		fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(1);
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", s->ifname);
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI; /* what both helpers ask for */
		if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETPERSIST, 1) < 0)
			_exit(1);
		_exit(0);
	}
	while (waitpid(c, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		sbx_debug("net: no persistent tap %s made; the helper makes its own", s->ifname);
}

/* A helper's command line and the buffers its arguments live in. */
struct helper_argv {
	char *v[64];
	int n;
	char tcp[1024], udp[1024], runas[32], rfd[16], efd[16], target[32], mtu[16], exe[PATH_MAX];
};

/*
 * The program to execute for pasta.  pasta's first step, where the CPU has
 * AVX2, is to execute its AVX2 build, "<argv[0]>.avx2" (older versions:
 * the .avx2 twin of /proc/self/exe), which then knows itself by the
 * ".avx2" in its argv[0] or executable.  That second execve, dynamic
 * loading included, was on every start of a user-mode container: run the
 * AVX2 build directly, as pasta itself would.  Same binary, arguments and
 * AppArmor profile (it attaches by the resolved path, passt.avx2, either
 * way); where there is no such build, or no AVX2, pasta as found.
 */
static const char *pasta_exe(const char *path, char *buf, size_t len)
{
#if defined(__x86_64__)
	/* glibc's record of the CPU, made by the dynamic loader, not
	 * __builtin_cpu_supports: that links libgcc's __cpu_indicator_init, a
	 * constructor that runs ~10 cpuid instructions at the start of every
	 * sbxrun command, and each cpuid traps to the hypervisor in a VM
	 * (~12 us each here: 0.1 ms per command, for a test only pasta needs). */
	if (CPU_FEATURE_ACTIVE(AVX2) && (size_t)snprintf(buf, len, "%s.avx2", path) < len &&
	    access(buf, X_OK) == 0)
		return buf;
#endif
	return path;
}

/* pasta gets the namespaces as inherited fds 3 (net) and 4 (user): it
 * drops its capabilities before it opens them. */
static void pasta_argv(const struct sbx_helper_spec *s, const char *fifo, struct helper_argv *a)
{
	pasta_ports(s, a->tcp, a->udp, sizeof(a->tcp));
	snprintf(a->runas, sizeof(a->runas), "%u:%u", (unsigned)geteuid(), (unsigned)getegid());
	a->v[a->n++] = (char *)pasta_exe(s->path, a->exe, sizeof(a->exe));
	/* Only what was asked: no automatic port forwarding in either
	 * direction (never "auto"), and the gateway address is not mapped to
	 * the host's loopback (the container cannot reach services bound to
	 * the host's 127.0.0.1). */
	a->v[a->n++] = "--foreground";
	a->v[a->n++] = "--quiet";
	a->v[a->n++] = "--stderr";
	a->v[a->n++] = "--config-net";
	a->v[a->n++] = "--ns-ifname";
	a->v[a->n++] = (char *)s->ifname;
	a->v[a->n++] = "--no-map-gw";
	/* The keeper stops pasta when the container ends; pasta's own watch
	 * of the namespace's path (an inotify instance) is redundant, and
	 * closing it at exit waits for an SRCU grace period (~9 ms of every
	 * delete here). */
	a->v[a->n++] = "--no-netns-quit";
	a->v[a->n++] = "--runas";
	a->v[a->n++] = a->runas;
	a->v[a->n++] = "--pid";
	a->v[a->n++] = (char *)fifo;
	a->v[a->n++] = "-t";
	a->v[a->n++] = *a->tcp ? a->tcp : "none";
	a->v[a->n++] = "-u";
	a->v[a->n++] = *a->udp ? a->udp : "none";
	a->v[a->n++] = "-T";
	a->v[a->n++] = "none";
	a->v[a->n++] = "-U";
	a->v[a->n++] = "none";
	if (s->userns_fd >= 0) {
		a->v[a->n++] = "--userns";
		a->v[a->n++] = "/proc/self/fd/4";
	}
	a->v[a->n++] = "--netns";
	a->v[a->n++] = "/proc/self/fd/3";
	a->v[a->n] = NULL;
}

/* slirp4netns: namespaces as fds 3 and 4, readiness on fd 5, and it
 * exits when fd 6 (the other end held by us) closes. */
static void slirp_argv(const struct sbx_helper_spec *s, struct helper_argv *a)
{
	snprintf(a->rfd, sizeof(a->rfd), "--ready-fd=%d", 5);
	snprintf(a->efd, sizeof(a->efd), "--exit-fd=%d", 6);
	snprintf(a->mtu, sizeof(a->mtu), "--mtu=%u", 65520u);
	snprintf(a->target, sizeof(a->target), "/proc/self/fd/%d", 3);
	a->v[a->n++] = (char *)s->path;
	a->v[a->n++] = "--configure";
	a->v[a->n++] = a->mtu;
	a->v[a->n++] = "--disable-host-loopback";
	a->v[a->n++] = a->rfd;
	a->v[a->n++] = a->efd;
	a->v[a->n++] = "--api-socket=net-slirp.sock";
	if (s->userns_fd >= 0)
		a->v[a->n++] = "--userns-path=/proc/self/fd/4";
	a->v[a->n++] = "--netns-type=path";
	a->v[a->n++] = a->target;
	a->v[a->n++] = (char *)s->ifname;
	a->v[a->n] = NULL;
}

/* The forked helper: dies with `parent`, default signal state, stderr to
 * the log, exactly fds 3 net, 4 user, 5 ready, 6 exit, then exec argv[0]. */
static __attribute__((noreturn)) void helper_exec(const struct sbx_helper_spec *s, char **argv, int logfd,
						  int ready_w, int exit_r, pid_t parent)
{
	sigset_t none;
	int fds[4] = { s->netns_fd, s->userns_fd, ready_w, exit_r }, dup[4];

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Default dispositions (pasta refuses to start when SIGPIPE is
	 * already ignored). */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if (chdir(s->dir) < 0)
		_exit(127);
	sbx_net_stdio_devnull(logfd);
	/* First out of the way of 3..6, then into place. */
	for (int i = 0; i < 4; i++)
		dup[i] = fds[i] >= 0 ? fcntl(fds[i], F_DUPFD, 10) : -1;
	for (int i = 0; i < 4; i++)
		if (dup[i] >= 0 ? dup2(dup[i], 3 + i) < 0 : (close(3 + i), false))
			_exit(127);
	syscall(SYS_close_range, 7, ~0U, 0);
	execv(argv[0], argv);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Until the helper says it is ready (`ready_r` readable), or exits
 * (its pidfd), or HELPER_READY_MS pass. */
static int helper_wait_ready(const struct sbx_helper_spec *s, struct sbx_helper *h, int ready_r, char *why,
			     size_t wlen)
{
	struct pollfd pfd[2] = { { .fd = ready_r, .events = POLLIN }, { .fd = h->pidfd, .events = POLLIN } };

	for (;;) {
		int r = poll(pfd, 2, HELPER_READY_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			snprintf(why, wlen, "%s did not get ready within %d s", s->path, HELPER_READY_MS / 1000);
			return -1;
		}
		if (pfd[0].revents & POLLIN)
			return 0;
		if (pfd[1].revents & POLLIN) {
			char msg[512];
			log_excerpt(s->dir, msg, sizeof(msg));
			snprintf(why, wlen, "%s exited: %s", s->path, msg);
			waitpid(h->pid, NULL, 0);
			h->pid = -1;
			return -1;
		}
	}
}

int sbx_helper_start(const struct sbx_helper_spec *s, struct sbx_helper *h, char *why, size_t wlen)
{
	bool pasta = s->kind == SBX_NET_HELPER_PASTA;
	_sbx_cleanup_free_ char *logp = sbx_xasprintf("%s/net-helper.log", s->dir);
	_sbx_cleanup_free_ char *fifo = sbx_xasprintf("%s/net-helper.ready", s->dir);
	_sbx_cleanup_close_ int logfd = -1, ready_r = -1;
	int ready_w = -1, exit_p[2] = { -1, -1 }, rp[2];
	struct helper_argv a = { .n = 0 };
	pid_t parent = getpid();

	h->pid = -1;
	h->pidfd = h->exit_w = -1;
	logfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (logfd < 0) {
		snprintf(why, wlen, "open %s: %s", logp, strerror(errno));
		return -1;
	}
	if (s->persistent_tap)
		make_persistent_tap(s);
	if (pasta) {
		/* Readiness: pasta writes its --pid file, here a FIFO. */
		unlink(fifo);
		if (mkfifo(fifo, 0600) < 0 || (ready_r = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
			snprintf(why, wlen, "FIFO %s: %s", fifo, strerror(errno));
			return -1;
		}
		pasta_argv(s, fifo, &a);
	} else {
		if (pipe2(rp, O_CLOEXEC) < 0)
			goto pipe_failed;
		if (pipe2(exit_p, O_CLOEXEC) < 0) {
			int e = errno;
			close(rp[0]);
			close(rp[1]);
			errno = e;
			goto pipe_failed;
		}
		ready_r = rp[0];
		ready_w = rp[1];
		h->exit_w = exit_p[1];
		slirp_argv(s, &a);
	}
	h->pid = fork();
	int fork_errno = errno;
	if (h->pid == 0)
		helper_exec(s, a.v, logfd, ready_w, exit_p[0], parent);
	/* The helper's ends: ours to close whether or not the fork worked
	 * (h->exit_w stays with h, closed by sbx_helper_stop). */
	if (ready_w >= 0)
		close(ready_w);
	if (exit_p[0] >= 0)
		close(exit_p[0]);
	if (h->pid < 0) {
		snprintf(why, wlen, "fork: %s", strerror(fork_errno));
		return -1;
	}
	h->pidfd = sbx_net_pidfd_open(h->pid);
	if (helper_wait_ready(s, h, ready_r, why, wlen) < 0)
		return -1;
	if (!pasta && s->n_publish)
		return sbx_helper_slirp_publish(s, why, wlen);
	return 0;

pipe_failed:
	snprintf(why, wlen, "pipe: %s", strerror(errno));
	return -1;
}

/* slirp4netns port forwards, one API request each (its JSON protocol). */
int sbx_helper_slirp_publish(const struct sbx_helper_spec *s, char *why, size_t wlen)
{
	for (size_t i = 0; i < s->n_publish; i++) {
		const struct sbx_publish *p = &s->publish[i];
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		char req[256], resp[512] = "", ip[INET_ADDRSTRLEN] = "0.0.0.0";
		struct in_addr a = { p->host_ip };
		_sbx_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ssize_t got;

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/net-slirp.sock", s->dir);
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

void sbx_helper_stop(struct sbx_helper *h)
{
	struct pollfd p = { .fd = h->pidfd, .events = POLLIN };

	/* The fds go even when the helper never started or already ended
	 * (a failed fork, or it exited before getting ready). */
	if (h->pid > 0) {
		kill(h->pid, SIGTERM);
		if (h->pidfd < 0 || poll(&p, 1, 2000) <= 0)
			kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
	}
	h->pid = -1;
	if (h->pidfd >= 0)
		close(h->pidfd);
	h->pidfd = -1;
	if (h->exit_w >= 0)
		close(h->exit_w);
	h->exit_w = -1;
}
