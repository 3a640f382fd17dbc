#!/bin/bash
# Restart policy applied by the monitor: on-failure restarts after init is killed from the host,
# with backoff, gives up after max restarts inside the window (info says why); a poweroff inside
# restarts only with "always"; "no" never restarts; a stop during the backoff cancels the restart.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
plan 22

new_root
N=$(unique_name rs)
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
json() { lxcmgr info "$N" --format json; }
state_of() { json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }
pid_of() { json | sed -n 's/.*"pid":\([0-9]*\).*/\1/p'; }
restarts_of() { json | sed -n 's/.*"restarts":\([0-9]*\).*/\1/p'; }
# Waits (bounded) until CMD succeeds; tests may wait, the product may not poll.
running_other_than() { [ "$(state_of)" = running ] && [ -n "$(pid_of)" ] && [ "$(pid_of)" != "$1" ]; }
is_stopped() { [ "$(state_of)" = stopped ]; }
is_starting() { [ "$(state_of)" = starting ]; }

run_expect_exit 0 lxcmgr create "$N" -t busybox
lxcmgr config "$N" set restart.policy on-failure
lxcmgr config "$N" set restart.max 2
lxcmgr config "$N" set restart.window 60
lxcmgr config "$N" set restart.backoff 1

run_expect_exit 0 lxcmgr start "$N"
p1=$(pid_of)
kill -9 "$p1"
check "on-failure: restarted after init was killed from the host" wait_for 50 running_other_than "$p1"
is "$(restarts_of)" "1" "info counts one restart"
p2=$(pid_of)
t0=$(date +%s%N)
kill -9 "$p2"
check "restarted again" wait_for 80 running_other_than "$p2"
t1=$(date +%s%N)
diag "second restart after $(((t1 - t0) / 1000000)) ms (backoff 2 s)"
check "backoff doubled (>= 1.9 s)" test $(((t1 - t0) / 1000000)) -ge 1900
kill -9 "$(pid_of)"
check "gives up after max restarts" wait_for 50 is_stopped
like "$(json)" '"restart_reason":"gave up: killed after 2 restarts' "info says why it gave up"
like "$(lxcmgr info "$N")" "restarts +2 \(gave up" "text info shows the count and reason"

# on-failure: a poweroff from inside is not a failure.
run_expect_exit 0 lxcmgr start "$N"
is "$(restarts_of)" "0" "a fresh start resets the count"
lxcmgr exec "$N" -- poweroff >/dev/null 2>&1 || true
check "poweroff inside: stays stopped with on-failure" wait_for 100 is_stopped
sleep 1.5
is "$(state_of)" "stopped" "still stopped after the backoff"

# always: a poweroff inside restarts.
lxcmgr config "$N" set restart.policy always
run_expect_exit 0 lxcmgr start "$N"
p1=$(pid_of)
lxcmgr exec "$N" -- poweroff >/dev/null 2>&1 || true
check "always: restarted after a poweroff inside" wait_for 100 running_other_than "$p1"

# A stop during the backoff cancels the restart.
lxcmgr config "$N" set restart.backoff 5
run_expect_exit 0 lxcmgr stop "$N" -t 5
run_expect_exit 0 lxcmgr start "$N"
kill -9 "$(pid_of)"
check "waiting to restart" wait_for 50 is_starting
run_expect_exit 0 lxcmgr stop "$N" -t 5
is "$(state_of)" "stopped" "stop during the backoff: stopped"
sleep 0.5

# no: nothing restarts.
lxcmgr config "$N" set restart.policy no
run_expect_exit 0 lxcmgr start "$N"
kill -9 "$(pid_of)"
check "policy no: stays stopped" wait_for 50 is_stopped
