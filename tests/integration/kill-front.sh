#!/bin/bash
# `kill NAME` and `stop -k|--kill NAME` without the C library (lxcmgr/cli/front-kill.c): the
# command asks the small monitor `stop-fast` before main() runs (in the static lxcmgr, before glibc
# started), and the kill ends as the full path's does: exit 0, nothing printed, state stopped,
# last_exit "killed", no cgroup, run file, monitor or mount left, a start right after works. Every
# other case falls through to main() unchanged, seen in what the command sends its monitor
# (strace): a full monitor refuses the request and the command asks `stop 0`; a busy lock, a global
# config, LXCMGR_LOG_LEVEL, other options and a stopped, unknown or invalid container never reach
# the request, and report as before. A frozen container is killed by the small monitor's thaw.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }

plan 56

new_root
use_shared_cache
N=$(unique_name kf)
T="$_lib_tmp/kf"
mkdir -p "$T"
defer "'$LXCMGR' --root '$ROOT' unfreeze '$N' >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"

state_of() { lxcmgr info "$N" --format json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }
last_exit_of() { lxcmgr info "$N" --format json | sed -n 's/.*"last_exit":"\([a-z]*\)".*/\1/p'; }
start_small() { lxcmgr start "$N" >/dev/null && wait_for 50 runs_small; }
leftovers() {
	ls -d /sys/fs/cgroup/*/lxcmgr.*."$UUID" /sys/fs/cgroup/lxcmgr.*."$UUID" 2>/dev/null || true
	ls -A "$ROOT/run/lxcmgr/$N" 2>/dev/null || true
	pgrep -f "__monitor $N " || true
	awk -v d="$ROOT/var/lib/lxcmgr/containers/$N/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo
}
# LeakSanitizer (the sanitizer build) cannot stop the world of a traced process: off under strace
noleak() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$@"; }
# traced ARGS...: lxcmgr ARGS under strace; $T/trace holds what it sent on sockets, $OUT/$ERR/$RC
traced() {
	RC=0
	noleak strace -f -qq -e trace=sendto -s 64 -o "$T/trace" "$LXCMGR" --root "$ROOT" "$@" \
		>"$T/out" 2>"$T/err" || RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}
requests() { grep -o 'sendto([0-9]*, "[^"]*"' "$T/trace" | sed 's/.*, "//; s/"$//' | tr '\n' ' '; }

check "create a busybox container" lxcmgr create "$N" -t busybox
UUID=$(sed -n 's/^uuid *= *"\(.*\)"/\1/p' "$ROOT/var/lib/lxcmgr/containers/$N/config")

# 1. The four spellings, each the whole kill by the request alone
for how in "kill" "stop -k" "stop --kill" "stop NAME -k"; do
	check "$how: start; its monitor runs lxcmgr-monitor" start_small
	MON=$(state_key monitor_pid)
	if [ "$how" = "stop NAME -k" ]; then
		traced stop "$N" -k # getopt's order, the benchmark's
	else
		# shellcheck disable=SC2086 # the spelling is words
		traced $how "$N"
	fi
	is "$RC:$OUT:$ERR" "0::" "$how: exit 0, nothing printed"
	is "$(requests)" "stop-fast " "$how: the one request is stop-fast (no full path after it)"
	is "$(state_of)-$(last_exit_of)" "stopped-killed" "$how: stopped, last_exit killed"
	is "$(leftovers)" "" "$how: no cgroup, run file, monitor or mount left"
	check "$how: its monitor is gone when the command returns" proc_gone "$MON"
done
check "start" start_small
if ! elf_dynamic "$LXCMGR"; then
	# the static lxcmgr: before the C library started, so no heap was ever made
	strace -f -qq -e trace=brk,sendto -o "$T/brk" "$LXCMGR" --root "$ROOT" kill "$N"
	is "$(grep -c 'brk(' "$T/brk")" 0 "static lxcmgr: the kill ran before the C library started (no brk)"
else
	lxcmgr kill "$N"
	skip "lxcmgr is linked dynamically: the kill runs after the C library started" 1
fi
check "a start right after the kill works" lxcmgr start "$N"
run_expect_exit 0 lxcmgr kill "$N"

# 2. A full monitor refuses the request and the command asks the full way (the in-process path)
check "start with LXCMGR_MONITOR_SMALL=0" env LXCMGR_MONITOR_SMALL=0 "$LXCMGR" --root "$ROOT" start "$N"
traced stop -k "$N"
is "$RC:$ERR" "0:" "full monitor: exit 0, no error"
is "$(requests)" "stop-fast stop 0 " "full monitor: stop-fast refused, then stop 0"
is "$(state_of)-$(last_exit_of)" "stopped-killed" "full monitor: stopped, killed"

# 3. Cases that never reach the request: main() runs the command as before
check "start" start_small
LOCK="$ROOT/run/lxcmgr/locks/$N.lock"
flock -o "$LOCK" sleep 30 & # -o: only flock itself holds the lock, not its sleep
HOLDER=$!
defer "kill $HOLDER 2>/dev/null || true"
wait_for 50 sh -c "! flock -n '$LOCK' true"
traced kill "$N"
is "$RC" 0 "busy lock: a kill of a running container still goes through (the full path's rule)"
is "$(requests)" "stop 0 " "busy lock: no stop-fast, the full path's stop 0"
pkill -P "$HOLDER" sleep 2>/dev/null || true
kill "$HOLDER" 2>/dev/null || true
wait "$HOLDER" 2>/dev/null || true # its SIGTERM status
is "$(state_of)" stopped "busy lock: stopped"

check "start" start_small
touch "$ROOT/etc/lxcmgr/lxcmgr.conf"
traced kill "$N"
is "$RC:$(requests)" "0:stop 0 " "a global config file: the full path (it may move the directories)"
rm -f "$ROOT/etc/lxcmgr/lxcmgr.conf"

check "start" start_small
RC=0
LXCMGR_LOG_LEVEL=info noleak strace -f -qq -e trace=sendto -s 64 -o "$T/trace" \
	"$LXCMGR" --root "$ROOT" kill "$N" >/dev/null 2>&1 || RC=$?
is "$RC:$(requests)" "0:stop 0 " "LXCMGR_LOG_LEVEL set: the full path, which logs"

check "start" start_small
traced --log-level info stop -k "$N"
is "$RC:$(requests)" "0:stop 0 " "--log-level: the full path"

check "start" start_small
traced stop -k -q "$N"
is "$RC:$(requests)" "0:stop 0 " "another option (-q): the full path"

# stopped, unknown, invalid: main()'s messages and exit statuses, no request
traced kill "$N"
is "$RC:$(requests)" "4:" "stopped: exit 4 (not running), no request"
like "$ERR" "Container '$N' is not running" "stopped: says it is not running"
traced kill "no-such-$N"
is "$RC:$(requests)" "3:" "unknown container: exit 3 (not found), no request"
like "$ERR" "Container 'no-such-$N' not found" "unknown container: says so"
traced stop -k "Bad_Name"
is "$RC:$(requests)" "2:" "invalid name: exit 2, no request"
like "$ERR" "Invalid container name 'Bad_Name'" "invalid name: main()'s message"

# 4. Frozen: the small monitor's kill thaws the payload after its SIGKILL
check "start" start_small
# past the boot's getty spawns: busybox init waits in vfork() for each, and a v1 freezer catching
# a child before its exec never gets that parent frozen (freeze then times out; not the kill's)
sleep 1
check "freeze" lxcmgr freeze "$N"
traced kill "$N"
is "$RC:$(requests)" "0:stop-fast " "frozen: the request alone"
is "$(state_of)-$(last_exit_of)" "stopped-killed" "frozen: stopped, killed"
is "$(leftovers)" "" "frozen: nothing left"
