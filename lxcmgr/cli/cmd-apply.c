/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr apply FILE [--restart] [--prune] [--only NAME]: makes the store match the file. */
#include <getopt.h>

#include "cli/commands.h"
#include "provision/apply.h"
#include "provision/plan.h"
#include "util/log.h"

int lxm_cmd_apply(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "only", required_argument, NULL, 'o' },
		{ "prune", no_argument, NULL, 'p' },
		{ "restart", no_argument, NULL, 'r' },
		{},
	};
	struct lxm_plan_options po = { .live_limits = true }; /* lxcmgr limit */
	struct lxm_apply_options ao = {};
	_cleanup_provision_free_ struct lxm_provision *p = NULL;
	_cleanup_close_ int lock = -EBADF;
	struct lxm_plan plan = {};
	int c, r;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'o': po.only = optarg; break;
		case 'p': po.prune = true; break;
		case 'r': ao.restart = true; break;
		default: return -EINVAL;
		}
	}
	if (optind != argc - 1)
		return log_error_errno(-EINVAL, "Usage: lxcmgr apply FILE [--restart] [--prune] [--only NAME]");
	if (po.prune && po.only)
		return log_error_errno(-EINVAL, "--prune and --only cannot be combined");
	/* The whole file (includes too) is validated before anything changes. */
	r = lxm_provision_load(argv[optind], &p);
	if (r < 0)
		return r;
	r = lxm_apply_lock(&ctx->paths, p->path, &lock);
	if (r < 0)
		return r;
	/* Planned under the lock: a parallel apply that finished meanwhile is seen. */
	r = lxm_plan_compute(&ctx->paths, p, &po, &plan);
	if (r >= 0 && !lxm_plan_has_changes(&plan))
		printf("Nothing changed: the containers match '%s'.\n", p->path);
	else if (r >= 0) {
		lxm_plan_print(&plan, stdout);
		printf("Applying:\n");
		r = lxm_apply_plan(&ctx->paths, p, &plan, &ao);
		if (r >= 0)
			printf("Done.\n");
	}
	lxm_plan_done(&plan);
	return r;
}
