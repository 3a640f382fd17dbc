#!/bin/bash
# Port forwards (lxcmgr port) and `net delete` refusing while a container uses the network.
# Only the rules are checked; no packet is sent.
. "$(dirname "$0")/lib.sh"
require_root "creates bridges, nft tables and dnsmasq instances"
plan 20

new_root
chmod 755 "$ROOT"
id=$(($$ % 100000))
sub=$((($$ % 200) + 20))
# a subnet no route of the host uses (another bridge, possibly not ours, may hold one)
while ip -4 route show | grep -q "^10\.252\.$sub\."; do sub=$(((sub - 19) % 200 + 20)); done
NET=lxp$id
C=$(unique_name pf)
defer "'$LXCMGR' --root '$ROOT' net delete $NET >/dev/null 2>&1; true"

check "net create" "$LXCMGR" --root "$ROOT" net create "$NET" --ipv4 10.252.$sub.1/24 --no-nat --dns-upstream none
check "container created" "$LXCMGR" --root "$ROOT" create "$C" -t busybox
check "container put on the network" "$LXCMGR" --root "$ROOT" config "$C" set network.eth0.bridge "$NET"

run_expect_exit 4 lxcmgr net delete "$NET"
like "$ERR" "used by container '$C'" "net delete refuses while a container uses the network"

# --- a stopped container: the forward is only written to its config
run_expect_exit 0 lxcmgr port "$C" add 18080 80
like "$(lxcmgr config "$C" show)" "forward tcp-18080" "the forward is persisted as a section"
run_expect_exit 0 lxcmgr port "$C" list
like "$OUT" "tcp +18080 +80 +inactive" "list shows it inactive while stopped"
run_expect_exit 4 lxcmgr port "$C" add tcp 18080 81
run_expect_exit 2 lxcmgr port "$C" add tcp 0 80
run_expect_exit 2 lxcmgr port "$C" add sctp 18081 80

# --- a running container (its lease is what start records): forwards apply live
dir=$ROOT/run/lxcmgr/networks/$NET
echo "02:00:00:aa:bb:02,10.252.$sub.7,$C" >>"$dir/dhcp-hosts"
table=$(lxcmgr net show "$NET" | sed -n 's/^nft_table: ip \([a-z0-9_]*\) .*/\1/p')
run_expect_exit 0 lxcmgr port "$C" add udp 15353 53
like "$(nft list map ip "$table" fwd_udp)" "15353 : 10\.252\.$sub\.7 \. 53" "a live forward is a map element to the container's address"
like "$(lxcmgr port "$C" list)" "udp +15353 +53 +active -> 10\.252\.$sub\.7" "list shows it active"
run_expect_exit 0 lxcmgr port "$C" remove udp 15353
unlike "$(nft list map ip "$table" fwd_udp)" "15353" "remove deletes the map element"
run_expect_exit 3 lxcmgr port "$C" remove udp 15353

check "container destroyed" "$LXCMGR" --root "$ROOT" destroy "$C"
check "net delete once unused" "$LXCMGR" --root "$ROOT" net delete "$NET"
