/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AppArmor: check in the parent, apply in the child.
 *
 * A requested profile that cannot be applied is an error, never a warning:
 * running a container unconfined because the host lacks AppArmor or the
 * profile was never loaded is exactly the silent downgrade to avoid.
 *
 * apply uses aa_change_onexec(): the transition happens at the container's
 * execve, so the launcher itself keeps running under its own label while it
 * sets up mounts (which a profile like sbxrun-default denies), and the
 * workload can never run a single instruction unconfined.
 */
#include "sbx/apparmor.h"
#include "sbx/error.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/apparmor.h>
#include <sys/wait.h>
#include <unistd.h>

bool sbx_apparmor_enabled(void)
{
	return aa_is_enabled() == 1;
}

/*
 * Is `profile` in the kernel's policy?  Returns 1 yes, 0 no, -1 unknown
 * (the list is not readable, e.g. for an unprivileged user).
 * The "profiles" file has one "name (mode)" line per profile.
 */
static int profile_listed(const char *profile)
{
	_sbx_cleanup_free_ char *mnt = NULL;
	_sbx_cleanup_free_ char *path = NULL;
	_sbx_cleanup_fclose_ FILE *f = NULL;
	char line[4096];
	size_t plen = strlen(profile);

	if (aa_find_mountpoint(&mnt) < 0)
		return -1;
	path = sbx_xasprintf("%s/profiles", mnt);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, profile, plen) == 0 && line[plen] == ' ' && line[plen + 1] == '(')
			return 1;
	}
	return 0;
}

/*
 * Fallback for unprivileged callers: ask the kernel directly.  A change_onexec
 * to a profile that does not exist fails with ENOENT; in a throwaway child it
 * has no effect on anything (the child exits without exec'ing).
 */
static int profile_probe(const char *profile)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(aa_change_onexec(profile) < 0 ? (errno & 0x7f) : 0);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status))
		return -EIO;
	return -WEXITSTATUS(status);
}

bool sbx_apparmor_profile_available(const char *profile)
{
	int r;

	if (!sbx_apparmor_enabled())
		return false;
	r = profile_listed(profile);
	if (r < 0)
		r = profile_probe(profile) == 0;
	return r == 1;
}

int sbx_apparmor_compile(const struct sbx_process *proc, struct sbx_apparmor_plan *out,
			 struct sbx_err *err)
{
	const char *p;
	int r;

	memset(out, 0, sizeof(*out));
	if (!proc || !proc->apparmor_profile || !*proc->apparmor_profile)
		return 0;
	p = proc->apparmor_profile;
	if (strlen(p) >= sizeof(out->profile))
		return sbx_err_set(err, 0, "config.json: process.apparmorProfile: profile name is too long (%zu bytes, max %zu)",
				   strlen(p), sizeof(out->profile) - 1);
	if (!sbx_apparmor_enabled())
		return sbx_err_set(err, 0,
				   "config.json: process.apparmorProfile: AppArmor is not enabled on this host (requested profile \"%s\")",
				   p);
	if (strcmp(p, "unconfined") != 0) {
		r = profile_listed(p);
		if (r < 0) {
			int e = profile_probe(p);
			r = e == 0 ? 1 : (e == -ENOENT ? 0 : -1);
			if (r < 0)
				return sbx_err_set(err, -e,
						   "config.json: process.apparmorProfile: cannot check whether profile \"%s\" is loaded",
						   p);
		}
		if (r == 0)
			return sbx_err_set(err, 0,
					   "config.json: process.apparmorProfile: profile \"%s\" is not loaded (load it with apparmor_parser -r)",
					   p);
	}
	out->present = true;
	snprintf(out->profile, sizeof(out->profile), "%s", p);
	return 0;
}

/*
 * The same as aa_change_onexec(), which we cannot use here: libapparmor
 * writes /proc/<gettid()>/attr/..., but init runs in a new pid namespace
 * (gettid() == 1) while /proc is still the host's, so it would name the
 * host's pid 1 and fail with EPERM.  /proc/thread-self is resolved by the
 * kernel in the pid namespace of the proc mount: always ourselves.
 * The apparmor/ subdirectory (5.8+) is preferred so another LSM's "exec"
 * attribute is never written by mistake.
 */
int sbx_apparmor_apply_child(const struct sbx_apparmor_plan *plan, struct sbx_err *err)
{
	static const char *const paths[] = { "/proc/thread-self/attr/apparmor/exec",
					     "/proc/thread-self/attr/exec" };
	char cmd[sizeof(plan->profile) + 8];
	int n;

	if (!plan || !plan->present)
		return 0;
	n = snprintf(cmd, sizeof(cmd), "exec %s", plan->profile);
	for (size_t i = 0; i < SBX_ARRAY_SIZE(paths); i++) {
		_sbx_cleanup_close_ int fd = open(paths[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0 || write(fd, cmd, (size_t)n) != n)
			return sbx_err_set(err, errno, "apparmor: change profile on exec to \"%s\" (%s)",
					   plan->profile, paths[i]);
		return 0;
	}
	return sbx_err_set(err, ENOENT, "apparmor: change profile on exec to \"%s\": no AppArmor attribute in /proc/thread-self/attr",
			   plan->profile);
}
