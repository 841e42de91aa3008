/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/net.h"
#include "sbx/util.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static void close_nl(struct mnl_socket **nl)
{
	if (*nl)
		mnl_socket_close(*nl);
}

int sbx_net_lo_up(struct sbx_err *err)
{
	__attribute__((cleanup(close_nl))) struct mnl_socket *nl = NULL;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	unsigned seq = (unsigned)time(NULL), portid;
	ssize_t n;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return sbx_err_set(err, errno, "bring up lo: open rtnetlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return sbx_err_set(err, errno, "bring up lo: bind rtnetlink socket");
	portid = mnl_socket_get_portid(nl);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)if_nametoindex("lo");
	if (ifm->ifi_index == 0)
		return sbx_err_set(err, errno, "bring up lo: no lo interface");
	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = IFF_UP;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return sbx_err_set(err, errno, "bring up lo: send RTM_NEWLINK");
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0)
		return sbx_err_set(err, errno, "bring up lo: receive ack");
	/* mnl_cb_run turns an NLMSG_ERROR ack into -1 with errno set. */
	if (mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL) < 0)
		return sbx_err_set(err, errno, "bring up lo: RTM_NEWLINK");
	return 0;
}
