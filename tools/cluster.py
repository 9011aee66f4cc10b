"""Grading on a Dask cluster: the "run" stage (tools/run.py on this machine) on other machines.

    python -m tools.grade all --scheduler tcp://host:8786     # make grade SCHEDULER=tcp://host:8786

Workers need the course checkout and its .venv, nothing shared with the coordinator (the machine
running `tools.grade`): no file system, no gradebook. Per submission:

1. the coordinator ships the submission's files (bytes) and the grading options in a task;
2. a worker grades it in a scratch copy of its checkout (made once per worker process and thread,
   under the system's temporary folder, with its own SQLite gradebook holding the assignment,
   `tools.release.sync`) by the local pipeline (tools/run.py autograde_local), for that submission: checks,
   the sandboxed and limited `nbgrader autograde`, retries, the verification run, anomalies;
3. it returns the autograded files, the per-cell scores and comments, the anomalies and the logs;
4. the coordinator writes the files into autograder/autograded/, the scores into the real gradebook
   (SQLite or PostgreSQL) and the anomalies into autograder/anomalies.json, exactly once per
   submission; feedback and the report then run here as for local grading.

A worker whose checkout (solutions/, tools/, helpers.py) differs from the coordinator's is refused:
it would grade against other tests. A worker that dies mid-submission loses nothing: the scheduler
gives its task to another worker (distributed's rescheduling); one that hangs is dropped by the
scheduler after `distributed.scheduler.worker-ttl` without heartbeats, and its task moves too. If no
submission finishes for twice the wall clock of a submission, the coordinator stops waiting: the
submissions still out score 0 with a `grading-timeout` anomaly.

Start workers from the checkout, so that they can import `tools`:

    cd course-checkout && PYTHONPATH=. .venv/bin/dask worker tcp://host:8786 --nthreads 1 --nworkers 2 \
        --preload tools.cluster

(`--preload`: the worker imports the grading code before it joins, not in its event loop on the first
task, where a slow import would delay its heartbeats.)
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path

from tools import account, layout, release, run, term
from tools.layout import COURSE_ID, Course
from tools.pipeline import Anomalies, Anomaly, GradingError, Job, Options, check_assignments, progress_counter
from tools.submissions import submitted

CHECKOUT = ("solutions", "tools", "helpers.py")  # what decides a grade, besides the submission
SKIPPED = {"__pycache__", ".ipynb_checkpoints"}
CONNECT_SECONDS = 5
BATCH = 8  # submissions per task at most
WORKERS_SECONDS = 60


# ---------------------------------------------------------------------------
# The checkout's fingerprint
# ---------------------------------------------------------------------------
def checkout_digest(root: Path) -> str:
    """sha256 of solutions/, tools/ and helpers.py (paths and contents; symlinks by target)."""
    digest = hashlib.sha256()
    for part in CHECKOUT:
        top = root / part
        paths = [top] if not top.is_dir() else []
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED)
            paths += [Path(folder) / f for f in sorted(files) if not f.endswith(".pyc")]
        for path in paths:
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


_digest: list[str] = []


def worker_digest() -> str:
    """This process's checkout fingerprint (computed once: the imported tools do not change either)."""
    if not _digest:
        _digest.append(checkout_digest(layout.ROOT))
    return _digest[0]


# ---------------------------------------------------------------------------
# The worker's side
# ---------------------------------------------------------------------------
_lock = threading.Lock()
_free: list[Path] = []
_made = [0]


def _acquire_scratch() -> Path:
    """A scratch course of this process no other thread is using (made on first use)."""
    with _lock:
        if _free:
            return _free.pop()
        _made[0] += 1
        number = _made[0]
    dest = Path(tempfile.gettempdir()) / f"rnn-course-worker-{worker_digest()[:12]}-{os.getpid()}-{number}"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    root = layout.ROOT
    ignore = shutil.ignore_patterns(*SKIPPED)
    for name in ("nbgrader_config.py", "helpers.py", "schedule.toml"):
        if (root / name).exists():
            shutil.copy2(root / name, dest / name)
    for name in ("data", "tools", "solutions", "course"):
        if (root / name).is_dir():
            shutil.copytree(root / name, dest / name, symlinks=True, ignore=ignore)
    return dest


def _release_scratch(path: Path) -> None:
    with _lock:
        _free.append(path)


def grade_submission(task: dict) -> dict:
    """Grade a batch of submissions of one assignment on this worker (a Dask task), in one `nbgrader
    autograde` process (its start costs seconds): see the module's docstring."""
    if task["digest"] != worker_digest():
        return {
            "error": f"the checkout of worker {socket.gethostname()} (pid {os.getpid()}) differs from the "
            f"coordinator's (solutions/, tools/, helpers.py: {worker_digest()[:12]} here, "
            f"{task['digest'][:12]} there)"
        }
    os.environ.pop(layout.DB_URL_VARIABLE, None)  # the scratch course's own SQLite gradebook, never the real one
    times = {"start": time.time()}
    scratch = _acquire_scratch()
    times["scratch"] = time.time()
    try:
        return _grade_in(Course(scratch), task, times)
    except GradingError as error:
        return {"error": f"worker {socket.gethostname()} (pid {os.getpid()}): {error}"}
    finally:
        _release_scratch(scratch)


def _grade_in(course: Course, task: dict, times: dict) -> dict:
    assignment, submissions = task["assignment"], task["submissions"]
    for folder in (course.submitted, course.autograded, course.feedback, course.logs):
        shutil.rmtree(folder, ignore_errors=True)
    course.anomalies_file.unlink(missing_ok=True)
    for student, files in submissions.items():
        submitted = course.submission(student, assignment)
        submitted.mkdir(parents=True)
        for name, data in files.items():
            path = submitted / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    options = Options(**(task["options"] | {"workers": 1, "quiet": True}))
    run.autograde_local(course, [assignment], list(submissions), options)
    times["graded"] = time.time()
    logs = {p.name: p.read_text(errors="replace") for p in sorted(course.logs.glob("*")) if p.is_file()}
    anomalies = Anomalies.load(course.anomalies_file)
    results = []
    for student in submissions:
        folder = course.autograded / student / assignment
        files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
        grades, comments, timestamp = _scores(course, assignment, student)
        results.append(
            {
                "assignment": assignment,
                "student": student,
                "files": files,
                "grades": grades,
                "comments": comments,
                "timestamp": timestamp,
                "anomalies": [a.__dict__ for a in anomalies if (a.student, a.assignment) == (student, assignment)],
            }
        )
    return {
        "results": results,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "logs": logs,
        "times": times | {"end": time.time(), "batch": len(submissions)},
    }


def _scores(course: Course, assignment: str, student: str):
    """grade name -> (auto_score, needs_manual_grade), comment name -> auto_comment, and the
    submission's timestamp, from the scratch gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, COURSE_ID) as gb:
        submission = gb.find_submission(assignment, student)
        grades, comments = {}, {}
        for notebook in submission.notebooks:
            grades |= {(notebook.name, g.name): (g.auto_score, g.needs_manual_grade) for g in notebook.grades}
            comments |= {(notebook.name, c.name): c.auto_comment for c in notebook.comments}
        return grades, comments, submission.timestamp


# ---------------------------------------------------------------------------
# The coordinator's side
# ---------------------------------------------------------------------------
def connect(address: str):
    """A Client of the scheduler at `address`, or GradingError (one line)."""
    import logging

    from distributed import Client

    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # our one line, not its retries
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise GradingError(f"cannot reach the Dask scheduler at {address}: {reason}") from None
    try:
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
    except (OSError, TimeoutError):
        client.close()
        raise GradingError(f"no worker joined the Dask scheduler at {address} within {WORKERS_SECONDS} s") from None
    return client


def check_workers(client, course: Course) -> str:
    """The coordinator's checkout digest, once every worker is known to have the same."""
    ours = checkout_digest(course.root)
    try:
        theirs = client.run(worker_digest)
    except Exception as error:  # a worker that cannot even import tools.cluster
        raise GradingError(
            f"a worker cannot run tools.cluster ({type(error).__name__}: {error}); start workers in the course "
            "checkout with PYTHONPATH=. (README, 'Grading on a cluster')"
        ) from None
    differ = sorted(address for address, digest in theirs.items() if digest != ours)
    if differ:
        raise GradingError(
            f"worker(s) {', '.join(differ)} have another checkout than this one (solutions/, tools/, helpers.py: "
            f"{theirs[differ[0]][:12]} there, {ours[:12]} here); update them"
        )
    return ours


def _task(course: Course, assignment: str, students: list[str], options: Options, digest: str) -> dict:
    """A batch of submissions of one assignment: their files (bytes), the options, the digest."""
    submissions = {}
    for student in students:
        folder = course.submission(student, assignment)
        submissions[student] = (
            {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
            if folder.is_dir()
            else {}
        )
    shipped = {k: v for k, v in vars(options).items() if k not in ("workers", "quiet")}
    return {"assignment": assignment, "submissions": submissions, "options": shipped, "digest": digest}


def batches(students: list[str], workers: int) -> list[list[str]]:
    """Students in batches of at most BATCH, and small enough that every worker gets two or more
    (one nbgrader process per batch: its start is amortised; a lost worker costs one batch)."""
    size = max(1, min(BATCH, math.ceil(len(students) / (2 * max(1, workers)))))
    return [students[k : k + size] for k in range(0, len(students), size)]


def autograde(
    course: Course, assignments: list[str], students: list[str], options: Options, scheduler: str
) -> list[Job]:
    """plan (a task per batch of submissions) -> run (on the cluster) -> account (here): see the docstring."""
    client = connect(scheduler)
    try:
        digest = check_workers(client, course)
        check_assignments(course, assignments)
        try:  # the real gradebook knows the assignments' cells: the scores are written into them
            release.sync(course.root, assignments, out=print if not options.quiet else lambda *_: None)
        except release.ReleaseError as error:
            raise GradingError(str(error)) from error
        account.import_roster(course)
        workers = len(client.scheduler_info()["workers"])
        futures = {}
        for assignment in assignments:
            for batch in batches(submitted(course, assignment, students), workers):
                key = f"grade-{assignment}-{batch[0]}-{len(batch)}-{uuid.uuid4().hex[:8]}"
                task = _task(course, assignment, batch, options, digest)
                futures[client.submit(grade_submission, task, key=key, pure=False)] = (assignment, batch)
        anomalies = Anomalies()
        done = _run(client, futures, course, options, anomalies)
        graded = {(s, a) for a in assignments for s in submitted(course, a, students)}
        anomalies.save(course.anomalies_file, graded)
        account.with_term(term.record, course, assignments)  # due dates and extensions, here (tools/term.py) ...
        account.with_term(term.apply_overrides, course, assignments)  # ... late penalties and overrides
        return done
    finally:
        client.close()


def _run(client, futures: dict, course: Course, options: Options, anomalies: Anomalies) -> list[Job]:
    """Collect the results as they come, each written once; give up on those still out after twice a
    submission's wall clock without any result."""
    from distributed.client import FutureCancelledError

    done: list[Job] = []
    pending = set(futures)
    stall = 2 * options.wall_seconds
    with progress_counter([Job(a, list(b)) for a, b in futures.values()], options.quiet) as graded:
        last = time.monotonic()
        while pending and time.monotonic() - last < stall:
            finished = {future for future in pending if future.done()}
            if not finished:
                time.sleep(0.2)
                continue
            pending -= finished
            last = time.monotonic()
            for future in finished:
                assignment, batch = futures[future]
                try:
                    answer = future.result()
                except (FutureCancelledError, Exception) as error:  # KilledWorker: it killed worker after worker
                    for student in batch:
                        anomalies.add(
                            student,
                            assignment,
                            "grading-failed",
                            f"no worker could grade it ({type(error).__name__}); scored 0",
                        )
                        account._zero(course, assignment, student)
                        done.append(Job(assignment, [student], failed=[student]))
                    continue
                if "error" in answer:
                    client.cancel(list(pending))
                    raise GradingError(answer["error"])
                _write_logs(course, answer)
                for result in answer["results"]:
                    done.append(write_result(course, result, anomalies, answer["worker"], answer["times"]))
                    graded(assignment, result["student"])
    for future in pending:
        assignment, batch = futures[future]
        future.cancel()
        for student in batch:
            anomalies.add(
                student,
                assignment,
                "grading-timeout",
                f"no result from the cluster within {stall:.0f} s; scored 0",
            )
            account._zero(course, assignment, student)
            done.append(Job(assignment, [student], timed_out=True))
    return done


def _write_logs(course: Course, answer: dict) -> None:
    course.logs.mkdir(parents=True, exist_ok=True)
    for name, text in answer["logs"].items():
        (course.logs / f"cluster-{name}").write_text(text)


def write_result(course: Course, result: dict, anomalies: Anomalies, worker: str, batch_times: dict) -> Job:
    """Write one submission's result here: autograded files, gradebook scores, anomalies."""
    assignment, student = result["assignment"], result["student"]
    times = dict(batch_times)
    folder = course.autograded / student / assignment
    shutil.rmtree(folder, ignore_errors=True)
    for name, data in result["files"].items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    times["received"] = time.time()  # gradebook writes: from here to "written"
    _set_gradebook(course, assignment, student, result["grades"], result["comments"], result["timestamp"])
    times["written"] = time.time()
    anomalies.items += [
        Anomaly(**a) for a in result["anomalies"] if (a["student"], a["assignment"]) == (student, assignment)
    ]
    seconds = (times["end"] - times["start"]) / times["batch"]
    return Job(assignment, [student], seconds=seconds, worker=worker, times=times)


def _set_gradebook(course: Course, assignment: str, student: str, grades: dict, comments: dict, timestamp) -> None:
    """The worker's scores and comments into this gradebook's submission (created if new)."""
    with account.gradebook_submission(course, assignment, student, timestamp=timestamp) as submission:
        for notebook in submission.notebooks:
            for g in notebook.grades:
                g.auto_score, g.needs_manual_grade = grades.get((notebook.name, g.name), (0, False))
            for c in notebook.comments:
                c.auto_comment = comments.get((notebook.name, c.name))


# ---------------------------------------------------------------------------
# A cluster on this machine (tests, bench)
# ---------------------------------------------------------------------------
MARK = "RNN_COURSE_LOOPBACK"  # in the environment of every process a Loopback starts


class Loopback:
    """A scheduler and `workers` one-thread `dask worker` processes (no nanny: a worker's PID is the
    worker) on 127.0.0.1, started from this checkout; `stop()` kills them by PID, and the grading
    processes they left (found by a mark in their environment)."""

    def __init__(self, workers: int = 2, logs: Path | None = None, env: dict[str, str] | None = None):
        import subprocess

        self._subprocess = subprocess
        self.mark = uuid.uuid4().hex
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        self.logs = logs or Path(tempfile.mkdtemp(prefix="loopback-"))
        self.env = Course(layout.ROOT).env() | {MARK: self.mark, "PYTHONPATH": str(layout.ROOT)} | (env or {})
        self.workers: list = []
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
        for _ in range(workers):
            self.add_worker()

    def _start(self, name: str, *args: str):
        with open(self.logs / f"{name}-{time.monotonic_ns()}.log", "w") as log:
            return self._subprocess.Popen(
                [str(layout.BIN / "dask"), name, *args],
                cwd=layout.ROOT,
                env=self.env,
                stdout=log,
                stderr=self._subprocess.STDOUT,
            )

    def add_worker(self):
        worker = self._start(
            "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--preload", "tools.cluster"
        )
        self.workers.append(worker)
        return worker

    def alive(self) -> list:
        return [w for w in self.workers if w.poll() is None]

    def wait_for_workers(self, n: int, seconds: float = 60) -> None:
        """Until exactly n workers are known to the scheduler (a killed or stopped one gone)."""
        from distributed import Client

        with Client(self.address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(n, timeout=seconds)
            deadline = time.monotonic() + seconds
            while len(client.scheduler_info()["workers"]) != n:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{len(client.scheduler_info()['workers'])} workers, not {n}")
                time.sleep(0.2)

    def stop(self) -> None:
        """Kill the scheduler, the workers and their grading processes; remove the workers' scratch courses."""
        import signal

        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        needle = f"{MARK}={self.mark}".encode()
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if needle in (proc / "environ").read_bytes().split(b"\0"):
                    os.kill(int(proc.name), signal.SIGKILL)
            except (OSError, ValueError):
                continue
        for worker in self.workers:
            for scratch in Path(tempfile.gettempdir()).glob(f"rnn-course-worker-*-{worker.pid}-*"):
                shutil.rmtree(scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
