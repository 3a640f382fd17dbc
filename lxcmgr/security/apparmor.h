/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AppArmor: a profile per container generated from configs/apparmor/lxcmgr-container.in, loaded
 * with apparmor_parser, entered by init and by every exec with aa_change_onexec(). The setting is
 * security.apparmor = "generated" | "unconfined" | NAME (an existing profile).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define LXM_APPARMOR_NAME_MAX 64

/* 1 when the kernel has AppArmor enabled (and lxcmgr was built with libapparmor), else 0. */
int lxm_apparmor_enabled(void);

/* "lxcmgr-" + the first 16 hex digits of the uuid: profile names are kernel-global, shared by
 * every --root world, so they come from the uuid, never from the container name. */
int lxm_apparmor_profile_name(const char *uuid, char ret[static LXM_APPARMOR_NAME_MAX]);

/* The profile text for the container with this uuid (template from the profiles directory).
 * *ret_text owned by the caller. */
int lxm_apparmor_generate(const char *uuid, char **ret_text);
/* The same from a template text given by the caller (tests). */
int lxm_apparmor_generate_from(const char *template_text, const char *uuid, char **ret_text);

/* Compiles and loads (replaces) a profile: apparmor_parser -r -K, text on stdin. */
int lxm_apparmor_load(const char *text);
/* Only compiles: apparmor_parser -Q -K (no kernel needed). 0 when the parser accepts the text. */
int lxm_apparmor_check(const char *text);
/* Removes a loaded profile by name through the kernel's .remove interface; missing is fine. */
int lxm_apparmor_unload(const char *name);

/* After the container stopped: unloads its generated profile (setting "generated" or unset, and
 * AppArmor enabled); named profiles belong to the administrator. Never fails: logs at debug. */
void lxm_apparmor_release(const char *setting, const char *uuid);

/* Makes the next execve() of the calling process enter profile (aa_change_onexec). */
int lxm_apparmor_exec_into(const char *profile);

/* What the profile a container starts with is: *ret_profile is the name to enter, or NULL for
 * none ("unconfined", or no AppArmor here); *ret_note explains (static text, never NULL): why the
 * profile is not applied, or "enforced". */
int lxm_apparmor_plan(const char *setting, const char *uuid, char **ret_profile, const char **ret_note);

/* One line for `info`: "lxcmgr-0123456789abcdef (generated)", "unconfined (as configured)",
 * "not applied: the host kernel has no AppArmor", ... *ret owned by the caller. */
int lxm_apparmor_status(const char *setting, const char *uuid, char **ret);

/* The label of a running process (/proc/PID/attr/current, trailing " (enforce)" kept). */
int lxm_apparmor_current(pid_t pid, char **ret);
