"""Releases and the gradebook, generated from solutions/ by nbgrader: never stale, never destructive.

    python -m tools.release course [-a A ...]    # `make course`: regenerate course/ from solutions/
    python -m tools.release sync [-a A ...]      # what `make grade` does first (below)
    python -m tools.release check                # which releases schedule.toml allows, and why
    python -m tools.release zip -a A             # `make release-zip`: dist/<A>.zip for an LMS
    python -m tools.release hub -a A             # `make release-hub`: to the students of the hub
    (--lang zh: the Chinese edition, course-zh/; with course, zip and hub)

nbgrader's `generate_assignment` does two things at once: it writes the student release of an
assignment, deleting whatever else is in its folder, and it records the assignment's cells (the test
cells with their hidden tests included) in the gradebook, from which `autograde` restores them. Two
ways to lose, both closed here:

* **course** regenerates `course/<a>/` without destroying work: a file of `course/<a>/` that nbgrader
  would not write, or one that differs both from the new release and from the version committed in
  git (an edit made by hand in a folder that is generated), is first copied to
  `autograder/backups/course-<time>/` and named on the terminal.
* **sync** makes grading use the tests in `solutions/` now, on any machine (the gradebook is not
  committed): it generates every assignment into `autograder/release/` (a private copy the grading
  tools read), which records the current cells in the gradebook. An assignment whose source files did
  not change since its last sync, and that the gradebook knows, is skipped. When `course/<a>/` differs
  from that fresh release, it says so: students may hold an older release.

**What students may receive** (`check`, and the guard `checked` that every release goes through: `zip`,
and nbgrader's own release_assignment, which `hub`, the CLI and Formgrader's Release button run, through
tools/exchange.py): a release must not carry the answers or hidden tests of an assignment that is still
open. Later notebooks build on the reference
code of earlier assignments (05 on 02's `rnn_forward`, 06 on 03's samplers and 05's `grad_clipping`,
07 on 06's `train_epoch`), so a release is allowed only when every assignment whose code it carries is
*closed* in `schedule.toml`, the course's schedule. What a release carries is found, not declared
(`carried`): the graded functions of another assignment that it defines, two or more lines of another
assignment's solution regions, or any line of its hidden tests — in its notebook and in its Python files,
among them `toolbox.py`, the reference code of earlier assignments that `tools/toolbox.py` generates
into `solutions/<a>/` (`course` and `sync` regenerate it first; `check` and the guard refuse a stale
one). Nor may a release, open or closed, hold a line of the rubric of a free-text question
(tools/freetext.py): those are for graders only.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tools import freetext, i18n, term, toolbox
from tools.layout import BIN, HIDDEN_TESTS, ROOT, Course, grade_id, is_answer_cell


class ReleaseError(RuntimeError):
    """An nbgrader command failed; its message is the last line nbgrader printed."""


def assignments(root: Path) -> list[str]:
    return Course(root).assignments()


def _env(root: Path) -> dict[str, str]:
    return Course(root).env()  # the course's bin/ first (nbgrader runs alembic and jupyter from it)


def generate(
    root: Path, assignment: str, release_directory: Path, db_url: str | None = None, language: str = "en"
) -> Path:
    """`nbgrader generate_assignment` into release_directory/<assignment>/ (which it replaces), recording
    the assignment's cells in the gradebook (or in the one of `db_url`). Returns the folder.

    `language` other than English: the edition in that language (tools/i18n.py: the markdown cells'
    translations, and the compiled message catalogue beside helpers.py; toolbox.py's docstrings and comments,
    tools/toolbox.py's edition_text); the code is the same."""
    args = [str(BIN / "nbgrader"), "generate_assignment", assignment, "--force"]
    args.append(f"--CourseDirectory.release_directory={release_directory}")
    if db_url:
        args.append(f"--CourseDirectory.db_url={db_url}")
    if language != i18n.SOURCE_LANGUAGE:
        args.append(f"--Edition.language={language}")
        args.append(f"--ClearSolutions.text_stub={freetext.STUB[language]}")  # a free-text answer's stub
    proc = subprocess.run(args, cwd=root, env=_env(root), capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
        errors = [line for line in lines if "I18nError" in line]  # the translation's problem, not nbgrader's
        raise ReleaseError(
            f"nbgrader generate_assignment {assignment} failed: {(errors or lines or ['?'])[-1].strip()}"
        )
    i18n.install_catalogue(release_directory / assignment, language, assignment=assignment)
    toolbox.install_edition(release_directory / assignment, assignment, language, root)  # its docstrings too
    return release_directory / assignment


def files(folder: Path) -> dict[str, bytes]:
    """relative path -> contents of every file below folder (checkpoints left out)."""
    if not folder.is_dir():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not {".ipynb_checkpoints", "__pycache__"} & set(p.parts)
    }


def _committed(root: Path, path: str) -> bytes | None:
    """The version of root/path in git's HEAD, or None (no git, or not committed)."""
    try:
        proc = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=root, capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


# ---------------------------------------------------------------------------
# make course
# ---------------------------------------------------------------------------
def course(root: Path, names: list[str], out=print, language: str = "en") -> list[Path]:
    """Regenerate course/<a>/ (course-zh/<a>/ for the Chinese edition) for each assignment; returns the files
    backed up first. The Chinese edition is made with a gradebook of its own (the course's gradebook keeps
    the English cells, which grading restores)."""
    toolbox.write(root, out=out)  # every toolbox.py, as the notebooks mark it now (an edit of 02 reaches 05's)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    release = Course(root).edition_release(language)
    backup = Course(root).backups / f"{release.name}-{stamp}"
    Course(root).grading.mkdir(exist_ok=True)
    saved = []
    with tempfile.TemporaryDirectory(prefix="release-", dir=Course(root).grading) as tmp:
        db_url = None if language == i18n.SOURCE_LANGUAGE else f"sqlite:///{Path(tmp) / 'edition.db'}"
        for assignment in names:
            fresh = files(generate(root, assignment, Path(tmp), db_url=db_url, language=language))
            current_folder = release / assignment
            for relative, data in files(current_folder).items():
                if fresh.get(relative) == data:
                    continue
                if relative in fresh and _committed(root, f"{release.name}/{assignment}/{relative}") == data:
                    continue  # the committed release, out of date: regenerating it loses nothing
                target = backup / assignment / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(current_folder / relative, target)
                saved.append(target)
            shutil.rmtree(current_folder, ignore_errors=True)
            shutil.copytree(Path(tmp) / assignment, current_folder)
            out(f"{release.name}/{assignment}: generated from solutions/{assignment}")
    if saved:
        out(f"WARNING: {release.name}/ is generated from solutions/ and must not be edited; {len(saved)} file(s) that")
        out(f"WARNING: nbgrader did not write were saved to {backup.relative_to(root)}/ before regenerating:")
        for path in saved:
            out(f"WARNING:   {path.relative_to(backup)}")
    return saved


# ---------------------------------------------------------------------------
# Before grading
# ---------------------------------------------------------------------------
def grading_release(root: Path) -> Path:
    """Where sync puts the releases the grading tools read."""
    return Course(root).grading_releases


def _source_hash(root: Path, assignment: str) -> str:
    digest = hashlib.sha256()
    for relative, data in files(Course(root).solutions / assignment).items():
        digest.update(relative.encode() + b"\0" + data + b"\0")
    digest.update((root / "nbgrader_config.py").read_bytes())
    return digest.hexdigest()


def _gradebook_knows(root: Path, assignment: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    sys.path.insert(0, str(root))
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    try:
        with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gb:
            return len(gb.find_assignment(assignment).notebooks) > 0
    except MissingEntry:
        return False


def sync(root: Path, names: list[str], out=print) -> dict[str, Path]:
    """Make the gradebook hold the cells of solutions/ now, for each assignment; returns assignment ->
    its fresh release folder (autograder/release/<a>/). That folder is the English release plus the
    compiled message catalogue of each other edition of the assignment: the checker runs its helpers.py for
    the submissions of every edition, each in its own language (tools/i18n.py)."""
    releases = grading_release(root)
    releases.mkdir(parents=True, exist_ok=True)
    toolbox.write(root, out=out)  # grading uses solutions/ now, its generated toolbox.py included
    result = {}
    for assignment in names:
        stamp = releases / f".{assignment}.source-sha256"
        source = _source_hash(root, assignment)
        fresh = releases / assignment
        current = stamp.exists() and stamp.read_text() == source and fresh.is_dir()
        if not (current and _gradebook_knows(root, assignment)):
            generate(root, assignment, releases)
            stamp.write_text(source)
        catalogues = i18n.install_grading_catalogues(fresh, assignment)  # the .po may change alone
        result[assignment] = fresh
        released = {path: data for path, data in files(fresh).items() if path not in catalogues}
        if files(Course(root).release / assignment) != released:
            out(
                f"note: course/{assignment} differs from what solutions/{assignment} generates now: grading uses "
                "solutions/; run `make course` (and re-release) if students should get the new version"
            )
    return result


# ---------------------------------------------------------------------------
# What a release may carry
# ---------------------------------------------------------------------------
STATES = ("open", "closed")
SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION[ \t]*\n(.*?)^[ \t]*### END SOLUTION", re.M | re.S)
MIN_LINE = 25  # shorter lines (`return H`, `state = None`) are too common to tell anything


def schedule(root: Path) -> dict[str, str]:
    """assignment -> "open" | "closed", from schedule.toml (an assignment it does not list is open; an entry
    is a state, or a table with `state` and `due`: tools/term.py)."""
    path = Course(root).schedule_file
    listed = tomllib.loads(path.read_text()).get("assignments", {}) if path.exists() else {}
    known = assignments(root)
    for name, value in listed.items():
        state = value.get("state", "open") if isinstance(value, dict) else value
        if name not in known or state not in STATES:
            raise ReleaseError(
                f"schedule.toml: `{name} = {value!r}` (assignments: {', '.join(known)}; states: open, closed)"
            )
    return {name: term.state_of(name, listed.get(name, "open")) for name in known}


@dataclass(frozen=True)
class Secrets:
    """What students of other assignments must not see while an assignment is open."""

    functions: frozenset[str]  # graded names (answer cells' grade ids)
    solution_lines: frozenset[str]
    hidden_lines: frozenset[str]


def _lines(blocks) -> frozenset[str]:
    return frozenset(
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if len(line.strip()) >= MIN_LINE and not line.strip().startswith("#")
    )


def secrets(root: Path, assignment: str) -> Secrets:
    import nbformat

    nb = nbformat.read(Course(root).source_notebook(assignment), as_version=4)
    sources = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    functions = {grade_id(cell) for cell in nb.cells if is_answer_cell(cell)}
    return Secrets(
        frozenset(functions),
        _lines(m.group(1) for source in sources for m in SOLUTION.finditer(source)),
        _lines(m.group(1) for source in sources for m in HIDDEN_TESTS.finditer(source)),
    )


def _release_code(folder: Path) -> tuple[set[str], set[str]]:
    """(names defined anywhere, stripped lines) of a release folder's notebooks and Python files."""
    import nbformat

    sources = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            sources += [c.source for c in nb.cells if c.cell_type == "code"]
        elif path.suffix == ".py":
            sources.append(path.read_text())
    return _release_code_of(*sources)


def _release_code_of(*sources: str) -> tuple[set[str], set[str]]:
    """(names of the functions and classes defined, stripped lines) of some code."""
    defined = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        defined |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    return defined, {line.strip() for source in sources for line in source.splitlines()}


def carried(root: Path, assignment: str, folder: Path) -> dict[str, list[str]]:
    """Other assignments whose answers or hidden tests the release folder of `assignment` carries:
    other assignment -> evidence."""
    defined, lines = _release_code(folder)
    found = {}
    for other in assignments(root):
        if other == assignment:
            continue
        secret = secrets(root, other)
        evidence = [f"defines {name}" for name in sorted(defined & secret.functions)]
        solution = sorted(lines & secret.solution_lines)
        if len(solution) >= 2:
            evidence.append(f"{len(solution)} lines of its solutions (e.g. `{solution[0][:50]}`)")
        hidden = sorted(lines & secret.hidden_lines)
        if hidden:
            evidence.append(f"{len(hidden)} lines of its hidden tests (e.g. `{hidden[0][:50]}`)")
        if evidence:
            found[other] = evidence
    return found


def release_problems(root: Path, assignment: str, folder: Path) -> list[str]:
    """Why `folder`, the release of `assignment`, must not be handed out now (empty: it may)."""
    states = schedule(root)
    problems = [
        f"it carries the reference code of {other} ({'; '.join(evidence)}), which schedule.toml says is still "
        f'open: set `{other} = "closed"` after its deadline'
        for other, evidence in carried(root, assignment, folder).items()
        if states[other] != "closed"
    ]
    _, lines = _release_code(folder)
    if any(line.startswith(("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS")) for line in lines):
        problems.append("it still holds solution regions or hidden tests of its own (nbgrader did not strip them)")
    own = secrets(root, assignment)
    for path in sorted(folder.rglob("*.py")):  # beside the notebook: helpers.py, toolbox.py
        defined, code = _release_code_of(path.read_text())
        solution = sorted(code & own.solution_lines)
        leaked = [f"defines {name}" for name in sorted(defined & own.functions)]
        leaked += [f"{len(solution)} lines of its solutions"] if len(solution) >= 2 else []
        if leaked:
            problems.append(f"its {path.relative_to(folder)} holds its own answers ({'; '.join(leaked)})")
    for where, lines in freetext.leaked(root, folder).items():  # open or closed: rubrics are for graders only
        problems.append(f"it holds the rubric of {where}, for graders only (e.g. `{lines[0][:50]}`)")
    return problems


def _scratch_releases(root: Path, names: list[str], tmp: Path, language: str = "en") -> dict[str, Path]:
    """Releases generated from solutions/ now into tmp, with a gradebook of their own: checking what may
    be handed out leaves the course's gradebook alone."""
    db_url = f"sqlite:///{tmp / 'check.db'}"
    return {a: generate(root, a, tmp / "release", db_url=db_url, language=language) for a in names}


def check(root: Path, out=print) -> int:
    """Print, for every assignment, what its release carries and whether schedule.toml allows it."""
    states = schedule(root)
    refused = 0
    for path in toolbox.stale(root):
        out(f"note: {path} is out of date (`make course` regenerates it): what follows is the releases it makes")
    with tempfile.TemporaryDirectory(prefix="check-") as tmp:
        fresh = _scratch_releases(root, assignments(root), Path(tmp))
        out(f"{'assignment':22s} {'state':7s} {'carries the code of':72s} release")
        for assignment in assignments(root):
            needs = carried(root, assignment, fresh[assignment])
            problems = release_problems(root, assignment, fresh[assignment])
            refused += bool(problems)
            closing = ", ".join(o for o in needs if states[o] != "closed")
            verdict = f"REFUSED: close {closing}" if closing else f"REFUSED: {problems[0]}" if problems else "allowed"
            out(f"{assignment:22s} {states[assignment]:7s} {', '.join(needs) or '-':72s} {verdict}")
    return refused


def checked(root: Path, assignment: str, folder: Path | None = None, language: str = "en") -> None:
    """The release guard: raise ReleaseError unless `folder`, what goes out as the release of `assignment`
    (default course/<assignment>), is what solutions/ generates now and schedule.toml allows handing it out.
    Every release goes through it: `make release-zip`, and nbgrader's own release_assignment (the CLI,
    Formgrader's Release button and `make release-hub`, through tools/exchange.py)."""
    folder = folder or Course(root).edition_release(language) / assignment
    make_course = "`make course`" if language == i18n.SOURCE_LANGUAGE else f"`make course LANG={language}`"
    if toolbox.stale(root, [assignment]):
        raise ReleaseError(f"solutions/{assignment}/{toolbox.FILENAME} is out of date: run `make course` first")
    with tempfile.TemporaryDirectory(prefix="check-") as tmp:
        fresh = _scratch_releases(root, [assignment], Path(tmp), language)[assignment]
        if files(folder) != files(fresh):
            shown = folder.relative_to(root) if folder.is_relative_to(root) else folder
            raise ReleaseError(
                f"{shown} is not what solutions/{assignment} generates now (out of date, or edited by hand): "
                f"run {make_course} first"
            )
    problems = release_problems(root, assignment, folder)
    if problems:
        raise ReleaseError(f"{assignment} cannot be handed out yet:" + "".join(f"\n  - {p}" for p in problems))


STUDENT_README = """# {assignment}

This folder is one assignment of the course *RNN language models from scratch*: the notebook
`{assignment}.ipynb`, the course's `helpers.py`, the corpus in `data/` and `nbgrader_config.py` (the
settings of the Validate button). Keep them together.

**Once for the whole course** (Python 3.11), create one environment with the course's pinned packages
(about 1.4 GB), outside the assignment folders; every assignment uses the same one:

    python3 -m venv ~/rnn-course-env && ~/rnn-course-env/bin/pip install -r requirements.txt

**Then, for this assignment and every later one**, from inside its folder:

    ~/rnn-course-env/bin/jupyter lab {assignment}.ipynb

(Every assignment's `requirements.txt` is the same list: the install above need not be repeated. With
conda, or a JupyterLab that already has these packages: just open `{assignment}.ipynb`.)

Fill in every cell that says `# YOUR CODE HERE`, run the visible test under each exercise, answer each
question marked **Explain** in the cell below it that says "YOUR ANSWER HERE" (graded by hand), click
**Validate**, and hand in `{assignment}.ipynb` as your instructor asks. Editing `helpers.py` or `data/`
changes nothing: the grader uses its own copies.
"""


#: The student README of the Chinese edition's zip: the same commands, in Chinese.
STUDENT_README_ZH = """# {assignment}

这个文件夹是《从零实现 RNN 语言模型》课程的一次作业（中文版）：笔记本 `{assignment}.ipynb`、课程的
`helpers.py`、`data/` 中的语料库、`locale/` 中的中文提示信息，以及 `nbgrader_config.py`（*Validate* 按钮的设置）。
请把它们放在一起，不要拆开。

**整门课只需做一次**（Python 3.11）：在所有作业文件夹之外，用课程固定版本的软件包创建一个环境（约 1.4 GB），
之后每次作业都用这同一个环境：

    python3 -m venv ~/rnn-course-env && ~/rnn-course-env/bin/pip install -r requirements.txt

**然后，本次及以后的每次作业**，在作业文件夹中运行：

    ~/rnn-course-env/bin/jupyter lab {assignment}.ipynb

（每次作业的 `requirements.txt` 都是同一份清单，不必重复安装。如果使用 conda，或者手头的 JupyterLab 已经装好了
这些软件包，直接打开 `{assignment}.ipynb` 即可。）

填写每个标有 `# 在此写下你的代码` 的单元格，运行每道练习下面的可见测试，点击 **Validate**（验证），再按老师的要求
提交 `{assignment}.ipynb`。修改 `helpers.py` 或 `data/` 不会有任何作用：评分程序使用的是它自己的副本。
"""

#: Pinned packages of requirements.txt that only instructors, the hub and CI need.
DEVELOPMENT_PACKAGES = frozenset(
    {
        "pytest",
        "pytest-xdist",
        "nbval",
        "playwright",
        "ruff",
        "jupyterhub",
        "dask",
        "distributed",
        "psycopg",
        "psycopg-binary",
    }
)


def student_requirements(root: Path) -> str:
    """requirements.txt without the development packages and the developers' comments (the pins of the
    course, nothing more)."""
    pins = [line.split("#")[0].strip() for line in (root / "requirements.txt").read_text().splitlines()]
    kept = [pin for pin in pins if pin and pin.split("==")[0].strip().lower() not in DEVELOPMENT_PACKAGES]
    return "# The packages of the course (pinned), for a student's own environment.\n" + "\n".join(kept) + "\n"


def release_zip(root: Path, assignment: str, dest: Path | None = None, language: str = "en") -> Path:
    """dist/<assignment>.zip (dist/<assignment>-zh.zip for the Chinese edition, from course-zh/): the release
    (checked fresh and allowed), requirements.txt, a README and the students' nbgrader_config.py."""
    checked(root, assignment, language=language)
    suffix = "" if language == i18n.SOURCE_LANGUAGE else f"-{language}"
    dest = dest or root / "dist" / f"{assignment}{suffix}.zip"
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for relative, data in files(Course(root).edition_release(language) / assignment).items():
            archive.writestr(f"{assignment}/{relative}", data)
        archive.writestr(f"{assignment}/requirements.txt", student_requirements(root))
        due = term.due_line(root, assignment, language)  # the due date and late policy of schedule.toml, if any
        text = STUDENT_README_ZH if language == "zh" else STUDENT_README
        readme = text.format(assignment=assignment) + (f"\n{due}\n" if due else "")
        archive.writestr(f"{assignment}/README.md", readme)
        # the students' nbgrader settings (Validate's messages first), read where JupyterLab starts
        archive.write(Course(root).student_config, f"{assignment}/nbgrader_config.py")
    return dest


def release_hub(root: Path, assignment: str, language: str = "en") -> None:
    """Put the release into nbgrader's exchange, for the hub's students: nbgrader's release_assignment,
    which the guard checks (tools/exchange.py); then the gradebook learns what students received, and
    its due date (Formgrader shows it). `language` other than English: the edition in that language
    (course-zh/<assignment>/, checked against the Chinese edition solutions/ generates now), under the
    same course id; it is graded like the English one (its notebook carries its edition's mark)."""
    args = [str(BIN / "nbgrader"), "release_assignment", assignment, "--force"]
    if language != i18n.SOURCE_LANGUAGE:
        args.append(f"--GuardedReleaseAssignment.language={language}")
    proc = subprocess.run(args, cwd=root, env=_env(root), capture_output=True, text=True)
    if proc.returncode != 0:
        raise ReleaseError(_refusal(proc.stdout + proc.stderr) or f"nbgrader release_assignment {assignment} failed")
    sync(root, [assignment], out=lambda *_: None)
    term.record(Course(root), [assignment])


def _refusal(log: str) -> str | None:
    """The reason nbgrader's log gives for a failed release: the exchange's CRITICAL message (the guard's
    refusal, with its lines), else nbgrader's last line."""
    found = re.search(r"\| CRITICAL\] (.*?)(?=^\[\w+ \||\Z)", log, re.S | re.M)
    lines = [line for line in log.splitlines() if line.strip()]
    if found:  # the log indents a message's later lines: back to the guard's own
        return re.sub(r"\n\s+- ", "\n  - ", found.group(1).rstrip())
    return lines[-1].strip() if lines else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.release", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["course", "sync", "check", "zip", "hub"])
    parser.add_argument("-a", "--assignment", action="append", help="assignment(s) (default: all)")
    parser.add_argument("--root", type=Path, default=ROOT)
    parser.add_argument(
        "--lang", choices=i18n.LANGUAGES, default=i18n.SOURCE_LANGUAGE, help="the edition (course, zip, hub)"
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    known = assignments(root)
    names = args.assignment or (known if args.lang == i18n.SOURCE_LANGUAGE else list(i18n.TRANSLATED[args.lang]))
    unknown = [a for a in names if a not in known]
    if unknown:
        print(
            f"error: no assignment {', '.join(unknown)} in solutions/ (there are {', '.join(known)})", file=sys.stderr
        )
        return 2
    if args.lang != i18n.SOURCE_LANGUAGE and args.command not in ("course", "zip", "hub"):
        parser.error(f"--lang {args.lang}: only `course`, `zip` and `hub` make the {args.lang} edition so far")
    try:
        if args.command == "check":
            return 1 if check(root) else 0
        if args.command in ("zip", "hub"):
            if len(names) != 1:
                parser.error(f"{args.command} needs exactly one --assignment")
            if args.command == "zip":
                print(f"wrote {release_zip(root, names[0], language=args.lang)}")
            else:
                release_hub(root, names[0], language=args.lang)
                edition = "" if args.lang == i18n.SOURCE_LANGUAGE else f" ({args.lang} edition)"
                print(f"released {names[0]}{edition} to the exchange: students fetch it in their Assignments tab")
        elif args.command == "course":
            course(root, names, language=args.lang)
        else:
            sync(root, names)
    except (ReleaseError, toolbox.ToolboxError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
