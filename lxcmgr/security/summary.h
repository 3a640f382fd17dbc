/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a container's security settings amount to on this host, for `info` and the runtime. */
#pragma once

#include <confuse.h>
#include <stdbool.h>

/* true unless the config says `security { privileged = true }`: a user namespace is the default. */
bool lxm_security_wants_userns(cfg_t *cfg);

struct lxm_security_summary {
	const char *mode; /* "privileged" or "unprivileged (user namespace)"; static */
	char *idmap;      /* the idmap setting when unprivileged, else NULL */
	char *seccomp;    /* "default (configs/seccomp/default)", "none", or the profile path */
	char *apparmor;   /* lxm_apparmor_status() */
	bool no_new_privs;
	bool privileged; /* no user namespace */
};

int lxm_security_summary(cfg_t *cfg, struct lxm_security_summary *ret);
void lxm_security_summary_done(struct lxm_security_summary *s);
