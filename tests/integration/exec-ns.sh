#!/bin/bash
# Which namespaces `exec` joins (runtime/attach.c, ns_flags_for()): every one of init's. Those a
# start always makes (mount, pid, uts, ipc, cgroup) are joined without comparing; user, net and
# time only where they differ from the CLI's, as a container may share them with the host: a
# privileged one the user namespace, one with `type = "none"` the host's network, every one the
# time namespace. Checks, for an unprivileged container on the host's network and a privileged
# one, that the command runs in exactly init's namespaces.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"

plan 10

new_root
use_shared_cache
N=$(unique_name ens)
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
defer "'$LXCMGR' --root '$ROOT' kill '${N}p' >/dev/null 2>&1 || true"

NS="mnt pid uts ipc cgroup user net time"
# The namespaces of the exec'd command (a shell, as the container's /proc shows it), one a line.
exec_ns() {
	local script="" ns
	for ns in $NS; do script="$script readlink /proc/self/ns/$ns;"; done
	lxcmgr exec "$1" -- /bin/sh -c "$script"
}
# init's, as the host sees them, in the same order.
init_ns() {
	local pid ns
	pid=$(lxcmgr info "$1" --format json | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
	for ns in $NS; do readlink "/proc/$pid/ns/$ns" 2>/dev/null || echo "-"; done
}
same_as_host() { [ "$(readlink "/proc/self/ns/$2")" = "$(grep "^$2:" <<<"$1")" ]; }
differs_from_host() { ! same_as_host "$@"; }

check "create an unprivileged busybox container" lxcmgr create "$N" -t busybox
check "on the host's network" lxcmgr config "$N" set network.eth0.type none
check "start it" lxcmgr start "$N"
got=$(exec_ns "$N")
is "$got" "$(init_ns "$N")" "exec runs in init's namespaces: its own user namespace, the host's network"
check "which is the host's network namespace" same_as_host "$got" net
check "and a user namespace of its own" differs_from_host "$got" user

check "create a privileged busybox container" lxcmgr create "${N}p" -t busybox
check "privileged" lxcmgr config "${N}p" set security.privileged true
lxcmgr start "${N}p" >/dev/null
got=$(exec_ns "${N}p")
is "$got" "$(init_ns "${N}p")" "exec runs in init's namespaces: the host's user namespace, its own network"
check "which is the host's user namespace" same_as_host "$got" user
