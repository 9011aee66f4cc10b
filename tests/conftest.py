"""Shared fixtures: a throw-away copy of the course with its release generated
by nbgrader (used by the release-sync test and the grading tests).

`pytest --assignments 02_recurrence,03_samplers` limits the release and grading
tests to some assignments (a quick loop while writing one).
"""

from __future__ import annotations

import shutil

import pytest

from tests.grading import nbgrader_run


def pytest_addoption(parser):
    parser.addoption(
        "--assignments",
        default="",
        help="comma-separated assignments for the release and grading tests (default: all)",
    )


def pytest_sessionstart(session):
    """The browser tests' old screenshots (tests/browser/conftest.py) go once per run, in the
    controller: the xdist workers share the folder."""
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(nbgrader_run.ROOT / ".test-artifacts" / "browser", ignore_errors=True)


def pytest_configure(config):
    chosen = [a for a in config.getoption("--assignments").split(",") if a]
    nbgrader_run.select(chosen)


@pytest.fixture(scope="session")
def generated_course(tmp_path_factory):
    """A copy of config, helpers, data and solutions with course/ generated
    from scratch by `nbgrader generate_assignment`."""
    course = nbgrader_run.copy_course(tmp_path_factory.mktemp("course"))
    nbgrader_run.generate_release(course, nbgrader_run.assignments())
    return course
