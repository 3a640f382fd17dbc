#!/bin/bash
# export/import round trip onto another lxcmgr root: ownership, device node, hard link and
# snapshots survive and the import boots; a name clash and corrupted archives are refused
# leaving nothing behind (exit code 2, one line); a hostile config is refused; an import under a
# new name beside its original has its own uuid (they shared one payload cgroup: stopping the
# copy killed the original's init), as has a restore beside the renamed original; a killed
# export's staging directory and archive temporary are removed by the next export there.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
plan 63

new_root
new_root ROOT2
A=$(unique_name ea)
B=$(unique_name eb)
CT="$ROOT/var/lib/lxcmgr/containers"
CT2="$ROOT2/var/lib/lxcmgr/containers"
W="$_lib_tmp/work"
mkdir -p "$W"
defer "'$LXCMGR' --root '$ROOT2' kill '$A' >/dev/null 2>&1 || true"
defer "'$LXCMGR' --root '$ROOT' kill '$A' >/dev/null 2>&1 || true"
defer "'$LXCMGR' --root '$ROOT2' kill '$B' >/dev/null 2>&1 || true"
C=$(unique_name ec)
D=$(unique_name ed)
defer "'$LXCMGR' --root '$ROOT' kill '$C' >/dev/null 2>&1 || true"
defer "'$LXCMGR' --root '$ROOT' kill '$D' >/dev/null 2>&1 || true"
uuid_of() { sed -n 's/^uuid *= *"\(.*\)"/\1/p' "$1"; }
lxcmgr2() { "$LXCMGR" --root "$ROOT2" "$@"; }

run_expect_exit 0 lxcmgr create "$A" -t busybox
R="$CT/$A/rootfs"
echo data >"$R/owned"
chown 1234:5678 "$R/owned"
chmod 0640 "$R/owned"
ln "$R/owned" "$R/owned-link"
mknod "$R/dev/testdev" c 1 3
run_expect_exit 0 lxcmgr snapshot "$A" create s1

run_expect_exit 0 lxcmgr export "$A" "$W/a.tar.zst" --snapshots
run_expect_exit 0 lxcmgr2 import "$W/a.tar.zst"
R2="$CT2/$A/rootfs"
is "$(stat -c '%u:%g %a' "$R2/owned")" "1234:5678 640" "owner and mode survive"
is "$(stat -c '%i' "$R2/owned")" "$(stat -c '%i' "$R2/owned-link")" "hard link survives"
is "$(stat -c '%F %t:%T' "$R2/dev/testdev")" "character special file 1:3" "device node survives"
check "snapshots imported" test -f "$CT2/$A/snapshots/s1/rootfs/owned"
is "$(sed -n 's/^uuid *= *"\(.*\)"/\1/p' "$CT2/$A/config")" \
	"$(sed -n 's/^uuid *= *"\(.*\)"/\1/p' "$CT/$A/config")" "same-name import keeps the identity"
run_expect_exit 0 lxcmgr2 start "$A"
is "$(lxcmgr2 exec "$A" -- stat -c %u:%g /owned)" "1234:5678" "imported container boots and sees the owner"
run_expect_exit 0 lxcmgr2 stop "$A" -t 5

# Name clash refused, import under a new name.
run_expect_exit 4 lxcmgr2 import "$W/a.tar.zst"
like "$ERR" "already exists" "clash says why"
run_expect_exit 0 lxcmgr2 import "$W/a.tar.zst" "$B"
is "$(sed -n 's/^hostname *= *"\(.*\)"/\1/p' "$CT2/$B/config")" "$B" "new name sets the hostname"
check "new name: a new uuid" test "$(uuid_of "$CT2/$B/config")" != "$(uuid_of "$CT2/$A/config")"
is "$(uuid_of "$CT2/$B/snapshots/s1/config")" "$(uuid_of "$CT2/$B/config")" \
	"new name: the snapshot's config has the new uuid too (snapshot restore brings it back)"

# Corrupted archives: a flipped byte in the compressed stream, and a consistent archive whose
# rootfs stream does not match its metadata. Both refused, nothing left (no temporaries).
before=$(ls -A "$CT2" | tr '\n' ' ')
cp "$W/a.tar.zst" "$W/flip.tar.zst"
size=$(stat -c %s "$W/flip.tar.zst")
printf '\xff\xff\xff\xff' | dd of="$W/flip.tar.zst" bs=1 seek=$((size / 2)) conv=notrunc status=none
# A corrupt archive is bad input: exit code 2 (README "Exit codes"), one line saying why.
one_line() { is "$(printf '%s\n' "$ERR" | grep -c .)" 1 "$1: one line ($ERR)"; }
run_expect_exit 2 lxcmgr2 import "$W/flip.tar.zst" flipped
one_line "flipped bytes"
mkdir "$W/x"
tar -C "$W/x" -xf "$W/a.tar.zst"
cp -a "$W/x" "$W/clean"
echo tampered >>"$W/x/rootfs.tar"
tar -C "$W/x" -cf "$W/tampered.tar" .
run_expect_exit 2 lxcmgr2 import "$W/tampered.tar" tampered
like "$ERR" "checksum mismatch" "tampered rootfs stream detected by checksum"
one_line "tampered"
is "$(ls -A "$CT2" | tr '\n' ' ')" "$before" "nothing left after refused imports"
echo "not an archive" >"$W/junk.tar.zst"
run_expect_exit 2 lxcmgr2 import "$W/junk.tar.zst"
one_line "junk"
run_expect_exit 2 lxcmgr2 import "$W/junk.tar.zst" junk
one_line "junk under a name"
: >"$W/empty.tar"
run_expect_exit 2 lxcmgr2 import "$W/empty.tar" empty
head -c "$(($(stat -c %s "$W/a.tar.zst") / 2))" "$W/a.tar.zst" >"$W/truncated.tar.zst"
run_expect_exit 2 lxcmgr2 import "$W/truncated.tar.zst" truncated
one_line "truncated"
is "$(ls -A "$CT2" | tr '\n' ' ')" "$before" "nothing left after junk, empty and truncated archives"

# A hostile config with its checksum recomputed, so that only the config's own validation stands
# between it and the store: refused as `create` or `config set` would refuse it, nothing left.
# hostile NAME SED: an archive of the clean members whose config is edited with SED
hostile() {
	rm -rf "$W/h" && cp -a "$W/clean" "$W/h"
	sed -i "$2" "$W/h/config"
	sed -i "s/^config_sha256 = .*/config_sha256 = $(sha256sum "$W/h/config" | cut -d' ' -f1)/" \
		"$W/h/lxcmgr-export.meta"
	tar -C "$W/h" -cf "$W/$1.tar" .
}
hostile badname 's|^name *=.*|name = "../../evil"|'
run_expect_exit 2 lxcmgr2 import "$W/badname.tar" hn
like "$ERR" "config:[0-9]+: Invalid value '../../evil' for 'name'" "a name that is a path is refused, naming the line"
one_line "bad name"
hostile baduuid 's|^uuid *=.*|uuid = "../../../x"|'
run_expect_exit 2 lxcmgr2 import "$W/baduuid.tar" hu
like "$ERR" "Invalid value '../../../x' for 'uuid'" "a uuid that is a path is refused"
is "$(ls -A "$CT2" | tr '\n' ' ')" "$before" "nothing left after hostile configs"
hostile base 's|^hostname.*|&\nstorage = "overlay"\nstorage_base = "/etc"|'
run_expect_exit 0 lxcmgr2 import "$W/base.tar" hb
unlike "$(cat "$CT2/hb/config")" "storage" "an archived storage_base (a host directory as the lower layer) is dropped"
run_expect_exit 0 lxcmgr2 destroy hb
hostile hook 's|^hostname.*|&\nhook {\n  pre_start = "/bin/true"\n}\nmount data {\n  source = "/srv"\n  target = "/data"\n}|'
run_expect_exit 0 lxcmgr2 import "$W/hook.tar" hh
like "$ERR" "gives 'hh' access to the host: hooks \(run on the host as root\), mounts of host paths" \
	"an archived hook and host mount are restored and named in a warning"
run_expect_exit 0 lxcmgr2 destroy hh

# A running container is not exported.
run_expect_exit 0 lxcmgr start "$A"
run_expect_exit 4 lxcmgr export "$A" "$W/b.tar.zst"
check "no archive written" test ! -e "$W/b.tar.zst"
run_expect_exit 0 lxcmgr kill "$A"

# A killed export leaves its staging directory (the rootfs.tar in it) and maybe its archive's
# temporary: the next export into that directory removes them, but not a live export's (flocked,
# as by flock(1) here), not another user's and not a name that is not exactly ours.
K="$W/k"
mkdir "$K" "$K/.lxcmgr-export-live01" "$K/.lxcmgr-export-other1" "$K/.lxcmgr-export-keep"
chown 65534 "$K/.lxcmgr-export-other1"
# not empty and not young: the 60 s grace for an empty young temporary must not be what keeps them
for k in live01 other1; do
	echo x >"$K/.lxcmgr-export-$k/rootfs.tar"
	touch -d '-5 min' "$K/.lxcmgr-export-$k"
done
flock "$K/.lxcmgr-export-live01" sleep 120 &
holder=$!
defer "kill $holder 2>/dev/null || true"
echo partial >"$K/a.tar.zst.tmp-Stale1"
head -c 64M /dev/urandom >"$R/big" # an export of a second or so, to be killed half way
"$LXCMGR" --root "$ROOT" export "$A" "$K/a.tar.zst" &
exporter=$!
# the exporter's own staging directory (not the two planted ones) once it holds something
dead_stage_filled() {
	local d
	for d in "$K"/.lxcmgr-export-??????; do
		case "$d" in *live01 | *other1) continue ;; esac
		compgen -G "$d/*" >/dev/null && return 0
	done
	return 1
}
wait_for 100 dead_stage_filled || true
kill -9 "$exporter"
{ wait "$exporter"; } 2>/dev/null || true
rm "$R/big"
check "the killed export left its staging directory" \
	test -n "$(find "$K" -maxdepth 1 -name '.lxcmgr-export-*' ! -name '*live01' ! -name '*other1' ! -name '*keep')"
run_expect_exit 0 lxcmgr export "$A" "$K/a.tar.zst"
is "$(ls -A "$K" | sort | tr '\n' ' ')" ".lxcmgr-export-keep .lxcmgr-export-live01 .lxcmgr-export-other1 a.tar.zst " \
	"the next export removed the dead export's staging directory and temporary, nothing else"
kill "$holder"

# Two containers from one export in one store: each its own uuid, so stopping the imported one
# leaves the original's init running.
run_expect_exit 0 lxcmgr import "$W/a.tar.zst" "$C"
check "import beside the original: distinct uuids" test "$(uuid_of "$CT/$C/config")" != "$(uuid_of "$CT/$A/config")"
run_expect_exit 0 lxcmgr start "$A"
run_expect_exit 0 lxcmgr start "$C"
run_expect_exit 0 lxcmgr stop "$C" -t 5
run_expect_exit 0 lxcmgr exec "$A" -- true
run_expect_exit 0 lxcmgr kill "$A"
# A restore under the exported name beside the renamed original: a new uuid, said at info level.
run_expect_exit 0 lxcmgr rename "$A" "$D"
run_expect_exit 0 "$LXCMGR" --root "$ROOT" --log-level info import "$W/a.tar.zst"
like "$ERR" "in use by container '$D': '$A' is restored as a new machine" "a restore whose uuid is taken says it is a new machine"
check "restore beside the renamed original: distinct uuids" \
	test "$(uuid_of "$CT/$A/config")" != "$(uuid_of "$CT/$D/config")"
is "$(sed -n 's/^hostname *= *"\(.*\)"/\1/p' "$CT/$A/config")" "$A" "the restore keeps its name and hostname"
