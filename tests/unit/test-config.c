/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container and global config: valid files, every invalid case with its line, render, get. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <regex.h>
#include <cmocka.h>

#include "capture.h"
#include "config/config.h"
#include "config/global.h"
#include "config/schema.h"
#include "util/macros.h"

static const char full[] =
	"# a complete config\n"
	"name = \"web\"\n"
	"uuid = \"0b3c2a4e-8f7d-4c1a-9e3b-2a1d5c6f7e80\"\n"
	"template = \"debian\"\n"
	"release = \"bookworm\"\n"
	"arch = \"amd64\"\n"
	"init_system = \"systemd\"\n"
	"created = \"2026-01-31T12:00:00Z\"\n"
	"hostname = \"web.example\"\n"
	"init = \"/sbin/init --log-level=debug\"\n"
	"halt_signal = \"SIGRTMIN+3\"\n"
	"reboot_signal = SIGINT\n"
	"console { ring_size = \"256K\" log_size = \"2M\" log_rotate = 3 }\n"
	"network eth0 {\n"
	"  type = \"veth\"\n"
	"  bridge = \"lxcbr0\"\n"
	"  hwaddr = \"02:00:0a:00:03:0a\"\n"
	"  mtu = 1500\n"
	"  ipv4 = \"10.0.3.10/24\"\n"
	"  ipv4_gateway = \"auto\"\n"
	"  ipv6 = \"fd42::10/64\"\n"
	"  ipv6_gateway = \"fd42::1\"\n"
	"}\n"
	"network \"eth1\" { type = macvlan ipv4 = dhcp }\n"
	"network \"eth2\" { ipv4 = none }\n"
	"limits {\n"
	"  memory = \"512M\"\n"
	"  memory_high = \"448M\"\n"
	"  swap = \"0\"\n"
	"  cpus = 1.5\n"
	"  cpu_weight = 100\n"
	"  cpuset = \"0\"\n"
	"  pids = 1024\n"
	"  io_weight = 100\n"
	"}\n"
	"mount data { source = \"/srv/data\" target = \"/data\" options = \"bind,ro\" }\n"
	"security {\n"
	"  privileged = false\n"
	"  idmap = \"u 0 100000 65536; g 0 100000 65536\"\n"
	"  cap_drop = {\"sys_module\", CAP_SYS_TIME}\n"
	"  cap_keep = {}\n"
	"  no_new_privs = true\n"
	"  seccomp = \"default\"\n"
	"  apparmor = \"unconfined\"\n"
	"  devices = {\"c 10:200 rwm\", \"c *:* m\"}\n"
	"}\n"
	"autostart { enabled = true order = 10 delay = 5 group = \"core\" }\n"
	"restart { policy = \"on-failure\" max = 5 window = 300 backoff = 1 }\n"
	"forward web { proto = \"tcp\" host_port = 8080 container_port = 80 }\n"
	"hook { pre_start = \"/etc/lxcmgr/hooks/pre\" post_stop = \"/bin/true\" }\n";

static void test_full(void **state)
{
	_cleanup_cfg_free_ cfg_t *cfg = NULL;
	uint64_t size;
	int sig;

	capture_start();
	assert_int_equal(lxm_config_parse_string(full, "full", &cfg), 0);
	assert_string_equal(capture_text(), "");
	assert_string_equal(cfg_getstr(cfg, "hostname"), "web.example");
	assert_int_equal(lxm_config_get_signal(cfg, "halt_signal", &sig), 0);
	assert_int_equal(sig, SIGRTMIN + 3);
	assert_int_equal(cfg_size(cfg, "network"), 3);
	cfg_t *eth1 = cfg_gettsec(cfg, "network", "eth1");
	assert_non_null(eth1);
	assert_string_equal(cfg_getstr(eth1, "type"), "macvlan");
	assert_string_equal(cfg_getstr(eth1, "bridge"), "lxcbr0"); /* default */
	cfg_t *limits = cfg_getsec(cfg, "limits");
	assert_int_equal(lxm_config_get_size(limits, "memory", &size), 0);
	assert_true(size == 512ULL << 20);
	assert_true(cfg_getfloat(limits, "cpus") == 1.5);
	assert_string_equal(cfg_getstr(limits, "pids"), "1024");
	cfg_t *sec = cfg_getsec(cfg, "security");
	assert_int_equal(cfg_size(sec, "cap_drop"), 2);
	assert_int_equal(cfg_getbool(sec, "no_new_privs"), cfg_true);
	assert_int_equal(cfg_getint(cfg_gettsec(cfg, "forward", "web"), "host_port"), 8080);
}

static void test_defaults(void **state)
{
	_cleanup_cfg_free_ cfg_t *cfg = NULL;
	uint64_t size;
	int sig;

	assert_int_equal(lxm_config_parse_string("name = \"a\"\n", "min", &cfg), 0);
	assert_int_equal(lxm_config_get_size(cfg_getsec(cfg, "console"), "ring_size", &size), 0);
	assert_true(size == 128 << 10);
	assert_int_equal(cfg_getint(cfg_getsec(cfg, "console"), "log_rotate"), 2);
	assert_int_equal(cfg_getint(cfg_getsec(cfg, "console"), "ttys"), LXM_CONFIG_TTYS_DEFAULT);
	assert_int_equal(cfg_getbool(cfg_getsec(cfg, "security"), "privileged"), cfg_false);
	assert_string_equal(cfg_getstr(cfg_getsec(cfg, "security"), "idmap"), "auto");
	assert_string_equal(cfg_getstr(cfg_getsec(cfg, "security"), "seccomp"), "default");
	assert_string_equal(cfg_getstr(cfg_getsec(cfg, "security"), "apparmor"), "generated");
	assert_string_equal(cfg_getstr(cfg_getsec(cfg, "restart"), "policy"), "no");
	assert_string_equal(cfg_getstr(cfg_getsec(cfg, "cgroup"), "layout"), "host");
	assert_int_equal(cfg_size(cfg, "network"), 0);
	assert_int_equal(lxm_config_get_signal(cfg, "halt_signal", &sig), -ENOENT);
	assert_int_equal(lxm_config_get_size(cfg_getsec(cfg, "limits"), "memory", &size), -ENOENT);
}

/* Each bad input and the exact "SOURCE:LINE:" its message must start with. */
static const struct {
	const char *text;
	const char *expect;
} invalid[] = {
	{ "name = \"a\"\nfoo = 1\n", "t:2: no such option 'foo'" },
	{ "name = \"a\"\nlimits {\n  memory = \"1G\"\n\n  bogus = 1\n}\n", "t:5: no such option 'bogus'" },
	{ "network eth0 {\n  type = \"veth\"\n  colour = \"red\"\n}\n", "t:3: no such option 'colour'" },
	{ "limits {\n  memory = \"12Q\"\n}\n", "t:2: Invalid value '12Q' for 'limits.memory'" },
	{ "\n\nlimits { cpu_weight = \"lots\" }\n", "t:3: invalid integer value for option 'cpu_weight'" },
	{ "limits { cpus = -1 }\n", "t:1: Invalid value '-1' for 'limits.cpus'" },
	{ "limits { cpus = 0 }\n", "t:1: Invalid value '0' for 'limits.cpus'" },
	{ "limits { cpus = 0.001 }\n", "t:1: Invalid value '0.001' for 'limits.cpus': the CPU quota is 0.01-1000" },
	{ "limits { cpus = 0.0099 }\n", "t:1: Invalid value '0.0099' for 'limits.cpus'" },
	{ "limits { cpus = 1000.0001 }\n", "t:1: Invalid value '1000.0001' for 'limits.cpus'" },
	{ "limits {\n memory = \"0\" }\n", "t:2: Invalid value '0' for 'limits.memory': 0 leaves no memory" },
	{ "limits { memory = \"0G\" }\n", "t:1: Invalid value '0G' for 'limits.memory'" },
	{ "network eth0 {\n ipv4 = \"10.222.0.0/24\"\n}\n", "t:2: Invalid value '10.222.0.0/24' for 'network.eth0.ipv4': the network address" },
	{ "network eth0 { ipv4 = \"10.222.0.255/24\" }\n", "t:1: Invalid value '10.222.0.255/24' for 'network.eth0.ipv4': the broadcast address" },
	{ "network eth0 { ipv4 = \"10.222.0.5/0\" }\n", "t:1: Invalid value '10.222.0.5/0' for 'network.eth0.ipv4': a /0 prefix" },
	{ "network eth0 { ipv4 = \"255.255.255.255/32\" }\n", "t:1: Invalid value '255.255.255.255/32' for 'network.eth0.ipv4': 255.255.255.255 is the limited broadcast" },
	{ "network eth0 { ipv4 = \"0.0.0.0/32\" }\n", "t:1: Invalid value '0.0.0.0/32'" },
	{ "network eth0 { ipv4 = \"224.0.0.5/24\" }\n", "t:1: Invalid value '224.0.0.5/24' for 'network.eth0.ipv4': a multicast" },
	{ "limits {\ncpu_weight = 0 }\n", "t:2: Invalid value '0' for 'limits.cpu_weight'" },
	{ "limits {\nio_weight = 10001 }\n", "t:2: Invalid value '10001' for 'limits.io_weight'" },
	{ "limits {\n\n pids = 0 }\n", "t:3: Invalid value '0' for 'limits.pids'" },
	{ "limits { cpuset = \"0-1023\" }\n", "t:1: Invalid value '0-1023' for 'limits.cpuset': CPU" },
	{ "limits { cpuset = \"x\" }\n", "t:1: Invalid value 'x' for 'limits.cpuset'" },
	{ "halt_signal = \"SIGFOO\"\n", "t:1: Invalid value 'SIGFOO' for 'halt_signal'" },
	{ "\nreboot_signal = 99\n", "t:2: Invalid value '99' for 'reboot_signal'" },
	{ "network eth0 {\n hwaddr = \"01:00:5e:00:00:01\"\n}\n",
	  "t:2: Invalid value '01:00:5e:00:00:01' for 'network.eth0.hwaddr'" },
	{ "network eth0 {\n ipv4 = \"10.0.3.300/24\"\n}\n", "t:2: Invalid value '10.0.3.300/24' for 'network.eth0.ipv4'" },
	{ "network eth0 {\n ipv4 = \"10.0.3.3\"\n}\n", "t:2: Invalid value '10.0.3.3' for 'network.eth0.ipv4'" },
	{ "network eth0 {\n ipv6 = \"10.0.3.3/24\"\n}\n", "t:2: Invalid value '10.0.3.3/24' for 'network.eth0.ipv6'" },
	{ "network eth0 {\n ipv6 = \"none\"\n}\n", "t:2: Invalid value 'none' for 'network.eth0.ipv6'" },
	{ "network eth0 {\n ipv4_gateway = \"none\"\n}\n", "t:2: Invalid value 'none' for 'network.eth0.ipv4_gateway'" },
	{ "network eth0 {\n ipv4_gateway = \"10.0.3.1/24\"\n}\n", "t:2: Invalid value '10.0.3.1/24'" },
	{ "network eth0 {\n\n mtu = 67\n}\n", "t:3: Invalid value '67' for 'network.eth0.mtu'" },
	{ "network eth0 { type = \"tap\" }\n", "t:1: Invalid value 'tap' for 'network.eth0.type'" },
	{ "network eth0 { bridge = \"a-very-long-bridge-name\" }\n", "t:1: Invalid value 'a-very-long-bridge-name'" },
	{ "network \"a/b\" { }\n", "t:1: Invalid network interface name 'a/b'" },
	{ "network eth0 {}\nnetwork eth0 {}\n", "t:2: found duplicate title 'eth0'" },
	{ "forward web {\n proto = \"sctp\" }\n", "t:2: Invalid value 'sctp' for 'forward.web.proto'" },
	{ "forward web {\n host_port = 70000 }\n", "t:2: Invalid value '70000' for 'forward.web.host_port'" },
	{ "forward web {\n host_port = 80\n}\n", "t:3: Forward 'web' needs both" },
	{ "mount m {\n target = \"/x\"\n}\n", "t:3: Mount 'm' needs both 'source' and 'target'" },
	{ "mount m { source = \"/a\" target = \"/x/../../etc\" }\n", "t:1: Invalid value '/x/../../etc'" },
	{ "cgroup {\n layout = \"hybrid\" }\n", "t:2: Invalid value 'hybrid' for 'cgroup.layout'" },
	{ "cgroup { layout = \"\" }\n", "t:1: Invalid value '' for 'cgroup.layout'" },
	{ "restart {\n policy = \"sometimes\" }\n", "t:2: Invalid value 'sometimes' for 'restart.policy'" },
	{ "restart {\n window = 0 }\n", "t:2: Invalid value '0' for 'restart.window'" },
	{ "security {\n cap_drop = {\"sys_admin\",\n \"sys_wizard\"}\n}\n",
	  "t:3: Invalid value 'sys_wizard' for 'security.cap_drop'" },
	{ "security {\n privileged = maybe\n}\n", "t:2: invalid boolean value for option 'privileged'" },
	{ "security { idmap = \"u 0 x 1\" }\n", "t:1: Invalid value 'u 0 x 1' for 'security.idmap'" },
	{ "security { seccomp = \"strict\" }\n", "t:1: Invalid value 'strict' for 'security.seccomp'" },
	{ "security { devices = {\"c 10 rwm\"} }\n", "t:1: Invalid value 'c 10 rwm' for 'security.devices'" },
	{ "autostart { delay = -5 }\n", "t:1: Invalid value '-5' for 'autostart.delay'" },
	{ "autostart { group = \"Core Group\" }\n", "t:1: Invalid value 'Core Group'" },
	{ "hook { pre_start = \"relative.sh\" }\n", "t:1: Invalid value 'relative.sh' for 'hook.pre_start'" },
	{ "name = \"Web_1\"\n", "t:1: Invalid value 'Web_1' for 'name'" },
	{ "name = \"-web\"\n", "t:1: Invalid value '-web' for 'name'" },
	{ "uuid = \"not-a-uuid\"\n", "t:1: Invalid value 'not-a-uuid' for 'uuid'" },
	{ "init_system = \"upstart\"\n", "t:1: Invalid value 'upstart' for 'init_system'" },
	{ "created = \"yesterday\"\n", "t:1: Invalid value 'yesterday' for 'created'" },
	{ "hostname = \"a..b\"\n", "t:1: Invalid value 'a..b' for 'hostname'" },
	{ "hostname = \"under_score\"\n", "t:1: Invalid value 'under_score' for 'hostname'" },
	{ "init = \"sbin/init\"\n", "t:1: Invalid value 'sbin/init' for 'init'" },
	{ "console {\n ring_size = \"big\" }\n", "t:2: Invalid value 'big' for 'console.ring_size'" },
	{ "hostname = {\"a\"}\n", "t:1:" },
	{ "limits {\n memory = \"1G\"\n", "t:3: Unexpected end of file: a section is missing its '}'" },
	{ "limits {\n memory = \"1G\"\n}\n}\n", "t:4:" },
	{ "name = \"a\"\nhostname = \"unterminated\n", "t:2: Unterminated string" },
	{ "\ninit = '/sbin/init \\", "t:2: Unterminated string" },
	/* libconfuse 3.3 counts comment lines two or three times: lines must stay right after comments. */
	{ "# one\n# two\n// three\n/* four\n five */\nhalt_signal = \"bad\" # six\n", "t:6: Invalid value 'bad'" },
	{ "name = \"a\" # x\nlimits {\n  # y\n  memory = \"1G\" // z\n  /* w */ pids = 0\n}\n", "t:5: Invalid value '0'" },
	{ "name = \"a#b\"\n", "t:1: Invalid value 'a#b' for 'name'" },
};

static void test_invalid(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(invalid); i++) {
		cfg_t *cfg = NULL;
		capture_start();
		int r = lxm_config_parse_string(invalid[i].text, "t", &cfg);
		if (r != -EINVAL)
			fail_msg("case %zu accepted (r=%d):\n%s", i, r, invalid[i].text);
		assert_null(cfg);
		assert_logged(invalid[i].expect);
	}
	lxm_log_set_fd(-1);
}

/* The edges the checks above must not catch. */
static void test_valid_edges(void **state)
{
	static const char *const valid[] = {
		"limits { cpus = 0.01 }\n",
		"limits { cpus = 1000 }\n",
		"limits { memory = \"max\" memory_high = \"0\" swap = \"0\" }\n",
		"limits { memory = \"1\" }\n",
		"network eth0 { ipv4 = \"10.222.0.254/24\" }\n",
		"network eth0 { ipv4 = \"10.222.0.0/31\" }\n",  /* RFC 3021: both addresses are hosts */
		"network eth0 { ipv4 = \"10.222.0.1/31\" }\n",
		"network eth0 { ipv4 = \"10.222.0.0/32\" }\n",
		"network eth0 { ipv4 = \"10.222.0.1/8\" ipv4_gateway = \"10.0.0.1\" }\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(valid); i++)
		if (lxm_config_parse_string(valid[i], "t", NULL) < 0)
			fail_msg("case %zu refused:\n%s", i, valid[i]);
	(void)state;
}

static void test_load(void **state)
{
	char dir[] = "/tmp/lxm-test-config-XXXXXX";
	char path[128];
	cfg_t *cfg = NULL;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config", dir);
	assert_int_equal(lxm_config_load(path, &cfg), -ENOENT);
	assert_int_equal(lxm_write_file_atomic(path, "name = \"a\"\n\nlimits { pids = -3 }\n", 0640), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	capture_start();
	assert_int_equal(lxm_config_load(path, &cfg), -EINVAL);
	char expect[320];
	snprintf(expect, sizeof(expect), "%s:3: Invalid value '-3' for 'limits.pids'", path);
	assert_logged(expect);
	lxm_log_set_fd(-1);
	assert_int_equal(lxm_write_file_atomic(path, "name = \"a\"\n", 0600), 0);
	assert_int_equal(lxm_config_load(path, &cfg), 0);
	cfg_free(cfg);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_get(void **state)
{
	_cleanup_cfg_free_ cfg_t *cfg = NULL;
	char *v = NULL;

	assert_int_equal(lxm_config_parse_string(full, "full", &cfg), 0);
	static const struct {
		const char *key, *value;
	} ok[] = {
		{ "hostname", "web.example" },      { "limits.memory", "512M" },
		{ "limits.cpus", "1.5" },           { "network.eth0.ipv4", "10.0.3.10/24" },
		{ "network.eth0.mtu", "1500" },     { "network.eth1.bridge", "lxcbr0" },
		{ "security.cap_drop", "sys_module,CAP_SYS_TIME" },
		{ "security.privileged", "false" }, { "autostart.enabled", "true" },
		{ "forward.web.host_port", "8080" }, { "console.log_rotate", "3" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(lxm_config_get(cfg, ok[i].key, &v), 0);
		assert_string_equal(v, ok[i].value);
		free(v);
	}
	assert_int_equal(lxm_config_get(cfg, "network.eth9.ipv4", &v), -ENOENT);
	assert_int_equal(lxm_config_get(cfg, "network.eth1.mtu", &v), -ENOENT);
	assert_int_equal(lxm_config_get(cfg, "security.cap_keep", &v), 0); /* set to {} explicitly */
	assert_string_equal(v, "");
	free(v);
	assert_int_equal(lxm_config_get(cfg, "limits.colour", &v), -EINVAL);
	assert_int_equal(lxm_config_get(cfg, "nope", &v), -EINVAL);
	assert_int_equal(lxm_config_get(cfg, "limits", &v), -EINVAL);
	assert_int_equal(lxm_config_get(cfg, "hostname.x", &v), -EINVAL);
}

static void test_render_new(void **state)
{
	const struct lxm_config_identity id = {
		.name = "web", .uuid = "0b3c2a4e-8f7d-4c1a-9e3b-2a1d5c6f7e80", .template_name = "busybox",
		.arch = "amd64", .init_system = "busybox", .created = "2026-01-31T12:00:00Z",
	};
	_cleanup_free_ char *text = NULL;
	_cleanup_cfg_free_ cfg_t *cfg = NULL;

	_cleanup_cfg_free_ cfg_t *rendered = NULL;
	assert_int_equal(lxm_config_render_new(&id, NULL, &text, &rendered), 0);
	assert_non_null(strstr(text, "hostname    = \"web\"\n"));
	assert_null(strstr(text, "release")); /* empty identity fields are left out */
	assert_true(strstr(text, "name") < strstr(text, "hostname"));
	assert_non_null(strstr(text, "# limits {"));
	assert_int_equal(lxm_config_parse_string(text, "rendered", &cfg), 0);
	assert_string_equal(cfg_getstr(cfg, "uuid"), id.uuid);
	assert_string_equal(cfg_getstr(cfg, "init_system"), "busybox");
	/* New containers are unprivileged, and their config says so. */
	assert_non_null(strstr(text, "\nsecurity {\n  privileged = false\n  idmap      = \"auto\"\n}\n"));
	assert_int_equal(cfg_getbool(cfg_getsec(cfg, "security"), "privileged"), cfg_false);
	/* The validation's parse, handed back (create reads it instead of parsing the text again):
	 * the same values as a parse of the text. */
	assert_non_null(rendered);
	assert_string_equal(cfg_getstr(rendered, "uuid"), id.uuid);
	assert_string_equal(cfg_getstr(rendered, "hostname"), "web");
	assert_int_equal(cfg_getbool(cfg_getsec(rendered, "security"), "privileged"), cfg_false);

	const struct lxm_config_identity bad = { .name = "Bad Name" };
	char *t2 = NULL;
	cfg_t *bad_cfg = NULL;
	capture_start();
	assert_int_equal(lxm_config_render_new(&bad, NULL, &t2, &bad_cfg), -EINVAL);
	assert_null(t2);
	assert_null(bad_cfg);
	lxm_log_set_fd(-1);
}

static void write_global(const char *root, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/etc/lxcmgr", root);
	assert_int_equal(lxm_mkdir_p(path, 0755), 0);
	strcat(path, "/lxcmgr.conf");
	assert_int_equal(lxm_write_file_atomic(path, text, 0644), 0);
}

static void test_global(void **state)
{
	char root[] = "/tmp/lxm-test-global-XXXXXX";
	struct lxm_paths paths;
	cfg_t *g = NULL;
	char expect[256];

	assert_non_null(mkdtemp(root));
	assert_int_equal(lxm_paths_init(&paths, root), 0);
	/* Absent file: defaults. */
	assert_int_equal(lxm_global_config_load(&paths, &g), 0);
	assert_string_equal(cfg_getstr(g, "default_template"), "busybox");
	assert_null(cfg_getstr(g, "default_init")); /* the template's own default applies */
	assert_null(cfg_getstr(g, "default_release"));
	cfg_free(g);

	write_global(root, "# test\n"
			   "lib_dir = \"/srv/lxcmgr\"\n"
			   "default_template = \"debian\"\n"
			   "defaults {\n"
			   "  limits { memory = \"1G\" pids = 512 }\n"
			   "  network eth0 { bridge = \"br9\" ipv4 = \"dhcp\" }\n"
			   "  security { no_new_privs = true }\n"
			   "  restart { policy = always }\n"
			   "}\n");
	assert_int_equal(lxm_global_config_load(&paths, &g), 0);
	snprintf(expect, sizeof(expect), "%s/srv/lxcmgr/containers", root);
	assert_string_equal(paths.containers_dir, expect);

	const struct lxm_config_identity id = { .name = "db", .template_name = "debian" };
	_cleanup_free_ char *text = NULL;
	_cleanup_cfg_free_ cfg_t *cfg = NULL;
	char *v = NULL;
	assert_int_equal(lxm_config_render_new(&id, g, &text, NULL), 0);
	assert_int_equal(lxm_config_parse_string(text, "rendered", &cfg), 0);
	assert_int_equal(lxm_config_get(cfg, "limits.memory", &v), 0);
	assert_string_equal(v, "1G");
	free(v);
	assert_int_equal(lxm_config_get(cfg, "network.eth0.bridge", &v), 0);
	assert_string_equal(v, "br9");
	free(v);
	assert_int_equal(lxm_config_get(cfg, "restart.policy", &v), 0);
	assert_string_equal(v, "always");
	free(v);
	assert_non_null(strstr(text, "\nnetwork eth0 {\n  bridge = \"br9\"\n"));
	assert_null(strstr(text, "# limits {"));   /* no hint for a section the defaults set */
	assert_non_null(strstr(text, "# mount data {"));
	/* Schema defaults are not copied: only what the global file set, plus the security mode
	 * every new config states, in the section the defaults opened. */
	assert_null(strstr(text, "\n  seccomp ="));
	assert_non_null(strstr(text, "\n  no_new_privs = true\n"));
	assert_non_null(strstr(text, "\n  privileged = false\n"));
	assert_non_null(strstr(text, "\n  idmap = \"auto\"\n"));
	assert_null(strstr(strstr(text, "\nsecurity {") + 1, "\nsecurity {")); /* one section, not two */
	cfg_free(g);

	/* A global privileged = true is kept, with no idmap line. */
	write_global(root, "defaults {\n  security { privileged = true }\n}\n");
	assert_int_equal(lxm_global_config_load(&paths, &g), 0);
	_cleanup_free_ char *text2 = NULL;
	assert_int_equal(lxm_config_render_new(&id, g, &text2, NULL), 0);
	assert_non_null(strstr(text2, "\n  privileged = true\n"));
	assert_null(strstr(text2, "privileged = false"));
	assert_null(strstr(text2, "idmap"));
	cfg_free(g);

	/* Invalid global configs name the line, also inside defaults. */
	snprintf(expect, sizeof(expect), "%s:3: Invalid value '12Q' for 'limits.memory'", paths.config_file);
	write_global(root, "# test\ndefaults {\n  limits { memory = \"12Q\" }\n}\n");
	capture_start();
	assert_int_equal(lxm_global_config_load(&paths, &g), -EINVAL);
	assert_logged(expect);
	write_global(root, "\nlib_dir = \"relative\"\n");
	assert_int_equal(lxm_global_config_load(&paths, &g), -EINVAL);
	snprintf(expect, sizeof(expect), "%s:2: Invalid value 'relative' for 'lib_dir'", paths.config_file);
	assert_logged(expect);
	write_global(root, "defaults {\n  mount m { source = \"/a\" target = \"/b\" }\n}\n");
	assert_int_equal(lxm_global_config_load(&paths, &g), -EINVAL);
	snprintf(expect, sizeof(expect), "%s:2: no such option 'mount'", paths.config_file);
	assert_logged(expect);
	lxm_log_set_fd(-1);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	lxm_paths_done(&paths);
}

/* The shipped examples with their commented-out settings switched on: every key they document
 * must exist in the schema and every example value must be valid. */
static char *uncomment_example(const char *name)
{
	const char *srcdir = getenv("top_srcdir");
	char path[512];
	_cleanup_free_ char *text = NULL;
	char *out = NULL;
	size_t len = 0;
	regex_t re;

	snprintf(path, sizeof(path), "%s/configs/%s", srcdir ? srcdir : ".", name);
	assert_int_equal(lxm_read_file(path, &text, NULL), 0);
	/* "# key = ...", "# section [title] {", "# }" (any indent) are settings; the rest is prose. */
	assert_int_equal(regcomp(&re, "^# ( *)([a-z0-9_]+ += |[a-z_]+ ([a-z0-9]+ )?\\{|\\})", REG_EXTENDED), 0);
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	unsigned settings = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (regexec(&re, line, 0, NULL, 0) == 0) {
			fprintf(f, "%s\n", line + 2);
			settings++;
		} else
			fprintf(f, "\n");
	}
	fclose(f);
	regfree(&re);
	assert_true(settings > 20);
	return out;
}

static void test_examples(void **state)
{
	_cleanup_free_ char *container = uncomment_example("container.conf.example");
	_cleanup_free_ char *global = uncomment_example("lxcmgr.conf.example");
	_cleanup_cfg_free_ cfg_t *c = NULL;

	if (lxm_config_parse_string(container, "container.conf.example", &c) < 0)
		fail_msg("container.conf.example uncommented:\n%s", container);
	/* Every top-level key and section of the schema is documented. */
	for (cfg_opt_t *o = lxm_schema_container_opts(); o->name; o++) {
		char needle[64];
		snprintf(needle, sizeof(needle), "\n%s ", o->name);
		if (!strstr(container, needle))
			fail_msg("'%s' is not in container.conf.example", o->name);
		if (o->type != CFGT_SEC)
			continue;
		for (cfg_opt_t *sub = o->subopts; sub->name; sub++) {
			snprintf(needle, sizeof(needle), " %s ", sub->name);
			if (!strstr(container, needle))
				fail_msg("'%s.%s' is not in container.conf.example", o->name, sub->name);
		}
	}
	_cleanup_cfg_free_ cfg_t *g = lxm_schema_global_new();
	assert_non_null(g);
	if (lxm_schema_parse(g, global, "lxcmgr.conf.example") < 0)
		fail_msg("lxcmgr.conf.example uncommented:\n%s", global);
	assert_string_equal(cfg_getstr(g, "lib_dir"), "/var/lib/lxcmgr");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),	   cmocka_unit_test(test_defaults), cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_valid_edges),
		cmocka_unit_test(test_load),	   cmocka_unit_test(test_get),	    cmocka_unit_test(test_render_new),
		cmocka_unit_test(test_global),	   cmocka_unit_test(test_examples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
