#!/bin/bash
# A create killed with SIGKILL leaves nothing visible and the next command removes its temporary;
# a second create of the same name while one runs fails clearly (exit 4). A fake slow template
# makes the timing deterministic: it waits for a "go" file.
. "$(dirname "$0")/lib.sh"
require_root
plan 18

new_root
tpl="$ROOT/templates"
ctl="$ROOT/ctl"
mkdir -p "$tpl" "$ctl"
# The template runs with a clean environment, so its control paths are written into it.
cat >"$tpl/slow" <<SCRIPT
#!/bin/sh
set -e
phase=\$1; shift
rootfs= result=
while [ \$# -gt 0 ]; do
	case "\$1" in
	--rootfs) rootfs=\$2; shift 2 ;;
	--result) result=\$2; shift 2 ;;
	--*) shift 2 ;;
	*) shift ;;
	esac
done
case "\$phase" in
defaults) printf 'release=default\narch=amd64\ninit=none\n' ;;
build)
	mkdir -p "\$rootfs/etc" "\$rootfs/sbin"
	echo half >"\$rootfs/etc/half-written"
	echo \$\$ >"$ctl/pid"
	while [ ! -e "$ctl/go" ]; do sleep 0.1; done
	printf 'release=default\narch=amd64\ninit=none\n' >"\$result" ;;
configure) : ;;
*) exit 2 ;;
esac
SCRIPT
chmod 755 "$tpl/slow"
export LXCMGR_TEMPLATES_DIR="$tpl"
containers="$ROOT/var/lib/lxcmgr/containers"

wait_for() { # FILE: up to 20 s
	local i
	for ((i = 0; i < 200; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

kill_template() {
	if [ -s "$ctl/pid" ]; then kill -9 "$(cat "$ctl/pid")" 2>/dev/null || true; fi
	rm -f "$ctl/pid"
}
defer kill_template

# --- kill -9 in the middle of the template
name=$(unique_name killed)
"$LXCMGR" --root "$ROOT" create "$name" -t slow --no-cache >"$ctl/out1" 2>&1 &
pid=$!
defer "kill -9 $pid 2>/dev/null || true"
check "template started" wait_for "$ctl/pid"
check "a hidden temporary holds the half-built rootfs" bash -c "ls -d '$containers'/.tmp-$name-*/rootfs/etc/half-written"
is "$(cat "/proc/$pid/comm" 2>/dev/null)" "lxcmgr" "the killed process is lxcmgr itself"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
check "the hidden temporary is still there after kill -9" bash -c "ls -d '$containers'/.tmp-$name-*"
kill_template
is "$(ls "$containers")" "" "no visible container after kill -9"
run_expect_exit 0 lxcmgr list --format json
is "$OUT" "[]" "list shows nothing"
run_expect_exit 3 lxcmgr info "$name"
is "$(ls -A "$containers")" "" "the next command removed the stale temporary"

# --- SIGTERM to the CLI: nothing visible, and the template does not outlive it
name=$(unique_name term)
"$LXCMGR" --root "$ROOT" create "$name" -t slow --no-cache >"$ctl/out3" 2>&1 &
pid=$!
defer "kill -9 $pid 2>/dev/null || true"
check "template started (SIGTERM case)" wait_for "$ctl/pid"
tpid=$(cat "$ctl/pid")
kill -TERM "$pid"
wait "$pid" 2>/dev/null || true
gone=no
for ((i = 0; i < 50; i++)); do
	# gone, or a zombie nobody reaps (PID 1 here may not be a reaping init)
	st=$(awk '{print $3}' "/proc/$tpid/stat" 2>/dev/null || true)
	if [ -z "$st" ] || [ "$st" = Z ]; then gone=yes; break; fi
	sleep 0.1
done
is "$gone" "yes" "template process ended with the CLI"
kill_template
run_expect_exit 0 lxcmgr list --format json
is "$(ls -A "$containers")" "" "no container, temporary removed"

# --- two creates of the same name at once
name=$(unique_name twice)
"$LXCMGR" --root "$ROOT" create "$name" -t slow --no-cache >"$ctl/out2" 2>&1 &
pid=$!
defer "kill -9 $pid 2>/dev/null || true"
check "first create running" wait_for "$ctl/pid"
run_expect_exit 4 lxcmgr create "$name" -t slow --no-cache
like "$ERR" "busy" "second create says the container is busy"
touch "$ctl/go"
rc=0
wait "$pid" || rc=$?
is "$rc" "0" "first create finished: $(cat "$ctl/out2")"
run_expect_exit 0 lxcmgr destroy "$name"
