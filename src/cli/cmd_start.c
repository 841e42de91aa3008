/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun start ID: release a `created` container's init from the exec fifo,
 * wait for its execve, then run the poststart hooks (failures are warnings,
 * runtime-spec).  If init fails instead (exec, startContainer hook), start
 * fails with init's message and exit code (126/127 for the executable, 125
 * otherwise), as `run` does.
 */
#include "lifecycle.h"
#include "sbx/handover.h"
#include "sbx/hooks.h"
#include "sbx/log.h"
#include "sbx/util.h"

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

int sbx_cmd_start(const struct sbx_global_opts *g, int argc, char **argv)
{
	struct sbx_state_handle h;
	struct sbx_state st;
	struct sbx_err err = { 0 };
	struct sbx_config *cfg = NULL;
	_sbx_cleanup_close_ int fd = -1;
	int c, code;

	while ((c = getopt(argc, argv, "")) != -1)
		return sbx_cli_usage("start", "unknown option");
	if (optind != argc - 1)
		return sbx_cli_usage("start", "expected exactly one container ID");
	if (sbx_cli_open(g, argv[optind], true, &h, &st, &err) < 0)
		return sbx_cli_fail(&err);
	if (st.status != SBX_STATUS_CREATED) {
		sbx_err_set(&err, 0, "cannot start container \"%s\": it is %s, not created", st.id,
			    sbx_state_status_name(st.status));
		goto fail;
	}
	/* Non-blocking: init holds the read end open while it waits, so this
	 * succeeds; ENXIO means no reader, i.e. init died meanwhile.  The fifo
	 * is only ever opened in our own, 0700 state directory. */
	fd = openat(h.dirfd, SBX_EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENXIO && sbx_state_read_init_error(&h, &code, &err) > 0) {
			sbx_err_prefix(&err, "cannot start container \"%s\": its init failed", st.id);
			goto fail;
		}
		sbx_err_set(&err, errno == ENXIO ? 0 : errno,
			    errno == ENXIO ? "cannot start container \"%s\": its init is gone"
					   : "cannot start container \"%s\": open exec fifo", st.id);
		goto fail;
	}
	if (sbx_write_all(fd, "0", 1) < 0) {
		sbx_err_set(&err, errno, "cannot start container \"%s\": write exec fifo", st.id);
		goto fail;
	}
	/* Gone fifo == started: from here on the status is `running`. */
	if (unlinkat(h.dirfd, SBX_EXEC_FIFO, 0) < 0) {
		sbx_err_set(&err, errno, "remove exec fifo %s/%s", h.dir, SBX_EXEC_FIFO);
		goto fail;
	}
	/* init stops answering on it now (handover.h). */
	(void)unlinkat(h.dirfd, SBX_EXEC_SOCK, 0);
	/* runtime-spec: poststart runs after the user's process is executed.
	 * init keeps the fifo's read end open (close-on-exec) through the
	 * startContainer hooks until its execve; the write end reports POLLERR
	 * once no reader is left. */
	for (;;) {
		struct pollfd p = { .fd = fd, .events = 0 };
		int r = poll(&p, 1, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (p.revents & (POLLERR | POLLHUP | POLLNVAL)))
			break;
	}
	/* The fifo closed: init exec'd, or failed (missing executable or
	 * rootfs, a startContainer hook...) and wrote why into exec.err
	 * before exiting, which is what closed it.  Report that like `run`
	 * does: the message and init's exit code, no poststart hooks. */
	if (sbx_state_read_init_error(&h, &code, &err) > 0) {
		sbx_err_prefix(&err, "container \"%s\" failed to start", st.id);
		goto fail;
	}
	if (sbx_life_load_config(&h, &st, &cfg, &err) < 0) {
		sbx_warn_err(&err, "poststart hooks not run");
	} else if (cfg->hooks.poststart.n) {
		_sbx_cleanup_free_ char *js = sbx_state_oci_json(&st, "running", false);
		sbx_hooks_run_warn(&cfg->hooks.poststart, "poststart", js);
	}
	sbx_config_free(cfg);
	sbx_state_free(&st);
	sbx_state_close(&h);
	return 0;
fail:
	sbx_state_free(&st);
	sbx_state_close(&h);
	return sbx_cli_fail(&err);
}
