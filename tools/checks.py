"""Checks before grading: one submission at a time, before nbgrader sees it.

They run on submissions that exist (tools/grade.py grades only the students with a folder in
autograder/submitted/<student>/<assignment>/). Each check looks at one thing, repairs it where that is
safe, and returns what it found as an `Anomaly` line for the report (or nothing). A *fatal* finding
means there is nothing nbgrader can grade: the submission scores 0, and the report says why.
The checks run in the order of CHECKS:

    course_files         edited copies of helpers.py or data/ (nbgrader restores the course's)
    notebook_present     renamed notebook graded under its name; none at all    fatal
    readable             invalid JSON or not a notebook                         fatal
    this_assignment      the notebook of another assignment, or of none         fatal
    duplicated_cells     extra copies of nbgrader cells removed
    deleted_cells        deleted test and read-only cells put back (nbgrader would skip them)
    cell_order           moved nbgrader cells put back in the source order
    metadata             cell and notebook metadata reset to the release's (skip-execution tags...), but
                         the edition's mark (tools/i18n.py: a Chinese release is graded and given feedback
                         in Chinese)
    edition_stubs        an answer cell left as an edition's release wrote it (free text "在此写下你的答案",
                         code: its Chinese docstring and nbgrader's stub) gets the English release's stub,
                         which the gradebook knows: unanswered / "not attempted", not "to grade" / answered
    extra_files          files the release does not have moved to autograder/quarantine/ (run last); an
                         edition's message catalogue without a finding (grading installs the course's own)
"""

from __future__ import annotations

import functools
import json
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import nbformat

from tools import freetext, i18n, integrity, toolbox
from tools.layout import Course, grade_id, grade_ids, is_answer_cell, is_freetext_cell, is_test_cell


@dataclass(frozen=True)
class Finding:
    kind: str  # missing-notebook, renamed-notebook, edited-files, possible-tampering, ...
    detail: str
    fatal: bool = False


@dataclass
class Submission:
    """One submission being checked: its folder, its notebook once read, whether it changed."""

    course: Course
    student: str
    assignment: str
    nb: nbformat.NotebookNode | None = None
    changed: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.course.submitted / self.student / self.assignment

    @property
    def notebook(self) -> Path:
        return self.folder / f"{self.assignment}.ipynb"

    @cached_property
    def source(self):
        return nbformat.read(self.course.source_notebook(self.assignment), as_version=4)

    @cached_property
    def release(self):
        return nbformat.read(self.course.release_notebook(self.assignment), as_version=4)


def graded_ids(nb) -> set[str]:
    """The ids of answer and test cells: function names, unique across the course."""
    return {grade_id(cell) for cell in nb.cells if is_answer_cell(cell) or is_test_cell(cell)}


def which_assignment(course: Course, ids: set[str]) -> str | None:
    """The assignment whose answer and test cells a notebook shares most (None: no cell in common)."""
    best, overlap = None, 0
    for assignment in course.assignments():
        common = len(ids & graded_ids(nbformat.read(course.source_notebook(assignment), as_version=4)))
        if common > overlap:
            best, overlap = assignment, common
    return best


def _read(path: Path):
    try:
        return nbformat.read(path, as_version=4), None
    except Exception as error:  # invalid JSON, not a notebook, wrong encoding...
        return None, f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"


# ---------------------------------------------------------------------------
# The checks, in order
# ---------------------------------------------------------------------------
def course_files(sub: Submission) -> Finding | None:
    """Files the course also ships (helpers.py, data/) with other contents: nbgrader uses its own. A
    toolbox.py as an edition's release has it (its docstrings in that language) is the course's too."""
    edited = []
    for path in sorted(sub.folder.rglob("*")):
        original = sub.course.solutions / sub.assignment / path.relative_to(sub.folder)
        if (
            path.is_file()
            and path.suffix != ".ipynb"
            and original.is_file()
            and path.read_bytes() != original.read_bytes()
            and not _edition_toolbox(sub, path)
        ):
            edited.append(str(path.relative_to(sub.folder)))
    if edited:
        return Finding(
            "edited-files", f"{', '.join(edited)} differ from the course's copies; the course's copies were used"
        )
    return None


def _edition_toolbox(sub: Submission, path: Path) -> bool:
    """Whether `path` is the toolbox.py of one of the editions of the submission's assignment."""
    if path.relative_to(sub.folder).as_posix() != toolbox.FILENAME:
        return False
    text = path.read_bytes()
    return any(
        sub.assignment in names
        and (toolbox.edition_text(sub.course.root, sub.assignment, language) or "").encode() == text
        for language, names in i18n.TRANSLATED.items()
    )


def notebook_present(sub: Submission) -> Finding | None:
    if sub.notebook.exists():
        return None
    candidates = sorted(sub.folder.glob("*.ipynb"))
    matching = [p for p in candidates if (nb := _read(p)[0]) is not None and _of(sub, nb) == sub.assignment]
    if len(matching) == 1:
        shutil.move(matching[0], sub.notebook)
        return Finding("renamed-notebook", f"'{matching[0].name}' graded as '{sub.notebook.name}'")
    names = ", ".join(p.name for p in candidates) or "no notebook at all"
    return Finding("missing-notebook", f"{sub.notebook.name} not found ({names}); scored 0", fatal=True)


def readable(sub: Submission) -> Finding | None:
    sub.nb, error = _read(sub.notebook)
    if sub.nb is None:
        sub.notebook.rename(sub.notebook.with_suffix(".ipynb.invalid"))
        return Finding("invalid-notebook", f"{sub.notebook.name} cannot be read ({error}); scored 0", fatal=True)
    return None


def this_assignment(sub: Submission) -> Finding | None:
    other = _of(sub, sub.nb)
    if other == sub.assignment:
        return None
    sub.notebook.rename(sub.notebook.with_suffix(".ipynb.wrong-assignment"))
    what = f"the notebook of {other}" if other else "not a notebook of this course"
    return Finding("wrong-assignment", f"{sub.notebook.name} is {what}; scored 0", fatal=True)


def duplicated_cells(sub: Submission) -> Finding | None:
    ids = grade_ids(sub.nb)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if not duplicates:
        return None
    seen: set[str] = set()
    cells = []
    for cell in sub.nb.cells:
        gid = grade_id(cell)
        if gid in seen:
            continue
        if gid:
            seen.add(gid)
        cells.append(cell)
    sub.nb.cells, sub.changed = cells, True
    return Finding("duplicated-cells", f"{', '.join(duplicates)}: extra copies removed before grading")


def deleted_cells(sub: Submission) -> Finding | None:
    present = set(grade_ids(sub.nb))
    missing = [gid for gid in grade_ids(sub.source) if gid not in present]
    if not missing:
        return None
    sub.nb.cells, sub.changed = _restore(sub.nb.cells, sub.release.cells, missing), True
    tests = [gid for gid in missing if gid.startswith("test_")]
    others = [gid for gid in missing if not gid.startswith("test_")]
    detail = []
    if tests:
        detail.append(f"test cells {', '.join(tests)} were deleted: restored and graded")
    if others:
        detail.append(f"cells {', '.join(others)} were deleted: restored from the release")
    return Finding("deleted-cells", "; ".join(detail))


def cell_order(sub: Submission) -> Finding | None:
    source_ids = grade_ids(sub.source)
    order = [gid for gid in grade_ids(sub.nb) if gid in set(source_ids)]
    if order == [gid for gid in source_ids if gid in set(order)]:
        return None
    sub.nb.cells, sub.changed = _reorder(sub.nb.cells, source_ids), True
    return Finding("reordered-cells", "nbgrader cells were moved; graded in the original order")


def metadata(sub: Submission) -> None:
    """Give every nbgrader cell, and the notebook, the release's metadata; drop the metadata of the
    student's own cells. Metadata steers execution (nbclient skips a cell tagged `skip-execution`),
    and none of it is the student's to set. Silent: JupyterLab changes metadata on its own. One mark is
    kept: the edition the notebook was released in (one of the course's, or English), which chooses the
    language of its messages and feedback, never its grade (every edition has the same code and tests)."""
    by_id = {grade_id(c): c for c in sub.release.cells}
    before = json.dumps([sub.nb.metadata, [c.metadata for c in sub.nb.cells]], sort_keys=True)
    language = i18n.edition(sub.nb, sub.assignment)
    sub.nb.metadata = nbformat.from_dict(json.loads(json.dumps(sub.release.metadata)))
    i18n.mark(sub.nb, language)
    for cell in sub.nb.cells:
        original = by_id.get(grade_id(cell))
        cell.metadata = nbformat.from_dict(json.loads(json.dumps(original.metadata)) if original is not None else {})
    sub.changed |= before != json.dumps([sub.nb.metadata, [c.metadata for c in sub.nb.cells]], sort_keys=True)


def edition_stubs(sub: Submission) -> None:
    """An answer cell left as the release of its edition wrote it is unanswered in every edition: nbgrader
    knows an answer cell as unchanged by its checksum in the gradebook, which holds the English release's
    stub. So the Chinese free-text stub ("在此写下你的答案") would otherwise wait for a grader as an answer,
    and a code answer cell's Chinese stub (its Chinese docstring, then nbgrader's stub) would be "answered"
    on the feedback page instead of "not attempted". Such a cell gets the English release's source."""
    language = i18n.edition(sub.nb, sub.assignment)
    if language == i18n.SOURCE_LANGUAGE:
        return
    released = {grade_id(c): c for c in sub.release.cells if is_freetext_cell(c) or is_answer_cell(c)}
    stubs = edition_answer_stubs(sub.course.root, sub.source, language)
    for cell in sub.nb.cells:
        original, stub = released.get(grade_id(cell)), stubs.get(grade_id(cell))
        if None not in (original, stub) and cell.source.strip() == stub.strip() and cell.source != original.source:
            cell.source = original.source
            sub.changed = True


def edition_answer_stubs(root: Path, source, language: str) -> dict[str, str]:
    """grade id -> what the release in `language` shows in each answer cell of the `source` notebook that has
    a text of its own there: a free-text answer cell's stub, and a code answer cell with a translation (its
    translation with the solution replaced as nbgrader's ClearSolutions does, by the course's config). Also
    what the feedback page of that edition shows in the cells left so (tools/i18n.py's FeedbackEdition)."""
    clear = _clear_solutions(str(root))
    kernel = source.metadata.get("kernelspec", {}).get("language", "python")
    stubs = {grade_id(cell): freetext.STUB[language] for cell in source.cells if is_freetext_cell(cell)}
    for cell in source.cells:  # every code answer: its stub is the edition's, translated or not
        if is_answer_cell(cell) and cell.cell_type == "code":
            current = i18n.state(cell, language) == "current"
            copy = nbformat.v4.new_code_cell(i18n.translation(cell, language)["source"] if current else cell.source)
            clear._replace_solution_region(copy, kernel)
            stubs[grade_id(cell)] = i18n.edition_stub(copy.source, language)  # as EditionStubs writes it
    return stubs


@functools.lru_cache(maxsize=4)
def _clear_solutions(root: str):
    from nbgrader.preprocessors import ClearSolutions
    from traitlets.config.loader import PyFileConfigLoader

    return ClearSolutions(config=PyFileConfigLoader("nbgrader_config.py", path=root).load_config())


def extra_files(sub: Submission) -> list[Finding]:
    """Only the release's files are graded: move anything else to autograder/quarantine/."""
    extra, suspicious = integrity.extra_files(sub.folder, sub.course.release_folder(sub.assignment), sub.notebook.name)
    dest = sub.course.quarantine / sub.student / sub.assignment
    integrity.quarantine(sub.folder, extra, dest)
    where = dest.relative_to(sub.course.root)
    shipped = [path for path in extra if _shipped_with_the_zip(sub, dest / path)]
    extra = [path for path in extra if path not in shipped]  # a student who hands in the whole folder: no finding
    suspicious = [path for path in suspicious if path not in shipped]
    found = []
    if suspicious:
        found.append(
            Finding(
                "possible-tampering",
                f"{', '.join(suspicious)} beside the notebook (an importable file or a link could replace course "
                f"code in the grading kernel); not graded, moved to {where}/",
            )
        )
    ordinary = [path for path in extra if path not in suspicious]
    if ordinary:
        found.append(Finding("extra-files", f"{', '.join(ordinary)} not graded, moved to {where}/"))
    return found


def _shipped_with_the_zip(sub: Submission, path: Path) -> bool:
    """A file `make release-zip` puts beside the notebook, unchanged: its README.md and requirements.txt
    (text), the students' nbgrader_config.py (Validate's settings) byte for byte, and the message catalogue
    of the submission's edition (tools/i18n.py; grading uses the course's, GradingExecute installs it)."""
    name = path.relative_to(sub.course.quarantine / sub.student / sub.assignment).as_posix()
    if name in ("README.md", "requirements.txt"):
        return True
    if sub.nb is not None and name in i18n.catalogue_files(i18n.edition(sub.nb, sub.assignment)):
        return True
    config = sub.course.student_config
    return name == "nbgrader_config.py" and config.is_file() and path.read_bytes() == config.read_bytes()


CHECKS = [
    course_files,
    notebook_present,
    readable,
    this_assignment,
    duplicated_cells,
    deleted_cells,
    cell_order,
    metadata,
    edition_stubs,
]


def inspect(course: Course, student: str, assignment: str) -> tuple[bool, list[Finding]]:
    """Run every check on one submission (writing the repaired notebook back); returns whether
    nbgrader can grade it, and the findings."""
    sub = Submission(course, student, assignment)
    for check in CHECKS:
        found = check(sub)
        if found is not None:
            sub.findings.append(found)
            if found.fatal:
                return False, sub.findings
    if sub.changed:
        nbformat.write(sub.nb, sub.notebook)
    sub.findings += extra_files(sub)
    return True, sub.findings


# ---------------------------------------------------------------------------
# Repairs
# ---------------------------------------------------------------------------
def _of(sub: Submission, nb) -> str | None:
    return which_assignment(sub.course, graded_ids(nb))


def _restore(cells, release_cells, missing: list[str]):
    """Insert the release's copies of the missing cells after the cell that precedes them in the release."""
    cells = list(cells)
    for gid in missing:
        index = next(i for i, c in enumerate(release_cells) if grade_id(c) == gid)
        previous = {grade_id(c) for c in release_cells[:index]} - {None}
        position = 0
        for i, cell in enumerate(cells):
            if grade_id(cell) in previous:
                position = i + 1
        cells.insert(position, release_cells[index])
    return cells


def _reorder(cells, source_ids: list[str]):
    """Put nbgrader cells back in source order; a student's own cells stay after the nbgrader cell
    they followed."""
    groups: dict[str | None, list] = defaultdict(list)
    extra_head, current = [], None
    for cell in cells:
        gid = grade_id(cell)
        if gid in source_ids:
            current = gid
            groups[gid].insert(0, cell)
        elif current is None:
            extra_head.append(cell)
        else:
            groups[current].append(cell)
    ordered = list(extra_head)
    for gid in source_ids:
        ordered.extend(groups.get(gid, []))
    ordered.extend(c for gid, group in groups.items() if gid not in source_ids for c in group)
    return ordered
