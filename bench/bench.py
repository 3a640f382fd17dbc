#!/usr/bin/env python3
"""lxcmgr benchmark: lxcmgr, LXC and systemd-nspawn on the same root filesystems, measured
alternately (A B A B ...), median/min/max per case and the ratio lxcmgr/other.

Not a test: it never fails on a timing. It fails (exit 1) only when the harness itself breaks.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(HERE)
BENCH_NET = "lxmbench0"  # a bridge of the benchmark's own; nothing is routed out of it
BENCH_SUBNET = "10.254.77"


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


# ---------------------------------------------------------------- managers

class Lxcmgr:
    name = "lxcmgr"

    def __init__(self, work, binary):
        self.bin = binary
        self.root = os.path.join(work, "lxcmgr-root")
        os.makedirs(self.root, exist_ok=True)
        cache = os.environ.get("LXCMGR_TEST_CACHE", "/var/tmp/lxcmgr-test-cache")
        os.makedirs(os.path.join(self.root, "etc/lxcmgr"), exist_ok=True)
        with open(os.path.join(self.root, "etc/lxcmgr/lxcmgr.conf"), "w") as f:
            f.write(f'cache_dir = "{cache}"\n')
        self.net = False

    def cmd(self, *args, check=True, timeout=300):
        return run([self.bin, "--root", self.root, *args], check=check, timeout=timeout)

    def rootfs(self, name):
        return os.path.join(self.root, "var/lib/lxcmgr/containers", name, "rootfs")

    def create(self, name, template, extra=()):
        self.cmd("create", name, "-t", template, *extra, timeout=1800)
        if not self.net:
            self.cmd("config", name, "unset", "network.eth0", check=False)

    def create_from(self, name, tarball):
        self.cmd("create", name, "--from", tarball)

    def start(self, name):
        self.cmd("start", name)

    def pid(self, name):
        info = json.loads(self.cmd("info", name, "--format", "json").stdout)
        return int(info.get("pid") or 0)

    def exec(self, name, *argv):
        return self.cmd("exec", name, "--", *argv, check=False)

    def stop(self, name, kill=False):
        self.cmd("stop", name, *(["-k"] if kill else []), timeout=120)

    def destroy(self, name):
        self.cmd("destroy", name, "--force", check=False)

    def uuid(self, name):
        return json.loads(self.cmd("info", name, "--format", "json").stdout).get("uuid") or ""

    def monitor_pids(self):
        pids = []
        for p in glob.glob("/proc/[0-9]*/cmdline"):
            try:
                with open(p, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            # only this benchmark's monitors: other lxcmgr users on the host (a test suite's
            # sanitizer build) must not count
            if self.root.encode() not in argv:
                continue
            if argv and argv[0].endswith(b"lxcmgr") and b"__monitor" in argv:
                pids.append(int(p.split("/")[2]))
            elif argv and argv[0].startswith(b"lxcmgr-monitor"):
                pids.append(int(p.split("/")[2]))
        return pids

    def list(self, json_format=False):
        self.cmd("list", *(["--format", "json"] if json_format else []))


class Lxc:
    name = "lxc"

    def __init__(self, work):
        self.path = os.path.join(work, "lxc")
        os.makedirs(self.path, exist_ok=True)
        self.net = False

    def cmd(self, tool, name, *args, check=True, timeout=300):
        return run([tool, "-P", self.path, "-n", name, *args], check=check, timeout=timeout)

    def write_config(self, name, rootfs):
        d = os.path.join(self.path, name)
        os.makedirs(d, exist_ok=True)
        net = ([f"lxc.net.0.type = veth", f"lxc.net.0.link = {BENCH_NET}", "lxc.net.0.flags = up"]
               if self.net else ["lxc.net.0.type = empty"])
        cfg = [
            "lxc.include = /usr/share/lxc/config/common.conf",
            f"lxc.rootfs.path = dir:{rootfs}",
            f"lxc.uts.name = {name}",
            # Measured fairly: the lxcfs package's hooks add ~0.5 s of sleep to every stop and
            # do nothing without the lxcfs daemon (ANCHORS.md); AppArmor is absent here.
            "lxc.hook.mount =",
            "lxc.hook.post-stop =",
            "lxc.apparmor.profile = unconfined",
            "lxc.tty.max = 1",
            *net,
        ]
        with open(os.path.join(d, "config"), "w") as f:
            f.write("\n".join(cfg) + "\n")

    def create_from(self, name, tarball):
        run(["lxc-create", "-P", self.path, "-n", name, "-t", "none"], check=False)
        rootfs = os.path.join(self.path, name, "rootfs")
        os.makedirs(rootfs, exist_ok=True)
        run(["tar", "--numeric-owner", "-xpf", tarball, "-C", rootfs])
        self.write_config(name, rootfs)

    def create_copy(self, name, src_rootfs):
        rootfs = os.path.join(self.path, name, "rootfs")
        os.makedirs(os.path.dirname(rootfs), exist_ok=True)
        run(["cp", "-a", src_rootfs, rootfs])
        self.write_config(name, rootfs)

    def start(self, name):
        self.cmd("lxc-start", name, "-d")
        self.cmd("lxc-wait", name, "-s", "RUNNING", "-t", "30")

    def pid(self, name):
        return int(self.cmd("lxc-info", name, "-p", "-H").stdout.strip() or 0)

    def exec(self, name, *argv):
        return self.cmd("lxc-attach", name, "--", *argv, check=False)

    def stop(self, name, kill=False):
        self.cmd("lxc-stop", name, *(["-k"] if kill else ["-t", "60"]), timeout=120)

    def destroy(self, name):
        run(["lxc-stop", "-P", self.path, "-n", name, "-k"], check=False)
        run(["lxc-destroy", "-P", self.path, "-n", name], check=False)

    def monitor_pids(self):
        out = run(["pgrep", "-f", "^\\[lxc monitor\\] " + self.path + " "], check=False).stdout.split()
        return [int(p) for p in out]

    def list(self, json_format=False):
        run(["lxc-ls", "-P", self.path, "-f"])


class Nspawn:
    name = "nspawn"

    def __init__(self, work):
        self.dir = os.path.join(work, "nspawn")
        os.makedirs(self.dir, exist_ok=True)
        self.procs = {}
        # nspawn insists on cleaning /run/systemd/nspawn/propagate, which needs a tmpfs on a host
        # whose /run is not one (ANCHORS.md).
        os.makedirs("/run/systemd/nspawn", exist_ok=True)
        if run(["mountpoint", "-q", "/run/systemd/nspawn"], check=False).returncode != 0:
            run(["mount", "-t", "tmpfs", "tmpfs", "/run/systemd/nspawn"])

    def create_copy(self, name, src_rootfs):
        run(["cp", "-a", src_rootfs, os.path.join(self.dir, name)])

    def start(self, name):
        p = subprocess.Popen(["systemd-nspawn", "--quiet", "--keep-unit", "--register=no",
                              "-M", name, "-D", os.path.join(self.dir, name), "-b"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        self.procs[name] = p
        wait_for(lambda: self.pid(name))

    def pid(self, name):
        p = self.procs.get(name)
        if not p:
            return 0
        try:
            kids = open(f"/proc/{p.pid}/task/{p.pid}/children").read().split()
        except OSError:
            return 0
        return int(kids[0]) if kids else 0

    def exec(self, name, *argv):
        return run(["nsenter", "-t", str(self.pid(name)), "-a", *argv], check=False)

    def stop(self, name, kill=False):
        p = self.procs.pop(name)
        p.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        p.wait(timeout=120)

    def destroy(self, name):
        if name in self.procs:
            self.stop(name, kill=True)
        shutil.rmtree(os.path.join(self.dir, name), ignore_errors=True)


# ---------------------------------------------------------------- cases

class Results:
    def __init__(self):
        self.cases = []

    def add(self, case, variant, samples, unit="ms", note=""):
        """samples: {manager: [values]}."""
        row = {"case": case, "variant": variant, "unit": unit, "note": note, "managers": {}}
        for m, vals in samples.items():
            if vals:
                row["managers"][m] = {"median": statistics.median(vals), "min": min(vals),
                                      "max": max(vals), "n": len(vals)}
        lx = row["managers"].get("lxcmgr")
        for m, st in row["managers"].items():
            if m != "lxcmgr" and lx and st["median"] > 0:
                st["ratio_lxcmgr"] = lx["median"] / st["median"]
        self.cases.append(row)
        self.print_row(row)

    @staticmethod
    def print_row(row):
        cells = []
        for m, st in row["managers"].items():
            c = f"{m} {st['median']:.1f}{row['unit']} [{st['min']:.1f}-{st['max']:.1f}]"
            if "ratio_lxcmgr" in st:
                c += f" (lxcmgr/{m} {st['ratio_lxcmgr']:.2f}x)"
            cells.append(c)
        print(f"{row['case']:<34} {row['variant']:<12} " + "; ".join(cells), flush=True)


def alternate(runs, managers, fn):
    """Runs fn(manager, i) for each manager in turn, runs times; returns {name: [ms]}."""
    out = {m.name: [] for m in managers}
    for i in range(runs):
        for m in managers:
            try:
                v = fn(m, i)
            except Exception as e:  # a manager that cannot do the case is reported, not fatal
                log(f"{m.name}: {e}")
                v = None
            if v is not None:
                out[m.name].append(v)
    return out


def floor_unshare(runs):
    vals = []
    for _ in range(runs):
        vals.append(timed(lambda: run(["unshare", "-m", "-p", "-u", "-i", "-n", "-C", "-f", "/bin/true"])))
    return vals


def floor_veth(work):
    exe = os.path.join(work, "veth-floor")
    run(["gcc", "-O2", "-o", exe, os.path.join(HERE, "veth-floor.c"),
         *run(["pkg-config", "--cflags", "--libs", "libnl-route-3.0"]).stdout.split()])
    r = run(["unshare", "-n", exe, "20"])
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="few runs, small density: checks the harness")
    ap.add_argument("--only", action="append", default=[], help="run only this case (repeatable)")
    ap.add_argument("--runs", type=int, default=0)
    ap.add_argument("--out", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--lxcmgr", default=os.environ.get("LXCMGR") or shutil.which("lxcmgr")
                    or os.path.join(SRCDIR, "lxcmgr/lxcmgr"))
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    runs = a.runs or (3 if a.quick else 11)
    density = [5] if a.quick else [50, 200]
    want = lambda c: not a.only or c in a.only

    if os.geteuid() != 0:
        log("needs root (it starts containers)")
        return 1
    work = tempfile.mkdtemp(prefix="lxcmgr-bench.")
    res = Results()
    lm, lx, ns = Lxcmgr(work, a.lxcmgr), Lxc(work), Nspawn(work)
    meta = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"),
            "kernel": platform.release(), "runs": runs,
            "lxc": run(["lxc-start", "--version"]).stdout.strip(),
            "systemd": run(["systemd-nspawn", "--version"]).stdout.split("\n")[0],
            "lxcmgr": run([a.lxcmgr, "--version"], check=False).stdout.strip()}
    log(f"work dir {work}; {meta}")
    failures = 0
    try:
        if want("floor"):
            res.add("floor: unshare all ns + /bin/true", "-", {"unshare": floor_unshare(runs)})
            v = floor_veth(work)
            res.add("floor: veth create (netlink)", "-", {"netlink": [v["create_ms"]]})
            res.add("floor: veth delete (netlink)", "-", {"netlink": [v["delete_ms"]]})

        # Identical root filesystems: lxcmgr's busybox template, copied for the others.
        lm.create("bb-src", "busybox")
        bb_rootfs = lm.rootfs("bb-src")
        bb_tar = os.path.join(work, "busybox.tar")
        run(["tar", "--numeric-owner", "-cpf", bb_tar, "-C", bb_rootfs, "."])

        if want("create"):
            def create(m, i):
                n = f"cr{i}"
                if m is lm:
                    # only the create: lm.create() also runs 'config unset network.eth0'
                    t = timed(lambda: lm.cmd("create", n, "-t", "busybox", timeout=1800))
                else:
                    t = timed(lambda: lx.create_from(n, bb_tar))
                m.destroy(n)
                return t
            res.add("create from warm cache", "busybox", alternate(runs, [lm, lx], create))

        lx.create_copy("bb", bb_rootfs)
        lm.create("bb", "busybox")
        if want("start"):
            def start(m, i):
                t = timed(lambda: m.start("bb"))
                m.stop("bb", kill=True)
                return t
            res.add("start until init runs", "busybox", alternate(runs, [lm, lx], start))

        if want("exec"):
            lm.start("bb"), lx.start("bb")
            samples = alternate(runs, [lm, lx], lambda m, i: timed(lambda: m.exec("bb", "/bin/true")))
            pid = lx.pid("bb")
            samples["nsenter"] = [timed(lambda: run(["nsenter", "-t", str(pid), "-a", "/bin/true"]))
                                  for _ in range(runs)]
            res.add("exec /bin/true", "busybox", samples)
            lm.stop("bb", kill=True), lx.stop("bb", kill=True)

        if want("stop"):
            def stop(m, i, kill):
                m.start("bb")
                return timed(lambda: m.stop("bb", kill=kill))
            res.add("clean stop", "busybox", alternate(runs, [lm, lx], lambda m, i: stop(m, i, False)))
            res.add("kill", "busybox", alternate(runs, [lm, lx], lambda m, i: stop(m, i, True)))

        if want("cycle"):
            def cycle(m, i):
                def go():
                    m.start("bb")
                    m.exec("bb", "/bin/true")
                    m.stop("bb", kill=True)
                return timed(go)
            res.add("start + exec + kill cycle", "busybox", alternate(runs, [lm, lx], cycle))

        if want("memory") or want("density") or want("list"):
            uuids = []
            for n_ct in density:
                for m in (lm, lx):
                    names = [f"d{j}" for j in range(n_ct)]
                    for nm in names:
                        if m is lm:
                            lm.create(nm, "busybox")
                            uuids.append(lm.uuid(nm))
                        else:
                            lx.create_copy(nm, bb_rootfs)
                    t = timed(lambda: [m.start(nm) for nm in names])
                    res.add(f"start {n_ct} sequential", "busybox", {m.name: [t]})
                    mons = m.monitor_pids()
                    mem = [smaps_rollup(p) for p in mons]
                    if mem:
                        res.add(f"monitor RSS ({n_ct} running)", "busybox",
                                {m.name: [x["rss_kib"] / 1024 for x in mem]}, unit="MiB")
                        res.add(f"monitor PSS ({n_ct} running)", "busybox",
                                {m.name: [x["pss_kib"] / 1024 for x in mem]}, unit="MiB")
                    if want("list"):
                        vals = [timed(lambda: m.list()) for _ in range(runs)]
                        res.add(f"list ({n_ct} running)", "table", {m.name: vals})
                        if m is lm:
                            vals = [timed(lambda: m.list(True)) for _ in range(runs)]
                            res.add(f"list ({n_ct} running)", "json", {m.name: vals})
                    t = timed(lambda: [m.stop(nm, kill=True) for nm in names])
                    res.add(f"kill {n_ct} sequential", "busybox", {m.name: [t]})
                    for nm in names:
                        m.destroy(nm)
            # Leak check of this run's own containers: cgroups named from their uuids, processes
            # under the benchmark's root, mounts below it.
            cg = sum(len(glob.glob(f"/sys/fs/cgroup/*/lxcmgr.*.{u}")) for u in uuids if u)
            procs = run(["pgrep", "-f", lm.root], check=False).stdout.split()
            mounts = sum(1 for line in open("/proc/self/mountinfo") if lm.root in line)
            res.add("leftovers after density (cgroups+procs+mounts)", "-",
                    {"lxcmgr": [float(cg + len(procs) + mounts)]}, unit="")
    except Exception as e:
        failures += 1
        log(f"harness failure: {e}")
    finally:
        for m in (lm, lx):
            for n in ("bb", "bb-src"):
                try:
                    m.destroy(n)
                except Exception:
                    pass
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)

    with open(a.out, "w") as f:
        json.dump({"meta": meta, "cases": res.cases}, f, indent=1)
    log(f"results written to {a.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
