#!/bin/bash
# create --storage overlay of a template with the standard configure writes hostname, hosts,
# machine-id and the dbus machine-id link straight into the empty upper directory (no overlay
# mount): the upper tree (types, modes, owners, xattrs with overlayfs' origin/impure/uuid,
# contents) and the merged view must be what the mount path (LXCMGR_OVERLAY_CONFIGURE=mount)
# leaves; what the direct path does not reproduce falls back to the mount; a configure that fails
# leaves no container and no temporary behind (also in .staging, where overlay creates stage).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake-template.sh"
require_root
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || { echo "1..0 # SKIP no overlayfs"; exit 0; }
plan 23

new_root
WORK=$(mktemp -d /tmp/lxm-ovl-configure.XXXXXX)
defer "rm -rf '$WORK'"
mkdir -p "$WORK/templates"
export LXCMGR_TEMPLATES_DIR=$WORK/templates
C=$ROOT/var/lib/lxcmgr/containers
major=$(uname -r | cut -d. -f1) minor=$(uname -r | cut -d. -f2)
direct=yes
[ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 6 ]; } || direct=no

# A template declaring the standard configure (its own configure must not run: it fails); its
# release picks the shape of the rootfs.
fake_template "$WORK/templates/std" configure=standard 'exit 1' <<EOF
	python3 "$WORK/populate.py" "\$rootfs" "\$release"
EOF

cat >"$WORK/populate.py" <<'EOF'
import os, struct, sys
r, release = sys.argv[1], sys.argv[2]
def p(*a): return os.path.join(r, *a)
for d in ("bin", "var/lib/dbus", "tmp"):
    os.makedirs(p(d), exist_ok=True)
if release == "etclink":
    os.symlink("/etc", p("etc"))
    sys.exit(0)
os.makedirs(p("etc"))
open(p("etc/hosts"), "w").write("127.0.0.1 localhost\n")
os.chmod(p("etc/hosts"), 0o600)
open(p("etc/passwd"), "w").write("root:x:0:0::/root:/bin/sh\n")
if release == "hostdir":
    os.makedirs(p("etc/hostname"))
else:
    open(p("etc/hostname"), "w").write("localhost\n")
# no etc/machine-id: created in upper without a whiteout
os.chmod(p("etc"), 0o2751)
os.chown(p("etc"), 3, 4)
os.setxattr(p("etc"), "user.note", b"etc kept")
os.utime(p("etc"), ns=(1000000000123456789, 1200000000987654321))
os.chmod(p("var"), 0o751)
os.chown(p("var/lib"), 5, 6)
os.setxattr(p("var/lib"), "user.lib", b"lib")
open(p("var/lib/dbus/machine-id"), "w").write("0123456789abcdef0123456789abcdef\n")
if release == "acl":   # a default ACL on etc: left to the mount path
    acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", t, pm, i) for t, pm, i in
                                          ((1, 7, 0xffffffff), (4, 5, 0xffffffff), (0x20, 0, 0xffffffff)))
    os.setxattr(p("etc"), "system.posix_acl_default", acl)
if release == "nodbus":  # var/lib/dbus a symlink: not touched
    os.unlink(p("var/lib/dbus/machine-id")); os.rmdir(p("var/lib/dbus"))
    os.symlink("/tmp", p("var/lib/dbus"))
EOF

cat >"$WORK/list.py" <<'EOF'
# One line per entry: type+mode, owner, size, link target, xattrs (the random overlay uuid only
# as "set"), contents with the container's name replaced; atime/mtime of directories copied up
# unchanged (var/lib/dbus, var: nothing created in them but their child) are listed too.
import os, stat, sys
root, name = sys.argv[1], sys.argv[2]
for dirpath, dirs, files in os.walk(root):
    dirs.sort()
    for n in [""] + sorted(dirs + files) if dirpath == root else sorted(dirs + files):
        path = os.path.join(dirpath, n) if n else dirpath
        rel = os.path.relpath(path, root)
        st = os.lstat(path)
        extra = ""
        if stat.S_ISLNK(st.st_mode):
            extra = "-> " + os.readlink(path)
        elif stat.S_ISREG(st.st_mode) and st.st_size < 4096:
            extra = repr(open(path).read().replace(name, "NAME"))
        xs = []
        if not stat.S_ISLNK(st.st_mode):
            for k in sorted(os.listxattr(path)):
                v = os.getxattr(path, k)
                xs.append(f"{k}=set" if k == "trusted.overlay.uuid" and len(v) == 16 else f"{k}={v.hex()}")
        print(rel, oct(st.st_mode), f"{st.st_uid}:{st.st_gid}", st.st_size if not stat.S_ISDIR(st.st_mode) else "",
              extra, " ".join(xs))
EOF

merged() { # merged view of container $1
	local d=$C/$1 base
	base=$(sed -n 's/^storage_base = "\(.*\)"$/\1/p' "$d/config")
	unshare -m sh -c "mount --make-rprivate / && mount -t overlay overlay -o 'lowerdir=$base,upperdir=$d/upper,workdir=$d/work' '$d/rootfs' && python3 '$WORK/list.py' '$d/rootfs' '$1'"
}

# compare RELEASE: "m<x>" through the mount, "d<x>" directly; $2 the path the direct one should take
compare() {
	local rel=$1 want=$2 m=m$1 d=d$1
	LXCMGR_OVERLAY_CONFIGURE=mount lxcmgr create "$m" -t std -r "$rel" --storage overlay >/dev/null
	run_expect_exit 0 "$LXCMGR" --root "$ROOT" --log-level debug create "$d" -t std -r "$rel" --storage overlay
	[ "$direct" = yes ] || want="through its overlay mount"
	like "$ERR" "$want" "$rel: the direct configure is used where it applies ($want)"
	python3 "$WORK/list.py" "$C/$m/upper" "$m" >"$WORK/$m.upper"
	python3 "$WORK/list.py" "$C/$d/upper" "$d" >"$WORK/$d.upper"
	check "$rel: the upper trees are the same (types, modes, owners, xattrs, contents)" \
		diff -u "$WORK/$m.upper" "$WORK/$d.upper"
	merged "$m" >"$WORK/$m.merged"
	merged "$d" >"$WORK/$d.merged"
	check "$rel: the merged views are the same" diff -u "$WORK/$m.merged" "$WORK/$d.merged"
}

compare default "Configured 'ddefault' in its upper directory"
like "$(grep '^etc ' "$WORK/ddefault.upper")" "^etc 0o42751 3:4  .*trusted.overlay.origin=00fb.* user.note=" \
	"etc is copied up with its mode, owner, xattrs and an origin (listing sanity check)"
like "$(grep '^var/lib/dbus/machine-id ' "$WORK/ddefault.upper")" "-> /etc/machine-id" \
	"the dbus machine-id link is made in upper (listing sanity check)"
if [ "$direct" = yes ]; then
	# var/lib only holds the copied-up dbus: overlayfs puts the parent's times back after a
	# copy-up, so it keeps the lower one's mtime (to the nanosecond); dbus itself gets a new entry
	lower=$(sed -n 's/^storage_base = "\(.*\)"$/\1/p' "$C/ddefault/config")
	is "$(stat -c '%y' "$C/ddefault/upper/var/lib")" "$(stat -c '%y' "$lower/var/lib")" \
		"a copied-up parent directory keeps the lower one's mtime"
else
	skip "kernel older than 6.6: the mount path only"
fi
compare nodbus "Configured 'dnodbus' in its upper directory"
compare acl "through its overlay mount"
# Without -r the template's default release, as a dir create, not the newest entry ("acl").
lxcmgr create pick -t std --storage overlay >/dev/null
like "$(grep '^storage_base' "$C/pick/config")" "/overlay-bases/std-default-" "an overlay create uses the entry the template's defaults name"

# Failing configures of the overlay (the cache filled first by "template build", which does not
# configure): no container, no temporary; the host's /etc untouched.
lxcmgr template build std --release hostdir >/dev/null 2>&1
lxcmgr template build std --release etclink >/dev/null 2>&1
before=$(stat -c '%Y %i' /etc/hostname)
run_expect_exit 1 "$LXCMGR" --root "$ROOT" create x1 -t std -r hostdir --storage overlay
like "$ERR" "Failed to configure '[^']*/rootfs': Is a directory" "a directory where etc/hostname goes fails the create"
run_expect_exit 2 "$LXCMGR" --root "$ROOT" create x2 -t std -r etclink --storage overlay
like "$ERR" "/rootfs/etc' is a symlink or not a directory, refusing" "a rootfs whose etc is a symlink is refused"
is "$(ls -A "$C" "$C/.staging" | grep -E '^(x1|x2|\.tmp-)' || true)" "" "failed creates leave no container and no temporary"
# An overlay create stages its temporary in .staging (store.h): one left by a killed create (its
# .lock no longer held) is removed by the next command.
mkdir -p "$C/.staging/.tmp-ghost-Ab12Cd/upper"
: >"$C/.staging/.tmp-ghost-Ab12Cd/.lock"
lxcmgr list >/dev/null
check "the next command removes a stale staged temporary" test ! -e "$C/.staging/.tmp-ghost-Ab12Cd"
is "$(stat -c '%Y %i' /etc/hostname)" "$before" "a rootfs whose etc is a symlink does not reach the host's /etc"

for n in mdefault ddefault mnodbus dnodbus macl dacl pick; do lxcmgr destroy "$n" --force >/dev/null; done
