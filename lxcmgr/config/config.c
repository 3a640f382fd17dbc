/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>

#include "config/config.h"
#include "config/schema.h"
#include "util/log.h"
#include "util/parse.h"

int lxm_read_file(const char *path, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t size = 0, alloc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	for (;;) {
		if (alloc - size < 4096) {
			size_t n = alloc ? alloc * 2 : 8192;
			if (n > (64u << 20))
				return -EFBIG; /* configs are small: refuse to slurp something huge */
			char *p = realloc(buf, n);
			if (!p)
				return -ENOMEM;
			buf = p;
			alloc = n;
		}
		ssize_t k = read(fd, buf + size, alloc - size - 1);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (k == 0)
			break;
		size += (size_t)k;
	}
	buf[size] = 0;
	if (ret_size)
		*ret_size = size;
	*ret = TAKE_PTR(buf);
	return 0;
}

int lxm_write_file_atomic(const char *path, const char *text, unsigned mode)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(text), done = 0;
	int r;

	if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	while (done < len) {
		ssize_t k = write(fd, text + done, len - done);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			r = negative_errno();
			goto fail;
		}
		done += (size_t)k;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		r = negative_errno();
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = negative_errno();
		goto fail;
	}
	return 0;
fail:
	(void)unlink(tmp);
	return r;
}

int lxm_config_parse_string(const char *text, const char *name, cfg_t **ret)
{
	_cleanup_cfg_free_ cfg_t *cfg = lxm_schema_container_new();
	int r;

	if (!cfg)
		return -ENOMEM;
	r = lxm_schema_parse(cfg, text, name);
	if (r < 0)
		return r;
	if (ret)
		*ret = TAKE_PTR(cfg);
	return 0;
}

int lxm_config_parse_string_quiet(const char *text, cfg_t **ret)
{
	_cleanup_cfg_free_ cfg_t *cfg = lxm_schema_container_new();
	int r;

	if (!cfg)
		return -ENOMEM;
	r = lxm_schema_parse_quiet(cfg, text);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(cfg);
	return 0;
}

int lxm_config_load(const char *path, cfg_t **ret)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = lxm_read_file(path, &text, NULL);
	if (r < 0)
		return log_debug_errno(r, "Failed to read '%s': %m", path);
	return lxm_config_parse_string(text, path, ret);
}

/* Splits "network.eth0.ipv4" against the schema of cfg: *ret_sec the section holding the option
 * (NULL when a titled section is missing), *ret_opt the option's table entry. */
static int resolve_key(cfg_t *cfg, const char *key, cfg_t **ret_sec, cfg_opt_t **ret_opt)
{
	_cleanup_free_ char *buf = strdup(key);
	cfg_opt_t *opts = cfg->opts;
	cfg_t *sec = cfg;
	char *p;

	if (!buf)
		return -ENOMEM;
	p = buf;
	for (;;) {
		char *dot = strchr(p, '.');
		if (dot)
			*dot = 0;
		cfg_opt_t *opt = lxm_schema_find(opts, p);
		if (!opt)
			return -EINVAL;
		if (opt->type != CFGT_SEC) {
			if (dot)
				return -EINVAL;
			*ret_sec = sec;
			*ret_opt = sec ? cfg_getopt(sec, p) : opt;
			return 0;
		}
		if (!dot)
			return -EISDIR;
		p = dot + 1;
		if (opt->flags & CFGF_TITLE) {
			/* The title is everything up to the last component (interface names may hold dots). */
			char *last = strrchr(p, '.');
			if (!last)
				return -EISDIR;
			*last = 0;
			sec = sec ? cfg_gettsec(sec, opt->name, p) : NULL;
			p = last + 1;
		} else
			sec = sec ? cfg_getsec(sec, opt->name) : NULL;
		opts = opt->subopts;
	}
}

static int format_one(cfg_opt_t *opt, unsigned i, FILE *f)
{
	switch (opt->type) {
	case CFGT_STR:
		fputs(cfg_opt_getnstr(opt, i) ?: "", f);
		return 0;
	case CFGT_INT:
		fprintf(f, "%ld", cfg_opt_getnint(opt, i));
		return 0;
	case CFGT_FLOAT:
		fprintf(f, "%g", cfg_opt_getnfloat(opt, i));
		return 0;
	case CFGT_BOOL:
		fputs(cfg_opt_getnbool(opt, i) ? "true" : "false", f);
		return 0;
	default:
		return -EINVAL;
	}
}

int lxm_config_get(cfg_t *cfg, const char *key, char **ret)
{
	cfg_t *sec = NULL;
	cfg_opt_t *opt = NULL;
	char *text = NULL;
	size_t len = 0;
	int r;

	r = resolve_key(cfg, key, &sec, &opt);
	if (r == -EISDIR)
		return log_debug_errno(-EINVAL, "'%s' is a section, not a key", key);
	if (r < 0)
		return r;
	if (!sec || !opt)
		return -ENOENT;
	/* An explicitly empty list ("cap_drop = {}") is set, to nothing. */
	if (cfg_opt_size(opt) == 0 && !((opt->flags & CFGF_LIST) && (opt->flags & CFGF_MODIFIED)))
		return -ENOENT;

	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	for (unsigned i = 0; i < cfg_opt_size(opt); i++) {
		if (i > 0)
			fputc(',', f);
		format_one(opt, i, f);
	}
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}

int lxm_config_get_size(cfg_t *sec, const char *name, uint64_t *ret)
{
	const char *s = cfg_size(sec, name) ? cfg_getstr(sec, name) : NULL;
	if (!s)
		return -ENOENT;
	return lxm_parse_size(s, ret);
}

int lxm_config_get_signal(cfg_t *cfg, const char *name, int *ret)
{
	const char *s = cfg_size(cfg, name) ? cfg_getstr(cfg, name) : NULL;
	if (!s)
		return -ENOENT;
	return lxm_parse_signal(s, ret);
}
