/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: config.json is untrusted input to the runtime.  Every
 * input must either parse into a model that compiles (caps, mounts,
 * seccomp, sysctl, cgroup) and frees cleanly, or fail with an error
 * message; ASan/UBSan/LSan catch the rest.  `make fuzz` builds and runs it.
 */
#include "sbx/caps.h"
#include "sbx/cgroup.h"
#include "sbx/check.h"
#include "sbx/jsonloc.h"
#include "sbx/config.h"
#include "sbx/devcg.h"
#include "sbx/landlock.h"
#include "sbx/rootfs.h"
#include "sbx/seccomp.h"
#include "sbx/sysctl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_config *cfg = NULL;
	struct sbx_err err = { 0 };

	/* The check locator walks the same untrusted text (any bytes). */
	{
		static const char *const paths[] = { "process.capabilities.bounding[1]", "mounts[0].source",
						     "annotations[\"run.sbx.x\"]", "linux.seccomp", "" };
		struct sbx_jsonloc loc;
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			(void)sbx_jsonloc_find((const char *)data, size, paths[i], &loc);
	}
	if (sbx_config_parse((const char *)data, size, "config.json", &cfg, &err) < 0) {
		/* A failure always says something. */
		if (!err.msg[0])
			abort();
		return 0;
	}
	/* exec's parse of the same text (linux.seccomp left as text) must
	 * accept it too and give the same profile: same cache key. */
	{
		struct sbx_config *def = NULL;
		struct sbx_arena a = { 0 };
		struct sbx_seccomp *sc = NULL;

		if (sbx_config_parse_deferred((const char *)data, size, "config.json", &def, &err) < 0)
			abort();
		if (!def->linux.seccomp_text) {
			if (!!def->linux.seccomp != !!cfg->linux.seccomp)
				abort();
		} else {
			char *k1, *k2;
			if (!cfg->linux.seccomp ||
			    sbx_config_parse_seccomp(def->linux.seccomp_text, def->linux.seccomp_len, &a,
						     &sc, &err) < 0)
				abort();
			k1 = sbx_seccomp_cache_key(cfg->linux.seccomp);
			k2 = sbx_seccomp_cache_key(sc);
			if (strcmp(k1, k2) != 0)
				abort();
			free(k1);
			free(k2);
		}
		sbx_arena_free(&a);
		sbx_config_free(def);
	}
	/* The pure compile steps of every module see the parsed model too. */
	{
		struct sbx_rootfs_opts ro = { .userns = true, .rootless = true, .new_netns = true };
		struct sbx_rootfs_plan *rp = NULL;
		struct sbx_caps_plan cp;
		struct sbx_landlock_plan lp;
		struct sbx_seccomp_plan sp;

		cfg->bundle = sbx_arena_strdup(&cfg->arena, "/fuzz-bundle");
		if (sbx_rootfs_compile(cfg, &ro, &rp, &err) == 0)
			sbx_rootfs_plan_free(rp);
		if (cfg->process)
			(void)sbx_caps_compile(&cfg->process->caps, &cp, &err);
		if (sbx_landlock_compile(cfg, &lp, &err) == 0)
			sbx_landlock_plan_free(&lp);
		{
			struct sbx_sysctl_plan scp;
			if (sbx_sysctl_compile(cfg, &scp, &err) == 0)
				sbx_sysctl_plan_free(&scp);
		}
		{
			struct sbx_cgroup_settings cs;
			struct sbx_devcg_prog dp;
			if (sbx_cgroup_resources_compile(&cfg->linux.resources, "config.json", &cs,
							 &err) == 0)
				sbx_cgroup_settings_free(&cs);
			if (sbx_devcg_compile(cfg->linux.resources.devices, cfg->linux.resources.n_devices,
					      cfg->linux.devices, cfg->linux.n_devices, "config.json", &dp,
					      &err) == 0)
				sbx_devcg_prog_free(&dp);
		}
		/* libseccomp is slow: only small profiles, to keep the fuzzer fast. */
		if (cfg->linux.seccomp && cfg->linux.seccomp->n_syscalls < 8 &&
		    sbx_seccomp_compile(cfg->linux.seccomp, &sp, &err) == 0)
			sbx_seccomp_plan_free(&sp);
	}
	/* `sbxrun check` evaluates any config the parser accepts. */
	{
		struct sbx_check_report rep;
		struct sbx_check_format_opts fo = { .fail_on = SBX_CHECK_HIGH };
		sbx_check_report_init(&rep);
		if (sbx_check_config(cfg, &rep, &err) == 0) {
			sbx_check_locate(&rep, (const char *)data, size);
			free(sbx_check_format_sarif(&rep, &fo));
		}
		sbx_check_report_free(&rep);
	}
	sbx_config_free(cfg);
	return 0;
}
