/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Text-level set/unset: exact output for odd layouts, comments kept, nothing written when invalid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "capture.h"
#include "config/cfgtext.h"
#include "config/config.h"
#include "config/edit.h"
#include "util/macros.h"

static void check_edit(const char *in, const char *key, const char *value, const char *expect)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_cfg_free_ cfg_t *cfg = NULL;

	assert_int_equal(lxm_config_edit_text(in, key, value, &out), 0);
	if (!STREQ(out, expect))
		fail_msg("edit %s=%s of:\n%s\ngave:\n%s\nexpected:\n%s", key, value ? value : "(unset)", in, out, expect);
	/* Every result must still parse, and get must read the value back. */
	assert_int_equal(lxm_config_parse_string(out, "edited", &cfg), 0);
	if (value && !strchr(key, ',')) {
		_cleanup_free_ char *v = NULL;
		assert_int_equal(lxm_config_get(cfg, key, &v), 0);
		(void)v;
	}
}

static const char base[] =
	"# header comment\n"
	"name = \"web\"   # the name\n"
	"hostname = web\n"
	"\n"
	"limits {\n"
	"\tmemory = \"512M\" // half\n"
	"\t/* block\n"
	"\t   comment */\n"
	"\tpids = 100\n"
	"}\n"
	"network eth0 { type = \"veth\" ipv4 = \"dhcp\" }\n";

static void test_replace(void **state)
{
	check_edit(base, "hostname", "db.example",
		   "# header comment\nname = \"web\"   # the name\nhostname = \"db.example\"\n\nlimits {\n"
		   "\tmemory = \"512M\" // half\n\t/* block\n\t   comment */\n\tpids = 100\n}\n"
		   "network eth0 { type = \"veth\" ipv4 = \"dhcp\" }\n");
	check_edit(base, "limits.memory", "1G",
		   "# header comment\nname = \"web\"   # the name\nhostname = web\n\nlimits {\n"
		   "\tmemory = \"1G\" // half\n\t/* block\n\t   comment */\n\tpids = 100\n}\n"
		   "network eth0 { type = \"veth\" ipv4 = \"dhcp\" }\n");
	check_edit(base, "network.eth0.ipv4", "10.0.3.5/24",
		   "# header comment\nname = \"web\"   # the name\nhostname = web\n\nlimits {\n"
		   "\tmemory = \"512M\" // half\n\t/* block\n\t   comment */\n\tpids = 100\n}\n"
		   "network eth0 { type = \"veth\" ipv4 = \"10.0.3.5/24\" }\n");
}

static void test_insert(void **state)
{
	/* New top-level key after the last top-level assignment. */
	check_edit(base, "halt_signal", "SIGRTMIN+3",
		   "# header comment\nname = \"web\"   # the name\nhostname = web\nhalt_signal = \"SIGRTMIN+3\"\n\n"
		   "limits {\n\tmemory = \"512M\" // half\n\t/* block\n\t   comment */\n\tpids = 100\n}\n"
		   "network eth0 { type = \"veth\" ipv4 = \"dhcp\" }\n");
	/* New key at the end of a multi-line section, indented like its neighbours. */
	check_edit(base, "limits.cpus", "1.5",
		   "# header comment\nname = \"web\"   # the name\nhostname = web\n\nlimits {\n"
		   "\tmemory = \"512M\" // half\n\t/* block\n\t   comment */\n\tpids = 100\n\tcpus = 1.5\n}\n"
		   "network eth0 { type = \"veth\" ipv4 = \"dhcp\" }\n");
	/* One-line section. */
	check_edit(base, "network.eth0.mtu", "9000",
		   "# header comment\nname = \"web\"   # the name\nhostname = web\n\nlimits {\n"
		   "\tmemory = \"512M\" // half\n\t/* block\n\t   comment */\n\tpids = 100\n}\n"
		   "network eth0 { type = \"veth\" ipv4 = \"dhcp\" mtu = 9000 }\n");
	/* Missing sections are created at the end (tabs, as the file uses them). */
	check_edit(base, "network.eth1.ipv4", "10.0.3.6/24",
		   "# header comment\nname = \"web\"   # the name\nhostname = web\n\nlimits {\n"
		   "\tmemory = \"512M\" // half\n\t/* block\n\t   comment */\n\tpids = 100\n}\n"
		   "network eth0 { type = \"veth\" ipv4 = \"dhcp\" }\n\nnetwork eth1 {\n\tipv4 = \"10.0.3.6/24\"\n}\n");
	check_edit("name = \"a\"", "security.cap_drop", "sys_admin, CAP_SYS_MODULE",
		   "name = \"a\"\n\nsecurity {\n  cap_drop = {\"sys_admin\", \"CAP_SYS_MODULE\"}\n}\n");
	check_edit("", "hostname", "h", "hostname = \"h\"\n");
	check_edit("# only a comment\n", "limits.pids", "max", "# only a comment\n\nlimits {\n  pids = \"max\"\n}\n");
	/* Titles that are not bare words get quoted. */
	_cleanup_free_ char *out = NULL;
	assert_int_equal(lxm_config_edit_text("", "mount.my data.source", "/srv", &out), 0);
	assert_string_equal(out, "mount \"my data\" {\n  source = \"/srv\"\n}\n");
	/* An empty section, a quoted title and a section closed on the last line. */
	check_edit("limits {}\nnetwork \"eth0\" {\n    type = veth\n}", "network.eth0.bridge", "br1",
		   "limits {}\nnetwork \"eth0\" {\n    type = veth\n    bridge = \"br1\"\n}");
	check_edit("limits {}\n", "limits.swap", "0", "limits { swap = \"0\" }\n");
	check_edit("limits {\n}\n", "limits.swap", "0", "limits {\n  swap = \"0\"\n}\n");
}

static void test_odd_layouts(void **state)
{
	/* Several assignments on one line. */
	check_edit("hostname = a halt_signal = SIGTERM reboot_signal = SIGINT\n", "halt_signal", "SIGPWR",
		   "hostname = a halt_signal = \"SIGPWR\" reboot_signal = SIGINT\n");
	check_edit("hostname = a halt_signal = SIGTERM reboot_signal = SIGINT\n", "halt_signal", NULL,
		   "hostname = a reboot_signal = SIGINT\n");
	/* Comment-looking text inside strings is not a comment. */
	check_edit("init = \"/sbin/init # not a comment\" // real\nhostname = x\n", "hostname", "y",
		   "init = \"/sbin/init # not a comment\" // real\nhostname = \"y\"\n");
	/* Duplicate assignments: the last wins in libconfuse, so it is replaced and the others go. */
	check_edit("hostname = a\n# keep me\nhostname = b\n", "hostname", "c", "# keep me\nhostname = \"c\"\n");
	/* A section named the same as a key elsewhere is not confused with the key. */
	check_edit("limits { memory = \"1G\" }\nhook { pre_start = \"/a\" }\n", "hook.pre_start", "/b",
		   "limits { memory = \"1G\" }\nhook { pre_start = \"/b\" }\n");
	/* Lists: replace, and += appends are folded into the one assignment. */
	check_edit("security {\n  cap_drop = {\"sys_admin\",\n    \"sys_time\"}  # two\n  cap_drop += {\"mknod\"}\n}\n",
		   "security.cap_drop", "bpf",
		   "security {\n  cap_drop = {\"bpf\"}  # two\n}\n");
	check_edit("security { cap_keep = {\"a\"} }\n", "security.cap_keep", "", "security { cap_keep = {} }\n");
	/* Values needing escapes round-trip; "${VAR}" is never expanded. */
	check_edit("", "init", "/bin/sh -c \"echo ${HOME} \\\\ done\"",
		   "init = \"/bin/sh -c \\\"echo \\${HOME} \\\\\\\\ done\\\"\"\n");
	/* Bool and number values are written bare and normalised. */
	check_edit("security { privileged = true }\n", "security.privileged", "no",
		   "security { privileged = false }\n");
	check_edit("", "console.log_rotate", "5", "console {\n  log_rotate = 5\n}\n");
	/* CRLF-free but trailing-space layouts. */
	check_edit("limits {   \n  pids = 1   \n}\n", "limits.pids", "2", "limits {   \n  pids = \"2\"   \n}\n");
}

static void test_unset(void **state)
{
	check_edit(base, "limits.memory", NULL,
		   "# header comment\nname = \"web\"   # the name\nhostname = web\n\nlimits {\n"
		   "\t/* block\n\t   comment */\n\tpids = 100\n}\n"
		   "network eth0 { type = \"veth\" ipv4 = \"dhcp\" }\n");
	check_edit(base, "network.eth0.ipv4", NULL,
		   "# header comment\nname = \"web\"   # the name\nhostname = web\n\nlimits {\n"
		   "\tmemory = \"512M\" // half\n\t/* block\n\t   comment */\n\tpids = 100\n}\n"
		   "network eth0 { type = \"veth\" }\n");
	/* Unsetting what is not there changes nothing. */
	check_edit(base, "limits.swap", NULL, base);
	check_edit(base, "network.eth7.ipv4", NULL, base);
	/* A whole titled section, and a plain one. */
	check_edit(base, "network.eth0", NULL,
		   "# header comment\nname = \"web\"   # the name\nhostname = web\n\nlimits {\n"
		   "\tmemory = \"512M\" // half\n\t/* block\n\t   comment */\n\tpids = 100\n}\n");
	check_edit(base, "limits", NULL,
		   "# header comment\nname = \"web\"   # the name\nhostname = web\n\n"
		   "network eth0 { type = \"veth\" ipv4 = \"dhcp\" }\n");
	check_edit("name = \"a\"\nhostname = b", "hostname", NULL, "name = \"a\"\n");
	/* The last key of an untitled section takes the section with it; one with a comment left, or
	 * a titled one (it declares an interface), stays. */
	check_edit("name = \"a\"\ncgroup {\n\tlayout = \"unified\"\n}\nhostname = b\n", "cgroup.layout", NULL,
		   "name = \"a\"\nhostname = b\n");
	check_edit("cgroup { layout = \"unified\" }", "cgroup.layout", NULL, "");
	check_edit("limits {\n\tpids = 1\n\tpids = 2\n}\n", "limits.pids", NULL, "");
	check_edit("limits {\n\t# why 1\n\tpids = 1\n}\n", "limits.pids", NULL, "limits {\n\t# why 1\n}\n");
	check_edit("limits { pids = 1 memory = \"1G\" }\n", "limits.pids", NULL, "limits { memory = \"1G\" }\n");
	check_edit("network eth0 {\n\ttype = \"veth\"\n}\n", "network.eth0.type", NULL, "network eth0 {\n}\n");
	/* An empty section the unset did not touch is not the unset's business. */
	check_edit("limits {\n}\nhostname = b\n", "limits.pids", NULL, "limits {\n}\nhostname = b\n");
}

/* set then unset of a new section, over and over: the text comes back to one fixed point (each
 * cycle added a blank line: the separator of the new section stayed behind when it went). */
static void test_set_unset_cycle(void **state)
{
	char *text = strdup("name = \"a\"\n# a comment\n"), *out = NULL;

	assert_non_null(text);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(lxm_config_edit_text(text, "limits.memory", "256M", &out), 0);
		free(text), text = out;
		assert_non_null(strstr(text, "limits {"));
		assert_int_equal(lxm_config_edit_text(text, "limits.memory", NULL, &out), 0);
		free(text), text = out;
	}
	assert_string_equal(text, "name = \"a\"\n# a comment\n\n");
	free(text);
}

static void test_bad_keys(void **state)
{
	char *out = NULL;
	static const char *const bad[] = { "nope", "limits.colour", "limits", "network", "network.eth0",
					   "hostname.sub", "limits.memory.x", "", "." };

	capture_start();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (lxm_config_edit_text(base, bad[i], "1", &out) != -EINVAL)
			fail_msg("key '%s' accepted", bad[i]);
	assert_logged("Unknown config key 'limits.colour'");
	assert_logged("'limits' is a section");
	assert_int_equal(lxm_config_edit_text(base, "limits.pids", NULL, &out), 0);
	free(out);
	/* Wrong type for a number. */
	assert_int_equal(lxm_config_edit_text(base, "limits.cpu_weight", "lots", &out), -EINVAL);
	assert_logged("Invalid value 'lots' for 'limits.cpu_weight': expected an integer");
	assert_int_equal(lxm_config_edit_text(base, "limits.cpus", "1.5x", &out), -EINVAL);
	assert_int_equal(lxm_config_edit_text(base, "security.privileged", "perhaps", &out), -EINVAL);
	/* Nesting is bounded (the parser recurses). */
	char deep[256] = "";
	for (int i = 0; i < 40; i++)
		strcat(deep, "a {");
	assert_int_equal(lxm_config_edit_text(deep, "hostname", "a", &out), -EINVAL);
	/* Text that does not tokenize. */
	assert_int_equal(lxm_config_edit_text("limits { memory = }\n", "hostname", "a", &out), -EINVAL);
	lxm_log_set_fd(-1);
}

struct file {
	char dir[64];
	char path[96];
};

static void file_setup(struct file *f, const char *text)
{
	strcpy(f->dir, "/tmp/lxm-test-edit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/config", f->dir);
	assert_int_equal(lxm_write_file_atomic(f->path, text, 0640), 0);
}

static char *file_text(struct file *f)
{
	char *t = NULL;
	assert_int_equal(lxm_read_file(f->path, &t, NULL), 0);
	return t;
}

static void file_done(struct file *f)
{
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(rmdir(f->dir), 0); /* no temporary file left behind */
}

static void test_set_in_file(void **state)
{
	struct file f;
	struct stat st;
	char expect[256];

	file_setup(&f, base);
	assert_int_equal(lxm_config_set_in_file(f.path, "limits.memory", "2G"), 0);
	_cleanup_free_ char *t1 = file_text(&f);
	assert_non_null(strstr(t1, "\tmemory = \"2G\" // half\n"));
	assert_non_null(strstr(t1, "/* block\n\t   comment */"));
	assert_int_equal(stat(f.path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640); /* mode kept */

	/* Invalid values: error with the line of the new text, file unchanged. */
	capture_start();
	assert_int_equal(lxm_config_set_in_file(f.path, "limits.memory", "12Q"), -EINVAL);
	snprintf(expect, sizeof(expect), "%s:6: Invalid value '12Q' for 'limits.memory'", f.path);
	assert_logged(expect);
	assert_int_equal(lxm_config_set_in_file(f.path, "network.eth0.hwaddr", "ff:ff:ff:ff:ff:ff"), -EINVAL);
	assert_int_equal(lxm_config_set_in_file(f.path, "network.eth0.ipv4", "10.0.3.1"), -EINVAL);
	assert_int_equal(lxm_config_set_in_file(f.path, "halt_signal", "SIGNOPE"), -EINVAL);
	assert_int_equal(lxm_config_set_in_file(f.path, "limits.pids", "0"), -EINVAL);
	assert_int_equal(lxm_config_set_in_file(f.path, "bogus.key", "1"), -EINVAL);
	assert_int_equal(lxm_config_set_in_file(f.path, "network.bad/name.ipv4", "dhcp"), -EINVAL);
	lxm_log_set_fd(-1);
	_cleanup_free_ char *t2 = file_text(&f);
	assert_string_equal(t1, t2);

	/* set, get, unset round trip. */
	assert_int_equal(lxm_config_set_in_file(f.path, "security.cap_drop", "sys_admin,sys_module"), 0);
	_cleanup_cfg_free_ cfg_t *cfg = NULL;
	_cleanup_free_ char *v = NULL;
	assert_int_equal(lxm_config_load(f.path, &cfg), 0);
	assert_int_equal(lxm_config_get(cfg, "security.cap_drop", &v), 0);
	assert_string_equal(v, "sys_admin,sys_module");
	assert_int_equal(lxm_config_set_in_file(f.path, "security.cap_drop", NULL), 0);
	assert_int_equal(lxm_config_set_in_file(f.path, "limits.memory", "512M"), 0);
	_cleanup_free_ char *t3 = file_text(&f);
	/* Back to the original except the blank line set put before the security section it created
	 * (the unset of its only key took the section). */
	assert_int_equal(strncmp(t3, base, strlen(base)), 0);
	assert_string_equal(t3 + strlen(base), "\n");
	file_done(&f);

	assert_int_equal(lxm_config_set_in_file("/nonexistent/config", "hostname", "a"), -ENOENT);
}

static void test_broken_file(void **state)
{
	struct file f;

	/* A file that is already invalid is not made worse (or "fixed" silently) by set. */
	file_setup(&f, "limits { memory = \"12Q\" }\n");
	capture_start();
	assert_int_equal(lxm_config_set_in_file(f.path, "hostname", "a"), -EINVAL);
	lxm_log_set_fd(-1);
	_cleanup_free_ char *t = file_text(&f);
	assert_string_equal(t, "limits { memory = \"12Q\" }\n");
	/* But fixing the bad value itself works. */
	assert_int_equal(lxm_config_set_in_file(f.path, "limits.memory", "1G"), 0);
	file_done(&f);
}

/* Mutated configs (bytes changed, inserted, cut) must never crash the tokenizer, the editor or
 * the parser; run under ASan this is a small deterministic fuzz pass. */
static void test_mutations(void **state)
{
	static const char alphabet[] = "{}()=+,#/*\"'\\\n $ax0";
	unsigned seed = 12345;
	char buf[sizeof(base) + 64];

	lxm_log_set_level(LXM_LOG_ERROR);
	capture_start();
	for (int i = 0; i < 2000; i++) {
		size_t len = strlen(base);
		memcpy(buf, base, len + 1);
		for (int m = 0; m < 1 + i % 4; m++) {
			size_t pos = (size_t)rand_r(&seed) % (len + 1);
			char c = alphabet[(size_t)rand_r(&seed) % (sizeof(alphabet) - 1)];
			switch (rand_r(&seed) % 3) {
			case 0:
				if (pos < len)
					buf[pos] = c;
				break;
			case 1:
				if (len + 1 < sizeof(buf)) {
					memmove(buf + pos + 1, buf + pos, len - pos + 1);
					buf[pos] = c;
					len++;
				}
				break;
			default:
				buf[pos] = 0;
				len = pos;
			}
		}
		char *out = NULL, *plain = NULL;
		cfg_t *cfg = NULL;
		if (lxm_config_parse_string(buf, "fuzz", &cfg) == 0)
			cfg_free(cfg);
		if (lxm_config_edit_text(buf, i % 2 ? "limits.cpus" : "network.eth0.ipv4", i % 3 ? "2" : NULL, &out) == 0)
			free(out);
		if (lxm_config_edit_text(buf, "network.eth0", NULL, &out) == 0)
			free(out);
		if (lxm_cfgtext_blank_comments(buf, &plain, NULL) == 0) {
			assert_int_equal(strlen(plain), strlen(buf));
			free(plain);
		}
		/* Keep the captured log small. */
		assert_int_equal(ftruncate(capture_fd, 0), 0);
		assert_int_equal(lseek(capture_fd, 0, SEEK_SET), 0);
	}
	lxm_log_set_fd(-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace),	   cmocka_unit_test(test_insert),
		cmocka_unit_test(test_odd_layouts), cmocka_unit_test(test_unset),
		cmocka_unit_test(test_bad_keys),    cmocka_unit_test(test_set_in_file),
		cmocka_unit_test(test_broken_file), cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_set_unset_cycle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
