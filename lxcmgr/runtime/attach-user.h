/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Users and groups as the container defines them: its own /etc/passwd and /etc/group, parsed as
 * plain files from inside its mount namespace (never the host's NSS). */
#pragma once

#include <sys/types.h>

#define LXM_ATTACH_MAX_GROUPS 64

struct lxm_attach_user {
	uid_t uid;
	gid_t gid;
	char name[64];  /* "" when the uid has no passwd entry */
	char home[256]; /* "/" when unknown */
	char shell[256];
	gid_t groups[LXM_ATTACH_MAX_GROUPS]; /* supplementary */
	size_t n_groups;
};

/* Resolves "USER[:GROUP]" (names or numbers; NULL means root) against passwd/group files (the
 * paths are parameters so unit tests can pass their own). -ESRCH (not logged) for an unknown name. */
int lxm_attach_user_resolve(const char *spec, const char *passwd_path, const char *group_path,
			    struct lxm_attach_user *ret);
