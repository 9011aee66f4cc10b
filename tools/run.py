"""Run: nbgrader's autograde on this machine, in parallel, sandboxed and limited.

`autograde_local` reads as its steps: prepare (the sandbox, the gradebook holding the cells of solutions/
now, the grading kernel, the roster) -> plan (the checks before grading, tools/checks.py, then the
gradable submissions of each assignment split into shards) -> run (one `nbgrader autograde` process per
shard, `Options.workers` at a time) -> retry (what a shard killed at its wall clock left, its
failures, and the submissions whose checker failed, one submission at a time) -> account
(tools/account.py). The grading kernel is the `rnn-grading` kernelspec (prlimit: memory, CPU time; one
BLAS thread) started in the sandbox (tools/sandbox.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import nbformat

from tools import checks, release, sandbox, submissions, term
from tools.account import _run_verification, _zero, account, import_roster, with_term
from tools.checker import CHECKER_ERROR
from tools.layout import BIN, Course
from tools.layout import GRADING_KERNEL as KERNEL_NAME
from tools.pipeline import Anomalies, GradingError, Job, Options, check_assignments, progress_counter

TAG = "RNN_COURSE_GRADING_JOB"


def install_grading_kernel(course: Course, options: Options) -> None:
    """Write the `rnn-grading` kernelspec (prlimit + one BLAS thread)."""
    spec_dir = course.jupyter / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    argv = [sandbox.python_executable(), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    prlimit = shutil.which("prlimit")
    if prlimit:
        limits = [f"--as={_bytes(options.memory)}", f"--cpu={options.cpu_seconds}"]
        if os.geteuid() != 0:  # RLIMIT_NPROC counts all of the user's processes and does not bind root
            limits.append(f"--nproc={_user_processes() + 256}")
        argv = [prlimit, *limits, *argv]
    spec = {
        "argv": argv,
        "display_name": "Python 3 (grading, limited)",
        "language": "python",
        "env": {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONNOUSERSITE": "1"},
        "metadata": {
            "limits": {"memory": options.memory, "cpu_seconds": options.cpu_seconds, "prlimit": bool(prlimit)}
        },
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


def _run_job(
    course: Course,
    job: Job,
    all_students: list[str],
    wall_seconds: float,
    options: Options,
    on_graded,
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
        f"--SandboxKernelManager.sandbox={not options.unsafe}",
        f"--SandboxKernelManager.events_file={events}",
        f"--GradingExecute.timings_file={events}",
    ]
    if options.cell_timeout:
        args.append(f"--Execute.timeout={options.cell_timeout}")
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
    install_grading_kernel(course, options)
    import_roster(course)
    with_term(term.record, course, assignments)  # due dates, extensions (schedule.toml) -> the gradebook


def inspect_submission(course: Course, student: str, assignment: str, anomalies: Anomalies) -> bool:
    """The checks before grading (tools/checks.py), their findings added to `anomalies`. Returns False
    when there is nothing nbgrader can grade (it then scores 0)."""
    gradable, findings = checks.inspect(course, student, assignment)
    for finding in findings:
        anomalies.add(student, assignment, finding.kind, finding.detail)
    return gradable


def plan(course: Course, assignments: list[str], students: list[str], workers: int, anomalies: Anomalies) -> list[Job]:
    """The checks before grading (a submission that cannot be graded scores 0, not "not graded"),
    then the gradable submissions of each assignment split into at most `workers` shards."""
    jobs = []
    for assignment in assignments:
        handed_in = submissions.submitted(course, assignment, students)
        gradable = [s for s in handed_in if inspect_submission(course, s, assignment, anomalies)]
        for student in handed_in:
            if student not in gradable:
                _zero(course, assignment, student)
        shards = max(1, min(workers, len(gradable)))
        jobs += [Job(assignment, gradable[k::shards]) for k in range(shards) if gradable[k::shards]]
    return jobs


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
                options,
                graded,
            )
            for job in jobs
        ]
        return [future.result() for future in as_completed(futures)]


def _run_single(course: Course, assignment: str, student: str, options: Options, graded) -> Job:
    """One submission alone, with a third of a shard's wall clock."""
    job = Job(assignment, [student])
    return _run_job(course, job, course.students(), options.wall_seconds / 3, options, graded)


def retry(course: Course, done: list[Job], options: Options, graded, anomalies: Anomalies) -> list[Job]:
    """Retry, one submission at a time: what a shard killed at its wall clock left ungraded (a second
    timeout scores 0), the failures of a shard (a transient failure gets a second try; a failure
    of a submission graded alone is final), and a submission a cell of which the checker could not judge
    (it died or hung: tools/checker.py; a second failure stays a `checker-failed` anomaly, and
    tools/export.py exports no score for it). Returns the new single-submission jobs."""
    retried = []
    for job in [j for j in done if j.timed_out]:
        for student in job.students:
            if (course.autograded_notebook(student, job.assignment)).exists():
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
    for job in done:  # the checker failed (the machine's fault, not the student's): a second try, alone
        for student in [s for s in job.students if checker_failed(course, s, job.assignment)]:
            retried.append(_run_single(course, job.assignment, student, options, graded))
    return retried


def checker_failed(course: Course, student: str, assignment: str) -> bool:
    """Whether a cell of this autograded submission could not be judged because the checker failed."""
    path = course.autograded_notebook(student, assignment)
    if not path.exists():
        return False
    nb = nbformat.read(path, as_version=4)
    return any(o.get("ename") == CHECKER_ERROR for cell in nb.cells for o in cell.get("outputs", []))


def probe_kernel(course: Course, options: Options) -> None:
    """Start one grading kernel as autograde will (the kernelspec, the sandbox, the limits) and run one cell.
    A kernel that cannot start raises GradingError with the cause, before any submission is scored: every
    notebook would otherwise fail and score 0."""
    if not options.unsafe and (reason := sandbox.problem()):
        raise GradingError(f"cannot grade in the sandbox: {reason}")
    install_grading_kernel(course, options)
    probe = {"nbgrader": {"grade": True, "solution": False, "grade_id": "probe", "points": 0}}  # graded: it runs
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('the grading kernel runs')", metadata=probe)])
    course.grading.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="probe-", dir=course.grading) as tmp:
        executed, error = _run_verification(course, Path(tmp), nb, 60, options.unsafe)
    if executed is None or "the grading kernel runs" not in str(executed.cells[0].get("outputs")):
        cause = error or "its first cell did not run"
        raise GradingError(f"the grading kernel cannot start ({cause}); nothing was graded")


def autograde_local(course: Course, assignments: list[str], students: list[str], options: Options) -> list[Job]:
    """Grade the submissions of `students` on this machine: prepare -> plan -> run -> retry -> account."""
    prepare(course, assignments, options)
    anomalies = Anomalies()
    jobs = plan(course, assignments, students, options.workers, anomalies)
    with progress_counter(jobs, options.quiet) as graded:
        done = run_local(course, jobs, options, graded)
        done += retry(course, done, options, graded, anomalies)
    account(course, assignments, students, done, anomalies, options)
    return done
