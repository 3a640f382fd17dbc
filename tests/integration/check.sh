#!/bin/bash
# lxcmgr check: one line per feature, exit 0, JSON form. Needs no root.
. "$(dirname "$0")/lib.sh"
plan 6

new_root
run_expect_exit 0 lxcmgr check
like "$OUT" $'namespace.user: (yes|no) \\(' "namespace line"
features="namespace.mnt namespace.net namespace.pid user_namespaces cgroup.layout overlayfs veth bridge macvlan nftables seccomp apparmor pidfd openat2 mount_setattr_idmap"
missing=
for f in $features; do
	grep -qE "^$f: (yes|no) \(.*\)$" <<<"$OUT" || missing+=" $f"
done
is "$missing" "" "every feature has a 'FEATURE: yes|no (detail)' line"
unlike "$OUT" $'\n[^:]+: [^yn]' "no other answers than yes/no"
run_expect_exit 0 lxcmgr check --format json
check "json: array of {feature, supported, detail}" python3 -c '
import json, sys
a = json.loads(sys.argv[1])
assert len(a) >= 15 and all(set(o) == {"feature", "supported", "detail"} for o in a), a
assert any(o["feature"] == "cgroup.layout" for o in a)' "$OUT"
