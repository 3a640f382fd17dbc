/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The standard configure phase (templates/CONTRACT.md), done without running the template: what
 * templates/lib/common.sh's lxm_write_hostname and lxm_empty_machine_id write (hostname, hosts,
 * empty machine-id 0444, var/lib/dbus/machine-id -> /etc/machine-id where var/lib/dbus is a real
 * directory), never writing through a symlink; a rootfs whose etc is a symlink is refused. For
 * templates whose defaults print "configure=standard". */
int lxm_template_configure_standard(const char *rootfs, const char *name);
/* The paths below the rootfs it replaces whatever is there with (NULL-terminated). */
extern const char *const lxm_configure_standard_replaces[];
