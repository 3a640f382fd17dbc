/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The live interfaces of a running container for `info` (table and JSON). */
#pragma once

#include <confuse.h>
#include <sys/types.h>

#include "util/json.h"

/* "interface eth0: mac=... host=vlxm... 10.0.3.2/24 rx=... tx=..." lines; nothing when stopped. */
void lxm_info_net_print_text(cfg_t *cfg, const char *uuid, pid_t init_pid);
/* An "interfaces" array (empty when stopped). */
void lxm_info_net_print_json(struct lxm_json *j, cfg_t *cfg, const char *uuid, pid_t init_pid);
