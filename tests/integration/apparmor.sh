#!/bin/bash
# AppArmor for real (the VM lane; this project's own kernels have no AppArmor and skip): the
# generated profile loads, a process entering it with aa_change_onexec runs confined, the writes
# and mounts the profile denies fail, the ones it allows work, and "unconfined" is unconfined.
. "$(dirname "$0")/lib.sh"
require_root "loads AppArmor profiles"

HELPER=${top_builddir:-$top_srcdir}/tests/security-helper
export LXCMGR_PROFILES_DIR=${LXCMGR_PROFILES_DIR:-$top_srcdir/configs}
if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
	echo "1..0 # SKIP the kernel has no AppArmor enabled (/sys/module/apparmor/parameters/enabled)"
	_tap_plan=
	exit 0
fi
if ! command -v apparmor_parser >/dev/null && [ ! -x /usr/sbin/apparmor_parser ] && [ ! -x /sbin/apparmor_parser ]; then
	echo "1..0 # SKIP apparmor_parser is not installed (package apparmor)"
	_tap_plan=
	exit 0
fi

plan 30
uuid=$(cat /proc/sys/kernel/random/uuid)
name=lxcmgr-$(echo "$uuid" | tr -d - | cut -c1-16)
defer "'$HELPER' apparmor-unload '$name'"
mnt=$(mktemp -d /tmp/lxcmgr-aa.XXXXXX)
defer "umount -l '$mnt' 2>/dev/null; rmdir '$mnt'"

run_expect_exit 0 "$HELPER" apparmor-load "$uuid"
is "$OUT" "$name" "the generated profile is loaded under its uuid-derived name"
check "the kernel lists the profile" grep -q "^$name (enforce)" /sys/kernel/security/apparmor/profiles

confined() { "$HELPER" apparmor-exec "$name" "$@"; }
is "$(confined cat /proc/self/attr/current)" "$name (enforce)" "aa_change_onexec: the process runs confined"

check "a write to /proc/sysrq-trigger is denied" \
	confined sh -c '! (echo h > /proc/sysrq-trigger) 2>/dev/null'
# (writing the current value back is harmless if the profile were to let it through)
check "a write to host-wide /proc/sys (vm.swappiness) is denied" \
	confined sh -c '! (cat /proc/sys/vm/swappiness > /proc/sys/vm/swappiness) 2>/dev/null'
check "a write to namespaced /proc/sys/net is allowed" \
	confined sh -c 'cat /proc/sys/net/ipv4/ip_forward > /proc/sys/net/ipv4/ip_forward'
check "a tmpfs may be mounted" \
	confined unshare -m --propagation unchanged sh -c "mount -t tmpfs none '$mnt' && umount '$mnt'"
run_expect_exit 32 confined unshare -m --propagation unchanged mount --bind /proc "$mnt"
like "$(dmesg | grep 'apparmor="DENIED" operation="mount"' | tail -1)" "profile=\"$name\".*srcname=\"/proc/\"" \
	"AppArmor denied binding /proc elsewhere (a fresh bind has no masks; the deny rules go by path)"

# The mounts a booting systemd makes (its credential directories, ProtectSystem=, PrivateTmp=)
# work confined; "$mnt" is a tmpfs of the test's own mount namespace.
ns_script() { echo "mount -t tmpfs none '$mnt'; $1"; }
allowed() { check "allowed: $1" confined unshare -m --propagation unchanged sh -ec "$(ns_script "$2")"; }
# denied DESC SCRIPT: works unconfined (so the denial is AppArmor's), fails confined.
denied() {
	if ! unshare -m --propagation unchanged sh -ec "$(ns_script "$2")" >/dev/null 2>&1; then
		not_ok "denied: $1" "the control run without the profile failed too: $2"
	else
		check "denied: $1" confined sh -c '! unshare -m --propagation unchanged sh -ec "$1"' sh "$(ns_script "$2")"
	fi
}
allowed "a ramfs (systemd's credential directories)" "mount -t ramfs none $mnt"
allowed "read-only remount of a bind mount, with nosuid,nodev,noexec,relatime" \
	"mount --bind $mnt $mnt; mount -o remount,bind,ro,nosuid,nodev,noexec,relatime $mnt"
allowed "read-only remount of a bind mount, plain" "mount --bind $mnt $mnt; mount -o remount,bind,ro $mnt"
allowed "bind and recursive bind of a directory" "mkdir $mnt/a $mnt/b; mount --bind $mnt/a $mnt/b; mount --rbind $mnt/a $mnt/b"
allowed "propagation changes" "mount --make-rslave /; mount --make-private $mnt; mount --make-shared $mnt"
# systemd builds a service's mount namespace in a recursive copy of / at /run/systemd/unit-root
# (it exists on every systemd host); the path rules cover that copy too.
allowed "a recursive bind of / to /run/systemd/unit-root (systemd's service namespaces)" \
	"mkdir -p /run/systemd/unit-root; mount --rbind / /run/systemd/unit-root"
denied "reading /proc/kcore through systemd's copy of /" \
	"mkdir -p /run/systemd/unit-root; mount --rbind / /run/systemd/unit-root; head -c1 /run/systemd/unit-root/proc/kcore >/dev/null"
allowed "hostname bound onto itself, recursively (ProtectHostname=)" \
	"mount --rbind /proc/sys/kernel/hostname /proc/sys/kernel/hostname"
denied "a recursive bind of another /proc/sys entry" "touch $mnt/x; mount --rbind /proc/sys/kernel/core_pattern $mnt/x"
denied "a remount that makes a read-only bind mount writable again" \
	"mount --bind $mnt $mnt; mount -o remount,bind,ro $mnt; mount -o remount,bind,rw $mnt"
denied "a superblock remount (without bind)" "mount -o remount,ro $mnt"
denied "binding /sys elsewhere" "mount --bind /sys $mnt"
denied "binding /proc/sysrq-trigger elsewhere" "touch $mnt/x; mount --bind /proc/sysrq-trigger $mnt/x"
denied "a recursive bind of / (brings /proc along)" "mount --rbind / $mnt"
# AppArmor 3.0's parser turns "rw" in a bind rule into any new mount without flags, and the
# read-only remount rule into any new read-only mount: the profile closes both.
denied "a fresh procfs elsewhere, named like a path" "mount -t proc /x $mnt"
denied "a fresh read-only procfs elsewhere" "mount -t proc -o ro proc $mnt"
denied "a fresh read-only sysfs elsewhere" "mount -t sysfs -o ro sys $mnt"
denied "the root disk, read-write" "mount $(findmnt -no SOURCE /) $mnt"
# The new mount API (open_tree + move_mount) is not seen by AppArmor's mount rules on older
# kernels (Debian 12's 6.1); the default seccomp profile refuses it, so a container cannot
# clone /proc out of the path rules' reach that way.
if confined unshare -m --propagation unchanged "$HELPER" mount-clone /proc "$mnt" >/dev/null 2>&1; then
	diag "this kernel's AppArmor lets open_tree+move_mount through: the seccomp profile has to refuse them"
fi
check "denied: cloning /proc elsewhere with open_tree+move_mount, under the default seccomp profile" \
	confined unshare -m --propagation unchanged sh -c "! '$HELPER' seccomp-exec default '$HELPER' mount-clone /proc '$mnt'"
is "$("$HELPER" apparmor-exec unconfined cat /proc/self/attr/current)" "unconfined" "\"unconfined\" really is unconfined"
