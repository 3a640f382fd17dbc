#!/bin/bash
# The monitor makes its run files (console log, run directory, control socket, state "starting")
# while the child mounts, after the clone (runtime/monitor.c, setup_run_files): a failure there
# still kills the child and leaves nothing behind (no veth, cgroup, mount, run file, monitor) with
# one clear error; a start returns only once they exist, so exec, list, kill and a second start
# right after it work; a pre_start hook still sees the state "starting" and the socket. The CLI
# makes the payload cgroup while it waits (runtime/monitor-spawn.c): the monitor forks nothing
# before it clones init.
. "$(dirname "$0")/lib.sh"
require_root "boots containers, creates a bridge"

plan 22

new_root
use_shared_cache
N=$(unique_name sl)
BR="lxmsl$((RANDOM % 100000))"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
defer "ip link del '$BR' 2>/dev/null || true"
RUN="$ROOT/run/lxcmgr/$N"
uuid_of() { sed -n 's/^uuid *= *"\(.*\)"/\1/p' "$ROOT/var/lib/lxcmgr/containers/$1/config"; }
# Everything a start may leave on the host but the planted directory: cgroups, run files,
# monitor processes, mounts, veths on the test's bridge.
leftovers() {
	local uuid
	uuid=$(uuid_of "$N")
	ls -d /sys/fs/cgroup/*/lxcmgr.*."$uuid" /sys/fs/cgroup/lxcmgr.*."$uuid" 2>/dev/null || true
	ls -A "$RUN" 2>/dev/null | grep -vx control || true
	pgrep -f "__monitor $N " || true
	awk -v d="$ROOT/var/lib/lxcmgr/containers/$N/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo
	ip -o link show master "$BR" 2>/dev/null | awk -F': ' '{print $2}'
}

ip link add "$BR" type bridge && ip link set "$BR" up
check "create $N" lxcmgr create "$N" -t busybox
lxcmgr config "$N" set network.eth0.type veth
lxcmgr config "$N" set network.eth0.bridge "$BR"

# A directory where the control socket goes: bind fails after the clone, with the child in its
# mounts and the host veth made.
mkdir -p "$RUN/control"
run_expect_exit 1 lxcmgr start "$N"
like "$ERR" "Failed to bind '$RUN/control'" "the start fails with the monitor's error"
is "$(grep -c 'error' <<<"$ERR")" "1" "one error, not a cascade"
is "$(leftovers)" "" "no cgroup, run file, monitor, mount or veth left after a failure past the clone"
is "$(lxcmgr list --format json | grep -o '"state":"[a-z]*"')" '"state":"stopped"' "the container reads as stopped"
rmdir "$RUN/control"

# The child failing after the run files were made (no init to execute): they go again.
lxcmgr config "$N" set init /sbin/no-such-init
run_expect_exit 1 lxcmgr start "$N"
like "$ERR" "Child failed at step 'exec'.*no-such-init" "a child failing after the run files were made: its error"
is "$(leftovers; ls -A "$RUN" 2>/dev/null)" "" "nothing left, not even the control socket or the state file"
lxcmgr config "$N" unset init

# Right after start returns, every command finds the socket and the state file.
fails=0
for _ in $(seq 1 10); do
	lxcmgr start "$N" >/dev/null 2>&1 || { fails=$((fails + 1)); continue; }
	[ -S "$RUN/control" ] || fails=$((fails + 1))
	grep -qx 'state=running' "$RUN/state" || fails=$((fails + 1))
	lxcmgr exec "$N" -- /bin/true || fails=$((fails + 1))
	lxcmgr kill "$N" >/dev/null 2>&1 || fails=$((fails + 1))
done
is "$fails" 0 "10 x start, then at once socket, state 'running', exec and kill"
is "$(leftovers)" "" "nothing left after the cycles"

run_expect_exit 0 lxcmgr start "$N"
like "$(lxcmgr list)" "$N +running" "list right after start: running"
run_expect_exit 4 lxcmgr start "$N"
like "$ERR" "already running" "a second start fails cleanly"
check "the first one still runs" lxcmgr exec "$N" -- /bin/true
check "kill" lxcmgr kill "$N"

# A pre_start hook runs before the clone: the run files are made before it, as they always were.
H="$_lib_tmp/hook"
printf '#!/bin/sh\n{ cat "$LXCMGR_STATE_DIR/state" | grep ^state=; [ -S "$LXCMGR_STATE_DIR/control" ] && echo socket; } >%s\n' \
	"$_lib_tmp/hook.out" >"$H"
chmod +x "$H"
lxcmgr config "$N" set hook.pre_start "$H"
run_expect_exit 0 lxcmgr start "$N"
is "$(cat "$_lib_tmp/hook.out" 2>&1)" "state=starting
socket" "pre_start sees the state 'starting' and the control socket"
check "kill" lxcmgr kill "$N"

# The monitor's system calls up to the clone of init: no fork (the CLI made the payload cgroup).
lxcmgr config "$N" unset hook.pre_start
T="$_lib_tmp/strace"
timeout 120 strace -f -qq -o "$T" -e trace=fork,vfork,clone,clone3 "$LXCMGR" --root "$ROOT" start "$N" &
spid=$!
wait_for 100 bash -c "grep -qx state=running '$RUN/state'" && ok "start under strace" || not_ok "start under strace"
lxcmgr kill "$N" >/dev/null 2>&1
wait "$spid" || true # (the exit status of the last traced process)
mon=$(awk '/clone3\(/ {print $1; exit}' "$T")
is "$(awk -v m="$mon" '$1 == m && /clone3\(/ {exit} $1 == m && /(fork|clone)\(/ {n++} END {print n + 0}' "$T")" "0" \
	"the monitor forks nothing before it clones init"
