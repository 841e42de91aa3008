/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `sbxrun features` (runtime-spec features.md, version SBX_OCI_VERSION).
 * Every list is asked of the code that enforces it, so the document cannot
 * claim what sbxrun refuses: mount options of mountopt.c, capabilities of
 * caps.c and the kernel, seccomp flags of seccomp.c and the kernel,
 * architectures libseccomp resolves, idmapped mounts of the config parser.
 * AppArmor is reported enabled only where the host has it: sbxrun refuses
 * an apparmorProfile elsewhere (fail closed), so "enabled" means "sbxrun
 * will apply it here".  SELinux labels are always refused: false.
 */
#include "sbx/features.h"
#include "sbx/apparmor.h"
#include "sbx/caps.h"
#include "sbx/config.h"
#include "sbx/mountopt.h"
#include "sbx/seccomp.h"
#include "sbx/util.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

/* Candidates; only those mountopt.c accepts are reported. */
static const char *const mount_options[] = {
	"acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
	"idmap", "iversion", "lazytime", "loud", "mand", "noacl", "noatime", "nodev",
	"nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime",
	"nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev", "ridmap",
	"rdiratime", "relatime", "remount", "rexec", "rnoatime", "rnodev", "rnodiratime",
	"rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro", "rprivate",
	"rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow",
	"runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid", "symfollow",
	"sync", "tmpcopyup", "unbindable",
};

static const char *const hooks[] = { "prestart", "createRuntime", "createContainer",
				     "startContainer", "poststart", "poststop" };

static const char *const seccomp_actions[] = {
	"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
	"SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
	"SCMP_ACT_TRAP",
};

static const char *const seccomp_ops[] = {
	"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
	"SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
};

/* Candidates; only those libseccomp resolves are reported (the compile
 * step accepts exactly those). */
static const char *const seccomp_archs[] = {
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
	"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
	"SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
	"SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB", "SCMP_ARCH_X32",
	"SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
};

/* Annotations of config.json that change what sbxrun does (run.sbx.init,
 * run.sbx.landlock.*): an engine passing an image's annotations through
 * should not pass these. */
static const char *const unsafe_annotations[] = { "run.sbx." };

static json_t *str_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* An architecture a filter built here can hold: libseccomp knows it and
 * it has the native byte order (libseccomp refuses to mix them, so a
 * config naming, say, SCMP_ARCH_MIPS is refused on x86_64). */
static bool arch_usable(scmp_filter_ctx ctx, const char *name)
{
	char buf[32];
	uint32_t a;
	size_t i;
	int r;

	name += strlen("SCMP_ARCH_");
	for (i = 0; name[i] && i < sizeof(buf) - 1; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	a = seccomp_arch_resolve_name(buf);
	if (!a || !ctx)
		return false;
	r = seccomp_arch_add(ctx, a);
	return r == 0 || r == -EEXIST;
}

/* Does the config parser take mounts[].uidMappings (idmapped mounts)? */
static bool idmap_mounts_supported(void)
{
	static const char cfg[] = "{\"ociVersion\":\"1.2.0\",\"mounts\":[{\"destination\":\"/m\","
		"\"source\":\"/m\",\"options\":[\"rbind\"],"
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}],"
		"\"linux\":{\"namespaces\":[{\"type\":\"user\"},{\"type\":\"mount\"}],"
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
		"\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}";
	struct sbx_config *c = NULL;
	struct sbx_err err;
	bool ok = sbx_config_parse(cfg, sizeof(cfg) - 1, "features", &c, &err) == 0;

	sbx_config_free(c);
	return ok;
}

static json_t *seccomp_flag_list(bool supported_only)
{
	json_t *a = json_array();
	const char *n;

	for (size_t i = 0; (n = sbx_seccomp_flag_name(i)); i++)
		if (!supported_only || sbx_seccomp_flag_supported(n))
			json_array_append_new(a, json_string(n));
	return a;
}

/* The options mountopt.c itself handles; filesystem data (passed to
 * mount(2) as is) is not listed, as features.md asks. */
static json_t *mount_option_list(void)
{
	json_t *a = json_array();

	for (size_t i = 0; i < SBX_ARRAY_SIZE(mount_options); i++)
		if (sbx_mountopt_recognized(mount_options[i]))
			json_array_append_new(a, json_string(mount_options[i]));
	return a;
}

static bool kernel_has_idmap(void)
{
	/* An invalid call: EBADF/EINVAL where the syscall exists. */
	return syscall(SYS_mount_setattr, -1, "", 0, NULL, 0) < 0 && errno != ENOSYS;
}

char *sbx_features_json(void)
{
	json_t *o = json_object(), *lx = json_object(), *caps = json_array();
	json_t *ns = json_array(), *sc = json_object(), *archs = json_array();
	json_t *ann = json_object();
	char *text;
	int last = sbx_caps_last_cap();

	json_object_set_new(o, "ociVersionMin", json_string("1.0.0"));
	json_object_set_new(o, "ociVersionMax", json_string(SBX_OCI_VERSION));
	json_object_set_new(o, "hooks", str_array(hooks, SBX_ARRAY_SIZE(hooks)));
	json_object_set_new(o, "mountOptions", mount_option_list());

	for (int t = 0; t < SBX_NS_COUNT; t++)
		json_array_append_new(ns, json_string(sbx_ns_type_name((enum sbx_ns_type)t)));
	json_object_set_new(lx, "namespaces", ns);
	for (int c = 0; c <= last; c++) {
		const char *name = sbx_caps_to_name(c);
		if (name)
			json_array_append_new(caps, json_string(name));
	}
	json_object_set_new(lx, "capabilities", caps);
	json_object_set_new(lx, "cgroup",
			    json_pack("{s:b,s:b,s:b,s:b,s:b}", "v1", 0, "v2", 1, "systemd", 0,
				      "systemdUser", 0, "rdma", 1));
	json_object_set_new(sc, "enabled", json_true());
	json_object_set_new(sc, "actions", str_array(seccomp_actions, SBX_ARRAY_SIZE(seccomp_actions)));
	json_object_set_new(sc, "operators", str_array(seccomp_ops, SBX_ARRAY_SIZE(seccomp_ops)));
	{
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		for (size_t i = 0; i < SBX_ARRAY_SIZE(seccomp_archs); i++)
			if (arch_usable(ctx, seccomp_archs[i]))
				json_array_append_new(archs, json_string(seccomp_archs[i]));
		if (ctx)
			seccomp_release(ctx);
	}
	json_object_set_new(sc, "archs", archs);
	json_object_set_new(sc, "knownFlags", seccomp_flag_list(false));
	json_object_set_new(sc, "supportedFlags", seccomp_flag_list(true));
	json_object_set_new(lx, "seccomp", sc);
	json_object_set_new(lx, "apparmor", json_pack("{s:b}", "enabled", sbx_apparmor_enabled()));
	json_object_set_new(lx, "selinux", json_pack("{s:b}", "enabled", 0));
	/* linux.intelRdt is refused (config_linux.c) */
	json_object_set_new(lx, "intelRdt", json_pack("{s:b}", "enabled", 0));
	/* Id-mapped bind mounts (mounts[].uidMappings/gidMappings, idmap,
	 * ridmap) are implemented (rootfs_idmap.c) wherever the kernel has
	 * mount_setattr(2); they need root on the host, as in runc. */
	json_object_set_new(lx, "mountExtensions",
			    json_pack("{s:{s:b}}", "idmap", "enabled",
				      idmap_mounts_supported() && kernel_has_idmap()));
	json_object_set_new(o, "linux", lx);

	json_object_set_new(ann, "io.github.sbxrun.version", json_string(SBX_VERSION));
	json_object_set_new(ann, "io.github.sbxrun.commit", json_string(SBX_GIT_COMMIT));
	{
		const struct scmp_version *v = seccomp_version();
		char buf[32];
		snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
		json_object_set_new(ann, "io.github.seccomp.libseccomp.version", json_string(buf));
	}
	/* The device cgroup program (src/devcg.c) needs root to attach. */
	json_object_set_new(ann, "io.github.sbxrun.linux.resources.devices",
			    json_string("ebpf device program when run as root; skipped rootless"
					" (attaching needs CAP_SYS_ADMIN in the initial user namespace)"));
	json_object_set_new(o, "annotations", ann);
	json_object_set_new(o, "potentiallyUnsafeConfigAnnotations",
			    str_array(unsafe_annotations, SBX_ARRAY_SIZE(unsafe_annotations)));
	text = json_dumps(o, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		abort(); /* OOM only */
	return text;
}
