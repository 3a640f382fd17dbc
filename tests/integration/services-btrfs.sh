#!/bin/bash
# The btrfs storage backend on a loop-backed btrfs image: create picks btrfs on a btrfs store, the
# rootfs is a subvolume, snapshots are read-only btrfs snapshots (taken while running, no freeze),
# restore brings a deleted file back, copy --snapshot is an independent writable snapshot that
# boots, destroy leaves no subvolume behind; --storage btrfs off btrfs is refused cleanly.
# In a private mount namespace (as root; require_root says why not otherwise): the image's mount,
# and with it its loop device (autoclear), goes with the test's processes.
if [ "$(id -u)" = 0 ] && [ -z "${LXM_TEST_PRIVATE_MNT:-}" ]; then
	LXM_TEST_PRIVATE_MNT=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
require_root "mounts a btrfs image and boots containers"
if ! grep -qw btrfs /proc/filesystems || ! command -v mkfs.btrfs >/dev/null; then
	echo "1..0 # SKIP needs btrfs in the kernel and mkfs.btrfs (btrfs-progs)"
	exit 0
fi
plan 59

new_root
IMG="$_lib_tmp/btrfs.img"
truncate -s 512M "$IMG"
mkfs.btrfs -q "$IMG" >/dev/null
mount -t btrfs -o loop "$IMG" "$ROOT"
defer "umount -R -l '$ROOT'"
A=$(unique_name ba)
B=$(unique_name bb)
C=$(unique_name bc)
D=$(unique_name bd)
E=$(unique_name be)
F=$(unique_name bf)
G=$(unique_name bg)
CT="$ROOT/var/lib/lxcmgr/containers"
for n in "$A" "$B" "$C" "$D"; do
	defer "'$LXCMGR' --root '$ROOT' kill '$n' >/dev/null 2>&1 || true"
done
is_subvol() { [ "$(stat -c %i "$1")" = 256 ] && [ "$(stat -f -c %T "$1")" = btrfs ]; }
n_subvols() { find "$ROOT" -xdev -inum 256 -type d 2>/dev/null | grep -vc "^$ROOT\$" || true; }
state_of() { lxcmgr info "$1" --format json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }

# create: a store on btrfs gets a subvolume without being asked; --storage dir still works.
run_expect_exit 0 lxcmgr create "$A" -t busybox
is "$(lxcmgr config "$A" get storage)" "btrfs" "create on a btrfs store picks storage btrfs"
check "the rootfs is a btrfs subvolume" is_subvol "$CT/$A/rootfs"
run_expect_exit 0 lxcmgr create "$D" -t busybox --storage dir
is "$(lxcmgr config "$D" get storage)" "dir" "--storage dir keeps a plain directory"
check "a dir container's rootfs is no subvolume" test "$(stat -c %i "$CT/$D/rootfs")" != 256

# snapshot of a running container: a read-only btrfs snapshot, taken without a freeze.
run_expect_exit 0 lxcmgr start "$A"
lxcmgr exec "$A" -- sh -c 'echo precious >/root/keep'
run_expect_exit 0 lxcmgr snapshot "$A" create live
check "the snapshot is a subvolume" is_subvol "$CT/$A/snapshots/live/rootfs"
is "$(cat "$CT/$A/snapshots/live/rootfs/root/keep" 2>&1)" "precious" "the snapshot has the file written live"
run_expect_exit 1 touch "$CT/$A/snapshots/live/rootfs/new-file"
like "$ERR" "Read-only file system" "the snapshot is read-only"
is "$(state_of "$A")" "running" "the container stayed running (not frozen)"
lxcmgr exec "$A" -- rm /root/keep
run_expect_exit 4 lxcmgr snapshot "$A" restore live
run_expect_exit 0 lxcmgr stop "$A" -t 5

# restore: a writable snapshot swapped in; the file is back and the old tree is gone.
run_expect_exit 0 lxcmgr snapshot "$A" restore live
is "$(cat "$CT/$A/rootfs/root/keep" 2>&1)" "precious" "restore brings the deleted file back"
check "the restored rootfs is a writable subvolume" sh -c "is_subvol() { [ \"\$(stat -c %i \"\$1\")\" = 256 ]; }; is_subvol '$CT/$A/rootfs' && touch '$CT/$A/rootfs/w'"
is "$(find "$CT/$A" -mindepth 1 -maxdepth 1 -name '.*' | wc -l)" "0" "no temporary left after restore"
is "$(n_subvols)" "2" "two subvolumes: the rootfs and the snapshot"

# copy --snapshot: a writable snapshot, own identity, boots, independent of its source.
run_expect_exit 0 lxcmgr copy "$A" "$B" --snapshot
is "$(lxcmgr config "$B" get storage)" "btrfs" "the clone is a btrfs container"
check "the clone's rootfs is a subvolume" is_subvol "$CT/$B/rootfs"
is "$(lxcmgr config "$B" get storage_base 2>/dev/null || true)" "" "the clone has no base to depend on"
run_expect_exit 0 lxcmgr start "$B"
is "$(lxcmgr exec "$B" -- hostname)" "$B" "the clone boots with its own hostname"
is "$(lxcmgr exec "$B" -- cat /root/keep)" "precious" "the clone has the source's files"
lxcmgr exec "$B" -- sh -c 'echo live >/root/live'
run_expect_exit 0 lxcmgr copy "$B" "$F" --snapshot
is "$(cat "$CT/$F/rootfs/root/live" 2>&1)" "live" "a running btrfs container can be cloned"
run_expect_exit 0 lxcmgr rename "$F" "$G"
check "rename moves the subvolume along" is_subvol "$CT/$G/rootfs"
run_expect_exit 0 lxcmgr destroy "$G"
run_expect_exit 0 lxcmgr copy "$A" "$C"
check "a full copy of a btrfs container is a subvolume" is_subvol "$CT/$C/rootfs"

# export with the snapshots (whole trees) and import: a dir container with the snapshot.
run_expect_exit 0 lxcmgr export "$A" "$_lib_tmp/a.tar.zst" --snapshots
run_expect_exit 0 lxcmgr import "$_lib_tmp/a.tar.zst" "$E"
is "$(cat "$CT/$E/snapshots/live/rootfs/root/keep" 2>&1)" "precious" "the imported container has the btrfs snapshot's files"
is "$(lxcmgr config "$E" get storage)" "btrfs" "an import on a btrfs store is a btrfs container"
check "the imported rootfs is a subvolume" is_subvol "$CT/$E/rootfs"
run_expect_exit 0 lxcmgr snapshot "$E" restore live
check "a restore from the imported (plain) snapshot keeps a subvolume rootfs" is_subvol "$CT/$E/rootfs"
run_expect_exit 0 lxcmgr destroy "$E"

# destroy: the source can go while its clone runs; snapshots and rootfs subvolumes are destroyed.
run_expect_exit 0 lxcmgr snapshot "$A" delete live
check "snapshot delete removed it" test ! -e "$CT/$A/snapshots/live"
run_expect_exit 0 lxcmgr destroy "$A"
is "$(lxcmgr exec "$B" -- echo alive)" "alive" "the clone runs on after its source is destroyed"
run_expect_exit 0 lxcmgr stop "$B" -t 5
run_expect_exit 0 lxcmgr destroy "$B"
# A subvolume nested in the rootfs (what systemd-tmpfiles makes for /var/lib/machines) goes too.
btrfs subvolume create "$CT/$C/rootfs/nested" >/dev/null
echo x >"$CT/$C/rootfs/nested/file"
run_expect_exit 0 lxcmgr snapshot "$C" create withnested
run_expect_exit 0 lxcmgr destroy "$C"
is "$(n_subvols)" "0" "no subvolume left after destroy"

# A bind mount left inside a btrfs rootfs (a crashed start, say) shows a host directory holding a
# subvolume: destroying the container never reaches through it.
run_expect_exit 0 lxcmgr create "$F" -t busybox
mkdir -p "$ROOT/hostdir" "$CT/$F/rootfs/mnt/host"
btrfs subvolume create "$ROOT/hostdir/precious" >/dev/null
echo keep >"$ROOT/hostdir/precious/file"
btrfs subvolume create "$CT/$F/rootfs/nested" >/dev/null
mount --bind "$ROOT/hostdir" "$CT/$F/rootfs/mnt/host"
defer "umount -l '$CT/$F/rootfs/mnt/host' 2>/dev/null || true"
run_expect_exit 4 lxcmgr destroy "$F"
like "$ERR" "has a mount point inside" "destroy refuses a tree with a mount inside"
is "$(cat "$ROOT/hostdir/precious/file" 2>&1)" "keep" "a host subvolume behind a bind mount survives"
umount "$CT/$F/rootfs/mnt/host"
run_expect_exit 0 lxcmgr destroy "$F"
btrfs subvolume delete "$ROOT/hostdir/precious" >/dev/null

# --storage btrfs on a store that is not on btrfs: refused, nothing left.
new_root R2
if [ "$(stat -f -c %T "$R2")" != btrfs ]; then
	run_expect_exit 1 "$LXCMGR" --root "$R2" create "$A" -t busybox --storage btrfs
	like "$ERR" "needs the container store on btrfs" "the error says why"
	is "$(ls -A "$R2/var/lib/lxcmgr/containers" 2>/dev/null)" "" "nothing left behind"
else
	skip "the test's temporary directory is on btrfs" 3
fi
