#!/bin/bash
# Template cache: first build runs the template, later ones unpack the cache; list, --no-cache,
# refresh, remove, corrupt entries, failing templates, concurrent builds of one key.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 0
fi

LXCMGR=${LXCMGR:-$(dirname "$0")/../../lxcmgr/lxcmgr}
WORK=$(mktemp -d /tmp/lxm-template-cache.XXXXXX)
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

ROOT=$WORK/root
MARK=$WORK/marker
mkdir -p "$ROOT" "$WORK/templates"
export LXCMGR_TEMPLATES_DIR=$WORK/templates
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)

# A fake template following templates/CONTRACT.md; every build appends a line to the marker
# (the environment is cleaned by lxcmgr, so the path is baked in).
. "$(dirname "$0")/fake-template.sh"
fake_template "$WORK/templates/fake" <<EOF
	echo "build \$release" >>"$MARK"
	echo "first line of output"
	if [ "\$release" = fail ]; then echo "boom: last words" >&2; exit 1; fi
	if [ "\$release" = nope ]; then echo "release nope unsupported" >&2; exit 3; fi
	if [ "\$release" = slow ]; then sleep 1; fi
	mkdir -p "\$rootfs/etc" "\$rootfs/sbin" "\$rootfs/bin"
	echo localhost >"\$rootfs/etc/hostname"
	: >"\$rootfs/etc/machine-id"
	echo payload >"\$rootfs/bin/busybox"; chmod 4755 "\$rootfs/bin/busybox"
	ln "\$rootfs/bin/busybox" "\$rootfs/bin/sh"
	ln -s ../bin/busybox "\$rootfs/sbin/init"
	chown 1234:5678 "\$rootfs/etc/hostname"
EOF

KEY=fake-default-$ARCH-busybox
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; FAILED=1; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
builds() { grep -c "^build $1\$" "$MARK" 2>/dev/null || true; }
lx() { "$LXCMGR" --root "$ROOT" "$@"; }
quiet() { "$@" >/dev/null; }
FAILED=0

echo "1..26"

mkdir "$WORK/r1"
out=$(lx template build fake --rootfs "$WORK/r1")
check "first build runs the template" [ "$(builds default)" = 1 ]
check "first build is not from the cache" grep -q '^from_cache=no' <<<"$out"
check "built rootfs keeps hard links, modes and owners" \
	[ "$(stat -c %i "$WORK/r1/bin/busybox")" = "$(stat -c %i "$WORK/r1/bin/sh")" -a \
	  "$(stat -c %a "$WORK/r1/bin/busybox")" = 4755 -a "$(stat -c %u:%g "$WORK/r1/etc/hostname")" = 1234:5678 ]

mkdir "$WORK/r2"
out=$(lx template build fake --rootfs "$WORK/r2")
check "second build comes from the cache (template not run)" [ "$(builds default)" = 1 ]
# what it reports, not how long it took: a wall-clock bound failed on a loaded host (1061 ms)
check "second build reports from_cache" grep -q '^from_cache=yes' <<<"$out"
check "cached rootfs keeps hard links, setuid, owners and symlinks" \
	[ "$(stat -c %i "$WORK/r2/bin/busybox")" = "$(stat -c %i "$WORK/r2/bin/sh")" -a \
	  "$(stat -c %a "$WORK/r2/bin/busybox")" = 4755 -a "$(stat -c %u:%g "$WORK/r2/etc/hostname")" = 1234:5678 -a \
	  "$(readlink "$WORK/r2/sbin/init")" = ../bin/busybox ]

list=$(lx template list)
check "template list shows the key" grep -q "^$KEY .*fake .*default .*$ARCH .*busybox" <<<"$list"
json=$(lx template list --format json)
check "template list --format json has the key and checksum" \
	grep -q "\"key\": *\"$KEY\", *\"template\": *\"fake\".*\"sha256\": *\"[0-9a-f]\{64\}\"" <<<"$json"

out=$(lx template build fake)
check "build without --rootfs on a cached key neither runs the template nor unpacks" \
	[ "$(builds default)" = 1 -a -n "$(grep '^from_cache=yes' <<<"$out")" -a -z "$(ls "$ROOT/var/cache/lxcmgr/templates" | grep -v -e "^$KEY" -e '^\.downloads$')" ]
out=$(lx template build fake --init other)
check "build without --rootfs fills the cache for a new key" \
	[ "$(builds default)" = 2 -a -f "$ROOT/var/cache/lxcmgr/templates/fake-default-$ARCH-other/meta" -a \
	  -z "$(ls "$ROOT/var/cache/lxcmgr/templates" | grep build-)" ]

mkdir "$WORK/r3"
lx template build fake --no-cache --rootfs "$WORK/r3" >/dev/null
check "--no-cache runs the template again" [ "$(builds default)" = 3 ]

mkdir -p "$ROOT/var/cache/lxcmgr/templates/$KEY.tmp-stale/x"
lx template refresh "$KEY"
check "refresh rebuilds" [ "$(builds default)" = 4 -a -f "$ROOT/var/cache/lxcmgr/templates/$KEY/meta" ]
check "a crashed store's temporary directory is removed" [ ! -e "$ROOT/var/cache/lxcmgr/templates/$KEY.tmp-stale" ]

# The entry's template revision: "current" until the template or its lib/ changes, then
# "outdated" (the key alone does not see it) until a refresh; an entry without one is outdated.
status() { lx template list | awk -v k="$1" '$1 == k {print $NF}'; }
meta=$ROOT/var/cache/lxcmgr/templates/$KEY/meta
check "a fresh entry records its template's revision and lists as current" \
	[ -n "$(grep -E '^template_rev=[0-9a-f]{16}$' "$meta")" -a "$(status "$KEY")" = current ]
mkdir -p "$WORK/templates/lib"
echo "# helper" >"$WORK/templates/lib/helper.sh"
check "a change in the template's lib/ makes it outdated (table and json)" \
	[ "$(status "$KEY")" = outdated -a -n "$(lx template list --format json | grep "\"key\": *\"$KEY\".*\"status\": *\"outdated\"")" ]
lx template refresh "$KEY"
check "refresh makes it current again" [ "$(builds default)" = 5 -a "$(status "$KEY")" = current ]
cp "$meta" "$WORK/meta.saved"
sed -i '/^template_rev=/d' "$meta"
check "an entry without a recorded revision (older lxcmgr) lists as outdated" [ "$(status "$KEY")" = outdated ]
cp "$WORK/meta.saved" "$meta"

# Corrupt the cached tarball (same size, different bytes): detected, removed, rebuilt.
tb=$ROOT/var/cache/lxcmgr/templates/$KEY/rootfs.tar.zst
printf 'XXXX' | dd of="$tb" bs=1 seek=100 conv=notrunc status=none
mkdir "$WORK/r4"
err=$(lx template build fake --rootfs "$WORK/r4" 2>&1 >/dev/null)
check "corrupt cache entry is detected and rebuilt" \
	[ "$(builds default)" = 6 -a -n "$(grep -i corrupt <<<"$err")" -a -f "$WORK/r4/etc/hostname" ]
check "rebuilt entry verifies again" quiet lx template build fake --rootfs "$(mkdir "$WORK/r5" && echo "$WORK/r5")"

set +e
err=$(lx template build fake --release fail --rootfs "$(mkdir "$WORK/r6" && echo "$WORK/r6")" 2>&1)
rc=$?
set -e
check "failing template: exit 1, exit code and last lines shown" \
	[ "$rc" = 1 -a -n "$(grep "Template 'fake' failed with exit code 1" <<<"$err")" -a -n "$(grep 'boom: last words' <<<"$err")" ]
check "failing template leaves the rootfs empty and no cache entry" \
	[ -z "$(ls -A "$WORK/r6")" -a ! -e "$ROOT/var/cache/lxcmgr/templates/fake-fail-$ARCH-busybox" ]

# Two concurrent builds of one key: the lock makes the second wait and use the cache.
mkdir "$WORK/c1" "$WORK/c2"
lx template build fake --release slow --rootfs "$WORK/c1" >"$WORK/c1.out" &
p1=$!
lx template build fake --release slow --rootfs "$WORK/c2" >"$WORK/c2.out" &
p2=$!
wait $p1 && wait $p2
check "concurrent builds of one key run the template once" \
	[ "$(builds slow)" = 1 -a -f "$WORK/c1/etc/hostname" -a -f "$WORK/c2/etc/hostname" ]

# cache_dir moved by the global config: build and list both follow it.
mkdir -p "$ROOT/etc/lxcmgr" "$WORK/r7"
echo 'cache_dir = "/othercache"' >"$ROOT/etc/lxcmgr/lxcmgr.conf"
lx template build fake --rootfs "$WORK/r7" >/dev/null
check "cache_dir from the global config is used by build and list" \
	[ -f "$ROOT/othercache/templates/$KEY/meta" -a -n "$(lx template list | grep "^$KEY ")" ]
rm "$ROOT/etc/lxcmgr/lxcmgr.conf"

lx template remove "$KEY"
check "remove deletes the entry" [ -z "$(lx template list | grep "^$KEY ")" ]
set +e
lx template remove "$KEY" 2>/dev/null; rc1=$?
lx template refresh ../../etc 2>/dev/null; rc2=$?
lx template build nosuchtemplate 2>/dev/null; rc3=$?
set -e
check "unknown key, hostile key, unknown template: exit 3 ($rc1 $rc2 $rc3)" [ "$rc1" = 3 -a "$rc2" = 3 -a "$rc3" = 3 ]
set +e
lx template build fake --release nope 2>/dev/null; rc=$?
set -e
check "unsupported release (template exit 3) is a usage error ($rc)" [ "$rc" = 2 ]

exit $FAILED
