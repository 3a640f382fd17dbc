/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Recorded `defaults` answers: reused while the template, lib/ and depends= paths are unchanged,
 * refreshed when any of them changes, never for a template that did not opt in. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "image/rmtree.h"
#include "image/template-defaults.h"
#include "util/macros.h"

static char root[] = "/tmp/lxm-test-defaults-XXXXXX";
static char tmpl[256], count[256], dep[256], lib[256];

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* The fake template: counts its runs, answers release=REL, opts in when cache is set. */
static void write_template(const char *rel, bool cache)
{
	char text[1024];
	snprintf(text, sizeof(text),
		 "#!/bin/sh\necho run >>%s\necho release=%s\necho arch=amd64\necho init=none\n%s"
		 "echo depends=%s\n",
		 count, rel, cache ? "echo cache=yes\n" : "", dep);
	write_file(tmpl, text, 0755);
}

static int runs(void)
{
	struct stat st;
	return stat(count, &st) < 0 ? 0 : (int)(st.st_size / 4); /* "run\n" per run */
}

/* One `defaults` call; checks the answer's release and returns the number of runs so far. */
static int call(const struct lxm_paths *paths, const char *release, bool use_cache, const char *want)
{
	char *argv[] = { tmpl, (char *)"defaults", release ? (char *)"--release" : NULL, (char *)release, NULL };
	char *out = NULL, line[64];

	assert_int_equal(lxm_template_defaults_run(paths, "fake", argv, use_cache, &out), 0);
	snprintf(line, sizeof(line), "release=%s\n", want);
	assert_non_null(strstr(out, line));
	free(out);
	return runs();
}

/* Coarse timestamps: a change right after a record must still get a different ctime. */
static void tick(void)
{
	usleep(20 * 1000);
}

/* A fresh root (dir: a mkdtemp() template) with the fake template answering rel, opted in. */
static void fixture(char *dir, const char *rel, struct lxm_paths *paths)
{
	assert_non_null(mkdtemp(dir));
	snprintf(tmpl, sizeof(tmpl), "%s/fake", dir);
	snprintf(count, sizeof(count), "%s/count", dir);
	snprintf(dep, sizeof(dep), "%s/dep", dir);
	snprintf(lib, sizeof(lib), "%s/lib", dir);
	assert_int_equal(mkdir(lib, 0755), 0);
	write_file(dep, "one\n", 0644);
	write_template(rel, true);
	assert_int_equal(lxm_paths_init(paths, dir), 0);
}

static void test_defaults_recorded(void **state)
{
	struct lxm_paths paths = {};
	char recdir[300];

	(void)state;
	fixture(root, "r1", &paths);

	assert_int_equal(call(&paths, NULL, true, "r1"), 1);
	assert_int_equal(call(&paths, NULL, true, "r1"), 1); /* reused */
	assert_int_equal(call(&paths, "x", true, "r1"), 2);  /* other arguments: their own record */
	assert_int_equal(call(&paths, "x", true, "r1"), 2);
	assert_int_equal(call(&paths, NULL, false, "r1"), 3); /* --no-cache: always runs */
	assert_int_equal(call(&paths, NULL, true, "r1"), 3);

	/* The template edited: same size, mtime put back; ctime still tells. */
	tick();
	struct stat st;
	assert_int_equal(stat(tmpl, &st), 0);
	write_template("r2", true);
	struct timespec ts[2] = { st.st_atim, st.st_mtim };
	assert_int_equal(utimensat(AT_FDCWD, tmpl, ts, 0), 0);
	assert_int_equal(call(&paths, NULL, true, "r2"), 4);
	assert_int_equal(call(&paths, NULL, true, "r2"), 4);

	/* A file the template sources appears in lib/, then changes. */
	tick();
	char libfile[300];
	snprintf(libfile, sizeof(libfile), "%s/common.sh", lib);
	write_file(libfile, "x=1\n", 0644);
	assert_int_equal(call(&paths, NULL, true, "r2"), 5);
	assert_int_equal(call(&paths, NULL, true, "r2"), 5);
	tick();
	write_file(libfile, "x=2\n", 0644);
	assert_int_equal(call(&paths, NULL, true, "r2"), 6);

	/* A host file the answer named with depends=. */
	tick();
	write_file(dep, "two\n", 0644);
	assert_int_equal(call(&paths, NULL, true, "r2"), 7);
	assert_int_equal(call(&paths, NULL, true, "r2"), 7);

	/* A damaged record is ignored (and replaced). */
	snprintf(recdir, sizeof(recdir), "%s/var/cache/lxcmgr/templates/.defaults", root);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "for f in %s/*; do echo garbage >\"$f\"; done", recdir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(call(&paths, NULL, true, "r2"), 8);
	assert_int_equal(call(&paths, NULL, true, "r2"), 8);

	/* No "cache=yes": the template runs every time. */
	tick();
	write_template("r3", false);
	assert_int_equal(call(&paths, NULL, true, "r3"), 9);
	assert_int_equal(call(&paths, NULL, true, "r3"), 10);

	assert_int_equal(lxm_image_rm_rf(root), 0);
	lxm_paths_done(&paths);
}

/* lxm_template_defaults_recorded(): the first valid answer stands for the rest of the process (a
 * create asks two or three times), never an invalid one; forget() makes it look again. */
static void test_recorded_memo(void **state)
{
	char proot[] = "/tmp/lxm-test-defaults-memo-XXXXXX";
	struct lxm_paths paths = {};
	char *argv[] = { tmpl, (char *)"defaults", NULL }, *out = NULL;

	(void)state;
	fixture(proot, "m1", &paths);

	lxm_template_defaults_forget();
	assert_int_equal(lxm_template_defaults_recorded(&paths, argv, &out), -ENOENT); /* nothing recorded */
	assert_int_equal(call(&paths, NULL, true, "m1"), 1);
	assert_int_equal(lxm_template_defaults_recorded(&paths, argv, &out), 0);
	assert_non_null(strstr(out, "release=m1\n"));
	free(out);

	/* Edited after the first answer: this process keeps it, a new one (forget) sees the change. */
	tick();
	write_template("m2", true);
	assert_int_equal(lxm_template_defaults_recorded(&paths, argv, &out), 0);
	assert_non_null(strstr(out, "release=m1\n"));
	free(out);
	lxm_template_defaults_forget();
	assert_int_equal(lxm_template_defaults_recorded(&paths, argv, &out), -ENOENT); /* stale record */
	assert_int_equal(call(&paths, NULL, true, "m2"), 2);
	assert_int_equal(lxm_template_defaults_recorded(&paths, argv, &out), 0);
	assert_non_null(strstr(out, "release=m2\n"));
	free(out);
	assert_int_equal(runs(), 2); /* recorded() never runs the template */

	lxm_template_defaults_forget();
	assert_int_equal(lxm_image_rm_rf(proot), 0);
	lxm_paths_done(&paths);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_recorded),
		cmocka_unit_test(test_recorded_memo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
