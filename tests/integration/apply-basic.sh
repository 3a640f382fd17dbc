#!/bin/bash
# Provisioning: configs/examples/homelab.conf (renamed onto a private bridge and subnet, NAT off,
# no DNS upstream) applied to a fresh world: network, two busybox containers, files, first-boot
# commands, addresses; then idempotence, plan exit codes, a live limit change, a template change
# reported as needing re-creation, export-config round trip, --only and --prune.
. "$(dirname "$0")/lib.sh"
require_root "creates bridges and containers"
plan 51

new_root
use_shared_cache
chmod 755 "$ROOT"
id=$(($$ % 100000))
sub=$((($$ % 200) + 20))
NET=lxa$id
C1=$(unique_name dns)
C2=$(unique_name web)
defer "'$LXCMGR' --root '$ROOT' destroy $C1 --force >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' destroy $C2 --force >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' net delete $NET >/dev/null 2>&1; true"

W=$_lib_tmp/prov
mkdir -p "$W/files"
ex=$top_srcdir/configs/examples
cp "$ex/files/home.conf" "$ex/files/index.html" "$W/files/"
rename() {
	sed -e "s/\blan\b/$NET/g" -e "s/10\.0\.3\./10.253.$sub./g" \
		-e "s/^container dns /container $C1 /" -e "s/^container web /container $C2 /" "$1"
}
rename "$ex/common.conf" >"$W/common.conf"
rename "$ex/homelab.conf" >"$W/homelab.conf"
F=$W/homelab.conf
D1=$ROOT/var/lib/lxcmgr/containers/$C1
D2=$ROOT/var/lib/lxcmgr/containers/$C2

# --- plan of a fresh world
run_expect_exit 2 lxcmgr plan "$F"
like "$OUT" "\+ create network $NET \(10\.253\.$sub\.1/24, nat off, dhcp off\)" "plan: network to create"
like "$OUT" "\+ create container $C1 \(busybox\)" "plan: container to create"
like "$OUT" "> run \"echo provisioned > /var/provisioned\"" "plan: first-boot commands listed"
check "plan changed nothing" bash -c "! test -e '$D1'"

# --- apply
run_expect_exit 0 lxcmgr apply "$F"
diag "$OUT"
check "network bridge is up" ip link show "$NET"
check "both containers exist" test -d "$D1/rootfs" -a -d "$D2/rootfs"
is "$(cat "$D1/rootfs/etc/motd")" "managed by lxcmgr" "content of a file entry"
is "$(stat -c '%a %u:%g' "$D1/rootfs/etc/dnsmasq.d/home.conf")" "600 0:0" "mode and owner of a source file"
cmp -s "$ex/files/home.conf" "$D1/rootfs/etc/dnsmasq.d/home.conf" && ok "source copied verbatim" || not_ok "source copied verbatim"
is "$(stat -c '%a %u:%g' "$D2/rootfs/srv/www/index.html")" "640 65534:65534" "owner resolved in the container's passwd/group"
like "$(cat "$D1/provision.log")" "run: cat /etc/dnsmasq.d/home.conf.*address=/nas\.home/.*=== exit 0" "run output logged"
is "$(cat "$D1/rootfs/var/provisioned")" "provisioned" "first-boot command ran inside the container"
is "$(wc -l <"$D1/provision.state")" "2" "both commands recorded as run"
like "$(lxcmgr exec "$C1" -- ip -4 addr show eth0)" "inet 10\.253\.$sub\.53/24" "$C1 has its declared address"
like "$(lxcmgr exec "$C2" -- cat /proc/net/fib_trie)" "10\.253\.$sub\.80" "$C2 has its declared address"
check "containers reach each other on the declared network" lxcmgr exec "$C2" -- ping -c1 -W2 "10.253.$sub.53"
like "$(lxcmgr config "$C1" get autostart.order)" "^1$" "declared key written into the config"

# --- idempotence
run_expect_exit 0 lxcmgr plan "$F"
like "$OUT" "Nothing to change" "plan after apply: nothing to change"
before=$(stat -c %Y "$D1/config"; md5sum "$D1/config" "$D1/rootfs/etc/motd" "$D1/provision.log")
run_expect_exit 0 lxcmgr apply "$F"
like "$OUT" "Nothing changed" "second apply prints that nothing changed"
is "$(stat -c %Y "$D1/config"; md5sum "$D1/config" "$D1/rootfs/etc/motd" "$D1/provision.log")" "$before" "second apply changed nothing"

# --- a limit changed on a running container: live
sed -i "0,/memory = \"64M\"/s//memory = \"96M\"/" "$F"
run_expect_exit 2 lxcmgr plan "$F"
like "$OUT" "~ limits.memory 64M -> 96M \(live\)" "plan: memory change is live"
run_expect_exit 0 lxcmgr apply "$F"
like "$(lxcmgr limit "$C1")" "memory +96M +96M" "memory limit applied to the running container and the config"

# --- a change a running container sees only after a restart: pending, or done with --restart
sed -i "0,/^container $C1 {/s//container $C1 {\n  hostname = \"renamed\"/" "$F"
run_expect_exit 2 lxcmgr plan "$F"
like "$OUT" "~ hostname $C1 -> renamed \(needs restart\)" "plan: hostname change needs a restart"
run_expect_exit 0 lxcmgr apply "$F"
like "$OUT" "changes pending until it restarts" "apply without --restart reports it pending"
run_expect_exit 2 lxcmgr plan "$F"
like "$OUT" "restart pending for hostname" "the next plan still reports the pending restart"
pid_before=$(lxcmgr info "$C1" | awk '$1 == "pid" {print $2}')
run_expect_exit 0 lxcmgr apply "$F" --restart
# (busybox's rcS sets the hostname from /etc/hostname, so the name itself is not checked here)
pid_after=$(lxcmgr info "$C1" | awk '$1 == "pid" {print $2}')
if [ -n "$pid_after" ] && [ "$pid_after" != "$pid_before" ]; then ok "apply --restart restarted it"; else not_ok "apply --restart restarted it" "pid $pid_before -> $pid_after"; fi
run_expect_exit 0 lxcmgr plan "$F"

# --- drift in a file is repaired; a changed template is reported, never done
echo tampered >"$D1/rootfs/etc/motd"
chmod 600 "$D1/rootfs/etc/motd"
run_expect_exit 2 lxcmgr plan "$F"
like "$OUT" "~ file /etc/motd \(content\)" "plan: drifted file"
sed -i "0,/template = \"busybox\"/s//template = \"debian\"/" "$F"
run_expect_exit 2 lxcmgr plan "$F"
like "$OUT" "! template busybox -> debian \(needs re-creation" "plan: template change needs re-creation"
run_expect_exit 0 lxcmgr apply "$F"
is "$(cat "$D1/rootfs/etc/motd"; stat -c %a "$D1/rootfs/etc/motd")" "$(printf 'managed by lxcmgr\n644')" "drifted file rewritten"
is "$(lxcmgr config "$C1" get template)" "busybox" "template change not done implicitly"
sed -i "0,/template = \"debian\"/s//template = \"busybox\"/" "$F"

# --- export-config round trip
lxcmgr export-config >"$W/exported.conf"
run_expect_exit 0 lxcmgr plan "$W/exported.conf"
like "$OUT" "container $C2:.*= nothing to do" "export-config output plans nothing"

# --- --only and --prune: only what this file created
sed -i "/^container $C2 /,\$d" "$F"
run_expect_exit 0 lxcmgr apply "$F" --only "$C1"
check "--only left the undeclared container alone" test -d "$D2"
run_expect_exit 0 lxcmgr apply "$F" --prune
check "--prune destroyed the container this file created and no longer declares" bash -c "! test -e '$D2'"
check "--prune kept the declared one" test -d "$D1"
