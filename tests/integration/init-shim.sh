#!/bin/bash
# init-shims/lxcmgr-init: exit status, zombie reaping, signal forwarding. No root needed.
set -euo pipefail

SHIM=${LXCMGR_INIT_SHIM:-${top_builddir:-.}/init-shims/lxcmgr-init}
TMP=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# wait_for FILE: the child says it is ready (its traps are installed). Bounded.
wait_for() {
	local i
	for ((i = 0; i < 500; i++)); do
		[[ -e $1 ]] && return 0
		sleep 0.01
	done
	return 1
}

# status_of CMD...: runs the shim and prints its exit status.
status_of() {
	local rc=0
	"$SHIM" "$@" </dev/null >/dev/null 2>&1 || rc=$?
	echo "$rc"
}

echo "1..10"

check "shim is built" test -x "$SHIM"
check "exit status 0 is propagated" test "$(status_of -- /bin/sh -c 'exit 0')" = 0
check "exit status 7 is propagated" test "$(status_of -- /bin/sh -c 'exit 7')" = 7
check "death by SIGKILL gives 137" test "$(status_of -- /bin/sh -c 'kill -9 $$')" = 137
check "missing command gives 127" test "$(status_of -- /nonexistent/cmd)" = 127

# An orphan re-parented to the shim must be reaped: the child leaves a short-lived grandchild
# behind, waits until it has exited, then looks for zombies whose parent is the shim.
zombie_check() {
	"$SHIM" -- /bin/sh -c '
		/bin/sh -c "sleep 0.1 & exit 0"
		sleep 0.5
		for f in /proc/[0-9]*/stat; do
			s=$(cat "$f" 2>/dev/null) || continue
			set -- ${s##*) }
			if [ "$1" = Z ] && [ "$2" = "$PPID" ]; then exit 1; fi
		done
		exit 0' </dev/null
}
check "orphaned zombies are reaped" zombie_check

# forward SIGNAL EXPECTED_STATUS: the shim forwards SIGNAL to a child that traps it.
forward() {
	local sig=$1 expect=$2 rc=0
	rm -f "$TMP/ready" "$TMP/got"
	"$SHIM" -- /bin/sh -c "trap 'echo $sig >$TMP/got; exit 3' $sig; : >$TMP/ready; while :; do sleep 0.02; done" </dev/null &
	local pid=$!
	pids+=("$pid")
	wait_for "$TMP/ready" || return 1
	kill -s "$sig" "$pid"
	wait "$pid" || rc=$?
	[[ $rc == "$expect" && $(cat "$TMP/got" 2>/dev/null) == "$sig" ]]
}
check "SIGUSR1 is forwarded" forward USR1 3
check "SIGHUP is forwarded" forward HUP 3

# SIGPWR (sysvinit's halt) reaches the child as SIGTERM; an untrapped SIGTERM ends it: 128+15.
pwr_to_term() {
	local rc=0
	rm -f "$TMP/ready"
	"$SHIM" -- /bin/sh -c ": >$TMP/ready; while :; do sleep 0.02; done" </dev/null &
	local pid=$!
	pids+=("$pid")
	wait_for "$TMP/ready" || return 1
	kill -s PWR "$pid"
	wait "$pid" || rc=$?
	[[ $rc == 143 ]]
}
check "SIGPWR becomes SIGTERM for the child" pwr_to_term

# As PID 1 of a new pid namespace (needs root or user namespaces): SIGTERM from outside stops it.
as_pid1() {
	if ! unshare --user --map-root-user --pid --fork true 2>/dev/null && ! unshare --pid --fork true 2>/dev/null; then
		echo "# skipping PID 1 check: cannot create a pid namespace"
		return 0
	fi
	local rc=0 flags=(--pid --fork)
	[[ $(id -u) == 0 ]] || flags=(--user --map-root-user --pid --fork)
	rm -f "$TMP/ready"
	unshare "${flags[@]}" "$SHIM" -- /bin/sh -c "echo \$\$ >$TMP/ready.tmp; mv $TMP/ready.tmp $TMP/ready; exec sleep 30" </dev/null &
	local pid=$!
	pids+=("$pid")
	wait_for "$TMP/ready" || return 1
	[[ $(cat "$TMP/ready") == 2 ]] || return 1 # the shim is 1, the command 2
	local shim_pid
	shim_pid=$(pgrep -P "$pid") || return 1
	pids+=("$shim_pid")
	kill -TERM "$shim_pid"
	wait "$pid" || rc=$?
	[[ $rc == 143 ]]
}
check "as PID 1 in a pid namespace, SIGTERM stops the child" as_pid1
