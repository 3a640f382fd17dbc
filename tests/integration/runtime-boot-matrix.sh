#!/bin/bash
# The boot matrix: Debian with systemd, sysvinit, OpenRC and runit, and busybox. Each boots, runs
# exec, shows its boot and a login prompt on the console, stops cleanly through its init's own
# signal within the timeout (no SIGKILL), restarts on `reboot` inside and stops on `poweroff`
# inside. An init whose root filesystem cannot be built here (no mirror, no mmdebstrap) is skipped
# with the reason. LXCMGR_BOOT_MATRIX="busybox systemd" limits the run to some inits.
# LXCMGR_BOOT_MODE=privileged|unprivileged (default: what `create` writes, unprivileged) sets
# security.privileged of every container; runtime-boot-matrix-privileged.sh runs the other mode.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"

INITS=${LXCMGR_BOOT_MATRIX:-"busybox systemd sysvinit openrc runit"}
MODE=${LXCMGR_BOOT_MODE:-unprivileged}
PER_INIT=10
plan $(($(wc -w <<<"$INITS") * PER_INIT))
diag "mode: $MODE"

new_root
use_shared_cache

wait_for() {
	local tries=$1 i
	shift
	for ((i = 0; i < tries; i++)); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.2
	done
	return 1
}
json_field() { lxcmgr info "$1" --format json | sed -n "s/.*\"$2\":\"\{0,1\}\([a-z0-9]*\).*/\1/p"; }
is_state() { [ "$(json_field "$1" state)" = "$2" ]; }
new_init_pid() { local p; p=$(json_field "$1" pid); [ -n "$p" ] && [ "$p" != "$2" ] && is_state "$1" running; }
console_has() { lxcmgr console "$1" --log 2>/dev/null | tr -d '\r' | grep -a -q -- "$2"; }
# login prompts in the console log so far (it keeps earlier boots)
logins() { lxcmgr console "$1" --log 2>/dev/null | grep -a -o "login:" | wc -l; }
more_logins() { [ "$(logins "$1")" -gt "$2" ]; }

boot_one() {
	local init=$1 name t0 t1 pid n
	name=$(unique_name "bm-$init")
	defer "'$LXCMGR' --root '$ROOT' kill '$name' >/dev/null 2>&1 || true"
	if [ "$init" = busybox ]; then
		lxcmgr create "$name" -t busybox >"$ROOT/create.log" 2>&1 || { skip "busybox template failed: $(tail -1 "$ROOT/create.log")" $PER_INIT; return; }
	elif ! lxcmgr create "$name" -t debian --init "$init" >"$ROOT/create.log" 2>&1; then
		skip "$init: the debian template could not be built here: $(tail -1 "$ROOT/create.log")" $PER_INIT
		return
	fi
	if [ "$MODE" = privileged ]; then
		lxcmgr config "$name" set security.privileged true >/dev/null
	else
		lxcmgr config "$name" set security.privileged false >/dev/null
	fi

	t0=$(date +%s%N)
	run_expect_exit 0 lxcmgr start "$name"
	is "$(lxcmgr info "$name" | awk '$1 == "security" {print $2}')" "$MODE" "$init: info says it runs $MODE"
	if wait_for 300 console_has "$name" "login:"; then
		t1=$(date +%s%N)
		ok "$init: the console shows a login prompt ($(((t1 - t0) / 1000000)) ms after start)"
	else
		not_ok "$init: the console shows a login prompt" "$(lxcmgr console "$name" --log | tail -20)"
	fi
	run_expect_exit 0 lxcmgr exec "$name" -- true
	if [ "$init" = systemd ]; then
		local st
		st=$(lxcmgr exec "$name" -- systemctl is-system-running --wait 2>&1 || true)
		like "$st" '^(running|degraded)' "systemd: is-system-running reports running or degraded"
		if [ "$st" != running ]; then diag "failed units: $(lxcmgr exec "$name" -- systemctl --failed --no-legend 2>&1)"; fi
		is "$(lxcmgr exec "$name" -- systemctl list-units --no-legend --plain 'container-getty@*' | grep -c ' running ')" 4 \
			"systemd: a container-getty on each of the 4 ttys"
	else
		skip "$init: is-system-running is a systemd-only check"
		if wait_for 300 tty_gettys_ok "$name" 4; then
			ok "$init: a getty on each of the 4 ttys (tty-getty sleeps for tty5-6)"
		else
			not_ok "$init: a getty on each of the 4 ttys" "$(container_procs "$name")"
		fi
	fi

	t0=$(date +%s%N)
	run_expect_exit 0 lxcmgr stop "$name" -t 60
	t1=$(date +%s%N)
	is "$(json_field "$name" last_exit)" clean "$init: stop is clean through the init's signal ($(((t1 - t0) / 1000000)) ms)"

	n=$(logins "$name")
	lxcmgr start "$name" >/dev/null 2>&1 || true
	wait_for 300 more_logins "$name" "$n" || true # booted: init listens for reboot requests
	pid=$(json_field "$name" pid)
	n=$(logins "$name")
	lxcmgr exec "$name" -- reboot >/dev/null 2>&1 || true
	if wait_for 300 new_init_pid "$name" "$pid"; then ok "$init: reboot inside restarts it"; else not_ok "$init: reboot inside restarts it" "$(lxcmgr info "$name"; lxcmgr console "$name" --log | tail -20)"; fi
	wait_for 300 more_logins "$name" "$n" || true
	lxcmgr exec "$name" -- poweroff >/dev/null 2>&1 || true
	if wait_for 300 is_state "$name" stopped; then ok "$init: poweroff inside stops it"; else not_ok "$init: poweroff inside stops it" "$(lxcmgr info "$name")"; fi
	lxcmgr destroy "$name" >/dev/null 2>&1 || true
}

for init in $INITS; do
	boot_one "$init"
done
