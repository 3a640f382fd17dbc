#!/usr/bin/env python3
"""Renders a results file of bench/run as the Markdown tables of bench/README.md.
   bench/table.py [bench/results.json]"""
import json
import os
import sys

MANAGERS = ("lxcmgr", "lxc", "nspawn")


def cell(st, unit):
    if not st:
        return ""
    fmt = "{:.0f}" if unit == "ms" and st["median"] >= 100 else "{:.1f}" if unit in ("ms", "MiB") else "{:.0f}"
    s = fmt.format(st["median"]) + (f" {unit}" if unit else "")
    if st.get("n", 1) > 1:
        s += " (" + fmt.format(st["min"]) + "-" + fmt.format(st["max"]) + ")"
    return s


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.json")
    with open(path) as f:
        data = json.load(f)
    m = data["meta"]
    print(f"### {m['date']}, kernel {m['kernel']}, LXC {m['lxc']}, {m['systemd']}\n")
    deb = m.get("debian_runs")
    deb = f" ({deb} of the Debian boot and stop)" if deb and deb != m["runs"] else ""
    print(f"{m['runs']} runs per case{deb}{' (--quick)' if m.get('quick') else ''}; {m.get('cpus')} CPUs; "
          f"load {m.get('loadavg_start', 0):.1f} at the start, {m.get('loadavg_end', 0):.1f} at the end; "
          f"took {m.get('duration_s', 0):.0f} s. Median (min-max); ratio = lxcmgr / other.")
    mig = m.get("cgroup_migration_ms")
    if mig is not None:
        kind = "fast" if mig < 1 else "slow: probably waits for an RCU grace period (no favordynmods)"
        print(f"One cgroup migration on this host at the start of the run: {mig} ms, {kind}.")
    print()
    print("| case | variant | lxcmgr | LXC | nspawn | other | lxcmgr/LXC | lxcmgr/nspawn | note |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in data["cases"]:
        ms = row["managers"]
        other = [f"{k} {cell(v, row['unit'])}" for k, v in ms.items() if k not in MANAGERS]
        ratios = [f"{ms[k]['ratio_lxcmgr']:.2f}x" if k in ms and "ratio_lxcmgr" in ms[k] else "" for k in ("lxc", "nspawn")]
        print(f"| {row['case']} | {row['variant']} | " + " | ".join(cell(ms.get(k), row["unit"]) for k in MANAGERS)
              + f" | {'; '.join(other)} | {ratios[0]} | {ratios[1]} | {row.get('note', '')} |")
    print("\n| target (issue 7) | status | lxcmgr | reference | ratio |")
    print("|---|---|---|---|---|")
    for t in data.get("targets", []):
        note = f" ({t['note']})" if t.get("note") else ""
        print(f"| {t['target']}{note} | {t['status']} | {t.get('lxcmgr', '')} | {t.get('reference', '')} | "
              + (f"{t['ratio']}x" if "ratio" in t else "") + " |")


if __name__ == "__main__":
    main()
