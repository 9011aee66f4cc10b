"""nbval of the Chinese edition (issue 27): the solution notebooks whose code reads the edition's corpus run
start to finish, hidden tests included, with RNN_COURSE_LANG=zh, where helpers.load_corpus() and read_text()
give the Tang poems; then the numbers of their Chinese prose are checked against what that run printed
(tests/prose.py, FACTS_ZH). Their English edition is nbval's own run (pyproject.toml's testpaths). One kernel
per notebook, as nbval's: 5-17 s each (docs/benchmarks.md)."""

from __future__ import annotations

import copy
import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

import helpers
from tests import prose
from tests.grading.nbgrader_run import ROOT, assignments
from tools import i18n

#: The notebooks that read the edition's corpus: every translated one now.
ZH_CORPUS = i18n.TRANSLATED["zh"]
#: The notebooks run here in grading mode (NBGRADER_EXECUTION): helpers.choose_epochs then trains their demonstrations
#: one epoch (06: two epochs of the poems cost 12 CPU-s per run; 07: one nn.RNN epoch of the poems, no GRU, instead
#: of two and one, 8 and 12 CPU-s), and the prose quotes no number that depends on it.
GRADING_MODE = {"06_scratch_training", "07_concise_rnn"}
#: The cells whose printed output still holds English in the Chinese edition (the list must shrink): 05's listing
#: of toolbox.py's source, whose docstrings are English in both editions; 07's table of the count models' perplexities.
ENGLISH_LEFT = {"05_clipping": {"model"}, "07_concise_rnn": {"gated"}}


@pytest.mark.parametrize("assignment", [a for a in ZH_CORPUS if a in assignments()])
def test_the_chinese_edition_runs_and_its_prose_quotes_its_outputs(assignment, monkeypatch, tmp_path):
    monkeypatch.setenv(helpers.LANGUAGE_ENV, "zh")  # the kernel inherits it, as a grading kernel does
    if assignment in GRADING_MODE:
        monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    path = ROOT / "solutions" / assignment / f"{assignment}.ipynb"
    assert (path.parent / "data" / "tangshi.txt").is_symlink(), "its releases must ship the Tang poems (data/)"
    nb = nbformat.read(path, as_version=4)
    # the release's code (its translated prints and labels) and messages (helpers.py with the compiled catalogue)
    release = copy.deepcopy(nb)
    i18n.translate(release, "zh")
    folder = tmp_path / assignment
    folder.mkdir()
    for item in path.parent.iterdir():
        if item.name == "helpers.py":  # helpers.py reads the catalogue beside its own file
            shutil.copy2(item.resolve(), folder / item.name)
        else:
            (folder / item.name).symlink_to(item.resolve())
    i18n.install_catalogue(folder, "zh")
    NotebookClient(release, timeout=300, resources={"metadata": {"path": str(folder)}}).execute()
    for cell, ran in zip(nb.cells, release.cells):
        cell.outputs = ran.get("outputs", [])
    english = {cell.id: lines for cell in nb.cells if (lines := english_output(cell))}
    assert set(english) == ENGLISH_LEFT.get(assignment, set()), f"{assignment} (zh) prints English: {english}"
    outputs = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]
    printed = "".join(str(output.get("text", "")) for output in outputs)
    assert "3588" in printed or "3,588" in printed, "the Chinese edition printed no vocabulary of 3,588 tokens"
    problems = prose.unaccounted(assignment, nb, prose.output_numbers(outputs), "zh")
    assert not problems, f"{assignment} (zh): numbers in the prose that nothing prints:\n  " + "\n  ".join(problems)


def english_output(cell) -> list[str]:
    """The lines a code cell printed that hold English a Chinese student must read: three English words in a
    row, or an English word in a line without Chinese, outside code (tools/i18n.py's CODE_IN_TEXT). What is
    quoted (a text of the corpus, a generated sample), an exception's own message (PyTorch's) and Python's
    words (nan, True, tensor) are not the course's prose."""
    found = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            for line in output.get("text", "").splitlines():
                prose = re.sub(r"'[^']*'|\"[^\"]*\"|\w+Error\W.*", " ", line)
                prose = re.sub(r"\b(?:nan|inf|True|False|None|tensor|def)\b", " ", i18n.CODE_IN_TEXT.sub(" ", prose))
                if i18n.ENGLISH_RUN.search(prose) or (not i18n.CJK.search(prose) and re.search("[A-Za-z]{3}", prose)):
                    found.append(line[:80])
    return found
