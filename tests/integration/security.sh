#!/bin/bash
# Security of a started container (through tests/rt-start-driver): the seccomp filter is on init
# and blocks what the profile says, settings "none" and no_new_privs do what they say, a broken
# profile stops the start with its line number, and the device allow-list keeps a device node the
# container makes itself from being opened.
. "$(dirname "$0")/lib.sh"
require_root "starts containers"
plan 22

: "${top_builddir:=$top_srcdir}"
export LXCMGR_PROFILES_DIR=${LXCMGR_PROFILES_DIR:-$top_srcdir/configs}
DRIVER=$top_builddir/tests/rt-start-driver
HELPER=$top_builddir/tests/security-helper
new_root
CT=$ROOT/var/lib/lxcmgr/containers
T=$(mktemp -d /tmp/lxm-sec.XXXXXX)
defer "rm -rf '$T'"
UUIDS=()

# Privileged (the explicit opt-in): the device allow-list matters where root may mknod; the
# unprivileged mode is userns.sh's and the escape tests'.
new_ct() {
	local name=$1 extra=${2:-} uuid
	if [[ $extra == *"security {"* ]]; then
		extra=${extra/security \{/security \{ privileged = true}
	else
		extra="security { privileged = true }
$extra"
	fi
	uuid=$(cat /proc/sys/kernel/random/uuid)
	UUIDS+=("$uuid")
	mkdir -p "$CT/$name"
	cp -a "$BB" "$CT/$name/rootfs"
	printf 'name = "%s"\nuuid = "%s"\n%s\n' "$name" "$uuid" "$extra" >"$CT/$name/config"
	UUID=$uuid
}
start_ct() {
	local i
	"$DRIVER" --root "$ROOT" "$1" >"$T/$1.out" 2>"$T/$1.err" &
	DPID=$!
	defer "kill -HUP $DPID 2>/dev/null; wait $DPID 2>/dev/null"
	for ((i = 0; i < 200; i++)); do
		grep -q '^pid ' "$T/$1.out" && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	PID=$(awk '/^pid /{print $2}' "$T/$1.out")
	[ -n "$PID" ]
}
stop_ct() {
	kill -HUP "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null || true
}
status_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
payload_procs() {
	local f
	# the inner cgroup, where the container's processes run: on v2 the payload hands its
	# controllers to it and takes no process itself; the device list covers both
	for f in /sys/fs/cgroup/devices/lxcmgr.payload."$UUID"/init/cgroup.procs /sys/fs/cgroup/lxcmgr.payload."$UUID"/init/cgroup.procs; do
		if [ -e "$f" ]; then echo "$f"; return; fi
	done
}
defer 'for u in "${UUIDS[@]}"; do for d in /sys/fs/cgroup/*/lxcmgr.payload."$u" /sys/fs/cgroup/lxcmgr.payload."$u"; do [ -d "$d" ] && rmdir "$d"/init "$d"; done; done 2>/dev/null; true'

BB=$T/bb-rootfs
mkdir -p "$BB"
"$LXCMGR_TEMPLATES_DIR/busybox" build --rootfs "$BB" --name bb --result "$T/bb.result" >"$T/bb.log" 2>&1

# ---- defaults: seccomp "default", no no_new_privs, device allow-list ----
new_ct sec
check "a container with the default security starts" start_ct sec
is "$(status_field "$PID" Seccomp)" "2" "init runs under a seccomp filter"
is "$(status_field "$PID" NoNewPrivs)" "0" "no_new_privs is off by default (setuid works inside)"
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
	is "$(cat /proc/$PID/attr/current)" "lxcmgr-$(echo "$UUID" | tr -d - | cut -c1-16) (enforce)" "init runs confined by its generated AppArmor profile"
else
	skip "no AppArmor in this kernel: init runs unconfined"
fi

# A process of the container (its namespaces and its cgroup) makes a node for a device not on the
# list: /dev/kmsg, the host's kernel log (a block device of the host would do as well, but this
# machine's own sandbox already refuses those, so the control below could not pass).
procs=$(payload_procs)
check "the payload cgroup carries the device allow-list" test -n "$procs"
check "control: outside the payload cgroup a node made inside opens" \
	nsenter -t "$PID" -a sh -c "mknod /dev/lxm-kmsg c 1 11 && head -c0 /dev/lxm-kmsg"
run_expect_exit 1 sh -c "echo \$\$ > '$procs' && exec nsenter -t $PID -a head -c0 /dev/lxm-kmsg"
like "$ERR" "Operation not permitted" "in the container's cgroup a device not on the list cannot be opened"
check "the container cannot widen its own device list (devices.allow)" \
	nsenter -t "$PID" -a sh -c '! (echo a > /sys/fs/cgroup/devices/devices.allow) 2>/dev/null && ! grep -q "^a " /sys/fs/cgroup/devices/devices.list'
check "inside the cgroup /dev/null still works" sh -c "echo \$\$ > '$procs' && exec nsenter -t $PID -a sh -c 'echo x > /dev/null'"
stop_ct

# ---- seccomp = "none", no_new_privs = true ----
new_ct plain 'security {
  seccomp = "none"
  no_new_privs = true
}'
check "a container with seccomp = \"none\" starts" start_ct plain
is "$(status_field "$PID" Seccomp)" "0" "seccomp = \"none\": no filter"
is "$(status_field "$PID" NoNewPrivs)" "1" "no_new_privs = true reaches init"
stop_ct

# ---- a broken profile fails the start, naming file and line ----
printf '# ok\ninit_module EPERM\nkexec_lod EPERM\n' >"$T/broken.seccomp"
new_ct broken "security {
  seccomp = \"$T/broken.seccomp\"
}"
run_expect_exit 1 "$DRIVER" --root "$ROOT" broken
like "$ERR" "broken.seccomp:3: unknown system call" "a broken seccomp profile stops the start with its line number"

# ---- info says what applies, and why AppArmor does not where the kernel lacks it ----
check "create a container through the CLI" lxcmgr create infoct -t busybox
info=$(lxcmgr info infoct)
like "$info" "seccomp +default deny-list" "info names the seccomp profile"
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
	like "$info" "apparmor +lxcmgr-[0-9a-f]{16} \\(generated\\)" "info names the generated AppArmor profile"
else
	like "$info" "apparmor +not applied: the host kernel has no AppArmor" "info says the profile is not applied, and why"
fi

# ---- exec: the command gets the container's filter too ----
defer "'$LXCMGR' --root '$ROOT' kill infoct >/dev/null 2>&1 || true"
check "the container starts through the CLI" lxcmgr start infoct
like "$(lxcmgr exec infoct -T -- cat /proc/self/status)" $'Seccomp:\t2' "an exec'd command runs under the seccomp filter"
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
	like "$(lxcmgr exec infoct -T -- cat /proc/self/attr/current)" "^lxcmgr-[0-9a-f]{16} \\(enforce\\)$" "an exec'd command runs confined too"
else
	skip "no AppArmor in this kernel"
fi
check "the container is killed" lxcmgr kill infoct
