/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Id maps: parsing, subuid/subgid allocation on fake files, id translation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "security/idmap.h"

static char dir[] = "/tmp/lxm-idmap-XXXXXX";
static char subuid[128], subgid[128], registry[128];
static struct lxm_idmap_files files = { subuid, subgid, registry };

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	put(subuid, "");
	put(subgid, "");
	unlink(registry);
	return 0;
}

static void test_parse(void **state)
{
	struct lxm_idmap m;
	_cleanup_free_ char *s = NULL;
	assert_int_equal(lxm_idmap_parse("u 0 100000 65536; g 0 100000 65536", &m), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.ranges[1].type, LXM_IDMAP_GID);
	assert_int_equal(m.ranges[1].host_id, 100000);
	assert_int_equal(lxm_idmap_to_string(&m, &s), 0);
	assert_string_equal(s, "u 0 100000 65536; g 0 100000 65536");

	assert_int_equal(lxm_idmap_parse("u 0 100000 1000;u 1000 1000 1; g 0 200000 65536;", &m), 0);
	assert_int_equal(m.n, 3);

	const char *bad[] = {
		"u 0 100000 65536",                      /* no g */
		"u 0 100000 65536; x 0 1 1; g 0 1 1",    /* bad type */
		"u 0 100000; g 0 100000 65536",          /* too few fields */
		"u 0 100000 65536 7; g 0 100000 65536",  /* too many */
		"u 0 100000 0; g 0 100000 65536",        /* empty range */
		"u -1 100000 5; g 0 100000 65536",       /* negative */
		"u 0 100000 65536; u 10 300000 5; g 0 1 1", /* overlapping container ids */
		"u 0 4294967295 2; g 0 1 1",             /* wraps */
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lxm_idmap_parse(bad[i], &m) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
}

static void test_map_id(void **state)
{
	struct lxm_idmap m;
	uint32_t id;
	assert_int_equal(lxm_idmap_parse("u 0 100000 65536; g 0 200000 100", &m), 0);
	assert_int_equal(lxm_idmap_map_id(&m, LXM_IDMAP_UID, 0, true, &id), 0);
	assert_int_equal(id, 100000);
	assert_int_equal(lxm_idmap_map_id(&m, LXM_IDMAP_UID, 65535, true, &id), 0);
	assert_int_equal(id, 165535);
	assert_int_equal(lxm_idmap_map_id(&m, LXM_IDMAP_UID, 65536, true, &id), -ERANGE);
	assert_int_equal(lxm_idmap_map_id(&m, LXM_IDMAP_GID, 200005, false, &id), 0);
	assert_int_equal(id, 5);
	assert_int_equal(lxm_idmap_map_id(&m, LXM_IDMAP_GID, 0, false, &id), -ERANGE);
}

static void test_auto_existing(void **state)
{
	struct lxm_idmap m;
	put(subuid, "alice:100000:65536\nroot:300000:65536\n");
	put(subgid, "root:300000:131072\n");
	assert_int_equal(lxm_idmap_resolve("auto", "u1", &files, &m), 0);
	assert_int_equal(m.ranges[0].host_id, 300000);
	assert_int_equal(m.ranges[0].count, 65536);
	assert_int_equal(m.ranges[1].host_id, 300000);
	assert_string_equal(get(subuid), "alice:100000:65536\nroot:300000:65536\n"); /* untouched */
}

static void test_auto_appends(void **state)
{
	struct lxm_idmap m;
	put(subuid, "alice:100000:65536"); /* no final newline */
	put(subgid, "bob:165536:65536\n");
	assert_int_equal(lxm_idmap_resolve("auto", "u1", &files, &m), 0);
	/* Past every existing range of any owner. */
	assert_int_equal(m.ranges[0].host_id, 231072);
	assert_string_equal(get(subuid), "alice:100000:65536\nroot:231072:65536\n");
	assert_string_equal(get(subgid), "bob:165536:65536\nroot:231072:65536\n");
	/* The second container reuses root's block. */
	assert_int_equal(lxm_idmap_resolve("auto", "u2", &files, &m), 0);
	assert_int_equal(m.ranges[0].host_id, 231072);
	assert_string_equal(get(subuid), "alice:100000:65536\nroot:231072:65536\n");
}

static void test_auto_empty_files(void **state)
{
	struct lxm_idmap m;
	unlink(subuid);
	unlink(subgid);
	assert_int_equal(lxm_idmap_resolve("auto", "u1", &files, &m), 0);
	assert_string_equal(get(subuid), "root:100000:65536\n");
}

static void test_isolated(void **state)
{
	struct lxm_idmap a, b, a2, c, au;
	put(subuid, "root:100000:196608\n");
	put(subgid, "root:100000:196608\n");
	assert_int_equal(lxm_idmap_resolve("isolated", "uuid-a", &files, &a), 0);
	assert_int_equal(lxm_idmap_resolve("isolated", "uuid-b", &files, &b), 0);
	/* Never the block of root's first delegation: that one is every "auto" container's. */
	assert_int_equal(a.ranges[0].host_id, 165536);
	assert_int_equal(b.ranges[0].host_id, 231072);
	assert_int_equal(lxm_idmap_resolve("auto", "uuid-auto", &files, &au), 0);
	assert_int_equal(au.ranges[0].host_id, 100000);
	/* Stable across starts. */
	assert_int_equal(lxm_idmap_resolve("isolated", "uuid-a", &files, &a2), 0);
	assert_int_equal(a2.ranges[0].host_id, 165536);
	/* Delegation used up: a new block is appended for root. */
	assert_int_equal(lxm_idmap_resolve("isolated", "uuid-c", &files, &c), 0);
	assert_int_equal(c.ranges[0].host_id, 296608);
	assert_string_equal(get(subuid), "root:100000:196608\nroot:296608:65536\n");
	assert_string_equal(get(registry), "uuid-a 165536\nuuid-b 231072\nuuid-c 296608\n");
	uint32_t start;
	assert_int_equal(lxm_idmap_registry_lookup("uuid-b", &files, &start), 0);
	assert_int_equal(start, 231072);
	assert_int_equal(lxm_idmap_registry_lookup("uuid-x", &files, &start), -ENOENT);
	/* Release frees the block for the next container. */
	assert_int_equal(lxm_idmap_release("uuid-b", &files), 0);
	assert_string_equal(get(registry), "uuid-a 165536\nuuid-c 296608\n");
	assert_int_equal(lxm_idmap_registry_lookup("uuid-b", &files, &start), -ENOENT);
	assert_int_equal(lxm_idmap_resolve("isolated", "uuid-d", &files, &b), 0);
	assert_int_equal(b.ranges[0].host_id, 231072);
}

/* root's only delegation is the "auto" block: an isolated container gets a new one, not that. */
static void test_isolated_not_auto(void **state)
{
	struct lxm_idmap i, au;
	put(subuid, "root:100000:65536\n");
	put(subgid, "root:100000:65536\n");
	assert_int_equal(lxm_idmap_resolve("auto", "u-auto", &files, &au), 0);
	assert_int_equal(lxm_idmap_resolve("isolated", "u-iso", &files, &i), 0);
	assert_int_equal(au.ranges[0].host_id, 100000);
	assert_int_equal(i.ranges[0].host_id, 165536);
	assert_int_equal(i.ranges[1].host_id, 165536);
	assert_string_equal(get(subgid), "root:100000:65536\nroot:165536:65536\n");
}

/* No delegation at all, the isolated container first: the "auto" block is delegated before its
 * own, so that the later "auto" containers do not take its block as root's first delegation. */
static void test_isolated_first(void **state)
{
	struct lxm_idmap i, au;
	unlink(subuid);
	unlink(subgid);
	assert_int_equal(lxm_idmap_resolve("isolated", "u-iso", &files, &i), 0);
	assert_int_equal(lxm_idmap_resolve("auto", "u-auto", &files, &au), 0);
	assert_int_equal(au.ranges[0].host_id, 100000);
	assert_int_equal(i.ranges[0].host_id, 165536);
	assert_string_equal(get(subuid), "root:100000:65536\nroot:165536:65536\n");
	assert_string_equal(get(subgid), "root:100000:65536\nroot:165536:65536\n");
}

/* A registry written by an earlier lxcmgr that gave an isolated container the "auto" block: the
 * container gets a block of its own at its next start, the others' lines stay. */
static void test_isolated_was_auto(void **state)
{
	struct lxm_idmap i;
	put(subuid, "root:100000:196608\n");
	put(subgid, "root:100000:196608\n");
	put(registry, "old 100000\nother 165536\n");
	assert_int_equal(lxm_idmap_resolve("isolated", "old", &files, &i), 0);
	assert_int_equal(i.ranges[0].host_id, 231072);
	assert_string_equal(get(registry), "other 165536\nold 231072\n");
	assert_int_equal(lxm_idmap_resolve("isolated", "old", &files, &i), 0);
	assert_int_equal(i.ranges[0].host_id, 231072);
}

static void test_isolated_revoked(void **state)
{
	struct lxm_idmap a;
	put(subuid, "root:100000:65536\n");
	put(subgid, "root:100000:65536\n");
	assert_int_equal(lxm_idmap_resolve("isolated", "uuid-a", &files, &a), 0);
	put(subuid, "alice:100000:65536\n");
	assert_int_equal(lxm_idmap_resolve("isolated", "uuid-a", &files, &a), -EPERM);
}

static void test_release(void **state)
{
	struct lxm_idmap m;
	put(subuid, "root:100000:262144\n");
	put(subgid, "root:100000:262144\n");
	/* No registry yet: nothing to release. */
	assert_int_equal(lxm_idmap_release("uuid-a", &files), 0);
	assert_int_equal(lxm_idmap_resolve("isolated", "uuid-a", &files, &m), 0);
	assert_int_equal(lxm_idmap_resolve("isolated", "uuid-ab", &files, &m), 0);
	assert_int_equal(lxm_idmap_resolve("isolated", "uuid-b", &files, &m), 0);
	/* A uuid that is a prefix of another releases only its own line. */
	assert_int_equal(lxm_idmap_release("uuid-a", &files), 0);
	assert_string_equal(get(registry), "uuid-ab 231072\nuuid-b 296608\n");
	assert_int_equal(lxm_idmap_release("unknown", &files), 0);
	assert_string_equal(get(registry), "uuid-ab 231072\nuuid-b 296608\n");
	/* The lowest free block goes to the next container (not the "auto" one); nothing new
	 * delegated. */
	assert_int_equal(lxm_idmap_resolve("isolated", "uuid-c", &files, &m), 0);
	assert_int_equal(m.ranges[0].host_id, 165536);
	assert_int_equal(m.ranges[1].host_id, 165536);
	assert_string_equal(get(subuid), "root:100000:262144\n");
	/* An isolated map needs a usable uuid (it is the registry key). */
	assert_int_equal(lxm_idmap_resolve("isolated", "", &files, &m), -EINVAL);
	assert_int_equal(lxm_idmap_resolve("isolated", "a b", &files, &m), -EINVAL);
}

static void test_isolated_other_owners(void **state)
{
	struct lxm_idmap m;
	/* Root's uid and gid delegations differ: a block must be delegated in both. */
	put(subuid, "root:100000:131072\nalice:231072:65536\n");
	put(subgid, "root:165536:65536\n");
	assert_int_equal(lxm_idmap_resolve("isolated", "u1", &files, &m), 0);
	assert_int_equal(m.ranges[0].host_id, 165536);
	/* No range of root starts with a block delegated in both: the "auto" block was delegated
	 * first, past every owner's range (296608), and the next isolated one after it. */
	assert_int_equal(lxm_idmap_resolve("isolated", "u2", &files, &m), 0);
	assert_int_equal(m.ranges[0].host_id, 362144);
	assert_string_equal(get(subgid), "root:165536:65536\nroot:296608:65536\nroot:362144:65536\n");
	assert_int_equal(lxm_idmap_resolve("auto", "u3", &files, &m), 0);
	assert_int_equal(m.ranges[0].host_id, 296608);
}

static void test_files_env(void **state)
{
	struct lxm_idmap_files f;
	setenv("LXCMGR_SUBUID", "/x/subuid", 1);
	setenv("LXCMGR_IDMAP_REGISTRY", "/x/reg", 1);
	unsetenv("LXCMGR_SUBGID");
	lxm_idmap_files_default(&f);
	assert_string_equal(f.subuid, "/x/subuid");
	assert_string_equal(f.subgid, "/etc/subgid");
	assert_string_equal(f.registry, "/x/reg");
	unsetenv("LXCMGR_SUBUID");
	unsetenv("LXCMGR_IDMAP_REGISTRY");
	lxm_idmap_files_default(&f);
	assert_string_equal(f.subuid, "/etc/subuid");
	assert_string_equal(f.registry, "/var/lib/lxcmgr/idmap-isolated");
}

static void test_explicit(void **state)
{
	struct lxm_idmap m;
	assert_int_equal(lxm_idmap_resolve("u 0 500000 65536; g 0 500000 65536", "x", &files, &m), 0);
	assert_int_equal(m.ranges[0].host_id, 500000);
	assert_int_equal(lxm_idmap_resolve("u 0 1", "x", &files, &m), -EINVAL);
}

static int group_setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(subuid, sizeof(subuid), "%s/subuid", dir);
	snprintf(subgid, sizeof(subgid), "%s/subgid", dir);
	snprintf(registry, sizeof(registry), "%s/registry", dir);
	return 0;
}

static int group_teardown(void **state)
{
	unlink(subuid);
	unlink(subgid);
	unlink(registry);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_map_id),
		cmocka_unit_test_setup(test_auto_existing, setup),
		cmocka_unit_test_setup(test_auto_appends, setup),
		cmocka_unit_test_setup(test_auto_empty_files, setup),
		cmocka_unit_test_setup(test_isolated, setup),
		cmocka_unit_test_setup(test_isolated_not_auto, setup),
		cmocka_unit_test_setup(test_isolated_first, setup),
		cmocka_unit_test_setup(test_isolated_was_auto, setup),
		cmocka_unit_test_setup(test_isolated_revoked, setup),
		cmocka_unit_test_setup(test_explicit, setup),
		cmocka_unit_test_setup(test_release, setup),
		cmocka_unit_test_setup(test_isolated_other_owners, setup),
		cmocka_unit_test(test_files_env),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
