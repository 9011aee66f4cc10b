"""Grade a whole class with nbgrader: safely, in parallel, and with a report.

    python -m tools.grade collect PATH -a ASSIGNMENT   # a folder or an LMS .zip -> autograder/submitted/
    python -m tools.grade collect -a ASSIGNMENT        # the hub: nbgrader's exchange -> autograder/submitted/
    python -m tools.grade release-feedback -a A        # the hub: feedback -> exchange (students fetch it)
    python -m tools.grade autograde [-a A ...] [-s S ...] [--workers N]
    python -m tools.grade feedback  [-a A ...] [-s S ...]
    python -m tools.grade report                       # autograder/report/: grades.csv, summary.md, PNGs
    python -m tools.grade all       [-a A ...] [-s S ...] [--workers N]   # autograde + feedback + report
    python -m tools.grade all --scheduler tcp://host:8786                # the same, on a Dask cluster
    (autograde and all take --unsafe: grade without the sandbox, on a machine where bwrap cannot run)

(`make grade`, `make feedback`, `make report`, `make collect FROM=... ASSIGNMENT=...` run these.)

nbgrader is the engine; grading a class reads as its stages, one module each (README, "For contributors"):

    prepare (release.sync, run.prepare) -> checks (checks.py) -> run (run.py, or cluster.py)
    -> judge (judge.py, inside nbgrader) -> account (account.py) -> report (report.py)

This module is their front: the command line, `autograde` (which picks run.py or cluster.py), and what a
grading run prints. What the stages add to nbgrader:

* **Checks before grading** (tools/checks.py, a list of small checks): a missing, renamed or
  unreadable notebook, a notebook of another assignment, deleted, duplicated or
  reordered nbgrader cells. Each becomes a line of the report. A renamed
  notebook is graded under its expected name; deleted test cells are put back
  from the release (nbgrader does not restore them: a silent zero otherwise);
  duplicates are dropped; cells are put back in the source order.
* **A sandbox and resource limits for student code**: every kernel runs in a
  bubblewrap sandbox (tools/sandbox.py: no course files, no network, no other
  process; `--unsafe` turns it off, loudly), started from a dedicated
  kernelspec (`rnn-grading`, written to autograder/jupyter/) under `prlimit`:
  address space (`--memory`, default 6 GiB), CPU time (`--cpu-seconds`, 600),
  and one BLAS thread. Each cell has nbgrader's timeout (nbgrader_config.py:
  60 s), each nbgrader process a wall-clock limit. Processes a submission
  leaves behind (forks) die with its sandbox and are reported (unsandboxed:
  found by a tag in their environment and killed).
* **Tamper detection** after grading (`verify`, tools/integrity.py): a static
  scan of the student's own code and, where its answer cells hold top-level
  statements, a verification run without them. A finding holds the
  submission for review (`held_for_review` in grades.csv); a test that passed
  only thanks to those statements gets the verification run's score.
* **Parallel autograde**: the submissions of each assignment are split into
  `--workers` shards, each graded by its own `nbgrader autograde` process
  (nbgrader's own autograde is sequential); the gradebook is SQLite and
  nbgrader's short transactions share it safely. A shard that exceeds its wall
  clock is killed and its ungraded submissions are graded one by one. `autograde` reads as its steps:
  prepare -> plan (checks, shards) -> run -> retry -> account (failures, anomalies, verification).
* **Or on a Dask cluster** (`--scheduler tcp://host:8786`, tools/cluster.py): the "run" step ships
  each submission to a worker, which grades it with this same pipeline in a scratch copy of its own
  checkout and returns the autograded files, scores and anomalies; they are written here.
* **The report**: grades.csv for the LMS (one row per student), summary.md
  (per-assignment scores, per-function pass rates, anomalies) and a score
  histogram per assignment.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tools import cluster, freetext, release, submissions, term
from tools.account import import_roster
from tools.layout import BIN, COURSE_ID, ROOT, Course, grade_ids, owner
from tools.layout import GRADING_KERNEL as KERNEL_NAME
from tools.pipeline import TAMPERING, Anomalies, Anomaly, GradingError, Job, Options, check_assignments
from tools.report import (
    MISSING,
    NOT_COLLECTED,
    NOT_GRADED,
    _count,
    autograded,
    collect_scores,
    feedback,
    histogram,
    report,
    score_changes,
    tests_changed,
)
from tools.run import TAG, _bytes, autograde_local, inspect_submission, install_grading_kernel, probe_kernel

# The pipeline's front: what the command line, tests, tools/selftest.py and tools/bench.py use.
__all__ = [
    "autograde",
    "what_to_grade",
    "main",
    "feedback",
    "report",
    "collect_scores",
    "import_roster",
    "Anomalies",
    "Anomaly",
    "GradingError",
    "Job",
    "Options",
    "TAMPERING",
    "Course",
    "COURSE_ID",
    "KERNEL_NAME",
    "TAG",
    "MISSING",
    "NOT_COLLECTED",
    "NOT_GRADED",
    "histogram",
    "inspect_submission",
    "install_grading_kernel",
    "grade_ids",
    "owner",
    "_bytes",
]


def autograde(
    course: Course,
    assignments: list[str],
    students: list[str],
    workers: int = 2,
    memory: str = "6G",
    cpu_seconds: int = 600,
    wall_seconds: float = 1800,
    cell_timeout: int | None = None,
    quiet: bool = False,
    unsafe: bool = False,
    scheduler: str | None = None,
) -> list[Job]:
    """Check, then autograde every (assignment, student) submission in parallel, each notebook
    in its own sandbox (tools/sandbox.py) unless `unsafe`: on this machine, or on the Dask cluster
    whose scheduler is at `scheduler` (tools/cluster.py: each submission graded there by this
    same pipeline, its results written here)."""
    options = Options(workers, memory, cpu_seconds, wall_seconds, cell_timeout, quiet, unsafe)
    if scheduler:
        return cluster.autograde(course, assignments, students, options, scheduler)
    return autograde_local(course, assignments, students, options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["collect", "autograde", "feedback", "report", "all", "release-feedback"])
    parser.add_argument("path", nargs="?", help="collect: a folder or a .zip of submissions")
    parser.add_argument("-a", "--assignment", action="append", help="assignment(s) (default: all)")
    parser.add_argument("-s", "--student", action="append", help="student(s) (default: all submitted)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="parallel nbgrader processes")
    parser.add_argument("--memory", default="6G", help="address-space limit of a grading kernel")
    parser.add_argument("--cpu-seconds", type=int, default=600, help="CPU-time limit of a grading kernel")
    parser.add_argument("--cell-timeout", type=int, help="override nbgrader_config.py's Execute.timeout")
    parser.add_argument(
        "--unsafe",
        action="store_true",
        help="grade WITHOUT the sandbox (student code then reads every file the grader can, and the network)",
    )
    parser.add_argument(
        "--scheduler", help="grade on the Dask cluster of this scheduler (tcp://host:8786; tools/cluster.py)"
    )
    parser.add_argument("--submitted-at", help="collect PATH: when these were handed in (ISO 8601 with time zone)")
    parser.add_argument("--root", type=Path, default=ROOT, help="course root (default: this repository)")
    args = parser.parse_args(argv)
    try:
        return _run(args, parser)
    except (GradingError, release.ReleaseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def what_to_grade(
    course: Course, assignments: list[str] | None, students: list[str] | None, out=print
) -> tuple[list[str], list[str]]:
    """The assignments and students `make grade` grades: those named (each must have a submission), or
    everything that was collected. Names that match no submission raise GradingError: a typo must not
    reach the gradebook."""
    have = submissions.collected(course)
    if assignments:
        empty = [a for a in assignments if not have[a]]
        if empty:
            raise GradingError(
                f"nothing collected for {', '.join(empty)} (no autograder/submitted/<student>/{empty[0]}/): "
                f"run `make collect ASSIGNMENT={empty[0]}` first"
            )
    else:
        assignments = [a for a in course.assignments() if have[a]]
        if not assignments:
            raise GradingError("nothing collected yet: run `make collect ASSIGNMENT=<assignment> [FROM=...]` first")
        waiting = [a for a in course.assignments() if not have[a]]
        if waiting:
            out(f"not collected, not graded: {', '.join(waiting)}")
    if students:
        problem = submissions.unknown_students(course, students, assignments)
        if problem:
            raise GradingError(problem)
        assignments = [a for a in assignments if set(students) & set(have[a])]
    else:
        students = sorted({s for a in assignments for s in have[a]})
    return assignments, students


def _run(args, parser) -> int:
    """The command of `main`; an instructor's mistake raises GradingError (one line, exit status 1)."""
    course = Course(args.root.resolve())
    check_assignments(course, args.assignment or [])
    if args.command == "collect":
        if not args.assignment or len(args.assignment) != 1:
            parser.error("collect needs exactly one --assignment (and PATH, unless it collects from the exchange)")
        if args.path:
            try:
                submissions.collect(course, Path(args.path), args.assignment[0], submitted_at=args.submitted_at)
            except (submissions.CollectError, term.TermError) as error:
                raise GradingError(str(error)) from error
            return 0
        return _nbgrader_step(course, "collect", args.assignment[0], "--update")
    if args.command == "release-feedback":
        return max(_nbgrader_step(course, "release_feedback", a) for a in args.assignment or course.assignments())
    if args.command == "report":
        return _report(course, args.assignment)
    if args.command == "feedback":
        assignments = args.assignment or [a for a in course.assignments() if autograded(course, a)]
        if args.student and (problem := submissions.unknown_students(course, args.student, assignments)):
            raise GradingError(problem)
        written = feedback(course, assignments, args.student or course.students())
        print(f"feedback of {', '.join(written) or 'nothing (nothing graded yet)'} in {course.feedback}")
        return 0
    assignments, students = what_to_grade(course, args.assignment, args.student)
    run = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "assignments": assignments, "failed": None}
    try:
        _autograde_and_feedback(course, args, assignments, students, run)
    except (GradingError, release.ReleaseError) as error:
        run["failed"] = str(error)
        raise
    finally:
        (course.grading / "last-grading.json").write_text(json.dumps(run, indent=1))
        if args.command == "all":  # the report is rewritten whatever happened, saying what failed
            _report(course, args.assignment)
    return 0


def _autograde_and_feedback(course: Course, args, assignments: list[str], students: list[str], run: dict) -> None:
    """autograde (and, for `all`, feedback), saying which tests and scores changed since the last grading."""
    run["tests_changed"] = {a: sorted(cells) for a, cells in tests_changed(course, assignments, students).items()}
    for assignment, cells in tests_changed(course, assignments, students).items():
        who = {s for names in cells.values() for s in names}
        print(
            f"note: the tests of {assignment} changed since {_count(who, 'submission')} were last graded "
            f"({', '.join(cells)}): their scores may change"
        )
    before = collect_scores(course)
    options = Options(args.workers, args.memory, args.cpu_seconds, cell_timeout=args.cell_timeout, unsafe=args.unsafe)
    if not args.scheduler:  # cluster workers grade with kernels of their own
        probe_kernel(course, options)
    start = time.perf_counter()
    if args.unsafe:
        print("WARNING: --unsafe: grading WITHOUT the sandbox; student code can read solutions/, the gradebook")
        print("WARNING: and other students' work, and reach the network. The report says so.")
    jobs = autograde(course, assignments, students, scheduler=args.scheduler, **vars(options))
    where = f"on the cluster at {args.scheduler}" if args.scheduler else f"with {args.workers} workers"
    count = sum(len(j.students) for j in jobs)
    print(f"autograded {count} submissions in {time.perf_counter() - start:.1f} s {where}")
    run["score_changes"] = score_changes(before, collect_scores(course), assignments, students)
    for line in run["score_changes"]:
        print(f"  score changed: {line}")
    if args.command == "all":
        written = feedback(course, assignments, students)
        print(f"feedback of {', '.join(written) or 'nothing'} in {course.feedback}")


def _report(course: Course, assignments: list[str] | None) -> int:
    out = report(course, assignments)
    print(f"report in {out}: grades.csv, summary.md")
    to_grade, blank = freetext.waiting(course, assignments or course.assignments())
    if to_grade or blank:
        print(f"free-text answers: {to_grade} to grade by hand in Formgrader (Manual Grading), {blank} unanswered")
    for anomaly in Anomalies.load(course.anomalies_file):
        if not assignments or anomaly.assignment in assignments:
            print("  !", anomaly.line())
    return 0


def _nbgrader_step(course: Course, command: str, assignment: str, *extra: str) -> int:
    """One of nbgrader's exchange commands (collect, release_feedback), its output shown; 0 or 1."""
    proc = subprocess.run(
        [str(BIN / "nbgrader"), command, assignment, *extra],
        cwd=course.root,
        env=course.env(),
        capture_output=True,
        text=True,
    )
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    print("\n".join(lines[-20:]))
    if proc.returncode != 0:
        print(f"error: nbgrader {command} {assignment} failed", file=sys.stderr)
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
