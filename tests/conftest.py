"""Shared fixtures: a throw-away copy of the course with its release generated
by nbgrader (used by the release-sync test and the grading tests). The
`--assignments` option is the repository's conftest.py's."""

from __future__ import annotations

import shutil

import pytest
from filelock import FileLock

from tests.grading import nbgrader_run
from tools import release
from tools.layout import Course


def pytest_sessionstart(session):
    """The browser tests' old screenshots (tests/browser/conftest.py) go once per run, in the
    controller: the xdist workers share the folder."""
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(nbgrader_run.ROOT / ".test-artifacts" / "browser", ignore_errors=True)


@pytest.fixture(scope="session")
def released_course(tmp_path_factory, worker_id):
    """A copy of config, helpers, data and solutions with course/ generated from scratch by
    `nbgrader generate_assignment`, never written to: copy it (generated_course, or
    nbgrader_run.copy_released for a grading test's own class).

    The Chinese editions of nbgrader_run.ZH_RELEASED are generated beside course/ (course-zh/, as
    `tools.release` writes them, the gradebook left alone): the grading tests hand in both editions.

    The grading releases are synced too (`tools.release sync`, what `make grade` does first), so the
    grading tests' autograde finds them current instead of generating each assignment again.

    Generated once per run: under xdist, the first worker to ask generates it in the run's shared
    temporary folder (under a file lock; 14 nbgrader runs, about 25 s of a CPU), which every worker reads."""
    if worker_id == "master":  # no xdist
        return _generate_course(tmp_path_factory.mktemp("generated-course"))
    shared = tmp_path_factory.getbasetemp().parent / "generated-course"
    with FileLock(f"{shared}.lock"):
        if not (shared / ".generated").exists():
            shutil.rmtree(shared, ignore_errors=True)
            _generate_course(shared)
            (shared / ".generated").touch()
    return shared


@pytest.fixture(scope="session")
def generated_course(released_course, tmp_path_factory):
    """The worker's own copy of released_course (test_grading's runs write into it)."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(released_course, course, symlinks=True, dirs_exist_ok=True)
    return course


@pytest.fixture(scope="session")
def class_01(released_course, tmp_path_factory):
    """01's one grading run for two test files (one group of the xdist scheduler: conftest.py's group()): the
    hostile class of tests/test_grading_hostile.py and the two editions' students of
    tests/test_grading_editions.py, graded by tools.grade (checks, autograde), the latter's feedback written,
    the report. One run instead of two saves a run's own cost (its checks, two nbgrader processes, the
    report). Returns (course, seconds)."""
    import time

    from tests import test_grading_editions as editions
    from tests import test_grading_hostile as hostile
    from tools import grade

    course = nbgrader_run.copy_released(released_course, tmp_path_factory.mktemp("class-01"), [hostile.A])
    students = hostile.hand_in(course)
    if hostile.A in nbgrader_run.zh_released():
        editions.hand_in(course)
        students += editions.everyone()
    start = time.perf_counter()
    c = grade.Course(course)
    grade.autograde(c, [hostile.A], students, workers=2, quiet=True)
    if hostile.A in nbgrader_run.zh_released():
        grade.feedback(c, [hostile.A], editions.everyone())
    grade.report(c)
    seconds = time.perf_counter() - start
    print(f"\n{hostile.A}: graded {len(students)} submissions (hostile, two editions) in {seconds:.1f} s")
    return course, seconds


def _generate_course(course):
    nbgrader_run.copy_course(course)
    nbgrader_run.generate_release(course, nbgrader_run.assignments())
    release.sync(course, nbgrader_run.assignments(), out=lambda *_: None)
    scratch = f"sqlite:///{course.parent / (course.name + '-editions.db')}"  # not the course's gradebook
    for assignment in nbgrader_run.zh_released():
        release.generate(course, assignment, Course(course).edition_release("zh"), scratch, "zh")
    return course
