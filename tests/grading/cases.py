"""The vocabulary of the grading tests: implementations and synthetic students.

Each assignment has a module ``tests/grading/students_<assignment>.py`` with

* ``IMPLEMENTATIONS``: ``{answer cell grade_id: {name: Impl}}`` -- for every
  graded function, correct alternatives (``loses`` empty: full marks) and
  classic mistakes (``loses``: the test cells that must score zero);
* ``STUDENTS``: ``{student id: {answer cell grade_id: implementation name}}``.
  A student carries at most one implementation per answer cell; answer cells
  it does not mention get the reference solution. One student can carry a
  different mistake in each answer cell when the tests of one function do not
  call the other, which keeps the number of notebook executions small.

The expected verdict of a student is derived: a test cell scores zero if one
of the student's implementations lists it in ``loses``, full marks otherwise.
"""

from __future__ import annotations

import importlib
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

GRADING_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Impl:
    """One implementation of an answer cell (the cell's whole source).

    A classic mistake declares what the tests must tell the student: ``diagnosis`` is the key of
    its entry in the notebook's catalogue of mistakes (``MISTAKES[function][key]``, a read-only
    cell), whose ``says`` the first failing message of the function must name; or, when the
    tests' inputs cannot tell it from another mistake, ``undiagnosable`` says why.
    """

    source: str
    loses: frozenset[str] = field(default_factory=frozenset)
    diagnosis: str | None = None
    undiagnosable: str | None = None

    def __init__(
        self,
        source: str,
        loses: set[str] | frozenset[str] = frozenset(),
        diagnosis: str | None = None,
        undiagnosable: str | None = None,
    ):
        object.__setattr__(self, "source", textwrap.dedent(source).strip() + "\n")
        object.__setattr__(self, "loses", frozenset(loses))
        object.__setattr__(self, "diagnosis", diagnosis)
        object.__setattr__(self, "undiagnosable", undiagnosable)

    @property
    def correct(self) -> bool:
        return not self.loses


@dataclass(frozen=True)
class Student:
    student_id: str
    assignment: str
    answers: dict[str, Impl]  # answer cell grade_id -> implementation
    choices: dict[str, str]  # answer cell grade_id -> implementation name

    @property
    def expected_lost(self) -> frozenset[str]:
        lost: set[str] = set()
        for impl in self.answers.values():
            lost |= impl.loses
        return frozenset(lost)


def assignments_with_students() -> list[str]:
    from tests.grading.nbgrader_run import assignments

    return sorted(set(assignments()) & {p.stem.removeprefix("students_") for p in GRADING_DIR.glob("students_*.py")})


def load_cases(assignment: str):
    return importlib.import_module(f"tests.grading.students_{assignment}")


def students(assignment: str) -> list[Student]:
    cases = load_cases(assignment)
    result = []
    for student_id, choices in cases.STUDENTS.items():
        answers = {cell: cases.IMPLEMENTATIONS[cell][name] for cell, name in choices.items()}
        result.append(Student(student_id, assignment, answers, dict(choices)))
    return result
