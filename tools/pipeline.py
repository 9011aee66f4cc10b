"""The vocabulary of grading, shared by its stages (tools/grade.py reads them in order):

    prepare -> checks -> run (tools/run.py here, tools/cluster.py on a Dask cluster) -> judge (tools/judge.py)
    -> account (tools/account.py) -> report (tools/report.py)

`Options` (the limits a submission is graded under) is passed whole from stage to stage; a `Job` is one
nbgrader process's share of the submissions; an `Anomaly` is one line of the report about one submission.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tools import nbgrader_patches
from tools.layout import Course

# The grading tools open the gradebook in this process as nbgrader's commands do (nbgrader_config.py): a new
# gradebook is stamped without an `alembic` subprocess, test cells are scored by tools/judge.py.
nbgrader_patches.install()


class GradingError(RuntimeError):
    """An instructor's mistake or a missing piece: reported as one line, exit status 1."""


def check_assignments(course: Course, names: list[str]) -> None:
    """Raise GradingError naming any of `names` that solutions/ does not have."""
    unknown = sorted(set(names) - set(course.assignments()))
    if unknown:
        known = ", ".join(course.assignments())
        raise GradingError(f"no assignment {', '.join(unknown)} in solutions/ (there are {known})")


def progress(iterable, desc: str, total: int, disable: bool = False):
    """A progress bar on the instructor's terminal."""
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, disable=disable)


@contextlib.contextmanager
def progress_counter(jobs: list[Job], quiet: bool):
    """A progress bar over the submissions of `jobs`; yields its callback (assignment, student) -> None."""
    total = sum(len(j.students) for j in jobs)
    bar = progress(range(total), desc="autograde", total=total, disable=quiet or total == 0)
    try:
        yield lambda assignment, student: bar.update(1)
    finally:
        bar.close()


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


TAMPERING = "possible-tampering"
#: A cell the checker could not judge, twice (tools/run.py retries once): the machine failed, not the student;
#: tools/export.py exports no score for the submission until it is graded again or overridden.
CHECKER_FAILED = "checker-failed"
