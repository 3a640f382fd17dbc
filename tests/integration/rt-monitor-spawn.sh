#!/bin/bash
# The monitor `start` forks (runtime/monitor-spawn.c: no exec of lxcmgr) keeps what the exec gave
# it: its command line names the container's monitor, no fd of the CLI survives (the lock, an
# inherited one), ignored signals stay ignored, it is no session leader, stdin/stdout are
# /dev/null. Every container's monitor sits in the one shared cgroup `lxcmgr.monitor`, which stays
# after a stop; cleaning up after a killed monitor kills no other container's monitor. The
# signals the monitor ignores (its own SIGPIPE, what the CLI ignored) are back at their default
# when init runs; the process that detaches the monitor shares the CLI's memory (vfork).
. "$(dirname "$0")/lib.sh"
require_root "boots containers"

plan 33

new_root
use_shared_cache
A=$(unique_name ma)
B=$(unique_name mb)
defer "'$LXCMGR' --root '$ROOT' kill '$A' >/dev/null 2>&1 || true"
defer "'$LXCMGR' --root '$ROOT' kill '$B' >/dev/null 2>&1 || true"
monitor_of() { pgrep -f -- "__monitor $1 " | head -n1; }
uuid_of() { sed -n 's/^uuid *= *"\(.*\)"/\1/p' "$ROOT/var/lib/lxcmgr/containers/$1/config"; }
alive() { kill -0 "$1" 2>/dev/null; }

check "create $A" lxcmgr create "$A" -t busybox
check "create $B" lxcmgr create "$B" -t busybox

# The shared cgroup is made by the start that finds it missing (joining fails, steps/cgroup.c):
# remove it when no monitor sits in it (only this branch's monitors use it), start makes it again
empty=1
for d in /sys/fs/cgroup/*/lxcmgr.monitor /sys/fs/cgroup/lxcmgr.monitor; do
	# (cgroupfs files have size 0: read them, test -s is always false)
	if [ -d "$d" ] && [ -n "$(cat "$d/cgroup.procs")" ]; then empty=0; fi
done
if [ "$empty" = 1 ]; then
	for d in /sys/fs/cgroup/*/lxcmgr.monitor /sys/fs/cgroup/lxcmgr.monitor; do
		# a monitor of another lxcmgr may have joined since: then it is not made by this start
		if [ -d "$d" ] && ! rmdir "$d" 2>/dev/null; then empty=0; fi
	done
fi

# The full monitor (no hand-over to the small program), started by a CLI that holds an fd of its
# own (7, inherited, not close-on-exec) and ignores SIGUSR1. Its init records its signal state at
# exec before it runs busybox init (the shell, PID 1, reads its own status first thing).
printf '#!/bin/sh\ncat /proc/1/status >/sig-at-exec\nexec /sbin/init\n' >"$ROOT/var/lib/lxcmgr/containers/$A/rootfs/sig-first"
chmod +x "$ROOT/var/lib/lxcmgr/containers/$A/rootfs/sig-first"
lxcmgr config "$A" set init /sig-first
EXTRA="$_lib_tmp/extra-fd"
: >"$EXTRA"
(
	exec 7>"$EXTRA"
	trap '' USR1
	LXCMGR_MONITOR_SMALL=0 exec "$LXCMGR" --root "$ROOT" start "$A"
) && ok "start $A (full monitor)" || not_ok "start $A (full monitor)"
MA=$(monitor_of "$A")
[ -n "$MA" ] && ok "its monitor is found by 'pgrep -f \"__monitor NAME \"'" || not_ok "monitor of $A found"
# (NUL-separated after PR_SET_MM, one string with spaces when written over the CLI's strings)
like "$(tr '\0' ' ' <"/proc/${MA:-0}/cmdline" 2>&1)" "^lxcmgr --root $ROOT __monitor $A 3 *\$" "its command line is 'lxcmgr --root R __monitor NAME 3'"
is "$(cat "/proc/${MA:-0}/comm" 2>&1)" "lxcmgr-monitor" "its process name is lxcmgr-monitor"
fds=$(ls -l "/proc/${MA:-0}/fd/" 2>&1)
unlike "$fds" "extra-fd|\.lock" "no fd of the CLI survives (neither the inherited one nor the container lock)"
like "$(readlink "/proc/${MA:-0}/fd/0")/$(readlink "/proc/${MA:-0}/fd/1")" "^/dev/null//dev/null$" "stdin and stdout are /dev/null"
sid=$(ps -o sid= -p "${MA:-0}" | tr -d ' ')
[ -n "$sid" ] && [ "$sid" != "$MA" ] && ok "the monitor is no session leader (no tty can become its own)" ||
	not_ok "no session leader" "sid $sid pid $MA"
ign=$(sed -n 's/^SigIgn:\t//p' "/proc/${MA:-0}/status")
(( (0x$ign >> 9) & 1 )) && ok "an ignored signal stays ignored, as across an exec (SIGUSR1)" ||
	not_ok "SIGUSR1 ignored" "SigIgn $ign"
# The child resets only the signals the monitor had away from their default when it cloned
# (runtime/steps/exec.c): the ignored ones must be among them
for _ in $(seq 50); do [ -s "$ROOT/var/lib/lxcmgr/containers/$A/rootfs/sig-at-exec" ] && break; sleep 0.1; done
sig_at_exec=$(cat "$ROOT/var/lib/lxcmgr/containers/$A/rootfs/sig-at-exec" 2>&1)
iign=$(sed -n 's/^SigIgn:\t//p' <<<"$sig_at_exec")
[ -n "$iign" ] && ! (( (0x$iign >> 9) & 1 )) && ok "init does not inherit the CLI's ignored SIGUSR1" ||
	not_ok "SIGUSR1 back to default in init" "$sig_at_exec"
[ -n "$iign" ] && ! (( (0x$iign >> 12) & 1 )) && ok "init does not inherit the monitor's ignored SIGPIPE" ||
	not_ok "SIGPIPE back to default in init" "$sig_at_exec"
is "$(sed -n 's/^SigBlk:\t//p' <<<"$sig_at_exec")" "0000000000000000" "init starts with no signal blocked"
is "$(grep -v -e ':/lxcmgr\.monitor$' -e ':/$' "/proc/${MA:-0}/cgroup" 2>&1)" "" \
	"the monitor sits in the shared 'lxcmgr.monitor' cgroup (or a root) in every hierarchy"
grep -q ':/lxcmgr\.monitor$' "/proc/${MA:-0}/cgroup" && ok "... and in 'lxcmgr.monitor' at least once" ||
	not_ok "in lxcmgr.monitor" "$(cat "/proc/${MA:-0}/cgroup")"
if [ -d /sys/fs/cgroup/cpuset ]; then
	is "$(cat /sys/fs/cgroup/cpuset/lxcmgr.monitor/cpuset.cpus 2>&1)" "$(cat /sys/fs/cgroup/cpuset/cpuset.cpus)" \
		"its v1 cpuset has the root's cpus (made with the cpuset copied$([ "$empty" = 1 ] && echo ", by this start"))"
else
	skip "no v1 cpuset hierarchy"
fi

# One copy of the CLI's page tables per start (runtime/monitor-spawn.c): the process that leaves
# the session and forks the monitor is a vfork() child of the CLI, and it makes the payload cgroup
# once it forked the monitor (the CLI woken earlier was queued on the monitor's CPU). strace
# detaches from each process at its exec (the monitor's hand-over, init), so it ends with the
# start. (The sanitizer's leak check cannot run under ptrace: off for this one command.)
if command -v strace >/dev/null; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -b execve \
		-e trace=fork,vfork,clone,clone3,mkdir,mkdirat -o "$_lib_tmp/spawn.trace" \
		"$LXCMGR" --root "$ROOT" start "$B" >"$_lib_tmp/spawn.out" 2>&1 &&
		ok "start $B (small monitor), traced" || not_ok "start $B (small monitor), traced" "$(cat "$_lib_tmp/spawn.out")"
	cli=$(head -n1 "$_lib_tmp/spawn.trace" | cut -d' ' -f1)
	first=$(grep "^$cli " "$_lib_tmp/spawn.trace" | grep -E 'fork|clone' | head -n1)
	like "$first" "vfork\\(" "the CLI makes the monitor's detaching process with vfork (shares its memory)"
	# (its result: on the same line, or on the "<... vfork resumed>" one)
	detacher=$(grep "^$cli .*vfork.*= [0-9]*$" "$_lib_tmp/spawn.trace" | sed -n '1s/.*= \([0-9]*\)$/\1/p')
	makers=$(grep -E "mkdir(at)?\\(.*lxcmgr\\.payload\\.$(uuid_of "$B")\"" "$_lib_tmp/spawn.trace" | cut -d' ' -f1 | sort -u)
	is "$makers" "${detacher:-none}" "the detaching process makes the payload cgroup (every mkdir of it)"
else
	check "start $B (small monitor)" lxcmgr start "$B"
	skip "no strace" 2
fi
MB=$(monitor_of "$B")
is "$(grep -c ':/lxcmgr\.monitor$' "/proc/${MB:-0}/cgroup")" "$(grep -c ':/lxcmgr\.monitor$' "/proc/${MA:-0}/cgroup")" \
	"the second container's monitor shares that cgroup"

# A lost monitor: its cleanup must not kill what else sits in the shared cgroup
kill -9 "$MA"
for _ in $(seq 50); do alive "$MA" || break; sleep 0.1; done
# ... and a lost monitor of an earlier lxcmgr left its own cgroup (lxcmgr.monitor.UUID) with a
# process in it (a hook's child): the cleanup kills and removes it
OLDCGS=""
sleep 300 &
OLDPID=$!
for d in /sys/fs/cgroup/*/lxcmgr.monitor /sys/fs/cgroup/lxcmgr.monitor; do
	[ -d "$d" ] || continue
	mkdir "$d.$(uuid_of "$A")"
	OLDCGS+=" $d.$(uuid_of "$A")"
	echo "$OLDPID" 2>/dev/null >"$d.$(uuid_of "$A")/cgroup.procs" || true # (setup: v1 cpuset takes none before its cpus are set)
done
defer "kill $OLDPID 2>/dev/null; for d in $OLDCGS; do rmdir \$d 2>/dev/null; done; true"
check "stop $A after its monitor was killed (the cleanup without a monitor)" lxcmgr stop "$A" -t 0
for _ in $(seq 30); do alive "$OLDPID" || break; sleep 0.1; done
# shellcheck disable=SC2086 # the list of directories
left_old=$(ls -d $OLDCGS 2>/dev/null || true)
if ! alive "$OLDPID" && [ -z "$left_old" ]; then ok "the old per-container monitor cgroup was killed and removed"
else not_ok "old monitor cgroup cleaned" "pid alive: $(alive "$OLDPID" && echo yes), left: $left_old"; fi
alive "$MB" && ok "the other container's monitor survived the cleanup" || not_ok "monitor of $B survived"
is "$(lxcmgr info "$B" --format json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p')" "running" "$B still runs"

# Started with stderr closed: the container lock must not take fd 2 (it would be the
# monitor's stderr, and a hook's, which could then hold the lock for good). The pre_start hook
# records its fds.
HOOK="$_lib_tmp/fds-hook"
printf '#!/bin/sh\nls -l /proc/self/fd/ >%s 2>&1\n' "$_lib_tmp/hook-fds" >"$HOOK"
chmod +x "$HOOK"
lxcmgr config "$A" set hook.pre_start "$HOOK"
( exec "$LXCMGR" --root "$ROOT" start "$A" 2>&- ) && ok "start with stderr closed" ||
	not_ok "start with stderr closed"
like "$(cat "$_lib_tmp/hook-fds" 2>&1)" "null" "the pre_start hook ran"
unlike "$(cat "$_lib_tmp/hook-fds" 2>&1)" "\.lock" "no hook fd is the container lock (stderr closed at start)"
lxcmgr stop "$A" -t 0 >/dev/null 2>&1 || true

# A title longer than the CLI's arguments (its argv[0] './l') runs on into the environment
# strings, of which only those it covers move to the heap (monitor-spawn.c, overwrite_cmdline()):
# every variable, the first one it wrote over too, reaches the monitor's executions whole (the
# hand-over's exec of lxcmgr-monitor: its /proc/PID/environ). Where PR_SET_MM works the title is
# not written over anything and this holds all the same.
ln -s "$(readlink -f "$LXCMGR")" "$_lib_tmp/l"
FIRST="LXM_FIRST_VARIABLE=a-value-the-title-writes-over-in-the-cli"
start_short() { # [VAR=VALUE...]: start $A through ./l with an environment of FIRST first
	(cd "$_lib_tmp" && exec env -i "$FIRST" PATH="$PATH" LXCMGR_TEMPLATES_DIR="$LXCMGR_TEMPLATES_DIR" \
		LXCMGR_PROFILES_DIR="$LXCMGR_PROFILES_DIR" ASAN_OPTIONS="$ASAN_OPTIONS" UBSAN_OPTIONS="$UBSAN_OPTIONS" \
		"$@" LXM_LAST_VARIABLE=last ./l --root "$ROOT" start "$A")
}
start_short LXCMGR_MONITOR_SMALL=0 && ok "start $A through a short argv[0] (full monitor)" ||
	not_ok "start $A through a short argv[0] (full monitor)"
MA=$(monitor_of "$A")
like "$(tr '\0' ' ' <"/proc/${MA:-0}/cmdline" 2>&1)" "^lxcmgr --root $ROOT __monitor $A 3 *\$" \
	"its command line is still 'lxcmgr --root R __monitor NAME 3'"
lxcmgr stop "$A" -t 0 >/dev/null 2>&1 || true
if [ -x "$(dirname "$LXCMGR")/lxcmgr-monitor" ]; then
	start_short && ok "start $A through a short argv[0]" || not_ok "start $A through a short argv[0]"
	wait_for 50 runs_small "$A" || true
	env_small=$(tr '\0' '\n' <"/proc/$(monitor_of "$A")/environ" 2>&1)
	like "$env_small" "(^|
)$FIRST(
|\$)" "the variable the title wrote over reaches the small monitor whole"
	like "$env_small" "(^|
)LXM_LAST_VARIABLE=last(
|\$)" "and the last one"
else
	skip "no lxcmgr-monitor in this build" 3
fi
lxcmgr stop "$A" -t 0 >/dev/null 2>&1 || true

lxcmgr stop "$B" -t 0 >/dev/null 2>&1 || true
left=""
for u in "$(uuid_of "$A")" "$(uuid_of "$B")"; do
	left+=$(ls -d /sys/fs/cgroup/*/lxcmgr.*."$u" /sys/fs/cgroup/lxcmgr.*."$u" 2>/dev/null || true)
done
is "$left" "" "no per-container cgroup is left after both stopped"
