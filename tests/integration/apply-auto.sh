#!/bin/bash
# Provisioning with ipv4 = "auto" and hwaddr = "auto": the first start writes the chosen address
# and MAC back into the config, and plan/apply must take those as satisfying "auto" (nothing to
# change, nothing written, no restart with --restart), while a declared literal address or MAC
# that differs from the config is still a change. One busybox container on the test's own
# bridge (NAT off, no DNS upstream); traffic stays between the host and that bridge.
. "$(dirname "$0")/lib.sh"
require_root "creates a bridge and a container"
plan 16

new_root
use_shared_cache
chmod 755 "$ROOT" # dnsmasq re-reads its host files as the dnsmasq user
NET=lxu$(($$ % 100000))
P=$(free_subnet 10.246)
C=$(unique_name pb)
defer "'$LXCMGR' --root '$ROOT' net delete $NET >/dev/null 2>&1; true"
defer "'$LXCMGR' --root '$ROOT' stop -k '$C' >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' destroy --force '$C' >/dev/null 2>&1; true"

check "net create" "$LXCMGR" --root "$ROOT" net create "$NET" --ipv4 "$P.1/24" --no-nat --dns-upstream none
F=$_lib_tmp/auto.conf
cat >"$F" <<EOF
container $C {
  template = "busybox"
  network eth0 { bridge = "$NET"  ipv4 = "auto"  hwaddr = "auto" }
}
EOF
pid_of() { lxcmgr info "$C" | awk '$1 == "pid" {print $2}'; }

run_expect_exit 0 lxcmgr apply "$F"
check "start" "$LXCMGR" --root "$ROOT" start "$C"
addr=$(lxcmgr config "$C" get network.eth0.ipv4)
mac=$(lxcmgr config "$C" get network.eth0.hwaddr)
like "$addr $mac" "^$P\.[0-9]+/24 02(:[0-9a-f]{2}){5}$" "start wrote the chosen address and MAC back"

# --- the written-back values satisfy "auto"
run_expect_exit 0 lxcmgr plan "$F"
like "$OUT" "Nothing to change" "plan after start: nothing to change"
unlike "$OUT" "network\.eth0" "plan reports no interface change"
before=$(md5sum "$ROOT/var/lib/lxcmgr/containers/$C/config")
run_expect_exit 0 lxcmgr apply "$F"
like "$OUT" "Nothing changed" "apply after start: nothing changed"
is "$(md5sum "$ROOT/var/lib/lxcmgr/containers/$C/config")" "$before" "apply kept the written-back address and MAC"
pid_before=$(pid_of)
run_expect_exit 0 lxcmgr apply "$F" --restart
is "$(pid_of)" "$pid_before" "apply --restart did not restart the container (same init pid)"

# --- a declared literal that differs from the config is still a change
sed -i "s|ipv4 = \"auto\"|ipv4 = \"$P.99/24\"|" "$F"
run_expect_exit 2 lxcmgr plan "$F"
like "$OUT" "~ network\.eth0\.ipv4 ${addr//./\\.} -> $P\.99/24 \(needs restart\)" "plan: a different literal address"
sed -i "s|hwaddr = \"auto\"|hwaddr = \"02:00:00:00:00:99\"|" "$F"
run_expect_exit 2 lxcmgr plan "$F"
like "$OUT" "~ network\.eth0\.hwaddr $mac -> 02:00:00:00:00:99 \(needs restart\)" "plan: a different literal MAC"
