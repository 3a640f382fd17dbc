/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A process that shares our address space and ends after we did, so our exit() does not tear it
 * down before the parent is told (mm-holder.c). Best effort, tried once per process: returns 0,
 * or -errno (then our exit is as it was). Call only while single-threaded. */
int lxm_mm_holder_start(void);
