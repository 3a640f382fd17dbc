#!/bin/bash
# What an `exec` costs in system calls (runtime/attach.c): each is a round trip through the
# hypervisor on this project's machines (~5-10 us), so the hot path takes the fewest it can
# without giving up a check. Checks, on a traced exec into an unprivileged container:
#  - without a pty the CLI waits in sigwaitinfo(), no signalfd, pidfd and poll() (five calls);
#  - root's credentials are set once in the container's user namespace, not again to the same
#    ids after the seccomp filter;
#  - the trusted files (exec plan, cgroup mounts, seccomp program) ask for the euid once each;
#  - the passwd and group files are read without stdio (no fstat() of them);
#  - the standard fds are checked with one poll() (and filled with /dev/null when closed);
#  - init's namespaces are compared by readlink() of whole paths (no directories opened);
#  - the child's cgroup.procs files are left for its execve() to close;
#  - without a pty the child's error comes back through our shared memory, not a socket pair;
# and that a SIGCHLD ignored by whoever runs lxcmgr neither loses the command's exit status nor
# hangs the CLI (the kernel never sends an ignored SIGCHLD).
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }
command -v perl >/dev/null || { echo "1..0 # SKIP needs perl"; exit 0; }

plan 17

new_root
use_shared_cache
N=$(unique_name sc)
T=$(mktemp -d)
defer "rm -rf '$T'"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"

check "create an unprivileged busybox container" lxcmgr create "$N" -t busybox
check "start it" lxcmgr start "$N"
lxcmgr exec "$N" -- /bin/true >/dev/null 2>&1 # fills the plan and seccomp caches

# The system calls of lxcmgr and its child up to the command's execve(), without their arguments'
# noise: one "NAME(ARGS" a line.
# (LeakSanitizer cannot run under ptrace: the sanitizer build's leak check is off for this one)
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
	strace -f -qq -e signal=none -o "$T/trace" "$LXCMGR" --root "$ROOT" exec "$N" -- /bin/true </dev/null >/dev/null 2>&1
awk '/execve\("\/bin\/true"/ { exit } { sub(/^[0-9]+ +/, ""); print }' "$T/trace" >"$T/ours"
count() { grep -c "^$1(" "${2:-$T/ours}" || true; }
sed -E 's/^[0-9]+ +//' "$T/trace" >"$T/all" # the CLI's wait comes after the command's execve()
diag "system calls of lxcmgr's own in an exec: $(wc -l <"$T/ours")"

is "$(count signalfd4 "$T/all") $(count poll "$T/all")" "0 1" \
	"no signalfd or poll() while it waits without a pty (the one poll() checks the std fds)"
is "$(grep -c '^rt_sigtimedwait(.*CHLD' "$T/all")" 1 "it waits in sigwaitinfo() for SIGCHLD and the forwarded signals"
is "$(count setresuid)" 1 "root's uids are set once, in the container's user namespace"
is "$(count setgroups)" 1 "and its groups"
# a trusted file's read fstat()s its directory; an exec leaf's check fstatat()s its cgroup.type
# (how many of each depends on the host's cgroup layout: 3 + 1 on a hybrid host, fewer on v2)
trusted=$(grep -c '^newfstatat([0-9]*, "", {st_mode=S_IFDIR' "$T/ours" || true)
leaves=$(grep -c '^newfstatat([0-9]*, "cgroup\.type"' "$T/ours" || true)
is "$(count geteuid)" "$((trusted + leaves))" "one geteuid() per trusted file ($trusted) and exec leaf check ($leaves)"
is "$(grep -A1 '"/etc/passwd"' "$T/ours" | grep -c '^newfstatat(')" 0 "passwd is read without stdio's fstat()"
is "$(count fcntl)" 0 "the std fds are not checked one fcntl() each"
is "$(grep -c '^openat(.*"/proc/[^"]*/ns",' "$T/ours" || true)" 0 "init's namespaces are read without opening the ns directories"
# The child's cgroup.procs files are closed by its execve() (O_CLOEXEC), not one close() each.
procs_closed=$(awk '/^openat\(.*cgroup\.procs", .*= [0-9]+$/ { open[$NF] = 1 }
	/^close\([0-9]+\)/ { fd = $0; sub(/^close\(/, "", fd); sub(/\).*/, "", fd); if (open[fd]) n++; delete open[fd] }
	/^openat\(/ && !/cgroup\.procs"/ { delete open[$NF] }
	END { print n + 0 }' "$T/ours")
is "$(grep -c 'cgroup\.procs", O_WRONLY' "$T/ours" | awk '{ print ($1 > 0) }') $procs_closed" "1 0" \
	"the child joins its cgroups without closing each cgroup.procs"
# Where the child runs on our memory (clone(CLONE_VM), not the sanitizer build's fork()), its error
# needs no socket without a pty; it still reaches the CLI:
if grep -q '^clone(.*CLONE_VM' "$T/ours"; then
	is "$(count socketpair)" 0 "no socket pair without a pty"
else
	skip "the child does not share our memory here (sanitizer build)" 1
fi
run_expect_exit 1 lxcmgr exec "$N" -w /no/such/dir -- /bin/true </dev/null
like "$ERR" "Failed to change to the working directory: No such file or directory" "the child's error reaches the CLI"

# Closed std fds are still filled with /dev/null (the command's stdin here).
out=$("$LXCMGR" --root "$ROOT" exec "$N" -- /bin/sh -c 'readlink /proc/self/fd/0' <&-)
is "$out" "/dev/null" "a closed stdin is /dev/null for the command"

# An ignored SIGCHLD is inherited through execve(): lxcmgr must not rely on it.
# (timeout(1) outside: it handles SIGCHLD itself, which would give lxcmgr the default back)
ign() { timeout 20 perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV or die' "$@"; }
run_expect_exit 7 ign "$LXCMGR" --root "$ROOT" exec "$N" -- /bin/sh -c 'exit 7'
run_expect_exit 0 ign "$LXCMGR" --root "$ROOT" exec "$N" -- /bin/true
