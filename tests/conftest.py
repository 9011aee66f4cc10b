"""Shared fixtures: a throw-away copy of the course with its release generated
by nbgrader (used by the release-sync test and the grading tests). The
`--assignments` option is the repository's conftest.py's."""

from __future__ import annotations

import shutil

import pytest
from filelock import FileLock

from tests.grading import nbgrader_run
from tools import release


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


def _generate_course(course):
    nbgrader_run.copy_course(course)
    nbgrader_run.generate_release(course, nbgrader_run.assignments())
    release.sync(course, nbgrader_run.assignments(), out=lambda *_: None)
    return course
