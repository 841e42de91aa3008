/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun spec [--rootless] [--no-userns] [--bundle DIR] [--net MODE]
 *             [--publish SPEC]... [--net-name NAME] [--subnet CIDR] [--icc=false]:
 * write a hardened default config.json (see sbx_config_default_spec and
 * docs/).  Never overwrites.  The network flags become run.sbx.net.*
 * annotations (docs/networking.md); bad values are refused here with the
 * same messages the config parser gives.  Run by root, the config has a
 * user namespace whose ids are allocated per container
 * (include/sbx/idpool.h) unless --no-userns.
 */
#include "cli.h"
#include "sbx/apparmor.h"
#include "sbx/config.h"
#include "sbx/idmap.h"
#include "sbx/idpool.h"
#include "sbx/log.h"
#include "sbx/net.h"
#include "sbx/util.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct spec_args {
	const char *bundle, *net, *net_name, *icc, *subnet;
	char *publish;           /* --publish, comma-joined (malloc'ed) */
	char *secrets;           /* --secret NAME=/abs/path, comma-joined (malloc'ed) */
	bool rootless, no_userns;
};

/* --secret NAME=HOSTFILE -> run.sbx.secrets (checked again at create).
 * Returns -1 when good, else the usage error's exit code. */
static int add_secret(struct spec_args *a, const char *arg)
{
	const char *eq = strchr(arg, '=');
	_sbx_cleanup_free_ char *abs = NULL, *cwd = NULL;
	char *old = a->secrets;

	if (!eq || eq == arg || !eq[1] || strchr(arg, ','))
		return sbx_cli_usage("spec", "--secret: expected NAME=HOSTFILE (no ','), got \"%s\"", arg);
	if (eq[1] == '/') {
		abs = sbx_xstrdup(eq + 1);
	} else {
		cwd = getcwd(NULL, 0);
		if (!cwd)
			return sbx_cli_usage("spec", "--secret: cannot resolve \"%s\": no current directory", eq + 1);
		abs = sbx_xasprintf("%s/%s", cwd, eq + 1);
	}
	a->secrets = sbx_xasprintf("%s%s%.*s=%s", old ? old : "", old ? "," : "",
				   (int)(eq - arg), arg, abs);
	free(old);
	return -1;
}

enum { OPT_NET = 256, OPT_PUBLISH, OPT_NET_NAME, OPT_ICC, OPT_SUBNET };

/* The value of a network flag, checked here with the parser's messages.
 * Returns -1 when good, else the usage error's exit code. */
static int add_net_flag(struct spec_args *a, int opt, const char *arg)
{
	struct sbx_publish pb;
	char why[256];
	uint32_t sn;
	unsigned pfx;

	switch (opt) {
	case OPT_NET: a->net = arg; break;
	case OPT_PUBLISH:
		if (sbx_net_parse_publish(arg, &pb, why, sizeof(why)) < 0)
			return sbx_cli_usage("spec", "--publish: %s", why);
		if (a->publish) {
			char *j = sbx_xasprintf("%s,%s", a->publish, arg);
			free(a->publish);
			a->publish = j;
		} else {
			a->publish = sbx_xstrdup(arg);
		}
		break;
	case OPT_NET_NAME:
		if (sbx_net_check_name(arg, why, sizeof(why)) < 0)
			return sbx_cli_usage("spec", "--net-name: %s", why);
		a->net_name = arg;
		break;
	case OPT_ICC:
		if (strcmp(arg, "true") && strcmp(arg, "false"))
			return sbx_cli_usage("spec", "--icc: expected true or false, got \"%s\"", arg);
		a->icc = arg;
		break;
	case OPT_SUBNET:
		if (sbx_net_parse_cidr(arg, &sn, &pfx, why, sizeof(why)) < 0)
			return sbx_cli_usage("spec", "--subnet: %s", why);
		a->subnet = arg;
		break;
	}
	return -1;
}

/* Returns -1 when the flags are good, else the usage error's exit code. */
static int spec_parse_args(int argc, char **argv, struct spec_args *a)
{
	static const struct option opts[] = {
		{ "rootless", no_argument, NULL, 'r' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "secret", required_argument, NULL, 's' },
		{ "net", required_argument, NULL, OPT_NET },
		{ "publish", required_argument, NULL, OPT_PUBLISH },
		{ "net-name", required_argument, NULL, OPT_NET_NAME },
		{ "icc", required_argument, NULL, OPT_ICC },
		{ "subnet", required_argument, NULL, OPT_SUBNET },
		{ "no-userns", no_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r = -1;

	while (r < 0 && (c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		switch (c) {
		case 'r': a->rootless = true; break;
		case 'b': a->bundle = optarg; break;
		case 's': r = add_secret(a, optarg); break;
		case OPT_NET: case OPT_PUBLISH: case OPT_NET_NAME: case OPT_ICC: case OPT_SUBNET:
			r = add_net_flag(a, c, optarg);
			break;
		case 'U': a->no_userns = true; break;
		default: r = sbx_cli_usage("spec", "unknown option"); break;
		}
	}
	if (r < 0 && optind != argc)
		return sbx_cli_usage("spec", "unexpected argument \"%s\"", argv[optind]);
	return r;
}

/* The network flags as run.sbx.net.* annotations (ann has room for 5),
 * after the checks that need them together.  Returns -1 when good, else
 * the usage error's exit code. */
static int spec_net_annotations(struct spec_args *a, enum sbx_net_mode *mode, struct sbx_kv *ann,
				size_t *n_ann)
{
	enum sbx_net_helper helper;
	bool net_mode = false;

	/* --net auto: what the caller can have (bridge needs root). */
	if (a->net && !strcmp(a->net, "auto"))
		a->net = a->rootless || geteuid() != 0 ? "user" : "bridge";
	if (a->net && sbx_net_parse_mode(a->net, mode, &helper) < 0)
		return sbx_cli_usage("spec", "--net: unknown mode \"%s\" (none, host, bridge, user, user:pasta, user:slirp4netns or auto)",
				     a->net);
	net_mode = *mode == SBX_NET_BRIDGE || *mode == SBX_NET_USER;
	if (a->publish && !net_mode)
		return sbx_cli_usage("spec", "--publish needs --net bridge or --net user");
	if ((a->net_name || a->icc || a->subnet) && !net_mode)
		return sbx_cli_usage("spec", "--net-name, --subnet and --icc need --net bridge or --net user");
	if ((a->icc || a->subnet) && *mode == SBX_NET_USER && !a->net_name)
		return sbx_cli_usage("spec", "--subnet and --icc need --net-name with --net user (a user-defined network)");
	if (*mode == SBX_NET_HOST)
		sbx_warn("spec: --net host is the least isolated network mode: the container shares every interface, port and firewall rule of the host's network namespace");
	*n_ann = 0;
	if (a->net)
		ann[(*n_ann)++] = (struct sbx_kv){ (char *)SBX_NET_ANN_MODE, (char *)a->net };
	if (a->publish)
		ann[(*n_ann)++] = (struct sbx_kv){ (char *)SBX_NET_ANN_PUBLISH, a->publish };
	if (a->net_name)
		ann[(*n_ann)++] = (struct sbx_kv){ (char *)SBX_NET_ANN_NAME, (char *)a->net_name };
	if (a->subnet)
		ann[(*n_ann)++] = (struct sbx_kv){ (char *)SBX_NET_ANN_SUBNET, (char *)a->subnet };
	if (a->icc)
		ann[(*n_ann)++] = (struct sbx_kv){ (char *)SBX_NET_ANN_ICC, (char *)a->icc };
	return -1;
}

/* Root in the container is not root on the host: run by real root (not
 * root inside somebody's user namespace, whose ids are not the host's),
 * the spec asks for a user namespace from the pool. */
static bool spec_auto_userns(const struct spec_args *a)
{
	struct sbx_idpool pool;
	struct sbx_err err = { 0 };

	if (a->rootless || a->no_userns || geteuid() != 0 || !sbx_userns_is_initial())
		return false;
	if (sbx_idpool_load(SBX_SUBUID_FILE, SBX_SUBGID_FILE, &pool, &err) < 0)
		sbx_warn("spec: %s; `sbxrun run` and `create` refuse this bundle until the range exists",
			 err.msg);
	return true;
}

static void spec_args_free(struct spec_args *a)
{
	free(a->publish);
	free(a->secrets);
}

int sbx_cmd_spec(const struct sbx_global_opts *g, int argc, char **argv)
{
	struct spec_args a = { .bundle = "." };
	enum sbx_net_mode mode = SBX_NET_NONE;
	struct sbx_kv ann[5];
	size_t n_ann = 0;
	struct sbx_err err = { 0 };
	_sbx_cleanup_free_ char *text = NULL;
	bool auto_userns;
	int r;

	r = spec_parse_args(argc, argv, &a);
	if (r < 0)
		r = spec_net_annotations(&a, &mode, ann, &n_ann);
	if (r >= 0) {
		spec_args_free(&a);
		return r;
	}
	auto_userns = spec_auto_userns(&a);
	/* Every layer the host offers is on by default: AppArmor too, when
	 * sbxrun's profile is loaded (scripts/load-apparmor.sh). */
	text = sbx_config_default_spec_full(a.rootless, auto_userns,
					    sbx_apparmor_profile_available(SBX_APPARMOR_DEFAULT)
						    ? SBX_APPARMOR_DEFAULT
						    : NULL,
					    mode == SBX_NET_HOST, ann, n_ann);
	if (!text)
		sbx_err_set(&err, 0, "spec: could not build the default configuration");
	else if (a.secrets)
		text = sbx_config_spec_set_annotation(text, "run.sbx.secrets", a.secrets);
	spec_args_free(&a);
	if (!text)
		return sbx_cli_fail(&err);
	if (sbx_config_spec_write(a.bundle, text, &err) < 0) {
		sbx_err_prefix(&err, "spec");
		return sbx_cli_fail(&err);
	}
	return 0;
}
