/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcmgr check [--format json]: what the host kernel and tools support (informational, exit 0). */
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/openat2.h>

#include "image/archive-dl.h"
#include "cli/cli-common.h"
#include "cli/commands.h"
#include "util/json.h"
#include "security/idshift.h"
#include "util/log.h"

#define CHECK_MAX 48

struct check_item {
	char feature[32];
	bool yes;
	char detail[160];
};

struct checks {
	struct check_item items[CHECK_MAX];
	size_t n;
	char *kconfig; /* the running kernel's config text, NULL when unavailable */
};

static _printf_(4, 5) void add(struct checks *c, const char *feature, bool yes, const char *fmt, ...)
{
	if (c->n >= CHECK_MAX)
		return;
	struct check_item *it = &c->items[c->n++];
	snprintf(it->feature, sizeof(it->feature), "%s", feature);
	it->yes = yes;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
}

static char *read_small(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char buf[4096];
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return strdup(buf);
}

/* /boot/config-RELEASE or /proc/config.gz (gunzipped through libarchive's raw reader). */
static char *load_kconfig(void)
{
	struct utsname u;
	char path[300];
	char *text = NULL;
	size_t len = 0;

	if (uname(&u) == 0) {
		snprintf(path, sizeof(path), "/boot/config-%s", u.release);
		_cleanup_fclose_ FILE *f = fopen(path, "re");
		if (f && getdelim(&text, &len, '\0', f) > 0)
			return text;
		free(text);
		text = NULL;
	}
	if (lxm_dl_open(&lxm_dl_archive) < 0)
		return NULL;
	struct archive *a = archive_read_new();
	if (!a)
		return NULL;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	if (archive_read_open_filename(a, "/proc/config.gz", 16384) == ARCHIVE_OK &&
	    archive_read_next_header(a, &e) == ARCHIVE_OK) {
		size_t cap = 0;
		for (;;) {
			if (cap - len < 65536) {
				char *t = realloc(text, cap + 262144);
				if (!t)
					break;
				text = t;
				cap += 262144;
			}
			la_ssize_t n = archive_read_data(a, text + len, cap - len - 1);
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		if (text)
			text[len] = '\0';
	}
	archive_read_free(a);
	return text;
}

/* 'y', 'm' or 0 for CONFIG_<sym>. */
static char kconfig_value(const struct checks *c, const char *sym)
{
	char needle[80];
	if (!c->kconfig)
		return 0;
	snprintf(needle, sizeof(needle), "\nCONFIG_%s=", sym);
	const char *p = strstr(c->kconfig, needle);
	return p ? p[strlen(needle)] : 0;
}

static bool file_has_word(const char *path, const char *word)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *line = NULL;
	size_t n = 0;
	while (f && getline(&line, &n, f) > 0)
		if (strstr(line, word))
			return true;
	return false;
}

/* Loaded, built in, or loadable: /sys/module, kernel config, modules.builtin / modules.dep. */
static void check_module(struct checks *c, const char *feature, const char *mod, const char *sym)
{
	char path[300], ko[64];
	struct utsname u;

	snprintf(path, sizeof(path), "/sys/module/%s", mod);
	if (access(path, F_OK) == 0)
		return add(c, feature, true, "module '%s' loaded or built in", mod);
	char v = kconfig_value(c, sym);
	if (v == 'y')
		return add(c, feature, true, "built in (CONFIG_%s=y)", sym);
	snprintf(ko, sizeof(ko), "/%s.ko", mod);
	if (uname(&u) == 0) {
		snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", u.release);
		if (file_has_word(path, ko))
			return add(c, feature, true, "built in");
		snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", u.release);
		if (file_has_word(path, ko))
			return add(c, feature, true, "module '%s' loadable", mod);
	}
	if (v == 'm')
		return add(c, feature, false, "CONFIG_%s=m but the module is not installed", sym);
	add(c, feature, false, c->kconfig ? "not in the kernel" : "module '%s' not found, kernel config unavailable", mod);
}

static void check_namespaces(struct checks *c)
{
	static const struct {
		const char *name;
		int flag;
	} ns[] = {
		{ "mnt", CLONE_NEWNS },	  { "uts", CLONE_NEWUTS },	 { "ipc", CLONE_NEWIPC },
		{ "pid", CLONE_NEWPID },  { "net", CLONE_NEWNET },	 { "user", CLONE_NEWUSER },
		{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		char path[64], feature[32];
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i].name);
		snprintf(feature, sizeof(feature), "namespace.%s", ns[i].name);
		if (access(path, F_OK) < 0) {
			add(c, feature, false, "no '%s'", path);
			continue;
		}
		/* Try it for real in a child, so the check sees seccomp filters and sysctl limits. */
		pid_t pid = fork();
		if (pid == 0) {
			if (unshare(ns[i].flag) == 0)
				_exit(0);
			/* Unprivileged callers: the namespace still works inside a user namespace. */
			if (errno == EPERM && unshare(CLONE_NEWUSER | ns[i].flag) == 0)
				_exit(100);
			_exit(errno & 0x7f);
		}
		int status = 0;
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
			add(c, feature, false, "could not test");
			continue;
		}
		if (WEXITSTATUS(status) == 0)
			add(c, feature, true, "unshare works");
		else if (WEXITSTATUS(status) == 100)
			add(c, feature, true, "unshare works inside a user namespace (not root)");
		else
			add(c, feature, false, "unshare failed: %s", strerror(WEXITSTATUS(status)));
	}
}

static void check_userns(struct checks *c)
{
	_cleanup_free_ char *max = read_small("/proc/sys/user/max_user_namespaces");
	_cleanup_free_ char *unpriv = read_small("/proc/sys/kernel/unprivileged_userns_clone");
	bool yes = max && STRNEQ(max, "0");
	add(c, "user_namespaces", yes, "max_user_namespaces=%s%s%s", max ? max : "missing",
	    unpriv ? ", unprivileged_userns_clone=" : "", unpriv ? unpriv : "");
}

static void check_cgroups(struct checks *c)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL, *v2_path = NULL;
	size_t n = 0;
	int v1 = 0;

	while (f && getline(&line, &n, f) > 0) {
		char mnt[512], fstype[64];
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 || sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		if (STREQ(fstype, "cgroup"))
			v1++;
		else if (STREQ(fstype, "cgroup2") && !v2_path)
			v2_path = strdup(mnt);
	}
	const char *layout = v1 && v2_path ? "hybrid" : v1 ? "v1" : v2_path ? "v2" : "none";
	add(c, "cgroup.layout", v1 || v2_path, "%s (%d v1 hierarchies%s%s)", layout, v1, v2_path ? ", cgroup2 at " : "",
	    v2_path ? v2_path : "");

	/* v1 controllers: /proc/cgroups rows with enabled=1 and a hierarchy. */
	_cleanup_fclose_ FILE *pc = fopen("/proc/cgroups", "re");
	char list[160] = "";
	while (v1 && pc && getline(&line, &n, pc) > 0) {
		char name[32];
		int hier, num, enabled;
		if (line[0] == '#' || sscanf(line, "%31s %d %d %d", name, &hier, &num, &enabled) != 4)
			continue;
		if (enabled && hier > 0 && strlen(list) + strlen(name) + 2 < sizeof(list))
			strcat(strcat(list, *list ? " " : ""), name);
	}
	if (v1)
		add(c, "cgroup.v1_controllers", *list, "%s", *list ? list : "none");
	if (v2_path) {
		char path[600];
		snprintf(path, sizeof(path), "%s/cgroup.controllers", v2_path);
		_cleanup_free_ char *ctl = read_small(path);
		add(c, "cgroup.v2_controllers", !IS_EMPTY(ctl), "%s", !IS_EMPTY(ctl) ? ctl : "none");
	}
	/* What enforces the device allow-list (lxm_devices_apply): the v1 controller wherever v1
	 * hierarchies exist, else a BPF program on the v2 cgroup. */
	bool v1_devices = v1 && strstr(list, "devices");
	add(c, "devices", v1_devices || (!v1 && v2_path), "%s",
	    v1_devices ? "allow-list through the cgroup v1 devices controller"
	    : !v1 && v2_path ? "allow-list through a cgroup v2 BPF device program"
			     : "no devices controller: the allow-list cannot be enforced");
}

static bool in_path(const char *prog)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
	char path[128];
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], prog);
		if (access(path, X_OK) == 0)
			return true;
	}
	return false;
}

static void check_security(struct checks *c)
{
	bool seccomp_status = file_has_word("/proc/self/status", "Seccomp:");
	int mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
#ifdef HAVE_SECCOMP
	const char *built = "lxcmgr built with libseccomp";
#else
	const char *built = "lxcmgr built WITHOUT libseccomp";
#endif
	add(c, "seccomp", seccomp_status && mode >= 0, "%s, current mode %d, %s",
	    seccomp_status ? "kernel supports it" : "no Seccomp in /proc/self/status", mode, built);

	_cleanup_free_ char *aa = read_small("/sys/module/apparmor/parameters/enabled");
#ifdef HAVE_APPARMOR
	const char *aa_built = "lxcmgr built with libapparmor";
#else
	const char *aa_built = "lxcmgr built WITHOUT libapparmor";
#endif
	bool aa_yes = aa && aa[0] == 'Y';
	add(c, "apparmor", aa_yes, "%s, %s", aa ? (aa_yes ? "enabled in the kernel" : "disabled in the kernel")
					       : "not in this kernel", aa_built);
}

static void check_syscalls(struct checks *c)
{
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	add(c, "pidfd", fd >= 0, fd >= 0 ? "pidfd_open works" : "pidfd_open: %s", strerror(errno));
	if (fd >= 0)
		close(fd);

	struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
	fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	add(c, "openat2", fd >= 0, fd >= 0 ? "works with RESOLVE_NO_SYMLINKS" : "openat2: %s", strerror(errno));
	if (fd >= 0)
		close(fd);

	/* An invalid call tells whether the syscall exists: EBADF/EINVAL yes, ENOSYS no. */
	long r = syscall(SYS_mount_setattr, -1, "", 0, NULL, 0);
	bool present = r < 0 && errno != ENOSYS;
	add(c, "mount_setattr_idmap", present,
	    present ? "mount_setattr present (MOUNT_ATTR_IDMAP; the filesystem must support id-mapped mounts)"
		    : "mount_setattr: %s", strerror(errno));
}

/* Whether this world's store can be id-mapped (a real attempt, root only): where it cannot,
 * unprivileged containers get their ownership shifted at create (security/idshift.h). */
static void check_store_idmap(struct checks *c, const char *dir)
{
	_cleanup_free_ char *p = strdup(dir);
	struct lxm_idmap map;

	if (geteuid() != 0 || !p || lxm_idmap_parse("u 0 100000 65536; g 0 100000 65536", &map) < 0)
		return;
	/* The store may not exist yet: its nearest existing parent is on the same filesystem. */
	for (char *slash; access(p, F_OK) < 0 && (slash = strrchr(p, '/')) && slash != p;)
		*slash = '\0';
	int r = lxm_idshift_probe(p, &map);
	add(c, "store_idmap", r > 0,
	    r > 0   ? "'%s' can be id-mapped"
	    : r == 0 ? "'%s' cannot be id-mapped: unprivileged containers get their file ownership shifted at create"
		     : "'%s': probe failed",
	    p);
}

static void run_checks(struct checks *c)
{
	check_namespaces(c);
	check_userns(c);
	check_cgroups(c);
	bool ovl = file_has_word("/proc/filesystems", "overlay");
	if (ovl)
		add(c, "overlayfs", true, "in /proc/filesystems");
	else
		check_module(c, "overlayfs", "overlay", "OVERLAY_FS");
	bool btrfs = file_has_word("/proc/filesystems", "btrfs");
	add(c, "btrfs", btrfs, btrfs ? "in /proc/filesystems; storage \"btrfs\" where the store is on btrfs"
				     : "not in /proc/filesystems; storage \"btrfs\" unavailable");
	check_module(c, "veth", "veth", "VETH");
	check_module(c, "bridge", "bridge", "BRIDGE");
	check_module(c, "macvlan", "macvlan", "MACVLAN");
	bool nft = in_path("nft");
	check_module(c, "nftables", "nf_tables", "NF_TABLES");
	struct check_item *it = &c->items[c->n - 1];
	if (!nft) {
		it->yes = false;
		strncat(it->detail, "; no 'nft' binary", sizeof(it->detail) - strlen(it->detail) - 1);
	} else
		strncat(it->detail, "; 'nft' found", sizeof(it->detail) - strlen(it->detail) - 1);
	check_security(c);
	check_syscalls(c);
}

int lxm_cmd_check(struct lxm_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },
		{},
	};
	enum lxm_output_format fmt = LXM_FORMAT_TABLE;
	struct checks c = {};
	int ch, r;

	while ((ch = getopt_long(argc, argv, "f:", options, NULL)) != -1)
		if (ch != 'f' || (r = lxm_output_format_from_string(optarg, &fmt)) < 0)
			return -EINVAL;
	if (optind < argc)
		return log_error_errno(-EINVAL, "Unexpected argument '%s'", argv[optind]);

	fflush(stdout); /* nothing buffered may be duplicated into the forked children */
	c.kconfig = load_kconfig();
	run_checks(&c);
	check_store_idmap(&c, ctx->paths.containers_dir);
	free(c.kconfig);

	if (fmt == LXM_FORMAT_JSON) {
		struct lxm_json j;
		lxm_json_init(&j, stdout, isatty(STDOUT_FILENO));
		lxm_json_array_begin(&j);
		for (size_t i = 0; i < c.n; i++) {
			lxm_json_object_begin(&j);
			lxm_json_kv_string(&j, "feature", c.items[i].feature);
			lxm_json_kv_bool(&j, "supported", c.items[i].yes);
			lxm_json_kv_string(&j, "detail", c.items[i].detail);
			lxm_json_object_end(&j);
		}
		lxm_json_array_end(&j);
		return lxm_json_end(&j);
	}
	for (size_t i = 0; i < c.n; i++)
		printf("%s: %s (%s)\n", c.items[i].feature, c.items[i].yes ? "yes" : "no", c.items[i].detail);
	return 0;
}
