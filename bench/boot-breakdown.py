#!/usr/bin/env python3
"""Where the time of "Debian systemd: start until booted" goes, lxcmgr against LXC (root).

bench/boot-breakdown.py --lxcmgr BIN --root DIR --name NAME [--lxc-path DIR --lxc-name NAME]
                        [--runs N] [--mode unpriv|priv|seccomp-none ...] [--late-poll]

Uses existing, stopped containers on the same rootfs (e.g. a `create -t debian -r bookworm --init
systemd` one and a copy of its rootfs under LXC, configured as bench/managers.py does) and boots
them alternately with the benchmark's method (start, then BOOTED_SCRIPT through exec/lxc-attach),
counting the poll iterations. Both sides share CLOCK_MONOTONIC, so with systemd's own timestamps
each boot splits into:
  pre   start command issued -> systemd's UserspaceTimestamp (manager + exec of /sbin/init)
  gen   generators (GeneratorsStart..Finish); load: unit loading (UnitsLoadStart..Finish)
  boot  UserspaceTimestamp -> FinishTimestamp (systemd's own boot, generators and load included)
  post  FinishTimestamp -> the poll loop returned on the host
  cpu   CPU of init.scope + system.slice (cgroup2 cpu.stat): systemd, its generators and its
        services; lxc-attach's poller runs in /.lxc, outside both, but lxcmgr exec's lands in the
        container's root cgroup, which systemd moves into init.scope when it starts: --late-poll
        (poll 400 ms after the start command, once systemd has set up its cgroups) keeps it out
Prints one line per boot and the medians. A diagnostic, not part of bench/run; it leaves the
lxcmgr container unprivileged with the default seccomp policy (as create makes it).
"""
import argparse
import json
import statistics
import subprocess
import time

from managers import BOOTED_SCRIPT

POLL = BOOTED_SCRIPT.replace("while :; do ", "n=0; while :; do n=$((n+1)); ").replace("echo $s;", "echo $s $n;")
PROPS = ["UserspaceTimestampMonotonic", "GeneratorsStartTimestampMonotonic", "GeneratorsFinishTimestampMonotonic",
         "UnitsLoadStartTimestampMonotonic", "UnitsLoadFinishTimestampMonotonic", "FinishTimestampMonotonic"]


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


class Lxcmgr:
    def __init__(self, a, mode):
        self.a, self.mode, self.label = a, mode, f"lxcmgr-{mode}"

    def lm(self, *args):
        return run(self.a.lxcmgr, "--root", self.a.root, *args)

    def prepare(self):
        self.lm("config", self.a.name, "set", "security.privileged", "true" if self.mode == "priv" else "false")
        self.lm("config", self.a.name, "set", "security.seccomp", "none" if self.mode == "seccomp-none" else "default")

    def start(self):
        self.lm("start", self.a.name)

    def sh(self, script):
        return self.lm("exec", self.a.name, "--", "/bin/sh", "-c", script)

    def pid(self):
        return int(json.loads(self.lm("info", self.a.name, "--format", "json"))["pid"])

    def stop(self):
        self.lm("stop", self.a.name)


class Lxc:
    label = "lxc"

    def __init__(self, a):
        self.a = a

    def lx(self, tool, *args):
        return run(tool, "-P", self.a.lxc_path, "-n", self.a.lxc_name, *args)

    def prepare(self):
        pass

    def start(self):
        self.lx("lxc-start", "-d")
        self.lx("lxc-wait", "-s", "RUNNING")

    def sh(self, script):
        return self.lx("lxc-attach", "--", "/bin/sh", "-c", script)

    def pid(self):
        return int(self.lx("lxc-info", "-p", "-H").strip())

    def stop(self):
        self.lx("lxc-stop")


def systemd_cpu_ms(pid):
    """CPU ms of init.scope and of system.slice of the container's cgroup2 subtree (removed children
    included)."""
    with open(f"/proc/{pid}/cgroup") as f:
        path = [ln.split(":", 2)[2] for ln in f.read().splitlines() if ln.startswith("0::")][0]
    top = "/sys/fs/cgroup/unified" + path.rsplit("/init.scope", 1)[0]
    ms = []
    for sub in ("init.scope", "system.slice"):
        with open(f"{top}/{sub}/cpu.stat") as f:
            ms.append(sum(int(ln.split()[1]) for ln in f if ln.startswith("usage_usec")) / 1000)
    return ms


def boot(m, late):
    m.prepare()
    t0 = time.monotonic()
    m.start()
    if late:
        time.sleep(0.4)
    state, polls = m.sh(POLL).split()
    t1 = time.monotonic()
    out = m.sh("systemctl show " + " ".join(f"-p {p}" for p in PROPS))  # in systemd's order, not ours
    props = {k: int(v) / 1e6 for k, v in (ln.split("=", 1) for ln in out.split())}
    cpu_init, cpu_svc = systemd_cpu_ms(m.pid())
    m.stop()
    us, fin = props["UserspaceTimestampMonotonic"], props["FinishTimestampMonotonic"]
    ms = lambda a, b: (props[b] - props[a]) * 1000
    return {"wall": (t1 - t0) * 1000, "pre": (us - t0) * 1000,
            "gen": ms("GeneratorsStartTimestampMonotonic", "GeneratorsFinishTimestampMonotonic"),
            "load": ms("UnitsLoadStartTimestampMonotonic", "UnitsLoadFinishTimestampMonotonic"),
            "boot": (fin - us) * 1000, "post": (t1 - fin) * 1000, "polls": int(polls), "cpu_init": cpu_init, "cpu_svc": cpu_svc,
            "state": state}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lxcmgr", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--lxc-path")
    ap.add_argument("--lxc-name")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--mode", action="append", choices=["unpriv", "priv", "seccomp-none"])
    ap.add_argument("--late-poll", action="store_true")
    a = ap.parse_args()
    mgrs = [Lxcmgr(a, mode) for mode in (a.mode or ["unpriv"])]
    if a.lxc_path and a.lxc_name:
        mgrs.append(Lxc(a))
    res = {m.label: [] for m in mgrs}
    for _ in range(a.runs):
        for m in mgrs:
            r = boot(m, a.late_poll)
            res[m.label].append(r)
            print(m.label, " ".join(f"{k}={v:.0f}" if not isinstance(v, str) else f"{k}={v}" for k, v in r.items()),
                  flush=True)
    for label, rs in res.items():
        print("median", label, " ".join(f"{k}={statistics.median(r[k] for r in rs):.1f}"
                                        for k in rs[0] if k != "state"))
    Lxcmgr(a, "unpriv").prepare()  # as create makes it: unprivileged, default seccomp


if __name__ == "__main__":
    main()
