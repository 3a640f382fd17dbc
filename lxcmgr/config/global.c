/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <unistd.h>

#include "config/config.h"
#include "config/global.h"
#include "config/schema.h"
#include "util/log.h"

static int apply_paths(struct lxm_paths *paths, cfg_t *cfg)
{
	static const char *const keys[] = { "lib_dir", "cache_dir", "run_dir" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = cfg_getstr(cfg, keys[i]);
		if (!v)
			continue;
		int r = lxm_paths_override(paths, keys[i], v);
		if (r < 0)
			return log_error_errno(r, "%s: Invalid %s '%s': %m", paths->config_file, keys[i], v);
	}
	return 0;
}

int lxm_global_config_load(struct lxm_paths *paths, cfg_t **ret)
{
	_cleanup_cfg_free_ cfg_t *cfg = lxm_schema_global_new();
	_cleanup_free_ char *text = NULL;
	int r;

	if (!cfg)
		return log_error_errno(-ENOMEM, "Failed to set up the global config: %m");
	r = lxm_read_file(paths->config_file, &text, NULL);
	if (r == -ENOENT) {
		/* No file: every default applies. */
		r = lxm_schema_parse(cfg, "", paths->config_file);
		if (r < 0)
			return r;
		*ret = TAKE_PTR(cfg);
		return 0;
	}
	if (r < 0)
		return log_error_errno(r, "Failed to read '%s': %m", paths->config_file);
	r = lxm_schema_parse(cfg, text, paths->config_file);
	if (r < 0)
		return r;
	r = apply_paths(paths, cfg);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(cfg);
	return 0;
}

int lxm_global_config_load_paths(struct lxm_paths *paths, cfg_t **ret)
{
	if (access(paths->config_file, F_OK) < 0 && errno == ENOENT) {
		*ret = NULL;
		return 0;
	}
	return lxm_global_config_load(paths, ret);
}
