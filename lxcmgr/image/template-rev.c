/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "image/template-rev.h"
#include "util/log.h"
#include "util/macros.h"
#include "util/sha256.h"

/* Adds "NAME\0SIZE\0CONTENT" of the regular file name in dfd (or path when dfd is AT_FDCWD). */
static int hash_file(struct lxm_sha256 *s, int dfd, const char *name)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char buf[16384], size[32];
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	lxm_sha256_update(s, base, strlen(base) + 1);
	lxm_sha256_update(s, size, (size_t)snprintf(size, sizeof(size), "%lld", (long long)st.st_size) + 1);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		lxm_sha256_update(s, buf, (size_t)n);
	return n < 0 ? negative_errno() : 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int hash_lib(struct lxm_sha256 *s, const char *template_path)
{
	_cleanup_free_ char *lib = NULL;
	_cleanup_close_ int dfd = -EBADF;
	struct dirent **names = NULL;
	const char *slash = strrchr(template_path, '/');
	int n, r = 0;

	if (asprintf(&lib, "%.*s/lib", slash ? (int)(slash - template_path) : 1, slash ? template_path : ".") < 0)
		return -ENOMEM;
	dfd = open(lib, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : negative_errno(); /* a template without helpers */
	n = scandir(lib, &names, NULL, by_name);
	if (n < 0)
		return negative_errno();
	for (int i = 0; i < n; i++) {
		struct stat st;
		if (r >= 0 && names[i]->d_name[0] != '.' &&
		    fstatat(dfd, names[i]->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			r = hash_file(s, dfd, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return r;
}

int lxm_template_rev(const char *template_path, char ret[LXM_TEMPLATE_REV_SIZE])
{
	struct lxm_sha256 s;
	uint8_t digest[LXM_SHA256_SIZE];
	char hex[LXM_SHA256_HEX_SIZE];
	int r;

	lxm_sha256_init(&s);
	r = hash_file(&s, AT_FDCWD, template_path);
	if (r >= 0)
		r = hash_lib(&s, template_path);
	if (r < 0)
		return log_debug_errno(r, "Failed to read template '%s' for its revision: %m", template_path);
	lxm_sha256_final(&s, digest);
	lxm_sha256_to_hex(digest, hex);
	memcpy(ret, hex, LXM_TEMPLATE_REV_HEX);
	ret[LXM_TEMPLATE_REV_HEX] = '\0';
	return 0;
}
