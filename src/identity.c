/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/identity.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/keyctl.h>

void sbx_identity_compile(const struct sbx_config *cfg, bool no_new_keyring,
			  struct sbx_identity_plan *out)
{
	out->hostname = cfg->hostname;
	out->domainname = cfg->domainname;
	out->new_keyring = !no_new_keyring;
}

int sbx_identity_apply_child(const struct sbx_identity_plan *p, struct sbx_err *err)
{
	if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
		return sbx_err_set(err, errno, "sethostname \"%s\"", p->hostname);
	if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
		return sbx_err_set(err, errno, "setdomainname \"%s\"", p->domainname);
	/* ENOSYS: a kernel without keys (CONFIG_KEYS=n) has no session
	 * keyring to leak either. */
	if (p->new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0) < 0 &&
	    errno != ENOSYS)
		return sbx_err_set(err, errno, "keyctl: join a new session keyring");
	return 0;
}
