#!/bin/bash
# Paths the container controls: symlinks (and a FIFO) planted in a container's rootfs for every
# kind of host-side write lxcmgr does into an existing container never redirect the write to the
# host. Start-time mounts (bind-mount targets, /dev with the console and tty binds, /run) in both
# modes; rename and copy (hostname, machine-id); create --from a tarball whose etc/inittab points
# at a host file. The network files and `apply` have their own tests (net-containers.sh,
# apply-safety.sh).
. "$(dirname "$0")/lib.sh"
require_root "creates and starts containers"
plan 29

new_root
T=$(mktemp -d /tmp/lxm-safe.XXXXXX)
defer "rm -rf '$T'"
chmod 755 "$T" # the unprivileged container's root reads the bind source below it
export LXCMGR_SUBUID=$T/subuid LXCMGR_SUBGID=$T/subgid LXCMGR_IDMAP_REGISTRY=$T/registry
echo "root:400000:65536" >"$T/subuid"
echo "root:400000:65536" >"$T/subgid"
CT=$ROOT/var/lib/lxcmgr/containers
NAMES=()
defer 'for n in "${NAMES[@]}"; do "$LXCMGR" --root "$ROOT" kill "$n" >/dev/null 2>&1; done; true'
mkdir -p "$T/src"
echo "bind source" >"$T/src/data"
TAG=lxm-safe-$$

# Every start-time write target of one container is a symlink out of the rootfs.
plant_start() {
	local rootfs=$1 mode=$2
	mkdir -p "$T/victim-bind-$mode" "$T/victim-dev-$mode" "$T/victim-run-$mode"
	mkdir -p "$rootfs/srv" "$rootfs/mnt"
	# a bind target leading to a host directory by an absolute path with ".." in it (the same
	# path exists inside the rootfs: resolved there, the mount is the container's business)
	ln -s "/../../../..$T/victim-bind-$mode" "$rootfs/srv/evil"
	mkdir -p "$rootfs$T/victim-bind-$mode"
	# a bind target below a link to /etc (the host's, if followed from the host)
	ln -s /etc "$rootfs/mnt/etclink"
	# /dev (tmpfs, console and tty binds, devpts) and /run (/run/systemd/container)
	rm -rf "$rootfs/dev" "$rootfs/run"
	ln -s "/../../..$T/victim-dev-$mode" "$rootfs/dev"
	mkdir -p "$rootfs$T/victim-dev-$mode"
	ln -s "$T/victim-run-$mode" "$rootfs/run"
}

for mode in privileged unprivileged; do
	n=$(unique_name "sp$mode")
	NAMES+=("$n")
	lxcmgr create "$n" -t busybox >/dev/null 2>&1
	plant_start "$CT/$n/rootfs" "$mode"
	cat >>"$CT/$n/config" <<-EOF
		security {
		  privileged = $([ "$mode" = privileged ] && echo true || echo false)
		}
		mount evil { source = "$T/src"  target = "/srv/evil"  options = "bind,ro" }
		mount etc { source = "$T/src"  target = "/mnt/etclink/$TAG"  options = "bind,ro" }
	EOF
	run_expect_exit 0 "$LXCMGR" --root "$ROOT" start "$n"
	is "$(ls -A "$T/victim-bind-$mode")" "" "$mode: the host directory behind a planted bind target stays empty"
	check "$mode: and nothing is mounted on it" sh -c "! grep -q ' $T/victim-bind-$mode ' /proc/self/mountinfo"
	check "$mode: a bind target below a link to /etc does not reach the host's /etc" test ! -e "/etc/$TAG"
	check "$mode: ... it landed in the container's own /etc" test -d "$CT/$n/rootfs/etc/$TAG"
	is "$(ls -A "$T/victim-dev-$mode")" "" "$mode: /dev planted as a link: the host directory stays empty"
	check "$mode: ... and unmounted (tmpfs, console and tty binds went inside)" \
		sh -c "! grep -q ' $T/victim-dev-$mode ' /proc/self/mountinfo"
	is "$(ls -A "$T/victim-run-$mode")" "" "$mode: /run planted as a link: /run/systemd/container is not written on the host"
	like "$(lxcmgr exec "$n" -T -- cat /proc/self/mountinfo 2>&1)" " $T/victim-bind-$mode " "$mode: inside, the bind mount is where the container's link points"
	check "$mode: the container is killed" lxcmgr kill "$n"
done

# ---- rename and copy rewrite etc/hostname and etc/machine-id ----
echo "host secret" >"$T/victim-hostname"
echo "host machine id" >"$T/victim-machine-id"
n=$(unique_name spc)
lxcmgr create "$n" -t busybox >/dev/null 2>&1
rootfs=$CT/$n/rootfs
rm -f "$rootfs/etc/hostname" "$rootfs/etc/machine-id"
ln -s "$T/victim-hostname" "$rootfs/etc/hostname"
ln -s "/../../../..$T/victim-machine-id" "$rootfs/etc/machine-id"
check "rename with a planted etc/hostname link" lxcmgr rename "$n" "$n-r"
is "$(cat "$T/victim-hostname")" "host secret" "rename did not write through the link"
check "copy with planted links" lxcmgr copy "$n-r" "$n-c"
is "$(cat "$T/victim-hostname")" "host secret" "copy did not write the host file behind etc/hostname"
is "$(cat "$T/victim-machine-id")" "host machine id" "copy did not empty the host file behind etc/machine-id"
# A FIFO at etc/hostname: opening it for writing would block the copy forever.
rm -f "$CT/$n-r/rootfs/etc/hostname"
mkfifo "$CT/$n-r/rootfs/etc/hostname"
check "copy does not open a FIFO planted at etc/hostname" timeout 30 "$LXCMGR" --root "$ROOT" copy "$n-r" "$n-f"

# ---- create --from a tarball whose etc/inittab is a link to a host file ----
echo "host inittab" >"$T/victim-inittab"
mkdir -p "$T/tar/sbin" "$T/tar/etc"
cp "$(command -v busybox)" "$T/tar/sbin/busybox"
printf '#!/bin/sh\n# INIT_VERSION=sysvinit /etc/inittab\n' >"$T/tar/sbin/init"
chmod 755 "$T/tar/sbin/init"
ln -s "$T/victim-inittab" "$T/tar/etc/inittab"
tar -C "$T/tar" -cf "$T/evil.tar" .
n=$(unique_name spt)
LXCMGR_LOG_LEVEL=info run_expect_exit 0 "$LXCMGR" --root "$ROOT" create "$n" --from "$T/evil.tar"
like "$ERR" "inittab' is a symlink" "create says it did not prepare the linked inittab"
is "$(cat "$T/victim-inittab")" "host inittab" "the host file behind etc/inittab is unchanged"
