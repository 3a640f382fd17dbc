#!/bin/bash
# The cgroup v2 device program: attached to a cgroup, it lets processes inside open the allowed
# devices (null, a configured one) and refuses a device nobody listed, even as root; mknod stays
# allowed. Runs on pure v2 (the VM lane) and on the unified hierarchy of a v1 hybrid host.
. "$(dirname "$0")/lib.sh"
require_root "attaches BPF programs to cgroups"

HELPER=${top_builddir:-$top_srcdir}/tests/security-helper
cg2=
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	if [ "$(stat -fc %T "$d" 2>/dev/null)" = cgroup2fs ]; then cg2=$d; break; fi
done
if [ -z "$cg2" ]; then
	echo "1..0 # SKIP no cgroup2 hierarchy mounted"
	_tap_plan=
	exit 0
fi

plan 8
cg="$cg2/lxcmgr-test-devices-$$"
dev=$(mktemp -d /tmp/lxcmgr-devices.XXXXXX)
defer "rm -rf '$dev'"
cg_ro="$cg2/lxcmgr-test-devices-ro-$$"
mkdir "$cg" "$cg_ro"
defer "rmdir '$cg' '$cg_ro'"
mknod "$dev/null" c 1 3
mknod "$dev/kmsg" c 1 11   # /dev/kmsg: not on the allow-list

check "the device program loads and attaches" "$HELPER" devices-attach "$cg"
check "outside the cgroup the disallowed node opens" head -c0 "$dev/kmsg"

# Each probe runs in a shell that first moves itself into the cgroup.
inside() {
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && eval "$@"' sh "$cg" "$@"
}
check "inside: an allowed device opens for reading and writing" inside ": <> '$dev/null'"
run_expect_exit 1 inside "head -c0 '$dev/kmsg'"
like "$ERR" "Operation not permitted" "inside: a device not on the list cannot be opened"
check "inside: mknod of any node stays allowed" inside "mknod '$dev/loop' b 7 0"

# A configured rule adds a device, with only the access it names.
check "a configured read-only rule is accepted" "$HELPER" devices-attach "$cg_ro" "c 1:11 r"
check "inside: the configured device opens for reading, not for writing" \
	sh -c 'echo $$ > "$1/cgroup.procs" && head -c0 "$2" && ! (: > "$2") 2>/dev/null' sh "$cg_ro" "$dev/kmsg"
