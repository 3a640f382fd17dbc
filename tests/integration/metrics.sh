#!/bin/bash
# lxcmgr metrics on real containers: a running busybox container has memory, CPU and pids figures
# from its cgroup, a stopped one only its state (no made-up zeros), --disk adds the rootfs size,
# every line has the exposition format's shape, and an unknown name exits 3.
. "$(dirname "$0")/lib.sh"
require_root "boots a container"
plan 12

new_root
RUN=$(unique_name mr)
OFF=$(unique_name mo)
defer "'$LXCMGR' --root '$ROOT' kill '$RUN' >/dev/null 2>&1; true"
check "create two busybox containers" eval "lxcmgr create '$RUN' -q && lxcmgr create '$OFF' -q"
check "start one" lxcmgr start "$RUN" -q

run_expect_exit 0 lxcmgr metrics --disk
m=$OUT
like "$m" "lxcmgr_container_state\\{name=\"$RUN\",state=\"running\"\\} 1" "running state"
like "$m" "lxcmgr_container_memory_bytes\\{name=\"$RUN\"\\} [1-9][0-9]*" "memory of the running one"
like "$m" "lxcmgr_container_pids\\{name=\"$RUN\"\\} [1-9][0-9]*" "pids of the running one"
unlike "$m" "lxcmgr_container_memory_bytes\\{name=\"$OFF\"\\}" "no memory figure for the stopped one"
like "$m" "lxcmgr_container_disk_bytes\\{name=\"$OFF\"\\} [1-9][0-9]*" "--disk: rootfs size of the stopped one"
# Every line: a HELP/TYPE comment or NAME{name="..."[,k="v"]} NUMBER.
bad=$(printf '%s\n' "$m" | grep -vE '^# (HELP|TYPE) lxcmgr_[a-z_]+ .+$' |
	grep -vE '^lxcmgr_[a-z_]+\{name="[^"\\]*"(,[a-z]+="[^"\\]*")*\} [0-9]+(\.[0-9]+)?$' || true)
is "$bad" "" "every line has the exposition format's shape"
run_expect_exit 3 lxcmgr metrics nosuch-container
run_expect_exit 0 lxcmgr stats --format prometheus "$RUN"
like "$OUT" "lxcmgr_container_memory_bytes\\{name=\"$RUN\"\\} [1-9][0-9]*" "stats --format prometheus prints the metrics"
