/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cli/commands.h"
#include "runtime/attach.h"
#include "runtime/exec-plan.h"
#include "util/log.h"

/* A root login shell: login -f root (a full login: environment, motd, utmp), else su -l, else a
 * login sh. Always with a pty. */
int lxm_cmd_shell(struct lxm_context *ctx, int argc, char **argv)
{
	static char *login[] = { "/bin/login", "-f", "root", NULL };
	static char *su[] = { "/bin/su", "-l", NULL };
	static char *su2[] = { "/usr/bin/su", "-l", NULL };
	static char *sh[] = { "/bin/sh", "-l", NULL };
	static char **alternatives[] = { login, su, su2, sh, NULL };
	struct lxm_attach_options o = { .argv = sh, .alternatives = alternatives, .pty = 1 };
	int r;

	if (argc != 2)
		return log_error_errno(-EINVAL, "Usage: lxcmgr shell NAME");
	/* as exec: the plan validates the name and says "not found"; the config is parsed only when
	 * it changed since the last exec or shell (runtime/exec-plan.c) */
	struct lxm_exec_plan plan = {};
	r = lxm_exec_plan_load(&ctx->paths, argv[1], &plan);
	if (r < 0)
		return r;
	r = lxm_attach_run(&ctx->paths, &plan, &o);
	lxm_exec_plan_done(&plan);
	if (r == -ESRCH || r == -EBUSY)
		return r; /* "not running" or "frozen" was printed: exit code 4 */
	return r < 0 ? -EIO : r;
}
