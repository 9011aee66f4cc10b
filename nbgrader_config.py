"""nbgrader configuration of the course, read by every `nbgrader ...` command
run from the repository root and by JupyterLab's nbgrader extensions. The layout
itself (folders, course id) is tools/layout.py's."""

import os
import sys
from pathlib import Path

import nbgrader
from nbgrader.converters import GenerateAssignment

c = get_config()  # noqa: F821 -- provided by traitlets when it loads this file

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # nbgrader imports tools.* from here

from tools import freetext, nbgrader_patches  # noqa: E402 -- after the path is set
from tools.layout import COURSE_ID, Course  # noqa: E402

# Every change to nbgrader's internals, checked against the versions it was written for: one rule scores a
# test cell (tools/judge.py), the metadata schema checked once per process (tools/metadata_schema.py), a new
# gradebook's schema revision read in the process (tools/gradebook.py). The table is in tools/nbgrader_patches.py.
nbgrader_patches.install()

course = Course(ROOT)
# The students' settings first (the course id; Validate's dialog with each failing check's message before the
# test's code), so that instructors see what students see; the instructors' below override them.
load_subconfig(str(course.student_config))  # noqa: F821 -- provided by traitlets, like get_config
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.course_id = COURSE_ID
c.CourseDirectory.source_directory = str(course.solutions.relative_to(ROOT))
c.CourseDirectory.release_directory = str(course.release.relative_to(ROOT))
c.CourseDirectory.submitted_directory = str(course.submitted.relative_to(ROOT))
c.CourseDirectory.autograded_directory = str(course.autograded.relative_to(ROOT))
c.CourseDirectory.feedback_directory = str(course.feedback.relative_to(ROOT))
course.grading.mkdir(exist_ok=True)  # sqlite does not create folders
c.CourseDirectory.db_url = course.db_url

# nbgrader's exchange (release_assignment, collect, and JupyterLab's Assignments panel): on a hub, a
# folder every user reaches (`make hub` makes /srv/nbgrader/exchange; RNN_COURSE_EXCHANGE names another);
# on one machine without a hub, a folder of the grading area (Formgrader's release/collect then work).
HUB_EXCHANGE = Path("/srv/nbgrader/exchange")
EXCHANGE = Path(os.environ.get("RNN_COURSE_EXCHANGE") or (HUB_EXCHANGE if HUB_EXCHANGE.is_dir() else course.exchange))
if not EXCHANGE.exists() and os.access(EXCHANGE.parent, os.W_OK):
    EXCHANGE.mkdir(parents=True)
c.Exchange.root = str(EXCHANGE)
# Every release into the exchange (`nbgrader release_assignment`, Formgrader's Release button, make
# release-hub) goes through the release guard of tools/release.py first: tools/exchange.py.
c.ExchangeFactory.release_assignment = "tools.exchange.GuardedReleaseAssignment"

# A released notebook says at its top when it is due (schedule.toml; tools/term.py): nbgrader's own list,
# then that cell (none for an assignment without a due date). First of all, the edition's language
# (tools/i18n.py): English unless --Edition.language=zh, and never the translations kept in the source.
# Right after ClearSolutions, a code answer's stub in the edition's language (tools.i18n.EditionStubs).
_defaults = GenerateAssignment.class_traits()["preprocessors"].default()
_cleared = next(i for i, p in enumerate(_defaults) if p.__name__ == "ClearSolutions") + 1
c.GenerateAssignment.preprocessors = [
    "tools.i18n.Edition",
    *_defaults[:_cleared],
    "tools.i18n.EditionStubs",
    *_defaults[_cleared:],
    "tools.term.DueDate",
]

# Released stubs: keep the `def` line and the docstring, then fail loudly. A free-text answer cell shows
# nbgrader's own text stub (tools/freetext.py; the Chinese edition's stubs: tools/release.py's generate).
c.ClearSolutions.code_stub = {"python": freetext.CODE_STUB["en"]}
c.ClearSolutions.text_stub = freetext.STUB["en"]

# Cell timeout while grading (seconds). nbgrader's default is 30 s. Our
# slowest reference test cell runs in a few seconds (see README, "Budgets"),
# so 60 s leaves a wide margin for a slow student solution on a busy grading
# machine, while a cell that never returns still costs at most one minute.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# After a cell is interrupted, wait for its last outputs instead of failing the
# whole notebook (nbgrader's default raises after 4 s on a loaded machine).
c.Execute.iopub_timeout = 15
c.Execute.raise_on_iopub_timeout = False

# Autograde executes every notebook with tools.sandbox.GradingExecute instead of nbgrader's Execute:
# each kernel runs in a bubblewrap sandbox (no course files, no network, no other process), and
# stderr output (warnings, progress bars) is shown but never scores a test cell zero. The rest of
# nbgrader's list is unchanged. `tools.grade --unsafe` turns the sandbox off
# (--SandboxKernelManager.sandbox=False), loudly. First, a notebook of another edition gets that edition's
# read-only code back (tools/i18n.GradingEdition): what it prints is in the student's language.
c.Autograde.autograde_preprocessors = [
    "tools.i18n.GradingEdition",
    "tools.sandbox.GradingExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# The late penalty of schedule.toml's [late_policy] (tools/term.py), through nbgrader's own mechanism:
# AssignLatePenalties (above) asks this plugin for the penalty of a notebook handed in after its due date
# (the gradebook's, extension included; `make grade` writes both from schedule.toml) and stores it beside
# the grades, which keep the raw score.
c.AssignLatePenalties.plugin_class = "tools.term.LatePenalty"

# Feedback explains every lost point (the failing check's message) but never
# shows hidden test code: see tools/feedback.py. It is written in the language of the edition the notebook
# was released in: its read-only markdown and its answer cells left as released (tools/i18n.FeedbackEdition),
# and its summary. Under its summary, the student's
# standing: late penalty and why, regrades with their reasons, final score (tools/term.py).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "tools.i18n.FeedbackEdition",
    "tools.feedback.TeachingFeedback",
    "tools.term.StandingFeedback",
]
# ... rendered by nbconvert's HTMLExporter without its slow BeautifulSoup pass (tools/feedback.py)
c.GenerateFeedback.exporter_class = "tools.feedback.FeedbackExporter"
# nbgrader's feedback page, its table of contents naming each test cell (tools/templates/course_feedback);
# nbgrader's own templates stay on the search path (ours extends its "feedback"). Set for FeedbackExporter
# only: Formgrader renders its grading page with an HTMLExporter of its own ("formgrade"), which an
# HTMLExporter setting here would override (tests/browser/test_formgrader.py opens every view).
c.FeedbackExporter.template_name = "course_feedback"
c.FeedbackExporter.template_file = "course_feedback.html.j2"
c.FeedbackExporter.extra_template_basedirs = [
    str(ROOT / "tools" / "templates"),
    str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"),
]
# Formgrader's grading page shows, under each free-text answer, its rubric from solutions/ (tools/freetext.py);
# no other page does: the feedback exporter (an HTMLExporter too, which would inherit the setting) runs
# without it, and the preprocessor acts only on a page Formgrader asks for.
c.HTMLExporter.preprocessors = ["tools.freetext.RubricForGraders"]
c.FeedbackExporter.preprocessors = []
