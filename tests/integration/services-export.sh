#!/bin/bash
# export/import round trip onto another lxcmgr root: ownership, device node, hard link and
# snapshots survive and the import boots; a name clash and corrupted archives are refused
# leaving nothing behind.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
plan 26

new_root
new_root ROOT2
A=$(unique_name ea)
B=$(unique_name eb)
CT="$ROOT/var/lib/lxcmgr/containers"
CT2="$ROOT2/var/lib/lxcmgr/containers"
W="$_lib_tmp/work"
mkdir -p "$W"
defer "'$LXCMGR' --root '$ROOT2' kill '$A' >/dev/null 2>&1 || true"
defer "'$LXCMGR' --root '$ROOT' kill '$A' >/dev/null 2>&1 || true"
defer "'$LXCMGR' --root '$ROOT2' kill '$B' >/dev/null 2>&1 || true"
lxcmgr2() { "$LXCMGR" --root "$ROOT2" "$@"; }

run_expect_exit 0 lxcmgr create "$A" -t busybox
R="$CT/$A/rootfs"
echo data >"$R/owned"
chown 1234:5678 "$R/owned"
chmod 0640 "$R/owned"
ln "$R/owned" "$R/owned-link"
mknod "$R/dev/testdev" c 1 3
run_expect_exit 0 lxcmgr snapshot "$A" create s1

run_expect_exit 0 lxcmgr export "$A" "$W/a.tar.zst" --snapshots
run_expect_exit 0 lxcmgr2 import "$W/a.tar.zst"
R2="$CT2/$A/rootfs"
is "$(stat -c '%u:%g %a' "$R2/owned")" "1234:5678 640" "owner and mode survive"
is "$(stat -c '%i' "$R2/owned")" "$(stat -c '%i' "$R2/owned-link")" "hard link survives"
is "$(stat -c '%F %t:%T' "$R2/dev/testdev")" "character special file 1:3" "device node survives"
check "snapshots imported" test -f "$CT2/$A/snapshots/s1/rootfs/owned"
is "$(sed -n 's/^uuid *= *"\(.*\)"/\1/p' "$CT2/$A/config")" \
	"$(sed -n 's/^uuid *= *"\(.*\)"/\1/p' "$CT/$A/config")" "same-name import keeps the identity"
run_expect_exit 0 lxcmgr2 start "$A"
is "$(lxcmgr2 exec "$A" -- stat -c %u:%g /owned)" "1234:5678" "imported container boots and sees the owner"
run_expect_exit 0 lxcmgr2 stop "$A" -t 5

# Name clash refused, import under a new name.
run_expect_exit 4 lxcmgr2 import "$W/a.tar.zst"
like "$ERR" "already exists" "clash says why"
run_expect_exit 0 lxcmgr2 import "$W/a.tar.zst" "$B"
is "$(sed -n 's/^hostname *= *"\(.*\)"/\1/p' "$CT2/$B/config")" "$B" "new name sets the hostname"

# Corrupted archives: a flipped byte in the compressed stream, and a consistent archive whose
# rootfs stream does not match its metadata. Both refused, nothing left (no temporaries).
before=$(ls -A "$CT2" | tr '\n' ' ')
cp "$W/a.tar.zst" "$W/flip.tar.zst"
size=$(stat -c %s "$W/flip.tar.zst")
printf '\xff\xff\xff\xff' | dd of="$W/flip.tar.zst" bs=1 seek=$((size / 2)) conv=notrunc status=none
run_expect_exit 1 lxcmgr2 import "$W/flip.tar.zst" flipped
mkdir "$W/x"
tar -C "$W/x" -xf "$W/a.tar.zst"
echo tampered >>"$W/x/rootfs.tar"
tar -C "$W/x" -cf "$W/tampered.tar" .
run_expect_exit 1 lxcmgr2 import "$W/tampered.tar" tampered
like "$ERR" "checksum mismatch" "tampered rootfs stream detected by checksum"
is "$(ls -A "$CT2" | tr '\n' ' ')" "$before" "nothing left after refused imports"
echo "not an archive" >"$W/junk.tar.zst"
run_expect_exit 1 lxcmgr2 import "$W/junk.tar.zst"
is "$(ls -A "$CT2" | tr '\n' ' ')" "$before" "nothing left after junk"

# A running container is not exported.
run_expect_exit 0 lxcmgr start "$A"
run_expect_exit 4 lxcmgr export "$A" "$W/b.tar.zst"
check "no archive written" test ! -e "$W/b.tar.zst"
run_expect_exit 0 lxcmgr kill "$A"
