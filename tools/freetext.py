"""Free-text questions: answers of a few sentences, graded by hand in Formgrader, with a rubric for graders.

A question is two cells of a notebook in solutions/: a read-only prompt, then a *free-text answer cell*
(tools/layout.py's `is_freetext_cell`: markdown, nbgrader `solution` and `grade`, with points, grade id
`explain_<topic>`). In solutions/ the answer cell holds the model answer and the **rubric** (what a full,
a partial and a zero answer says) between `### BEGIN SOLUTION` and `### END SOLUTION`.

* **Releases never carry it.** nbgrader's ClearSolutions replaces that region with "YOUR ANSWER HERE" in
  every release it generates; the release guard of tools/release.py refuses, whatever schedule.toml says,
  a release folder holding any line of any rubric (`leaked`), so a hand-made zip or folder cannot slip one
  through either.
* **Graders see it in Formgrader.** Formgrader's grading page shows the student's autograded notebook,
  which has no rubric (it is the released cell, answered). `RubricForGraders`, a preprocessor of the
  HTMLExporter that renders that page (nbgrader_config.py), puts the rubric of solutions/ under each
  free-text answer there, and nowhere else: the feedback exporter runs without it, and it acts only on
  a page that Formgrader asks for (its resources name a submission).
* **The autograder never scores them.** An answer left as released scores 0 with no grader needed
  (nbgrader compares the cell with its checksum): `UNANSWERED`. Any other answer has no automatic score
  and waits for a grader (nbgrader's needs_manual_grade): `TO_GRADE`, until a score is entered in
  Formgrader: `GRADED` (a later `make grade` keeps that score).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from tools import gradebook
from tools.layout import ROOT, Course, grade_id, is_freetext_cell, nbgrader

SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\n(.*?)^[ \t]*### END SOLUTION", re.M | re.S)
MIN_LINE = 25  # a rubric line shorter than this ("**Rubric.**") is too common to tell a leak
UNANSWERED, TO_GRADE, GRADED = "unanswered", "to grade", "graded"
#: What a release shows in an answer cell, per edition (nbgrader's ClearSolutions.text_stub; English: its default)
STUB = {"en": "YOUR ANSWER HERE", "zh": "在此写下你的答案"}
#: ... and in a code answer cell, after its `def` line and docstring (ClearSolutions.code_stub's "python"; English:
#: nbgrader's default). The `raise` is the same code in every edition: "not attempted" is found by it.
CODE_STUB = {
    "en": "# YOUR CODE HERE\nraise NotImplementedError()",
    "zh": "# 在此写下你的代码\nraise NotImplementedError()",
}


def rubric(cell) -> str:
    """The model answer and rubric of a free-text answer cell of solutions/ ("" when it has none)."""
    return "\n".join(m.group(1).strip() for m in SOLUTION.finditer(cell.source))


def questions(nb) -> dict[str, tuple[float, str]]:
    """grade id -> (points, rubric) of every free-text answer cell of a notebook, in order."""
    return {grade_id(c): (float(nbgrader(c).get("points", 0)), rubric(c)) for c in nb.cells if is_freetext_cell(c)}


def rubric_lines(root: Path = ROOT) -> dict[str, str]:
    """Every line of every rubric of solutions/, in every edition (the translations a cell keeps in its
    metadata: tools/i18n.py), long enough to recognise -> `<assignment>/<grade id>`."""
    import nbformat

    course = Course(root)
    lines = {}
    for assignment in course.assignments():
        nb = nbformat.read(course.source_notebook(assignment), as_version=4)
        for cell in nb.cells:
            if not is_freetext_cell(cell):
                continue
            editions = [cell.source] + ["".join(t.get("source", "")) for t in cell.metadata.get("i18n", {}).values()]
            for text in editions:
                for line in "\n".join(m.group(1) for m in SOLUTION.finditer(text)).splitlines():
                    if len(line.strip()) >= MIN_LINE:
                        lines[line.strip()] = f"{assignment}/{grade_id(cell)}"
    return lines


def leaked(root: Path, folder: Path) -> dict[str, list[str]]:
    """The rubrics (`<assignment>/<grade id>`) of which a release folder holds a line, in any cell of its
    notebooks or any other text file -> the first line found of each."""
    import nbformat

    known = rubric_lines(root)
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".ipynb":
            texts = [cell.source for cell in nbformat.read(path, as_version=4).cells]
        else:
            try:
                texts = [path.read_text(encoding="utf-8")]
            except (UnicodeDecodeError, OSError):
                continue  # data and other binary files
        for text in texts:
            for line in text.splitlines():
                where = known.get(line.strip())
                if where:
                    found.setdefault(where, []).append(line.strip())
    return {where: lines[:1] for where, lines in found.items()}


def state(grade) -> str | None:
    """UNANSWERED, TO_GRADE or GRADED for the gradebook's grade of a free-text answer (None for a test cell)."""
    if grade.cell_type != "markdown":
        return None
    if grade.manual_score is not None:
        return GRADED
    if grade.auto_score is not None and not grade.needs_manual_grade:
        return UNANSWERED  # nbgrader's 0 for a cell left as released
    return TO_GRADE


def answers(course: Course) -> dict[str, dict[str, dict[str, tuple[str, float, float]]]]:
    """assignment -> student -> free-text answer -> (state, score, max_score): UNANSWERED, TO_GRADE
    or GRADED, for every submission the gradebook holds."""
    answers: dict = defaultdict(dict)
    for assignment, submission, notebook in gradebook.submitted_notebooks(course):
        answers[assignment][submission.student.id] = {
            g.name: (state(g), g.score or 0.0, g.max_score) for g in notebook.grades if state(g)
        }
    return answers


def waiting(course: Course, assignments: list[str]) -> tuple[int, int]:
    """(free-text answers waiting for a grader, free-text answers left unanswered) of `assignments`."""
    states = [
        state
        for a, by_student in answers(course).items()
        if a in assignments
        for cells in by_student.values()
        for state, _, _ in cells.values()
    ]
    return states.count(TO_GRADE), states.count(UNANSWERED)


class RubricForGraders(Preprocessor):
    """Formgrader's grading page (c.HTMLExporter.preprocessors in nbgrader_config.py): under each free-text
    answer, a cell with the rubric of solutions/, marked as never shown to students."""

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)

    def preprocess(self, nb, resources):
        import nbformat

        assignment = resources.get("assignment_id")
        if not assignment or "submission_id" not in resources:  # not Formgrader's page: never a rubric
            return nb, resources
        source = Course(ROOT).source_notebook(assignment)
        if not source.exists():
            return nb, resources
        rubrics = {gid: text for gid, (_, text) in questions(nbformat.read(source, as_version=4)).items()}
        cells = []
        for cell in nb.cells:
            cells.append(cell)
            text = rubrics.get(grade_id(cell)) if is_freetext_cell(cell) else None
            if text:
                note = nbformat.v4.new_markdown_cell(
                    f"> **Rubric for graders** (from solutions/{assignment}; students never see it)\n>\n"
                    + "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
                )
                note.metadata["rnn_course"] = {"rubric": grade_id(cell)}
                cells.append(note)
        nb.cells = cells
        return nb, resources
