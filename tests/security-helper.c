/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Drives the security modules from shell tests (tests/integration/apparmor.sh, devices-bpf.sh),
 * the same calls the start sequence makes:
 *   security-helper devices-attach CGROUP_DIR [RULE...]  default allow-list + RULEs, v2 BPF program
 *   security-helper apparmor-generate UUID               print the generated profile
 *   security-helper apparmor-load UUID                   generate and load it; prints its name
 *   security-helper apparmor-unload NAME
 *   security-helper apparmor-exec PROFILE CMD [ARG...]   aa_change_onexec(PROFILE), exec CMD
 *   security-helper seccomp-exec PROFILE CMD [ARG...]    no_new_privs, seccomp PROFILE, exec CMD
 *   security-helper mount-clone SRC DST                  bind SRC to DST with open_tree+move_mount
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "security/apparmor.h"
#include "security/devices-bpf.h"
#include "security/devices.h"
#include "security/seccomp.h"
#include "util/log.h"
#include "util/macros.h"

static int devices_attach(int argc, char **argv)
{
	_cleanup_free_ struct lxm_device_rule *rules = NULL;
	_cleanup_free_ struct bpf_insn *insns = NULL;
	size_t n, n_insns;
	int fd = -1;
	int r = lxm_devices_rules((const char *const *)argv + 1, &rules, &n);
	if (r >= 0)
		r = lxm_devices_bpf_generate(rules, n, &insns, &n_insns);
	if (r >= 0)
		r = lxm_devices_bpf_load(insns, n_insns, &fd);
	if (r >= 0)
		r = lxm_devices_bpf_attach(fd, argv[0]);
	if (r < 0)
		return log_error_errno(r, "Failed to attach the device program to '%s': %m", argv[0]);
	return 0;
}

static int apparmor(const char *verb, int argc, char **argv)
{
	_cleanup_free_ char *text = NULL;
	char name[LXM_APPARMOR_NAME_MAX];
	int r;

	if (STREQ(verb, "apparmor-unload"))
		return lxm_apparmor_unload(argv[0]);
	if (STREQ(verb, "apparmor-exec")) {
		r = lxm_apparmor_exec_into(argv[0]);
		if (r < 0)
			return log_error_errno(r, "aa_change_onexec('%s') failed: %m", argv[0]);
		execvp(argv[1], argv + 1);
		return log_error_errno(negative_errno(), "Failed to execute '%s': %m", argv[1]);
	}
	r = lxm_apparmor_generate(argv[0], &text);
	if (r < 0)
		return r;
	if (STREQ(verb, "apparmor-generate")) {
		fputs(text, stdout);
		return 0;
	}
	r = lxm_apparmor_profile_name(argv[0], name);
	if (r >= 0)
		r = lxm_apparmor_load(text);
	if (r < 0)
		return log_error_errno(r, "Failed to load the AppArmor profile: %m");
	puts(name);
	return 0;
}

static int seccomp_exec(char **argv)
{
	_cleanup_(lxm_seccomp_freep) struct lxm_seccomp *s = NULL;
	int r = lxm_seccomp_load(argv[0], NULL, &s);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return log_error_errno(negative_errno(), "PR_SET_NO_NEW_PRIVS failed: %m");
	r = lxm_seccomp_apply(s);
	if (r < 0)
		return log_error_errno(r, "Failed to apply the seccomp filter: %m");
	execvp(argv[1], argv + 1);
	return log_error_errno(negative_errno(), "Failed to execute '%s': %m", argv[1]);
}

/* A recursive bind through the new mount API, which AppArmor's mount rules do not see on
 * older kernels (6.1): the seccomp profile has to refuse it. */
static int mount_clone(char **argv)
{
	_cleanup_close_ int fd = (int)syscall(SYS_open_tree, AT_FDCWD, argv[0], 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC | AT_RECURSIVE);
	if (fd < 0)
		return log_error_errno(negative_errno(), "open_tree('%s') failed: %m", argv[0]);
	if (syscall(SYS_move_mount, fd, "", AT_FDCWD, argv[1], 4 /* MOVE_MOUNT_F_EMPTY_PATH */) < 0)
		return log_error_errno(negative_errno(), "move_mount('%s') failed: %m", argv[1]);
	return 0;
}

int main(int argc, char **argv)
{
	lxm_log_set_ident("security-helper");
	if (argc < 3) {
		fprintf(stderr, "usage: see the comment at the top of tests/security-helper.c\n");
		return 2;
	}
	const char *verb = argv[1];
	int r;
	if (STREQ(verb, "devices-attach"))
		r = devices_attach(argc - 2, argv + 2);
	else if (STREQ(verb, "mount-clone") && argc >= 4)
		r = mount_clone(argv + 2);
	else if (STREQ(verb, "seccomp-exec") && argc >= 4)
		r = seccomp_exec(argv + 2);
	else if (strncmp(verb, "apparmor-", 9) == 0 && (!STREQ(verb, "apparmor-exec") || argc >= 4))
		r = apparmor(verb, argc - 2, argv + 2);
	else {
		fprintf(stderr, "security-helper: unknown or incomplete command '%s'\n", verb);
		return 2;
	}
	return r < 0 ? 1 : 0;
}
