"""In-process checks of the grading tools (no nbgrader run): the checks made
before grading, collection, feedback filtering. The end-to-end behaviour is
proven in test_grading_faults.py."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator, common

from tests.grading import nbgrader_run
from tools import feedback, grade, gradebook, i18n, metadata_schema, submissions
from tools.release import grading_release

A = "01_one_hot"


@pytest.fixture
def course(tmp_path):
    root = nbgrader_run.copy_course(tmp_path / "course")
    shutil.copytree(nbgrader_run.ROOT / "course", root / "course")
    for assignment in grade.Course(root).assignments():  # what release.sync makes before grading
        shutil.copytree(root / "course" / assignment, grading_release(root) / assignment)
    return grade.Course(root)


def release(course):
    return nbformat.read(course.release_notebook(A), as_version=4)


def submit(course, student, nb=None, name=f"{A}.ipynb"):
    folder = course.submitted / student / A
    folder.mkdir(parents=True)
    if nb is not None:
        nbformat.write(nb, folder / name)
    return folder


def inspect(course, student):
    anomalies = grade.Anomalies()
    ok = grade.inspect_submission(course, student, A, anomalies)
    return ok, [(a.kind, a.detail) for a in anomalies.items]


def test_clean_submission_has_no_anomaly(course):
    submit(course, "alice", release(course))
    assert inspect(course, "alice") == (True, [])


def test_renamed_notebook_is_graded_under_its_name(course):
    folder = submit(course, "bob", release(course), name="Copy of 01_one_hot.ipynb")
    ok, found = inspect(course, "bob")
    assert ok and found[0][0] == "renamed-notebook" and (folder / f"{A}.ipynb").exists()


def test_missing_invalid_and_foreign_notebooks_are_refused(course):
    submit(course, "carol")
    (submit(course, "dave") / f"{A}.ipynb").write_text('{"cells": [')
    other = next(a for a in grade.Course(nbgrader_run.ROOT).assignments() if a != A)
    submit(course, "erin", nbformat.read(course.release_notebook(other), as_version=4))
    assert inspect(course, "carol") == (
        False,
        [("missing-notebook", f"{A}.ipynb not found (no notebook at all); scored 0")],
    )
    ok, found = inspect(course, "dave")
    assert not ok and found[0][0] == "invalid-notebook"
    ok, found = inspect(course, "erin")
    assert not ok and found == [("wrong-assignment", f"{A}.ipynb is the notebook of {other}; scored 0")]


def test_deleted_duplicated_and_moved_cells_are_repaired(course):
    nb = release(course)
    ids = grade.grade_ids(nb)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    nb.cells.remove(by_id["test_one_hot_values"])
    nb.cells.append(nbformat.from_dict(dict(by_id["test_one_hot_shape"]) | {"id": "copy"}))
    nb.cells.remove(by_id["intro"])
    nb.cells.append(by_id["intro"])
    folder = submit(course, "frank", nb)
    ok, found = inspect(course, "frank")
    assert ok and [kind for kind, _ in found] == ["duplicated-cells", "deleted-cells", "reordered-cells"]
    assert "test_one_hot_values" in found[1][1]
    repaired = nbformat.read(folder / f"{A}.ipynb", as_version=4)
    assert grade.grade_ids(repaired) == ids


def test_student_cells_stay_after_the_cell_they_followed(course):
    nb = release(course)
    mine = nbformat.v4.new_code_cell("print('my scratch work')")
    position = next(i for i, c in enumerate(nb.cells) if c.id == "one_hot") + 1
    nb.cells.insert(position, mine)
    nb.cells.append(nb.cells.pop(0))  # the title cell moved to the end
    folder = submit(course, "grace", nb)
    ok, found = inspect(course, "grace")
    assert ok and [kind for kind, _ in found] == ["reordered-cells"]
    cells = nbformat.read(folder / f"{A}.ipynb", as_version=4).cells
    index = next(
        i for i, c in enumerate(cells) if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "one_hot"
    )
    assert cells[index + 1].source == "print('my scratch work')"


def test_edited_course_files_are_reported(course):
    folder = submit(course, "heidi", release(course))
    shutil.copy(course.root / "helpers.py", folder / "helpers.py")
    assert inspect(course, "heidi") == (True, [])
    (folder / "helpers.py").write_text("# mine\n")
    assert inspect(course, "heidi")[1][0][0] == "edited-files"


def _zip(path, files: dict[str, str]):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path


def _collected(course, source, capsys=None):
    result = submissions.collect(course, source, A, out=lambda *_: None)
    return {(r.student, r.file): (r.result, r.why) for r in result.rows}, result


def test_collect_from_lms_zip_and_from_folders(course, tmp_path):
    text = nbformat.writes(release(course))
    files = {"ivan_01_one_hot.ipynb": text, "judy_assignment1.ipynb": text, "__MACOSX/._judy_assignment1.ipynb": "x"}
    archive = _zip(tmp_path / "download.zip", files | {"readme.txt": "not a notebook"})
    rows, result = _collected(course, archive)
    assert result.students == ["ivan", "judy"]
    assert rows[("", "readme.txt")] == ("skipped", "not a notebook")
    assert (course.submitted / "judy" / A / f"{A}.ipynb").exists()
    layout = tmp_path / "exchange" / "mallory" / A
    layout.mkdir(parents=True)
    (layout / f"{A}.ipynb").write_text(text)
    assert _collected(course, tmp_path / "exchange")[1].students == ["mallory"]


# File names as each LMS's "download all submissions" writes them (README, "Collecting from an LMS").
MOODLE = {
    "Frank Miller_123456_assignsubmission_file_01_one_hot.ipynb": "frank_miller",
    "Grace Hopper_123457_assignsubmission_file_/01_one_hot.ipynb": "grace_hopper",  # "in folders"
    "Zoë Ångström_123458_assignsubmission_file_my notebook.ipynb": "zoe_angstrom",
}
CANVAS = {
    "smithjohn_12345_678901_01_one_hot.ipynb": "smithjohn",
    "doejane_LATE_12346_678902_01_one_hot.ipynb": "doejane",
}
BLACKBOARD = {"Assignment 1_heidi_attempt_2026-11-02-10-15-00_01_one_hot.ipynb": "heidi"}


@pytest.mark.parametrize("names", [MOODLE, CANVAS, BLACKBOARD], ids=["moodle", "canvas", "blackboard"])
def test_collect_reads_the_file_names_of_moodle_canvas_and_blackboard(course, tmp_path, names):
    text = nbformat.writes(release(course))
    extra = {"Assignment 1_heidi_attempt_2026-11-02-10-15-00.txt": "receipt"} if names is BLACKBOARD else {}
    online = {"Grace Hopper_123457_assignsubmission_onlinetext_/onlinetext.html": "<p>hi</p>"}
    extra |= online if names is MOODLE else {}
    rows, result = _collected(course, _zip(tmp_path / "lms.zip", dict.fromkeys(names, text) | extra))
    assert result.students == sorted(names.values())
    for name, student in names.items():
        assert rows[(student, name)][0] == "collected", rows
        assert (course.submitted / student / A / f"{A}.ipynb").read_text() == text
    assert all(result == "skipped" for (_, file), (result, _) in rows.items() if file in extra)
    if names is CANVAS:
        assert "LATE" in rows[("doejane", "doejane_LATE_12346_678902_01_one_hot.ipynb")][1]


def test_collect_finds_students_in_the_roster(course, tmp_path):
    course.roster.write_text("id,first_name,last_name,email,lms_id\njs42,John,Smith,john.smith@uni.edu,\n")
    course.roster.write_text(course.roster.read_text() + "fm7,Frank,Miller,fm@uni.edu,\nhh,Grace,Hopper,,123457\n")
    text = nbformat.writes(release(course))
    names = ["smithjohn_12345_678901_01_one_hot.ipynb", "Frank Miller_99_assignsubmission_file_x.ipynb"]
    names.append("Amazing Grace_123457_assignsubmission_file_x.ipynb")  # the Moodle id of the roster wins
    _, result = _collected(course, _zip(tmp_path / "lms.zip", dict.fromkeys(names, text)))
    assert result.students == ["fm7", "hh", "js42"]


def test_collect_keeps_the_newest_by_the_lms_order_and_says_so(course, tmp_path):
    old, new = nbformat.writes(release(course)), nbformat.writes(release(course)) + "\n"
    files = {
        "Assignment 1_heidi_attempt_2026-11-02-10-15-00_01_one_hot.ipynb": old,
        "Assignment 1_heidi_attempt_2026-11-03-09-00-00_01_one_hot.ipynb": new,
        "smithjohn_12345_678901_01_one_hot.ipynb": old,
        "smithjohn_12345_678901_01_one_hot-1.ipynb": new,  # Canvas numbers a resubmitted file
    }
    rows, result = _collected(course, _zip(tmp_path / "lms.zip", files))
    assert result.students == ["heidi", "smithjohn"]
    for student in result.students:
        assert (course.submitted / student / A / f"{A}.ipynb").read_text() == new
    newest = [why for (_, _), (res, why) in rows.items() if res == "collected"]
    assert all("newest of 2" in why for why in newest) and len(newest) == 2
    assert sum(res == "skipped" and "older" in why for res, why in rows.values()) == 2


def test_two_unordered_files_of_one_student_are_kept_aside_not_merged(course, tmp_path):
    text = nbformat.writes(release(course))
    files = {"judy_01_one_hot.ipynb": text, "judy_01_one_hot_v2.ipynb": text + "\n"}
    files |= {"Alice_01_one_hot.ipynb": text, "alice_01_one_hot.ipynb": text}  # one student, the same file
    rows, result = _collected(course, _zip(tmp_path / "lms.zip", files))
    assert result.students == ["alice"]
    assert rows[("judy", "judy_01_one_hot.ipynb")][0] == rows[("judy", "judy_01_one_hot_v2.ipynb")][0] == "conflict"
    assert not (course.submitted / "judy").exists()
    assert sorted(p.name for p in (course.grading / "collect-conflicts" / A / "judy").iterdir()) == sorted(
        ["judy_01_one_hot.ipynb", "judy_01_one_hot_v2.ipynb"]
    )
    assert any("'Alice' and 'alice' are taken as one student" in note for note in result.notes)
    assert "conflict" in result.table() and "2 conflict" in result.table()


def test_collecting_again_never_loses_the_earlier_file(course, tmp_path):
    text = nbformat.writes(release(course))
    _collected(course, _zip(tmp_path / "a.zip", {"ivan_01_one_hot.ipynb": text}))
    rows, _ = _collected(course, _zip(tmp_path / "b.zip", {"ivan_01_one_hot.ipynb": text}))
    assert rows[("ivan", "ivan_01_one_hot.ipynb")] == ("unchanged", "")
    rows, _ = _collected(course, _zip(tmp_path / "c.zip", {"ivan_01_one_hot.ipynb": text + "\n"}))
    result, why = rows[("ivan", "ivan_01_one_hot.ipynb")]
    assert result == "replaced" and "saved to autograder/backups/" in why
    saved = course.root / why.split("saved to ")[1]
    assert saved.read_text() == text


def test_look_alike_new_ids_are_named(course, tmp_path):
    text = nbformat.writes(release(course))
    _, result = _collected(course, _zip(tmp_path / "a.zip", {"martha_a.ipynb": text, "marhta_b.ipynb": text + " "}))
    assert any("'marhta' and 'martha' look alike" in note for note in result.notes), result.notes


def test_a_student_named_on_the_command_line_must_have_a_submission(course):
    submit(course, "alice", release(course))
    assert grade.what_to_grade(course, None, ["alice"], out=lambda *_: None) == ([A], ["alice"])
    with pytest.raises(grade.GradingError, match=r"no submission of 'alicce'.*did you mean alice\?"):
        grade.what_to_grade(course, [A], ["alicce"])
    with pytest.raises(grade.GradingError, match=r"nothing collected for 02_recurrence.*make collect"):
        grade.what_to_grade(course, ["02_recurrence"], None)
    lines = []
    assert grade.what_to_grade(course, None, None, out=lines.append) == ([A], ["alice"])
    assert lines and lines[0].startswith("not collected, not graded: 02_recurrence")


def test_remove_student_asks_first_then_removes_everywhere(course, capsys):
    from nbgrader.api import Gradebook, MissingEntry

    for folder in (submit(course, "zoe", release(course)), course.autograded / "zoe" / A):
        folder.mkdir(parents=True, exist_ok=True)
    grade.Anomalies([grade.Anomaly("zoe", A, "timeout", "x"), grade.Anomaly("bob", A, "timeout", "y")]).save(
        course.anomalies_file
    )
    with Gradebook(course.db_url, grade.COURSE_ID) as gb:
        gb.add_student("zoe")
    assert submissions.remove_student(course, "zoe") == 1  # stdin is not a terminal: not confirmed
    assert "FORCE=1" in capsys.readouterr().err and (course.submitted / "zoe").exists()
    assert submissions.remove_student(course, "zoe", yes=True) == 0
    assert not (course.submitted / "zoe").exists() and not (course.autograded / "zoe").exists()
    assert [a.student for a in grade.Anomalies.load(course.anomalies_file)] == ["bob"]
    with Gradebook(course.db_url, grade.COURSE_ID) as gb, pytest.raises(MissingEntry):
        gb.find_student("zoe")
    assert submissions.remove_student(course, "zoe", yes=True) == 1  # nothing left of zoe


def test_delete_submissions_asks_first_and_keeps_the_roster(course, capsys):
    submit(course, "alice", release(course))
    course.roster.write_text("id,first_name,last_name,email\nalice,A,L,\n")
    assert submissions.delete_all(course) == 1 and course.submitted.exists()
    assert "FORCE=1" in capsys.readouterr().err
    assert submissions.delete_all(course, yes=True) == 0
    assert sorted(p.name for p in course.grading.iterdir()) == ["roster.csv"]


def test_make_clean_removes_only_what_can_be_rebuilt(course):
    shutil.copy(nbgrader_run.ROOT / "Makefile", course.root / "Makefile")
    kept = [course.submitted / "alice" / A / f"{A}.ipynb", course.quarantine / "alice" / A / "x.py"]
    kept += [course.gradebook, course.roster, course.backups / "course-1" / "x", course.overrides_file]
    rebuilt = [course.autograded / "alice" / A / f"{A}.ipynb", course.feedback / "alice" / A / f"{A}.html"]
    rebuilt += [course.report_dir / "grades.csv", course.anomalies_file, course.logs / "x.log"]
    rebuilt.append(course.exports / "x.csv")
    for path in kept + rebuilt:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    subprocess.run(["make", "--no-print-directory", "clean"], cwd=course.root, check=True, capture_output=True)
    assert [p for p in kept if not p.exists()] == []
    assert [p for p in rebuilt if p.exists()] == []


def test_memory_sizes():
    assert grade._bytes("6G") == 6 * 2**30 and grade._bytes("512M") == 512 * 2**20 and grade._bytes("100") == 100
    with pytest.raises(ValueError):
        grade._bytes("lots")


def _row(*cells):
    """A row of the feedback summary's table, as text."""
    pad = 'style="padding:3px 12px 3px 0;text-align:left;vertical-align:top"'
    first, *rest = cells
    return f"<tr><td {pad}><code>{first}</code></td>" + "".join(f"<td {pad}>{c}</td>" for c in rest) + "</tr>"


def _feedback_of(*cells):
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nb, _ = feedback.TeachingFeedback().preprocess(nb, {})
    return nb


def _answer(source, name="f", checksum=None):
    meta = {"nbgrader": {"grade": False, "solution": True, "grade_id": name}}
    if checksum:
        meta["nbgrader"]["checksum"] = checksum
    return nbformat.v4.new_code_cell(source, metadata=meta)


def _test(source, grade_id="test_f_values", score=0.0, points=2.0, error=None):
    meta = {"nbgrader": {"grade": True, "solution": False, "grade_id": grade_id, "score": score, "points": points}}
    cell = nbformat.v4.new_code_cell(source, metadata=meta)
    if error:
        cell.outputs = [nbformat.v4.new_output("error", ename=error[0], evalue=error[1], traceback=["secret frame"])]
    return cell


def test_feedback_hides_hidden_tests_and_tracebacks():
    source = "check(f(1))\n### BEGIN HIDDEN TESTS\nsecret = f(42)\n### END HIDDEN TESTS\nprint('ok')"
    assert feedback.hide_hidden_tests(source) == f"check(f(1))\n{feedback.HIDDEN_NOTE}\nprint('ok')"
    nb = _feedback_of(
        _answer("def f(x):\n    return x"), _test(source, error=("AssertionError", "\x1b[31mexpected 3\x1b[0m"))
    )
    summary, answer, test = nb.cells
    assert "secret" not in test.source and test.outputs[0].traceback == ["AssertionError: expected 3"]
    assert answer.source == "def f(x):\n    return x"
    assert _row("f", "values", "0 / 2", "AssertionError: expected 3") in summary.source


def test_feedback_says_not_attempted_once_and_quiets_demos_that_need_the_answer():
    from nbgrader.utils import compute_checksum

    stub = _answer("def f(x):\n    raise NotImplementedError()")
    stub.metadata["nbgrader"]["checksum"] = compute_checksum(stub)
    demo = nbformat.v4.new_code_cell(
        "f(3)", metadata={"nbgrader": {"grade": False, "solution": False, "grade_id": "demo"}}
    )
    demo.outputs = [nbformat.v4.new_output("error", ename="NotImplementedError", evalue="", traceback=["long"])]
    error = ("NotImplementedError", "")
    nb = _feedback_of(stub, demo, _test("check(f(1))", "test_f_shape", error=error), _test("check(f(2))", error=error))
    summary = nb.cells[0].source
    assert summary.count("not attempted") == 1 and _row("f", "all its tests", "0 / 4", "not attempted") in summary
    assert all(o.output_type != "error" for c in nb.cells for o in c.get("outputs", []))
    assert "it runs once that exercise is done" in nb.cells[2].outputs[0].data["text/plain"]


def test_feedback_names_a_crashed_answer_cell():
    crashed = _answer("def f(x):\n    return x\nundefined_name")
    crashed.outputs = [
        nbformat.v4.new_output("error", ename="NameError", evalue="name 'undefined_name' is not defined")
    ]
    summary = _feedback_of(crashed, _test("check(f(1))", score=2.0)).cells[0].source
    assert "your answer cell raised NameError: name &#x27;undefined_name&#x27; is not defined" in summary
    assert _row("f", "values", "2 / 2", "passed") in summary


def test_metadata_that_steers_execution_is_reset_to_the_release(course):
    nb = release(course)
    test_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_one_hot_shape")
    test_cell.metadata["tags"] = ["skip-execution"]
    test_cell.metadata["nbgrader"]["points"] = 100
    nb.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["raises-exception"]}))
    nb.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    folder = submit(course, "mallory", nb)
    assert inspect(course, "mallory") == (True, [])
    graded = nbformat.read(folder / f"{A}.ipynb", as_version=4)
    restored = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_one_hot_shape")
    original = next(c for c in release(course).cells if c.get("id") == restored.get("id"))
    assert restored.metadata == original.metadata and "tags" not in restored.metadata
    assert graded.cells[-1].metadata == {} and graded.metadata == release(course).metadata


def test_an_edition_keeps_its_mark_and_its_catalogue_is_no_extra_file(course):
    """A submission of the Chinese release (tools/i18n.py marks it) is checked like one of the English: its
    mark survives the metadata reset (its messages and feedback are in its language), its catalogue is set
    aside without a finding (grading installs the course's); the mark of an edition the course does not
    have is dropped with the rest of the student's metadata."""
    nb = release(course)
    i18n.mark(nb, "zh")
    folder = submit(course, "mei", nb)
    i18n.install_catalogue(folder, "zh")
    assert inspect(course, "mei") == (True, [])
    assert nbformat.read(folder / f"{A}.ipynb", as_version=4).metadata["rnn_course"] == {"language": "zh"}
    assert sorted(p.name for p in folder.iterdir()) == [f"{A}.ipynb"]
    nb.metadata["rnn_course"] = {"language": "fr"}
    folder = submit(course, "pierre", nb)
    assert inspect(course, "pierre") == (True, [])
    assert nbformat.read(folder / f"{A}.ipynb", as_version=4).metadata == release(course).metadata


def test_a_chinese_stub_left_unanswered_is_the_stub_the_gradebook_knows(course):
    """The Chinese release's free-text stub, untouched, becomes the English one nbgrader's gradebook holds (so
    it is scored unanswered, not sent to a grader); an answer, or the same text in an English submission,
    is left alone, and so are Chinese code answers (a code stub: tests/test_grading_editions.py)."""
    from tools import freetext
    from tools.layout import is_answer_cell as is_answer
    from tools.layout import is_freetext_cell

    def question(nb):
        return next(cell for cell in nb.cells if is_freetext_cell(cell))

    english = question(release(course)).source
    nb = release(course)
    i18n.mark(nb, "zh")
    question(nb).source = freetext.STUB["zh"]
    folder = submit(course, "mei", nb)
    assert inspect(course, "mei") == (True, [])
    assert question(nbformat.read(folder / f"{A}.ipynb", as_version=4)).source == english
    # a Chinese code answer that is an answer (its Chinese docstring and a solution) is not a stub either
    source = {c.id: c for c in nbformat.read(course.source_notebook(A), as_version=4).cells}
    answered = {c.id: i18n.translation(source[c.id], "zh")["source"] for c in release(course).cells if is_answer(c)}
    for student, language, text in [("lin", "zh", "独热向量大多是零。"), ("ann", "en", freetext.STUB["zh"])]:
        nb = release(course)
        i18n.mark(nb, language)
        question(nb).source = text
        for cell in filter(is_answer, nb.cells):
            cell.source = answered[cell.id]
        folder = submit(course, student, nb)
        inspect(course, student)
        graded = nbformat.read(folder / f"{A}.ipynb", as_version=4)
        assert question(graded).source == text
        assert {c.id: c.source for c in graded.cells if is_answer(c)} == answered


def test_extra_files_are_quarantined_and_importable_ones_flagged(course):
    folder = submit(course, "oscar", release(course))
    shutil.copy(course.root / "helpers.py", folder / "helpers.py")
    (folder / "notes.txt").write_text("my notes")
    (folder / "torch.py").write_text("raise SystemExit")
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "helpers.cpython-311.pyc").write_bytes(b"\0")
    ok, found = inspect(course, "oscar")
    assert ok
    kinds = dict(found)
    assert "torch.py" in kinds["possible-tampering"] and "notes.txt" in kinds["extra-files"]
    assert sorted(p.name for p in folder.iterdir()) == [f"{A}.ipynb", "helpers.py"]
    quarantine = course.root / "autograder" / "quarantine" / "oscar" / A
    assert (quarantine / "torch.py").exists() and (quarantine / "notes.txt").exists()


def test_grading_stops_with_one_line_when_the_sandbox_is_missing(course, monkeypatch, capsys):
    from tools import sandbox

    submit(course, "alice", release(course))
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    sandbox.problem.cache_clear()
    try:
        status = grade.main(["autograde", "--root", str(course.root)])
    finally:
        sandbox.problem.cache_clear()
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1 and len(err) == 1
    assert "bubblewrap (bwrap) is not installed" in err[0] and "make sandbox" in err[0] and "--unsafe" in err[0]


def test_roster_names_reach_the_gradebook(course):
    from nbgrader.api import Gradebook

    (course.root / "autograder").mkdir(exist_ok=True)
    (course.root / "autograder" / "roster.csv").write_text(
        "id,first_name,last_name,email\nalice,Alice,Liddell,alice@example.org\nbob,Bob,,\n"
    )
    assert grade.import_roster(course) == 2
    with Gradebook(course.db_url, grade.COURSE_ID) as gb:
        alice, bob = gb.find_student("alice"), gb.find_student("bob")
        assert (alice.first_name, alice.last_name, alice.email) == ("Alice", "Liddell", "alice@example.org")
        assert (bob.first_name, bob.last_name) == ("Bob", None)


def test_the_exchange_of_one_machine_lives_in_the_grading_area(course, monkeypatch):
    from pathlib import Path

    from traitlets.config.loader import PyFileConfigLoader

    if Path("/srv/nbgrader/exchange").is_dir():
        pytest.skip("this machine has a hub's exchange (/srv/nbgrader/exchange)")
    monkeypatch.delenv("RNN_COURSE_EXCHANGE", raising=False)

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()
    assert config.Exchange.root == str(course.root / "autograder" / "exchange")
    assert (course.root / "autograder" / "exchange").is_dir()


def test_the_score_histogram_reads_at_a_glance(tmp_path):
    import matplotlib.image

    figure = grade.histogram([0, 5, 5, 9, 9, 9], 9, A)
    ax = figure.axes[0]
    assert all(float(t).is_integer() for t in ax.get_yticks()), "whole students"
    assert ax.get_xlim()[0] < 0 and ax.get_xlim()[1] > 9, "every score from 0 to the maximum"
    assert {0, 9} <= {int(t) for t in ax.get_xticks()}
    figure.savefig(tmp_path / "h.png", dpi=100)
    assert matplotlib.image.imread(tmp_path / "h.png").shape[:2] == (320, 800)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    box = figure.bbox
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    drawn = [t for t in ax.get_xticklabels() if x0 <= t.get_position()[0] <= x1]
    drawn += [t for t in ax.get_yticklabels() if y0 <= t.get_position()[1] <= y1]
    for text in [ax.title, ax.xaxis.label, ax.yaxis.label, *drawn]:
        extent = text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0 and extent.y1 <= box.y1, text


def test_feedback_pages_are_what_nbconvert_renders():
    """FeedbackExporter skips HTMLExporter's BeautifulSoup pass (2.6x faster feedback): the page it
    renders is nbconvert's, images without alt text included, for a notebook with every kind of output."""
    from bs4 import BeautifulSoup
    from nbconvert.exporters import HTMLExporter

    nb = nbformat.read(nbgrader_run.notebook_path(nbgrader_run.ROOT / "solutions", A), as_version=4)
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    code[0].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="some <text> & more\n"),
        nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": f'<p>two images</p><IMG src="data:image/png;base64,{png}"><img alt="kept" src="x">'},
        ),
    ]
    code[1].outputs = [
        nbformat.v4.new_output("error", ename="CheckFailed", evalue="\x1b[31mwrong\x1b[0m", traceback=["\x1b[31mx"])
    ]
    ours, _ = feedback.FeedbackExporter(template_name="classic").from_notebook_node(nb)
    theirs, _ = HTMLExporter(template_name="classic").from_notebook_node(nb)
    assert ours.count(feedback.NO_ALT_TEXT) == 2, "the PNG output and the HTML output's <IMG> get the alt text"
    assert BeautifulSoup(ours, "html.parser") == BeautifulSoup(theirs, "html.parser")


def test_sandboxed_kernels_read_the_font_list_and_cannot_change_it():
    """matplotlib in the sandbox uses the font list built outside it (no rebuild, nothing on stderr,
    the same fonts), and cannot write to it: it is shared by every kernel, so it must carry nothing
    from one submission to the next. The system's CJK font (make fonts) is in it, and draws Chinese
    labels there without a missing-glyph warning."""
    import json
    import subprocess
    import sys

    from tools import sandbox

    if sandbox.bwrap_path() is None:
        pytest.skip("bubblewrap is not installed (make sandbox)")
    fonts = sandbox.font_list()
    assert fonts is not None and fonts.name.startswith("fontlist-v")
    script = """if True:
        import json, os, matplotlib, matplotlib.font_manager as fm
        cache = matplotlib.get_cachedir()
        path = os.path.join(cache, os.listdir(cache)[0])
        try:
            open(path, "a").close()
            writable = True
        except OSError:
            writable = False
        cjk = "Noto Sans CJK SC" in {f.name for f in fm.fontManager.ttflist}
        if cjk:  # as helpers.use_cjk_font does
            import io, matplotlib.figure
            matplotlib.rcParams["font.family"] = ["sans-serif", "Noto Sans CJK SC"]
            matplotlib.figure.Figure().suptitle("困惑度").figure.savefig(io.BytesIO(), format="png")
        print(json.dumps([cache, os.listdir(cache), len(fm.fontManager.ttflist), writable, cjk]))
    """
    proc = subprocess.run(
        sandbox.command([sys.executable, "-c", script], workdir=None, env={}, fonts=fonts),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    cachedir, files, count, writable, cjk = json.loads(proc.stdout)
    assert (cachedir, files) == (sandbox.MPLCONFIGDIR, [fonts.name]), "matplotlib wrote a cache of its own"
    assert count == len(json.loads(fonts.read_text())["ttflist"]) > 0
    assert not writable, "a kernel could change the font list the next kernels read"
    if Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").is_file():  # make fonts
        assert cjk, "the CJK font installed here is not in the sandbox's font list"


def _assert_the_course_config_installs(module):
    """Loading nbgrader_config.py, as every nbgrader command of the course does, installs tools.<module>."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "from traitlets.config.loader import PyFileConfigLoader as Loader\n"
            "Loader('nbgrader_config.py', path='.').load_config()\n"
            f"from tools import {module}\n"
            f"print({module}.installed())\n",
        ],
        cwd=nbgrader_run.ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "True", (module, loaded.stderr)


def test_the_metadata_check_is_installed_and_judges_as_jsonschema_does():
    """nbgrader_config.py makes nbgrader check each cell's metadata with tools.metadata_schema (the
    schema checked once per process): every nbgrader command of the course gets it, and it accepts
    and refuses exactly what `jsonschema.validate` does, with the same error."""
    _assert_the_course_config_installs("metadata_schema")
    schema = json.loads((Path(common.root) / "v3.json").read_text())
    good = {"schema_version": 3, "grade": True, "solution": False, "locked": True, "grade_id": "t", "points": 2}
    bad = [
        good | {"points": -1},  # negative points
        good | {"points": "10"},
        good | {"grade_id": "no spaces allowed"},
        good | {"checksum": "short"},
        good | {"cell_type": "widget"},
        good | {"cheat": True},
        {k: v for k, v in good.items() if k != "locked"},
        good | {"schema_version": 4, "grade": "yes"},
    ]
    metadata_schema.validate(good, schema)
    for instance in bad:
        with pytest.raises(jsonschema.ValidationError) as expected:
            jsonschema.validate(instance, schema)
        with pytest.raises(jsonschema.ValidationError) as ours:
            metadata_schema.validate(instance, schema)
        assert (str(ours.value), list(ours.value.path)) == (str(expected.value), list(expected.value.path)), instance
    with pytest.raises(jsonschema.SchemaError):  # a broken schema is still refused
        metadata_schema.validate(good, schema | {"type": "no-such-type"})

    # nbgrader's own check, through the installed module, refuses a tampered cell of a release
    metadata_schema.install()
    nb = nbformat.read(nbgrader_run.ROOT / "course" / A / f"{A}.ipynb", as_version=4)
    MetadataValidator().validate_nb(nb)
    test_cell = next(cell for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade"))
    test_cell.metadata["nbgrader"]["points"] = -5
    with pytest.raises(jsonschema.ValidationError, match="-5 is less than the minimum of 0"):
        MetadataValidator().validate_nb(nb)


def test_a_new_gradebook_gets_nbgraders_schema_revision_without_a_subprocess(tmp_path, monkeypatch):
    """nbgrader_config.py makes nbgrader stamp each new gradebook with its schema revision read in the
    process (tools.gradebook.alembic_head), instead of running `alembic heads`: the same revision."""
    _assert_the_course_config_installs("gradebook")
    from nbgrader import api
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini(f"sqlite:///{tmp_path / 'unused.db'}") as ini:
        heads = subprocess.run(
            [str(nbgrader_run.BIN / "alembic"), "-c", ini, "heads"], capture_output=True, text=True, check=True
        ).stdout
    assert gradebook.alembic_head() == heads.split()[0]

    monkeypatch.setattr(api, "get_alembic_version", api.get_alembic_version)  # put back after the test
    gradebook.install()

    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"nbgrader ran a subprocess: {args}")

    monkeypatch.setattr(api.sp, "check_output", no_subprocess)
    with api.Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", "course"):
        pass
    with sqlite3.connect(tmp_path / "gradebook.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(heads.split()[0],)]


def test_feedback_starts_with_an_answer_cell_that_did_not_run():
    """One missing colon in `f` costs the tests of `f` and of `g`, which calls it: the page says so first."""
    broken = _answer("def f(x)\n    return x")
    broken.outputs = [nbformat.v4.new_output("error", ename="SyntaxError", evalue="expected ':' (1234.py, line 1)")]
    g = _answer("def g(x):\n    return f(x) + 1", name="g")
    name_error = ("NameError", "name 'f' is not defined")
    cells = [broken, _test("check(f(1))", error=name_error), g]
    cells += [_test("check(g(1))", "test_g_values", points=3.0, error=name_error)]
    cells += [_test("check(g(2) > 0)", "test_g_positive", score=1.0, points=1.0)]
    summary = _feedback_of(*cells).cells[0].source
    first = summary.splitlines()[0]
    assert first.startswith("**Start here: your answer cell `f` did not run** (SyntaxError: expected"), first
    assert "the tests of `f` and of `g`, which uses it, could not pass (5 points)" in first, first
    crashed = _answer("def f(x):\n    return x\nundefined_name")
    crashed.outputs = [nbformat.v4.new_output("error", ename="NameError", evalue="name 'undefined_name' is not")]
    assert "Start here" not in _feedback_of(crashed, _test("check(f(1))", score=2.0)).cells[0].source


def test_a_cell_keeps_a_megabyte_of_output_and_its_error():
    from tools import judge

    flood = nbformat.v4.new_output("stream", name="stdout", text="x" * 3_000_000)
    error = nbformat.v4.new_output("error", ename="CheckFailed", evalue="expected 3", traceback=["t"] * 10)
    kept, cut = judge.cap_outputs([flood, error], limit=1_000_000)
    assert cut > 1_900_000 and sum(judge._size(o) for o in kept) < 1_001_000
    assert kept[-1].output_type == "error" and "2.0 MB of this cell's 3.0 MB" in kept[-2].data["text/plain"]
    assert judge.was_cut(kept[-2]) and not judge.was_cut(kept[0])
    small = [nbformat.v4.new_output("stream", name="stdout", text="ok")]
    assert judge.cap_outputs(small) == (small, 0)


def test_one_rule_scores_a_test_cell_everywhere():
    """An error fails a test cell, stderr does not, a value it evaluates to is no partial credit; nbgrader's
    determine_grade (autograde, Validate, Formgrader) is that rule once the course config is loaded."""
    from nbgrader import utils

    from tools import judge, nbgrader_patches

    def cell(*outputs):
        meta = {"nbgrader": {"grade": True, "solution": False, "grade_id": "test_f", "points": 2}}
        return nbformat.v4.new_code_cell(metadata=meta, outputs=list(outputs))

    stderr = nbformat.v4.new_output("stream", name="stderr", text="UserWarning: ...")
    value = nbformat.v4.new_output("execute_result", data={"text/plain": "0.5"}, execution_count=1)
    timeout = nbformat.v4.new_output("error", ename="CellTimeoutError", evalue="", traceback=[])
    assert judge.verdict(cell(stderr, value)) == judge.Verdict(2.0, 2.0, "passed", "")
    assert judge.verdict(cell(timeout)).outcome == "timed-out"
    nbgrader_patches.install()
    assert utils.determine_grade(cell(stderr)) == (2.0, 2.0) and utils.determine_grade(cell(timeout)) == (0.0, 2.0)
    assert judge.passed(2.0, 2.0) and not judge.passed(1.5, 2.0) and not judge.passed(None, 2.0)


def test_the_files_a_zip_ships_beside_the_notebook_are_no_finding(course):
    """A student who hands in the whole unzipped folder: README.md, requirements.txt and the students'
    nbgrader_config.py (unchanged) are set aside without a report line; an edited config is importable code."""
    folder = submit(course, "nina", release(course))
    (folder / "README.md").write_text("# 01_one_hot\n")
    (folder / "requirements.txt").write_text("torch==2.13.0\n")
    shutil.copy(nbgrader_run.ROOT / "hub" / "student" / "nbgrader_config.py", folder / "nbgrader_config.py")
    (course.root / "hub" / "student").mkdir(parents=True, exist_ok=True)
    shutil.copy(nbgrader_run.ROOT / "hub" / "student" / "nbgrader_config.py", course.student_config)
    assert inspect(course, "nina") == (True, [])
    assert not (folder / "nbgrader_config.py").exists()
    folder = submit(course, "omar", release(course))
    (folder / "nbgrader_config.py").write_text("import os\n")
    assert inspect(course, "omar")[1][0][0] == "possible-tampering"


def test_a_submission_whose_checker_failed_is_graded_again_alone(tmp_path, monkeypatch):
    """The checker failing (it died or hung: tools/checker.py) is the machine's fault: tools/run.py's retry
    grades that submission once more, alone, as it does a shard's failures; a clean one is not regraded."""
    from tools import run
    from tools.checker import CHECKER_ERROR
    from tools.pipeline import Job, Options

    course = grade.Course(tmp_path)
    failed = nbformat.v4.new_code_cell("check(one_hot)")
    failed.outputs = [nbformat.v4.new_output("error", ename=CHECKER_ERROR, evalue="EOFError: gone", traceback=[])]
    for student, cell in (("ann", failed), ("ben", nbformat.v4.new_code_cell("check(one_hot)"))):
        path = course.autograded_notebook(student, A)
        path.parent.mkdir(parents=True)
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    again = []
    monkeypatch.setattr(run, "_run_single", lambda c, a, s, o, g: again.append((a, s)) or Job(a, [s]))
    retried = run.retry(course, [Job(A, ["ann", "ben"])], Options(), None, grade.Anomalies())
    assert again == [(A, "ann")] and [j.students for j in retried] == [["ann"]]
