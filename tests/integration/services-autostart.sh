#!/bin/bash
# autostart: ascending order, ties by name, the delay observed between starts, groups, disabled
# containers left alone; --shutdown in reverse order levels.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
plan 17

new_root
P=$(unique_name as)
A="$P-a" B="$P-b" C="$P-c" D="$P-d"
for n in "$A" "$B" "$C" "$D"; do
	defer "'$LXCMGR' --root '$ROOT' kill '$n' >/dev/null 2>&1 || true"
	lxcmgr create "$n" -t busybox >/dev/null
done
state_of() { lxcmgr info "$1" --format json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }
as() { lxcmgr config "$1" set autostart.enabled true; lxcmgr config "$1" set autostart.order "$2"
	lxcmgr config "$1" set autostart.delay "$3"; lxcmgr config "$1" set autostart.group "$4"; }
as "$A" 20 0 core
as "$B" 10 2 core
as "$C" 20 0 extra
# D stays disabled.

run_expect_exit 0 lxcmgr autostart --dry-run
is "$OUT" "start $B order 10 delay 2
start $A order 20 delay 0
start $C order 20 delay 0" "dry run: ascending order, ties by name, disabled left out"
run_expect_exit 0 lxcmgr autostart --dry-run --group extra
is "$OUT" "start $C order 20 delay 0" "group filter"
run_expect_exit 0 lxcmgr list
like "$OUT" "AUTOSTART" "list has an AUTOSTART column"

# Real run: the time each "started" line appears.
log="$_lib_tmp/as.log"
"$LXCMGR" --root "$ROOT" autostart | while read -r verb name; do echo "$(date +%s.%N) $verb $name"; done >"$log"
is "$(awk '{print $2, $3}' "$log" | tr '\n' ';')" "started $B;started $A;started $C;" "started in order"
t_b=$(awk -v n="$B" '$3 == n {print $1}' "$log")
t_a=$(awk -v n="$A" '$3 == n {print $1}' "$log")
gap=$(awk -v a="$t_a" -v b="$t_b" 'BEGIN {printf "%.3f", a - b}')
diag "gap after $B (delay 2): ${gap}s"
check "the delay of $B was waited before $A" awk -v g="$gap" 'BEGIN {exit !(g >= 1.9)}'
is "$(state_of "$A")/$(state_of "$B")/$(state_of "$C")/$(state_of "$D")" "running/running/running/stopped" \
	"enabled ones run, disabled one not"

# A second run finds them running: no error.
run_expect_exit 0 lxcmgr autostart --group extra
is "$OUT" "running $C" "already running is reported"

run_expect_exit 0 lxcmgr autostart --shutdown --dry-run
is "$OUT" "stop order 20: $A $C
stop order 10: $B" "shutdown dry run: reverse order levels"
run_expect_exit 0 lxcmgr autostart --shutdown --timeout 10
is "$(echo "$OUT" | tail -1)" "stopped $B" "lowest order stopped last"
like "$(echo "$OUT" | head -2 | sort | tr '\n' ';')" "^stopped $A;stopped $C;$" "order 20 level stopped first"
is "$(state_of "$A")/$(state_of "$B")/$(state_of "$C")" "stopped/stopped/stopped" "all stopped"
