#!/bin/bash
# A container confined by its generated AppArmor profile is killed by the small monitor itself,
# which unloads the profile once the container's processes are gone (before, the generated
# profile handed every kill back to the full monitor, the slower path, on every AppArmor host:
# Debian's default). Runs for real in the VM lane; hosts without AppArmor skip.
. "$(dirname "$0")/lib.sh"
require_root "boots containers, loads AppArmor profiles"
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
	echo "1..0 # SKIP the kernel has no AppArmor enabled (/sys/module/apparmor/parameters/enabled)"
	_tap_plan=
	exit 0
fi
[ -x "$(dirname "$LXCMGR")/lxcmgr-monitor" ] || { echo "1..0 # SKIP a build without the small monitor"; exit 0; }

plan 13

new_root
use_shared_cache
N=$(unique_name ka)
CT="$ROOT/var/lib/lxcmgr/containers"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"

loaded() { grep -q "^$1 (enforce)" /sys/kernel/security/apparmor/profiles; }
profile_gone() { ! loaded "$1"; }

check "create a busybox container" lxcmgr create "$N" -t busybox -q
UUID=$(lxcmgr config "$N" get uuid)
PROFILE=lxcmgr-$(echo "$UUID" | tr -d - | cut -c1-16)
defer "echo -n '$PROFILE' > /sys/kernel/security/apparmor/.remove 2>/dev/null || true"

for round in 1 2; do
	check "round $round: start" lxcmgr start "$N"
	check "round $round: its monitor hands over to lxcmgr-monitor" wait_for 50 runs_small
	is "$(cat "/proc/$(state_key init_pid)/attr/current" 2>/dev/null)" "$PROFILE (enforce)" \
		"round $round: init runs confined by the generated profile"
	check "round $round: kill" lxcmgr kill "$N"
	like "$(tail -n 3 "$CT/$N/monitor.log")" "tearing it down in the small monitor" \
		"round $round: the small monitor did the kill"
	check "round $round: and unloaded the profile" profile_gone "$PROFILE"
done
