#!/bin/bash
# Shared library of the integration tests: TAP output, root check, private worlds (--root),
# a cleanup registry and helpers. Source it first:  . "$(dirname "$0")/lib.sh"
#
#   require_root                   skip the whole file (exit 0) unless root
#   plan N                         "1..N"
#   ok DESC / not_ok DESC [DIAG]   one test result
#   check DESC CMD...              ok when CMD exits 0 (its output becomes the diagnostic otherwise)
#   is GOT WANT DESC / like GOT REGEX DESC / unlike GOT REGEX DESC
#   run_expect_exit CODE CMD...    ok when CMD exits CODE; its output is left in $OUT and $ERR
#   skip REASON [COUNT]            COUNT skipped tests
#   diag TEXT...                   "# TEXT" lines
#   defer 'SHELL CODE'             run at exit, in reverse order, even after a failure
#   new_root [VAR]                 a fresh --root world (default VAR=ROOT), removed at exit
#   lxcmgr ARGS...                 "$LXCMGR" --root "$ROOT" ARGS... (a function: for a background
#                                  job whose $! you signal, run "$LXCMGR" --root "$ROOT" ... & directly,
#                                  or $! is a subshell and the signal never reaches lxcmgr)
#   unique_name [PREFIX]           a container name no other test run uses
#   free_subnet A.B                prints A.B.N, a /24 (N from the pid) no route of the host uses
#   use_shared_cache               this world's template cache is $LXCMGR_TEST_CACHE (shared
#                                  between runs and tests, so the debian build happens once)
#   busybox_rootfs_tarball FILE    builds a busybox rootfs with the template, tars it to FILE
set -euo pipefail

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
if [ -z "${LXCMGR:-}" ]; then
	for _c in "$top_srcdir/build-ci/lxcmgr/lxcmgr" "$top_srcdir/build/lxcmgr/lxcmgr" "$top_srcdir/lxcmgr/lxcmgr"; do
		if [ -x "$_c" ]; then LXCMGR=$_c; break; fi
	done
fi
: "${LXCMGR:=lxcmgr}"
: "${LXCMGR_TEMPLATES_DIR:=$top_srcdir/templates}"
: "${LXCMGR_TEST_CACHE:=/var/tmp/lxcmgr-test-cache}"
# The uninstalled tree's seccomp and AppArmor profiles (configs/seccomp, configs/apparmor)
: "${LXCMGR_PROFILES_DIR:=$top_srcdir/configs}"
export LXCMGR LXCMGR_TEMPLATES_DIR LXCMGR_TEST_CACHE LXCMGR_PROFILES_DIR
# The sanitized binary: make a sanitizer report fail the command, keep leak checking on.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:exitcode=99}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}"

_tap_n=0
_tap_failed=0
_tap_plan=
_deferred=()
_lib_tmp=$(mktemp -d /tmp/lxcmgr-test.XXXXXX)
OUT=
ERR=

diag() {
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/# /'
	done
}

plan() {
	_tap_plan=$1
	echo "1..$1"
}

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}

not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	shift
	if [ $# -gt 0 ]; then diag "$@"; fi
	return 0
}

skip() {
	local reason=$1 count=${2:-1} i
	for ((i = 0; i < count; i++)); do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP $reason"
	done
}

check() {
	local desc=$1 rc=0
	shift
	"$@" >"$_lib_tmp/out" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc" "command: $*" "exit status: $rc" "$(head -c 4000 "$_lib_tmp/out")"
	fi
}

is() {
	if [ "$1" == "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'" "want: '$2'"
	fi
}

like() {
	if [[ "$1" =~ $2 ]]; then
		ok "$3"
	else
		not_ok "$3" "got:  '$(printf '%s' "$1" | head -c 2000)'" "want match: $2"
	fi
}

unlike() {
	if [[ "$1" =~ $2 ]]; then
		not_ok "$3" "got:  '$(printf '%s' "$1" | head -c 2000)'" "want no match: $2"
	else
		ok "$3"
	fi
}

run_expect_exit() {
	local want=$1 rc=0
	shift
	"$@" >"$_lib_tmp/out" 2>"$_lib_tmp/err" || rc=$?
	OUT=$(cat "$_lib_tmp/out")
	ERR=$(cat "$_lib_tmp/err")
	if [ "$rc" -eq "$want" ]; then
		ok "exit $want: $*"
	else
		not_ok "exit $want: $*" "exit status: $rc" "stdout: $(head -c 2000 "$_lib_tmp/out")" \
			"stderr: $(head -c 2000 "$_lib_tmp/err")"
	fi
}

defer() {
	_deferred+=("$1")
}

_lib_exit() {
	local status=$? i
	set +e
	for ((i = ${#_deferred[@]} - 1; i >= 0; i--)); do
		eval "${_deferred[i]}" >&2 || echo "# cleanup failed: ${_deferred[i]}" >&2
	done
	rm -rf "$_lib_tmp"
	if [ -n "$_tap_plan" ] && [ "$_tap_n" -lt "$_tap_plan" ]; then
		not_ok "script stopped early (exit status $status) after test $_tap_n of $_tap_plan"
	fi
	# automake's TAP driver says so too, a test run by hand did not: a check added without its plan
	if [ -n "$_tap_plan" ] && [ "$_tap_n" -gt "$_tap_plan" ]; then
		diag "ran $_tap_n tests, more than the plan's $_tap_plan"
		exit 1
	fi
	if [ "$_tap_failed" -gt 0 ] || [ "$status" -ne 0 ]; then
		exit 1
	fi
	exit 0
}
trap _lib_exit EXIT

# proc_gone PID: the process has exited (gone, or a zombie its parent, pid 1 for a monitor, has
# not reaped yet, or one being reaped: X, EXIT_DEAD, while its reaper, preempted on a loaded
# machine, has not released it yet).
proc_gone() { [ ! -e "/proc/$1" ] || [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" =~ ^[ZX]?$ ]]; }

# cgroups_of UUID: the container's cgroups (payload and its own monitor cgroup) in any hierarchy.
cgroups_of() { find /sys/fs/cgroup -maxdepth 2 -name "lxcmgr.*.$1" 2>/dev/null; }

# container_procs NAME: "PID ARGV..." of every process in the running container, as it sees them
# (lxcmgr exec; the listing shell itself shows as "sh -c ...").
container_procs() {
	lxcmgr exec "$1" -- sh -c 'for p in /proc/[0-9]*; do c=$(tr "\0" " " <"$p/cmdline" 2>/dev/null); [ -n "$c" ] && echo "${p#/proc/} $c"; done'
}

# tty_gettys_ok NAME N: the templates' tty-getty (templates/lib/prepare.sh) runs a getty on each of
# the container's N ttys and sleeps for the other 6 - N.
tty_gettys_ok() {
	local p
	p=$(container_procs "$1") || return 1
	[ "$(grep -c -E '^[0-9]+ [^ ]*getty .*38400 tty[1-6] $' <<<"$p")" = "$2" ] &&
		[ "$(grep -c -E '^[0-9]+ sleep 2147483647 $' <<<"$p")" = $((6 - $2)) ]
}

# elf_dynamic FILE: the ELF file names a program interpreter (PT_INTERP: it is linked dynamically).
# Read with python3 rather than readelf, which the VM lane's guest does not have.
elf_dynamic() {
	python3 - "$1" <<-'PY'
		import struct, sys
		with open(sys.argv[1], "rb") as f:
		    h = f.read(64)
		    if h[:4] != b"\x7fELF" or h[4] != 2:
		        sys.exit(2)
		    phoff, = struct.unpack_from("<Q", h, 32)
		    phentsize, phnum = struct.unpack_from("<HH", h, 54)
		    f.seek(phoff)
		    ph = f.read(phentsize * phnum)
		types = [struct.unpack_from("<I", ph, i * phentsize)[0] for i in range(phnum)]
		sys.exit(0 if 3 in types else 1)
	PY
}

# state_key KEY [NAME]: KEY's value in the state record of container NAME (default $N) in $ROOT.
state_key() { sed -n "s/^$1=//p" "$ROOT/run/lxcmgr/${2:-$N}/state" 2>/dev/null; }
# runs_small [NAME]: the monitor of container NAME (default $N) runs lxcmgr-monitor, the small one.
runs_small() {
	[ "$(readlink "/proc/$(state_key monitor_pid "${1:-$N}")/exe")" = "$(readlink -f "$(dirname "$LXCMGR")/lxcmgr-monitor")" ]
}

# veth_on_own_bridge PREFIX ADDRESS: container $N's eth0 becomes a veth with ADDRESS on a bridge of
# this test (PREFIX and the test's pid, up, no address of the host; deleted at exit), named in $BR.
veth_on_own_bridge() {
	BR="$1$$"
	BR=${BR:0:15}
	ip link add "$BR" type bridge
	defer "ip link del '$BR' 2>/dev/null || true"
	ip link set "$BR" up
	lxcmgr config "$N" set network.eth0.type veth
	lxcmgr config "$N" set network.eth0.bridge "$BR"
	lxcmgr config "$N" set network.eth0.ipv4 "$2"
}

# wait_for TRIES COMMAND...: runs COMMAND (quietly) every 0.1 s until it succeeds, at most TRIES
# times; fails if it never did.
wait_for() {
	local tries=$1 i
	shift
	for ((i = 0; i < tries; i++)); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	return 1
}

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP needs root: ${1:-creates containers}"
		_tap_plan=
		exit 0
	fi
}

# Unmounts whatever is mounted below a world (deepest first), then removes its files.
cleanup_root() {
	local dir=$1 m
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v d="$dir/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
	rm -rf --one-file-system "$dir"
}

new_root() {
	local var=${1:-ROOT} dir
	dir=$(mktemp -d /tmp/lxcmgr-root.XXXXXX)
	defer "cleanup_root '$dir'"
	printf -v "$var" '%s' "$dir"
	export "${var?}"
}

lxcmgr() {
	"$LXCMGR" --root "$ROOT" "$@"
}

unique_name() {
	local prefix=${1:-t}
	printf '%s-%s-%s\n' "$prefix" "$$" "$((RANDOM % 10000))"
}

free_subnet() {
	local sub=$((($$ % 200) + 20)) i
	# another bridge, possibly not ours (a parallel test's), may hold one
	for ((i = 0; i < 200; i++)); do
		if ! ip -4 route show | grep -q "^${1//./\\.}\.$sub\."; then
			echo "$1.$sub"
			return 0
		fi
		sub=$(((sub - 19) % 200 + 20))
	done
	return 1
}

use_shared_cache() {
	local root=${1:-$ROOT}
	mkdir -p "$LXCMGR_TEST_CACHE" "$root/var/cache" "$root/etc/lxcmgr"
	# The cache dir of the world is the machine-wide test cache: a symlink, because the global
	# config's cache_dir is itself prefixed with the root.
	rm -rf "$root/var/cache/lxcmgr"
	ln -s "$LXCMGR_TEST_CACHE" "$root/var/cache/lxcmgr"
}

busybox_rootfs_tarball() {
	local out=$1 dir
	dir=$(mktemp -d "$_lib_tmp/bbroot.XXXXXX")
	"$LXCMGR_TEMPLATES_DIR/busybox" build --rootfs "$dir" --name tarball --result "$dir.result" >"$_lib_tmp/bb.log" 2>&1 ||
		{ cat "$_lib_tmp/bb.log" >&2; return 1; }
	tar -C "$dir" --numeric-owner -czf "$out" .
	rm -rf "$dir" "$dir.result"
}
