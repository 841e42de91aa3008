/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The launcher's two halves share one context: container_parent.c compiles
 * every plan and drives the parent's side (parent_setup()), container.c
 * runs in stage 1 and init (child_setup()).  Not an API: only these two
 * files include it.
 */
#ifndef SBX_CONTAINER_INT_H
#define SBX_CONTAINER_INT_H

#include "sbx/container.h"
#include "sbx/handover.h"
#include "sbx/hooks.h"
#include "sbx/identity.h"
#include "sbx/idmap.h"
#include "sbx/net.h"
#include "sbx/process.h"
#include "sbx/rootfs.h"
#include "sbx/secrets.h"
#include "sbx/sysctl.h"

#include <stdbool.h>
#include <sys/types.h>

/* Everything the children need, compiled by the parent. */
struct launch_ctx {
	const struct sbx_config *cfg;
	const struct sbx_launch_opts *opts;
	int sock;              /* the child's end of the sync socket */
	int fifo_fd;           /* exec fifo (read end, O_NONBLOCK) or -1 */
	int lsock;             /* create: listening exec.sock (handover.h) or -1 */
	int err_fd;            /* create: exec.err, init's report after start, or -1 */
	struct sbx_handover_ns ns; /* init, create: its namespaces for `exec` */
	int new_flags;         /* CLONE_NEW* of the namespaces to create */
	bool new_userns;
	bool init_reaper;      /* annotation run.sbx.init=true */
	bool container_hooks;  /* createContainer/startContainer hooks exist */
	bool runtime_hooks;    /* prestart/createRuntime hooks exist */
	bool open_sources;     /* the parent opens the bind sources (rootfs_bind.c) */
	bool parent_mounts;    /* the parent sends mounts after GO, then MOUNTS_DONE */
	struct sbx_idmap_plan idmap;
	struct sbx_rootfs_plan *rootfs;
	struct sbx_process_plan proc; /* the process steps (process.h) */
	struct sbx_cgroup_plan *cgroup;
	struct sbx_secrets_plan secrets; /* run.sbx.secrets, read before clone */
	struct sbx_net_plan net;
	struct sbx_sysctl_plan sysctl;
	struct sbx_identity_plan ident;
	char *state_json;      /* init side: state for container hooks */
	struct sbx_process_state pst; /* init side */
};

static inline bool has_hooks(const struct sbx_hook_list *l)
{
	return l->n > 0;
}

/* The state JSON for hooks comes from the caller's state store (checked
 * in compile_all: there is a builder whenever there are hooks). */
static inline char *state_for(const struct launch_ctx *c, pid_t pid, const char *status)
{
	return c->opts->state_json(c->opts->state_arg, pid, status);
}

/* Stage 1 (forked by the parent): joins and creates the namespaces,
 * clones init, exits.  Never returns. */
__attribute__((noreturn)) void sbx_container_stage1_main(struct launch_ctx *c);

#endif
