#!/bin/bash
# The monitor `start` forks takes over the parse of the container config the CLI made before it
# took the container's lock (runtime/monitor.c, load_container()), only while the file still holds
# that very text once the monitor reads it again under the lock: the start's debug log says so,
# and the container gets what the file says (security.no_new_privs, as its init's NoNewPrivs),
# also after an edit between two starts.
# (The other branch, a config changed between the CLI's read and its lock, parses the file anew as
# every start did before; no test can stop the CLI inside that window.)
. "$(dirname "$0")/lib.sh"
require_root "boots containers"

plan 9

new_root
use_shared_cache
A=$(unique_name sc)
defer "'$LXCMGR' --root '$ROOT' kill '$A' >/dev/null 2>&1 || true"
taken='is the text start parsed: taken over'

check "create $A" lxcmgr create "$A" -t busybox
check "no_new_privs in its config" lxcmgr config "$A" set security.no_new_privs true
out=$("$LXCMGR" --root "$ROOT" --log-level debug start "$A" 2>&1) && ok "start $A" || not_ok "start $A: $out"
grep -q "$taken" <<<"$out" && ok "the monitor took over the CLI's parse" ||
	not_ok "the monitor took over the CLI's parse: $(grep -i config <<<"$out" | head -5)"
nnp() { lxcmgr exec "$A" -- sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/1/status; }
h=$(nnp)
[ "$h" = 1 ] && ok "its init runs with no_new_privs, as the config says" || not_ok "init's NoNewPrivs: '$h'"
check "kill $A" lxcmgr kill "$A"

check "no_new_privs off in its config" lxcmgr config "$A" set security.no_new_privs false
out=$("$LXCMGR" --root "$ROOT" --log-level debug start "$A" 2>&1) && grep -q "$taken" <<<"$out" &&
	ok "start $A again, the parse taken over" || not_ok "start $A again: $out"
h=$(nnp)
[ "$h" = 0 ] && ok "its init runs without, as the edited config says" || not_ok "init's NoNewPrivs: '$h'"
