"""The toolbox (tools/toolbox.py): reference code written once, generated for the releases that need it.

* every generated `solutions/<a>/toolbox.py` is what the `# @save` cells make now (freshness), says it is
  generated and where each function comes from, and holds only code of earlier assignments;
* no graded function is defined anywhere in solutions/ but in its own answer cell (and generated files);
* the deliberate variants of the notebooks compute what the references compute (outputs and gradients on
  random inputs): 06's row-lookup model against 02's `rnn_forward`, the hand-written BPTT of the optional
  notebook extras/going_fast against 05's `rnn_backward`, 05's `rnn_states` against 02's recurrence,
  06's `ngram_perplexity` against 04's
  answers, and 05's `grad_clipping` against PyTorch's `clip_grad_norm_` (which 06 and 07 used before);
* a submission's copy of toolbox.py is never trusted: grading uses the course's.
"""

from __future__ import annotations

import ast
import shutil

import nbformat
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tests.grading.nbgrader_run import ROOT, all_assignments, notebook_definitions, notebook_path
from tools import release, toolbox
from tools.layout import functions, is_answer_cell

VOCAB, HIDDENS, BATCH, STEPS = 11, 9, 3, 6


# ---------------------------------------------------------------------------
# The generated files
# ---------------------------------------------------------------------------
def test_generated_toolboxes_are_up_to_date():
    stale = toolbox.stale(ROOT)
    assert not stale, f"{stale} out of date: run `python -m tools.toolbox` (or `make course`) and commit"


def generated() -> dict[str, str]:
    return {a: toolbox.path(ROOT, a).read_text() for a in all_assignments() if toolbox.path(ROOT, a).is_file()}


def test_later_notebooks_import_a_toolbox():
    assert set(generated()) == {"05_clipping", "06_scratch_training", "07_concise_rnn"}


@pytest.mark.parametrize("assignment", sorted(generated()))
def test_banner_says_generated_and_where_every_function_comes_from(assignment):
    text = generated()[assignment]
    banner = ast.get_docstring(ast.parse(text))
    assert "GENERATED FILE, DO NOT EDIT" in banner and "python -m tools.toolbox" in banner
    order = all_assignments()
    for item in toolbox.contents(ROOT, assignment):
        assert f"{item.name}  " in banner and item.origin in " ".join(banner.split()), item.name
        assert f"{item.comment}\n{item.source.splitlines()[0]}" in text, f"{item.name}: no origin comment above it"
        assert order.index(item.assignment) < order.index(assignment), f"{item.name} is not of an earlier assignment"
    defined = {node.name for node in ast.parse(text).body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert defined == {item.name for item in toolbox.contents(ROOT, assignment)}


@pytest.mark.parametrize("assignment", sorted(generated()))
def test_the_chinese_toolbox_is_the_same_code_in_chinese(assignment):
    """The Chinese release's toolbox.py (05 prints two of its functions): the English one's code, with the
    docstrings and comments of the `# @save` cells' translations, and a Chinese banner; no English prose."""
    from tools import i18n

    english, chinese = generated()[assignment], toolbox.edition_text(ROOT, assignment, "zh")
    assert toolbox.edition_text(ROOT, assignment, "en") == english
    assert i18n.program_differences(english, chinese) == [], "not the same program"
    assert ast.get_docstring(ast.parse(chinese)).startswith(f"{assignment} 所依赖的")
    docstrings = [ast.get_docstring(n) for n in ast.walk(ast.parse(chinese)) if isinstance(n, ast.FunctionDef)]
    assert docstrings and all(i18n.CJK.search(d) for d in docstrings if d), "a docstring left in English"
    assert i18n.untranslated_code(english) and i18n.untranslated_code(chinese) == [], "English comments or text"
    folder = ROOT / "solutions" / assignment
    assert (folder / toolbox.FILENAME).read_text() == english  # solutions/ keeps the English one


@pytest.mark.parametrize("assignment", sorted(generated()))
def test_toolbox_holds_what_the_notebook_imports_and_what_that_calls(assignment):
    items = {item.name: item for item in toolbox.contents(ROOT, assignment)}
    assert set(toolbox.imported(ROOT, assignment)) <= set(items)
    for item in items.values():  # everything it calls is there too, and nothing more than needed
        assert item.uses & toolbox.catalogue(ROOT).keys() <= set(items), item.name
    if assignment == "05_clipping":  # 05 builds on 02's model only: no sampler, no clipping
        assert {item.assignment for item in items.values()} == {"02_recurrence"}


def test_no_graded_function_is_defined_outside_its_answer_cell():
    """The rule that replaces the retyped toolboxes: a graded function is written in its answer cell and
    nowhere else in solutions/ (generated toolbox.py files aside)."""
    graded = {}
    for assignment in all_assignments():
        nb = nbformat.read(notebook_path(ROOT / "solutions", assignment), as_version=4)
        graded |= {name: assignment for name in functions(nb)}
    elsewhere = []
    for assignment in all_assignments():
        nb = nbformat.read(notebook_path(ROOT / "solutions", assignment), as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            own = cell.metadata["nbgrader"]["grade_id"] if is_answer_cell(cell) else None
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in graded and node.name != own:
                    elsewhere.append(f"{assignment}, cell {cell.get('id')}: {node.name} (of {graded[node.name]})")
    for path in sorted((ROOT / "solutions").rglob("*.py")):
        if path.name == toolbox.FILENAME or path.is_symlink():
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in graded:
                elsewhere.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert not elsewhere, f"graded functions retyped outside their answer cells: {elsewhere}"


# ---------------------------------------------------------------------------
# The generator's rules, on a throw-away copy of the notebooks
# ---------------------------------------------------------------------------
@pytest.fixture
def root(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions", symlinks=True)
    return tmp_path


def edit(root, assignment, cell_id, change):
    path = notebook_path(root / "solutions", assignment)
    nb = nbformat.read(path, as_version=4)
    (cell,) = [cell for cell in nb.cells if cell.get("id") == cell_id]
    cell.source = change(cell.source)
    nbformat.write(nb, path)


def test_a_notebook_cannot_import_its_own_or_a_later_answer(root):
    edit(root, "06_scratch_training", "clipping", lambda s: s + "\nfrom toolbox import predict")
    with pytest.raises(toolbox.ToolboxError, match="predict.*saved by 06_scratch_training.*earlier"):
        toolbox.expected(root)
    edit(root, "06_scratch_training", "clipping", lambda s: s.replace("predict", "RNNModel"))
    with pytest.raises(toolbox.ToolboxError, match="no solution notebook saves it"):
        toolbox.expected(root)


def test_a_name_is_saved_once(root):
    edit(
        root,
        "04_perplexity",
        "perplexity",
        lambda s: "# @save\n" + s + "\n\n\ndef grad_clipping(net, theta):\n    pass",
    )
    with pytest.raises(toolbox.ToolboxError, match="grad_clipping is saved twice"):
        toolbox.catalogue(root)


def test_an_edit_of_a_saved_answer_makes_the_toolboxes_stale_until_regenerated(root):
    edit(root, "02_recurrence", "rnn_step", lambda s: s.replace("O_t = H_t @ W_hq + b_q", "O_t = H_t @ W_hq"))
    assert toolbox.stale(root) == ["solutions/05_clipping/toolbox.py", "solutions/06_scratch_training/toolbox.py"]
    assert len(toolbox.write(root, out=lambda *_: None)) == 2 and toolbox.stale(root) == []
    assert "O_t = H_t @ W_hq  # (B, V)\n" in toolbox.path(root, "05_clipping").read_text()


def test_a_release_whose_toolbox_holds_its_own_answers_is_refused(tmp_path):
    """Defence in depth for the rule above: release_problems reads the release's Python files too."""
    folder = tmp_path / "05_clipping"
    shutil.copytree(ROOT / "course" / "05_clipping", folder)
    nb = nbformat.read(notebook_path(ROOT / "solutions", "05_clipping"), as_version=4)
    answer = next(cell.source for cell in nb.cells if cell.get("id") == "grad_clipping")
    with open(folder / toolbox.FILENAME, "a") as f:
        f.write("\n\n" + answer + "\n")
    problems = release.release_problems(ROOT, "05_clipping", folder)
    assert any("toolbox.py holds its own answers (defines grad_clipping" in p for p in problems), problems


# ---------------------------------------------------------------------------
# Deliberate variants compute what the references compute
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ref():
    """The reference answers, from their own answer cells (not from a generated file), and the variants."""
    threads = torch.get_num_threads()
    namespace = {
        "02": notebook_definitions(
            "02_recurrence", ("setup", "init_rnn_params", "init_rnn_state", "rnn_step", "rnn_forward")
        ),
        "04": notebook_definitions("04_perplexity", ("setup", "unigram_perplexity", "bigram_perplexity")),
        "05": notebook_definitions("05_clipping", ("setup", "rnn-states", "rnn_backward", "grad_clipping")),
        "06": notebook_definitions("06_scratch_training", ("setup", "model", "evaluate")),
        "fast": notebook_definitions("going_fast", ("setup", "bptt-step"), folder=ROOT / "extras"),
    }
    torch.set_num_threads(threads)  # the setup cells of 06 and going_fast pin one thread
    return namespace


def random_problem(seed, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    params = [
        torch.randn(VOCAB, HIDDENS, generator=generator, dtype=dtype) * 0.5,
        torch.randn(HIDDENS, HIDDENS, generator=generator, dtype=dtype) * 0.5,
        torch.randn(HIDDENS, generator=generator, dtype=dtype) * 0.5,
        torch.randn(HIDDENS, VOCAB, generator=generator, dtype=dtype) * 0.5,
        torch.randn(VOCAB, generator=generator, dtype=dtype) * 0.5,
    ]
    tokens = torch.randint(0, VOCAB, (STEPS, BATCH), generator=generator)  # (num_steps, batch_size)
    H0 = torch.randn(BATCH, HIDDENS, generator=generator, dtype=dtype)  # (batch_size, num_hiddens)
    d_outputs = torch.randn(STEPS * BATCH, VOCAB, generator=generator, dtype=dtype)  # (T * B, V)
    return params, tokens, H0, d_outputs


def forward_and_gradients(forward, inputs, params, H0, d_outputs):
    """outputs, last state and d(<outputs, d_outputs>)/d(params, H0) by autograd."""
    leaves = [p.clone().requires_grad_(True) for p in [*params, H0]]
    outputs, (H_T,) = forward(inputs, (leaves[-1],), leaves[:-1])
    grads = torch.autograd.grad((outputs * d_outputs).sum(), leaves)
    return outputs.detach(), H_T.detach(), grads


@pytest.mark.parametrize("seed", range(3))
def test_row_lookup_model_equals_rnn_forward(ref, seed):
    """06's rnn_forward_lookup (tokens) and RNNModelScratch against 02's rnn_forward (one-hot inputs):
    the same outputs, last state and gradients for every parameter and the initial state."""
    params, tokens, H0, d_outputs = random_problem(seed)
    one_hot = F.one_hot(tokens, VOCAB).to(params[0].dtype)  # (num_steps, batch_size, vocab_size)
    expected = forward_and_gradients(ref["02"]["rnn_forward"], one_hot, params, H0, d_outputs)
    actual = forward_and_gradients(ref["06"]["rnn_forward_lookup"], tokens, params, H0, d_outputs)
    for name, a, b in zip(["outputs", "H_T"], actual[:2], expected[:2]):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12, msg=name)
    for name, a, b in zip(["W_xh", "W_hh", "b_h", "W_hq", "b_q", "H0"], actual[2], expected[2]):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12, msg=f"d{name}")
    net = ref["06"]["RNNModelScratch"](VOCAB, HIDDENS)
    net.params = [p.float() for p in params]
    assert torch.equal(net.begin_state(BATCH)[0], ref["02"]["init_rnn_state"](BATCH, HIDDENS)[0])
    outputs, _ = net(tokens.T, (H0.float(),))  # the calling convention: X is (batch_size, num_steps)
    torch.testing.assert_close(outputs.double(), expected[0], rtol=1e-5, atol=1e-5)


def test_scratch_model_starts_from_the_reference_parameters(ref):
    torch.manual_seed(3)
    net = ref["06"]["RNNModelScratch"](VOCAB, HIDDENS)
    torch.manual_seed(3)
    for mine, reference in zip(net.params, ref["02"]["init_rnn_params"](VOCAB, HIDDENS)):
        assert torch.equal(mine, reference) and mine.requires_grad


@pytest.mark.parametrize("seed", range(3))
def test_hand_written_bptt_of_going_fast_equals_rnn_backward_of_05(ref, seed):
    """going_fast's bptt_gradients (row lookup, scatter-add) against 05's rnn_backward (one-hot) and autograd."""
    params, tokens, H0, d_outputs = random_problem(seed)
    one_hot = F.one_hot(tokens, VOCAB).to(params[0].dtype)
    hidden_states = ref["05"]["rnn_states"](one_hot, (H0,), params)  # (T + 1, B, H)
    expected, _ = ref["05"]["rnn_backward"](one_hot, (H0,), params, d_outputs)
    actual = ref["fast"]["bptt_gradients"](tokens, hidden_states, params, d_outputs.clone())
    autograd = forward_and_gradients(ref["02"]["rnn_forward"], one_hot, params, H0, d_outputs)[2]
    for name, a, b, c in zip(["W_xh", "W_hh", "b_h", "W_hq", "b_q"], actual, expected, autograd):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10, msg=f"d{name} against rnn_backward")
        torch.testing.assert_close(a, c, rtol=1e-10, atol=1e-10, msg=f"d{name} against autograd")


def test_rnn_states_of_05_are_the_states_of_the_recurrence(ref):
    params, tokens, H0, _ = random_problem(7)
    one_hot = F.one_hot(tokens, VOCAB).to(params[0].dtype)
    hidden_states = ref["05"]["rnn_states"](one_hot, (H0,), params)
    H = H0
    assert torch.equal(hidden_states[0], H0)
    for t, X_t in enumerate(one_hot):
        _, H = ref["02"]["rnn_step"](X_t, H, params)
        torch.testing.assert_close(hidden_states[t + 1], H, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("theta", [0.05, 1.0, 1e6])
def test_grad_clipping_equals_clip_grad_norm(ref, theta):
    """05's reference grad_clipping, which 06 and 07 now import, against the clip_grad_norm_ wrapper they
    used before: the same norm and the same gradients, for a module, a .params object and a list."""
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 3))
    module(torch.randn(8, 5)).pow(2).sum().backward()
    module[2].bias.grad = None  # parameters without a gradient are skipped
    grads = [p.grad.clone() if p.grad is not None else None for p in module.parameters()]

    def reset():
        for p, g in zip(module.parameters(), grads):
            p.grad = None if g is None else g.clone()

    with_grad = [p for p in module.parameters() if p.grad is not None]
    expected_norm = float(torch.nn.utils.clip_grad_norm_(with_grad, theta))
    expected = [p.grad.clone() for p in with_grad]

    class WithParams:
        params = list(module.parameters())

    for net in (module, WithParams(), list(module.parameters())):
        reset()
        norm = ref["05"]["grad_clipping"](net, theta)
        assert norm == pytest.approx(expected_norm, rel=1e-6)
        for p, g in zip(with_grad, expected):
            torch.testing.assert_close(p.grad, g, rtol=1e-5, atol=1e-7)
        assert module[2].bias.grad is None


@pytest.mark.parametrize("seed", range(3))
def test_ngram_perplexity_of_06_equals_the_answers_of_04(ref, seed):
    generator = torch.Generator().manual_seed(seed)
    train = torch.randint(0, VOCAB, (400,), generator=generator).tolist()
    test = torch.randint(0, VOCAB, (90,), generator=generator).tolist()
    ngram = ref["06"]["ngram_perplexity"]
    assert ngram(train, test, VOCAB, 1) == pytest.approx(ref["04"]["unigram_perplexity"](train, test, VOCAB))
    assert ngram(train, test, VOCAB, 2) == pytest.approx(ref["04"]["bigram_perplexity"](train, test, VOCAB))


# ---------------------------------------------------------------------------
# Grading never trusts a submission's toolbox.py
# ---------------------------------------------------------------------------
HOSTILE = """

import helpers as _helpers

for _name in dir(_helpers):  # every check of the test cells, switched off through its code object
    if _name.startswith("check"):
        getattr(_helpers, _name).__code__ = (lambda *args, **kwargs: None).__code__
"""


@pytest.mark.grading
def test_a_submitted_toolbox_is_replaced_by_the_courses(tmp_path):
    """A student of 05 with two classic mistakes hands in a toolbox.py that switches every check off when
    the notebook imports it: graded with the course's copy, the mistakes lose exactly their cells, and the
    edited file is reported."""
    from tests.grading import cases, nbgrader_run
    from tools import grade

    assignment, student = "05_clipping", "wrong_no_tanh_per_param"
    root = nbgrader_run.copy_course(tmp_path / "course")
    shutil.copytree(ROOT / "course" / assignment, root / "course" / assignment)
    case = next(s for s in cases.students(assignment) if s.student_id == student)
    answers = nbgrader_run.reference_answers(root, assignment) | {c: i.source for c, i in case.answers.items()}
    folder = nbgrader_run.submit(root, student, assignment, answers)
    with open(folder / toolbox.FILENAME, "a") as f:
        f.write(HOSTILE)
    course = grade.Course(root)
    grade.autograde(course, [assignment], [student], workers=1, quiet=True)
    scores = nbgrader_run.cell_scores(root, assignment, student)
    lost = {cell for cell, (score, _) in scores.items() if score == 0}
    assert lost == set(case.expected_lost), f"graded with the submitted toolbox.py? lost {lost}"
    anomalies = [(a.kind, a.detail) for a in grade.Anomalies.load(course.anomalies_file) if a.student == student]
    assert any(kind == "edited-files" and toolbox.FILENAME in detail for kind, detail in anomalies), anomalies


def test_the_chinese_releases_toolbox_is_no_edited_file(tmp_path):
    """A Chinese student hands in the folder as released: its toolbox.py is the course's (the Chinese one), not
    an edit; one changed by a byte still is (grading uses the course's copy either way)."""
    from types import SimpleNamespace

    from tools import checks

    course = SimpleNamespace(root=ROOT, solutions=ROOT / "solutions", submitted=tmp_path)
    folder = tmp_path / "student" / "05_clipping"
    folder.mkdir(parents=True)
    chinese = toolbox.edition_text(ROOT, "05_clipping", "zh")
    (folder / toolbox.FILENAME).write_text(chinese)
    assert checks.course_files(checks.Submission(course, "student", "05_clipping")) is None
    (folder / toolbox.FILENAME).write_text(chinese + "# edited\n")
    assert checks.course_files(checks.Submission(course, "student", "05_clipping")).kind == "edited-files"
