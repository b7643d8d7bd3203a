"""Runs every workload of `benchmarks/run` for us, the eventsourcing library, SpiffWorkflow
and the raw SQLite C API, each run as an OS process of its own, and prints the table.

    python driver.py --bench PATH/aso-bench --python PATH/python [--quick] [--rounds N]

Each run prints one JSON object (its throughput); the peak resident memory of that process
comes from `os.wait4`, which reports the rusage of the one child it waited for. Workloads
other than replay run in alternating rounds (ours, peers, raw, ours, ...) and the table
shows the median rate and the largest peak memory.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run(command):
    """Runs `command`, returns (its JSON result, its peak RSS in MiB)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode()
        if process.returncode != 0:
            sys.stderr.write(err.read().decode())
            raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}")
    line = [l for l in text.splitlines() if l.startswith("{")][-1]
    return json.loads(line), usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def log(message):
    sys.stderr.write(f"[{time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    quick = args.quick
    rounds = args.rounds or (1 if quick else 3)
    sizes = {
        "append_events": 2_000 if quick else 50_000,
        "command_cases": 100 if quick else 1_000,
        "commands": 300 if quick else 5_000,
        "replay_events": 20_000 if quick else 1_000_000,
        "replay_large": 100_000 if quick else 5_000_000,
        "vat_cases": 10 if quick else 200,
        "spiff_cases": 10 if quick else 100,
    }
    bench, python = args.bench, args.python
    es = [python, os.path.join(HERE, "eventsourcing_bench.py")]
    spiff = [python, os.path.join(HERE, "spiff_bench.py")]
    rows = []  # (name, {side: (rate, rss)}, unit, extra)

    def rounds_of(name, unit, commands):
        results = {side: [] for side in commands}
        for round_index in range(rounds):
            for side, command in commands.items():
                log(f"{name}: {side} (round {round_index + 1}/{rounds})")
                results[side].append(run(command))
        summary = {}
        for side, runs in results.items():
            summary[side] = (statistics.median(r[0]["rate"] for r in runs), max(r[1] for r in runs), runs[-1][0])
        rows.append((name, summary, unit))

    n = str(sizes["append_events"])
    rounds_of("1. append, 10 events/tx", "events/s", {
        "ours": [bench, "--workload", "append-batch", "--side", "ours", "--events", n],
        "eventsourcing": es + ["--workload", "append-batch", "--events", n],
        "raw": [bench, "--workload", "append-batch", "--side", "raw", "--events", n],
    })
    c, k = str(sizes["command_cases"]), str(sizes["commands"])
    rounds_of("2. command: load, append 1, commit", "commands/s", {
        "ours": [bench, "--workload", "command", "--side", "ours", "--cases", c, "--commands", k],
        "eventsourcing": es + ["--workload", "command", "--cases", c, "--commands", k],
        "raw": [bench, "--workload", "command", "--side", "raw", "--cases", c, "--commands", k],
    })
    # The same at synchronous=NORMAL, where the flush no longer hides what each side's code costs.
    rounds_of("2b. command, synchronous=NORMAL", "commands/s", {
        "ours": [bench, "--workload", "command", "--side", "ours", "--cases", c, "--commands", k, "--synchronous", "NORMAL"],
        "eventsourcing": es + ["--workload", "command", "--cases", c, "--commands", k, "--synchronous", "NORMAL"],
        "raw": [bench, "--workload", "command", "--side", "raw", "--cases", c, "--commands", k, "--synchronous", "NORMAL"],
    })

    with tempfile.TemporaryDirectory(prefix="aso-replay-") as directory:
        def replay(events, sides):
            ours_db = os.path.join(directory, f"ours-{events}.sqlite")
            es_db = os.path.join(directory, f"es-{events}.sqlite")
            log(f"replay: writing {events} events for ours (not timed)")
            run([bench, "--workload", "replay", "--setup", "--db", ours_db, "--events", str(events)])
            if "eventsourcing" in sides:
                log(f"replay: writing {events} events for eventsourcing (not timed)")
                run(es + ["--workload", "replay", "--setup", "--db", es_db, "--events", str(events)])
            summary = {}
            for side in sides:
                log(f"replay {events}: {side}")
                if side == "eventsourcing":
                    result = run(es + ["--workload", "replay", "--db", es_db])
                else:
                    result = run([bench, "--workload", "replay", "--side", side, "--db", ours_db])
                summary[side] = (result[0]["rate"], result[1], result[0])
            for path in os.listdir(directory):
                os.remove(os.path.join(directory, path))
            return summary

        e = sizes["replay_events"]
        rows.append((f"3. replay every case ({e:,} events)", replay(e, ["ours", "eventsourcing", "raw"]), "events/s"))
        large = sizes["replay_large"]
        rows.append((f"3b. replay every case ({large:,} events), memory check", replay(large, ["ours"]), "events/s"))

    v, s = str(sizes["vat_cases"]), str(sizes["spiff_cases"])
    rounds_of("4. whole VAT case, open to closed", "cases/s", {
        "ours": [bench, "--workload", "vat-case", "--side", "ours", "--cases", v],
        "spiff": spiff + ["--cases", s],
        "spiff-memory": spiff + ["--cases", v, "--in-memory"],
    })

    print_table(rows, sizes, rounds)


def ratio(ours, other):
    if ours is None or other is None:
        return "—"
    return f"{ours[0] / other[0]:.2f}"


def print_table(rows, sizes, rounds):
    print(f"Machine: {os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}; "
          f"{time.strftime('%Y-%m-%d')}; {rounds} round(s), medians")
    print()
    print("| workload | ours | eventsourcing | SpiffWorkflow | raw SQLite | unit | ours/eventsourcing | ours/SpiffWorkflow | ours/raw | peak RSS MiB (ours / peer / raw) |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---|")

    def fmt(entry):
        return "—" if entry is None else f"{entry[0]:,.0f}" if entry[0] >= 100 else f"{entry[0]:.1f}"

    def goal(value, target):
        if value == "—":
            return value
        return f"{value} ({'meets' if float(value) >= target else 'below'} ≥ {target:g})"

    for name, summary, unit in rows:
        ours = summary.get("ours")
        es = summary.get("eventsourcing")
        spiff = summary.get("spiff")
        memory = summary.get("spiff-memory")
        raw = summary.get("raw")
        peer = es or spiff
        rss = " / ".join("—" if x is None else f"{x[1]:.0f}" for x in (ours, peer, raw))
        spiff_cell = fmt(spiff) if memory is None else f"{fmt(spiff)} (in memory: {fmt(memory)})"
        spiff_ratio = goal(ratio(ours, spiff), 10) if memory is None else \
            f"{goal(ratio(ours, spiff), 10)}; in memory {ratio(ours, memory)}"
        print(f"| {name} | {fmt(ours)} | {fmt(es)} | {spiff_cell} | {fmt(raw)} | {unit} | "
              f"{goal(ratio(ours, es), 10)} | {spiff_ratio} | {goal(ratio(ours, raw), 0.5)} | {rss} |")
    for name, summary, unit in rows:
        for side, entry in summary.items():
            extra = {k: v for k, v in entry[2].items() if k.endswith("_per_case")}
            if extra:
                print(f"\n{name}, {side}: " + ", ".join(f"{k.replace('_', ' ')} {v:.0f}" for k, v in sorted(extra.items())))
    print(f"\nSizes: {json.dumps(sizes)}")


if __name__ == "__main__":
    main()
