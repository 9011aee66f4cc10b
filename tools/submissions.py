"""The class's submissions: collecting them from an LMS download, seeing what was collected, and removing
them only on purpose.

    python -m tools.grade collect PATH -a A          # `make collect FROM=PATH ASSIGNMENT=A` (collect below)
    python -m tools.submissions remove-student S     # `make remove-student STUDENT=S`: asks first
    python -m tools.submissions delete               # `make delete-submissions`: asks first

Submissions live in `autograder/submitted/<student>/<assignment>/` (nbgrader's layout). Nothing here
deletes or overwrites a student's file silently: a collected file that replaces a different one saves
the old one to `autograder/backups/`, two files of one student that the download does not order are
both kept aside, and the two commands that delete ask for a confirmation (or `--yes`, `FORCE=1`).

**What `collect` reads.** A folder or a `.zip` holding, per student, one of

    <student>/<assignment>/<files>                                    nbgrader's layout (an exchange copy)
    <name>_<participant id>_assignsubmission_file_<file>              Moodle ("Download all submissions")
    <name>_<participant id>_assignsubmission_file_/<file>             ... with "Download submissions in folders"
    <assignment name>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file> Blackboard Learn (its .txt receipts skipped)
    <lastnamefirstname>[_LATE]_<user id>_<submission id>_<file>       Canvas (a resubmitted file ends -1, -2...)
    <student>_<anything>.ipynb                                        any other LMS, or by hand

A student is found in `autograder/roster.csv` when it has one (by id, e-mail name, first and last name
in either order, or the optional `lms_id` column), otherwise named by the file: case-folded, accents and
punctuation dropped, spaces as `_` (`Frank Miller` -> `frank_miller`, `Alice` and `alice` are one
student). When one student has several notebooks, the newest by the LMS's own order is collected
(Blackboard's attempt time, Canvas's submission id and resubmission number) and the others are named as
skipped; when the download gives no order, all of them go to `autograder/collect-conflicts/` and none is
collected. Every file appears in the table `collect` prints, with what happened to it.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import filecmp
import json
import re
import shutil
import sys
import time
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tools.layout import ROOT, Course

SKIPPED_PARTS = {".ipynb_checkpoints", "__MACOSX", "__pycache__"}


class CollectError(RuntimeError):
    """An instructor's mistake (no such path, not a zip): one line, exit status 1."""


# ---------------------------------------------------------------------------
# Student ids
# ---------------------------------------------------------------------------
def normalise(name: str) -> str:
    """A student id from a name as an LMS writes it: case-folded, accents dropped, runs of spaces as
    one `_`, anything but letters, digits, `.`, `_` and `-` removed."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"\s+", "_", text.strip())
    return re.sub(r"[^a-z0-9._-]", "", text).strip("._-")


@dataclass(frozen=True)
class Roster:
    """autograder/roster.csv as a lookup: an LMS's name or id -> the course's student id."""

    keys: dict[str, str]

    @staticmethod
    def load(course: Course) -> Roster:
        keys: dict[str, str] = {}
        if not course.roster.exists():
            return Roster(keys)
        with open(course.roster, newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                sid = (row.get("id") or "").strip()
                if not sid:
                    continue
                first, last = (row.get("first_name") or "").strip(), (row.get("last_name") or "").strip()
                email = (row.get("email") or "").strip().split("@")[0]
                candidates = [sid, email, f"{first} {last}", f"{last} {first}", f"{last}{first}"]
                for key in filter(None, map(normalise, candidates)):
                    keys.setdefault(key, sid)
                if (row.get("lms_id") or "").strip():
                    keys.setdefault(f"#{row['lms_id'].strip()}", sid)
        return Roster(keys)

    def student(self, who: str, lms_id: str | None) -> str:
        if lms_id and f"#{lms_id}" in self.keys:
            return self.keys[f"#{lms_id}"]
        return self.keys.get(normalise(who), normalise(who))


# ---------------------------------------------------------------------------
# What a downloaded file's name says
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Upload:
    """One file of a download, as its path describes it."""

    path: Path  # where it is now
    shown: str  # its path in the download
    lms: str  # nbgrader, moodle, blackboard, canvas, plain
    who: str  # the student as the download names them
    filename: str  # the file as the student named it
    lms_id: str | None = None
    order: tuple | None = None  # the LMS's order of one student's files (larger: newer); None: unknown
    late: bool = False


MOODLE = re.compile(r"^(?P<who>.+?)_(?P<id>\d+)_assignsubmission_file_(?P<file>.+)$")
MOODLE_FOLDER = re.compile(r"^(?P<who>.+?)_(?P<id>\d+)_assignsubmission_file_?$")
BLACKBOARD = re.compile(
    r"^(?P<title>.*?)_(?P<who>[^_]+)_attempt_(?P<time>\d{4}(?:-\d\d){5})(?:_(?P<file>.+)|\.txt)?$"  # .txt: receipt
)
CANVAS = re.compile(r"^(?P<who>[^_]+?)(?P<late>_LATE)?_(?P<uid>\d+)_(?P<sid>\d{3,})_(?P<file>.+)$")
CANVAS_RESUBMISSION = re.compile(r"-(\d+)(\.[^.]+)$")
PLAIN = re.compile(r"^(?P<who>[^_\s]+)_(?P<file>.+)$")


def describe(path: Path, relative: tuple[str, ...], assignment: str) -> Upload | None:
    """What the download's file name says of one file (None: a name no LMS writes)."""
    shown = "/".join(relative)
    if len(relative) >= 3 and relative[-2] == assignment:
        return Upload(path, shown, "nbgrader", relative[-3], relative[-1])
    if len(relative) >= 2 and (m := MOODLE_FOLDER.match(relative[-2])):
        return Upload(path, shown, "moodle", m["who"], relative[-1], lms_id=m["id"])
    name = relative[-1]
    if m := MOODLE.match(name):
        return Upload(path, shown, "moodle", m["who"], m["file"], lms_id=m["id"])
    if m := BLACKBOARD.match(name):
        return Upload(path, shown, "blackboard", m["who"], m["file"] or "", order=(m["time"],))
    if m := CANVAS.match(name):
        again = CANVAS_RESUBMISSION.search(m["file"])
        order = (int(m["sid"]), int(again[1]) if again else 0)
        return Upload(path, shown, "canvas", m["who"], m["file"], lms_id=m["uid"], order=order, late=bool(m["late"]))
    if m := PLAIN.match(name):
        return Upload(path, shown, "plain", m["who"], m["file"])
    return None


# ---------------------------------------------------------------------------
# Collect
# ---------------------------------------------------------------------------
@dataclass
class Row:
    """One line of collect's table."""

    student: str
    file: str
    result: str  # collected, unchanged, replaced, skipped, conflict
    why: str = ""


@dataclass
class Collected:
    rows: list[Row]
    notes: list[str]

    @property
    def students(self) -> list[str]:
        return sorted({r.student for r in self.rows if r.result in ("collected", "replaced", "unchanged")})

    def table(self) -> str:
        width = max([len(r.student) for r in self.rows] + [7])
        file_width = min(70, max([len(r.file) for r in self.rows] + [4]))
        lines = [f"{'student':{width}s}  {'file':{file_width}s}  result"]
        for r in self.rows:
            result = f"{r.result}: {r.why}" if r.why else r.result
            lines.append(f"{r.student or '-':{width}s}  {r.file:{file_width}s}  {result}")
        kinds = ("collected", "replaced", "unchanged", "skipped", "conflict")
        counts = {k: sum(r.result == k for r in self.rows) for k in kinds}
        lines.append(", ".join(f"{n} {k}" for k, n in counts.items() if n) or "nothing found")
        return "\n".join(lines + [f"note: {n}" for n in self.notes])


def collect(course: Course, source: Path, assignment: str, out=print, submitted_at: str | None = None) -> Collected:
    """Copy the submissions of `source` (a folder or an LMS's .zip) into autograder/submitted/ and print
    what happened to every file (module docstring). Returns the table's rows. `submitted_at` (ISO 8601
    with a time zone): when they were handed in, written as nbgrader's timestamp.txt of each submission
    collected (tools/term.py: the late penalty)."""
    from tools import term

    when = term.parse_time(submitted_at) if submitted_at else None
    if not source.exists():
        raise CollectError(f"{source} does not exist (FROM= a folder or a .zip of submissions)")
    if source.suffix == ".zip":
        if not zipfile.is_zipfile(source):
            raise CollectError(f"{source} is not a zip file")
        extracted = course.grading / "downloaded" / assignment / "extracted"
        shutil.rmtree(extracted, ignore_errors=True)
        with zipfile.ZipFile(source) as archive:
            archive.extractall(extracted)
        source = extracted
    roster = Roster.load(course)
    rows: list[Row] = []
    by_student: dict[str, list[Upload]] = {}
    spellings: dict[str, set[str]] = {}
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = path.relative_to(source).parts
        if SKIPPED_PARTS & set(relative) or relative[-1].startswith("._"):
            continue
        upload = describe(path, relative, assignment)
        if upload is None or not upload.who:
            why = "a notebook, but its name names no student" if path.suffix == ".ipynb" else "not a notebook"
            rows.append(Row("", "/".join(relative), "skipped", why))
            continue
        student = roster.student(upload.who, upload.lms_id)
        if upload.lms != "nbgrader" and path.suffix != ".ipynb":
            rows.append(Row(student, upload.shown, "skipped", "not a notebook"))
            continue
        if not student:
            rows.append(Row("", upload.shown, "skipped", f"no student id can be made of {upload.who!r}"))
            continue
        by_student.setdefault(student, []).append(upload)
        spellings.setdefault(student, set()).add(upload.who)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for student, uploads in sorted(by_student.items()):
        rows += _collect_one(course, assignment, student, uploads, stamp)
    notes = [
        f"{' and '.join(repr(s) for s in sorted(names))} are taken as one student, {student!r}"
        for student, names in sorted(spellings.items())
        if len(names) > 1
    ]
    notes += _look_alike(sorted(by_student), roster)
    result = Collected(rows, notes)
    if when is not None:
        for student in result.students:
            term.stamp(course.submitted / student / assignment, when)
        notes.append(f"submission time {when.isoformat()} written to the timestamp.txt of {len(result.students)}")
    out(result.table())
    return result


def _collect_one(course: Course, assignment: str, student: str, uploads: list[Upload], stamp: str) -> list[Row]:
    dest = course.submission(student, assignment)
    if uploads[0].lms == "nbgrader":  # a submission folder: every file, under its own name
        return [_place(course, u, dest / Path(*Path(u.shown).parts[-1:]), student, stamp) for u in uploads]
    distinct = list({u.path.read_bytes(): u for u in sorted(uploads, key=lambda u: u.order or ())}.values())
    if len(distinct) == 1:  # one file, or copies of one file
        rows = [_place(course, distinct[0], dest / f"{assignment}.ipynb", student, stamp)]
        copies = [u for u in uploads if u is not distinct[0]]
        return rows + [Row(student, u.shown, "skipped", "a copy of the file above") for u in copies]
    if all(u.order is not None for u in uploads):
        newest = max(uploads, key=lambda u: u.order)
        rows = [_place(course, newest, dest / f"{assignment}.ipynb", student, stamp)]
        rows[0].why = f"the newest of {len(uploads)} by the LMS's order" + (f"; {rows[0].why}" if rows[0].why else "")
        return rows + [
            Row(student, u.shown, "skipped", "an older file of the same student") for u in uploads if u is not newest
        ]
    aside = course.grading / "collect-conflicts" / assignment / student
    aside.mkdir(parents=True, exist_ok=True)
    for upload in uploads:
        shutil.copy2(upload.path, aside / Path(upload.shown).name)
    where = aside.relative_to(course.root)
    why = (
        f"{len(uploads)} notebooks and no order to choose by: none collected, all kept in {where}/; copy the right "
        f"one to {dest.relative_to(course.root)}/{assignment}.ipynb"
    )
    return [Row(student, u.shown, "conflict", why) for u in uploads]


def _place(course: Course, upload: Upload, target: Path, student: str, stamp: str) -> Row:
    """Copy one file to its place in submitted/; a different file already there is saved first."""
    late = "; marked LATE by the LMS" if upload.late else ""
    if target.exists():
        if filecmp.cmp(upload.path, target, shallow=False):
            return Row(student, upload.shown, "unchanged", late.removeprefix("; "))
        saved = course.backups / f"submitted-{stamp}" / target.relative_to(course.submitted)
        saved.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(target, saved)
        result, why = "replaced", f"the earlier file saved to {saved.relative_to(course.root)}{late}"
    else:
        result, why = "collected", late.removeprefix("; ")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(upload.path, target)
    return Row(student, upload.shown, result, why)


def _look_alike(students: list[str], roster: Roster) -> list[str]:
    """Pairs of new ids that differ by about one character (the same student spelled twice?)."""
    known = set(roster.keys.values())
    notes = []
    for i, a in enumerate(students):
        for b in students[i + 1 :]:
            if a not in known and min(len(a), len(b)) >= 4 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.8:
                notes.append(f"{a!r} and {b!r} look alike: the same student? (autograder/roster.csv settles it)")
    return notes


# ---------------------------------------------------------------------------
# What was collected
# ---------------------------------------------------------------------------
def collected(course: Course) -> dict[str, list[str]]:
    """assignment -> the students with a submission folder for it, for every assignment of solutions/."""
    return {a: [s for s in course.students() if (course.submission(s, a)).is_dir()] for a in course.assignments()}


def submitted(course: Course, assignment: str, students: list[str]) -> list[str]:
    """Those of `students` who handed in `assignment` (a folder in autograder/submitted/): the only ones
    graded. A student without one is not given a zero or an anomaly: the report says "missing"."""
    return [s for s in students if (course.submission(s, assignment)).is_dir()]


def unknown_students(course: Course, students: list[str], assignments: list[str]) -> str | None:
    """Why `students` (named on the command line) cannot be graded for `assignments`, or None."""
    have = collected(course)
    everyone = course.students()
    for student in students:
        if not any(student in have[a] for a in assignments):
            close = difflib.get_close_matches(student, everyone, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"students: {', '.join(everyone) or 'none yet'}"
            where = ", ".join(assignments) if len(assignments) <= 2 else f"{len(assignments)} assignments"
            return f"no submission of {student!r} for {where} in autograder/submitted/ ({hint})"
    return None


# ---------------------------------------------------------------------------
# Removing, on purpose only
# ---------------------------------------------------------------------------
def _confirm(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        print(f"{question}\nnot confirmed: run it in a terminal to answer, or add FORCE=1 (--yes)", file=sys.stderr)
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def student_files(course: Course, student: str) -> list[Path]:
    """Every folder of the grading area that belongs to one student."""
    folders = [course.submitted, course.autograded, course.feedback, course.quarantine]
    return [folder / student for folder in folders if (folder / student).exists()]


def remove_student(course: Course, student: str, yes: bool = False, out=print) -> int:
    """Remove a student everywhere: the gradebook (their submissions and grades), their folders in
    autograder/, their anomalies. Asks first. The roster is the instructor's file: left as it is."""
    from nbgrader.api import Gradebook, MissingEntry

    from tools import grade

    with Gradebook(course.db_url, grade.COURSE_ID) as gb:
        try:
            submissions = [s.assignment.name for s in gb.find_student(student).submissions]
            in_gradebook = True
        except MissingEntry:
            submissions, in_gradebook = [], False
    folders = student_files(course, student)
    anomalies = [a for a in grade.Anomalies.load(course.anomalies_file) if a.student == student]
    if not (in_gradebook or folders or anomalies):
        close = difflib.get_close_matches(student, course.students(), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        out(f"error: no student {student!r} in the gradebook or autograder/{hint}")
        return 1
    listing = [f"  gradebook: {student!r}" + (f" and the grades of {', '.join(submissions)}" if submissions else "")]
    listing = listing if in_gradebook else []
    listing += [f"  {p.relative_to(course.root)}/" for p in folders]
    listing += [f"  {len(anomalies)} line(s) of {course.anomalies_file.name}"] if anomalies else []
    if not _confirm(f"remove {student!r} from the course's grading area?\n" + "\n".join(listing), yes):
        return 1
    if in_gradebook:
        with Gradebook(course.db_url, grade.COURSE_ID) as gb:
            gb.remove_student(student)  # with its submissions and grades
    for folder in folders:
        shutil.rmtree(folder)
    if anomalies:
        kept = [a for a in grade.Anomalies.load(course.anomalies_file) if a.student != student]
        course.anomalies_file.write_text(json.dumps([a.__dict__ for a in kept], indent=1))
    out(f"removed {student!r}; `make report` rewrites the report without them")
    return 0


def delete_all(course: Course, yes: bool = False, out=print) -> int:
    """Delete every submission and everything graded from them: autograder/ but its README and the
    roster (the gradebook, with manual grades, included). Asks first."""
    keep = {"README.md", course.roster.name}
    doomed = sorted(p for p in course.grading.iterdir() if p.name not in keep) if course.grading.is_dir() else []
    if not doomed:
        out("nothing to delete: autograder/ holds no submissions or grades")
        return 0
    students = course.students()
    question = (
        f"delete the submissions of {len(students)} student(s), the gradebook and every grading output?\n"
        + "\n".join(f"  {p.relative_to(course.root)}" for p in doomed)
    )
    if not _confirm(question, yes):
        return 1
    for path in doomed:
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    out(f"deleted {len(doomed)} entries of autograder/ (kept: {', '.join(sorted(keep))})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.submissions", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["remove-student", "delete"])
    parser.add_argument("student", nargs="?", help="remove-student: the student id")
    parser.add_argument("--yes", action="store_true", help="do not ask (make ... FORCE=1)")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    course = Course(args.root.resolve())
    if args.command == "remove-student":
        if not args.student:
            parser.error("remove-student needs the student's id (make remove-student STUDENT=...)")
        return remove_student(course, args.student, args.yes)
    return delete_all(course, args.yes)


if __name__ == "__main__":
    sys.exit(main())
