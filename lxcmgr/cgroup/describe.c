/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cgroup part of `lxcmgr check`: layout, hierarchies, controllers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/detect.h"
#include "cgroup/internal.h"
#include "util/log.h"
#include "util/macros.h"

/* v1: the enabled controllers of /proc/cgroups ("name hierarchy num enabled"). */
static int proc_cgroups(FILE *out)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/cgroups", "re");
	_cleanup_free_ char *line = NULL;
	size_t size = 0;
	bool first = true;

	if (!f)
		return negative_errno();
	fputs("  v1 controllers (/proc/cgroups):", out);
	while (getline(&line, &size, f) >= 0) {
		char name[64];
		unsigned hier, num, enabled;

		if (line[0] == '#' || sscanf(line, "%63s %u %u %u", name, &hier, &num, &enabled) != 4)
			continue;
		fprintf(out, "%s%s%s", first ? " " : ", ", name, !enabled ? " (disabled)" : hier == 0 ? " (unmounted)" : "");
		first = false;
	}
	fputc('\n', out);
	return 0;
}

int lxm_cgroup_describe(const char *fs_root, const char *mountinfo_path, char **ret)
{
	struct lxm_cgroup_mounts ms = {};
	struct lxm_cgroup_self *self = NULL;
	size_t nself = 0, size = 0;
	char *text = NULL;
	FILE *out;
	int r;

	r = lxm_cgroup_parse_mountinfo(mountinfo_path, &ms);
	if (r < 0)
		return r;
	/* Our own cgroups only make sense for the real host. */
	if (!mountinfo_path && lxm_cgroup_parse_proc_cgroup(NULL, &self, &nself) < 0)
		nself = 0;
	out = open_memstream(&text, &size);
	if (!out) {
		lxm_cgroup_mounts_done(&ms);
		lxm_cgroup_self_free(self, nself);
		return -ENOMEM;
	}
	fprintf(out, "cgroup layout: %s\n", lxm_cgroup_layout_to_string(ms.layout));
	for (size_t i = 0; i < ms.n; i++) {
		const struct lxm_cgroup_mount *m = &ms.m[i];
		const struct lxm_cgroup_self *s = lxm_cgroup_self_find(self, nself, m);
		_cleanup_free_ char *ctrl = NULL, *own = NULL, *root = NULL;

		if (m->v2) {
			if (fs_root)
				r = asprintf(&root, "%s%s%s", fs_root, *m->name ? "/" : "", m->name);
			else
				r = (root = strdup(m->mountpoint)) ? 0 : -1;
			if (r < 0 || lxm_cg_read(root, "cgroup.controllers", &ctrl) < 0)
				ctrl = NULL;
		}
		if (s)
			(void)lxm_cgroup_self_relative(s, m, &own);
		fprintf(out, "  %-8s %s %s: %s%s%s\n", m->v2 ? "cgroup2" : "cgroup", m->mountpoint,
			m->v2 ? "controllers" : "hierarchy", m->v2 ? (ctrl && *ctrl ? ctrl : "(none)") : m->controllers,
			own ? ", own cgroup " : "", own ?: "");
	}
	if (!fs_root && ms.layout != LXM_CGROUP_LAYOUT_UNIFIED)
		(void)proc_cgroups(out);
	lxm_cgroup_mounts_done(&ms);
	lxm_cgroup_self_free(self, nself);
	if (fclose(out) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}
