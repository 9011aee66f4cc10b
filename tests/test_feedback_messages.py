"""Every lost point teaches: a measurement of the messages students read in their feedback.

For every classic mistake of `tests/grading/students_<assignment>.py` (an implementation with a
non-empty `loses`), the assignment's solution notebook runs in this process with that
implementation in place of the reference answer, and every test cell the mistake must lose runs
again. The feedback shows the student the failing check's error, `ErrorName: message` (hidden test
code never: tools/feedback.py), so that error is what is measured. A lost cell is *teaching* when

1. it failed with an `AssertionError` (helpers.CheckFailed, the error of the check functions of
   helpers.py, is one): not a
   `NotImplementedError`, and not an exception from inside the student's code (a `RuntimeError`,
   an `IndexError`, ...) that no check turned into a message; and
2. its message (the text before the `Hint:` line) names both sides of the comparison:
   what was expected -- one of the words "expected", "should", "must" -- and what came back --
   the word "got" ("... should be X, got Y"; check_shape, check_equal and check_close say
   "expected X, got Y" themselves), or "but it"/"but they" followed by what the code does
   ("one_hot must be written without one_hot, but it calls it", helpers.check_no_builtin).

Per graded function: rate = teaching lost cells / all lost cells, which must be at least 95 %.
The messages must not quote hidden test code either (as tests/test_grading.py checks on the feedback
nbgrader renders): no line of a hidden block may appear in one.
`pytest -s` prints the table (and every message that does not teach). The hint (the `Hint:` line,
the likely mistake) is counted too, but not required: a message can teach without one.

One namespace per notebook: the read-only and answer cells before the last test cell run once
(as nbgrader runs them when grading: `NBGRADER_EXECUTION` set, so the demos stay short), then per
mistake only its answer cell and the cells it must lose run, and the reference answer is put back.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
import sys
from dataclasses import dataclass

import nbformat
import pytest
import torch

import helpers
from tests.grading import cases
from tests.grading.nbgrader_run import ROOT, in_notebook_folder, notebook_path, reference_answers
from tools import judge

THRESHOLD = 0.95
EXPECTED = re.compile(r"\b(expected|should|must)\b", re.IGNORECASE)
GOT = re.compile(r"\bgot\b|\bbut (it|they)\b", re.IGNORECASE)
ASSIGNMENTS = cases.assignments_with_students()


@dataclass(frozen=True)
class Lost:
    """One test cell lost by one mistake, and what the student reads about it."""

    function: str
    implementation: str
    cell: str
    error: str  # the exception's type name, or "" when the cell passed
    message: str  # the text before the Hint: line
    hint: str
    check: bool = False  # the exception is an AssertionError (a failed check)
    diagnosis: str | None = None  # the catalogue key the mistake declares (tests/grading/cases.Impl)
    undiagnosable: str | None = None

    @property
    def teaching(self) -> bool:
        return self.check and bool(EXPECTED.search(self.message) and GOT.search(self.message))

    @property
    def text(self) -> str:
        return self.message + (f"\nHint: {self.hint}" if self.hint else "")

    def line(self) -> str:
        first = self.message.splitlines()[0] if self.message else "(no message)"
        hint = f" | Hint: {self.hint}" if self.hint else ""
        return f"{self.function}/{self.implementation} -> {self.cell}: {self.error or 'PASSED'}: {first}{hint}"


def split_message(error: BaseException) -> tuple[str, str]:
    text = str(error)
    message, _, hint = text.partition("\nHint: ")
    return message.strip(), hint.strip().splitlines()[0] if hint.strip() else ""


def run_cell(source: str, name: str, namespace: dict) -> BaseException | None:
    """Execute one cell's source in namespace, quietly; return the exception it raised, if any."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            exec(compile(source, name, "exec"), namespace)
        except Exception as error:  # every error is a measured outcome
            return error
    return None


def assert_progress_table_agrees_with_the_grader(error: BaseException | None, cell_id: str, function: str):
    """The student's progress table (helpers._failure, in their kernel) and the grader (tools/judge.py) read
    one run of a test cell the same way: passed exactly when it raised nothing."""
    cell = nbformat.v4.new_code_cell(metadata={"nbgrader": {"grade": True, "grade_id": cell_id, "points": 1}})
    if error is not None:
        cell.outputs = [nbformat.v4.new_output("error", ename=type(error).__name__, evalue=str(error), traceback=[])]
    graded = judge.verdict(cell).outcome == "passed"
    shown = error is None or helpers._failure(error, cell_id, function) is None
    assert graded == shown, f"{cell_id}: the grader says {graded}, the progress table {shown} ({error!r})"


def hidden_lines(assignment: str) -> list[str]:
    """The lines of the notebook's hidden test blocks that tests/test_grading.py looks for in the feedback."""
    path = notebook_path(ROOT / "solutions", assignment)
    return [
        line.strip()
        for cell in nbformat.read(path, as_version=4).cells
        if "### BEGIN HIDDEN TESTS" in cell.source
        for line in cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].splitlines()
        if len(line.strip()) > 25
    ]


def measure(assignment: str) -> list[Lost]:
    """Run every classic mistake of one assignment in-process; one Lost per cell it must lose."""
    path = notebook_path(ROOT / "solutions", assignment)
    cells = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    grade_ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in cells]
    is_test = [bool(cell.metadata.get("nbgrader", {}).get("grade")) for cell in cells]
    last_test = max(i for i, test in enumerate(is_test) if test)
    references = reference_answers(ROOT, assignment)
    tests = {grade_ids[i]: cells[i].source for i in range(len(cells)) if is_test[i]}

    namespace: dict = {"__name__": "__main__"}
    for i, cell in enumerate(cells[:last_test]):
        if is_test[i]:
            continue
        source = references.get(grade_ids[i], cell.source)
        error = run_cell(source, f"{assignment}:{cell.id}", namespace)
        if error is not None:
            raise RuntimeError(f"{assignment}: cell {cell.id} failed while setting up: {error!r}")

    results = []
    for function, implementations in cases.load_cases(assignment).IMPLEMENTATIONS.items():
        for name, impl in implementations.items():
            if not impl.loses:
                continue
            error = run_cell(impl.source, f"{assignment}:{function}:{name}", namespace)
            if error is not None:
                raise RuntimeError(f"{assignment}: the answer {function}/{name} does not even run: {error!r}")
            for cell_id in [grade_id for grade_id in tests if grade_id in impl.loses]:
                error = run_cell(tests[cell_id], f"{assignment}:{cell_id}", namespace)
                assert_progress_table_agrees_with_the_grader(error, cell_id, function)
                message, hint = split_message(error) if error is not None else ("", "")
                kind = type(error).__name__ if error else ""
                check = isinstance(error, AssertionError)
                results.append(
                    Lost(function, name, cell_id, kind, message, hint, check, impl.diagnosis, impl.undiagnosable)
                )
            run_cell(references[function], f"{assignment}:{function}", namespace)  # the reference, back
    CATALOGUES[assignment] = namespace.get("MISTAKES", {})
    return results


#: assignment -> its notebook's catalogue of classic mistakes, ``{function: {key: helpers.Mistake}}``
CATALOGUES: dict[str, dict] = {}
#: assignment -> what `measure` found: both tests below read one run
MEASURED: dict[str, list[Lost]] = {}


def measured(assignment: str) -> list[Lost]:
    if assignment not in MEASURED:
        with in_notebook_folder(notebook_path(ROOT / "solutions", assignment).parent):
            MEASURED[assignment] = measure(assignment)
    return MEASURED[assignment]


@pytest.fixture
def notebook_process(monkeypatch):
    """What the notebook may change in this process is put back afterwards."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    threads, python_state, torch_state = torch.get_num_threads(), random.getstate(), torch.get_rng_state()
    yield monkeypatch
    torch.set_num_threads(threads)
    random.setstate(python_state)
    torch.set_rng_state(torch_state)
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def table(results: list[Lost]) -> tuple[str, dict[str, float]]:
    rows, rates = [], {}
    for function in dict.fromkeys(lost.function for lost in results):
        mine = [lost for lost in results if lost.function == function]
        teaching = sum(lost.teaching for lost in mine)
        hints = sum(bool(lost.hint) for lost in mine if lost.teaching)
        rates[function] = teaching / len(mine)
        rate = f"{rates[function]:7.1%}"
        rows.append(f"  {function:<26} {teaching:>3} / {len(mine):<3} {rate}   hint: {hints}/{teaching}")
    header = f"  {'function':<26} teaching / lost   rate   (teaching messages with a hint)"
    return "\n".join([header, *rows]), rates


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_lost_cell_says_what_was_expected_and_what_came_back(assignment, notebook_process):
    results = measured(assignment)
    text, rates = table(results)
    print(f"\n{assignment}: the messages of the cells lost by its classic mistakes\n{text}")
    for lost in results:
        if not lost.teaching:
            print(f"    does not teach: {lost.line()}")
    quoted = [(line, lost.line()) for lost in results for line in hidden_lines(assignment) if line in lost.text]
    assert not quoted, f"messages that quote hidden test code (reword one or the other): {quoted[:3]}"
    passed = [lost.line() for lost in results if not lost.error]
    assert not passed, "mistakes that pass a cell they must lose (in-process):\n" + "\n".join(passed)
    low = {function: f"{rate:.1%}" for function, rate in rates.items() if rate < THRESHOLD}
    assert not low, f"{assignment}: functions whose lost cells teach less than {THRESHOLD:.0%} of the time: {low}"


def diagnoses(assignment: str) -> tuple[list[str], list[str], int, int]:
    """(wrong diagnoses, misleading messages, mistakes named by their first message, mistakes that declare
    a diagnosis) of one assignment's classic mistakes: see the test below."""
    results, catalogue = measured(assignment), CATALOGUES[assignment]
    says = {
        (function, key): mistake.says for function, entries in catalogue.items() for key, mistake in entries.items()
    }
    wrong, misleading, named, declared = [], [], 0, 0
    for function, implementations in cases.load_cases(assignment).IMPLEMENTATIONS.items():
        for name, impl in implementations.items():
            if not impl.loses:
                continue
            mine = [lost for lost in results if (lost.function, lost.implementation) == (function, name)]
            if impl.diagnosis is None:
                if not impl.undiagnosable:
                    wrong.append(f"{function}/{name}: declares neither a diagnosis nor why the tests cannot make one")
            elif (function, impl.diagnosis) not in says:
                wrong.append(f"{function}/{name}: {impl.diagnosis!r} is not in the notebook's MISTAKES[{function!r}]")
            else:
                declared += 1
                first = next((lost for lost in mine if lost.error), None)
                if first is not None and says[function, impl.diagnosis] in first.text:
                    named += 1
                else:
                    wrong.append(
                        f"{function}/{name}: first message does not name {impl.diagnosis!r}: "
                        f"{first.line() if first else '(no failure)'}"
                    )
            for lost in mine:
                others = [key for (f, key), text in says.items() if text in lost.text and key != impl.diagnosis]
                if others:
                    misleading.append(f"{lost.line()}  [names {others}]")
    return wrong, misleading, named, declared


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_first_message_names_the_students_mistake(assignment, notebook_process):
    """Every classic mistake declares the diagnosis it must get (tests/grading/cases.Impl): the first message
    of its function names exactly that mistake (its catalogue entry's ``says``), and no message it gets names
    another known mistake. A mistake the tests' inputs cannot tell from another says why instead."""
    wrong, misleading, named, declared = diagnoses(assignment)
    undiagnosable = [
        f"{function}/{name}: {impl.undiagnosable}"
        for function, implementations in cases.load_cases(assignment).IMPLEMENTATIONS.items()
        for name, impl in implementations.items()
        if impl.loses and impl.diagnosis is None and impl.undiagnosable
    ]
    print(
        f"\n{assignment}: {named} of {declared} declared diagnoses named by the first message; "
        f"{len(misleading)} misleading messages; not diagnosable: {len(undiagnosable)}"
    )
    for line in undiagnosable:
        print(f"    not diagnosable: {line}")
    assert not wrong, "\n".join(wrong)
    assert not misleading, "messages naming another mistake:\n" + "\n".join(misleading)
