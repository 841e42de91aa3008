/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Published ports of a rootless user-defined network: a small TCP and UDP
 * relay in the container's keeper, as podman's rootlessport.
 *
 * Why not pasta's own forwarding: the per-user namespace's pasta is started
 * once, for every container on it, and pasta cannot add forwards later;
 * nor can a rootless process DNAT on the host.  So the keeper binds the
 * host ports as the user (in the host's network namespace; the kernel's
 * ip_unprivileged_port_start applies), then joins the per-user network
 * namespace and relays each connection (TCP) or each client's datagrams
 * (UDP) to the container's address on the bridge there.  The container
 * sees the bridge's gateway as the peer, as with a userland proxy.
 */
#include "net_int.h"
#include "sbx/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 16
#define MAX_CONNS 128          /* TCP connections relayed at once */
#define MAX_FLOWS 128          /* UDP clients at once */
#define UDP_IDLE_S 60
#define BUF 16384

struct port {
	int lfd;
	const struct sbx_publish *p;
};

struct half {                  /* one direction of a TCP relay */
	char buf[BUF];
	size_t len, off;
	bool eof;                  /* read side finished */
};

struct conn {
	int a, b;                  /* client side, container side */
	bool connecting;
	struct half ab, ba;
};

struct flow {
	int fd;                    /* connected to the container, in the netns */
	int lfd;                   /* the host socket to answer from */
	struct sockaddr_in peer;
	time_t last;
};

struct sbx_proxy {
	uint32_t ctr_addr;         /* host order */
	struct port ports[MAX_PORTS];
	size_t n_ports;
	struct conn conns[MAX_CONNS];
	struct flow flows[MAX_FLOWS];
};

struct sbx_proxy *sbx_proxy_listen(const struct sbx_publish *p, size_t n, uint32_t ctr_addr, char *why,
				   size_t wlen)
{
	struct sbx_proxy *px = calloc(1, sizeof(*px));
	int one = 1;

	if (!px || n > MAX_PORTS) {
		snprintf(why, wlen, "at most %d published ports on a rootless user-defined network", MAX_PORTS);
		free(px);
		return NULL;
	}
	px->ctr_addr = ctr_addr;
	for (size_t i = 0; i < MAX_CONNS; i++)
		px->conns[i].a = px->conns[i].b = -1;
	for (size_t i = 0; i < MAX_FLOWS; i++)
		px->flows[i].fd = -1;
	for (size_t i = 0; i < n; i++) {
		bool udp = p[i].proto == IPPROTO_UDP;
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(p[i].host_port),
					  .sin_addr.s_addr = p[i].host_ip };
		int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

		if (fd >= 0 && !udp)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || (!udp && listen(fd, 64) < 0)) {
			snprintf(why, wlen, "publish host port %u/%s: %s", p[i].host_port, udp ? "udp" : "tcp",
				 strerror(errno));
			if (fd >= 0)
				close(fd);
			for (size_t k = 0; k < px->n_ports; k++)
				close(px->ports[k].lfd);
			free(px);
			return NULL;
		}
		px->ports[px->n_ports++] = (struct port){ fd, &p[i] };
	}
	return px;
}

size_t sbx_proxy_fds(const struct sbx_proxy *px, int *fds, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < px->n_ports && n < max; i++)
		fds[n++] = px->ports[i].lfd;
	return n;
}

static int to_container(const struct sbx_proxy *px, const struct sbx_publish *p, bool udp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(p->port),
				  .sin_addr.s_addr = htonl(px->ctr_addr) };
	int fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static void conn_close(struct conn *c)
{
	if (c->a >= 0)
		close(c->a);
	if (c->b >= 0)
		close(c->b);
	memset(c, 0, sizeof(*c));
	c->a = c->b = -1;
}

static void tcp_accept(struct sbx_proxy *px, const struct port *pt)
{
	int fd = accept4(pt->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct conn *c = NULL;

	if (fd < 0)
		return;
	for (size_t i = 0; i < MAX_CONNS && !c; i++)
		if (px->conns[i].a < 0)
			c = &px->conns[i];
	if (!c) {
		close(fd); /* full: refuse rather than queue without bound */
		return;
	}
	c->b = to_container(px, pt->p, false);
	if (c->b < 0) {
		close(fd);
		return;
	}
	c->a = fd;
	c->connecting = true;
}

/* Move what can move in one direction; false when that direction is done
 * for good (error). */
static bool pump(int from, int to, struct half *h)
{
	if (h->len == h->off && !h->eof) {
		ssize_t n = read(from, h->buf, sizeof(h->buf));
		if (n == 0) {
			h->eof = true;
			shutdown(to, SHUT_WR);
		} else if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return false;
		} else {
			h->len = (size_t)n;
			h->off = 0;
		}
	}
	if (h->off < h->len) {
		ssize_t n = write(to, h->buf + h->off, h->len - h->off);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR;
		h->off += (size_t)n;
		if (h->off == h->len)
			h->off = h->len = 0;
	}
	return true;
}

static void udp_from_host(struct sbx_proxy *px, const struct port *pt, time_t now)
{
	char buf[65536];
	struct sockaddr_in peer;
	socklen_t sl = sizeof(peer);
	ssize_t n = recvfrom(pt->lfd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &sl);
	struct flow *f = NULL, *oldest = NULL;

	if (n < 0)
		return;
	for (size_t i = 0; i < MAX_FLOWS && !f; i++) {
		struct flow *x = &px->flows[i];
		if (x->fd >= 0 && x->lfd == pt->lfd && x->peer.sin_addr.s_addr == peer.sin_addr.s_addr &&
		    x->peer.sin_port == peer.sin_port)
			f = x;
	}
	if (!f) {
		for (size_t i = 0; i < MAX_FLOWS && !f; i++) {
			if (px->flows[i].fd < 0)
				f = &px->flows[i];
			else if (!oldest || px->flows[i].last < oldest->last)
				oldest = &px->flows[i];
		}
		if (!f) {
			f = oldest; /* full: the least recently used client goes */
			close(f->fd);
		}
		f->fd = to_container(px, pt->p, true);
		if (f->fd < 0)
			return;
		f->lfd = pt->lfd;
		f->peer = peer;
	}
	f->last = now;
	(void)send(f->fd, buf, (size_t)n, 0);
}

static void udp_from_container(struct flow *f, time_t now)
{
	char buf[65536];
	ssize_t n = recv(f->fd, buf, sizeof(buf), 0);

	if (n < 0)
		return;
	f->last = now;
	(void)sendto(f->lfd, buf, (size_t)n, 0, (struct sockaddr *)&f->peer, sizeof(f->peer));
}

/* What each polled fd is: a stop fd, a host port, a TCP relay's client
 * (A) or container (B) side, a UDP client's flow to the container. */
enum { K_STOP, K_PORT, K_A, K_B, K_FLOW };

struct poll_set {
	struct pollfd pf[4 + MAX_PORTS + 2 * MAX_CONNS + MAX_FLOWS];
	struct { int kind; size_t i; } who[4 + MAX_PORTS + 2 * MAX_CONNS + MAX_FLOWS];
	size_t n;
};

static void poll_add(struct poll_set *ps, int fd, short events, int kind, size_t i)
{
	ps->pf[ps->n] = (struct pollfd){ .fd = fd, .events = events };
	ps->who[ps->n].kind = kind;
	ps->who[ps->n++].i = i;
}

/* A UDP flow with no datagram for UDP_IDLE_S ends (UDP has no close). */
static void expire_idle_flows(struct sbx_proxy *px, time_t now)
{
	for (size_t i = 0; i < MAX_FLOWS; i++) {
		struct flow *f = &px->flows[i];
		if (f->fd >= 0 && now - f->last > UDP_IDLE_S) {
			close(f->fd);
			f->fd = -1;
		}
	}
}

/* Every fd with what to wait for: a relay side reads while the other
 * direction's buffer is empty and writes while its own has data; the
 * container side of a connect in progress waits for writability. */
static void poll_set_build(const struct sbx_proxy *px, const int *stop_fds, size_t n_stop, struct poll_set *ps)
{
	ps->n = 0;
	for (size_t i = 0; i < n_stop; i++)
		poll_add(ps, stop_fds[i], POLLIN, K_STOP, i);
	for (size_t i = 0; i < px->n_ports; i++)
		poll_add(ps, px->ports[i].lfd, POLLIN, K_PORT, i);
	for (size_t i = 0; i < MAX_CONNS; i++) {
		const struct conn *c = &px->conns[i];
		if (c->a < 0)
			continue;
		poll_add(ps, c->a,
			 (short)(c->connecting ? 0
					       : ((c->ab.len || c->ab.eof ? 0 : POLLIN) | (c->ba.len ? POLLOUT : 0))),
			 K_A, i);
		poll_add(ps, c->b,
			 (short)(c->connecting ? POLLOUT
					       : ((c->ba.len || c->ba.eof ? 0 : POLLIN) | (c->ab.len ? POLLOUT : 0))),
			 K_B, i);
	}
	for (size_t i = 0; i < MAX_FLOWS; i++)
		if (px->flows[i].fd >= 0)
			poll_add(ps, px->flows[i].fd, POLLIN, K_FLOW, i);
}

/* An event on one side of a TCP relay. */
static void conn_event(struct conn *c, bool b_side, short re)
{
	if (c->a < 0)
		return;
	if (b_side && c->connecting) {
		int e = 0;
		socklen_t l = sizeof(e);
		if (getsockopt(c->b, SOL_SOCKET, SO_ERROR, &e, &l) < 0 || e)
			conn_close(c);
		else
			c->connecting = false;
		return;
	}
	if ((re & (POLLERR | POLLNVAL)) || (c->connecting && (re & POLLHUP))) {
		conn_close(c);
		return;
	}
	if (c->connecting)
		return; /* the client waits until the container answers */
	if (!pump(c->a, c->b, &c->ab) || !pump(c->b, c->a, &c->ba)) {
		conn_close(c);
		return;
	}
	if (c->ab.eof && c->ba.eof && !c->ab.len && !c->ba.len)
		conn_close(c);
}

void sbx_proxy_run(struct sbx_proxy *px, const int *stop_fds, size_t n_stop)
{
	struct poll_set ps;

	for (;;) {
		time_t now = time(NULL);

		expire_idle_flows(px, now);
		poll_set_build(px, stop_fds, n_stop, &ps);
		if (poll(ps.pf, (nfds_t)ps.n, 1000) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		now = time(NULL);
		for (size_t k = 0; k < ps.n; k++) {
			size_t i = ps.who[k].i;

			if (!ps.pf[k].revents)
				continue;
			switch (ps.who[k].kind) {
			case K_STOP:
				return;
			case K_PORT:
				if (px->ports[i].p->proto == IPPROTO_UDP)
					udp_from_host(px, &px->ports[i], now);
				else
					tcp_accept(px, &px->ports[i]);
				break;
			case K_FLOW:
				udp_from_container(&px->flows[i], now);
				break;
			case K_A:
			case K_B:
				conn_event(&px->conns[i], ps.who[k].kind == K_B, ps.pf[k].revents);
				break;
			}
		}
	}
}
