/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcmgr stats [NAME...] [--format json] [--watch [--interval S]]: usage of running containers
 * (all of them without names), from each payload cgroup only. --watch redraws every interval on a
 * timerfd until q, Ctrl-C or SIGTERM, with the terminal restored on the way out; CPU% is the
 * cgroup's CPU time over the wall time between two draws (100% = one CPU).
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <termios.h>
#include <time.h>

#include "cli/cli-common.h"
#include "cli/cmd-metrics.h"
#include "cli/commands.h"
#include "resources/usage.h"
#include "runtime/state.h"
#include "store/store.h"
#include "util/json.h"
#include "util/log.h"
#include "util/macros.h"

#define UNKNOWN LXM_CGROUP_USAGE_UNKNOWN

struct row {
	char *name;
	enum lxm_state state;
	struct lxm_usage u;
	uint64_t prev_cpu_usec, prev_at_usec; /* the previous draw, for CPU% */
	uint64_t disk_bytes, disk_at_usec;    /* --disk: the last walk of the rootfs (0: never) */
	double cpu_percent;                   /* NAN until two draws */
};

struct stats {
	struct row *rows;
	size_t n;
	bool all;  /* no names given: rows are re-listed each draw */
	bool disk; /* --disk: walk each rootfs, at most once a minute per container */
};

static void stats_done(struct stats *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->rows[i].name);
	free(s->rows);
	s->rows = NULL;
	s->n = 0;
}

static struct row *find_row(struct stats *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (STREQ(s->rows[i].name, name))
			return &s->rows[i];
	return NULL;
}

static int add_row(struct stats *s, const char *name)
{
	struct row *rows = realloc(s->rows, (s->n + 1) * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	s->rows = rows;
	s->rows[s->n] = (struct row){ .name = strdup(name), .cpu_percent = NAN, .prev_cpu_usec = UNKNOWN };
	return s->rows[s->n++].name ? 0 : -ENOMEM;
}

/* All mode: the running containers now (rows of stopped ones dropped, CPU history kept). */
static int relist(struct lxm_context *ctx, struct stats *s)
{
	_cleanup_strv_free_ char **names = NULL;
	struct stats next = {};
	int r = lxm_store_list(&ctx->paths, &names);

	if (r < 0)
		return log_error_errno(r, "Failed to list the containers: %m");
	for (char **n = names; *n; n++) {
		struct lxm_state_info si = {};
		bool running = lxm_state_query(&ctx->paths, *n, &si) >= 0 && si.init_pid > 0;
		lxm_state_info_done(&si);
		if (!running)
			continue;
		struct row *old = find_row(s, *n);
		if ((r = add_row(&next, *n)) < 0)
			break;
		if (old) {
			next.rows[next.n - 1].prev_cpu_usec = old->prev_cpu_usec;
			next.rows[next.n - 1].prev_at_usec = old->prev_at_usec;
			next.rows[next.n - 1].disk_bytes = old->disk_bytes;
			next.rows[next.n - 1].disk_at_usec = old->disk_at_usec;
		}
	}
	stats_done(s);
	next.disk = s->disk;
	*s = next;
	s->all = true;
	return r;
}

#define DISK_WALK_EVERY_USEC (60 * 1000000ULL)

static void sample(struct lxm_context *ctx, struct row *row, bool disk)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	struct lxm_state_info si = {};

	memset(&row->u, 0, sizeof(row->u));
	row->state = LXM_STATE_STOPPED;
	if (lxm_container_load(&ctx->paths, row->name, &c) < 0 || lxm_state_query(&ctx->paths, row->name, &si) < 0)
		return;
	row->state = si.state;
	(void)lxm_usage_collect(&ctx->paths, c, &si, &row->u);
	/* A walk of a big tree takes seconds: once a minute is enough for a --watch screen */
	if (disk && (row->disk_at_usec == 0 || lxm_mono_usec() - row->disk_at_usec >= DISK_WALK_EVERY_USEC) &&
	    lxm_usage_disk(c->rootfs, &row->disk_bytes) >= 0)
		row->disk_at_usec = lxm_mono_usec();
	row->u.have_disk = disk && row->disk_at_usec > 0;
	row->u.disk_bytes = row->disk_bytes;
	lxm_state_info_done(&si);
	uint64_t at = lxm_mono_usec(), cpu = row->u.running ? row->u.cg.cpu_usage_usec : UNKNOWN;
	row->cpu_percent = NAN;
	if (cpu != UNKNOWN && row->prev_cpu_usec != UNKNOWN && at > row->prev_at_usec && cpu >= row->prev_cpu_usec)
		row->cpu_percent = 100.0 * (double)(cpu - row->prev_cpu_usec) / (double)(at - row->prev_at_usec);
	row->prev_cpu_usec = cpu;
	row->prev_at_usec = at;
}

static void cell_size(uint64_t v)
{
	if (v == UNKNOWN)
		printf(" %9s", "-");
	else
		printf(" %8.1fM", (double)v / (1024.0 * 1024.0));
}

static void print_table(const struct stats *s)
{
	printf("%-20s %-8s %7s %9s %9s %9s %9s %6s %10s %10s %9s%s\n", "NAME", "STATE", "CPU%", "CPU(s)", "MEMORY",
	       "PEAK", "SWAP", "PIDS", "RX", "TX", "UPTIME", s->disk ? "      DISK" : "");
	for (size_t i = 0; i < s->n; i++) {
		const struct row *r = &s->rows[i];
		const struct lxm_usage *u = &r->u;
		printf("%-20s %-8s", r->name, lxm_state_to_string(r->state));
		if (!u->running) {
			printf("\n");
			continue;
		}
		isnan(r->cpu_percent) ? printf(" %7s", "-") : printf(" %7.1f", r->cpu_percent);
		u->cg.cpu_usage_usec == UNKNOWN ? printf(" %9s", "-") : printf(" %9.2f", u->cg.cpu_usage_usec / 1e6);
		cell_size(u->cg.memory_current);
		cell_size(u->cg.memory_peak);
		cell_size(u->cg.swap_current);
		u->cg.pids_current == UNKNOWN ? printf(" %6s", "-") : printf(" %6" PRIu64, u->cg.pids_current);
		if (u->have_net)
			printf(" %10" PRIu64 " %10" PRIu64, u->rx_bytes, u->tx_bytes);
		else
			printf(" %10s %10s", "-", "-");
		printf(" %8" PRIu64 "s", u->uptime_sec);
		if (s->disk)
			cell_size(u->have_disk ? u->disk_bytes : UNKNOWN);
		printf("\n");
	}
}

static int print_json(const struct stats *s)
{
	struct lxm_json j;

	lxm_json_init(&j, stdout, isatty(STDOUT_FILENO));
	lxm_json_array_begin(&j);
	for (size_t i = 0; i < s->n; i++) {
		lxm_json_object_begin(&j);
		lxm_json_kv_string(&j, "name", s->rows[i].name);
		lxm_json_kv_string(&j, "state", lxm_state_to_string(s->rows[i].state));
		lxm_json_key(&j, "cpu_percent");
		isnan(s->rows[i].cpu_percent) ? lxm_json_null(&j) : lxm_json_int(&j, (int64_t)(s->rows[i].cpu_percent + 0.5));
		lxm_json_key(&j, "usage");
		lxm_usage_json(&j, &s->rows[i].u);
		lxm_json_object_end(&j);
	}
	lxm_json_array_end(&j);
	return lxm_json_end(&j);
}

static int draw(struct lxm_context *ctx, struct stats *s, enum lxm_output_format fmt, bool watch)
{
	int r = s->all ? relist(ctx, s) : 0;
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n; i++)
		sample(ctx, &s->rows[i], s->disk);
	if (watch && fmt == LXM_FORMAT_TABLE && isatty(STDOUT_FILENO))
		printf("\033[H\033[2J");
	if (fmt == LXM_FORMAT_JSON)
		r = print_json(s);
	else
		print_table(s);
	fflush(stdout);
	return r;
}

/* The redraw loop: timerfd ticks, q on a terminal's stdin, SIGINT/SIGTERM through a signalfd. */
static int watch_loop(struct lxm_context *ctx, struct stats *s, enum lxm_output_format fmt, uint64_t interval_ms)
{
	struct itimerspec its = { .it_interval = { (time_t)(interval_ms / 1000), (long)(interval_ms % 1000) * 1000000 } };
	struct termios saved, raw;
	sigset_t mask;
	int r;

	its.it_value = its.it_interval;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	_cleanup_close_ int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) < 0)
		return log_error_errno(-errno, "Failed to set up the redraw timer: %m");
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (tty) {
		raw = saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		printf("\033[?25l");
	}
	for (r = draw(ctx, s, fmt, true); r >= 0;) {
		struct pollfd p[3] = { { tfd, POLLIN, 0 }, { sfd, POLLIN, 0 }, { STDIN_FILENO, POLLIN, 0 } };
		if (poll(p, tty ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (p[1].revents) {
			struct signalfd_siginfo si;
			/* consumed here, or unblocking below would deliver it and kill us */
			(void)!read(sfd, &si, sizeof(si));
			break;
		}
		if (tty && p[2].revents) {
			char ch = 0;
			if (read(STDIN_FILENO, &ch, 1) <= 0 || ch == 'q' || ch == 'Q' || ch == 3)
				break;
		}
		if (p[0].revents & POLLIN) {
			uint64_t ticks;
			if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
				r = draw(ctx, s, fmt, true);
		}
	}
	if (tty) {
		printf("\033[?25h");
		fflush(stdout);
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	}
	/* A second SIGINT/SIGTERM may be on its way (timeout(1) signals the child and then its process
	 * group; a terminal's ^C reaches every process of the foreground group): unblocking would
	 * deliver it with its default action, turning a clean exit 0 into death by signal. Ignored,
	 * a pending one is discarded and a late one does nothing; the mask is restored, as leaving it
	 * blocked hung the sanitizers' leak check at exit (its tracer waited for a stop that a thread
	 * with a pending blocked signal never reported). */
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGTERM, SIG_IGN);
	(void)sigprocmask(SIG_UNBLOCK, &mask, NULL);
	return r;
}

int lxm_cmd_stats(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "watch", no_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'i' },
		{ "disk", no_argument, NULL, 'd' },
		{},
	};
	enum lxm_output_format fmt = LXM_FORMAT_TABLE;
	struct stats s = { .all = true };
	double interval = 2;
	bool watch = false, prometheus = false;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "f:wi:", options, NULL)) != -1) {
		char *end = NULL;
		if (ch == 'd') {
			s.disk = true;
			continue;
		}
		if (ch == 'f' && STREQ(optarg, "prometheus")) { /* the text format of `lxcmgr metrics` */
			prometheus = true;
			continue;
		}
		if (ch == 'f' && lxm_output_format_from_string(optarg, &fmt) >= 0)
			continue;
		if (ch == 'w') {
			watch = true;
			continue;
		}
		if (ch == 'i' && (interval = strtod(optarg, &end)) >= 0.1 && interval <= 3600 && end && !*end)
			continue;
		if (ch == 'i')
			return log_error_errno(-EINVAL, "Invalid interval '%s' (0.1-3600 seconds)", optarg);
		return -EINVAL;
	}
	if (prometheus && watch)
		return log_error_errno(-EINVAL, "--format prometheus is not for --watch (scrape it instead)");
	if (prometheus)
		return lxm_metrics_print(ctx, argv + optind, (size_t)(argc - optind), false);
	for (int i = optind; i < argc; i++) {
		_cleanup_container_free_ struct lxm_container *c = NULL;
		if ((r = lxm_name_validate(argv[i])) < 0 || (r = lxm_container_load(&ctx->paths, argv[i], &c)) < 0 ||
		    (r = add_row(&s, argv[i])) < 0) {
			stats_done(&s);
			return r;
		}
		s.all = false;
	}
	if (watch)
		r = watch_loop(ctx, &s, fmt, (uint64_t)(interval * 1000));
	else
		r = draw(ctx, &s, fmt, false);
	stats_done(&s);
	return r;
}
