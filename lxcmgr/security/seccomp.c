/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp deny-list profiles. Format (configs/seccomp/default): one "SYSCALL ERRNO" per line,
 * '#' comments. The filter is compiled with libseccomp in the parent and exported as raw BPF; the
 * child installs it with a single seccomp(2) call right before exec.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "security/seccomp.h"
#include "util/log.h"

#define MAX_PROFILE_SIZE (1024 * 1024)

struct lxm_seccomp_rule {
	char *name;
	int errnum;
};

struct lxm_seccomp {
	struct lxm_seccomp_rule *rules;
	unsigned n_rules;
	struct sock_filter *insns;
	unsigned short n_insns;
};

static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{ "EPERM", EPERM },   { "ENOENT", ENOENT }, { "EACCES", EACCES },         { "EINVAL", EINVAL },
	{ "ENOSYS", ENOSYS }, { "ENOTSUP", ENOTSUP }, { "EOPNOTSUPP", EOPNOTSUPP }, { "ENODEV", ENODEV },
};

const char *lxm_security_profiles_dir(void)
{
	const char *d = getenv("LXCMGR_PROFILES_DIR");
	return IS_EMPTY(d) ? LXCMGR_DATADIR : d;
}

void lxm_seccomp_free(struct lxm_seccomp *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n_rules; i++)
		free(s->rules[i].name);
	free(s->rules);
	free(s->insns);
	free(s);
}

static int parse_errno(const char *s, int *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
		if (STREQ(s, errno_names[i].name)) {
			*ret = errno_names[i].value;
			return 0;
		}
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	/* 0 would turn a denial into a fake success; above 4095 the kernel's SECCOMP_RET_DATA
	 * is no longer read as an errno by libc. */
	if (errno || *end || end == s || v < 1 || v > 4095)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

static int add_rule(struct lxm_seccomp *s, const char *name, int errnum)
{
	for (unsigned i = 0; i < s->n_rules; i++)
		if (STREQ(s->rules[i].name, name)) {
			s->rules[i].errnum = errnum; /* a later line overrides an earlier one */
			return 0;
		}
	struct lxm_seccomp_rule *n = realloc(s->rules, (s->n_rules + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->rules = n;
	s->rules[s->n_rules].name = strdup(name);
	if (!s->rules[s->n_rules].name)
		return -ENOMEM;
	s->rules[s->n_rules++].errnum = errnum;
	return 0;
}

static bool syscall_known(const char *name)
{
#ifdef HAVE_SECCOMP
	return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
#else
	return true;
#endif
}

/* One line, comments stripped by the caller. Returns 0, or -EINVAL with *ret_why set. */
static int parse_line(struct lxm_seccomp *s, char *line, const char **ret_why)
{
	char *save = NULL;
	char *name = strtok_r(line, " \t", &save);
	if (!name)
		return 0;
	char *err = strtok_r(NULL, " \t", &save);
	if (!err) {
		*ret_why = "expected \"SYSCALL ERRNO\"";
		return -EINVAL;
	}
	if (strtok_r(NULL, " \t", &save)) {
		*ret_why = "trailing text after the errno";
		return -EINVAL;
	}
	int errnum;
	if (parse_errno(err, &errnum) < 0) {
		*ret_why = "not an errno name (EPERM, ENOSYS, ...) or number 1-4095";
		return -EINVAL;
	}
	/* An unknown name is an error, not a warning: a misspelt "kexec_lod" would otherwise leave
	 * kexec_load open while the profile reads as if it were blocked. */
	if (!syscall_known(name)) {
		*ret_why = "unknown system call";
		return -EINVAL;
	}
	int r = add_rule(s, name, errnum);
	if (r < 0)
		*ret_why = "out of memory";
	return r;
}

static int parse_text(struct lxm_seccomp *s, const char *text, const char *origin)
{
	_cleanup_free_ char *copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	unsigned lineno = 0;
	for (char *p = copy, *line; (line = strsep(&p, "\n"));) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		const char *why = NULL;
		int r = parse_line(s, line, &why);
		if (r < 0)
			return log_error_errno(r, "%s:%u: %s", origin, lineno, why ? why : "invalid line");
	}
	return 0;
}

#ifdef HAVE_SECCOMP
DEFINE_TRIVIAL_CLEANUP_FUNC(scmp_filter_ctx, seccomp_release);

/* The 32-bit ABIs a native process can switch to. A filter written for the native numbers only
 * would leave kexec_load reachable through int 0x80 with the i386 number; libseccomp's default for
 * an architecture missing from the filter is to kill, which would break 32-bit programs in the
 * container. Adding the compat ABIs filters them with the same rules instead. */
static void add_compat_arches(scmp_filter_ctx ctx)
{
	static const uint32_t x86_64_compat[] = { SCMP_ARCH_X86, SCMP_ARCH_X32 };
	static const uint32_t aarch64_compat[] = { SCMP_ARCH_ARM };
	const uint32_t *list = NULL;
	size_t n = 0;

	switch (seccomp_arch_native()) {
	case SCMP_ARCH_X86_64:
		list = x86_64_compat, n = ARRAY_SIZE(x86_64_compat);
		break;
	case SCMP_ARCH_AARCH64:
		list = aarch64_compat, n = ARRAY_SIZE(aarch64_compat);
		break;
	default:
		break;
	}
	for (size_t i = 0; i < n; i++) {
		int r = seccomp_arch_add(ctx, list[i]);
		if (r < 0 && r != -EEXIST)
			log_debug_errno(r, "Cannot add seccomp architecture %u, ignoring: %m", list[i]);
	}
}

/* Exports the program through a memfd: libseccomp 2.5 can only export BPF to an fd. */
static int export_bpf(scmp_filter_ctx ctx, struct lxm_seccomp *s)
{
	_cleanup_close_ int fd = memfd_create("lxcmgr-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return r;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return -E2BIG;
	s->insns = malloc(st.st_size);
	if (!s->insns)
		return -ENOMEM;
	if (pread(fd, s->insns, st.st_size, 0) != st.st_size)
		return -EIO;
	s->n_insns = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	return 0;
}

static int compile(struct lxm_seccomp *s)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	/* no_new_privs is the container config's decision (security.no_new_privs), not a side
	 * effect of loading a filter. */
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return r;
	add_compat_arches(ctx);
	for (unsigned i = 0; i < s->n_rules; i++) {
		int nr = seccomp_syscall_resolve_name(s->rules[i].name);
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(s->rules[i].errnum), nr, 0);
		if (r < 0)
			return log_debug_errno(r, "Failed to add seccomp rule for '%s': %m", s->rules[i].name);
	}
	return export_bpf(ctx, s);
}
#endif

int lxm_seccomp_load_text(const char *text, const char *origin, struct lxm_seccomp **ret)
{
	_cleanup_(lxm_seccomp_freep) struct lxm_seccomp *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	int r = parse_text(s, text, origin);
	if (r < 0)
		return r;
#ifdef HAVE_SECCOMP
	r = compile(s);
	if (r < 0)
		return log_error_errno(r, "Failed to compile seccomp profile '%s': %m", origin);
#else
	return log_error_errno(-EOPNOTSUPP, "Seccomp profile '%s' given but lxcmgr was built without libseccomp", origin);
#endif
	*ret = TAKE_PTR(s);
	return 0;
}

static int read_profile(const char *path, char **ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	struct stat st;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	if (st.st_size > MAX_PROFILE_SIZE)
		return -EFBIG;
	_cleanup_free_ char *buf = malloc(st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	ssize_t n = read(fd, buf, st.st_size);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int lxm_seccomp_load(const char *profile, const struct lxm_paths *paths, struct lxm_seccomp **ret)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	int r;

	if (IS_EMPTY(profile) || STREQ(profile, "none")) {
		*ret = NULL;
		return 0;
	}
	if (STREQ(profile, "default")) {
		r = lxm_path_join(&path, lxm_security_profiles_dir(), "seccomp/default");
		if (r < 0)
			return r;
	} else if (profile[0] == '/') {
		path = strdup(profile);
		if (!path)
			return -ENOMEM;
	} else
		return log_error_errno(-EINVAL, "Invalid seccomp setting '%s': expected \"default\", \"none\" or an absolute path", profile);

	r = read_profile(path, &text);
	if (r < 0)
		return log_error_errno(r, "Failed to read seccomp profile '%s': %m", path);
	return lxm_seccomp_load_text(text, path, ret);
}

int lxm_seccomp_apply(const struct lxm_seccomp *s)
{
	if (!s)
		return 0;
	struct sock_fprog prog = { .len = s->n_insns, .filter = s->insns };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return negative_errno();
	return 0;
}

int lxm_seccomp_rule_errno(const struct lxm_seccomp *s, const char *syscall_name)
{
	for (unsigned i = 0; s && i < s->n_rules; i++)
		if (STREQ(s->rules[i].name, syscall_name))
			return s->rules[i].errnum;
	return 0;
}

unsigned lxm_seccomp_n_rules(const struct lxm_seccomp *s)
{
	return s ? s->n_rules : 0;
}
