#!/bin/bash
# The start sequence's own mounts, as the container sees them, and its payload cgroup on a failed
# start: /dev's nodes and ptys are nosuid,noexec binds, the /proc masks read-only and nodev,
# /proc/sys and the other host-wide /proc directories read-only with /proc/sys/net writable (these
# are set with open_tree/mount_setattr/move_mount on detached copies); a start that fails before
# its init joins the payload cgroup (a broken seccomp profile, after the helper that makes the
# payload cgroup early was forked) leaves no payload cgroup behind.
. "$(dirname "$0")/lib.sh"
require_root "starts containers"
plan 16

new_root
use_shared_cache
NAME=$(unique_name rsm)
T=$(mktemp -d /tmp/rt-start-mounts.XXXXXX)
defer "rm -rf '$T'"
defer "'$LXCMGR' --root '$ROOT' kill '$NAME' >/dev/null 2>&1 || true"

check "create a busybox container" lxcmgr create "$NAME" -t busybox
UUID=$(sed -n 's/^uuid *= *"\(.*\)"/\1/p' "$ROOT/var/lib/lxcmgr/containers/$NAME/config")
payload_dirs() { ls -d /sys/fs/cgroup/*/lxcmgr.payload."$UUID" /sys/fs/cgroup/lxcmgr.payload."$UUID" 2>/dev/null; }
defer 'for d in $(payload_dirs); do rmdir "$d"/init "$d" 2>/dev/null; done; true'

# ---- a start failing before the cgroup step leaves no payload cgroup ----
printf 'init_module EPERM\nkexec_lod EPERM\n' >"$T/broken.seccomp"
check "set a broken seccomp profile" lxcmgr config "$NAME" set security.seccomp "$T/broken.seccomp"
run_expect_exit 1 lxcmgr start "$NAME"
is "$(payload_dirs)" "" "the failed start left no payload cgroup"
check "unset the broken profile" lxcmgr config "$NAME" unset security.seccomp

# ---- the mounts' flags inside ----
run_expect_exit 0 lxcmgr start "$NAME"
lxcmgr exec "$NAME" -- cat /proc/self/mountinfo >"$T/mountinfo"
# opts MOUNTPOINT: the per-mount options (field 6) of the topmost mount there
opts() { awk -v m="$1" '$5 == m {o = $6} END {print o}' "$T/mountinfo"; }
has_all() { local o=",$1," f; for f in ${2//,/ }; do [[ $o == *",$f,"* ]] || return 1; done; }
flags_ok() { has_all "$(opts "$1")" "$2" && ok "$1 is $2" || not_ok "$1 is $2" "options: $(opts "$1")"; }
flags_ok /dev/null rw,nosuid,noexec
flags_ok /dev/urandom rw,nosuid,noexec
flags_ok /dev/console rw,nosuid,noexec
flags_ok /dev/tty1 rw,nosuid,noexec
flags_ok /proc/timer_list ro,nodev
flags_ok /proc/sys ro,nosuid,nodev,noexec
flags_ok /proc/irq ro,nosuid,nodev,noexec
flags_ok /proc/sys/net rw,nosuid,nodev,noexec
run_expect_exit 0 lxcmgr kill "$NAME"
no_payload() { [ -z "$(payload_dirs)" ]; }
wait_for 50 no_payload && ok "the payload cgroup is gone after kill" ||
	not_ok "the payload cgroup is gone after kill" "$(payload_dirs)"
