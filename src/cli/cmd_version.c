/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sbxrun version: like `runc --version`, plus the library versions. */
#include "lifecycle.h"
#include "sbx/config.h"

#include <cap-ng.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>

int sbx_cmd_version(const struct sbx_global_opts *g, int argc, char **argv)
{
	const struct scmp_version *sv = seccomp_version();

	printf("sbxrun version %s\n", SBX_VERSION);
	printf("commit: %s\n", SBX_GIT_COMMIT);
	printf("spec: %s\n", SBX_OCI_VERSION);
	printf("libseccomp: %u.%u.%u\n", sv->major, sv->minor, sv->micro);
	printf("jansson: %s\n", jansson_version_str());
	return 0;
}
