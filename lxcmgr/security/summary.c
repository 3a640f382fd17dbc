/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cfg-get.h"
#include "security/apparmor.h"
#include "security/idmap.h"
#include "security/summary.h"
#include "util/macros.h"

bool lxm_security_wants_userns(cfg_t *cfg)
{
	/* Without a security section (a config from before unprivileged was the default) the
	 * schema's default applies: unprivileged. */
	return !lxm_cfg_bool(cfg, "security.privileged", false);
}

int lxm_security_summary(cfg_t *cfg, struct lxm_security_summary *ret)
{
	struct lxm_security_summary s = { .mode = "privileged", .privileged = true };
	const char *v;

	if (lxm_security_wants_userns(cfg)) {
		s.mode = "unprivileged (user namespace)";
		s.privileged = false;
		v = lxm_cfg_str(cfg, "security.idmap");
		const char *shifted = lxm_cfg_str(cfg, "security.idmap_shifted");
		/* Say when the owners on disk are host ids: backups and tools reading the store see them. */
		/* "isolated": the container's own block, once its first start (or create) took one. */
		char block[64] = "";
		struct lxm_idmap_files files;
		uint32_t start;
		lxm_idmap_files_default(&files);
		const char *uuid = lxm_cfg_str(cfg, "uuid");
		if (v && STREQ(v, "isolated") && uuid && lxm_idmap_registry_lookup(uuid, &files, &start) >= 0)
			snprintf(block, sizeof(block), " (host ids %" PRIu32 "-%" PRIu32 ")", start, start + LXM_IDMAP_BLOCK - 1);
		char *text = NULL;
		if (!IS_EMPTY(shifted) ? asprintf(&text, "%s%s (ownership shifted on disk: %s)", v ? v : "auto", block, shifted) < 0
				       : asprintf(&text, "%s%s", v ? v : "auto", block) < 0)
			goto oom;
		s.idmap = text;
	}
	v = lxm_cfg_str(cfg, "security.seccomp");
	if (!v || STREQ(v, "default")) {
		if (!(s.seccomp = strdup("default deny-list")))
			goto oom;
	} else if (!(s.seccomp = strdup(v)))
		goto oom;
	s.no_new_privs = lxm_cfg_bool(cfg, "security.no_new_privs", false);
	int r = lxm_apparmor_status(lxm_cfg_str(cfg, "security.apparmor"), lxm_cfg_str(cfg, "uuid"), &s.apparmor);
	if (r < 0) {
		lxm_security_summary_done(&s);
		return r;
	}
	*ret = s;
	return 0;
oom:
	lxm_security_summary_done(&s);
	return -ENOMEM;
}

void lxm_security_summary_done(struct lxm_security_summary *s)
{
	free(s->idmap);
	free(s->seccomp);
	free(s->apparmor);
	*s = (struct lxm_security_summary){ 0 };
}
