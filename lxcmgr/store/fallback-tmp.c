/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TEMPORARY (store branch only): weak stand-ins for functions other helpers are writing
 * (config, image), so the store and its commands link before their branches are merged.
 * Every function here is REMOVED once the real implementation is merged.
 */
#include <stdio.h>

#include "config/config.h"
#include "config/global.h"
#include "image/archive.h"
#include "image/template.h"
#include "util/log.h"

__attribute__((weak)) int lxm_config_load(const char *path, cfg_t **ret)
{
	return log_error_errno(-EOPNOTSUPP, "Config loading is not merged yet");
}

__attribute__((weak)) int lxm_config_get(cfg_t *cfg, const char *key, char **ret)
{
	return -EOPNOTSUPP;
}

__attribute__((weak)) int lxm_config_render_new(const struct lxm_config_identity *id, cfg_t *global, char **ret)
{
	return log_error_errno(-EOPNOTSUPP, "Config rendering is not merged yet");
}

__attribute__((weak)) int lxm_global_config_load(struct lxm_paths *paths, cfg_t **ret)
{
	*ret = NULL;
	return 0;
}

__attribute__((weak)) int lxm_archive_extract(const char *archive_path, const char *dest,
					      const struct lxm_extract_opts *opts)
{
	return log_error_errno(-EOPNOTSUPP, "Archive extraction is not merged yet");
}

__attribute__((weak)) int lxm_template_build(const struct lxm_paths *paths, const struct lxm_template_request *req,
					     const char *rootfs, struct lxm_template_result *ret)
{
	return log_error_errno(-EOPNOTSUPP, "Templates are not merged yet");
}

__attribute__((weak)) void lxm_template_result_done(struct lxm_template_result *r)
{
}

__attribute__((weak)) int lxm_template_configure(const struct lxm_paths *paths, const char *template_name,
						 const char *rootfs, const char *name)
{
	return -EOPNOTSUPP;
}
