"""nbval of the Chinese edition (issue 27): the solution notebooks whose code reads the edition's corpus run
start to finish, hidden tests included, with RNN_COURSE_LANG=zh, where helpers.load_corpus() and read_text()
give the Tang poems; then the numbers of their Chinese prose are checked against what that run printed
(tests/prose.py, FACTS_ZH). Their English edition is nbval's own run (pyproject.toml's testpaths). One kernel
per notebook, as nbval's: 5-17 s each (docs/benchmarks.md)."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

import helpers
from tests import prose
from tests.grading.nbgrader_run import ROOT, assignments

#: The notebooks that read the edition's corpus (the others pin corpus="timemachine" until they move).
ZH_CORPUS = (
    "01_one_hot",
    "02_recurrence",
    "03_samplers",
    "04_perplexity",
    "05_clipping",
    "06_scratch_training",
    "07_concise_rnn",
)
#: The notebooks run here in grading mode (NBGRADER_EXECUTION): helpers.choose_epochs then trains their demonstrations
#: one epoch (06: two epochs of the poems cost 12 CPU-s per run; 07: one nn.RNN epoch of the poems, no GRU, instead
#: of two and one, 8 and 12 CPU-s), and the prose quotes no number that depends on it.
GRADING_MODE = {"06_scratch_training", "07_concise_rnn"}


@pytest.mark.parametrize("assignment", [a for a in ZH_CORPUS if a in assignments()])
def test_the_chinese_edition_runs_and_its_prose_quotes_its_outputs(assignment, monkeypatch):
    monkeypatch.setenv(helpers.LANGUAGE_ENV, "zh")  # the kernel inherits it, as a grading kernel does
    if assignment in GRADING_MODE:
        monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    path = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    assert (path.parent / "data" / "tangshi.txt").is_symlink(), "its releases must ship the Tang poems (data/)"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]
    printed = "".join(str(output.get("text", "")) for output in outputs)
    assert "3588" in printed or "3,588" in printed, "the Chinese edition printed no vocabulary of 3,588 tokens"
    problems = prose.unaccounted(assignment, nb, prose.output_numbers(outputs), "zh")
    assert not problems, f"{assignment} (zh): numbers in the prose that nothing prints:\n  " + "\n  ".join(problems)
