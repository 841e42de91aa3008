/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPAM: networks and address leases under the state root.
 *
 *   <root>/.net/lock                 fcntl record lock: every change below
 *   <root>/.net/networks/<name>      "subnet=10.88.0.0/16\nicc=true\n"
 *                                    (+ "ns=rootless\n": a rootless
 *                                    user-defined network's, net_rootless.c)
 *   <root>/.net/leases/<name>/<ip>   the container ID holding the address
 *
 * A lease is a file created with O_EXCL under the lock, so two `create`s
 * never get one address; it is released by delete, and `delete --force`
 * after a crashed `create` finds it through the container's record.
 * ".net" is not a valid container ID, so `list` never shows it.
 */
#include "net_int.h"
#include "sbx/util.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint32_t sbx_ipam_pick(uint32_t net, unsigned prefix, const uint32_t *used, size_t n_used)
{
	uint32_t size = prefix >= 32 ? 1 : 1u << (32 - prefix);

	/* .0 network, .1 gateway, last = broadcast */
	for (uint32_t a = net + 2; a < net + size - 1; a++) {
		bool taken = false;
		for (size_t i = 0; i < n_used && !taken; i++)
			taken = used[i] == a;
		if (!taken)
			return a;
	}
	return 0;
}

bool sbx_ipam_overlap(uint32_t a, unsigned pa, uint32_t b, unsigned pb)
{
	unsigned p = pa < pb ? pa : pb;
	uint32_t mask = p == 0 ? 0 : ~0u << (32 - p);

	return (a & mask) == (b & mask);
}

uint32_t sbx_ipam_named_pool(unsigned n)
{
	/* 10.89.0.0/24, 10.89.1.0/24, ... as podman numbers named networks. */
	return (10u << 24) | (89u << 16) | ((n & 0xff) << 8);
}

char *sbx_net_dir(const char *state_root, const char *sub)
{
	return sub ? sbx_xasprintf("%s/.net/%s", state_root, sub) : sbx_xasprintf("%s/.net", state_root);
}

static int mkdir_p0700(const char *path, struct sbx_err *err)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return sbx_err_set(err, errno, "create %s", path);
	return 0;
}

int sbx_ipam_lock(const char *state_root, int *lockfd, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *dir = sbx_net_dir(state_root, NULL), *lock = NULL;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd;

	*lockfd = -1;
	if (mkdir_p0700(dir, err) < 0)
		return -1;
	lock = sbx_xasprintf("%s/lock", dir);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return sbx_err_set(err, errno, "open network lock %s", lock);
	while (fcntl(fd, F_SETLKW, &fl) < 0) {
		if (errno == EINTR)
			continue;
		close(fd);
		return sbx_err_set(err, errno, "lock %s", lock);
	}
	*lockfd = fd;
	return 0;
}

void sbx_ipam_unlock(int *lockfd)
{
	sbx_cleanup_close(lockfd); /* closing drops the record lock */
}

static int parse_rec(const char *name, const char *text, struct sbx_netrec *rec)
{
	_sbx_cleanup_free_ char *sn = sbx_net_rec_get(text, "subnet"), *icc = sbx_net_rec_get(text, "icc"),
				*ns = sbx_net_rec_get(text, "ns");

	memset(rec, 0, sizeof(*rec));
	snprintf(rec->name, sizeof(rec->name), "%s", name);
	if (!sn || sbx_net_parse_cidr(sn, &rec->subnet, &rec->prefix, NULL, 0) < 0)
		return -1;
	rec->icc = !icc || strcmp(icc, "false") != 0;
	rec->rootless = ns && !strcmp(ns, "rootless");
	return 0;
}

int sbx_ipam_net_load(const char *state_root, const char *name, struct sbx_netrec *rec,
		      struct sbx_err *err)
{
	_sbx_cleanup_free_ char *path = NULL, *text = NULL;
	_sbx_cleanup_free_ char *dir = sbx_net_dir(state_root, "networks");

	path = sbx_xasprintf("%s/%s", dir, name);
	if (sbx_read_file_at(AT_FDCWD, path, &text, NULL, err) < 0)
		return err->errnum == ENOENT ? 1 : -1;
	if (parse_rec(name, text, rec) < 0)
		return sbx_err_set(err, 0, "network record %s is corrupt (no valid subnet=)", path);
	return 0;
}

int sbx_ipam_net_list(const char *state_root, struct sbx_netrec **recs, size_t *n,
		      struct sbx_err *err)
{
	_sbx_cleanup_free_ char *dir = sbx_net_dir(state_root, "networks");
	_sbx_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	*recs = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : sbx_err_set(err, errno, "open %s", dir);
	while ((de = readdir(d))) {
		struct sbx_netrec r;
		if (de->d_name[0] == '.')
			continue;
		if (sbx_ipam_net_load(state_root, de->d_name, &r, err) != 0)
			continue;
		*recs = sbx_xrealloc(*recs, (*n + 1) * sizeof(**recs));
		(*recs)[(*n)++] = r;
	}
	return 0;
}

/* Write a small file atomically (temp + rename) with mode 0600. */
static int write_atomic(const char *path, const char *text, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *tmp = sbx_xasprintf("%s.tmp", path);
	_sbx_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 || sbx_write_all(fd, text, strlen(text)) < 0)
		return sbx_err_set(err, errno, "write %s", tmp);
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return sbx_err_set(err, e, "rename %s", tmp);
	}
	return 0;
}

int sbx_ipam_net_save(const char *state_root, const struct sbx_netrec *rec, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *dir = sbx_net_dir(state_root, "networks"), *path = NULL, *text = NULL;
	struct in_addr a = { htonl(rec->subnet) };
	char ip[INET_ADDRSTRLEN];

	if (mkdir_p0700(dir, err) < 0)
		return -1;
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	text = sbx_xasprintf("subnet=%s/%u\nicc=%s\n%s", ip, rec->prefix, rec->icc ? "true" : "false",
			     rec->rootless ? "ns=rootless\n" : "");
	path = sbx_xasprintf("%s/%s", dir, rec->name);
	return write_atomic(path, text, err);
}

int sbx_ipam_lease(const char *state_root, const struct sbx_netrec *rec, const char *id,
		   uint32_t *addr, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *base = sbx_net_dir(state_root, "leases"), *dir = NULL;
	_sbx_cleanup_free_ uint32_t *used = NULL;
	_sbx_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	size_t n = 0;
	char ip[INET_ADDRSTRLEN];

	if (mkdir_p0700(base, err) < 0)
		return -1;
	dir = sbx_xasprintf("%s/%s", base, rec->name);
	if (mkdir_p0700(dir, err) < 0)
		return -1;
	d = opendir(dir);
	if (!d)
		return sbx_err_set(err, errno, "open %s", dir);
	while ((de = readdir(d))) {
		struct in_addr a;
		if (inet_pton(AF_INET, de->d_name, &a) != 1)
			continue;
		used = sbx_xrealloc(used, (n + 1) * sizeof(*used));
		used[n++] = ntohl(a.s_addr);
	}
	*addr = sbx_ipam_pick(rec->subnet, rec->prefix, used, n);
	if (!*addr) {
		struct in_addr a = { htonl(rec->subnet) };
		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		return sbx_err_set(err, 0, "network \"%s\" (%s/%u): no free address left", rec->name, ip,
				   rec->prefix);
	}
	{
		struct in_addr a = { htonl(*addr) };
		_sbx_cleanup_free_ char *path = NULL;
		_sbx_cleanup_close_ int fd = -1;

		inet_ntop(AF_INET, &a, ip, sizeof(ip));
		path = sbx_xasprintf("%s/%s", dir, ip);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0 || sbx_write_all(fd, id, strlen(id)) < 0)
			return sbx_err_set(err, errno, "write lease %s", path);
	}
	return 0;
}

int sbx_ipam_release(const char *state_root, const char *network, uint32_t addr)
{
	_sbx_cleanup_free_ char *path = NULL;
	struct in_addr a = { htonl(addr) };
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	path = sbx_xasprintf("%s/.net/leases/%s/%s", state_root, network, ip);
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int sbx_ipam_release_by_id(const char *state_root, const char *id)
{
	_sbx_cleanup_free_ char *base = sbx_net_dir(state_root, "leases");
	_sbx_cleanup_closedir_ DIR *d = opendir(base);
	struct dirent *de;
	struct sbx_err e;
	int lockfd = -1, n = 0;

	if (!d)
		return 0;
	if (sbx_ipam_lock(state_root, &lockfd, &e) < 0)
		return -1;
	while ((de = readdir(d))) {
		_sbx_cleanup_free_ char *dir = NULL;
		_sbx_cleanup_closedir_ DIR *nd = NULL;
		struct dirent *le;
		if (de->d_name[0] == '.')
			continue;
		dir = sbx_xasprintf("%s/%s", base, de->d_name);
		nd = opendir(dir);
		while (nd && (le = readdir(nd))) {
			_sbx_cleanup_free_ char *path = NULL, *who = NULL;
			if (le->d_name[0] == '.')
				continue;
			path = sbx_xasprintf("%s/%s", dir, le->d_name);
			if (sbx_read_file_at(AT_FDCWD, path, &who, NULL, &e) == 0 && !strcmp(who, id) &&
			    unlink(path) == 0)
				n++;
		}
	}
	sbx_ipam_unlock(&lockfd);
	return n;
}
