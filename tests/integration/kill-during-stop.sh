#!/bin/bash
# `kill NAME` cuts short a stop that waits (an init that ignores its halt signal), as `lxc-stop -k`
# and `incus stop --force` do: the waiting `stop` holds the container's lock, and the kill goes to
# the live monitor without it. The stop then returns 0 and says the container was killed before it
# stopped, not that its timeout ran out. A kill under someone's lock of a container that is not
# running or stopping is still refused as busy.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"

plan 13

new_root
use_shared_cache
N=$(unique_name kds)
STOP_PID=
HOLD_PID=
# deferred steps run last first: the waiting stop and the lock holder go before the kill
defer "timeout 30 '$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
defer 'for p in $STOP_PID $HOLD_PID; do kill -9 "$p" 2>/dev/null || true; done'

state_of() { lxcmgr info "$N" --format json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }
last_exit() { lxcmgr info "$N" --format json | sed -n 's/.*"last_exit":"\([a-z]*\)".*/\1/p'; }
is_state() { [ "$(state_of)" = "$1" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }

check "create a busybox container" lxcmgr create "$N" -t busybox
# busybox init neither handles nor blocks SIGWINCH: the kernel drops it, and the stop waits
check "halt signal SIGWINCH" lxcmgr config "$N" set halt_signal SIGWINCH
check "start" lxcmgr start "$N"

# --- a stop that waits; a kill from another shell ends it -------------------------------------------
"$LXCMGR" --root "$ROOT" stop "$N" -t 120 >"$_lib_tmp/stop.out" 2>&1 &
STOP_PID=$!
wait_for 100 is_state stopping && ok "the stop is under way" || not_ok "the stop is under way" "state: $(state_of)"
run_expect_exit 0 timeout 20 "$LXCMGR" --root "$ROOT" kill "$N"
is "$(state_of)-$(last_exit)" "stopped-killed" "the kill ended it while the stop waited"
if wait_for 100 gone "$STOP_PID"; then
	rc=0
	wait "$STOP_PID" || rc=$?
	is "$rc" 0 "the waiting stop returned 0 at once"
else
	not_ok "the waiting stop returned 0 at once" "still waiting after 10 s"
fi
STOP_PID=
like "$(cat "$_lib_tmp/stop.out")" "was killed before it stopped" "and says it was killed before it stopped (not that 120 s ran out)"

# --- the lock held elsewhere (as by flock(1)) -------------------------------------------------------
check "start again" lxcmgr start "$N"
LOCK="$ROOT/run/lxcmgr/locks/$N.lock"
flock "$LOCK" sleep 60 &
HOLD_PID=$!
wait_for 50 sh -c "! flock -n '$LOCK' true"
run_expect_exit 0 timeout 20 "$LXCMGR" --root "$ROOT" kill "$N"
is "$(state_of)-$(last_exit)" "stopped-killed" "a running container under someone's lock: the kill goes through"
run_expect_exit 4 "$LXCMGR" --root "$ROOT" kill "$N"
like "$ERR" "is busy" "a stopped container under someone's lock: busy, as before"
kill "$HOLD_PID" 2>/dev/null || true
wait "$HOLD_PID" 2>/dev/null || true
HOLD_PID=
