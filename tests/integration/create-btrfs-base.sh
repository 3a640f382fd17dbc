#!/bin/bash
# A create with storage "btrfs" from a warm template cache is a writable snapshot of the entry's
# btrfs base: a read-only subvolume in the store, CONTAINERS/.btrfs-bases/KEY-SHA16, made once per
# entry version from the cache's unpacked base (image/btrfs-base.h). The store is a loop-backed
# btrfs image; the template cache stays on the test's own filesystem, as it may on a host. Checked:
# what the snapshot holds, that containers and base are independent, which binary runs each create
# (lxcmgr-full only while the cache's unpacked base is missing), how a base is published (a
# read-only snapshot of a filled temporary: a killed make leaves only the temporary, never used),
# the fallback to a copy when the base cannot be snapshotted, stale bases, temporaries and other
# keys' orphaned bases removed when a base is made, and `template refresh` / `template remove`
# removing the key's bases (also once the entry is gone) while its containers live on.
# In a private mount namespace (as root; require_root says why not otherwise): the image's mount,
# and with it its loop device (autoclear), goes with the test's processes, even a killed test's.
if [ "$(id -u)" = 0 ] && [ -z "${LXM_TEST_PRIVATE_MNT:-}" ]; then
	LXM_TEST_PRIVATE_MNT=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
require_root "mounts a btrfs image"
FULL="$(dirname "$LXCMGR")/lxcmgr-full"
[ -x "$FULL" ] || { echo "1..0 # SKIP a build without lxcmgr-full (--disable-static-cli)"; exit 0; }
if ! grep -qw btrfs /proc/filesystems || ! command -v mkfs.btrfs >/dev/null; then
	echo "1..0 # SKIP needs btrfs in the kernel and mkfs.btrfs (btrfs-progs)"
	exit 0
fi
plan 42

new_root
WORK=$(mktemp -d /tmp/lxm-create-btrfs-base.XXXXXX)
defer "rm -rf '$WORK'"
truncate -s 512M "$WORK/store.img"
mkfs.btrfs -q "$WORK/store.img" >/dev/null
mkdir -p "$ROOT/var/lib/lxcmgr" "$WORK/templates" "$WORK/bin"
mount -t btrfs -o loop "$WORK/store.img" "$ROOT/var/lib/lxcmgr"
defer "umount -R -l '$ROOT/var/lib/lxcmgr'"
export LXCMGR_TEMPLATES_DIR=$WORK/templates
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
C=$ROOT/var/lib/lxcmgr/containers
BB=$C/.btrfs-bases
KEY=warm-default-$ARCH-busybox
ORPHAN=gone-default-$ARCH-busybox-2222222222222222 # a base of a key the cache does not have
KEY2=warm2-default-$ARCH-busybox

. "$(dirname "$0")/fake-template.sh"
# The build stamp makes each build's tarball (and so its base's name) differ: refresh is checked.
fake_template "$WORK/templates/warm" $'configure=standard\ncache=yes' <<'EOF2'
	mkdir -p "$rootfs/etc" "$rootfs/bin" "$rootfs/usr/bin"
	echo localhost >"$rootfs/etc/hostname"
	echo "127.0.0.1 localhost" >"$rootfs/etc/hosts"
	head -c 200000 /dev/urandom >"$rootfs/bin/busybox"
	ln "$rootfs/bin/busybox" "$rootfs/usr/bin/env"
	ln -s ../bin/busybox "$rootfs/usr/bin/sh"
	echo payload >"$rootfs/bin/payload"
	chown 7:8 "$rootfs/bin/payload"
	date +%s%N >"$rootfs/etc/build-stamp"
EOF2
cp "$WORK/templates/warm" "$WORK/templates/warm2"

logged_full_copy
btrfs_bases() { ls -A "$BB" 2>/dev/null | sort | tr '\n' ' '; }
is_subvol() { [ "$(stat -c %i "$1")" = 256 ] && [ "$(stat -f -c %T "$1")" = btrfs ]; }
uuid_of() { btrfs subvolume show "$1" | sed -n 's/^[[:space:]]*UUID:[[:space:]]*//p'; }
parent_of() { btrfs subvolume show "$1" | sed -n 's/^[[:space:]]*Parent UUID:[[:space:]]*//p'; }
sum() { sha256sum <"$1"; }

# --- the entry's first create builds it into the rootfs: no base yet ------------------------------
lm create cold -t warm >/dev/null
is "$(lm config cold get storage)" btrfs "a create on a btrfs store is a btrfs container"
is "$(btrfs_bases)" "" "a template build leaves no btrfs base (the rootfs was built in place)"

# --- the first create from the cache makes the btrfs base and snapshots it ------------------------
fresh
run_expect_exit 0 lm create b1 -t warm
like "$(full_log)" "create b1 -t warm" "it runs in lxcmgr-full (the cache's base is unpacked with libarchive first)"
like "$(btrfs_bases)" "^$KEY-[0-9a-f]{16} \$" "it leaves the entry's btrfs base, under its final name only"
BASE=$(ls -d "$BB"/$KEY-*)
check "the base is a subvolume" is_subvol "$BASE"
is "$(btrfs property get "$BASE" ro)" "ro=true" "a read-only one"
is "$(parent_of "$C/b1/rootfs")" "$(uuid_of "$BASE")" "the container's rootfs is a snapshot of it"
is "$(btrfs property get "$C/b1/rootfs" ro)" "ro=false" "a writable one"
is "$(cat "$C/b1/rootfs/etc/hostname")" b1 "configured for its own name"

# --- the next create runs in lxcmgr itself and snapshots the same base ----------------------------
fresh
run_expect_exit 0 lm create b2 -t warm
is "$(full_log)" "" "the next create executes no lxcmgr-full"
is "$(parent_of "$C/b2/rootfs")" "$(uuid_of "$BASE")" "its rootfs is a snapshot of the same base"
rootfs_listing "$C/cold/rootfs" >"$WORK/cold.list"
rootfs_listing "$C/b1/rootfs" >"$WORK/b1.list"
rootfs_listing "$C/b2/rootfs" >"$WORK/b2.list"
check "the snapshot holds what the template built (owners, modes, links, data)" diff -u "$WORK/cold.list" "$WORK/b1.list"
check "so does the next one" diff -u "$WORK/b1.list" "$WORK/b2.list"

# The config's data is synced before the rename that makes the container visible, by an fsync()
# after the snapshot: the snapshot's commit has written the config's inode by then, so there is
# nothing left to log (store.c), instead of a log tree and a flush of its own beside the commit.
if command -v strace >/dev/null; then
	ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" strace -f -qq -o "$WORK/b7.trace" \
		-e trace=ioctl,fsync,renameat2 "$WORK/bin/lxcmgr" --root "$ROOT" create b7 -t warm
	like "$(tr '\n' ' ' <"$WORK/b7.trace")" 'BTRFS_IOC_SNAP_CREATE_V2.* fsync\([0-9]+\) += 0.*renameat2\([^)]*\.tmp-b7-' \
		"the config is fsync()ed after the snapshot, before the rename"
	lm destroy b7 >/dev/null
else
	skip "needs strace"
fi

# --- containers and base are independent ----------------------------------------------------------
base_sum=$(sum "$BASE/bin/busybox")
echo x >>"$C/b1/rootfs/usr/bin/env"
is "$(sum "$BASE/bin/busybox")" "$base_sum" "a write in a container leaves the base as it was"
is "$(sum "$C/b2/rootfs/bin/busybox")" "$base_sum" "and the other container's file"
is "$(sum "$C/b1/rootfs/bin/busybox")" "$(sum "$C/b1/rootfs/usr/bin/env")" "a hard link of the base is one inode in the snapshot"

# --- making a base removes the key's older bases and temporaries, and orphans, not a live base ----
lm create w2a -t warm2 >/dev/null && lm create w2b -t warm2 >/dev/null # another key's base
btrfs subvolume create "$BB/$KEY-0000000000000000" >/dev/null
mkdir "$BB/$KEY-1111111111111111.tmp-abcdef" # named, killed before its subvolume was made
btrfs subvolume create "$BB/$ORPHAN" >/dev/null
btrfs subvolume delete "$BASE" >/dev/null
fresh
ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" strace -f -qq -o "$WORK/b3.trace" \
	-e trace=ioctl "$WORK/bin/lxcmgr" --root "$ROOT" create b3 -t warm
is "$(full_log)" "" "a missing btrfs base is made again in lxcmgr itself (from the cache's unpacked base)"
is "$(btrfs_bases)" "$(printf '%s\n' "$(basename "$BASE")" "$(basename "$BB"/$KEY2-*)" | sort | tr '\n' ' ')" \
	"making it removed the key's older base, its temporary and a base of a key the cache lacks, not another key's base"
like "$(grep SNAP_CREATE_V2 "$WORK/b3.trace" | head -1)" "flags=BTRFS_SUBVOL_RDONLY, name=\"$(basename "$BASE")\"" \
	"the base is published by a read-only snapshot under its name"
is "$(parent_of "$C/b3/rootfs")" "$(uuid_of "$BASE")" "the new container is a snapshot of the new base"
is "$(cat "$C/b2/rootfs/etc/hostname")" b2 "a container made from the deleted base keeps its files"

# --- a create killed while the base is filled leaves only the temporary, never used ---------------
btrfs subvolume delete "$BASE" >/dev/null
(ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" strace -f -qq -o /dev/null \
	-e trace=copy_file_range -e inject=copy_file_range:signal=SIGKILL \
	"$WORK/bin/lxcmgr" --root "$ROOT" create k1 -t warm >/dev/null 2>&1 || :) 2>/dev/null
like "$(btrfs_bases)" "^$KEY-[0-9a-f]{16}\\.tmp-[A-Za-z0-9]{6} " "a create killed while filling the base leaves only its temporary"
check "the container is not made" test ! -e "$C/k1"
run_expect_exit 0 lm create k2 -t warm
is "$(btrfs_bases | grep -o "$KEY-[^ ]*" | tr '\n' ' ')" "$(basename "$BASE") " "the next create makes the base and removes the temporary"
rootfs_listing "$C/k2/rootfs" >"$WORK/k2.list"
check "its rootfs is whole" diff -u "$WORK/cold.list" "$WORK/k2.list"

# --- a base that cannot be snapshotted: the create copies instead and says so ---------------------
btrfs subvolume delete "$BASE" >/dev/null
mkdir "$BASE" # not a subvolume
run_expect_exit 0 lm create b4 -t warm
like "$ERR" "Failed to snapshot the btrfs base" "the failed snapshot is reported"
rootfs_listing "$C/b4/rootfs" >"$WORK/b4.list"
check "the rootfs was copied from the cache's unpacked base instead" diff -u "$WORK/cold.list" "$WORK/b4.list"
check "into a subvolume" is_subvol "$C/b4/rootfs"
rmdir "$BASE"

# --- template refresh removes the old version's base; the next create makes the new one -----------
run_expect_exit 0 lm create b5 -t warm
lm template refresh "$KEY" >/dev/null 2>&1
is "$(btrfs_bases | grep -c "$KEY-" || true)" 0 "template refresh removes the old version's btrfs base"
run_expect_exit 0 lm create b6 -t warm
NEW=$(ls -d "$BB"/$KEY-*)
check "the next create made the new version's base" test "$NEW" != "$BASE"

# --- template remove removes the key's bases, also once the entry is gone; no subvolume leaks -----
lm template remove "$KEY" >/dev/null 2>&1
is "$(btrfs_bases)" "$(basename "$BB"/$KEY2-*) " "template remove removes the key's btrfs bases, not another key's"
is "$(cat "$C/b6/rootfs/etc/hostname")" b6 "a container made from a removed base keeps its files"
rm -rf "$ROOT/var/cache/lxcmgr/templates/$KEY2" # as another root sharing the cache would remove it
run_expect_exit 3 lm template remove "$KEY2"
is "$(btrfs_bases)" "" "a remove of an entry that is gone already still removes its btrfs base"
for n in cold b1 b2 b3 b4 b5 b6 k2 w2a w2b; do lm destroy "$n" >/dev/null; done
is "$(find "$ROOT/var/lib/lxcmgr" -xdev -inum 256 -type d | grep -vc "^$ROOT/var/lib/lxcmgr\$" || true)" 0 \
	"no subvolume left after destroy"
