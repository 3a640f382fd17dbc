#!/bin/bash
# The template scripts (templates/CONTRACT.md): busybox, prepare-rootfs, mirror detection and one
# debian build (sysvinit) from the host's apt mirror. Root: templates build root-owned trees.
# LXCMGR_TEST_DEBIAN=0 skips the debian build (~40-60 s).
set -euo pipefail

if [[ $(id -u) != 0 ]]; then
	echo "1..0 # SKIP needs root"
	exit 0
fi

T=${LXCMGR_TEMPLATES_DIR:-${top_srcdir:-.}/templates}
TMP=$(mktemp -d /var/tmp/lxcmgr-templates-test.XXXXXX)
NS_C=lxmtpl-c-$$
NS_S=lxmtpl-s-$$
cleanup() {
	[[ -f $TMP/udhcpd.pid ]] && kill "$(cat "$TMP/udhcpd.pid")" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null || true
	ip netns del "$NS_S" 2>/dev/null || true
	rm -rf --one-file-system "$TMP"
}
trap cleanup EXIT

n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# exit_code CMD...: prints CMD's exit status (its output goes to the log).
exit_code() {
	local rc=0
	"$@" >"$TMP/out" 2>&1 || rc=$?
	echo "$rc"
}

echo "1..32"

# --- busybox -----------------------------------------------------------------------------------
BB=$TMP/bb
mkdir "$BB"
# CPU time rather than wall time: the build takes ~0.2 s on an idle machine, but CI machines run
# other builds at the same time.
cpu_ms() {
	local TIMEFORMAT='%3U %3S' t
	{ t=$( { time "$@" >/dev/null 2>&1; } 2>&1); } || return 1
	awk '{ printf "%d\n", ($1 + $2) * 1000 }' <<<"$t"
}
if ms=$(cpu_ms "$T/busybox" build --rootfs "$BB" --name tpl-test --result "$TMP/bb.result"); then
	ok "busybox build succeeds"
else
	not_ok "busybox build succeeds"
	ms=99999
fi
# Speed is measured by bench/, never asserted by a test: report it only.
echo "# busybox build took ${ms} ms of CPU"
check "busybox result file" grep -qx 'init=busybox' "$TMP/bb.result"
check "/sbin/init is busybox" test "$(readlink "$BB/sbin/init")" = /bin/busybox
# Applets are hard links (no inode of their own to allocate at each unpack), none a symlink.
check "applets are hard links of /bin/busybox" test "$(stat -c %i "$BB/bin/sh")" = "$(stat -c %i "$BB/bin/busybox")" -a \
	"$(stat -c %i "$BB/usr/bin/env")" = "$(stat -c %i "$BB/bin/busybox")"
check "no applet is a symlink but /sbin/init" test "$(find "$BB" -type l -lname /bin/busybox)" = "$BB/sbin/init"
check "busybox is executable" test -x "$BB/bin/busybox"
check "inittab runs rcS and a console getty" \
	bash -c "grep -q '^::sysinit:/etc/init.d/rcS' '$BB/etc/inittab' && grep -q '^console::respawn:/sbin/getty' '$BB/etc/inittab' && grep -q '^::shutdown:' '$BB/etc/inittab'"
check "inittab runs tty-getty for tty1-6" \
	bash -c "test \$(grep -c -E '^::respawn:/usr/lib/lxcmgr/tty-getty tty[1-6] -L\$' '$BB/etc/inittab') = 6 && test -x '$BB/usr/lib/lxcmgr/tty-getty'"
# no /dev/tty5 in the chroot: it must sleep (a getty there would fail and be respawned forever)
check "tty-getty sleeps for a tty the container does not have" \
	test "$(exit_code timeout 1 chroot "$BB" /usr/lib/lxcmgr/tty-getty tty5 -L)" = 124
check "root has /bin/sh and no password" \
	bash -c "grep -qx 'root:x:0:0:root:/root:/bin/sh' '$BB/etc/passwd' && grep -q '^root::' '$BB/etc/shadow'"
check "build writes the placeholder hostname" grep -qx localhost "$BB/etc/hostname"
check "machine-id exists and is empty" bash -c "test -f '$BB/etc/machine-id' && ! test -s '$BB/etc/machine-id'"
check "chroot runs the busybox shell" test "$(chroot "$BB" /bin/sh -c 'echo ok')" = ok
check "configure sets the hostname and hosts" \
	bash -c "'$T/busybox' configure --rootfs '$BB' --name tpl-other && grep -qx tpl-other '$BB/etc/hostname' && grep -q '^127.0.1.1[[:space:]]tpl-other$' '$BB/etc/hosts'"
check "unsupported init exits 3" test "$(exit_code "$T/busybox" build --rootfs "$BB" --name x --result "$TMP/r" --init systemd)" = 3
check "missing --rootfs exits 2" test "$(exit_code "$T/busybox" build --name x --result "$TMP/r")" = 2

# configure must never write through a symlink planted in the rootfs.
mkdir -p "$TMP/outside"
echo keep >"$TMP/outside/hostname"
ln -sf "$TMP/outside/hostname" "$BB/etc/hostname"
check "configure replaces a symlinked /etc/hostname without following it" \
	bash -c "'$T/busybox' configure --rootfs '$BB' --name tpl-x && test ! -L '$BB/etc/hostname' && grep -qx keep '$TMP/outside/hostname'"
EVIL=$TMP/evil
mkdir -p "$EVIL"
ln -s "$TMP/outside" "$EVIL/etc"
check "configure refuses a rootfs whose /etc is a symlink" \
	bash -c "test \"\$('$T/busybox' configure --rootfs '$EVIL' --name tpl-x >/dev/null 2>&1; echo \$?)\" = 1 && grep -qx keep '$TMP/outside/hostname'"

# --- prepare-rootfs ------------------------------------------------------------------------------
check "prepare-rootfs detects busybox" \
	bash -c "'$T/prepare-rootfs' --rootfs '$BB' --name tpl-imp | grep -qx init=busybox && grep -qx tpl-imp '$BB/etc/hostname'"

# A fake systemd rootfs whose /etc/systemd points outside: nothing may be written there.
SD=$TMP/sd
mkdir -p "$SD/lib/systemd" "$SD/sbin" "$SD/etc" "$TMP/outside/systemd"
echo '#!/bin/sh' >"$SD/lib/systemd/systemd"
chmod +x "$SD/lib/systemd/systemd"
ln -s /lib/systemd/systemd "$SD/sbin/init"
ln -s "$TMP/outside/systemd" "$SD/etc/systemd"
rc=$(exit_code "$T/prepare-rootfs" --rootfs "$SD" --name tpl-sd)
check "prepare-rootfs refuses to write through a symlinked /etc/systemd" \
	bash -c "test '$rc' = 1 && test -z \"\$(ls -A '$TMP/outside/systemd')\""
rm "$SD/etc/systemd"
check "prepare-rootfs prepares a systemd rootfs" \
	bash -c "'$T/prepare-rootfs' --rootfs '$SD' --name tpl-sd | grep -qx init=systemd && test \"\$(readlink '$SD/etc/systemd/system/systemd-timesyncd.service')\" = /dev/null"

NOINIT=$TMP/noinit
mkdir -p "$NOINIT/etc"
check "prepare-rootfs warns about a rootfs without init" \
	bash -c "'$T/prepare-rootfs' --rootfs '$NOINIT' --name tpl-n 2>&1 >/dev/null | grep -q 'warning:'"

# --- DHCP marker ---------------------------------------------------------------------------------
# The systemd generator (from the fake systemd rootfs above) run inside the busybox rootfs, which has
# the sh, sed and ln it needs: nothing without the marker, a .network file and networkd with it.
cp "$SD/etc/systemd/system-generators/lxcmgr-network" "$BB/lxcmgr-network-generator"
gen() {
	rm -rf "$BB/run/systemd" "$BB/gen"
	mkdir -p "$BB/gen"
	chroot "$BB" /lxcmgr-network-generator /gen
}
check "generator does nothing without /etc/lxcmgr/network" \
	bash -c "$(declare -f gen); BB='$BB'; rm -f '$BB/etc/lxcmgr/network'; gen && test ! -e '$BB/run/systemd/network' && test -z \"\$(ls -A '$BB/gen')\""
check "generator writes a DHCP .network for eth0=dhcp and enables networkd" \
	bash -c "$(declare -f gen); BB='$BB'; printf 'eth0=dhcp\neth1=static\n' >'$BB/etc/lxcmgr/network'; gen &&
		grep -qx 'Name=eth0' '$BB/run/systemd/network/80-lxcmgr-eth0.network' &&
		grep -qx 'DHCP=yes' '$BB/run/systemd/network/80-lxcmgr-eth0.network' &&
		test ! -e '$BB/run/systemd/network/80-lxcmgr-eth1.network' &&
		test -L '$BB/gen/multi-user.target.wants/systemd-networkd.service'"

# udhcpc with the template's event script, in the busybox rootfs, against busybox udhcpd on a veth
# pair between two network namespaces that this test creates (no other traffic).
dhcp_lease() {
	# Each step says on stdout (TAP comments, kept in the log; stderr is not) where it stopped
	# and what it saw.
	ip netns add "$NS_C" && ip netns add "$NS_S" &&
		ip link add lxmtpl$$a netns "$NS_S" type veth peer name eth0 netns "$NS_C" &&
		ip -n "$NS_S" addr add 10.213.7.1/24 dev lxmtpl$$a && ip -n "$NS_S" link set lxmtpl$$a up &&
		ip -n "$NS_C" link set lo up || { echo "# dhcp: the namespaces or the veth pair could not be made"; return 1; }
	cat >"$TMP/udhcpd.conf" <<-CONF
		start 10.213.7.50
		end 10.213.7.60
		interface lxmtpl$$a
		lease_file $TMP/udhcpd.leases
		pidfile $TMP/udhcpd.pid
		option subnet 255.255.255.0
		option router 10.213.7.1
		option dns 10.213.7.1
		option domain lxcmgr
	CONF
	: >"$TMP/udhcpd.leases"
	ip netns exec "$NS_S" /bin/busybox udhcpd "$TMP/udhcpd.conf" || { echo "# dhcp: udhcpd did not start"; return 1; }
	# udhcpd daemonizes: its pid file says it is set up (a discover sent before that is lost, and
	# five of them at 1 s were not always enough on a loaded machine)
	local tries=50
	while [[ ! -s $TMP/udhcpd.pid ]] && ((tries-- > 0)); do sleep 0.1; done
	ip -n "$NS_C" link set eth0 up || { echo "# dhcp: eth0 could not be set up"; return 1; }
	local round
	for round in 1 2; do
		ip netns exec "$NS_C" chroot "$BB" /sbin/udhcpc -q -n -t 15 -T 1 -i eth0 \
			-s /usr/share/udhcpc/default.script >"$TMP/udhcpc.log" 2>&1 && break
		echo "# dhcp: udhcpc round $round failed; udhcpd pid $(cat "$TMP/udhcpd.pid" 2>/dev/null) alive: $(kill -0 "$(cat "$TMP/udhcpd.pid" 2>/dev/null)" 2>/dev/null && echo yes || echo no)"
		sed 's/^/#   /' "$TMP/udhcpc.log"
		[ "$round" = 1 ] || return 1
	done
	local addr route
	addr=$(ip -n "$NS_C" -4 addr show dev eth0)
	route=$(ip -n "$NS_C" -4 route show default)
	# any address of the pool .50-.60: udhcpd starts its search at a hash of the client's MAC (a
	# random one here), so .60 came up about once in 11 runs (the CI failures: the check wanted .5x)
	grep -Eq 'inet 10\.213\.7\.(5[0-9]|60)/24' <<<"$addr" &&
		grep -q 'via 10.213.7.1 dev eth0' <<<"$route" &&
		grep -qx 'nameserver 10.213.7.1' "$BB/etc/resolv.conf" &&
		grep -qx 'search lxcmgr' "$BB/etc/resolv.conf" && return 0
	echo "# dhcp: udhcpc succeeded but the result is not as expected; its output, eth0, the default route, resolv.conf:"
	sed 's/^/#   /' "$TMP/udhcpc.log" <(echo "$addr") <(echo "$route") "$BB/etc/resolv.conf"
	return 1
}
check "udhcpc event script sets address, route and resolv.conf" dhcp_lease

# --- mirror detection from apt's configuration ---------------------------------------------------
APT=$TMP/apt
mkdir -p "$APT/sources.list.d"
printf '# deb http://example.invalid/commented stable main\n' >"$APT/sources.list"
cat >"$APT/sources.list.d/a.sources" <<-'EOF'
	Types: deb
	URIs: http://example.invalid/security
	Suites: bookworm-security
	Components: main

	Types: deb-src deb
	URIs: http://example.invalid/main-archive http://example.invalid/second
	Suites: bookworm bookworm-updates
	Components: main
EOF
printf 'deb [arch=amd64] http://example.invalid/from-list bookworm main\n' >"$APT/sources.list.d/b.list"
mirror_of() {
	bash -c '. "$1/lib/common.sh"; lxm_host_mirror "$2"' _ "$T" "$APT"
}
check "deb822: first main-archive URI, security pocket skipped" test "$(mirror_of)" = http://example.invalid/main-archive
rm "$APT/sources.list.d/a.sources"
check "one-line format with options" test "$(mirror_of)" = http://example.invalid/from-list

# --- debian (sysvinit) ---------------------------------------------------------------------------
if [[ ${LXCMGR_TEST_DEBIAN:-1} == 0 ]]; then
	for d in "debian sysvinit build" "powerfail and ctrlaltdel" "console getty and tty-gettys" \
		"machine-id, password, hostname" "init detected"; do
		skip "$d" "LXCMGR_TEST_DEBIAN=0"
	done
	exit 0
elif ! command -v mmdebstrap >/dev/null && ! command -v debootstrap >/dev/null; then
	for d in "debian sysvinit build" "powerfail and ctrlaltdel" "console getty and tty-gettys" \
		"machine-id, password, hostname" "init detected"; do
		skip "$d" "no mmdebstrap/debootstrap"
	done
	exit 0
fi
DEB=$TMP/deb
CACHE=/var/tmp/lxcmgr-test-cache/debian
mkdir -p "$DEB" "$CACHE"
if "$T/debian" build --rootfs "$DEB" --name tpl-deb --result "$TMP/deb.result" --init sysvinit \
	--cache-dir "$CACHE" >"$TMP/deb.log" 2>&1 && grep -qx init=sysvinit "$TMP/deb.result"; then
	ok "debian sysvinit build"
else
	not_ok "debian sysvinit build"
	sed 's/^/# /' "$TMP/deb.log" | tail -20
fi
check "powerfail and ctrlaltdel entries" \
	bash -c "grep -qx 'p0::powerfail:/sbin/init 0' '$DEB/etc/inittab' && grep -q '^ca:12345:ctrlaltdel:/sbin/shutdown' '$DEB/etc/inittab' && ! grep -q '^pf::powerwait' '$DEB/etc/inittab'"
check "console getty and tty-gettys" \
	bash -c "grep -q '^[^#]*respawn:/sbin/getty.* console\$' '$DEB/etc/inittab' && ! grep -q '^[^#]*/sbin/getty.*tty[0-9]' '$DEB/etc/inittab' && test \$(grep -c -E '^t[1-6]:2345:respawn:/usr/lib/lxcmgr/tty-getty tty[1-6] --noclear\$' '$DEB/etc/inittab') = 6 && test -x '$DEB/usr/lib/lxcmgr/tty-getty'"
check "machine-id, password, hostname" \
	bash -c "test -f '$DEB/etc/machine-id' && ! test -s '$DEB/etc/machine-id' && grep -q '^root::' '$DEB/etc/shadow' && grep -qx localhost '$DEB/etc/hostname' && grep -q '^127.0.1.1' '$DEB/etc/hosts'"
check "init detected" bash -c ". '$T/lib/common.sh'; . '$T/lib/prepare.sh'; test \"\$(lxm_detect_init '$DEB')\" = sysvinit && test -x '$DEB/sbin/init'"
