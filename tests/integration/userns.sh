#!/bin/bash
# An unprivileged container (security { privileged = false } written in its config): a user
# namespace with root mapped to a subuid range, the rootfs through an id-mapped mount (files keep
# their owners on disk), no device creation. The console ptys come from the container's own devpts,
# so this runs where the host's /dev/pts is read-only too.
. "$(dirname "$0")/lib.sh"
require_root "starts containers"

plan 16

: "${top_builddir:=$top_srcdir}"
export LXCMGR_PROFILES_DIR=${LXCMGR_PROFILES_DIR:-$top_srcdir/configs}
DRIVER=$top_builddir/tests/rt-start-driver
# Not under /tmp: a tmpfs supports id-mapped mounts only from Linux 6.3 on.
ROOT=$(mktemp -d /var/tmp/lxcmgr-userns-root.XXXXXX)
defer "rm -rf '$ROOT'"
CT=$ROOT/var/lib/lxcmgr/containers
T=$(mktemp -d /tmp/lxm-userns.XXXXXX)
defer "rm -rf '$T'"
# lxcmgr delegates a range to root in the real subuid/subgid when none exists: put them back.
for f in /etc/subuid /etc/subgid; do
	if [ -e "$f" ]; then cp -p "$f" "$T/$(basename "$f")"; defer "cp -p '$T/$(basename "$f")' '$f'"; else defer "rm -f '$f'"; fi
done

mkdir -p "$CT/u/rootfs"
"$LXCMGR_TEMPLATES_DIR/busybox" build --rootfs "$CT/u/rootfs" --name u --result "$T/bb.result" >"$T/bb.log" 2>&1
uuid=$(cat /proc/sys/kernel/random/uuid)
# init's first instruction records who owns its cgroups: the hand-over (step 'limits', the
# limits right after it) must be done before init runs, though the child waits for it late.
printf 'name = "u"\nuuid = "%s"\ninit = "/first"\nsecurity {\n  privileged = false\n}\n' "$uuid" >"$CT/u/config"
printf '#!/bin/sh\nstat -c %%u:%%g /sys/fs/cgroup/pids >/owner-at-exec\nexec /sbin/init\n' >"$CT/u/rootfs/first"
chmod 755 "$CT/u/rootfs/first"
defer "for d in /sys/fs/cgroup/*/lxcmgr.payload.$uuid /sys/fs/cgroup/lxcmgr.payload.$uuid; do [ -d \"\$d\" ] && rmdir \"\$d\"; done 2>/dev/null; true"

"$DRIVER" --root "$ROOT" u >"$T/u.out" 2>"$T/u.err" &
DPID=$!
defer "kill -HUP $DPID 2>/dev/null; wait $DPID 2>/dev/null"
for ((i = 0; i < 200; i++)); do
	grep -q '^pid ' "$T/u.out" && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.05
done
PID=$(awk '/^pid /{print $2}' "$T/u.out")
check "an unprivileged busybox container starts" test -n "$PID"
[ -n "$PID" ] || diag "$(cat "$T/u.err")"

start=$(awk -F: '$1 == "root" {print $2; exit}' /etc/subuid)
like "$(cat /proc/$PID/uid_map)" "^ +0 +$start +65536$" "uid 0 inside is host uid $start (root's subuid range)"
like "$(cat /proc/$PID/gid_map)" "^ +0 +$start +65536$" "gid map from subgid"
is "$(awk '/^Uid:/{print $2}' /proc/$PID/status)" "$start" "init runs as the mapped host uid"
in_ct() { nsenter -t "$PID" -a "$@"; }
is "$(in_ct id -u)" "0" "root inside"
check "a file root creates inside" in_ct touch /root/made-inside
is "$(stat -c %u "$CT/u/rootfs/root/made-inside")" "0" "is owned by 0 on disk (id-mapped rootfs, no ownership shift)"
is "$(stat -c %u /proc/$PID/root/root/made-inside)" "$start" "and by the mapped uid seen through the container's mount"
check "mknod of a device is refused inside" in_ct sh -c '! mknod /tmp/sda b 8 0 2>/dev/null'
for ((i = 0; i < 100; i++)); do [ -s "$CT/u/rootfs/owner-at-exec" ] && break; sleep 0.05; done
is "$(cat "$CT/u/rootfs/owner-at-exec" 2>&1)" "0:0" "at init's first instruction its cgroup is handed to its root already"
# The network namespace (steps/network.c) must be owned by the container's user namespace, so
# root inside administers its own links and sysctls and nothing of the host's.
userns=$(readlink /proc/$PID/ns/user | tr -dc 0-9)
# NS_GET_USERNS (0xb701): the owning user namespace of a namespace fd
owner=$(python3 -c 'import fcntl, os, sys; print(os.fstat(fcntl.ioctl(os.open(sys.argv[1], os.O_RDONLY), 0xb701)).st_ino)' /proc/$PID/ns/net)
is "$owner" "$userns" "the network namespace is owned by the container's user namespace"
check "root inside administers its network namespace" in_ct sh -c 'ip link set lo mtu 1280 && ip link show lo | grep -q "mtu 1280"'
host_ttl=$(cat /proc/sys/net/ipv4/ip_default_ttl)
check "its /proc/sys/net is its own (a write inside leaves the host's value)" sh -c "nsenter -t $PID -a sh -c 'echo 77 >/proc/sys/net/ipv4/ip_default_ttl && [ \$(cat /proc/sys/net/ipv4/ip_default_ttl) = 77 ]' && [ \$(cat /proc/sys/net/ipv4/ip_default_ttl) = $host_ttl ]"
kill -HUP "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null || true

# ---- Debian with systemd, unprivileged (from the shared template cache when it is there) ----
cache=$LXCMGR_TEST_CACHE/templates/debian-bookworm-amd64-systemd/rootfs.tar.zst
if [ ! -f "$cache" ]; then
	skip "no cached Debian rootfs ($cache)" 3
	exit 0
fi
mkdir -p "$CT/d/rootfs"
tar --zstd -C "$CT/d/rootfs" --numeric-owner -xpf "$cache" 2>/dev/null
"$LXCMGR_TEMPLATES_DIR/debian" configure --rootfs "$CT/d/rootfs" --name d >/dev/null 2>&1 || true
duuid=$(cat /proc/sys/kernel/random/uuid)
printf 'name = "d"\nuuid = "%s"\nsecurity {\n  privileged = false\n}\n' "$duuid" >"$CT/d/config"
defer "for d in \$(find /sys/fs/cgroup -depth -type d -name 'lxcmgr.payload.$duuid*' 2>/dev/null); do find \"\$d\" -depth -type d -exec rmdir {} \\; ; done 2>/dev/null; true"
"$DRIVER" --root "$ROOT" --console-log "$T/d.console" d >"$T/d.out" 2>"$T/d.err" &
DPID=$!
defer "kill -HUP $DPID 2>/dev/null; wait $DPID 2>/dev/null"
for ((i = 0; i < 200; i++)); do
	grep -q '^pid ' "$T/d.out" && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.05
done
PID=$(awk '/^pid /{print $2}' "$T/d.out")
check "an unprivileged Debian systemd container starts" test -n "$PID"
state=
for ((i = 0; i < 600; i++)); do
	state=$(timeout 120 nsenter -t "$PID" -a systemctl is-system-running --wait 2>&1 || true)
	[[ $state == *"Failed to connect"* ]] || break
	sleep 0.2
done
# Every unit starts, on a v1/hybrid host (the container's cgroups are its root's, /proc/sys is
# read-only: systemd-sysctl skips, the rootfs is id-mapped) and in the VM lane (pure v2, a
# delegated subtree, under the generated AppArmor profile).
is "$state" running "systemd boots unprivileged to running"
if [ "$state" != running ]; then diag "$(nsenter -t "$PID" -a systemctl --failed --no-pager 2>&1)" "$(tail -30 "$T/d.console")"; fi
is "$(awk '/^Uid:/{print $2}' /proc/$PID/status)" "$start" "its init runs as the mapped host uid"
