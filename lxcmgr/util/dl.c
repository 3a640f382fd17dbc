/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/auxv.h>

#include "util/dl.h"
#include "util/log.h"

/* A statically linked lxcmgr (cli/front.c) has no dynamic loader (no AT_BASE): dlopen() there
 * would map a second C library beside the static one, whose malloc, stdio and TLS the library would
 * then use. The commands that load libraries run in lxcmgr-full; reaching one here is a routing
 * bug, reported instead of loading. */
static bool refusal_handled;

void lxm_dl_refusal_handled(void)
{
	refusal_handled = true;
}

static int refuse_static(const struct lxm_dl_lib *lib)
{
	if (getauxval(AT_BASE) != 0)
		return 0;
	if (refusal_handled)
		return log_debug_errno(-ELIBACC, "Not loading '%s' in the statically linked lxcmgr", lib->soname);
	log_error("Cannot load '%s' in the statically linked lxcmgr: this command must run in lxcmgr-full",
		  lib->soname);
	return -ELIBACC;
}

int lxm_dl_open(struct lxm_dl_lib *lib)
{
	if (lib->handle)
		return 0;
	if (refuse_static(lib) < 0)
		return -ELIBACC;
	/* RTLD_LAZY: only the functions called get bound; RTLD_LOCAL: nothing leaks into the global
	 * namespace where it could shadow our own symbols. */
	lib->handle = dlopen(lib->soname, RTLD_LAZY | RTLD_LOCAL);
	if (!lib->handle) {
		const char *e = dlerror();
		return log_debug_errno(-ELIBACC, "Failed to load '%s': %s", lib->soname, e ? e : "unknown error");
	}
	return 0;
}

void *lxm_dl_sym(struct lxm_dl_lib *lib, const char *name)
{
	if (!lib->handle) {
		if (refuse_static(lib) < 0)
			abort();
		lib->handle = dlopen(lib->soname, RTLD_LAZY | RTLD_LOCAL);
		if (!lib->handle) {
			const char *e = dlerror();
			log_error("Failed to load '%s': %s", lib->soname, e ? e : "unknown error");
			abort();
		}
	}
	(void)dlerror();
	void *p = dlsym(lib->handle, name);
	if (!p) {
		const char *e = dlerror();
		log_error("Failed to find '%s' in '%s': %s", name, lib->soname, e ? e : "no such symbol");
		abort();
	}
	return p;
}
