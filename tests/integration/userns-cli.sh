#!/bin/bash
# Unprivileged by default, through the CLI: `create` writes security { privileged = false
# idmap = "auto" }, `list` and `info` show the mode, exec runs as the container's root (a mapped
# uid, with a pty owned by the user it runs as), the console and ttys are ptys of the container's
# own devpts (so a console getty can take its terminal in a user namespace), and
# `privileged = true` is the explicit opt-in.
. "$(dirname "$0")/lib.sh"
require_root "starts containers"
plan 19

new_root
U=$(unique_name un)
P=$(unique_name pr)
for c in "$U" "$P"; do
	defer "'$LXCMGR' --root '$ROOT' kill '$c' >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' destroy --force '$c' >/dev/null 2>&1; true"
done
cfg() { echo "$ROOT/var/lib/lxcmgr/containers/$1/config"; }
wait_for() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

check "create" "$LXCMGR" --root "$ROOT" create "$U" -t busybox
like "$(tr '\n' ' ' <"$(cfg "$U")")" "security \{ +privileged = false +idmap += \"auto\" +\}" \
	"create writes security { privileged = false idmap = \"auto\" }"
check "create a privileged one" "$LXCMGR" --root "$ROOT" create "$P" -t busybox
lxcmgr config "$P" set security.privileged true >/dev/null
mode_of() { lxcmgr list | awk -v n="$1" '$1 == n {print $NF}'; }
is "$(mode_of "$U")" unprivileged "list: MODE unprivileged"
is "$(mode_of "$P")" privileged "list: MODE privileged for the opt-in"
like "$(lxcmgr list --format json)" "\"name\":\"$U\"[^}]*\"privileged\":false" "list json: privileged false"
like "$(lxcmgr info "$U" --format json)" '"security":\{"mode":"unprivileged[^"]*","privileged":false' "info json: mode and privileged"

# The template runs a getty on each tty, which makes the tty its own (busybox's: root:root): none on
# tty1, so that the owner checked below is the one lxcmgr gives it
sed -i '/tty-getty tty1 /d' "$ROOT/var/lib/lxcmgr/containers/$U/rootfs/etc/inittab"
check "start" "$LXCMGR" --root "$ROOT" start "$U"
start=$(awk -F: '$1 == "root" {print $2; exit}' /etc/subuid)
like "$(lxcmgr exec "$U" -- cat /proc/self/uid_map)" "^ +0 +$start +65536" "exec: in the container's user namespace"
is "$(lxcmgr exec "$U" -- id -u)" 0 "exec: root inside"
pid=$(lxcmgr info "$U" --format json | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
is "$(awk '/^Uid:/{print $2}' "/proc/$pid/status")" "$start" "init runs as the mapped host uid"

# exec -t: the pty is allocated in the container's devpts after becoming its root: a mapped owner
is "$(lxcmgr exec -t "$U" -- sh -c 'stat -c %U $(tty)' </dev/null | tr -d '\r')" root "exec -t: the pty belongs to root inside, not nobody"
is "$(lxcmgr exec -t --user 1000:1000 "$U" -- sh -c 'stat -c %u $(tty); id -u' </dev/null | tr -d '\r' | tr '\n' ' ')" "1000 1000 " \
	"exec -t --user: the pty belongs to that user"

# console: a pty of the container's own devpts, bound on /dev/console
is "$(lxcmgr exec "$U" -- stat -c %t:%T /dev/console)" "$(lxcmgr exec "$U" -- stat -c %t:%T /dev/pts/0)" \
	"/dev/console is /dev/pts/0 of the container's devpts"
like "$(lxcmgr exec "$U" -- stat -c %U:%G /dev/tty1)" "^root:tty$" "/dev/tty1 belongs to root:tty inside"
log=$ROOT/var/lib/lxcmgr/containers/$U/console.log
if wait_for 100 grep -q "login:" "$log"; then ok "the console shows a login prompt"; else not_ok "the console shows a login prompt" "$(tail -5 "$log")"; fi
unlike "$(cat "$log")" "TIOCSCTTY" "the console getty takes its terminal (init does not hold it)"

# the opt-in: no user namespace
check "start the privileged one" "$LXCMGR" --root "$ROOT" start "$P"
like "$(lxcmgr exec "$P" -- cat /proc/self/uid_map)" "^ +0 +0 +4294967295" "privileged = true: no user namespace"
