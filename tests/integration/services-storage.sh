#!/bin/bash
# Overlay storage: create --storage overlay over the template cache (time reported, not asserted),
# unprivileged (id-mapped layers: on-disk ids in upper, base untouched) and privileged overlay
# containers, copy-on-write clones that boot unprivileged with their own identity, a clone base
# that cannot be destroyed or renamed, snapshots of an overlay container, nothing left mounted.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || { echo "1..0 # SKIP no overlayfs"; exit 0; }
plan 51

new_root
P=$(unique_name ov)
O1="$P-o1" O2="$P-o2" S="$P-s" K="$P-k"
CT="$ROOT/var/lib/lxcmgr/containers"
for n in "$O1" "$O2" "$S" "$K"; do
	defer "'$LXCMGR' --root '$ROOT' kill '$n' >/dev/null 2>&1 || true"
done
cfg() { sed -n "s/^ *$2 *= *\"\(.*\)\"/\1/p" "$CT/$1/config" | head -1; }
mounts_below() { awk -v d="$ROOT/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo; }

run_expect_exit 0 lxcmgr create "$O1" -t busybox --storage overlay
is "$(cfg "$O1" storage)" "overlay" "config records storage"
like "$(cfg "$O1" storage_base)" "/overlay-bases/busybox-" "config records the base"
# create configures through a volatile overlay mount (no sync of the host filesystem at its
# unmount); the marker such a mount leaves in work/ would make every later mount fail.
check "no volatile marker left in work/" test ! -e "$CT/$O1/work/work/incompat"
is "$(cat "$CT/$O1/upper/etc/hostname")" "$O1" "the hostname is written in upper"
is "$(stat -c '%a %s' "$CT/$O1/upper/etc/machine-id")" "444 0" "machine-id is empty and 0444 in upper, as the template's configure writes it"
t0=$(date +%s%N)
run_expect_exit 0 lxcmgr create "$O2" -t busybox --storage overlay
t1=$(date +%s%N)
diag "create --storage overlay from the cached base: $(((t1 - t0) / 1000000)) ms"
is "$(cfg "$O2" storage_base)" "$(cfg "$O1" storage_base)" "both share one base"
is "$(ls -A "$CT/$O2/rootfs")" "" "rootfs is only a mount point on the host"
# Unprivileged (the default): the overlay is mounted in the container over id-mapped layers.
BASE=$(cfg "$O2" storage_base)
base_sum() { (cd "$BASE" && find . -printf '%p %U:%G %m %s\n' | sort | md5sum); }
sum0=$(base_sum)
run_expect_exit 0 lxcmgr start "$O2"
is "$(lxcmgr exec "$O2" -- hostname)" "$O2" "unprivileged overlay container boots with its hostname"
like "$(lxcmgr exec "$O2" -- cat /proc/self/uid_map)" "^ *0 +[1-9][0-9]* +[0-9]+\$" "it runs in a user namespace (root is not host root)"
hostuid=$(lxcmgr exec "$O2" -- cat /proc/self/uid_map | awk '{print $2}')
is "$(lxcmgr exec "$O2" -- stat -c %u:%g /bin/busybox)" "0:0" "the base's files are root's inside"
lxcmgr exec "$O2" -- sh -c 'echo mine >/mine && mkdir /home1 && touch /home1/u && chown 1000:1001 /home1/u && rm /bin/ls'
is "$(cat "$CT/$O2/upper/mine")" "mine" "writes land in upper"
is "$(stat -c %u:%g "$CT/$O2/upper/mine")" "0:0" "a file root made inside is owned by on-disk uid 0 in upper (not host uid $hostuid)"
is "$(stat -c %u:%g "$CT/$O2/upper/home1/u")" "1000:1001" "a file chowned to 1000:1001 inside is 1000:1001 on disk"
is "$(stat -c %F "$CT/$O2/upper/bin/ls")" "character special file" "a deleted base file is a whiteout in upper"
check "the base still has the deleted file" test -e "$BASE/bin/ls"
is "$(base_sum)" "$sum0" "the base is untouched (names, owners, modes, sizes)"
is "$(mounts_below)" "" "nothing mounted on the host while it runs"
run_expect_exit 0 lxcmgr stop "$O2" -t 5
run_expect_exit 0 lxcmgr start "$O2"
is "$(lxcmgr exec "$O2" -- cat /mine)" "mine" "a restart keeps the upper's files"
run_expect_exit 0 lxcmgr stop "$O2" -t 5
# Owners recorded as shifted on disk (idshift) would be shifted twice by id-mapped layers.
lxcmgr config "$O2" set security.idmap_shifted "u 0 100000 65536; g 0 100000 65536" >/dev/null
run_expect_exit 1 lxcmgr start "$O2"
like "$ERR" "recorded as shifted on disk.*full copy" "an overlay recorded as shifted does not start unprivileged, and says why"
lxcmgr config "$O2" unset security.idmap_shifted >/dev/null

# Privileged: the overlay mounted on the host before clone; same on-disk ids, so the container
# can switch between the modes.
lxcmgr config "$O1" set security.privileged true >/dev/null
run_expect_exit 0 lxcmgr start "$O1"
is "$(lxcmgr exec "$O1" -- cat /proc/self/uid_map | awk '{print $1 ":" $2}')" "0:0" "a privileged overlay container has no user namespace"
lxcmgr exec "$O1" -- sh -c 'echo priv >/priv'
is "$(stat -c %u:%g:%s "$CT/$O1/upper/priv")" "0:0:5" "privileged writes land in upper as uid 0"
run_expect_exit 0 lxcmgr stop "$O1" -t 5

# Snapshot/restore of an overlay container (its upper directory).
run_expect_exit 0 lxcmgr snapshot "$O2" create s
rm "$CT/$O2/upper/mine"
run_expect_exit 0 lxcmgr snapshot "$O2" restore s
check "restore brings the file back into upper" test -f "$CT/$O2/upper/mine"

# Copy-on-write clone of a dir container.
run_expect_exit 0 lxcmgr create "$S" -t busybox
echo base >"$S.tmp" && mv "$S.tmp" "$CT/$S/rootfs/basefile"
run_expect_exit 0 lxcmgr copy "$S" "$K" --snapshot
is "$(cfg "$K" storage_base)" "$CT/$S/rootfs" "clone's base is the source's rootfs"
unlike "$(cfg "$K" uuid)" "^$(cfg "$S" uuid)\$" "clone has a new uuid"
run_expect_exit 0 lxcmgr start "$K"
is "$(lxcmgr exec "$K" -- hostname)" "$K" "clone boots unprivileged with its own hostname"
unlike "$(lxcmgr exec "$K" -- cat /proc/self/uid_map)" "^ *0 +0 " "the clone runs in a user namespace"
is "$(lxcmgr exec "$K" -- cat /basefile)" "base" "clone sees the base's files"
lxcmgr exec "$K" -- rm /basefile
check "deleting in the clone leaves the base alone" test -f "$CT/$S/rootfs/basefile"
lxcmgr exec "$K" -- sh -c 'echo k >/kfile'
is "$(stat -c %u:%g "$CT/$K/upper/kfile")" "0:0" "the clone's writes are on-disk uid 0 in its upper"
check "and not in the base" test ! -e "$CT/$S/rootfs/kfile"
run_expect_exit 0 lxcmgr kill "$K"
run_expect_exit 4 lxcmgr destroy "$S"
like "$ERR" "base of the overlay clone" "destroy of a clone base names its clones"
run_expect_exit 4 lxcmgr rename "$S" "$P-x"
run_expect_exit 0 lxcmgr destroy "$K"
run_expect_exit 0 lxcmgr destroy "$S"
is "$(mounts_below)" "" "nothing left mounted"
