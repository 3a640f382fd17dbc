"""The benchmark's cases. Each one measures the managers alternately (A B C A B C ...) and adds
rows to the results; a manager that cannot do one run is logged and left out of that sample."""
import json
import os
import time

from managers import DEBIAN_TTYS, log, run, timed, wait_for
from density import case_density, case_density_big

HERE = os.path.dirname(os.path.abspath(__file__))
NETS = ((False, "no-net"), (True, "veth"))


def set_net(mgrs, on):
    for m in mgrs:
        m.net = on


def rotated(managers, i):
    """The managers in pass i's order: who goes first moves on by one each pass, so that none
    always runs right after the same other one (a stop's leftovers, a warmed cache) or first."""
    k = i % len(managers)
    return managers[k:] + managers[:k]


def alternate(runs, managers, fn):
    """Runs fn(manager, i) for each manager in turn, runs times; returns {name: [values]}."""
    out = {m.name: [] for m in managers}
    for i in range(runs):
        for m in rotated(managers, i):
            try:
                v = fn(m, i)
            except (KeyboardInterrupt, SystemExit):
                raise
            except Exception as e:  # a manager that cannot do the case is reported, not fatal
                log(f"{m.name}: {e}")
                v = None
            if v is not None:
                out[m.name].append(v)
    return out


def floor_unshare(runs):
    return [timed(lambda: run(["unshare", "-m", "-p", "-u", "-i", "-n", "-C", "-f", "/bin/true"]))
            for _ in range(runs)]


def floor_veth(work):
    exe = os.path.join(work, "veth-floor")
    run(["gcc", "-O2", "-o", exe, os.path.join(HERE, "veth-floor.c"),
         *run(["pkg-config", "--cflags", "--libs", "libnl-route-3.0"]).stdout.split()])
    return json.loads(run(["unshare", "-n", exe, "20"]).stdout)


# ---------------------------------------------------------------- cases

def case_start(a, res, lm, lx, ns):
    mgrs = [lm, lx, ns]
    for net, variant in NETS:
        set_net(mgrs, net)

        def start(m, i):
            m.prepare("bb")
            try:
                return timed(lambda: m.start("bb"))
            finally:
                m.stop("bb", kill=True)
        res.add("start until init runs (busybox)", variant, alternate(a.runs, mgrs, start))
    set_net(mgrs, False)


def case_exec(a, res, lm, lx, ns):
    lm.start("bb"), lx.start("bb")
    try:
        samples = alternate(a.runs, [lm, lx], lambda m, i: timed(lambda: m.exec("bb", "/bin/true")))
        pid = lx.pid("bb")
        samples["nsenter"] = [timed(lambda: run(["nsenter", "-t", str(pid), "-a", "/bin/true"]))
                              for _ in range(a.runs)]
        res.add("exec /bin/true", "busybox", samples, note="nsenter -a into the LXC container")
    finally:
        lm.stop("bb", kill=True), lx.stop("bb", kill=True)


def wait_getty(m, name, timeout=10.0):
    """Waits until the container's busybox init has started its getty (its boot is over)."""
    pid = m.pid(name)

    def has_getty():
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                kids = f.read().split()
            for k in kids:
                with open(f"/proc/{k}/comm") as f:
                    if f.read().strip() == "getty":
                        return True
        except OSError:
            pass
        return False
    wait_for(has_getty, timeout=timeout, step=0.005)


def case_stop(a, res, lm, lx, ns):
    mgrs = [lm, lx, ns]

    def stop(m, i, kill):
        m.prepare("bb")
        m.start("bb")
        # Both stop a booted container: a clean stop's signal before init's handlers is lost, and
        # a kill right after the start command returned would hit init somewhere in its boot (each
        # manager returns at another point of it) while the previous run's teardown still runs in
        # the kernel's workers: what is killed, and beside what, would differ from run to run.
        wait_getty(m, "bb")
        return timed(lambda: m.stop("bb", kill=kill))
    res.add("clean stop (busybox)", "no-net", alternate(a.runs, mgrs, lambda m, i: stop(m, i, False)),
            note="busybox init itself sleeps ~2 s; nspawn with --kill-signal=SIGUSR2")
    for net, variant in NETS:
        set_net(mgrs, net)
        res.add("kill (busybox)", variant, alternate(a.runs, mgrs, lambda m, i: stop(m, i, True)),
                note="nspawn: SIGKILL to its leader")
    set_net(mgrs, False)


def case_cycle(a, res, lm, lx, ns):
    def cycle(m, i):
        def go():
            m.start("bb")
            m.exec("bb", "/bin/true")
            m.stop("bb", kill=True)
        return timed(go)
    res.add("start + exec + kill cycle (busybox)", "no-net", alternate(a.runs, [lm, lx, ns], cycle),
            note="nspawn: exec is nsenter -a")


def case_debian(a, res, lm, lx, ns):
    """Start until systemd says it has booted, then a clean stop, same rootfs for all three."""
    mgrs = [lm, lx, ns]
    for net, variant in NETS:
        set_net(mgrs, net)
        boot = {m.name: [] for m in mgrs}
        stop = {m.name: [] for m in mgrs}
        states = {m.name: {} for m in mgrs}
        for i in range(a.debian_runs):
            for m in rotated(mgrs, i):
                m.prepare("deb")
                try:
                    t0 = time.perf_counter()
                    st = m.boot_wait("deb")
                    boot[m.name].append((time.perf_counter() - t0) * 1000.0)
                    states[m.name][st] = states[m.name].get(st, 0) + 1
                    if st == "degraded" and "failed_units" not in states[m.name]:
                        r = m.exec_sh("deb", "systemctl --failed --no-legend --plain | cut -d' ' -f1")
                        states[m.name]["failed_units"] = " ".join(r.stdout.split())
                    stop[m.name].append(timed(lambda: m.stop("deb")))
                except (KeyboardInterrupt, SystemExit):
                    raise
                except Exception as e:
                    log(f"{m.name}: debian run {i}: {e}")
                    try:
                        m.stop("deb", kill=True)
                    except Exception:
                        pass
        note = "; ".join(f"{k}: " + ", ".join(f"{s} {n}" for s, n in v.items()) for k, v in states.items())
        note = f"ttys {DEBIAN_TTYS} in all three (the console's getty only); " + note
        res.add("Debian systemd: start until booted", variant, boot, note=note)
        res.add("Debian systemd: clean stop", variant, stop)
    set_net(mgrs, False)


def case_copy(a, res, lm, lx, ns):
    """A stopped Debian container copied: overlay snapshot and full copy."""
    full_runs = 1 if a.quick else min(a.runs, 5)
    for snap, variant, runs in ((True, "snapshot", a.runs), (False, "full", full_runs)):
        def copy(m, i):
            dst = f"cp{i}"
            try:
                return timed(lambda: m.copy("deb", dst, snapshot=snap))
            finally:
                m.destroy(dst)
        res.add("copy a stopped Debian container", variant, alternate(runs, [lm, lx], copy),
                note="lxcmgr copy [--snapshot] vs lxc-copy [-s -B overlay]")


class Storage:
    """lxcmgr with one --storage (on the root of lm), as one more column of the alternation."""
    def __init__(self, storage, lm):
        self.name = f"lxcmgr-{storage}"
        self.storage = storage
        self.lm = lm


def work_fs_type(work):
    # the mount's type: stat -f names ext4 by its superblock magic, "ext2/ext3"
    return run(["findmnt", "-n", "-o", "FSTYPE", "-T", work]).stdout.strip()


CREATE_LABEL = {"busybox": "busybox", "debian": "Debian"}


def create_sampler(template, tar, extra):
    """One timed create from the warm cache by a Storage (lxcmgr) or an Lxc (lxc-create -t none +
    untar of tar), destroyed again untimed."""
    def create(m, i):
        n = f"cr{template[0]}{i}"
        mgr = m.lm if isinstance(m, Storage) else m
        try:
            if isinstance(m, Storage):
                return timed(lambda: mgr.create(n, template, extra=(*extra, "--storage", m.storage), prepare=False))
            return timed(lambda: m.create_from(n, tar))
        finally:
            mgr.destroy(n)
    return create


def warm(v, template, extra):
    """One untimed create + destroy: overlay unpacks its base once (kept in the template cache),
    btrfs makes whatever it keeps to create from."""
    v.lm.create("crwarm", template, extra=(*extra, "--storage", v.storage), prepare=False)
    v.lm.destroy("crwarm")


def case_create(a, res, work, lm, lx, loop, template, rootfs, extra, runs):
    """Create from the warm template cache, per storage, vs lxc-create -t none + untar of the same
    rootfs (one LXC sample per round, shared by the rows of all storages). Warm means the cache
    entry exists and, for overlay, its base is unpacked already (done once here, untimed). Off
    btrfs, the btrfs row comes from a loop-backed btrfs image (loop: LoopBtrfs) with its own LXC
    samples on that filesystem, after the other rows, which stay as they were without it."""
    tar = os.path.join(work, f"{template}.tar")
    run(["tar", "--numeric-owner", "-cpf", tar, "-C", rootfs, "."])
    fs = work_fs_type(work)
    variants = [Storage("dir", lm), Storage("overlay", lm)]
    if fs == "btrfs":
        variants.append(Storage("btrfs", lm))
    for v in variants[1:]:
        warm(v, template, extra)
    create = create_sampler(template, tar, extra)
    samples = alternate(runs, [variants[0], lx, *variants[1:]], create)
    notes = {"dir": "lxcmgr: a copy of the cache's unpacked base (made by the first create from the entry, "
                    "here the overlay warm-up); lxc: lxc-create -t none + untar of the same rootfs",
             "overlay": "lxcmgr: upper/work over the cache's unpacked base (unpacked once before: warm); "
                        "lxc: the same samples as the dir row",
             "btrfs": "lxcmgr: a writable snapshot of the entry's btrfs base (made by the warm-up); "
                      "lxc: the same samples as the dir row"}
    label = f"create from warm cache ({CREATE_LABEL[template]})"
    for v in variants:
        res.add(label, v.storage, {"lxcmgr": samples[v.name], "lxc": samples["lxc"]}, note=notes[v.storage])
    if fs != "btrfs":
        try:
            create_on_loop(res, loop, template, tar, extra, runs, fs, label)
        finally:
            loop.teardown()
    os.unlink(tar)


def create_on_loop(res, loop, template, tar, extra, runs, fs, label):
    """The btrfs row on a fresh loop-backed btrfs: lxcmgr --storage btrfs on a root there (its
    cache the shared one, not on btrfs) against LXC's untar on the same filesystem, A B A B."""
    both = loop.setup()
    if not both:
        log(f"create ({template}): btrfs variant not measured")
        return
    blm, blx = both
    v = Storage("btrfs", blm)
    try:
        warm(v, template, extra)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as e:  # lxcmgr's failure, not the harness's: no row, as for an unusable loop
        log(f"create ({template}): btrfs warm-up on the loop image failed, not measured: {e}")
        return
    samples = alternate(runs, [v, blx], create_sampler(template, tar, extra))
    # LXC 5.0.2 makes no storage at all with -t none (-B btrfs is ignored: no rootfs, no
    # lxc.rootfs.path), so its side is the dir row's: untar into a plain directory, here on btrfs.
    note = (f"a loop-backed btrfs image on the work dir's {fs}, fresh per template; lxcmgr: create --storage "
            "btrfs on a root there, a snapshot of the entry's btrfs base (made by the warm-up: one untimed "
            "create + destroy); lxc: its own samples, "
            "lxc-create -t none + untar into a plain directory on the same btrfs (-B btrfs does nothing "
            "with -t none)")
    res.add(label, "btrfs", {"lxcmgr": samples[v.name], "lxc": samples[blx.name]}, note=note)


def run_all(a, res, work, lm, lx, ns, loop):
    """Prepares the root filesystems the wanted cases need and runs them; returns the number of
    harness failures (never a timing). loop: the LoopBtrfs of the create case's btrfs variant."""
    want = a.want
    fails = 0
    if want("floor"):
        res.add("floor: unshare all ns + /bin/true", "-", {"unshare": floor_unshare(a.runs)})
        v = floor_veth(work)
        res.add("floor: veth create (netlink)", "-", {"netlink": [v["create_ms"]]})
        res.add("floor: veth delete (netlink)", "-", {"netlink": [v["delete_ms"]]})

    busybox = any(want(c) for c in ("create", "start", "exec", "stop", "cycle", "density", "memory", "list"))
    if busybox:
        # Identical root filesystems: lxcmgr's busybox template, copied for the others.
        lm.create("bb-src", "busybox")
        bb_rootfs = lm.rootfs("bb-src")
    if want("create"):
        case_create(a, res, work, lm, lx, loop, "busybox", bb_rootfs, (), a.runs)
    if any(want(c) for c in ("start", "exec", "stop", "cycle")):
        lx.create_copy("bb", bb_rootfs)
        ns.create_copy("bb", bb_rootfs, kill_signal="SIGUSR2")
        lm.create("bb", "busybox")
        for c, fn in (("start", case_start), ("exec", case_exec), ("stop", case_stop), ("cycle", case_cycle)):
            if want(c):
                fn(a, res, lm, lx, ns)
        for m in (lm, lx, ns):
            m.destroy("bb")

    if any(want(c) for c in ("debian", "copy", "density-big", "create")):
        # Debian systemd from lxcmgr's own template (warm cache), copied for LXC and nspawn.
        t0 = time.perf_counter()
        lm.create("deb", "debian", extra=("-r", "bookworm", "--init", "systemd"))
        log(f"Debian rootfs made in {time.perf_counter() - t0:.1f} s")
        if want("create"):
            case_create(a, res, work, lm, lx, loop, "debian", lm.rootfs("deb"),
                        ("-r", "bookworm", "--init", "systemd"), min(a.runs, 5))
        if want("debian") or want("copy"):
            lx.ttys["deb"] = DEBIAN_TTYS  # only the debian case starts it
            lx.create_copy("deb", lm.rootfs("deb"))
        if want("debian"):
            ns.create_copy("deb", lm.rootfs("deb"))
            # the same units booted under all three (managers.DEBIAN_TTYS says why); the copies
            # the later cases make keep lxcmgr's default
            lm.cmd("config", "deb", "set", "console.ttys", str(DEBIAN_TTYS))
            try:
                case_debian(a, res, lm, lx, ns)
            finally:
                lm.cmd("config", "deb", "unset", "console.ttys")
            ns.destroy("deb")
        if want("copy"):
            case_copy(a, res, lm, lx, ns)
        if want("density-big"):
            fails += case_density_big(a, res, lm)
        lx.destroy("deb")
        lm.destroy("deb")

    if any(want(c) for c in ("density", "memory", "list")):
        fails += case_density(a, res, lm, lx, bb_rootfs)
    if busybox:
        lm.destroy("bb-src")
    return fails


# ---------------------------------------------------------------- targets

def loop_note(res, case):
    """Says so when a create case's btrfs row was measured on the loop image (its LXC reference
    is then LXC's own untar there, not the dir row's)."""
    for row in reversed(res.cases):
        if row["case"] == case and row["variant"] == "btrfs":
            return "reference: LXC's untar on the same loop-backed btrfs" if "loop-backed" in row["note"] else None
    return None


def targets(res):
    """Issue 7's targets for lxcmgr, each from the same run: met, missed, or not measured."""
    out = []

    def ratio(label, case, variant, other, limit, pick_min_of=None, note=None):
        ms = res.get(case, variant)
        lxm = ms.get("lxcmgr")
        others = [ms[o] for o in (pick_min_of or [other]) if o in ms]
        if not lxm or not others:
            out.append({"target": label, "status": "not measured"})
            return
        ref = min(others, key=lambda s: s["median"])
        r = lxm["median"] / ref["median"]
        out.append({"target": label, "lxcmgr": round(lxm["median"], 2), "reference": round(ref["median"], 2),
                    "ratio": round(r, 3), "limit": limit, "status": "met" if r <= limit else "missed"})
        if note:
            out[-1]["note"] = note

    def absolute(label, case, variant, manager, limit, below=True):
        st = res.get(case, variant).get(manager)
        if not st:
            out.append({"target": label, "status": "not measured"})
            return
        ok = st["median"] < limit if below else st["median"] >= limit
        out.append({"target": label, "lxcmgr": round(st["median"], 3), "limit": limit,
                    "status": "met" if ok else "missed"})

    ratio("start until init runs <= 0.35x LXC", "start until init runs (busybox)", "no-net", "lxc", 0.35)
    ratio("exec <= 0.3x lxc-attach", "exec /bin/true", "busybox", "lxc", 0.3)
    ratio("Debian boot <= 0.9x faster of LXC/nspawn", "Debian systemd: start until booted", "no-net",
          None, 0.9, pick_min_of=["lxc", "nspawn"])
    ratio("Debian clean stop <= 0.9x faster of LXC/nspawn", "Debian systemd: clean stop", "no-net",
          None, 0.9, pick_min_of=["lxc", "nspawn"])
    ratio("kill <= 0.5x lxc-stop -k", "kill (busybox)", "no-net", "lxc", 0.5)
    absolute("monitor RSS < 1 MiB (50 running)", "monitor RSS (50 running)", "busybox", "lxcmgr", 1.0)
    absolute("monitor PSS < 0.25 MiB (50 running)", "monitor PSS (50 running)", "busybox", "lxcmgr", 0.25)
    ratio("list (50) <= 0.05x lxc-ls -f", "list (50 running)", "table", "lxc", 0.05)
    # Issue 7: "<= 0.25x LXC's unpack (and near-instant where overlayfs or btrfs can serve)":
    # each storage reported on its own, against its row's LXC samples: the dir row's (shared by
    # overlay, and by btrfs on a btrfs work dir), or LXC's own on the loop image's btrfs.
    for tmpl in ("Debian", "busybox"):
        case = f"create from warm cache ({tmpl})"
        for st in ("dir", "overlay", "btrfs"):
            ratio(f"create from warm cache <= 0.25x LXC unpack ({tmpl}, {st})", case, st, "lxc", 0.25,
                  note=loop_note(res, case) if st == "btrfs" else None)
    absolute("500 busybox running at once", "running at once (busybox, target 500)", "-", "lxcmgr", 500, below=False)
    absolute("100 Debian systemd running at once", "running at once (Debian systemd, target 100)", "-",
             "lxcmgr", 100, below=False)
    leaks = [r for r in res.cases if r["case"].startswith("leftovers")]
    if leaks:
        lx_total = sum(r["managers"]["lxcmgr"]["median"] for r in leaks if "lxcmgr" in r["managers"])
        out.append({"target": "nothing leaked (lxcmgr)", "lxcmgr": lx_total, "limit": 0,
                    "status": "met" if lx_total == 0 else "missed"})
    else:
        out.append({"target": "nothing leaked (lxcmgr)", "status": "not measured"})
    print("\ntargets (issue 7):", flush=True)
    for t in out:
        if t["status"] == "not measured":
            print(f"  {t['target']:<48} not measured")
        elif "ratio" in t:
            print(f"  {t['target']:<48} {t['status']:<7} {t['lxcmgr']} vs {t['reference']} = {t['ratio']}x"
                  + (f"  # {t['note']}" if t.get("note") else ""))
        else:
            print(f"  {t['target']:<48} {t['status']:<7} {t['lxcmgr']}")
    return out
