/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container name rules: names become hostnames, directory names and parts of interface names. */
#include "store/store.h"
#include "util/log.h"

#define LXM_NAME_MAX 63

static bool name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int name_check(const char *name, bool quiet)
{
	if (IS_EMPTY(name))
		return quiet ? -EINVAL : log_error_errno(-EINVAL, "Invalid container name: the name is empty");

	size_t len = strlen(name);
	if (len > LXM_NAME_MAX)
		return quiet ? -EINVAL : log_error_errno(-EINVAL, "Invalid container name '%.70s%s': %zu characters, at most %d allowed",
				       name, len > 70 ? "..." : "", len, LXM_NAME_MAX);

	/* Rejecting everything outside [a-z0-9-] also blocks path tricks ('/', "..", hidden '.'
	 * names that would collide with the store's own temporaries) and shell metacharacters. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (name_char_ok((char)c))
			continue;
		if (c >= 0x20 && c < 0x7f)
			return quiet ? -EINVAL : log_error_errno(-EINVAL,
					       "Invalid container name '%s': character '%c' at position %zu is not allowed "
					       "(use a-z, 0-9 and '-')",
					       name, c, i + 1);
		return quiet ? -EINVAL : log_error_errno(-EINVAL,
				       "Invalid container name: byte 0x%02x at position %zu is not allowed (use a-z, 0-9 and '-')",
				       c, i + 1);
	}
	if (name[0] == '-')
		return quiet ? -EINVAL : log_error_errno(-EINVAL, "Invalid container name '%s': must not start with '-'", name);
	if (name[len - 1] == '-')
		return quiet ? -EINVAL : log_error_errno(-EINVAL, "Invalid container name '%s': must not end with '-'", name);
	return 0;
}

int lxm_name_validate(const char *name)
{
	return name_check(name, false);
}

int lxm_name_validate_quiet(const char *name)
{
	return name_check(name, true);
}
