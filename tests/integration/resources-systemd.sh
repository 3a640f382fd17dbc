#!/bin/bash
# A Debian systemd container started with every limit set still boots to running/degraded (v1
# hybrid: the named systemd hierarchy; v2: the delegated payload), sees its cpuset, and a frozen
# systemd container stops cleanly. Uses the shared template cache (the first run on a machine
# builds the rootfs, ~40 s).
. "$(dirname "$0")/lib.sh"
require_root "boots a systemd container"
plan 11

new_root
use_shared_cache
NAME=$(unique_name rsd)
defer "'$LXCMGR' --root '$ROOT' kill '$NAME' >/dev/null 2>&1 || true"

if ! [ -x "$LXCMGR_TEMPLATES_DIR/debian" ]; then
	skip "no debian template in '$LXCMGR_TEMPLATES_DIR'" 11
	exit 0
fi

run_expect_exit 0 timeout 600 "$LXCMGR" --root "$ROOT" create "$NAME" -t debian --init systemd
for kv in "memory 256M" "memory_high 200M" "pids 512" "cpus 1" "cpuset 0" "cpu_weight 200" "io_weight 200"; do
	lxcmgr config "$NAME" set "limits.${kv% *}" "${kv#* }" >/dev/null
done
run_expect_exit 0 lxcmgr start "$NAME"
state=
for _ in $(seq 60); do
	state=$(lxcmgr exec "$NAME" -- systemctl is-system-running 2>/dev/null || true)
	case "$state" in running | degraded) break ;; esac
	sleep 0.5
done
like "$state" '^(running|degraded)$' "systemd boots with limits ($state)"
run_expect_exit 0 lxcmgr exec "$NAME" -- systemctl --failed --no-legend --plain
diag "failed units: ${OUT:-none}"
run_expect_exit 0 lxcmgr exec "$NAME" -- nproc
is "$OUT" 1 "nproc inside systemd shows cpuset 0"
run_expect_exit 0 lxcmgr limit "$NAME"
like "$OUT" 'memory +256M +256M' "limit shows the memory limit in force"
run_expect_exit 0 lxcmgr freeze "$NAME"
run_expect_exit 0 timeout 30 "$LXCMGR" --root "$ROOT" stop "$NAME" -t 20
like "$(lxcmgr info "$NAME" --format json)" '"last_exit":"clean"' "a frozen systemd container stops cleanly"
