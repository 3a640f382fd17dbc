#!/bin/bash
# Snapshots (create/list/restore/delete, refused while running), full copies with their own
# identity that boot, rename.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
plan 42

new_root
A=$(unique_name sa)
B=$(unique_name sb)
C=$(unique_name sc)
CT="$ROOT/var/lib/lxcmgr/containers"
for n in "$A" "$B" "$C"; do
	defer "'$LXCMGR' --root '$ROOT' kill '$n' >/dev/null 2>&1 || true"
done
cfg() { sed -n "s/^ *$2 *= *\"\(.*\)\"/\1/p" "$CT/$1/config" | head -1; }

run_expect_exit 0 lxcmgr create "$A" -t busybox
echo precious >"$CT/$A/rootfs/etc/keep"

# Snapshot, delete the file, restore: it is back, and the config came back too.
run_expect_exit 0 lxcmgr snapshot "$A" create before
run_expect_exit 0 lxcmgr snapshot "$A" create
is "$OUT" "snap0" "a snapshot without a name gets the first free snapN"
rm "$CT/$A/rootfs/etc/keep"
lxcmgr config "$A" set hostname changed
run_expect_exit 0 lxcmgr snapshot "$A" restore before
is "$(cat "$CT/$A/rootfs/etc/keep" 2>&1)" "precious" "restore brings the deleted file back"
is "$(cfg "$A" hostname)" "$A" "restore brings the config back"
is "$(ls -A "$CT/$A" | tr '\n' ' ')" "config rootfs snapshots " "no temporary left after restore"
run_expect_exit 0 lxcmgr snapshot "$A" list
is "$(echo $OUT)" "before snap0" "list shows both snapshots"
run_expect_exit 0 lxcmgr snapshot "$A" delete snap0
run_expect_exit 3 lxcmgr snapshot "$A" restore snap0
run_expect_exit 4 lxcmgr snapshot "$A" create before
run_expect_exit 2 lxcmgr snapshot "$A" create ../x
like "$ERR" "Invalid snapshot name '\.\./x'" "a bad snapshot name is called a snapshot name"

# A running container: create freezes it for the copy and thaws it; restore is refused.
run_expect_exit 0 lxcmgr start "$A"
lxcmgr exec "$A" -- sh -c 'echo written-live >/live'
run_expect_exit 0 lxcmgr snapshot "$A" create live
is "$(cat "$CT/$A/snapshots/live/rootfs/live" 2>&1)" "written-live" "snapshot of a running container has its files"
is "$(lxcmgr exec "$A" -- echo thawed)" "thawed" "container thawed after the snapshot"
run_expect_exit 4 lxcmgr snapshot "$A" restore live
like "$ERR" "is running: stop it before restoring a snapshot" "restore on a running container says why"
run_expect_exit 4 lxcmgr copy "$A" "$B"
run_expect_exit 0 lxcmgr stop "$A" -t 5

# Full copy: new uuid, hostname, MAC reset, empty machine-id; both boot.
lxcmgr config "$A" set network.eth0.type empty
lxcmgr config "$A" set network.eth0.hwaddr 02:aa:bb:cc:dd:ee
echo 0123456789abcdef0123456789abcdef >"$CT/$A/rootfs/etc/machine-id"
run_expect_exit 0 lxcmgr copy "$A" "$B"
unlike "$(cfg "$B" uuid)" "^$(cfg "$A" uuid)\$" "copy has a new uuid"
is "$(cfg "$B" hostname)" "$B" "copy's hostname is its name"
is "$(cfg "$B" hwaddr)" "" "copy's fixed MAC is reset (auto)"
is "$(cat "$CT/$B/rootfs/etc/machine-id")" "" "copy's machine-id is empty"
is "$(cat "$CT/$B/rootfs/etc/keep")" "precious" "copy has the files"
run_expect_exit 0 lxcmgr start "$A"
run_expect_exit 0 lxcmgr start "$B"
is "$(lxcmgr exec "$B" -- hostname)" "$B" "the copy boots with its own hostname"
is "$(lxcmgr exec "$A" -- hostname)" "$A" "the source boots with its hostname"
lxcmgr stop "$A" -t 5 >/dev/null
lxcmgr kill "$B" >/dev/null # a fast kill keeps the (empty) run directory
check "the killed container's run directory stays" test -d "$ROOT/run/lxcmgr/$B"

# Rename: stopped only, name and hostname follow, clash refused.
run_expect_exit 4 lxcmgr rename "$B" "$A"
run_expect_exit 0 lxcmgr rename "$B" "$C"
check "old directory gone" test ! -e "$CT/$B"
check "no run directory under the old name" test ! -e "$ROOT/run/lxcmgr/$B"
is "$(cfg "$C" name)/$(cfg "$C" hostname)" "$C/$C" "renamed config has the new name and hostname"
run_expect_exit 0 lxcmgr start "$C"
run_expect_exit 4 lxcmgr rename "$C" "$B"
is "$(lxcmgr exec "$C" -- hostname)" "$C" "renamed container boots"
