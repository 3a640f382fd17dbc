#!/bin/bash
# The static lxcmgr's code and read-only data in huge pages (lxcmgr/util/huge-text.c): linked in
# whole 2 MiB blocks at 2 MiB-aligned offsets and addresses (lxcmgr/cli/huge-text.ld), put into
# huge page-cache folios by `lxcmgr __warm-text` (run by the build, `make install` and the boot
# service) and, once they were evicted, by the next start's small monitor; then mapped with one PMD
# per block by a running command. Where this filesystem keeps 4 KiB page-cache folios (no large
# folios: ext4 before Linux 6.16), only the layout is checked.
. "$(dirname "$0")/lib.sh"
require_root "boots a container to run a command in"
if elf_dynamic "$LXCMGR"; then
	echo "1..0 # SKIP lxcmgr is linked dynamically: the 2 MiB layout is the static lxcmgr's"
	exit 0
fi

plan 12

new_root
use_shared_cache
N=$(unique_name ht)
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"

# laid_out KIND: exactly one read-only PT_LOAD segment of that kind (X code, R data) and it is
# whole 2 MiB blocks at a 2 MiB-aligned offset and address.
laid_out() {
	python3 - "$LXCMGR" "$1" <<-'PY'
		import struct, sys
		B = 2 << 20
		with open(sys.argv[1], "rb") as f:
		    h = f.read(64)
		    phoff, = struct.unpack_from("<Q", h, 32)
		    phentsize, phnum = struct.unpack_from("<HH", h, 54)
		    f.seek(phoff)
		    ph = f.read(phentsize * phnum)
		segs = []
		for i in range(phnum):
		    t, fl, off, va, pa, fs, ms, al = struct.unpack_from("<IIQQQQQQ", ph, i * phentsize)
		    if t == 1 and not fl & 2 and ("X" if fl & 1 else "R") == sys.argv[2] and fs >= B:
		        segs.append((off, va, fs, al))
		print(" ".join("off %#x vaddr %#x size %#x align %#x" % s for s in segs))
		sys.exit(0 if len(segs) == 1 and all(v % B == 0 for v in segs[0]) else 1)
	PY
}
check "the code segment is whole 2 MiB blocks at 2 MiB-aligned offsets and addresses" laid_out X
check "so is the read-only data segment" laid_out R

# Whether a 2 MiB write into a file beside lxcmgr becomes one page-cache folio that a mapping maps
# with one PMD: this filesystem's large-folio support, found without lxcmgr.
large_folios_here() {
	python3 - "$(dirname "$LXCMGR")" <<-'PY'
		import mmap, os, sys, tempfile
		def pmd_kb():
		    with open("/proc/self/smaps_rollup") as f:
		        return sum(int(l.split()[1]) for l in f if l.startswith("FilePmdMapped:"))
		fd, path = tempfile.mkstemp(dir=sys.argv[1], prefix=".huge-probe.")
		try:
		    os.write(fd, b"\1" * (2 << 20))
		    before = pmd_kb()
		    m = mmap.mmap(fd, 2 << 20, mmap.MAP_SHARED, mmap.PROT_READ)
		    sum(m[i] for i in range(0, 2 << 20, 4096))
		    sys.exit(0 if pmd_kb() - before >= 2048 else 1)
		finally:
		    os.unlink(path)
	PY
}

check "create a busybox container" lxcmgr create "$N" -t busybox
check "start it" lxcmgr start "$N"
if ! large_folios_here; then
	skip "this filesystem keeps 4 KiB page-cache folios (no large folios): nothing to warm into" 8
	exit 0
fi
# A copy beside lxcmgr, written 4 KiB at a time: its page cache starts in 4 KiB folios.
D=$(mktemp -d "$(dirname "$LXCMGR")/.huge-text.XXXXXX")
defer "rm -rf '$D'"
dd if="$LXCMGR" of="$D/lxcmgr" bs=4k status=none && chmod 755 "$D/lxcmgr"

# pmd_kb BINARY SECONDS: runs BINARY --root ROOT exec N -- sleep SECONDS in the background (the exec's
# CLI waits for its child) and prints FilePmdMapped of its mappings of BINARY, in kB, once they
# reach 4096 or after ~1 s; then waits for it and checks that it succeeded.
pmd_kb() {
	local bin=$1 pid k kb=0 rc=0
	"$bin" --root "$ROOT" exec "$N" -- sleep "$2" &
	pid=$!
	for _ in $(seq 10); do
		sleep 0.1
		k=$(awk -v f="$bin" '/^[0-9a-f]+-[0-9a-f]+ / { in_bin = ($NF == f) }
			in_bin && /^FilePmdMapped:/ { kb += $2 } END { print kb + 0 }' "/proc/$pid/smaps" 2>/dev/null) &&
			[ -n "$k" ] && kb=$k
		[ "$kb" -ge 4096 ] && break
	done
	wait "$pid" || rc=$?
	echo "$kb rc=$rc"
}
is "$(pmd_kb "$D/lxcmgr" 1)" "0 rc=0" "the copy runs from 4 KiB pages (FilePmdMapped 0 kB)"
is "$("$LXCMGR" __warm-text "$D/lxcmgr" 2>&1)" "$D/lxcmgr: 2 of 2 blocks of 2 MiB in huge pages" \
	"__warm-text puts both blocks into huge page-cache folios"
is "$(pmd_kb "$D/lxcmgr" 1)" "4096 rc=0" "then it maps its code and read-only data with one PMD each, and works"

# Idempotent, also while a process maps the blocks (huge already: nothing is dropped).
"$D/lxcmgr" --root "$ROOT" exec "$N" -- sleep 2 &
pid=$!
sleep 0.3
is "$("$LXCMGR" __warm-text "$D/lxcmgr" 2>&1)" "$D/lxcmgr: 2 of 2 blocks of 2 MiB in huge pages" \
	"a second __warm-text, with it running, keeps them"
wait "$pid"

# Evicted (the page cache let the folios go, as memory pressure or DAMON's pageout of cold page
# cache does) and read back by a command into 4 KiB folios: the small monitor that a start of the
# copy hands over to (lxcmgr-monitor beside it, found there first) puts them back.
cp "$(dirname "$LXCMGR")/lxcmgr-monitor" "$D/" && chmod 755 "$D/lxcmgr-monitor"
python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$D/lxcmgr"
is "$(pmd_kb "$D/lxcmgr" 1)" "0 rc=0" "evicted and read back by a command: 4 KiB pages again"
N2=$(unique_name ht)
defer "'$LXCMGR' --root '$ROOT' kill '$N2' >/dev/null 2>&1 || true"
check "create a second container" lxcmgr create "$N2" -t busybox
# small_monitor_runs: the copy's container is served by the copy's lxcmgr-monitor (the hand-over
# happened: the full monitor exec'd it)
small_monitor_runs() {
	local e
	for e in /proc/[0-9]*/exe; do
		[ "$(readlink "$e" 2>/dev/null)" = "$D/lxcmgr-monitor" ] && return 0
	done
	return 1
}
# small_monitor_serves: it answers a state request, which it reads only in its loop, entered
# after the re-warm (lxcmgr/runtime/monitor-small.c, main())
small_monitor_serves() {
	python3 - "$ROOT/run/lxcmgr/$N2/control" <<-'PY'
		import socket, sys
		s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
		s.connect(sys.argv[1])
		s.send(b"state")
		sys.exit(0 if s.recv(256).startswith(b"ok running") else 1)
	PY
}
# (the hand-over 0.5 s after the start's report, when the command that maps the copy has exited)
LXCMGR_MONITOR_SMALL_DELAY_MS=500 "$D/lxcmgr" --root "$ROOT" start "$N2" &&
	wait_for 100 small_monitor_runs && small_monitor_serves
is "$(pmd_kb "$D/lxcmgr" 1)" "4096 rc=0" "a start of it: its small monitor put both blocks back into huge folios"
check "stop -k the second container" "$D/lxcmgr" --root "$ROOT" stop -k "$N2"
