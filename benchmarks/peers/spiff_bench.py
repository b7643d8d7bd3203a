"""SpiffWorkflow (3.2.0) running whole cases of processes/vat-generic.yaml, drawn as BPMN in
`vat-generic.bpmn`, doing the work our side does in aso-bench's `walkVATCase`
(benchmarks/aso-bench/PeerWorkloads.swift).

    python spiff_bench.py --cases N [--in-memory]

A case completes 20 user tasks: our run's 16 tasks, and the consent and the events
meeting-held, memo-sent and case-closed, each recorded by a worker in a user task (on our
side each is a worker's command). The tasks of a state run in parallel, as in the YAML; the
invitations are one task per party the consent names (an inclusive gateway).

It runs 22 reminders, the ones our reminder daemon delivers in that run: each is a
non-interrupting boundary timer on its task that runs a reminder script task. Each case
starts with the times of its reminders as process variables (REMINDER_TIMES): our run's
times, 08:00 in Helsinki, a year earlier, so that every one has passed by the time its
task is reached: the timers of a state's tasks fire as soon as the tasks open (in the
`do_engine_steps` after the user task that opens them; `refresh_waiting_tasks` would
catch any left waiting), before the worker completes a task, as in our run, where the
clock is moved to the state's last due date and the daemon delivers what is due before
the tasks are done. The reminders run are stored with the next save (when the case opens
for those of the first state, else with the user task that opened their tasks), not one
transaction each as our daemon records them. The BPMN's header lists the YAML's reminder
rules drawn without a timer, and why.

SpiffWorkflow keeps a workflow in memory and leaves storage to the application. By
default, as an application that must not lose a worker's step would, the workflow is
serialised (`BpmnWorkflowSerializer`) and written to a SQLite file when the case opens and
after every completed user task, in WAL mode with `synchronous=FULL` (one transaction per
step, as each of our commands is one transaction). `--in-memory` skips the storage.
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

# The reminders our daemon delivers in walkVATCase (release date 2026-12-23, opened 2026-06-01,
# consent 2026-10-23, meeting 2026-11-06, memo 2026-11-13), at 08:00 in Helsinki as ours fire,
# a year earlier. Keyed by the BPMN's timer: at_<task>_<due_soon|due|escalation>.
REMINDER_TIMES = {
    # mapping (our daemon's tick at 2026-10-23)
    "at_map_housing_due_soon": "2025-10-16T05:00:00+00:00",  # also stands for the window start, 06-23
    "at_map_housing_due": "2025-10-23T05:00:00+00:00",
    "at_ask_consent_due_soon": "2025-10-16T05:00:00+00:00",
    "at_ask_consent_due": "2025-10-23T05:00:00+00:00",
    # notify (tick at 2026-11-06)
    "at_notify_chair_due": "2025-10-27T06:00:00+00:00",
    "at_notify_chair_escalation": "2025-11-02T06:00:00+00:00",  # to the unit-manager
    "at_contact_wellbeing_county_due": "2025-10-30T06:00:00+00:00",
    "at_contact_wellbeing_county_escalation": "2025-11-04T06:00:00+00:00",  # to the chair
    "at_collect_advance_information_due": "2025-10-30T06:00:00+00:00",
    **{f"at_invite_{party}_due_soon": "2025-11-04T06:00:00+00:00" for party in [
        "prison", "adult_social_work", "substance_and_mental_health", "landlord",
        "supported_housing", "parish", "kela", "debt_counselling"]},
    "at_prepare_client_due_soon": "2025-11-04T06:00:00+00:00",
    # meeting-done (tick at 2026-11-13)
    "at_record_meeting_due": "2025-11-09T06:00:00+00:00",
    "at_agree_actions_due": "2025-11-10T06:00:00+00:00",
    "at_write_memo_due_soon": "2025-11-12T06:00:00+00:00",
    # follow-up (tick at 2026-12-14)
    "at_service_need_assessment_due": "2025-12-09T06:00:00+00:00",  # also stands for 12-02
    "at_service_need_assessment_escalation": "2025-12-11T06:00:00+00:00",  # to the chair
    "at_id_card_due": "2025-11-23T06:00:00+00:00",
    "at_id_card_escalation": "2025-11-26T06:00:00+00:00",  # to the chair
    "at_strong_identification_due_soon": "2025-12-09T06:00:00+00:00",
    "at_follow_up_housing_due_soon": "2025-12-09T06:00:00+00:00",
}

# What the workers record when they complete a task (as our run's outcomes and consent).
OUTCOMES = {
    "consent_given": {"consent": ["prison", "adult-social-work", "landlord"]},
    "agree_actions": {"housingForm": "supported", "supportLinked": True},
    "follow_up_housing": {"housedBeforeRelease": True},
}


def load_spec():
    parser = BpmnParser()
    parser.add_bpmn_file(os.path.join(HERE, "vat-generic.bpmn"))
    return parser.get_spec("vat_generic")


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
        task.data.update(REMINDER_TIMES)
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
