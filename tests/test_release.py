"""course/ is exactly what nbgrader generates from solutions/, and every
release folder is self-contained with identical copies of helpers.py and data."""

from __future__ import annotations

import filecmp
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

import helpers
from tests.grading.nbgrader_run import ROOT, all_assignments, answer_cells, assignments, notebook_path
from tools.layout import Course

ASSIGNMENTS = assignments()


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".ipynb_checkpoints" not in path.parts
    }


def test_course_has_exactly_the_assignments_of_solutions():
    released = sorted(p.name for p in (ROOT / "course").iterdir() if p.is_dir())
    assert released == all_assignments(), "run `make course` to regenerate course/ from solutions/"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_course_is_what_nbgrader_generates(generated_course, assignment):
    expected = files_under(generated_course / "course" / assignment)
    actual = files_under(ROOT / "course" / assignment)
    assert sorted(actual) == sorted(expected), "run `make course`: the release lists other files"
    stale = [name for name in expected if actual[name] != expected[name]]
    assert not stale, f"course/{assignment} is out of date in {stale}: run `make course`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_folder_is_self_contained(assignment):
    folder = ROOT / "course" / assignment
    assert filecmp.cmp(folder / "helpers.py", ROOT / "helpers.py", shallow=False), "helpers.py differs"
    data = (folder / "data" / "timemachine.txt").read_bytes()
    assert hashlib.sha1(data).hexdigest() == helpers.TIME_MACHINE_SHA1
    if (ROOT / "solutions" / assignment / "data" / "tangshi.txt").exists():  # a notebook on the edition's corpus
        assert hashlib.sha1((folder / "data" / "tangshi.txt").read_bytes()).hexdigest() == helpers.TANGSHI_SHA1


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_folder_links_the_canonical_files(assignment):
    """solutions/<a>/helpers.py and every corpus of data/ are symlinks to the single copies at
    the root (nbgrader dereferences them when it generates the release)."""
    folder = ROOT / "solutions" / assignment
    shipped = [(f"data/{path.name}", ROOT / "data" / path.name) for path in sorted((folder / "data").iterdir())]
    for link in ("helpers.py", "data/timemachine.txt"):
        assert (folder / link).exists(), f"{folder / link} is missing"
    for link, target in [("helpers.py", ROOT / "helpers.py"), *shipped]:
        assert (folder / link).is_symlink(), f"{folder / link} must be a symlink to {target}"
        assert (folder / link).resolve() == target.resolve()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_stubs_keep_signature_and_docstring(assignment):
    """Every released answer cell keeps its `def`/`class` line and docstring
    (with shapes) and raises NotImplementedError."""
    nb = nbformat.read(notebook_path(ROOT / "course", assignment), as_version=4)
    cells = answer_cells(nb)
    assert cells, f"{assignment} has no answer cells"
    for grade_id, cell in cells.items():
        source = cell.source
        assert f"def {grade_id}(" in source or f"class {grade_id}" in source, grade_id
        assert '"""' in source and ("Returns" in source or "Shapes" in source), f"{grade_id}: docstring"
        assert "raise NotImplementedError()" in source, grade_id
        assert "BEGIN SOLUTION" not in source, grade_id


# ---------------------------------------------------------------------------
# What students may receive (tools/release.py, schedule.toml)
# ---------------------------------------------------------------------------
# The reference code each later release carries (in its toolbox.py, tools/toolbox.py), found by
# tools.release.carried: 05 builds on 02's model, 06 on 03's samplers, 02's model and 05's clipping, 07 on
# 03's sampler, 06's scratch model (with 02's parameters), 05's clipping and 06's predict and train_epoch.
CARRIED = {"05_clipping": {"02_recurrence"}, "06_scratch_training": {"02_recurrence", "03_samplers", "05_clipping"}}
CARRIED["07_concise_rnn"] = {"02_recurrence", "03_samplers", "05_clipping", "06_scratch_training"}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_what_each_release_carries_is_found(generated_course, assignment):
    """(generated_course holds the releases of the assignments under test: all, or --assignments.)"""
    from tools import release

    found = release.carried(ROOT, assignment, generated_course / "course" / assignment)
    assert set(found) == CARRIED.get(assignment, set()), (assignment, found)


@pytest.mark.parametrize("closed", range(len(all_assignments()) + 1))
def test_no_allowed_release_carries_an_open_assignment(generated_course, tmp_path, closed):
    """With the first `closed` assignments closed and the rest open, a release is allowed exactly when
    everything it carries is closed; and an allowed release holds no solution line, hidden-test line
    or graded function of an open assignment."""
    from tools import release

    root = tmp_path / "root"
    shutil.copytree(ROOT / "solutions", root / "solutions", symlinks=True)
    names = all_assignments()
    states = {a: "closed" if i < closed else "open" for i, a in enumerate(names)}
    Course(root).schedule_file.write_text("[assignments]\n" + "".join(f'{a} = "{s}"\n' for a, s in states.items()))
    for assignment in ASSIGNMENTS:  # the releases generated_course holds
        folder = generated_course / "course" / assignment
        problems = release.release_problems(root, assignment, folder)
        carries_open = {a for a in CARRIED.get(assignment, set()) if states[a] == "open"}
        assert bool(problems) == bool(carries_open), (assignment, problems)
        if problems:
            continue
        defined, lines = release._release_code(folder)
        for other in (a for a in names if a != assignment and states[a] == "open"):
            secret = release.secrets(root, other)
            assert not defined & secret.functions, (assignment, other)
            assert len(lines & secret.solution_lines) < 2 and not lines & secret.hidden_lines, (assignment, other)


def test_release_zip_is_self_contained_and_refused_while_it_would_leak(tmp_path):
    import zipfile

    from tools import freetext, release

    root = nbgrader_run_copy(tmp_path)
    path = release.release_zip(root, "01_one_hot", tmp_path / "01.zip")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        readme = archive.read("01_one_hot/README.md").decode()
    assert {
        "01_one_hot/01_one_hot.ipynb",
        "01_one_hot/helpers.py",
        "01_one_hot/data/timemachine.txt",
        "01_one_hot/requirements.txt",
        "01_one_hot/README.md",
    } <= names
    assert "jupyter lab 01_one_hot.ipynb" in readme and "pip install -r requirements.txt" in readme
    requirements = zipfile.ZipFile(path).read("01_one_hot/requirements.txt").decode()
    assert "torch==" in requirements and "jupyterlab==" in requirements and "nbgrader==" in requirements
    assert "pytest" not in requirements and "ruff" not in requirements
    with zipfile.ZipFile(path) as archive:  # the free-text questions' answer cells, without their rubrics
        text = "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    assert "YOUR ANSWER HERE" in text and not [line for line in freetext.rubric_lines(ROOT) if line in text]
    with pytest.raises(release.ReleaseError, match="02_recurrence.*still open"):
        release.release_zip(root, "05_clipping", tmp_path / "05.zip")


def test_no_release_carries_a_rubric(tmp_path):
    """The rubrics of the free-text questions (tools/freetext.py) reach no student: no folder of course/
    holds a line of one (a zip's files: the test above), and the release guard refuses a release folder
    that does (here the model answer pasted into the answer cell)."""
    from tools import freetext, release

    rubric = freetext.rubric_lines(ROOT)
    assert {where.split("/")[0] for where in rubric.values()} == set(all_assignments())
    for assignment in all_assignments():
        assert freetext.leaked(ROOT, ROOT / "course" / assignment) == {}, assignment
    folder = tmp_path / "01_one_hot"
    shutil.copytree(ROOT / "course" / "01_one_hot", folder, symlinks=True)
    assert release.release_problems(ROOT, "01_one_hot", folder) == []
    nb = nbformat.read(folder / "01_one_hot.ipynb", as_version=4)
    source = nbformat.read(ROOT / "solutions" / "01_one_hot" / "01_one_hot.ipynb", as_version=4)
    answer = next(c for c in nb.cells if c.id == "explain_one_hot_cost")
    answer.source = freetext.rubric(next(c for c in source.cells if c.id == answer.id))
    nbformat.write(nb, folder / "01_one_hot.ipynb")
    problems = release.release_problems(ROOT, "01_one_hot", folder)
    assert len(problems) == 1 and "the rubric of 01_one_hot/explain_one_hot_cost, for graders only" in problems[0]


def nbgrader_run_copy(tmp_path):
    from tests.grading import nbgrader_run

    root = nbgrader_run.copy_course(tmp_path / "course")
    for assignment in ("01_one_hot", "05_clipping"):
        shutil.copytree(ROOT / "course" / assignment, root / "course" / assignment)
    shutil.copy(ROOT / "requirements.txt", root / "requirements.txt")
    return root


def test_nbgrader_release_assignment_goes_through_the_guard(tmp_path):
    """nbgrader's own `release_assignment` (the command Formgrader's Release button runs too, through
    nbgrader_config.py's ExchangeFactory) refuses what `make release-zip` refuses, with the guard's
    reasons one per line, and releases nothing; it checks the folder that would go out (here a release
    folder set on the command line), not course/; an allowed release goes out."""
    from tests.grading import nbgrader_run

    root = nbgrader_run_copy(tmp_path)
    shutil.copytree(ROOT / "course" / "06_scratch_training", root / "course" / "06_scratch_training")
    elsewhere = tmp_path / "elsewhere" / "01_one_hot"  # 05's release under 01's name: 02's answers inside
    shutil.copytree(ROOT / "course" / "05_clipping", elsewhere)
    exchange = tmp_path / "exchange"
    outbound = exchange / nbgrader_run.COURSE_ID / "outbound"

    def release(*args):
        env = nbgrader_run.env() | {"RNN_COURSE_EXCHANGE": str(exchange)}
        proc = subprocess.run(
            [str(nbgrader_run.BIN / "nbgrader"), "release_assignment", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        return proc.returncode, proc.stdout + proc.stderr

    status, output = release("06_scratch_training")
    assert status != 0 and not (outbound / "06_scratch_training").exists(), output
    # one reason a line (nbgrader's log indents the lines after the first)
    reasons = re.findall(r"^\s+- it carries the reference code of (\d\d_\w+) \(.*still open", output, re.M)
    assert re.search(r"06_scratch_training cannot be handed out yet:\n\s+- ", output), output
    assert reasons == ["02_recurrence", "03_samplers", "05_clipping"], output
    status, output = release("01_one_hot", f"--CourseDirectory.release_directory={elsewhere.parent}")
    assert status != 0 and not (outbound / "01_one_hot").exists(), output
    assert "is not what solutions/01_one_hot generates now" in output, output
    status, output = release("01_one_hot")
    assert status == 0 and (outbound / "01_one_hot" / "01_one_hot.ipynb").exists(), output


# What students use directly: the notebooks' and helpers.py's imports, and Jupyter with nbgrader's Validate.
STUDENT_PACKAGES = {"torch", "numpy", "matplotlib", "tqdm", "ipywidgets", "ipykernel", "jupyterlab", "nbgrader"}


def test_student_requirements_hold_nothing_developer_only():
    """The student requirements.txt (zip releases) pins only packages students use or that those need
    (a dependency of one, read from the installed metadata), and carries no comment of the developers'."""
    from importlib.metadata import requires

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    from tools import release

    header, *lines = release.student_requirements(ROOT).splitlines()
    assert header.startswith("# ")
    odd = [line for line in lines if not re.fullmatch(r"[A-Za-z0-9_.-]+==[A-Za-z0-9_.+]+", line)]
    assert not odd, f"student requirements lines that are not a plain pin: {odd}"
    pins = {canonicalize_name(line.split("==")[0]) for line in lines}
    assert pins >= STUDENT_PACKAGES
    needed = set(STUDENT_PACKAGES)
    for pin in pins:
        for text in requires(pin) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                needed.add(canonicalize_name(requirement.name))
    assert pins <= needed, f"pinned for students, but neither used by them nor needed by theirs: {pins - needed}"


def test_students_make_one_environment_for_the_whole_course():
    """Every release's README (release_zip writes STUDENT_README; and this README's "For students") creates
    one environment outside the assignment folders, the same for every assignment, and opens the assignment
    with it: never a venv per folder (1.4 GB each)."""
    from tools import release

    readmes = {a: release.STUDENT_README.format(assignment=a) for a in ("01_one_hot", "05_clipping")}
    students = (ROOT / "README.md").read_text().split("## For students")[1].split("\n## ")[0]
    environments = set()
    for name, text in [*readmes.items(), ("README.md, For students", students)]:
        venvs = re.findall(r"-m venv (\S+)", text)
        assert venvs and all(v.startswith("~/") for v in venvs), f"{name}: environments {venvs}, not in ~/"
        assert ".venv" not in text, f"{name}: an environment inside the assignment folder"
        environments |= set(venvs)
    assert len(environments) == 1, f"more than one environment for the course: {environments}"
    (environment,) = environments
    for assignment, text in readmes.items():
        assert f"{environment}/bin/jupyter lab {assignment}.ipynb" in text, text


def test_validate_in_a_zip_release_shows_the_message_before_the_test(tmp_path):
    """A student of an LMS unzips 01_one_hot, writes a one_hot with the class axis first and runs nbgrader's
    Validate (what JupyterLab's button runs, here as `nbgrader validate` in the folder, where JupyterLab
    starts): each failing test reads the check's message (or the error and where it was raised) first, the
    test cell's source after it."""
    import zipfile

    from tests.grading import nbgrader_run
    from tools import release

    root = nbgrader_run_copy(tmp_path)
    with zipfile.ZipFile(release.release_zip(root, "01_one_hot", tmp_path / "01.zip")) as archive:
        archive.extractall(tmp_path / "student")
    failures = nbgrader_run.validate_class_dim_first(tmp_path / "student" / "01_one_hot")
    firsts = [failure.strip().splitlines()[0].strip() for failure in failures]
    # the check's message, wrapped so that Validate cuts none of it (no line ends in its "...")
    message = " ".join(line.strip() for line in failures[0].strip().split("Hint:")[0].splitlines())
    assert message.startswith(
        "✗ one_hot(indices of shape (3,), num_classes=5): expected shape (3, 5), got (5, 3). "
        "That is a classic mistake: "
    ), failures
    assert not any(line.endswith("...") for line in failures[0].split("The error was:")[0].splitlines()), failures[0]
    assert "NotImplementedError (raised in one_hot_batch)" in firsts, firsts  # one_hot_batch is still a stub
    question = "✗ Not answered yet: write your answer in this cell (a question graded by hand)."
    assert question in firsts and "Your answer:\n    YOUR ANSWER HERE" in failures[firsts.index(question)], firsts
    assert all(not first.startswith("# Visible test") for first in firsts), firsts
    assert "The test cell:\n    # Visible test: the shape is" in failures[0], failures[0]
