#!/bin/bash
# The store's gc (run by list, info, create, destroy, copy, autostart) never takes another
# command's container lock: a start, stop, kill or exec of NAME never fails with "busy" because a
# list removes NAME's leftover temporaries beside it. And it still never removes a temporary that
# a live create or destroy works on.
# 1. Made certain: strace holds every flock() of a list for STALL_US after it returns (the
#    temporaries' own, and the container lock if gc takes it, as it did), while the lock is
#    polled and the container is killed and started again.
# 2. A dir create held between its mkdtemp() and its flock, and a destroy held inside its removal,
#    while a list runs: both temporaries stay, both commands succeed.
. "$(dirname "$0")/lib.sh"
require_root "boots a container"
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }
command -v flock >/dev/null || { echo "1..0 # SKIP needs flock"; exit 0; }

STALL_US=1500000
plan 18

new_root
use_shared_cache
N=$(unique_name gl)
C=$ROOT/var/lib/lxcmgr/containers
LOCK="$ROOT/run/lxcmgr/locks/$N.lock"
WORK=$(mktemp -d)
defer "rm -rf '$WORK'"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
TRACER=
defer 'if [ -n "$TRACER" ]; then kill "$TRACER" 2>/dev/null || true; fi'
# LeakSanitizer does not work under ptrace
traced() { ASAN_OPTIONS="${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}" strace -f -qq -e signal=none "$@"; }
lock_free() { flock -n "$LOCK" true; }

check "create a busybox container" lxcmgr create "$N" -t busybox
check "start it" lxcmgr start "$N"

# --- 1. leftovers of NAME as a killed destroy, dir create and overlay create leave them
mkdir -p "$C/.destroy-$N-Ab12Cd/rootfs/etc" "$C/.tmp-$N-Cd34Ef/rootfs" "$C/.staging/.tmp-$N-Ef56Gh/upper"
echo x >"$C/.destroy-$N-Ab12Cd/rootfs/etc/passwd"
traced -o "$WORK/list.trace" -e trace=flock -e inject=flock:delay_exit=$STALL_US \
	"$LXCMGR" --root "$ROOT" list >"$WORK/list.out" 2>&1 &
TRACER=$!
held=0 busy=0 polls=0 rounds=0
while ! proc_gone "$TRACER"; do
	polls=$((polls + 1))
	lock_free || held=$((held + 1))
	if [ $((polls % 4)) -eq 0 ]; then
		rounds=$((rounds + 1))
		if [ $((rounds % 2)) -eq 1 ]; then how="stop -k"; else how=start; fi
		out=$("$LXCMGR" --root "$ROOT" $how "$N" 2>&1) || { busy=$((busy + 1)); diag "$how: $out"; }
	fi
	sleep 0.05
done
rc=0
wait "$TRACER" || rc=$?
TRACER=
[ "$rc" = 0 ] && ok "the list succeeded" || not_ok "the list succeeded" "exit $rc: $(cat "$WORK/list.out")"
is "$held" 0 "the container lock was never held by the list ($polls polls)"
is "$busy" 0 "no stop -k or start during the list failed ($rounds of them)"
# not vacuous: the list stopped at each temporary's flock for STALL_US, and was polled meanwhile
like "$(grep -c DELAYED "$WORK/list.trace" || true)" '^([3-9]|[1-9][0-9]+)$' "strace held the list at three flocks or more"
like "$polls" '^([4-9]|[1-9][0-9]+)$' "the lock was polled 4 times or more meanwhile"
is "$(find "$C" "$C/.staging" -maxdepth 1 -name ".*-$N-*" | wc -l)" 0 "the list removed the three leftovers"
"$LXCMGR" --root "$ROOT" start "$N" >/dev/null 2>&1 || true # if the last round was a stop
check "the container runs an exec" lxcmgr exec "$N" -- /bin/true
check "and is killed" lxcmgr kill "$N"

# --- 2a. a dir create held between its mkdtemp() and its flock on the temporary (every flock of it
#     waits 3 s before it is made), a list meanwhile
N2=$(unique_name gc)
traced -o "$WORK/create.trace" -e trace=flock -e inject=flock:delay_enter=3000000 \
	"$LXCMGR" --root "$ROOT" create "$N2" -t busybox >"$WORK/create.out" 2>&1 &
TRACER=$!
wait_for 200 compgen -G "$C/.tmp-$N2-*" || true
tmp=$(compgen -G "$C/.tmp-$N2-*" || true)
is "$(ls -A "$tmp" 2>&1)" "" "the create's temporary exists and is still empty (before its flock)"
run_expect_exit 0 lxcmgr list
check "the list kept it" test -d "$tmp"
rc=0
wait "$TRACER" || rc=$?
TRACER=
[ "$rc" = 0 ] && ok "the create succeeded" || not_ok "the create succeeded" "exit $rc: $(cat "$WORK/create.out")"
check "the container is made" test -s "$C/$N2/config" -a -d "$C/$N2/rootfs/bin"

# --- 2b. a destroy held inside its removal (each unlinkat waits 0.3 s), a list meanwhile
V=$(unique_name gd)
mkdir -p "$C/$V/rootfs/etc" "$C/$V/rootfs/bin"
echo "name = \"$V\"" >"$C/$V/config"
for f in etc/passwd etc/group etc/hosts bin/sh; do echo x >"$C/$V/rootfs/$f"; done
traced -o "$WORK/destroy.trace" -e trace=unlinkat -e inject=unlinkat:delay_enter=300000 \
	"$LXCMGR" --root "$ROOT" destroy "$V" >"$WORK/destroy.out" 2>&1 &
TRACER=$!
wait_for 200 compgen -G "$C/.destroy-$V-*/rootfs" || true
gone=$(compgen -G "$C/.destroy-$V-*" || true)
run_expect_exit 0 lxcmgr list
check "the list kept the destroy's temporary, still being removed" test -n "$gone" -a -d "$gone"
rc=0
wait "$TRACER" || rc=$?
TRACER=
[ "$rc" = 0 ] && ok "the destroy succeeded" || not_ok "the destroy succeeded" "exit $rc: $(cat "$WORK/destroy.out")"

lxcmgr destroy "$N2" >/dev/null
lxcmgr destroy "$N" --force >/dev/null
