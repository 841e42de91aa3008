/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/process.h"
#include "sbx/log.h"
#include "sbx/path.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/close_range.h>

/* (uid_t)-1 is not an id to the kernel: setresuid(2) and friends take it
 * as "leave this one unchanged". */
#define ID_UNCHANGED 4294967295u

int sbx_process_attrs_compile(const struct sbx_process *p, struct sbx_process_attrs *out,
			      struct sbx_err *err)
{
	const struct sbx_user *u = &p->user;

	memset(out, 0, sizeof(*out));
	if (p->n_rlimits > SBX_ARRAY_SIZE(out->rlimits))
		return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
				    "config.json: process.rlimits: %zu entries, the kernel has %zu limits",
				    p->n_rlimits, SBX_ARRAY_SIZE(out->rlimits));
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct sbx_rlimit *r = &p->rlimits[i];

		/* The parser resolved the name and refused soft > hard; a
		 * model built another way must not reach setrlimit unchecked. */
		if (r->resource < 0 || r->resource >= RLIM_NLIMITS || r->soft > r->hard)
			return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
					    "config.json: process.rlimits[%zu]: invalid rlimit %s %llu/%llu",
					    i, r->type ? r->type : "?", (unsigned long long)r->soft,
					    (unsigned long long)r->hard);
		out->rlimits[i] = (struct sbx_rlimit_step){
			.resource = r->resource,
			.lim = { .rlim_cur = (rlim_t)r->soft, .rlim_max = (rlim_t)r->hard },
			.type = r->type,
		};
	}
	out->n_rlimits = p->n_rlimits;
	if (p->has_oom_score_adj) {
		if (p->oom_score_adj < -1000 || p->oom_score_adj > 1000)
			return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
					    "config.json: process.oomScoreAdj: %d is not between -1000 and 1000",
					    p->oom_score_adj);
		out->has_oom_score_adj = true;
		out->oom_score_adj = p->oom_score_adj;
		snprintf(out->oom_text, sizeof(out->oom_text), "%d", p->oom_score_adj);
	}
	if (u->uid == ID_UNCHANGED || u->gid == ID_UNCHANGED)
		return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
				    "config.json: process.user.%s: 4294967295 is not a valid id (setres%cid would leave the runtime's own %cid in place)",
				    u->uid == ID_UNCHANGED ? "uid" : "gid",
				    u->uid == ID_UNCHANGED ? 'u' : 'g', u->uid == ID_UNCHANGED ? 'u' : 'g');
	if (u->n_additional_gids > NGROUPS_MAX)
		return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
				    "config.json: process.user.additionalGids: %zu gids, the kernel allows %d",
				    u->n_additional_gids, NGROUPS_MAX);
	for (size_t i = 0; i < u->n_additional_gids; i++)
		if (u->additional_gids[i] == ID_UNCHANGED)
			return sbx_err_setk(err, SBX_ERR_CONFIG, 0,
					    "config.json: process.user.additionalGids[%zu]: 4294967295 is not a valid gid",
					    i);
	out->uid = (uid_t)u->uid;
	out->gid = (gid_t)u->gid;
	/* gid_t is the config's uint32_t: the kernel reads the array as is */
	_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");
	out->groups = (const gid_t *)u->additional_gids;
	out->n_groups = u->n_additional_gids;
	out->has_umask = u->has_umask;
	out->umask = (mode_t)u->umask;
	return 0;
}

int sbx_process_apply_rlimits(const struct sbx_process_attrs *a, struct sbx_err *err)
{
	for (size_t i = 0; i < a->n_rlimits; i++) {
		const struct sbx_rlimit_step *r = &a->rlimits[i];

		if (setrlimit(r->resource, &r->lim) < 0)
			return sbx_err_set(err, errno, "setrlimit %s %llu/%llu", r->type,
					   (unsigned long long)r->lim.rlim_cur,
					   (unsigned long long)r->lim.rlim_max);
	}
	return 0;
}

int sbx_process_apply_oom_score_adj(const struct sbx_process_attrs *a, struct sbx_err *err)
{
	if (!a->has_oom_score_adj)
		return 0;
	if (sbx_write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", a->oom_text,
			      strlen(a->oom_text), err) < 0)
		return sbx_err_prefix(err, "set oomScoreAdj %d", a->oom_score_adj);
	return 0;
}

int sbx_process_switch_user(const struct sbx_process_attrs *a, bool setgroups_allowed,
			    struct sbx_err *err)
{
	if (setgroups_allowed) {
		/* Always set the list, even when empty: otherwise the process
		 * would keep the supplementary groups sbxrun was started with. */
		if (setgroups(a->n_groups, a->groups) < 0)
			return sbx_err_set(err, errno, "setgroups (%zu additional gids)", a->n_groups);
	} else {
		/* setgroups is denied in a user namespace mapped without a helper
		 * (the kernel requires it so an unprivileged user cannot drop a
		 * group that was used to deny access).  Refuse instead of
		 * silently running with other groups than configured. */
		for (size_t i = 0; i < a->n_groups; i++)
			if (a->groups[i] != a->gid)
				return sbx_err_set(err, EPERM,
						   "process.user.additionalGids: gid %u cannot be set: setgroups is denied in this user namespace (single-id mapping without newgidmap)",
						   (unsigned)a->groups[i]);
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return sbx_err_set(err, errno, "prctl PR_SET_KEEPCAPS");
	if (setresgid(a->gid, a->gid, a->gid) < 0)
		return sbx_err_set(err, errno, "setresgid %u", (unsigned)a->gid);
	if (setresuid(a->uid, a->uid, a->uid) < 0)
		return sbx_err_set(err, errno, "setresuid %u", (unsigned)a->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return sbx_err_set(err, errno, "prctl PR_SET_KEEPCAPS");
	if (a->has_umask)
		umask(a->umask);
	return 0;
}

static const char *env_path(const struct sbx_process *p)
{
	for (size_t i = 0; i < p->n_env; i++)
		if (!strncmp(p->env[i], "PATH=", 5))
			return p->env[i] + 5;
	/* The same default as runc/crun when the config has no PATH. */
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static int check_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		errno = EACCES;
		return -1;
	}
	return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS);
}

int sbx_process_find_executable(const struct sbx_process *p, char *out, size_t len,
				struct sbx_err *err)
{
	const char *name = p->args[0];
	const char *path, *s;
	int saw_eacces = 0;

	if (strchr(name, '/')) {
		if (check_exec(name) < 0)
			return sbx_err_setk(err, sbx_err_exec_kind(errno), errno, "exec \"%s\"", name);
		snprintf(out, len, "%s", name);
		return 0;
	}
	path = env_path(p);
	for (s = path;; s = strchr(s, ':') + 1) {
		const char *e = strchr(s, ':');
		size_t dl = e ? (size_t)(e - s) : strlen(s);
		char cand[PATH_MAX];

		if (dl == 0)
			snprintf(cand, sizeof(cand), "./%s", name);
		else
			snprintf(cand, sizeof(cand), "%.*s/%s", (int)dl, s, name);
		if (check_exec(cand) == 0) {
			snprintf(out, len, "%s", cand);
			return 0;
		}
		if (errno == EACCES)
			saw_eacces = 1;
		if (!e)
			break;
	}
	if (saw_eacces)
		return sbx_err_setk(err, SBX_ERR_EXEC_DENIED, EACCES,
				    "exec \"%s\": found in $PATH but not executable", name);
	return sbx_err_setk(err, SBX_ERR_EXEC_NOT_FOUND, ENOENT,
			    "exec \"%s\": executable file not found in $PATH", name);
}

int sbx_process_prepare_fds(unsigned preserve_fds, struct sbx_err *err)
{
	unsigned first = 3 + preserve_fds;

	/* CLOSE_RANGE_CLOEXEC rather than closing: the sync socket must stay
	 * open until execve, which then closes everything at once. */
	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		if (errno != ENOSYS && errno != EINVAL)
			return sbx_err_set(err, errno, "close_range %u..", first);
		for (int fd = (int)first; fd < 65536; fd++) {
			int fl = fcntl(fd, F_GETFD);
			if (fl >= 0 && !(fl & FD_CLOEXEC))
				fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
		}
	}
	for (unsigned fd = 3; fd < first; fd++) {
		int fl = fcntl((int)fd, F_GETFD);
		if (fl < 0)
			return sbx_err_set(err, errno, "--preserve-fds: fd %u", fd);
		if (fcntl((int)fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
			return sbx_err_set(err, errno, "--preserve-fds: fd %u", fd);
	}
	return 0;
}

int sbx_process_check_preserve_fds(unsigned preserve_fds, struct sbx_err *err)
{
	int logfd = sbx_log_fd();

	for (unsigned fd = 3; fd < 3 + preserve_fds; fd++) {
		if (fcntl((int)fd, F_GETFD) < 0)
			return sbx_err_set(err, errno, "--preserve-fds %u: fd %u is not open",
					   preserve_fds, fd);
		if ((int)fd == logfd)
			return sbx_err_set(err, EBADF,
					   "--preserve-fds %u: fd %u is sbxrun's --log file, not one of the caller's",
					   preserve_fds, fd);
	}
	return 0;
}

int sbx_process_chdir(const struct sbx_process *p, struct sbx_err *err)
{
	_sbx_cleanup_close_ int root = -1, fd = -1;
	char buf[PATH_MAX];

	/* Resolved in the process's root with openat2(RESOLVE_IN_ROOT |
	 * RESOLVE_NO_MAGICLINKS): "..", absolute symlinks and
	 * /proc/self/fd/N or /proc/PID/cwd links cannot lead out of it. */
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return sbx_err_set(err, errno, "chdir to process.cwd %s: open /", p->cwd);
	fd = sbx_path_open_in_root(root, p->cwd, O_PATH | O_DIRECTORY, err);
	if (fd < 0)
		return sbx_err_set(err, err->errnum, "chdir to process.cwd %s", p->cwd);
	if (fchdir(fd) < 0)
		return sbx_err_set(err, errno, "chdir to process.cwd %s", p->cwd);
	/* And verify: the kernel reports a cwd it cannot reach from our root
	 * as "(unreachable)/...".  Nothing of the process may run there. */
	if (syscall(SYS_getcwd, buf, sizeof(buf)) < 0)
		return sbx_err_set(err, errno, "chdir to process.cwd %s: getcwd", p->cwd);
	if (buf[0] != '/')
		return sbx_err_set(err, EXDEV,
				   "chdir to process.cwd %s: the directory is outside the container's root (%s)",
				   p->cwd, buf);
	return 0;
}

/* The home directory of `uid` in the container's /etc/passwd, or "/". */
static void passwd_home(uint32_t uid, char *out, size_t len)
{
	_sbx_cleanup_close_ int root = -1, fd = -1;
	_sbx_cleanup_free_ char *text = NULL;
	struct sbx_err ign;
	struct stat st;
	char *save = NULL;

	snprintf(out, len, "/");
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return;
	/* The image controls /etc/passwd: resolved in the root, no magic
	 * links, non-blocking, and only a regular file is read (a fifo or a
	 * link to our stdin must not stall the start). */
	fd = sbx_path_open_in_root(root, "/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY, &ign);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (4 << 20))
		return;
	text = sbx_xmalloc((size_t)st.st_size + 1);
	if (sbx_read_all(fd, text, (size_t)st.st_size) != st.st_size)
		return;
	text[st.st_size] = '\0';
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *f[7] = { NULL };
		char *q = l;
		uint64_t v;
		int n = 0;

		while (n < 7 && q) {
			f[n++] = q;
			q = strchr(q, ':');
			if (q)
				*q++ = '\0';
		}
		if (n >= 6 && sbx_parse_u64(f[2], &v) == 0 && v == uid) {
			if (f[5][0])
				snprintf(out, len, "%s", f[5]);
			return;
		}
	}
}

char **sbx_process_env(const struct sbx_process *p)
{
	char **env = sbx_xcalloc(p->n_env + 2, sizeof(char *));
	char home[PATH_MAX];

	for (size_t i = 0; i < p->n_env; i++) {
		env[i] = p->env[i];
		if (!strncmp(p->env[i], "HOME=", 5))
			return env;
	}
	/* runc and crun: HOME from the user's passwd entry, else "/". */
	passwd_home(p->user.uid, home, sizeof(home));
	env[p->n_env] = sbx_xasprintf("HOME=%s", home);
	return env;
}

/*
 * Every signal back to SIG_DFL, through the raw syscall: glibc's
 * signal()/sigaction() refuse 32 and 33 (reserved for its threads), but an
 * ignored 32/33 inherited from whoever started sbxrun survives execve just
 * the same (seen on a CI runner: SigIgn 0x180000000).  Called right before
 * execve, so glibc's own use of those signals no longer matters.  Ignored
 * signals survive execve: a container ignoring SIGTERM could not be stopped.
 */
void sbx_process_reset_signals(void)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} ksa = { .handler = SIG_DFL };
	sigset_t empty;

	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)syscall(SYS_rt_sigaction, sig, &ksa, NULL, sizeof(ksa.mask));
	sigemptyset(&empty);
	sigprocmask(SIG_SETMASK, &empty, NULL);
}

void sbx_process_probe_setgroups(struct sbx_process_state *st)
{
	_sbx_cleanup_free_ char *sg = NULL;
	struct sbx_err ign;

	st->setgroups_allowed = true;
	if (sbx_read_file_at(AT_FDCWD, "/proc/self/setgroups", &sg, NULL, &ign) == 0)
		st->setgroups_allowed = strncmp(sg, "deny", 4) != 0;
}
