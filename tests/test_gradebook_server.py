"""The gradebook on a PostgreSQL server (tools/gradebook.py, RNN_COURSE_DB_URL), for real: a server from
Debian's packages is started for these tests (tests/grading/postgres.py) and stopped afterwards.

* the synthetic class of 01_one_hot is graded end to end with the gradebook on the server: every cell
  scores as tests/grading/students_01_one_hot.py says;
* two graders and a Formgrader-like session write at once: no grade is lost;
* a gradebook copied SQLite -> PostgreSQL -> SQLite holds exactly the same rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import nbformat
import pytest

from tests.browser.conftest import in_ci
from tests.grading import cases, nbgrader_run, postgres
from tools import grade, gradebook
from tools.layout import DB_URL_VARIABLE, Course

pytestmark = pytest.mark.grading

A = "01_one_hot"


@pytest.fixture(scope="module")
def server():
    if postgres.binaries() is None:
        message = "PostgreSQL's server is not installed: `make postgres` (Debian package postgresql)"
        if in_ci():
            pytest.fail(f"{message} [CI=true: these tests must run]", pytrace=False)
        pytest.skip(message)
    running = postgres.Server().start()
    yield running
    running.stop()


@pytest.fixture
def on_server(server, monkeypatch, request):
    """A database of its own for one test, set as the course's gradebook."""
    url = server.create_database(request.node.name.replace("[", "_").replace("]", "").lower()[:60])
    monkeypatch.setenv(DB_URL_VARIABLE, url)
    return url


def expected(course, student) -> dict[str, tuple[float, float]]:
    nb = nbformat.read(Course(course).source_notebook(A), as_version=4)
    points = nbgrader_run.autograded_cells(nb)
    lost = set(points) if student == "blank" else set()
    for synthetic in cases.students(A):
        if synthetic.student_id == student:
            lost = synthetic.expected_lost
    return {cell: (0.0 if cell in lost else pts, pts) for cell, pts in points.items()}


def class_of_01(tmp_path, size: int | None = None):
    """The synthetic class of 01_one_hot (its first `size` students), submitted in a copy of the course."""
    course = nbgrader_run.copy_course(tmp_path / "course")
    nbgrader_run.generate_release(course, [A])
    reference = nbgrader_run.reference_answers(course, A)
    nbgrader_run.submit(course, "reference", A, reference)
    nbgrader_run.submit(course, "blank", A, None)
    for student in cases.students(A)[:size]:
        nbgrader_run.submit(
            course, student.student_id, A, reference | {c: i.source for c, i in student.answers.items()}
        )
    return course


def test_a_class_is_graded_with_the_gradebook_on_the_server(on_server, tmp_path):
    course = class_of_01(tmp_path)
    c = Course(course)
    assert c.db_url == on_server
    grade.autograde(c, [A], c.students(), workers=2, quiet=True)
    wrong = {
        student: nbgrader_run.cell_scores(course, A, student)
        for student in c.students()
        if nbgrader_run.cell_scores(course, A, student) != expected(course, student)
    }
    assert not wrong, f"unexpected scores: {wrong}"
    assert not (course / "autograder" / "gradebook.db").exists(), "nothing went to the SQLite file"


def test_two_graders_and_a_formgrader_session_lose_no_grade(on_server, tmp_path):
    """Two `tools.grade autograde` processes grade disjoint halves of the class at the same time, while
    a third writer does what Formgrader does (manual scores and comments on the reference)."""
    from nbgrader.api import Gradebook

    course = class_of_01(tmp_path, size=4)
    c = Course(course)
    students = c.students()
    grade.autograde(c, [A], ["reference"], workers=1, quiet=True)  # the gradebook knows the assignment
    others = [s for s in students if s != "reference"]
    halves = [others[0::2], others[1::2]]
    env = os.environ | {"PATH": f"{nbgrader_run.BIN}{os.pathsep}{os.environ['PATH']}"}
    graders = [
        subprocess.Popen(
            [sys.executable, "-m", "tools.grade", "autograde", "-a", A, "--workers", "1", "--root", str(course)]
            + [arg for s in half for arg in ("-s", s)],
            cwd=course,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for half in halves
    ]
    written = []

    def formgrader():
        with Gradebook(on_server, grade.COURSE_ID) as gb:
            for round_ in range(20):
                for cell in ("test_one_hot_shape", "test_one_hot_dtype"):
                    g = gb.find_grade(cell, A, A, "reference")
                    g.manual_score = round_ % 2
                    comment = gb.find_comment("one_hot", A, A, "reference")
                    comment.manual_comment = f"round {round_}"
                    gb.db.commit()
                written.append(round_)

    session = threading.Thread(target=formgrader)
    session.start()
    errors = [proc.communicate(timeout=900)[1] for proc in graders]
    session.join(timeout=120)
    assert all(proc.returncode == 0 for proc in graders), errors
    assert written == list(range(20))
    for student in others:
        assert nbgrader_run.cell_scores(course, A, student) == expected(course, student), student
    with Gradebook(on_server, grade.COURSE_ID) as gb:
        assert gb.find_grade("test_one_hot_shape", A, A, "reference").manual_score == 1
        assert gb.find_comment("one_hot", A, A, "reference").manual_comment == "round 19"


def test_a_gradebook_moves_to_the_server_and_back_without_losing_anything(server, tmp_path, monkeypatch):
    monkeypatch.delenv(DB_URL_VARIABLE, raising=False)
    course = class_of_01(tmp_path, size=0)
    c = Course(course)
    grade.autograde(c, [A], ["reference", "blank"], workers=2, quiet=True)
    local = c.db_url
    assert local.startswith("sqlite:///")
    remote = server.create_database("moved")
    back = f"sqlite:///{tmp_path / 'back.db'}"
    for source, target in ((local, remote), (remote, back)):
        proc = subprocess.run(
            [sys.executable, "-m", "tools.gradebook", "copy", source, target],
            cwd=nbgrader_run.ROOT,
            env=os.environ | {"PATH": f"{nbgrader_run.BIN}{os.pathsep}{os.environ['PATH']}"},
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
        assert "the copy holds the same rows" in proc.stdout
    assert gradebook.differences(local, back) == []
    assert sum(len(rows) for rows in gradebook.rows(back).values()) > 50
    refused = subprocess.run(
        [sys.executable, "-m", "tools.gradebook", "copy", local, remote],
        cwd=nbgrader_run.ROOT,
        env=os.environ | {"PATH": f"{nbgrader_run.BIN}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and "already holds a gradebook" in refused.stderr
