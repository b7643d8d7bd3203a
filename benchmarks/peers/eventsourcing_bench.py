"""The Python `eventsourcing` library (9.5.6) doing the work of `aso-bench --workload`.

One workload per OS process, one JSON object on standard output, as `aso-bench` prints:

    python eventsourcing_bench.py --workload append-batch --events N
    python eventsourcing_bench.py --workload command --cases N --commands N
    python eventsourcing_bench.py --workload replay --db PATH --events N --setup   # writes the log, not timed
    python eventsourcing_bench.py --workload replay --db PATH                      # replays it

Persistence is the library's SQLite module (`PERSISTENCE_MODULE=eventsourcing.sqlite`)
on a file, in WAL mode, with SQLite's default `synchronous=FULL` (the library sets no
other level; `--synchronous NORMAL` sets it on every connection the library opens); snapshotting and the aggregate cache are off (their defaults). A case is
an aggregate whose events mirror ours: a creation event and `TaskCompleted` events with
the same ~90-byte payload the Swift side writes.
"""

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Case(Aggregate):
    @event("Opened")
    def __init__(self, process: str) -> None:
        self.process = process
        self.completed = 0
        self.last_task = None

    @event("TaskCompleted")
    def complete(self, completedOn: str, outcome: str, step: int, task: str) -> None:
        self.completed += 1
        self.last_task = task

    @event("FieldsRecorded")
    def record(self, field: str, value: bool, on: str) -> None:
        setattr(self, field, value)


class Cases(Application):
    pass


def make_app(path: str) -> Cases:
    return Cases(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path})


def new_case(events: int) -> Case:
    """A case with `events` pending events: the creation and `events - 1` completions."""
    case = Case(process="vat-generic")
    for step in range(events - 1):
        case.complete(completedOn="2026-11-25", outcome="done", step=step, task="map-housing-situation")
    return case


def use_synchronous_normal() -> None:
    """Every SQLite connection the library opens from now on runs at `synchronous=NORMAL`.

    The library has no setting for it, and the level belongs to each connection, so the
    module's `connect` is wrapped: the library calls `sqlite3.connect` for each connection.
    """
    connect = sqlite3.connect

    def connect_normal(*args, **kwargs):
        connection = connect(*args, **kwargs)
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    sqlite3.connect = connect_normal


def synchronous_level(path: str) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA synchronous").fetchone()[0]
    finally:
        connection.close()


def append_batch(directory: str, events: int) -> dict:
    app = make_app(os.path.join(directory, "append.sqlite"))
    transactions = events // 10
    cases = [new_case(10) for _ in range(transactions)]  # prepared before timing, as ours
    start = time.perf_counter()
    for case in cases:
        app.save(case)
    elapsed = time.perf_counter() - start
    return {"rate": transactions * 10 / elapsed, "unit": "events/s", "count": transactions * 10}


def command(directory: str, cases: int, commands: int) -> dict:
    app = make_app(os.path.join(directory, "commands.sqlite"))
    ids = []
    for _ in range(cases):  # not timed
        case = new_case(10)
        app.save(case)
        ids.append(case.id)
    start = time.perf_counter()
    for index in range(commands):
        case = app.repository.get(ids[index % cases])
        case.record(field="supportLinked", value=(index // cases) % 2 == 0, on="2026-06-01")
        app.save(case)
    elapsed = time.perf_counter() - start
    return {"rate": commands / elapsed, "unit": "commands/s", "count": commands}


def replay_setup(path: str, events: int) -> dict:
    app = make_app(path)
    ids = []
    batch = []
    for _ in range(events // 10):
        case = new_case(10)
        ids.append(case.id)
        batch.append(case)
        if len(batch) == 100:
            app.save(*batch)
            batch = []
    if batch:
        app.save(*batch)
    with open(path + ".ids", "w") as file:
        file.write("\n".join(str(i) for i in ids))
    return {"written": len(ids) * 10}


def replay(path: str) -> dict:
    with open(path + ".ids") as file:
        ids = [uuid.UUID(line) for line in file.read().split()]
    app = make_app(path)
    events = 0
    start = time.perf_counter()
    for case_id in ids:
        case = app.repository.get(case_id)
        events += case.version
    elapsed = time.perf_counter() - start
    return {"rate": events / elapsed, "unit": "events/s", "count": events}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workload", required=True, choices=["append-batch", "command", "replay"])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--cases", type=int, default=1_000)
    parser.add_argument("--commands", type=int, default=2_000)
    parser.add_argument("--db")
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    args = parser.parse_args()
    if args.synchronous == "NORMAL":
        use_synchronous_normal()
    result = {"workload": args.workload, "side": "eventsourcing"}
    with tempfile.TemporaryDirectory(prefix="es-bench-") as directory:
        if args.workload == "append-batch":
            result.update(append_batch(directory, args.events))
            result["synchronous"] = synchronous_level(os.path.join(directory, "append.sqlite"))
        elif args.workload == "command":
            result.update(command(directory, args.cases, args.commands))
            result["synchronous"] = args.synchronous
        elif args.setup:
            result.update(replay_setup(args.db, args.events))
        else:
            result.update(replay(args.db))
    json.dump(result, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
