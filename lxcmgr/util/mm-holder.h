/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A process that shares our address space and ends after we did, so our exit() does not tear it
 * down before the parent is told (mm-holder.c). Best effort: returns 0, or -errno and nothing
 * changed. Call only while single-threaded, with nothing else to start after it. */
int lxm_mm_holder_start(void);
