"""SpiffWorkflow (3.2.0) running whole cases of the VAT six-step process
(`vat-six-steps.bpmn`, the main path of processes/vat-generic.yaml drawn as BPMN).

    python spiff_bench.py --cases N [--in-memory]

Each case starts with the due dates of its tasks as process variables, the same dates
our run uses for its case, a year earlier: every due date has passed by the time its
task is reached, so each task's boundary timer fires (on `refresh_waiting_tasks`) and
runs its reminder before the worker completes the task — as in our run, where the
clock is moved to the state's due dates and the reminder daemon delivers what is due
before the tasks are done.

SpiffWorkflow keeps a workflow in memory and leaves storage to the application. By
default, as an application that must not lose a worker's step would, the workflow is
serialised (`BpmnWorkflowSerializer`) and written to a SQLite file after every completed
user task, in WAL mode with `synchronous=FULL` (one transaction per step, as each of
our commands is one transaction). `--in-memory` skips the storage.
"""

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.util.task import TaskState

HERE = os.path.dirname(os.path.abspath(__file__))

# The due dates of our benchmark's case (releaseDate 2026-12-23, opened 2026-06-01), a year
# earlier, at 08:00 in Helsinki as our reminders fire.
DUE_DATES = {
    "due_map_housing": "2025-10-23T05:00:00+00:00",
    "due_ask_consent": "2025-10-23T05:00:00+00:00",
    "due_notify_chair": "2025-10-27T06:00:00+00:00",
    "due_invite_parties": "2025-11-06T06:00:00+00:00",
    "due_prepare_client": "2025-11-06T06:00:00+00:00",
    "due_agree_actions": "2025-11-10T06:00:00+00:00",
    "due_write_memo": "2025-11-13T06:00:00+00:00",
    "due_follow_up_housing": "2025-12-14T06:00:00+00:00",
}

# What the workers record when they complete a task (as our run's outcomes and consent).
OUTCOMES = {
    "consent_given": {"consent": ["prison", "adult-social-work", "landlord"]},
    "agree_actions": {"housingForm": "supported", "supportLinked": True},
    "follow_up_housing": {"housedBeforeRelease": True},
}


def load_spec():
    parser = BpmnParser()
    parser.add_bpmn_file(os.path.join(HERE, "vat-six-steps.bpmn"))
    return parser.get_spec("vat_six_steps")


class Storage:
    def __init__(self, path):
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.execute("CREATE TABLE workflows (case_id TEXT PRIMARY KEY, state TEXT NOT NULL)")
        self.serializer = BpmnWorkflowSerializer()

    def save(self, case_id, workflow):
        state = self.serializer.serialize_json(workflow)
        self.connection.execute("BEGIN IMMEDIATE")
        self.connection.execute(
            "INSERT INTO workflows (case_id, state) VALUES (?, ?) "
            "ON CONFLICT (case_id) DO UPDATE SET state = excluded.state",
            (case_id, state))
        self.connection.execute("COMMIT")


def run_case(spec, case_id, storage):
    """Runs one case from start to end; returns (user tasks completed, reminders run)."""
    workflow = BpmnWorkflow(spec)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(DUE_DATES)
    workflow.do_engine_steps()
    if storage:
        storage.save(case_id, workflow)
    completed = 0
    while not workflow.is_completed():
        workflow.refresh_waiting_tasks()
        workflow.do_engine_steps()
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            raise RuntimeError(f"case {case_id} is stuck: {[t.task_spec.name for t in workflow.get_tasks(state=TaskState.WAITING)]}")
        task = ready[0]
        task.data.update(OUTCOMES.get(task.task_spec.name, {}))
        task.run()
        completed += 1
        workflow.do_engine_steps()
        if storage:
            storage.save(case_id, workflow)
    reminders = len([t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.name.endswith("_remind")])
    return completed, reminders


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--in-memory", action="store_true")
    args = parser.parse_args()
    spec = load_spec()
    with tempfile.TemporaryDirectory(prefix="spiff-bench-") as directory:
        storage = None if args.in_memory else Storage(os.path.join(directory, "workflows.sqlite"))
        tasks = reminders = 0
        start = time.perf_counter()
        for index in range(args.cases):
            done, reminded = run_case(spec, f"case-{index}", storage)
            tasks += done
            reminders += reminded
        elapsed = time.perf_counter() - start
    result = {
        "workload": "vat-case", "side": "spiff-memory" if args.in_memory else "spiff",
        "rate": args.cases / elapsed, "unit": "cases/s", "count": args.cases,
        "user_tasks_per_case": tasks / args.cases, "reminders_per_case": reminders / args.cases,
    }
    json.dump(result, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
