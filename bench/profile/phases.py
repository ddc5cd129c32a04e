#!/usr/bin/env python3
"""Where a start-up's CPU goes, from `perf script` output (perf record -g over whole runs):
each sample is given to the first phase whose frame is on its stack, per process name (comm).
Usage: perf script -i perf.data -F comm,pid,tid,ip,sym | bench/profile/phases.py HZ NAME [NAME ...]
(HZ: perf record's -F, to turn samples into CPU milliseconds per run)
A process counts under NAME when its main thread's name starts with NAME (.NET names its other
threads, so they are found by process id)."""
import collections
import sys

# Checked in this order: a sample belongs to the first phase with a frame on its stack.
PHASES = [
    ("runtime start: AOT image rehydration, module init", ["StartupCodeHelpers__InitializeModules", "StartupCodeHelpers__RehydrateData"]),
    ("Kestrel: start, bind, listen", ["KestrelServerImpl__StartAsync", "KestrelServer__StartAsync"]),
    ("host start: hosted services resolved and started", ["Internal_Host__StartAsync"]),
    ("host build: container, Host, logger factory", ["HostApplicationBuilder__Build"]),
    ("builder: configuration sources, registrations", ["OneShotHost__CreateBuilder", "HostApplicationBuilder___ctor"]),
    ("options read and validated, ready line", ["OneShotHost__RunOneShotAsync"]),
    ("the exchange: handler, output", ["OneShotConnectionHandler", "QueuedLineWriter", "Program___Main_"]),
    ("other threads: thread pool, sockets, timers", ["Thread__ThreadEntryPoint", "ThreadEntryPoint", "PortableThreadPool"]),
    ("GC (any thread)", ["gc_heap", "GCHeap"]),
    ("main thread, elsewhere", ["__libc_start_call_main", "main"]),
]
CROSS = [
    ("  of which the type loader builds generic types", ["TypeBuilder__", "TypeLoaderEnvironment__"]),
    ("  of which the container makes call sites", ["CallSiteFactory__"]),
    ("  of which the GC allocates or collects", ["gc_heap::", "GCHeap::"]),
    ("  of which in the kernel (page faults, syscalls)", ["kernel"]),
]

hz, wanted = float(sys.argv[1]), sys.argv[2:]
runs = {c: set() for c in wanted}
counts = {c: collections.Counter() for c in wanted}
totals = collections.Counter()
samples, names = [], {}
for block in sys.stdin.read().split("\n\n"):
    lines = [l for l in block.strip().split("\n") if l.strip()]
    if not lines:
        continue
    header = lines[0].rsplit(None, 1)  # "comm pid/tid"
    pid, tid = header[1].split("/")
    if pid == tid:  # The main thread's name; before exec it was the harness's.
        names.setdefault(pid, set()).add(header[0].strip())
    samples.append((pid, [l.strip().split(None, 1) for l in lines[1:]]))

for pid, frames in samples:
    key = next((c for c in wanted if any(n.startswith(c[:15]) for n in names.get(pid, ()))), None)
    if key is None:
        continue
    kernel = bool(frames) and frames[0][0].startswith("ffffffff")
    stack = " ".join(f[1] for f in frames if len(f) > 1)
    totals[key] += 1
    runs[key].add(pid)
    phase = next((name for name, marks in PHASES if any(m in stack for m in marks)), "kernel only: exec, page faults, exit")
    counts[key][phase] += 1
    for name, marks in CROSS:
        if (marks == ["kernel"] and kernel) or (marks != ["kernel"] and any(m in stack for m in marks)):
            counts[key][name] += 1

def line(c, name):
    share = counts[c][name] / totals[c]
    print(f"  {1000 * counts[c][name] / hz / len(runs[c]):6.2f} ms  {100 * share:5.1f} %  {name}")

for c in (c for c in wanted if totals[c]):
    print(f"{c}: {len(runs[c])} runs, {1000 * totals[c] / hz / len(runs[c]):.1f} ms of CPU per run (as sampled)")
    for name, _ in PHASES + [("kernel only: exec, page faults, exit", [])]:
        if counts[c][name]:
            line(c, name)
    for name, _ in CROSS:
        line(c, name)
