"""Feedback that explains every lost point without revealing hidden tests.

nbgrader's autograde restores each test cell from the gradebook, hidden tests
included, and `generate_feedback` renders that notebook as it is: a student
would read the hidden test code. This preprocessor, added to
`GenerateFeedback.preprocessors` in nbgrader_config.py, rewrites every
autograded test cell of the feedback copy:

* the lines between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS` are
  replaced by one comment saying that hidden tests ran there;
* an error's traceback (which quotes the failing source line, possibly a hidden
  one) is reduced to its last line, `ErrorName: message` — the teaching
  message of the check that failed.

The autograded notebooks and the gradebook keep everything.
"""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

HIDDEN_BLOCK = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n.*?^[ \t]*### END HIDDEN TESTS[ \t]*$", re.MULTILINE | re.DOTALL
)
HIDDEN_NOTE = "# (hidden tests ran here; they are not shown in the feedback)"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def hide_hidden_tests(source: str) -> str:
    return HIDDEN_BLOCK.sub(HIDDEN_NOTE, source)


def is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


class HideHiddenTests(Preprocessor):
    """Strip hidden test code and tracebacks from autograded test cells."""

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            cell.source = hide_hidden_tests(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    message = f"{output.get('ename', 'Error')}: {ANSI.sub('', output.get('evalue', ''))}"
                    output["traceback"] = [message]
        return cell, resources
