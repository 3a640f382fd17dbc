/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test driver for the start sequence until the monitor is there: loads a container from a --root
 * world, creates its payload cgroup, runs lxm_start(), prints "pid N" and "init NAME", copies the
 * console to a file, forwards SIGTERM/SIGINT as the init's halt signal, SIGUSR1 as its reboot
 * signal and SIGHUP as a kill of the whole cgroup; when init exits it removes the cgroup and
 * prints "exit STATUS". Not installed.
 */
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "cgroup/cgroup.h"
#include "config/config.h"
#include "core/paths.h"
#include "runtime/cfg-get.h"
#include "runtime/start.h"
#include "store/store.h"
#include "util/log.h"
#include "util/parse.h"

struct driver {
	struct lxm_started st;
	struct lxm_cgroup *cg;
	int halt, reboot;
	int console_log;
};

static void copy_console(struct driver *d, struct pollfd *p)
{
	char buf[4096];
	ssize_t n = read(d->st.console_master, buf, sizeof(buf));

	if (n > 0 && d->console_log >= 0)
		(void)!write(d->console_log, buf, (size_t)n);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		p->fd = -1; /* cannot happen while we hold a slave open */
}

static void on_signal(struct driver *d, int sfd)
{
	struct signalfd_siginfo si;
	int sig;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		fprintf(stderr, "rt-start-driver: killing the cgroup\n");
		(void)lxm_cgroup_kill(d->cg);
		return;
	}
	sig = si.ssi_signo == SIGUSR1 ? d->reboot : d->halt;
	fprintf(stderr, "rt-start-driver: sending signal %d to init\n", sig);
	(void)syscall(SYS_pidfd_send_signal, d->st.init_pidfd, sig, NULL, 0);
}

static int supervise(struct driver *d, int sfd)
{
	struct pollfd p[3] = {
		{ .fd = d->st.init_pidfd, .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
		{ .fd = d->st.console_master, .events = POLLIN },
	};
	siginfo_t si = {};

	for (;;) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[2].revents)
			copy_console(d, &p[2]);
		if (p[1].revents)
			on_signal(d, sfd);
		if (p[0].revents)
			break;
	}
	if (waitid((idtype_t)P_PIDFD, (id_t)d->st.init_pidfd, &si, WEXITED) < 0)
		return -errno;
	/* What init wrote last is still in the pty; then our own slave is the last one. */
	close(d->st.console_slave);
	(void)fcntl(d->st.console_master, F_SETFL, O_NONBLOCK);
	for (;;) {
		char buf[4096];
		ssize_t n = read(d->st.console_master, buf, sizeof(buf));
		if (n <= 0)
			break; /* EAGAIN or EIO: nothing left */
		if (d->console_log >= 0)
			(void)!write(d->console_log, buf, (size_t)n);
	}
	if (si.si_code == CLD_EXITED)
		printf("exit %d\n", si.si_status);
	else
		printf("signal %d\n", si.si_status);
	fflush(stdout);
	return 0;
}

/* Links config.o, whose strong lxm_config_load() must win over the weak stand-in in
 * store/fallback-tmp.c (a static archive would otherwise resolve to whichever it scans first). */
int (*const rt_driver_config_parse)(const char *, const char *, cfg_t **) = lxm_config_parse_string;

struct args {
	const char *root;
	const char *name;
	unsigned ttys;
	int console_log;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },   { "ttys", required_argument, NULL, 't' },
		{ "console-log", required_argument, NULL, 'c' }, { "debug", no_argument, NULL, 'd' },
		{},
	};
	int opt;

	*a = (struct args){ .console_log = -1 };
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
		switch (opt) {
		case 'r': a->root = optarg; break;
		case 't': a->ttys = (unsigned)atoi(optarg); break;
		case 'c':
			a->console_log = open(optarg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
			if (a->console_log < 0)
				return log_error_errno(errno, "Failed to open '%s': %m", optarg);
			break;
		case 'd': lxm_log_set_level(LXM_LOG_DEBUG); break;
		default: return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "Usage: rt-start-driver [--debug] [--ttys N] [--console-log FILE] --root ROOT NAME\n");
		return -EINVAL;
	}
	a->name = argv[optind];
	return 0;
}

static int block_signals(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	return signalfd(-1, &mask, SFD_CLOEXEC);
}

static int start(struct driver *d, const struct lxm_paths *paths, const struct lxm_container *c, unsigned ttys)
{
	struct lxm_start_params p = { .paths = paths, .container = c, .payload = d->cg, .n_ttys = ttys };
	struct timespec a, b;
	const char *s;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &a);
	r = lxm_start(&p, &d->st);
	if (r < 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &b);
	lxm_init_signals(d->st.init, &d->halt, &d->reboot);
	if ((s = lxm_cfg_str(c->config, "halt_signal")))
		(void)lxm_parse_signal(s, &d->halt);
	if ((s = lxm_cfg_str(c->config, "reboot_signal")))
		(void)lxm_parse_signal(s, &d->reboot);
	printf("pid %d\ninit %s\nstart_usec %lld\n", (int)d->st.init_pid, lxm_init_system_to_string(d->st.init),
	       (long long)(b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_container_free_ struct lxm_container *c = NULL;
	struct lxm_paths paths = {};
	struct driver d = {};
	struct args a;
	const char *uuid;
	int r, sfd;

	if (parse_args(argc, argv, &a) < 0)
		return 2;
	d.console_log = a.console_log;
	if (lxm_paths_init(&paths, a.root) < 0)
		return 1;
	r = lxm_container_load(&paths, a.name, &c);
	uuid = r >= 0 ? lxm_cfg_str(c->config, "uuid") : NULL;
	if (r >= 0 && !uuid)
		log_error("Container '%s' has no uuid", c->name);
	if (uuid) {
		r = lxm_cgroup_open_by_id(uuid, LXM_CGROUP_PAYLOAD, &d.cg);
		if (r >= 0)
			r = lxm_cgroup_create(d.cg);
		if (r < 0)
			log_error_errno(r, "Failed to create the payload cgroup: %m");
	}
	if (!uuid || r < 0) {
		lxm_cgroup_free(d.cg);
		lxm_paths_done(&paths);
		return 1;
	}

	sfd = block_signals();
	r = start(&d, &paths, c, a.ttys);
	if (r >= 0)
		r = supervise(&d, sfd);
	(void)lxm_cgroup_kill(d.cg);
	if (lxm_cgroup_destroy(d.cg) < 0)
		fprintf(stderr, "rt-start-driver: cgroup not removed\n");
	lxm_cgroup_free(d.cg);
	if (d.st.init_pid > 0) {
		for (unsigned i = 0; i < d.st.n_ttys; i++) {
			close(d.st.tty_masters[i]);
			close(d.st.tty_slaves[i]);
		}
		close(d.st.console_master);
		close(d.st.init_pidfd);
	}
	lxm_paths_done(&paths);
	return r < 0 ? 1 : 0;
}
