"""Free-text questions (tools/freetext.py): the rubric is on Formgrader's grading page and nowhere else, and
the state of an answer (unanswered, to grade, graded) is read from the gradebook as nbgrader leaves it.

The release side (no rubric in course/, a zip, or a release the guard lets out) is tests/test_release.py's;
grading, the report and the export are tests/test_term_grading.py's; an instructor grading in Formgrader is
tests/browser/test_formgrader.py's."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import nbformat
import pytest

from tests.grading.nbgrader_run import ROOT, freetext_cells
from tools import freetext

A = "01_one_hot"


@pytest.fixture(scope="module")
def config():
    """The configuration nbgrader_config.py gives every nbgrader process (Formgrader's included)."""
    import os

    from nbgrader.apps.baseapp import NbGrader

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        app = NbGrader()
        app.load_config_file()
        return app.config
    finally:
        os.chdir(cwd)


def answered():
    """The release of 01_one_hot with its free-text question answered, as autograde leaves it."""
    nb = nbformat.read(ROOT / "course" / A / f"{A}.ipynb", as_version=4)
    for cell in freetext_cells(nb).values():
        cell.source = "The product multiplies mostly zeros; indexing the row gives the same result."
    return nb


def test_formgraders_page_shows_the_rubric_under_each_answer(config):
    from nbconvert.exporters import HTMLExporter

    exporter = HTMLExporter(config=config)  # as Formgrader makes it (with its own template)
    resources = {"assignment_id": A, "notebook_id": A, "submission_id": "abc", "student": "ada"}
    nb = exporter.from_notebook_node(answered(), resources=copy.deepcopy(resources))[0]
    assert "Rubric for graders" in nb and "Partial (half):" in nb and "Zero:" in nb
    answer = nb.index("indexing the row gives the same result")
    assert answer < nb.index("Rubric for graders"), "the rubric comes under the answer"


def test_no_other_page_shows_the_rubric(config):
    """The feedback exporter runs without the preprocessor, and an HTMLExporter that does not render a
    Formgrader submission (no submission in its resources: feedback, nbconvert) adds nothing."""
    from nbconvert.exporters import HTMLExporter

    from tools.feedback import FeedbackExporter

    feedback = FeedbackExporter(config=config)
    assert not [p for p in feedback._preprocessors if isinstance(p, freetext.RubricForGraders)]
    assert [p for p in HTMLExporter(config=config)._preprocessors if isinstance(p, freetext.RubricForGraders)]
    other = {"assignment_id": A, "nbgrader": {"assignment": A, "student": "ada"}}  # no submission of Formgrader's
    page = HTMLExporter(config=config).from_notebook_node(answered(), resources=other)[0]
    assert "Rubric for graders" not in page and "Partial (half):" not in page


@pytest.mark.parametrize(
    "auto,manual,needs,expected",
    [
        (0.0, None, False, freetext.UNANSWERED),  # left as released: nbgrader's 0, nothing to grade
        (None, None, True, freetext.TO_GRADE),  # answered: no automatic score
        (None, 1.5, False, freetext.GRADED),  # graded in Formgrader
        (None, 1.5, True, freetext.GRADED),  # ... then re-graded: nbgrader flags it again, the score holds
        (0.0, 2.0, False, freetext.GRADED),  # unanswered, and a grader gave points anyway
    ],
)
def test_the_state_of_an_answer(auto, manual, needs, expected):
    grade = SimpleNamespace(cell_type="markdown", auto_score=auto, manual_score=manual, needs_manual_grade=needs)
    assert freetext.state(grade) == expected
    assert freetext.state(SimpleNamespace(cell_type="code", auto_score=1.0, manual_score=None)) is None
