"""Grading in both languages (issue 27, item 5): a submission is graded in the edition it was released in.

A few synthetic students of 01_one_hot (the reference, the untouched release, three classic mistakes) hand
in the English release and, with the same answers, the Chinese one. One `tools.grade` run grades all of them
(with tests/test_grading_hostile.py's class: tests/conftest.py's class_01), against the one gradebook
`generate_assignment` of the English source writes, and writes their feedback. The scores must be the same
cell for cell in both editions; the Chinese feedback page must be Chinese (the read-only markdown, the
summary, the checks' messages from helpers.py: the checker and the kernel both speak the edition's
language), the English one English; no hidden test leaks in either.
"""

from __future__ import annotations

import html
import re
import shutil

import nbformat
import pytest

from tests.grading import cases, nbgrader_run
from tests.grading.nbgrader_run import notebook_path
from tools import feedback, grade, i18n, release
from tools.layout import grade_id, is_answer_cell, is_test_cell, owner
from tools.sandbox import NOT_RUN_WHILE_GRADING

pytestmark = pytest.mark.grading

ASSIGNMENT = "01_one_hot"
SOLUTION, BLANK = "reference_solution", "untouched_release"
#: three classic mistakes: checker-judged shape, dtype and value tests, and the in-kernel from-scratch test
MISTAKES = ("wrong_class_first_reshape", "wrong_int64_batch_major", "wrong_calls_builtin")
STUDENTS = (SOLUTION, BLANK, *MISTAKES)
ZH = "zh_"  # the Chinese submissions' student ids: zh_<student>
CJK = re.compile(r"[\u4e00-\u9fff]")
#: What nbgrader's feedback template writes itself (tools/feedback.py translates it on a Chinese page)
NBGRADER_WORDS = ("Student's answer", "Grade cell:", "(Top)", "Comments:", "Score:", "No response.", "Written response")


def zh(student: str) -> str:
    return ZH + student


def everyone() -> list[str]:
    return [*STUDENTS, *map(zh, STUDENTS)]


def hand_in(course):
    """Every student handed in twice, in the English release and in the Chinese one (beside course/:
    released_course), two of the Chinese with their catalogue lost or broken."""
    reference = nbgrader_run.reference_answers(course, ASSIGNMENT)
    mistakes = {s.student_id: s for s in cases.students(ASSIGNMENT) if s.student_id in MISTAKES}
    answers = {SOLUTION: reference, BLANK: None}
    answers |= {sid: reference | {c: impl.source for c, impl in s.answers.items()} for sid, s in mistakes.items()}
    for student, chosen in answers.items():
        nbgrader_run.submit(course, student, ASSIGNMENT, chosen)
        nbgrader_run.submit(course, zh(student), ASSIGNMENT, chosen, release="course-zh")
    # grading speaks the edition's language from the course's catalogue, never the student's: one Chinese
    # submission lost its locale/, another's compiled catalogue is garbage
    shutil.rmtree(grade.Course(course).submission(zh("wrong_calls_builtin"), ASSIGNMENT) / "locale")
    broken = grade.Course(course).submission(zh("wrong_int64_batch_major"), ASSIGNMENT) / i18n.catalogue("zh")
    broken.write_bytes(b"not a catalogue")


@pytest.fixture(scope="module")
def graded(class_01):
    """The course of 01's one grading run (tests/conftest.py's class_01: tools.grade's checks, autograde, and
    these students' feedback), which grades tests/test_grading_hostile.py's class too. Returns (course,
    seconds)."""
    if ASSIGNMENT not in nbgrader_run.assignments() or ASSIGNMENT not in nbgrader_run.zh_released():
        pytest.skip(f"{ASSIGNMENT} not chosen with --assignments")
    return class_01


def expected_lost(course, student):
    if student == SOLUTION:
        return frozenset()
    if student == BLANK:
        return frozenset(nbgrader_run.autograded_cells(solution(course)))
    return next(s for s in cases.students(ASSIGNMENT) if s.student_id == student).expected_lost


def solution(course):
    return nbformat.read(notebook_path(course / "solutions", ASSIGNMENT), as_version=4)


def page(course, student) -> str:
    return (course / "autograder" / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()


def text_of(page_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page_html))


@pytest.mark.parametrize("student", STUDENTS)
def test_both_editions_score_the_same_on_every_cell(graded, student):
    course, _ = graded
    english = nbgrader_run.cell_scores(course, ASSIGNMENT, student)
    chinese = nbgrader_run.cell_scores(course, ASSIGNMENT, zh(student))
    lost = expected_lost(course, student)
    expected = {
        cell: (0.0 if cell in lost else pts, pts)
        for cell, pts in nbgrader_run.autograded_cells(solution(course)).items()
    }
    assert english == expected, f"{student} (English)"
    assert chinese == english, f"{student}: the Chinese edition scores differently"
    # the free-text question, graded by hand: left as released it is unanswered in both editions
    states = [nbgrader_run.freetext_states(course, ASSIGNMENT, who) for who in (student, zh(student))]
    assert states[0] == states[1], f"{student}: the free-text answer's state differs between the editions"
    if student == BLANK:
        assert set(states[1].values()) == {"unanswered"}, states[1]
        # and so is every code answer cell, left as its edition's release wrote it (the Chinese one with its
        # Chinese docstring): "not attempted" on the feedback page, not an answer that raised
        for who, _ in ((student, str), (zh(student), i18n.translator("zh"))):
            nb = nbformat.read(grade.Course(course).autograded_notebook(who, ASSIGNMENT), as_version=4)
            answers = [cell for cell in nb.cells if is_answer_cell(cell)]
            assert answers and {feedback._status(cell) for cell in answers} == {"not-attempted"}, who
            text = text_of(page(course, who))
            assert _("not attempted") in text and _("your answer cell raised {error}").split("{")[0] not in text, who
        # and the Chinese page shows those cells as the Chinese release wrote them (its docstrings, its free-text
        # stub), not the English release's stubs that grading gave them for the gradebook's checksums
        text = text_of(page(course, zh(student)))
        for released, other in (("course-zh", "course"), ("course", "course-zh")):
            released_nb, other_nb = (
                nbformat.read(notebook_path(course / r, ASSIGNMENT), as_version=4) for r in (released, other)
            )
            stubs = nbgrader_run.answer_cells(released_nb) | nbgrader_run.freetext_cells(released_nb)
            others = nbgrader_run.answer_cells(other_nb) | nbgrader_run.freetext_cells(other_nb)
            assert stubs.keys() == others.keys() and len(stubs) >= 3, stubs.keys()
            for grade_id, cell in stubs.items():
                own = {line.strip() for line in cell.source.splitlines()} - {
                    line.strip() for line in others[grade_id].source.splitlines()
                }
                own = [line for line in own if len(line) > 3]
                assert own, grade_id
                for line in own:
                    assert (line in text) == (released == "course-zh"), (grade_id, line)


def test_the_edition_survives_grading_and_nothing_is_flagged(graded):
    """The language marker reaches the autograded notebook; the Chinese release's catalogue is no extra
    file (no anomaly for any of these well-formed submissions)."""
    course, _ = graded
    for student in STUDENTS:
        for who, language in ((student, None), (zh(student), "zh")):
            nb = nbformat.read(grade.Course(course).autograded_notebook(who, ASSIGNMENT), as_version=4)
            assert nb.metadata.get("rnn_course", {}).get("language") == language, who
    anomalies = grade.Anomalies.load(grade.Course(course).anomalies_file)
    assert [a.line() for a in anomalies if a.student in everyone()] == []
    # the grading release carries the Chinese catalogue (the checker's), which is no difference from course/
    notes = []
    release.sync(course, [ASSIGNMENT], out=notes.append)
    assert (grade.Course(course).release_folder(ASSIGNMENT) / i18n.catalogue("zh")).is_file()
    assert not [note for note in notes if "differs" in note], notes


def test_the_chinese_feedback_is_chinese_and_the_english_english(graded):
    course, _ = graded
    _ = i18n.translator("zh")
    summary_zh, summary_en = _("## Your feedback, test by test")[3:], "Your feedback, test by test"
    assert CJK.search(summary_zh), "the catalogue translates the summary"
    # the read-only markdown: each heading of the source in the edition's language (not the free-text answer
    # cells: the student's answer is what their feedback shows there)
    headings = []
    for cell in solution(course).cells:
        read_only = cell.cell_type == "markdown" and not cell.metadata.get("nbgrader", {}).get("solution")
        found = i18n.translation(cell, "zh") if read_only else None
        if found and cell.source.startswith("#") and not re.search(r"[`*$\\]", cell.source.splitlines()[0]):
            headings.append((cell.source.splitlines()[0].lstrip("# "), found["source"].splitlines()[0].lstrip("# ")))
    assert len(headings) >= 5, headings
    for student in STUDENTS:
        english, chinese = text_of(page(course, student)), text_of(page(course, zh(student)))
        assert not CJK.search(english), f"{student}: Chinese in the English feedback"
        assert summary_en in english and summary_zh in chinese and summary_en not in chinese, student
        assert feedback.HIDDEN_NOTE in english and _(feedback.HIDDEN_NOTE) in chinese, student
        assert feedback.HIDDEN_NOTE not in chinese, student
        assert [w for w in NBGRADER_WORDS if w not in english or w in chinese] == [], student
        assert all(_(word) in chinese for word in NBGRADER_WORDS), student
        for en_heading, zh_heading in headings:
            assert en_heading in english, (student, en_heading)
            assert zh_heading in chinese and en_heading not in chinese, (student, zh_heading)
        chinese_page(course, student, _)
    # a passing test cell's ✓ line (helpers.passed, translated like the checks' texts)
    english, chinese = text_of(page(course, SOLUTION)), text_of(page(course, zh(SOLUTION)))
    assert "✓ one_hot returns the right shapes" in english and "✓ one_hot 返回的形状正确" in chinese
    assert "✓ one_hot returns" not in chinese
    # a failing check's message from helpers.py, in each edition's words: judged in the checker (shape), or
    # in the student's kernel (written without the built-in one-hot)
    for student, msgid in [
        ("wrong_class_first_reshape", "{name}: expected shape {expected}, got {got}."),
        ("wrong_calls_builtin", "{name} must be written without {builtins}, but it calls it."),
    ]:
        english, chinese = text_of(page(course, student)), text_of(page(course, zh(student)))
        assert CJK.search(_(msgid)), msgid
        assert literal(msgid) in english and literal(msgid) not in chinese, student
        assert literal(_(msgid)) in chinese, student


def chinese_page(course, student, _) -> None:
    """What nbconvert and nbgrader write around the notebook, in each edition's words: the prompts (JupyterLab's
    "[8]:" on the Chinese page, not "In [8]:"), each test's name in the table of contents and the summary (its
    translated passed() title, not the grade id's English "shape"), and the note of the cells not run while
    grading."""
    english, chinese = page(course, student), page(course, zh(student))
    assert 'input_prompt">In&nbsp;[' in english and 'input_prompt">[' in chinese, student
    for kind, word in (("input", "In&nbsp;"), ("output", "Out")):
        english_prompt, prompt = f'{kind}_prompt">{word}[', f'{kind}_prompt">['
        assert english_prompt not in chinese and english.count(english_prompt) == chinese.count(prompt), student
    tests = [cell for cell in solution(course).cells if is_test_cell(cell)]
    functions = [grade_id(cell) for cell in solution(course).cells if is_answer_cell(cell)]
    assert len(tests) >= 5, tests
    for cell in tests:
        name, function = grade_id(cell), owner(grade_id(cell), functions)
        label = html.escape(f"{function}: {feedback.aspect(name, function)}")
        assert f'href="#{name}">{label}</a>' in english, (student, label)
        assert f'href="#{name}">{label}</a>' not in chinese, (student, label)
        title = feedback.title(cell.source, name, "zh", _)
        assert CJK.search(title) and f'href="#{name}">{html.escape(title)}</a>' in chinese, (student, title)
    assert NOT_RUN_WHILE_GRADING in text_of(english) and NOT_RUN_WHILE_GRADING not in text_of(chinese), student
    assert _(NOT_RUN_WHILE_GRADING) in text_of(chinese), student


def test_the_chinese_read_only_cells_run_and_print_chinese(graded):
    """Autograde ran the read-only code of the Chinese release (tools/i18n.GradingEdition), not the gradebook's
    English: what those cells print, on the feedback page too, is Chinese (tests/test_zh_notebooks.py's
    english_output finds English in the same cells of the English edition)."""
    from tests.test_zh_notebooks import english_output

    course, _ = graded
    translated = {
        cell.id: cell for cell in solution(course).cells if cell.cell_type == "code" and i18n.translation(cell, "zh")
    }
    for student in STUDENTS:
        english, chinese = (
            nbformat.read(grade.Course(course).autograded_notebook(who, ASSIGNMENT), as_version=4)
            for who in (student, zh(student))
        )
        read_only = [c for c in chinese.cells if c.id in translated and not is_answer_cell(c) and not is_test_cell(c)]
        assert len(read_only) >= 5, student
        for cell in read_only:
            assert cell.source == i18n.translation(translated[cell.id], "zh")["source"], (student, cell.id)
        ran = [c for c in read_only if c.execution_count]  # not those after the last graded cell
        assert len(ran) >= 5 and {c.id: english_output(c) for c in ran if english_output(c)} == {}, student
        assert [c.id for c in english.cells if c.id in translated and english_output(c)], student
        text = text_of(page(course, zh(student)))
        assert "characters. The opening lines" in text_of(page(course, student)), student
        assert "characters. The opening lines" not in text and "个字符。开头几行" in text, student


def test_the_chinese_feedback_shows_the_test_cells_comments_in_chinese(graded):
    """Autograde ran each test cell as the gradebook has it (English comments, the same program); the Chinese
    feedback page shows its visible comments as the Chinese release did (tools/i18n.FeedbackEdition), and still
    hides its hidden tests (test_no_hidden_test_leaks_in_either_edition)."""
    course, _ = graded
    tests = [cell for cell in solution(course).cells if is_test_cell(cell) and i18n.cell_texts(cell)]
    assert len(tests) >= 5 and all(i18n.state(cell, "zh") == "current" for cell in tests), "translated test cells"
    for student in STUDENTS:
        autograded = nbformat.read(grade.Course(course).autograded_notebook(zh(student), ASSIGNMENT), as_version=4)
        ran = {cell.id: cell.source for cell in autograded.cells if is_test_cell(cell)}
        english, chinese = text_of(page(course, student)), text_of(page(course, zh(student)))
        for cell in tests:
            assert ran[cell.id] == cell.source, (student, cell.id)  # grading ran the English
            first, translated = (
                i18n.test_comments(cell.source)[0],
                i18n.test_comments(i18n.translation(cell, "zh")["source"])[0],
            )
            assert CJK.search(translated), (cell.id, translated)
            assert first in english and first not in chinese, (student, cell.id, first)
            assert translated in chinese, (student, cell.id, translated)


def literal(message: str) -> str:
    """The longest text of a message between its placeholders."""
    return max(re.split(r"\{\w+\}", message), key=len)


def test_no_hidden_test_leaks_in_either_edition(graded):
    course, seconds = graded
    hidden = [
        line.strip()
        for cell in solution(course).cells
        if "### BEGIN HIDDEN TESTS" in cell.source
        for line in cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].splitlines()
        if len(line.strip()) > 25
    ]
    assert hidden
    for student in everyone():
        raw = page(course, student)
        leaked = [line for line in hidden if line in text_of(raw)]
        assert "BEGIN HIDDEN TESTS" not in raw and not leaked, f"{student}: {leaked[:2]}"


def test_the_grading_kernel_holds_no_other_assignments_test_texts(graded):
    """The catalogue grading installs beside a Chinese submission (the student's code can read it) holds the
    texts of this assignment's tests, hidden ones included (in-kernel test cells print them), and none of the
    texts only other assignments' tests use."""
    import gettext

    course, _ = graded
    folder = grade.Course(course).autograded_notebook(zh(SOLUTION), ASSIGNMENT).parent
    with open(folder / i18n.catalogue("zh", i18n.TESTS_DOMAIN), "rb") as mo:
        held = {key for key in gettext.GNUTranslations(mo)._catalog if key}
    own = set(i18n.test_texts(solution(course), hidden=True))
    assert own - set(i18n.test_texts(solution(course), hidden=False)), "01 has hidden test texts"
    assert held and held <= own, f"texts of other assignments: {sorted(held - own)[:3]}"
    assert held & own - set(i18n.test_texts(solution(course), hidden=False)), "the hidden tests' texts are there"
