#!/bin/bash
# kill of a frozen container (cli/cmd-kill.c does not look for a frozen payload: the monitor's kill
# thaws after its SIGKILL, or freezes, kills and thaws): it ends, by the small monitor and by the
# full one (a post_stop hook keeps the kill in the full monitor), and leaves nothing behind. And
# SIGTERM to the monitor of a frozen container (the host going down) stops it cleanly: the monitor
# thaws before the halt signal (it waited forever with init stuck in D state before).
. "$(dirname "$0")/lib.sh"
require_root "boots containers"

plan 22

new_root
use_shared_cache
N=$(unique_name kf)
RUN="$ROOT/run/lxcmgr"
defer "'$LXCMGR' --root '$ROOT' unfreeze '$N' >/dev/null 2>&1; timeout 30 '$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"

state_of() { lxcmgr info "$N" --format json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }

check "create a busybox container" lxcmgr create "$N" -t busybox
for how in small full; do
	if [ "$how" = full ]; then
		printf '#!/bin/sh\ntrue\n' >"$_lib_tmp/hook"
		chmod +x "$_lib_tmp/hook"
		lxcmgr config "$N" set hook.post_stop "$_lib_tmp/hook"
	fi
	check "$how: start" lxcmgr start "$N"
	INIT=$(state_key init_pid)
	UUID=$(state_key uuid)
	check "$how: freeze" lxcmgr freeze "$N"
	is "$(state_of)" "frozen" "$how: it is frozen"
	run_expect_exit 0 timeout 20 "$LXCMGR" --root "$ROOT" kill "$N"
	is "$(state_of)" "stopped" "$how: stopped after the kill"
	check "$how: init is gone" proc_gone "$INIT"
	is "$(cgroups_of "$UUID")" "" "$how: its cgroups are gone"
done

# --- SIGTERM to a frozen container's monitor: thawed, then a clean stop ---------------------------
lxcmgr config "$N" unset hook.post_stop
last_exit() { lxcmgr info "$N" --format json | sed -n 's/.*"last_exit":"\([a-z]*\)".*/\1/p'; }
is_stopped() { [ "$(state_of)" = stopped ]; }
for how in small full; do
	[ "$how" = full ] && lxcmgr config "$N" set hook.post_stop "$_lib_tmp/hook"
	lxcmgr start "$N"
	INIT=$(state_key init_pid)
	lxcmgr freeze "$N"
	is "$(state_of)" "frozen" "$how: frozen before the SIGTERM"
	kill -TERM "$(state_key monitor_pid)"
	# busybox init takes its halt signal at once: well inside the monitor's 30 s timeout
	if wait_for 150 is_stopped; then
		ok "$how: SIGTERM to the monitor stops the frozen container"
	else
		not_ok "$how: SIGTERM to the monitor stops the frozen container" "state: $(state_of)"
		# end it so the rest can run: unfreeze thaws a frozen "stopping" container too
		lxcmgr unfreeze "$N" || true
		wait_for 150 is_stopped || timeout 20 "$LXCMGR" --root "$ROOT" kill "$N" || true
	fi
	like "$(last_exit)" "^clean" "$how: and cleanly (thawed before the halt signal)"
done
check "init is gone" proc_gone "$INIT"
