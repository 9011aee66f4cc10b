"""The term around the grades: due dates, extensions, the late policy, and regrades with an audit trail.

    python -m tools.term dates                                 # due dates and extensions, as schedule.toml says
    python -m tools.term override S A CELL|total SCORE --reason "..." [--by NAME]   # `make override`
    python -m tools.term overrides [-s S] [-a A]               # `make overrides`: the audit trail
    python -m tools.term undo ID --reason "..."                # `make undo-override`

**Due dates, extensions, late policy** live in `schedule.toml` (the schedule of tools/release.py), which
keeps its old form (`01_one_hot = "open"`) and accepts a table per assignment:

    [assignments]
    01_one_hot = { state = "closed", due = 2026-10-05T23:59:00+02:00 }
    02_recurrence = { state = "open", due = "2026-10-12T23:59:00+02:00" }

    [extensions]          # per student: a delay ("2d", "36h", "90m") or a due date of their own
    alice = { 02_recurrence = "2d" }

    [late_policy]         # a share of the score obtained, per day started after the due date
    percent_per_day = 10
    max_percent = 50
    grace_minutes = 15    # a submission this late is on time

A due date needs a time zone. nbgrader does the rest with its own records: `record` (run by `make grade`
before autograding) writes each due date into the gradebook's assignment (`duedate`) and each extension
into the student's submission (`extension`); autograde reads the submission time from the submission's
`timestamp.txt` (nbgrader's exchange writes it; `make collect FROM=... SUBMITTED_AT=...` writes it for a
download); nbgrader's `AssignLatePenalties` asks `LatePenalty` (nbgrader_config.py) for the penalty of a
late notebook and stores it beside the grades, which keep the raw score.

**Overrides** (regrades): `override` records who set which score (a test cell's, or the assignment's
total), when and why, in `autograder/overrides.jsonl`, which is only ever appended to; `undo` appends a
record that cancels one. A cell's override is nbgrader's manual score of that cell, which autograde
keeps over the auto score when it grades again; `record` also re-applies every override after grading
(a gradebook rebuilt from scratch gets them back). A total override replaces the assignment's final score
(late penalty included). The report (`ReportExtras`), the LMS export (tools/export.py) and the feedback
(`StandingFeedback`) show them with their reasons.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import html
import json
import math
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Bool

from tools import gradebook, i18n
from tools.layout import BIN, COURSE_ID, ROOT, Course

if str(BIN) not in os.environ.get("PATH", "").split(os.pathsep):  # nbgrader's Gradebook runs `alembic`
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
STATES = ("open", "closed")
TOTAL = "total"
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|days?|h|hours?|m|min|minutes?)\s*$", re.I)


class TermError(ValueError):
    """A mistake in schedule.toml or in a command: one line."""


# ---------------------------------------------------------------------------
# schedule.toml
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class LatePolicy:
    """A share of the score obtained, per day started after the due date (and its grace), up to a cap."""

    percent_per_day: float = 0.0
    max_percent: float = 100.0
    grace_minutes: float = 0.0

    def percent(self, seconds_late: float) -> float:
        if seconds_late <= self.grace_minutes * 60:
            return 0.0
        return min(self.max_percent, math.ceil(seconds_late / 86400) * self.percent_per_day)

    def penalty(self, score: float, seconds_late: float) -> float:
        return round((score or 0.0) * self.percent(seconds_late) / 100, 4)

    def describe(self, _=str) -> str:
        """The policy in one phrase; `_` translates it (i18n.translator of an edition's language)."""
        if not self.percent_per_day:
            return _("no late penalty")
        numbers = {"percent": f"{self.percent_per_day:g}", "max": f"{self.max_percent:g}"}
        if self.grace_minutes:
            text = _("{percent}% of the score per day started late after a grace of {grace} min, at most {max}%")
            return text.format(grace=f"{self.grace_minutes:g}", **numbers)
        return _("{percent}% of the score per day started late, at most {max}%").format(**numbers)


@dataclass(frozen=True)
class Term:
    states: dict[str, str]  # assignment -> open | closed (every assignment of solutions/)
    due: dict[str, dt.datetime]  # assignment -> due date (aware)
    extensions: dict[tuple[str, str], dt.timedelta]  # (student, assignment) -> delay
    policy: LatePolicy = field(default_factory=LatePolicy)

    def due_for(self, student: str, assignment: str) -> dt.datetime | None:
        due = self.due.get(assignment)
        return None if due is None else due + self.extensions.get((student, assignment), dt.timedelta())


def state_of(name: str, value) -> str:
    """An assignment's state from its schedule.toml entry: "open", or a table with `state` (default open)."""
    state = value.get("state", "open") if isinstance(value, dict) else value
    if state not in STATES:
        raise TermError(f"schedule.toml: {name}: state {state!r} (states: {', '.join(STATES)})")
    return state


def _datetime(where: str, value) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise TermError(f"schedule.toml: {where}: {value!r} is not an ISO 8601 date and time") from None
    if not isinstance(value, dt.datetime):
        raise TermError(f"schedule.toml: {where}: {value!r} is not a date and time (2026-10-12T23:59:00+02:00)")
    if value.tzinfo is None:
        raise TermError(f"schedule.toml: {where}: {value.isoformat()} has no time zone (add +02:00, Z, ...)")
    return value


def _delay(where: str, value, due: dt.datetime | None) -> dt.timedelta:
    """An extension: a duration ("2d", "36h", "90m") or a due date of the student's own."""
    if isinstance(value, str) and (m := DURATION.match(value)):
        unit = {"d": "days", "h": "hours", "m": "minutes"}[m[2][0].lower()]
        return dt.timedelta(**{unit: float(m[1])})
    if due is None:
        raise TermError(f"schedule.toml: {where}: an extension of an assignment without a due date")
    return _datetime(where, value) - due


def load(root: Path, assignments: list[str] | None = None) -> Term:
    """The term as schedule.toml says (an assignment it does not list is open, without a due date)."""
    course = Course(root)
    known = course.assignments() if assignments is None else assignments
    path = course.schedule_file
    data = tomllib.loads(path.read_text()) if path.exists() else {}
    listed = data.get("assignments", {})
    unknown = [name for name in listed if name not in known]
    if unknown:
        raise TermError(f"schedule.toml: no assignment {', '.join(unknown)} in solutions/ ({', '.join(known)})")
    states = {name: state_of(name, listed.get(name, "open")) for name in known}
    due = {
        name: _datetime(f"{name}.due", value["due"])
        for name, value in listed.items()
        if isinstance(value, dict) and "due" in value
    }
    extensions = {}
    for student, given in data.get("extensions", {}).items():
        for name, value in given.items():
            if name not in known:
                raise TermError(f"schedule.toml: extensions.{student}: no assignment {name}")
            extensions[(student, name)] = _delay(f"extensions.{student}.{name}", value, due.get(name))
    raw = data.get("late_policy", {})
    allowed = {"percent_per_day", "max_percent", "grace_minutes"}
    if set(raw) - allowed:
        raise TermError(f"schedule.toml: late_policy: unknown {', '.join(sorted(set(raw) - allowed))} ({allowed})")
    return Term(states, due, extensions, LatePolicy(**{k: float(v) for k, v in raw.items()}))


def utc(when: dt.datetime) -> dt.datetime:
    """As nbgrader stores times: naive, in UTC."""
    return when.astimezone(dt.UTC).replace(tzinfo=None)


def due_line(root: Path, assignment: str, language: str = i18n.SOURCE_LANGUAGE) -> str:
    """One sentence for students, in the edition's `language`: when the assignment is due, and the late
    policy (empty: no due date)."""
    term = load(root)
    if assignment not in term.due:
        return ""
    _ = i18n.translator(language)
    due = term.due[assignment].isoformat(timespec="minutes")
    return _("**Due {due}** ({policy}).").format(due=due, policy=term.policy.describe(_))


def stamp(folder: Path, when: dt.datetime) -> Path:
    """Write nbgrader's timestamp.txt (its exchange's format, in UTC) into a submission folder."""
    path = folder / "timestamp.txt"
    path.write_text(utc(when).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    return path


def parse_time(text: str) -> dt.datetime:
    """A time an instructor types (SUBMITTED_AT=2026-10-12T21:00+02:00); it must name its time zone."""
    return _datetime("SUBMITTED_AT", text.replace(" ", "T", 1) if " " in text.strip() else text)


# ---------------------------------------------------------------------------
# nbgrader's late-penalty mechanism
# ---------------------------------------------------------------------------
class LatePenalty(LateSubmissionPlugin):
    """nbgrader's plugin (c.AssignLatePenalties.plugin_class): the penalty of schedule.toml's late_policy.
    nbgrader computes the lateness from the submission's timestamp and due date, extension included; a
    submission graded for the first time gets its extension here (nbgrader creates it during autograde)."""

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float):
        term = load(ROOT)
        parent = self.parent  # nbgrader's AssignLatePenalties, its gradebook open
        extension = term.extensions.get((student_id, parent.assignment_id))
        submission = parent.gradebook.find_submission(parent.assignment_id, student_id)
        if extension is not None and submission.extension != extension:
            submission.extension = extension  # committed with the penalty
            total_seconds_late = submission.total_seconds_late
        if total_seconds_late <= 0:
            return None
        policy = term.policy
        penalty = policy.penalty(score, total_seconds_late)
        self.log.info("late policy: %s -> penalty %s", policy.describe(), penalty)
        return penalty


@contextlib.contextmanager
def _gradebook(course: Course):
    import warnings

    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's own, on creating a submission
    with Gradebook(course.db_url, COURSE_ID) as gb:
        yield gb
        gb.db.commit()


def record(course: Course, assignments: list[str]) -> None:
    """Before grading: the due dates of schedule.toml into the gradebook's assignments, the extensions into
    the submissions it already holds (a submission graded for the first time gets its extension from
    LatePenalty), every override re-applied."""
    term = load(course.root)
    with _gradebook(course) as gb:
        for assignment in assignments:
            due = term.due.get(assignment)
            gb.update_or_create_assignment(assignment, duedate=utc(due) if due else None)
            for submission in gb.find_assignment(assignment).submissions:
                submission.extension = term.extensions.get((submission.student.id, assignment))
    apply_overrides(course)


# ---------------------------------------------------------------------------
# Overrides: an append-only audit trail
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Override:
    id: int
    at: str  # ISO 8601, UTC
    by: str
    student: str
    assignment: str
    target: str  # a test cell's grade id, or "total"
    score: float
    reason: str

    def line(self) -> str:
        where = f"{self.student} / {self.assignment} / {self.target}"
        return f"#{self.id} {where} = {self.score:g} by {self.by} at {self.at}: {self.reason}"


def _records(course: Course) -> list[dict]:
    path = course.overrides_file
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _append(course: Course, record_: dict) -> dict:
    path = course.overrides_file
    path.parent.mkdir(parents=True, exist_ok=True)
    record_ = {"id": len(_records(course)) + 1, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")} | record_
    with open(path, "a") as f:  # appended, never rewritten
        f.write(json.dumps(record_, sort_keys=True) + "\n")
    return record_


def overrides(course: Course) -> list[Override]:
    """Every override in force (not undone), oldest first; for one target the last one counts."""
    records = _records(course)
    undone = {r["undoes"] for r in records if r["action"] == "undo"}
    fields = Override.__dataclass_fields__
    return [
        Override(**{k: v for k, v in r.items() if k in fields})
        for r in records
        if r["action"] == "override" and r["id"] not in undone
    ]


def in_force(course: Course) -> dict[tuple[str, str, str], Override]:
    """(student, assignment, target) -> the override that counts."""
    return {(o.student, o.assignment, o.target): o for o in overrides(course)}


def _cells(gb, assignment: str, student: str) -> dict:
    return {g.name: g for g in gb.find_submission_notebook(assignment, assignment, student).grades}


def add_override(
    course: Course, student: str, assignment: str, target: str, score: float, reason: str, by: str | None = None
) -> Override:
    """Record an override and apply it. The submission must be graded; a cell must be a graded cell of
    it and the score within its points."""
    from nbgrader.api import MissingEntry

    if not reason.strip():
        raise TermError("an override needs a reason (--reason / REASON=)")
    with _gradebook(course) as gb:
        try:
            cells = _cells(gb, assignment, student)
        except MissingEntry:
            raise TermError(f"no graded submission of {student!r} for {assignment}: grade it first") from None
        top = sum(g.max_score for g in cells.values()) if target == TOTAL else None
        if target != TOTAL:
            if target not in cells:
                raise TermError(f"{assignment} has no graded cell {target!r} (cells: {', '.join(cells)}, or total)")
            top = cells[target].max_score
        if not 0 <= score <= top:
            raise TermError(f"{score:g} is not between 0 and {top:g}, the points of {target}")
    entry = {"action": "override", "by": by or _who(), "student": student, "assignment": assignment}
    entry |= {"target": target, "score": float(score), "reason": reason.strip()}
    written = _append(course, entry)
    apply_overrides(course)
    return next(o for o in overrides(course) if o.id == written["id"])


def undo(course: Course, override_id: int, reason: str, by: str | None = None) -> Override:
    """Cancel an override (recorded, not erased): the cell's score is the one before it again."""
    match = [o for o in overrides(course) if o.id == override_id]
    if not match:
        raise TermError(f"no override #{override_id} in force (`make overrides` lists them)")
    if not reason.strip():
        raise TermError("undoing an override needs a reason too")
    _append(course, {"action": "undo", "undoes": override_id, "by": by or _who(), "reason": reason.strip()})
    apply_overrides(course, undone=match[0])
    return match[0]


def _who() -> str:
    try:
        return os.environ.get("RNN_COURSE_GRADER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def apply_overrides(course: Course, assignments: list[str] = (), undone: Override | None = None) -> None:
    """Make the gradebook hold every cell override in force (its manual score, which autograde keeps), and
    recompute, with the late policy, the late penalty of the submissions they touch and of every submission
    of `assignments` (after grading: a score the verification run lowered is penalised as it is now)."""
    from nbgrader.api import MissingEntry

    force = in_force(course)
    policy = load(course.root).policy
    touched = {(s, a) for s, a, _ in force} | ({(undone.student, undone.assignment)} if undone else set())
    touched |= {(s, a) for a in assignments for s in course.students() if (course.submitted / s / a).is_dir()}
    with _gradebook(course) as gb:
        for student, assignment in sorted(touched):
            try:
                cells = _cells(gb, assignment, student)
            except MissingEntry:
                continue  # not graded yet: applied when it is
            if undone and (student, assignment) == (undone.student, undone.assignment) and undone.target in cells:
                cell = cells[undone.target]
                if (student, assignment, undone.target) not in force and cell.manual_score == undone.score:
                    cell.manual_score = None
            for (s, a, target), o in force.items():
                if (s, a) == (student, assignment) and target in cells:
                    cells[target].manual_score = o.score
                    cells[target].needs_manual_grade = False  # graded, by the override
            gb.db.flush()
            gb.db.expire_all()  # the notebook's score (a column property) as the grades are now
            submission = gb.find_submission(assignment, student)
            notebook = gb.find_submission_notebook(assignment, assignment, student)
            late = submission.total_seconds_late
            notebook.late_submission_penalty = policy.penalty(notebook.score, late) if late > 0 else None


# ---------------------------------------------------------------------------
# Standing: what the report, the export and the feedback show
# ---------------------------------------------------------------------------
@dataclass
class Standing:
    student: str
    assignment: str
    raw: float  # the gradebook's score: auto scores, manual scores (overrides of cells included)
    max_score: float
    penalty: float  # nbgrader's late_submission_penalty
    seconds_late: float
    submitted: dt.datetime | None  # UTC
    due: dt.datetime | None  # UTC, extension included
    extension: dt.timedelta | None
    overrides: list[Override]
    manual: float  # points of cells graded by hand (not by an override)

    @property
    def total_override(self) -> Override | None:
        return next((o for o in reversed(self.overrides) if o.target == TOTAL), None)

    @property
    def final(self) -> float:
        total = self.total_override
        return total.score if total else round(self.raw - self.penalty, 4)

    def late_text(self, policy: LatePolicy) -> str:
        if self.seconds_late <= 0:
            return ""
        days = self.seconds_late / 86400
        if not policy.percent(self.seconds_late):
            return f"{days:.2f} d late, within the grace: no penalty"
        return f"{days:.2f} d late, -{policy.percent(self.seconds_late):g}% = -{self.penalty:g}"


def standings(course: Course) -> dict[tuple[str, str], Standing]:
    """(student, assignment) -> standing, for every submission the gradebook holds."""
    force = overrides(course)
    result = {}
    for assignment, sub, notebook in gradebook.submitted_notebooks(course):
        grades = notebook.grades
        student = sub.student.id
        mine = [o for o in force if (o.student, o.assignment) == (student, assignment)]
        overridden = {o.target for o in mine}
        result[(student, assignment)] = Standing(
            student,
            assignment,
            raw=sum(g.score or 0.0 for g in grades),
            max_score=sum(g.max_score for g in grades),
            penalty=notebook.late_submission_penalty or 0.0,
            seconds_late=sub.total_seconds_late,
            submitted=sub.timestamp,
            due=sub.duedate,
            extension=sub.extension,
            overrides=mine,
            manual=sum(g.manual_score for g in grades if g.manual_score is not None and g.name not in overridden),
        )
    return result


class ReportExtras:
    """What tools/grade.py's report adds: final scores (late penalty and overrides applied), the columns
    `late`, `overrides` and `similar`, the submissions held for similarity, and summary sections."""

    COLUMNS = ["late", "overrides", "similar_to"]

    def __init__(self, course: Course, assignments: list[str]):
        from tools import similarity

        self.course, self.assignments = course, assignments
        self.term = load(course.root)
        self.standing = standings(course)
        self.flags = [f for a in assignments for f in similarity.check(course, a)]

    def final(self, student: str, assignment: str, raw: float) -> float:
        standing = self.standing.get((student, assignment))
        return raw if standing is None else standing.final

    def row(self, student: str) -> list[str]:
        mine = [self.standing[(student, a)] for a in self.assignments if (student, a) in self.standing]
        late = "; ".join(f"{s.assignment}: {s.late_text(self.term.policy)}" for s in mine if s.seconds_late > 0)
        changed = "; ".join(f"{s.assignment}/{o.target}={o.score:g} (#{o.id})" for s in mine for o in s.overrides)
        similar = "; ".join(
            f"{f.assignment}: {f.other(student)} ({f.score:.0%})" for f in self.flags if student in f.students
        )
        return [late, changed, similar]

    def held(self, student: str) -> set[str]:
        return {f.assignment for f in self.flags if student in f.students}

    def summary(self) -> list[str]:
        from tools import similarity

        lines = []
        if self.flags:
            lines += ["## Held for review (similar submissions)", ""]
            lines += similarity.summary(self.flags)
        late = [s for s in self.standing.values() if s.assignment in self.assignments and s.seconds_late > 0]
        if late or self.term.due:
            lines += ["## Due dates and late submissions", "", f"Late policy: {self.term.policy.describe()}.", ""]
            for assignment in self.assignments:
                if assignment in self.term.due:
                    lines.append(f"- {assignment} due {self.term.due[assignment].isoformat(timespec='minutes')}")
            for (student, assignment), delay in sorted(self.term.extensions.items()):
                if assignment in self.assignments:
                    lines.append(f"- extension: {student} / {assignment} +{_delta(delay)}")
            for s in sorted(late, key=lambda s: (s.assignment, s.student)):
                raw = f"raw {s.raw:g} -> {s.final:g}"
                lines.append(f"- late: {s.student} / {s.assignment}: {s.late_text(self.term.policy)} ({raw})")
            lines.append("")
        mine = [o for o in overrides(self.course) if o.assignment in self.assignments]
        if mine:
            lines += ["## Overrides (regrades) in force", ""] + [f"- {o.line()}" for o in mine] + [""]
        return lines


def _delta(delay: dt.timedelta, _=str) -> str:
    hours = delay.total_seconds() / 3600
    if hours % 24 == 0:
        return _("{days} d").format(days=f"{hours / 24:g}")
    return _("{hours} h").format(hours=f"{hours:g}")


class DueDate(Preprocessor):
    """At the end of c.GenerateAssignment.preprocessors: a cell at the top of the released notebook (under
    its title) saying when it is due and the late policy, from schedule.toml (nothing without a due date:
    course/ is then what nbgrader alone generates), in the language of the release's edition (tools.i18n.Edition,
    the first preprocessor, marks it). `make course` after changing a due date."""

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)

    def preprocess(self, nb, resources):
        import nbformat

        assignment = resources.get("nbgrader", {}).get("assignment")
        language = i18n.edition(nb, assignment)
        line = due_line(ROOT, assignment, language) if assignment else ""
        if line:
            _ = i18n.translator(language)
            cell = nbformat.v4.new_markdown_cell("> " + _("{due_line} Hand in before then.").format(due_line=line))
            cell.metadata.update({"rnn_course": {"due_date": True}, "editable": False, "deletable": False})
            title = bool(nb.cells) and nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
            nb.cells.insert(1 if title else 0, cell)
        return nb, resources


# ---------------------------------------------------------------------------
# Feedback: the student's standing
# ---------------------------------------------------------------------------
class StandingFeedback(Preprocessor):
    """After TeachingFeedback (c.GenerateFeedback.preprocessors): a section under the summary with the
    student's standing: the raw score, manual points, the due date and lateness with the penalty and why,
    each override with its reason, and the final score; in the language of the notebook's edition (the mark
    a Chinese release carries, tools/i18n.py)."""

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)

    def preprocess(self, nb, resources):
        import nbformat

        info = resources.get("nbgrader", {})
        student, assignment = info.get("student"), info.get("assignment")
        course = Course(ROOT)
        standing = standings(course).get((student, assignment))
        if standing is None:
            return nb, resources
        language = i18n.edition(nb, assignment)
        text = standing_markdown(standing, load(ROOT).policy, i18n.translator(language))
        cell = nbformat.v4.new_markdown_cell(text)
        cell.metadata["rnn_course"] = {"standing": True}
        at = next(
            (i + 1 for i, c in enumerate(nb.cells) if c.metadata.get("rnn_course", {}).get("feedback_summary")), 0
        )
        nb.cells.insert(at, cell)
        return nb, resources


def standing_markdown(s: Standing, policy: LatePolicy, _=str) -> str:
    """The standing section; `_` translates it (i18n.translator of the notebook's edition)."""
    e = html.escape
    points = _("- Points from the tests and graders: **{raw} / {max}**")
    lines = [_("## Your standing"), "", points.format(raw=f"{s.raw:g}", max=f"{s.max_score:g}")]
    if s.manual:
        lines.append(_("- of which graded by hand: {manual}").format(manual=f"{s.manual:g}"))
    if s.due is not None:
        extension = _(" (with your extension of {delay})").format(delay=_delta(s.extension, _)) if s.extension else ""
        lines.append(_("- Due {due} UTC{extension}").format(due=f"{s.due:%Y-%m-%d %H:%M}", extension=extension))
        when = f"{s.submitted:%Y-%m-%d %H:%M} UTC" if s.submitted else _("at an unknown time")
        if s.seconds_late > 0 and not policy.percent(s.seconds_late):
            lines.append(
                _("- Submitted {when}: within the grace period ({policy}), no penalty").format(
                    when=when, policy=policy.describe(_)
                )
            )
        elif s.seconds_late > 0:
            late = _(
                "- Submitted {when}: **{days} days late**. Late policy: {policy}; "
                "penalty {percent}% of your score = **-{penalty} points**"
            )
            lines.append(
                late.format(
                    when=when,
                    days=f"{s.seconds_late / 86400:.2f}",
                    policy=policy.describe(_),
                    percent=f"{policy.percent(s.seconds_late):g}",
                    penalty=f"{s.penalty:g}",
                )
            )
        else:
            lines.append(_("- Submitted {when}: on time, no penalty").format(when=when))
    for o in s.overrides:
        what = _("your total for this assignment") if o.target == TOTAL else f"`{e(o.target)}`"
        regrade = _("- Regrade: {what} set to {score} by {by} on {date}: {reason}")
        lines.append(regrade.format(what=what, score=f"{o.score:g}", by=e(o.by), date=o.at[:10], reason=e(o.reason)))
    lines.append(_("- **Final score: {final} / {max}**").format(final=f"{s.final:g}", max=f"{s.max_score:g}"))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.term", description=__doc__.split("\n\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, default=ROOT)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dates", parents=[common], help="due dates, extensions and the late policy of schedule.toml")
    o = sub.add_parser("override", parents=[common], help="record a regrade (a test cell's score, or the total)")
    o.add_argument("student")
    o.add_argument("assignment")
    o.add_argument("target", help="a test cell's grade id, or `total`")
    o.add_argument("score", type=float)
    o.add_argument("--reason", required=True)
    o.add_argument("--by", help="who (default: RNN_COURSE_GRADER or the login name)")
    ls = sub.add_parser("overrides", parents=[common], help="the overrides in force")
    ls.add_argument("-s", "--student")
    ls.add_argument("-a", "--assignment")
    ls.add_argument("--all", action="store_true", help="the whole audit trail, undone ones and undos included")
    u = sub.add_parser("undo", parents=[common], help="cancel an override (recorded)")
    u.add_argument("id", type=int)
    u.add_argument("--reason", required=True)
    u.add_argument("--by")
    args = parser.parse_args(argv)
    course = Course(args.root.resolve())
    try:
        if args.command == "dates":
            term = load(course.root)
            print(f"late policy: {term.policy.describe()}")
            for assignment, state in term.states.items():
                due = term.due.get(assignment)
                print(f"{assignment:22s} {state:7s} {due.isoformat(timespec='minutes') if due else 'no due date'}")
            for (student, assignment), delay in sorted(term.extensions.items()):
                print(f"extension: {student} / {assignment} +{_delta(delay)}")
        elif args.command == "override":
            done = add_override(course, args.student, args.assignment, args.target, args.score, args.reason, args.by)
            print(f"recorded {done.line()}\n`make report` and `make feedback` show it")
        elif args.command == "overrides":
            if args.all:
                print("\n".join(json.dumps(r, sort_keys=True) for r in _records(course)) or "no overrides")
                return 0
            shown_ = [
                o
                for o in overrides(course)
                if args.student in (None, o.student) and args.assignment in (None, o.assignment)
            ]
            print("\n".join(o.line() for o in shown_) or "no overrides in force")
        else:
            done = undo(course, args.id, args.reason, args.by)
            print(f"undone: {done.line()}\n`make report` and `make feedback` show it")
    except TermError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
