"""Feedback that teaches, and never reveals hidden tests.

nbgrader's autograde restores each test cell from the gradebook, hidden tests included, and
`generate_feedback` renders that notebook as it is: a student would read the hidden test code, a wall
of tracebacks for an unanswered exercise, and a summary that lists "Test cell (Score: …)" without
saying which. `TeachingFeedback`, added to `GenerateFeedback.preprocessors` in nbgrader_config.py
after nbgrader's GetGrades (which puts each cell's score in its metadata), rewrites the feedback copy:

* **a summary at the top**: one row per test cell — the exercise and the aspect it checks (from the
  grade id `test_<function>_<aspect>`), its score, and what went wrong in one line (the failing
  check's message), and the same names in nbgrader's table of contents instead of "Test cell"
  (tools/templates/course_feedback); an exercise left unanswered is one row, "not attempted", and one whose answer
  cell itself raised is one row, "your answer cell raised NameError: …";
* in every test cell, the lines between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS` become one
  comment saying that hidden tests ran there, and an error's traceback (which quotes the failing
  line, possibly a hidden one) is reduced to its message — the teaching message of the check;
* the test cells of an unanswered exercise, and read-only demo cells that failed only because an
  answer is missing (NotImplementedError, or a NameError of a graded function), show one quiet
  sentence instead of an error.

The autograded notebooks and the gradebook keep everything.
"""

from __future__ import annotations

import functools
import gettext
import html
import io
import re

import nbformat
from nbconvert.exporters import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

from tools import i18n, judge
from tools.layout import HIDDEN_TESTS, is_answer_cell, is_test_cell, nbgrader, owner
from tools.sandbox import NOT_RUN_WHILE_GRADING

HIDDEN_NOTE = "# (hidden tests ran here; they are not shown in the feedback)"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def hide_hidden_tests(source: str, note: str = HIDDEN_NOTE) -> str:
    return HIDDEN_TESTS.sub(lambda _: note, source)


def aspect(test_id: str, function: str) -> str:
    rest = test_id.removeprefix(f"test_{function}").strip("_")
    return rest.replace("_", " ") or "behaviour"


#: What a visible test says it checked, `passed("one_hot returns the right shapes")`: the test's title in another
#: edition (its translation in the tests' catalogue, as the student's kernel prints it under the cell).
PASSED = re.compile(r"""\bpassed\(\s*"([^"{}]+)"\s*\)""")


@functools.lru_cache
def tests_translator(language: str):
    """The gettext function of the tests' texts (locale/<lang>/LC_MESSAGES/tests.po, which helpers.passed reads)."""
    po = i18n.LOCALE / language / "LC_MESSAGES" / "tests.po"
    return gettext.GNUTranslations(io.BytesIO(i18n.mo_bytes(po))).gettext


def title(source: str, grade_id: str, language: str, _=str) -> str:
    """What a test cell checks, in `language`: the translation of its visible `passed(...)` text, else "test
    <grade id>" in that language (a hidden passed() is not quoted: its cell's hidden lines stay hidden)."""
    visible = hide_hidden_tests(source, "")
    for text in PASSED.findall(visible):
        found = tests_translator(language)(text)
        if found != text:
            return found
    return _("test {grade_id}").format(grade_id=grade_id)


def error_of(cell) -> dict | None:
    return next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)


def message(error: dict, _=str) -> str:
    """The error as the student should read it: `Name: message` without colour codes; a failed check of
    helpers.py (`CheckFailed: ...`) in the language of `_` (the page's): its message is in it already."""
    text = ANSI.sub("", error.get("evalue", "")).strip()
    if error.get("ename") == "CheckFailed" and text:
        return _("CheckFailed: {message}").format(message=text)
    return f"{error.get('ename', 'Error')}: {text}" if text else error.get("ename", "Error")


def _first_line(text: str, limit: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _status(cell) -> str:
    """not-attempted | crashed | answered, for an answer cell."""
    from nbgrader.utils import compute_checksum

    meta = nbgrader(cell)
    if "checksum" in meta and meta["checksum"] == compute_checksum(cell):
        return "not-attempted"
    return "crashed" if error_of(cell) else "answered"


def _quiet(cell, text: str) -> None:
    """Replace a cell's outputs by one sentence (no error styling)."""
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/plain": text,
                "text/html": f'<p style="color:#555;margin:2px 0"><i>{html.escape(text)}</i></p>',
            },
        )
    ]


def language_of(nb) -> str:
    """The edition a notebook was released in (tools/i18n.py marks the Chinese one), English by default."""
    return i18n.edition(nb)


class TeachingFeedback(Preprocessor):
    """The summary, hidden tests removed, tracebacks reduced, quiet notes for what was not attempted. Its text
    is in the language of the notebook's edition (gettext, locale/<lang>/LC_MESSAGES/course.po), or in
    `language` when that is set."""

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)
    language = Unicode("", help="the feedback's language (en, zh); default: the notebook's edition").tag(config=True)

    def preprocess(self, nb, resources):
        self._language = self.language or language_of(nb)
        self._ = i18n.translator(self._language)
        answers = {nbgrader(c)["grade_id"]: c for c in nb.cells if is_answer_cell(c)}
        functions = list(answers)
        status = {name: _status(cell) for name, cell in answers.items()}
        rows = []
        for cell in nb.cells:
            if is_test_cell(cell):
                rows.append(self._test_cell(cell, functions, status, answers))
            elif cell.cell_type == "code" and not is_answer_cell(cell):
                self._demo_cell(cell, functions, status)
        nb.cells.insert(0, self._summary(rows, status, answers))
        # names for the table of contents of tools/templates/course_feedback ("one_hot: shape")
        labels = {grade_id: self._label(function, what) for function, what, _, _, _, grade_id in rows}
        resources.setdefault("rnn_course", {})["labels"] = labels
        resources["rnn_course"]["words"] = self._template_words(resources)
        return nb, resources

    def _label(self, function: str, what: str) -> str:
        if self._language == i18n.SOURCE_LANGUAGE:
            return f"{function}: {what}"
        return what if function in what else f"{function}：{what}"  # "one_hot 返回 float32"

    def _template_words(self, resources) -> list[tuple[str, str]]:
        """The words nbgrader's feedback template (feedback/index.html.j2) writes itself, in the page's language:
        (its HTML, the same HTML translated) for tools/templates/course_feedback to replace, each with the
        markup around it so that nothing of the notebook matches. None for English: the page is nbgrader's."""
        notebook = ((resources or {}).get("nbgrader") or {}).get("notebook", "")
        score = self._("Score:")
        found = [
            ("</b> <p>", self._("No response."), "</p>", "No response."),  # the gradebook's comment on no answer
            ("<b>", self._("Comments:"), "</b>", "Comments:"),
            ('<span class="nbgrader-label">', self._("Student's answer"), "</span>", "Student's answer"),
            ('<span class="nbgrader-label">', self._("Grade cell:"), " <code>", "Grade cell:"),
            ('<a href="#top">', self._("(Top)"), "</a>", "(Top)"),
            ('">', self._("Comment"), "</a></li>", "Comment"),
            ('">', self._("Written response"), "</a> (Score: ", "Written response"),
            ('<li class="late-penalty">', self._("Late submission penalty"), " (Score: ", "Late submission penalty"),
            ("</a> (", score, " ", "Score:"),
            (f"<h4>{notebook} (", score, " ", "Score:"),
            ('<span class="pull-right">\n      ', score, " ", "Score:"),
            ("(", score, " -", "Score:"),  # the late penalty's
        ]
        # the prompts: "[8]:" as JupyterLab shows them, without nbconvert's English "In" and "Out"
        prompts = [
            (f'<div class="prompt {kind}_prompt">{english}[', f'<div class="prompt {kind}_prompt">[')
            for kind, english in (("input", "In&nbsp;"), ("output", "Out"))
        ]
        if self._language == i18n.SOURCE_LANGUAGE:
            prompts = []
        # no space after a full-width colon ("得分：0.0 / 1.0")
        return prompts + [
            (f"{a}{english}{b}", f"{a}{word}{b.lstrip(' ') if word.endswith('：') else b}")
            for a, word, b, english in found
            if word != english
        ]

    def _test_cell(self, cell, functions, status, answers) -> tuple:
        meta = nbgrader(cell)
        function = owner(meta["grade_id"], functions)
        if self._language == i18n.SOURCE_LANGUAGE:
            what = aspect(meta["grade_id"], function)
        else:  # "one_hot 返回的形状正确", not "shape"
            what = title(cell.source, meta["grade_id"], self._language, self._)
        cell.source = hide_hidden_tests(cell.source, self._(HIDDEN_NOTE))
        error = error_of(cell)
        state = status.get(function, "answered")
        if state == "not-attempted":
            _quiet(
                cell,
                self._(
                    "Not attempted: {function} still raises NotImplementedError, so this test could not pass."
                ).format(function=function),
            )
            note = self._("not attempted")
        elif error is not None:
            error["traceback"] = [message(error, self._)]
            note = _first_line(message(error, self._))
        else:
            note = ""
        score, points = meta.get("score"), meta.get("points", 0)
        return function, what, score, points, note, meta["grade_id"]

    def _demo_cell(self, cell, functions, status) -> None:
        """A read-only cell that failed because an exercise is missing gets a quiet note."""
        if [o.get("text") for o in cell.get("outputs", [])] == [NOT_RUN_WHILE_GRADING + "\n"]:
            cell.outputs[0]["text"] = self._(NOT_RUN_WHILE_GRADING) + "\n"
        error = error_of(cell)
        if error is None:
            return
        missing = [f for f in functions if status.get(f) == "not-attempted"]
        ename, evalue = error.get("ename", ""), ANSI.sub("", error.get("evalue", ""))
        needed = [f for f in functions if f in cell.source and (status.get(f) != "answered" or f in evalue)]
        if ename == "NotImplementedError" or (ename == "NameError" and any(f"'{f}'" in evalue for f in functions)):
            names = ", ".join(needed or missing) or self._("an exercise above")
            _quiet(cell, self._("(This example uses {names}: it runs once that exercise is done.)").format(names=names))

    def _lead(self, rows, status, answers) -> str:
        """The first line of the page when an answer cell did not run (a syntax error, say) and tests
        failed because of it: those of its own exercise and of every exercise that uses it. Say so first."""
        lines = []
        for function, cell in answers.items():
            if status.get(function) != "crashed":
                continue
            error = error_of(cell)
            missing = f"name '{function}' is not defined"
            lost = [r for r in rows if r[2] is not None and float(r[2]) < float(r[3])]
            hit = [r for r in lost if r[0] == function or missing in r[4]]
            if not hit:
                continue
            name = html.escape(function)
            others = sorted({r[0] for r in hit if r[0] != function})
            quoted = ", ".join(f"`{html.escape(o)}`" for o in others)
            also = self._(" and of {others}, which uses it,").format(others=quoted) if others else ""
            points = sum(float(r[3]) - float(r[2]) for r in hit)
            unparsed = error.get("ename") in ("SyntaxError", "IndentationError", "TabError")
            what = self._("did not run") if unparsed else self._("stopped with an error")
            defined = (
                self._("Nothing in it was defined")
                if unparsed
                else self._("What it defines after that line does not exist")
            )
            lead = self._(
                "**Start here: your answer cell `{name}` {what}** ({error}). {defined}, so the tests of `{name}`{also} "
                "could not pass ({points} points). Fix that cell first: the messages below follow from it."
            )
            error_line = html.escape(_first_line(message(error, self._)))
            lines.append(
                lead.format(name=name, what=what, error=error_line, defined=defined, also=also, points=f"{points:g}")
            )
        return "\n\n".join(lines)

    def _summary(self, rows, status, answers):
        lead = self._lead(rows, status, answers)
        table = []  # (exercise, what is checked, points, what happened)
        shown = set()
        for function, what, score, points, note, _ in rows:
            state = status.get(function, "answered")
            if state == "not-attempted":
                if function not in shown:
                    shown.add(function)
                    total = sum(p for f, _, _, p, _, _ in rows if f == function)
                    table.append((function, self._("all its tests"), f"0 / {total:g}", self._("not attempted")))
                continue
            if state == "crashed" and function not in shown:
                shown.add(function)
                crash = _first_line(message(error_of(answers[function]), self._))
                raised = self._("your answer cell raised {error}").format(error=crash)
                table.append((function, self._("its answer cell"), "", raised))
            got = "?" if score is None else f"{float(score):g}"
            result = note or (self._("passed") if judge.passed(score, points) else "")
            table.append((function, what, f"{got} / {float(points):g}", result))
        pad = 'style="padding:3px 12px 3px 0;text-align:left;vertical-align:top"'
        headings = (self._("exercise"), self._("what is checked"), self._("points"), self._("what happened"))
        head = "".join(f"<th {pad}>{h}</th>" for h in headings)
        body = "".join(
            f"<tr><td {pad}><code>{html.escape(f)}</code></td><td {pad}>{html.escape(w)}</td>"
            f"<td {pad}>{html.escape(p)}</td><td {pad}>{html.escape(r)}</td></tr>"
            for f, w, p, r in table
        )
        text = (
            (f"{lead}\n\n" if lead else "")
            + self._("## Your feedback, test by test")
            + f"\n\n<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n\n"
            + self._(
                "Each failing test's message says what was expected, what came back, and a hint; "
                "the test cells below show it in place."
            )
        )
        cell = nbformat.v4.new_markdown_cell(text)
        cell.metadata["rnn_course"] = {"feedback_summary": True}
        return cell


#: An <img> tag without an alt attribute (nbconvert's HTMLExporter gives those this text).
IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\salt=)", re.IGNORECASE)
NO_ALT_TEXT = "No description has been provided for this image"


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTMLExporter for the feedback pages (`GenerateFeedback.exporter_class`), without the
    BeautifulSoup pass at the end of its `from_notebook_node`.

    That pass re-parses the whole rendered page (about 440 kB for 02_recurrence) to give images
    without alt text nbconvert's placeholder and to make JupyterLab-template cells focusable. Without
    it, nbgrader generate_feedback for the 18 synthetic students of 02 takes 7.5-8.6 s instead of
    21 s. The feedback template is the classic one, which has no JupyterLab cells; the alt text is
    added here with a regular expression. tests/test_grade_tools.py checks that the pages are the same."""

    def from_notebook_node(self, nb, resources=None, **kw):
        # HTMLExporter.from_notebook_node (nbconvert 7.17) up to its BeautifulSoup pass
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return IMG_WITHOUT_ALT.sub(f'<img alt="{NO_ALT_TEXT}"', page), resources
