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

nbgrader is the engine; this module only adds what a class-sized run needs:

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
import contextlib
import csv
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tools import checks, integrity, layout, release, sandbox, submissions, term
from tools.layout import Course, grade_ids, is_test_cell, owner

ROOT = layout.ROOT
BIN = layout.BIN
if str(BIN) not in os.environ.get("PATH", "").split(os.pathsep):  # nbgrader's Gradebook runs `alembic`
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
COURSE_ID = layout.COURSE_ID
KERNEL_NAME = layout.GRADING_KERNEL
TAG = "RNN_COURSE_GRADING_JOB"


def progress(iterable, desc: str, total: int, disable: bool = False):
    """A progress bar on the instructor's terminal."""
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, disable=disable)


def check_assignments(course: Course, names: list[str]) -> None:
    """Raise GradingError naming any of `names` that solutions/ does not have."""
    unknown = sorted(set(names) - set(course.assignments()))
    if unknown:
        known = ", ".join(course.assignments())
        raise GradingError(f"no assignment {', '.join(unknown)} in solutions/ (there are {known})")


class GradingError(RuntimeError):
    """An instructor's mistake or a missing piece: reported as one line, exit status 1."""


# ---------------------------------------------------------------------------
# Anomalies
# ---------------------------------------------------------------------------
@dataclass
class Anomaly:
    student: str
    assignment: str
    kind: str  # missing-notebook, renamed-notebook, invalid-notebook, wrong-assignment, deleted-cells, ...
    detail: str

    def line(self) -> str:
        return f"{self.student} / {self.assignment}: {self.kind}: {self.detail}"


@dataclass
class Anomalies:
    items: list[Anomaly] = field(default_factory=list)

    def add(self, *args) -> None:
        self.items.append(Anomaly(*args))

    def save(self, path: Path, graded: set[tuple[str, str]] = frozenset()) -> None:
        """Write the anomalies; those saved before for the submissions graded now ((student,
        assignment) pairs in `graded` or in this list) are replaced."""
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = [Anomaly(**a) for a in json.loads(path.read_text())] if path.exists() else []
        keys = {(a.student, a.assignment) for a in self.items} | set(graded)
        kept = [a for a in existing if (a.student, a.assignment) not in keys]  # re-grading replaces
        path.write_text(json.dumps([a.__dict__ for a in kept + self.items], indent=1))

    @staticmethod
    def load(path: Path) -> list[Anomaly]:
        return [Anomaly(**a) for a in json.loads(path.read_text())] if path.exists() else []


# ---------------------------------------------------------------------------
# Checks before grading
# ---------------------------------------------------------------------------
def inspect_submission(course: Course, student: str, assignment: str, anomalies: Anomalies) -> bool:
    """The checks before grading (tools/checks.py), their findings added to `anomalies`. Returns False
    when there is nothing nbgrader can grade (it then scores 0)."""
    gradable, findings = checks.inspect(course, student, assignment)
    for finding in findings:
        anomalies.add(student, assignment, finding.kind, finding.detail)
    return gradable


# ---------------------------------------------------------------------------
# The grading kernel and leftover processes
# ---------------------------------------------------------------------------
def install_grading_kernel(course: Course, memory: str, cpu_seconds: int) -> None:
    """Write the `rnn-grading` kernelspec (prlimit + one BLAS thread)."""
    spec_dir = course.jupyter / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    prlimit = shutil.which("prlimit")
    if prlimit:
        limits = [f"--as={_bytes(memory)}", f"--cpu={cpu_seconds}"]
        if os.geteuid() != 0:  # RLIMIT_NPROC counts all of the user's processes and does not bind root
            limits.append(f"--nproc={_user_processes() + 256}")
        argv = [prlimit, *limits, *argv]
    spec = {
        "argv": argv,
        "display_name": "Python 3 (grading, limited)",
        "language": "python",
        "env": {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONNOUSERSITE": "1"},
        "metadata": {"limits": {"memory": memory, "cpu_seconds": cpu_seconds, "prlimit": bool(prlimit)}},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))


def _user_processes() -> int:
    """How many processes (threads included) this user runs now."""
    uid, count = os.getuid(), 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"\nUid:\t{uid}\t" in text:
            count += int(text.split("Threads:")[1].split()[0])
    return count


def _bytes(size: str) -> int:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?", size.strip(), re.I)
    if not match:
        raise ValueError(f"bad memory size {size!r} (e.g. 6G, 512M)")
    return int(float(match[1]) * 1024 ** "_KMGT".index(match[2].upper() or "_"))


def kill_tagged(tag: str) -> list[str]:
    """Kill every process whose environment carries this grading job's tag
    (kernels and whatever they forked). Returns the working directory of each
    killed process: a kernel runs in the autograded folder of its submission."""
    killed = []
    needle = f"{TAG}={tag}".encode()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if needle in (proc / "environ").read_bytes().split(b"\0") and int(proc.name) != os.getpid():
                cwd = os.readlink(proc / "cwd")
                os.kill(int(proc.name), signal.SIGKILL)
                killed.append(cwd)
        except (OSError, ValueError):
            continue
    return killed


# ---------------------------------------------------------------------------
# Autograde
# ---------------------------------------------------------------------------
@dataclass
class Job:
    assignment: str
    students: list[str]
    seconds: float = 0.0
    timed_out: bool = False
    failed: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)  # working directories of killed processes
    tag: str = field(default_factory=lambda: uuid.uuid4().hex)  # marks the job's processes
    worker: str = ""  # on a cluster (tools/cluster.py): the worker that graded it, and when
    times: dict = field(default_factory=dict)
    timings: list[dict] = field(default_factory=list)  # per notebook: GradingExecute's time split


def _run_job(
    course: Course,
    job: Job,
    all_students: list[str],
    wall_seconds: float,
    cell_timeout: int | None,
    on_graded,
    unsafe: bool = False,
) -> Job:
    excluded = [s for s in all_students if s not in job.students]
    tag = job.tag
    log = course.logs / f"{job.assignment}-{tag[:8]}.log"
    events = log.with_suffix(".events.jsonl")
    args = [
        str(BIN / "nbgrader"),
        "autograde",
        job.assignment,
        "--create",
        "--force",
        f"--Execute.kernel_name={KERNEL_NAME}",
        f"--CourseDirectory.student_id_exclude={','.join(excluded)}",
        f"--SandboxKernelManager.sandbox={not unsafe}",
        f"--SandboxKernelManager.events_file={events}",
        f"--GradingExecute.timings_file={events}",
    ]
    if cell_timeout:
        args.append(f"--Execute.timeout={cell_timeout}")
    env = course.env() | {TAG: tag}
    start = time.perf_counter()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            args, cwd=course.root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        seen: set[str] = set()
        while proc.poll() is None:
            time.sleep(0.5)
            seen |= _report_progress(log, job.assignment, seen, on_graded)
            if time.perf_counter() - start > wall_seconds:
                os.killpg(proc.pid, signal.SIGKILL)
                job.timed_out = True
                proc.wait()
    job.leftovers = kill_tagged(tag)
    if events.exists():  # processes a sandboxed notebook left running (they died with its sandbox); timings
        for line in events.read_text().splitlines():
            event = json.loads(line)
            job.leftovers += [event["cwd"]] * int(event.get("leftover_processes", 0))
            if "kernel_start" in event:
                job.timings.append(event)
    _report_progress(log, job.assignment, seen, on_graded)
    text = log.read_text(errors="replace")
    job.failed = sorted(set(re.findall(rf"error processing assignment '{job.assignment}' for student '([^']+)'", text)))
    job.seconds = time.perf_counter() - start
    return job


def _report_progress(log: Path, assignment: str, seen: set[str], on_graded) -> set[str]:
    new = set(re.findall(rf"Autograding \S*/autograded/([^/\s]+)/{assignment}/", log.read_text(errors="replace")))
    for student in sorted(new - seen):
        on_graded(assignment, student)
    return new


@dataclass
class Options:
    """How a submission is graded: the limits of its kernel and of its nbgrader process."""

    workers: int = 2
    memory: str = "6G"
    cpu_seconds: int = 600
    wall_seconds: float = 1800
    cell_timeout: int | None = None
    quiet: bool = False
    unsafe: bool = False


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
        from tools import cluster

        return cluster.autograde(course, assignments, students, options, scheduler)
    prepare(course, assignments, options)
    anomalies = Anomalies()
    jobs = plan(course, assignments, students, options.workers, anomalies)
    with progress_counter(jobs, options.quiet) as graded:
        done = run_local(course, jobs, options, graded)
        done += retry(course, done, options, graded, anomalies)
    account(course, assignments, students, done, anomalies, options)
    return done


def prepare(course: Course, assignments: list[str], options: Options) -> None:
    """What grading needs before the first submission: the sandbox, the gradebook holding the
    cells of solutions/ now (the tests autograde restores), the grading kernel, the roster."""
    if not options.unsafe:
        reason = sandbox.problem()
        if reason:
            raise GradingError(f"cannot grade in the sandbox: {reason}")
    check_assignments(course, assignments)
    try:
        release.sync(course.root, assignments, out=print if not options.quiet else lambda *_: None)
    except release.ReleaseError as error:
        raise GradingError(str(error)) from error
    install_grading_kernel(course, options.memory, options.cpu_seconds)
    import_roster(course)
    _term(term.record, course, assignments)  # due dates, extensions (course.toml) -> the gradebook


def submitted(course: Course, assignment: str, students: list[str]) -> list[str]:
    """Those of `students` who handed in `assignment` (a folder in autograder/submitted/): the only ones
    graded. A student without one is not given a zero or an anomaly: the report says "missing"."""
    return [s for s in students if (course.submitted / s / assignment).is_dir()]


def plan(course: Course, assignments: list[str], students: list[str], workers: int, anomalies: Anomalies) -> list[Job]:
    """The checks before grading (a submission that cannot be graded scores 0, not "not graded"),
    then the gradable submissions of each assignment split into at most `workers` shards."""
    jobs = []
    for assignment in assignments:
        handed_in = submitted(course, assignment, students)
        gradable = [s for s in handed_in if inspect_submission(course, s, assignment, anomalies)]
        for student in handed_in:
            if student not in gradable:
                _zero(course, assignment, student)
        shards = max(1, min(workers, len(gradable)))
        jobs += [Job(assignment, gradable[k::shards]) for k in range(shards) if gradable[k::shards]]
    return jobs


@contextlib.contextmanager
def progress_counter(jobs: list[Job], quiet: bool):
    """A progress bar over the submissions of `jobs`; yields its callback (assignment, student) -> None."""
    total = sum(len(j.students) for j in jobs)
    bar = progress(range(total), desc="autograde", total=total, disable=quiet or total == 0)
    try:
        yield lambda assignment, student: bar.update(1)
    finally:
        bar.close()


def run_local(course: Course, jobs: list[Job], options: Options, graded) -> list[Job]:
    """Run: each shard by its own `nbgrader autograde` process, `options.workers` at a time."""
    all_students = course.students()
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        futures = [
            pool.submit(
                _run_job,
                course,
                job,
                all_students,
                options.wall_seconds,
                options.cell_timeout,
                graded,
                options.unsafe,
            )
            for job in jobs
        ]
        return [future.result() for future in as_completed(futures)]


def _run_single(course: Course, assignment: str, student: str, options: Options, graded) -> Job:
    """One submission alone, with a third of a shard's wall clock."""
    job = Job(assignment, [student])
    return _run_job(
        course, job, course.students(), options.wall_seconds / 3, options.cell_timeout, graded, options.unsafe
    )


def retry(course: Course, done: list[Job], options: Options, graded, anomalies: Anomalies) -> list[Job]:
    """Retry, one submission at a time: what a shard killed at its wall clock left ungraded (a second
    timeout scores 0), and the failures of a shard (a transient failure gets a second try; a failure
    of a submission graded alone is final). Returns the new single-submission jobs."""
    retried = []
    for job in [j for j in done if j.timed_out]:
        for student in job.students:
            if (course.autograded / student / job.assignment / f"{job.assignment}.ipynb").exists():
                continue
            single = _run_single(course, job.assignment, student, options, graded)
            retried.append(single)
            if single.timed_out:
                anomalies.add(
                    student,
                    job.assignment,
                    "grading-timeout",
                    f"grading took longer than {options.wall_seconds / 3:.0f} s and was stopped; scored 0",
                )
                _zero(course, job.assignment, student)
    for job in [j for j in done if j.failed and len(j.students) > 1]:
        retried += [_run_single(course, job.assignment, student, options, graded) for student in job.failed]
        job.failed = []
    return retried


def account(
    course: Course,
    assignments: list[str],
    students: list[str],
    done: list[Job],
    anomalies: Anomalies,
    options: Options,
) -> None:
    """Account: final failures score 0, leftover processes and what the autograded notebooks show
    (timeouts, memory, exits, floods) become anomalies, the verification run (tools/integrity.py)
    checks every graded submission, and the anomalies are saved."""
    for job in done:
        for student in job.failed:
            anomalies.add(
                student,
                job.assignment,
                "grading-failed",
                "nbgrader could not run the notebook (the kernel died: os._exit, a crash, or the CPU "
                "limit); scored 0 — see autograder/logs/",
            )
            _zero(course, job.assignment, student)
        for student in job.students:
            left = [cwd for cwd in job.leftovers if Path(cwd).parts[-2:] == (student, job.assignment)]
            if left:
                anomalies.add(
                    student,
                    job.assignment,
                    "leftover-processes",
                    f"{len(left)} process(es) left running by the notebook were killed",
                )
    anomalies.items += _execution_anomalies(course, assignments, students)
    verify(
        course, assignments, students, anomalies, options.workers, options.cell_timeout, options.unsafe, options.quiet
    )
    graded = {(s, a) for a in assignments for s in submitted(course, a, students)}
    if options.unsafe:
        for student, assignment in sorted(graded):
            anomalies.add(student, assignment, "graded-without-sandbox", "graded with --unsafe (no sandbox)")
    anomalies.save(course.anomalies_file, graded)
    _term(term.apply_overrides, course, assignments)  # overrides re-applied, late penalties on final scores


def _term(step, course: Course, assignments: list[str]) -> None:
    try:
        step(course, assignments)
    except term.TermError as error:
        raise GradingError(str(error)) from error


# ---------------------------------------------------------------------------
# Verify: grades that student code cannot forge (tools/integrity.py)
# ---------------------------------------------------------------------------
TAMPERING = "possible-tampering"


def verify(
    course: Course,
    assignments: list[str],
    students: list[str],
    anomalies: Anomalies,
    workers: int = 2,
    cell_timeout: int | None = None,
    unsafe: bool = False,
    quiet: bool = True,
) -> None:
    """Scan every autograded submission's own code, and re-run those whose answer cells hold
    top-level statements without them (tools/integrity.py). Findings become `possible-tampering`
    anomalies (the submission is held for review); a test cell that passed only thanks to the
    top-level statements gets the verification run's score."""
    tasks = [
        (assignment, student)
        for assignment in assignments
        for student in students
        if (course.autograded / student / assignment / f"{assignment}.ipynb").exists()
    ]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(_verify_one, course, a, s, anomalies, cell_timeout, unsafe) for a, s in tasks]
        for future in progress(as_completed(futures), desc="verify", total=len(futures), disable=quiet):
            future.result()


def _verify_one(
    course: Course, assignment: str, student: str, anomalies: Anomalies, cell_timeout: int | None, unsafe: bool
) -> None:
    from nbgrader.utils import determine_grade

    path = course.autograded / student / assignment / f"{assignment}.ipynb"
    graded = nbformat.read(path, as_version=4)
    release = nbformat.read(course.release_notebook(assignment), as_version=4)
    for finding in integrity.scan(graded, release):
        anomalies.add(student, assignment, TAMPERING, finding.text())
    plan = integrity.verification_notebook(graded, release)
    if plan is None:
        return
    check, dropped = plan
    verified, error = _run_verification(course, path.parent, check, cell_timeout, unsafe)
    if verified is None:
        anomalies.add(student, assignment, TAMPERING, f"the verification run failed ({error}); scores not verified")
        return
    full = {c.metadata["nbgrader"]["grade_id"]: c for c in graded.cells if is_test_cell(c)}
    lowered, inconclusive = {}, []
    for cell in verified.cells:
        if not is_test_cell(cell) or cell.metadata["nbgrader"]["grade_id"] not in full:
            continue
        gid = cell.metadata["nbgrader"]["grade_id"]
        before, after = determine_grade(full[gid])[0] or 0.0, determine_grade(cell)[0] or 0.0
        if after < before:
            timed_out = any(o.get("ename") == "CellTimeoutError" for o in cell.outputs)
            if timed_out:
                inconclusive.append(gid)
            else:
                lowered[gid] = (before, after)
                full[gid].outputs = cell.outputs
    statements = "; ".join(f"{label} line {line}: `{text}`" for label, line, text in dropped[:3])
    if lowered:
        cells = ", ".join(f"{gid} ({before:g} -> {after:g})" for gid, (before, after) in lowered.items())
        anomalies.add(
            student,
            assignment,
            TAMPERING,
            f"test cells pass only when the top-level statements of the student's cells run ({statements}); "
            f"scored as in the run without them: {cells}",
        )
        _set_scores(course, assignment, student, {gid: after for gid, (_, after) in lowered.items()})
        nbformat.write(graded, path)
    if inconclusive:
        anomalies.add(
            student,
            assignment,
            TAMPERING,
            f"{', '.join(inconclusive)} timed out in the verification run only; scores not verified",
        )


def _run_verification(course: Course, cwd: Path, nb, cell_timeout: int | None, unsafe: bool):
    """Execute the verification notebook in a subprocess; (executed notebook, None) or (None, reason)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="verify-", dir=course.grading) as tmp:
        source, output = Path(tmp) / "in.ipynb", Path(tmp) / "out.ipynb"
        nbformat.write(nb, source)
        args = [
            sys.executable,
            "-m",
            "tools.sandbox",
            "run",
            str(source),
            str(output),
            f"--cwd={cwd}",
            f"--root={course.root}",
            f"--kernel={KERNEL_NAME}",
        ]
        args += [f"--timeout={cell_timeout}"] if cell_timeout else []
        args += ["--unsafe"] if unsafe else []
        try:
            proc = subprocess.run(args, cwd=ROOT, env=course.env(), capture_output=True, text=True, timeout=1800)
        except subprocess.TimeoutExpired:
            return None, "it took longer than 30 minutes"
        if proc.returncode != 0 or not output.exists():
            return None, (proc.stderr.strip().splitlines() or ["no message"])[-1][:200]
        return nbformat.read(output, as_version=4), None


def _set_scores(course: Course, assignment: str, student: str, scores: dict[str, float]) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, COURSE_ID) as gb:
        for gid, score in scores.items():
            gb.find_grade(gid, assignment, assignment, student).auto_score = score
        gb.db.commit()


@contextlib.contextmanager
def gradebook_submission(course: Course, assignment: str, student: str, timestamp=None):
    """The gradebook's submission of `student` for `assignment` (student and submission created if
    new), committed when the block ends."""
    import warnings

    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's own, on creating a submission
    with Gradebook(course.db_url, COURSE_ID) as gb:
        try:
            gb.find_student(student)
        except MissingEntry:
            gb.add_student(student)
        extra = {} if timestamp is None else {"timestamp": timestamp}
        yield gb.update_or_create_submission(assignment, student, **extra)
        gb.db.commit()


def _zero(course: Course, assignment: str, student: str) -> None:
    """Record an all-zero submission in the gradebook for one that cannot be graded."""
    with gradebook_submission(course, assignment, student) as submission:
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False


def _execution_anomalies(course: Course, assignments: list[str], students: list[str]) -> list[Anomaly]:
    """Timeouts, memory errors, kernel deaths and cut outputs found in the
    autograded notebooks."""
    found = []
    for assignment in assignments:
        for student in students:
            path = course.autograded / student / assignment / f"{assignment}.ipynb"
            if not path.exists():
                continue
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id", cell.get("id", "?"))
                for output in cell.get("outputs", []):
                    name = output.get("ename", "")
                    if name == "CellTimeoutError":
                        found.append(Anomaly(student, assignment, "timeout", f"cell {gid} exceeded the time limit"))
                    elif name == "MemoryError" or "can't allocate memory" in output.get("evalue", ""):
                        found.append(Anomaly(student, assignment, "memory", f"cell {gid} exceeded the memory limit"))
                    elif name in ("DeadKernelError", "SystemExit"):
                        found.append(Anomaly(student, assignment, "exit", f"cell {gid} tried to end the kernel"))
                    text = output.get("text", "")
                    if isinstance(text, str) and "... Output truncated ..." in text:
                        found.append(Anomaly(student, assignment, "output-flood", f"cell {gid} output was cut"))
    return found


# ---------------------------------------------------------------------------
# Roster
# ---------------------------------------------------------------------------
ROSTER_COLUMNS = ("id", "first_name", "last_name", "email")


def import_roster(course: Course) -> int:
    """Put the names of autograder/roster.csv (columns id, first_name, last_name, email; nbgrader's
    `db student import` format) into the gradebook, so that Formgrader shows them. Returns how many."""
    path = course.roster
    if not path.exists():
        return 0
    from nbgrader.api import Gradebook

    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    missing = [c for c in ("id", "first_name", "last_name") if rows and c not in rows[0]]
    if missing:
        raise GradingError(
            f"{path.relative_to(course.root)} has no column {', '.join(missing)} ({', '.join(ROSTER_COLUMNS)})"
        )
    with Gradebook(course.db_url, COURSE_ID) as gb:
        for row in rows:
            fields = {k: (row.get(k) or "").strip() or None for k in ROSTER_COLUMNS[1:]}
            gb.update_or_create_student(row["id"].strip(), **fields)
    return len(rows)


# ---------------------------------------------------------------------------
# Feedback, report
# ---------------------------------------------------------------------------
def autograded(course: Course, assignment: str, students: list[str] | None = None) -> list[str]:
    """Those of `students` (default: everyone in autograder/autograded/) with an autograded notebook."""
    if students is None:
        folder = course.autograded
        students = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    return [s for s in students if (course.autograded / s / assignment / f"{assignment}.ipynb").exists()]


def feedback(course: Course, assignments: list[str], students: list[str]) -> list[str]:
    """nbgrader generate_feedback for the submissions of `students` that were graded; returns the
    assignments it wrote feedback for (one that nobody's grading reached is skipped, not an error)."""
    written = []
    for assignment in assignments:
        graded = autograded(course, assignment, students)
        if not graded:
            continue
        args = [str(BIN / "nbgrader"), "generate_feedback", assignment, "--force"]
        whole = set(graded) == set(autograded(course, assignment))
        runs = [args] if whole else [[*args, "--student", s] for s in graded]
        for run in runs:
            proc = subprocess.run(run, cwd=course.root, env=course.env(), capture_output=True, text=True)
            if proc.returncode != 0:
                last = ([line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()] or ["?"])[-1]
                raise GradingError(f"nbgrader generate_feedback {assignment} failed: {last.strip()}")
        written.append(assignment)
    return written


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


def collect_scores(course: Course) -> dict[str, dict[str, dict[str, tuple[float, float]]]]:
    """assignment -> student -> test cell -> (score, max_score): every submission the gradebook holds."""
    from nbgrader.api import Gradebook, MissingEntry

    scores: dict = defaultdict(dict)
    with Gradebook(course.db_url, COURSE_ID) as gb:
        for assignment in course.assignments():
            try:
                entry = gb.find_assignment(assignment)
            except MissingEntry:
                continue
            for submission in entry.submissions:
                for notebook in submission.notebooks:
                    if notebook.name == assignment:
                        grades = {g.name: (g.score or 0.0, g.max_score) for g in notebook.grades}
                        scores[assignment][submission.student.id] = grades
    return scores


def roster_ids(course: Course) -> list[str]:
    if not course.roster.exists():
        return []
    with open(course.roster, newline="", encoding="utf-8-sig") as f:
        return [row["id"].strip() for row in csv.DictReader(f) if (row.get("id") or "").strip()]


#: What grades.csv says where there is no score (never a zero it did not give).
NOT_COLLECTED, NOT_GRADED, MISSING = "not collected", "not graded", "missing"


def report(course: Course, assignments: list[str] | None = None) -> Path:
    """Write grades.csv, summary.md and score histograms to autograder/report/: a column per assignment
    of `assignments` (default: all of the course), a row per student (roster, submissions, gradebook).
    A cell holds the gradebook's score, or says why there is none: "not collected" (nobody's submission
    of that assignment was collected), "not graded" (collected, not graded yet) or "missing" (others
    handed it in, this student did not)."""
    out = course.report_dir
    out.mkdir(parents=True, exist_ok=True)
    scores = collect_scores(course)
    anomalies = Anomalies.load(course.anomalies_file)
    assignments = assignments or course.assignments()
    have = submissions.collected(course)
    graded = [a for a in assignments if scores.get(a)]
    students = sorted(set(roster_ids(course)) | set(course.students()) | {s for a in graded for s in scores[a]})
    maxima = {a: sum(m for _, m in next(iter(scores[a].values())).values()) for a in graded}
    extras = term.ReportExtras(course, assignments)  # late penalties, overrides, similarity

    def cell(student: str, assignment: str):
        if student in scores.get(assignment, {}):
            return extras.final(student, assignment, sum(x for x, _ in scores[assignment][student].values()))
        if assignment not in graded:
            return NOT_GRADED if have[assignment] else NOT_COLLECTED
        return NOT_GRADED if student in have[assignment] else MISSING

    with open(out / "grades.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["student_id", *assignments, "total", "max_total", "anomalies", "held_for_review", *extras.COLUMNS]
        )
        for student in students:
            row = [cell(student, a) for a in assignments]
            total = sum(x for x in row if not isinstance(x, str))
            flagged = sum(1 for a in anomalies if a.student == student and a.assignment in assignments)
            held = {a.assignment for a in anomalies if a.student == student and a.kind == TAMPERING}
            held = sorted(held | extras.held(student))
            writer.writerow([student, *row, total, sum(maxima.values()), flagged, " ".join(held), *extras.row(student)])
    lines = [f"# Grading report — {COURSE_ID}", ""]
    lines += _last_grading_lines(course)
    waiting = [a for a in assignments if a not in graded]
    lines += [
        f"{_count(students, 'student')}; {_count(graded, 'assignment')} graded"
        + (f" ({', '.join(graded)})" if graded else "")
        + (f"; not graded yet: {', '.join(waiting)}" if waiting else "")
        + ".",
        "",
    ]
    unsafe = sorted({f"{a.student}/{a.assignment}" for a in anomalies if a.kind == "graded-without-sandbox"})
    if unsafe:
        lines += [
            f"**WARNING: {len(unsafe)} submissions were graded WITHOUT the sandbox (--unsafe)**: their code could",
            "read solutions/, the gradebook and other students' work. Re-grade them with the sandbox.",
            "",
        ]
    held = [a for a in anomalies if a.kind == TAMPERING and a.assignment in assignments]
    if held:
        lines += ["## Held for review (possible tampering)", ""]
        lines += [f"- {a.line()}" for a in held]
        lines += ["", "Their scores are not final: read the cells named above (autograder/autograded/).", ""]
    lines += extras.summary()
    for assignment in graded:
        totals = {s: cell(s, assignment) for s in scores[assignment]}
        values = sorted(totals.values())
        median = values[len(values) // 2] if values else 0
        missing = [s for s in students if cell(s, assignment) == MISSING]
        lines += [
            f"## {assignment}",
            "",
            f"{len(values)} graded, max {maxima.get(assignment, 0):g} points, "
            f"mean {sum(values) / max(1, len(values)):.2f}, median {median:g}."
            + (f" Missing ({len(missing)}): {', '.join(missing)}." if missing else ""),
            "",
            f"![score histogram](hist_{assignment}.png)",
            "",
            "| function | test cell | pass rate |",
            "|---|---|---|",
        ]
        source = nbformat.read(course.source_notebook(assignment), as_version=4)
        functions = [
            c.metadata["nbgrader"]["grade_id"] for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")
        ]
        graded_cells = set(next(iter(scores[assignment].values())))
        in_order = [gid for gid in grade_ids(source) if gid in graded_cells]  # the notebook's order
        for test in in_order + sorted(graded_cells - set(in_order)):
            passed = sum(1 for s in scores[assignment].values() if test in s and s[test][0] >= s[test][1])
            lines.append(
                f"| `{owner(test, functions)}` | `{test}` | {passed}/{len(scores[assignment])} "
                f"({100 * passed / len(scores[assignment]):.0f}%) |"
            )
        lines.append("")
        figure = histogram(values, maxima.get(assignment, 0), assignment)
        figure.savefig(out / f"hist_{assignment}.png", dpi=100)
        figure.clear()
    for stale in out.glob("hist_*.png"):
        if stale.stem.removeprefix("hist_") not in graded:
            stale.unlink()
    lines += ["## Anomalies", ""]
    lines += [f"- {a.line()}" for a in anomalies if a.assignment in assignments] or ["None."]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    return out


# ---------------------------------------------------------------------------
# What the last grading run did (autograder/last-grading.json, shown by the report)
# ---------------------------------------------------------------------------
def tests_changed(course: Course, assignments: list[str], students: list[str]) -> dict[str, dict[str, list[str]]]:
    """assignment -> test cell -> the students whose last grading ran another version of that test cell
    (their autograded notebook holds the test cells it ran, hidden tests included; solutions/ holds the
    ones that run now). A cell added or removed since counts as changed."""
    changed: dict[str, dict[str, list[str]]] = {}
    for assignment in assignments:
        source = nbformat.read(course.source_notebook(assignment), as_version=4)
        now = {layout.grade_id(c): c.source for c in source.cells if is_test_cell(c)}
        for student in autograded(course, assignment, students):
            path = course.autograded / student / assignment / f"{assignment}.ipynb"
            then = {layout.grade_id(c): c.source for c in nbformat.read(path, as_version=4).cells if is_test_cell(c)}
            for test in sorted(set(now) | set(then)):
                if now.get(test) != then.get(test):
                    changed.setdefault(assignment, {}).setdefault(test, []).append(student)
    return changed


def score_changes(before: dict, after: dict, assignments: list[str], students: list[str]) -> list[str]:
    """'student / assignment: old -> new' for every graded submission whose total changed."""
    lines = []
    for assignment in assignments:
        for student in students:
            old, new = before.get(assignment, {}).get(student), after.get(assignment, {}).get(student)
            if old is None or new is None:
                continue
            old_total, new_total = (sum(x for x, _ in cells.values()) for cells in (old, new))
            if old_total != new_total:
                lines.append(f"{student} / {assignment}: {old_total:g} -> {new_total:g}")
    return lines


def _last_grading_lines(course: Course) -> list[str]:
    path = course.grading / "last-grading.json"
    if not path.exists():
        return []
    run = json.loads(path.read_text())
    lines = []
    if run.get("failed"):
        lines += [
            f"**The last grading run ({run['started']}) failed**: {run['failed']}",
            "",
            "The scores below are the gradebook's: for the submissions it did not reach, they are those of the "
            "grading before (or none).",
            "",
        ]
    tests = run.get("tests_changed") or {}
    changes = run.get("score_changes") or []
    if tests or changes:
        lines += [f"## What the last grading run ({run['started']}) changed", ""]
        for assignment, cells in tests.items():
            lines.append(f"- the tests of {assignment} changed since the last grading: {', '.join(cells)}")
        lines += [f"- {line}" for line in changes]
        lines.append("")
    return lines


def _count(items, noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def histogram(values: list[float], maximum: float, assignment: str):
    """Students per score, sized for a screen (800 x 320 px at 100 dpi): every score from 0 to the
    maximum on the x axis, whole students on the y axis. Returns the figure (not shown)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    top = int(math.ceil(maximum))
    fig = Figure(figsize=(8, 3.2))
    ax = fig.subplots()
    ax.hist(values, bins=[x - 0.5 for x in range(top + 2)], rwidth=0.8)
    ax.set_xlim(-0.6, top + 0.6)
    step = max(1, math.ceil((top + 1) / 20))
    ax.set_xticks(sorted({*range(0, top + 1, step), top}))  # the top score is always labelled
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel=f"score (of {maximum:g})", ylabel="students", title=f"{assignment}: {_count(values, 'student')}")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------
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
    start = time.perf_counter()
    if args.unsafe:
        print("WARNING: --unsafe: grading WITHOUT the sandbox; student code can read solutions/, the gradebook")
        print("WARNING: and other students' work, and reach the network. The report says so.")
    jobs = autograde(
        course,
        assignments,
        students,
        args.workers,
        args.memory,
        args.cpu_seconds,
        cell_timeout=args.cell_timeout,
        unsafe=args.unsafe,
        scheduler=args.scheduler,
    )
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
    for anomaly in Anomalies.load(course.anomalies_file):
        if not assignments or anomaly.assignment in assignments:
            print("  !", anomaly.line())
    return 0


if __name__ == "__main__":
    from tools import grade  # the module tools.cluster imports too: one GradingError class

    sys.exit(grade.main())
