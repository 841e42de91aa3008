/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sbxrun spec [--rootless] [--bundle DIR]: write a hardened default
 * config.json (see sbx_config_default_spec and docs/).  Never overwrites.
 */
#include "cli.h"
#include "sbx/apparmor.h"
#include "sbx/config.h"
#include "sbx/util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sbx_cmd_spec(const struct sbx_global_opts *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rootless", no_argument, NULL, 'r' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "secret", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bundle = ".";
	bool rootless = false;
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
		default: return sbx_cli_usage("spec", "unknown option");
		}
	}
	if (optind != argc)
		return sbx_cli_usage("spec", "unexpected argument \"%s\"", argv[optind]);
	/* Every layer the host offers is on by default: AppArmor too, when
	 * sbxrun's profile is loaded (scripts/load-apparmor.sh). */
	text = sbx_config_default_spec_lsm(rootless, sbx_apparmor_profile_available(SBX_APPARMOR_DEFAULT)
							     ? SBX_APPARMOR_DEFAULT
							     : NULL);
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
