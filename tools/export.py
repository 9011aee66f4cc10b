"""Grades as an LMS's gradebook import reads them: `make export LMS=canvas|moodle`.

    python -m tools.export canvas [-a A ...]    # autograder/export/canvas.csv
    python -m tools.export moodle [-a A ...]    # autograder/export/moodle.csv

One row per student of `autograder/roster.csv`, one column per assignment holding the final score:
the gradebook's score (manual grades and regrades included) minus the late penalty, or the total an
override set (tools/term.py). Free-text answers count once graded in Formgrader (tools/freetext.py); until
then their points are missing from the score, and the export says how many wait. A submission that was not
graded, or not handed in, is left empty: the LMS then keeps what it has (enter a zero there yourself if that
is the rule). So is a submission the checker could not judge (a `checker-failed` anomaly, twice: the grading
machine failed, not the student): its score would be invented; grade it again (`make grade`) or set an
override.

* **Canvas** (Gradebook → Import; Canvas's "How do I import grades in the Gradebook?"): the columns of
  Canvas's own gradebook export, `Student` ("Last, First"), `ID` (Canvas's user id), `SIS User ID`,
  `SIS Login ID`, `Section`, then one column per assignment, and a `Points Possible` row. Canvas matches a
  student by ID, SIS User ID or SIS Login ID, and an assignment by the number in brackets of its column
  (`01_one_hot (12345)`: set `canvas_id = 12345` in the assignment's table of schedule.toml); a column
  without one becomes a new assignment.
* **Moodle** (Grades → Import → CSV file; Moodle docs, "Grade import"): a header row, an identifier column
  mapped to a user field in the import form ("Map from" `Email address` to "email address", or `ID
  number` to "ID number"), and one column per grade item, mapped to it in the same form ("Grade item
  mappings").

Roster columns: `id`, `first_name`, `last_name`, `email` (nbgrader's), and optionally `canvas_id` (or
`lms_id`), `sis_user_id`, `sis_login_id`, `section`, `idnumber` (Moodle's ID number).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tomllib
from pathlib import Path

from tools import freetext, term
from tools.layout import ROOT, Course
from tools.pipeline import CHECKER_FAILED, Anomalies

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = ["First name", "Last name", "ID number", "Email address"]
POINTS_POSSIBLE = "    Points Possible"  # the first cell of the second row of Canvas's own export


class ExportError(RuntimeError):
    """Nothing to export, or a roster that cannot identify students: one line."""


def roster(course: Course) -> list[dict[str, str]]:
    if not course.roster.exists():
        raise ExportError(f"{course.roster.relative_to(course.root)} is missing: an LMS needs its students' ids")
    with open(course.roster, newline="", encoding="utf-8-sig") as f:
        rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(f)]
    return [row for row in rows if row.get("id")]


def _canvas_ids(course: Course) -> dict[str, str]:
    path = course.schedule_file
    listed = tomllib.loads(path.read_text()).get("assignments", {}) if path.exists() else {}
    return {a: str(v["canvas_id"]) for a, v in listed.items() if isinstance(v, dict) and "canvas_id" in v}


def grades(course: Course, assignments: list[str]) -> tuple[dict[tuple[str, str], float], dict[str, float]]:
    """(student, assignment) -> final score, and assignment -> points possible."""
    standing = term.standings(course)
    failed = {(a.student, a.assignment) for a in Anomalies.load(course.anomalies_file) if a.kind == CHECKER_FAILED}
    final = {key: s.final for key, s in standing.items() if key[1] in assignments}
    final = {key: value for key, value in final.items() if key not in failed or standing[key].overrides}
    points = {a: s.max_score for (_, a), s in standing.items() if a in assignments}
    return final, points


def export(course: Course, lms: str, assignments: list[str] | None = None, out=print) -> Path:
    students = roster(course)
    final, points = grades(course, assignments or course.assignments())
    assignments = [a for a in (assignments or course.assignments()) if a in points]
    if not assignments:
        raise ExportError("nothing graded yet: run `make grade` first")
    unknown = sorted({s for s, _ in final} - {row["id"] for row in students})
    if unknown:
        out(f"warning: graded but not in the roster (not exported): {', '.join(unknown)}")
    anomalies = Anomalies.load(course.anomalies_file)
    failed = {(a.student, a.assignment) for a in anomalies if a.kind == CHECKER_FAILED and a.assignment in assignments}
    failed = sorted(f"{s}/{a}" for s, a in failed if (s, a) not in final)
    if failed:
        out(f"warning: not exported, the checker could not judge them (run `make grade` again): {', '.join(failed)}")
    to_grade, _ = freetext.waiting(course, assignments)
    if to_grade:
        out(f"warning: {to_grade} free-text answers wait for a grader (Formgrader): their points are not exported yet")
    held = {(s, f.assignment) for a in assignments for f in _flags(course, a) for s in f.students}
    if held:
        out(f"warning: held for review (similar submissions; see the report): {len(held)} scores exported as they are")

    def score(student: str, assignment: str) -> str:
        value = final.get((student, assignment))
        return "" if value is None else f"{value:g}"

    path = course.exports / f"{lms}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        if lms == "canvas":
            ids = _canvas_ids(course)
            writer.writerow(CANVAS_COLUMNS + [f"{a} ({ids[a]})" if a in ids else a for a in assignments])
            writer.writerow([POINTS_POSSIBLE, "", "", "", ""] + [f"{points[a]:g}" for a in assignments])
            for row in students:
                name = f"{row.get('last_name', '')}, {row.get('first_name', '')}".strip(", ")
                canvas_id = row.get("canvas_id") or row.get("lms_id", "")
                login = row.get("sis_login_id") or row.get("email", "")
                writer.writerow(
                    [name or row["id"], canvas_id, row.get("sis_user_id", ""), login, row.get("section", "")]
                    + [score(row["id"], a) for a in assignments]
                )
        else:
            writer.writerow(MOODLE_COLUMNS + assignments)
            for row in students:
                if not row.get("email") and not row.get("idnumber"):
                    raise ExportError(f"roster: {row['id']} has no email nor idnumber, which Moodle identifies by")
                writer.writerow(
                    [row.get("first_name", ""), row.get("last_name", ""), row.get("idnumber", ""), row.get("email", "")]
                    + [score(row["id"], a) for a in assignments]
                )
    return path


def _flags(course: Course, assignment: str):
    from tools import similarity

    return similarity.check(course, assignment)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("lms", choices=["canvas", "moodle"])
    parser.add_argument("-a", "--assignment", action="append", help="assignment(s) (default: all graded)")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    course = Course(args.root.resolve())
    try:
        path = export(course, args.lms, args.assignment)
    except (ExportError, term.TermError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
