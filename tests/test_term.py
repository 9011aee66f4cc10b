"""The term without grading (tools/term.py, tools/export.py): schedule.toml's due dates, extensions and late
policy, submission times, the audit trail of overrides. Graded end to end in tests/test_term_grading.py."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tests.grading import nbgrader_run
from tools import i18n, release, submissions, term
from tools.layout import ROOT, Course

A, B = "01_one_hot", "02_recurrence"

NEW_FORM = """
[assignments]
01_one_hot = { state = "closed", due = 2026-10-05T23:59:00+02:00 }
02_recurrence = { due = "2026-10-12T23:59:00Z" }
03_samplers = "open"

[extensions]
carol = { 01_one_hot = "3d" }
dave = { 02_recurrence = "2026-10-13T12:00:00Z" }

[late_policy]
percent_per_day = 10
max_percent = 50
grace_minutes = 15
"""


@pytest.fixture
def root(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions", symlinks=True)
    return tmp_path


def test_the_old_course_toml_still_reads(root):
    Course(root).schedule_file.write_text('[assignments]\n01_one_hot = "closed"\n02_recurrence = "open"\n')
    assert release.schedule(root)[A] == "closed" and release.schedule(root)[B] == "open"
    loaded = term.load(root)
    assert loaded.due == {} and loaded.extensions == {} and loaded.policy.penalty(9, 10 * 86400) == 0
    assert term.load(ROOT).states == release.schedule(ROOT), "the repository's own schedule.toml"


def test_due_dates_extensions_and_the_late_policy(root):
    Course(root).schedule_file.write_text(NEW_FORM)
    assert release.schedule(root)[A] == "closed" and release.schedule(root)[B] == "open"
    loaded = term.load(root)
    assert term.utc(loaded.due[A]) == dt.datetime(2026, 10, 5, 21, 59)
    assert loaded.due_for("carol", A) - loaded.due[A] == dt.timedelta(days=3)
    assert loaded.due_for("dave", B) == dt.datetime(2026, 10, 13, 12, tzinfo=dt.UTC)
    assert loaded.due_for("alice", A) == loaded.due[A]
    policy = loaded.policy
    assert policy.penalty(9, 14 * 60) == 0, "within the grace"
    assert policy.penalty(9, 16 * 60) == pytest.approx(0.9), "a day started: 10%"
    assert policy.penalty(9, 1.5 * 86400) == pytest.approx(1.8)
    assert policy.penalty(9, 30 * 86400) == pytest.approx(4.5), "at most 50%"
    assert "10% of the score per day started late" in term.due_line(root, A)
    assert term.due_line(root, "03_samplers") == ""


@pytest.mark.parametrize(
    "text,message",
    [
        ('[assignments]\n01_one_hot = { due = "2026-10-05T23:59:00" }\n', "no time zone"),
        ('[assignments]\n01_one_hot = { state = "shut" }\n', "states: open, closed"),
        ('[assignments]\n99_nope = "open"\n', "99_nope"),
        ('[extensions]\nalice = { 01_one_hot = "a while" }\n', "without a due date"),
        ("[late_policy]\npercent_per_week = 5\n", "unknown percent_per_week"),
    ],
)
def test_mistakes_in_course_toml_are_one_line(root, text, message):
    Course(root).schedule_file.write_text(text)
    with pytest.raises((term.TermError, release.ReleaseError), match=message):
        term.load(root)
        release.schedule(root)


def test_a_submission_time_is_written_as_nbgrader_reads_it(root):
    from nbgrader.utils import parse_utc

    course = Course(root)
    source = root / "download"
    source.mkdir()
    shutil.copy(ROOT / "course" / A / f"{A}.ipynb", source / f"erin_{A}.ipynb")
    result = submissions.collect(course, source, A, out=lambda *_: None, submitted_at="2026-10-06T10:30:00+02:00")
    assert result.students == ["erin"]
    stamp = (course.submitted / "erin" / A / "timestamp.txt").read_text()
    assert parse_utc(stamp) == dt.datetime(2026, 10, 6, 8, 30)
    with pytest.raises(term.TermError, match="no time zone"):
        submissions.collect(course, source, A, out=lambda *_: None, submitted_at="2026-10-06 10:30")


def test_the_audit_trail_is_only_appended_to(tmp_path, monkeypatch):
    """Overrides and undos are records of their own; what is in force follows from all of them."""
    course = Course(nbgrader_run.copy_course(tmp_path / "c"))
    course.grading.mkdir()
    monkeypatch.setattr(term, "apply_overrides", lambda *a, **k: None)  # no gradebook here
    monkeypatch.setattr(term, "_cells", lambda gb, a, s: {"test_x": type("G", (), {"max_score": 2.0})()})
    first = term.add_override(course, "alice", A, "test_x", 2, "the test was wrong", by="ta1")
    second = term.add_override(course, "alice", A, "test_x", 1.5, "second look", by="ta2")
    with pytest.raises(term.TermError, match="between 0 and 2"):
        term.add_override(course, "alice", A, "test_x", 3, "too much")
    with pytest.raises(term.TermError, match="no graded cell"):
        term.add_override(course, "alice", A, "test_y", 1, "no such cell")
    with pytest.raises(term.TermError, match="needs a reason"):
        term.add_override(course, "alice", A, "test_x", 1, " ")
    before = course.overrides_file.read_text()
    term.undo(course, second.id, "the first one stands", by="prof")
    assert course.overrides_file.read_text().startswith(before), "appended, never rewritten"
    assert [o.id for o in term.overrides(course)] == [first.id]
    assert term.in_force(course)[("alice", A, "test_x")].by == "ta1"
    with pytest.raises(term.TermError, match="no override #2 in force"):
        term.undo(course, second.id, "again")
    assert term.main(["overrides", "--root", str(course.root)]) == 0


def test_the_zip_tells_students_the_due_date_and_the_policy(root, monkeypatch):
    import zipfile

    shutil.copytree(ROOT / "course" / A, root / "course" / A)
    shutil.copy(ROOT / "requirements.txt", root / "requirements.txt")
    (root / "hub" / "student").mkdir(parents=True)
    shutil.copy(ROOT / "hub" / "student" / "nbgrader_config.py", root / "hub" / "student" / "nbgrader_config.py")
    Course(root).schedule_file.write_text(NEW_FORM)
    monkeypatch.setattr(release, "checked", lambda *_, **__: None)  # what may be handed out: tests/test_release.py
    with zipfile.ZipFile(release.release_zip(root, A, root / "a.zip")) as archive:
        readme = archive.read(f"{A}/README.md").decode()
    assert "**Due 2026-10-05T23:59+02:00** (10% of the score per day started late after a grace of 15 min" in readme


def test_the_released_notebook_says_when_it_is_due(tmp_path):
    """nbgrader's generate_assignment, through the course's config: the due date under the title, nothing
    else changed (and none without a due date: the committed course/ is what nbgrader alone generates)."""
    import nbformat

    root = nbgrader_run.copy_course(tmp_path / "c")
    Course(root).schedule_file.write_text(NEW_FORM)
    folder = release.generate(root, A, tmp_path / "out")
    cells = nbformat.read(folder / f"{A}.ipynb", as_version=4).cells
    assert cells[0].source.startswith("# ") and "**Due 2026-10-05T23:59+02:00**" in cells[1].source
    committed = nbformat.read(ROOT / "course" / A / f"{A}.ipynb", as_version=4).cells
    assert [c.source for c in cells[:1] + cells[2:]] == [c.source for c in committed], "nothing else changes"
    assert term.due_line(ROOT, A) == "", "the repository's schedule.toml has no due date: course/ stays as it is"


def test_export_leaves_ungraded_empty_and_needs_an_identifier(tmp_path, monkeypatch):
    """The layouts themselves are checked on a graded class (tests/test_term_grading.py)."""
    import csv

    from tools import export

    course = Course(tmp_path)
    course.grading.mkdir(parents=True)
    (tmp_path / "solutions" / A).mkdir(parents=True)
    (tmp_path / "solutions" / B).mkdir(parents=True)
    course.roster.write_text("id,first_name,last_name,email,lms_id\nann,Ann,Lee,ann@x.org,7\nben,Ben,Ng,,8\n")
    done = term.Standing("ann", A, 6, 9, 0, 0, None, None, None, [], 0)
    other = term.Standing("zed", A, 9, 9, 0, 0, None, None, None, [], 0)
    monkeypatch.setattr(term, "standings", lambda c: {("ann", A): done, ("zed", A): other})
    monkeypatch.setattr(export, "_flags", lambda c, a: [])
    said = []
    rows = list(csv.reader(export.export(course, "canvas", out=said.append).open()))
    assert rows[0][5:] == [A] and rows[2] == ["Lee, Ann", "7", "", "ann@x.org", "", "6"]
    assert rows[3] == ["Ng, Ben", "8", "", "", "", ""], "not graded: left empty, the LMS keeps its value"
    assert said == ["warning: graded but not in the roster (not exported): zed"]
    with pytest.raises(export.ExportError, match="ben has no email nor idnumber"):
        export.export(course, "moodle", out=said.append)


def test_export_invents_no_score_where_the_checker_failed(tmp_path, monkeypatch):
    """A submission whose checker failed (twice: tools/run.py retries) has a score the machine made up (its
    judged cells 0): it is not exported, and the export says so; an override (the instructor's) is."""
    import csv

    from tools import export
    from tools.pipeline import CHECKER_FAILED, Anomalies

    course = Course(tmp_path)
    course.grading.mkdir(parents=True)
    (tmp_path / "solutions" / A).mkdir(parents=True)
    course.roster.write_text("id,first_name,last_name,email,lms_id\nann,Ann,Lee,ann@x.org,7\nben,Ben,Ng,b@x.org,8\n")
    anomalies = Anomalies()
    anomalies.add("ann", A, CHECKER_FAILED, "cell test_x could not be judged: the checker failed (EOFError)")
    anomalies.add("ben", A, CHECKER_FAILED, "cell test_x could not be judged: the checker failed (EOFError)")
    anomalies.save(course.anomalies_file)
    override = [term.Override(1, "2026-12-06T20:00Z", "prof", "ben", A, "test_x", 2.0, "judged by hand")]
    ann = term.Standing("ann", A, 1, 9, 0, 0, None, None, None, [], 0)
    ben = term.Standing("ben", A, 9, 9, 0, 0, None, None, None, override, 0)
    monkeypatch.setattr(term, "standings", lambda c: {("ann", A): ann, ("ben", A): ben})
    monkeypatch.setattr(export, "_flags", lambda c, a: [])
    said = []
    rows = list(csv.reader(export.export(course, "canvas", out=said.append).open()))
    assert rows[2] == ["Lee, Ann", "7", "", "ann@x.org", "", ""], "the checker failed: no score, the LMS keeps its own"
    assert rows[3][-1] == "9", "an override is the instructor's score: exported"
    assert any("not exported, the checker could not judge them" in line and f"ann/{A}" in line for line in said)


# ---------------------------------------------------------------------------
# The students' texts in their edition's language (issue 27): the due-date cell and the standing section
# ---------------------------------------------------------------------------
CJK = "[\u4e00-\u9fff]"


def english_words(text: str) -> list[str]:
    """Runs of two English words (names of code and UTC aside): what a Chinese text must not contain."""
    import re

    return re.findall(r"\b(?!UTC\b)[A-Za-z]{2,}\b(?:[ ,;:]+[A-Za-z]{2,}\b)+", text)


def test_the_due_date_cell_speaks_the_editions_language(root, monkeypatch):
    """DueDate runs after tools.i18n.Edition, which marked a Chinese release: its cell is Chinese, the zip's
    README line too; the English one stays as it was."""
    import re

    import nbformat

    Course(root).schedule_file.write_text(NEW_FORM)
    monkeypatch.setattr(term, "ROOT", root)
    english, chinese = term.due_line(root, A), term.due_line(root, A, "zh")
    assert english.startswith("**Due 2026-10-05T23:59+02:00** (10% of the score per day started late after a grace")
    assert "2026-10-05T23:59+02:00" in chinese and "10" in chinese and "15" in chinese and "50" in chinese
    assert re.search(CJK, chinese) and not english_words(chinese), chinese
    cells = {}
    for language in ("en", "zh"):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01")])
        i18n.mark(nb, language)
        nb, _ = term.DueDate().preprocess(nb, {"nbgrader": {"assignment": A}})
        cells[language] = nb.cells[1].source
    assert cells["en"] == f"> {english} Hand in before then."
    assert cells["zh"].startswith(f"> {chinese}") and not english_words(cells["zh"]), cells["zh"]
    assert term.LatePolicy().describe(i18n.translator("zh")) != "no late penalty"


def test_the_standing_section_speaks_the_notebooks_language(monkeypatch):
    """StandingFeedback writes the standing (late, extension, regrade, final score) in the language of the
    graded notebook's edition mark; every line of it, in Chinese without English words."""
    import re

    import nbformat

    policy = term.LatePolicy(percent_per_day=10, max_percent=50, grace_minutes=15)
    due = dt.datetime(2026, 10, 5, 21, 59)
    regrade = term.Override(1, "2026-10-09T10:00:00", "ta1", "ann", A, term.TOTAL, 8.0, "the test was wrong")
    cases = [  # (submitted, seconds late, extension, overrides, manual)
        (due + dt.timedelta(days=2), 2 * 86400, dt.timedelta(days=1), [regrade], 2.0),
        (due + dt.timedelta(minutes=5), 300, None, [], 0),
        (due - dt.timedelta(hours=1), 0, None, [], 0),
        (None, 0, dt.timedelta(hours=36), [], 0),
    ]
    for submitted, late, extension, overrides, manual in cases:
        penalty = 0.9 if late > 86400 else 0
        s = term.Standing("ann", A, 9, 10, penalty, late, submitted, due, extension, overrides, manual)
        english, chinese = term.standing_markdown(s, policy), term.standing_markdown(s, policy, i18n.translator("zh"))
        assert english.startswith("## Your standing") and not re.search(CJK, english)
        lines = [re.sub(r"`[^`]*`|the test was wrong|ta1", "", line) for line in chinese.splitlines() if line]
        assert len(lines) == len([line for line in english.splitlines() if line])
        assert all(re.search(CJK, line) and not english_words(line) for line in lines), chinese
    monkeypatch.setattr(term, "standings", lambda course: {("ann", A): s})
    monkeypatch.setattr(term, "load", lambda root: term.Term({}, {}, {}, policy))
    for language, title in (("en", "## Your standing"), ("zh", i18n.translator("zh")("## Your standing"))):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("summary", metadata={})])
        nb.cells[0].metadata["rnn_course"] = {"feedback_summary": True}
        i18n.mark(nb, language)
        nb, _ = term.StandingFeedback().preprocess(nb, {"nbgrader": {"student": "ann", "assignment": A}})
        assert nb.cells[1].source.startswith(title), nb.cells[1].source
    assert title != "## Your standing"
