"""The toolbox: reference code of earlier assignments, generated from the solution notebooks, never typed.

    python -m tools.toolbox            # write solutions/<a>/toolbox.py (`make course` runs it first)
    python -m tools.toolbox --check    # exit status 1 when a generated file is out of date

Code that later notebooks build on is written once, in the solution notebook of the assignment that
teaches it, in a code cell (answer cell or read-only cell) whose first line is the marker `# @save`
(D2L's `#@save`): every top-level function and class of that cell is *saved*, answer cells with their
solution regions. A later notebook imports what it needs, `from toolbox import rnn_forward`, and
`solutions/<a>/toolbox.py` is generated for it with exactly those names and what they call (found by
the symbol table, not declared), nothing else:

* one module per release, named `toolbox.py` in every assignment: each release stays one
  self-contained folder (students often get a single folder), the notebook's import line reads the
  same everywhere, and a release carries the answers of exactly the assignments it needs (05 ships
  only assignment 2's model, not 03's samplers). `tools.release.carried` reads the module like the
  notebook, so `schedule.toml` still decides when the release may be handed out;
* a name may be saved once in the whole course, and imported only by a *later* assignment (an
  assignment that imported its own answers would hand them out with its release);
* nbgrader copies the file into the release (`course/<a>/`, `autograder/release/<a>/`) like
  helpers.py, and `nbgrader autograde` overwrites a submission's copy with this one;
* an optional notebook of extras/ (tools/layout.py) gets `extras/<x>/toolbox.py` the same way; it comes
  after every assignment, so it may import the saved code of all of them (it is never released).

The generated file opens with a banner (generated, do not edit, and where every function comes from)
and names the notebook, section and cell above each function.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import dataclasses
import re
import symtable
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from tools.layout import ROOT, Course, grade_id

MARKER = "# @save"
MODULE = "toolbox"
FILENAME = f"{MODULE}.py"
SOLUTION_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*$")

#: The modules saved code may use, and how the generated file imports them (isort's order).
IMPORTS = {
    "math": ("stdlib", "import math"),
    "random": ("stdlib", "import random"),
    "torch": ("third", "import torch"),
    "F": ("third", "import torch.nn.functional as F"),
    "nn": ("third", "from torch import nn"),
    "helpers": ("first", "import helpers"),
}
BUILTINS = frozenset(dir(builtins))


class ToolboxError(RuntimeError):
    """The marked cells or the imports of a notebook do not make a toolbox (the message says why)."""


@dataclass(frozen=True)
class Saved:
    """One function or class saved from a solution notebook."""

    name: str
    assignment: str
    cell: str  # the cell's grade id
    section: str  # the heading above the cell
    order: tuple[int, int]  # (cell index, position in the cell)
    source: str  # its code, solution markers removed
    uses: frozenset[str]  # the global names it reads
    #: (language, section, code) of each edition whose translation of the cell is current (tools/i18n.py): the
    #: same program, its docstring and comments in that language
    editions: tuple[tuple[str, str, str], ...] = ()

    @property
    def origin(self) -> str:
        return f'{self.assignment}.ipynb, section "{self.section}", cell {self.cell}'

    @property
    def comment(self) -> str:
        """The comment above it in the generated file: where it comes from."""
        return "\n".join(textwrap.wrap(f"From {self.origin}.", width=118, initial_indent="# ", subsequent_indent="# "))

    def in_language(self, language: str) -> Saved:
        """Itself as the edition in `language` shows it (its origin's section, docstring and comments), or
        itself (the English) where the cell has no current translation."""
        for edition, section, source in self.editions:
            if edition == language:
                return dataclasses.replace(self, section=section, source=source, editions=())
        return self


def _notebook(root: Path, assignment: str):
    """The notebook of an assignment or of an extra."""
    import nbformat

    course = Course(root)
    if assignment in course.extra_notebooks():
        return nbformat.read(course.extra_notebook(assignment), as_version=4)
    return nbformat.read(course.source_notebook(assignment), as_version=4)


def _global_names(table: symtable.SymbolTable) -> set[str]:
    """Names a function or class (and everything nested in it) reads from the module's globals."""
    names = {symbol.get_name() for symbol in table.get_symbols() if symbol.is_referenced() and symbol.is_global()}
    for child in table.get_children():
        names |= _global_names(child)
    return names


def _heading(text: str) -> str | None:
    """The last section heading (`## ...`) of a markdown cell, without the hashes."""
    found = None
    for line in text.splitlines():
        match = re.match(r"^##\s+(.*\S)", line)
        if match:
            found = match.group(1)
    return found


def _definitions(source: str) -> dict[str, str]:
    """name -> code of each top-level function and class of a cell's source (solution markers removed)."""
    source = "\n".join(line for line in source.splitlines() if not SOLUTION_MARKER.match(line)) + "\n"
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            found[node.name] = "\n".join(source.splitlines()[start - 1 : node.end_lineno])
    return found


def saved(root: Path, assignment: str) -> list[Saved]:
    """The functions and classes saved by the `# @save` cells of one solution notebook, in order."""
    from tools import i18n

    found, section = [], "the introduction"
    languages = [language for language in i18n.LANGUAGES if language != i18n.SOURCE_LANGUAGE]
    sections = dict.fromkeys(languages, "")
    for index, cell in enumerate(_notebook(root, assignment).cells):
        if cell.cell_type == "markdown":
            section = _heading(cell.source) or section
            for language in languages:
                translated = i18n.translation(cell, language) if i18n.state(cell, language) == "current" else None
                sections[language] = (_heading(translated["source"]) if translated else None) or sections[language]
            continue
        lines = cell.source.splitlines()
        if cell.cell_type != "code" or not lines or lines[0].strip() != MARKER:
            continue
        source = "\n".join(line for line in lines if not SOLUTION_MARKER.match(line)) + "\n"
        label = f"{assignment}, cell {grade_id(cell) or cell.get('id')}"
        try:
            tree = ast.parse(source)
            tables = {child.get_name(): child for child in symtable.symtable(source, label, "exec").get_children()}
        except SyntaxError as error:
            raise ToolboxError(f"{label}: {error}") from None
        definitions = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
        if not definitions:
            raise ToolboxError(f"{label} is marked `{MARKER}` but defines no function or class")
        translated = {  # language -> name -> code: the same program (i18n.program_differences), in that language
            language: _definitions(i18n.translation(cell, language)["source"])
            for language in languages
            if i18n.state(cell, language) == "current"
        }
        for position, node in enumerate(definitions):
            start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            code = "\n".join(source.splitlines()[start - 1 : node.end_lineno])
            editions = tuple(
                (language, sections[language] or section, names[node.name])
                for language, names in translated.items()
                if node.name in names
            )
            found.append(
                Saved(
                    node.name,
                    assignment,
                    grade_id(cell) or cell.get("id"),
                    section,
                    (index, position),
                    code,
                    frozenset(_global_names(tables[node.name])),
                    editions,
                )
            )
    return found


def catalogue(root: Path) -> dict[str, Saved]:
    """name -> its saved definition, over the whole course; a name saved twice is an error."""
    everything: dict[str, Saved] = {}
    for assignment in Course(root).assignments():
        for item in saved(root, assignment):
            if item.name in everything:
                raise ToolboxError(
                    f"{item.name} is saved twice ({everything[item.name].origin} and {item.origin}): "
                    "reference code is written once"
                )
            everything[item.name] = item
    return everything


def imported(root: Path, assignment: str) -> list[str]:
    """The names a solution notebook imports from the toolbox (`from toolbox import ...`), in order."""
    names = []
    for cell in _notebook(root, assignment).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(alias.name == MODULE for alias in node.names):
                raise ToolboxError(f"{assignment}: write `from {MODULE} import <names>`, not `import {MODULE}`")
            if isinstance(node, ast.ImportFrom) and node.module == MODULE:
                names += [alias.name for alias in node.names if alias.name not in names]
    return names


def contents(root: Path, assignment: str, everything: dict[str, Saved] | None = None) -> list[Saved]:
    """What the toolbox of `assignment` holds: the names its notebook imports and, transitively, what
    they call; all saved by earlier assignments. In course order."""
    everything = catalogue(root) if everything is None else everything
    order = Course(root).assignments()
    position = order.index(assignment) if assignment in order else len(order)  # an extra comes last
    wanted, todo = {}, list(imported(root, assignment))
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        item = everything.get(name)
        if item is None:
            raise ToolboxError(f"{assignment} imports {name} from {MODULE}, but no solution notebook saves it")
        if order.index(item.assignment) >= position:
            raise ToolboxError(
                f"{assignment} imports {name} from {MODULE}, but it is saved by {item.assignment}: a release "
                "may only build on earlier assignments (it would hand out its own answers)"
            )
        wanted[name] = item
        for used in sorted(item.uses - BUILTINS - IMPORTS.keys()):
            if used not in everything:
                raise ToolboxError(
                    f"{item.origin}: {name} uses `{used}`, which is neither saved (`{MARKER}`) nor one of "
                    f"the modules a toolbox imports ({', '.join(IMPORTS)})"
                )
            todo.append(used)
    return sorted(wanted.values(), key=lambda item: (order.index(item.assignment), item.order))


#: Where a saved definition comes from, and the banner of the generated file, in the editions of other languages.
ORIGIN_ZH = "{assignment}.ipynb，“{section}”一节，单元格 {cell}"
BANNER_ZH = (
    '"""{assignment} 所依赖的、之前各次作业的参考代码。\n\n'
    "自动生成的文件，请勿编辑：`python -m tools.toolbox`（`make course` 会运行它）根据各份答案笔记本中标有\n"
    "`{marker}` 的单元格写出它；要修改，请编辑那些单元格后重新生成。评分时使用课程自己的这份文件，不论提交的是什么。\n"
    "这是中文版：与英文版是同一份代码，只有文档字符串和注释是中文。\n\n"
    "{table}\n"
    '"""\n'
)


def render(assignment: str, items: list[Saved], language: str = "en") -> str:
    """The text of solutions/<assignment>/toolbox.py; in another `language`, that of its edition's release
    (`edition_text`): the same code, with the docstrings and comments of the cells' translations."""
    chinese = language == "zh"
    items = [item.in_language(language) for item in items] if chinese else items

    def origin(item):
        return (
            ORIGIN_ZH.format(assignment=item.assignment, section=item.section, cell=item.cell)
            if chinese
            else item.origin
        )

    width = max(len(item.name) for item in items) + 2
    lines = []
    for item in items:  # name, then where it comes from (wrapped under itself)
        first, *rest = textwrap.wrap(origin(item), 116 - width)
        lines += [f"    {item.name:{width}s}{first}", *(" " * (4 + width) + line for line in rest)]
    table = "\n".join(lines)
    banner = (
        f'"""Reference code of earlier assignments that {assignment} builds on.\n\n'
        "GENERATED FILE, DO NOT EDIT: `python -m tools.toolbox` (run by `make course`) writes it from the cells\n"
        f"marked `{MARKER}` in the solution notebooks; edit those cells and regenerate. Grading uses the\n"
        "course's own copy of this file, whatever a submission holds.\n\n"
        f"{table}\n"
        '"""\n'
    )
    if chinese:
        banner = BANNER_ZH.format(assignment=assignment, marker=MARKER, table=table)
    used = set().union(*(item.uses for item in items))
    groups = []
    for group in ("stdlib", "third", "first"):
        statements = [statement for name, (kind, statement) in IMPORTS.items() if kind == group and name in used]
        plain = sorted(s for s in statements if s.startswith("import "))
        groups.append("\n".join(plain + sorted(s for s in statements if s.startswith("from "))))
    imports = "\n\n".join(group for group in groups if group)
    comments = [f"# 来自 {origin(item)}。" if chinese else item.comment for item in items]
    body = "\n\n\n".join(f"{comment}\n{item.source}" for comment, item in zip(comments, items))
    return f"{banner}\n{imports}\n\n\n{body}\n"


def edition_text(root: Path, assignment: str, language: str) -> str | None:
    """The toolbox.py of the release of `assignment` in `language` (None: it has none). The English one is
    solutions/<a>/toolbox.py; another edition's is the same code with the docstrings and comments that the
    translations of the `# @save` cells give them (their code is the English one: i18n.program_differences)."""
    items = contents(root, assignment)
    return render(assignment, items, language) if items else None


def install_edition(folder: Path, assignment: str, language: str, root: Path = ROOT) -> None:
    """Put the toolbox.py of `language`'s edition into a release folder of `assignment` that has one (nbgrader
    copied the English one there): the Chinese release, and a Chinese submission's folder while grading."""
    from tools import i18n

    target = folder / FILENAME
    if language != i18n.SOURCE_LANGUAGE and target.is_file():
        text = edition_text(root, assignment, language)
        if text is not None:
            target.unlink()  # it may be a link to solutions/ (tests/test_zh_notebooks.py)
            target.write_text(text)


def expected(root: Path = ROOT, names: list[str] | None = None) -> dict[str, str | None]:
    """assignment (or extra) -> the text its toolbox.py must have (None: it must have none), for `names`
    (default: every assignment and every extra)."""
    everything = catalogue(root)
    result = {}
    for assignment in names or [*Course(root).assignments(), *Course(root).extra_notebooks()]:
        items = contents(root, assignment, everything)
        result[assignment] = render(assignment, items) if items else None
    return result


def path(root: Path, assignment: str) -> Path:
    course = Course(root)
    return (course.extras if assignment in course.extra_notebooks() else course.solutions) / assignment / FILENAME


def stale(root: Path = ROOT, names: list[str] | None = None) -> list[str]:
    """The generated files (paths relative to root) that are out of date, missing or left over."""
    out = []
    for assignment, text in expected(root, names).items():
        target = path(root, assignment)
        current = target.read_text() if target.is_file() else None
        if current != text:
            out.append(target.relative_to(root).as_posix())
    return out


def write(root: Path = ROOT, names: list[str] | None = None, out=print) -> list[Path]:
    """Regenerate the toolbox of each assignment (remove it where nothing is imported); returns the files
    that changed."""
    changed = []
    for assignment, text in expected(root, names).items():
        target = path(root, assignment)
        current = target.read_text() if target.is_file() else None
        if current == text:
            continue
        if text is None:
            target.unlink()
            out(f"{target.relative_to(root)}: removed (the notebook imports nothing from {MODULE})")
        else:
            target.write_text(text)
            out(f"{target.relative_to(root)}: generated from the `{MARKER}` cells of earlier assignments")
        changed.append(target)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.toolbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report out-of-date files (exit status 1)")
    parser.add_argument("-a", "--assignment", action="append", help="assignment(s) (default: all)")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.check:
            outdated = stale(root, args.assignment)
            for name in outdated:
                print(f"{name} is out of date: run `python -m tools.toolbox` (or `make course`)")
            return 1 if outdated else 0
        write(root, args.assignment)
    except ToolboxError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
