"""The similarity check (tools/similarity.py): what it ignores, what it never flags, what it finds."""

from __future__ import annotations

import pytest

from tests.grading import disguise, nbgrader_run
from tools import similarity
from tools.layout import ROOT, Course

ASSIGNMENTS = nbgrader_run.all_assignments()


def _given(assignment):
    return similarity.release_fingerprints(Course(ROOT), assignment)


def test_names_comments_layout_and_independent_order_are_ignored():
    original = (
        "def f(x, n):\n"
        '    """doc"""\n'
        "    y = x.reshape(-1)\n"
        "    z = torch.zeros(n)\n"
        "    out = z + y.sum()\n"
        "    return out\n"
    )
    disguised = (
        "def f(inputs, size):\n"
        "    # zeros first\n"
        "    zz = torch.zeros(size)\n\n\n"
        "    flat = inputs.reshape(-1)   # flatten\n"
        "    result = zz + flat.sum()\n"
        "    return result\n"
    )
    assert similarity.fingerprints(original).keys() == similarity.fingerprints(disguised).keys()
    other = original.replace("y.sum()", "y.mean()")  # another computation is another fingerprint
    assert similarity.fingerprints(original).keys() != similarity.fingerprints(other).keys()
    dependent = original.replace("    out = z + y.sum()\n    return out\n", "    return out\n    out = z + y.sum()\n")
    assert similarity.fingerprints(original).keys() != similarity.fingerprints(dependent).keys()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_synthetic_class_has_no_flag_and_a_disguised_copy_is_flagged(assignment):
    """No pair of the synthetic students is flagged; a renamed, reordered, recommented copy of one of
    them is, against the original alone (when its answers are long enough: not 01's one-liners)."""
    klass = disguise.synthetic_class(assignment)
    flags, _ = similarity.compare(klass, _given(assignment), assignment=assignment)
    assert not flags, [(f.students, round(f.score, 2), f.shared) for f in flags]
    if assignment == "01_one_hot":
        return
    for student, cells in list(klass.items())[::4]:  # every fourth (all of them: docs/benchmarks.md)
        copy = {cell: disguise.disguise(source, seed=len(student)) for cell, source in cells.items()}
        flags, scores = similarity.compare({student: cells, "copy": copy}, _given(assignment))
        assert flags and flags[0].matches, (student, scores)


def test_short_canonical_answers_written_alike_are_never_flagged():
    given = _given("01_one_hot")
    flags, scores = similarity.compare(disguise.HONEST_01_ONE_HOT, given, every_pair=True)
    assert not flags and max(s for s, _ in scores.values()) == pytest.approx(1.0)  # alike, yet not flagged
    two = dict(list(disguise.HONEST_01_ONE_HOT.items())[:2])  # alone, two students who wrote it alike
    assert not similarity.compare(two, given)[0]


def test_code_the_release_provides_is_not_evidence():
    """Two students who left every answer as released share only what the release gave them."""
    import nbformat

    release = nbformat.read(Course(ROOT).release / "05_clipping" / "05_clipping.ipynb", as_version=4)
    stubs = nbgrader_run.answer_cells(release)
    klass = {s: {cell: c.source for cell, c in stubs.items()} for s in ("a", "b")}
    flags, scores = similarity.compare(klass, _given("05_clipping"), every_pair=True)
    assert not flags and scores[("a", "b")] == (0.0, 0)
    assert similarity.compare(klass, set(), min_shared=1)[0], "without the release's fingerprints they would be"


def test_a_flag_shows_the_matching_lines_side_by_side():
    klass = disguise.synthetic_class("05_clipping")
    student = next(iter(klass))
    copy = {cell: disguise.disguise(source, seed=3) for cell, source in klass[student].items()}
    flags, _ = similarity.compare({student: klass[student], "zz_copy": copy}, _given("05_clipping"), assignment="05")
    text = "\n".join(similarity.summary(flags))
    assert f"### 05: {student} and zz_copy" in text
    rows = [line.split("|") for line in text.splitlines() if line.startswith("| `grad_clipping`")]
    assert any("torch.sqrt" in row[3] and "torch.sqrt" in row[5] for row in rows), text


def test_scoring_only_the_pairs_that_can_be_flagged_flags_the_same():
    """A class of 600 is compared in seconds because only pairs with MIN_SHARED fingerprints of their own
    are scored: the flags are those of scoring every pair."""
    klass = disguise.synthetic_class("06_scratch_training")
    for student in list(klass)[:3]:
        klass[f"copy_of_{student}"] = {c: disguise.disguise(s, seed=1) for c, s in klass[student].items()}
    quick, _ = similarity.compare(klass, _given("06_scratch_training"))
    every, scores = similarity.compare(klass, _given("06_scratch_training"), every_pair=True)
    assert [f.students for f in quick] == [f.students for f in every] and len(scores) == len(klass) * (
        len(klass) - 1
    ) // 2
    assert {frozenset(f.students) for f in quick} >= {frozenset((s, f"copy_of_{s}")) for s in list(klass)[:1]}
