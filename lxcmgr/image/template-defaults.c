/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `NAME defaults` without a shell start per create: the answer is recorded with a stamp of every
 * file it came from and reused while those are unchanged. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "image/cache.h"
#include "image/template-defaults.h"
#include "image/template-run.h"
#include "util/log.h"
#include "util/sha256.h"

#define RECORD_MAX (80 * 1024)
#define OUTPUT_MARK "output\n"

/* "dev:ino:size:mtime:ctime" (nanoseconds), "-" for a missing path. ctime too: "touch -d" with an
 * old date and an edit of the same size would leave mtime and size alike, never ctime. */
static void stamp_line(FILE *f, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		fprintf(f, "stamp=-\t%s\n", path);
	else
		fprintf(f, "stamp=%llu:%llu:%lld:%lld.%09ld:%lld.%09ld\t%s\n", (unsigned long long)st.st_dev,
			(unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
			st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec, path);
}

static bool recordable(const char *s)
{
	return !strpbrk(s, "\n\t");
}

/* The template file, its lib/ directory (a file added or removed changes the directory's mtime)
 * and each regular file in lib/, which templates source. */
static int stamp_template(FILE *f, const char *path)
{
	_cleanup_free_ char *lib = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	const char *slash = strrchr(path, '/');
	struct dirent *de;

	if (!slash || !recordable(path))
		return -EINVAL;
	if (asprintf(&lib, "%.*s/lib", (int)(slash - path), path) < 0)
		return -ENOMEM;
	stamp_line(f, path);
	stamp_line(f, lib);
	d = opendir(lib);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", lib, de->d_name) < 0)
			return -ENOMEM;
		if (!recordable(p))
			return -EINVAL;
		stamp_line(f, p);
	}
	return 0;
}

/* Whether the answer opted in ("cache=yes"); stamps each "depends=" path (absolute ones only). */
static int stamp_depends(FILE *f, const char *out)
{
	bool yes = false;

	for (const char *p = out; *p;) {
		size_t len = strcspn(p, "\n");
		if (len == strlen("cache=yes") && strncmp(p, "cache=yes", len) == 0)
			yes = true;
		else if (strncmp(p, "depends=", 8) == 0) {
			_cleanup_free_ char *dep = strndup(p + 8, len - 8);
			if (!dep)
				return -ENOMEM;
			if (dep[0] != '/' || !recordable(dep))
				return -EINVAL;
			stamp_line(f, dep);
		}
		p += len + (p[len] == '\n');
	}
	return yes ? 0 : -ENOENT;
}

/* CACHE_DIR/templates/.defaults/HASH, HASH of the template's path and its arguments. */
static int record_path(const struct lxm_paths *paths, char *const argv[], char **ret)
{
	_cleanup_free_ char *dir = NULL;
	struct lxm_sha256 s;
	uint8_t digest[LXM_SHA256_SIZE];
	char hex[LXM_SHA256_HEX_SIZE];
	int r = lxm_cache_dir(paths, false, &dir);

	if (r < 0)
		return r;
	lxm_sha256_init(&s);
	for (size_t i = 0; argv[i]; i++)
		lxm_sha256_update(&s, argv[i], strlen(argv[i]) + 1);
	lxm_sha256_final(&s, digest);
	lxm_sha256_to_hex(digest, hex);
	return asprintf(ret, "%s/.defaults/%.32s", dir, hex) < 0 ? -ENOMEM : 0;
}

/* The argument line of a record: every argument after the path, one tab before each. */
static int args_line(FILE *f, char *const argv[])
{
	fprintf(f, "args=%s", argv[0]);
	for (size_t i = 1; argv[i]; i++) {
		if (!recordable(argv[i]))
			return -EINVAL;
		fprintf(f, "\t%s", argv[i]);
	}
	fputc('\n', f);
	return 0;
}

/* The header a record must start with to be valid now: arguments and the current stamps of the
 * paths the record names. NULL record: stamps taken afresh (before a run). */
static int header_now(char *const argv[], const char *record, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return -ENOMEM;
	r = args_line(f, argv);
	if (r >= 0 && !record)
		r = stamp_template(f, argv[0]);
	for (const char *p = record; r >= 0 && p && *p && strncmp(p, OUTPUT_MARK, strlen(OUTPUT_MARK)) != 0;) {
		size_t n = strcspn(p, "\n");
		const char *tab = memchr(p, '\t', n);
		if (strncmp(p, "stamp=", 6) == 0 && tab) {
			_cleanup_free_ char *path = strndup(tab + 1, n - (size_t)(tab + 1 - p));
			if (!path)
				r = -ENOMEM;
			else
				stamp_line(f, path);
		}
		p += n + (p[n] == '\n');
	}
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	*ret_len = len;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* The recorded stdout, when the record is for these arguments and every stamp still holds. */
static int lookup(const char *file, char *const argv[], char **ret)
{
	_cleanup_free_ char *rec = NULL, *now = NULL;
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t len = 0, nlen = 0;
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	if (!(rec = malloc(RECORD_MAX + 1)))
		return -ENOMEM;
	while ((n = read(fd, rec + len, RECORD_MAX - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		return negative_errno();
	rec[len] = '\0';
	/* The record starts after the comment line. */
	char *body = strchr(rec, '\n');
	char *mark = body ? strstr(body, "\n" OUTPUT_MARK) : NULL;
	if (!mark)
		return -EBADMSG;
	body++;
	int r = header_now(argv, body, &now, &nlen);
	if (r < 0)
		return r;
	if ((size_t)(mark + 1 - body) != nlen || memcmp(body, now, nlen) != 0)
		return -ESTALE;
	*ret = strdup(mark + 1 + strlen(OUTPUT_MARK));
	return *ret ? 0 : -ENOMEM;
}

/* Writes header + "output" + out to file, atomically (a reader sees the old or the new record). */
static int store(const char *file, const char *header, const char *out)
{
	_cleanup_free_ char *tmp = NULL, *dir = strndup(file, (size_t)(strrchr(file, '/') - file));
	_cleanup_fclose_ FILE *f = NULL;
	int fd, r;

	if (!dir || asprintf(&tmp, "%s.tmp-XXXXXX", file) < 0)
		return -ENOMEM;
	if ((r = lxm_mkdir_p(dir, 0755)) < 0)
		return r;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	f = fdopen(fd, "w");
	if (!f) {
		r = negative_errno();
		close(fd);
		(void)unlink(tmp);
		return r;
	}
	fprintf(f, "# lxcmgr: recorded 'defaults' of a template (a cache, safe to delete)\n%s%s%s", header,
		OUTPUT_MARK, out);
	r = fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
	(void)fchmod(fd, 0644);
	if (r >= 0 && rename(tmp, file) < 0)
		r = negative_errno();
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

/* Records out for argv: the stamps taken before the run (template and lib/) and the depends. */
static int record(const char *file, const char *before, const char *out)
{
	_cleanup_free_ char *hdr = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&hdr, &len);
	int r;

	if (!f)
		return -ENOMEM;
	fputs(before, f);
	r = stamp_depends(f, out);
	if (fclose(f) != 0 && r >= 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	return store(file, hdr, out);
}

/* The last valid record this process read (its path and answer). A create from the warm cache
 * asks the same question two or three times within a millisecond (its route decision, then the
 * entry it copies or the overlay's base, then the configure): each lookup stats the template and
 * every file of its lib/ and reads the record, 9+ system calls. The first answer stands for the
 * whole command, as one answer for the route and the create should; only valid answers are kept
 * and only this call uses them (lxm_template_defaults_run() always looks again). */
static struct {
	char *file, *out;
} recorded_memo;

int lxm_template_defaults_recorded(const struct lxm_paths *paths, char *const argv[], char **ret_stdout)
{
	_cleanup_free_ char *file = NULL, *out = NULL;
	int r = record_path(paths, argv, &file);

	if (r < 0)
		return r;
	if (recorded_memo.file && STREQ(recorded_memo.file, file)) {
		*ret_stdout = strdup(recorded_memo.out);
		return *ret_stdout ? 0 : -ENOMEM;
	}
	r = lookup(file, argv, &out);
	if (r < 0)
		return r != -ENOMEM ? -ENOENT : r;
	if (!(*ret_stdout = strdup(out)))
		return -ENOMEM;
	free(recorded_memo.file);
	free(recorded_memo.out);
	recorded_memo.file = TAKE_PTR(file);
	recorded_memo.out = TAKE_PTR(out);
	return 0;
}

void lxm_template_defaults_forget(void)
{
	free(recorded_memo.file);
	free(recorded_memo.out);
	recorded_memo.file = recorded_memo.out = NULL;
}

int lxm_template_defaults_run(const struct lxm_paths *paths, const char *name, char *const argv[], bool use_cache,
			      char **ret_stdout)
{
	_cleanup_free_ char *file = NULL, *before = NULL, *out = NULL;
	size_t len;
	int r;

	if (!use_cache || record_path(paths, argv, &file) < 0)
		return lxm_template_run(name, argv, false, ret_stdout);
	r = lookup(file, argv, ret_stdout);
	if (r >= 0) {
		log_debug("Template '%s': defaults from '%s'", name, file);
		return r;
	}
	if (r != -ENOENT)
		log_debug_errno(r, "Template '%s': recorded defaults '%s' not used: %m", name, file);
	/* Stamps first: a template edited while it runs leaves a record that no longer matches. */
	if (header_now(argv, NULL, &before, &len) < 0)
		before = NULL;
	r = lxm_template_run(name, argv, false, &out);
	if (r < 0)
		return r;
	if (before && (r = record(file, before, out)) < 0 && r != -ENOENT)
		log_debug_errno(r, "Template '%s': defaults not recorded in '%s': %m", name, file);
	*ret_stdout = TAKE_PTR(out);
	return 0;
}
