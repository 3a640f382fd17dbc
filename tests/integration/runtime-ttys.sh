#!/bin/bash
# console.ttys (LXC's lxc.tty.max) and init's container_ttys: a busybox container gets /dev/tty1..N
# as ptys of its own devpts and `container_ttys=pts/A pts/B ...` naming exactly those ptys in PID 1's
# environment (both modes), owned by the container's root, none of either with console.ttys = 0; bad values are refused by
# `config set` and by `start`. A Debian systemd container (shared test cache) runs
# container-getty@N on them, so `console --tty 1` shows a login prompt. LXCMGR_TTYS_DEBIAN=0 skips
# the Debian part.
. "$(dirname "$0")/lib.sh"
require_root "starts containers"
command -v tmux >/dev/null || { echo "1..0 # SKIP needs tmux"; exit 0; }

plan 49
new_root
use_shared_cache
TMUX_SOCK="lxm-tty-$$"
defer "tmux -L '$TMUX_SOCK' kill-server 2>/dev/null || true"
tmux -L "$TMUX_SOCK" new-session -d -s keepalive "sleep 3600"

json_field() { lxcmgr info "$1" --format json | sed -n "s/.*\"$2\":\"\{0,1\}\([a-z0-9]*\).*/\1/p"; }
init_pid() { json_field "$1" pid; }
# PID 1's container_ttys as the container's init got it ("" when absent)
init_ttys() { tr '\0' '\n' <"/proc/$(init_pid "$1")/environ" | sed -n 's/^container_ttys=//p'; }
# the pts names of /dev/tty1..N inside, from their device numbers (devpts minor = pty index)
dev_ttys() {
	local root i out=
	root=/proc/$(init_pid "$1")/root
	for ((i = 1; i <= $2; i++)); do
		out+="${out:+ }pts/$((0x$(stat -c %T "$root/dev/tty$i")))"
	done
	printf '%s\n' "$out"
}
# The console's and ttys' ptys are opened by the monitor in the container's devpts (steps/console.c),
# with the container root's uid as fsuid: every node must be that devpts instance's (not the host's)
# and belong to the container's root (uid 0 inside; the monitor's host uid 0 would show as nobody
# inside and no getty could chown it), as must the instance's ptmx, which the child made. Gid: the
# mount's gid=5 (tty), or 0 once busybox's getty took its tty.
pty_owners() {
	local pid root uid gid n
	pid=$(init_pid "$1")
	root=/proc/$pid/root
	uid=$(awk '$1 == 0 {print $2}' "/proc/$pid/uid_map")
	gid=$(awk '$1 == 0 {print $2}' "/proc/$pid/gid_map")
	is "$(stat -c %u "$root/dev/pts/ptmx")" "$uid" "privileged=$2: the devpts instance's ptmx belongs to the container's root"
	is "$(stat -c %u "$root/dev/console" "$root"/dev/tty[1-4] "$root"/dev/pts/[0-4] | sort -u)" "$uid" \
		"privileged=$2: /dev/console, /dev/tty1..4 and /dev/pts/0..4 belong to the container's root"
	n=$(stat -c %g "$root/dev/console" "$root"/dev/tty[1-4] | grep -cvx -e "$gid" -e "$((gid + 5))" || true)
	is "$n" 0 "privileged=$2: their group is the container's tty (or root, after getty)"
	n=$(stat -c %d "$root/dev/console" "$root"/dev/tty[1-4] "$root/dev/pts/ptmx" | sort -u)
	if [ "$(wc -l <<<"$n")" = 1 ] && [ "$n" != "$(stat -c %d /dev/pts/ptmx)" ]; then
		ok "privileged=$2: they are ptys of the container's own devpts, not the host's"
	else
		not_ok "privileged=$2: they are ptys of the container's own devpts, not the host's" "$n"
	fi
}
tmux_screen() { tmux -L "$TMUX_SOCK" capture-pane -p -t "$1" 2>/dev/null; }
screen_has() { tmux_screen "$1" | grep -q -- "$2"; }

NAME=$(unique_name tty)
defer "'$LXCMGR' --root '$ROOT' kill '$NAME' >/dev/null 2>&1 || true"
check "create a busybox container" lxcmgr create "$NAME" -t busybox
CONF="$ROOT/var/lib/lxcmgr/containers/$NAME/config"

# --- validation ---------------------------------------------------------------------------------
for bad in 7 -1; do
	run_expect_exit 2 lxcmgr config "$NAME" set console.ttys "$bad"
	like "$ERR" "Invalid value '$bad' for 'console.ttys': expected 0-6" "config set console.ttys $bad: one clear message"
done
cp "$CONF" "$ROOT/config.good"
printf 'console {\n  ttys = 9\n}\n' >>"$CONF"
run_expect_exit 2 lxcmgr start "$NAME"
like "$ERR" "config:[0-9]+: Invalid value '9' for 'console.ttys'" "start refuses console.ttys = 9 naming the line"
is "$(printf '%s\n' "$ERR" | grep -c .)" 1 "start says it in one line"
cp "$ROOT/config.good" "$CONF"

# --- default: 4 ttys, both modes ----------------------------------------------------------------
for mode in false true; do
	lxcmgr config "$NAME" set security.privileged "$mode" >/dev/null
	check "privileged=$mode: start with the default ttys" lxcmgr start "$NAME"
	want=$(dev_ttys "$NAME" 4)
	like "$want" '^pts/[0-9]+ pts/[0-9]+ pts/[0-9]+ pts/[0-9]+$' "privileged=$mode: /dev/tty1..4 are ptys of the container's devpts"
	is "$(init_ttys "$NAME")" "$want" "privileged=$mode: init's container_ttys names exactly those ptys"
	pty_owners "$NAME" "$mode"
	check "privileged=$mode: stop" lxcmgr stop "$NAME" -t 10
done

# --- console.ttys = 2 ---------------------------------------------------------------------------
check "config set console.ttys 2" lxcmgr config "$NAME" set console.ttys 2
check "start with 2 ttys" lxcmgr start "$NAME"
is "$(init_ttys "$NAME")" "$(dev_ttys "$NAME" 2)" "container_ttys names the 2 ttys"
check "no /dev/tty3 inside" test ! -e "/proc/$(init_pid "$NAME")/root/dev/tty3"
if wait_for 100 tty_gettys_ok "$NAME" 2; then
	ok "busybox init runs a getty on tty1 and tty2, a sleep for tty3-6"
else
	not_ok "busybox init runs a getty on tty1 and tty2, a sleep for tty3-6" "$(container_procs "$NAME")"
fi
gettys() { container_procs "$NAME" | grep -E '^[0-9]+ [^ ]*(getty|sleep) ' | sort; }
before=$(gettys)
sleep 2
check "no getty is respawned (the same 7 processes 2 s later)" \
	test "$(wc -l <<<"$before")" = 7 -a "$(gettys)" = "$before"
tmux -L "$TMUX_SOCK" new-session -d -s b1 -x 100 -y 30 "$LXCMGR --root $ROOT console $NAME --tty 1"
wait_for 50 screen_has b1 "Connected" || true
tmux -L "$TMUX_SOCK" send-keys -t b1 Enter # the getty printed its prompt before anyone watched
wait_for 100 screen_has b1 "login:" && ok "console --tty 1 shows busybox's login prompt" ||
	not_ok "console --tty 1 shows busybox's login prompt" "$(tmux_screen b1)"
tmux -L "$TMUX_SOCK" new-session -d -s b2 -x 100 -y 30 "$LXCMGR --root $ROOT console $NAME --tty 2"
wait_for 50 screen_has b2 "Connected" || true
lxcmgr exec "$NAME" -- sh -c 'echo hello-tty2 >/dev/tty2'
wait_for 50 screen_has b2 "hello-tty2" && ok "console --tty 2 shows /dev/tty2" || not_ok "console --tty 2 shows /dev/tty2" "$(tmux_screen b2)"
run_expect_exit 3 lxcmgr console "$NAME" --tty 3
like "$ERR" "has no tty 3: it has 2 \\(--tty 1-2, or 0 for the console\\)" "console --tty 3 is refused with 2 ttys, naming them"
check "stop" lxcmgr stop "$NAME" -t 10

# --- console.ttys = 0 ---------------------------------------------------------------------------
check "config set console.ttys 0" lxcmgr config "$NAME" set console.ttys 0
check "start with no ttys" lxcmgr start "$NAME"
check "init's environment has no container_ttys" bash -c "! tr '\\0' '\\n' </proc/$(init_pid "$NAME")/environ | grep -q '^container_ttys='"
check "no /dev/tty1 inside" test ! -e "/proc/$(init_pid "$NAME")/root/dev/tty1"
run_expect_exit 3 lxcmgr console "$NAME" --tty 1
like "$ERR" "has no tty 1: it has no ttys \\(console.ttys = 0\\)" "console --tty 1 is refused with no ttys, saying why"
wait_for 100 grep -q "login:" "$ROOT/var/lib/lxcmgr/containers/$NAME/console.log" &&
	ok "busybox still boots to a console login" || not_ok "busybox boots to a console login" "$(tail -5 "$ROOT/var/lib/lxcmgr/containers/$NAME/console.log")"
check "stop" lxcmgr stop "$NAME" -t 10

# --- Debian systemd: container-getty on the ttys, both modes -------------------------------------
booted() { [ "$(lxcmgr exec "$1" -- systemctl is-active "container-getty@${2#pts/}.service")" = active ]; }
debian_ttys() {
	local mode=$1 deb first
	deb=$(unique_name ttyd)
	defer "'$LXCMGR' --root '$ROOT' kill '$deb' >/dev/null 2>&1 || true"
	if ! lxcmgr create "$deb" -t debian --init systemd >"$ROOT/create.log" 2>&1; then
		skip "the debian template could not be built here: $(tail -1 "$ROOT/create.log")" 3
		return
	fi
	lxcmgr config "$deb" set security.privileged "$mode" >/dev/null
	lxcmgr start "$deb" >/dev/null 2>&1
	first=$(init_ttys "$deb" | awk '{print $1}')
	if wait_for 300 booted "$deb" "$first"; then
		ok "privileged=$mode: systemd runs container-getty@${first#pts/} on tty1"
	else
		not_ok "privileged=$mode: systemd runs container-getty@${first#pts/}" \
			"$(lxcmgr exec "$deb" -- systemctl list-units 'container-getty*' 2>&1)"
	fi
	is "$(lxcmgr exec "$deb" -- systemctl list-units --no-legend --plain 'container-getty@*' | grep -c ' running ')" 4 \
		"privileged=$mode: one container-getty per tty"
	tmux -L "$TMUX_SOCK" new-session -d -s "d$mode" -x 100 -y 30 "$LXCMGR --root $ROOT console $deb --tty 1"
	# agetty printed its prompt before anyone watched: an empty line makes it print it again
	wait_for 50 screen_has "d$mode" "Connected" || true
	tmux -L "$TMUX_SOCK" send-keys -t "d$mode" Enter
	if wait_for 100 screen_has "d$mode" "login:"; then
		ok "privileged=$mode: console --tty 1 shows a login prompt"
	else
		not_ok "privileged=$mode: console --tty 1 shows a login prompt" "$(tmux_screen "d$mode")"
	fi
	lxcmgr stop "$deb" -t 30 >/dev/null 2>&1
	lxcmgr destroy "$deb" >/dev/null 2>&1 || true
}
for mode in false true; do
	if [ "${LXCMGR_TTYS_DEBIAN:-1}" = 0 ]; then
		skip "LXCMGR_TTYS_DEBIAN=0" 3
	else
		debian_ttys "$mode"
	fi
done
