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

plan 11
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
is "$("$HELPER" apparmor-exec unconfined cat /proc/self/attr/current)" "unconfined" "\"unconfined\" really is unconfined"
