#!/bin/bash
# Which binary runs a command (lxcmgr/cli/front.c): `lxcmgr` itself (statically linked where the
# build can) runs exec, kill, stop, list, info...; every other command is executed in
# lxcmgr-full, the dynamically linked one next to it, with the same arguments. Checks that exec is
# run by lxcmgr without lxcmgr-full, that the others reach lxcmgr-full unchanged, that options
# before the command are followed (an abbreviation goes to lxcmgr-full and still works), and that
# an lxcmgr without its lxcmgr-full still runs what it can and says why it cannot load a library;
# a lost monitor is settled by lxcmgr-full.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }
FULL="$(dirname "$LXCMGR")/lxcmgr-full"
[ -x "$FULL" ] || { echo "1..0 # SKIP a build without lxcmgr-full (--disable-static-cli)"; exit 0; }

plan 20

new_root
use_shared_cache
N=$(unique_name ef)
T=$(mktemp -d)
defer "rm -rf '$T'"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
# LeakSanitizer cannot run under ptrace: off for the straced runs of a sanitizer build
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# The programs one command line executed, one a line (the container's command included).
execs() {
	strace -f -qq -e trace=execve -e signal=none -o "$T/trace" "$@" >"$T/out" 2>&1 || echo "exit $?" >>"$T/out"
	sed -n 's/.*execve("\([^"]*\)".*= 0$/\1/p' "$T/trace"
}
has_full() { if grep -qx "$FULL" <<<"$1"; then echo yes; else echo no; fi; }

check "create a busybox container" lxcmgr create "$N" -t busybox
check "start it" lxcmgr start "$N"

out=$(execs "$LXCMGR" --root "$ROOT" exec "$N" -- /bin/true)
is "$(has_full "$out")" no "exec runs in lxcmgr, lxcmgr-full is not executed"
is "$(grep -c . <<<"$out")" 2 "exec executes lxcmgr and the command only"
run_expect_exit 7 lxcmgr exec "$N" -- /bin/sh -c 'exit 7'
is "$(lxcmgr exec "$N" -- /bin/sh -c 'echo "$container"')" lxcmgr "the command gets the container's environment"
out=$(execs "$LXCMGR" --log-level=error --root="$ROOT" exec "$N" -- /bin/true)
is "$(has_full "$out")" no "--log-level=X --root=Y before exec: still lxcmgr"
for cmd in list "info $N"; do
	out=$(execs "$LXCMGR" --root "$ROOT" $cmd)
	is "$(has_full "$out")" no "$cmd runs in lxcmgr"
done

out=$(execs "$LXCMGR" --root "$ROOT" config "$N" get uuid)
is "$(has_full "$out")" yes "config runs in lxcmgr-full"
like "$(grep 'lxcmgr-full' "$T/trace")" "\"--root\", \"$ROOT\", \"config\", \"$N\", \"get\", \"uuid\"\]" \
	"lxcmgr-full gets the same arguments"
is "$(cat "$T/out")" "$(lxcmgr config "$N" get uuid)" "and prints what it would"
# getopt_long() takes --ro for --root: not followed by the entry point, so lxcmgr-full decides
out=$(execs "$LXCMGR" --ro "$ROOT" exec "$N" -- /bin/sh -c 'exit 3')
is "$(has_full "$out")" yes "an abbreviated option before the command goes to lxcmgr-full"
is "$(tail -n1 "$T/out")" "exit 3" "which runs the command as well"

if elf_dynamic "$LXCMGR"; then
	skip "lxcmgr is linked dynamically (a sanitizer build routes the same way)" 1
else
	check "lxcmgr is static, lxcmgr-full dynamic" elf_dynamic "$FULL"
fi

# An lxcmgr without lxcmgr-full (copied alone): it runs what it can itself
mkdir "$T/alone"
cp "$LXCMGR" "$T/alone/lxcmgr"
run_expect_exit 0 "$T/alone/lxcmgr" --root "$ROOT" config "$N" get uuid
TARBALL="$T/bb.tar.gz"
busybox_rootfs_tarball "$TARBALL"
if elf_dynamic "$LXCMGR"; then
	run_expect_exit 0 "$T/alone/lxcmgr" --root "$ROOT" create "${N}b" --from "$TARBALL" -q
	check "and destroys it" lxcmgr destroy "${N}b" --force
else
	# a static lxcmgr cannot load libarchive: it says so instead of loading it
	run_expect_exit 1 "$T/alone/lxcmgr" --root "$ROOT" create "${N}b" --from "$TARBALL" -q
	like "$ERR" "must run in lxcmgr-full" "a static lxcmgr refuses to load libarchive and says why"
fi
# a lost monitor: kill settles it through lxcmgr-full (its port forwards would need libnftables)
MON=$(sed -n 's/^monitor_pid=//p' "$ROOT/run/lxcmgr/$N/state")
kill -9 "$MON"
mon_gone() { proc_gone "$MON"; }
wait_for 50 mon_gone || true
out=$(execs "$LXCMGR" --root "$ROOT" kill "$N")
like "$(grep 'lxcmgr-full' "$T/trace")" "\"__state-cleanup\", \"$N\"" "a lost monitor is settled by lxcmgr-full"
is "$(lxcmgr info "$N" --format json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p')" stopped "and the container is stopped"
