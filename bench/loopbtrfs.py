"""A loop-backed btrfs filesystem in the work directory, for the create case's btrfs variant when
the work directory itself is not on btrfs: a second lxcmgr root and an LXC lxcpath on it, so that
both managers write to the same btrfs. Made per template and removed right after; teardown() is
safe to call at any point, again and again (bench.py's cleanup calls it once more after a failure,
Ctrl-C or SIGTERM): it looks at what exists, not at what setup() got to record."""
import os
import shutil

from managers import Lxc, Lxcmgr, log, run

# Sparse: only what is written takes space. Enough for Debian (~216 MB rootfs): lxcmgr keeps a
# base plus one container at a time, LXC one container, btrfs metadata is duplicated.
IMAGE_SIZE = 3 << 30


def btrfs_in_kernel():
    with open("/proc/filesystems") as f:
        return any(line.split()[-1:] == ["btrfs"] for line in f)


def mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


class LoopBtrfs:
    def __init__(self, work, binary):
        self.binary = binary
        self.img = os.path.join(work, "btrfs.img")
        self.mnt = os.path.join(work, "btrfs")
        self.lm = self.lx = None

    def why_not(self):
        """Why this machine cannot have the filesystem, or None."""
        if not btrfs_in_kernel():
            return "no btrfs in /proc/filesystems"
        if not shutil.which("mkfs.btrfs"):
            return "no mkfs.btrfs (btrfs-progs)"
        return None

    def setup(self):
        """Makes the filesystem and the two managers on it; returns (lxcmgr, lxc), or None with a
        log line saying why not (never raises but for Ctrl-C/SIGTERM: the rows stay not measured)."""
        why = self.why_not()
        if why:
            log(f"btrfs on a loop image: not possible here ({why})")
            return None
        try:
            with open(self.img, "wb") as f:
                f.truncate(IMAGE_SIZE)
            run(["mkfs.btrfs", "-q", self.img])
            os.makedirs(self.mnt, exist_ok=True)
            # -o loop sets autoclear: the device goes with the unmount, also if this process is
            # killed before teardown()
            run(["mount", "-t", "btrfs", "-o", "loop", self.img, self.mnt])
            self.lm = Lxcmgr(self.mnt, self.binary)   # its cache: the shared warm one, linked in
            self.lx = Lxc(self.mnt)
            self.lx.name = "lxc-btrfs"                # tells its log lines from the dir row's LXC
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as e:
            log(f"btrfs on a loop image: setup failed ({e})")
            self.teardown()
            return None
        log(f"btrfs on a loop image: {IMAGE_SIZE >> 30} GiB sparse {self.img} on {self.mnt}")
        return self.lm, self.lx

    def teardown(self):
        """Containers of both managers destroyed, the filesystem unmounted (lazily if busy), every
        loop device still on the image detached, the image deleted."""
        if mounted(self.mnt):
            for m in (self.lm, self.lx):
                if m:
                    m.cleanup()
            if run(["umount", self.mnt], check=False).returncode != 0:
                log(f"btrfs on a loop image: {self.mnt} busy, unmounted lazily")
                run(["umount", "-R", "-l", self.mnt], check=False)
        self.lm = self.lx = None
        if os.path.exists(self.img):
            # by the image, not by a recorded name: setup() may have been interrupted before it
            # learnt the device's, and a device freed by autoclear may be someone else's by now
            for line in run(["losetup", "-j", self.img], check=False).stdout.splitlines():
                run(["losetup", "-d", line.split(":", 1)[0]], check=False)
            os.unlink(self.img)
        if os.path.isdir(self.mnt) and not mounted(self.mnt):
            try:
                os.rmdir(self.mnt)  # never a recursive delete that could reach into a mount
            except OSError:
                pass                # the work directory's removal deals with it
