#!/bin/bash
# `create` from a warm template cache runs in `lxcmgr` itself (statically linked where the build
# can, lxcmgr/cli/front.c; a sanitizer build routes the same way): recorded defaults, a cache entry
# whose base is unpacked and the standard configure need neither libarchive nor a template script
# (cli/create-route.h). Everything else is handed to lxcmgr-full whole, with the same arguments,
# before the create did anything: a cold cache (the template runs), an entry without an unpacked
# base (the tarball is unpacked into the base, which stays for every later create), --from, --no-cache, a template without recorded defaults or
# without the standard configure. A warm cache that changes between the check and the copy (the
# base gone) aborts the create in lxcmgr, leaving nothing, and lxcmgr-full starts it over. Seen
# through a copy of lxcmgr whose lxcmgr-full is a wrapper logging each command line.
. "$(dirname "$0")/lib.sh"
require_root
FULL="$(dirname "$LXCMGR")/lxcmgr-full"
[ -x "$FULL" ] || { echo "1..0 # SKIP a build without lxcmgr-full (--disable-static-cli)"; exit 0; }
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }
plan 45

new_root
WORK=$(mktemp -d /tmp/lxm-create-front.XXXXXX)
defer "rm -rf '$WORK'"
mkdir -p "$WORK/templates" "$WORK/bin"
export LXCMGR_TEMPLATES_DIR=$WORK/templates
C=$ROOT/var/lib/lxcmgr/containers

. "$(dirname "$0")/fake-template.sh"
# warm: recorded defaults (cache=yes) and the standard configure, as the busybox template;
# norec: the same files, defaults never recorded; own: its own configure (a script run per create)
body='mkdir -p "$rootfs/etc" "$rootfs/bin"
	echo localhost >"$rootfs/etc/hostname"
	echo "127.0.0.1 localhost" >"$rootfs/etc/hosts"
	echo 0123456789abcdef0123456789abcdef >"$rootfs/etc/machine-id"
	echo payload >"$rootfs/bin/payload"'
fake_template "$WORK/templates/warm" $'configure=standard\ncache=yes' <<<"$body"
fake_template "$WORK/templates/norec" configure=standard <<<"$body"
fake_template "$WORK/templates/own" cache=yes <<<"$body"

logged_full_copy
# a container made whole: config, rootfs with the payload, the standard configure's hostname
made() {
	[ -s "$C/$1/config" ] && [ -f "$C/$1/rootfs/bin/payload" ] && [ "$(cat "$C/$1/rootfs/etc/hostname")" = "$1" ]
}
left_over() { find "$C" "$C/.staging" -maxdepth 1 -name '.tmp-*' 2>/dev/null | wc -l; }

# --- cold: the template builds, then the tarball is unpacked: lxcmgr-full -------------------------
fresh
run_expect_exit 0 lm create cold1 -t warm
like "$(full_log)" "create cold1 -t warm" "a cold cache hands the create to lxcmgr-full"
check "it is made" made cold1
fresh
run_expect_exit 0 lm create cold2 -t warm
like "$(full_log)" "create cold2 -t warm" "an entry without its unpacked base: lxcmgr-full unpacks it"
check "it is made" made cold2

# --- the base the dir create left: from then on the cache is warm --------------------------------
fresh
run_expect_exit 0 lm create ov1 -t warm --storage overlay
is "$(full_log)" "" "an overlay create on the base a dir create left executes no lxcmgr-full"
fresh
run_expect_exit 0 lm create d1 -t warm
is "$(full_log)" "" "a dir create from the warm cache executes no lxcmgr-full"
check "it is made" made d1
like "$(cat "$C/d1/config")" 'template += "warm"' "its config names the template"
fresh
run_expect_exit 0 lm create ov2 -t warm --storage overlay
is "$(full_log)" "" "an overlay create on the unpacked base executes no lxcmgr-full"
check "its upper has the hostname" test "$(cat "$C/ov2/upper/etc/hostname")" = ov2
fresh
run_expect_exit 0 lm create d2 -t warm --storage dir -q
is "$(full_log)" "" "--storage dir -q: no lxcmgr-full either"

# --- what needs lxcmgr-full gets the same arguments ---------------------------------------------
tar -C "$C/d1/rootfs" --numeric-owner -cf "$WORK/rootfs.tar" .
fresh
run_expect_exit 0 lm create t1 --from "$WORK/rootfs.tar"
like "$(full_log)" "create t1 --from $WORK/rootfs.tar" "--from (libarchive) runs in lxcmgr-full"
check "it is made" test -f "$C/t1/rootfs/bin/payload"
fresh
run_expect_exit 0 lm create nc1 -t warm --no-cache
like "$(full_log)" "create nc1 -t warm --no-cache" "--no-cache (the template runs) runs in lxcmgr-full"
fresh
run_expect_exit 0 lm create nr1 -t norec
lm create nro -t norec --storage overlay >/dev/null # its base unpacked: only the record is missing
fresh
run_expect_exit 0 lm create nr2 -t norec
like "$(full_log)" "create nr2 -t norec" "defaults not recorded (a script to run) hand over"
lm create owo -t own --storage overlay >/dev/null
fresh
run_expect_exit 0 lm create own1 -t own
like "$(full_log)" "create own1 -t own" "a template with its own configure hands over"
check "its configure ran" test "$(cat "$C/own1/rootfs/etc/hostname")" = own1

# --- bad input in lxcmgr: reported once, nothing handed over, nothing left ----------------------
fresh
run_expect_exit 3 lm create bad1 -t nosuch
is "$(full_log)" "" "an unknown template is reported by lxcmgr itself"
is "$(grep -c "not found" <<<"$ERR")" 1 "once"
fresh
run_expect_exit 4 lm create d1 -t warm
is "$(full_log)" "" "an existing name is refused in lxcmgr"
is "$(left_over)" 0 "no temporary is left"

# --- the base goes between lxcmgr's check and its copy: aborted, handed over, made --------------
# (the second lstat() of the base, clone_base()'s, fails as if `template refresh` had removed it)
B=$(ls -d "$ROOT"/var/cache/lxcmgr/overlay-bases/warm-*)
# LeakSanitizer does not work under ptrace
noleak() { ASAN_OPTIONS="${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}" "$@"; }
fresh
run_expect_exit 0 noleak strace -f -qq -o /dev/null -P "$B" -e trace=newfstatat \
	-e inject=newfstatat:error=ENOENT:when=2 "$L" --root "$ROOT" create race1 -t warm
like "$(full_log)" "create race1 -t warm" "lxcmgr-full starts the create over"
is "$ERR" "" "without an error message"
check "it is made" made race1
is "$(left_over)" 0 "lxcmgr's aborted temporary is gone"
is "$(ls "$C" | grep -c race1)" 1 "one container"
# the same without lxcmgr-full: the create fails cleanly
mv "$WORK/bin/lxcmgr-full" "$WORK/lxcmgr-full.off"
run_expect_exit 1 noleak strace -f -qq -o /dev/null -P "$B" -e trace=newfstatat \
	-e inject=newfstatat:error=ENOENT:when=2 "$L" --root "$ROOT" create race2 -t warm
like "$ERR" "Cannot run lxcmgr-full" "no lxcmgr-full to hand over to: a clear error"
check "nothing is made" test ! -e "$C/race2"
is "$(left_over)" 0 "nor left"
mv "$WORK/lxcmgr-full.off" "$WORK/bin/lxcmgr-full"

for c in cold1 cold2 ov1 d1 ov2 d2 t1 nc1 nr1 nro nr2 owo own1 race1; do lm destroy --force "$c" >/dev/null; done
is "$(ls "$C")" "" "all destroyed"
