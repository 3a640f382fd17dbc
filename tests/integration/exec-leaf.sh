#!/bin/bash
# exec's leaf cgroup (lxcmgr/cgroup/exec-leaf.c): an exec'd process sits in INNER/.lxcmgr-exec of
# the cgroup2 hierarchy (and of name=systemd on a hybrid host), in the inner cgroup itself in the
# v1 controller ones; the leaf is owned like the inner cgroup; a leaf the container's root made
# (frozen, to trap the admin's exec) is replaced when empty and refused when in use, never joined;
# kill and stop clean up a container with a process still running in the leaf; stats count it.
# And the v2 rule: once the container's root cgroup hands a controller to its children ("no
# internal processes"), exec still works (needs pure cgroup v2 with controllers: the VM lane).
# Unprivileged containers (the default); exec-leaf-privileged.sh runs it for a privileged one.
. "$(dirname "$0")/lib.sh"
require_root "boots containers"

plan 33

new_root
use_shared_cache
N=$(unique_name el)
RUN="$ROOT/run/lxcmgr"
defer "'$LXCMGR' --root '$ROOT' kill '$N' >/dev/null 2>&1 || true"
LEAF=.lxcmgr-exec

# The cgroup2 hierarchy, on the host and inside the container.
if [ -d /sys/fs/cgroup/unified ]; then
	V2=/sys/fs/cgroup/unified
	HYBRID=1
else
	V2=/sys/fs/cgroup
	HYBRID=0
fi
U=$V2 # the container's view has the same shape: /sys/fs/cgroup/unified or /sys/fs/cgroup
in_ct() { lxcmgr exec "$N" -- sh -c "$1"; }

check "create a busybox container" lxcmgr create "$N" -t busybox
# exec-leaf-privileged.sh runs this file again for a privileged container (its root is host root:
# the owner check cannot tell, the freeze check still keeps exec from hanging).
if [ "${LXM_TEST_MODE:-}" = privileged ]; then
	lxcmgr config "$N" set security.privileged true
fi
check "start it" lxcmgr start "$N"
UUID=$(state_key uuid)
INNER=$V2/lxcmgr.payload.$UUID/init

# --- where an exec'd process sits ---------------------------------------------------------------
CG=$(lxcmgr exec "$N" -- cat /proc/self/cgroup)
diag "$CG"
like "$CG" "(^|$(printf '\n'))0::/$LEAF($|$(printf '\n'))" "cgroup2: the exec'd process is in /$LEAF"
if [ "$HYBRID" = 1 ]; then
	like "$CG" ":name=systemd:/$LEAF($|$(printf '\n'))" "name=systemd: in /$LEAF"
	like "$CG" ":memory:/($|$(printf '\n'))" "v1 memory: in the container's root cgroup"
	like "$CG" ":pids:/($|$(printf '\n'))" "v1 pids: in the container's root cgroup"
else
	skip "no v1 hierarchies on this host" 3
fi
check "the leaf exists on the host" test -d "$INNER/$LEAF"
is "$(stat -c %u:%g "$INNER/$LEAF")" "$(stat -c %u:%g "$INNER")" "the leaf is owned like the inner cgroup"
is "$(stat -c %u "$INNER/$LEAF/cgroup.type")" 0 "its cgroup.type (never handed over) is host root's"
like "$(in_ct 'cat /proc/1/cgroup')" "0::/($|$(printf '\n'))" "init stays in the container's root cgroup"

# --- a leaf the container's root made ------------------------------------------------------------
# The container's root (a subuid on the host) moves itself out, removes our leaf, makes its own,
# freezes it and keeps a process in it: the admin's exec must neither hang nor join it.
TRAP="set -e; echo \$\$ >$U/cgroup.procs; rmdir $U/$LEAF; mkdir $U/$LEAF
sleep 1000 </dev/null >/dev/null 2>&1 &
echo \$! >$U/$LEAF/cgroup.procs; echo 1 >$U/$LEAF/cgroup.freeze"
check "the container's root replaces the leaf with a frozen one of its own, in use" in_ct "$TRAP"
is "$(wc -l <"$INNER/$LEAF/cgroup.procs")" 1 "a process of the container is in its frozen leaf"
run_expect_exit 1 timeout 20 "$LXCMGR" --root "$ROOT" exec "$N" -- true
like "$ERR" "refusing to join it" "exec into a container with a foreign leaf in use is refused, not hung"
# Once the container's process has left, the foreign leaf is removed and ours made again.
check "the container's process leaves the foreign leaf" sh -c "echo $(cat "$INNER/$LEAF/cgroup.procs") >'$INNER/cgroup.procs'"
like "$(lxcmgr exec "$N" -- cat /proc/self/cgroup)" "0::/$LEAF" "an empty foreign leaf is replaced and exec works"
is "$(stat -c %u "$INNER/$LEAF/cgroup.type")" 0 "the leaf is ours again"

# --- kill, stop, stats with a process in the leaf --------------------------------------------------
stats_pids() { lxcmgr stats "$N" --format json | sed -n 's/.*"pids":\([0-9]*\).*/\1/p'; }
BEFORE=$(stats_pids)
"$LXCMGR" --root "$ROOT" exec "$N" -- sleep 1000 >/dev/null 2>&1 &
EXEC_PID=$!
check "the exec'd sleep is in the leaf" wait_for 50 grep -q . "$INNER/$LEAF/cgroup.procs"
is "$(stats_pids)" "$((BEFORE + 1))" "stats count the leaf's process (hierarchical figures)"
check "kill" lxcmgr kill "$N"
check "the exec client ends with the container" timeout 10 tail --pid="$EXEC_PID" -f /dev/null
is "$(cgroups_of "$UUID")" "" "kill: the payload cgroups are gone, leaf included"

check "start again" lxcmgr start "$N"
UUID=$(state_key uuid)
INNER=$V2/lxcmgr.payload.$UUID/init
"$LXCMGR" --root "$ROOT" exec "$N" -- sleep 1000 >/dev/null 2>&1 &
wait_for 50 grep -q . "$INNER/$LEAF/cgroup.procs" || true
check "stop with a process in the leaf" lxcmgr stop "$N" --timeout 10
is "$(cgroups_of "$UUID")" "" "stop: the payload cgroups are gone, leaf included"

# A post_stop hook keeps the kill in the full monitor (the small monitor's fast kill is above).
printf '#!/bin/sh\ntrue\n' >"$_lib_tmp/hook"
chmod +x "$_lib_tmp/hook"
lxcmgr config "$N" set hook.post_stop "$_lib_tmp/hook"
check "start again, with a post_stop hook" lxcmgr start "$N"
UUID=$(state_key uuid)
INNER=$V2/lxcmgr.payload.$UUID/init
"$LXCMGR" --root "$ROOT" exec "$N" -- sleep 1000 >/dev/null 2>&1 &
check "the exec'd sleep is in the leaf" wait_for 50 grep -q . "$INNER/$LEAF/cgroup.procs"
check "kill by the full monitor" lxcmgr kill "$N"
is "$(cgroups_of "$UUID")" "" "full monitor kill: the payload cgroups are gone, leaf included"

# --- the v2 rule -------------------------------------------------------------------------------
# Inside: init into a child cgroup, then a controller for the root's children (what systemd does
# for its slices). The root may then hold no process: exec must go below it.
if [ "$HYBRID" = 1 ] || [ -z "$(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null)" ]; then
	skip "needs pure cgroup v2 with controllers (runs in the VM lane): this host's cgroup2 has none to enable" 4
else
	check "start again" lxcmgr start "$N"
	# processes of the boot come and go (busybox init starts seven gettys with it, slowly under the
	# VM lane's emulation): move what is there until the controller can be enabled, for up to ~30 s
	# (200 rounds without a pause were not always enough there once the gettys came)
	RULE='cd /sys/fs/cgroup && mkdir sub && i=0 &&
	until echo +pids >cgroup.subtree_control 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 600 ] || exit 1
		for p in $(cat cgroup.procs); do echo $p >sub/cgroup.procs 2>/dev/null; done
		sleep 0.05
	done'
	check "inside: init and the rest into a child cgroup, pids enabled for the root's children" in_ct "$RULE"
	if in_ct 'echo $$ >/sys/fs/cgroup/cgroup.procs' 2>/dev/null; then
		not_ok "the rule is in force: a process cannot join the container's root cgroup"
	else
		ok "the rule is in force: a process cannot join the container's root cgroup"
	fi
	like "$(lxcmgr exec "$N" -- cat /proc/self/cgroup /sys/fs/cgroup/cgroup.subtree_control)" \
		"0::/$LEAF.*pids" "v2: exec works once the root hands controllers to its children"
fi
