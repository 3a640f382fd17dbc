/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The full <-> small monitor hand-over description (runtime/handover.h): round trip, and malformed
 * input rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#include "runtime/console-ring.h"
#include "runtime/handover.h"
#include "util/macros.h"

static struct lxm_handover a, b;
static char text[LXM_HANDOVER_TEXT_MAX], bad[LXM_HANDOVER_TEXT_MAX];

static void fill(struct lxm_handover *h)
{
	lxm_handover_init(h);
	snprintf(h->name, sizeof(h->name), "web1");
	snprintf(h->root, sizeof(h->root), "/tmp/r oot");
	h->log_fd = 5;
	h->log_level = 2;
	h->init_pid = 1234;
	h->init_pidfd = 6;
	h->init_start = 987654;
	h->init_system = 5;
	h->started_usec = 1700000000000000ULL;
	h->listen_fd = 7;
	h->config_fd = 15;
	h->n_ptys = 3;
	h->masters[0] = 8;
	h->peers[0] = 9;
	h->masters[1] = 10;
	h->peers[1] = -1;
	h->masters[2] = -1;
	h->peers[2] = -1;
	h->ring_fd = 11;
	h->ring_size = 131072;
	h->ring_start = 100;
	h->ring_len = 5000;
	h->clog_fd = 12;
	h->clog_size = 42;
	h->clog_max = 1048576;
	h->clog_rotate = 2;
	snprintf(h->clog_path, sizeof(h->clog_path), "/var/lib/lxcmgr/containers/web1/console.log");
	h->halt_signal = 10;
	h->reboot_signal = 12;
	h->pre_stop_hook = true;
	h->restart_total = 3;
	h->restart_n = 2;
	h->restart_at[0] = 111;
	h->restart_at[1] = 222;
	h->n_clients = 2;
	h->clients[0] = (struct lxm_handover_client){ .fd = 13, .tty = -1 };
	h->clients[1] = (struct lxm_handover_client){ .fd = 14, .tty = 1 };
	h->fast_kill = true;
	h->kill_own_cgroup = true;
	snprintf(h->kill_run_dir, sizeof(h->kill_run_dir), "/tmp/r oot/run/lxcmgr/web1");
	snprintf(h->kill_last_exit, sizeof(h->kill_last_exit), "/tmp/r oot/var/lib/lxcmgr/containers/web1/last_exit");
	h->n_kill_cgroups = 3;
	h->kill_cgroup_kind[0] = LXM_HANDOVER_CG_V1;
	snprintf(h->kill_cgroups[0], sizeof(h->kill_cgroups[0]), "/sys/fs/cgroup/cpu,cpuacct/lxcmgr.payload.x");
	snprintf(h->kill_cgroup_inner[0], sizeof(h->kill_cgroup_inner[0]), "init");
	h->kill_cgroup_kind[1] = LXM_HANDOVER_CG_FREEZER;
	snprintf(h->kill_cgroups[1], sizeof(h->kill_cgroups[1]), "/sys/fs/cgroup/freezer/lxcmgr.payload.x");
	h->kill_cgroup_kind[2] = LXM_HANDOVER_CG_V2_KILL;
	snprintf(h->kill_cgroups[2], sizeof(h->kill_cgroups[2]), "/sys/fs/cgroup/unified/lxcmgr.payload.x");
	snprintf(h->kill_cgroup_inner[2], sizeof(h->kill_cgroup_inner[2]), "init");
	h->n_kill_veths = 1;
	snprintf(h->kill_veths[0], sizeof(h->kill_veths[0]), "vlxm0123456789a");
	snprintf(h->kill_apparmor, sizeof(h->kill_apparmor), "lxcmgr-0123456789abcdef");
	h->n_kill_absent = 2;
	snprintf(h->kill_absent[0], sizeof(h->kill_absent[0]), "/tmp/r oot/run/lxcmgr/networks/br0");
	snprintf(h->kill_absent[1], sizeof(h->kill_absent[1]), "/tmp/r oot/etc/lxcmgr/networks/br0.conf");
}

static void test_round_trip(void **state)
{
	fill(&a);
	int n = lxm_handover_format(&a, text, sizeof(text));
	assert_true(n > 0);
	assert_int_equal(lxm_handover_parse(text, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	/* and through a memfd, as the programs pass it */
	int fd = lxm_handover_write(&a, -1);
	assert_true(fd >= 0);
	assert_int_equal(lxm_handover_read(fd, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	close(fd);
}

static void test_no_console(void **state)
{
	fill(&a);
	a.n_ptys = 0;
	a.ring_fd = -EBADF; /* the monitor's "no fd" is written as -1 */
	a.clog_fd = -EBADF;
	a.ring_start = a.ring_len = 0;
	a.n_clients = 0;
	a.root[0] = '\0';
	assert_true(lxm_handover_format(&a, text, sizeof(text)) > 0);
	assert_int_equal(lxm_handover_parse(text, &b), 0);
	assert_string_equal(b.root, "");
	assert_int_equal(b.n_ptys, 0);
	assert_int_equal(b.ring_fd, -1);
	assert_int_equal(b.clog_fd, -1);
}

/* Replaces the first occurrence of from by to in the good text and expects a reject. */
static void expect_reject(const char *from, const char *to)
{
	fill(&a);
	assert_true(lxm_handover_format(&a, text, sizeof(text)) > 0);
	char *p = strstr(text, from);
	assert_non_null(p);
	snprintf(bad, sizeof(bad), "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	if (lxm_handover_parse(bad, &b) != -EINVAL)
		fail_msg("accepted: %s -> %s", from, to);
}

static void test_malformed(void **state)
{
	expect_reject("lxcmgr-handover 1", "lxcmgr-handover 2");          /* unknown version */
	expect_reject("name web1\n", "");                                /* missing key */
	expect_reject("name web1\n", "name web1\nname web2\n");          /* repeated key */
	expect_reject("name web1", "name ../x");                         /* a path, not a name */
	expect_reject("name web1", "name ");                             /* empty name */
	expect_reject("root /tmp/r oot", "root relative");               /* relative root */
	expect_reject("listen 7", "listen 2");                           /* stdin/out/err */
	expect_reject("listen 7", "listen -1");                          /* required fd missing */
	expect_reject("listen 7", "listen 7x");                          /* trailing junk */
	expect_reject("listen 7", "listen 99999999999999999999");        /* overflow */
	expect_reject("listen 7", "listen 13");                          /* same fd as a client */
	expect_reject("config 15", "config -1");                         /* required */
	expect_reject("config 15", "config 8");                          /* a pty master's fd */
	expect_reject("pty 1 10 -1", "pty 3 10 -1");                     /* index past ptys */
	expect_reject("pty 1 10 -1", "pty 0 10 -1");                     /* index twice */
	expect_reject("ptys 3", "ptys 8");                               /* more than the array */
	expect_reject("client 14 1", "client 14 3");                     /* views a pty it lacks */
	expect_reject("client 14 1", "client 14 -2");
	expect_reject("ring 11 131072 100 5000", "ring 11 131072 131072 5000"); /* start outside */
	expect_reject("ring 11 131072 100 5000", "ring 11 131072 100 131073");  /* len past size */
	expect_reject("ring 11 131072 100 5000", "ring -1 131072 100 5000");    /* position, no ring */
	expect_reject("signals 10 12", "signals 0 12");
	expect_reject("signals 10 12", "signals 10 65");
	expect_reject("prestop 1", "prestop 2");
	expect_reject("restarts 3 2 111 222", "restarts 3 2 111");       /* fewer than announced */
	expect_reject("restarts 3 2 111 222", "restarts 3 65");
	expect_reject("clog 12 42 1048576 2 /var", "clog 12 42 1048576 2 var"); /* relative path */
	expect_reject("init 1234", "init 0");                            /* no pid */
	expect_reject("end\n", "");                                      /* truncated */
	expect_reject("end\n", "end\nmore\n");                           /* junk after the end */
	expect_reject("listen 7\n", "listen 7\nbogus 1\n");              /* unknown key */
	expect_reject("log 5 2", "log 5 9");                             /* log level */
	/* the fast kill's paths: the small monitor removes what they name */
	expect_reject("kill_run 1 /tmp", "kill_run 1 tmp");                            /* relative */
	expect_reject("kill_run 1 /tmp", "kill_run 2 /tmp");                           /* own cgroup 0/1 */
	expect_reject("kill_run 1 /tmp/r oot/run/lxcmgr/web1", "kill_run 1 /tmp/../etc"); /* .. */
	expect_reject("kill_run 1 /tmp/r oot/run/lxcmgr/web1", "kill_run 1 /tmp/x/..");
	expect_reject("kill_exit /tmp", "kill_exit /tmp\nkill_exit /tmp");             /* twice */
	expect_reject("kill_cgroup 0 init /sys", "kill_cgroup 3 init /sys");            /* kind */
	expect_reject("kill_cgroup 0 init /sys", "kill_cgroup 0 ../init /sys");         /* inner: a name */
	expect_reject("kill_cgroup 0 init /sys", "kill_cgroup 0 .. /sys");
	expect_reject("kill_cgroup 0 init /sys", "kill_cgroup 0 init sys");             /* relative */
	expect_reject("kill_cgroup 0 init /sys", "kill_cgroup 0 init");                 /* no path */
	expect_reject("kill_veth vlxm0123456789a", "kill_veth vlxm0123456789ab");       /* > IFNAMSIZ */
	expect_reject("kill_veth vlxm0123456789a", "kill_veth vlxm/../x");              /* not a name */
	expect_reject("kill_veth vlxm0123456789a", "kill_veth ");
	expect_reject("kill_absent /tmp", "kill_absent tmp");                           /* relative */
	/* the profile name is written to AppArmor's .remove: only a generated profile's name */
	expect_reject("kill_apparmor lxcmgr-0123456789abcdef", "kill_apparmor docker-default");
	expect_reject("kill_apparmor lxcmgr-0123456789abcdef", "kill_apparmor lxcmgr-");
	expect_reject("kill_apparmor lxcmgr-0123456789abcdef", "kill_apparmor lxcmgr-01 x");
	expect_reject("kill_apparmor lxcmgr-0123456789abcdef",
		      "kill_apparmor lxcmgr-0123456789abcdef\nkill_apparmor lxcmgr-0123456789abcdef"); /* twice */
}

/* The fast-kill keys are optional (a description without them: the small monitor hands a kill
 * back), and the fast kill needs every one of them, with a cgroup that has cgroup.kill. */
static void test_fast_kill_keys(void **state)
{
	fill(&a);
	a.fast_kill = false;
	assert_true(lxm_handover_format(&a, text, sizeof(text)) > 0);
	assert_null(strstr(text, "kill_"));
	assert_int_equal(lxm_handover_parse(text, &b), 0);
	assert_false(b.fast_kill);
	assert_int_equal(b.n_kill_cgroups, 0);

	fill(&a);
	a.kill_cgroup_kind[2] = LXM_HANDOVER_CG_V1; /* no cgroup.kill anywhere */
	assert_true(lxm_handover_format(&a, text, sizeof(text)) > 0);
	assert_int_equal(lxm_handover_parse(text, &b), 0);
	assert_false(b.fast_kill);

	fill(&a);
	assert_true(lxm_handover_format(&a, text, sizeof(text)) > 0);
	char *p = strstr(text, "kill_exit ");
	assert_non_null(p);
	*strchr(p, '\n') = '\0'; /* cut the line out */
	snprintf(bad, sizeof(bad), "%.*s%s", (int)(p - text), text, p + strlen(p) + 1);
	assert_int_equal(lxm_handover_parse(bad, &b), 0);
	assert_false(b.fast_kill);
	assert_string_equal(b.kill_cgroup_inner[1], "");
	assert_string_equal(b.kill_cgroup_inner[0], "init");
}

static void test_too_many_clients(void **state)
{
	char *p;
	fill(&a);
	a.n_clients = 0;
	int n = lxm_handover_format(&a, text, sizeof(text));
	assert_true(n > 0);
	p = text + n - strlen("end\n");
	for (int i = 0; i <= LXM_HANDOVER_MAX_CLIENTS; i++)
		p += sprintf(p, "client %d -1\n", 100 + i);
	strcpy(p, "end\n");
	assert_int_equal(lxm_handover_parse(text, &b), -EINVAL);
}

static void test_format_refuses_newline(void **state)
{
	fill(&a);
	snprintf(a.clog_path, sizeof(a.clog_path), "/x\nlisten 3");
	assert_int_equal(lxm_handover_format(&a, text, sizeof(text)), -EINVAL);
	fill(&a);
	assert_int_equal(lxm_handover_format(&a, text, 64), -ENOBUFS);
}

static void test_ring_survives(void **state)
{
	struct lxm_console_ring r1, r2;
	struct iovec iov[2];
	lxm_console_ring_init(&r1, 16);
	lxm_console_ring_append(&r1, "hello world, again", 18);
	assert_true(r1.fd >= 0);
	int fd = dup(r1.fd);
	assert_int_equal(lxm_console_ring_adopt(&r2, fd, r1.size, r1.start, r1.len), 0);
	lxm_console_ring_append(&r2, "!", 1);
	assert_int_equal(lxm_console_ring_peek(&r2, iov), 2);
	assert_int_equal(iov[0].iov_len + iov[1].iov_len, 16);
	/* the same pages: what one writes the other maps */
	assert_memory_equal(r1.buf, r2.buf, 16);
	assert_int_equal(lxm_console_ring_adopt(&r2, -1, 16, 3, 0), -EINVAL);
	lxm_console_ring_done(&r1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_no_console),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_fast_kill_keys),
		cmocka_unit_test(test_too_many_clients),
		cmocka_unit_test(test_format_refuses_newline),
		cmocka_unit_test(test_ring_survives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
