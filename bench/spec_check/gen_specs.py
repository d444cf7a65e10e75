#!/usr/bin/env python3
"""Writes N realistic spec files (schedulers, payloads, defaults, tests with
cgroups, checks and gauntlets) into a directory, for the spec_check benchmark."""
import os
import random
import sys

def spec(i, rnd):
    works = ["spin", "yield", "bursty", "mixed", "io_sync"]
    topo = rnd.choice(["1n1l2c1t", "1n2l2c1t", "1n2l1c2t", "2n2l2c1t", "1n3l1c1t"])
    lines = [
        "#:schema ../schema/ktstr-spec.schema.json",
        f"[scheduler.sched_{i}]",
        f'binary = "scx_simple"',
        'args = ["-v"]',
        f'topology = "{topo}"',
        "watchdog_timeout_s = 4",
        '[scheduler.sched_%d.flags.llc]' % i,
        'args = ["--enable-llc"]',
        '[scheduler.sched_%d.flags.steal]' % i,
        'args = ["--enable-stealing"]',
        'requires = ["llc"]',
        f"[scheduler.sched_{i}.checks]",
        f"max_gap_ms = {rnd.randint(1000, 5000)}",
        "",
        f"[payload.bench_{i}]",
        'binary = "hackbench"',
        'args = ["-g", "4", "-l", "200"]',
        'output = "regex"',
        f"[[payload.bench_{i}.metric]]",
        'name = "time_s"',
        "regex = 'Time:\\s+([0-9.]+)'",
        'polarity = "lower_better"',
        f"[[payload.bench_{i}.check]]",
        'metric = "time_s"',
        "max = 30.0",
        "",
        "[defaults]",
        f"duration_s = {rnd.randint(1, 5)}",
        "[defaults.checks]",
        "not_starved = true",
        "",
    ]
    for t in range(rnd.randint(2, 5)):
        name = f"t{i}_{t}"
        lines += [
            f"[test.{name}]",
            f'description = "generated test {t} of file {i}"',
            f'scheduler = "sched_{i}"',
            'required_flags = ["llc"]',
            f'workloads = ["bench_{i}"]',
            f"[test.{name}.checks]",
            f"max_spread_pct = {rnd.uniform(5, 50):.1f}",
            f"max_p99_wake_latency_ns = {rnd.randint(1, 9)}_000_000",
            f"[test.{name}.gauntlet]",
            "min_llcs = 1",
        ]
        for c in range(rnd.randint(1, 3)):
            lines += [
                f"[[test.{name}.cgroup]]",
                f'name = "cg_{c}"',
                f'work = "{rnd.choice(works)}"',
                f"workers = {rnd.randint(1, 4)}",
            ]
        lines.append("")
    return "\n".join(lines) + "\n"

def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rnd = random.Random(42)
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        with open(os.path.join(out, f"spec_{i:04d}.toml"), "w") as f:
            f.write(spec(i, rnd))

if __name__ == "__main__":
    main()
