#!/bin/bash
# When `kill NAME` (and `stop NAME -k`) returns, no process holds the container's lock any more, so
# a `start` right after never fails with "busy" (as `lxc-stop -k; lxc-start` always works). The
# kill of a container with a veth forks a child that deletes the host veth and may outlive the
# command (runtime/stop.c): fork() copies every fd of the command into it, the lock's too, and an
# flock is free only once no process refers to it. The child lets go of them first thing, but on a
# loaded host it may not have run at all when the command is done: the command must wait for it.
# 1. Made certain: strace holds the child in its close_range() for a while (nothing else in the
#    command calls it), so that without the wait the command ends with the lock still held by it.
# 2. As it happens: rounds of kill (stop -k) then at once a check of the lock and a start.
. "$(dirname "$0")/lib.sh"
require_root "boots containers, creates a bridge"
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }
command -v flock >/dev/null || { echo "1..0 # SKIP needs flock"; exit 0; }

STALLED=2
ROUNDS=15
STALL_US=1500000
plan $((STALLED * 5 + ROUNDS + 6))

new_root
use_shared_cache
N=$(unique_name kl)
LOCK="$ROOT/run/lxcmgr/locks/$N.lock"
WORK=$(mktemp -d)
defer "rm -rf '$WORK'"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
TRACER=
defer 'if [ -n "$TRACER" ]; then kill "$TRACER" 2>/dev/null || true; fi'

# the lock is free: what a start right after the kill tries first (a non-blocking flock)
lock_free() { flock -n "$LOCK" true; }
# who has it: its /proc/locks line, the processes that have the file open (test -ef: no fork each)
lock_holders() {
	local f
	grep ":$(stat -c %i "$LOCK") " /proc/locks || true
	for f in /proc/[0-9]*/fd/*; do
		if [ "$f" -ef "$LOCK" ]; then
			f=${f#/proc/}
			echo "pid ${f%%/*}: $(tr '\0' ' ' <"/proc/${f%%/*}/cmdline" 2>/dev/null)"
		fi
	done
}
start_small() { lxcmgr start "$N" >/dev/null && wait_for 50 runs_small; }
runs_again() { wait_for 50 runs_small && ip link show "$VETH" >/dev/null; }

check "create a busybox container" lxcmgr create "$N" -t busybox
veth_on_own_bridge lxkl 192.0.2.79/24
check "start with a veth on a bridge of this test" start_small
VETH=$(ip -o link show master "$BR" | awk -F': ' '{print $2}' | cut -d@ -f1)
[ -n "$VETH" ] && ok "the host veth '$VETH' is on the bridge" || not_ok "a host veth is on the bridge"

# 1. The command runs under strace (LeakSanitizer cannot run under ptrace), through a shell that
#    writes its pid first; the lock is checked as soon as that process has ended, while strace
#    still holds the veth remover (STALL_US in each close_range()).
stalled_round() {
	local i=$1 how=$2 main held
	rm -f "$WORK/pid" "$WORK/trace"
	ASAN_OPTIONS="${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}" \
		strace -f -qq -o "$WORK/trace" -e trace=close_range -e signal=none \
		-e inject=close_range:delay_enter=$STALL_US \
		sh -c 'echo $$ >"$0"; exec "$@"' "$WORK/pid" "$LXCMGR" --root "$ROOT" $how "$N" \
		>"$WORK/out" 2>&1 &
	TRACER=$!
	wait_for 100 test -s "$WORK/pid" || true
	main=$(cat "$WORK/pid" 2>/dev/null || true)
	for ((t = 0; t < 2000; t++)); do
		if [ -z "$main" ] || proc_gone "$main"; then break; fi
		sleep 0.01
	done
	# the lock, who has it, and a start, all while strace may still hold the remover
	held=
	lock_free || held="$(lock_holders)"$'\n'
	run_expect_exit 0 lxcmgr start "$N"
	is "$held" "" "stalled round $i ($how): the lock was free when the command had ended"
	wait "$TRACER" && ok "stalled round $i: the command succeeded" ||
		not_ok "stalled round $i: the command succeeded" "$(cat "$WORK/out")"
	TRACER=
	"$LXCMGR" --root "$ROOT" start "$N" -q >/dev/null 2>&1 || true # if it failed above
	# not vacuous: the remover existed and strace held it (the command itself never calls it)
	like "$(grep -v "^$main " "$WORK/trace" | grep -c "DELAYED" || true)" '^[1-9]' \
		"stalled round $i: strace held a veth remover in close_range()"
	check "stalled round $i: it runs again, its veth made again" runs_again
}
for ((i = 1; i <= STALLED; i++)); do
	if [ $((i % 2)) -eq 0 ]; then stalled_round "$i" "stop -k"; else stalled_round "$i" kill; fi
done

# 2. Unstalled, bounded: each round a kill, the lock checked and a start at once (the rounds
#    alternate kill and stop -k, the small and the full monitor).
for ((i = 1; i <= ROUNDS; i++)); do
	if [ $((i % 2)) -eq 0 ]; then how="stop -k"; else how=kill; fi
	out=$("$LXCMGR" --root "$ROOT" $how "$N" 2>&1) || { not_ok "round $i: $how" "$out"; continue; }
	if ! lock_free; then
		not_ok "round $i: the lock is free right after $how" "$(lock_holders)"
		"$LXCMGR" --root "$ROOT" start "$N" -q >/dev/null 2>&1 || true
	elif ! out=$("$LXCMGR" --root "$ROOT" start "$N" 2>&1); then
		not_ok "round $i: start right after $how" "$out"
	else
		ok "round $i: the lock is free right after $how, and start works"
	fi
	if [ $((i % 3)) -eq 0 ]; then wait_for 50 runs_small || true; fi
done

run_expect_exit 0 lxcmgr kill "$N"
check "the host veth is gone when kill returns" bash -c "! ip link show '$VETH' >/dev/null 2>&1"
check "and the lock is free" lock_free
