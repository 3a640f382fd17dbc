#!/bin/bash
# tests/shared-cache-sync: the shared test template cache loses its template entries (and their
# overlay bases) when this tree's templates differ from those that built them, keeps them when they
# do not, and never touches the Debian package downloads. Runs on a fake cache (no root needed).
. "$(dirname "$0")/lib.sh"

plan 7
SYNC=$top_srcdir/tests/shared-cache-sync
C=$_lib_tmp/cache
T=$_lib_tmp/templates
cp -r "$top_srcdir/templates" "$T"
mkdir -p "$C/templates/busybox-default-amd64-busybox" "$C/overlay-bases/busybox-default-amd64-busybox-0123abcd" \
	"$C/overlay-bases/other-key-4567" "$C/debian/archives-bookworm-amd64"
echo x >"$C/templates/busybox-default-amd64-busybox/meta"
echo deb >"$C/debian/archives-bookworm-amd64/a.deb"

check "first run succeeds" env LXCMGR_TEST_CACHE="$C" "$SYNC" "$T"
check "an entry of unknown templates is dropped with its overlay base" \
	test ! -e "$C/templates/busybox-default-amd64-busybox" -a ! -e "$C/overlay-bases/busybox-default-amd64-busybox-0123abcd"
check "other keys' bases and the package downloads stay" \
	test -d "$C/overlay-bases/other-key-4567" -a -f "$C/debian/archives-bookworm-amd64/a.deb"

mkdir -p "$C/templates/busybox-default-amd64-busybox"
echo x >"$C/templates/busybox-default-amd64-busybox/meta"
env LXCMGR_TEST_CACHE="$C" "$SYNC" "$T"
check "an entry built by the same templates stays" test -f "$C/templates/busybox-default-amd64-busybox/meta"

echo "# a change" >>"$T/lib/prepare.sh"
check "a template change: second run succeeds" env LXCMGR_TEST_CACHE="$C" "$SYNC" "$T"
check "the entry built by the old templates is dropped" test ! -e "$C/templates/busybox-default-amd64-busybox"
check "the new templates' hash is recorded" test -s "$C/templates.rev"
