#!/bin/bash
# Hostile rootfs tarballs: nothing written outside the rootfs, no container created.
. "$(dirname "$0")/lib.sh"
require_root
plan 13

new_root
work="$ROOT/work"
outside="$ROOT/outside"
mkdir -p "$work" "$outside"
containers="$ROOT/var/lib/lxcmgr/containers"

# Archives built member by member with python's tarfile, so the hostile parts are exact.
python3 - "$work" "$outside" <<'PY'
import io, sys, tarfile
work, outside = sys.argv[1], sys.argv[2]

def add_file(t, name, data=b"x\n"):
    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644
    t.addfile(ti, io.BytesIO(data))

def add_dir(t, name):
    ti = tarfile.TarInfo(name); ti.type = tarfile.DIRTYPE; ti.mode = 0o755
    t.addfile(ti)

def add_link(t, name, target, hard=False):
    ti = tarfile.TarInfo(name); ti.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    ti.linkname = target
    t.addfile(ti)

cases = {
    "dotdot": lambda t: (add_dir(t, "etc"), add_file(t, "../../outside/dotdot-escaped")),
    "absolute": lambda t: (add_dir(t, "etc"), add_file(t, outside + "/absolute-escaped")),
    "symlink-dir": lambda t: (add_dir(t, "etc"), add_link(t, "escape", outside),
                              add_file(t, "escape/symlink-escaped")),
    "symlink-file": lambda t: (add_link(t, "victim", outside + "/victim"),
                               add_file(t, "victim", b"overwritten\n")),
    "hardlink-out": lambda t: (add_link(t, "hl", outside + "/victim", hard=True),),
}
for name, fill in cases.items():
    with tarfile.open(f"{work}/{name}.tar", "w", format=tarfile.PAX_FORMAT) as t:
        fill(t)
PY
echo original >"$outside/victim"

for c in dotdot absolute symlink-dir hardlink-out; do
	run_expect_exit 2 lxcmgr create "h-$c" --from "$work/$c.tar"
done
like "$ERR" "hl|outside|link" "the refusal names the member"

# A symlink to outside followed by a regular file of the same name: the extractor may refuse, or
# replace the link by the file; it must never write through the link.
rc=0
lxcmgr create h-symlink-file --from "$work/symlink-file.tar" 2>"$work/err" || rc=$?
if [ "$rc" -eq 2 ]; then
	ok "symlink-then-file refused"
elif [ "$rc" -eq 0 ] && [ -f "$containers/h-symlink-file/rootfs/victim" ] &&
	[ ! -L "$containers/h-symlink-file/rootfs/victim" ]; then
	ok "symlink-then-file: the link was replaced by the file"
	lxcmgr destroy h-symlink-file
else
	not_ok "symlink-then-file refused or safely replaced" "exit $rc: $(cat "$work/err")"
fi
is "$(ls -A "$containers" 2>/dev/null)" "" "no container and no temporary left"
is "$(cat "$outside/victim")" "original" "file outside not overwritten"
is "$(ls "$outside")" "victim" "nothing created outside"
check "nothing escaped into the world's root" bash -c "! find '$ROOT' -name '*-escaped' | grep ."

# A corrupt archive is refused the same way.
head -c 3000 /dev/urandom >"$work/garbage.tar.gz"
run_expect_exit 2 lxcmgr create h-garbage --from "$work/garbage.tar.gz"
run_expect_exit 3 lxcmgr create h-missing --from "$work/does-not-exist.tar"
is "$(ls -A "$containers" 2>/dev/null)" "" "still nothing in the store"
