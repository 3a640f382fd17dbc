#!/bin/bash
# What exec remembers between runs, and that it never serves something stale:
#  - the host's cgroup mounts in RUN/.cgroup-mounts (cgroup/mounts-cache.c), used while
#    listmount(2) reports the same mounts: a second exec does not read /proc/self/mountinfo; a
#    changed mount table (another mount namespace, a new mount in it) is read again; a cache file
#    others may write, or garbage, is ignored and replaced; a planted file naming other cgroups
#    with stale mount ids is not used;
#  - the compiled seccomp program (security/seccomp.c), served without parsing the profile: an
#    edited profile is what the next exec applies, and a profile edited into a broken one makes
#    exec fail rather than run the old filter.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }

plan 22

new_root
use_shared_cache
N=$(unique_name ec)
RUN="$ROOT/run/lxcmgr"
CACHE="$RUN/.cgroup-mounts"
T=$(mktemp -d)
mkdir "$T/mnt"
defer "rm -rf '$T'"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
# LeakSanitizer cannot run under ptrace: off for the straced runs of a sanitizer build
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# Whether one exec read /proc/self/mountinfo ("no" when served from the cache).
mountinfo_reads() {
	strace -f -e trace=openat -o "$T/trace" "$@" >/dev/null 2>&1 || { echo "exec failed"; return; }
	if grep -q '/proc/self/mountinfo' "$T/trace"; then echo yes; else echo no; fi
}
ex() { echo "$LXCMGR" --root "$ROOT" exec "$N" -- /bin/true; }

printf 'mkdir EPERM\nmkdirat EPERM\n' >"$T/profile"
check "create a busybox container" lxcmgr create "$N" -t busybox
check "use a seccomp profile file" lxcmgr config "$N" set security.seccomp "$T/profile"
check "start it" lxcmgr start "$N"

# --- cgroup mounts ------------------------------------------------------------------------------
rm -f "$CACHE"
check "exec works without a cache file" lxcmgr exec "$N" -- /bin/true
is "$(stat -c '%u %a' "$CACHE" 2>/dev/null)" "0 600" "the first exec wrote RUN/.cgroup-mounts, root's, 0600"
is "$(mountinfo_reads $(ex))" no "the next exec does not read mountinfo"
# another mount namespace has other mount ids; a new mount in it changes the list again
is "$(unshare -m --propagation private bash -c "$(declare -f mountinfo_reads); T='$T'; mountinfo_reads $(ex)")" yes \
	"in another mount namespace mountinfo is read"
is "$(unshare -m --propagation private bash -c "$(declare -f mountinfo_reads); T='$T'
	mountinfo_reads $(ex) >/dev/null; mount -t tmpfs none '$T/mnt' && mountinfo_reads $(ex); umount '$T/mnt'")" yes \
	"after a new mount mountinfo is read again"
like "$(lxcmgr exec "$N" -- cat /proc/self/cgroup)" ":pids:/($|$(printf '\n'))" "served from the cache, the exec still joins the container's cgroups"
chmod 0620 "$CACHE"
is "$(mountinfo_reads $(ex))" yes "a cache file others may write is not used"
is "$(stat -c %a "$CACHE")" 600 "and is replaced"
printf 'garbage\n' >"$CACHE"
is "$(mountinfo_reads $(ex))" yes "a cache file that is not one is not used"
# a cache naming other cgroup mounts, with ids of a mount table that is not ours (a made-up one)
{ printf 'lxcmgr cgroup mounts 1\n2 1 1\n1\n'; printf '0\t%s\tx\t/\tpids\n' "$T"; } >"$CACHE"
chmod 0600 "$CACHE"
is "$(mountinfo_reads $(ex))" yes "a cache for other mounts is not used"
like "$(lxcmgr exec "$N" -- cat /proc/self/cgroup)" ":pids:/($|$(printf '\n'))" "the exec joins the real cgroups"
# start takes its cgroup mounts from the same cache (runtime/monitor.c): a cache for other mounts
# must not place a new container's init anywhere but in its payload cgroup
check "stop it" lxcmgr stop -k "$N"
{ printf 'lxcmgr cgroup mounts 1\n2 1 1\n1\n'; printf '0\t%s\tx\t/\tpids\n' "$T"; } >"$CACHE"
chmod 0600 "$CACHE"
check "start it with a cache for other mounts" lxcmgr start "$N"
pid=$(lxcmgr info "$N" --format json | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
like "$(grep ':pids:' /proc/${pid:-0}/cgroup)" ":pids:/lxcmgr.payload.[0-9a-f-]*/init$" "its init is in its payload cgroup (the real pids hierarchy)"
is "$(find "$T" -mindepth 1 -name 'lxcmgr.*' | wc -l)" 0 "nothing was made in the cache's made-up mount"

# --- seccomp profile ----------------------------------------------------------------------------
like "$(lxcmgr exec "$N" -- mkdir /tmp/ec-a 2>&1)" "Operation not permitted" "the profile's rule applies to exec"
printf 'rmdir EPERM\n' >"$T/profile"
check "the edited profile is what the next exec gets" lxcmgr exec "$N" -- mkdir /tmp/ec-b
printf 'rmdir EPERM\nkexec_lod EPERM\n' >"$T/profile"
run_expect_exit 1 "$LXCMGR" --root "$ROOT" exec "$N" -- /bin/true
like "$ERR" "profile:2: unknown system call" "a profile edited into a broken one stops the exec (no old filter)"
