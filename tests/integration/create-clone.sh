#!/bin/bash
# A dir create from a warm cache whose unpacked base exists (made by the first create) copies the
# base instead of unpacking the tarball: the copy must be what extraction gives (types, owners,
# modes with setuid/setgid/sticky, mtimes, xattrs with file capabilities and ACLs, hard links,
# symlinks, device nodes, FIFOs, holes), share no inode with the cache, and fall back to the
# tarball when the base cannot be copied.
. "$(dirname "$0")/lib.sh"
require_root
plan 14

new_root
WORK=$(mktemp -d /tmp/lxm-create-clone.XXXXXX)
defer "rm -rf '$WORK'"
mkdir -p "$WORK/templates"
export LXCMGR_TEMPLATES_DIR=$WORK/templates
ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)

# A template (templates/CONTRACT.md) whose rootfs has one of every kind of inode and attribute.
# Release "deep" nests directories deeper than the copy goes (it must fall back to the tarball).
. "$(dirname "$0")/fake-template.sh"
fake_template "$WORK/templates/rich" <<EOF
	python3 "$WORK/populate.py" "\$rootfs" "\$release"
EOF

cat >"$WORK/populate.py" <<'EOF'
import os, struct, sys
r, release = sys.argv[1], sys.argv[2]
def p(*a): return os.path.join(r, *a)
for d in ("etc", "bin", "usr/bin", "sbin", "dev", "tmp", "ro", "shared", "var/empty"):
    os.makedirs(p(d), exist_ok=True)
open(p("etc/hostname"), "w").write("localhost\n")
open(p("etc/machine-id"), "w").close()
open(p("bin/busybox"), "wb").write(os.urandom(300000))
os.chmod(p("bin/busybox"), 0o4755)
for n in ("bin/sh", "bin/ls", "usr/bin/env"):          # hard links, also across directories
    os.link(p("bin/busybox"), p(n))
os.symlink("../bin/busybox", p("sbin/init"))
os.symlink("/etc/shadow", p("etc/abs-link"))           # pointing out: copied as a link, never followed
os.symlink("nowhere", p("etc/dangling"))
os.lchown(p("etc/abs-link"), 7, 8)
open(p("usr/bin/ping"), "wb").write(b"ping")
os.chmod(p("usr/bin/ping"), 0o755)
# security.capability v2: cap_net_raw (bit 13) permitted + effective
os.setxattr(p("usr/bin/ping"), "security.capability", struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0))
open(p("etc/owned"), "w").write("x")
os.chown(p("etc/owned"), 1234, 5678)
os.setxattr(p("etc/owned"), "user.note", b"kept")
# POSIX ACL (system.posix_acl_access): user::rw- user:1000:r-- group::r-- mask::r-- other::---
acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", t, pm, i) for t, pm, i in
                                      ((1, 6, 0xffffffff), (2, 4, 1000), (4, 4, 0xffffffff), (0x10, 4, 0xffffffff), (0x20, 0, 0xffffffff)))
open(p("etc/acl"), "w").write("acl")
os.setxattr(p("etc/acl"), "system.posix_acl_access", acl)
os.setxattr(p("shared"), "system.posix_acl_default", acl)
os.chmod(p("shared"), 0o2775)
os.chown(p("shared"), 0, 50)
os.chmod(p("tmp"), 0o1777)
open(p("ro/inside"), "w").write("in a 0555 directory")
os.chmod(p("ro"), 0o555)
with open(p("var/sparse"), "wb") as f:                 # 8 MiB, 2 data blocks, holes between
    f.write(b"a" * 4096); f.seek(4 << 20); f.write(b"b" * 4096); f.truncate(8 << 20)
os.mknod(p("dev/null"), 0o666 | 0o020000, os.makedev(1, 3))
os.mkfifo(p("var/fifo"), 0o640)
os.utime(p("etc/owned"), ns=(0, 1234567890123456789))
os.utime(p("var/empty"), ns=(0, 1111111111000000000))
if release == "deep":
    d = p("deep")
    for i in range(140):
        d = os.path.join(d, "d")
    os.makedirs(d)
    open(os.path.join(d, "leaf"), "w").write("leaf")
EOF

cat >"$WORK/list.py" <<'EOF'
# One line per inode of the tree: type, mode, owner, size, blocks (holes), link count,
# hard-link group, mtime, link target or device, xattrs; contents hashed.
import hashlib, os, stat, sys
root = sys.argv[1]
groups = {}
for dirpath, dirs, files in os.walk(root):
    dirs.sort()
    for n in sorted(dirs + files):
        path = os.path.join(dirpath, n)
        rel = os.path.relpath(path, root)
        st = os.lstat(path)
        extra = ""
        if stat.S_ISLNK(st.st_mode):
            extra = "-> " + os.readlink(path)
        elif stat.S_ISREG(st.st_mode) and rel != "etc/hostname":
            extra = hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]
        elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            extra = f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
        x = ""
        if not stat.S_ISLNK(st.st_mode) and not stat.S_ISFIFO(st.st_mode):
            x = " ".join(f"{k}={os.getxattr(path, k).hex()}" for k in sorted(os.listxattr(path)))
        g = groups.setdefault(st.st_ino, rel) if st.st_nlink > 1 and not stat.S_ISDIR(st.st_mode) else ""
        blocks = st.st_blocks if stat.S_ISREG(st.st_mode) else ""
        mtime = "" if rel in ("etc", "etc/hostname") else st.st_mtime_ns
        print(rel, oct(st.st_mode), f"{st.st_uid}:{st.st_gid}", st.st_size if not stat.S_ISDIR(st.st_mode) else "",
              blocks, st.st_nlink, g, mtime, extra, x)
EOF

C=$ROOT/var/lib/lxcmgr/containers
# The first create builds into its rootfs and fills the cache; "ex" is then unpacked from the
# tarball (its base cannot be made: a file where the bases directory goes), "ov" makes the base,
# "cl" copies it.
lxcmgr create first -t rich >/dev/null
touch "$ROOT/var/cache/lxcmgr/overlay-bases"
run_expect_exit 0 "$LXCMGR" --root "$ROOT" create ex -t rich
like "$ERR" "Failed to unpack the base of 'rich-default-$ARCH-busybox'.*unpacking into the rootfs instead" \
	"a base that cannot be made: the dir create unpacks the tarball into its rootfs"
rm "$ROOT/var/cache/lxcmgr/overlay-bases"
lxcmgr create ov -t rich --storage overlay >/dev/null
run_expect_exit 0 "$LXCMGR" --root "$ROOT" --log-level debug create cl -t rich
like "$ERR" "Copied 'rich-default-$ARCH-busybox' from its unpacked base" "a dir create with an unpacked base copies it"

python3 "$WORK/list.py" "$C/ex/rootfs" >"$WORK/ex.list"
python3 "$WORK/list.py" "$C/cl/rootfs" >"$WORK/cl.list"
check "the copy has the types, owners, modes, mtimes, xattrs, links and holes extraction gives" \
	diff -u "$WORK/ex.list" "$WORK/cl.list"
like "$(grep '^usr/bin/ping ' "$WORK/cl.list")" "^usr/bin/ping 0o100755 0:0 4 .* security.capability=0100000200200000" \
	"the copy keeps the file capability (listing sanity check)"
like "$(grep '^var/sparse ' "$WORK/cl.list")" "^var/sparse 0o100644 0:0 8388608 (16|24) " \
	"the sparse file keeps its holes (16 or 24 blocks of 512 bytes, not 16384)"
is "$(cat "$C/cl/rootfs/etc/hostname")" "cl" "the copy is configured for its own name"

base=$(ls -d "$ROOT"/var/cache/lxcmgr/overlay-bases/rich-default-"$ARCH"-busybox-*)
shared=$(comm -12 <(find "$base" -xdev -printf '%i\n' | sort -u) <(find "$C/cl/rootfs" -xdev -printf '%i\n' | sort -u))
is "$shared" "" "the copy shares no inode with the cache's base"
echo changed >"$C/cl/rootfs/bin/sh"
is "$(head -c 7 "$base/bin/busybox")" "$(head -c 7 "$C/ex/rootfs/bin/busybox")" "writing the copy leaves the base alone"

# Too deep to copy: the create still succeeds, from the tarball.
lxcmgr create ovd -t rich -r deep --storage overlay >/dev/null
run_expect_exit 0 "$LXCMGR" --root "$ROOT" create deepc -t rich -r deep
like "$ERR" "unpacking the tarball instead" "a base that cannot be copied falls back to the tarball"
check "the fallback rootfs is complete" test -f "$C/deepc/rootfs/deep$(printf '/d%.0s' $(seq 140))/leaf"

# ext4's Orlov allocator spreads the children of a T directory: each container in a block group
# of its own, not among the inodes the previous destroys freed.
if [ "$(stat -f -c %T "$C")" = ext2/ext3 ] && command -v lsattr >/dev/null; then
	like "$(lsattr -d "$C")" "^[^ ]*T" "the containers directory has the T (top directory) attribute"
else
	skip "the store is not on ext4 (or no lsattr)"
fi

for n in first ex ov cl ovd deepc; do lxcmgr destroy "$n" --force >/dev/null; done
