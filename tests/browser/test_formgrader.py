"""Formgrader as an instructor uses it in JupyterLab (Nbgrader > Formgrader), on the browser tests' copy of
the course (conftest.py) with a small class of 01_one_hot graded the way `make grade` grades it:

* every view an instructor opens renders, none is Formgrader's error page and no request it makes fails:
  the assignments, an assignment's submissions, one student's submission, Manual Grading down to one
  submission's grading page, the students, one student's assignments and notebooks, and the feedback
  it generates for a submission (with the course's feedback page);
* its *Release* button goes through the release guard of tools/release.py (nbgrader_config.py's
  ExchangeFactory): a release that would carry an open assignment's answers is refused with the guard's
  reasons and nothing reaches the exchange; an allowed one is released;
* an instructor grades the free-text answers of the class (tools/freetext.py): each grading page shows the
  rubric under the student's answer, the scores entered there count in Formgrader's totals and in the
  report's manual points, and the answer nobody gave stays "unanswered".

Screenshots land in .test-artifacts/browser/formgrader-*.png.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import time

import pytest

from tests.browser.test_jupyterlab import LOAD_TIMEOUT, dismiss_notifications, lab_is_loaded
from tests.grading import nbgrader_run
from tests.grading.nbgrader_run import BIN, COURSE_ID, ROOT
from tests.grading.students_01_one_hot import IMPLEMENTATIONS

pytestmark = pytest.mark.browser

A = "01_one_hot"
MAX = 11  # 9 points of tests, 2 of the free-text question Q, graded by hand
Q = "explain_one_hot_cost"
ERROR_PAGE = "Sorry, the formgrader encountered an error"
# A small class: the reference answers but for these (ada: full marks and a good free-text answer; ben: a
# classic mistake and half an answer), or nothing (cyd).
ANSWERS = {
    "ada": "The one-hot batch is T x B x V floats, mostly zeros, and the product costs T B V H; since e_i W is row i "
    "of W, indexing the row gives the same numbers.",
    "ben": "One-hot vectors are mostly zeros, which wastes memory.",
}
CLASS = {
    "ada": {Q: ANSWERS["ada"]},
    "ben": {"one_hot": IMPLEMENTATIONS["one_hot"]["class_dim_first"].source, Q: ANSWERS["ben"]},
    "cyd": None,
}


def pristine(lab, *names: str) -> None:
    """The session's course copy with the committed course/<a> again: test_jupyterlab.py saves the releases
    it opens there (Run All, Validate), and a release that differs from what solutions/ generates is, rightly,
    refused."""
    for name in names:
        shutil.rmtree(lab.root / "course" / name)
        shutil.copytree(ROOT / "course" / name, lab.root / "course" / name, symlinks=True)


@pytest.fixture(scope="module")
def graded_class(lab):
    """Three submissions of 01_one_hot in the course copy, graded with tools.grade (sandboxed, feedback,
    report), and a roster so Formgrader shows names."""
    root = lab.root
    pristine(lab, A)
    for student, answers in CLASS.items():
        reference = nbgrader_run.reference_answers(ROOT, A)
        nbgrader_run.submit(root, student, A, None if answers is None else reference | answers)
    with open(root / "autograder" / "roster.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "first_name", "last_name", "email"])
        writer.writerows([s, s.title(), "Student", f"{s}@example.org"] for s in CLASS)
    proc = subprocess.run(
        [str(BIN / "python"), "-m", "tools.grade", "all", "-a", A],
        cwd=root,
        env=nbgrader_run.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"tools.grade all failed:\n{proc.stdout}\n{proc.stderr}"
    with open(root / "autograder" / "report" / "grades.csv", newline="") as f:
        return {row["student_id"]: float(row[A]) for row in csv.DictReader(f)}


class Formgrader:
    """Formgrader in its JupyterLab tab; records every Formgrader request that failed."""

    def __init__(self, page, lab, shots):
        self.page, self.lab, self.shots = page, lab, shots
        self.failed: list[str] = []
        page.on("response", self._response)
        if not lab_is_loaded(page, lab):
            page.goto(lab.lab_url(), timeout=LOAD_TIMEOUT)
            page.wait_for_selector(".jp-LabShell", timeout=LOAD_TIMEOUT)
        page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
        page.get_by_role("menuitem", name="Formgrader", exact=True).click()
        self.frame = page.frame_locator("#formgrader iframe")
        self.table_loaded()

    def close(self) -> None:
        self.page.remove_listener("response", self._response)

    def _response(self, response) -> None:
        if "/formgrader" in response.url and response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def table_loaded(self) -> str:
        """The view's table, once its rows came from Formgrader's API; its text."""
        table = self.frame.locator("#main-table")
        table.locator("tr").first.wait_for(timeout=60_000)
        deadline = time.monotonic() + 60
        while "Loading" in table.inner_text() and time.monotonic() < deadline:
            self.page.wait_for_timeout(200)
        return table.inner_text()

    def body(self) -> str:
        return self.frame.locator("body").inner_text()

    def shot(self, name: str) -> None:
        dismiss_notifications(self.page)
        self.page.screenshot(path=str(self.shots / f"formgrader-{name}.png"))

    def view(self, name: str, click: str | None = None, within: str = "body", table: bool = True) -> str:
        """Follow the link `click` (text) in `within` to a view: its text, after checking it is no error
        page and no request failed."""
        if click is not None:
            self.frame.locator(within).get_by_role("link", name=click, exact=True).first.click()
        self.frame.locator("body").wait_for()
        text = self.table_loaded() if table else ""
        self.shot(name)
        body = self.body()
        assert ERROR_PAGE not in body, f"Formgrader's error page at '{name}':\n{body[:2000]}"
        assert not self.failed, f"'{name}': Formgrader requests failed: {self.failed}"
        return text or body

    def goto(self, path: str) -> None:
        """Load a Formgrader page into its frame, as a link would."""
        url = self.lab.url + path
        self.frame.locator("html").evaluate("(html, url) => html.ownerDocument.defaultView.location.assign(url)", url)

    def modal(self) -> tuple[str, str]:
        """The modal Formgrader opened (its id: success-modal or error-modal, and its text), closed."""
        modal = self.frame.locator(".modal.in")
        modal.wait_for(timeout=120_000)
        result = modal.get_attribute("id") or "", modal.locator(".modal-body").inner_text()
        self.shot(f"modal-{result[0]}")
        modal.locator(".modal-footer button").click()
        modal.wait_for(state="detached", timeout=10_000)
        return result

    def row(self, name: str):
        """The table row with a cell that reads `name` (an assignment, a student, a score)."""
        cell = self.frame.locator("td", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))
        return self.frame.locator("#main-table tr").filter(has=cell)


@pytest.fixture
def formgrader(page, lab, screenshots):
    fg = Formgrader(page, lab, screenshots)
    yield fg
    fg.close()


def test_every_view_an_instructor_opens_renders(graded_class, formgrader):
    fg = formgrader
    # Manage Assignments; the submissions of 01_one_hot; one student's submission of it
    assert A in fg.view("assignments")
    fg.row(A).locator("td.num-submissions a").click()
    text = fg.view("submissions")
    assert "Student, Ada" in text and "Student, Ben" in text and "Student, Cyd" in text, text
    # feedback for one submission, generated from Formgrader: the course's feedback page
    fg.row("Student, Ben").locator("td.generate-feedback a").click()
    result, message = fg.modal()
    assert result == "success-modal", message
    page = (fg.lab.root / "autograder" / "feedback" / "ben" / A / f"{A}.html").read_text()
    assert "one_hot: shape" in page and "expected shape (3, 5), got (5, 3)" in page
    text = fg.view("submission-of-a-student", click="Student, Ben", within="#main-table")
    assert re.search(rf"{A}\s+{graded_class['ben']:g} / {MAX}\b", text), (graded_class, text)
    # Manual Grading (Formgrader's Gradebook): the assignment, its notebook, one submission's grading page
    fg.view("gradebook", click="Manual Grading")
    fg.view("gradebook-assignment", click=A, within="#main-table")
    text = fg.view("gradebook-notebook", click=A, within="#main-table")
    assert len(re.findall(r"Submission #\d", text)) == len(CLASS), text  # names hidden, as Formgrader starts
    fg.row(f"{graded_class['ben']:g} / {MAX}").locator("a.name-hidden").click()  # ben's, by its score
    fg.frame.locator(".cell, [id^=error-]").first.wait_for(state="attached")  # the notebook, or an error page
    body = fg.view("grading-page", table=False)
    assert "expected shape (3, 5), got (5, 3)" in " ".join(body.split()), body[:2000]  # wrapped at 82 columns
    # Manage Students: the class, one student's assignments and that student's notebooks of one
    fg.goto("/formgrader/manage_students")  # the grading page has no navigation bar
    text = fg.view("students")
    assert "Student, Ada" in text and "None, None" not in text, text
    fg.view("student", click="Student, Ben", within="#main-table")
    fg.view("student-assignment", click=A, within="#main-table")


def test_the_release_button_goes_through_the_guard(formgrader, lab):
    """Formgrader's Release on 05_clipping while 02_recurrence is open (the copy has no schedule.toml: every
    assignment is open) shows the guard's refusal and puts nothing into the exchange; on 01_one_hot, which
    carries nothing of another assignment, it releases."""
    fg = formgrader
    pristine(lab, "05_clipping", A)
    outbound = lab.root / "autograder" / "exchange" / COURSE_ID / "outbound"
    fg.row("05_clipping").locator("td.release a").click()
    result, message = fg.modal()
    assert result == "error-modal", message
    assert "05_clipping cannot be handed out yet:" in message and "code of 02_recurrence" in message, message
    assert not (outbound / "05_clipping").exists()
    fg.table_loaded()
    fg.row(A).locator("td.release a").click()
    result, message = fg.modal()
    assert result == "success-modal", message
    assert (outbound / A / f"{A}.ipynb").exists()


def test_an_instructor_grades_the_free_text_answers(graded_class, formgrader, lab):
    """Manual Grading, 01_one_hot: ada's and ben's free-text answers wait for a grader, each shown with the
    rubric under it; the instructor enters 2 and 1, and Formgrader's totals and the report count them."""
    fg = formgrader
    notebook_view = f"/formgrader/gradebook/{A}/{A}"
    for student, points in (("ada", 2), ("ben", 1)):
        fg.goto(notebook_view)
        fg.view(f"free-text-{student}-list")
        fg.row(f"{graded_class[student]:g} / {MAX}").locator("a.name-hidden").click()
        score = fg.frame.locator(f"input#{Q}")
        score.wait_for()
        score.scroll_into_view_if_needed()  # the screenshot shows the answer, its rubric and the score field
        body = fg.view(f"free-text-{student}", table=False)
        assert ANSWERS[student] in body, body[:2000]
        after = body[body.index(ANSWERS[student]) :]
        assert "Rubric for graders" in after and "Partial (half):" in after and "Zero:" in after, after[:2000]
        score.fill(str(points))
        score.press("Tab")  # Formgrader saves a score when its field loses the focus
        _wait_for_manual_score(lab.root, student, points)
    fg.goto(notebook_view)
    text = fg.view("free-text-graded")
    for student, points in (("ada", 2), ("ben", 1), ("cyd", 0)):
        assert f"{graded_class[student] + points:g} / {MAX}" in text, (student, text)
    proc = subprocess.run(
        [str(BIN / "python"), "-m", "tools.grade", "report", "-a", A],
        cwd=lab.root,
        env=nbgrader_run.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(lab.root / "autograder" / "report" / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert rows["ada"]["manual_points"] == "2" and rows["ben"]["manual_points"] == "1"
    assert float(rows["ben"]["auto_points"]) == graded_class["ben"] and float(rows["ben"][A]) == graded_class["ben"] + 1
    assert not rows["ada"]["to_grade_by_hand"] and rows["cyd"]["unanswered"] == f"{A}/{Q}"


def _wait_for_manual_score(root, student: str, points: float) -> None:
    from nbgrader.api import Gradebook

    deadline = time.monotonic() + 20
    while True:
        with Gradebook(f"sqlite:///{root / 'autograder' / 'gradebook.db'}", COURSE_ID) as gb:
            grade = next(g for g in gb.find_submission_notebook(A, A, student).grades if g.name == Q)
            if grade.manual_score == points and not grade.needs_manual_grade:
                return
        assert time.monotonic() < deadline, f"Formgrader did not save {student}'s score {points}"
        time.sleep(0.3)
