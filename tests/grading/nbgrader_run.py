"""Run nbgrader on a throw-away copy of the course, as an instructor would."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from tools.layout import BIN, COURSE_ID, ROOT, Course, is_answer_cell, is_freetext_cell, is_test_cell  # noqa: F401

MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def env() -> dict[str, str]:
    """The environment of nbgrader commands: this venv's bin/ first (alembic)."""
    return Course(ROOT).env()


def nbgrader(*args: str, cwd: Path) -> str:
    """Run one nbgrader command; fail with its whole output if it fails."""
    proc = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=env(), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout + proc.stderr


_selected: list[str] = []


def select(names: list[str]) -> None:
    """Restrict assignments() to `names` (pytest --assignments: assignments, or extras such as going_fast)."""
    known = [*all_assignments(), *Course(ROOT).extra_notebooks()]
    unknown = set(names) - set(known)
    if unknown:
        raise ValueError(f"unknown assignments {sorted(unknown)}; there are {known}")
    _selected[:] = names


def all_assignments() -> list[str]:
    return Course(ROOT).assignments()


def assignments() -> list[str]:
    """The assignments under test: all of solutions/, or those of --assignments (none when only extras
    were chosen)."""
    return [a for a in all_assignments() if a in _selected] if _selected else all_assignments()


#: The assignments whose Chinese edition (course-zh/) tests/conftest.py's released_course generates: 01 (the
#: editions test, the hostile and call-time classes) and 06 (call-time; its edition reads the Tang poems)
ZH_RELEASED = ("01_one_hot", "06_scratch_training")


def zh_released() -> list[str]:
    """The assignments of ZH_RELEASED under test (--assignments)."""
    return [a for a in ZH_RELEASED if a in assignments()]


def copy_course(dest: Path) -> Path:
    """Copy what nbgrader needs (config, helpers, data, tools, the message catalogues, solutions, and the
    students' settings that the config loads) into dest; the relative symlinks of solutions/ keep pointing
    inside the copy."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("nbgrader_config.py", "helpers.py"):
        shutil.copy2(ROOT / name, dest / name)
    config = Course(dest).student_config
    config.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(Course(ROOT).student_config, config)
    shutil.copytree(ROOT / "data", dest / "data", symlinks=True)
    shutil.copytree(ROOT / "tools", dest / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "locale", dest / "locale", ignore=shutil.ignore_patterns("*.mo"))
    shutil.copytree(
        ROOT / "solutions",
        dest / "solutions",
        symlinks=True,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
    )
    return dest


def generate_release(course: Path, names: list[str]) -> None:
    for name in names:
        nbgrader("generate_assignment", name, "--force", cwd=course)


def copy_released(released: Path, dest: Path, names: list[str]) -> Path:
    """A copy of the generated course `released` (tests/conftest.py's released_course: its releases and
    grading releases made once per run) in dest, with the releases of `names` it lacks (--assignments)
    generated: what copy_course and generate_release make, without generating each release again."""
    shutil.copytree(released, dest, symlinks=True, dirs_exist_ok=True)
    generate_release(dest, [name for name in names if not notebook_path(dest / "course", name).exists()])
    return dest


def notebook_path(folder: Path, assignment: str) -> Path:
    return folder / assignment / f"{assignment}.ipynb"


def answer_cells(nb) -> dict[str, nbformat.NotebookNode]:
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in nb.cells if is_answer_cell(cell)}


def freetext_cells(nb) -> dict[str, nbformat.NotebookNode]:
    """grade_id -> free-text answer cell (markdown, graded by hand: tools/freetext.py)."""
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in nb.cells if is_freetext_cell(cell)}


def autograded_cells(nb) -> dict[str, float]:
    """grade_id -> points of every autograded test cell."""
    return {
        cell.metadata["nbgrader"]["grade_id"]: float(cell.metadata["nbgrader"]["points"])
        for cell in nb.cells
        if is_test_cell(cell)
    }


def reference_answers(course: Path, assignment: str) -> dict[str, str]:
    """The solution's answer cells with the BEGIN/END SOLUTION lines removed."""
    nb = nbformat.read(notebook_path(course / "solutions", assignment), as_version=4)
    return {
        grade_id: "\n".join(line for line in cell.source.splitlines() if not MARKER.match(line)) + "\n"
        for grade_id, cell in answer_cells(nb).items()
    }


def submit(
    course: Path, student_id: str, assignment: str, answers: dict[str, str] | None, release: str = "course"
) -> Path:
    """Put a submission into autograder/submitted/: the folder released in `release` (course/, or an edition's
    course-<language>/) with the given answer cells (code, or free-text) filled in (None: the untouched
    release)."""
    dest = course / "autograder" / "submitted" / student_id / assignment
    shutil.copytree(course / release / assignment, dest)
    nb = nbformat.read(notebook_path(course / release, assignment), as_version=4)
    cells = answer_cells(nb) | freetext_cells(nb)
    for grade_id, source in (answers or {}).items():
        if grade_id not in cells:
            raise KeyError(f"{assignment} has no answer cell {grade_id!r}")
        cells[grade_id].source = source
    nbformat.write(nb, dest / f"{assignment}.ipynb")
    return dest


def cell_scores(course: Path, assignment: str, student_id: str) -> dict[str, tuple[float, float]]:
    """grade_id -> (score, max_score) of every autograded cell, from the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(Course(course).db_url, COURSE_ID) as gb:
        notebook = gb.find_submission_notebook(assignment, assignment, student_id)
        return {grade.name: (grade.score, grade.max_score) for grade in notebook.grades if grade.cell_type == "code"}


def freetext_states(course: Path, assignment: str, student_id: str) -> dict[str, str]:
    """grade_id -> state (tools/freetext.py: unanswered, to grade, graded) of every free-text answer."""
    from nbgrader.api import Gradebook

    from tools import freetext

    with Gradebook(Course(course).db_url, COURSE_ID) as gb:
        notebook = gb.find_submission_notebook(assignment, assignment, student_id)
        return {grade.name: freetext.state(grade) for grade in notebook.grades if grade.cell_type == "markdown"}


def notebook_definitions(assignment: str, cell_ids: tuple[str, ...], folder: Path = ROOT / "solutions") -> dict:
    """Execute a notebook's code cells in-process and return the namespace: the cell "setup" in full,
    of the other cells (named by id, in the given order) only the imports, functions and classes, not
    their demos. Runs in the assignment's folder (for helpers.py and data/).

    Raises FileNotFoundError for a missing notebook, KeyError for a missing cell.
    """
    import ast
    import io

    path = notebook_path(folder, assignment)
    cells = {cell.id: cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"}
    missing = [cell_id for cell_id in cell_ids if cell_id not in cells]
    if missing:
        raise KeyError(f"{path.name} has no code cell {missing}")
    keep = (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    namespace: dict = {}
    with in_notebook_folder(path.parent):
        for cell_id in cell_ids:
            source = cells[cell_id].source
            if cell_id != "setup":
                nodes = [node for node in ast.parse(source).body if isinstance(node, keep)]
                source = "\n\n".join(ast.get_source_segment(source, node) for node in nodes)
            with contextlib.redirect_stdout(io.StringIO()):  # setup cells print the corpus size
                exec(compile(source, f"{assignment}:{cell_id}", "exec"), namespace)
    return namespace


@contextlib.contextmanager
def in_notebook_folder(folder: Path):
    """Run notebook code in this process as its kernel would: from its folder, importing the folder's
    own toolbox.py (generated per assignment: tools/toolbox.py), not another assignment's."""
    cwd = os.getcwd()
    os.chdir(folder)
    sys.modules.pop("toolbox", None)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        os.chdir(cwd)
        sys.path.remove(str(folder))
        sys.modules.pop("toolbox", None)


def validate_class_dim_first(folder: Path, student_config: Path | None = None) -> list[str]:
    """`nbgrader validate` of 01_one_hot in a student's `folder` (a zip unpacked, a fetched release), with the
    classic mistake "class dimension first" as the answer of `one_hot`: the text of each failure it prints.
    ``student_config``: JUPYTER_CONFIG_PATH, as the hub sets it (hub/jupyterhub_config.py)."""
    from tests.grading.students_01_one_hot import IMPLEMENTATIONS

    path = folder / "01_one_hot.ipynb"
    nb = nbformat.read(path, as_version=4)
    answer_cells(nb)["one_hot"].source = IMPLEMENTATIONS["one_hot"]["class_dim_first"].source
    nbformat.write(nb, path)
    environment = {k: v for k, v in env().items() if not k.startswith("JUPYTER")}
    if student_config is not None:
        environment["JUPYTER_CONFIG_PATH"] = str(student_config)
    command = [str(BIN / "nbgrader"), "validate", path.name]
    proc = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, timeout=300)
    return proc.stdout.split("The following cell failed:")[1:]
