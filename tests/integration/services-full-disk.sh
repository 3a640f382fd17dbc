#!/bin/bash
# A full disk is bad input like any other: every command that writes into the store (or an export
# target) fails with one clear "No space left on device", leaves nothing half made, and harms no
# existing container; once space is back, the same commands work. The store is a small tmpfs (the
# template cache stays on the test's own filesystem, as it may on a host), filled by a file.
# Before: a create that ran out of space half way through its copy said "Invalid cross-device
# link", then "Directory not empty", then the real error; a snapshot printed one line of cp per
# file that did not fit; an import into a full store called the archive corrupt; a copy --snapshot
# said "Input/output error".
# In a private mount namespace (as root; require_root says why not otherwise): the tmpfs mounts go
# with the test's processes, even a killed test's.
if [ "$(id -u)" = 0 ] && [ -z "${LXM_TEST_PRIVATE_MNT:-}" ]; then
	LXM_TEST_PRIVATE_MNT=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
require_root "mounts a small tmpfs as the store and starts a container"
plan 47

new_root
STORE=$ROOT/var/lib/lxcmgr
C=$STORE/containers
EXP=$ROOT/exp
mkdir -p "$STORE" "$EXP"
mount -t tmpfs -o size=8M tmpfs "$STORE"
mount -t tmpfs -o size=1M tmpfs "$EXP" # an export target with no room for the archive
A=$(unique_name fa)
O=$(unique_name fo)
N=$(unique_name fn)
defer "'$LXCMGR' --root '$ROOT' kill '$A' >/dev/null 2>&1 || true"

# fill LEAVE_KB: the store keeps about LEAVE_KB KiB free
fill() {
	local avail
	rm -f "$STORE/filler"
	avail=$(df -k --output=avail "$STORE" | tail -1)
	if [ "$1" -gt 0 ]; then
		head -c "$(((avail - $1) * 1024))" /dev/zero >"$STORE/filler"
	else
		head -c "$(((avail + 64) * 1024))" /dev/zero >"$STORE/filler" 2>/dev/null || true # to the last block
	fi
}
# only_no_space WHAT: $ERR is one or two lines saying ENOSPC, nothing misleading before it
only_no_space() {
	local lines
	lines=$(printf '%s\n' "$ERR" | grep -c .)
	if [[ "$ERR" =~ "No space left on device" ]] && [ "$lines" -le 2 ] &&
		! [[ "$ERR" =~ cross-device|Directory\ not\ empty|corrupt|Input/output|cp:|Write\ failed ]]; then
		ok "$1: one clear 'No space left on device'"
	else
		not_ok "$1: one clear 'No space left on device'" "stderr ($lines lines): $(printf '%s' "$ERR" | head -c 1500)"
	fi
}
temporaries() { find "$C" -mindepth 1 -maxdepth 3 -name '.tmp-*' 2>/dev/null | wc -l; }
names() { lxcmgr list --format json | python3 -c 'import json,sys; print(" ".join(sorted(c["name"] for c in json.load(sys.stdin))))'; }

run_expect_exit 0 lxcmgr create "$A" -t busybox
run_expect_exit 0 lxcmgr create "$O" -t busybox --storage overlay
run_expect_exit 0 lxcmgr export "$A" "$_lib_tmp/a.tar.zst"
cp "$C/$A/config" "$_lib_tmp/a.config"
want_names=$(printf '%s\n' "$A" "$O" | sort | tr '\n' ' ' | sed 's/ $//')

# A dir create from the warm cache that runs out of space half way through its copy (the cache's
# unpacked base is on another filesystem: the data goes through the plain read/write copy).
fill 400
run_expect_exit 1 lxcmgr create "$N" -t busybox
only_no_space "a dir create that runs out half way"
unlike "$ERR" "unpacking" "it does not go on to unpack the tarball into the full store"

fill 0
run_expect_exit 1 lxcmgr create "$N" -t busybox
only_no_space "a dir create into a full store"
run_expect_exit 1 lxcmgr create "$N" -t busybox --storage overlay
only_no_space "an overlay create into a full store"
run_expect_exit 1 lxcmgr config "$A" set limits.memory 256M
only_no_space "config set"
check "the config is unchanged" cmp "$_lib_tmp/a.config" "$C/$A/config"
run_expect_exit 1 lxcmgr snapshot "$A" create s1
only_no_space "snapshot create"
is "$(lxcmgr snapshot "$A" list | grep -c s1 || true)" "0" "no snapshot is listed"
run_expect_exit 1 lxcmgr copy "$A" "$N"
only_no_space "copy"
run_expect_exit 1 lxcmgr copy "$A" "$N" --snapshot
only_no_space "copy --snapshot"
run_expect_exit 1 lxcmgr rename "$A" "$N"
only_no_space "rename"
run_expect_exit 1 lxcmgr import "$_lib_tmp/a.tar.zst" "$N"
only_no_space "import"
run_expect_exit 1 lxcmgr export "$A" "$EXP/a.tar.zst"
only_no_space "export to a full target"
is "$(ls -A "$EXP")" "" "the export target holds no file and no temporary"

is "$(names)" "$want_names" "list shows the two containers, nothing else"
is "$(temporaries)" "0" "no temporary is left in the store"
is "$(ls -A "$C/.staging" 2>/dev/null)" "" "nothing is left in the overlay staging directory"
check "the container's rootfs is whole" cmp "$C/$A/rootfs/bin/busybox" "$(ls -d "$ROOT"/var/cache/lxcmgr/overlay-bases/*/)bin/busybox"

# A start needs no room in the store (its console log loses what does not fit).
run_expect_exit 0 lxcmgr start "$A"
is "$(lxcmgr exec "$A" -- cat /etc/hostname)" "$A" "the container runs on a full store"
run_expect_exit 0 lxcmgr kill "$A"

# Space back: everything that failed works, and the first container is as it was.
rm -f "$STORE/filler"
run_expect_exit 0 lxcmgr create "$N" -t busybox
run_expect_exit 0 lxcmgr snapshot "$A" create s1
run_expect_exit 0 lxcmgr config "$A" set limits.memory 256M
is "$(lxcmgr config "$A" get limits.memory)" "256M" "config set works once there is room"
run_expect_exit 0 lxcmgr destroy "$N"
run_expect_exit 0 lxcmgr import "$_lib_tmp/a.tar.zst" "$N"
run_expect_exit 0 lxcmgr start "$N"
is "$(lxcmgr exec "$N" -- hostname)" "$N" "the container imported under a new name boots with that hostname"
run_expect_exit 0 lxcmgr kill "$N"
for n in "$A" "$O" "$N"; do
	run_expect_exit 0 lxcmgr destroy "$n"
done
is "$(ls -A "$C" | grep -v '^\.staging$' || true)" "" "nothing is left after the destroys"
