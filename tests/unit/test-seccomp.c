/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* seccomp profiles: parsing (errors with line numbers) and the default filter in a real child. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "security/seccomp.h"
#include "capture.h"

static void test_parse_ok(void **state)
{
	_cleanup_(lxm_seccomp_freep) struct lxm_seccomp *s = NULL;
	const char *text = "# comment\n\ninit_module EPERM  # trailing comment\n"
			   "\tkeyctl\tENOSYS\nswapon 13\nswapon EACCES\n";
	assert_int_equal(lxm_seccomp_load_text(text, "t", &s), 0);
	assert_int_equal(lxm_seccomp_n_rules(s), 3);
	assert_int_equal(lxm_seccomp_rule_errno(s, "init_module"), EPERM);
	assert_int_equal(lxm_seccomp_rule_errno(s, "keyctl"), ENOSYS);
	assert_int_equal(lxm_seccomp_rule_errno(s, "swapon"), EACCES); /* a later line wins */
	assert_int_equal(lxm_seccomp_rule_errno(s, "read"), 0);
}

static void expect_error(const char *text, const char *msg)
{
	struct lxm_seccomp *s = NULL;
	capture_start();
	assert_int_equal(lxm_seccomp_load_text(text, "prof", &s), -EINVAL);
	assert_null(s);
	assert_logged(msg);
}

static void test_parse_errors(void **state)
{
	expect_error("init_module EPERM\ninit_module\n", "prof:2: expected \"SYSCALL ERRNO\"");
	expect_error("# x\n\nkexec_lod EPERM\n", "prof:3: unknown system call");
	expect_error("kexec_load EWHAT\n", "prof:1: not an errno name");
	expect_error("kexec_load 0\n", "prof:1: not an errno name");
	expect_error("kexec_load 5000\n", "prof:1: not an errno name");
	expect_error("# a\n\n# c\nkexec_load EPERM extra\n", "prof:4: trailing text");
}

static void test_none(void **state)
{
	struct lxm_seccomp *s = (void *)1;
	assert_int_equal(lxm_seccomp_load("none", NULL, &s), 0);
	assert_null(s);
	assert_int_equal(lxm_seccomp_load("relative/path", NULL, &s), -EINVAL);
	assert_int_equal(lxm_seccomp_load("/nonexistent/profile", NULL, &s), -ENOENT);
}

static void test_default_profile_parses(void **state)
{
	_cleanup_(lxm_seccomp_freep) struct lxm_seccomp *s = NULL;
	assert_int_equal(lxm_seccomp_load("default", NULL, &s), 0);
	assert_int_equal(lxm_seccomp_rule_errno(s, "kexec_load"), EPERM);
	assert_int_equal(lxm_seccomp_rule_errno(s, "open_by_handle_at"), EPERM);
	assert_int_equal(lxm_seccomp_rule_errno(s, "keyctl"), ENOSYS);
	assert_int_equal(lxm_seccomp_rule_errno(s, "reboot"), 0); /* poweroff inside a PID ns */
	/* The new mount API, unseen by AppArmor's mount rules on Linux 6.1. */
	assert_int_equal(lxm_seccomp_rule_errno(s, "open_tree"), ENOSYS);
	assert_int_equal(lxm_seccomp_rule_errno(s, "move_mount"), ENOSYS);
	assert_int_equal(lxm_seccomp_rule_errno(s, "fsopen"), ENOSYS);
	assert_int_equal(lxm_seccomp_rule_errno(s, "fsmount"), ENOSYS);
}

static void test_builtin_default(void **state)
{
	_cleanup_(lxm_seccomp_freep) struct lxm_seccomp *a = NULL, *b = NULL;
	char *saved = strdup(getenv("LXCMGR_PROFILES_DIR"));
	assert_int_equal(lxm_seccomp_load("default", NULL, &a), 0);
	setenv("LXCMGR_PROFILES_DIR", "/nonexistent", 1);
	assert_int_equal(lxm_seccomp_load("default", NULL, &b), 0); /* the built-in copy */
	setenv("LXCMGR_PROFILES_DIR", saved, 1);
	free(saved);
	assert_int_equal(lxm_seccomp_n_rules(a), lxm_seccomp_n_rules(b));
	assert_int_equal(lxm_seccomp_rule_errno(b, "kexec_load"), EPERM);
}

/* Child: exit code 0 when every check passes, else the number of the failed check. */
static int child_checks(const struct lxm_seccomp *s)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	if (lxm_seccomp_apply(s) < 0)
		return 2;
	errno = 0;
	if (syscall(SYS_init_module, NULL, 0, "") != -1 || errno != EPERM)
		return 3;
	errno = 0;
	if (syscall(SYS_kexec_load, 0, 0, NULL, KEXEC_ARCH_DEFAULT) != -1 || errno != EPERM)
		return 4;
	errno = 0;
	if (syscall(SYS_open_by_handle_at, -1, NULL, 0) != -1 || errno != EPERM)
		return 5;
	errno = 0;
	if (syscall(SYS_keyctl, 0, 0, 0, 0, 0) != -1 || errno != ENOSYS)
		return 6;
#if defined(__x86_64__)
	/* The i386 ABI through int 0x80 (kexec_load is 283 there): filtered too, not a way around. */
	long ret = 283;
	__asm__ volatile("int $0x80" : "+a"(ret) : "b"(0), "c"(0), "d"(0), "S"(0) : "memory");
	if (ret != -EPERM && ret != -ENOSYS) /* -ENOSYS: this kernel has no ia32 emulation */
		return 8;
#endif
	/* Ordinary calls still work. */
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || close(fd) < 0 || getpid() <= 0)
		return 7;
	return 0;
}

static void test_default_filter_in_child(void **state)
{
	_cleanup_(lxm_seccomp_freep) struct lxm_seccomp *s = NULL;
	assert_int_equal(lxm_seccomp_load("default", NULL, &s), 0);

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_checks(s));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	/* Tests run from the build tree: the profiles are in the source tree's configs/. */
	if (!getenv("LXCMGR_PROFILES_DIR")) {
		const char *src = getenv("top_srcdir");
		static char dir[4096];
		snprintf(dir, sizeof(dir), "%s/configs", src ? src : ".");
		setenv("LXCMGR_PROFILES_DIR", dir, 1);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_default_profile_parses),
		cmocka_unit_test(test_builtin_default),
		cmocka_unit_test(test_default_filter_in_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
