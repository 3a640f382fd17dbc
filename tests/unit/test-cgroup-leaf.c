/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec's leaf cgroup (cgroup/exec-leaf.c) against fake cgroup trees (no root needed; the owner
 * checks with another uid need root to chown and are skipped without it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup/cgroup.h"
#include "util/macros.h"
#include "fake-files.h"

#define NAME "lxcmgr.payload.0123abcd"

static const char mi_unified[] = "26 23 0:24 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
static const char mi_hybrid[] = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
				"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
				"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
				"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

struct fake {
	char root[64];
	char mountinfo[96];
	char fs[96];
};

/* What the kernel shows in a new cgroup (the files the join and the checks touch). */
static void populate(const char *dir, bool v2)
{
	assert_true(mkdir(dir, 0755) == 0 || errno == EEXIST);
	put(dir, "cgroup.procs", "");
	if (v2) {
		put(dir, "cgroup.type", "domain\n");
		put(dir, "cgroup.freeze", "0\n");
		put(dir, "cgroup.threads", "");
		put(dir, "cgroup.subtree_control", "");
	}
}

static int setup(void **state, const char *mi)
{
	struct fake *f = calloc(1, sizeof(*f));

	snprintf(f->root, sizeof(f->root), "/tmp/test-cgleaf-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(f->fs, sizeof(f->fs), "%s/fs", f->root);
	assert_int_equal(mkdir(f->fs, 0755), 0);
	snprintf(f->mountinfo, sizeof(f->mountinfo), "%s/mountinfo", f->root);
	put(f->root, "mountinfo", mi);
	*state = f;
	return 0;
}

static int v2_setup(void **state)
{
	return setup(state, mi_unified);
}

static int hybrid_setup(void **state)
{
	static const char *const mounts[] = { "memory", "pids", "systemd", "unified" };
	struct fake *f;
	char p[160];

	setup(state, mi_hybrid);
	f = *state;
	for (size_t i = 0; i < ARRAY_SIZE(mounts); i++) {
		snprintf(p, sizeof(p), "%s/%s", f->fs, mounts[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* The payload and its inner cgroup as a start leaves them, in every hierarchy. */
static struct lxm_cgroup *open_payload(struct fake *f)
{
	struct lxm_cgroup *cg = NULL;

	assert_int_equal(lxm_cgroup_new(f->fs, f->mountinfo, NAME, &cg), 0);
	assert_int_equal(lxm_cgroup_set_inner(cg, LXM_CGROUP_INNER), 0);
	for (size_t i = 0; i < lxm_cgroup_n_hierarchies(cg); i++) {
		struct lxm_cgroup_hierarchy_info hi;

		assert_int_equal(lxm_cgroup_hierarchy(cg, i, &hi), 0);
		assert_true(mkdir(hi.path, 0755) == 0 || errno == EEXIST);
		populate(hi.path, hi.v2);
		populate(hi.inner, hi.v2);
	}
	return cg;
}

static const char *leaf_of(struct fake *f, const char *mount_name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s%s%s/%s/" LXM_CGROUP_INNER "/" LXM_CGROUP_EXEC_LEAF, f->fs, *mount_name ? "/" : "",
		 mount_name, NAME);
	return p;
}

/* v2: the first exec makes the leaf (attach first, mkdir on ENOENT), later ones join it; init's
 * attach still goes to the inner cgroup. */
static void test_v2_leaf(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = open_payload(f);
	char inner[256], leaf[256];
	struct stat st;

	snprintf(inner, sizeof(inner), "%s/%s/" LXM_CGROUP_INNER, f->fs, NAME);
	snprintf(leaf, sizeof(leaf), "%s", leaf_of(f, ""));
	/* a plain directory gets no cgroup files from mkdir: the join after it fails here */
	assert_int_equal(lxm_cgroup_attach_exec(cg, 42), -ENOENT);
	assert_int_equal(stat(leaf, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	populate(leaf, true);
	assert_int_equal(lxm_cgroup_attach_exec(cg, 42), 0);
	assert_string_equal(get(leaf, "cgroup.procs"), "42");
	assert_string_equal(get(inner, "cgroup.procs"), "");
	assert_int_equal(lxm_cgroup_attach(cg, 7), 0);
	assert_string_equal(get(inner, "cgroup.procs"), "7");
	assert_string_equal(get(leaf, "cgroup.procs"), "42");
}

/* A frozen leaf (a privileged container's root can freeze ours) is never joined: one still in
 * use is refused (an empty one would be removed and made again). */
static void test_v2_leaf_frozen(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = open_payload(f);
	char leaf[256];

	snprintf(leaf, sizeof(leaf), "%s", leaf_of(f, ""));
	populate(leaf, true);
	put(leaf, "cgroup.freeze", "1\n");
	/* a plain directory with files cannot be removed: stands for a cgroup still in use */
	assert_int_equal(lxm_cgroup_attach_exec(cg, 42), -EPERM);
	assert_string_equal(get(leaf, "cgroup.procs"), "");
	assert_non_null(strstr(lxm_cgroup_strerror(cg), "refusing to join it"));
}

/* A leaf the container's root made (its cgroup.type is the container's) is never joined; one we
 * made is handed to the inner cgroup's owner like the inner cgroup. Needs root to chown. */
static void test_v2_leaf_owner(void **state)
{
	struct fake *f = *state;
	char inner[256], leaf[256], p[300];
	struct stat st;

	if (geteuid() != 0) {
		skip(); /* before anything is allocated: skip() does not return */
		return;
	}
	_cleanup_cgroup_ struct lxm_cgroup *cg = open_payload(f);
	snprintf(inner, sizeof(inner), "%s/%s/" LXM_CGROUP_INNER, f->fs, NAME);
	snprintf(leaf, sizeof(leaf), "%s", leaf_of(f, ""));
	populate(leaf, true);
	snprintf(p, sizeof(p), "%s/cgroup.type", leaf);
	assert_int_equal(chown(p, 100000, 100000), 0);
	assert_int_equal(lxm_cgroup_attach_exec(cg, 42), -EPERM);
	assert_string_equal(get(leaf, "cgroup.procs"), "");
	assert_int_equal(chown(p, 0, 0), 0);
	assert_int_equal(lxm_cgroup_attach_exec(cg, 42), 0);
	assert_string_equal(get(leaf, "cgroup.procs"), "42");

	/* unprivileged: the inner cgroup is the container root's, so is a leaf we make */
	snprintf(p, sizeof(p), "rm -rf '%s'", leaf);
	assert_int_equal(system(p), 0);
	assert_int_equal(chown(inner, 100000, 100000), 0);
	assert_int_equal(lxm_cgroup_attach_exec(cg, 42), -ENOENT);
	assert_int_equal(stat(leaf, &st), 0);
	assert_int_equal(st.st_uid, 100000);
	assert_int_equal(st.st_gid, 100000);
}

/* Hybrid: the leaf in the unified and the name=systemd hierarchies, the inner cgroup in the v1
 * controller ones. */
static void test_hybrid_leaf(void **state)
{
	struct fake *f = *state;
	_cleanup_cgroup_ struct lxm_cgroup *cg = open_payload(f);
	char p[300];

	assert_int_equal(lxm_cgroup_n_hierarchies(cg), 4);
	populate(leaf_of(f, "unified"), true);
	populate(leaf_of(f, "systemd"), false);
	assert_int_equal(lxm_cgroup_attach_exec(cg, 42), 0);
	assert_string_equal(get(leaf_of(f, "unified"), "cgroup.procs"), "42");
	assert_string_equal(get(leaf_of(f, "systemd"), "cgroup.procs"), "42");
	snprintf(p, sizeof(p), "%s/memory/%s/" LXM_CGROUP_INNER, f->fs, NAME);
	assert_string_equal(get(p, "cgroup.procs"), "42");
	snprintf(p, sizeof(p), "%s/pids/%s/" LXM_CGROUP_INNER, f->fs, NAME);
	assert_string_equal(get(p, "cgroup.procs"), "42");
	struct stat st;
	assert_int_not_equal(stat(leaf_of(f, "memory"), &st), 0);
	assert_int_not_equal(stat(leaf_of(f, "pids"), &st), 0);
	/* stop removes the whole tree, the leaves included */
	assert_int_equal(lxm_cgroup_destroy(cg), 0);
	assert_false(lxm_cgroup_exists(cg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v2_leaf, v2_setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_leaf_frozen, v2_setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_leaf_owner, v2_setup, teardown),
		cmocka_unit_test_setup_teardown(test_hybrid_leaf, hybrid_setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
