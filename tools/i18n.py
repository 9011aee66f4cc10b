"""One source, two editions: the Chinese text of the notebooks lives beside the English in solutions/.

    python -m tools.i18n status [-a A ...]          # per notebook: cells translated, stale (with the English
                                                    # diff since the translation, from git), missing
    python -m tools.i18n extract -a A [-o FILE]     # both languages of every markdown cell, one .md file
    python -m tools.i18n apply FILE                 # write FILE's edits back into the notebook

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

from tools.layout import ROOT, Course

LANGUAGES = ("en", "zh")
SOURCE_LANGUAGE = "en"
LANGUAGE_ENV = "RNN_COURSE_LANG"  # helpers.py reads the same variable
#: The assignments with a complete translation, per language: only these have a release in it.
TRANSLATED = {"zh": ("01_one_hot", "02_recurrence", "03_samplers", "04_perplexity")}
#: The gettext domain and catalogues of the messages printed by Python code.
DOMAIN = "course"
LOCALE = ROOT / "locale"


class I18nError(RuntimeError):
    """A translation is missing or stale, or an edited file does not fit its notebook."""


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def translation(cell, language: str) -> dict | None:
    """{"source", "en_sha1"} of a cell's translation into `language` (its source as one string), or None."""
    found = cell.get("metadata", {}).get("i18n", {}).get(language)
    if not found:
        return None
    return {**found, "source": "".join(found.get("source", ""))}


def state(cell, language: str) -> str:
    """ "current", "stale" (the English changed since it was translated) or "missing"."""
    found = translation(cell, language)
    if not found:
        return "missing"
    return "current" if found.get("en_sha1") == sha1(cell["source"]) else "stale"


def translatable(nb) -> list:
    """The cells a student reads as prose: the markdown cells."""
    return [cell for cell in nb.cells if cell.cell_type == "markdown"]


def status(nb, language: str) -> dict[str, list[str]]:
    """state -> the ids of the notebook's markdown cells in it."""
    found = {"current": [], "stale": [], "missing": []}
    for cell in translatable(nb):
        found[state(cell, language)].append(cell.get("id", "?"))
    return found


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
    """Store `text` as the cell's `language` translation of `english` (default: its source now)."""
    cell.metadata.setdefault("i18n", {})[language] = {
        "en_sha1": sha1(cell.source if english is None else english),
        "source": text.splitlines(keepends=True),  # a list of lines, as nbformat stores cells: diffs by line
    }


def translate(nb, language: str) -> None:
    """The notebook in `language`, in place: every markdown cell's source replaced by its translation (an
    I18nError names the cells whose translation is missing or stale), and the `i18n` metadata removed."""
    problems = []
    for cell in nb.cells:
        entry = cell.get("metadata", {}).pop("i18n", None)
        if language == SOURCE_LANGUAGE or cell.cell_type != "markdown":
            continue
        cell_state = state({"source": cell.source, "metadata": {"i18n": entry or {}}}, language)
        if cell_state != "current":
            problems.append(f"{cell.get('id', '?')} ({cell_state})")
            continue
        cell.source = translation({"metadata": {"i18n": entry}}, language)["source"]
    if problems:
        raise I18nError(
            f"no current {language} translation of markdown cell(s) {', '.join(problems)}: "
            "`python -m tools.i18n status` lists them, `extract`/`apply` edit them"
        )
    if language != SOURCE_LANGUAGE:
        nb.metadata.setdefault("rnn_course", {})["language"] = language


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


# ---------------------------------------------------------------------------
# Editing both languages in one markdown file
# ---------------------------------------------------------------------------
MARKER = re.compile(r"^<!-- cell (?P<id>\S+) (?P<lang>[a-z]{2})(?::\s*(?P<note>[a-z]+))? -->$", re.M)
HEADER = (
    "<!-- {path}: the English and the {language} of every markdown cell. Edit either or both, then run\n"
    "     `python -m tools.i18n apply {file}`. A cell marked `{language}: stale` has a translation of an older\n"
    "     English: update it, or write `{language}: confirmed` if it still fits. Leave the markers alone. -->\n"
)


def extract(notebook: Path, language: str = "zh", file: str = "FILE") -> str:
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    shown = notebook.relative_to(ROOT) if notebook.is_relative_to(ROOT) else notebook
    parts = [HEADER.format(path=shown, language=language, file=file)]
    for cell in translatable(nb):
        found = translation(cell, language) or {}
        cell_state = state(cell, language)
        note = "" if cell_state == "current" else f": {cell_state}"
        parts.append(f"<!-- cell {cell.id} {SOURCE_LANGUAGE} -->\n{cell.source}\n")
        parts.append(f"<!-- cell {cell.id} {language}{note} -->\n{found.get('source', '')}\n")
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
        old = translation(cell, language)
        if not body.strip():
            continue  # not translated yet
        if old is None or body != old["source"] or note == "confirmed":
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


def compile_po(po: Path, mo: Path) -> Path:
    """Write the .mo file (GNU gettext's binary format, which the standard library reads) of a .po file."""
    mo.parent.mkdir(parents=True, exist_ok=True)
    mo.write_bytes(mo_bytes(po))
    return mo


@functools.lru_cache(maxsize=8)
def translator(language: str):
    """The gettext function of `language` for the instructors' own tools (tools/feedback.py), read from its
    .po as it is now; the identity for English."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations().gettext
    po = LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    return gettext.GNUTranslations(io.BytesIO(mo_bytes(po))).gettext


def mo_bytes(po: Path) -> bytes:
    """The .mo file of a .po file, as bytes."""
    entries = sorted(read_po(po.read_text(encoding="utf-8")).items())
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


def install_catalogue(folder: Path, language: str) -> None:
    """A release's messages in `language`: locale/<lang>/LC_MESSAGES/course.mo and locale/LANGUAGE next to
    its helpers.py (helpers.py reads them); nothing for the source language."""
    if language == SOURCE_LANGUAGE:
        return
    po = LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    compile_po(po, folder / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.mo")
    (folder / "locale" / "LANGUAGE").write_text(language + "\n")


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
    args = parser.parse_args(argv)
    course = Course(ROOT)
    if args.command == "status":
        stale_or_missing = 0
        for assignment in args.assignment or course.assignments():
            found = status(nbformat.read(course.source_notebook(assignment), as_version=4), args.language)
            total = sum(map(len, found.values()))
            print(f"{assignment:22s} {len(found['current'])}/{total} markdown cells translated ({args.language})")
            for key in ("stale", "missing"):
                if found[key]:
                    print(f"  {key}: {', '.join(found[key])}")
            notebook = course.source_notebook(assignment)
            cells = {cell.id: cell for cell in translatable(nbformat.read(notebook, as_version=4))}
            for cell_id in found["stale"]:
                print(f"  {cell_id}: the English changed since it was translated:")
                print(english_diff(notebook, cells[cell_id], args.language), end="")
            required = assignment in TRANSLATED.get(args.language, ())
            stale_or_missing += len(found["stale"]) + (len(found["missing"]) if required else 0)
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
