/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lifecycle.h"

int sbx_cli_open(const struct sbx_global_opts *g, const char *id, bool exclusive,
		 struct sbx_state_handle *h, struct sbx_state *st, struct sbx_err *err)
{
	_sbx_cleanup_free_ char *root = sbx_cli_state_root(g);

	return sbx_life_open(root, id, exclusive, h, st, err);
}
