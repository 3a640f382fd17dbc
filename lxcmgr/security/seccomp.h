/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp deny-list profiles (configs/seccomp/default): parsed and compiled to a BPF program in
 * the parent, before clone, so the child only has to hand the ready program to the kernel (no
 * parsing, no allocation between clone and exec).
 */
#pragma once

#include "core/paths.h"
#include "util/macros.h"

struct lxm_seccomp;

/* The directory holding seccomp/ and apparmor/ profiles: $LXCMGR_PROFILES_DIR, else the installed
 * data directory. Not under --root: profiles ship with the program. */
const char *lxm_security_profiles_dir(void);

/* profile is "default", "none" or an absolute path. "none" gives *ret = NULL and returns 0.
 * With paths, the compiled program is cached in RUN/.seccomp/ (seccomp.c); NULL: always compiled.
 * Parse errors are logged with file and line and return -EINVAL; -EOPNOTSUPP without libseccomp.
 * Free the result with lxm_seccomp_free(). */
int lxm_seccomp_load(const char *profile, const struct lxm_paths *paths, struct lxm_seccomp **ret);

/* The same for a caller that only installs the program (exec): a program found in the cache is
 * returned without parsing the profile into rules (lxm_seccomp_rule_errno() knows none then). */
int lxm_seccomp_load_program(const char *profile, const struct lxm_paths *paths, struct lxm_seccomp **ret);

/* Parses a profile text (origin names it in messages) and compiles it. */
int lxm_seccomp_load_text(const char *text, const char *origin, struct lxm_seccomp **ret);

/* Installs the compiled filter on the calling thread (async-signal-safe: one system call). Needs
 * CAP_SYS_ADMIN in the caller's user namespace or no_new_privs set; -errno on failure. */
int lxm_seccomp_apply(const struct lxm_seccomp *s);

/* The errno a rule answers for syscall (by name), or 0 when the profile has no rule for it. */
int lxm_seccomp_rule_errno(const struct lxm_seccomp *s, const char *syscall);
unsigned lxm_seccomp_n_rules(const struct lxm_seccomp *s);
/* Instructions of the compiled program (the cache test compares them). */
unsigned lxm_seccomp_n_insns(const struct lxm_seccomp *s);

void lxm_seccomp_free(struct lxm_seccomp *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct lxm_seccomp *, lxm_seccomp_free);
