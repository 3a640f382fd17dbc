/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "services/export-meta.h"
#include "store/store.h"
#include "util/log.h"

int lxm_export_meta_format(const struct lxm_export_meta *m, char **ret)
{
	char *s = NULL;
	int n = asprintf(&s, "format = %u\nname = %s\nconfig_sha256 = %s\nrootfs_sha256 = %s\n%s%s%s", m->format,
			 m->name, m->config_sha256, m->rootfs_sha256, m->snapshots_sha256[0] ? "snapshots_sha256 = " : "",
			 m->snapshots_sha256, m->snapshots_sha256[0] ? "\n" : "");
	if (n < 0)
		return -ENOMEM;
	*ret = s;
	return 0;
}

static bool is_sha256_hex(const char *v)
{
	if (strlen(v) != LXM_SHA256_HEX_SIZE - 1)
		return false;
	for (const char *p = v; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static int parse_line(char *line, unsigned lineno, struct lxm_export_meta *m, unsigned *seen)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return log_error_errno(-EINVAL, "Export metadata line %u: expected KEY = VALUE", lineno);
	char *k = line, *v = eq + 1, *e = eq;
	*eq = '\0';
	while (e > k && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	while (*v == ' ' || *v == '\t')
		v++;

	if (STREQ(k, "format")) {
		char *end;
		unsigned long f = strtoul(v, &end, 10);
		if (*v == '\0' || *end || f == 0)
			return log_error_errno(-EINVAL, "Export metadata line %u: bad format '%s'", lineno, v);
		if (f > LXM_EXPORT_FORMAT)
			return log_error_errno(-EINVAL, "Export format %lu is newer than this lxcmgr reads (%d)", f,
					       LXM_EXPORT_FORMAT);
		m->format = (unsigned)f;
		*seen |= 1;
	} else if (STREQ(k, "name")) {
		if (lxm_name_validate_quiet(v) < 0)
			return log_error_errno(-EINVAL, "Export metadata line %u: bad container name '%s'", lineno, v);
		snprintf(m->name, sizeof(m->name), "%s", v);
		*seen |= 2;
	} else if (STREQ(k, "config_sha256") || STREQ(k, "rootfs_sha256") || STREQ(k, "snapshots_sha256")) {
		if (!is_sha256_hex(v))
			return log_error_errno(-EINVAL, "Export metadata line %u: bad checksum for '%s'", lineno, k);
		char *dst = k[0] == 'c' ? m->config_sha256 : k[0] == 'r' ? m->rootfs_sha256 : m->snapshots_sha256;
		memcpy(dst, v, LXM_SHA256_HEX_SIZE);
		*seen |= k[0] == 'c' ? 4 : k[0] == 'r' ? 8 : 0;
	} else
		return log_error_errno(-EINVAL, "Export metadata line %u: unknown key '%s'", lineno, k);
	return 0;
}

int lxm_export_meta_parse(const char *text, struct lxm_export_meta *ret)
{
	_cleanup_free_ char *copy = strdup(text);
	struct lxm_export_meta m = {};
	unsigned seen = 0, lineno = 0;
	char *save = NULL;
	int r;

	if (!copy)
		return -ENOMEM;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((r = parse_line(line, lineno, &m, &seen)) < 0)
			return r;
	}
	if (seen != 15)
		return log_error_errno(-EINVAL, "Export metadata lacks %s",
				       !(seen & 1) ? "'format'" : !(seen & 2) ? "'name'" :
				       !(seen & 4) ? "'config_sha256'" : "'rootfs_sha256'");
	*ret = m;
	return 0;
}

static int verify_member(const char *dir, const char *member, const char *want)
{
	_cleanup_free_ char *p = NULL;
	char got[LXM_SHA256_HEX_SIZE];
	struct stat st;
	int r;

	if (asprintf(&p, "%s/%s", dir, member) < 0)
		return -ENOMEM;
	if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode))
		return log_error_errno(-EBADMSG, "Archive member '%s' is missing or not a regular file", member);
	if ((r = lxm_sha256_file(p, got)) < 0)
		return log_error_errno(r, "Failed to read '%s': %m", p);
	if (!STREQ(got, want))
		return log_error_errno(-EBADMSG, "Archive member '%s' is corrupt: checksum mismatch", member);
	return 0;
}

int lxm_export_meta_verify(const struct lxm_export_meta *m, const char *dir)
{
	bool snaps = m->snapshots_sha256[0] != '\0';
	int r;

	/* Nothing but the expected members: an archive with extra files is not one we wrote. */
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (STREQ(de->d_name, ".") || STREQ(de->d_name, "..") || STREQ(de->d_name, LXM_EXPORT_META) ||
		    STREQ(de->d_name, "config") || STREQ(de->d_name, "rootfs.tar") ||
		    (snaps && STREQ(de->d_name, "snapshots.tar")))
			continue;
		return log_error_errno(-EBADMSG, "Unexpected member '%s' in the archive", de->d_name);
	}
	if ((r = verify_member(dir, "config", m->config_sha256)) < 0 ||
	    (r = verify_member(dir, "rootfs.tar", m->rootfs_sha256)) < 0)
		return r;
	if (snaps && (r = verify_member(dir, "snapshots.tar", m->snapshots_sha256)) < 0)
		return r;
	return 0;
}
