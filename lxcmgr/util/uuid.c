/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Random (version 4) uuids for new containers' configs. */
#include <sys/random.h>
#include <uuid/uuid.h>

#include "util/uuid.h"

void lxm_uuid_v4(char ret[static LXM_UUID_STRING_LEN])
{
	uuid_t u;

	/* A version 4 uuid, as uuid_generate_random() makes it, from one getrandom(): libuuid adds
	 * getpid(), getuid(), getppid() and gettid() to stir its own generator (five system calls). */
	if (getrandom(u, sizeof(u), GRND_NONBLOCK) == (ssize_t)sizeof(u)) {
		u[6] = (u[6] & 0x0f) | 0x40; /* version 4: random */
		u[8] = (u[8] & 0x3f) | 0x80; /* variant: RFC 4122 */
	} else
		uuid_generate_random(u); /* entropy not yet initialised: its fallback */
	uuid_unparse_lower(u, ret);
}
