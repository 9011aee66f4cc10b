"""Shared fixtures: a throw-away copy of the course with its release generated
by nbgrader (used by the release-sync test and the grading tests). The
`--assignments` option is the repository's conftest.py's."""

from __future__ import annotations

import shutil

import pytest

from tests.grading import nbgrader_run


def pytest_sessionstart(session):
    """The browser tests' old screenshots (tests/browser/conftest.py) go once per run, in the
    controller: the xdist workers share the folder."""
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(nbgrader_run.ROOT / ".test-artifacts" / "browser", ignore_errors=True)


@pytest.fixture(scope="session")
def generated_course(tmp_path_factory):
    """A copy of config, helpers, data and solutions with course/ generated
    from scratch by `nbgrader generate_assignment`."""
    course = nbgrader_run.copy_course(tmp_path_factory.mktemp("course"))
    nbgrader_run.generate_release(course, nbgrader_run.assignments())
    return course
