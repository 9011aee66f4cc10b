"""One source, two editions: the Chinese text of the notebooks lives beside the English in solutions/.

    python -m tools.i18n status [-a A ...]          # per notebook: cells translated, stale (with the English
                                                    # diff since the translation, from git), missing
    python -m tools.i18n extract -a A [-o FILE]     # both languages of every markdown cell and code cell with
                                                    # prose (comments, docstrings, labels), one .md file
    python -m tools.i18n apply FILE                 # write FILE's edits back into the notebook
    python -m tools.i18n messages                   # the texts the tests pass to the checks -> locale/zh/LC_MESSAGES/
                                                    # tests.po: new ones added untranslated, obsolete ones reported

**The format.** A markdown cell of `solutions/<a>/<a>.ipynb` keeps its English as its source, and its
Chinese in its own metadata::

    "metadata": {"i18n": {"zh": {"en_sha1": "3f2a…", "source": ["## 1. 文本、词元与词表\n", …]}}, "nbgrader": {…}}

`en_sha1` is the SHA-1 of the English source the Chinese translates. Edit the English and the two no
longer match: the translation is *stale*, `status` names the cell, tests/test_i18n.py fails, and the
Chinese release refuses to build (it would ship a translation of text that is no longer there). The
Chinese travels with its cell when cells move, are copied or deleted, and nbgrader, nbval and JupyterLab
ignore metadata they do not know. The English edition is what nbgrader made before: `Edition` removes
the `i18n` metadata from every release.

**Editing both languages.** `extract` writes one markdown file with each cell's English and Chinese one
after the other (`<!-- cell ID en -->`, `<!-- cell ID zh -->` markers); edit either or both, then
`apply`. A Chinese text edited in the file is taken as translating the English beside it. A Chinese text
left as it was keeps the English it translated: edit only the English and the cell becomes stale (as it
should); when an English edit does not change the meaning (a typo), write `zh: confirmed` in that cell's
zh marker to say the Chinese still fits.

**The edition of a release** is chosen by `Edition.language` (nbgrader's config: `--Edition.language=zh`,
which `python -m tools.release course --lang zh` passes; English unless said). Messages printed by
Python code (helpers.py's checks, the progress table) come from gettext catalogues,
`locale/<lang>/LC_MESSAGES/course.po`, compiled here (`compile_po`) into the Chinese release; helpers.py
picks the language (`helpers.LANGUAGE_ENV`).
"""

from __future__ import annotations

import argparse
import ast
import functools
import gettext
import hashlib
import io
import re
import struct
import sys
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

from tools.layout import HIDDEN_TESTS, ROOT, Course, is_test_cell

LANGUAGES = ("en", "zh")
SOURCE_LANGUAGE = "en"
LANGUAGE_ENV = "RNN_COURSE_LANG"  # helpers.py reads the same variable
#: The assignments with a complete translation, per language: only these have a release in it.
TRANSLATED = {
    "zh": (
        "01_one_hot",
        "02_recurrence",
        "03_samplers",
        "04_perplexity",
        "05_clipping",
        "06_scratch_training",
        "07_concise_rnn",
    )
}
#: The gettext domain and catalogues of the messages printed by Python code.
DOMAIN = "course"
LOCALE = ROOT / "locale"


class I18nError(RuntimeError):
    """A translation is missing or stale, or an edited file does not fit its notebook."""


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def with_hidden(translated: str, english: str) -> str:
    """A test cell's translation (`without_hidden`) with the hidden tests of its English put back, in order."""
    bodies = iter(m[1] for m in HIDDEN_TESTS.finditer(english))
    return HIDDEN_TESTS.sub(
        lambda m: m[0][: m.start(1) - m.start()] + next(bodies, "") + m[0][m.end(1) - m.start() :], translated
    )


def without_hidden(source: str) -> str:
    """A test cell's source with its hidden tests' lines removed, their BEGIN and END lines kept."""
    return with_hidden(source, "")


def translated_part(cell) -> str:
    """What a cell's translation translates: its source; a test cell's without its hidden tests, which no student
    reads in any edition (the release drops them, the feedback page hides them), so that editing a hidden test
    leaves the translation current and the metadata holds no second copy of it."""
    return without_hidden(cell["source"]) if is_test_cell(cell) else cell["source"]


def translation(cell, language: str) -> dict | None:
    """{"source", "en_sha1"} of a cell's translation into `language` (its source as one string), or None. A test
    cell's source comes with the hidden tests of the cell's English (the translation keeps only their marks)."""
    found = cell.get("metadata", {}).get("i18n", {}).get(language)
    if not found:
        return None
    text = "".join(found.get("source", ""))
    return {**found, "source": with_hidden(text, cell["source"]) if is_test_cell(cell) else text}


def state(cell, language: str) -> str:
    """ "current", "stale" (the English changed since it was translated) or "missing"."""
    found = translation(cell, language)
    if not found:
        return "missing"
    return "current" if found.get("en_sha1") == sha1(translated_part(cell)) else "stale"


def translatable(nb) -> list:
    """The cells a student reads as prose: the markdown cells, and the code cells with text a student reads
    (cell_texts: comments, docstrings, printed sentences, figure labels; a test cell's visible comments) or a
    translation."""
    return [cell for cell in nb.cells if cell.cell_type == "markdown" or _prose_code(cell)]


def _prose_code(cell) -> bool:
    if cell.cell_type != "code":
        return False
    words = re.compile("[A-Za-z]{2}|" + CJK.pattern)
    return bool(translation(cell, "zh")) or any(words.search(text) for text in cell_texts(cell))


def status(nb, language: str) -> dict[str, list[str]]:
    """state -> the ids of the notebook's markdown cells in it; "code": {state -> ids} of its code cells with
    prose (a code cell without a translation keeps its English in the release; a stale one refuses it)."""
    found = {"current": [], "stale": [], "missing": [], "code": {"current": [], "stale": [], "missing": []}}
    for cell in translatable(nb):
        (found if cell.cell_type == "markdown" else found["code"])[state(cell, language)].append(cell.get("id", "?"))
    return found


# ---------------------------------------------------------------------------
# Code cells: their comments, docstrings, printed sentences and figure labels
# ---------------------------------------------------------------------------
#: Calls whose string arguments a student reads: print, and matplotlib's titles, labels, legends and texts.
PROSE_CALLS = {"print", "title", "suptitle", "xlabel", "ylabel", "legend", "text", "annotate"} | {
    f"set_{name}"
    for name in ("title", "xlabel", "ylabel", "label", "text", "xticks", "yticks", "xticklabels", "yticklabels")
}
#: Keyword arguments whose strings a student reads, in any call: a plot's label=, ax.set(title=...), a progress
#: bar's desc=.
PROSE_KEYWORDS = {"label", "labels", "title", "xlabel", "ylabel", "desc"}
#: The lines of a cell nbgrader reads: they stay as they are in every edition.
NBGRADER_MARK = re.compile(r"^[ \t]*#+[ \t]*(?:BEGIN|END) (?:SOLUTION|HIDDEN TESTS)\b.*$", re.M)


def _docstrings(tree) -> list:
    return [
        node.body[0].value
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
        and isinstance(node.body[0].value.value, str)
    ]


def prose_strings(tree) -> list:
    """The string constants of a code cell's tree that a student reads as text: docstrings, and the strings
    (f-strings' literal parts too) in the arguments of PROSE_CALLS and in PROSE_KEYWORDS arguments."""
    found = {id(node): node for node in _docstrings(tree)}
    defined = {  # the cell's own functions: a parameter named like PROSE_KEYWORDS (draw(ax, title)) takes text
        node.name: [arg.arg for arg in node.args.args]
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
        name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
        given = list(call.args) if name in PROSE_CALLS else []
        if isinstance(call.func, ast.Name) and name in defined:
            given += [arg for arg, param in zip(call.args, defined[name]) if param in PROSE_KEYWORDS]
        given += [k.value for k in call.keywords if k.arg in PROSE_KEYWORDS]
        for node in (n for arg in given for n in _texts_of(arg)):
            found[id(node)] = node
    return list(found.values())


def _texts_of(node) -> list:
    """The string constants an argument shows as text: itself, an f-string's literal parts (not its values nor
    their format specs), the parts of a + and the two values of a conditional expression."""
    if isinstance(node, ast.Constant):
        return [node] if isinstance(node.value, str) else []
    if isinstance(node, ast.JoinedStr):
        return [value for value in node.values if isinstance(value, ast.Constant)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _texts_of(node.left) + _texts_of(node.right)
    if isinstance(node, ast.IfExp):
        return _texts_of(node.body) + _texts_of(node.orelse)
    if isinstance(node, (ast.List, ast.Tuple)):  # legend(["a", "b"])
        return [found for element in node.elts for found in _texts_of(element)]
    if isinstance(node, ast.ListComp):  # set_yticks(..., [f"epoch {k}" for k in ...])
        return _texts_of(node.elt)
    return []


def code_texts(source: str) -> list[str]:
    """What a student reads in a code cell: its comments (not nbgrader's marks), docstrings, printed sentences
    and figure labels (prose_strings; an f-string's values as {}); [] for a cell Python cannot parse."""
    import tokenize

    try:
        tree = ast.parse(source)
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (SyntaxError, tokenize.TokenError):
        return []
    texts = [t.string.lstrip("#").strip() for t in tokens if t.type == tokenize.COMMENT]
    texts = [text for text in texts if not NBGRADER_MARK.match("#" + text) and not text.startswith(("noqa", "@save"))]
    strings = {id(node) for node in prose_strings(tree)}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and any(id(v) in strings for v in node.values):
            texts.append("".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values))
            strings -= {id(v) for v in node.values}
    texts += [node.value for node in ast.walk(tree) if id(node) in strings]
    return [text for text in texts if text.strip()]


def test_comments(source: str) -> list[str]:
    """What a student reads in a test cell: the comments of its visible lines. Its strings are the messages the
    tests pass to the checks, which helpers.py translates as it prints them (locale/<lang>/tests.po)."""
    import tokenize

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(without_hidden(source)).readline))
    except (SyntaxError, tokenize.TokenError):
        return []
    texts = [t.string.lstrip("#").strip() for t in tokens if t.type == tokenize.COMMENT]
    return [text for text in texts if text and not NBGRADER_MARK.match("#" + text) and not text.startswith("noqa")]


def cell_texts(cell) -> list[str]:
    """What a student reads in a code cell: code_texts, or a test cell's test_comments."""
    return test_comments(cell["source"]) if is_test_cell(cell) else code_texts(cell["source"])


def untranslated_code(source: str, test: bool = False) -> list[str]:
    """The lines of a code cell's texts (code_texts) that hold English a student would have to read: three English
    words in a row, or a word of three letters in a line without Chinese (code, names and shapes are allowed)."""
    found = []
    texts = test_comments(source) if test else code_texts(source)
    for line in (line.strip() for text in texts for line in text.splitlines()):
        line = re.sub(r"^[A-Za-z_][A-Za-z_0-9]*\s*[:：]", " ", line)  # a docstring's "params:" names the code
        words = CODE_IN_TEXT.sub(" ", re.sub(r"\{[^{}]*\}", " ", MATH.sub(" ", line)))
        if ENGLISH_RUN.search(words) or (not CJK.search(words) and re.search(r"[A-Za-z]{3}", words)):
            found.append(line[:60])
    return found


def _blanked(tree):
    """The tree's dump with the strings a student reads emptied (an f-string's empty parts dropped)."""
    for node in prose_strings(tree):
        node.value = ""
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            node.values = [v for v in node.values if not (isinstance(v, ast.Constant) and v.value == "")]
    return ast.dump(tree)


def _tokens(source: str) -> list[tuple[int, str]]:
    """The source's tokens but its comments and line breaks: what is left of a test cell when comments change."""
    import tokenize

    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    return [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type not in skip]


def program_differences(english: str, translated: str, test: bool = False) -> list[str]:
    """How a code cell's translation is not the same program as its English: its syntax tree must be the
    English one but for comments and the strings a student reads (prose_strings), and keep nbgrader's marks.
    A test cell's (`test`) may differ in its comments only: its strings are the messages of tests.po, and
    grading runs the English one (the gradebook's)."""
    try:
        tree = ast.parse(translated)
    except SyntaxError as error:
        return [f"not Python: {error}"]
    problems = []
    if test and _tokens(translated) != _tokens(english):
        problems.append("a test cell's translation differs from the English beyond its comments")
    elif _blanked(tree) != _blanked(ast.parse(english)):
        problems.append("its code differs from the English beyond comments, docstrings, printed text and labels")
    if NBGRADER_MARK.findall(translated) != NBGRADER_MARK.findall(english):
        problems.append("nbgrader's BEGIN/END lines differ from the English")
    return problems


def translated_english(notebook: Path, cell_id: str, en_sha1: str, root: Path = ROOT) -> str | None:
    """The English a stale translation was made from: the cell's source in the newest commit of git's history
    of the notebook whose SHA-1 is `en_sha1` (None when no commit has it, or without git)."""
    import json
    import subprocess

    path = notebook.resolve().relative_to(root.resolve()).as_posix()

    def run(*args):
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=60)

    log = run("log", "--format=%H", "--", path)
    for commit in log.stdout.split() if log.returncode == 0 else []:
        shown = run("show", f"{commit}:{path}")
        cells = json.loads(shown.stdout).get("cells", []) if shown.returncode == 0 else []
        for cell in cells:
            english = "".join(cell.get("source", ""))
            if cell.get("id") == cell_id and sha1(english) == en_sha1:
                return english
    return None


def english_diff(notebook: Path, cell, language: str = "zh", root: Path = ROOT) -> str:
    """What changed in a cell's English since its translation was made, as a unified diff."""
    import difflib

    found = translation(cell, language)
    before = translated_english(notebook, cell.id, found["en_sha1"], root) if found else None
    if before is None:
        return "  (the English it translates is in no commit of the notebook's history)\n"
    lines = difflib.unified_diff(before.splitlines(), cell.source.splitlines(), "translated", "now", lineterm="")
    return "".join(f"    {line}\n" for line in list(lines)[2:])


def set_translation(cell, language: str, text: str, english: str | None = None) -> None:
    """Store `text` as the cell's `language` translation of `english` (default: its source now). Of a test cell,
    both without their hidden tests (`translated_part`)."""
    english = cell.source if english is None else english
    if is_test_cell(cell):
        english, text = without_hidden(english), without_hidden(text)
    cell.metadata.setdefault("i18n", {})[language] = {
        "en_sha1": sha1(english),
        "source": text.splitlines(keepends=True),  # a list of lines, as nbformat stores cells: diffs by line
    }


def translate(nb, language: str) -> None:
    """The notebook in `language`, in place: every markdown cell's source replaced by its translation (an
    I18nError names the cells whose translation is missing or stale), and the `i18n` metadata removed."""
    problems = []
    for cell in nb.cells:
        cell_state = state(cell, language)
        text = translation(cell, language)["source"] if cell_state == "current" else None
        cell.get("metadata", {}).pop("i18n", None)
        if language == SOURCE_LANGUAGE or cell.cell_type not in ("markdown", "code"):
            continue
        if cell.cell_type == "code" and cell_state == "missing":
            continue  # a code cell without a translation keeps its English
        if text is None:
            problems.append(f"{cell.get('id', '?')} ({cell_state})")
            continue
        if cell.cell_type == "code":
            differences = program_differences(cell.source, text, test=is_test_cell(cell))
            problems += [f"{cell.get('id', '?')} ({problem})" for problem in differences]
        cell.source = text
    if problems:
        raise I18nError(
            f"no current {language} translation of cell(s) {', '.join(problems)}: "
            "`python -m tools.i18n status` lists them, `extract`/`apply` edit them"
        )
    mark(nb, language)


def mark(nb, language: str) -> None:
    """Say in the notebook's metadata which edition it belongs to (nothing for the source language's)."""
    if language != SOURCE_LANGUAGE:
        nb.metadata.setdefault("rnn_course", {})["language"] = language


def edition(nb, assignment: str | None = None) -> str:
    """The edition a notebook says it was released in (`mark`), when the course has that edition of
    `assignment` (of any assignment when None); the source language otherwise, or without a mark."""
    language = nb.get("metadata", {}).get("rnn_course", {}).get("language", SOURCE_LANGUAGE)
    if language in TRANSLATED and (assignment is None or assignment in TRANSLATED[language]):
        return language
    return SOURCE_LANGUAGE


def restore_translations(nb, source, language: str) -> list[str]:
    """Put back, in place, the `language` text of the markdown cells whose source is the English the source
    notebook's cell of the same id has now and translates (autograde restores a read-only cell's English from
    the gradebook). Other cells (a stale translation, a cell the student wrote) are left as they are. Returns
    the ids of the cells translated."""
    english = {cell.get("id"): cell for cell in translatable(source) if state(cell, language) == "current"}
    done = []
    for cell in translatable(nb):
        original = english.get(cell.get("id"))
        if original is not None and cell.source == original.source:
            cell.source = translation(original, language)["source"]
            done.append(cell.id)
    return done


class Edition(Preprocessor):
    """First of c.GenerateAssignment.preprocessors: the release in `language` (the English one without the
    translations the source keeps in metadata). Refuses a missing or stale translation."""

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)
    language = Unicode(SOURCE_LANGUAGE, help="the edition's language: en or zh").tag(config=True)

    def preprocess(self, nb, resources):
        if self.language not in LANGUAGES:
            raise I18nError(f"Edition.language must be one of {', '.join(LANGUAGES)}, got {self.language!r}")
        translate(nb, self.language)
        return nb, resources


class EditionStubs(Preprocessor):
    """Right after nbgrader's ClearSolutions in c.GenerateAssignment.preprocessors: in the release of another
    edition (the notebook's mark, which Edition set), a code answer cell shows that language's stub
    (tools/freetext.py's CODE_STUB: "# 在此写下你的代码", then the same `raise NotImplementedError()`) instead of
    nbgrader's English comment. ClearSolutions.code_stub is one for every edition, and a Dict its command
    line cannot set. Before ComputeChecksums: the release's checksums are those of what it shows."""

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)

    def preprocess(self, nb, resources):
        from tools.layout import is_answer_cell

        language = edition(nb)
        if language != SOURCE_LANGUAGE:
            for cell in nb.cells:
                if cell.cell_type == "code" and is_answer_cell(cell):
                    cell.source = edition_stub(cell.source, language)
        return nb, resources


def edition_stub(source: str, language: str) -> str:
    """A code cell's source with nbgrader's English stub (CODE_STUB["en"], at any indentation) in `language`."""
    from tools.freetext import CODE_STUB

    english, translated = CODE_STUB[SOURCE_LANGUAGE].splitlines(), CODE_STUB[language].splitlines()
    lines = source.split("\n")
    for index in range(len(lines) - len(english) + 1):
        indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
        if [line.strip() for line in lines[index : index + len(english)]] == english and all(
            line.startswith(indent) for line in lines[index : index + len(english)]
        ):
            lines[index : index + len(english)] = [indent + line for line in translated]
    return "\n".join(lines)


class FeedbackEdition(Preprocessor):
    """In c.GenerateFeedback.preprocessors, before tools.feedback.TeachingFeedback: the feedback page of a
    notebook released in another edition shows its read-only markdown, and the answer cells left as released,
    in that edition's language.

    Every edition is graded against the one gradebook that `generate_assignment` of the English source
    writes, so autograde puts the English of each read-only cell back (OverwriteCells: the checksums differ).
    The autograded notebook keeps that English in its markdown, as the gradebook has it (its read-only code runs
    translated: GradingEdition); the page the student reads has the translation that the source keeps of exactly
    that English. Likewise an answer cell the student left as
    the edition's release wrote it was given the English release's stub before grading (tools/checks.py's
    `edition_stubs`: the gradebook's checksum knows that one); the page shows the edition's stub again, with
    the checksum of what it shows, so that TeachingFeedback still finds it "not attempted"."""

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)

    def preprocess(self, nb, resources):
        language, source = _other_edition(nb, resources)
        if source is not None:
            restore_translations(nb, source, language)
            restore_stubs(nb, source, language)
        return nb, resources


def _other_edition(nb, resources) -> tuple[str, object]:
    """The language of the edition a submission was released in, and the source notebook of its assignment
    when that edition is not the source's (None otherwise: nothing to put back)."""
    import nbformat

    assignment = ((resources or {}).get("nbgrader") or {}).get("assignment")
    language = edition(nb, assignment)
    if not assignment or language == SOURCE_LANGUAGE:
        return language, None
    return language, nbformat.read(Course(ROOT).source_notebook(assignment), as_version=4)


class GradingEdition(Preprocessor):
    """First of c.Autograde.autograde_preprocessors: a notebook released in another edition runs its read-only code
    cells as that edition wrote them. OverwriteCells has put the gradebook's English back into every read-only cell;
    of a code cell whose English is the source's now, the translation is the same program (`program_differences`)
    with its printed sentences, labels and comments in the edition's language, so that what it prints, on the
    feedback page too, is in that language, as in the student's own run. Answer and test cells stay as they are."""

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)

    def preprocess(self, nb, resources):
        import nbformat

        from tools.layout import is_answer_cell

        language, source = _other_edition(nb, resources)
        if source is not None:
            code = [c for c in nb.cells if c.cell_type == "code" and not (is_answer_cell(c) or is_test_cell(c))]
            restore_translations(nbformat.v4.new_notebook(cells=code), source, language)
        return nb, resources


def restore_stubs(nb, source, language: str) -> list[str]:
    """Put back, in place, the `language` release's stub (tools/checks.py's `edition_answer_stubs`) into every
    answer cell, code or free text, still as the English release wrote it (its source has the checksum nbgrader
    stored), with the checksum of that stub. Returns the grade ids of the cells changed."""
    from nbgrader.utils import compute_checksum

    from tools.checks import edition_answer_stubs
    from tools.layout import grade_id, is_answer_cell, is_freetext_cell, nbgrader

    stubs = edition_answer_stubs(ROOT, source, language)
    done = []
    for cell in nb.cells:
        meta, stub = nbgrader(cell), stubs.get(grade_id(cell))
        if not (is_answer_cell(cell) or is_freetext_cell(cell)) or stub is None or cell.source == stub:
            continue
        if "checksum" in meta and meta["checksum"] == compute_checksum(cell):
            cell.source = stub
            meta["checksum"] = compute_checksum(cell)
            done.append(grade_id(cell))
    return done


# ---------------------------------------------------------------------------
# The glossary (docs/glossary-zh.md) and what a Chinese text may contain
# ---------------------------------------------------------------------------
GLOSSARY = ROOT / "docs" / "glossary-zh.md"
#: What is not prose in a markdown text: fenced, indented and inline code, display and inline math, links'
#: targets, HTML tags and comments.
NOT_PROSE = re.compile(
    r"```.*?```|^(?: {4}|\t)[^\n]*|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)|<[^>]*>|https?://\S+", re.S | re.M
)


def prose(markdown: str) -> str:
    """The words of a markdown text: code, formulas, URLs and tags removed, emphasis marks dropped."""
    return " ".join(NOT_PROSE.sub(" ", markdown).replace("*", "").split())


def read_glossary(path: Path = GLOSSARY) -> list[dict]:
    """[{"en": [variants], "zh": [renderings], "not": [wrong renderings]}] from the glossary's table."""
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 3 or cells[0] in ("English", "") or set(cells[0]) <= set("-"):
            continue
        split = lambda text, sep: [part.strip() for part in text.split(sep) if part.strip()]  # noqa: E731
        terms.append({"en": split(cells[0], ";"), "zh": split(cells[1], ";"), "not": split(cells[2], "、")})
    return terms


def term_problems(english: str, chinese: str, terms: list[dict]) -> list[str]:
    """How a Chinese text departs from the glossary, given the English it translates (markdown or plain)."""
    words, problems = prose(english).lower(), []
    for term in terms:
        pattern = "|".join(re.escape(variant.lower()) for variant in term["en"])
        if re.search(rf"(?<![\w-])(?:{pattern})s?(?![\w-])", words) and not any(z in chinese for z in term["zh"]):
            problems.append(f"'{term['en'][0]}' is {' or '.join(term['zh'])}, which the translation never uses")
        rest = chinese
        for rendering in (z for t in terms for z in t["zh"]):  # 独热编码 is no 热编码
            rest = rest.replace(rendering, "\0")
        problems += [f"{wrong} (write {term['zh'][0]})" for wrong in term["not"] if wrong in rest]
    return problems


#: Three or more words of Latin letters in a row: English prose (names of one or two words, such as
#: "Zipf's law" or "H. G.", and everything in code or formulas, are allowed).
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,;:]+[A-Za-z][A-Za-z'’-]*){2,}")
CJK = re.compile(r"[\u4e00-\u9fff]")


def english_prose(markdown: str) -> list[str]:
    """The English a student would have to read in a text of the Chinese edition: runs of three or more
    English words outside code and formulas, or the whole text when it holds no Chinese at all."""
    words = prose(markdown)
    if re.search("[A-Za-z]", words) and not CJK.search(words):
        return [words[:60]]
    return ENGLISH_RUN.findall(words)


#: Code in a plain text (a message of the tests, where nothing marks it): a call with its arguments or an
#: indexing written against its name, a shape of capitals and numbers ((T * B, D * H)), a name with _, . or =
#: (batch_size=, torch.tanh).
_BRACKETS = r"[(\[](?:[^()\[\]]|[(\[](?:[^()\[\]]|[(\[][^()\[\]]*[)\]])*[)\]])*[)\]]"  # nested up to three deep
_SHAPE = r"\([A-Z\d_]+(?:\s*[,*·+-]\s*[A-Z\d_]+)+\)"
CODE_IN_TEXT = re.compile(rf"[\w.]+{_BRACKETS}|{_SHAPE}|[\w.]*[_.=][\w.=]*")


def english_in_message(text: str) -> list[str]:
    """english_prose() of a plain-text message (the texts of the tests, a failed check's message and hint):
    its code, which no backticks mark, left out first."""
    return english_prose(CODE_IN_TEXT.sub(" ", text))


MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$", re.S)
TEXT_IN_MATH = re.compile(r"\\text\{([^{}]*)\}")
CODE = re.compile(r"`([^`]*)`|\\texttt\{([^{}]*)\}")


def english_in_formulas(markdown: str) -> list[str]:
    """The words of a formula's `\\text{...}` left in English (d2l-zh writes them in Chinese), except a single
    word the same text shows as code (`N_\\text{train}` beside `train = [...]` names the code's variable)."""
    code = {word for found in CODE.finditer(markdown) for word in re.findall(r"[A-Za-z]+", found[1] or found[2] or "")}
    english = []
    for formula in MATH.finditer(markdown):
        for text in TEXT_IN_MATH.findall(formula[0]):
            words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
            if words and not CJK.search(text) and not (len(words) == 1 and words[0] in code):
                english.append(text.strip())
    return english


# ---------------------------------------------------------------------------
# Editing both languages in one markdown file
# ---------------------------------------------------------------------------
MARKER = re.compile(r"^<!-- cell (?P<id>\S+) (?P<lang>[a-z]{2})(?::\s*(?P<note>[a-z]+))? -->$", re.M)
HEADER = (
    "<!-- {path}: the English and the {language} of every markdown cell and code cell with prose (in a code\n"
    "     cell change only comments, docstrings, printed text and labels). Edit either or both, then run\n"
    "     `python -m tools.i18n apply {file}`. A cell marked `{language}: stale` has a translation of an older\n"
    "     English: update it, or write `{language}: confirmed` if it still fits. Leave the markers alone. -->\n"
)


def stored(cell, language: str) -> str:
    """The cell's `language` text as the metadata keeps it (a test cell's without its hidden tests), or ""."""
    return "".join(cell.get("metadata", {}).get("i18n", {}).get(language, {}).get("source", ""))


def extract(notebook: Path, language: str = "zh", file: str = "FILE") -> str:
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    shown = notebook.relative_to(ROOT) if notebook.is_relative_to(ROOT) else notebook
    parts = [HEADER.format(path=shown, language=language, file=file)]
    for cell in translatable(nb):
        found = stored(cell, language)
        cell_state = state(cell, language)
        note = "" if cell_state == "current" else f": {cell_state}"
        parts.append(f"<!-- cell {cell.id} {SOURCE_LANGUAGE} -->\n{cell.source}\n")
        parts.append(f"<!-- cell {cell.id} {language}{note} -->\n{found}\n")
    return "\n".join(parts)


def parse(text: str) -> list[tuple[str, str, str, str]]:
    """(cell id, language, note, text) of each block of an extracted file."""
    found = list(MARKER.finditer(text))
    blocks = []
    for marker, following in zip(found, [*found[1:], None]):
        body = text[marker.end() : following.start() if following else len(text)]
        blocks.append((marker["id"], marker["lang"], marker["note"] or "", body.strip("\n")))
    return blocks


def apply(notebook: Path, text: str, language: str = "zh") -> dict[str, list[str]]:
    """Write an extracted file's texts back; returns {"changed": ids, "stale": ids} (stale afterwards)."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    cells = {cell.id: cell for cell in translatable(nb)}
    blocks = parse(text)
    english = {cid: body for cid, lang, _, body in blocks if lang == SOURCE_LANGUAGE}
    unknown = sorted({cid for cid, *_ in blocks} - set(cells))
    if unknown:
        raise I18nError(f"{notebook.name} has no markdown cell {', '.join(unknown)}")
    changed = []
    for cid, lang, note, body in blocks:
        cell = cells[cid]
        if lang == SOURCE_LANGUAGE:
            if body != cell.source:
                cell.source, changed = body, [*changed, cid]
            continue
        if lang != language:
            raise I18nError(f"cell {cid}: a block in {lang}, expected {SOURCE_LANGUAGE} or {language}")
        if not body.strip():
            continue  # not translated yet
        if body != stored(cell, language) or note == "confirmed":
            set_translation(cell, language, body, english.get(cid, cell.source))
            changed.append(cid)
    nbformat.write(nb, notebook)
    changed = sorted(set(changed))
    return {"changed": changed, "stale": status(nb, language)["stale"]}


# ---------------------------------------------------------------------------
# gettext catalogues: .po (committed) -> .mo (written into releases, never committed)
# ---------------------------------------------------------------------------
def read_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a .po file (plain entries: no plurals or contexts, which the course does not use);
    the header (msgid "") included, untranslated entries left out."""
    entries, current, field = {}, {"msgid": None, "msgstr": None}, None

    def flush():
        if current["msgid"] is not None and current["msgstr"]:
            entries[current["msgid"]] = current["msgstr"]

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgid", "msgstr"):
            if keyword == "msgid":
                flush()
                current = {"msgid": None, "msgstr": None}
            field, line = keyword, rest.strip()
        elif keyword.startswith(("msgctxt", "msgid_plural", "msgstr[")):
            raise I18nError(f"unsupported .po keyword {keyword}")
        if not line.startswith('"'):
            raise I18nError(f"cannot read .po line: {raw!r}")
        current[field] = (current[field] or "") + ast.literal_eval(line)
    flush()
    return entries


def compile_po(po: Path, mo: Path, only: set[str] | None = None) -> Path:
    """Write the .mo file (GNU gettext's binary format, which the standard library reads) of a .po file, with
    the msgids in `only` (and the header) when it is given."""
    mo.parent.mkdir(parents=True, exist_ok=True)
    mo.write_bytes(mo_bytes(po, only))
    return mo


@functools.lru_cache(maxsize=8)
def translator(language: str):
    """The gettext function of `language` for the instructors' own tools (tools/feedback.py), read from its
    .po as it is now; the identity for English."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations().gettext
    po = LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    return gettext.GNUTranslations(io.BytesIO(mo_bytes(po))).gettext


def mo_bytes(po: Path, only: set[str] | None = None) -> bytes:
    """The .mo file of a .po file (of its msgids in `only`, when given), as bytes."""
    entries = sorted(read_po(po.read_text(encoding="utf-8")).items())
    entries = [(key, value) for key, value in entries if only is None or not key or key in only]
    ids = [key.encode("utf-8") for key, _ in entries]
    strs = [value.encode("utf-8") for _, value in entries]
    start = 7 * 4 + 16 * len(entries)  # header, then two tables of (length, offset)
    id_offsets, str_offsets, blob = [], [], b""
    for data, offsets in [(ids, id_offsets), (strs, str_offsets)]:
        for item in data:
            offsets.append((len(item), start + len(blob)))
            blob += item + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, len(entries), 7 * 4, 7 * 4 + 8 * len(entries), 0, 0)
    tables = b"".join(struct.pack("<2I", *pair) for pair in [*id_offsets, *str_offsets])
    return header + tables + blob


#: The file of a release that names its edition's language for helpers.py (relative to the release folder).
LANGUAGE_FILE = "locale/LANGUAGE"


def catalogue(language: str, domain: str = DOMAIN) -> str:
    """Where a release keeps the compiled catalogue of `language` (relative to the release folder): helpers.py's
    messages, or (domain "tests") the texts of the tests."""
    return f"locale/{language}/LC_MESSAGES/{domain}.mo"


def catalogue_files(language: str) -> set[str]:
    """The files `install_catalogue` writes into a release of `language` (none for the source language)."""
    if language == SOURCE_LANGUAGE:
        return set()
    return {LANGUAGE_FILE, catalogue(language), catalogue(language, TESTS_DOMAIN)}


def install_catalogue(
    folder: Path, language: str, default: bool = True, assignment: str | None = None, hidden: bool = False
) -> None:
    """A release's messages in `language`: locale/<lang>/LC_MESSAGES/course.mo and tests.mo (the texts of the
    tests), and (`default`) locale/LANGUAGE, next to its helpers.py (helpers.py reads them); nothing for the
    source language. Without `default` the catalogues are there for RNN_COURSE_LANG to choose, and the messages
    stay English otherwise. With `assignment` tests.mo holds the texts of that assignment's tests only, its
    visible tests' only unless `hidden`: a student's release must not tell what the hidden tests, or the tests
    of other assignments, check; a grading kernel (the student's code runs beside it) gets its assignment's
    hidden texts too, for the test cells that run there. Without `assignment` (the grading release, which only
    the checker reads) all of them."""
    if language == SOURCE_LANGUAGE:
        return
    po = LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    compile_po(po, folder / catalogue(language))
    visible = None
    if assignment:
        import nbformat

        visible = set(test_texts(nbformat.read(Course(ROOT).source_notebook(assignment), as_version=4), hidden))
    po = LOCALE / language / "LC_MESSAGES" / f"{TESTS_DOMAIN}.po"
    compile_po(po, folder / catalogue(language, TESTS_DOMAIN), visible)
    if default:
        (folder / LANGUAGE_FILE).write_text(language + "\n")


def install_grading_catalogues(folder: Path, assignment: str) -> set[str]:
    """The grading release of `assignment` (autograder/release/<a>/, whose helpers.py the checker runs) with
    the catalogues of every edition it has, none of them the default: grading picks one per submission.
    Returns the files written, relative to the folder."""
    languages = [language for language, names in TRANSLATED.items() if assignment in names]
    for language in languages:
        install_catalogue(folder, language, default=False)
    return {catalogue(language, domain) for language in languages for domain in (DOMAIN, TESTS_DOMAIN)}


# ---------------------------------------------------------------------------
# The texts of the tests: what test cells and MISTAKES cells hand to helpers.py's checks
# ---------------------------------------------------------------------------
#: The gettext domain of those texts; msgid = the English exactly as a test passes it, or for an f-string a
#: template with numbered placeholders ("H_t ({0})"), which helpers.py matches against the text it gets.
TESTS_DOMAIN = "tests"
#: The assignments whose tests' texts are all translated, per language. tests/test_i18n.py fails on an extracted
#: text of these without a translation.
TESTS_TRANSLATED = {
    "zh": (
        "01_one_hot",
        "02_recurrence",
        "03_samplers",
        "04_perplexity",
        "05_clipping",
        "06_scratch_training",
        "07_concise_rnn",
    )
}
#: The calls whose texts a student reads, and those texts' parameters.
TEXT_PARAMETERS = {
    "check_true": ("message", "hint"),
    "check_shape": ("name", "hint"),
    "check_dtype": ("name", "hint"),
    "check_equal": ("name", "hint"),
    "check_close": ("name", "hint"),
    "check_no_builtin": ("name", "hint"),
    "Mistake": ("says", "fix"),
    "passed": ("text",),
    "diagnosing": ("name",),
}
NUMBERED = re.compile(r"\{\d+\}")
#: A value of an f-string of a test that is one word of lower-case letters, bound to its name by the test
#: cells' literals (sampler = "random" if ... else "sequential"): a word of the text, translated with it.
#: Anything else of one word (one_hot, H_t, nn.RNN, a capitalised name) is a name of the code, as it stays.
ONE_WORD = re.compile(r"[a-z]+")


def _parameters(function: str) -> list[str]:
    """The parameter names of a check of helpers.py (or Mistake's fields), in order."""
    import inspect

    import helpers

    found = getattr(helpers, function)
    return list(found._fields) if function == "Mistake" else list(inspect.signature(found).parameters)


def _templates(node, known: dict) -> list[list]:
    """The texts an expression can be, each a list of parts: a str, or ("expr", source) where an f-string
    or a concatenation puts a value only known at run time. [] when it is no text at all."""
    if isinstance(node, ast.Constant):
        return [[node.value]] if isinstance(node.value, str) else []
    if isinstance(node, ast.Name) and node.id in known:
        return known[node.id]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(value.value)
            else:
                parts.append(("expr", ast.unparse(value)))
        return [parts]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _templates(node.left, known), _templates(node.right, known)
        if not left and not right:
            return []
        left = left or [[("expr", ast.unparse(node.left))]]
        right = right or [[("expr", ast.unparse(node.right))]]
        return [a + b for a in left for b in right]
    if isinstance(node, ast.IfExp):
        return _templates(node.body, known) + _templates(node.orelse, known)
    return []


def msgid(parts: list) -> tuple[str | None, list[str]]:
    """(msgid, the expressions of its placeholders) of a text: itself when it is constant, else a template
    whose placeholders are numbered in order of first appearance (one number per expression) and whose braces
    are doubled, as str.format reads it. msgid None for a text with no words of its own ("{0}: {1}")."""
    if all(isinstance(part, str) for part in parts):
        text = "".join(parts)
        if NUMBERED.search(text):
            raise I18nError(f"a constant text looks like a template: {text!r}")
        return (None if re.fullmatch(r"[\w.]*", text) else text), []  # a name of the code ("H_t") stays
    numbers: dict[str, int] = {}
    pieces = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(part.replace("{", "{{").replace("}", "}}"))
        else:
            pieces.append(f"{{{numbers.setdefault(part[1], len(numbers))}}}")
    literal = "".join(part for part in parts if isinstance(part, str))
    return ("".join(pieces) if re.search("[A-Za-z]", literal) else None), list(numbers)


def _all_code(text: str) -> bool:
    """Whether a text is code alone (calls, names, shapes: CODE_IN_TEXT), with no word of its own."""
    return not re.search("[A-Za-z]{2}", CODE_IN_TEXT.sub(" ", text))


def _known_texts(trees) -> dict:
    """name -> the texts it is bound to in the cells: NAME = "..." (or f"..."), for NAME in ["...", ...], for
    NAME, OTHER in [("...", ...), ...]."""
    known: dict[str, list] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                found = _templates(node.value, known)
                if found:
                    known.setdefault(node.targets[0].id, []).extend(found)
            if isinstance(node, ast.For) and isinstance(node.iter, (ast.List, ast.Tuple)):
                rows = [node.iter.elts]  # for NAME in [...], for A, B in [(a, b), ...]: what each name takes
                if isinstance(node.target, ast.Tuple):
                    rows = [
                        [row.elts[i] for row in node.iter.elts if isinstance(row, ast.Tuple)]
                        for i in range(len(node.target.elts))
                    ]
                targets = node.target.elts if isinstance(node.target, ast.Tuple) else [node.target]
                for target, values in zip(targets, rows):
                    found = [t for value in values for t in _templates(value, known)]
                    if found and isinstance(target, ast.Name):
                        known.setdefault(target.id, []).extend(found)
    return known


def test_texts(nb, hidden: bool = True) -> dict[str, dict]:
    """msgid -> {"where": ["cell id:line", ...], "values": the expressions of its placeholders} of every text
    the test cells and the read-only code cells (the MISTAKES cell) of a notebook pass to the checks and to
    Mistake; without those of its hidden tests unless `hidden`."""
    from tools.layout import HIDDEN_TESTS, is_read_only_code, is_test_cell

    cells = [cell for cell in nb.cells if is_test_cell(cell) or is_read_only_code(cell)]
    trees = [(cell, ast.parse(cell.source if hidden else HIDDEN_TESTS.sub("", cell.source))) for cell in cells]
    known = _known_texts(tree for _, tree in trees)
    found: dict[str, dict] = {}
    for cell, tree in trees:
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            function = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
            if function not in TEXT_PARAMETERS:
                continue
            given = {**dict(zip(_parameters(function), call.args)), **{k.arg: k.value for k in call.keywords}}
            texts = [(t, False) for p in TEXT_PARAMETERS[function] if p in given for t in _templates(given[p], known)]
            while texts:  # with the texts of an f-string's values (f"H_t ({_case})": _case's), except a
                parts, of_value = texts.pop(0)  # repr's ({_case!r}): no msgid matches 'the text' quoted
                text, values = msgid(parts)
                if text is None and of_value and ONE_WORD.fullmatch("".join(map(str, parts))):
                    text = "".join(parts)  # f"{sampler} sampler" with sampler = "random": a word of the text
                if function == "diagnosing" and not values and not of_value and text and _all_code(text):
                    text = None  # diagnosing(..., "one_hot(X.T, 5)"): a call of the code (a template stays)
                texts += [
                    (t, True)
                    for value in values
                    if not re.search(r"![ra]\}$", value)
                    for t in known.get(re.sub(r"^\{|(!s)?\}$", "", value), [])
                ]
                if text:
                    entry = found.setdefault(text, {"where": [], "values": values})
                    entry["where"].append(f"{cell.get('id', '?')}:{call.lineno}")
    return found


def po_entry(text: str, translated: str, comments: list[str]) -> str:
    def quoted(value: str) -> str:
        lines = value.splitlines(keepends=True) or [""]
        if len(lines) == 1:
            return '"' + _escape(value) + '"'
        return '""\n' + "\n".join('"' + _escape(line) + '"' for line in lines)

    return "".join(f"{c}\n" for c in comments) + f"msgid {quoted(text)}\nmsgstr {quoted(translated)}\n"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


TESTS_PO_HEADER = """\
# Chinese texts of the tests: what the test cells and the MISTAKES cells of solutions/ pass to helpers.py's
# checks (name=, hint=, check_true's message, Mistake's says and fix). helpers.py translates them when a
# check fails, in the Chinese edition; the hidden tests, restored from the English gradebook, too.
# Written by `python -m tools.i18n messages`: it adds the new texts with an empty msgstr and keeps the old
# ones as obsolete (#~). A msgid with {0}, {1}, ... is an f-string of a test: each number is one of its
# values (the #. line says which); keep every number, in any order. The terms are docs/glossary-zh.md's.
msgid ""
msgstr ""
"Language: zh\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"""


def update_tests_po(po: Path, course: Course, language: str = "zh") -> dict[str, list[str]]:
    """Rewrite the tests' catalogue from every solutions notebook, keeping the translations it has; returns
    {"untranslated": msgids without a translation (the new ones among them), "obsolete": msgids no test passes
    any more (kept as #~)}."""
    import nbformat

    old = read_po(po.read_text(encoding="utf-8")) if po.is_file() else {}
    old.pop("", None)
    entries: dict[str, dict] = {}
    for assignment in course.assignments():
        nb = nbformat.read(course.source_notebook(assignment), as_version=4)
        for text, found in test_texts(nb).items():
            entry = entries.setdefault(text, {"where": [], "values": found["values"]})
            entry["where"] += [f"{assignment}:{where}" for where in found["where"]]
    parts = [TESTS_PO_HEADER]
    for text, entry in entries.items():
        comments = [f"#: {' '.join(entry['where'][:3])}" + (" …" if len(entry["where"]) > 3 else "")]
        if entry["values"]:
            comments.insert(0, "#. " + ", ".join(f"{{{i}}} = {v}" for i, v in enumerate(entry["values"])))
        parts.append(po_entry(text, old.get(text, ""), comments))
    obsolete = [text for text in old if text not in entries]
    for text in obsolete:
        parts.append("\n".join(f"#~ {line}" for line in po_entry(text, old[text], []).splitlines()) + "\n")
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text("\n".join(parts), encoding="utf-8")
    return {"untranslated": [text for text in entries if text not in old], "obsolete": obsolete}


# ---------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(prog="python -m tools.i18n", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("status", "extract"):
        command = sub.add_parser(name)
        command.add_argument("-a", "--assignment", action="append", required=name == "extract")
        command.add_argument("-l", "--language", default="zh")
    sub.choices["extract"].add_argument("-o", "--output", type=Path, help="default: print it")
    applying = sub.add_parser("apply")
    applying.add_argument("file", type=Path)
    applying.add_argument("-l", "--language", default="zh")
    sub.add_parser("messages", help=f"update locale/<lang>/LC_MESSAGES/{TESTS_DOMAIN}.po from the tests")
    sub.choices["messages"].add_argument("-l", "--language", default="zh")
    args = parser.parse_args(argv)
    course = Course(ROOT)
    if args.command == "messages":
        po = LOCALE / args.language / "LC_MESSAGES" / f"{TESTS_DOMAIN}.po"
        result = update_tests_po(po, course, args.language)
        entries = read_po(po.read_text(encoding="utf-8"))
        print(f"{po.relative_to(ROOT)}: {len(result['untranslated'])} text(s) without a translation:")
        print("".join(f"  {text}\n" for text in result["untranslated"]), end="")
        if result["obsolete"]:
            print(f"{len(result['obsolete'])} obsolete (no test passes them any more; kept as #~):")
            print("".join(f"  {text}\n" for text in result["obsolete"]), end="")
        for assignment in course.assignments():
            texts = test_texts(nbformat.read(course.source_notebook(assignment), as_version=4))
            done = sum(text in entries for text in texts)
            print(f"{assignment:22s} {done}/{len(texts)} texts of the tests translated ({args.language})")
        return 0
    if args.command == "status":
        stale_or_missing = 0
        for assignment in args.assignment or course.assignments():
            found = status(nbformat.read(course.source_notebook(assignment), as_version=4), args.language)
            code = found.pop("code")
            for what, states in (("markdown", found), ("code", code)):
                total = sum(map(len, states.values()))
                print(f"{assignment:22s} {len(states['current'])}/{total} {what} cells translated ({args.language})")
                for key in ("stale", "missing"):
                    if states[key]:
                        print(f"  {key}: {', '.join(states[key])}")
            notebook = course.source_notebook(assignment)
            cells = {cell.id: cell for cell in translatable(nbformat.read(notebook, as_version=4))}
            for cell_id in found["stale"] + code["stale"]:
                print(f"  {cell_id}: the English changed since it was translated:")
                print(english_diff(notebook, cells[cell_id], args.language), end="")
            required = assignment in TRANSLATED.get(args.language, ())
            stale_or_missing += len(found["stale"]) + len(code["stale"]) + (len(found["missing"]) if required else 0)
        return 1 if stale_or_missing else 0
    if args.command == "extract":
        (assignment,) = args.assignment
        target = str(args.output) if args.output else "FILE"
        text = extract(course.source_notebook(assignment), args.language, target)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
            print(f"wrote {args.output}: edit it, then `python -m tools.i18n apply {args.output}`")
        else:
            sys.stdout.write(text)
        return 0
    text = args.file.read_text(encoding="utf-8")
    found = re.search(r"^<!-- (\S+\.ipynb):", text)
    if not found:
        print("error: not a file written by `python -m tools.i18n extract`", file=sys.stderr)
        return 2
    try:
        result = apply(ROOT / found[1], text, args.language)
    except I18nError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{found[1]}: changed {', '.join(result['changed']) or 'nothing'}")
    if result["stale"]:
        print(f"stale ({args.language} translates an older English): {', '.join(result['stale'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
