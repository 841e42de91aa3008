/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Safe path resolution under a root directory.
 *
 * Every path inside the container's rootfs is resolved with
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): ".." and absolute
 * symlinks are clamped to the root, so a symlink planted in a bundle
 * ("etc -> /etc" or "x -> ../../..") can never make us open, create or
 * mount something outside it.  On kernels without openat2 (< 5.6) an
 * equivalent component-by-component walk is used.
 */
#ifndef SBX_PATH_H
#define SBX_PATH_H

#include <stdbool.h>
#include <sys/types.h>
#include "sbx/error.h"

/* Open `path` (absolute or relative; always taken relative to rootfd) with
 * `flags` (O_CLOEXEC added).  Returns fd or -1 + err. */
int sbx_path_open_in_root(int rootfd, const char *path, int flags, struct sbx_err *err);

/* Make sure `path` exists under rootfd, creating missing parent directories
 * (mode 0755) and the last component as a directory (is_dir) or an empty
 * file, each creation step itself resolved in root.  Returns an O_PATH fd of
 * the final object, or -1 + err. */
int sbx_path_mkpath_in_root(int rootfd, const char *path, bool is_dir, struct sbx_err *err);

/* The component-by-component walk used when openat2 is unavailable
 * (ENOSYS).  Same semantics as sbx_path_open_in_root (".." and absolute
 * symlinks clamped to rootfd, at most 40 symlinks); exported so the unit
 * tests can run the same hostile trees through both implementations. */
int sbx_path_walk_in_root(int rootfd, const char *path, int flags, struct sbx_err *err);

/* Lexically clean an absolute path ("//a/./b/../c" -> "/a/c"), in place. */
void sbx_path_clean(char *path);

#endif
