/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "services/restart-policy.h"
#include "util/macros.h"

static const char *const kinds[] = {
	[LXM_RESTART_NO] = "no",
	[LXM_RESTART_ON_FAILURE] = "on-failure",
	[LXM_RESTART_ALWAYS] = "always",
};

const char *lxm_restart_policy_to_string(enum lxm_restart_policy_kind p)
{
	return (size_t)p < ARRAY_SIZE(kinds) ? kinds[p] : NULL;
}

int lxm_restart_policy_from_string(const char *s, enum lxm_restart_policy_kind *ret)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(kinds); i++)
		if (STREQ(s, kinds[i])) {
			*ret = (enum lxm_restart_policy_kind)i;
			return 0;
		}
	return -EINVAL;
}

void lxm_restart_policy_from_config(cfg_t *cfg, struct lxm_restart_policy *ret)
{
	cfg_t *sec = cfg ? cfg_getsec(cfg, "restart") : NULL;
	*ret = (struct lxm_restart_policy){ .kind = LXM_RESTART_NO, .max = 5, .window = 300, .backoff = 1 };
	if (!sec)
		return;
	(void)lxm_restart_policy_from_string(cfg_getstr(sec, "policy"), &ret->kind);
	long max = cfg_getint(sec, "max"), window = cfg_getint(sec, "window"), backoff = cfg_getint(sec, "backoff");
	ret->max = max < 0 ? 0 : (unsigned)max;
	ret->window = window <= 0 ? 1 : (unsigned)window;
	ret->backoff = backoff < 0 ? 0 : (unsigned)backoff;
}

static bool wants_restart(enum lxm_restart_policy_kind k, const char *how)
{
	if (k == LXM_RESTART_NO)
		return false;
	bool failure = STREQ(how, "crashed") || STREQ(how, "killed");
	return failure || (k == LXM_RESTART_ALWAYS && STREQ(how, "clean"));
}

enum lxm_restart_verdict lxm_restart_decide(const struct lxm_restart_policy *p, struct lxm_restart_tracker *t,
					    const char *how, bool requested, uint64_t now_usec, uint64_t *ret_delay_ms)
{
	uint64_t window_usec = (uint64_t)p->window * 1000000;
	unsigned k = 0;

	if (requested || !how || !wants_restart(p->kind, how))
		return LXM_RESTART_VERDICT_STOP;
	/* Forget restarts older than the window. */
	for (unsigned i = 0; i < t->n; i++)
		if (now_usec - t->at[i] < window_usec)
			t->at[k++] = t->at[i];
	t->n = k;
	if (t->n >= p->max || t->n >= LXM_RESTART_HISTORY)
		return LXM_RESTART_VERDICT_GIVE_UP;
	uint64_t delay = (uint64_t)p->backoff * 1000;
	for (unsigned i = 0; i < t->n && delay < 3600 * 1000; i++)
		delay *= 2;
	if (delay > 3600 * 1000)
		delay = 3600 * 1000;
	t->at[t->n++] = now_usec;
	t->total++;
	*ret_delay_ms = delay;
	return LXM_RESTART_VERDICT_RESTART;
}
