#!/bin/bash
# Config cgroup.layout: what /sys/fs/cgroup shows inside a busybox container with "host" (the
# host's layout: on this hybrid host a tmpfs of v1 hierarchies plus cgroup2 at "unified") and with
# "unified" (cgroup2 alone, systemd's unified mode); that the payload's limits hold and exec's leaf,
# usage figures and kill work with "unified"; a bad value refused with its line; and a Debian
# systemd container booting to running in unified mode (no failed units, systemd-cgls and systemctl
# status work, a clean stop). On a v1-only host "unified" must be refused at start instead.
. "$(dirname "$0")/lib.sh"
require_root "boots containers and reads their cgroups"
plan 35

new_root
use_shared_cache
NAME=$(unique_name cgl)
DEB=$(unique_name cgld)
defer "'$LXCMGR' --root '$ROOT' kill '$NAME' >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' kill '$DEB' >/dev/null 2>&1 || true"

json_field() { sed -n "s/.*\"$2\":\"\\{0,1\\}\\([^,\"}]*\\).*/\\1/p" <<<"$1" | head -n1; }
uuid_of() { sed -n 's/^uuid *= *"\(.*\)"/\1/p' "$ROOT/var/lib/lxcmgr/containers/$1/config"; }
# The filesystem type of what the container sees at /sys/fs/cgroup (the last mount there).
cgroup_fstype() {
	lxcmgr exec "$1" -- cat /proc/self/mountinfo |
		awk '$5 == "/sys/fs/cgroup" { for (i = 7; $i != "-"; i++); t = $(i + 1) } END { print t }'
}
# The host's layout: v2 (pure), hybrid (cgroup2 at /sys/fs/cgroup/unified) or v1 (no cgroup2).
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	HOST=v2
elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	HOST=hybrid
else
	HOST=v1
fi
diag "host cgroup layout: $HOST"
# The payload's pids.max and pids.current on the host.
pids_dir() {
	if [ "$HOST" = v2 ]; then echo "/sys/fs/cgroup/lxcmgr.payload.$(uuid_of "$1")"; else echo "/sys/fs/cgroup/pids/lxcmgr.payload.$(uuid_of "$1")"; fi
}

check "create a busybox container" lxcmgr create "$NAME" -t busybox
CONF="$ROOT/var/lib/lxcmgr/containers/$NAME/config"

# --- bad values: refused, the file unchanged ------------------------------------------------------
before=$(sha256sum "$CONF")
run_expect_exit 2 lxcmgr config "$NAME" set cgroup.layout hybrid
like "$ERR" "Invalid value 'hybrid' for 'cgroup.layout'" "a bad layout names the key"
is "$(sha256sum "$CONF")" "$before" "the config is unchanged after the refused set"
printf 'cgroup {\n  layout = "v2"\n}\n' >>"$CONF"
run_expect_exit 2 lxcmgr start "$NAME"
like "$ERR" "config:$(($(wc -l <"$CONF") - 1)): Invalid value 'v2' for 'cgroup.layout'" "a bad layout in the file: refused at start with its line"
head -n -3 "$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF"

# --- "host": the host's layout ------------------------------------------------------------------
run_expect_exit 0 lxcmgr start "$NAME"
case $HOST in
v2) want=cgroup2 ;;
*) want=tmpfs ;;
esac
is "$(cgroup_fstype "$NAME")" "$want" "layout host: /sys/fs/cgroup is the host's ($want)"
if [ "$HOST" = hybrid ]; then
	like "$(lxcmgr exec "$NAME" -- ls /sys/fs/cgroup)" "memory.*unified|unified.*memory" "layout host: v1 hierarchies and unified inside"
else
	ok "layout host: v1 hierarchies and unified inside # SKIP not a hybrid host"
fi
run_expect_exit 0 lxcmgr kill "$NAME"

# --- "unified": cgroup2 alone; limits, exec's leaf, usage and kill ----------------------------------
check "set cgroup.layout unified" lxcmgr config "$NAME" set cgroup.layout unified
check "set limits.pids 20" lxcmgr config "$NAME" set limits.pids 20
if [ "$HOST" = v1 ]; then
	run_expect_exit 1 lxcmgr start "$NAME"
	like "$ERR" 'cgroup.layout = "unified" needs a cgroup2 hierarchy' "v1-only host: unified refused at start with the reason"
	is "$(json_field "$(lxcmgr info "$NAME" --format json)" state)" stopped "v1-only host: nothing left running"
	for i in $(seq 20); do ok "unified container # SKIP v1-only host"; done
	exit 0
fi
run_expect_exit 0 lxcmgr start "$NAME"
is "$(cgroup_fstype "$NAME")" cgroup2 "layout unified: /sys/fs/cgroup is cgroup2"
ls_out=$(lxcmgr exec "$NAME" -- ls /sys/fs/cgroup)
like "$ls_out" "cgroup.procs" "layout unified: its cgroup2 files at /sys/fs/cgroup"
check "layout unified: no v1 hierarchy and no 'unified' directory" \
	test -z "$(grep -xE 'unified|systemd|memory|pids|devices|cpu|cpuacct|cpu,cpuacct|freezer|blkio|cpuset' <<<"$ls_out")"
like "$(lxcmgr exec "$NAME" -- cat /proc/self/cgroup)" "0::/.lxcmgr-exec" "exec joins its leaf /.lxcmgr-exec"
check "the container's root cgroup writable by its root (mkdir)" lxcmgr exec "$NAME" -- mkdir /sys/fs/cgroup/sub
is "$(cat "$(pids_dir "$NAME")/pids.max")" 20 "the payload's pids.max is the limit"
# busybox sh gives up at the first fork that fails (exit 2), with the reason.
lxcmgr exec "$NAME" -- sh -c 'i=0; while [ $i -lt 40 ]; do sleep 60 >/dev/null 2>&1 </dev/null & i=$((i+1)); done' \
	>/dev/null 2>"$_lib_tmp/fork.err" || true
like "$(cat "$_lib_tmp/fork.err")" "fork|Resource temporarily unavailable" "the pids limit stops a 40-process loop inside"
cur=$(cat "$(pids_dir "$NAME")/pids.current")
check "pids.current ($cur) stays within the limit" test "$cur" -le 20
procs=$(lxcmgr info "$NAME" | awk '$1 == "processes" { print $2 }')
like "$procs" '^[0-9]+$' "info counts the processes ($procs)"
check "info's count takes in the processes started inside ($procs)" test "${procs:-0}" -ge 10
like "$(lxcmgr info "$NAME")" "memory +[0-9.]+ MiB" "info shows the memory in use"
UUID=$(uuid_of "$NAME")
run_expect_exit 0 lxcmgr kill "$NAME"
is "$(cgroups_of "$UUID")" "" "kill removes the payload cgroups"

# --- a Debian systemd container in unified mode ---------------------------------------------------
if ! [ -x "$LXCMGR_TEMPLATES_DIR/debian" ]; then
	for i in $(seq 9); do ok "debian # SKIP no debian template"; done
	exit 0
fi
run_expect_exit 0 timeout 600 "$LXCMGR" --root "$ROOT" create "$DEB" -t debian --init systemd
lxcmgr config "$DEB" set cgroup.layout unified >/dev/null
run_expect_exit 0 lxcmgr start "$DEB"
state=$(timeout 60 "$LXCMGR" --root "$ROOT" exec "$DEB" -- sh -c \
	'while :; do s=$(systemctl is-system-running --wait 2>/dev/null); case $s in running|degraded) echo $s; exit;; esac; sleep 0.1; done')
is "$state" running "systemd boots to running in unified mode"
is "$(lxcmgr exec "$DEB" -- systemctl --failed --no-legend --plain)" "" "no failed units"
like "$(lxcmgr exec "$DEB" -- systemd-cgls --no-pager)" "init\.scope.*system\.slice|system\.slice.*init\.scope" "systemd-cgls shows init.scope and system.slice"
like "$(lxcmgr exec "$DEB" -- systemctl status systemd-journald --no-pager)" "CGroup: /system.slice/systemd-journald.service" "systemctl status shows the unit's cgroup"
# Unified mode leaves the v1 hierarchies alone: every service stays in the inner cgroup there,
# below the payload that holds the limits.
if [ "$HOST" = hybrid ]; then
	inner=/sys/fs/cgroup/memory/lxcmgr.payload.$(uuid_of "$DEB")/init
	check "no system.slice in the v1 memory hierarchy" test ! -e "$inner/system.slice"
	check "systemd's services in the payload's v1 memory cgroup ($(wc -l <"$inner/cgroup.procs") processes)" \
		test "$(wc -l <"$inner/cgroup.procs")" -ge 5
else
	for i in 1 2; do ok "v1 hierarchies untouched # SKIP not a hybrid host"; done
fi
run_expect_exit 0 timeout 60 "$LXCMGR" --root "$ROOT" stop "$DEB" -t 30
