/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Heavy libraries loaded on first use instead of at every start of the program.
 *
 * libarchive and libnftables pull in libxml2, ICU, libstdc++, GMP, the compression libraries and
 * xtables: linked normally they cost every lxcmgr process ~8 ms of dynamic loading and every
 * monitor several MiB of mappings, although only create/export/import and NAT/port forwards use
 * them. A user of such a library includes its shim header, which maps each function it calls to
 * LXM_DL_CALL(); the first call dlopen()s the library by its SONAME and resolves the symbol once.
 */
#pragma once

#include "util/macros.h"

struct lxm_dl_lib {
	const char *soname;
	void *handle;
};

/* Opens lib unless it is open already: 0, or -ELIBACC (logged at debug level) when it cannot be
 * loaded. Entry points call it so a missing library is an error, not an abort in the middle. */
int lxm_dl_open(struct lxm_dl_lib *lib);

/* The caller hands a refused lxm_dl_open() (statically linked lxcmgr) over to lxcmgr-full itself
 * (a create that found its warm cache gone, cli/create-route.h): the refusal is logged at debug
 * level only, not as the routing bug it otherwise is. */
void lxm_dl_refusal_handled(void);

/* The address of name in lib, opening lib if needed. A library the package depends on that cannot
 * be loaded, or lacks a symbol its header declares, is what a failed link would have been at
 * start-up: the message is logged and the process aborts. */
void *lxm_dl_sym(struct lxm_dl_lib *lib, const char *name);

/* The function fn of lib, typed as its declaration, resolved once per call site. */
#define LXM_DL_CALL(lib, fn)                                          \
	(*({                                                          \
		static typeof(&fn) lxm_dl_fn_;                        \
		if (!lxm_dl_fn_)                                      \
			lxm_dl_fn_ = (typeof(&fn))lxm_dl_sym(lib, #fn); \
		lxm_dl_fn_;                                           \
	}))
