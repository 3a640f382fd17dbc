#!/bin/bash
# Unprivileged containers without an id-mapped rootfs: where the store's filesystem cannot be
# id-mapped (here a ramfs: ext4 and tmpfs on this kernel can), create shifts the owners once,
# records it, and start uses the plain rootfs; a copy with its own "isolated" block and an import
# are shifted again at their first start, a container made privileged gets its container ids
# back and one made unprivileged again is shifted at start; destroy releases the "isolated"
# block. On a store that can be id-mapped nothing is shifted unless LXCMGR_IDSHIFT=force.
# Id files of the test's own.
. "$(dirname "$0")/lib.sh"
require_root "creates and starts containers"
plan 53

new_root
# The store on a ramfs, a filesystem without id-mapped mount support (cleanup_root unmounts it).
mkdir -p "$ROOT/var/lib/lxcmgr"
mount -t ramfs -o mode=755 ramfs "$ROOT/var/lib/lxcmgr"
T=$(mktemp -d /tmp/lxm-idshift.XXXXXX)
defer "rm -rf '$T'"
export LXCMGR_SUBUID=$T/subuid LXCMGR_SUBGID=$T/subgid LXCMGR_IDMAP_REGISTRY=$T/registry
# Root's first delegation is the block every "auto" container shares; the isolated ones get blocks
# of their own from the next (an isolated container once got the auto block: helper's finding).
printf 'root:234464:65536\nroot:300000:131072\n' >"$T/subuid"
printf 'root:234464:65536\nroot:300000:131072\n' >"$T/subgid"
mkdir -p "$ROOT/etc/lxcmgr"
printf 'defaults {\n  security {\n    privileged = false\n    idmap = "isolated"\n  }\n}\n' >"$ROOT/etc/lxcmgr/lxcmgr.conf"
CT=$ROOT/var/lib/lxcmgr/containers
A=$(unique_name sa)
B=$(unique_name sb)
C=$(unique_name sc)
defer "for n in $A $B $C; do '$LXCMGR' --root '$ROOT' kill \$n >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' destroy -f \$n >/dev/null 2>&1; done; true"
owner() { stat -c %u:%g "$1"; }

# ---- create on a store that "cannot be id-mapped" ----
run_expect_exit 0 "$LXCMGR" --root "$ROOT" create "$A" -t busybox
like "$ERR" "container .* cannot be id-mapped: shifting its file ownership once" "create says it shifts ownership"
like "$(cat "$CT/$A/config")" 'idmap_shifted = "u 0 300000 65536; g 0 300000 65536"' "the shift is recorded in the config"
is "$(owner "$CT/$A/rootfs/bin/busybox")" "300000:300000" "files on disk belong to the container's host ids"
like "$(lxcmgr info "$A")" "isolated \\(host ids 300000-365535\\) \\(ownership shifted on disk" "info names the block and says the ownership is shifted"
is "$(cat "$T/registry")" "$(lxcmgr config "$A" get uuid) 300000" "the isolated block is recorded for the container"

check "the shifted container starts" lxcmgr start "$A"
is "$(lxcmgr exec "$A" -T -- stat -c %u:%g /bin/busybox)" "0:0" "inside, its files belong to root"
is "$(lxcmgr exec "$A" -T -- cat /proc/self/uid_map | tr -s ' ')" " 0 300000 65536" "root inside is host uid 300000"
check "root inside creates a file" lxcmgr exec "$A" -T -- touch /root/made-inside
is "$(owner "$CT/$A/rootfs/root/made-inside")" "300000:300000" "which is owned by the mapped ids on disk"
check "the container is killed" lxcmgr kill "$A"

# ---- an "auto" container beside it is another host user ----
E=$(unique_name se)
defer "'$LXCMGR' --root '$ROOT' kill $E >/dev/null 2>&1; true"
check "create a container with idmap auto" sh -c "'$LXCMGR' --root '$ROOT' create '$E' -t busybox >/dev/null 2>&1 && '$LXCMGR' --root '$ROOT' config '$E' set security.idmap auto"
check "the auto container starts" lxcmgr start "$E"
is "$(lxcmgr exec "$E" -T -- cat /proc/self/uid_map | tr -s ' ')" " 0 234464 65536" "root in the auto container is host uid 234464, not the isolated one's"
check "the auto container is killed" lxcmgr kill "$E"
check "and destroyed (the isolated block stays recorded)" sh -c "'$LXCMGR' --root '$ROOT' destroy '$E' && grep -q ' 300000\$' '$T/registry'"

# ---- apply writes files with the shifted owners ----
printf 'container %s {\n  template = "busybox"\n  file "/etc/motd" { content = "hi\\n" }\n  file "/etc/app/conf" { content = "x\\n" owner = "nobody" }\n}\n' "$A" >"$T/prov.conf"
check "apply files to the shifted container" lxcmgr apply "$T/prov.conf"
is "$(owner "$CT/$A/rootfs/etc/motd"):$(owner "$CT/$A/rootfs/etc/app"):$(owner "$CT/$A/rootfs/etc/app/conf")" \
	"300000:300000:300000:300000:365534:365534" "on disk the files and the new directory carry the shifted owners"
like "$(lxcmgr plan "$T/prov.conf")" "nothing to do" "and the next plan has nothing to do"

# ---- a copy gets its own block and is shifted to it at its first start ----
check "copy the shifted container" lxcmgr copy "$A" "$B"
check "the copy starts" lxcmgr start "$B"
is "$(owner "$CT/$B/rootfs/root/made-inside")" "365536:365536" "the copy's files moved to its own block"
like "$(cat "$CT/$B/config")" 'idmap_shifted = "u 0 365536 65536; g 0 365536 65536"' "and the new shift is recorded"
is "$(lxcmgr exec "$B" -T -- stat -c %u /root/made-inside)" "0" "inside the copy the file is still root's"
check "the copy is killed" lxcmgr kill "$B"

# ---- made privileged: shifted back to container ids ----
check "make the copy privileged" lxcmgr config "$B" set security.privileged true
check "it starts privileged" lxcmgr start "$B"
is "$(owner "$CT/$B/rootfs/root/made-inside")" "0:0" "its files are back to container ids"
unlike "$(cat "$CT/$B/config")" 'idmap_shifted' "and the record is gone"
lxcmgr kill "$B" >/dev/null 2>&1

# ---- destroy releases the isolated block ----
uuid_b=$(lxcmgr config "$B" get uuid)
grep -q "^$uuid_b " "$T/registry" || diag "registry: $(cat "$T/registry")"
check "destroy the copy" lxcmgr destroy "$B"
check "its block left the registry" sh -c "! grep -q '^$uuid_b ' '$T/registry' && grep -q ' 300000\$' '$T/registry'"

# ---- export and import: the archive keeps the host ids and the record, the import's first
# start moves them to its own block ----
D=$(unique_name sd)
defer "'$LXCMGR' --root '$ROOT' kill $D >/dev/null 2>&1; true"
check "export the shifted container" lxcmgr export "$A" "$T/a.tar"
check "import it under another name" lxcmgr import "$T/a.tar" "$D"
check "the import starts" lxcmgr start "$D"
is "$(lxcmgr exec "$D" -T -- stat -c %u:%g /root/made-inside)" "0:0" "inside the import the file is root's"
is "$(owner "$CT/$D/rootfs/root/made-inside")" "$(awk -v u="$(lxcmgr config "$D" get uuid)" '$1 == u {print $2 ":" $2}' "$T/registry")" \
	"on disk it belongs to the import's own block"
lxcmgr kill "$D" >/dev/null 2>&1

# ---- made unprivileged again: the failed id-mapped mount shifts it at start ----
check "make the import privileged" lxcmgr config "$D" set security.privileged true
check "it starts privileged (shifted back)" lxcmgr start "$D"
lxcmgr kill "$D" >/dev/null 2>&1
check "and unprivileged again" lxcmgr config "$D" set security.privileged false
run_expect_exit 0 "$LXCMGR" --root "$ROOT" start "$D"
like "$ERR" "container .* cannot be id-mapped: shifting its file ownership once" "start says it shifts the ownership"
like "$(cat "$CT/$D/config")" 'idmap_shifted = "u 0 ' "and records it"
is "$(lxcmgr exec "$D" -T -- stat -c %u /root/made-inside)" "0" "inside, the file is root's again"
lxcmgr kill "$D" >/dev/null 2>&1

# ---- where the store can be id-mapped nothing is shifted, unless forced ----
new_root ROOT2
lxm2() { "$LXCMGR" --root "$ROOT2" "$@"; }
CT2=$ROOT2/var/lib/lxcmgr/containers
mkdir -p "$ROOT2/etc/lxcmgr"
cp "$ROOT/etc/lxcmgr/lxcmgr.conf" "$ROOT2/etc/lxcmgr/lxcmgr.conf"
lxm2 create "$C" -t busybox >/dev/null 2>&1
is "$(owner "$CT2/$C/rootfs/bin/busybox")" "0:0" "without the fallback the files keep their owners (id-mapped mount)"
unlike "$(cat "$CT2/$C/config")" 'idmap_shifted' "and nothing is recorded"
# The probe's yes is remembered per mount (RUN/idmap-probe/BOOT_ID-UNIQUE_MOUNT_ID, Linux >= 6.8).
PROBE_DIR=$ROOT2/run/lxcmgr/idmap-probe
kver=$(uname -r)
kmaj=${kver%%.*}
kmin=${kver#*.}
kmin=${kmin%%.*}
if [ "$kmaj" -gt 6 ] || { [ "$kmaj" -eq 6 ] && [ "$kmin" -ge 8 ]; }; then
	like "$(ls "$PROBE_DIR")" "^$(cat /proc/sys/kernel/random/boot_id)-[0-9a-f]+\$" "the probe's yes is remembered for the store's mount"
	if command -v strace >/dev/null; then
		rm -rf "$PROBE_DIR"
		# (LeakSanitizer cannot run under a tracer: no leak check for these two)
		run_expect_exit 0 env ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=unshare -o "$T/probe1" \
			"$LXCMGR" --root "$ROOT2" create "$C-p1" -t busybox
		run_expect_exit 0 env ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=unshare -o "$T/probe2" \
			"$LXCMGR" --root "$ROOT2" create "$C-p2" -t busybox
		check "without a remembered answer create probes (a throwaway user namespace)" grep -q CLONE_NEWUSER "$T/probe1"
		check "with one it does not probe again" sh -c '! grep -q CLONE_NEWUSER "$1"' sh "$T/probe2"
		unlike "$(cat "$CT2/$C-p2/config")" 'idmap_shifted' "and the remembered answer is used: nothing shifted"
		lxm2 destroy "$C-p1" >/dev/null 2>&1
		lxm2 destroy "$C-p2" >/dev/null 2>&1
	else
		skip "strace is not installed (scripts/install-deps installs it)" 5
	fi
else
	skip "kernel $kver has no unique mount ids (STATX_MNT_ID_UNIQUE, 6.8): the probe is not remembered" 6
fi
LXCMGR_IDSHIFT=force lxm2 create "$C-f" -t busybox >/dev/null 2>&1
like "$(cat "$CT2/$C-f/config")" 'idmap_shifted = "u 0 ' "LXCMGR_IDSHIFT=force takes the shifting path anyway (also with a remembered yes)"
lxm2 destroy "$C" >/dev/null 2>&1
lxm2 destroy "$C-f" >/dev/null 2>&1
