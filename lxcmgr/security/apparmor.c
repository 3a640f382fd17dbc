/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AppArmor profiles per container. Generation is plain text work (testable anywhere); loading
 * needs a kernel with AppArmor (the VM lane); on a kernel without it the container starts
 * unconfined and `info` says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef HAVE_APPARMOR
#include <sys/apparmor.h>
#endif

#include "core/paths.h"
#include "security/apparmor.h"
#include "security/seccomp.h" /* lxm_security_profiles_dir() */
#include "util/log.h"
#include "util/macros.h"

#define PARSER "apparmor_parser"
#define MAX_TEMPLATE (256 * 1024)

int lxm_apparmor_enabled(void)
{
#ifdef HAVE_APPARMOR
	/* Without the module's parameter AppArmor is neither built in nor loaded: libapparmor would
	 * only reach the same answer after three more failed opens (it reads "enabled" and
	 * "available" twice each), on every start and exec of a host without AppArmor. With the
	 * file present libapparmor decides as before, so a host with AppArmor is never read as one
	 * without it (which would let exec skip the container's profile). */
	if (access("/sys/module/apparmor/parameters/enabled", F_OK) < 0 && errno == ENOENT)
		return 0;
	return aa_is_enabled() ? 1 : 0;
#else
	return 0;
#endif
}

int lxm_apparmor_profile_name(const char *uuid, char ret[static LXM_APPARMOR_NAME_MAX])
{
	char hex[17];
	size_t n = 0;
	/* The whole uuid is checked: the name ends up in a policy text and in kernel files. */
	if (!uuid || strspn(uuid, "0123456789abcdefABCDEF-") != strlen(uuid))
		return -EINVAL;
	for (const char *p = uuid; *p && n < 16; p++)
		if (*p != '-')
			hex[n++] = (char)(*p | 0x20);
	if (n < 16)
		return -EINVAL;
	hex[n] = '\0';
	snprintf(ret, LXM_APPARMOR_NAME_MAX, "lxcmgr-%s", hex);
	return 0;
}

/* A trie walk over "allowed" names below base (a trailing '*' allows everything after that
 * prefix): prints head BASE PATTERN tail for every name that is NOT allowed. AppArmor has no
 * "deny all except", and a deny always wins over an allow, so the complement is spelt out. */
static void complement(FILE *f, const char *head, const char *base, const char *prefix,
		       const char *const *allowed, size_t n, const char *tail)
{
	char chars[64] = "";
	bool exact = false;
	size_t len = strlen(prefix);

	for (size_t i = 0; i < n; i++) {
		if (strncmp(allowed[i], prefix, len) != 0)
			continue;
		char c = allowed[i][len];
		if (c == '*')
			return; /* everything below here is allowed */
		if (c == '\0')
			exact = true;
		else if (!strchr(chars, c) && strlen(chars) + 1 < sizeof(chars))
			strncat(chars, &c, 1);
	}
	/* The intermediate name itself ("/proc/sys/kernel/s" as a whole name) is not covered by
	 * the longer patterns below. */
	if (!exact && len > 0 && prefix[len - 1] != '/')
		fprintf(f, "  %s%s%s%s\n", head, base, prefix, tail);
	if (chars[0])
		fprintf(f, "  %s%s%s[^%s]*{,/**}%s\n", head, base, prefix, chars, tail);
	else
		fprintf(f, "  %s%s%s?*{,/**}%s\n", head, base, prefix, tail);
	for (const char *c = chars; *c; c++) {
		char next[256];
		snprintf(next, sizeof(next), "%s%c", prefix, *c);
		complement(f, head, base, next, allowed, n, tail);
	}
}

/* Writes namespaced per network, IPC or UTS namespace: safe for a container. */
static const char *const proc_sys_writable[] = {
	"net/*",
	"kernel/shm*", "kernel/msg*", "kernel/sem*", /* IPC namespace */
	"kernel/hostname", "kernel/domainname",      /* UTS namespace */
	"fs/mqueue/*",                                /* IPC namespace */
};
static const char *const sys_writable[] = { "fs/cgroup/*" };
/* The one place a recursive bind of / may go (systemd's copy of the root for a service). */
static const char *const rbind_root_targets[] = { "run/systemd/unit-root/" };

/* What systemd binds onto itself (recursively) in a service's fresh /proc to remount it
 * read-only (ProtectHostname=). Both are per UTS namespace and writable anyway, so wherever they
 * are bound nothing is gained; any other source in /proc or /sys (ProtectKernelTunables=) is
 * refused: binding /proc/sysrq-trigger onto /proc/sys/kernel/hostname would make a host-wide
 * reboot key writable under a name the path rules allow. */
static const char *const rbind_sources[] = { "proc/sys/kernel/hostname", "proc/sys/kernel/domainname" };

static void render_rbind_sources(FILE *f)
{
	static const char *const tops[] = { "proc/", "sys/" };
	const char *names[ARRAY_SIZE(rbind_sources)];
	char base[64];

	for (size_t t = 0; t < ARRAY_SIZE(tops); t++) {
		size_t n = 0, len = strlen(tops[t]);
		for (size_t i = 0; i < ARRAY_SIZE(rbind_sources); i++)
			if (strncmp(rbind_sources[i], tops[t], len) == 0)
				names[n++] = rbind_sources[i] + len;
		snprintf(base, sizeof(base), "@{lxm_root}%s", tops[t]);
		complement(f, "audit deny mount options=(rbind) ", base, "", names, n, ",");
	}
}

static int render_rules(const char *key, char **ret)
{
	_cleanup_free_ char *s = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&s, &size);
	if (!f)
		return -ENOMEM;
	if (STREQ(key, "PROC_SYS_RULES"))
		complement(f, "deny ", "@{lxm_root}proc/sys/", "", proc_sys_writable, ARRAY_SIZE(proc_sys_writable), " wklx,");
	else if (STREQ(key, "SYS_RULES"))
		complement(f, "deny ", "@{lxm_root}sys/", "", sys_writable, ARRAY_SIZE(sys_writable), " wklx,");
	else if (STREQ(key, "RBIND_ROOT_RULES"))
		complement(f, "audit deny mount options=(rbind) / -> ", "/", "", rbind_root_targets,
			   ARRAY_SIZE(rbind_root_targets), ",");
	else if (STREQ(key, "RBIND_SOURCE_RULES"))
		render_rbind_sources(f);
	else {
		fclose(f);
		return -EINVAL;
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(s);
	return 0;
}

int lxm_apparmor_generate_from(const char *tmpl, const char *uuid, char **ret_text)
{
	char name[LXM_APPARMOR_NAME_MAX];
	int r = lxm_apparmor_profile_name(uuid, name);
	if (r < 0)
		return r;
	_cleanup_free_ char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	if (!f)
		return -ENOMEM;
	for (const char *p = tmpl; *p;) {
		const char *at = strchr(p, '@');
		const char *end = at ? strchr(at + 1, '@') : NULL;
		size_t klen = end ? (size_t)(end - at - 1) : 0;
		if (!at || !end || klen == 0 || klen > 32 || strspn(at + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != klen) {
			/* Not a placeholder (@{profile_name} is AppArmor's own variable). */
			size_t l = at ? (size_t)(at - p) + 1 : strlen(p);
			fwrite(p, 1, l, f);
			p += l;
			continue;
		}
		fwrite(p, 1, at - p, f);
		char key[33];
		memcpy(key, at + 1, klen);
		key[klen] = '\0';
		if (STREQ(key, "PROFILE"))
			fputs(name, f);
		else {
			_cleanup_free_ char *rules = NULL;
			r = render_rules(key, &rules);
			if (r < 0) {
				fclose(f);
				return log_error_errno(r, "Unknown placeholder '@%s@' in the AppArmor template", key);
			}
			fputs(rules, f);
		}
		p = end + 1;
		/* A placeholder alone on its line: the rules end in a newline already. */
		if (*p == '\n' && strcmp(key, "PROFILE") != 0)
			p++;
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret_text = TAKE_PTR(out);
	return 0;
}

int lxm_apparmor_generate(const char *uuid, char **ret_text)
{
	_cleanup_free_ char *path = NULL, *tmpl = NULL;
	int r = lxm_path_join(&path, lxm_security_profiles_dir(), "apparmor/lxcmgr-container.in");
	if (r < 0)
		return r;
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return log_error_errno(negative_errno(), "Failed to open the AppArmor template '%s': %m", path);
	tmpl = calloc(1, MAX_TEMPLATE + 1);
	if (!tmpl)
		return -ENOMEM;
	size_t n = fread(tmpl, 1, MAX_TEMPLATE, f);
	if (ferror(f) || n == MAX_TEMPLATE)
		return log_error_errno(-EFBIG, "Failed to read the AppArmor template '%s'", path);
	return lxm_apparmor_generate_from(tmpl, uuid, ret_text);
}

static void child_exec_parser(int in_fd, int err_fd, const char *mode)
{
	if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(err_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	/* -K: never read or write the parser's cache (a stale cached profile would be loaded instead
	 * of the text we pass). */
	char *argv[] = { (char *)PARSER, (char *)mode, (char *)"-K", NULL };
	execvp(PARSER, argv);
	execv("/usr/sbin/" PARSER, argv);
	execv("/sbin/" PARSER, argv);
	_exit(127);
}

/* Runs apparmor_parser MODE -K with text on stdin; its output goes to the debug log, or into
 * the error message when it fails. */
static int run_parser(const char *mode, const char *text)
{
	int in[2], err[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return negative_errno();
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(in[0]), close(in[1]);
		return negative_errno();
	}
	pid_t pid = fork();
	if (pid < 0) {
		int r = negative_errno();
		close(in[0]), close(in[1]), close(err[0]), close(err[1]);
		return r;
	}
	if (pid == 0)
		child_exec_parser(in[0], err[1], mode);
	close(in[0]);
	close(err[1]);

	/* A parser that died early must not kill us with SIGPIPE. */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t n = write(in[1], text + done, len - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(in[1]);
	signal(SIGPIPE, old);

	char out[4096];
	size_t got = 0;
	ssize_t n;
	while ((n = read(err[0], out + got, sizeof(out) - 1 - got)) > 0 && got + n < sizeof(out) - 1)
		got += (size_t)n;
	if (n > 0)
		got += (size_t)n;
	out[got] = '\0';
	while ((n = read(err[0], (char[256]){ 0 }, 256)) > 0) /* drain the rest */
		;
	close(err[0]);

	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (got)
			log_debug("%s %s: %s", PARSER, mode, out);
		return 0;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return log_debug_errno(-ENOENT, "Cannot run %s (package apparmor not installed?)", PARSER);
	return log_debug_errno(-EINVAL, "%s %s refused the profile: %s", PARSER, mode, got ? out : "(no output)");
}

int lxm_apparmor_load(const char *text)
{
	return run_parser("-r", text);
}

int lxm_apparmor_check(const char *text)
{
	return run_parser("-Q", text);
}

int lxm_apparmor_unload(const char *name)
{
	_cleanup_close_ int fd = open("/sys/kernel/security/apparmor/.remove", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (write(fd, name, strlen(name)) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	return 0;
}

void lxm_apparmor_release(const char *setting, const char *uuid)
{
	char name[LXM_APPARMOR_NAME_MAX];
	if ((!IS_EMPTY(setting) && !STREQ(setting, "generated")) || !lxm_apparmor_enabled() || !uuid ||
	    lxm_apparmor_profile_name(uuid, name) < 0)
		return;
	int r = lxm_apparmor_unload(name);
	if (r < 0)
		log_debug_errno(r, "Failed to unload the AppArmor profile '%s', ignoring: %m", name);
}

int lxm_apparmor_exec_into(const char *profile)
{
#ifdef HAVE_APPARMOR
	if (aa_change_onexec(profile) < 0)
		return negative_errno();
	return 0;
#else
	return -EOPNOTSUPP;
#endif
}

int lxm_apparmor_plan(const char *setting, const char *uuid, char **ret_profile, const char **ret_note)
{
	*ret_profile = NULL;
	if (IS_EMPTY(setting))
		setting = "generated";
	if (STREQ(setting, "unconfined")) {
		*ret_note = "unconfined (as configured)";
		return 0;
	}
#ifndef HAVE_APPARMOR
	*ret_note = "not applied: lxcmgr was built without libapparmor";
	return 0;
#else
	if (!lxm_apparmor_enabled()) {
		*ret_note = "not applied: the host kernel has no AppArmor enabled "
			    "(/sys/module/apparmor/parameters/enabled)";
		return 0;
	}
	char name[LXM_APPARMOR_NAME_MAX];
	if (STREQ(setting, "generated")) {
		int r = lxm_apparmor_profile_name(uuid, name);
		if (r < 0)
			return r;
		setting = name;
	}
	*ret_profile = strdup(setting);
	if (!*ret_profile)
		return -ENOMEM;
	*ret_note = "enforced";
	return 0;
#endif
}

int lxm_apparmor_status(const char *setting, const char *uuid, char **ret)
{
	_cleanup_free_ char *profile = NULL;
	const char *note;
	int r = lxm_apparmor_plan(setting, uuid, &profile, &note);
	if (r < 0)
		return r;
	if (!profile)
		return (*ret = strdup(note)) ? 0 : -ENOMEM;
	bool generated = IS_EMPTY(setting) || STREQ(setting, "generated");
	if (asprintf(ret, "%s (%s)", profile, generated ? "generated" : "named in the config") < 0)
		return -ENOMEM;
	return 0;
}

int lxm_apparmor_current(pid_t pid, char **ret)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/attr/current", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return (*ret = strdup(buf)) ? 0 : -ENOMEM;
}
