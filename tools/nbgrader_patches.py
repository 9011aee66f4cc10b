"""Every change the course makes to nbgrader's and nbconvert's internals, in one place.

nbgrader_config.py calls `install()`, so every nbgrader command of the course (autograde, generate_assignment,
generate_feedback, Validate, Formgrader) runs with them. Each was written against the versions below, which
requirements.txt pins; `install()` refuses others (a new version may have moved or fixed what is patched),
and tests/test_grade_tools.py checks each is in place.

    nbgrader.utils.determine_grade        -> tools.judge.determine_grade (nbgrader 0.9.6)
        one rule scores a test cell everywhere (tools/judge.py)
    nbgrader.nbgraderformat.common.jsonschema -> tools.metadata_schema (nbgrader 0.9.6)
        the metadata schema checked once per process, not once per cell
    nbgrader.api.get_alembic_version      -> tools.gradebook.alembic_head (nbgrader 0.9.6)
        a new gradebook's schema revision read in the process, not by an `alembic heads` subprocess
    HTMLExporter.from_notebook_node       -> copied in tools.feedback.FeedbackExporter (nbconvert 7.17)
        feedback pages without nbconvert's BeautifulSoup pass
"""

from __future__ import annotations

from importlib.metadata import version

#: package -> the version prefix the patches were written for
WRITTEN_FOR = {"nbgrader": "0.9.6", "nbconvert": "7.17."}


class PatchVersionError(RuntimeError):
    """An installed nbgrader or nbconvert the patches were not written for."""


def check_versions() -> None:
    for package, prefix in WRITTEN_FOR.items():
        found = version(package)
        if not (found == prefix or found.startswith(prefix)):
            raise PatchVersionError(
                f"{package} {found} is installed, but tools/nbgrader_patches.py was written for {prefix.rstrip('.')}: "
                "check each patch against the new version, then update WRITTEN_FOR (requirements.txt pins it)"
            )


def install() -> None:
    """Install every patch (idempotent)."""
    from tools import gradebook, judge, metadata_schema

    check_versions()
    judge.install()
    metadata_schema.install()
    gradebook.install()


def installed() -> bool:
    from tools import gradebook, judge, metadata_schema

    return judge.installed() and metadata_schema.installed() and gradebook.installed()
