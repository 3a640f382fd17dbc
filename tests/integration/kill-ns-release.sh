#!/bin/bash
# The small monitor's fast kill holds the container's mount namespace from before the SIGKILL
# and lets it go (and the console ptys) once the container's processes are gone, in a thread of
# its own while it removes the cgroups (small-kill.c, "What the container's end owes the
# kernel"): the last dying process no longer waits for the namespace's RCU grace period before it
# leaves its cgroups. Checked from a trace of the monitor: the namespace fd is taken before the
# SIGKILL; it and every pty are closed before the client hears "done" (the mounts and consoles
# are gone when `kill` returns, as before); the namespace is not closed by the thread that removes
# the cgroups, and not before the container has ended (init's pidfd polls readable, or the
# payload cgroup reads empty). The thread that closes it is made
# before the container has ended (it waits on init's pidfd, so the close starts at init's end, not
# after a clone then), and closes the namespace before any pty (the namespace is the longest
# step; the ptys go to whichever thread is free first). Without a veth to remove, the answer "ok
# stopping" comes only after init's reaping (the client has nothing to do before). And `stop -k` still reports and settles
# everything: stopped, killed, no cgroup, no process of the root, no monitor.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"
command -v strace >/dev/null || { echo "1..0 # SKIP needs strace"; exit 0; }

plan 21

new_root
use_shared_cache
N=$(unique_name kn)
CT="$ROOT/var/lib/lxcmgr/containers"
RUN="$ROOT/run/lxcmgr"
WORK=$(mktemp -d)
defer "rm -rf '$WORK'"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
STRACE=
defer 'if [ -n "$STRACE" ]; then kill "$STRACE" 2>/dev/null || true; fi'

state_of() { lxcmgr info "$N" --format json | sed -n 's/.*"state":"\([a-z]*\)".*/\1/p'; }
procs_of_root() { pgrep -f "$ROOT" | grep -vx "$$" || true; }
traced() { grep -q "attached\|epoll_wait" "$WORK/mon.trace" 2>/dev/null; }

check "create a busybox container" lxcmgr create "$N" -t busybox
check "start; its monitor runs lxcmgr-monitor" bash -c "'$LXCMGR' --root '$ROOT' start '$N' >/dev/null"
check "its monitor runs lxcmgr-monitor" wait_for 50 runs_small
MON=$(state_key monitor_pid)
UUID=$(state_key uuid)
# the monitor's console pty fds (masters and the peers it keeps open)
PTYS=$(for f in /proc/"$MON"/fd/*; do case "$(readlink "$f")" in /dev/ptmx | /dev/pts/*) echo "${f##*/}" ;; esac; done | tr '\n' ' ')
diag "console pty fds of the monitor: $PTYS"
strace -f -qq -tt -e trace=ioctl,pidfd_send_signal,close,sendto,rmdir,pread64,clone,clone3,poll,ppoll,waitid -e signal=none \
	-p "$MON" -o "$WORK/mon.trace" &
STRACE=$!
wait_for 50 test -s "$WORK/mon.trace" || sleep 1 # strace writes nothing until a call: give it time
sleep 0.5
# LeakSanitizer (sanitizer builds) cannot run under ptrace
noleak() { ASAN_OPTIONS="${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}" "$@"; }
run_expect_exit 0 noleak strace -f -qq -e trace=recvfrom,poll -o "$WORK/cli.trace" "$LXCMGR" --root "$ROOT" stop "$N" -k
wait "$STRACE" 2>/dev/null || true
STRACE=

# Reads the trace: prints "KEY VALUE" lines the checks below look at.
python3 - "$WORK/mon.trace" "$PTYS" >"$WORK/facts" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
ptys = [int(x) for x in sys.argv[2].split()]
ev = []  # (index of the call's end, pid, text, index of its start)
pending = {}
for i, l in enumerate(lines):
    m = re.match(r'(\d+) +\S+ (.*)', l)  # strace pads short pids
    if not m:
        continue
    pid, text = int(m.group(1)), m.group(2)
    # strace -f splits a call another thread interrupts: "close(13 <unfinished ...>" and later
    # "<... close resumed>) = 0"
    if text.endswith('<unfinished ...>'):
        pending[pid] = (i, text[:-len('<unfinished ...>')].rstrip())
        continue
    r = re.match(r'<\.\.\. \w+ resumed>(.*)', text)
    start = i
    if r:
        start, head = pending.pop(pid, (i, ''))
        text = head + r.group(1)
    ev.append((i, pid, text, start))
def first(pred):
    for e in ev:
        if pred(e):
            return e
    return None
hold = first(lambda e: re.match(r'ioctl\(\d+, (PIDFD_GET_MNT_NAMESPACE|0xff03|_IOC\(_IOC_NONE, 0xff, 0x3, 0\)), 0\) = \d+', e[2]))
kill = first(lambda e: e[2].startswith('pidfd_send_signal(') and 'SIGKILL' in e[2])
done = first(lambda e: 'sendto(' in e[2] and '"done killed"' in e[2])
# the container's end, as the monitor learns it: the payload cgroup reads empty, or init's pidfd
# (the one the SIGKILL went to) polls readable; init ends after every process of its pid namespace
ended = None
if kill:
    pidfd = re.match(r'pidfd_send_signal\((\d+),', kill[2]).group(1)
    ended = first(lambda e: e[0] > kill[0] and (
        (e[2].startswith('pread64(') and 'populated 0' in e[2]) or
        (re.match(r'p?poll\(', e[2]) and re.search(r'\bfd=%s, revents=POLLIN' % pidfd, e[2]))))
# every pty fd closed between the SIGKILL and "done" (a number is not reused while its pty is open)
def closed_between(fd, a, b):
    return any(a[0] < e[0] < b[0] and re.match(r'close\(%d\) += 0' % fd, e[2]) for e in ev)
open_ptys = [fd for fd in ptys if not (kill and done and closed_between(fd, kill, done))]
print("ptys_left_open", " ".join(map(str, open_ptys)) or "none")
# no veth: the answer "ok stopping" waits for the end (init reaped), in the thread that reaps it
answer = first(lambda e: 'sendto(' in e[2] and '"ok stopping' in e[2])
reaped = first(lambda e: e[2].startswith('waitid(') and kill and e[0] > kill[0])
print("answer_after_reap", "yes" if answer and reaped and answer[1] == reaped[1] and answer[3] > reaped[0] else "no")
print("hold", "yes" if hold else "no")
if hold is None:
    sys.exit(0)
nsfd = int(re.search(r'= (\d+)', hold[2]).group(1))
print("hold_before_kill", "yes" if kill and hold[0] < kill[0] else "no")
# the namespace's close is the first close of its fd by where the call starts: the number is free
# for another thread's open from then on, and that fd's close may end before the namespace's does
ns_close = sorted((e for e in ev if re.match(r'close\(%d\) += 0' % nsfd, e[2]) and e[3] > hold[0]),
                  key=lambda e: e[3])
c = ns_close[0] if ns_close else None
print("ns_closed_before_done", "yes" if c and done and c[0] < done[0] else "no")
print("ns_closed_after_end", "yes" if c and ended and c[3] > ended[0] else "no")
# by another thread than the one removing the cgroups, or by that one only after its rmdirs (it
# does the release itself when the thread has not started by then)
rmdirs = [e for e in ev if e[2].startswith('rmdir(')]
off = c and (not rmdirs or c[1] != rmdirs[0][1] or c[3] > rmdirs[-1][0])
print("ns_closed_off_rmdir_path", "yes" if off else "no")
# the release thread: made right after the SIGKILL, before the wait for the container's end (its
# first read of the payload cgroup's cgroup.events)
clone = first(lambda e: re.match(r'clone3?\(', e[2]) and kill and e[0] > kill[0])
wait = first(lambda e: e[2].startswith('pread64(') and kill and e[0] > kill[0])
print("thread_before_empty", "yes" if clone and wait and clone[3] < wait[3] else "no")
# in the release thread, no pty is closed before the namespace. When that thread had not claimed
# the namespace by the time the main thread was done with its rmdirs (a busy host: it had not run
# yet), the main thread closes the ptys and then the namespace itself (release_wait()), which is
# correct too: its close is then off the rmdir path (checked above), and the order is by design.
main_tid = rmdirs[0][1] if rmdirs else None
pty_first = c and c[1] != main_tid and any(
    e[1] == c[1] and e[0] < c[3] and kill and e[0] > kill[0] and
    any(re.match(r'close\(%d\) += 0' % fd, e[2]) for fd in ptys) for e in ev)
print("ns_before_ptys", "no" if pty_first or not c else "yes")
EOF
fact() { sed -n "s/^$1 //p" "$WORK/facts"; }
diag "$(cat "$WORK/facts")"
# whether this kernel has PIDFD_GET_MNT_NAMESPACE (Linux 6.11), asked on a pidfd of our own
has_ioctl() { python3 -c 'import fcntl, os; fd = os.pidfd_open(os.getpid()); os.close(fcntl.ioctl(fd, 0xff03, 0))' 2>/dev/null; }
if has_ioctl; then
	is "$(fact hold)" yes "the monitor takes a reference to the container's mount namespace"
	is "$(fact hold_before_kill)" yes "the mount namespace is held from before the SIGKILL"
	is "$(fact ns_closed_before_done)" yes "it is let go before the client hears done"
	is "$(fact ns_closed_after_end)" yes "only once the container has ended (init's pidfd, or the payload cgroup empty)"
	is "$(fact ns_closed_off_rmdir_path)" yes "not in the way of the cgroup removal (another thread, or after the rmdirs)"
	is "$(fact thread_before_empty)" yes "the releasing thread is made before the container has ended"
	is "$(fact ns_before_ptys)" yes "the namespace is closed before the ptys by the thread that closes it"
else
	# Linux < 6.11 has no PIDFD_GET_MNT_NAMESPACE: the kill goes as before
	for i in 1 2 3 4 5 6 7; do skip "no PIDFD_GET_MNT_NAMESPACE on this kernel ($(uname -r))"; done
fi
[ -n "$PTYS" ] && is "$(fact ptys_left_open)" "none" "every console pty fd is closed before done" ||
	not_ok "the monitor holds console ptys"
# Without a veth the client has nothing to do before the end: "ok stopping" comes after init's
# reaping, not in the middle of the kill (where it woke the client on a CPU of the dying processes)
is "$(fact answer_after_reap)" yes "no veth: the monitor answers once init is reaped"
# The client: after "ok stopping" it waits for the monitor's exit (its pidfd) and reads "done"
# only then (queued since), one wake-up at the end instead of two (from its first message on:
# main()'s check of the std fds is a poll() as well)
is "$(grep -o 'recvfrom([0-9]*, "[a-z ]*"\|poll(' "$WORK/cli.trace" | awk '/^recvfrom/ { f = 1 } f' |
	sed 's/recvfrom([0-9]*, //' | tr '\n' ' ')" \
	'"ok stopping" poll( "done killed" ' "stop -k: the monitor's exit, then its done"
is "$(state_of)" "stopped" "state says stopped right after"
is "$(cat "$CT/$N/last_exit")" "killed" "last_exit is killed"
is "$(cgroups_of "$UUID")" "" "no cgroup of the container left"
is "$(procs_of_root)" "" "no process of the root left (monitor included)"
like "$(cat "$CT/$N/monitor.log")" "tearing it down in the small monitor" "the small monitor did the kill"

check "start again right after" bash -c "'$LXCMGR' --root '$ROOT' start '$N' >/dev/null"
check "and kill again" bash -c "'$LXCMGR' --root '$ROOT' kill '$N'"
