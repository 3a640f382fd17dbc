#!/bin/bash
# A kill (and stop -k) is over when the command returns: the container reads stopped, last_exit says
# killed, its run files, cgroups, monitor and processes are gone, and a start or destroy right
# after works. (The fast kill keeps the empty run directory, so that no disk block is freed at the
# monitor's exit; the next start reuses it, destroy removes it.) Rounds alternate a kill right
# after the start (as the benchmark does: the monitor may still be the full one) and a kill of a
# container whose small monitor runs (the fast kill, which removes the run files while the kernel
# tears the container down and writes last_exit by trading places with the kept last_exit.prev;
# round 4 with its state record written back to disk first).
. "$(dirname "$0")/lib.sh"
require_root "boots containers"

ROUNDS=6
plan $((ROUNDS * 8 + 8))

new_root
use_shared_cache
N=$(unique_name ks)
CT="$ROOT/var/lib/lxcmgr/containers"
RUN="$ROOT/run/lxcmgr"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"

state_of() { lxcmgr info "$N" --format json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }
# processes whose command line names this root (monitors, inits are in the container's pid ns
# but run from its rootfs below the root), other than this script's
procs_of_root() { pgrep -f "$ROOT" | grep -vx "$$" || true; }
mounts_of_root() { awk -v d="$ROOT/" 'index($5, d) == 1' /proc/self/mountinfo; }
no_run_file() { [ -z "$(ls -A "$RUN/$N" 2>/dev/null)" ]; }

check "create a busybox container" lxcmgr create "$N" -t busybox
# a longer text in the spare than any kill writes: the exchange must leave last_exit exact
printf 'a-much-longer-previous-exit-text\n' >"$CT/$N/last_exit.prev"

round() {
	local i=$1 how=$2 uuid mon init
	run_expect_exit 0 lxcmgr start "$N"
	if [ $((i % 2)) -eq 0 ]; then wait_for 50 runs_small || true; fi
	# a record written back to disk (as after ~30 s) takes the fast kill's other way: rewritten
	# into a new file in the teardown window, so that removing it after the cgroups frees nothing
	if [ "$i" -eq 4 ]; then sync "$RUN/$N/state"; fi
	uuid=$(state_key uuid)
	mon=$(state_key monitor_pid)
	init=$(state_key init_pid)
	if [ "$how" = kill ]; then run_expect_exit 0 lxcmgr kill "$N"; else run_expect_exit 0 lxcmgr stop "$N" -k; fi
	is "$(state_of)" "stopped" "round $i ($how): stopped right after"
	is "$(cat "$CT/$N/last_exit")" "killed" "round $i: last_exit is exactly 'killed'"
	check "round $i: no run file left" no_run_file
	is "$(cgroups_of "$uuid")" "" "round $i: cgroups gone"
	check "round $i: monitor and init gone" bash -c "$(declare -f proc_gone); proc_gone '$mon' && proc_gone '$init' || { cat /proc/'$mon'/stat /proc/'$init'/stat; false; }"
	is "$(procs_of_root)$(mounts_of_root)" "" "round $i: no process or mount of the root left"
}

for ((i = 1; i <= ROUNDS; i++)); do
	if [ $((i % 3)) -eq 0 ]; then round "$i" stop-k; else round "$i" kill; fi
done

check "the spare last_exit.prev is a regular file" test -f "$CT/$N/last_exit.prev"
check "start again after the last round" lxcmgr start "$N"
UUID=$(state_key uuid)
run_expect_exit 0 lxcmgr kill "$N"
run_expect_exit 0 lxcmgr destroy "$N"
check "destroy right after the kill removed the container" test ! -e "$CT/$N"
check "and its run directory" test ! -e "$RUN/$N"
is "$(cgroups_of "$UUID")$(procs_of_root)$(mounts_of_root)" "" "nothing of it is left"
