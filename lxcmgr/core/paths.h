/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every path lxcmgr uses, all under one root prefix (--root / LXCMGR_ROOT) so worlds never mix. */
#pragma once

#include <stddef.h>

struct lxm_paths {
	char *root;           /* "" for the real root, else an absolute directory without trailing '/' */
	char *config_file;    /* ROOT/etc/lxcmgr/lxcmgr.conf */
	char *lib_dir;        /* ROOT/var/lib/lxcmgr */
	char *containers_dir; /* LIB/containers */
	char *networks_dir;   /* LIB/networks */
	char *cache_dir;      /* ROOT/var/cache/lxcmgr */
	char *run_dir;        /* ROOT/run/lxcmgr */
	char *templates_dir;  /* $LXCMGR_TEMPLATES_DIR or the installed templates (not under ROOT) */
};

/* Fills ret from root (NULL: $LXCMGR_ROOT, else the real root). Free with lxm_paths_done(). */
int lxm_paths_init(struct lxm_paths *ret, const char *root);
void lxm_paths_done(struct lxm_paths *p);

/* Re-points lib_dir (and containers/networks under it), cache_dir or run_dir: key is "lib_dir",
 * "cache_dir" or "run_dir"; value is absolute and gets the root prefix. -EINVAL for other keys
 * or relative values. */
int lxm_paths_override(struct lxm_paths *p, const char *key, const char *value);

/* *ret = a + "/" + b (one slash), newly allocated. */
int lxm_path_join(char **ret, const char *a, const char *b);

/* Fills argv (max entries) to run the lxcmgr binary exe again in this world: exe, "--root ROOT"
 * when a root is set, then args (cut to fit), NULL-terminated. */
void lxm_paths_cli_argv(const struct lxm_paths *paths, const char *exe, const char *const *args, const char **argv,
			size_t max);

/* mkdir -p with mode for missing components. */
int lxm_mkdir_p(const char *path, unsigned mode);
