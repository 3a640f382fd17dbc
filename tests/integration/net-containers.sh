#!/bin/bash
# Networking end to end with containers that `lxcmgr start` boots: two busybox containers on a
# test network (static and DHCP), ping by address and by NAME.DOMAIN, the static address present
# when init starts, the DHCP marker in the rootfs, a Debian DHCP client, a port forward to a
# listener inside, macvlan/empty/none, leak checks over start/stop cycles, cleanup after the
# monitor was killed, and bad input refused before anything is created. Traffic only flows
# among the test's bridge, the host's address on it and the containers.
. "$(dirname "$0")/lib.sh"
require_root "creates bridges, containers and dnsmasq instances"
plan 152

new_root
chmod 755 "$ROOT" # dnsmasq re-reads its host files as the dnsmasq user
id=$(($$ % 100000))
sub=$((($$ % 200) + 20))
# a subnet no route of the host uses (another bridge, possibly not ours, may hold one)
while ip -4 route show | grep -q "^10\.253\.$sub\."; do sub=$(((sub - 19) % 200 + 20)); done
NET=lxn$id
P=10.253.$sub
BR=$P.1
DUMMY=lxmdummy$((id % 10000))
A=$(unique_name na)
B=$(unique_name nb)
CT=$(unique_name nc)
D=$(unique_name nd)
E=$(unique_name ne)
RUN=$ROOT/run/lxcmgr/networks/$NET
defer "'$LXCMGR' --root '$ROOT' net delete $NET >/dev/null 2>&1; ip link del $DUMMY 2>/dev/null; true"
for c in "$A" "$B" "$CT" "$D" "$E"; do
	defer "'$LXCMGR' --root '$ROOT' stop -k '$c' >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' destroy --force '$c' >/dev/null 2>&1; true"
done

rootfs() { echo "$ROOT/var/lib/lxcmgr/containers/$1/rootfs"; }
cset() { lxcmgr config "$1" set "$2" "$3" >/dev/null; }
in_c() { lxcmgr exec "$1" -- "${@:2}" 2>&1 || true; }
lease_of() { sed -n "s/^[^,]*,\([0-9.]*\),$1\$/\1/p" "$RUN/dhcp-hosts"; }
veths_on() { ip -o link show master "$NET" 2>/dev/null | grep -c ' vlxm' || true; }
fwd_map() { nft list map ip "$table" fwd_tcp 2>/dev/null; }
# wait_for SECONDS CMD...: retries CMD once a second (bounded).
wait_for() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 1
	done
	return 1
}
has_ipv4() { lxcmgr exec "$1" -- ip -4 addr show eth0 2>/dev/null | grep -q "inet $2/"; }

# --- bad input at net create: nothing is created --------------------------------------------------
run_expect_exit 2 lxcmgr net create abcdefghijklmnop --ipv4 $P.1/24
like "$ERR" "15 characters" "a bridge name longer than IFNAMSIZ is refused"
check "net create" "$LXCMGR" --root "$ROOT" net create "$NET" --ipv4 $BR/24 --no-nat --dns-upstream none
table=$(lxcmgr net show "$NET" | sed -n 's/^nft_table: ip \([a-z0-9_]*\) .*/\1/p')
run_expect_exit 4 lxcmgr net create "lxo$id" --ipv4 $P.129/25
like "$ERR" "overlaps" "an overlapping subnet is refused"
check "no bridge for the refused network" bash -c "! ip link show lxo$id 2>/dev/null"

# --- two containers: A static, B DHCP ------------------------------------------------------------
check "create A" "$LXCMGR" --root "$ROOT" create "$A" -t busybox
check "create B" "$LXCMGR" --root "$ROOT" create "$B" -t busybox
cset "$A" network.eth0.bridge "$NET"
cset "$A" network.eth0.ipv4 "$P.50/24"
cset "$B" network.eth0.bridge "$NET"
cset "$B" network.eth0.ipv4 dhcp
# init's very first action records what it sees: the address is there before anything runs
sed -i "1i ::sysinit:/bin/sh -c 'ip -4 addr show eth0 >/early-ip 2>\&1'" "$(rootfs "$A")/etc/inittab"
# a stale marker (and a hostile symlink for resolv.conf's directory is covered below)
mkdir -p "$(rootfs "$A")/etc/lxcmgr"
echo "eth0=dhcp" >"$(rootfs "$A")/etc/lxcmgr/network"

check "start A (static)" "$LXCMGR" --root "$ROOT" start "$A"
like "$(in_c "$A" ip -4 addr show eth0)" "inet $P\.50/24" "static address visible from exec right after start"
check "static address was there when init's first sysinit ran" wait_for 10 grep -q "inet $P.50/24" "$(rootfs "$A")/early-ip"
like "$(in_c "$A" ip route)" "default via $BR" "default route via the bridge"
check "no DHCP marker for a static address (stale one removed)" test ! -e "$(rootfs "$A")/etc/lxcmgr/network"
resolv=$(in_c "$A" cat /etc/resolv.conf)
like "$resolv" "nameserver $BR" "static address: resolv.conf points at the bridge's dnsmasq"
like "$resolv" "search lxcmgr" "resolv.conf searches the network's domain"
like "$(lxcmgr list)" "$P\.50" "list shows A's address"

# B: the marker is written through the rootfs, even when etc/lxcmgr is a symlink to a host path
# not under /tmp: the container's rcS mounts a tmpfs there, hiding the link's target inside
hostdir=/var/tmp/lxmhost$id
defer "rm -rf '$hostdir'"
mkdir -p "$hostdir" "$(rootfs "$B")$hostdir"
rm -rf "$(rootfs "$B")/etc/lxcmgr"
ln -s "$hostdir" "$(rootfs "$B")/etc/lxcmgr"
check "start B (dhcp)" "$LXCMGR" --root "$ROOT" start "$B"
check "the marker did not follow a symlink out of the rootfs" test ! -e "$hostdir/network"
marker=$(cat "$(rootfs "$B")$hostdir/network" 2>/dev/null || true)
like "$marker" "eth0=dhcp" "DHCP marker written inside the rootfs"
ipb=$(lease_of "$B")
like "$ipb" "^$P\.[0-9]+$" "B has a static lease"
check "udhcpc in B gets its lease address" wait_for 20 has_ipv4 "$B" "$ipb"
like "$(in_c "$B" cat /etc/resolv.conf)" "nameserver $BR" "udhcpc wrote the bridge as nameserver"

check "A pings B" lxcmgr exec "$A" -- ping -c1 -W2 "$ipb"
check "B pings A" lxcmgr exec "$B" -- ping -c1 -W2 "$P.50"
check "A pings the host" lxcmgr exec "$A" -- ping -c1 -W2 "$BR"
check "B pings the host" lxcmgr exec "$B" -- ping -c1 -W2 "$BR"
check "the host pings A" busybox ping -c1 -W2 "$P.50"
check "A pings B by name" lxcmgr exec "$A" -- ping -c1 -W2 "$B.lxcmgr"
check "B pings A by short name (search domain)" lxcmgr exec "$B" -- ping -c1 -W2 "$A"
like "$(in_c "$A" nslookup "$B.lxcmgr" "$BR")" "$ipb" "nslookup NAME.DOMAIN through the bridge"

# --- ipv4 "none": a veth on the bridge, no address, no marker, no DHCP client ---------------------
check "create E" "$LXCMGR" --root "$ROOT" create "$E" -t busybox
cset "$E" network.eth0.bridge "$NET"
cset "$E" network.eth0.ipv4 none
check "start E (ipv4 none)" "$LXCMGR" --root "$ROOT" start "$E"
unlike "$(in_c "$E" ip -4 addr show eth0)" "inet " "ipv4 none: eth0 has no IPv4 address"
check "ipv4 none: no DHCP marker" test ! -e "$(rootfs "$E")/etc/lxcmgr/network"
check "ipv4 none: no DHCP client runs" lxcmgr exec "$E" -- sh -c '! pgrep udhcpc'
check "stop E" "$LXCMGR" --root "$ROOT" stop -k "$E"

# --- port forward to a listener in A -----------------------------------------------------------
lxcmgr exec "$A" -- sh -c 'mkdir -p /www && echo hello-fwd >/www/index.html && httpd -p 80 -h /www' >/dev/null 2>&1
run_expect_exit 0 lxcmgr port "$A" add 18080 80
like "$(fwd_map)" "18080 : $P\.50 \. 80" "forward is a map element to A's address"
# The host's own address on the bridge: the output hook DNATs local destinations other than
# 127/8 (loopback never leaves lo, so a DNAT there could not reach the container).
body=$(curl -s --max-time 5 "http://$BR:18080/index.html" || true)
is "$body" "hello-fwd" "the host reaches the listener through the forward"

# --- a changed config rewrites the marker --------------------------------------------------------
check "stop B" "$LXCMGR" --root "$ROOT" stop "$B"
cset "$B" network.eth0.ipv4 "$P.60/24"
check "restart B with a static address" "$LXCMGR" --root "$ROOT" start "$B"
check "the marker is gone with a static address" test ! -e "$(rootfs "$B")$hostdir/network"
like "$(in_c "$B" ip -4 addr show eth0)" "inet $P\.60/24" "B has its new static address"
check "stop B again" "$LXCMGR" --root "$ROOT" stop "$B"

# --- bad input: refused at `config set` (exit code 2, the config unchanged) ----------------------
# What the value alone shows (the schema: also in a hand-edited file), and on a managed network
# what its definition and the other containers' addresses show.
confb=$ROOT/var/lib/lxcmgr/containers/$B/config
bad_config() { # DESC KEY VALUE REGEX
	cp "$confb" "$_lib_tmp/confb"
	run_expect_exit 2 lxcmgr config "$B" set "$2" "$3"
	like "$ERR" "$4" "$1: clear error at config time"
	check "$1: config unchanged" cmp -s "$_lib_tmp/confb" "$confb"
}
bad_config "invalid CIDR" network.eth0.ipv4 "10.253.999.1/24" "Invalid value"
bad_config "invalid MAC" network.eth0.hwaddr "02:zz:00:00:00:01" "Invalid value|invalid"
bad_config "invalid MTU" network.eth0.mtu 70000 "Invalid value|invalid|mtu"
bad_config "a /0 prefix" network.eth0.ipv4 "$P.60/0" "Invalid value .*/0 prefix"
bad_config "the limited broadcast" network.eth0.ipv4 "255.255.255.255/32" "Invalid value .*limited broadcast"
bad_config "the network address" network.eth0.ipv4 "$P.0/24" "Invalid value .*network address"
bad_config "the broadcast address" network.eth0.ipv4 "$P.255/24" "Invalid value .*broadcast address"
bad_config "the bridge's address" network.eth0.ipv4 "$BR/24" "bridge address"
bad_config "an address outside the subnet" network.eth0.ipv4 "10.99.0.5/24" "outside $P\.1/24 of network '$NET'"
bad_config "another prefix than the subnet's" network.eth0.ipv4 "$P.60/25" "outside"
bad_config "the address of a running container" network.eth0.ipv4 "$P.50/24" "address $P\.50 on network '$NET' is used by container '$A'"
# A bridge lxcmgr does not manage: only what the value alone shows.
cset "$B" network.eth0.bridge "lxu$id"
run_expect_exit 0 lxcmgr config "$B" set network.eth0.ipv4 "10.99.0.5/24"
bad_config "the network address on a foreign bridge" network.eth0.ipv4 "10.99.0.0/24" "network address"
cset "$B" network.eth0.ipv4 "$P.60/24"
cset "$B" network.eth0.bridge "$NET"
# Values only the start can judge (a hand edit past `config set`): refused before any link or
# lease exists.
hand_set() { sed -i "s|^\([[:space:]]*ipv4[[:space:]]*=[[:space:]]*\).*|\1\"$1\"|" "$confb"; }
bad_start() { # DESC IPV4 REGEX
	hand_set "$2"
	run_expect_exit 1 lxcmgr start "$B"
	like "$ERR" "$3" "$1: clear error at start"
	is "$(veths_on)" "$base" "$1: no veth left on the bridge"
	is "$(lease_of "$B")" "" "$1: no lease left"
	hand_set "$P.60/24"
}
base=$(veths_on)
bad_start "address in use" "$P.50/24" "address $P\.50 on network '$NET' is used by container '$A'"
bad_start "address outside the subnet" "10.99.0.5/24" "outside"
bad_start "the bridge's address" "$BR/24" "bridge address"
cset "$B" network.eth0.bridge nonexistent
run_expect_exit 1 lxcmgr start "$B"
like "$ERR" "nonexistent" "missing bridge: clear error at start"
cset "$B" network.eth0.bridge "$NET"
is "$(veths_on)" "$base" "no veth left on the bridge by the failed starts"
check "B still starts afterwards" "$LXCMGR" --root "$ROOT" start "$B"
check "stop B" "$LXCMGR" --root "$ROOT" stop "$B"
# The others' static addresses come from the list cache while their configs are unchanged
# (`config set` parsed every container's config); a changed config is read again. Configs changed
# in the last 2 s are never cached (racily clean), hence the pause before list fills the cache. A
# claim only the cache holds shows that `config set` reads it there.
sleep 2.2
lxcmgr list >/dev/null
cache=$ROOT/run/lxcmgr/list-cache
check "list cached A's claim" grep -q "^$A	.*	$P\.50/24@$NET\$" "$cache"
sed -i "s|^\($A	.*	\)$P\.50/24@$NET\$|\1$P.80/24@$NET|" "$cache"
ino=$(stat -c %i "$cache")
bad_config "address claimed in the list cache" network.eth0.ipv4 "$P.80/24" "used by container '$A'"
is "$(stat -c %i "$cache")" "$ino" "a config set that found every claim in the cache does not rewrite it"
cset "$A" network.eth0.ipv4 "$P.70/24"
bad_config "address claimed by a config changed after the cache" network.eth0.ipv4 "$P.70/24" "used by container '$A'"
cset "$A" network.eth0.ipv4 "$P.50/24"

# --- stop removes the forward; killed monitor ----------------------------------------------------
check "stop A" "$LXCMGR" --root "$ROOT" stop "$A"
unlike "$(fwd_map)" "18080" "the forward is gone after stop"
is "$(lease_of "$A")" "" "A's lease is gone after stop"
check "start A again" "$LXCMGR" --root "$ROOT" start "$A"
like "$(fwd_map)" "18080 : $P\.50" "the persisted forward comes back with start"
mon=$(pgrep -f -- "__monitor $A " | head -n1 || true)
like "$mon" "^[0-9]+$" "found A's monitor"
kill -9 "$mon" 2>/dev/null || true
sleep 0.5
lxcmgr stop -k "$A" >/dev/null 2>&1 || true
check "no host veth of A after stop with a killed monitor" bash -c "[ \$(ip -o link show master $NET | grep -c ' vlxm') -eq 0 ]"
unlike "$(fwd_map)" "18080" "no forward of A after stop with a killed monitor"
is "$(lease_of "$A")" "" "no lease of A after stop with a killed monitor"

# --- one static address in two stopped configs: the first to start gets it ----------------------
# `config set` refuses the address of a stopped container too; a hand edit can still make the
# duplicate, and then only the second to start is refused, naming the first.
bad_config "the address of a stopped container" network.eth0.ipv4 "$P.50/24" "used by container '$A'"
hand_set "$P.50/24"
check "the first of two stopped containers with one address starts" "$LXCMGR" --root "$ROOT" start "$B"
run_expect_exit 1 lxcmgr start "$A"
like "$ERR" "address $P\.50 on network '$NET' is used by container '$B'" "the second is refused, naming the first"
check "stop B" "$LXCMGR" --root "$ROOT" stop -k "$B"
hand_set "$P.60/24"
check "A starts once the duplicate is gone" "$LXCMGR" --root "$ROOT" start "$A"
check "stop A" "$LXCMGR" --root "$ROOT" stop -k "$A"

check "create CT" "$LXCMGR" --root "$ROOT" create "$CT" -t busybox

# --- leak check: 20 start/stop cycles ------------------------------------------------------------
cset "$B" network.eth0.ipv4 dhcp
lxcmgr port "$B" add 18081 81 >/dev/null
leak=0
for i in $(seq 20); do
	lxcmgr start "$B" >/dev/null 2>&1 || { leak=1; diag "start $i failed"; break; }
	lxcmgr stop -k "$B" >/dev/null 2>&1 || { leak=1; diag "stop $i failed"; break; }
done
is "$leak" "0" "20 start/stop cycles"
is "$(veths_on)" "0" "no veth left after the cycles"
is "$(lease_of "$B")" "" "no lease left after the cycles"
unlike "$(fwd_map)" "1808[01]" "no forward left after the cycles"
is "$(pgrep -c -f -- "$RUN/dnsmasq.conf" || true)" "1" "one dnsmasq for the network"

# B was killed 20 times without releasing its DHCP lease: dnsmasq keeps it, so a new container
# must get another address, not one dnsmasq refuses to its MAC.
cset "$CT" network.eth0.bridge "$NET"
cset "$CT" network.eth0.ipv4 dhcp
check "start a DHCP container after the killed ones" "$LXCMGR" --root "$ROOT" start "$CT"
ipc=$(lease_of "$CT")
check "it gets its lease address (not one still leased to B's MAC)" wait_for 20 has_ipv4 "$CT" "$ipc"
check "stop it" "$LXCMGR" --root "$ROOT" stop -k "$CT"

# --- macvlan, empty, none ------------------------------------------------------------------------
# A test-owned parent link; kernels without the dummy module get an unmanaged bridge instead.
ip link add "$DUMMY" type dummy 2>/dev/null || { diag "no dummy links: a bridge is the parent"; ip link add "$DUMMY" type bridge; }
ip link set "$DUMMY" up
cset "$CT" network.eth0.type macvlan
cset "$CT" network.eth0.bridge "$DUMMY"
cset "$CT" network.eth0.ipv4 "10.254.$sub.2/24"
check "start macvlan container" "$LXCMGR" --root "$ROOT" start "$CT"
is "$(in_c "$CT" cat /sys/class/net/eth0/iflink)" "$(cat "/sys/class/net/$DUMMY/ifindex")" "eth0 is a macvlan of the parent"
like "$(in_c "$CT" ip -4 addr show eth0)" "inet 10\.254\.$sub\.2/24" "macvlan has its static address"
check "stop macvlan container" "$LXCMGR" --root "$ROOT" stop "$CT"
is "$(ip -o link show | grep -c "@$DUMMY" || true)" "0" "no macvlan left on the parent"

cset "$CT" network.eth0.type empty
check "start empty container" "$LXCMGR" --root "$ROOT" start "$CT"
is "$(in_c "$CT" sh -c 'ls /sys/class/net' | tr '\n' ' ')" "lo " "empty: only lo"
check "stop empty container" "$LXCMGR" --root "$ROOT" stop "$CT"

cset "$CT" network.eth0.type none
mkdir -p "$(rootfs "$CT")/etc/lxcmgr"
echo "eth0=dhcp" >"$(rootfs "$CT")/etc/lxcmgr/network"
check "start none container" "$LXCMGR" --root "$ROOT" start "$CT"
is "$(in_c "$CT" readlink /proc/1/ns/net)" "$(readlink /proc/self/ns/net)" "none: the host's network namespace"
check "none: no DHCP marker (no udhcpc on host links)" test ! -e "$(rootfs "$CT")/etc/lxcmgr/network"
check "stop none container" "$LXCMGR" --root "$ROOT" stop "$CT"

# --- Debian with DHCP ----------------------------------------------------------------------------
if [ -n "${LXCMGR_TEST_SKIP_DEBIAN:-}" ]; then
	skip "LXCMGR_TEST_SKIP_DEBIAN set" 5
else
	use_shared_cache
	check "create debian" timeout 600 "$LXCMGR" --root "$ROOT" create "$D" -t debian
	cset "$D" network.eth0.bridge "$NET"
	cset "$D" network.eth0.ipv4 dhcp
	check "start debian" "$LXCMGR" --root "$ROOT" start "$D"
	ipd=$(lease_of "$D")
	like "$ipd" "^$P\.[0-9]+$" "debian has a static lease"
	check "debian's DHCP client configures the lease (bounded 90 s)" wait_for 90 bash -c "'$LXCMGR' --root '$ROOT' list | grep -q '$ipd'"
	check "the host pings debian" busybox ping -c1 -W2 "$ipd"
	lxcmgr stop -k "$D" >/dev/null 2>&1 || true
fi

destroyed=0
for c in "$A" "$B" "$CT" "$D" "$E"; do
	[ -d "$ROOT/var/lib/lxcmgr/containers/$c" ] || continue
	lxcmgr destroy --force "$c" >/dev/null 2>&1 || destroyed=1
done
is "$destroyed" "0" "destroy the containers"
check "net delete" "$LXCMGR" --root "$ROOT" net delete "$NET"
