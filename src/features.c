/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sbx/features.h"
#include "sbx/caps.h"
#include "sbx/config.h"
#include "sbx/mountopt.h"
#include "sbx/util.h"

#include <ctype.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

/* Candidates; only those mountopt.c accepts are reported. */
static const char *const mount_options[] = {
	"acl", "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec",
	"idmap", "iversion", "lazytime", "loud", "mand", "noacl", "noatime", "nodev",
	"nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime",
	"nostrictatime", "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev",
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

static const char *const seccomp_archs[] = {
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
	"SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
	"SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
	"SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_X32", "SCMP_ARCH_X86",
	"SCMP_ARCH_X86_64",
};

static const char *const seccomp_flags[] = {
	"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

static json_t *str_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static bool arch_known(const char *name)
{
	char buf[32];
	size_t i;
	name += strlen("SCMP_ARCH_");
	for (i = 0; name[i] && i < sizeof(buf) - 1; i++)
		buf[i] = (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	return seccomp_arch_resolve_name(buf) != 0;
}

static json_t *mount_option_list(void)
{
	json_t *a = json_array();
	struct sbx_arena arena = { 0 };

	for (size_t i = 0; i < SBX_ARRAY_SIZE(mount_options); i++) {
		char *opt[] = { (char *)mount_options[i], NULL };
		struct sbx_mountopts mo;
		struct sbx_err err;
		/* Ask the parser itself, for a bind and a filesystem mount. */
		if (sbx_mountopt_parse(opt, 1, true, 0, &arena, &mo, &err) == 0 ||
		    sbx_mountopt_parse(opt, 1, false, 0, &arena, &mo, &err) == 0)
			json_array_append_new(a, json_string(mount_options[i]));
	}
	sbx_arena_free(&arena);
	return a;
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
			    json_pack("{s:b,s:b,s:b,s:b}", "v1", 0, "v2", 1, "systemd", 0,
				      "systemdUser", 0));
	json_object_set_new(sc, "enabled", json_true());
	json_object_set_new(sc, "actions", str_array(seccomp_actions, SBX_ARRAY_SIZE(seccomp_actions)));
	json_object_set_new(sc, "operators", str_array(seccomp_ops, SBX_ARRAY_SIZE(seccomp_ops)));
	for (size_t i = 0; i < SBX_ARRAY_SIZE(seccomp_archs); i++)
		if (arch_known(seccomp_archs[i]))
			json_array_append_new(archs, json_string(seccomp_archs[i]));
	json_object_set_new(sc, "archs", archs);
	json_object_set_new(sc, "knownFlags", str_array(seccomp_flags, SBX_ARRAY_SIZE(seccomp_flags)));
	json_object_set_new(sc, "supportedFlags", str_array(seccomp_flags, SBX_ARRAY_SIZE(seccomp_flags)));
	json_object_set_new(lx, "seccomp", sc);
	json_object_set_new(lx, "apparmor", json_pack("{s:b}", "enabled", 1));
	json_object_set_new(lx, "selinux", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(lx, "intelRdt", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(lx, "mountExtensions",
			    json_pack("{s:{s:b}}", "idmap", "enabled", 0));
	json_object_set_new(o, "linux", lx);

	json_object_set_new(ann, "io.github.sbxrun.version", json_string(SBX_VERSION));
	json_object_set_new(ann, "io.github.sbxrun.commit", json_string(SBX_GIT_COMMIT));
	{
		const struct scmp_version *v = seccomp_version();
		char buf[32];
		snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
		json_object_set_new(ann, "io.github.seccomp.libseccomp.version", json_string(buf));
	}
	json_object_set_new(o, "annotations", ann);
	text = json_dumps(o, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		abort(); /* OOM only */
	return text;
}
