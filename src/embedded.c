/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Data files compiled into the binary, so `sbxrun spec` needs no installed
 * data directory and cannot pick up a tampered profile from the filesystem.
 * The Makefile makes this object depend on the embedded files.
 */
#include "sbx/embedded.h"

__asm__(".section .rodata\n"
	".global sbx_seccomp_default_json\n"
	".type sbx_seccomp_default_json, @object\n"
	".balign 16\n"
	"sbx_seccomp_default_json:\n"
	".incbin \"configs/seccomp/default.json\"\n"
	".byte 0\n"
	".global sbx_seccomp_default_json_end\n"
	"sbx_seccomp_default_json_end:\n"
	".previous\n");
