/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr snapshot NAME create [SNAP] | list | restore SNAP | delete SNAP */
#include <stdio.h>
#include <unistd.h>

#include "cli/cli-runtime.h"
#include "cli/cli-services.h"
#include "cli/commands.h"
#include "services/snapshot.h"
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
	/* A running container's rootfs changes under the copy: without a backend that snapshots
	 * atomically (btrfs) the result would be inconsistent, so it is refused. */
	if (!STREQ(verb, "delete") &&
	    (r = lxm_cli_require_stopped(ctx, name, STREQ(verb, "create") ? "taking a snapshot" : "restoring a snapshot")) < 0)
		return r;
	if (STREQ(verb, "create")) {
		r = lxm_snapshot_create(c, snap, &made);
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
