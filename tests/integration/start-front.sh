#!/bin/bash
# `start` runs in `lxcmgr` itself (statically linked where the build can, lxcmgr/cli/front.c; a
# sanitizer build routes the same way) and hands to lxcmgr-full only the steps that load
# libnftables or use NSS (runtime/full-helper.h): a managed network's nft table and dnsmasq
# (`__network-up`) and the port forwards (`__net-forwards add|remove`). Seen through a copy of
# lxcmgr whose lxcmgr-full is a wrapper logging each command line before it runs the real one:
# a container without network and one with a static address on an unmanaged bridge start and
# are killed without lxcmgr-full; one on a managed network with a forward gets both steps from
# lxcmgr-full (dnsmasq, the forward's map element) and loses the forward at kill, also from a
# monitor that stays in lxcmgr (LXCMGR_MONITOR_SMALL=0); a step failing in lxcmgr-full fails the
# start with its message and leaves nothing behind. No packet is sent.
. "$(dirname "$0")/lib.sh"
require_root "boots containers, creates bridges, nft tables and dnsmasq instances"
FULL="$(dirname "$LXCMGR")/lxcmgr-full"
[ -x "$FULL" ] || { echo "1..0 # SKIP a build without lxcmgr-full (--disable-static-cli)"; exit 0; }

plan 42

new_root
chmod 755 "$ROOT" # dnsmasq re-reads its host files as the dnsmasq user
use_shared_cache
id=$(($$ % 100000))
sub=$((($$ % 200) + 20))
# subnets no route of the host uses (another bridge, possibly not ours, may hold one)
while ip -4 route show | grep -q "^10\.250\.$sub\."; do sub=$(((sub - 19) % 200 + 20)); done
P=10.250.$sub
NET=lxf$id
BR=lxfb$id
N1=$(unique_name sf)
N2=$(unique_name sg)
N3=$(unique_name sh)
N4=$(unique_name si)
T=$(mktemp -d)
defer "rm -rf '$T'"
defer "'$LXCMGR' --root '$ROOT' net delete $NET >/dev/null 2>&1; ip link del $BR 2>/dev/null; true"
for c in "$N1" "$N2" "$N3" "$N4"; do
	defer "'$LXCMGR' --root '$ROOT' stop -k '$c' >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' destroy --force '$c' >/dev/null 2>&1; true"
done

# The copy: lxcmgr and its small monitor as built, lxcmgr-full a logging wrapper of the real one
mkdir "$T/bin"
cp "$LXCMGR" "$T/bin/lxcmgr"
if [ -x "$(dirname "$LXCMGR")/lxcmgr-monitor" ]; then cp "$(dirname "$LXCMGR")/lxcmgr-monitor" "$T/bin/"; fi
# (each line: the arguments, then "blocked=" the signal mask the process started with)
cat >"$T/bin/lxcmgr-full" <<EOF
#!/bin/sh
echo "\$* blocked=\$(sed -n 's/^SigBlk:[[:space:]]*//p' /proc/\$\$/status)" >>"$T/full.log"
exec "$FULL" "\$@"
EOF
chmod 755 "$T/bin/lxcmgr-full"
L=$T/bin/lxcmgr
lm() { "$L" --root "$ROOT" "$@"; }
full_log() { cat "$T/full.log" 2>/dev/null || true; }
state() { lxcmgr info "$1" --format json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }
cset() { lxcmgr config "$1" set "$2" "$3" >/dev/null; }
fwd_map() { nft list map ip "$table" fwd_tcp 2>/dev/null || true; }
veths_on() { ip -o link show master "$1" 2>/dev/null | grep -c ' vlxm' || true; }

# --- no network: start and kill without lxcmgr-full ---------------------------------------------
check "create a busybox container" lxcmgr create "$N1" -t busybox -q
: >"$T/full.log"
run_expect_exit 0 lm start "$N1"
is "$(full_log)" "" "start of a container without network executes no lxcmgr-full"
is "$(state "$N1")" running "it runs"
check "its init runs commands (exec)" lm exec "$N1" -- /bin/true
run_expect_exit 0 lm kill "$N1"
is "$(state "$N1")" stopped "kill stops it"
is "$(full_log)" "" "nor does its kill"

# --- a veth with a static address on an unmanaged bridge (the benchmark's case) -------------------
check "a bridge lxcmgr does not manage" ip link add "$BR" type bridge
check "create the second container" lxcmgr create "$N2" -t busybox -q
cset "$N2" network.eth0.type veth
cset "$N2" network.eth0.bridge "$BR"
cset "$N2" network.eth0.ipv4 "10.249.$sub.2/24"
: >"$T/full.log"
run_expect_exit 0 lm start "$N2"
is "$(full_log)" "" "start with a veth on an unmanaged bridge executes no lxcmgr-full"
like "$(lm exec "$N2" -- ip -4 addr show eth0 2>&1)" "inet 10\.249\.$sub\.2/24" "the container has its address"
is "$(veths_on "$BR")" 1 "its host veth is on the bridge"
run_expect_exit 0 lm kill "$N2"
is "$(veths_on "$BR")" 0 "kill removes the host veth"

# --- a managed network with IPv4 and a forward: those steps run in lxcmgr-full -------------------
check "net create" lxcmgr net create "$NET" --ipv4 "$P.1/24" --no-nat --dns-upstream none
table=$(lxcmgr net show "$NET" | sed -n 's/^nft_table: ip \([a-z0-9_]*\) .*/\1/p')
check "create the third container" lxcmgr create "$N3" -t busybox -q
cset "$N3" network.eth0.type veth
cset "$N3" network.eth0.bridge "$NET"
cset "$N3" network.eth0.ipv4 "$P.50/24"
check "a forward in its config" lxcmgr port "$N3" add 18080 80
# nine more: each forward is one argument of lxcmgr-full's command line (once cut at 8)
for p in 18081 18082 18083 18084 18085 18086 18087 18088 18089; do lxcmgr port "$N3" add "$p" 80 >/dev/null; done
: >"$T/full.log"
run_expect_exit 0 lm start "$N3"
is "$(fwd_map | grep -o "$P\.50 \. 80" | wc -l)" 10 "all ten forwards are map elements"
like "$(full_log)" "__network-up $NET " "lxcmgr-full brings the managed network up"
like "$(full_log)" "__net-forwards add $NET $P\.50 tcp/18080/80 " "lxcmgr-full adds the forwards lxcmgr decided"
unlike "$(full_log)" "(^| )start( |$)" "the start itself stays in lxcmgr"
like "$(fwd_map)" "18080 : $P\.50 \. 80" "the forward is a map element to the container's address"
check "the network's dnsmasq runs" pgrep -f -- "$ROOT/run/lxcmgr/networks/$NET/dnsmasq.conf"
# the monitor blocks the signals it reads from its signalfd; its helper starts unblocked (the
# dnsmasq it starts inherits the mask: a blocked SIGTERM/SIGHUP would keep stop and reloads out)
like "$(grep -- "__network-up $NET " "$T/full.log")" "blocked=0+$" "the helper starts with no signal blocked"
run_expect_exit 0 lm kill "$N3"
unlike "$(fwd_map)" "18080" "kill removes the forward"

# the monitor stays in lxcmgr (no small monitor, so no hand-back to lxcmgr-full): its teardown
# hands the forwards to lxcmgr-full itself
run_expect_exit 0 env LXCMGR_MONITOR_SMALL=0 "$L" --root "$ROOT" start "$N3"
like "$(fwd_map)" "18080 : $P\.50" "the forward is back with start"
# edited while it runs: the teardown goes by the monitor's snapshot of the config, not the file
# (lxcmgr-full once reloaded the file, found no managed network and left the forward behind)
cset "$N3" network.eth0.bridge "lxnone$id"
: >"$T/full.log"
run_expect_exit 0 lm kill "$N3"
like "$(full_log)" "__net-forwards remove $NET $P\.50 " "the monitor in lxcmgr has lxcmgr-full remove the forwards"
unlike "$(fwd_map)" "18080" "the forward is gone, the config edited meanwhile notwithstanding"
cset "$N3" network.eth0.bridge "$NET"

# --- a step failing in lxcmgr-full fails the start -----------------------------------------------
run_expect_exit 0 lm start "$N3"
check "create the fourth container" lxcmgr create "$N4" -t busybox -q
cset "$N4" network.eth0.type veth
cset "$N4" network.eth0.bridge "$NET"
cset "$N4" network.eth0.ipv4 "$P.51/24"
check "a forward of the same host port" lxcmgr port "$N4" add 18080 81
run_expect_exit 1 lm start "$N4"
like "$ERR" "18080 is already forwarded" "the start fails with lxcmgr-full's message"
is "$(state "$N4")" stopped "the container is stopped"
is "$(veths_on "$NET")" 1 "no host veth of it is left"
run_expect_exit 0 lm kill "$N3"
