/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcmgr autostart [--group G] [--dry-run]: starts the enabled containers in ascending order (ties
 * by name). `start` returns once init runs, so "until it is running" is met when it returns; the
 * delay is then waited in full before the next one (time for the services inside to come up, as
 * lxc.start.delay). A container that fails to start is reported and the rest still start.
 * lxcmgr autostart --shutdown [--timeout S]: stops them level by level in reverse order, the
 * containers of one order level in parallel.
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli-runtime.h"
#include "cli/commands.h"
#include "runtime/net-setup.h"
#include "services/autostart.h"
#include "store/store.h"
#include "util/log.h"
#include "util/parse.h"

struct autostart_args {
	const char *group;
	bool dry_run, shutdown;
	unsigned timeout;
};

static void sleep_seconds(long s)
{
	struct timespec ts = { .tv_sec = s };
	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
}

static void networks_up(struct lxm_context *ctx, const struct lxm_autostart_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		for (char **n = p->entries[i].networks; n && *n; n++) {
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				for (char **m = p->entries[j].networks; m && *m && !seen; m++)
					seen = STREQ(*m, *n);
			if (seen)
				continue;
			int r = lxm_net_ensure_up(&ctx->paths, *n);
			if (r < 0)
				log_warning_errno(r, "Failed to bring up network '%s', ignoring: %m", *n);
		}
}

static int start_one(struct lxm_context *ctx, const char *name)
{
	_cleanup_close_ int lock = -EBADF;
	int r = lxm_container_lock(&ctx->paths, name, &lock);
	if (r < 0)
		return r;
	return lxm_cli_start_locked(ctx, name);
}

static int autostart_up(struct lxm_context *ctx, const struct lxm_autostart_plan *p, bool dry_run)
{
	int failed = 0;

	if (!dry_run)
		networks_up(ctx, p);
	for (size_t i = 0; i < p->n; i++) {
		const struct lxm_autostart_entry *e = &p->entries[i];
		if (dry_run) {
			printf("start %s order %ld delay %ld\n", e->name, e->order, e->delay);
			continue;
		}
		int r = start_one(ctx, e->name);
		if (r == -EALREADY) {
			printf("running %s\n", e->name);
		} else if (r < 0) {
			failed++;
			printf("failed %s\n", e->name);
		} else
			printf("started %s\n", e->name);
		fflush(stdout);
		if (r >= 0 && e->delay > 0 && i + 1 < p->n)
			sleep_seconds(e->delay);
	}
	if (failed)
		return log_error_errno(-EIO, "%d container(s) failed to start", failed);
	return 0;
}

/* One child per container of the level: each takes its own lock and stops cleanly. */
static int stop_level(struct lxm_context *ctx, const struct lxm_autostart_entry *e, size_t n, unsigned timeout)
{
	_cleanup_free_ pid_t *pids = calloc(n, sizeof(pid_t));
	int failed = 0;

	if (!pids)
		return -ENOMEM;
	fflush(stdout);
	for (size_t i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			failed++;
			continue;
		}
		if (pids[i] == 0) {
			_cleanup_close_ int lock = -EBADF;
			int r = lxm_container_lock(&ctx->paths, e[i].name, &lock);
			if (r >= 0)
				r = lxm_cli_stop_locked(ctx, e[i].name, timeout, true);
			_exit(r < 0 ? 1 : 0);
		}
	}
	for (size_t i = 0; i < n; i++) {
		int status;
		if (pids[i] <= 0)
			continue;
		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		printf("%s %s\n", ok ? "stopped" : "failed", e[i].name);
		failed += !ok;
	}
	fflush(stdout);
	return failed;
}

static int autostart_down(struct lxm_context *ctx, const struct lxm_autostart_plan *p, const struct autostart_args *a)
{
	_cleanup_free_ size_t *starts = NULL;
	size_t nlev;
	int failed = 0, r;

	if ((r = lxm_autostart_levels(p->entries, p->n, &starts, &nlev)) < 0)
		return r;
	for (size_t k = nlev; k-- > 0;) {
		size_t from = starts[k], to = k + 1 < nlev ? starts[k + 1] : p->n;
		if (a->dry_run) {
			printf("stop order %ld:", p->entries[from].order);
			for (size_t i = from; i < to; i++)
				printf(" %s", p->entries[i].name);
			printf("\n");
			continue;
		}
		failed += stop_level(ctx, &p->entries[from], to - from, a->timeout);
	}
	if (failed)
		return log_error_errno(-EIO, "%d container(s) failed to stop", failed);
	return 0;
}

static int parse_args(int argc, char **argv, struct autostart_args *a)
{
	static const struct option options[] = {
		{ "group", required_argument, NULL, 'g' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "shutdown", no_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{},
	};
	uint64_t t;
	int c;

	while ((c = getopt_long(argc, argv, "g:nst:", options, NULL)) != -1) {
		switch (c) {
		case 'g': a->group = optarg; break;
		case 'n': a->dry_run = true; break;
		case 's': a->shutdown = true; break;
		case 't':
			if (lxm_parse_uint(optarg, 0, 86400, &t) < 0)
				return log_error_errno(-EINVAL, "Invalid timeout '%s'", optarg);
			a->timeout = (unsigned)t;
			break;
		default: return -EINVAL;
		}
	}
	if (optind != argc)
		return log_error_errno(-EINVAL, "Usage: lxcmgr autostart [--group G] [--dry-run] [--shutdown [--timeout S]]");
	return 0;
}

int lxm_cmd_autostart(struct lxm_context *ctx, int argc, char **argv)
{
	struct autostart_args a = { .timeout = 30 };
	struct lxm_autostart_plan p = {};
	int r;

	if ((r = parse_args(argc, argv, &a)) < 0)
		return r;
	(void)lxm_store_gc(&ctx->paths);
	if ((r = lxm_autostart_plan_load(&ctx->paths, a.group, &p)) < 0)
		return r;
	r = a.shutdown ? autostart_down(ctx, &p, &a) : autostart_up(ctx, &p, a.dry_run);
	lxm_autostart_plan_done(&p);
	return r;
}
