"""The prose of the notebooks (tests/prose.py): numbers that are timeless or printed, and a word budget.

The check against the outputs runs with nbval (conftest.py adds a `prose numbers` item after the last cell
of every notebook); here: the checker itself, on small notebooks (it finds a stale number, accepts a
printed one at its precision, a setting, an exact fact, and nothing else), the exact facts it lists, and
the length of the graded notebooks' prose.
"""

from __future__ import annotations

import nbformat
import pytest

from tests import prose
from tests.grading.nbgrader_run import ROOT, all_assignments, notebook_path
from tools.layout import Course

#: Words of markdown a graded notebook may hold (issue 28: the lessons stay about RNNs, and readable).
WORD_BUDGET = 3000


def notebook(markdown: str, code: str = "x = 1"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown, id="text"), nbformat.v4.new_code_cell(code, id="code")]
    return nb


def stream(text: str) -> list[dict]:
    return [{"output_type": "stream", "name": "stdout", "text": text}]


@pytest.mark.parametrize(
    "markdown,printed,code",
    [
        ("The unigram model scores about 16.7.", "unigram 16.728", "x = 1"),  # printed, at its precision
        ("A perplexity of 16.73 held out.", "16.728", "x = 1"),
        ("It holds 156,084 training tokens.", "156,084 for training", "x = 1"),
        ("The book is about 170,000 characters.", "173,427 tokens", "x = 1"),  # "about": rounded
        ("It shrinks to $10^{-14}$ of its size.", "ratio 2.6e-14", "x = 1"),  # a power of ten: the magnitude
        ("A learning rate of 0.005 and 20,000 tokens.", "", "lr, n = 0.005, train[:20000]"),  # settings
        ("28 tokens, 35 steps, section 8.7, Going further 4.", "", "x = 1"),  # small, references
        ("$0.9^{50}$ is small and $2^{50}$ is large.", "", "x = 1"),  # bases of powers: expressions
        ("(Tallec and Ollivier, 2017)", "", "x = 1"),  # the year of a citation
    ],
)
def test_numbers_that_are_accounted_for(markdown, printed, code):
    outputs = prose.output_numbers(stream(printed))
    assert prose.unaccounted("a_notebook", notebook(markdown, code), outputs) == []


@pytest.mark.parametrize(
    "markdown,printed",
    [
        ("The unigram model scores about 9.23.", "unigram 16.728"),  # 04's stale figure (issue 28)
        ("The unigram model scores 16.7.", "unigram 16.85"),  # printed, but not at that precision
        ("It holds 156,000 training tokens.", "156,084 for training"),  # not "about": exact
        ("The step took 10.5 ms against 9.7 ms.", "same outputs: True"),  # a timing from another run
        ("It is 1.15-1.2x faster.", ""),
        ("It shrinks to $10^{-10}$.", "ratio 2.6e-14"),
    ],
)
def test_a_number_nothing_prints_is_reported(markdown, printed):
    problems = prose.unaccounted("a_notebook", notebook(markdown), prose.output_numbers(stream(printed)))
    assert problems and all("not printed by the notebook" in problem for problem in problems), problems


def test_the_chinese_prose_is_checked_against_the_chinese_run():
    """language="zh" reads the translation in the cell's metadata (tools/i18n.py): its numbers are checked, the
    English source's are not; Chinese references (第 8.3 节, 作业 5) are not measurements."""
    nb = notebook("The unigram model scores about 16.7.")
    nb.cells[0].metadata["i18n"] = {"zh": {"en_sha1": "", "source": ["一元语法约为 535.05（见第 8.3 节、作业 5）。"]}}
    assert prose.unaccounted("a_notebook", nb, prose.output_numbers(stream("unigram 535.050")), "zh") == []
    problems = prose.unaccounted("a_notebook", nb, prose.output_numbers(stream("unigram 16.728")), "zh")
    assert len(problems) == 1 and "535.05 is not printed" in problems[0] and "FACTS_ZH" in problems[0], problems


def test_errors_and_images_are_not_outputs():
    outputs = [
        {"output_type": "error", "ename": "ValueError", "evalue": "16.73", "traceback": []},
        {"output_type": "display_data", "data": {"image/png": "16.73"}},
    ]
    assert prose.output_numbers(outputs) == []


def test_an_exact_fact_is_checked_and_a_stale_one_reported(monkeypatch):
    monkeypatch.setitem(prose.FACTS, "a_notebook", {"3.33": "math.log(28)", "1.41": "math.sqrt(2)"})
    problems = prose.unaccounted("a_notebook", notebook("The loss starts at $\\ln 28 \\approx 3.33$."), [])
    assert problems == ["FACTS['a_notebook'] lists 1.41, which no markdown cell quotes any more"]
    monkeypatch.setitem(prose.FACTS, "a_notebook", {"3.34": "math.log(28)"})
    problems = prose.unaccounted("a_notebook", notebook("The loss starts at 3.34."), [])
    assert len(problems) == 1 and "math.log(28), which is 3.3322" in problems[0], problems


@pytest.mark.parametrize(
    "name,language", [(name, "en") for name in sorted(prose.FACTS)] + [(name, "zh") for name in sorted(prose.FACTS_ZH)]
)
def test_every_listed_fact_is_quoted_and_true(name, language):
    """Without running the notebook: each fact of FACTS (FACTS_ZH) appears in its notebook's prose (Chinese
    prose) and its expression gives the number as quoted."""
    course = Course(ROOT)
    path = course.extra_notebook(name) if name in course.extra_notebooks() else notebook_path(ROOT / "solutions", name)
    facts = prose.FACTS if language == "en" else prose.FACTS_ZH
    quoted = {number.text: number for number in prose.quoted_numbers(nbformat.read(path, as_version=4), language)}
    for text, expression in facts[name].items():
        assert text in quoted, f"{name}: FACTS lists {text}, which its prose does not quote"
        value = prose._fact_value(expression)
        assert quoted[text].matches(value), f"{name}: {text} is quoted, but {expression} = {value:.6g}"


@pytest.mark.parametrize("assignment", all_assignments())
def test_graded_notebooks_keep_within_the_word_budget(assignment):
    nb = nbformat.read(notebook_path(ROOT / "solutions", assignment), as_version=4)
    words = prose.markdown_words(nb)
    assert words <= WORD_BUDGET, f"{assignment} has {words:,} words of markdown (budget {WORD_BUDGET:,})"
