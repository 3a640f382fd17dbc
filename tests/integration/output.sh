#!/bin/bash
# Consistent output: every table-printing command's --format json is one valid JSON document with
# the documented field names (lxcmgr(1) OUTPUT); -q leaves create/start/stop/destroy silent; errors
# go to stderr (stdout empty) with the documented exit codes; no colour escapes, not even on a tty.
. "$(dirname "$0")/lib.sh"
require_root "creates containers"
command -v python3 >/dev/null || { echo "1..0 # SKIP needs python3 (JSON parser)"; exit 0; }
plan 17

new_root
NAME=$(unique_name out)
defer "'$LXCMGR' --root '$ROOT' kill '$NAME' >/dev/null 2>&1; true"

# keys "K1 K2 ...": reads JSON on stdin; prints the documented keys missing from the first
# object (of an array, or the object itself). Fields may be added, never renamed or removed.
keys() {
	python3 -c 'import json,sys
d = json.loads(sys.stdin.read())
if isinstance(d, list):
    d = d[0] if d else {}
print(" ".join(k for k in sys.argv[1].split() if k not in d))' "$1"
}

run_expect_exit 0 lxcmgr create "$NAME" -q
is "$OUT$ERR" "" "create -q prints nothing"
check "port add" lxcmgr port "$NAME" add tcp 18080 80

is "$(lxcmgr list --format json | keys "autostart init ipv4 name pid release state template uuid")" "" "list json fields (documented ones present)"
is "$(lxcmgr info "$NAME" --format json | keys "arch created disk_bytes hostname init init_command interfaces last_exit limits monitor_lost name networks paths pid release state template uptime_sec uuid")" "" "info json fields"
is "$(lxcmgr check --format json | keys "detail feature supported")" "" "check json fields"
is "$(lxcmgr port "$NAME" list --format json | keys "active address container_port host_port proto")" "" "port list json fields"
check "net list json is valid JSON" eval "'$LXCMGR' --root '$ROOT' net list --format json | python3 -m json.tool"
check "template list json is valid JSON" eval "'$LXCMGR' --root '$ROOT' template list --format json | python3 -m json.tool"

run_expect_exit 0 lxcmgr start "$NAME" -q
run_expect_exit 0 lxcmgr stop "$NAME" -q -t 20
is "$OUT$ERR" "" "start -q / stop -q print nothing"

run_expect_exit 3 lxcmgr info no-such-container
is "$OUT" "" "an error leaves stdout empty (message on stderr)"

# On a terminal (script(1) gives a pty) the table has no escape sequences.
if command -v script >/dev/null; then
	tty_out=$(script -qec "'$LXCMGR' --root '$ROOT' list" /dev/null)
	unlike "$tty_out" $'\e\\[' "no colour escapes on a terminal"
else
	skip "no script(1)"
fi

run_expect_exit 0 lxcmgr destroy "$NAME" -q
is "$OUT$ERR" "" "destroy -q prints nothing"
