#!/bin/bash
# Hooks: pre_start/post_start/pre_stop/post_stop run on the host with the container's name, state
# dir, rootfs and init pid; a failing pre_start aborts the start leaving nothing behind. The monitor
# runs them: post_stop also runs when init ends on its own (poweroff inside, init killed from the
# host), with LXCMGR_EXIT saying how.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
plan 32

new_root
N=$(unique_name hk)
CT="$ROOT/var/lib/lxcmgr/containers"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
H="$_lib_tmp/hooks"
mkdir -p "$H"
cat >"$H/record" <<EOS
#!/bin/sh
env | grep '^LXCMGR_' | sort >"$H/\$LXCMGR_HOOK.env"
EOS
printf '#!/bin/sh\necho "pre_start refused" >&2\nexit 3\n' >"$H/fail"
chmod +x "$H/record" "$H/fail"
state_of() { lxcmgr info "$1" --format json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }
pid_of() { lxcmgr info "$1" --format json | sed -n 's/.*"pid":\([0-9]*\).*/\1/p'; }

run_expect_exit 0 lxcmgr create "$N" -t busybox
for h in pre_start post_start pre_stop post_stop; do lxcmgr config "$N" set "hook.$h" "$H/record"; done

run_expect_exit 0 lxcmgr start "$N"
pid=$(pid_of "$N")
is "$(cat "$H/pre_start.env")" "LXCMGR_HOOK=pre_start
LXCMGR_NAME=$N
LXCMGR_PID=
LXCMGR_ROOTFS=$CT/$N/rootfs
LXCMGR_STATE_DIR=$ROOT/run/lxcmgr/$N" "pre_start environment"
is "$(grep PID "$H/post_start.env")" "LXCMGR_PID=$pid" "post_start gets init's pid"
run_expect_exit 0 lxcmgr stop "$N" -t 5
is "$(grep PID "$H/pre_stop.env")" "LXCMGR_PID=$pid" "pre_stop gets init's pid"
check "post_stop ran" test -f "$H/post_stop.env"
is "$(grep NAME "$H/post_stop.env")" "LXCMGR_NAME=$N" "post_stop gets the name"

# A failing pre_start: start fails with the hook's message, nothing started or left behind.
rm -f "$H"/*.env
lxcmgr config "$N" set hook.pre_start "$H/fail"
run_expect_exit 1 lxcmgr start "$N"
like "$ERR" "pre_start refused" "the hook's own message is shown"
like "$ERR" "pre_start hook .* failed with exit status 3" "lxcmgr says which hook failed"
is "$(state_of "$N")" "stopped" "container not started"
check "post_start did not run" test ! -e "$H/post_start.env"
check "no run directory left" test ! -e "$ROOT/run/lxcmgr/$N"

lxcmgr config "$N" set hook.pre_start "$H/record"
# Waits (up to 10 s) until the container is stopped.
wait_stopped() {
	local i
	for i in $(seq 100); do
		[ "$(state_of "$1")" = stopped ] && return 0
		sleep 0.1
	done
	return 1
}

wait_for_file() {
	local i
	for i in $(seq 100); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# init exits on its own: a poweroff inside. No lxcmgr command is involved in the stop.
rm -f "$H"/*.env
run_expect_exit 0 lxcmgr start "$N"
pid=$(pid_of "$N")
lxcmgr exec "$N" -- poweroff -f >/dev/null 2>&1 || true # the exec dies with the container
check "the container stops after poweroff inside" wait_stopped "$N"
check "pre_stop did not run (nobody asked for a stop)" test ! -e "$H/pre_stop.env"
is "$(cat "$H/post_stop.env" 2>&1)" "LXCMGR_EXIT=clean
LXCMGR_HOOK=post_stop
LXCMGR_NAME=$N
LXCMGR_PID=$pid
LXCMGR_ROOTFS=$CT/$N/rootfs
LXCMGR_STATE_DIR=$ROOT/run/lxcmgr/$N" "post_stop after a poweroff inside, with the environment"

# init killed from the host.
rm -f "$H"/*.env
run_expect_exit 0 lxcmgr start "$N"
pid=$(pid_of "$N")
is "$(grep PID "$H/post_start.env")" "LXCMGR_PID=$pid" "post_start runs again on the next start"
kill -KILL "$pid"
check "the container stops after init was killed" wait_stopped "$N"
is "$(grep -E 'EXIT|PID' "$H/post_stop.env" 2>&1 | tr '\n' ' ')" "LXCMGR_EXIT=killed LXCMGR_PID=$pid " "post_stop after init was killed from the host"

# A restart by the policy: post_stop for the end, then pre_start and post_start for the new init.
lxcmgr config "$N" set restart.policy always
lxcmgr config "$N" set restart.backoff 0
run_expect_exit 0 lxcmgr start "$N"
pid=$(pid_of "$N")
rm -f "$H"/*.env
kill -KILL "$pid"
check "the policy restarted init and ran post_start" wait_for_file "$H/post_start.env"
is "$(grep -E 'EXIT|PID' "$H/post_stop.env" 2>&1 | tr '\n' ' ')" "LXCMGR_EXIT=killed LXCMGR_PID=$pid " "post_stop for the killed init"
check "pre_start ran before the restart" test -f "$H/pre_start.env"
run_expect_exit 0 lxcmgr stop "$N" -t 5
lxcmgr config "$N" unset restart.policy
lxcmgr config "$N" unset restart.backoff

# A hook's output lands in monitor.log once the start is over.
printf '#!/bin/sh\necho "post_stop says hello"\n' >"$H/talk"
chmod +x "$H/talk"
lxcmgr config "$N" set hook.post_stop "$H/talk"
run_expect_exit 0 lxcmgr start "$N"
run_expect_exit 0 lxcmgr stop "$N" -t 5
like "$(cat "$CT/$N/monitor.log")" "post_stop says hello" "hook output is in monitor.log"
lxcmgr config "$N" unset hook.pre_start
run_expect_exit 0 lxcmgr start "$N"
run_expect_exit 0 lxcmgr kill "$N"
