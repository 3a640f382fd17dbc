#!/bin/bash
# Managed networks: net create/list/show/delete, the bridge, its dnsmasq (DHCP static lease and
# DNS names, checked from network namespaces the test makes) and its nft table. All traffic stays
# on the test's own bridge; NAT is checked by its rules only.
. "$(dirname "$0")/lib.sh"
require_root "creates bridges, network namespaces and dnsmasq instances"
plan 47

new_root
new_root ROOT2
# dnsmasq re-reads its host files after dropping to the dnsmasq user: the world must be searchable.
chmod 755 "$ROOT" "$ROOT2"
id=$(($$ % 100000))
sub=$((($$ % 200) + 20))
NET=lxt$id
NET2=lxu$id
NET6=lxv$id
P6=fd42:$(printf %x $((id % 65535)))
NS=lxmtns$id
defer "ip netns del $NS 2>/dev/null; ip link del vh$id 2>/dev/null; true"
defer "'$LXCMGR' --root '$ROOT' net delete $NET >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' net delete $NET2 >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' net delete $NET6 >/dev/null 2>&1; true"
saved_forward=$(cat /proc/sys/net/ipv4/ip_forward)
defer "echo $saved_forward > /proc/sys/net/ipv4/ip_forward"

# --- bad input: nothing is created
run_expect_exit 2 lxcmgr net create "$NET" --ipv4 10.251.$sub.1/33
run_expect_exit 2 lxcmgr net create "$NET" --ipv4 not-a-cidr
run_expect_exit 2 lxcmgr net create abcdefghijklmnop --ipv4 10.251.$sub.1/24
like "$ERR" "15 characters" "a bridge name longer than IFNAMSIZ is refused"
run_expect_exit 3 lxcmgr net delete "$NET"
# a hand-edited definition cannot smuggle dnsmasq options through a value
mkdir -p "$ROOT/var/lib/lxcmgr/networks"
printf 'ipv4 = "10.251.%s.1/24"\ndomain = "x\\ndhcp-script=/bin/sh"\n' "$sub" >"$ROOT/var/lib/lxcmgr/networks/$NET.conf"
run_expect_exit 2 lxcmgr net up "$NET"
like "$ERR" "invalid domain" "a newline in a definition's value is refused"
rm "$ROOT/var/lib/lxcmgr/networks/$NET.conf"
check "no bridge after the bad input" bash -c "! ip link show $NET 2>/dev/null"

# --- create, with NAT off (the default in this test) and DNS answered locally only
check "net create" "$LXCMGR" --root "$ROOT" net create "$NET" --ipv4 10.251.$sub.1/24 --no-nat --dns-upstream none
check "bridge exists and is up" bash -c "ip -br link show $NET | grep -q UP"
like "$(ip -4 -br addr show "$NET")" "10\.251\.$sub\.1/24" "bridge has its address"
like "$(ip -4 addr show "$NET")" "brd 10\.251\.$sub\.255" "broadcast address is right"
run_expect_exit 4 lxcmgr net create "$NET" --ipv4 10.251.$((sub + 1)).1/24
run_expect_exit 4 lxcmgr net create "$NET2" --ipv4 10.251.$sub.129/25
like "$ERR" "overlaps" "an overlapping subnet is refused"
show=$(lxcmgr net show "$NET")
like "$show" "dnsmasq: running \(pid [0-9]+\)" "net show reports dnsmasq running"
pid=$(sed -n 's/^dnsmasq: running (pid \([0-9]*\))$/\1/p' <<<"$show")
table=$(sed -n 's/^nft_table: ip \([a-z0-9_]*\) .*/\1/p' <<<"$show")
check "dnsmasq pid is alive" kill -0 "$pid"
conf=$ROOT/run/lxcmgr/networks/$NET/dnsmasq.conf
like "$(cat "$conf")" "domain=lxcmgr" "dnsmasq config has the domain"
like "$(cat "$conf")" "no-resolv" "dnsmasq has no upstream with --dns-upstream none"
like "$(cat "$conf")" "dhcp-hostsfile=$ROOT/run/lxcmgr/networks/$NET/dhcp-hosts" "dnsmasq reads the static leases file"
rules=$(nft list table ip "$table")
like "$rules" "fwd_tcp" "nft table has the forward maps"
unlike "$rules" "ip daddr != [0-9./]+ masquerade" "no masquerade for the bridge subnet without --nat"
like "$(lxcmgr net list)" "$NET +10\.251\.$sub\.1/24 +- +no +yes +up" "net list shows the network"
like "$(lxcmgr net list --format json)" "\"name\":\"$NET\",\"bridge\":\"$NET\"" "net list --format json"

# --- a second root cannot take over the bridge of the first
run_expect_exit 4 "$LXCMGR" --root "$ROOT2" net create "$NET" --ipv4 10.251.$((sub + 1)).1/24
like "$ERR" "not this lxcmgr root's bridge" "two roots do not silently share a bridge"
check "the first root's bridge survived" ip link show "$NET"

# --- DHCP static lease and DNS name, from a namespace on the bridge
ip netns add "$NS"
ip link add "vh$id" type veth peer name eth0 netns "$NS"
ip link set "vh$id" master "$NET" up
ip -n "$NS" link set lo up
ip -n "$NS" link set eth0 address 02:00:00:aa:bb:01 up
echo "02:00:00:aa:bb:01,10.251.$sub.42,web$id" >>"$ROOT/run/lxcmgr/networks/$NET/dhcp-hosts"
echo "10.251.$sub.42 web$id" >>"$ROOT/run/lxcmgr/networks/$NET/hosts"
kill -HUP "$pid"
lease=$(ip netns exec "$NS" timeout 20 busybox udhcpc -i eth0 -n -q -f -t 10 -T 1 -s /bin/true 2>&1 || true)
like "$lease" "lease of 10\.251\.$sub\.42 obtained" "udhcpc gets the static lease"
ip -n "$NS" addr add "10.251.$sub.42/24" dev eth0
dns=$(ip netns exec "$NS" timeout 10 busybox nslookup "web$id.lxcmgr" "10.251.$sub.1" 2>&1 || true)
like "$dns" "10\.251\.$sub\.42" "NAME.DOMAIN resolves through the bridge's dnsmasq"

# --- NAT on: masquerade rule for the subnet, forwarding enabled
check "net create --nat" "$LXCMGR" --root "$ROOT" net create "$NET2" --ipv4 10.251.$((sub + 1)).0/24 --nat --no-dhcp --dns-upstream none
table2=$(lxcmgr net show "$NET2" | sed -n 's/^nft_table: ip \([a-z0-9_]*\) .*/\1/p')
like "$(nft list table ip "$table2")" "ip saddr 10\.251\.$((sub + 1))\.0/24 ip daddr != 10\.251\.$((sub + 1))\.0/24 masquerade" "masquerade rule for the bridge subnet"
like "$(ip -4 -br addr show "$NET2")" "10\.251\.$((sub + 1))\.1/24" "a subnet given as NETWORK/PREFIX puts the bridge on .1"
is "$(cat /proc/sys/net/ipv4/ip_forward)" 1 "IPv4 forwarding is on for a NAT network"
unlike "$(cat "$ROOT/run/lxcmgr/networks/$NET2/dnsmasq.conf")" "dhcp-range" "--no-dhcp: no DHCP range"

# --- delete removes bridge, dnsmasq and table
ip netns del "$NS"
check "net delete" "$LXCMGR" --root "$ROOT" net delete "$NET"
check "bridge gone" bash -c "! ip link show $NET 2>/dev/null"
check "dnsmasq gone" bash -c "! kill -0 $pid 2>/dev/null || grep -q '^State:.*Z' /proc/$pid/status"
check "nft table gone" bash -c "! nft list table ip $table 2>/dev/null"
check "net delete of the NAT network" "$LXCMGR" --root "$ROOT" net delete "$NET2"

# --- IPv6 only: no NAT (lxcmgr's is IPv4's), but dnsmasq for router advertisements and DNS (it
# started nothing before, and `net show` said "nat: yes")
run_expect_exit 2 lxcmgr net create "$NET6" --ipv4 none --ipv6 "$P6::1/64" --nat
like "$ERR" "--nat needs an IPv4 subnet" "--nat on an IPv6-only network is refused"
check "net create, IPv6 only" "$LXCMGR" --root "$ROOT" net create "$NET6" --ipv4 none --ipv6 "$P6::1/64" --dns-upstream none
show6=$(lxcmgr net show "$NET6")
like "$show6" $'nat: no\n' "an IPv6-only network shows nat: no"
like "$show6" "dnsmasq: running \(pid [0-9]+\)" "and runs dnsmasq"
like "$(cat "$ROOT/run/lxcmgr/networks/$NET6/dnsmasq.conf")" "enable-ra" "which sends router advertisements on the bridge"
pid6=$(echo "$show6" | sed -n 's/^dnsmasq: running (pid \([0-9]*\))/\1/p')
check "net delete of the IPv6-only network" "$LXCMGR" --root "$ROOT" net delete "$NET6"
check "its dnsmasq is gone" bash -c "[ -n '$pid6' ] && { ! kill -0 $pid6 2>/dev/null || grep -q '^State:.*Z' /proc/$pid6/status; }"
