#!/bin/bash
# start, stop and kill read the global config (ROOT/etc/lxcmgr/lxcmgr.conf) for its path overrides
# only (main.c: paths_only(); no defaults schema is built without a file), and a start's CLI ends
# without freeing once it forked the monitor (main.c: end_command()). Seen from outside: the
# run_dir of the global config is where start puts the state and stop/kill find it; an invalid
# global config still stops start, stop and kill with the file's own message and starts nothing;
# a start's exit codes and messages are as before (0 and silent when init runs, 4 when it runs
# already, 1 with the reason when the start fails, nothing left behind).
. "$(dirname "$0")/lib.sh"
require_root "starts containers"
plan 24

new_root
use_shared_cache
N=$(unique_name sgl)
defer "'$LXCMGR' --root '$ROOT' stop -k '$N' >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' destroy --force '$N' >/dev/null 2>&1; true"
CONF=$ROOT/etc/lxcmgr/lxcmgr.conf
mkdir -p "$ROOT/etc/lxcmgr"
state() { lxcmgr info "$N" --format json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }

check "create a busybox container" lxcmgr create "$N" -t busybox -q

# --- no global config: start is silent and exits 0; a second start says it runs (exit 4) --------
run_expect_exit 0 lxcmgr start "$N"
is "$OUT$ERR" "" "start without a global config prints nothing"
is "$(state)" running "it runs"
run_expect_exit 4 lxcmgr start "$N"
like "$ERR" "Container '$N' is already running" "a second start says why"
run_expect_exit 0 lxcmgr kill "$N"
is "$(state)" stopped "kill stops it"

# --- run_dir moved by the global config: start, stop and kill follow it --------------------------
echo 'run_dir = "/otherrun"' >"$CONF"
run_expect_exit 0 lxcmgr start "$N"
check "start writes the state under the global config's run_dir" test -f "$ROOT/otherrun/$N/state"
check "and nothing under the default one" test ! -e "$ROOT/run/lxcmgr/$N/state"
is "$(state)" running "info finds it there"
run_expect_exit 0 lxcmgr stop -t 5 "$N"
is "$(state)" stopped "stop finds its monitor through the same run_dir"
run_expect_exit 0 lxcmgr start "$N"
run_expect_exit 0 lxcmgr kill "$N"
check "kill too (its state file is gone)" test ! -e "$ROOT/otherrun/$N/state"

# --- an invalid global config stops start, stop and kill, naming the file ------------------------
echo 'run_dir = "relative/path"' >"$CONF"
run_expect_exit 2 lxcmgr start "$N"
like "$ERR" "lxcmgr.conf:1: Invalid value 'relative/path' for 'run_dir'" "start refuses an invalid run_dir of the global config"
echo 'run_dir = ' >"$CONF"
run_expect_exit 2 lxcmgr start "$N"
like "$ERR" "lxcmgr.conf:[0-9]+: premature end of file" "start refuses a global config that does not parse, with its line"
check "nothing was started" test -z "$(pgrep -f "__monitor $N " || true)"
run_expect_exit 2 lxcmgr stop "$N"
run_expect_exit 2 lxcmgr kill "$N"
rm "$CONF"
