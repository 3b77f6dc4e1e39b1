#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""report.py - the table of `make bench` (bench/bench.sh): reads the raw
samples ("round row config value", value in ns per operation), prints
medians, the cost each configuration adds over the untraced run paired by
round (median of the per-round differences, bootstrap 95% CI), and ratios
against the least latency probe and bpftrace; writes the markdown file
(machine, CPU model, method, table)."""
import argparse, os, platform, random, statistics as st, subprocess, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--data", required=True)
ap.add_argument("--out", required=True)
ap.add_argument("--qos", default="0")
ap.add_argument("--elapsed", default="?")
ap.add_argument("--sizes", default="")
ap.add_argument("--calib", default="")
ap.add_argument("--capacity", default="")
ap.add_argument("--calsys", default="")
a = ap.parse_args()

S = {}  # (row, config) -> {round: value}
for line in open(a.data):
    f = line.split()
    if len(f) != 4 or f[3] == "nan":
        continue
    S.setdefault((f[1], f[2]), {})[int(f[0])] = float(f[3])

ROWS = [("getppid-cpu", "getppid loop, CPU time of the looping thread", "ns/call"),
        ("getppid", "getppid loop, wall clock", "ns/call"),
        ("sched-cpu", "sched ping-pong (pipe, 1 CPU), CPU time of both processes", "ns/round trip"),
        ("sched", "sched ping-pong (pipe, 1 CPU), wall clock", "ns/round trip"),
        ("tcp", "TCP ping-pong, veth+bridge+DNAT, mean RTT", "ns/round trip"),
        ("kv", "redis kv, 1 conn, p50 latency", "ns/request"),
        ("kv-mean", "redis kv, 1 conn, mean latency (what a sampled configuration moves)", "ns/request"),
        ("kv-cpu", "redis kv, 1 conn, redis-server CPU time", "ns/request")]
NAMES = {"base": "untraced", "aa": "untraced again (A/A)", "empty": "empty programs (floor)",
         "empty-plan": "empty programs on kv's plan hooks (net, netfilter)",
         "least": "least latency probe", "vtax": "vtax", "vtax-all": "vtax attach --all",
         "vtax-nfwhole": "vtax, netfilter brackets whole (--sample-netfilter off)",
         "vtax-every": "vtax, every family", "vtax-before": "vtax before this change (VTAX_BEFORE; kv: the plan compare attached then)",
         "vtax-sample": "vtax --sample (duty-cycled: gated at the edges, links released in long gaps)",
         "vtax-sample-before": "vtax --sample before this change (VTAX_BEFORE)",
         "vtax-foreign": "vtax attached to an idle process (kv's traffic foreign to it)",
         "vtax-foreign-before": "the same, before this change (VTAX_BEFORE)",
         "bpftrace": "bpftrace, equivalent script"}
ORDER = ["base", "aa", "empty", "empty-plan", "least", "vtax", "vtax-nfwhole", "vtax-sample", "vtax-sample-before", "vtax-every", "vtax-before", "vtax-all",
         "vtax-foreign", "vtax-foreign-before", "bpftrace"]
rng = random.Random(11)


def paired(row, cfg):
    b, x = S.get((row, "base"), {}), S.get((row, cfg), {})
    return [x[r] - b[r] for r in sorted(set(b) & set(x))]


def ci(d):
    if len(d) < 3:
        return None
    meds = sorted(st.median(rng.choices(d, k=len(d))) for _ in range(2000))
    return meds[int(0.025 * len(meds))], meds[int(0.975 * len(meds)) - 1]


def fmt(v):
    return "-" if v is None else f"{v:,.0f}"


out = []
for row, title, unit in ROWS:
    if not any(k[0] == row for k in S):
        continue
    base = S.get((row, "base"), {})
    mb = st.median(base.values()) if base else None
    added = {c: (st.median(paired(row, c)) if paired(row, c) else None) for c in ORDER}
    out.append(f"\n### {title} ({unit})\n")
    out.append("| configuration | median | added | added 95% CI | added / least | added / bpftrace | % of untraced |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for c in ORDER:
        if (row, c) not in S:
            continue
        med = st.median(S[(row, c)].values())
        ad = added[c] if c != "base" else None
        lo_hi = ci(paired(row, c)) if c != "base" else None
        rl = rb = pct = "-"
        if ad is not None and added.get("least"):
            rl = f"{ad / added['least']:.2f}x"
        if ad is not None and added.get("bpftrace"):
            rb = f"{ad / added['bpftrace']:.2f}x"
        if ad is not None and mb:
            pct = f"{100 * ad / mb:+.1f}%"
        out.append(f"| {NAMES[c]} | {fmt(med)} | {fmt(ad) if ad is not None else '-'} | "
                   f"{'-' if not lo_hi else fmt(lo_hi[0]) + ' to ' + fmt(lo_hi[1])} | {rl} | {rb} | {pct} |")
table = "\n".join(out)


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return "?"


cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-").strip()
rounds = max((r for v in S.values() for r in v), default=0)
head = f"""# vtax probe cost: `make bench` results

Written by `bench/report.py` at the end of `make bench` (bench/bench.sh); do not edit by hand.

- Machine: {os.cpu_count()} CPUs, {cpu}; kernel {platform.release()}
- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at the end: {sh("cut -d' ' -f1-3 /proc/loadavg")}
- bpftrace: {sh("bpftrace --version")}
- Method: {rounds} interleaved rounds; each round runs every (row, configuration) once in a random order.
  Each figure is the workload's own timing per operation (no tracer start-up in it); medians over rounds.
  "added" is the median over rounds of (configuration - untraced of the same round), with a bootstrap
  95% CI of that median; the A/A row (a second untraced run) shows the noise.  PM QoS held
  (/dev/cpu_dma_latency = 0): {'yes' if a.qos == '1' else 'no'}.  Workloads pinned to CPU 0 (redis on CPU 1).
  Sizes: {a.sizes}.  Wall time: {a.elapsed} s.
- Configurations: empty programs on the syscall+sched hooks (tcp: on the net family's hooks; kv also on
  exactly its plan's hooks: the net family's, netfilter at its priorities), the least
  latency probe (bpf/bench_floor.bpf.c: clock into task storage at sys_enter, clock + one per-CPU add at
  sys_exit; sched row: the same from sched_wakeup to switch-in), vtax (getppid: `run --probes syscall,sched`;
  sched: `--probes sched`; tcp: `--probes net`; kv: `attach -p SERVER -p CLIENT` with kv's probe plan
  `--probes net,kvm --no-sock-queue` (sched's core only: no switch or wake-up program, compare's run-queue cause
  comes from schedstat; no socket-queue hop) with the netfilter brackets sampled (`--sample-netfilter 10ms/100ms`), as compare's traced pass
  attaches by default; the same plan with the brackets whole; every family, brackets whole; VTAX_BEFORE's kv
  rows: the plan compare attached before, `--probes sched,net,kvm`), the same plan with
  `--sample` (gated at the edges, links released in long gaps), `vtax attach --all`, and bpftrace 0.17 with the equivalent script
  (per-syscall latency histogram; run-queue latency histogram; skb queue-to-receive histogram).
- The machine is shared with other work: compare only figures from the same run.
"""
cs = {}
if a.calsys and os.path.exists(a.calsys):
    import json
    for line in open(a.calsys):
        label, _, js = line.partition(" ")
        try:
            progs = json.loads(js)["programs"]
        except (ValueError, KeyError):
            continue
        # ns per run of the syscall-hook programs (runs/op ~ 1 each; ns/op / runs/op)
        ent = {n: v[1] / v[0] for n, v in progs.items() if v[0] > 0.5 and ("sys_enter" in n or "sys_exit" in n)}
        en = sum(v for n, v in ent.items() if "enter" in n)
        ex = sum(v for n, v in ent.items() if "exit" in n)
        if en and ex:
            cs.setdefault(label, []).append((en, ex))
if cs:
    rows = []
    least = st.median([e + x for e, x in cs.get("least", [])]) if cs.get("least") else None
    for label in ("empty", "least", "vtax", "vtax-before"):
        if label not in cs:
            continue
        en = st.median([e for e, _ in cs[label]])
        ex = st.median([x for _, x in cs[label]])
        tot = st.median([e + x for e, x in cs[label]])
        ratio = f"{tot / least:.2f}x" if least else "-"
        rows.append(f"| {NAMES.get(label, label)} | {en:.0f} | {ex:.0f} | {tot:.0f} | {ratio} | {len(cs[label])} |")
    table += ("\n\n### Program time on the syscall hooks (getppid loop, BPF run-time statistics, calibration pass)\n\n"
              "ns per run of the sys_enter and sys_exit programs as the kernel times them (the statistics add\n"
              "their own clock reads to every configuration alike); program time only, so other work on a\n"
              "shared host does not enter it.  Medians over interleaved rounds.\n\n"
              "| configuration | sys_enter ns/run | sys_exit ns/run | enter + exit | / least probe | rounds |\n"
              "|---|---:|---:|---:|---:|---:|\n" + "\n".join(rows))
cal = []
# what the statistics themselves add to each run: an empty program's time
# as they measure it (the getppid calibration's floor, this run), so that
# a probe set's own cost can be told from the statistics' clock reads
stat_ns = st.median([(e + x) / 2 for e, x in cs["empty"]]) if cs.get("empty") else None
if a.calib and os.path.exists(a.calib):
    import json
    for line in open(a.calib):
        label, _, js = line.partition(" ")
        try:
            d = json.loads(js)
        except ValueError:
            continue
        progs = ", ".join(f"{n} {v[0]:g} ({v[1]} ns)" for n, v in list(d["programs"].items())[:12])
        net = f"{d['bpf_ns_per_op'] - d['runs_per_op'] * stat_ns:,.0f}" if stat_ns else "-"
        cal.append(f"| {label} | {d['runs_per_op']:g} | {d['bpf_ns_per_op']:,} | {net} | {progs} |")
if cal:
    table += ("\n\n### BPF work per kv request (calibration pass, BPF run-time statistics on)\n\n"
              "Server and client attached as compare does, outside the timed rounds: program runs and\n"
              "kernel-measured BPF CPU per request (the statistics' own two clock reads per run included).\n"
              "\"less statistics\": the same less runs x what the statistics time for an empty program"
              + (f" ({stat_ns:.0f} ns per run, the\nsyscall hooks' floor above)" if stat_ns else "") +
              ", i.e. the programs' own cost with statistics off.\n\n"
              "| probe set | runs/request | BPF ns/request | less statistics | per program: runs/request (ns/request) |\n"
              "|---|---:|---:|---:|---|\n" + "\n".join(cal))
if a.capacity and os.path.exists(a.capacity) and os.path.getsize(a.capacity):
    import json
    c = json.load(open(a.capacity))
    table += ("\n\n### Capacity and footprint (`vtax attach --all`, every default family, getppid loop at full speed)\n\n"
              "| syscalls/s traced | events/s (sys_enter + sys_exit) | vtax's own CPU (% of a core) | drops and misses | BPF map memory | RSS |\n"
              "|---:|---:|---:|---|---:|---:|\n"
              f"| {c['events_per_s']:,} | {2 * c['events_per_s']:,} | {c['vtax_cpu_pct']:.2f}% | {c['drops'] or 'none'} | "
              f"{c['bpf_map_bytes'] / 1048576:.1f} MiB | {c['rss_bytes'] / 1048576:.1f} MiB |\n\n"
              "Aggregation is in the kernel (per-CPU histograms, no per-event ring buffer), so vtax's own\n"
              "CPU does not grow with the event rate; the rate is bounded by what this host's CPUs can run.")
md = head + table + "\n"
with open(a.out, "w") as f:
    f.write(md)
print(md)
