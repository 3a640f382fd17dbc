#!/bin/bash
# An overlay create from the warm cache reads no directory: it cleans up only .staging, where it
# stages (a .staging without subdirectories holds no temporary: one stat), and finds its cache
# entry by key, not by a read of the cache directory and of the template's other entries. A stale
# staged temporary is still removed by the next overlay create; one in the containers directory (a
# killed dir create's) is left to the next command that reads that directory. Also: no mkdir() of
# the cache directory per create, and the config's uuid is a version 4 uuid.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake-template.sh"
require_root
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || { echo "1..0 # SKIP no overlayfs"; exit 0; }
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }
plan 12

new_root
WORK=$(mktemp -d /tmp/lxm-ovl-calls.XXXXXX)
defer "rm -rf '$WORK'"
mkdir -p "$WORK/templates"
export LXCMGR_TEMPLATES_DIR=$WORK/templates
C=$ROOT/var/lib/lxcmgr/containers
# LeakSanitizer does not work under ptrace
noleak() { ASAN_OPTIONS="${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}" "$@"; }

fake_template "$WORK/templates/warm" $'configure=standard\ncache=yes' <<'EOF'
	mkdir -p "$rootfs/etc" "$rootfs/bin"
	echo localhost >"$rootfs/etc/hostname"
	echo "127.0.0.1 localhost" >"$rootfs/etc/hosts"
	echo payload >"$rootfs/bin/payload"
EOF
# warm: the default entry with its base, and a second entry of the template (another release)
lxcmgr create w0 -t warm --storage overlay >/dev/null
lxcmgr create w1 -t warm -r other --storage overlay >/dev/null
lxcmgr create d1 -t warm >/dev/null
is "$(ls "$ROOT/var/cache/lxcmgr/templates" | grep -v '\.lock$' | grep -c '^warm-')" 2 "two cache entries of the template"

# a killed dir create's temporary and a killed overlay create's, neither locked
mkdir -p "$C/.tmp-ghost-Ab12Cd/rootfs" "$C/.staging/.tmp-ghost-Xy34Zw/upper"
noleak strace -f -qq -o "$WORK/o1.trace" -e trace=getdents64,mkdir,openat \
	"$LXCMGR" --root "$ROOT" create o1 -t warm --storage overlay >/dev/null
check "the overlay create is made" test -s "$C/o1/config" -a -d "$C/o1/upper/etc"
check "it removes the stale staged temporary" test ! -e "$C/.staging/.tmp-ghost-Xy34Zw"
check "it leaves the containers directory's temporary" test -d "$C/.tmp-ghost-Ab12Cd"
lxcmgr list >/dev/null
check "the next list removes that one" test ! -e "$C/.tmp-ghost-Ab12Cd"

# the same with nothing stale: no directory is read at all
noleak strace -f -qq -o "$WORK/o2.trace" -e trace=getdents64,mkdir,openat,newfstatat,stat,lstat \
	"$LXCMGR" --root "$ROOT" create o2 -t warm --storage overlay >/dev/null
check "the second overlay create is made" test -s "$C/o2/config" -a -d "$C/o2/upper/etc"
is "$(grep -c 'getdents64(' "$WORK/o2.trace")" 0 "it reads no directory"
is "$(grep -c 'O_NONBLOCK|O_CLOEXEC|O_DIRECTORY' "$WORK/o2.trace")" 0 "nor opens one to read it (opendir)"
is "$(grep -E 'mkdir\(' "$WORK/o2.trace" | grep -c 'cache/lxcmgr/templates"')" 0 "no mkdir of the cache directory"
is "$(grep -c '/warm-other-' "$WORK/o2.trace")" 0 "the other entry's meta is not read"
like "$(sed -n 's/^uuid *= *"\(.*\)"$/\1/p' "$C/o2/config")" \
	'^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "its uuid is a version 4 uuid"
unlike "$(sed -n 's/^uuid *= *"\(.*\)"$/\1/p' "$C/o1/config")" "^$(sed -n 's/^uuid *= *"\(.*\)"$/\1/p' "$C/o2/config")\$" \
	"and not the other create's"

for n in w0 w1 d1 o1 o2; do lxcmgr destroy "$n" --force >/dev/null; done
