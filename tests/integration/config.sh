#!/bin/bash
# lxcmgr config NAME show/get/set/unset/edit against a container directory made by hand.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 0
fi
: "${LXCMGR:?LXCMGR must point at the built binary}"

ROOT=$(mktemp -d /tmp/lxm-it-config-XXXXXX)
cleanup() { rm -rf "$ROOT"; }
trap cleanup EXIT

NAME=cfg-$$
DIR=$ROOT/var/lib/lxcmgr/containers/$NAME
CONF=$DIR/config
mkdir -p "$DIR/rootfs"
cat >"$CONF" <<CONF
# written by hand
name = "$NAME"
uuid = "0b3c2a4e-8f7d-4c1a-9e3b-2a1d5c6f7e80"
hostname = "$NAME"   # keep this comment

limits {
  memory = "512M"   // half a gig
}
CONF

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
check() { # check DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}
lx() { "$LXCMGR" --root "$ROOT" "$@"; }
# expect_code CODE COMMAND...: the command fails with exactly CODE
expect_code() {
	local want=$1 rc=0
	shift
	"$@" 2>/dev/null || rc=$?
	[ "$rc" = "$want" ]
}

echo "1..18"

check "show prints the file" bash -c "diff <(\"$LXCMGR\" --root '$ROOT' config $NAME show) '$CONF'"
check "get limits.memory" test "$(lx config "$NAME" get limits.memory)" = 512M
check "get a schema default" test "$(lx config "$NAME" get security.idmap)" = auto
check "get an unset key exits 3" expect_code 3 lx config "$NAME" get hook.pre_start

lx config "$NAME" set limits.memory 1G
lx config "$NAME" set network.eth0.ipv4 10.0.3.20/24
lx config "$NAME" set security.cap_drop sys_time,sys_module
check "set values read back" test "$(lx config "$NAME" get limits.memory)/$(lx config "$NAME" get network.eth0.ipv4)/$(lx config "$NAME" get security.cap_drop)" = "1G/10.0.3.20/24/sys_time,sys_module"
check "set keeps comments" grep -q 'memory = "1G"   // half a gig' "$CONF"
check "set keeps the header comment" grep -q '^# written by hand$' "$CONF"

before=$(sha256sum "$CONF")
check "bad size exits 2" expect_code 2 lx config "$NAME" set limits.memory 12Q
check "bad MAC exits 2" expect_code 2 lx config "$NAME" set network.eth0.hwaddr ff:ff:ff:ff:ff:ff
check "unknown key exits 2" expect_code 2 lx config "$NAME" set limits.colour red
if err=$(lx config "$NAME" set halt_signal SIGNOPE 2>&1); then
	notok "error names the file and line (set succeeded)"
else
	check "error names the file and line" grep -q "$CONF:[0-9]*: Invalid value 'SIGNOPE' for 'halt_signal'" <<<"$err"
fi
check "file unchanged after bad sets" test "$(sha256sum "$CONF")" = "$before"

lx config "$NAME" unset limits.memory
check "unset removes the key" expect_code 3 lx config "$NAME" get limits.memory
lx config "$NAME" set cgroup.layout unified
lx config "$NAME" unset cgroup.layout
check "unset of a section's last key leaves no empty section" expect_code 1 grep -q cgroup "$CONF"
check "unknown container exits 3" expect_code 3 lx config nosuch-$$ show

# edit: a script as EDITOR. A valid edit is written; an invalid one (not a terminal) fails and
# leaves the file alone.
EDIT=$ROOT/editor.sh
printf '#!/bin/sh\nsed -i "s/^hostname = .*/hostname = \\"edited\\"/" "$1"\n' >"$EDIT"
chmod +x "$EDIT"
export TMPDIR=$ROOT # the edited copy is kept there after a failed edit
EDITOR=$EDIT lx config "$NAME" edit </dev/null
check "edit with a valid change" test "$(lx config "$NAME" get hostname)" = edited
printf '#!/bin/sh\necho "limits { pids = 0 }" >>"$1"\n' >"$EDIT"
before=$(sha256sum "$CONF")
rc=0
EDITOR=$EDIT lx config "$NAME" edit </dev/null 2>/dev/null || rc=$?
if [ "$rc" = 2 ] && [ "$(sha256sum "$CONF")" = "$before" ]; then ok "invalid edit exits 2, file unchanged"; else notok "invalid edit exits 2, file unchanged (rc=$rc)"; fi
check "failed edit keeps the edited copy" bash -c "compgen -G \"$ROOT/lxcmgr-config-*.conf\" >/dev/null"

exit $failed
