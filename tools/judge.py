"""How a test cell's run becomes a score: the course's one rule, written once.

    A test cell scores all its points when it ran to its end, none otherwise.

"Ran to its end" means: it has no `error` output — a failed check (`CheckFailed`, an `AssertionError`), any
other exception, an interrupted cell (nbclient's `CellTimeoutError`) or a kernel that died. What a cell
writes to stderr (a warning, a progress bar, `print(..., file=sys.stderr)`) costs nothing: it is kept and
shown (`stderr_as_display`), never scored. (nbgrader's own `determine_grade` scores stderr as a failure and
a number the cell evaluates to as partial credit; this course uses neither.) A cell's stored outputs are
capped (`cap_outputs`, 1 MB a cell): a flood is cut with a line saying how much, and reported.

Every place that says whether a test passed asks this module:
nbgrader's autograde and Validate and Formgrader (`nbgrader.utils.determine_grade` is `determine_grade`
below: tools/nbgrader_patches.py), the grading tools' verification run, the cluster's results, the report's
pass rates and the feedback's "passed" (`passed`). helpers.progress_table, which runs in the student's
kernel without tools/, keeps its own copy of the rule (a test cell passes when running it raises nothing);
tests/test_feedback_messages.py checks the two agree on every synthetic student's test cells.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import nbformat

from tools.layout import is_test_cell, nbgrader

#: The most a cell keeps of its outputs (bytes of text and data): the rest is cut.
OUTPUT_LIMIT = 1_000_000
#: How the note on a cut output starts (`was_cut`: the grading tools report an `output-flood`).
CUT_MARK = "[output cut by the grader:"
TIMEOUT_ERRORS = ("CellTimeoutError",)


@dataclass(frozen=True)
class Verdict:
    score: float
    points: float
    outcome: str  # passed | failed | timed-out
    message: str  # the error as the student reads it ("CheckFailed: expected ..."), "" when passed


def error_of(cell) -> dict | None:
    return next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)


def verdict(cell) -> Verdict:
    """The score of one executed test cell, and why."""
    points = float(nbgrader(cell).get("points", 0))
    error = error_of(cell)
    if error is None:
        return Verdict(points, points, "passed", "")
    name = error.get("ename", "Error")
    outcome = "timed-out" if name in TIMEOUT_ERRORS else "failed"
    text = str(error.get("evalue", "")).strip()
    return Verdict(0.0, points, outcome, f"{name}: {text}" if text else name)


def passed(score: float | None, points: float) -> bool:
    """Whether a recorded score (the gradebook's, a feedback page's) is a passed test: all its points."""
    return score is not None and float(score) >= float(points)


_original_determine_grade = None


def determine_grade(cell, log=None):
    """nbgrader.utils.determine_grade with this course's rule for test cells (nbgrader's for other cells)."""
    if is_test_cell(cell):
        result = verdict(cell)
        return result.score, result.points
    return _original_determine_grade(cell, log)


def install() -> None:
    """Make nbgrader score test cells with `determine_grade` (autograde, Validate, Formgrader)."""
    global _original_determine_grade
    from nbgrader import utils

    if utils.determine_grade is not determine_grade:
        _original_determine_grade = utils.determine_grade
        utils.determine_grade = determine_grade


def installed() -> bool:
    from nbgrader import utils

    return utils.determine_grade is determine_grade


# ---------------------------------------------------------------------------
# What of a cell's outputs is kept
# ---------------------------------------------------------------------------
def stderr_as_display(output):
    """A stderr stream output as display data (text and a styled HTML block saying it costs nothing);
    other outputs unchanged."""
    if output.get("output_type") != "stream" or output.get("name") != "stderr":
        return output
    text = output.get("text", "")
    block = (
        '<pre style="background:#fff8e1;border-left:3px solid #f0ad4e;padding:4px 8px;margin:2px 0">'
        f"<b>stderr</b> (shown for information: it costs no points)\n{html.escape(text)}</pre>"
    )
    return nbformat.from_dict(
        {
            "output_type": "display_data",
            "data": {"text/plain": text, "text/html": block},
            "metadata": {"rnn_course": {"stream": "stderr"}},
        }
    )


def _size(output) -> int:
    if output.get("output_type") == "stream":
        return len(output.get("text", "").encode())
    if output.get("output_type") == "error":
        return sum(len(line.encode()) for line in output.get("traceback", [])) + len(str(output.get("evalue", "")))
    return sum(len(str(value).encode()) for value in output.get("data", {}).values())


def _note(cut: int, total: int) -> str:
    return f"\n{CUT_MARK} {cut / 1e6:.1f} MB of this cell's {total / 1e6:.1f} MB of output not kept]\n"


def was_cut(output) -> bool:
    """Whether an output says the cell's output was cut (by `cap_outputs`, or by nbgrader's LimitOutput)."""
    text = output.get("text") or output.get("data", {}).get("text/plain", "")
    return isinstance(text, str) and (CUT_MARK in text or "... Output truncated ..." in text)


def cap_outputs(outputs: list, limit: int = OUTPUT_LIMIT) -> tuple[list, int]:
    """The outputs a cell keeps: the first `limit` bytes, the rest cut with a line saying how much
    (an error is always kept, its traceback cut to what is left). Returns (outputs, bytes cut)."""
    total = sum(_size(o) for o in outputs)
    if total <= limit:
        return outputs, 0
    kept, left = [], limit
    for output in outputs:
        size = _size(output)
        if size <= left:
            kept.append(output)
            left -= size
        elif output.get("output_type") == "stream":
            text = output.get("text", "").encode()[: max(0, left)].decode(errors="ignore")
            kept.append(nbformat.from_dict(dict(output) | {"text": text}))
            left = 0
        elif output.get("output_type") == "error":
            traceback = output.get("traceback", [])[-3:]
            evalue = str(output.get("evalue", ""))[:2000]
            kept.append(nbformat.from_dict(dict(output) | {"traceback": traceback, "evalue": evalue}))
            left = 0
        else:  # an image or a rich value: not kept
            left = max(0, left)
    cut = total - sum(_size(o) for o in kept)
    # display data, not a stream: nbgrader's LimitOutput drops the streams after its first 1000 lines
    note = nbformat.v4.new_output("display_data", data={"text/plain": _note(cut, total).strip()})
    note.metadata = {"rnn_course": {"cut_bytes": cut}}
    errors = [o for o in kept if o.get("output_type") == "error"]
    return [o for o in kept if o.get("output_type") != "error"] + [note] + errors, cut
