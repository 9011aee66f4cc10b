"""pytest's options for the whole repository (tests/ and, through nbval, solutions/).

`pytest --assignments 02_recurrence,03_samplers` limits the release, grading and browser tests and the
solution notebooks that nbval runs to some assignments (a quick loop while writing one).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def pytest_addoption(parser):
    parser.addoption(
        "--assignments",
        default="",
        help="comma-separated assignments for the release, grading, browser and notebook tests (default: all)",
    )


def pytest_configure(config):
    from tests.grading import nbgrader_run

    nbgrader_run.select([a for a in config.getoption("--assignments").split(",") if a])


def pytest_ignore_collect(collection_path, config):
    """Leave out the solution notebooks of assignments not chosen with --assignments."""
    chosen = [a for a in config.getoption("--assignments").split(",") if a]
    path = Path(collection_path).resolve()  # .venv may be a symlink out of the checkout
    relative = path.relative_to(ROOT) if path.is_relative_to(ROOT) else None
    if chosen and relative is not None and len(relative.parts) >= 2 and relative.parts[0] == "solutions":
        return relative.parts[1] not in chosen
    return None
