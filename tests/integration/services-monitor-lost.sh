#!/bin/bash
# A killed monitor does not silently lose the restart policy: the next command that touches the
# container says what happened; `start` re-attaches a monitor to the running init (same pid, no
# reboot), which applies the policy again; when init has exited too, info says so and `start`
# starts it again.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
plan 29

new_root
N=$(unique_name ml)
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
state_of() { lxcmgr info "$1" --format json 2>/dev/null | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }
pid_of() { lxcmgr info "$1" --format json 2>/dev/null | sed -n 's/.*"pid":\([0-9]*\).*/\1/p'; }
monitor_of() { pgrep -f "__monitor $1 " || true; }
# Waits (up to 10 s) until CMD succeeds.
wait_until() {
	for _ in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
gone() { ! kill -0 "$1" 2>/dev/null; }
restarted_from() { local p; p=$(pid_of "$N"); [ -n "$p" ] && [ "$p" != "$1" ] && [ "$(state_of "$N")" = running ]; }

run_expect_exit 0 lxcmgr create "$N" -t busybox
lxcmgr config "$N" set restart.policy always
lxcmgr config "$N" set restart.backoff 0

# The monitor is killed while init runs.
run_expect_exit 0 lxcmgr start "$N"
pid=$(pid_of "$N")
mon=$(monitor_of "$N")
kill -KILL "$mon"
check "the monitor is gone" wait_until gone "$mon"
run_expect_exit 0 lxcmgr info "$N"
like "$ERR" "The monitor of '$N' was killed; its init \\(pid $pid\\) was left running without supervision \\(restart policy \"always\" inactive" "info says what happened"
like "$OUT" "monitor +lost: killed while init ran" "info shows the monitor as lost"
run_expect_exit 0 lxcmgr list
like "$ERR" "The monitor of '$N' was killed" "list says it too"

# start re-attaches a monitor to the same init: no reboot.
run_expect_exit 0 lxcmgr start "$N"
like "$ERR" "Re-attached a monitor to '$N'" "start says it re-attached a monitor"
is "$(pid_of "$N")" "$pid" "init kept running (same pid)"
check "a new monitor runs" test -n "$(monitor_of "$N")"
run_expect_exit 0 lxcmgr info "$N"
unlike "$ERR$OUT" "lost|killed" "info is quiet again"

# The re-attached monitor applies the restart policy.
kill -KILL "$pid"
check "init killed after re-attaching is restarted by the policy" wait_until restarted_from "$pid"
like "$(lxcmgr info "$N")" "restarts +1 " "info counts the restart"
run_expect_exit 0 lxcmgr stop "$N" -t 5
is "$(state_of "$N")" "stopped" "stop through the re-attached monitor"
check "no run directory left" test ! -e "$ROOT/run/lxcmgr/$N"

# The monitor is killed, then init exits too: info says so; the next command that acts cleans up
# and runs the post_stop hook nobody ran; start brings it back.
H="$_lib_tmp/hooks"
mkdir -p "$H"
cat >"$H/record" <<EOS
#!/bin/sh
env | grep '^LXCMGR_' | sort >"$H/\$LXCMGR_HOOK.env"
EOS
chmod +x "$H/record"
lxcmgr config "$N" set hook.post_stop "$H/record"
run_expect_exit 0 lxcmgr start "$N"
pid=$(pid_of "$N")
mon=$(monitor_of "$N")
kill -KILL "$mon"
wait_until gone "$mon"
kill -KILL "$pid"
check "init is gone" wait_until gone "$pid"
run_expect_exit 0 lxcmgr info "$N"
like "$ERR" "The monitor of '$N' was killed and its init has exited since \\(how is unknown\\); the restart policy \"always\" could not act: 'lxcmgr start $N' starts it again" "info says init exited unsupervised"
like "$OUT" "monitor +lost: killed, and init has exited since" "info shows it"
check "info (read-only) ran no hook" test ! -e "$H/post_stop.env"
run_expect_exit 0 lxcmgr start "$N"
is "$(grep -E 'EXIT|PID' "$H/post_stop.env" 2>&1 | tr '\n' ' ')" "LXCMGR_EXIT=unknown LXCMGR_PID=$pid " "start ran the missed post_stop first"
is "$(state_of "$N")" "running" "start recovers"
run_expect_exit 0 lxcmgr kill "$N"
