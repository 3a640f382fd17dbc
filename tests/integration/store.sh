#!/bin/bash
# The container store through the CLI: create/list/info/destroy with busybox and a tarball,
# names, duplicates, missing containers, --root isolation.
. "$(dirname "$0")/lib.sh"
require_root
plan 68

new_root
name=$(unique_name bb)

# --- busybox from the template
run_expect_exit 0 lxcmgr create "$name" -t busybox
containers="$ROOT/var/lib/lxcmgr/containers"
check "rootfs has busybox init" test -e "$containers/$name/rootfs/sbin/init"
check "config written" test -s "$containers/$name/config"
# Regression: a relative LXCMGR_TEMPLATES_DIR broke templates, which run from '/'.
new_root RELROOT
check "a relative LXCMGR_TEMPLATES_DIR works" env -C "$(dirname "$LXCMGR_TEMPLATES_DIR")" \
	LXCMGR_TEMPLATES_DIR="$(basename "$LXCMGR_TEMPLATES_DIR")" "$LXCMGR" --root "$RELROOT" create "$name" -t busybox
is "$(ls -A "$containers")" "$name" "nothing but the container in the store"
is "$(cat "$containers/$name/rootfs/etc/hostname" 2>/dev/null)" "$name" "hostname personalised"

run_expect_exit 0 lxcmgr list
like "$OUT" "^NAME +STATE" "list has a header"
like "$OUT" "$name +stopped +- +- +busybox +busybox" "list row: name, state, init, template"

run_expect_exit 0 lxcmgr list --format json
check "list json parses and has the fields" python3 -c '
import json, sys
a = json.loads(sys.argv[1]); o = a[0]
assert len(a) == 1 and o["name"] == sys.argv[2] and o["state"] == "stopped", a
assert o["template"] == "busybox" and o["init"] == "busybox" and o["pid"] is None, o
assert len(o["uuid"]) == 36 and "release" in o, o' "$OUT" "$name"

run_expect_exit 0 lxcmgr info "$name"
like "$OUT" "state +stopped" "info shows the state"
like "$OUT" "uuid +[0-9a-f-]{36}" "info shows the uuid"
run_expect_exit 0 lxcmgr info "$name" --format json --disk
check "info json parses" python3 -c '
import json, sys
o = json.loads(sys.argv[1])
assert o["name"] == sys.argv[2] and o["state"] == "stopped" and o["template"] == "busybox", o
assert o["paths"]["rootfs"].endswith("/" + sys.argv[2] + "/rootfs"), o
assert o["disk_bytes"] > 100000, o' "$OUT" "$name"

# --- duplicate, missing, invalid names
run_expect_exit 4 lxcmgr create "$name" -t busybox
like "$ERR" "already exists" "duplicate create says why"
run_expect_exit 3 lxcmgr destroy "nope-$name"
run_expect_exit 3 lxcmgr info "nope-$name"
for bad in "Upper" "-lead" "trail-" "a_b" "a.b" "../x" "$(printf 'x%.0s' {1..64})"; do
	run_expect_exit 2 lxcmgr create "$bad" -t busybox
done
like "$ERR" "64 characters, at most 63" "too long name explained"
run_expect_exit 2 lxcmgr create "a/b" -t busybox
like "$ERR" "character '/' at position 2" "bad character named"
is "$(ls -A "$containers")" "$name" "failed creates left nothing"

# --- a hand-broken config: listed as broken (exit 1, line number on stderr), still destroyable
run_expect_exit 0 lxcmgr create "$name-broken" -t busybox
echo 'no_such_key = 1' >>"$containers/$name-broken/config"
run_expect_exit 1 lxcmgr list
like "$OUT" "$name-broken +broken" "broken container listed as broken"
like "$ERR" "config:[0-9]+:" "the error names the line"
run_expect_exit 2 lxcmgr info "$name-broken"
run_expect_exit 0 lxcmgr destroy "$name-broken"

# --- a running container whose config is made invalid can still be stopped: the monitor keeps
# the config it started with (the stop refused with exit 2 before, stranding the container)
defer "'$LXCMGR' --root '$ROOT' kill '$name-inv' >/dev/null 2>&1; true"
run_expect_exit 0 lxcmgr create "$name-inv" -t busybox
run_expect_exit 0 lxcmgr start "$name-inv"
inv_pid=$(state_key init_pid "$name-inv")
sed -i 's/^hostname .*/hostname = "bad host"/' "$containers/$name-inv/config"
run_expect_exit 0 lxcmgr stop "$name-inv" -t 10
like "$ERR" "invalid config .*stopping it as it was started" "stop says the config is invalid and stops it anyway"
inv_gone() { [ -n "$inv_pid" ] && proc_gone "$inv_pid"; }
check "its init is gone" inv_gone
run_expect_exit 2 lxcmgr stop "$name-inv"
unlike "$ERR" "stopping it as it was started" "stopped, the invalid config is the error, with no word of stopping"
run_expect_exit 0 lxcmgr destroy "$name-inv"

# --- an explicit empty --root is refused (a script's unset variable must not mean the host's root)
run_expect_exit 2 "$LXCMGR" --root "" list
like "$ERR" "must not be empty" "--root '' is refused, saying why"
run_expect_exit 2 "$LXCMGR" --root= kill "$name"
like "$ERR" "must not be empty" "also by kill, which has a path of its own"

# --- an empty -t is refused (it meant the default template)
run_expect_exit 2 lxcmgr create "$name-empty" -t ""
like "$ERR" "Empty template name" "create -t '' says the name is empty"

# --- a rename or copy onto the same name says so (it found its own lock taken: "busy")
run_expect_exit 4 lxcmgr rename "$name" "$name"
like "$ERR" "already has that name" "rename onto its own name says so"
run_expect_exit 4 lxcmgr copy "$name" "$name"
like "$ERR" "already exists" "copy onto its own name says so"

# --- from a tarball
tarball="$ROOT/bb.tar.gz"
check "busybox rootfs tarball built" busybox_rootfs_tarball "$tarball"
run_expect_exit 0 lxcmgr create "$name-tar" --from "$tarball"
run_expect_exit 0 lxcmgr list --format json
check "tarball container listed as template 'tarball'" python3 -c '
import json, sys
o = [c for c in json.loads(sys.argv[1]) if c["name"] == sys.argv[2]][0]
assert o["template"] == "tarball" and o["init"] == "busybox", o' "$OUT" "$name-tar"
# an lxcmgr export is not a rootfs tarball (it made a container without an init, which only its
# start told): refused, pointing at import
run_expect_exit 0 lxcmgr export "$name-tar" "$ROOT/exp.tar.zst"
run_expect_exit 2 lxcmgr create "$name-exp" --from "$ROOT/exp.tar.zst"
like "$ERR" "is an lxcmgr export, not a root filesystem: restore it with 'lxcmgr import" "create --from an export says to import it"
check "and leaves nothing" test ! -e "$containers/$name-exp"

# --- --root isolation: the same name in another world
new_root ROOT2
run_expect_exit 0 "$LXCMGR" --root "$ROOT2" create "$name" -t busybox
run_expect_exit 0 lxcmgr destroy "$name"
check "other world's container untouched" test -d "$ROOT2/var/lib/lxcmgr/containers/$name/rootfs/sbin"
run_expect_exit 0 lxcmgr destroy "$name-tar"
is "$(ls -A "$containers")" "" "store empty after destroy"
