/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container name rules: names become hostnames, directory names and parts of interface names. */
#include "store/store.h"
#include "util/log.h"

#define LXM_NAME_MAX 63

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int name_check(const char *name, const char *what, bool quiet)
{
	if (IS_EMPTY(name))
		return quiet ? -EINVAL : log_error_errno(-EINVAL, "Invalid %s name: the name is empty", what);

	size_t len = strlen(name);
	if (len > LXM_NAME_MAX)
		return quiet ? -EINVAL : log_error_errno(-EINVAL, "Invalid %s name '%.70s%s': %zu characters, at most %d allowed",
				       what, name, len > 70 ? "..." : "", len, LXM_NAME_MAX);

	/* Rejecting everything outside [a-z0-9-] also blocks path tricks ('/', "..", hidden '.'
	 * names that would collide with the store's own temporaries) and shell metacharacters. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (name_char_ok((char)c))
			continue;
		if (c >= 0x20 && c < 0x7f)
			return quiet ? -EINVAL : log_error_errno(-EINVAL,
					       "Invalid %s name '%s': character '%c' at position %zu is not allowed "
					       "(use a-z, 0-9 and '-')",
					       what, name, c, i + 1);
		return quiet ? -EINVAL : log_error_errno(-EINVAL,
				       "Invalid %s name: byte 0x%02x at position %zu is not allowed (use a-z, 0-9 and '-')",
				       what, c, i + 1);
	}
	if (name[0] == '-')
		return quiet ? -EINVAL : log_error_errno(-EINVAL, "Invalid %s name '%s': must not start with '-'", what, name);
	if (name[len - 1] == '-')
		return quiet ? -EINVAL : log_error_errno(-EINVAL, "Invalid %s name '%s': must not end with '-'", what, name);
	return 0;
}

int lxm_name_validate(const char *name)
{
	return name_check(name, "container", false);
}

int lxm_snapshot_name_validate(const char *name)
{
	return name_check(name, "snapshot", false);
}

int lxm_name_validate_quiet(const char *name)
{
	return name_check(name, "container", true);
}
