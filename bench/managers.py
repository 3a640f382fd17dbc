"""The three managers the benchmark drives (lxcmgr, LXC, systemd-nspawn) behind one small interface,
and the helpers they share. Every container a manager creates is recorded, so that cleanup() can
remove it whatever happened (a failed case, Ctrl-C, SIGTERM)."""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

# the benchmark's own bridge: no address, no uplink, no NAT; one per run (two runs at once, e.g.
# of two builds, must not share or delete each other's)
BENCH_BRIDGE = f"lxmbench{os.getpid() % 1000000}"

# The ttys of the busybox containers: lxcmgr's default console.ttys (the benchmark leaves it as
# is), given to LXC too (lxc.tty.max): each is a pty the manager allocates at start, and the
# template's inittab runs a getty on each under both managers. nspawn has only its console and no
# option for more.
TTYS = 4

# The ttys of the Debian systemd container: none, in all three, so that all three boot the same
# units. With ttys, lxcmgr's init gets container_ttys and its systemd starts a container-getty on
# each; LXC 5.0.2's init has container=lxc alone in its environment, so its systemd starts the
# console's getty only (as nspawn's, which has no ttys): four more services under lxcmgr than under
# either of the others (README, "Where the Debian boot time goes", session 11).
DEBIAN_TTYS = 0

# Polled inside a Debian container until systemd says the boot is over: the bus is missing for the
# first few hundred milliseconds, after which --wait blocks until the boot finishes.
BOOTED_SCRIPT = ("while :; do s=$(systemctl is-system-running --wait 2>/dev/null); "
                 "case $s in running|degraded) echo $s; exit 0;; esac; sleep 0.01; done")


_ADDRS = {}


def bench_addr(manager, name):
    """A static address on the bench bridge, unique per (manager, container): lxcmgr runs a DHCP
    client in the container for a veth without one (busybox udhcpc, systemd-networkd), which the
    others would not; LXC gets the same kind of address, nspawn none (it configures none itself)."""
    key = (manager, name)
    if key not in _ADDRS:
        i = len(_ADDRS)
        _ADDRS[key] = f"10.254.{i // 250}.{i % 250 + 2}/16"
    return _ADDRS[key]


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def run(cmd, check=True, quiet=True, timeout=300, env=None):
    r = subprocess.run(cmd, stdout=subprocess.PIPE if quiet else None,
                       stderr=subprocess.PIPE if quiet else None, text=True,
                       timeout=timeout, env=env)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {(r.stderr or '').strip()[-500:]}")
    return r


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000.0


def wait_for(pred, timeout=30.0, step=0.0005):
    """Polls pred(): the benchmark measures others' tools, some of which offer nothing to wait on."""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise TimeoutError("condition not met in time")


def smaps_rollup(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3 and parts[2] == "kB":
                    out[parts[0].rstrip(":")] = int(parts[1])
    except OSError:
        pass
    return {"rss_kib": out.get("Rss", 0), "pss_kib": out.get("Pss", 0),
            "private_kib": out.get("Private_Clean", 0) + out.get("Private_Dirty", 0)}


def mem_used_mib():
    """Host memory in use (MemTotal - MemAvailable), for memory per container."""
    info = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            info[k] = int(v.split()[0])
    return (info["MemTotal"] - info["MemAvailable"]) / 1024.0


def booted_state(proc):
    """The systemd state printed by BOOTED_SCRIPT, or raises with what the container said."""
    state = (proc.stdout or "").strip().split("\n")[-1] if proc.stdout else ""
    if proc.returncode != 0 or state not in ("running", "degraded"):
        raise RuntimeError(f"boot not confirmed ({proc.returncode}): {state} {(proc.stderr or '')[-200:]}")
    return state


class Manager:
    name = "?"

    def __init__(self):
        self.net = False        # give containers started from now on a veth on BENCH_BRIDGE
        self.created = set()

    def prepare(self, name):
        """Applies self.net to the container's config; called before a timed start."""

    def boot_wait(self, name, timeout=120):
        """Start, then wait until systemd inside says it has booted; returns the state."""
        self.start(name)
        return booted_state(self.exec_sh(name, BOOTED_SCRIPT, timeout=timeout))

    def cleanup(self):
        for n in sorted(self.created):
            try:
                self.destroy(n)
            except Exception as e:  # keep going: everything else must still be removed
                log(f"{self.name}: cleanup of {n}: {e}")


class Lxcmgr(Manager):
    name = "lxcmgr"

    def __init__(self, work, binary):
        super().__init__()
        self.bin = binary
        self.root = os.path.join(work, "lxcmgr-root")
        # The warm template cache: the shared one, linked in (cache_dir in the config would be
        # prefixed with --root, like every path lxcmgr reads from it).
        cache = os.environ.get("LXCMGR_TEST_CACHE", "/var/tmp/lxcmgr-test-cache")
        os.makedirs(cache, exist_ok=True)
        os.makedirs(os.path.join(self.root, "var/cache"), exist_ok=True)
        os.symlink(cache, os.path.join(self.root, "var/cache/lxcmgr"))
        self.netconf = {}       # name -> whether its config has the bench's veth

    def cmd(self, *args, check=True, timeout=300):
        return run([self.bin, "--root", self.root, *args], check=check, timeout=timeout)

    def rootfs(self, name):
        return os.path.join(self.root, "var/lib/lxcmgr/containers", name, "rootfs")

    def prepare(self, name):
        if self.netconf.get(name) == self.net:
            return
        if self.net:
            self.cmd("config", name, "set", "network.eth0.type", "veth")
            self.cmd("config", name, "set", "network.eth0.bridge", BENCH_BRIDGE)
            self.cmd("config", name, "set", "network.eth0.ipv4", bench_addr(self.name, name))
        else:
            self.cmd("config", name, "unset", "network.eth0", check=False)
        self.netconf[name] = self.net

    def create(self, name, template, extra=(), prepare=True):
        self.created.add(name)
        self.cmd("create", name, "-t", template, *extra, timeout=1800)
        self.netconf.pop(name, None)
        if prepare:  # the network setup is one more command: the create case leaves it out
            self.prepare(name)

    def copy(self, src, dst, snapshot=False):
        self.created.add(dst)
        self.cmd("copy", src, dst, *(["--snapshot"] if snapshot else []), timeout=600)
        self.netconf[dst] = self.netconf.get(src)

    def start(self, name):
        self.prepare(name)
        self.cmd("start", name)

    def pid(self, name):
        info = json.loads(self.cmd("info", name, "--format", "json").stdout)
        return int(info.get("pid") or 0)

    def exec(self, name, *argv):
        return self.cmd("exec", name, "--", *argv, check=False)

    def exec_sh(self, name, script, timeout=120):
        return self.cmd("exec", name, "--", "/bin/sh", "-c", script, check=False, timeout=timeout)

    def stop(self, name, kill=False):
        self.cmd("stop", name, *(["-k"] if kill else []), timeout=120)

    def destroy(self, name):
        self.cmd("destroy", name, "--force", check=False, timeout=300)
        self.created.discard(name)

    def uuid(self, name):
        return json.loads(self.cmd("info", name, "--format", "json").stdout).get("uuid") or ""

    def monitor_pids(self):
        """The monitors of this root's containers only (other roots may run on the host): every
        monitor sits in the shared lxcmgr.monitor cgroup, and its command line (the full
        `lxcmgr --root R __monitor NAME ...` or the small lxcmgr-monitor's, which carries it on)
        names the root."""
        mark = f"--root\0{self.root}\0__monitor\0".encode()
        pids = []
        for p in glob.glob("/proc/[0-9]*/cgroup"):
            try:
                with open(p) as f:
                    cg = f.read()
                with open(p[:-len("cgroup")] + "cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if any(line.endswith(":/lxcmgr.monitor") for line in cg.split("\n")) and mark in cmdline:
                pids.append(int(p.split("/")[2]))
        return pids

    def list(self, json_format=False):
        self.cmd("list", *(["--format", "json"] if json_format else []))


class Lxc(Manager):
    name = "lxc"

    def __init__(self, work):
        super().__init__()
        self.path = os.path.join(work, "lxc")
        os.makedirs(self.path, exist_ok=True)
        self.netconf = {}
        self.ttys = {}          # name -> lxc.tty.max when not TTYS

    def cmd(self, tool, name, *args, check=True, timeout=300):
        return run([tool, "-P", self.path, "-n", name, *args], check=check, timeout=timeout)

    def write_config(self, name, rootfs=None):
        d = os.path.join(self.path, name)
        os.makedirs(d, exist_ok=True)
        if rootfs is None:  # keep what lxc-copy wrote (dir: or overlay:)
            with open(os.path.join(d, "config")) as f:
                rootfs = [ln.split("=", 1)[1].strip() for ln in f if ln.startswith("lxc.rootfs.path")][0]
        elif ":" not in rootfs:
            rootfs = "dir:" + rootfs
        net = (["lxc.net.0.type = veth", f"lxc.net.0.link = {BENCH_BRIDGE}", "lxc.net.0.flags = up",
                # with the broadcast: LXC 5.0.2 gets it wrong otherwise (ANCHORS.md)
                f"lxc.net.0.ipv4.address = {bench_addr(self.name, name)} 10.254.255.255"]
               if self.net else ["lxc.net.0.type = empty"])
        cfg = [
            "lxc.include = /usr/share/lxc/config/common.conf",
            f"lxc.rootfs.path = {rootfs}",
            f"lxc.uts.name = {name}",
            # Measured fairly: the lxcfs package's hooks add ~0.5 s of sleep to every stop and
            # do nothing without the lxcfs daemon (ANCHORS.md); AppArmor is absent here.
            "lxc.hook.mount =",
            "lxc.hook.post-stop =",
            "lxc.apparmor.profile = unconfined",
            f"lxc.tty.max = {self.ttys.get(name, TTYS)}",  # as many as lxcmgr's (TTYS, DEBIAN_TTYS)
            *net,
        ]
        with open(os.path.join(d, "config"), "w") as f:
            f.write("\n".join(cfg) + "\n")
        self.netconf[name] = self.net

    def create_from(self, name, tarball):
        self.created.add(name)
        run(["lxc-create", "-P", self.path, "-n", name, "-t", "none"], check=False)
        rootfs = os.path.join(self.path, name, "rootfs")
        os.makedirs(rootfs, exist_ok=True)
        run(["tar", "--numeric-owner", "-xpf", tarball, "-C", rootfs])
        self.write_config(name, rootfs)

    def create_copy(self, name, src_rootfs):
        self.created.add(name)
        rootfs = os.path.join(self.path, name, "rootfs")
        os.makedirs(os.path.dirname(rootfs), exist_ok=True)
        run(["cp", "-a", src_rootfs, rootfs])
        self.write_config(name, rootfs)

    def copy(self, src, dst, snapshot=False):
        self.created.add(dst)
        run(["lxc-copy", "-P", self.path, "-n", src, "-N", dst, *(["-s", "-B", "overlay"] if snapshot else [])],
            timeout=600)
        self.netconf[dst] = None

    def prepare(self, name):
        if self.netconf.get(name) != self.net:
            self.write_config(name)

    def start(self, name):
        self.prepare(name)
        self.cmd("lxc-start", name, "-d")
        self.cmd("lxc-wait", name, "-s", "RUNNING", "-t", "30")

    def pid(self, name):
        return int(self.cmd("lxc-info", name, "-p", "-H").stdout.strip() or 0)

    def exec(self, name, *argv):
        return self.cmd("lxc-attach", name, "--", *argv, check=False)

    def exec_sh(self, name, script, timeout=120):
        return self.cmd("lxc-attach", name, "--", "/bin/sh", "-c", script, check=False, timeout=timeout)

    def stop(self, name, kill=False):
        self.cmd("lxc-stop", name, *(["-k"] if kill else ["-t", "60"]), timeout=120)

    def destroy(self, name):
        run(["lxc-stop", "-P", self.path, "-n", name, "-k"], check=False)
        run(["lxc-destroy", "-P", self.path, "-n", name], check=False)
        self.created.discard(name)

    def monitor_pids(self):
        out = run(["pgrep", "-f", f"^\\[lxc monitor\\] {self.path}"], check=False).stdout.split()
        return [int(p) for p in out]

    def list(self, json_format=False):
        run(["lxc-ls", "-P", self.path, "-f"])


class Nspawn(Manager):
    """systemd-nspawn in the background (no host systemd here, so no transient unit, no machined:
    --keep-unit --register=no). Its "leader" is the container's PID 1, a child of nspawn."""
    name = "nspawn"
    EXE = os.path.realpath(shutil.which("systemd-nspawn") or "/usr/bin/systemd-nspawn")

    def __init__(self, work):
        super().__init__()
        self.dir = os.path.join(work, "nspawn")
        os.makedirs(self.dir, exist_ok=True)
        self.procs = {}
        self.kill_signal = {}
        self.mounted_tmpfs = False
        # nspawn insists on cleaning /run/systemd/nspawn/propagate, which needs a tmpfs on a host
        # whose /run is not one (ANCHORS.md).
        os.makedirs("/run/systemd/nspawn", exist_ok=True)
        if run(["mountpoint", "-q", "/run/systemd/nspawn"], check=False).returncode != 0:
            run(["mount", "-t", "tmpfs", "tmpfs", "/run/systemd/nspawn"])
            self.mounted_tmpfs = True

    def create_copy(self, name, src_rootfs, kill_signal=None):
        self.created.add(name)
        dst = os.path.join(self.dir, name)
        run(["cp", "-a", src_rootfs, dst])
        if kill_signal:  # busybox init powers off on SIGUSR2, not on systemd's SIGRTMIN+3
            self.kill_signal[name] = kill_signal
        # nspawn -b refuses a tree without os-release (the busybox template has none)
        if not any(os.path.exists(os.path.join(dst, p)) for p in ("etc/os-release", "usr/lib/os-release")):
            with open(os.path.join(dst, "etc/os-release"), "w") as f:
                f.write('ID=busybox\nNAME="busybox"\n')

    def start(self, name):
        net = [f"--network-bridge={BENCH_BRIDGE}"] if self.net else ["--private-network"]
        ks = [f"--kill-signal={self.kill_signal[name]}"] if name in self.kill_signal else []
        p = subprocess.Popen(["systemd-nspawn", "--quiet", "--keep-unit", "--register=no",
                              "-M", name, "-D", os.path.join(self.dir, name), "-b", *net, *ks],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        self.procs[name] = p
        def ready():
            pid = self.pid(name)
            if not pid and p.poll() is not None:
                raise RuntimeError(f"systemd-nspawn exited ({p.returncode})")
            return pid
        try:
            wait_for(ready)
        except Exception:
            self._reap(name)
            raise

    def pid(self, name):
        """The container's init: nspawn's child once it runs something other than nspawn."""
        p = self.procs.get(name)
        if not p:
            return 0
        try:
            with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
                kids = f.read().split()
            for k in kids:
                if os.readlink(f"/proc/{k}/exe") != self.EXE:
                    return int(k)
        except OSError:
            pass
        return 0

    def exec(self, name, *argv):
        return run(["nsenter", "-t", str(self.pid(name)), "-a", *argv], check=False)

    def exec_sh(self, name, script, timeout=120):
        return run(["nsenter", "-t", str(self.pid(name)), "-a", "/bin/sh", "-c", script],
                   check=False, timeout=timeout)

    def stop(self, name, kill=False):
        """Clean: SIGTERM to nspawn, which sends the kill signal (SIGRTMIN+3 by default) to the
        container's init; kill: SIGKILL to the leader (the pid namespace dies with it)."""
        p = self.procs[name]
        if kill:
            pid = self.pid(name)
            if pid:
                os.kill(pid, signal.SIGKILL)
        else:
            p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=60)
        finally:
            self._reap(name)

    def _reap(self, name):
        p = self.procs.pop(name, None)
        if p and p.poll() is None:
            pid = 0
            try:
                self.procs[name] = p
                pid = self.pid(name)
            finally:
                self.procs.pop(name, None)
            if pid:
                os.kill(pid, signal.SIGKILL)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def destroy(self, name):
        self._reap(name)
        shutil.rmtree(os.path.join(self.dir, name), ignore_errors=True)
        self.created.discard(name)

    def cleanup(self):
        super().cleanup()
        for n in list(self.procs):
            self._reap(n)
        if self.mounted_tmpfs:
            run(["umount", "/run/systemd/nspawn"], check=False)
