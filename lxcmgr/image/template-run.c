/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "image/template-run.h"
#include "util/log.h"

#define TAIL_LINES 12
#define STDOUT_MAX (64 * 1024)

static char *found_memo; /* the path lxm_template_find() found last */

int lxm_template_find(const struct lxm_paths *paths, const char *name, char **ret_path)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;
	int r;

	/* Attack: "-t ../../bin/sh" or "-t /tmp/x" running an arbitrary program as a template. */
	if (IS_EMPTY(name) || name[0] == '.' || name[0] == '-' || strlen(name) > 64 ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(name))
		return log_error_errno(-EINVAL, "Invalid template name '%s'", name ? name : "");
	r = lxm_path_join(&path, paths->templates_dir, name);
	if (r < 0)
		return r;
	/* A create from the warm cache looks its template up twice (the route's check, then the
	 * create itself; a dir create a third time for its configure), each a stat() and an
	 * access(): the first answer found stands for the command, as it does for the recorded
	 * defaults (template-defaults.c). A template that is gone fails where it is run. */
	if (found_memo && STREQ(found_memo, path)) {
		*ret_path = TAKE_PTR(path);
		return 0;
	}
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return log_error_errno(-ENOENT, "Template '%s' not found in '%s'", name, paths->templates_dir);
	free(found_memo);
	found_memo = strdup(path);
	*ret_path = TAKE_PTR(path);
	return 0;
}

struct tail {
	char *lines[TAIL_LINES];
	size_t next;
	char partial[1024];
	size_t plen;
};

static void tail_done(struct tail *t)
{
	for (size_t i = 0; i < TAIL_LINES; i++)
		free(t->lines[i]);
}

static void tail_line(struct tail *t, const char *name, const char *line)
{
	log_info("%s: %s", name, line);
	free(t->lines[t->next]);
	t->lines[t->next] = strdup(line);
	t->next = (t->next + 1) % TAIL_LINES;
}

/* Splits output into lines (long lines are cut at the buffer size). */
static void tail_feed(struct tail *t, const char *name, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n' || buf[i] == '\r' || t->plen == sizeof(t->partial) - 1) {
			t->partial[t->plen] = '\0';
			if (t->plen > 0)
				tail_line(t, name, t->partial);
			t->plen = 0;
			if (buf[i] == '\n' || buf[i] == '\r')
				continue;
		}
		t->partial[t->plen++] = buf[i];
	}
}

static void tail_print(struct tail *t, const char *name)
{
	if (t->plen > 0) {
		t->partial[t->plen] = '\0';
		tail_line(t, name, t->partial);
		t->plen = 0;
	}
	for (size_t i = 0; i < TAIL_LINES; i++) {
		const char *l = t->lines[(t->next + i) % TAIL_LINES];
		if (l)
			fprintf(stderr, "  %s\n", l);
	}
}

static _noreturn_ void child(pid_t parent, const char *path, char *const argv[], int out_fd, int err_fd,
			     bool progress)
{
	const char *tmpdir = getenv("TMPDIR");
	char tmpenv[4096];
	char *envp[] = {
		(char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		(char *)"LC_ALL=C",
		(char *)"HOME=/root",
		(char *)"LXCMGR_TEMPLATE_API=1",
		(char *)(progress ? "LXCMGR_PROGRESS=1" : "LXCMGR_PROGRESS=0"),
		NULL,
		NULL,
	};
	sigset_t all;
	int null_fd;

	if (tmpdir && snprintf(tmpenv, sizeof(tmpenv), "TMPDIR=%s", tmpdir) < (int)sizeof(tmpenv))
		envp[5] = tmpenv;
	/* A killed lxcmgr must not leave a template building behind it. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(127);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
	    dup2(err_fd, STDERR_FILENO) < 0 || chdir("/") < 0)
		_exit(127);
	execve(path, argv, envp);
	dprintf(STDERR_FILENO, "Failed to execute '%s': %s\n", path, strerror(errno));
	_exit(127);
}

/* Reads the child's output pipe (and stdout capture pipe) until both close. */
static int pump(int out_pipe, int err_pipe, const char *name, struct tail *t, char **ret_stdout)
{
	_cleanup_free_ char *captured = NULL;
	size_t clen = 0;
	struct pollfd p[2] = { { .fd = err_pipe, .events = POLLIN }, { .fd = out_pipe, .events = POLLIN } };
	char buf[4096];

	if (ret_stdout) {
		captured = calloc(1, STDOUT_MAX + 1);
		if (!captured)
			return -ENOMEM;
	}
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				p[i].fd = -1;
				continue;
			}
			if (i == 0)
				tail_feed(t, name, buf, (size_t)n);
			else if (clen < STDOUT_MAX) {
				size_t k = (size_t)n < STDOUT_MAX - clen ? (size_t)n : STDOUT_MAX - clen;
				memcpy(captured + clen, buf, k);
				clen += k;
			}
		}
	}
	if (ret_stdout)
		*ret_stdout = TAKE_PTR(captured);
	return 0;
}

static int wait_child(pid_t pid, int *ret_status)
{
	while (waitpid(pid, ret_status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	return 0;
}

static int exit_to_errno(const char *name, int status, struct tail *t)
{
	int code;

	if (WIFSIGNALED(status)) {
		log_error("Template '%s' killed by signal %d", name, WTERMSIG(status));
		tail_print(t, name);
		return -EIO;
	}
	code = WEXITSTATUS(status);
	if (code == 0)
		return 0;
	log_error("Template '%s' failed with exit code %d", name, code);
	tail_print(t, name);
	/* Bad arguments and unsupported release/arch/init are the user's to fix: usage errors. */
	return code == 2 || code == 3 ? -EINVAL : -EIO;
}

int lxm_template_run(const char *name, char *const argv[], bool progress, char **ret_stdout)
{
	_cleanup_close_ int out_r = -EBADF, out_w = -EBADF, err_r = -EBADF, err_w = -EBADF;
	_cleanup_(tail_done) struct tail t = {};
	bool direct = isatty(STDERR_FILENO) && !ret_stdout;
	int pipefd[2], status, r;
	pid_t pid, parent;

	if (ret_stdout) {
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return negative_errno();
		out_r = pipefd[0], out_w = pipefd[1];
	}
	if (!direct) {
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return negative_errno();
		err_r = pipefd[0], err_w = pipefd[1];
	}
	log_debug("Running template '%s' phase '%s'", name, argv[1]);
	fflush(stderr);
	parent = getpid();
	pid = fork();
	if (pid < 0)
		return log_error_errno(negative_errno(), "Failed to fork: %m");
	if (pid == 0) {
		/* On a terminal the user watches the template's own progress output directly. */
		int e = direct ? STDERR_FILENO : err_w;
		child(parent, argv[0], argv, ret_stdout ? out_w : e, e, progress);
	}
	closep(&out_w);
	closep(&err_w);
	r = pump(out_r, err_r, name, &t, ret_stdout);
	if (wait_child(pid, &status) < 0 && r >= 0)
		r = negative_errno();
	if (r < 0) {
		if (ret_stdout)
			free(TAKE_PTR(*ret_stdout));
		return log_error_errno(r, "Failed to run template '%s': %m", name);
	}
	r = exit_to_errno(name, status, &t);
	if (r < 0 && ret_stdout)
		free(TAKE_PTR(*ret_stdout));
	return r;
}

int lxm_template_parse_result(const char *text, char **ret_release, char **ret_arch, char **ret_init)
{
	*ret_release = *ret_arch = *ret_init = NULL;
	for (const char *p = text; p && *p;) {
		size_t len = strcspn(p, "\n");
		char **dst = strncmp(p, "release=", 8) == 0 ? ret_release :
			     strncmp(p, "arch=", 5) == 0    ? ret_arch :
			     strncmp(p, "init=", 5) == 0    ? ret_init :
							      NULL;
		if (dst) {
			const char *v = strchr(p, '=') + 1;
			free(*dst);
			*dst = strndup(v, len - (size_t)(v - p));
			if (!*dst)
				return -ENOMEM;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return 0;
}
