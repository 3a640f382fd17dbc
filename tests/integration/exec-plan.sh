#!/bin/bash
# exec's plan (runtime/exec-plan.c): the config values exec needs, kept in RUN/.exec-plan/NAME with
# the identity of the config file they came from. A second exec does not parse the config; any
# change of the config (through lxcmgr, an in-place edit that keeps size and mtime) is a miss and
# its new values apply; a plan file or directory others may write, someone else's file, garbage
# or a plan of another config version is not used (and a bad file is replaced).
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }
command -v python3 >/dev/null || { echo "1..0 # SKIP needs python3"; exit 0; }

plan 26

new_root
use_shared_cache
N=$(unique_name ep)
RUN="$ROOT/run/lxcmgr"
PLAN="$RUN/.exec-plan/$N"
CFG="$ROOT/var/lib/lxcmgr/containers/$N/config"
T=$(mktemp -d)
defer "rm -rf '$T'"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
# LeakSanitizer cannot run under ptrace: off for the straced runs of a sanitizer build
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# Whether one exec opened the container's config file ("no" when served from the plan).
config_read() {
	strace -f -e trace=openat -o "$T/trace" "$LXCMGR" --root "$ROOT" exec "$N" -- /bin/true >/dev/null 2>&1 ||
		{ echo "exec failed"; return; }
	if grep -q "containers/$N/config\"" "$T/trace"; then echo yes; else echo no; fi
}
nnp() { lxcmgr exec "$N" -- sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/self/status; }
capbnd() { lxcmgr exec "$N" -- sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status; }

check "create a busybox container" lxcmgr create "$N" -t busybox
check "start it" lxcmgr start "$N"
rm -f "$PLAN"
is "$(config_read)" yes "the first exec parses the config"
is "$(stat -c '%u %a' "$PLAN" 2>/dev/null)" "0 600" "and writes RUN/.exec-plan/NAME, root's, 0600"
is "$(config_read)" no "the next exec does not read the config"
is "$(nnp)" 0 "served from the plan: no_new_privs as configured (off)"
BND=$(capbnd)

check "set security.no_new_privs" lxcmgr config "$N" set security.no_new_privs true
is "$(config_read)" yes "a config changed through lxcmgr is read again"
is "$(nnp)" 1 "and its new value applies"
check "drop net_raw" lxcmgr config "$N" set security.cap_drop net_raw
isnt_bnd=$(capbnd)
[ "$isnt_bnd" != "$BND" ] && [ -n "$isnt_bnd" ] && ok "a new security.cap_drop applies at once" ||
	not_ok "a new security.cap_drop applies at once" "CapBnd before $BND, after $isnt_bnd"
is "$(config_read)" no "then the plan serves again"

# an in-place edit of the same size with mtime put back: ctime still differs
python3 - "$CFG" <<'EOF'
import os, sys
p = sys.argv[1]
st = os.stat(p)
with open(p, "r+b") as f:
    data = f.read()
    i = data.index(b"#")
    f.seek(i + 1)
    f.write(b"!" if data[i + 1:i + 2] != b"!" else b" ")
os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
EOF
is "$(config_read)" yes "an in-place edit that keeps size and mtime is a miss"

# planted or unsafe plan files are not used
GOOD=$(cat "$PLAN")
chmod 0620 "$PLAN"
is "$(config_read)" yes "a plan others may write is not used"
is "$(stat -c %a "$PLAN")" 600 "and is replaced"
chown 1000 "$PLAN"
is "$(config_read)" yes "a plan owned by someone else is not used"
chmod 0770 "$RUN/.exec-plan"
is "$(config_read)" yes "a plan in a directory others may write is not used"
chmod 0700 "$RUN/.exec-plan"
printf 'garbage\n' >"$PLAN"
is "$(config_read)" yes "a plan that is not one is not used"
# a plan of another version of the config that says no_new_privs is off: not used
sed '2s/^[0-9]* [0-9]*/1 1/; 3s/ 1 / 0 /' <<<"$GOOD" >"$PLAN"
chmod 0600 "$PLAN"
is "$(config_read)" yes "a plan for another config file identity is not used"
is "$(nnp)" 1 "the config's no_new_privs applies, not the planted plan's"
check "kill it" lxcmgr kill "$N"

# destroy and rename take the container's plan with them
N2=$(unique_name ep)
defer "'$LXCMGR' --root '$ROOT' destroy --force '$N2' >/dev/null 2>&1 || true"
check "rename it" lxcmgr rename "$N" "$N2"
check "no plan is left under the old name" test ! -e "$PLAN"
lxcmgr start "$N2" >/dev/null
lxcmgr exec "$N2" -- true
check "an exec remembers the renamed container's plan" test -s "$RUN/.exec-plan/$N2"
lxcmgr kill "$N2" >/dev/null
check "destroy it" lxcmgr destroy "$N2"
check "its plan is gone with it" test ! -e "$RUN/.exec-plan/$N2"
