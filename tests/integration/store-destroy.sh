#!/bin/bash
# destroy never removes what is mounted inside a container, never follows symlinks out, and a
# locked container is busy.
. "$(dirname "$0")/lib.sh"
require_root
plan 15

new_root
name=$(unique_name d)
containers="$ROOT/var/lib/lxcmgr/containers"
hostdir="$ROOT/host-data"
mkdir -p "$hostdir"
echo precious >"$hostdir/file"

run_expect_exit 0 lxcmgr create "$name" -t busybox
rootfs="$containers/$name/rootfs"

# A symlink in the rootfs pointing at host data: removed as a link, the data stays.
ln -s "$hostdir" "$rootfs/hostlink"
ln -s "$hostdir/file" "$rootfs/filelink"

# A bind mount inside: destroy refuses and changes nothing.
mkdir -p "$rootfs/mnt/data"
mount --bind "$hostdir" "$rootfs/mnt/data"
defer "umount -l '$rootfs/mnt/data' 2>/dev/null || true"
run_expect_exit 4 lxcmgr destroy "$name"
like "$ERR" "mount point inside" "destroy names the mount"
check "container still there" test -d "$rootfs/sbin"
check "host data intact" grep -q precious "$hostdir/file"
umount "$rootfs/mnt/data"

# Locked by another command: busy.
exec 9>"$ROOT/run/lxcmgr/locks/$name.lock"
flock -n 9
run_expect_exit 4 lxcmgr destroy "$name"
like "$ERR" "busy" "destroy of a locked container says busy"
exec 9>&-

run_expect_exit 0 lxcmgr destroy "$name"
is "$(ls -A "$containers")" "" "container gone, no temporary left"
check "symlinked host data intact" grep -q precious "$hostdir/file"
run_expect_exit 3 lxcmgr destroy "$name"

# The same through a --root reached by a symlink (mountinfo has canonical paths).
new_root REAL
link="$REAL.link"
ln -s "$REAL" "$link"
defer "rm -f '$link'"
run_expect_exit 0 "$LXCMGR" --root "$link" create "$name" -t busybox
mkdir -p "$REAL/var/lib/lxcmgr/containers/$name/rootfs/mnt/t"
mount -t tmpfs lxcmgr-test "$REAL/var/lib/lxcmgr/containers/$name/rootfs/mnt/t"
defer "umount -l '$REAL/var/lib/lxcmgr/containers/$name/rootfs/mnt/t' 2>/dev/null || true"
run_expect_exit 4 "$LXCMGR" --root "$link" destroy "$name"
check "container still visible" test -d "$REAL/var/lib/lxcmgr/containers/$name/rootfs/sbin"
umount "$REAL/var/lib/lxcmgr/containers/$name/rootfs/mnt/t"
run_expect_exit 0 "$LXCMGR" --root "$link" destroy "$name"
