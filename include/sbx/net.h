/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Networking inside a new network namespace, over rtnetlink (libmnl).
 * A fresh netns has only "lo", and it is down: bring it up so 127.0.0.1
 * works, as every other runtime does.  Nothing else is created: the
 * container has no route out (secure default).
 */
#ifndef SBX_NET_H
#define SBX_NET_H

#include "sbx/error.h"

/* Child, inside the new netns, with CAP_NET_ADMIN in its user namespace. */
int sbx_net_lo_up(struct sbx_err *err);

#endif
