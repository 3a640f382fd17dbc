#!/bin/bash
# Runs tests/unit/test-cgroup-real on a pure cgroup v2 host: Debian's kernel under qemu
# (DESIGN.md section 4), booted into a throwaway initramfs (busybox, the test, its libraries) that
# mounts cgroup2 at /sys/fs/cgroup. Not part of make check: needs qemu and a kernel image.
# Usage: tests/vm/cgroup-v2-qemu.sh [VMLINUZ]   (or LXCMGR_VM_KERNEL=...)
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${top_builddir:-$src}
kernel=${1:-${LXCMGR_VM_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | tail -n1)}}
[ -r "$kernel" ] || { echo "cgroup-v2-qemu: no kernel image (pass VMLINUZ)"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "cgroup-v2-qemu: needs qemu-system-x86"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/bin "$root"/proc "$root"/sys "$root"/dev "$root"/tmp

# Without sanitizers: the initramfs stays small (libasan pulls in half of /usr/lib).
gcc -O1 -g -include "$build/config.h" -I"$src/lxcmgr" -I"$src" \
	"$src/tests/unit/test-cgroup-real.c" "$src"/lxcmgr/cgroup/*.c "$src/lxcmgr/util/log.c" \
	-lcmocka -l:libuuid.a -o "$root/test"
for lib in $(ldd "$root/test" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do
	cp --parents -L "$lib" "$root"
done
cp /bin/busybox "$root/bin/busybox"
for a in sh mount mkdir poweroff cat; do ln -s busybox "$root/bin/$a"; done
cat >"$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
echo "LXM-VM kernel $(cat /proc/sys/kernel/osrelease) controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
/test
echo "LXM-VM-RESULT $?"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd"

# TCG: /dev/kvm may exist in a nested VM without working (it hangs there).
timeout 180 qemu-system-x86_64 -machine accel=tcg -cpu max -m 512 -smp 2 -nographic -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd" \
	-append "console=ttyS0 rdinit=/init panic=-1 quiet" </dev/null | tee "$work/console.log" |
	grep -aE '(LXM-VM|^\[|cleanup|leftover|notes)' || true
rc=$(sed -n 's/^LXM-VM-RESULT \([0-9]*\).*/\1/p' "$work/console.log" | tr -d '\r')
[ -n "$rc" ] || { echo "cgroup-v2-qemu: the VM did not report a result"; tail -n 30 "$work/console.log"; exit 1; }
exit "$rc"
