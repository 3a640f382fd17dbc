/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "config/edit.h"
#include "services/copy.h"
#include "util/log.h"
#include "util/uuid.h"

static size_t count_lines(const char *p, ssize_t n)
{
	size_t lines = 0;

	for (ssize_t i = 0; i < n; i++)
		lines += p[i] == '\n';
	return lines;
}

/* cp's complaint, for the one error lxcmgr reports: its first line and how many followed (a copy
 * into a full store printed one line per file that did not fit: hundreds). Out of space is told
 * by its errno, for the caller and as the message; anything else is EIO with cp's first line.
 * LC_ALL=C: English text. */
static int cp_failed(int errfd, const char *src, const char *dst, int status)
{
	char first[1024], more[4096];
	ssize_t n;
	size_t lines = 0;
	int r = -EIO;

	first[0] = '\0';
	if (lseek(errfd, 0, SEEK_SET) == 0 && (n = read(errfd, first, sizeof(first) - 1)) > 0) {
		first[n] = '\0';
		lines = count_lines(first, n);
		while ((n = read(errfd, more, sizeof(more))) > 0)
			lines += count_lines(more, n);
		first[strcspn(first, "\n")] = '\0';
		if (strstr(first, "No space left on device"))
			r = -ENOSPC;
		else if (strstr(first, "Disk quota exceeded"))
			r = -EDQUOT;
	}
	if (r != -EIO)
		return log_error_errno(r, "Failed to copy '%s' to '%s': %m", src, dst);
	if (!first[0])
		return log_error_errno(r, "Failed to copy '%s' to '%s' (cp exit status %d)", src, dst, status);
	if (lines > 1)
		return log_error_errno(r, "Failed to copy '%s' to '%s': %s (and %zu more errors)", src, dst, first,
				       lines - 1);
	return log_error_errno(r, "Failed to copy '%s' to '%s': %s", src, dst, first);
}

int lxm_tree_copy(const char *src, const char *dst)
{
	_cleanup_free_ char *from = NULL;
	_cleanup_close_ int errfd = -EBADF;
	int status;
	pid_t pid;

	/* GNU cp does exactly what a rootfs copy needs (hard-link map, xattrs, devices, sparse files,
	 * FICLONE per file with --reflink=auto); this is never on the start path. "SRC/." copies the
	 * contents into the existing dst. -x: a mount inside the source is not copied through. */
	if (asprintf(&from, "%s/.", src) < 0)
		return -ENOMEM;
	errfd = memfd_create("lxcmgr-cp-errors", MFD_CLOEXEC);
	if (errfd < 0)
		return log_debug_errno(negative_errno(), "Failed to create a memfd: %m");
	pid = fork();
	if (pid < 0)
		return log_debug_errno(negative_errno(), "Failed to fork: %m");
	if (pid == 0) {
		char *argv[] = { (char *)"cp", (char *)"-a", (char *)"-x", (char *)"--reflink=auto",
				 (char *)"--", from, (char *)dst, NULL };
		char *envp[] = { (char *)"PATH=/usr/bin:/bin", (char *)"LC_ALL=C", NULL };
		if (dup2(errfd, STDERR_FILENO) < 0)
			_exit(127);
		execve("/bin/cp", argv, envp);
		execve("/usr/bin/cp", argv, envp);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cp_failed(errfd, src, dst, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

/* A literal address (not dhcp/auto/none): what the network code wrote back or the user set. */
static bool is_literal_address(const char *v)
{
	return v && strchr(v, '.') != NULL;
}

int lxm_config_text_reidentify(const char *text, const char *name, bool new_uuid, char **ret)
{
	_cleanup_cfg_free_ cfg_t *cfg = NULL;
	_cleanup_free_ char *out = strdup(text);
	int r;

	if (!out)
		return -ENOMEM;
	r = lxm_config_parse_string(text, "config", &cfg);
	if (r < 0)
		return r;
	if ((r = lxm_config_edit_text_in_place(&out, "name", name)) < 0 ||
	    (r = lxm_config_edit_text_in_place(&out, "hostname", name)) < 0)
		return r;
	if (new_uuid) {
		char s[LXM_UUID_STRING_LEN];
		lxm_uuid_v4(s);
		if ((r = lxm_config_edit_text_in_place(&out, "uuid", s)) < 0)
			return r;
	}
	for (unsigned i = 0; i < cfg_size(cfg, "network"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "network", i);
		const char *title = cfg_title(sec);
		_cleanup_free_ char *key = NULL;

		if (asprintf(&key, "network.%s.hwaddr", title) < 0)
			return -ENOMEM;
		if ((r = lxm_config_edit_text_in_place(&out, key, NULL)) < 0)
			return r;
		if (is_literal_address(cfg_getstr(sec, "ipv4"))) {
			free(key);
			if (asprintf(&key, "network.%s.ipv4", title) < 0)
				return -ENOMEM;
			if ((r = lxm_config_edit_text_in_place(&out, key, "auto")) < 0)
				return r;
		}
	}
	/* The result must still be a valid config. */
	cfg_free(TAKE_PTR(cfg));
	r = lxm_config_parse_string(out, "config", &cfg);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(out);
	return 0;
}

/* Rewrites rootfs/rel (a regular file) with text; a missing file or etc/ is left alone. */
static int rewrite_in_rootfs(int etc_fd, const char *rel, const char *text)
{
	/* O_NOFOLLOW: a copied rootfs is guest-controlled; a symlink etc/hostname -> /etc/shadow
	 * must not make the host truncate its own files. Pinned as O_PATH and checked first: a
	 * device node or FIFO planted there is never opened (no tty becomes our controlling
	 * terminal, no disk is opened for writing). */
	_cleanup_close_ int pfd = openat(etc_fd, rel, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return errno == ENOENT ? 0 : -errno;
	struct stat st;
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode))
		return 0; /* a symlink (O_PATH|O_NOFOLLOW names the link itself) or no regular file */
	char proc[32];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	_cleanup_close_ int fd = open(proc, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t w = len > 0 ? write(fd, text, len) : 0;
	if (w < 0)
		return -errno; /* ENOSPC in a full store, not EIO */
	return (size_t)w == len ? 0 : -EIO;
}

int lxm_rootfs_reidentify(const char *rootfs, const char *name, bool new_machine_id)
{
	_cleanup_close_ int root_fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_free_ char *host = NULL;
	int r;

	if (root_fd < 0)
		return -errno;
	_cleanup_close_ int etc_fd = openat(root_fd, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (etc_fd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? 0 : -errno;
	if (asprintf(&host, "%s\n", name) < 0)
		return -ENOMEM;
	if (new_machine_id && (r = rewrite_in_rootfs(etc_fd, "machine-id", "")) < 0)
		return log_error_errno(r, "Failed to empty the machine-id in '%s': %m", rootfs);
	if ((r = rewrite_in_rootfs(etc_fd, "hostname", host)) < 0)
		return log_error_errno(r, "Failed to write the hostname in '%s': %m", rootfs);
	return 0;
}
