/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Random (version 4) uuids for new containers' configs. */
#pragma once

#define LXM_UUID_STRING_LEN 37 /* 36 characters and the NUL */

/* A version 4 uuid as lower-case text in ret. Cannot fail. */
void lxm_uuid_v4(char ret[static LXM_UUID_STRING_LEN]);
