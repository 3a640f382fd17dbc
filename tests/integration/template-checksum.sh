#!/bin/bash
# The cache tarball's sha256 is checked while it is unpacked (one read): a tarball that unpacks
# cleanly but is not the one recorded in meta (here: re-packed with an extra member, meta's size
# adjusted so only the checksum can tell) is detected after the unpack, the half-used rootfs is
# emptied and the entry rebuilt; nothing of the foreign tarball stays. Also: a sparse file stays
# sparse through the cache (the unpack no longer punches holes itself, the archive's map does).
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 0
fi

LXCMGR=${LXCMGR:-$(dirname "$0")/../../lxcmgr/lxcmgr}
WORK=$(mktemp -d /tmp/lxm-template-checksum.XXXXXX)
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

ROOT=$WORK/root
MARK=$WORK/marker
mkdir -p "$ROOT" "$WORK/templates"
export LXCMGR_TEMPLATES_DIR=$WORK/templates
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)

. "$(dirname "$0")/fake-template.sh"
fake_template "$WORK/templates/fake" <<EOF
	echo build >>"$MARK"
	mkdir -p "\$rootfs/etc" "\$rootfs/bin"
	echo localhost >"\$rootfs/etc/hostname"
	: >"\$rootfs/etc/machine-id"
	echo payload >"\$rootfs/bin/busybox"
	truncate -s 64M "\$rootfs/sparse"
	printf data | dd of="\$rootfs/sparse" bs=1 seek=1048576 conv=notrunc status=none
EOF

KEY=fake-default-$ARCH-busybox
ENTRY=$ROOT/var/cache/lxcmgr/templates/$KEY
n=0
FAILED=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; FAILED=1; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
builds() { grep -c "^build\$" "$MARK" 2>/dev/null || true; }
lx() { "$LXCMGR" --root "$ROOT" "$@"; }

echo "1..9"

lx template build fake --rootfs "$(mkdir "$WORK/r1" && echo "$WORK/r1")" >/dev/null
out=$(lx template build fake --rootfs "$(mkdir "$WORK/r2" && echo "$WORK/r2")")
check "an intact entry unpacks from the cache with the checksum read on the way" \
	[ "$(builds)" = 1 -a -n "$(grep '^from_cache=yes' <<<"$out")" -a "$(cat "$WORK/r2/bin/busybox")" = payload ]

check "a sparse file stays sparse through the cache ($(du -k "$WORK/r2/sparse" | cut -f1) KiB of 64 MiB)" \
	[ "$(du -k "$WORK/r2/sparse" | cut -f1)" -lt 1024 -a "$(stat -c %s "$WORK/r2/sparse")" = 67108864 -a \
	  "$(dd if="$WORK/r2/sparse" bs=1 skip=1048576 count=4 status=none)" = data ]

# The unpack of r2 left the entry's base (image/cache-base.h), checked when it was unpacked: the
# next unpack would copy it and never read the tarball again. Removed, so the tarball is read.
check "the unpack from the cache left the entry's unpacked base" test -d "$ROOT"/var/cache/lxcmgr/overlay-bases/$KEY-*
rm -rf "$ROOT/var/cache/lxcmgr/overlay-bases"

# A different, valid tarball under the same meta: the extra member would survive if the checksum
# were not checked (or checked only before a second read).
mkdir "$WORK/repack"
tar -C "$WORK/repack" --zstd -xf "$ENTRY/rootfs.tar.zst"
echo foreign >"$WORK/repack/foreign-member"
tar -C "$WORK/repack" --zstd --numeric-owner -cf "$WORK/foreign.tar.zst" .
cp "$WORK/foreign.tar.zst" "$ENTRY/rootfs.tar.zst"
sed -i "s/^size=.*/size=$(stat -c %s "$ENTRY/rootfs.tar.zst")/" "$ENTRY/meta"
check "the foreign tarball unpacks cleanly (only the checksum can tell)" \
	tar -C "$(mkdir "$WORK/probe" && echo "$WORK/probe")" --zstd -xf "$ENTRY/rootfs.tar.zst"

set +e
err=$(lx template build fake --rootfs "$(mkdir "$WORK/r3" && echo "$WORK/r3")" 2>&1 >/dev/null)
rc=$?
set -e
check "exit 0: the mismatch is reported and the entry rebuilt" [ "$rc" = 0 -a "$(builds)" = 2 ]
check "the warning names the corrupt entry" grep -qi "corrupt" <<<"$err"
check "nothing of the foreign tarball stays in the rootfs" \
	[ ! -e "$WORK/r3/foreign-member" -a "$(cat "$WORK/r3/bin/busybox")" = payload ]
check "the rebuilt entry is intact again" \
	[ "$(sha256sum <"$ENTRY/rootfs.tar.zst" | cut -d' ' -f1)" = "$(sed -n 's/^sha256=//p' "$ENTRY/meta")" ]

# A corrupt entry whose unpack fails with something other than a refusal (here ENOTDIR: a member
# below a regular file) is still recognised by its checksum and rebuilt, not a failed create.
python3 - "$WORK/notdir.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for name, data in (("./etc", b"x"), ("./etc/hostname", b"h\n")):
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
PY
zstd -q -f "$WORK/notdir.tar" -o "$ENTRY/rootfs.tar.zst"
sed -i "s/^size=.*/size=$(stat -c %s "$ENTRY/rootfs.tar.zst")/" "$ENTRY/meta"
set +e
err=$(lx template build fake --rootfs "$(mkdir "$WORK/r4" && echo "$WORK/r4")" 2>&1 >/dev/null)
rc=$?
set -e
check "exit 0: an entry failing to unpack for another reason is rebuilt when its checksum is wrong ($rc)" \
	[ "$rc" = 0 -a "$(builds)" = 3 -a "$(cat "$WORK/r4/bin/busybox")" = payload ]
exit $FAILED
