#!/bin/bash
# The first dir create from a template cache entry leaves the entry's unpacked base behind (as an
# overlay create does), so every later dir create is warm: it runs in `lxcmgr` itself, copying the
# base, with no lxcmgr-full (cli/create-route.h), even when no overlay create ever ran. The base is
# built under a temporary name, synced, then renamed: a create killed before the rename leaves
# only the temporary, which no create uses and the next one removes. `template refresh` and
# `template remove` prune the bases no overlay container stands on. Seen through a copy of lxcmgr
# whose lxcmgr-full is a wrapper logging each command line (as create-front.sh).
. "$(dirname "$0")/lib.sh"
require_root
FULL="$(dirname "$LXCMGR")/lxcmgr-full"
[ -x "$FULL" ] || { echo "1..0 # SKIP a build without lxcmgr-full (--disable-static-cli)"; exit 0; }
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }
plan 35

new_root
WORK=$(mktemp -d /tmp/lxm-create-dir-base.XXXXXX)
defer "rm -rf '$WORK'"
mkdir -p "$WORK/templates" "$WORK/bin"
export LXCMGR_TEMPLATES_DIR=$WORK/templates
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
C=$ROOT/var/lib/lxcmgr/containers
BASES=$ROOT/var/cache/lxcmgr/overlay-bases
KEY=warm-default-$ARCH-busybox

. "$(dirname "$0")/fake-template.sh"
fake_template "$WORK/templates/warm" $'configure=standard\ncache=yes' <<'EOF2'
	mkdir -p "$rootfs/etc" "$rootfs/bin" "$rootfs/usr/bin" "$rootfs/var/spool"
	echo localhost >"$rootfs/etc/hostname"
	echo "127.0.0.1 localhost" >"$rootfs/etc/hosts"
	echo 0123456789abcdef0123456789abcdef >"$rootfs/etc/machine-id"
	head -c 300000 /dev/urandom >"$rootfs/bin/busybox"
	chmod 4755 "$rootfs/bin/busybox"
	ln "$rootfs/bin/busybox" "$rootfs/usr/bin/env"
	ln -s ../bin/busybox "$rootfs/usr/bin/sh"
	echo payload >"$rootfs/bin/payload"
	chown 7:8 "$rootfs/bin/payload"
	chmod 1777 "$rootfs/var/spool"
	touch -d 2001-02-03 "$rootfs/bin/payload"
EOF2

logged_full_copy
bases() { ls "$BASES" 2>/dev/null | sort | tr '\n' ' '; }
left_over() { find "$C" "$C/.staging" -maxdepth 1 -name '.tmp-*' 2>/dev/null | wc -l; }
# LeakSanitizer does not work under ptrace
noleak() { ASAN_OPTIONS="${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}" "$@"; }

# --- 1-9: dir creates only: the first from the entry leaves the base, the second is warm --------
lm create cold -t warm >/dev/null # builds (the template runs) and fills the cache
is "$(bases)" "" "a build leaves no base (it has no tarball to unpack yet)"
fresh
run_expect_exit 0 lm create d1 -t warm
like "$(full_log)" "create d1 -t warm" "the first dir create from the entry runs in lxcmgr-full"
like "$(bases)" "^$KEY-[0-9a-f]{16} \$" "and leaves the entry's base, under its final name only"
fresh
run_expect_exit 0 lm create d2 -t warm
is "$(full_log)" "" "the second dir create executes no lxcmgr-full (no overlay create ever ran)"
is "$(cat "$C/d2/rootfs/etc/hostname")" d2 "it is configured for its own name"
rootfs_listing "$C/cold/rootfs" >"$WORK/cold.list"
rootfs_listing "$C/d1/rootfs" >"$WORK/d1.list"
rootfs_listing "$C/d2/rootfs" >"$WORK/d2.list"
check "the first dir create's rootfs is the built one" diff -u "$WORK/cold.list" "$WORK/d1.list"
check "the warm create's rootfs is identical" diff -u "$WORK/d1.list" "$WORK/d2.list"
like "$(grep '^./bin/payload ' "$WORK/d2.list" | head -1)" '^./bin/payload f 644 7:8 8 $' "(listing sanity check)"
# The warm copy shares no inode with the cache's base (a write inside a dir container must never
# change the cache), while the names that share one in the base share one in the copy.
WB=$(ls -d "$BASES"/$KEY-*)
inodes() { find "$1" -xdev ! -type d -printf '%i\n' | sort -u; }
is "$(comm -12 <(inodes "$WB") <(inodes "$C/d2/rootfs") | wc -l)" 0 "the warm copy shares no inode with the cache's base"
is "$(stat -c '%i %h' "$C/d2/rootfs/usr/bin/env")" "$(stat -c '%i %h' "$C/d2/rootfs/bin/busybox")" \
	"a hard link of the base is one inode of the copy, with the base's link count"
sum=$(sha256sum <"$WB/bin/busybox")
echo x >>"$C/d2/rootfs/usr/bin/env"
is "$(sha256sum <"$WB/bin/busybox")" "$sum" "a write through that link in the container leaves the cache's file as it was"

# --- 10-18: killed before the rename: only the temporary is left, never taken for a base ---------
B=$(ls -d "$BASES"/$KEY-*)
rm -rf "$B"
fresh
noleak strace -f -qq -o /dev/null -e trace=syncfs -e inject=syncfs:signal=SIGKILL \
	"$L" --root "$ROOT" create k1 -t warm >/dev/null 2>&1 || true
like "$(bases)" "^$KEY-[0-9a-f]{16}\\.tmp-[A-Za-z0-9]{6} \$" "a create killed before the base's rename leaves only its temporary"
check "a whole tree under it" test -f "$B".tmp-*/bin/payload
check "the container is not made" test ! -e "$C/k1"
fresh
run_expect_exit 0 lm create k2 -t warm
like "$(full_log)" "create k2 -t warm" "the next dir create does not take the temporary for a base (lxcmgr-full unpacks)"
like "$(bases)" "^$KEY-[0-9a-f]{16} \$" "it removes the temporary and leaves the base"
is "$(left_over)" 0 "the killed create's own temporary is gone too"
rootfs_listing "$C/k2/rootfs" >"$WORK/k2.list"
check "its rootfs is identical" diff -u "$WORK/d1.list" "$WORK/k2.list"

# --- 19-20: a half-written temporary (a kill in the middle of the unpack) is never used either ---
rm -rf "$B"
mkdir -p "$B.tmp-half00/bin"
fresh
run_expect_exit 0 lm create h1 -t warm
like "$(full_log)" "create h1 -t warm" "a half base under a temporary name is not a warm cache"

# --- 21-24: the overlay create on that base: in lxcmgr, its config synced before the rename ------
fresh
noleak strace -f -qq -e trace=fsync,sync_file_range,renameat2 -o "$WORK/ov0.trace" \
	"$L" --root "$ROOT" create ov0 -t warm --storage overlay
is "$(full_log)" "" "an overlay create on the base a dir create left executes no lxcmgr-full"
like "$(tr '\n' ' ' <"$WORK/ov0.trace")" '(fsync\([0-9]+\)|sync_file_range\([0-9]+, 0, 0, [A-Z_|]*WAIT_AFTER\)) += 0.*renameat2\([^)]*\.tmp-' \
	"its config is synced before the rename that makes it visible"
if [ "$(stat -f -c %T "$ROOT")" = ext2/ext3 ]; then
	is "$(grep -c 'fsync(' "$WORK/ov0.trace")" 0 "on ext4 with no journal commit of its own (store.c)"
else
	skip "the store is not on ext4 ($(stat -f -c %T "$ROOT"))"
fi
lm destroy --force ov0 >/dev/null
# The key's lock, shared, from the choice of the base until after the rename that commits the
# container naming it: a refresh or remove of the key (exclusive) cannot prune the base between.
noleak strace -f -qq -e trace=openat,flock,renameat2,close -o "$WORK/ov1.trace" \
	"$L" --root "$ROOT" create ov1 -t warm --storage overlay
cat >"$WORK/lockorder.py" <<'EOF2'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
key = sys.argv[2]
fd = shared = commit = closed = None
for i, l in enumerate(lines):
    m = re.search(r'openat\(.*/' + re.escape(key) + r'\.lock", .*\) = (\d+)', l)
    if m and fd is None:
        fd = m.group(1)
    elif fd and shared is None and re.search(r'flock\(' + fd + r', LOCK_SH(\|LOCK_NB)?\) += 0', l):
        shared = i
    elif shared is not None and commit is None and re.search(r'renameat2\(.*\.tmp-', l):
        commit = i
    elif shared is not None and closed is None and re.search(r'close\(' + fd + r'\) ', l):
        closed = i
print("shared" if shared is not None else "no-shared-lock",
      "held-over-commit" if commit is not None and (closed is None or closed > commit) else "released-early")
EOF2
is "$(python3 "$WORK/lockorder.py" "$WORK/ov1.trace" "$KEY")" "shared held-over-commit" \
	"an overlay create holds the key's lock shared until its container is committed"
lm destroy --force ov1 >/dev/null

# --- 25-32: refresh and remove prune the bases no overlay container stands on -------------------
lm create ov -t warm --storage overlay >/dev/null
OLD=$(ls -d "$BASES"/$KEY-*)
run_expect_exit 0 lm --log-level info template refresh "$KEY"
like "$ERR" "Keeping '$OLD': container 'ov' stands on it" "refresh keeps the old base an overlay container uses"
lm create d3 -t warm >/dev/null # the new version's base
is "$(ls "$BASES" | wc -l)" 2 "the old base and the refreshed entry's"
lm destroy --force ov >/dev/null
run_expect_exit 0 lm template refresh "$KEY"
is "$(bases)" "" "the next refresh removes both (unused, neither is the new version's)"
lm create d4 -t warm >/dev/null
run_expect_exit 0 lm template remove "$KEY"
is "$(bases)" "" "template remove removes the entry's base"

for c in cold d1 d2 k2 h1 d3 d4; do lm destroy --force "$c" >/dev/null; done
is "$(ls "$C")" "" "all destroyed"
