/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <stdlib.h>

#include "util/dl.h"
#include "util/log.h"

int lxm_dl_open(struct lxm_dl_lib *lib)
{
	if (lib->handle)
		return 0;
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
