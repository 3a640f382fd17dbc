#!/bin/bash
# The start sequence (lxm_start) on real containers through tests/rt-start-driver: a busybox
# container's namespaces, mounts, masks, devices, capabilities and environment; its halt; the
# failure paths and their messages; nothing left on the host. Then a Debian systemd container
# must reach "running" with no failed unit (under its AppArmor profile too): the proof that
# /sys/fs/cgroup, /dev/console and the profile's mount rules are right.
. "$(dirname "$0")/lib.sh"
require_root "starts containers"
plan 58

: "${top_builddir:=$top_srcdir}"
DRIVER=$top_builddir/tests/rt-start-driver
[ -x "$DRIVER" ] || { not_ok "driver '$DRIVER' built"; exit 1; }

new_root
CT=$ROOT/var/lib/lxcmgr/containers
T=$(mktemp -d /tmp/rt-start.XXXXXX)
defer "rm -rf '$T'"
UUIDS=()

# new_ct NAME ROOTFS_SOURCE [CONFIG_LINES]: a container dir with a copy of the rootfs. Privileged
# (the explicit opt-in): this is the privileged start sequence; userns.sh drives the unprivileged one.
new_ct() {
	local name=$1 src=$2 extra=${3:-} uuid
	[[ $extra == *security* ]] || extra="security { privileged = true }
$extra"
	uuid=$(cat /proc/sys/kernel/random/uuid)
	UUIDS+=("$uuid")
	mkdir -p "$CT/$name"
	if [ -n "$src" ]; then cp -a "$src" "$CT/$name/rootfs"; fi
	printf 'name = "%s"\nuuid = "%s"\nhostname = "%s"\n%s\n' "$name" "$uuid" "$name-hn" "$extra" >"$CT/$name/config"
}

# start_ct NAME: runs the driver in the background; sets DPID (driver), PID (init) or fails.
start_ct() {
	local name=$1 i
	: >"$T/$name.out"
	"$DRIVER" --root "$ROOT" --console-log "$T/$name.console" ${DRIVER_ARGS:-} "$name" >"$T/$name.out" 2>"$T/$name.err" &
	DPID=$!
	defer "kill -HUP $DPID 2>/dev/null; wait $DPID 2>/dev/null"
	for ((i = 0; i < 200; i++)); do
		grep -q '^pid ' "$T/$name.out" && break
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	PID=$(awk '/^pid /{print $2}' "$T/$name.out")
	[ -n "$PID" ]
}

# stop_ct NAME SECONDS: halt through the driver (the init's halt signal); waits for its exit.
stop_ct() {
	local i
	kill -TERM "$DPID"
	for ((i = 0; i < $2 * 20; i++)); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	! kill -0 "$DPID" 2>/dev/null && wait "$DPID"
}

in_ct() { nsenter -t "$PID" -a "$@"; }

cgroups_left() {
	local u
	for u in "${UUIDS[@]}"; do ls -d /sys/fs/cgroup/*/lxcmgr.payload."$u" /sys/fs/cgroup/lxcmgr.payload."$u" 2>/dev/null; done
}
defer 'for d in $(cgroups_left); do rmdir "$d" 2>/dev/null; done'

# ---- busybox rootfs (the template when present, else busybox --install) ----
BB=$T/bb-rootfs
mkdir -p "$BB"
if ! "$LXCMGR_TEMPLATES_DIR/busybox" build --rootfs "$BB" --name bb --result "$T/bb.result" >"$T/bb.log" 2>&1; then
	diag "busybox template failed, making a minimal rootfs" "$(tail -5 "$T/bb.log")"
	rm -rf "$BB" && mkdir -p "$BB"/{bin,sbin,etc,proc,sys,dev,tmp,run}
	cp /bin/busybox "$BB/bin/busybox"
	chroot "$BB" /bin/busybox --install -s
	printf '::sysinit:/bin/true\nconsole::respawn:/bin/sh\n::shutdown:/bin/true\n' >"$BB/etc/inittab"
fi
rm -f "$BB/etc/hostname" # so the rootfs' rc does not override the hostname under test

# ---- a busybox container ----
SRC=$T/bind-src
mkdir -p "$SRC" && echo from-host >"$SRC/file"
mkdir -p "$T/hostile-host"
echo host >"$T/hostile-host/keep"
new_ct bb "$BB" "mount data {
  source = \"$SRC\"
  target = \"/mnt/data\"
  options = \"ro\"
}
mount evil {
  source = \"$SRC\"
  target = \"/srv/evil\"
}"
# Attack: a symlink planted by the container pointing at a host path; the mount must land inside.
mkdir -p "$CT/bb/rootfs/srv" "$CT/bb/rootfs$T/hostile-host"
ln -s "/../../../..$T/hostile-host" "$CT/bb/rootfs/srv/evil"

DRIVER_ARGS="--ttys 2" check "driver starts the busybox container" start_ct bb
if [ -z "${PID:-}" ]; then diag "$(cat "$T/bb.err")"; fi
like "$(cat "$T/bb.out")" "init busybox" "init detected as busybox"
like "$(in_ct cat /proc/1/cmdline | tr '\0' ' ')" "^init" "init is PID 1 in its pid namespace"
for ns in mnt pid uts ipc net cgroup; do
	if [ "$(readlink /proc/$PID/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ]; then ok "own $ns namespace"; else not_ok "own $ns namespace"; fi
done
is "$(nsenter -t "$PID" -u hostname)" "bb-hn" "hostname from the config"
check "host hostname unchanged" test "$(hostname)" != "bb-hn"
check "procfs masks: keys and timer_list cannot be read" in_ct sh -c '[ ! -e /proc/keys ] || ! cat /proc/keys 2>/dev/null; [ ! -e /proc/timer_list ] || ! cat /proc/timer_list 2>/dev/null'
check "reading /proc/kcore gives nothing" in_ct sh -c '[ ! -e /proc/kcore ] || [ "$(head -c 64 /proc/kcore | wc -c)" = 0 ]'
check "/proc/sysrq-trigger is not writable" in_ct sh -c '! echo h 2>/dev/null >/proc/sysrq-trigger'
check "/proc/sys is read-only" in_ct sh -c '! echo 1 2>/dev/null >/proc/sys/kernel/domainname'
check "/proc/sys/net is writable (own netns)" in_ct sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
# /proc, and the /proc/sys/net bind made writable in it, must show the container's network
# namespace, never the host's.
host_ttl=$(cat /proc/sys/net/ipv4/ip_default_ttl)
check "/proc/sys/net is the container's own (a write inside leaves the host's value)" sh -c "nsenter -t $PID -a sh -c 'echo 77 >/proc/sys/net/ipv4/ip_default_ttl && [ \$(cat /proc/sys/net/ipv4/ip_default_ttl) = 77 ]' && [ \$(cat /proc/sys/net/ipv4/ip_default_ttl) = $host_ttl ]"
check "/sys is read-only" in_ct sh -c '! touch /sys/kernel/x 2>/dev/null && grep -q " /sys sysfs ro," /proc/mounts'
capbnd=$(awk '/^CapBnd/{print $2}' /proc/$PID/status)
bit() { echo $(( (0x$capbnd >> $1) & 1 )); }
is "$(bit 16)$(bit 17)$(bit 25)$(bit 32)$(bit 33)" "00000" "bounding set lacks sys_module sys_rawio sys_time mac_override mac_admin"
is "$(bit 22)$(bit 21)" "11" "bounding set keeps sys_boot and sys_admin"
check "/dev has the standard character devices" in_ct sh -c 'for n in null zero full random urandom tty; do [ -c /dev/$n ] || exit 1; done; [ "$(readlink /dev/ptmx)" = pts/ptmx ] && [ -L /dev/fd ]'
check "/dev is a tmpfs without host disks" in_ct sh -c 'grep -q " /dev tmpfs " /proc/mounts && ! ls /dev | grep -q -e "^sd" -e "^vd" -e "^loop"'
check "/dev/pts is a new devpts instance, /dev/shm and /dev/mqueue mounted" in_ct sh -c 'grep -q " /dev/pts devpts .*ptmxmode=666" /proc/mounts && grep -q " /dev/shm tmpfs" /proc/mounts && grep -q " /dev/mqueue mqueue" /proc/mounts'
is "$(in_ct stat -c %t /dev/console)" "88" "/dev/console is a pty (major 136)"
check "/dev/tty1 and /dev/tty2 are ptys, no /dev/tty3" in_ct sh -c '[ "$(stat -c %t /dev/tty1)$(stat -c %t /dev/tty2)" = 8888 ] && [ ! -e /dev/tty3 ]'
check "init's stdio is the console" test "$(readlink /proc/$PID/fd/0)" = "$(readlink /proc/$PID/fd/1)"
env=$(tr '\0' '\n' </proc/$PID/environ)
like "$env" "container=lxcmgr" "container=lxcmgr in init's environment"
like "$env" "container_uuid=${UUIDS[0]}" "container_uuid in init's environment"
# busybox's rc mounts a tmpfs on /run over it; the file is in the rootfs underneath.
is "$(cat "$CT/bb/rootfs/run/systemd/container")" "lxcmgr" "/run/systemd/container written"
check "lo is up inside" sh -c "nsenter -t $PID -n ip -o link show lo | grep -q UP"
like "$(in_ct cat /proc/1/cgroup)" "0::/" "cgroup namespace rooted at the payload cgroup"
like "$(cat /proc/$PID/cgroup)" "lxcmgr.payload.${UUIDS[0]}" "init is in the payload cgroup (host view)"
if [ -d /sys/fs/cgroup/memory ]; then
	check "/sys/fs/cgroup: v1 hierarchies and name=systemd inside" in_ct sh -c 'grep -q " /sys/fs/cgroup/memory cgroup " /proc/mounts && grep -q " /sys/fs/cgroup/systemd cgroup " /proc/mounts'
else
	check "/sys/fs/cgroup: cgroup2 inside" in_ct sh -c 'grep -q " /sys/fs/cgroup cgroup2 " /proc/mounts'
fi
check "configured bind mount, read-only" in_ct sh -c '[ "$(cat /mnt/data/file)" = from-host ] && ! touch /mnt/data/x 2>/dev/null'
# Inside, $T/hostile-host is where the link leads; a mount made on the host's path instead would
# have gone with the old root at pivot_root and be absent from the container's mount table.
check "symlinked target confined to the rootfs" grep -q " $T/hostile-host " /proc/$PID/mountinfo
check "host path behind the symlink untouched" sh -c "[ ! -e '$T/hostile-host/file' ] && ! grep -q ' $T/hostile-host ' /proc/self/mountinfo"
check "halt signal stops busybox init" stop_ct bb 10
like "$(cat "$T/bb.out")" "signal 2" "init ended through reboot(2) halt (SIGINT from the kernel)"

# Reboot: init must have installed its handler first (a PID 1 ignores signals it does not
# handle), which SigCgt in its status shows.
caught() { local m; m=$(awk '/^SigCgt/{print $2}' /proc/$1/status 2>/dev/null) && [ -n "$m" ] && (( (0x$m >> ($2 - 1)) & 1 )); }
# steps/exec.c skips the rewrite only when the file already says "lxcmgr": other content is replaced
printf 'other\n' >"$CT/bb/rootfs/run/systemd/container"
check "busybox container starts again" start_ct bb
is "$(cat "$CT/bb/rootfs/run/systemd/container")" "lxcmgr" "/run/systemd/container with other content is rewritten"
for ((i = 0; i < 200; i++)); do caught "$PID" 15 && break; sleep 0.05; done
kill -USR1 "$DPID"
for ((i = 0; i < 200; i++)); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.05; done
like "$(cat "$T/bb.out")" "signal 1" "reboot signal: init ended through reboot(2) restart (SIGHUP from the kernel)"

# The parent moves the child into its cgroups while the child mounts (start.c): init must still
# find itself in the payload's inner cgroup of every hierarchy from its first instruction, with
# its cgroup namespace rooted there. The init below records that before anything else.
new_ct cgfirst "$BB" 'init = "/cg-first"'
printf '#!/bin/sh\ncat /proc/self/cgroup >/cg-at-exec\nexec /sbin/init\n' >"$CT/cgfirst/rootfs/cg-first"
chmod 755 "$CT/cgfirst/rootfs/cg-first"
DRIVER_ARGS="--debug" start_ct cgfirst || true
for ((i = 0; i < 100; i++)); do [ -s "$CT/cgfirst/rootfs/cg-at-exec" ] && break; sleep 0.05; done
if [ -s "$CT/cgfirst/rootfs/cg-at-exec" ] && ! grep -qv ':/$' "$CT/cgfirst/rootfs/cg-at-exec"; then
	ok "at exec, init is at the root of its cgroup namespace in every hierarchy"
else
	not_ok "at exec, init is at the root of its cgroup namespace in every hierarchy" "$(cat "$CT/cgfirst/rootfs/cg-at-exec" "$T/cgfirst.err" 2>&1)"
fi
# (a hierarchy the cgroup module does not manage, a stray "name=openrc", stays at the host's root)
is "$(grep -v -e "lxcmgr.payload.${UUIDS[-1]}/init\$" -e ':/$' "/proc/${PID:-0}/cgroup" 2>&1)" "" "that root is the payload's inner cgroup in every hierarchy (host view)"
# The child detaches the old root before it waits for 'cgroup' (start.c: the detach's RCU grace
# period overlaps with the parent's cgroup work); the cgroup mounts, console and lo come after.
order=$(grep -o "Child finished step '[a-z_]*'" "$T/cgfirst.err" | cut -d"'" -f2 | tr '\n' ' ')
like "$order" "dev pivot_root network cgroupns cgroupfs console hostname" "child steps: pivot_root before the cgroup namespace"
check "it stops" stop_ct cgfirst 10

# ---- failure paths ----
fail_case() {
	local name=$1 want=$2 rc=0
	"$DRIVER" --root "$ROOT" "$name" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
	if [ "$rc" -eq 1 ] && grep -qF "$want" "$T/$name.err"; then
		ok "$name: $want"
	else
		not_ok "$name: $want" "exit $rc" "$(cat "$T/$name.err")"
	fi
}
new_ct noinit "$BB"
rm "$CT/noinit/rootfs/sbin/init"
fail_case noinit "Child failed at step 'exec': No such file or directory: '/sbin/init'"
new_ct broken "$BB"
rm -rf "$CT/broken/rootfs/sys" && touch "$CT/broken/rootfs/sys"
fail_case broken "Child failed at step 'sys': Not a directory"
new_ct badmnt "$BB" 'mount data {
  source = "/nonexistent/lxcmgr-src"
  target = "/data"
}'
fail_case badmnt "Child failed at step 'mounts': No such file or directory: source '/nonexistent/lxcmgr-src'"

is "$(grep -c -e "$ROOT" -e "$T" /proc/self/mountinfo)" "0" "nothing of the containers ever mounted on the host"
is "$(cgroups_left)" "" "no payload cgroup left"
is "$(pgrep -f "rt-start-driver --root $ROOT" || true)" "" "no driver process left"

# ---- Debian systemd ----
DEB=$T/deb-rootfs
cache=$LXCMGR_TEST_CACHE/templates/debian-bookworm-amd64-systemd/rootfs.tar.zst
got_deb=no
if [ -s "$cache" ]; then
	mkdir -p "$DEB" && tar --zstd -C "$DEB" --numeric-owner -xpf "$cache" 2>/dev/null && got_deb=yes
elif [ -x "$LXCMGR_TEMPLATES_DIR/debian" ]; then
	mkdir -p "$DEB" "$LXCMGR_TEST_CACHE/templates/.downloads/debian"
	"$LXCMGR_TEMPLATES_DIR/debian" build --rootfs "$DEB" --name deb --result "$T/deb.result" --init systemd \
		--cache-dir "$LXCMGR_TEST_CACHE/templates/.downloads/debian" >"$T/deb.log" 2>&1 && got_deb=yes
fi
if [ "$got_deb" = yes ]; then
	new_ct deb ""
	mv "$DEB" "$CT/deb/rootfs"
	"$LXCMGR_TEMPLATES_DIR/debian" configure --rootfs "$CT/deb/rootfs" --name deb >/dev/null 2>&1 || true
	start=$(date +%s%N)
	check "driver starts the Debian container" start_ct deb
	# Until systemd's private bus socket exists systemctl cannot even ask.
	for ((i = 0; i < 600; i++)); do
		state=$(timeout 60 nsenter -t "$PID" -a systemctl is-system-running --wait 2>&1 || true)
		[[ $state == *"Failed to connect"* ]] || break
		sleep 0.1
	done
	diag "systemd: '$state' after $(( ($(date +%s%N) - start) / 1000000 )) ms"
	like "$state" "^running$" "systemd reaches running"
	if [ "$state" != running ]; then
		diag "$(in_ct systemctl --failed --no-pager 2>&1)"
		diag "$(in_ct journalctl -b --no-pager -p warning 2>&1 | tail -40)"
	fi
	is "$(in_ct cat /run/systemd/container)" "lxcmgr" "systemd sees container=lxcmgr (/run/systemd/container)"
	failed_units=$(in_ct systemctl --failed --plain --no-legend --no-pager 2>&1 | awk '{print $1}' | sort | tr '\n' ' ')
	is "$failed_units" "" "no failed units"
	if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ]; then
		# The units that sandbox themselves (logind's ProtectSystem=, the credential
		# directories of sysusers, sysctl, tmpfiles) ran under the generated profile.
		like "$(cat "/proc/$PID/attr/current")" "^lxcmgr-[0-9a-f]{16} \(enforce\)$" "systemd runs confined by its generated AppArmor profile"
	else
		skip "no AppArmor in this kernel" 1
	fi
	check "systemd halts on SIGRTMIN+3" stop_ct deb 20
	like "$(cat "$T/deb.out")" "signal 2" "systemd ended through reboot(2) halt"
else
	skip "no Debian rootfs (no cache, build failed)" 7
fi
