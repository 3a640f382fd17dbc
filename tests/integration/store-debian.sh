#!/bin/bash
# A Debian systemd container through the shared template cache (the first run on a machine
# builds it with mmdebstrap, ~40 s; later runs unpack the cache).
. "$(dirname "$0")/lib.sh"
require_root
plan 9

new_root
use_shared_cache
name=$(unique_name deb)
containers="$ROOT/var/lib/lxcmgr/containers"

if ! [ -x "$LXCMGR_TEMPLATES_DIR/debian" ]; then
	skip "no debian template in '$LXCMGR_TEMPLATES_DIR'" 9
	exit 0
fi

run_expect_exit 0 lxcmgr create "$name" -t debian --init systemd
check "systemd is the init" bash -c "readlink '$containers/$name/rootfs/sbin/init' | grep -q systemd"
is "$(cat "$containers/$name/rootfs/etc/hostname" 2>/dev/null)" "$name" "hostname personalised"
check "machine-id empty" test ! -s "$containers/$name/rootfs/etc/machine-id"
run_expect_exit 0 lxcmgr list --format json
check "listed as debian/systemd" python3 -c '
import json, sys
o = [c for c in json.loads(sys.argv[1]) if c["name"] == sys.argv[2]][0]
assert o["template"] == "debian" and o["init"] == "systemd" and o["release"], o' "$OUT" "$name"
start=$(date +%s%N)
run_expect_exit 0 lxcmgr create "$name-2" -t debian --init systemd
ms=$(( ($(date +%s%N) - start) / 1000000 ))
diag "second debian create (from the cache): ${ms} ms"
run_expect_exit 0 lxcmgr destroy "$name"
is "$(ls "$containers")" "$name-2" "only the second one left"
