"""nbval of the Chinese edition (issue 27): the solution notebooks whose code reads the edition's corpus run
start to finish, hidden tests included, with RNN_COURSE_LANG=zh, where helpers.load_corpus() and read_text()
give the Tang poems; then the numbers of their Chinese prose are checked against what that run printed
(tests/prose.py, FACTS_ZH), and what it printed and what its figures drew (legends, labels, titles, tick
labels) for English a Chinese student would read (english_output). Their English edition is nbval's own run
(pyproject.toml's testpaths). One kernel per notebook, as nbval's: 5-17 s each (docs/benchmarks.md)."""

from __future__ import annotations

import ast
import copy
import json
import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell

import helpers
from tests import prose
from tests.grading.nbgrader_run import ROOT, assignments
from tests.test_feedback_messages import notebook_process, run_cell  # noqa: F401 (a fixture)
from tools import i18n, toolbox

#: The notebooks that read the edition's corpus: every translated one now.
ZH_CORPUS = i18n.TRANSLATED["zh"]
#: The notebooks run here in grading mode (NBGRADER_EXECUTION): helpers.choose_epochs then trains their demonstrations
#: one epoch (06: two epochs of the poems cost 12 CPU-s per run; 07: one nn.RNN epoch of the poems, no GRU, instead
#: of two and one, 8 and 12 CPU-s), and the prose quotes no number that depends on it.
GRADING_MODE = {"06_scratch_training", "07_concise_rnn"}
#: Run before the notebook's first cell in the Chinese run, and not a cell of it: every text matplotlib draws
#: (titles, axis and tick labels, legends, annotations; a LivePlot's too) is kept with the number of the cell
#: that drew it (counted when a cell starts: the inline backend draws a cell's figures after it). The cell after
#: the last prints them: english_output reads the figures like the printed lines.
RECORD_FIGURE_TEXTS = """import matplotlib.text
__figure_texts, __cell = [], [0]
get_ipython().events.register("pre_run_cell", lambda info: __cell.__setitem__(0, __cell[0] + 1))
def __record(self, renderer, __draw=matplotlib.text.Text.draw):
    if self.get_visible() and self.get_text().strip():
        __figure_texts.append((__cell[0], self.get_text()))
    return __draw(self, renderer)
matplotlib.text.Text.draw = __record"""
REPORT_FIGURE_TEXTS = "import json\nprint(json.dumps(__figure_texts, ensure_ascii=False))"


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
    toolbox.install_edition(folder, assignment, "zh")  # 05 lists its functions: their Chinese docstrings
    release.cells = [new_code_cell(RECORD_FIGURE_TEXTS), *release.cells, new_code_cell(REPORT_FIGURE_TEXTS)]
    NotebookClient(release, timeout=300, resources={"metadata": {"path": str(folder)}}).execute()
    drawn = figure_texts(release)
    release.cells = release.cells[1:-1]
    for cell, ran in zip(nb.cells, release.cells):
        cell.outputs = ran.get("outputs", [])
    english = {cell.id: lines for cell in nb.cells if (lines := english_output(cell, drawn.get(cell.id, [])))}
    assert english == {}, f"{assignment} (zh) prints or draws English: {english}"
    outputs = [output for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs]
    printed = "".join(str(output.get("text", "")) for output in outputs)
    assert "3588" in printed or "3,588" in printed, "the Chinese edition printed no vocabulary of 3,588 tokens"
    problems = prose.unaccounted(assignment, nb, prose.output_numbers(outputs), "zh")
    assert not problems, f"{assignment} (zh): numbers in the prose that nothing prints:\n  " + "\n  ".join(problems)


def figure_texts(release) -> dict[str, list[str]]:
    """cell id -> the texts its figures drew, from the run's last cell (REPORT_FIGURE_TEXTS)."""
    ran = [  # the cells nbclient runs, in order: the code cells but those it skips
        cell
        for cell in release.cells
        if cell.cell_type == "code" and cell.source.strip() and "skip-execution" not in cell.metadata.get("tags", [])
    ]
    by_count = {number: cell.get("id") for number, cell in enumerate(ran)}
    report = "".join(o.get("text", "") for o in release.cells[-1].get("outputs", []) if o.get("name") == "stdout")
    found: dict[str, list[str]] = {}
    for count, text in json.loads(report):
        found.setdefault(by_count.get(count, "?"), []).append(text)
    return found


def python_comment(line: str) -> str:
    """A printed line that is Python (05 lists toolbox.py's functions): only its comment is prose, "" without
    one. Any other line (a sentence, "not attempted": a name alone or negated is no code) as it is."""
    import ast
    import io
    import tokenize

    code = line.strip()
    for source in (code, code + "\n    pass"):  # a compound statement's first line: "for X_t in inputs:"
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        simple = (ast.Name, ast.Constant, ast.UnaryOp, ast.BoolOp)
        if all(isinstance(node, ast.Expr) and isinstance(node.value, simple) for node in tree.body):
            return line
        tokens = tokenize.generate_tokens(io.StringIO(code).readline)
        try:
            return " ".join(t.string.lstrip("# ") for t in tokens if t.type == tokenize.COMMENT)
        except tokenize.TokenError:
            return line
    return line


#: Two or more English words in a row (a table's row name "scratch model + autograd" beside Chinese).
ENGLISH_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]+(?:[ ,;:]+[A-Za-z][A-Za-z'’-]+)+")


def english_output(cell, drawn=()) -> list[str]:
    """The lines a code cell printed, and the texts its figures drew (`drawn`: legends, labels, titles), that
    hold English a Chinese student must read: two English words in a row, or an English word in a line
    without Chinese, outside code (tools/i18n.py's CODE_IN_TEXT) and formulas. What is quoted (a text of the
    corpus, a generated sample), an exception's own message (PyTorch's) and Python's words (nan, True,
    tensor) are not the course's prose."""
    lines = [
        line
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream" and output.get("name") == "stdout"
        for line in output.get("text", "").splitlines()
    ]
    found = []
    for line in dict.fromkeys([*(python_comment(line) for line in lines), *(f"[figure] {text}" for text in drawn)]):
        prose = re.sub(r"^\[figure\] |'[^']*'|\"[^\"]*\"|\w+Error\W.*", " ", line)
        prose = i18n.MATH.sub(" ", prose)
        prose = re.sub(r"\b(?:nan|inf|True|False|None|tensor|def)\b", " ", i18n.CODE_IN_TEXT.sub(" ", prose))
        if ENGLISH_WORDS.search(prose) or (not i18n.CJK.search(prose) and re.search("[A-Za-z]{3}", prose)):
            found.append(line[:80])
    return found


def test_the_english_detector_reads_lines_and_figures():
    """What english_output finds (cheap: a made-up cell, no run), and what it leaves: code, formulas, quotes."""
    cell = nbformat.v4.new_code_cell("")
    english = [
        "scratch model + autograd            每步   3.2 ms",
        "held-out perplexity",
        "count models: 5.31",
        "not attempted",
        "    (H_t,) = state  # (B, H): H_0 before the first step",  # a listing's comment is prose
    ]
    chinese = [
        "从零实现的模型 + 自动微分    每步   3.2 ms",
        "nn.RNN   各迭代周期之后：1: 570.35",
        "τ = 0.5: 'the time'",
        "def rnn_step(X_t, H_prev, params):",  # a listing of code
        "    W_xh, W_hh, b_h, W_hq, b_q = params",
        "    for X_t in inputs:  # X_t: (B, V)",
        "    return torch.cat(outputs, dim=0), (H_t,)  # (T * B, V)",
        "    return O_t, H_t",
    ]
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="\n".join(english + chinese))]
    drawn_english = ["random: held-out", "train", "gradient g", "θ = inf (no clipping)", "unigram"]
    drawn_chinese = [
        "随机抽样：留出",
        "nn.GRU：训练",
        "$W_{hh}$ × 0.5 ($\\sigma_{max}$ = 0.6)",
        "RNNModel(nn.RNN(35, 8))",
    ]
    found = english_output(cell, [*drawn_english, *drawn_chinese, "$\\mathdefault{10^{-1}}$", "0.25"])
    english[-1] = "(B, H): H_0 before the first step"
    assert found == english + [f"[figure] {text}" for text in drawn_english]


#: helpers.py's readers of the edition's corpus, and the arguments that choose another: without them they read
#: the Tang poems in the Chinese edition (tokenize: its mode, "chars").
CORPUS_READERS = {"load_corpus": {"corpus", "path"}, "read_text": {"corpus", "path"}, "tokenize": {"mode"}}


def _reads_the_corpus(node) -> bool:
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
        positional = 1 if name == "tokenize" else 0  # tokenize(text, mode)
        chosen = {k.arg for k in call.keywords} & CORPUS_READERS.get(name, set())
        if name in CORPUS_READERS and len(call.args) <= positional and not chosen:
            return True
    return False


def _loads(node, names) -> bool:
    return any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in names for n in ast.walk(node))


def edition_dependent_tests(nb) -> list[str]:
    """The test cells whose verdict can depend on the edition: they read the edition's corpus, directly or
    through a name or a function of the read-only cells before them that does (the last binding of a name
    counts, in the notebook's order). Every other test cell runs the same code on the same inputs in both."""
    from tools.layout import grade_id, is_answer_cell, is_test_cell

    tainted: set[str] = set()
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code" or is_answer_cell(cell):
            continue
        tree = ast.parse(cell.source)
        if is_test_cell(cell):
            own = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
            own |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
            if _reads_the_corpus(tree) or _loads(tree, tainted - own):
                found.append(grade_id(cell))
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names, value = {node.name}, node
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
                value = node.iter if isinstance(node, ast.For) else node.value
            else:
                continue
            if value is not None and (_reads_the_corpus(value) or _loads(value, tainted)):
                tainted |= names
            elif isinstance(node, (ast.Assign, ast.FunctionDef, ast.ClassDef)):
                tainted -= names  # bound anew to something else
    return found


def test_the_edition_dependent_tests_are_found():
    """What edition_dependent_tests finds (cheap: made-up cells, and 04's two tests that call load_corpus())."""
    meta = {"nbgrader": {"grade": True, "grade_id": "test_f", "points": 1}}
    for setup, test, dependent in [
        ("corpus, vocab = load_corpus()", "check(f(corpus))", True),
        ("corpus, vocab = load_corpus(corpus='timemachine')", "check(f(corpus))", False),  # pinned
        ("corpus, vocab = load_corpus()\ncorpus = list(range(35))", "check(f(corpus))", False),  # bound anew
        ("corpus, vocab = load_corpus()\ndef small():\n    return corpus[:10]", "check(f(small()))", True),
        ("text = read_text()\ntokens = tokenize(text[:50])", "check(f(tokens))", True),
        ("", "for corpus in [[1, 2]]:\n    check(f(corpus))", False),  # the test's own name
        ("", "check(f(tokenize('ab', 'chars')))", False),
    ]:
        nb = nbformat.v4.new_notebook(cells=[new_code_cell(setup), new_code_cell(test, metadata=meta)])
        assert (edition_dependent_tests(nb) == ["test_f"]) == dependent, (setup, test)
    found = edition_dependent_tests(_solution("04_perplexity"))
    assert found == ["test_unigram_perplexity_values", "test_bigram_perplexity_values"], found


def _solution(assignment: str):
    return nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)


#: The assignments with a test cell whose verdict can depend on the edition (in every other one, every test cell
#: runs the same code on the same inputs in both editions).
EDITION_DEPENDENT = [a for a in ZH_CORPUS if a in assignments() and edition_dependent_tests(_solution(a))]


@pytest.mark.usefixtures("notebook_process")
@pytest.mark.parametrize("assignment", EDITION_DEPENDENT)
def test_every_synthetic_answer_loses_the_same_cells_in_chinese(assignment, monkeypatch):
    """The Chinese edition reads its own corpus (04's `*_values` tests call load_corpus(): the Tang poems there),
    so a verdict could differ between the editions. Every implementation of tests/grading/ (each classic mistake
    and each correct alternative) runs through the test cells that can depend on the edition
    (edition_dependent_tests) among those of its function and those it must lose, hidden tests included, in this
    process with RNN_COURSE_LANG=zh: exactly the cells its `loses` names fail, as tests/test_grading.py finds in
    English through nbgrader (tests/test_grading_editions.py: 01's students through nbgrader in both editions)."""
    from tests.grading import cases
    from tests.grading.nbgrader_run import in_notebook_folder, notebook_path, reference_answers
    from tools.layout import grade_id, is_answer_cell, is_test_cell, owner

    path = notebook_path(ROOT / "solutions", assignment)
    dependent = edition_dependent_tests(nbformat.read(path, as_version=4))
    monkeypatch.setenv(helpers.LANGUAGE_ENV, "zh")
    assert helpers.edition_corpus() == "tangshi"
    cells = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    last_test = max(index for index, cell in enumerate(cells) if is_test_cell(cell))
    references = reference_answers(ROOT, assignment)
    functions = [grade_id(cell) for cell in cells if is_answer_cell(cell)]
    tests = {grade_id(cell): cell.source for cell in cells if is_test_cell(cell) and grade_id(cell) in dependent}
    namespace: dict = {"__name__": "__main__"}
    wrong = []
    with in_notebook_folder(path.parent):
        for cell in cells[:last_test]:
            if not is_test_cell(cell):
                error = run_cell(references.get(grade_id(cell), cell.source), cell.id, namespace)
                assert error is None, f"{assignment}: {cell.id} failed while setting up: {error!r}"
        for function, implementations in cases.load_cases(assignment).IMPLEMENTATIONS.items():
            for name, impl in implementations.items():
                assert run_cell(impl.source, f"{function}/{name}", namespace) is None, f"{function}/{name}"
                checked = [t for t in tests if owner(t, functions) == function or t in impl.loses]
                failed = {t for t in checked if run_cell(tests[t], t, namespace) is not None}
                if failed != set(impl.loses) & set(checked):
                    wrong.append(f"{function}/{name}: fails {sorted(failed)}, must lose {sorted(impl.loses)}")
                run_cell(references[function], function, namespace)  # the reference, back
    assert wrong == [], f"{assignment} (zh): verdicts that differ from the English edition's:\n  " + "\n  ".join(wrong)
