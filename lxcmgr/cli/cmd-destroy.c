/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr destroy NAME [--force]: removes a stopped container (a running one with --force). */
#include <getopt.h>
#include <sys/stat.h>

#include "cli/cli-common.h"
#include "cli/commands.h"
#include "runtime/cfg-get.h"
#include "runtime/state.h"
#include "security/idmap.h"
#include "store/storage.h"
#include "store/store.h"
#include "util/log.h"

int lxm_cmd_destroy(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{},
	};
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *dir = NULL;
	struct lxm_state_info si;
	bool force = false, quiet = false;
	const char *name;
	struct stat st;
	int c, r;

	while ((c = getopt_long(argc, argv, "fq", options, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'q') {
			quiet = true;
			lxm_log_set_level(LXM_LOG_ERROR); /* --quiet: errors only, for scripts */
		} else
			return -EINVAL;
	}
	if ((r = lxm_cli_one_name(argc, argv, "destroy", &name)) < 0 || (r = lxm_name_validate(name)) < 0)
		return r;

	/* Existence is checked on the directory, not the config: a container with a broken config
	 * must still be destroyable. */
	if ((r = lxm_path_join(&dir, ctx->paths.containers_dir, name)) < 0)
		return r;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return log_error_errno(-ENOENT, "Container '%s' not found", name);

	r = lxm_container_lock(&ctx->paths, name, &lock);
	if (r < 0)
		return r;
	(void)lxm_store_gc(&ctx->paths);

	/* An overlay clone's lower directory is this container's rootfs. */
	r = lxm_storage_check_no_dependents(&ctx->paths, name, "destroying it");
	if (r < 0)
		return r;

	r = lxm_state_query(&ctx->paths, name, &si);
	if (r < 0)
		return log_error_errno(r, "Failed to read the state of '%s': %m", name);
	enum lxm_state state = si.state;
	lxm_state_info_done(&si);
	if (state != LXM_STATE_STOPPED) {
		if (!force)
			return log_error_errno(-EBUSY, "Container '%s' is %s: stop it first, or use --force", name,
					       lxm_state_to_string(state));
		r = lxm_state_force_stop(&ctx->paths, name);
		if (r < 0)
			return log_error_errno(r, "Failed to stop container '%s': %m", name);
	}
	lxm_state_forget(&ctx->paths, name);

	/* The uuid names the container's "isolated" id block; read before the files go. A broken
	 * config only loses the release (the block stays allocated, never reused by another). */
	_cleanup_free_ char *uuid = NULL;
	struct lxm_container *ct = NULL;
	if (lxm_container_load(&ctx->paths, name, &ct) >= 0) {
		const char *u = lxm_cfg_str(ct->config, "uuid");
		uuid = u ? strdup(u) : NULL;
		lxm_container_free(ct);
	}

	r = lxm_store_remove(&ctx->paths, name);
	if (r < 0)
		return r;
	if (uuid) {
		/* Ids handed back: a later container may get them (its files are gone with this one). */
		struct lxm_idmap_files files;
		lxm_idmap_files_default(&files);
		r = lxm_idmap_release(uuid, &files);
		if (r < 0)
			log_warning_errno(r, "Failed to release the id range of '%s' in '%s', ignoring: %m", name, files.registry);
	}
	if (!quiet && isatty(STDOUT_FILENO))
		printf("Destroyed container '%s'\n", name);
	return 0;
}
