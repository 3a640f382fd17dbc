/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ownership shifting: id translation, the xattr rewrites, and the walker on a fake tree (a fake
 * chown records what would change; as root a second test shifts for real). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "security/idshift.h"

static struct lxm_idmap map_a, map_b;

static int group_setup(void **state)
{
	if (lxm_idmap_parse("u 0 100000 65536; g 0 100000 65536", &map_a) < 0 ||
	    lxm_idmap_parse("u 0 300000 65536; g 0 400000 65536", &map_b) < 0)
		return -1;
	return 0;
}

static void test_id(void **state)
{
	uint32_t id;
	assert_int_equal(lxm_idshift_id(NULL, &map_a, LXM_IDMAP_UID, 0, &id), 0);
	assert_int_equal(id, 100000);
	assert_int_equal(lxm_idshift_id(NULL, &map_a, LXM_IDMAP_GID, 65535, &id), 0);
	assert_int_equal(id, 165535);
	assert_int_equal(lxm_idshift_id(NULL, &map_a, LXM_IDMAP_UID, 65536, &id), -ERANGE);
	/* Back to container ids, and from one container's block to another's. */
	assert_int_equal(lxm_idshift_id(&map_a, NULL, LXM_IDMAP_UID, 100033, &id), 0);
	assert_int_equal(id, 33);
	assert_int_equal(lxm_idshift_id(&map_a, &map_b, LXM_IDMAP_GID, 100005, &id), 0);
	assert_int_equal(id, 400005);
	assert_int_equal(lxm_idshift_id(&map_a, &map_b, LXM_IDMAP_UID, 5, &id), -ERANGE);
}

static void test_fscaps(void **state)
{
	uint32_t v3[6] = { htole32(0x03000000u | 1), htole32(1u << 13), 0, 0, 0, htole32(0) };
	assert_int_equal(lxm_idshift_fscaps(v3, sizeof(v3), NULL, &map_a), 0);
	assert_int_equal(le32toh(v3[5]), 100000); /* rootid follows root */
	assert_int_equal(le32toh(v3[1]), 1u << 13);
	assert_int_equal(lxm_idshift_fscaps(v3, sizeof(v3), &map_a, &map_b), 0);
	assert_int_equal(le32toh(v3[5]), 300000);

	uint32_t v2[5] = { htole32(0x02000000u | 1), htole32(1u << 13), 0, 0, 0 };
	uint32_t copy[5];
	memcpy(copy, v2, sizeof(v2));
	assert_int_equal(lxm_idshift_fscaps(v2, sizeof(v2), NULL, &map_a), 0);
	assert_memory_equal(v2, copy, sizeof(v2)); /* no owner in v2: untouched */
	assert_int_equal(lxm_idshift_fscaps(v3, 23, NULL, &map_a), -EINVAL);
	assert_int_equal(lxm_idshift_fscaps(v3, 2, NULL, &map_a), -EINVAL);
}

struct acl_entry {
	uint16_t tag, perm;
	uint32_t id;
};

static void test_acl(void **state)
{
	struct {
		uint32_t version;
		struct acl_entry e[5];
	} acl = { htole32(2),
		  { { htole16(0x01), htole16(7), htole32(UINT32_MAX) },  /* USER_OBJ: no id */
		    { htole16(0x02), htole16(6), htole32(1000) },        /* USER 1000 */
		    { htole16(0x04), htole16(5), htole32(UINT32_MAX) },  /* GROUP_OBJ */
		    { htole16(0x08), htole16(4), htole32(33) },          /* GROUP 33 */
		    { htole16(0x20), htole16(0), htole32(UINT32_MAX) } } };
	assert_int_equal(lxm_idshift_acl(&acl, sizeof(acl), NULL, &map_a), 0);
	assert_int_equal(le32toh(acl.e[0].id), UINT32_MAX);
	assert_int_equal(le32toh(acl.e[1].id), 101000);
	assert_int_equal(le32toh(acl.e[3].id), 100033);
	assert_int_equal(le32toh(acl.e[4].id), UINT32_MAX);
	assert_int_equal(lxm_idshift_acl(&acl, sizeof(acl), &map_a, NULL), 0);
	assert_int_equal(le32toh(acl.e[1].id), 1000);
	assert_int_equal(lxm_idshift_acl(&acl, sizeof(acl) - 1, NULL, &map_a), -EINVAL);
	acl.version = htole32(1);
	assert_int_equal(lxm_idshift_acl(&acl, sizeof(acl), NULL, &map_a), -EINVAL);
}

/* ---- the walker on a fake tree ---- */

struct call {
	ino_t ino;
	uid_t uid;
	gid_t gid;
	bool link;
};
static struct call calls[64];
static unsigned n_calls;

static int fake_chown(int fd, uid_t uid, gid_t gid, void *userdata)
{
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(n_calls < 64);
	calls[n_calls++] = (struct call){ st.st_ino, uid, gid, S_ISLNK(st.st_mode) };
	return 0;
}

static unsigned calls_for(ino_t ino)
{
	unsigned n = 0;
	for (unsigned i = 0; i < n_calls; i++)
		n += calls[i].ino == ino;
	return n;
}

static ino_t ino_of(const char *dir, const char *rel)
{
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(lstat(p, &st), 0);
	return st.st_ino;
}

static void make_tree(char *dir, char *outside)
{
	char p[256], q[256];
	assert_non_null(mkdtemp(dir));
	assert_non_null(mkdtemp(outside));
#define P(fmt, ...) (snprintf(p, sizeof(p), "%s/" fmt, dir, ##__VA_ARGS__), p)
	assert_int_equal(mkdir(P("etc"), 0755), 0);
	assert_int_equal(mkdir(P("etc/sub"), 0700), 0);
	assert_int_equal(close(open(P("etc/passwd"), O_CREAT | O_WRONLY | O_CLOEXEC, 0644)), 0);
	assert_int_equal(close(open(P("bin-su"), O_CREAT | O_WRONLY | O_CLOEXEC, 04755)), 0);
	assert_int_equal(chmod(P("bin-su"), 04755), 0);
	snprintf(q, sizeof(q), "%s/bin-su", dir);
	assert_int_equal(link(q, P("etc/sub/su-hardlink")), 0);
	snprintf(q, sizeof(q), "%s/host-file", outside);
	assert_int_equal(close(open(q, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)), 0);
	/* Planted by the container: must be chowned as links, never through them. */
	assert_int_equal(symlink(q, P("etc/shadow")), 0);
	assert_int_equal(symlink(outside, P("etc/hostdir")), 0);
	assert_int_equal(symlink("/nonexistent", P("dangling")), 0);
#undef P
}

static void rm_tree(const char *dir, const char *outside)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, outside);
	assert_int_equal(system(cmd), 0);
}

static void test_walk_fake(void **state)
{
	char dir[] = "/tmp/lxm-idshift-XXXXXX", outside[] = "/tmp/lxm-idshift-host-XXXXXX";
	struct lxm_idshift_ops ops = { fake_chown, NULL };
	struct lxm_idshift_stats st;
	uint32_t want_uid, want_gid;

	make_tree(dir, outside);
	n_calls = 0;
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(lxm_idshift_tree(fd, NULL, &map_a, &ops, &st), 0);
	close(fd);

	/* root, etc, etc/sub, passwd, bin-su (two names, one inode), 3 symlinks. */
	assert_int_equal(n_calls, 8);
	assert_int_equal(st.files, 8);
	assert_int_equal(st.unmapped, 0);
	assert_int_equal(calls_for(ino_of(dir, "bin-su")), 1);
	assert_int_equal(calls_for(ino_of(dir, "etc/shadow")), 1);
	assert_int_equal(calls_for(ino_of(dir, "etc/hostdir")), 1);
	assert_int_equal(calls_for(ino_of(outside, "host-file")), 0);
	assert_int_equal(calls_for(ino_of(outside, ".")), 0);
	for (unsigned i = 0; i < n_calls; i++)
		if (calls[i].ino == ino_of(dir, "etc/shadow"))
			assert_true(calls[i].link);
	assert_int_equal(lxm_idshift_id(NULL, &map_a, LXM_IDMAP_UID, getuid(), &want_uid), getuid() < 65536 ? 0 : -ERANGE);
	if (getuid() < 65536 && getgid() < 65536) {
		assert_int_equal(lxm_idshift_id(NULL, &map_a, LXM_IDMAP_GID, getgid(), &want_gid), 0);
		assert_int_equal(calls[0].uid, want_uid);
		assert_int_equal(calls[0].gid, want_gid);
	}
	rm_tree(dir, outside);
}

/* As root, for real: owners shifted, setuid kept, the host file behind a planted link untouched,
 * and shifting back restores the original owners. */
static void test_walk_root(void **state)
{
	char dir[] = "/tmp/lxm-idshift-XXXXXX", outside[] = "/tmp/lxm-idshift-host-XXXXXX", p[256];
	struct stat st;

	if (geteuid() != 0)
		skip();
	make_tree(dir, outside);
	snprintf(p, sizeof(p), "%s/etc/passwd", dir);
	assert_int_equal(chown(p, 33, 44), 0);
	/* A bind mount of a host directory below the tree (same filesystem): never entered. In a
	 * private mount namespace, so nothing leaks onto the host. */
	assert_int_equal(unshare(CLONE_NEWNS), 0);
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	snprintf(p, sizeof(p), "%s/etc/sub", dir);
	assert_int_equal(mount(outside, p, NULL, MS_BIND, NULL), 0);
	/* A file capability (v3, root = container uid 0) and a named-user ACL entry. */
	uint32_t caps[6] = { htole32(0x03000000u | 1), htole32(1u << 13), 0, 0, 0, htole32(0) };
	char su[256];
	snprintf(su, sizeof(su), "%s/bin-su", dir);
	bool have_caps = setxattr(su, "security.capability", caps, sizeof(caps), 0) == 0;
	struct {
		uint32_t version;
		struct acl_entry e[5];
	} acl = { htole32(2),
		  { { htole16(0x01), htole16(6), htole32(UINT32_MAX) }, { htole16(0x02), htole16(4), htole32(1000) },
		    { htole16(0x04), htole16(4), htole32(UINT32_MAX) }, { htole16(0x10), htole16(4), htole32(UINT32_MAX) },
		    { htole16(0x20), htole16(4), htole32(UINT32_MAX) } } };
	char passwd[256];
	snprintf(passwd, sizeof(passwd), "%s/etc/passwd", dir);
	bool have_acl = setxattr(passwd, "system.posix_acl_access", &acl, sizeof(acl), 0) == 0;

	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(lxm_idshift_tree(fd, NULL, &map_b, NULL, NULL), 0);
	if (have_caps) {
		uint32_t got[6] = {};
		ssize_t n = getxattr(su, "security.capability", got, sizeof(got));
		assert_true(n == 20 || n == 24); /* survived the chown */
		assert_int_equal(le32toh(got[1]), 1u << 13);
		if (n == 24)
			assert_int_equal(le32toh(got[5]), 300000); /* root of the capability moved along */
	} else
		print_message("no file capabilities on this filesystem: not checked\n");
	if (have_acl) {
		memset(&acl, 0, sizeof(acl));
		assert_int_equal(getxattr(passwd, "system.posix_acl_access", &acl, sizeof(acl)), sizeof(acl));
		assert_int_equal(le32toh(acl.e[1].id), 301000);
	} else
		print_message("no POSIX ACLs on this filesystem: not checked\n");

	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_uid, 0); /* the bind-mounted host directory */
	snprintf(p, sizeof(p), "%s/etc/passwd", dir);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_uid, 300033);
	assert_int_equal(st.st_gid, 400044);
	snprintf(p, sizeof(p), "%s/bin-su", dir);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_uid, 300000);
	assert_int_equal(st.st_mode & 07777, 04755);
	snprintf(p, sizeof(p), "%s/etc/shadow", dir);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_uid, 300000); /* the link itself */
	snprintf(p, sizeof(p), "%s/host-file", outside);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_uid, 0);
	snprintf(p, sizeof(p), "%s", outside);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_uid, 0);

	snprintf(p, sizeof(p), "%s/etc/sub", dir);
	assert_int_equal(umount2(p, MNT_DETACH), 0);
	assert_int_equal(lxm_idshift_tree(fd, &map_b, NULL, NULL, NULL), 0);
	snprintf(p, sizeof(p), "%s/etc/passwd", dir);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(st.st_uid, 33);
	assert_int_equal(st.st_gid, 44);
	close(fd);
	rm_tree(dir, outside);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_fscaps),
		cmocka_unit_test(test_acl),
		cmocka_unit_test(test_walk_fake),
		cmocka_unit_test(test_walk_root),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
