"""The gradebook on a database server, and moving it there and back.

nbgrader's gradebook is a SQLite file by default (autograder/gradebook.db). A class graded by several
machines, or by several teaching assistants in Formgrader at once, keeps it on a PostgreSQL server
instead: set `RNN_COURSE_DB_URL` (read by tools/layout.py, hence by nbgrader_config.py, tools/ and
Formgrader), e.g.

    export RNN_COURSE_DB_URL=postgresql://grader:secret@db.example.org/rnn_course

Every command of the course then uses it. To move an existing gradebook:

    python -m tools.gradebook copy sqlite:///autograder/gradebook.db postgresql://grader@db/rnn_course
    python -m tools.gradebook copy postgresql://grader@db/rnn_course sqlite:////tmp/back.db
    python -m tools.gradebook compare URL_A URL_B     # exit status 0 when both hold the same rows

`copy` creates nbgrader's schema in the target (which must hold no gradebook yet, or be given
--replace), copies every table in dependency order, and then compares the two row by row.

A new gradebook is stamped with the revision of nbgrader's schema (its alembic head). nbgrader reads
that revision by running `alembic heads` in a subprocess, a Python start-up and about 1 s of CPU for
each gradebook it creates, and it fails when `alembic` is not on PATH. `install()`, called by
nbgrader_config.py, makes it read the same revision in the process instead (`alembic_head`).
"""

from __future__ import annotations

import argparse
import sys

from tools.layout import COURSE_ID, Course


class GradebookError(RuntimeError):
    """A copy that cannot be made, or that did not give the same rows."""


def alembic_head() -> str:
    """The revision nbgrader stamps a new gradebook with: the head of its alembic migrations (what
    `alembic heads` prints for nbgrader's alembic.ini), read without a subprocess."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


def submitted_notebooks(course: Course):
    """Every graded submission the gradebook holds, in the course's order of assignments: yields
    (assignment, its submission, the submission's notebook) inside one open gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.db_url, COURSE_ID) as gb:
        for assignment in course.assignments():
            try:
                entry = gb.find_assignment(assignment)
            except MissingEntry:
                continue
            for submission in entry.submissions:
                for notebook in submission.notebooks:
                    if notebook.name == assignment:
                        yield assignment, submission, notebook


def install() -> None:
    """Make nbgrader (nbgrader.api.Gradebook) stamp new gradebooks with `alembic_head()`."""
    from nbgrader import api

    api.get_alembic_version = alembic_head


def installed() -> bool:
    from nbgrader import api

    return api.get_alembic_version is alembic_head


def _tables():
    from nbgrader.api import Base

    return list(Base.metadata.sorted_tables)  # parents before children


def _engine(url: str):
    from sqlalchemy import create_engine

    return create_engine(url)


def rows(url: str) -> dict[str, list[tuple]]:
    """table -> its rows, sorted, for comparing two gradebooks."""
    engine = _engine(url)
    found = {}
    with engine.connect() as connection:
        for table in _tables():
            found[table.name] = sorted((tuple(row) for row in connection.execute(table.select())), key=repr)
    engine.dispose()
    return found


def differences(url_a: str, url_b: str) -> list[str]:
    a, b = rows(url_a), rows(url_b)
    return [f"{name}: {len(a[name])} rows vs {len(b[name])}" for name in a if a[name] != b[name]]


def copy(source: str, target: str, replace: bool = False) -> dict[str, int]:
    """Copy every row of the gradebook at `source` into the one at `target`; returns rows per table."""
    from nbgrader.api import Gradebook

    with Gradebook(source, COURSE_ID):
        pass  # brings an old source to nbgrader's current schema
    with Gradebook(target, COURSE_ID):
        pass  # creates the schema (tables, alembic version) in the target
    counts = {}
    source_engine, target_engine = _engine(source), _engine(target)
    with target_engine.begin() as out:
        for table in reversed(_tables()):
            present = out.execute(table.select().limit(1)).first()
            if present is not None and table.name != "course" and not replace:  # Gradebook() adds the course
                raise GradebookError(f"the target already holds a gradebook (table {table.name}); use --replace")
            out.execute(table.delete())
        with source_engine.connect() as into:
            for table in _tables():
                data = [dict(row._mapping) for row in into.execute(table.select())]
                if data:
                    out.execute(table.insert(), data)
                counts[table.name] = len(data)
    source_engine.dispose()
    target_engine.dispose()
    problems = differences(source, target)
    if problems:
        raise GradebookError(f"the copy differs from its source: {'; '.join(problems)}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.gradebook", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    copying = sub.add_parser("copy", help="copy a gradebook to another database (and check the copy)")
    copying.add_argument("source")
    copying.add_argument("target")
    copying.add_argument("--replace", action="store_true", help="overwrite a gradebook already in the target")
    comparing = sub.add_parser("compare", help="do two gradebooks hold the same rows?")
    comparing.add_argument("a")
    comparing.add_argument("b")
    sub.add_parser("url", help="print the gradebook the course uses now")
    args = parser.parse_args(argv)
    try:
        if args.command == "url":
            print(Course().db_url)
        elif args.command == "copy":
            counts = copy(args.source, args.target, args.replace)
            print(f"copied {sum(counts.values())} rows in {len(counts)} tables; the copy holds the same rows")
        else:
            problems = differences(args.a, args.b)
            print("\n".join(problems) or "the same rows")
            return 1 if problems else 0
    except GradebookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
