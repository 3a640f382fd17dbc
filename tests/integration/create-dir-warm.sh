#!/bin/bash
# A dir create from a warm cache renders its config from the cache entry's meta and writes it
# before the rootfs is copied, its fsync running in a thread during the copy. What must hold:
# the config's fsync has returned before the rename makes the container visible, a create killed
# in the middle of the copy leaves nothing visible (and the next command removes the temporary),
# a config changed after the early write (an id shift's record, a corrupt entry built again)
# replaces the early one, and the hard links of the copy (linked from readdir's inode numbers)
# are links among the copies only (made after the data thread, the directories they go into keep
# the base's modes and mtimes); the files the standard configure replaces are written once,
# not copied first.
. "$(dirname "$0")/lib.sh"
require_root
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }
plan 23

new_root
WORK=$(mktemp -d /tmp/lxm-create-dir-warm.XXXXXX)
defer "rm -rf '$WORK'"
mkdir -p "$WORK/templates"
export LXCMGR_TEMPLATES_DIR=$WORK/templates
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
C=$ROOT/var/lib/lxcmgr/containers

. "$(dirname "$0")/fake-template.sh"
# One binary (above the copy's 256 KiB: its data goes through the copy's thread) with 40 more
# names in two directories, as the busybox template's applets (>= 32: the late links are made in
# two halves, one on that thread).
for t in warm cold; do
	fake_template "$WORK/templates/$t" configure=standard <<'EOF'
	mkdir -p "$rootfs/etc" "$rootfs/bin" "$rootfs/usr/bin" "$rootfs/var/lib/dbus"
	echo localhost >"$rootfs/etc/hostname"
	echo "127.0.0.1 localhost" >"$rootfs/etc/hosts"
	echo 0123456789abcdef0123456789abcdef >"$rootfs/etc/machine-id"
	echo 0123456789abcdef0123456789abcdef >"$rootfs/var/lib/dbus/machine-id"
	head -c 400000 /dev/urandom >"$rootfs/bin/busybox"
	chmod 755 "$rootfs/bin/busybox"
	for i in $(seq 1 20); do ln "$rootfs/bin/busybox" "$rootfs/bin/a$i"; ln "$rootfs/bin/busybox" "$rootfs/usr/bin/b$i"; done
EOF
done

lxcmgr create first -t warm >/dev/null
lxcmgr create ov -t warm --storage overlay >/dev/null # makes the unpacked base: dir creates copy it
lxcmgr destroy ov --force >/dev/null

# LeakSanitizer does not work under ptrace
noleak() { ASAN_OPTIONS="${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}" "$@"; }

# 1-6: the early config, synced before the rename
noleak strace -f -qq -e trace=openat,fsync,sync_file_range,linkat,renameat2 -o "$WORK/a1.trace" "$LXCMGR" --root "$ROOT" create a1 -t warm
cat >"$WORK/order.py" <<'EOF'
# Prints: whether the config was created in the temporary, whether that was before the first
# linkat, whether an fsync of its fd (on ext4: a sync_file_range() writing and waiting, store.c)
# returned before the renameat2 of the temporary began
# (strace -f output: a call another thread interrupts is split into "<unfinished ...>" and
# "<... NAME resumed>" lines, joined here; start and end are line numbers).
import re, sys
calls, pending = [], {}
for i, l in enumerate(open(sys.argv[1]).read().splitlines()):
    m = re.match(r'(\d+) +(.*)', l)  # strace pads short pids: "8022  openat(..."
    if not m:
        continue
    pid, rest = m.groups()
    if rest.endswith('<unfinished ...>'):
        pending[pid] = (i, rest[:-len('<unfinished ...>')])
        continue
    r = re.match(r'<\.\.\. \w+ resumed>(.*)', rest)
    start = i
    if r and pid in pending:
        start, head = pending.pop(pid)
        rest = head + r.group(1)
    c = re.match(r'(\w+)\((.*)\) += (-?\d+)', rest)
    if c:
        calls.append((c.group(1), c.group(2).strip(), c.group(3), start, i))
cfg = [c for c in calls if c[0] == 'openat' and re.search(r'/\.tmp-[^"]*/config", O_WRONLY\|O_CREAT\|O_EXCL', c[1])]
links = [c for c in calls if c[0] == 'linkat']
renames = [c for c in calls if c[0] == 'renameat2' and '.tmp-' in c[1]]
fd = cfg[0][2] if cfg else None
syncs = [c for c in calls if c[2] == '0' and (c[0] == 'fsync' and c[1] == fd or
          c[0] == 'sync_file_range' and c[1].startswith(f'{fd},') and 'WAIT_AFTER' in c[1])]
print(fd is not None, bool(cfg and links) and cfg[0][4] < links[0][3],
      bool(syncs and renames) and syncs[0][4] < renames[0][3])
EOF
read -r has_fd before_copy synced_first < <(python3 "$WORK/order.py" "$WORK/a1.trace")
[ "$has_fd" = True ] || diag "no early config open in the trace of a1: $(grep -F '.tmp-' "$WORK/a1.trace" | head -5)"
is "$has_fd" True "the create wrote a config in its temporary"
is "$before_copy" True "the config is written before the rootfs is copied"
is "$synced_first" True "its fsync returned before the rename made the container visible"
# A crash may lose the create (the rename), never leave it half: no fsync of the containers
# directory after the rename (each one a journal commit on the create's critical path).
is "$(sed -n '/renameat2(.*\.tmp-/,$p' "$WORK/a1.trace" | grep -c 'fsync(')" 0 "no fsync after the rename"
if [ "$(stat -f -c %T "$ROOT")" = ext2/ext3 ]; then
	# ext4: the journal orders the config's written-back data before the rename; no commit of its own
	is "$(grep -c 'fsync(' "$WORK/a1.trace")" 0 "on ext4 the create runs no fsync at all"
else
	skip "the store is not on ext4 ($(stat -f -c %T "$ROOT"))"
fi
cfg=$(cat "$C/a1/config")
like "$cfg" "template    = \"warm\"" "the config names the template"
like "$cfg" "release     = \"default\".*arch        = \"$ARCH\".*init_system = \"busybox\"" \
	"and the release, arch and init of the cache entry"
is "$(cat "$C/a1/rootfs/etc/hostname")" "a1" "the rootfs is configured for its own name"
like "$(cat "$C/a1/rootfs/etc/hosts")" $'127.0.1.1\ta1' "hosts names it"
is "$(stat -c '%s %a' "$C/a1/rootfs/etc/machine-id")" "0 444" "machine-id is empty and read-only"
is "$(readlink "$C/a1/rootfs/var/lib/dbus/machine-id")" "/etc/machine-id" "dbus' machine-id is the link to it"
# The standard configure replaces them: not copied first (the copy creates files 0600)
unlike "$(grep -E '"(hostname|hosts|machine-id)", O_WRONLY\|O_CREAT\|O_EXCL.*, 0600\)' "$WORK/a1.trace" || true)" . \
	"the files the configure step replaces are not copied from the base"

# 7-9: hard links among the copies
is "$(stat -c %h "$C/a1/rootfs/bin/busybox")" 41 "the binary's 41 names are links of one copy"
is "$(stat -c %i "$C/a1/rootfs/usr/bin/b7")" "$(stat -c %i "$C/a1/rootfs/bin/busybox")" \
	"a name in another directory is linked to the same copy"
base=$(ls -d "$ROOT"/var/cache/lxcmgr/overlay-bases/warm-default-"$ARCH"-busybox-*)
shared=$(comm -12 <(find "$base" -xdev -printf '%i\n' | sort -u) <(find "$C/a1/rootfs" -xdev -printf '%i\n' | sort -u))
is "$shared" "" "the copy shares no inode with the cache's base"
is "$(cd "$C/a1/rootfs" && stat -c '%n %a %y' bin usr/bin)" "$(cd "$base" && stat -c '%n %a %y' bin usr/bin)" \
	"the directories the late links went into keep the base's modes and mtimes"

# 10-12: killed in the middle of the copy (SIGKILL at its 5th link, after the config was written)
noleak strace -f -qq -o /dev/null -e trace=linkat -e inject=linkat:signal=SIGKILL:when=5 \
	"$LXCMGR" --root "$ROOT" create k1 -t warm >/dev/null 2>&1 || true
check "the killed create left no container" test ! -e "$C/k1"
tmps=$(find "$C" -maxdepth 2 -name '.tmp-k1-*' | wc -l)
is "$tmps" 1 "only its hidden temporary (with the early config) is left"
lxcmgr list >/dev/null
is "$(find "$C" -maxdepth 2 -name '.tmp-k1-*' | wc -l)" 0 "the next command removes the temporary"

# 13-14: an id shift after the early write replaces the config
LXCMGR_IDSHIFT=force lxcmgr create s1 -t warm >/dev/null 2>&1
like "$(cat "$C/s1/config")" 'idmap_shifted = "u 0 ' "the shift's record is in the config"
is "$(grep -c '^uuid' "$C/s1/config")" 1 "the config was replaced, not appended to"
lxcmgr destroy s1 --force >/dev/null

# 15-16: a corrupt entry (no unpacked base: the tarball is unpacked) is built again
lxcmgr create cold1 -t cold >/dev/null
tarball="$ROOT/var/cache/lxcmgr/templates/cold-default-$ARCH-busybox/rootfs.tar.zst"
size=$(stat -c %s "$tarball")
printf 'garbage!' | dd of="$tarball" bs=1 seek=$((size / 2)) conv=notrunc status=none
run_expect_exit 0 "$LXCMGR" --root "$ROOT" create cold2 -t cold
like "$(cat "$C/cold2/config")" "name        = \"cold2\".*template    = \"cold\"" \
	"the create after the rebuild has its config"

for n in first a1 cold1 cold2; do lxcmgr destroy "$n" --force >/dev/null; done
