#!/bin/bash
# The static lxcmgr maps what a command touches in one system call per range instead of a page
# fault per page (lxcmgr/cli/front.c): its code and read-only data (MADV_POPULATE_READ), the
# writable data the static-pie relocation writes, the end of .bss and the top of the stack
# (MADV_POPULATE_WRITE), and once exec allocates, the next pages of its heap (cmd-exec.c). Checks
# that the entry point and exec ask for all of them and the kernel did it,
# that a command sent to lxcmgr-full does not pay for it, that exec still works with its child on
# the prefaulted part of the CLI's stack, and (where perf counts page faults) that an exec takes a
# few page faults of its own where it took ~70.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
if elf_dynamic "$LXCMGR"; then
	echo "1..0 # SKIP lxcmgr is linked dynamically: the prefault is the static entry point's"
	exit 0
fi
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }

plan 12

new_root
use_shared_cache
N=$(unique_name pf)
T=$(mktemp -d)
defer "rm -rf '$T'"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"

# glibc's static start-up asks for the program's directory (readlink of /proc/self/exe, ~0.25 ms
# as the first /proc lookup of a new process here) for a dlopen() this binary never does: wrapped
# (front.c, --wrap=_dl_get_origin).
strace -qq -f -e trace=readlink,readlinkat -e signal=none -o "$T/origin" "$LXCMGR" --version >/dev/null 2>&1
is "$(grep -c '/proc/self/exe' "$T/origin" || true)" 0 "the static start-up does not read /proc/self/exe"
check "create a busybox container" lxcmgr create "$N" -t busybox
check "start it" lxcmgr start "$N"

# The madvise() calls of lxcmgr itself (not of the command), one a line.
madvises() {
	strace -qq -e trace=madvise -e signal=none -o "$T/trace" "$@" >/dev/null 2>&1
	grep -o 'MADV_POPULATE_[A-Z]*) = [-0-9]*' "$T/trace" || true
}
out=$(madvises "$LXCMGR" --root "$ROOT" exec "$N" -- /bin/true)
is "$(grep -c 'MADV_POPULATE_READ) = 0$' <<<"$out")" 3 \
	"exec: the headers, the code and the read-only data are mapped in one call each"
is "$(grep -c 'MADV_POPULATE_WRITE) = 0$' <<<"$out")" 4 \
	"exec: the relocated data, the end of .bss, the top of the stack and the heap's next pages"
is "$(grep -c ") = -" <<<"$out")" 0 "and the kernel did all of them"
out=$(madvises "$LXCMGR" --root "$ROOT" config "$N" get uuid)
is "$out" "" "a command run in lxcmgr-full is not prefaulted first"

# The child runs on a part of the CLI's stack: what it does before the exec still works, and the
# CLI is intact after it (it reports the command's exit code and the child's errors).
run_expect_exit 0 lxcmgr exec "$N" -u nobody -e A=1 -w /tmp -- /bin/sh -c \
	'[ "$(id -un)" = nobody ] && [ "$A" = 1 ] && [ "$PWD" = /tmp ]'
run_expect_exit 9 lxcmgr exec "$N" -- /bin/sh -c 'exit 9'
run_expect_exit 1 lxcmgr exec "$N" -u no-such-user -- /bin/true
like "$ERR" "Unknown user or group 'no-such-user'" "the child's error reaches the CLI, naming the user"

# Page faults are what the prefault saves (each an exit to the hypervisor in a VM without nested
# paging): the count of the exceptions (perf's page-faults event; the kernel's min_flt counts
# every prefaulted page as well). lxcmgr's own: the exec's minus the command's alone (the
# container's /bin/true is busybox, static, run here on the host the same way).
faults() { perf stat -x, -e page-faults "$@" 2>&1 >/dev/null | awk -F, '/page-faults/ { print $1 }'; }
if command -v perf >/dev/null && [[ "$(faults /bin/true)" =~ ^[0-9]+$ ]]; then
	BB="$ROOT/var/lib/lxcmgr/containers/$N/rootfs/bin/busybox"
	best=1000000
	for _ in 1 2 3 4 5; do
		f=$(($(faults "$LXCMGR" --root "$ROOT" exec "$N" -- /bin/true) - $(faults "$BB" true)))
		[ "$f" -lt "$best" ] && best=$f
	done
	diag "page faults of lxcmgr's own in an exec: $best"
	check "an exec takes fewer than 30 page faults of its own (~70 without the prefault)" [ "$best" -lt 30 ]
else
	skip "perf cannot count page faults here" 1
fi
