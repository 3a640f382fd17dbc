/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 'capabilities' (child), and lxm_caps_apply() for every process that enters a container.
 * The bounding set loses LXC's default drop list: sys_module (load code into the host kernel),
 * sys_rawio (raw port and memory I/O), sys_time (the host's clock is shared), mac_admin and
 * mac_override (change or bypass the host's LSM policy). CAP_SYS_BOOT stays: reboot(2) inside a
 * pid namespace only signals the namespace's init, which is how reboot and poweroff inside work.
 * The config's security.cap_drop adds names, security.cap_keep takes names off the list.
 * Inheritable and ambient sets are cleared so nothing re-grants a dropped capability on exec.
 */
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "runtime/cfg-get.h"
#include "runtime/steps/steps.h"
#include "util/log.h"
#include "util/parse.h"

static const char *const default_drop[] = { "mac_admin", "mac_override", "sys_time", "sys_module",
					     "sys_rawio" };

static int cap_list_mark(cfg_t *cfg, const char *key, uint64_t *set, bool on)
{
	_cleanup_strv_free_ char **l = NULL;
	int r = lxm_cfg_strv(cfg, key, &l);

	if (r < 0)
		return r;
	for (char **s = l; *s; s++) {
		int c;
		if (lxm_parse_capability(*s, &c) < 0)
			return log_debug_errno(EINVAL, "Unknown capability '%s' in %s", *s, key);
		if (on)
			*set |= UINT64_C(1) << c;
		else
			*set &= ~(UINT64_C(1) << c);
	}
	return 0;
}

int lxm_caps_drop_mask(const struct lxm_container *c, uint64_t *ret)
{
	uint64_t drop = 0;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(default_drop); i++) {
		int cap;
		if (lxm_parse_capability(default_drop[i], &cap) == 0)
			drop |= UINT64_C(1) << cap;
	}
	if (c && c->config) {
		r = cap_list_mark(c->config, "security.cap_drop", &drop, true);
		if (r < 0)
			return r;
		r = cap_list_mark(c->config, "security.cap_keep", &drop, false);
		if (r < 0)
			return r;
	}
	*ret = drop;
	return 0;
}

int lxm_caps_apply_mask(uint64_t drop)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	for (int cap = 0; cap < 64; cap++) {
		if (!(drop & (UINT64_C(1) << cap)))
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) < 0 && errno != EINVAL)
			return log_debug_errno(errno, "Failed to drop capability %d from the bounding set: %m", cap);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return log_debug_errno(errno, "Failed to clear the ambient capabilities: %m");
	if (syscall(SYS_capget, &hdr, data) < 0)
		return log_debug_errno(errno, "Failed to read capabilities: %m");
	for (int i = 0; i < 2; i++) {
		uint32_t keep = ~(uint32_t)(drop >> (32 * i));
		data[i].effective &= keep;
		data[i].permitted &= keep;
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return log_debug_errno(errno, "Failed to set capabilities: %m");
	return 0;
}

int lxm_caps_apply(const struct lxm_container *c)
{
	uint64_t drop;
	int r = lxm_caps_drop_mask(c, &drop);
	return r < 0 ? r : lxm_caps_apply_mask(drop);
}

int lxm_child_step_caps(struct lxm_start_ctx *ctx)
{
	int r = lxm_caps_apply(ctx->container);

	if (r < 0)
		return lxm_step_fail(ctx, r, "applying the capability bounding set");
	return 0;
}
