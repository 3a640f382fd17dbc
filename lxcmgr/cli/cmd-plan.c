/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr plan FILE [--only NAME] [--prune]: what apply would do. Exit 0: nothing would change,
 * 2: something would (like diff(1)'s "differences found"), 1/3: the file could not be planned
 * (an invalid file exits 1 here, not 2, so 2 always means "changes"). */
#include <getopt.h>

#include "cli/commands.h"
#include "provision/plan.h"
#include "util/log.h"

int lxm_cmd_plan(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "only", required_argument, NULL, 'o' },
		{ "prune", no_argument, NULL, 'p' },
		{},
	};
	struct lxm_plan_options o = { .live_limits = true };
	_cleanup_provision_free_ struct lxm_provision *p = NULL;
	struct lxm_plan plan = {};
	int c, r;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'o': o.only = optarg; break;
		case 'p': o.prune = true; break;
		default: return -EINVAL;
		}
	}
	if (optind != argc - 1)
		return log_error_errno(-EINVAL, "Usage: lxcmgr plan FILE [--only NAME] [--prune]");
	r = lxm_provision_load(argv[optind], &p);
	if (r < 0)
		return r == -ENOENT ? r : LXM_EXIT_FAILURE;
	r = lxm_plan_compute(&ctx->paths, p, &o, &plan);
	if (r < 0) {
		lxm_plan_done(&plan);
		return r == -ENOENT ? r : LXM_EXIT_FAILURE;
	}
	lxm_plan_print(&plan, stdout);
	bool changes = lxm_plan_has_changes(&plan);
	lxm_plan_done(&plan);
	if (!changes)
		printf("Nothing to change.\n");
	return changes ? 2 : 0;
}
