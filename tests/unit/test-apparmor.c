/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* AppArmor: profile names, the generated profile text, and apparmor_parser accepting it
 * (compile only, no kernel needed). Loading for real is tests/integration/apparmor.sh (VM lane). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_APPARMOR
#include <sys/apparmor.h>
#endif

#include "security/apparmor.h"
#include "util/log.h"
#include "util/macros.h"

#define UUID "0123abcd-4567-89ef-0123-456789abcdef"

static void test_name(void **state)
{
	char name[LXM_APPARMOR_NAME_MAX];
	assert_int_equal(lxm_apparmor_profile_name(UUID, name), 0);
	assert_string_equal(name, "lxcmgr-0123abcd456789ef");
	assert_int_equal(lxm_apparmor_profile_name("0123ABCD-4567-89EF-0123-456789ABCDEF", name), 0);
	assert_string_equal(name, "lxcmgr-0123abcd456789ef");
	assert_int_equal(lxm_apparmor_profile_name("short", name), -EINVAL);
	assert_int_equal(lxm_apparmor_profile_name("0123abcd-4567-89ef-xxxx", name), -EINVAL);
	assert_int_equal(lxm_apparmor_profile_name("0123abcd/../../etc/x", name), -EINVAL);
}

#define assert_has(text, needle)                                                   \
	do {                                                                       \
		if (!strstr((text), (needle)))                                     \
			fail_msg("expected '%s' in the profile:\n%s", (needle), (text)); \
	} while (0)
#define assert_lacks(text, needle)                                                      \
	do {                                                                            \
		if (strstr((text), (needle)))                                           \
			fail_msg("did not expect '%s' in the profile:\n%s", (needle), (text)); \
	} while (0)

static void test_generated_rules(void **state)
{
	_cleanup_free_ char *t = NULL;
	assert_int_equal(lxm_apparmor_generate(UUID, &t), 0);
	assert_has(t, "profile lxcmgr-0123abcd456789ef flags=(attach_disconnected,mediate_deleted) {");
	assert_lacks(t, "@PROFILE@");
	assert_lacks(t, "_RULES@");
	assert_has(t, "signal peer=@{profile_name},");
	assert_has(t, "ptrace peer=@{profile_name},");
	assert_has(t, "@{lxm_root}=/ /{,**/}run/systemd/unit-root/\n");
	assert_has(t, "deny @{lxm_root}proc/sysrq-trigger rwklx,");
	assert_has(t, "deny @{lxm_root}proc/kcore rwklx,");
	assert_has(t, "deny @{lxm_root}sys/kernel/security/** rwklx,");
	assert_has(t, "deny @{lxm_root}sys/firmware/efi/efivars/** rwklx,");
	assert_has(t, "mount fstype=proc -> @{lxm_root}proc/,");
	assert_has(t, "mount fstype=devpts -> /dev/pts/,");
	assert_has(t, "mount fstype=ramfs,");
	assert_has(t, "mount options=(rslave),");
	/* Read-only bind remounts only; the parser's extra readings of that rule (a bind from
	 * anywhere, a read-only new mount of any type) are denied again. */
	assert_has(t, "\n  mount options=(ro, remount, bind) options in (nosuid, nodev, noexec, relatime,");
	assert_has(t, "\n  audit deny mount options=(ro) options in (nosuid, nodev, noexec, relatime,");
	assert_lacks(t, "\n  remount ");
	/* "rw" in a mount rule becomes "any new mount without flags" (parser 3.0). */
	assert_lacks(t, "options=(rw");
	/* No bind, recursive bind or move from /proc or /sys, in the root or systemd's copy of it. */
	assert_has(t, "audit deny mount options=(bind) @{lxm_root}{proc,sys}{,/**},");
	/* Recursive binds from /proc or /sys: only hostname and domainname (ProtectHostname=),
	 * never onto a root. */
	assert_has(t, "audit deny mount options=(rbind) @{lxm_root}{proc,sys}{,/},");
	assert_has(t, "audit deny mount options=(rbind) @{lxm_root}{proc,sys}{,/**} -> @{lxm_root},");
	assert_has(t, "audit deny mount options=(rbind) @{lxm_root}proc/[^s]*{,/**},");
	assert_has(t, "audit deny mount options=(rbind) @{lxm_root}proc/sys/kernel/[^hd]*{,/**},");
	assert_has(t, "audit deny mount options=(rbind) @{lxm_root}proc/sys/kernel/hostname?*{,/**},");
	assert_has(t, "audit deny mount options=(rbind) @{lxm_root}sys/?*{,/**},");
	assert_lacks(t, "audit deny mount options=(rbind) @{lxm_root}proc/sys/kernel/hostname,");
	/* A recursive bind of / goes to /run/systemd/unit-root/ only. */
	assert_has(t, "audit deny mount options=(rbind) / -> /[^r]*{,/**},");
	assert_has(t, "audit deny mount options=(rbind) / -> /run/systemd/unit-root[^/]*{,/**},");
	assert_has(t, "audit deny mount options=(rbind) / -> /run/systemd/unit-root/?*{,/**},");
	assert_lacks(t, "audit deny mount options=(rbind) / -> /run/systemd/unit-root/,");
	/* /proc/sys: everything but net, fs/mqueue and the namespaced kernel entries denied. */
	assert_has(t, "deny @{lxm_root}proc/sys/[^nkf]*{,/**} wklx,");
	assert_has(t, "deny @{lxm_root}proc/sys/kernel/[^smhd]*{,/**} wklx,");
	assert_has(t, "deny @{lxm_root}proc/sys/kernel/s[^he]*{,/**} wklx,");
	assert_has(t, "deny @{lxm_root}proc/sys/kernel/hostname?*{,/**} wklx,");
	assert_has(t, "deny @{lxm_root}proc/sys/fs/[^m]*{,/**} wklx,");
	assert_has(t, "deny @{lxm_root}proc/sys/n[^e]*{,/**} wklx,");
	assert_lacks(t, "deny @{lxm_root}proc/sys/net/");
	assert_lacks(t, "deny @{lxm_root}proc/sys/kernel/shm");
	/* /sys: only the cgroup tree is writable. */
	assert_has(t, "deny @{lxm_root}sys/[^f]*{,/**} wklx,");
	assert_has(t, "deny @{lxm_root}sys/fs/[^c]*{,/**} wklx,");
	assert_lacks(t, "deny @{lxm_root}sys/fs/cgroup/[");
	assert_has(t, "deny @{lxm_root}sys/fs/cgroup/devices/devices.allow wklx,");
}

static void test_placeholders(void **state)
{
	_cleanup_free_ char *t = NULL;
	assert_int_equal(lxm_apparmor_generate_from("a@b.c @PROFILE@ x@{y}@\n", UUID, &t), 0);
	assert_string_equal(t, "a@b.c lxcmgr-0123abcd456789ef x@{y}@\n");
	free(t);
	t = NULL;
	assert_int_equal(lxm_apparmor_generate_from("@NOPE@\n", UUID, &t), -EINVAL);
}

static void test_parser_accepts(void **state)
{
	if (system("command -v apparmor_parser >/dev/null 2>&1 || test -x /usr/sbin/apparmor_parser || test -x /sbin/apparmor_parser") != 0)
		skip();
	_cleanup_free_ char *t = NULL;
	assert_int_equal(lxm_apparmor_generate(UUID, &t), 0);
	int r = lxm_apparmor_check(t);
	if (r < 0) {
		lxm_log_set_level(LXM_LOG_DEBUG);
		lxm_apparmor_check(t);
		fail_msg("apparmor_parser refused the generated profile (%d)", r);
	}
	/* And it really checks: a broken profile is refused. */
	assert_int_equal(lxm_apparmor_check("profile broken { frobnicate /x, }\n"), -EINVAL);
}

static void test_status(void **state)
{
	_cleanup_free_ char *s = NULL, *u = NULL;
	assert_int_equal(lxm_apparmor_status("unconfined", UUID, &u), 0);
	assert_string_equal(u, "unconfined (as configured)");
	assert_int_equal(lxm_apparmor_status("generated", UUID, &s), 0);
	if (lxm_apparmor_enabled())
		assert_string_equal(s, "lxcmgr-0123abcd456789ef (generated)");
	else
		assert_non_null(strstr(s, "not applied: "));
}

/* The quick "no module parameter" answer never differs from libapparmor's own: a host with
 * AppArmor read as one without would start and exec containers without their profile. */
static void test_enabled_agrees(void **state)
{
#ifdef HAVE_APPARMOR
	assert_int_equal(lxm_apparmor_enabled(), aa_is_enabled() ? 1 : 0);
#else
	assert_int_equal(lxm_apparmor_enabled(), 0);
#endif
}

int main(void)
{
	if (!getenv("LXCMGR_PROFILES_DIR")) {
		const char *src = getenv("top_srcdir");
		static char dir[4096];
		snprintf(dir, sizeof(dir), "%s/configs", src ? src : ".");
		setenv("LXCMGR_PROFILES_DIR", dir, 1);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_enabled_agrees),
		cmocka_unit_test(test_generated_rules),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_parser_accepts),
		cmocka_unit_test(test_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
