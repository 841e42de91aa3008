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

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sbx_cmd_spec(const struct sbx_global_opts *g, int argc, char **argv)
{
	enum { OPT_NET = 256, OPT_PUBLISH, OPT_NET_NAME, OPT_ICC, OPT_SUBNET };
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
	const char *bundle = ".", *net = NULL, *net_name = NULL, *icc = NULL, *subnet = NULL;
	_sbx_cleanup_free_ char *publish = NULL;
	struct sbx_kv ann[5];
	size_t n_ann = 0;
	enum sbx_net_mode mode = SBX_NET_NONE;
	enum sbx_net_helper helper;
	struct sbx_publish pb;
	char why[256];
	uint32_t sn;
	unsigned pfx;
	bool rootless = false, no_userns = false, auto_userns;
	struct sbx_err err = { 0 };
	_sbx_cleanup_free_ char *path = NULL, *text = NULL;
	_sbx_cleanup_close_ int fd = -1;
	_sbx_cleanup_free_ char *secrets = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		switch (c) {
		case 'r': rootless = true; break;
		case 'b': bundle = optarg; break;
		case 's': {
			/* NAME=HOSTFILE -> run.sbx.secrets (checked again at create). */
			const char *eq = strchr(optarg, '=');
			_sbx_cleanup_free_ char *abs = NULL, *cwd = NULL;
			char *old = secrets;
			if (!eq || eq == optarg || !eq[1] || strchr(optarg, ','))
				return sbx_cli_usage("spec", "--secret: expected NAME=HOSTFILE (no ','), got \"%s\"", optarg);
			if (eq[1] == '/') {
				abs = sbx_xstrdup(eq + 1);
			} else {
				cwd = getcwd(NULL, 0);
				if (!cwd)
					return sbx_cli_usage("spec", "--secret: cannot resolve \"%s\": no current directory", eq + 1);
				abs = sbx_xasprintf("%s/%s", cwd, eq + 1);
			}
			secrets = sbx_xasprintf("%s%s%.*s=%s", old ? old : "", old ? "," : "",
						(int)(eq - optarg), optarg, abs);
			free(old);
			break;
		}
		case OPT_NET: net = optarg; break;
		case OPT_PUBLISH:
			if (sbx_net_parse_publish(optarg, &pb, why, sizeof(why)) < 0)
				return sbx_cli_usage("spec", "--publish: %s", why);
			if (publish) {
				char *j = sbx_xasprintf("%s,%s", publish, optarg);
				free(publish);
				publish = j;
			} else {
				publish = sbx_xstrdup(optarg);
			}
			break;
		case OPT_NET_NAME:
			if (sbx_net_check_name(optarg, why, sizeof(why)) < 0)
				return sbx_cli_usage("spec", "--net-name: %s", why);
			net_name = optarg;
			break;
		case OPT_ICC:
			if (strcmp(optarg, "true") && strcmp(optarg, "false"))
				return sbx_cli_usage("spec", "--icc: expected true or false, got \"%s\"", optarg);
			icc = optarg;
			break;
		case OPT_SUBNET:
			if (sbx_net_parse_cidr(optarg, &sn, &pfx, why, sizeof(why)) < 0)
				return sbx_cli_usage("spec", "--subnet: %s", why);
			subnet = optarg;
			break;
		case 'U': no_userns = true; break;
		default: return sbx_cli_usage("spec", "unknown option");
		}
	}
	if (optind != argc)
		return sbx_cli_usage("spec", "unexpected argument \"%s\"", argv[optind]);
	/* --net auto: what the caller can have (bridge needs root). */
	if (net && !strcmp(net, "auto"))
		net = rootless || geteuid() != 0 ? "user" : "bridge";
	if (net && sbx_net_parse_mode(net, &mode, &helper) < 0)
		return sbx_cli_usage("spec", "--net: unknown mode \"%s\" (none, host, bridge, user, user:pasta, user:slirp4netns or auto)",
				     net);
	if (publish && mode != SBX_NET_BRIDGE && mode != SBX_NET_USER)
		return sbx_cli_usage("spec", "--publish needs --net bridge or --net user");
	if ((net_name || icc || subnet) && mode != SBX_NET_BRIDGE && mode != SBX_NET_USER)
		return sbx_cli_usage("spec", "--net-name, --subnet and --icc need --net bridge or --net user");
	if ((icc || subnet) && mode == SBX_NET_USER && !net_name)
		return sbx_cli_usage("spec", "--subnet and --icc need --net-name with --net user (a user-defined network)");
	if (mode == SBX_NET_HOST)
		sbx_warn("spec: --net host is the least isolated network mode: the container shares every interface, port and firewall rule of the host's network namespace");
	if (net)
		ann[n_ann++] = (struct sbx_kv){ (char *)SBX_NET_ANN_MODE, (char *)net };
	if (publish)
		ann[n_ann++] = (struct sbx_kv){ (char *)SBX_NET_ANN_PUBLISH, publish };
	if (net_name)
		ann[n_ann++] = (struct sbx_kv){ (char *)SBX_NET_ANN_NAME, (char *)net_name };
	if (subnet)
		ann[n_ann++] = (struct sbx_kv){ (char *)SBX_NET_ANN_SUBNET, (char *)subnet };
	if (icc)
		ann[n_ann++] = (struct sbx_kv){ (char *)SBX_NET_ANN_ICC, (char *)icc };
	/* Root in the container is not root on the host: run by real root
	 * (not root inside somebody's user namespace, whose ids are not the
	 * host's), the spec asks for a user namespace from the pool. */
	auto_userns = !rootless && !no_userns && geteuid() == 0 && sbx_userns_is_initial();
	if (auto_userns) {
		struct sbx_idpool pool;
		struct sbx_err e2 = { 0 };
		if (sbx_idpool_load(SBX_SUBUID_FILE, SBX_SUBGID_FILE, &pool, &e2) < 0)
			sbx_warn("spec: %s; `sbxrun run` and `create` refuse this bundle until the range exists",
				 e2.msg);
	}
	/* Every layer the host offers is on by default: AppArmor too, when
	 * sbxrun's profile is loaded (scripts/load-apparmor.sh). */
	text = sbx_config_default_spec_full(rootless, auto_userns,
					    sbx_apparmor_profile_available(SBX_APPARMOR_DEFAULT)
						    ? SBX_APPARMOR_DEFAULT
						    : NULL,
					    mode == SBX_NET_HOST, ann, n_ann);
	if (!text) {
		sbx_err_set(&err, 0, "spec: could not build the default configuration");
		return sbx_cli_fail(&err);
	}
	if (secrets)
		text = sbx_config_spec_set_annotation(text, "run.sbx.secrets", secrets);
	path = sbx_xasprintf("%s/config.json", bundle);
	/* O_EXCL: refuse to clobber an existing (possibly hand-tuned) config. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			sbx_err_set(&err, 0, "spec: %s already exists: remove it first", path);
		else
			sbx_err_set(&err, errno, "spec: create %s", path);
		return sbx_cli_fail(&err);
	}
	if (sbx_write_all(fd, text, strlen(text)) < 0) {
		sbx_err_set(&err, errno, "spec: write %s", path);
		return sbx_cli_fail(&err);
	}
	return 0;
}
