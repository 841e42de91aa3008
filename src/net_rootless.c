/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rootless user-defined networks (`--net user --net-name NAME`): the
 * per-user network namespace.  docs/internals.md ("Rootless user-defined
 * networks") has the design and why it has this shape; in short:
 *
 *   - a user namespace U, identity-mapped for the caller's ids (and, when
 *     newuidmap allows it, the caller's subordinate ranges), and a network
 *     namespace N owned by U, held by a process H (sbxrun-nshold) that does
 *     nothing else;
 *   - N's uplink: pasta (or slirp4netns) for H's namespaces, as in user
 *     mode; the bridges sbx-NAME, the IPAM and the nft table of bridge
 *     mode live in N;
 *   - a supervisor S (sbxrun-netns, in the caller's namespaces) that
 *     started H and the helper, and stops both when told to or when either
 *     dies (both have PR_SET_PDEATHSIG on S).
 *
 * A container on such a network is made with sbxrun's parent in U (it
 * joins U before the container's first process exists), so the
 * container's user namespace is a child of U: a process in U then holds
 * CAP_NET_ADMIN over both N and the container's network namespace, which
 * is what creating the veth pair between them needs.
 *
 * Lifetime: started under the state root's network lock by the first
 * container that needs it; stopped (under the same lock) by the teardown
 * of the last container recorded on it, unless a container is being made
 * meanwhile (it holds <root>/.net/rootless.users shared from before it
 * joins U until its own record exists).  The supervisor also checks every
 * 5 s and ends itself when neither is the case (a `create` killed before
 * its record existed leaves nothing for a teardown to find).  Record: <root>/.net/rootless
 * ("supervisor=PID START\nholder=PID START\n"), pids checked with their
 * start time through a pidfd.
 */
#include "net_int.h"
#include "sbx/idmap.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* How often the supervisor checks that a container still uses it. */
#define RNET_IDLE_CHECK_MS 5000

struct rnet {
	pid_t sup, holder;
	unsigned long long sup_start, holder_start;
};

static char *rec_path(const char *state_root)
{
	return sbx_xasprintf("%s/.net/rootless", state_root);
}

/* Is pid still the process that started at `start`?  The pidfd pins the
 * pid while we look (returned, or -1). */
static int pin(pid_t pid, unsigned long long start)
{
	unsigned long long now = 0;
	char st;
	int fd = pid > 0 ? sbx_net_pidfd_open(pid) : -1;

	if (fd < 0)
		return -1;
	if (sbx_proc_stat(pid, &now, &st) < 0 || now != start || st == 'Z') {
		close(fd);
		return -1;
	}
	return fd;
}

static int rnet_read(const char *state_root, struct rnet *r)
{
	_sbx_cleanup_free_ char *path = rec_path(state_root), *text = NULL, *s = NULL, *h = NULL;
	struct sbx_err ign;

	memset(r, 0, sizeof(*r));
	if (sbx_read_file_at(AT_FDCWD, path, &text, NULL, &ign) < 0)
		return -1;
	s = sbx_net_rec_get(text, "supervisor");
	h = sbx_net_rec_get(text, "holder");
	if (!s || !h || sscanf(s, "%d %llu", &r->sup, &r->sup_start) != 2 ||
	    sscanf(h, "%d %llu", &r->holder, &r->holder_start) != 2)
		return -1;
	return 0;
}

static bool rnet_alive(const struct rnet *r)
{
	int a = pin(r->sup, r->sup_start), b = pin(r->holder, r->holder_start);
	bool ok = a >= 0 && b >= 0;

	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	return ok;
}

static void rnet_stop(const char *state_root, const struct rnet *r)
{
	_sbx_cleanup_free_ char *path = rec_path(state_root);
	int fd = pin(r->sup, r->sup_start);

	if (fd >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0);
		if (poll(&p, 1, 5000) <= 0) {
			syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
			(void)poll(&p, 1, 2000);
		}
		close(fd);
	}
	/* The holder dies with the supervisor (PDEATHSIG); a holder whose
	 * supervisor is already gone is killed here. */
	fd = pin(r->holder, r->holder_start);
	if (fd >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
		(void)poll(&p, 1, 2000);
		close(fd);
	}
	unlink(path);
	sbx_debug("net: per-user network namespace stopped");
}

/* ---- id maps of U ---- */

static int write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	struct sbx_err e;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return sbx_write_file_at(AT_FDCWD, path, text, strlen(text), &e);
}

/* "a a n" for each "a b n" of our own map: every id that exists here keeps
 * its number in U (a privileged caller: root, or root of the user
 * namespace sbxrun already runs in). */
static char *identity_of_own(const char *file)
{
	_sbx_cleanup_free_ char *text = NULL;
	char path[64], *out = sbx_xstrdup("");
	struct sbx_err e;
	unsigned a, b, n;

	snprintf(path, sizeof(path), "/proc/self/%s", file);
	if (sbx_read_file_at(AT_FDCWD, path, &text, NULL, &e) < 0)
		return out;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *x;
		if (sscanf(l, "%u %u %u", &a, &b, &n) != 3)
			continue;
		x = sbx_xasprintf("%s%u %u %u\n", out, a, a, n);
		free(out);
		out = x;
	}
	return out;
}

/* newuidmap/newgidmap arguments: our own id, and every range /etc/sub[ug]id
 * gives us, each mapped to itself. */
static int run_newidmap(const char *tool, const char *subfile, pid_t pid, unsigned self, const char *user)
{
	_sbx_cleanup_free_ char *text = NULL;
	char *argv[3 + 3 * 17 + 1], nums[3 * 17 + 1][16];
	struct sbx_err e;
	size_t a = 0, k = 0;
	int st;
	pid_t c;

	argv[a++] = (char *)tool;
	snprintf(nums[k], sizeof(nums[k]), "%d", (int)pid);
	argv[a++] = nums[k++];
	for (int i = 0; i < 3; i++, k++) {
		snprintf(nums[k], sizeof(nums[k]), "%u", i == 2 ? 1u : self);
		argv[a++] = nums[k];
	}
	if (sbx_read_file_at(AT_FDCWD, subfile, &text, NULL, &e) == 0) {
		for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && k + 3 < 3 * 17;
		     l = strtok_r(NULL, "\n", &save)) {
			char name[256];
			unsigned start, count;
			if (sscanf(l, "%255[^:]:%u:%u", name, &start, &count) != 3 || !count)
				continue;
			if (strcmp(name, user) && (unsigned)strtoul(name, NULL, 10) != self)
				continue;
			if (start <= self && self < start + count)
				continue; /* would overlap our own line */
			for (int i = 0; i < 3; i++, k++) {
				snprintf(nums[k], sizeof(nums[k]), "%u", i == 2 ? count : start);
				argv[a++] = nums[k];
			}
		}
	}
	argv[a] = NULL;
	c = fork();
	if (c == 0) {
		sbx_net_stdio_devnull(-1);
		execvp(tool, argv);
		_exit(127);
	}
	if (c < 0)
		return -1;
	while (waitpid(c, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int map_holder(pid_t h, char *why, size_t wlen)
{
	char line[64];
	struct passwd *pw;

	if (sbx_idmap_have_setid_caps()) {
		_sbx_cleanup_free_ char *u = identity_of_own("uid_map"), *g = identity_of_own("gid_map");
		if (write_proc(h, "uid_map", u) == 0 && write_proc(h, "gid_map", g) == 0)
			return 0;
		snprintf(why, wlen, "write the id maps of the per-user user namespace: %s", strerror(errno));
		return -1;
	}
	pw = getpwuid(geteuid());
	if (pw && run_newidmap("newuidmap", "/etc/subuid", h, (unsigned)geteuid(), pw->pw_name) == 0 &&
	    run_newidmap("newgidmap", "/etc/subgid", h, (unsigned)getegid(), pw->pw_name) == 0)
		return 0;
	/* No subordinate ids (or no uidmap package): our own ids only. */
	snprintf(line, sizeof(line), "%u %u 1\n", (unsigned)getegid(), (unsigned)getegid());
	if (write_proc(h, "setgroups", "deny") == 0 && write_proc(h, "gid_map", line) == 0) {
		snprintf(line, sizeof(line), "%u %u 1\n", (unsigned)geteuid(), (unsigned)geteuid());
		if (write_proc(h, "uid_map", line) == 0)
			return 0;
	}
	snprintf(why, wlen, "write the id maps of the per-user user namespace: %s", strerror(errno));
	return -1;
}

/* ---- the holder and the supervisor ---- */

static __attribute__((noreturn)) void holder_main(pid_t sup, int to_sup, int from_sup)
{
	char c;
	struct sbx_err e;

	int keep[2] = { to_sup < from_sup ? to_sup : from_sup, to_sup < from_sup ? from_sup : to_sup };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != sup)
		_exit(1);
	prctl(PR_SET_NAME, "sbxrun-nshold");
	/* Nothing of the supervisor's (its report pipe must see EOF). */
	sbx_net_keep_only(keep, 2);
	if (unshare(CLONE_NEWUSER) < 0 || write(to_sup, "u", 1) != 1)
		_exit(1);
	if (read(from_sup, &c, 1) != 1 || c != 'm')
		_exit(1);
	/* Root of U now (the creator of a user namespace has every
	 * capability in it until it execs, which it never does). */
	if (unshare(CLONE_NEWNET) < 0 || sbx_net_lo_up(&e) < 0 ||
	    sbx_write_file_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", "1", 1, &e) < 0)
		_exit(1);
	if (write(to_sup, "n", 1) != 1)
		_exit(1);
	close(to_sup);
	/* Hold the namespaces until the supervisor goes (PDEATHSIG) or
	 * closes its end. */
	while (read(from_sup, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static bool rnet_in_use(const char *state_root);

/* No container record names the namespace and none is being made: the
 * namespace ends (its record goes under the lock).  Normally the teardown
 * of the last container stops it; this covers a `create` killed between
 * joining and writing its record, which leaves no record to tear down. */
static bool idle_unregister(const char *state_root)
{
	_sbx_cleanup_free_ char *users = sbx_xasprintf("%s/.net/rootless.users", state_root);
	_sbx_cleanup_free_ char *path = rec_path(state_root);
	_sbx_cleanup_close_ int ufd = -1;
	struct sbx_err e;
	bool idle = false;
	int lockfd = -1;
	struct stat st;

	/* The state root itself is gone (removed by hand, or a logout
	 * emptied $XDG_RUNTIME_DIR): no record can name this network any
	 * more and the lock below could never be taken again. */
	if (stat(state_root, &st) < 0 && errno == ENOENT)
		return true;
	if (sbx_ipam_lock(state_root, &lockfd, &e) < 0)
		return false;
	if (!rnet_in_use(state_root)) {
		ufd = open(users, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		idle = ufd >= 0 && flock(ufd, LOCK_EX | LOCK_NB) == 0;
		if (idle)
			unlink(path);
	}
	sbx_ipam_unlock(&lockfd);
	return idle;
}

static __attribute__((noreturn)) void supervisor_main(const char *state_root, const char *dir,
						      enum sbx_net_helper kind, const char *helper_path,
						      int report)
{
	struct sbx_helper helper = { .pid = -1, .pidfd = -1, .exit_w = -1 };
	int up[2], down[2], sfd, hfd, keep[4];
	char why[512] = "", c, path[64];
	_sbx_cleanup_close_ int netns = -1, userns = -1;
	pid_t h;

	sfd = sbx_net_daemon_begin("sbxrun-netns");
	keep[0] = report;
	keep[1] = sfd;
	keep[2] = keep[3] = -1;
	if (keep[1] < keep[0]) {
		keep[0] = sfd;
		keep[1] = report;
	}
	sbx_net_keep_only(keep, 2);
	sbx_net_stdio_devnull(-1);
	if (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0) {
		dprintf(report, "ERR pipe: %s", strerror(errno));
		_exit(1);
	}
	h = fork();
	if (h == 0) {
		close(up[0]);
		close(down[1]);
		holder_main(getppid(), up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	hfd = h > 0 ? sbx_net_pidfd_open(h) : -1;
	if (h < 0 || read(up[0], &c, 1) != 1 || c != 'u') {
		dprintf(report, "ERR create the per-user user namespace: %s", h < 0 ? strerror(errno) : "the holder exited");
		_exit(1);
	}
	if (map_holder(h, why, sizeof(why)) < 0 || write(down[1], "m", 1) != 1 || read(up[0], &c, 1) != 1 ||
	    c != 'n') {
		dprintf(report, "ERR %s", *why ? why : "create the per-user network namespace: the holder exited");
		kill(h, SIGKILL);
		_exit(1);
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)h);
	netns = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)h);
	userns = open(path, O_RDONLY | O_CLOEXEC);
	{
		struct sbx_helper_spec hs = { .kind = kind, .path = helper_path, .dir = dir, .netns_fd = netns,
					      .userns_fd = userns, .ifname = "uplink0" };
		if (netns < 0 || userns < 0 || sbx_helper_start(&hs, &helper, why, sizeof(why)) < 0) {
			dprintf(report, "ERR uplink of the per-user network namespace: %s",
				*why ? why : strerror(errno));
			sbx_helper_stop(&helper);
			kill(h, SIGKILL);
			_exit(1);
		}
	}
	dprintf(report, "OK %d %d", (int)getpid(), (int)h);
	close(report);
	for (;;) {
		struct pollfd p[3] = { { .fd = sfd, .events = POLLIN }, { .fd = hfd, .events = POLLIN },
				       { .fd = helper.pidfd, .events = POLLIN } };
		int r = poll(p, 3, RNET_IDLE_CHECK_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			if (idle_unregister(state_root))
				break;
			continue;
		}
		/* Told to stop, or the holder or the uplink died: the network
		 * is over either way (containers made later start a new one). */
		if (r < 0 || p[0].revents || p[1].revents || p[2].revents)
			break;
	}
	sbx_helper_stop(&helper);
	kill(h, SIGKILL);
	waitpid(h, NULL, 0);
	_exit(0);
}

/* Start S (and through it H and the uplink); caller holds the lock. */
static int rnet_start(const char *state_root, const struct sbx_net_plan *plan, struct rnet *out,
		      struct sbx_err *err)
{
	_sbx_cleanup_free_ char *dir = sbx_xasprintf("%s/.net/rootless.d", state_root), *text = NULL;
	char msg[600] = "";
	int rp[2], st;
	ssize_t n;
	pid_t mid;
	char s;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return sbx_err_set(err, errno, "create %s", dir);
	if (pipe2(rp, O_CLOEXEC) < 0)
		return sbx_err_set(err, errno, "pipe");
	mid = fork();
	if (mid == 0) {
		/* Double fork: S is nobody's child to wait for. */
		close(rp[0]);
		if (fork() == 0)
			supervisor_main(state_root, dir, plan->helper, plan->helper_path, rp[1]);
		_exit(0);
	}
	close(rp[1]);
	if (mid < 0) {
		close(rp[0]);
		return sbx_err_set(err, errno, "fork the network namespace supervisor");
	}
	while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
		;
	n = sbx_read_all(rp[0], msg, sizeof(msg) - 1);
	close(rp[0]);
	msg[n > 0 ? n : 0] = '\0';
	if (strncmp(msg, "OK ", 3))
		return sbx_err_set(err, 0, "%s", !strncmp(msg, "ERR ", 4) ? msg + 4
									  : "the per-user network namespace did not start");
	memset(out, 0, sizeof(*out));
	if (sscanf(msg + 3, "%d %d", &out->sup, &out->holder) != 2)
		return sbx_err_set(err, 0, "the per-user network namespace: bad report \"%s\"", msg);
	if (sbx_proc_stat(out->sup, &out->sup_start, &s) < 0 ||
	    sbx_proc_stat(out->holder, &out->holder_start, &s) < 0)
		return sbx_err_set(err, 0, "the per-user network namespace exited at once");
	text = sbx_xasprintf("supervisor=%d %llu\nholder=%d %llu\n", (int)out->sup, out->sup_start,
			     (int)out->holder, out->holder_start);
	{
		_sbx_cleanup_free_ char *path = rec_path(state_root);
		_sbx_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || sbx_write_all(fd, text, strlen(text)) < 0) {
			sbx_err_set(err, errno, "write %s", path);
			rnet_stop(state_root, out);
			return -1;
		}
	}
	sbx_debug("net: per-user network namespace started (supervisor %d, holder %d)", (int)out->sup,
		  (int)out->holder);
	return 0;
}

/* The holder's namespace file `type`, checked to still be the holder's. */
static int open_ns(const struct rnet *r, const char *type)
{
	char path[64];
	int pfd = pin(r->holder, r->holder_start), fd;

	if (pfd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)r->holder, type);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	close(pfd);
	return fd;
}

static bool is_current_userns(int fd)
{
	struct stat a, b;

	return stat("/proc/self/ns/user", &a) == 0 && fstat(fd, &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

int sbx_rnet_prepare(struct sbx_net_plan *plan, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *users = sbx_xasprintf("%s/.net/rootless.users", plan->state_root);
	_sbx_cleanup_close_ int userns = -1;
	struct rnet r;
	int lockfd = -1, ufd;

	if (sbx_ipam_lock(plan->state_root, &lockfd, err) < 0)
		return -1;
	if (rnet_read(plan->state_root, &r) < 0 || !rnet_alive(&r)) {
		if (r.sup || r.holder)
			rnet_stop(plan->state_root, &r);
		if (rnet_start(plan->state_root, plan, &r, err) < 0) {
			sbx_ipam_unlock(&lockfd);
			return sbx_err_prefix(err, "network \"%s\"", plan->network);
		}
	}
	/* Announce a container in the making before letting go of the
	 * lock; a teardown will not stop the namespace under it. */
	ufd = open(users, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (ufd < 0 || flock(ufd, LOCK_SH) < 0) {
		sbx_err_set(err, errno, "lock %s", users);
		if (ufd >= 0)
			close(ufd);
		sbx_ipam_unlock(&lockfd);
		return -1;
	}
	plan->rnet_users_fd = ufd;
	userns = open_ns(&r, "user");
	sbx_ipam_unlock(&lockfd);
	if (userns < 0)
		return sbx_err_set(err, errno, "network \"%s\": open the per-user user namespace", plan->network);
	if (!is_current_userns(userns) && setns(userns, CLONE_NEWUSER) < 0)
		return sbx_err_set(err, errno, "network \"%s\": join the per-user user namespace", plan->network);
	sbx_debug("net: joined the per-user user namespace (holder %d)", (int)r.holder);
	return 0;
}

int sbx_rnet_open_netns(const char *state_root, struct sbx_err *err)
{
	struct rnet r;
	int fd;

	if (rnet_read(state_root, &r) < 0 || (fd = open_ns(&r, "net")) < 0)
		return sbx_err_set(err, ESRCH, "the per-user network namespace is gone");
	return fd;
}

int sbx_rnet_in_ns(const char *state_root, int (*fn)(void *arg, struct sbx_err *err), void *arg,
		   struct sbx_err *err)
{
	_sbx_cleanup_close_ int userns = -1, netns = -1;
	struct sbx_err e = { 0 };
	struct rnet r;
	int p[2], st;
	pid_t c;
	ssize_t n;

	if (rnet_read(state_root, &r) < 0 || (userns = open_ns(&r, "user")) < 0 ||
	    (netns = open_ns(&r, "net")) < 0)
		return 1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return sbx_err_set(err, errno, "pipe");
	c = fork();
	if (c == 0) {
		int res = -1;
		close(p[0]);
		if (!is_current_userns(userns) && setns(userns, CLONE_NEWUSER) < 0)
			sbx_err_set(&e, errno, "join the per-user user namespace");
		else if (setns(netns, CLONE_NEWNET) < 0)
			sbx_err_set(&e, errno, "join the per-user network namespace");
		else
			res = fn(arg, &e);
		if (res == 0)
			sbx_err_clear(&e);
		if (write(p[1], &e, sizeof(e)) < 0)
			_exit(2);
		_exit(res == 0 ? 0 : 1);
	}
	close(p[1]);
	if (c < 0) {
		close(p[0]);
		return sbx_err_set(err, errno, "fork");
	}
	n = sbx_read_all(p[0], (char *)&e, sizeof(e));
	close(p[0]);
	while (waitpid(c, &st, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(e))
		return sbx_err_set(err, 0, "the network setup in the per-user namespace died");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	*err = e;
	return -1;
}

/* Does any container record still name the per-user namespace? */
static bool rnet_in_use(const char *state_root)
{
	_sbx_cleanup_free_ char *dir = sbx_net_dir(state_root, "c");
	_sbx_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_sbx_cleanup_free_ char *path = NULL, *text = NULL;
		struct sbx_err ign;
		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp"))
			continue;
		path = sbx_xasprintf("%s/%s", dir, de->d_name);
		if (sbx_read_file_at(AT_FDCWD, path, &text, NULL, &ign) == 0 && strstr(text, "netns=rootless\n"))
			return true;
	}
	return false;
}

void sbx_rnet_release(const char *state_root)
{
	_sbx_cleanup_free_ char *users = sbx_xasprintf("%s/.net/rootless.users", state_root);
	_sbx_cleanup_close_ int ufd = -1;
	struct sbx_err e;
	struct rnet r;
	int lockfd = -1;

	if (sbx_ipam_lock(state_root, &lockfd, &e) < 0)
		return;
	if (rnet_read(state_root, &r) == 0 && !rnet_in_use(state_root)) {
		ufd = open(users, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		/* A container between its prepare and its record holds the
		 * users lock shared: it needs the namespace, keep it. */
		if (ufd >= 0 && flock(ufd, LOCK_EX | LOCK_NB) == 0)
			rnet_stop(state_root, &r);
	}
	sbx_ipam_unlock(&lockfd);
}
