"""Grading on a Dask cluster (tools/cluster.py), end to end on loopback: a scheduler and two
`dask worker` processes (one thread each, no nanny) started here on 127.0.0.1 and stopped by PID.

* the same class graded locally and on the cluster gives byte-identical grades.csv, each
  submission written once;
* a worker killed (SIGKILL) in the middle of a submission: the submission is graded by the other
  worker, once;
* a worker that hangs (SIGSTOP) in the middle of a submission: the scheduler drops it after its
  worker-ttl (10 s here) and the other worker grades the submission, once;
* every worker hanging: after twice a submission's wall clock without a result the coordinator stops
  waiting, and what is still out scores 0 with a grading-timeout anomaly;
* a worker with another checkout is refused; an unreachable scheduler is one line and exit 1.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.grading import cases, nbgrader_run
from tools import cluster, grade
from tools.sandbox import _children

pytestmark = pytest.mark.grading

A = "01_one_hot"  # the fastest assignment
WRONG = ("wrong_class_first_reshape",)
WORKER_TTL = "10s"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _make_class(course: Path) -> list[str]:
    reference = nbgrader_run.reference_answers(course, A)
    nbgrader_run.submit(course, "reference", A, reference)
    nbgrader_run.submit(course, "blank", A, None)
    for student in cases.students(A):
        if student.student_id in WRONG:
            answers = reference | {cell: impl.source for cell, impl in student.answers.items()}
            nbgrader_run.submit(course, student.student_id, A, answers)
    return grade.Course(course).students()


@pytest.fixture(scope="module")
def loopback(tmp_path_factory):
    """The cluster, and the class graded once locally (2 workers) and once on the cluster."""
    tmp = tmp_path_factory.mktemp("cluster")
    local = nbgrader_run.copy_course(tmp / "local")
    nbgrader_run.generate_release(local, [A])
    students = _make_class(local)
    remote = tmp / "remote"
    nbgrader_run.copy_course(remote)
    shutil.copytree(local / "course", remote / "course")
    _make_class(remote)
    lb = cluster.Loopback(2, logs=tmp, env={"DASK_DISTRIBUTED__SCHEDULER__WORKER_TTL": WORKER_TTL})
    try:
        lb.wait_for_workers(2)
        timings = {}
        start = time.perf_counter()
        grade.autograde(grade.Course(local), [A], students, workers=2, quiet=True)
        timings["local"] = time.perf_counter() - start
        grade.report(grade.Course(local))
        start = time.perf_counter()
        by_batch = cluster.batches
        cluster.batches = lambda names, workers: [names[:2], names[2:]]  # a batch of two, one of one
        try:
            jobs = grade.autograde(grade.Course(remote), [A], students, quiet=True, scheduler=lb.address)
        finally:
            cluster.batches = by_batch
        timings["cluster"] = time.perf_counter() - start
        print(f"\n{len(students)} submissions: local {timings['local']:.1f} s, cluster {timings['cluster']:.1f} s")
        yield lb, local, remote, students, jobs
    finally:
        lb.stop()


def _grades_csv(course: Path) -> bytes:
    grade.report(grade.Course(course))
    return (course / "autograder" / "report" / "grades.csv").read_bytes()


def _submissions(course: Path) -> list[str]:
    from nbgrader.api import Gradebook

    with Gradebook(grade.Course(course).db_url, grade.COURSE_ID) as gb:
        return sorted(s.student.id for s in gb.assignment_submissions(A))


def _assert_graded_once(local: Path, remote: Path, students: list[str], jobs) -> None:
    assert sorted(s for j in jobs for s in j.students) == sorted(students), "each submission exactly once"
    assert _submissions(remote) == sorted(students)
    anomalies = [a.line() for a in grade.Anomalies.load(grade.Course(remote).anomalies_file)]
    assert len(anomalies) == len(set(anomalies)), f"duplicate anomalies: {anomalies}"
    assert _grades_csv(remote) == _grades_csv(local)
    for student in students:
        assert nbgrader_run.cell_scores(remote, A, student) == nbgrader_run.cell_scores(local, A, student)


def test_cluster_grades_like_local(loopback):
    lb, local, remote, students, jobs = loopback
    assert {j.worker for j in jobs} and all(j.worker for j in jobs)
    _assert_graded_once(local, remote, students, jobs)
    reference = nbgrader_run.cell_scores(remote, A, "reference")
    assert all(score == top for score, top in reference.values())
    assert any(score < top for score, top in nbgrader_run.cell_scores(remote, A, WRONG[0]).values())
    kinds = {a.kind for a in grade.Anomalies.load(grade.Course(remote).anomalies_file)}
    assert kinds == {a.kind for a in grade.Anomalies.load(grade.Course(local).anomalies_file)}
    for student in students:
        assert (remote / "autograder" / "autograded" / student / A / f"{A}.ipynb").is_file()
    grade.feedback(grade.Course(remote), [A], students)
    html = (remote / "autograder" / "feedback" / "reference" / A / f"{A}.html").read_text()
    assert "BEGIN HIDDEN TESTS" not in html


def _regrade_while(lb: cluster.Loopback, remote: Path, students: list[str], fault, **options) -> tuple[list, int]:
    """Grade the class again on the cluster (with these autograde options); as soon as a worker has a
    grading process (mid-submission), apply `fault` to that worker. Returns the jobs and the faulted
    worker's PID."""
    result: dict = {}

    def run():
        try:
            result["jobs"] = grade.autograde(
                grade.Course(remote), [A], students, quiet=True, scheduler=lb.address, **options
            )
        except BaseException as error:  # noqa: BLE001 -- re-raised below, in the test's thread
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    victim = None
    deadline = time.monotonic() + 120
    while victim is None and thread.is_alive() and time.monotonic() < deadline:
        victim = next((w for w in lb.alive() if _children(w.pid)), None)
        time.sleep(0.1)
    if victim is None:
        thread.join(timeout=300)
        raise AssertionError(f"no worker was seen grading; the grading run ended with {result}")
    time.sleep(1.0)  # well inside the submission (its nbgrader process runs for several seconds)
    fault(victim)
    thread.join(timeout=300)
    assert not thread.is_alive(), "grading did not finish"
    if "error" in result:
        raise result["error"]
    return result["jobs"], victim.pid


def test_worker_killed_mid_submission(loopback):
    lb, local, remote, students, _ = loopback
    jobs, pid = _regrade_while(lb, remote, students, lambda worker: os.kill(worker.pid, signal.SIGKILL))
    assert not any(j.worker.endswith(f":{pid}") for j in jobs), "the killed worker cannot have delivered"
    _assert_graded_once(local, remote, students, jobs)
    lb.add_worker()
    lb.wait_for_workers(2)


def test_worker_hung_mid_submission(loopback):
    lb, local, remote, students, _ = loopback
    jobs, pid = _regrade_while(lb, remote, students, lambda worker: os.kill(worker.pid, signal.SIGSTOP))
    assert not any(j.worker.endswith(f":{pid}") for j in jobs), "the stopped worker cannot have delivered"
    _assert_graded_once(local, remote, students, jobs)
    _replace_stopped_workers(lb)


def _replace_stopped_workers(lb: cluster.Loopback) -> None:
    """Kill the workers a test stopped (SIGSTOP) and start as many fresh ones."""
    stopped = [w for w in lb.alive() if _state(w.pid) == "T"]
    for worker in stopped:
        worker.kill()
        worker.wait()
    for _ in stopped:
        lb.add_worker()
    lb.wait_for_workers(2)


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_no_result_at_all_scores_zero_after_the_stall_limit(loopback):
    """Every worker hangs mid-submission: once no result has come for twice a submission's wall clock
    (here 2 x 8 s), the coordinator stops waiting; every submission still out scores 0 with one
    grading-timeout anomaly, and is in the gradebook once."""
    lb, _, remote, students, _ = loopback

    def stop_every_worker(_victim):
        for worker in lb.alive():
            os.kill(worker.pid, signal.SIGSTOP)

    start = time.monotonic()
    try:
        jobs, _ = _regrade_while(lb, remote, students, stop_every_worker, wall_seconds=8)
    finally:
        _replace_stopped_workers(lb)
    assert time.monotonic() - start < 120
    assert sorted(s for j in jobs for s in j.students) == sorted(students) and all(j.timed_out for j in jobs)
    timeouts = [a for a in grade.Anomalies.load(grade.Course(remote).anomalies_file) if a.kind == "grading-timeout"]
    assert sorted(a.student for a in timeouts) == sorted(students), [a.line() for a in timeouts]
    assert all("no result from the cluster within 16 s" in a.detail for a in timeouts)
    assert _submissions(remote) == sorted(students)
    for student in students:
        assert all(score == 0 for score, _ in nbgrader_run.cell_scores(remote, A, student).values())


def test_other_checkout_is_refused(loopback, tmp_path):
    lb, *_ = loopback
    other = nbgrader_run.copy_course(tmp_path / "other")
    (other / "helpers.py").write_text((other / "helpers.py").read_text() + "\n# edited\n")
    with pytest.raises(grade.GradingError, match="another checkout than this one"):
        grade.autograde(grade.Course(other), [A], ["x"], quiet=True, scheduler=lb.address)


def test_unreachable_scheduler_is_one_line(tmp_path):
    course = nbgrader_run.copy_course(tmp_path / "c")
    (course / "autograder" / "submitted" / "alice" / A).mkdir(parents=True)  # something collected to grade
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    proc = subprocess.run(
        [sys.executable, "-m", "tools.grade", "autograde", "-a", A, "--scheduler", address, "--root", str(course)],
        cwd=nbgrader_run.ROOT,
        env=nbgrader_run.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [lines[0]] and lines[0].startswith(f"error: cannot reach the Dask scheduler at {address}")


def test_checkout_digest_sees_what_grades(tmp_path):
    course = nbgrader_run.copy_course(tmp_path / "c")
    before = cluster.checkout_digest(course)
    assert before == cluster.checkout_digest(nbgrader_run.ROOT)
    (course / "tools" / "__pycache__").mkdir(exist_ok=True)
    (course / "tools" / "__pycache__" / "x.pyc").write_bytes(b"noise")
    assert cluster.checkout_digest(course) == before
    notebook = nbgrader_run.notebook_path(course / "solutions", A)
    notebook.write_text(notebook.read_text().replace("one_hot", "one_hot ", 1))
    assert cluster.checkout_digest(course) != before


def test_batches_amortise_and_spread():
    names = [f"s{k:02d}" for k in range(40)]
    assert cluster.batches(names, 2) == [names[k : k + 8] for k in range(0, 40, 8)]  # at most BATCH
    assert [len(b) for b in cluster.batches(names[:6], 2)] == [2, 2, 2]  # every worker gets two or more
    assert cluster.batches(names[:3], 2) == [[n] for n in names[:3]]
    assert sum(cluster.batches(names[:7], 3), []) == names[:7]
