/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The standard configure (templates/CONTRACT.md, as lxm_template_configure_standard() writes it)
 * of an overlay container whose upper directory is still empty, written straight into upper with
 * overlayfs' copy-up semantics (Linux >= 6.6 layout: the copied-up etc, var, var/lib, var/lib/dbus
 * get the lower directory's xattrs, mode, owner, times and a trusted.overlay.origin, their parents
 * trusted.overlay.impure, upper its trusted.overlay.uuid): no mount namespace, no overlay mount.
 * -EOPNOTSUPP (not logged, nothing written) where that layout cannot be reproduced (older kernel,
 * no file handles or superblock uuid, a lower etc missing or not a real directory, special
 * flags, default ACLs, a directory where a file is written): mount the overlay instead. */
int lxm_configure_standard_upper(const char *base, const char *upper, const char *name);
