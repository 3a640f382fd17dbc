/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "image/archive-dl.h"
#include "util/log.h"

struct lxm_dl_lib lxm_dl_archive = { .soname = LXM_ARCHIVE_SONAME };

int lxm_archive_load(void)
{
	int r = lxm_dl_open(&lxm_dl_archive);
	if (r < 0)
		return log_error_errno(r, "Failed to load libarchive ('%s'): %m", LXM_ARCHIVE_SONAME);
	return 0;
}
