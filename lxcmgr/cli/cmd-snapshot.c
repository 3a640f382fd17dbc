/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr snapshot NAME create [SNAP] | list | restore SNAP | delete SNAP */
#include <stdio.h>
#include <unistd.h>

#include "cli/cli-runtime.h"
#include "cli/cli-services.h"
#include "cgroup/cgroup.h"
#include "cli/commands.h"
#include "runtime/state.h"
#include "services/snapshot.h"
#include "store/storage.h"
#include "util/log.h"

static int snapshot_list(const struct lxm_container *c)
{
	_cleanup_strv_free_ char **names = NULL;
	int r = lxm_snapshot_list(c, &names);
	if (r < 0)
		return r;
	for (char **n = names; *n; n++)
		printf("%s\n", *n);
	return 0;
}

/* A running container is frozen (cgroup freezer) for the copy: no process inside writes while its
 * files are read, so the snapshot is as consistent as after a power cut (page cache included, as
 * the copy reads through it). Thawed again whatever happens; one frozen before stays frozen. */
static int snapshot_running(const struct lxm_container *c, const char *snap, char **made)
{
	_cleanup_(lxm_cgroup_freep) struct lxm_cgroup *cg = NULL;
	const char *uuid = cfg_getstr(c->config, "uuid");
	int r, was_frozen;

	if (IS_EMPTY(uuid))
		return log_error_errno(-EINVAL, "Container '%s' has no uuid: can't find its cgroup", c->name);
	if ((r = lxm_cgroup_open_by_id(uuid, LXM_CGROUP_PAYLOAD, &cg)) < 0)
		return log_error_errno(r, "Failed to open the cgroup of '%s': %m", c->name);
	was_frozen = lxm_cgroup_is_frozen(cg);
	if (was_frozen < 0)
		return log_error_errno(was_frozen, "Container '%s' is running and its cgroup has no freezer: stop it before "
				       "taking a snapshot", c->name);
	if (!was_frozen && (r = lxm_cgroup_freeze(cg, true)) < 0)
		return log_error_errno(r, "Failed to freeze '%s': %m", c->name);
	r = lxm_snapshot_create(c, snap, made);
	if (!was_frozen) {
		int k = lxm_cgroup_freeze(cg, false);
		if (k < 0)
			log_error_errno(k, "Failed to thaw '%s': %m", c->name);
	}
	return r;
}

static bool is_running(struct lxm_context *ctx, const char *name)
{
	struct lxm_state_info si;
	if (lxm_state_query(&ctx->paths, name, &si) < 0)
		return false;
	bool running = si.state == LXM_STATE_RUNNING || si.state == LXM_STATE_FROZEN;
	lxm_state_info_done(&si);
	return running;
}

int lxm_cmd_snapshot(struct lxm_context *ctx, int argc, char **argv)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	_cleanup_close_ int lock = -EBADF;
	_cleanup_free_ char *made = NULL;
	int r;

	if (argc < 3 || argc > 4)
		return log_error_errno(-EINVAL, "Usage: lxcmgr snapshot NAME create [SNAP] | list | restore SNAP | delete SNAP");
	const char *name = argv[1], *verb = argv[2], *snap = argc == 4 ? argv[3] : NULL;
	bool needs_snap = STREQ(verb, "restore") || STREQ(verb, "delete");
	if (!STREQ(verb, "create") && !STREQ(verb, "list") && !needs_snap)
		return log_error_errno(-EINVAL, "Unknown snapshot action '%s'", verb);
	if ((needs_snap && !snap) || (STREQ(verb, "list") && snap))
		return log_error_errno(-EINVAL, "Usage: lxcmgr snapshot NAME %s%s", verb, needs_snap ? " SNAP" : "");

	r = lxm_cli_runtime_open(ctx, name, &c, STREQ(verb, "list") ? NULL : &lock);
	if (r < 0)
		return r;
	if (STREQ(verb, "list"))
		return snapshot_list(c);

	lxm_snapshot_gc(c);
	/* A running container's rootfs changes under the copy: create freezes it first (a btrfs
	 * snapshot is atomic and needs no freeze); restore would replace files under running
	 * processes and is refused. */
	bool running = STREQ(verb, "create") && is_running(ctx, name);
	bool frozen_copy = running && lxm_storage_of(c) != LXM_STORAGE_BTRFS;
	if (STREQ(verb, "restore") && (r = lxm_cli_require_stopped(ctx, name, "restoring a snapshot")) < 0)
		return r;
	if (STREQ(verb, "create") && !running && (r = lxm_cli_require_stopped(ctx, name, "taking a snapshot")) < 0)
		return r;
	if (STREQ(verb, "create")) {
		r = frozen_copy ? snapshot_running(c, snap, &made) : lxm_snapshot_create(c, snap, &made);
		if (r >= 0 && isatty(STDOUT_FILENO))
			printf("Created snapshot '%s' of '%s'\n", made, name);
		else if (r >= 0)
			printf("%s\n", made);
		return r;
	}
	if (STREQ(verb, "restore"))
		return lxm_snapshot_restore(c, snap);
	return lxm_snapshot_delete(c, snap);
}
