#!/bin/bash
# Provisioning safety: an invalid or half-valid file changes nothing (errors name file and line),
# includes (relative, loops), a `file` target that is a symlink out of the rootfs is refused and
# nothing is written outside, a failing `run` command stops with its exit code and output and the
# next apply finishes the job, parallel applies of one file serialise. No networks: the containers
# have an empty network namespace.
. "$(dirname "$0")/lib.sh"
require_root "creates containers"
plan 40

new_root
use_shared_cache
C1=$(unique_name pa)
C2=$(unique_name pb)
C3=$(unique_name pc)
defer "'$LXCMGR' --root '$ROOT' destroy $C3 --force >/dev/null 2>&1; true"
defer "'$LXCMGR' --root '$ROOT' destroy $C1 --force >/dev/null 2>&1; '$LXCMGR' --root '$ROOT' destroy $C2 --force >/dev/null 2>&1; true"
W=$_lib_tmp/prov
mkdir -p "$W/sub" "$W/outside"
D1=$ROOT/var/lib/lxcmgr/containers/$C1
D2=$ROOT/var/lib/lxcmgr/containers/$C2

# --- a half-valid file: the error names file and line, nothing is created
cat >"$W/bad.conf" <<CONF
container $C1 {
  template = "busybox"
}

container $C2 {
  template = "busybox"
  limits {
    memory = "lots"
  }
}
CONF
run_expect_exit 1 lxcmgr plan "$W/bad.conf"
run_expect_exit 2 lxcmgr apply "$W/bad.conf"
like "$ERR" "$W/bad.conf:8: .*lots" "the error names the file and the line"
check "a half-valid file created nothing" bash -c "! ls '$ROOT/var/lib/lxcmgr/containers/' 2>/dev/null | grep -q ."

# an error inside an included file names that file
printf 'container %s {\n  template = "busybox"\n  file "relative" { content = "x" }\n}\n' "$C2" >"$W/sub/inc.conf"
printf 'include = "sub/inc.conf"\ncontainer %s { template = "busybox" }\n' "$C1" >"$W/top.conf"
run_expect_exit 2 lxcmgr apply "$W/top.conf"
like "$ERR" "$W/sub/inc.conf:3: .*must be absolute" "an error in an included file names that file and line"
check "nothing created" bash -c "! ls '$ROOT/var/lib/lxcmgr/containers/' 2>/dev/null | grep -q ."
# include loops and duplicate names are refused
printf 'include = "../top.conf"\n' >"$W/sub/inc.conf"
run_expect_exit 1 lxcmgr plan "$W/top.conf"
like "$ERR" "Include loop" "an include loop is refused"
printf 'container %s { template = "busybox" }\n' "$C1" >"$W/sub/inc.conf"
run_expect_exit 1 lxcmgr plan "$W/top.conf"
like "$ERR" "declared twice" "a container declared twice is refused"

# --- a template that does not exist: the create's own error, once (a third line said only that
# the create failed), and no container
printf 'container %s-nt {\n  template = "no-such-template"\n}\n' "$C1" >"$W/notmpl.conf"
run_expect_exit 1 lxcmgr apply "$W/notmpl.conf"
like "$ERR" "Template 'no-such-template' not found" "apply: the missing template is named"
is "$(printf '%s\n' "$ERR" | grep -c 'Failed to create container')" "1" "and the failed create is said once"
check "no container was made" test ! -e "$ROOT/var/lib/lxcmgr/containers/$C1-nt"

# --- includes work: the included file's container is applied; relative sources are relative to it
echo "from the included file" >"$W/sub/payload.txt"
cat >"$W/sub/inc.conf" <<CONF
container $C2 {
  template = "busybox"
  network eth0 { type = "empty" }
  file "/etc/payload" { source = "payload.txt" }
}
CONF
cat >"$W/top.conf" <<CONF
include = "sub/inc.conf"
container $C1 {
  template = "busybox"
  network eth0 { type = "empty" }
  file "/etc/motd" { content = "hello\n" }
  file "/etc/app/conf" { content = "app\n" }
  run = { "echo before", "echo oops-output; exit 7", "echo after > /after" }
}
CONF
run_expect_exit 1 lxcmgr apply "$W/top.conf"
is "$(cat "$D2/rootfs/etc/payload" 2>&1)" "from the included file" "included container created, source relative to its file"

# --- the failing run command
like "$ERR" "exit code 7" "a failing run command is reported with its exit code"
like "$ERR" "oops-output" "... and its output"
like "$(cat "$D1/provision.log")" "oops-output.*=== exit 7" "its output is in provision.log"
is "$(wc -l <"$D1/provision.state")" "1" "only the command that succeeded is recorded"
check "the commands after the failing one did not run" bash -c "! test -e '$D1/rootfs/after'"
run_expect_exit 2 lxcmgr plan "$W/top.conf"
like "$OUT" "> run \"echo oops-output; exit 7\"" "plan lists the failed command again"
sed -i 's/exit 7/true/' "$W/top.conf"
run_expect_exit 0 lxcmgr apply "$W/top.conf"
check "the next apply finishes the job" test -e "$D1/rootfs/after"
unlike "$(grep -c 'run: echo before' "$D1/provision.log")" "^[^1]" "a command that ran is not run again"

# --- symlinks planted by the container are never written through
echo "host secret" >"$W/outside/secret"
rm -f "$D1/rootfs/etc/motd"
ln -s "$W/outside/secret" "$D1/rootfs/etc/motd"
rm -rf "$D1/rootfs/etc/app"
ln -s "$W/outside" "$D1/rootfs/etc/app"
run_expect_exit 1 lxcmgr apply "$W/top.conf"
like "$ERR" "Refusing to write '/etc/motd'.*symlink" "a symlink target is refused"
is "$(cat "$W/outside/secret")" "host secret" "the file the symlink points to is unchanged"
check "nothing written into the host directory a planted directory symlink names" bash -c "! test -e '$W/outside/conf'"
run_expect_exit 2 lxcmgr plan "$W/top.conf"
like "$OUT" "! file /etc/motd: is a symlink, refused" "plan reports the symlink"
rm "$D1/rootfs/etc/motd" "$D1/rootfs/etc/app"

# --- parallel applies of the same file serialise
sed -i 's/hello/hello again/' "$W/top.conf"
"$LXCMGR" --root "$ROOT" apply "$W/top.conf" >"$_lib_tmp/a1" 2>&1 &
p1=$!
"$LXCMGR" --root "$ROOT" apply "$W/top.conf" >"$_lib_tmp/a2" 2>&1 &
p2=$!
rc1=0; rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
diag "$(cat "$_lib_tmp/a1" "$_lib_tmp/a2")"
is "$(grep -c 'wrote /etc/motd' "$_lib_tmp/a1" "$_lib_tmp/a2" | awk -F: '{s+=$2} END {print s}')" "1" "two parallel applies: the file is written once"
is "$rc1 $rc2" "0 0" "both parallel applies succeed"

# --- an apply killed (SIGKILL) in the middle of the run commands: the next one finishes the job
cat >"$W/kill.conf" <<CONF
container $C3 {
  template = "busybox"
  network eth0 { type = "empty" }
  run = { "echo one > /one", "sleep 2", "echo three > /three" }
}
CONF
D3=$ROOT/var/lib/lxcmgr/containers/$C3
"$LXCMGR" --root "$ROOT" apply "$W/kill.conf" >"$_lib_tmp/k1" 2>&1 &
pk=$!
for _ in $(seq 100); do grep -q 'run sleep 2' "$_lib_tmp/k1" && break; sleep 0.1; done
kill -9 $pk
wait $pk 2>/dev/null || true
like "$(cat "$D3/provision.state" 2>/dev/null)" "echo one" "killed apply: the command that finished is recorded"
check "killed apply: the command after the killed one did not run" bash -c "! test -e '$D3/rootfs/three'"
run_expect_exit 0 lxcmgr apply "$W/kill.conf"
check "the next apply finishes the job" test -e "$D3/rootfs/three"
is "$(grep -c 'run: echo one' "$D3/provision.log")" "1" "the recorded command is not run again"
