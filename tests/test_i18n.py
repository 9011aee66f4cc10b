"""One source, two editions (tools/i18n.py): the Chinese beside the English in solutions/, never stale, in
the glossary's terms, and a Chinese release that differs from the English one in its prose only."""

from __future__ import annotations

import ast
import copy
import gettext
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import torch

import helpers
from tests.test_feedback_messages import notebook_process, run_cell  # noqa: F401 (a fixture)
from tools import i18n, release
from tools.layout import ROOT, Course, is_answer_cell, is_test_cell

COURSE = Course(ROOT)
TRANSLATED = i18n.TRANSLATED["zh"]
#: The assignments whose two editions nbgrader generates here (two runs of 5-10 s each per assignment). What
#: nbgrader adds to the Edition preprocessor is the same for every assignment, so the first one stands for the
#: others, which test_every_chinese_edition_differs_in_its_prose_only checks in-process.
RELEASED = TRANSLATED[:1]
PO = i18n.LOCALE / "zh" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
TESTS_PO = i18n.LOCALE / "zh" / "LC_MESSAGES" / f"{i18n.TESTS_DOMAIN}.po"


def source(assignment: str):
    return nbformat.read(COURSE.source_notebook(assignment), as_version=4)


# ---------------------------------------------------------------------------
# The format: an English edit makes its translation stale
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_translations_are_current(assignment):
    found = i18n.status(source(assignment), "zh")
    assert not found["stale"], (
        f"{assignment}: the English of markdown cell(s) {', '.join(found['stale'])} changed since it was "
        f"translated: `python -m tools.i18n extract -a {assignment} -o {assignment}.md`, update the Chinese "
        "(or mark it `zh: confirmed`), then `python -m tools.i18n apply`"
    )
    if assignment in TRANSLATED:
        assert not found["missing"], f"{assignment}: markdown cell(s) {', '.join(found['missing'])} lack Chinese"
    assert not found["code"]["stale"], f"{assignment}: the English of code cell(s) {found['code']['stale']} changed"
    if assignment in TRANSLATED:
        assert not found["code"]["missing"], f"{assignment}: code cell(s) {found['code']['missing']} lack Chinese"


def test_an_english_edit_makes_the_translation_stale():
    nb = source(TRANSLATED[0])
    cell = next(c for c in nb.cells if c.get("id") == "why-md")
    cell.source = cell.source.replace("An index is a *name*", "An index is a *label*")
    assert i18n.status(nb, "zh")["stale"] == ["why-md"]
    with pytest.raises(i18n.I18nError, match=r"why-md \(stale\)"):
        i18n.translate(copy.deepcopy(nb), "zh")
    del cell.metadata["i18n"]
    with pytest.raises(i18n.I18nError, match=r"why-md \(missing\)"):
        i18n.translate(nb, "zh")


def test_one_file_edits_both_languages(tmp_path):
    """extract -> apply round-trips; an English edit alone leaves the cell stale, a Chinese edit beside it
    (or `zh: confirmed`) makes it current again."""
    notebook = tmp_path / "nb.ipynb"
    shutil.copy(COURSE.source_notebook(TRANSLATED[0]), notebook)
    original = notebook.read_bytes()
    text = i18n.extract(notebook)
    assert i18n.apply(notebook, text) == {"changed": [], "stale": []}
    assert notebook.read_bytes() == original, "extract then apply must leave the notebook byte for byte"

    edited = text.replace("An index is a *name*, not a *quantity*.", "An index is a *name*: not a *quantity*.")
    assert edited != text
    assert i18n.apply(notebook, edited) == {"changed": ["why-md"], "stale": ["why-md"]}
    stale = i18n.extract(notebook)
    assert "<!-- cell why-md zh: stale -->" in stale
    assert i18n.apply(notebook, stale.replace("索引只是一个*名字*", "索引只是一个*名称*"))["stale"] == []
    why = next(cell for cell in nbformat.read(notebook, 4).cells if cell.id == "why-md")
    assert i18n.translation(why, "zh")["source"].startswith("## 2.")

    shutil.copy(COURSE.source_notebook(TRANSLATED[0]), notebook)
    i18n.apply(notebook, edited)
    confirmed = i18n.extract(notebook).replace("<!-- cell why-md zh: stale -->", "<!-- cell why-md zh: confirmed -->")
    assert i18n.apply(notebook, confirmed)["stale"] == []
    with pytest.raises(i18n.I18nError, match="no markdown cell nope"):
        i18n.apply(notebook, "<!-- cell nope zh -->\n中文\n")


def test_status_shows_what_changed_in_the_english(tmp_path):
    """For a stale cell, the English its translation was made from comes from git's history: the diff says
    what to update in the Chinese."""
    notebook = tmp_path / "nb.ipynb"
    shutil.copy(COURSE.source_notebook(TRANSLATED[0]), notebook)

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True)

    git("init", "-q")
    git("add", "nb.ipynb")
    git("commit", "-q", "-m", "translated")
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells if c.get("id") == "why-md")
    assert i18n.english_diff(notebook, cell, root=tmp_path) == ""
    cell.source = cell.source.replace("justifies that.", "justifies that order.")
    nbformat.write(nb, notebook)
    git("commit", "-q", "-am", "an English edit")
    diff = i18n.english_diff(notebook, cell, root=tmp_path)
    assert (
        "-and that the letters with neighbouring indices are similar. Nothing about language justifies that.\n" in diff
    )
    assert (
        "+and that the letters with neighbouring indices are similar. Nothing about language justifies that order."
        in diff
    )
    # a translation of an English that no commit holds: said so
    cell.metadata["i18n"]["zh"]["en_sha1"] = i18n.sha1("never committed")
    assert "in no commit" in i18n.english_diff(notebook, cell, root=tmp_path)


# ---------------------------------------------------------------------------
# Code cells: the same program, with Chinese comments, docstrings, printed sentences and figure labels
# ---------------------------------------------------------------------------
def code_cell(nb, cell_id):
    return next(cell for cell in nb.cells if cell.get("id") == cell_id)


def test_a_code_translation_is_swapped_in_and_goes_stale():
    nb = source(TRANSLATED[0])
    cell = code_cell(nb, "one_hot")
    chinese = cell.source.replace("One-hot encode integer class indices", "把整数类别索引编码为独热向量")
    i18n.set_translation(cell, "zh", chinese)
    assert code_cell(i18n.translate(copy.deepcopy(nb), "zh") or nb, "one_hot").source == cell.source  # in place
    translated = copy.deepcopy(nb)
    i18n.translate(translated, "zh")
    assert code_cell(translated, "one_hot").source == chinese
    cell.source = cell.source.replace("values in [0, num_classes)", "values in [0, V)")
    assert i18n.status(nb, "zh")["code"]["stale"] == ["one_hot"]
    with pytest.raises(i18n.I18nError, match=r"one_hot \(stale\)"):
        i18n.translate(copy.deepcopy(nb), "zh")


@pytest.mark.parametrize(
    ("cell_id", "english", "chinese", "same"),
    [
        ("one_hot", "One-hot encode integer class indices", "把整数类别索引编码为独热向量", True),  # docstring
        ("one_hot", "# (*S, V): 1.0 at index", "# (*S, V)：最后一个轴上", True),  # comment
        ("read-text", "characters. The opening lines:", "个字符。开头几行：", True),  # print
        ("freq-figure", 'ylabel="count"', 'ylabel="次数"', True),  # figure label
        ("zipf", 'label="words"', 'label="单词"', True),
        ("read-text", 'f"{len(text):,} characters', 'f"共 {len(text):,} 个字符', True),  # an f-string's new part
        ("freq-figure", "ylabel=", "xlabel=", False),  # a keyword
        (
            "cost-demo",
            "batch {megabytes:7.2f} MB, one-hot @ W {matmul_ms:6.2f}",
            "@ W {matmul_ms:6.2f} MB, {megabytes:7.2f}",
            False,
        ),
        ("one_hot", "1.0)  # (*S, V): 1.0", "2.0)  # (*S, V): 1.0", False),  # code
        ("read-text", "{len(text):,}", "{len(text):_}", False),  # an f-string's format
        ("indices", 'vocab["é"], "->"', 'vocab["e"], "->"', False),  # data inside print()
        ("batch-figure", '"<unk>": "∅"', '"<unk>": "未知"', False),  # data
        ("one_hot", "    ### BEGIN SOLUTION\n", "", False),  # nbgrader's mark
    ],
)
def test_a_code_translation_must_be_the_same_program(cell_id, english, chinese, same):
    nb = source(TRANSLATED[0])
    cell = code_cell(nb, cell_id)
    assert english in cell.source, "the edit below must change the cell"
    i18n.set_translation(cell, "zh", cell.source.replace(english, chinese, 1))
    assert (i18n.program_differences(cell.source, i18n.translation(cell, "zh")["source"]) == []) == same
    if not same:
        with pytest.raises(i18n.I18nError, match=rf"{cell_id} \((its code|nbgrader)"):
            i18n.translate(nb, "zh")


def test_the_untranslated_code_check_finds_english():
    chinese = (
        'def f(X):\n    """把 X 转置。\n\n    X: 形状为 (batch_size, num_steps) 的张量。"""\n'
        "    return X.T  # (num_steps, batch_size)\n"
        'print("X:", X.shape, f"共 {n:,} 个词元")\nax.set(xlabel="时间步 t", title=f"inputs[:, {b}, :]")\n'
    )
    assert i18n.untranslated_code(chinese) == []
    for english, text, found in [
        ('"""把 X 转置。', '"""Transpose X.', "Transpose X."),  # a line of a docstring
        ("# (num_steps, batch_size)", "# (num_steps, batch_size): time first", "(num_steps, batch_size): time first"),
        ('f"共 {n:,} 个词元"', 'f"{n:,} tokens in all"', "{} tokens in all"),
        ('xlabel="时间步 t"', 'xlabel="time step t"', "time step t"),
    ]:
        assert i18n.untranslated_code(chinese.replace(english, text)) == [found], text


@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_the_code_translations_leave_no_english(assignment):
    """Every translated code cell: Chinese comments, docstrings, printed sentences and labels, the same program
    (a test cell's: Chinese visible comments, the same program but for comments)."""
    for cell in i18n.translatable(source(assignment)):
        found = i18n.translation(cell, "zh")
        if cell.cell_type == "code" and found:
            test = is_test_cell(cell)
            assert i18n.untranslated_code(found["source"], test) == [], f"{assignment}:{cell.id}"
            assert i18n.program_differences(cell.source, found["source"], test) == [], f"{assignment}:{cell.id}"


def missing_glyphs(draw) -> list[str]:
    """matplotlib's "Glyph ... missing from font(s)" warnings while draw() makes figures and they are drawn."""
    import warnings

    import matplotlib.pyplot as plt

    plt.close("all")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
        for number in plt.get_fignums():
            plt.figure(number).canvas.draw()
    plt.close("all")
    return [str(warning.message) for warning in caught if "missing from font" in str(warning.message)]


def test_the_chinese_figures_draw_every_glyph(monkeypatch):
    """Every character of the Chinese texts of the code translations' figures (labels, titles, legends; a
    formula's $ dropped), drawn in one figure, and 01's token-frequency figure run as the Chinese release has
    it, draw without a missing glyph with helpers' CJK font; with matplotlib's default font alone they would not."""
    import os

    import matplotlib
    import matplotlib.pyplot as plt

    if helpers.use_cjk_font() is None:
        message = "no CJK font installed: run `make fonts` (root; Debian's fonts-noto-cjk)"
        if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
            pytest.fail(f"{message} [CI=true: the Chinese figures must be tested]", pytrace=False)
        pytest.skip(message)
    texts = sorted(
        {
            node.value.replace("$", "")
            for assignment in TRANSLATED
            for cell in source(assignment).cells
            if cell.cell_type == "code" and i18n.translation(cell, "zh")
            for node in i18n.prose_strings(ast.parse(i18n.translation(cell, "zh")["source"]))
            if i18n.CJK.search(node.value) and '"""' not in node.value
        }
    )
    assert len(texts) > 50, "the check below can fail"
    # matplotlib's mathtext draws the words around a $formula$ in its own font, which has no CJK glyph
    mixed = sorted(
        f"{assignment}: {node.value}"
        for assignment in TRANSLATED
        for cell in source(assignment).cells
        if cell.cell_type == "code" and i18n.translation(cell, "zh")
        for node in i18n.prose_strings(ast.parse(i18n.translation(cell, "zh")["source"]))
        if i18n.CJK.search(node.value) and node.value.count("$") >= 2 and '"""' not in node.value
    )
    assert not mixed, "Chinese beside a $formula$ in one figure text draws as boxes; write it as plain text:\n" + (
        "\n".join(mixed)
    )

    characters = sorted(set("".join(texts)) - set("\n"))  # a glyph is missing or not: each drawn once

    def draw_texts():
        plt.figure().text(0, 0, "\n".join("".join(characters[i : i + 50]) for i in range(0, len(characters), 50)))

    nb = source(TRANSLATED[0])
    i18n.translate(nb, "zh")
    cells = [code_cell(nb, cell_id).source for cell_id in ("setup", "read-text", "vocab", "freq-figure")]
    assert "次数" in cells[-1]

    def run_figure_cell():
        namespace = {}
        for cell in cells:
            exec(compile(cell, "zh", "exec"), namespace)

    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    assert missing_glyphs(draw_texts) == []
    assert missing_glyphs(run_figure_cell) == []
    monkeypatch.setitem(matplotlib.rcParams, "font.family", ["DejaVu Sans"])
    assert missing_glyphs(draw_texts), "without a CJK font the check must fail"


# ---------------------------------------------------------------------------
# The ✓ lines of the test cells: helpers.passed, translated at run time like the checks' texts
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("assignment", COURSE.assignments())
def test_the_test_cells_print_their_success_through_passed(assignment):
    """A print("✓ ...") of a test cell would stay English in the Chinese edition: passed(...) translates it."""
    from tools.layout import is_test_cell

    printed = [
        f"{cell.id}:{node.lineno}"
        for cell in source(assignment).cells
        if is_test_cell(cell)
        for node in ast.walk(ast.parse(cell.source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print" and "✓" in ast.unparse(node)
    ]
    assert printed == []
    assert any(text.startswith("one_hot returns") for text in i18n.test_texts(source(TRANSLATED[0])))


def test_the_success_lines_speak_chinese(tmp_path, capsys):
    """01's setup, answer and first test cell run in this process with the Chinese catalogues: its ✓ line is
    Chinese (a template's value too); without them, the English of before."""
    nb = source(TRANSLATED[0])
    cells = [code_cell(nb, cell_id) for cell_id in ("setup", "mistakes", "one_hot", "test_one_hot_shape")]
    i18n.compile_po(TESTS_PO, tmp_path / "zh" / "LC_MESSAGES" / f"{i18n.TESTS_DOMAIN}.mo")
    i18n.compile_po(PO, tmp_path / "zh" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo")
    namespace = {}
    try:
        assert helpers.set_language("zh", tmp_path) == "zh"
        for cell in cells:
            exec(compile(cell.source, cell.id, "exec"), namespace)
        helpers.passed(f"a short training run learns (perplexity {3.14159:.2f})")
        assert capsys.readouterr().out == "✓ one_hot 返回的形状正确\n✓ 短时间的训练已经学到了东西（困惑度 3.14）\n"
    finally:
        assert helpers.set_language("en") == "en"
    exec(compile(cells[-1].source, cells[-1].id, "exec"), namespace)
    assert capsys.readouterr().out == "✓ one_hot returns the right shapes\n"


# ---------------------------------------------------------------------------
# The glossary
# ---------------------------------------------------------------------------
def chinese_texts():
    """(where, English, Chinese) of every Chinese text of the course."""
    for assignment in COURSE.assignments():
        for cell in i18n.translatable(source(assignment)):
            found = i18n.translation(cell, "zh")
            if found and cell.cell_type == "code":  # what a student reads of it: comments, docstrings, labels
                texts = i18n.test_comments if is_test_cell(cell) else i18n.code_texts  # a test cell's: comments
                english, chinese = ("\n".join(texts(text)) for text in (cell.source, found["source"]))
                yield f"code:{assignment}:{cell.id}", english, chinese
            elif found:
                yield f"{assignment}:{cell.id}", cell.source, found["source"]
    for po in (PO, TESTS_PO):
        for msgid, msgstr in i18n.read_po(po.read_text(encoding="utf-8")).items():
            if msgid:
                yield f"{po.name}:{msgid[:40]!r}", msgid, msgstr
    yield "release.STUDENT_README_ZH", release.STUDENT_README, release.STUDENT_README_ZH


def test_no_chinese_text_leaves_english_prose():
    """The messages and READMEs too: names and code may stay English, sentences may not."""
    placeholders = re.compile(r"\{\w+\}")  # a message's {name}: filled in by the code
    english = {
        where: (i18n.english_in_message if where.startswith(("tests.po", "code:")) else i18n.english_prose)(
            placeholders.sub(" ", zh)
        )
        for where, _, zh in chinese_texts()
    }
    assert {where: found for where, found in english.items() if found} == {}


def test_the_words_of_formulas_are_chinese():
    """d2l-zh writes the words inside a formula's \\text{...} in Chinese; a name of the code may stay."""
    english = {where: i18n.english_in_formulas(zh) for where, _, zh in chinese_texts()}
    assert {where: found for where, found in english.items() if found} == {}


def test_the_formula_check_finds_english_words():
    assert i18n.english_in_formulas("也就是 $1 / P(\\text{correct token})$ 的几何平均数。") == ["correct token"]
    assert i18n.english_in_formulas("$$\n\\qquad\\text{so}\\qquad\n$$") == ["so"]
    assert i18n.english_in_formulas("$1 / P(\\text{正确词元})$，$V^{\\,n} \\text{ 个数。}$") == []
    assert i18n.english_in_formulas("`train = [0, 1]`（$N_\\text{train} = 2$）") == []  # the code's name
    assert i18n.english_in_formulas("`x = [0, 1]`（$N_\\text{train} = 2$）") == ["train"]


def test_the_glossary_has_d2l_zh_terms():
    terms = {t["en"][0]: t for t in i18n.read_glossary()}
    expected = {
        "one-hot encoding": "独热编码",
        "hidden state": "隐状态",
        "perplexity": "困惑度",
        "gradient clipping": "梯度裁剪",
        "backpropagation through time": "通过时间反向传播",
        "sequential partitioning": "顺序分区",
        "random sampling": "随机抽样",
        "vocabulary": "词表",
        "token": "词元",
        "minibatch": "小批量",
        "temperature": "温度",
    }
    assert {en: terms[en]["zh"][0] for en in expected} == expected
    assert all(t["not"] for t in terms.values()), "every term names the renderings not to use"


def test_every_chinese_text_uses_the_glossary_terms():
    problems = [
        f"{where}: {p}" for where, en, zh in chinese_texts() for p in i18n.term_problems(en, zh, i18n.read_glossary())
    ]
    assert not problems, "docs/glossary-zh.md's terms:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("english", "chinese", "found"),
    [
        ("The hidden state H_t.", "隐藏状态 H_t。", ["'hidden state' is 隐状态", "隐藏状态 (write 隐状态)"]),
        (
            "A one-hot vector.",
            "一个热编码向量。",
            ["'one-hot encoding' is 独热编码 or 独热", "热编码 (write 独热编码)"],
        ),
        ("One-hot encoding.", "独热编码。", []),  # 热编码 inside 独热编码 is no mistake
        ("The `temperature` argument.", "参数 `temperature`。", []),  # code is not prose
        ("Tokens of a vocabulary.", "词表中的令牌。", ["'token' is 词元", "令牌 (write 词元)"]),
    ],
)
def test_the_glossary_check_finds_wrong_terms(english, chinese, found):
    problems = i18n.term_problems(english, chinese, i18n.read_glossary())
    assert [p for p in problems if not any(p.startswith(f) for f in found)] == []
    assert all(any(p.startswith(f) for p in problems) for f in found), problems


# ---------------------------------------------------------------------------
# The Chinese release
# ---------------------------------------------------------------------------
def english_in_markdown(nb) -> dict[str, list[str]]:
    """cell id -> the English prose a student would read in it, for the markdown cells that have some."""
    found = {cell.id: i18n.english_prose(cell.source) for cell in nb.cells if cell.cell_type == "markdown"}
    return {cell_id: english for cell_id, english in found.items() if english}


@pytest.mark.parametrize("assignment", TRANSLATED)
def test_every_chinese_edition_differs_in_its_prose_only(assignment):
    """Every translated assignment, without nbgrader (cheap): the Edition preprocessor, the first step of the
    Chinese release, leaves the code cells and every metadata but `i18n` as they are, and replaces the source
    of every markdown cell by Chinese prose (test_the_editions_differ_in_their_prose_only: the whole release)."""
    english = source(assignment)
    chinese, _ = i18n.Edition(language="zh").preprocess(copy.deepcopy(english), {})
    assert [c.id for c in chinese.cells] == [c.id for c in english.cells]
    for en, zh in zip(english.cells, chinese.cells):
        en_metadata = {k: v for k, v in en.metadata.items() if k != "i18n"}
        assert (zh.cell_type, zh.metadata) == (en.cell_type, en_metadata), en.id
        if en.cell_type == "code":
            test = is_test_cell(en)
            assert i18n.program_differences(en.source, zh.source, test) == [], f"code cell {en.id}"
            assert i18n.untranslated_code(zh.source, test) == [] or zh.source == en.source, f"code cell {en.id}"
        else:
            assert zh.source != en.source, f"markdown cell {en.id} is not translated"
    assert english_in_markdown(english), "the English edition has English prose: the check below can fail"
    assert english_in_markdown(chinese) == {}, "English a student must read in the Chinese edition"
    assert chinese.metadata["rnn_course"]["language"] == "zh"


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """The English and the Chinese release of RELEASED, generated by nbgrader now."""
    tmp = tmp_path_factory.mktemp("editions")
    return {
        language: {
            a: release.generate(ROOT, a, tmp / language, f"sqlite:///{tmp / language}.db", language) for a in RELEASED
        }
        for language in i18n.LANGUAGES
    }


def release_notebook(editions, language, assignment):
    return nbformat.read(editions[language][assignment] / f"{assignment}.ipynb", as_version=4)


@pytest.mark.parametrize("assignment", RELEASED)
def test_the_chinese_release_has_no_english_prose(editions, assignment):
    nb = release_notebook(editions, "zh", assignment)
    assert any(cell.cell_type == "markdown" for cell in nb.cells), "no markdown cells"
    assert english_in_markdown(nb) == {}, "English a student must read in the Chinese release"
    assert nb.metadata["rnn_course"]["language"] == "zh"


@pytest.mark.parametrize("assignment", RELEASED)
def test_the_chinese_release_tells_nothing_of_the_hidden_tests(editions, assignment):
    """Its tests.mo holds the Chinese of its visible tests' texts only: no text of a hidden test (which would
    tell what it checks) and none of another assignment."""
    with open(editions["zh"][assignment] / "locale" / "zh" / "LC_MESSAGES" / f"{i18n.TESTS_DOMAIN}.mo", "rb") as mo:
        shipped = set(gettext.GNUTranslations(mo)._catalog) - {""}
    visible = set(i18n.test_texts(source(assignment), hidden=False))
    hidden = set(i18n.test_texts(source(assignment))) - visible
    assert hidden and len(shipped) > 20, "the check below can fail"
    assert shipped == visible


def without_checksum(metadata):
    """A cell's metadata but the checksum nbgrader computes from its source (which the languages change)."""
    return {**metadata, "nbgrader": {k: v for k, v in metadata.get("nbgrader", {}).items() if k != "checksum"}}


@pytest.mark.parametrize("assignment", RELEASED)
def test_the_editions_differ_in_their_prose_only(editions, assignment):
    en, zh = (release_notebook(editions, language, assignment) for language in i18n.LANGUAGES)
    assert [c.id for c in en.cells] == [c.id for c in zh.cells]
    for a, b in zip(en.cells, zh.cells):
        assert a.cell_type == b.cell_type, a.id
        if a.cell_type == "code":
            assert i18n.program_differences(a.source, b.source) == [], f"code cell {a.id}"
            assert (a.outputs, without_checksum(a.metadata)) == (b.outputs, without_checksum(b.metadata)), a.id
        else:
            assert a.source != b.source, f"markdown cell {a.id} is not translated"
            assert without_checksum(a.metadata) == without_checksum(b.metadata), a.id
    assert "i18n" not in json.dumps(en.metadata) + "".join(json.dumps(c.metadata) for c in en.cells + zh.cells)
    answers = [(a.source, b.source) for a, b in zip(en.cells, zh.cells) if a.cell_type == "code" and is_answer_cell(a)]
    assert answers and all("# YOUR CODE HERE\n" in a and "# 在此写下你的代码\n" in b for a, b in answers), answers
    assert not any("YOUR CODE HERE" in b for _, b in answers), "nbgrader's stub is Chinese in the Chinese release"
    en_files = set(release.files(editions["en"][assignment]))
    zh_files = set(release.files(editions["zh"][assignment]))
    catalogues = {f"locale/zh/LC_MESSAGES/{domain}.mo" for domain in (i18n.DOMAIN, i18n.TESTS_DOMAIN)}
    assert zh_files - en_files == {"locale/LANGUAGE", *catalogues}
    assert en_files <= zh_files


def test_feedback_is_written_in_the_notebook_language():
    """tools/feedback.py's summary in the edition a notebook was released in (its metadata, set by
    tools/i18n.py), English by default and byte for byte the English text then."""
    from nbgrader.utils import compute_checksum

    from tools import feedback

    def graded(language=None):
        stub = nbformat.v4.new_code_cell("def f(x):\n    raise NotImplementedError()")
        stub.metadata["nbgrader"] = {"grade": False, "solution": True, "grade_id": "f"}
        stub.metadata["nbgrader"]["checksum"] = compute_checksum(stub)
        test = nbformat.v4.new_code_cell("check(f(1))")
        meta = {"grade": True, "solution": False, "grade_id": "test_f_shape", "score": 0, "points": 2}
        test.metadata["nbgrader"] = meta
        nb = nbformat.v4.new_notebook(cells=[stub, test])
        if language:
            nb.metadata["rnn_course"] = {"language": language}
        nb, _ = feedback.TeachingFeedback().preprocess(nb, {})
        return nb.cells[0].source, nb.cells[2].outputs[0].data["text/plain"]

    summary, quiet = graded("zh")
    assert summary.startswith("## 你的反馈：逐个测试") and "尚未作答" in summary and "exercise" not in summary
    assert quiet == "尚未作答：f 仍然抛出 NotImplementedError，所以这个测试无法通过。"
    assert graded() == graded("en")
    assert graded()[0].startswith("## Your feedback, test by test") and "not attempted" in graded()[0]

    def failed(language=None):  # an answer whose test failed a check: the check's name too is the page's
        answer = nbformat.v4.new_code_cell("def f(x):\n    return 3")
        answer.metadata["nbgrader"] = {"grade": False, "solution": True, "grade_id": "f", "checksum": "0"}
        test = nbformat.v4.new_code_cell("check(f(1))")
        test.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_f", "score": 0, "points": 1}
        said = "f(1)：形状应为 (2,)，实际为 (3,)。" if language else "f(1): expected shape (2,), got (3,)."
        test.outputs = [nbformat.v4.new_output("error", ename="CheckFailed", evalue=said, traceback=["x"])]
        nb = nbformat.v4.new_notebook(cells=[answer, test])
        if language:
            nb.metadata["rnn_course"] = {"language": language}
        nb, _ = feedback.TeachingFeedback().preprocess(nb, {})
        return nb.cells[0].source, nb.cells[2].outputs[0].traceback

    summary, shown = failed("zh")
    assert shown == ["检查未通过：f(1)：形状应为 (2,)，实际为 (3,)。"] and "CheckFailed" not in summary, summary
    assert "检查未通过：f(1)" in summary
    assert failed()[1] == ["CheckFailed: f(1): expected shape (2,), got (3,)."]


def test_the_chinese_zip_has_a_chinese_readme():
    english, chinese = (
        text.format(assignment="01_one_hot") for text in (release.STUDENT_README, release.STUDENT_README_ZH)
    )
    assert i18n.english_prose(english) and not i18n.english_prose(chinese)
    commands = [line.strip() for line in english.splitlines() if line.startswith("    ")]
    assert commands and all(command in chinese for command in commands), "the same commands in both"


def test_the_english_detector_finds_an_untranslated_text():
    assert i18n.english_in_message("rnn_forward(inputs, state, params) 之后的 state[0]，batch_size=3") == []
    assert i18n.english_in_message("the final state of rnn_forward(inputs, state)") == ["the final state of"]
    assert i18n.english_in_message("Y (T, B, D * H) 展平为 (T * B, D * H)，而不是 (D * L, B, H)") == []  # shapes
    assert i18n.english_in_message("the inputs (T, B) are read as (B, T)") == ["the inputs are read as"]
    assert i18n.english_prose("Run the cells in order and read the hints.")
    assert i18n.english_prose("## 小结\n\nThe time axis comes first, always.")
    assert not i18n.english_prose(
        "齐普夫定律（Zipf's law）：`one_hot(indices, num_classes)` 与 $\\text{so far so good}$。"
    )


# ---------------------------------------------------------------------------
# Messages of Python code: gettext
# ---------------------------------------------------------------------------
#: The Python files whose messages students read: each wraps them in `_()` (or `self._()`).
TRANSLATED_CODE = ("helpers.py", "tools/feedback.py", "tools/term.py", "hub/student/nbgrader_config.py")


def messages_of_module(path) -> dict[str, str]:
    """The string constants of a module: {name: text}."""
    return {
        target.id: node.value.value
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def messages_of(path) -> set[str]:
    """The texts of `_("...")` and `self._("...")` calls in a Python file, also of `_(NAME)` where NAME is one
    of its module's string constants: what a student reads from it."""
    tree = ast.parse(path.read_text())
    constants = messages_of_module(path)
    for node in tree.body:  # and the string constants it imports from the course's tools (tools/sandbox.py's note)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tools."):
            imported = messages_of_module(ROOT / f"{node.module.replace('.', '/')}.py")
            names = [alias for alias in node.names if alias.name in imported]
            constants |= {alias.asname or alias.name: imported[alias.name] for alias in names}
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and n.args]
    named = [c for c in calls if getattr(c.func, "id", None) == "_" or getattr(c.func, "attr", None) == "_"]
    texts = {c.args[0].value for c in named if isinstance(c.args[0], ast.Constant)}
    return texts | {constants[c.args[0].id] for c in named if getattr(c.args[0], "id", None) in constants}


def test_every_message_is_translated():
    catalogue = i18n.read_po(PO.read_text(encoding="utf-8"))
    catalogue.pop("")
    found = {name: messages_of(ROOT / name) for name in TRANSLATED_CODE}
    assert len(found["helpers.py"]) >= 30 and len(found["tools/feedback.py"]) >= 15
    messages = set().union(*found.values())
    assert sorted(messages - set(catalogue)) == [], f"messages missing from {PO.relative_to(ROOT)}"
    assert sorted(set(catalogue) - messages) == [], f"{PO.relative_to(ROOT)} has messages nothing prints any more"
    placeholders = re.compile(r"\{(\w+)\}")
    wrong = [m for m in messages if set(placeholders.findall(m)) != set(placeholders.findall(catalogue[m]))]
    assert wrong == [], "translations must keep every {placeholder}"


@pytest.fixture
def chinese(tmp_path):
    i18n.compile_po(PO, tmp_path / "zh" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo")
    assert helpers.set_language("zh", tmp_path) == "zh"
    yield
    assert helpers.set_language("en") == "en"


def test_the_checks_speak_chinese(chinese):
    with pytest.raises(helpers.CheckFailed) as failed:
        helpers.check_shape(torch.zeros(5, 3), (3, 5), "one_hot(X, 5)", hint="新增的轴放在最后。")
    assert str(failed.value) == "one_hot(X, 5)：形状应为 (3, 5)，实际为 (5, 3)。\n提示： 新增的轴放在最后。"
    rendered = failed.value._render_traceback_()
    assert "提示：" in rendered[1] and rendered[2].startswith("\x1b[2m由本单元格第")
    with pytest.raises(helpers.CheckFailed, match="应当返回形状为 \\(2,\\) 的张量，实际得到的是int 3。"):
        helpers.check_shape(3, (2,), "f()")
    assert helpers._failure(NotImplementedError(), "test_f", "f").startswith("尚未作答")


def test_the_names_of_lines_show_in_chinese(chinese):
    """A plot's lines keep their names as keys (the code indexes them) and show them in Chinese: fit's
    "train" and "held-out", 06's "random: held-out", 07's "nn.GRU: train", a baseline's "bigram"."""
    assert helpers.label_of("random: held-out") == "随机抽样：留出"
    assert helpers.label_of("nn.GRU: train") == "nn.GRU：训练" and helpers.label_of("nn.GRU") == "nn.GRU"
    plot = helpers.LivePlot(legend=["train", "held-out"], hlines={"bigram": 9.6})
    assert list(plot.lines) == ["train", "held-out"] and list(plot.data) == ["train", "held-out"]
    assert [text.get_text() for text in plot.ax.get_legend().get_texts()] == ["训练", "留出"]
    assert [text.get_text() for text in plot.ax.texts] == ["二元语法"]


def test_messages_stay_english_without_a_catalogue(monkeypatch):
    """The repository has the .po only: RNN_COURSE_LANG=zh there (no compiled catalogue) is English."""
    monkeypatch.setenv(helpers.LANGUAGE_ENV, "zh")
    try:
        assert helpers.set_language() == "en"
        with pytest.raises(helpers.CheckFailed, match=r"^f\(\): expected shape \(2,\), got \(3,\)\.\nHint: h$"):
            helpers.check_shape(torch.zeros(3), (2,), "f()", hint="h")
    finally:
        monkeypatch.delenv(helpers.LANGUAGE_ENV)
        helpers.set_language()


@pytest.mark.parametrize("assignment", RELEASED)
def test_the_chinese_release_prints_chinese(editions, assignment):
    """The release's own helpers.py, imported where students run it, reads the release's language (the English
    release has no catalogue: test_messages_stay_english_without_a_catalogue)."""
    check = "import torch, helpers; helpers.check_dtype(torch.zeros(2, dtype=torch.long), torch.float32, 'f(X)')"
    folder = editions["zh"][assignment]
    proc = subprocess.run([sys.executable, "-c", check], cwd=folder, capture_output=True, text=True, timeout=120)
    assert "f(X)：数据类型应为 torch.float32，实际为 torch.int64。" in proc.stderr, proc.stderr[-500:]


def test_the_catalogue_compiles_for_gettext(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "a {b}"\nmsgstr ""\n"甲 "\n"{b}"\n'
    )
    with open(i18n.compile_po(po, tmp_path / "x.mo"), "rb") as mo:
        assert gettext.GNUTranslations(mo).gettext("a {b}") == "甲 {b}"
    assert i18n.read_po(PO.read_text(encoding="utf-8")), "the Chinese catalogue is empty"


# ---------------------------------------------------------------------------
# Grading: every edition against the English gradebook, feedback in the edition's language
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("assignment", TRANSLATED)
def test_feedback_shows_the_restored_markdown_in_the_edition_language(assignment):
    """Autograde puts the gradebook's English back into the read-only markdown of every edition;
    FeedbackEdition shows the source's translation of exactly that English, and nothing else: a cell
    whose English is not the source's now, or that the student wrote, stays as it is."""
    nb = source(assignment)
    i18n.translate(nb, "en")  # the English release's cells: what autograde restores
    i18n.mark(nb, "zh")
    cells = i18n.translatable(nb)
    edited = [cell for cell in cells if cell.cell_type == "markdown"][1]
    edited.source += "\nAn English the source never had."
    mine = nbformat.v4.new_markdown_cell("我自己的笔记")
    nb.cells.append(mine)
    resources = {"nbgrader": {"assignment": assignment}}
    english = [cell.source for cell in cells]
    translated, _ = i18n.FeedbackEdition().preprocess(copy.deepcopy(nb), resources)
    by_id = {cell.id: cell for cell in i18n.translatable(source(assignment))}
    after = {cell.id: cell.source for cell in i18n.translatable(translated)}
    for cell, was in zip(cells, english):
        found = i18n.translation(by_id[cell.id], "zh")
        expected = was if cell is edited or not found else found["source"]
        assert after[cell.id] == expected, cell.id
    assert after[mine.id] == "我自己的笔记"
    nb.metadata.pop("rnn_course")  # the English edition: untouched
    assert i18n.FeedbackEdition().preprocess(copy.deepcopy(nb), resources)[0] == nb


def test_feedback_shows_the_edition_stub_of_an_answer_left_as_released():
    """An answer cell a Chinese student left as released was given the English release's stub before grading
    (tools/checks.py's edition_stubs: the gradebook's checksum knows that one); the feedback page shows the
    Chinese release's stub again, still "not attempted". An answered cell, and the English edition, stay."""
    from nbgrader.utils import compute_checksum

    from tools import checks, feedback, freetext
    from tools.layout import grade_id, is_answer_cell, is_freetext_cell

    assignment = TRANSLATED[0]
    nb = source(assignment)
    i18n.translate(nb, "en")
    clear = checks._clear_solutions(str(ROOT))
    answers = [cell for cell in nb.cells if is_answer_cell(cell) or is_freetext_cell(cell)]
    for cell in answers:  # the English release's stubs, with nbgrader's checksums
        if is_freetext_cell(cell):
            cell.source = freetext.STUB["en"]
        else:
            clear._replace_solution_region(cell, "python")
        cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    answered = next(cell for cell in answers if is_answer_cell(cell))
    answered.source = answered.source.replace("raise NotImplementedError()", "return 1")
    english = copy.deepcopy(nb)
    i18n.mark(nb, "zh")
    resources = {"nbgrader": {"assignment": assignment}}
    shown, _ = i18n.FeedbackEdition().preprocess(copy.deepcopy(nb), resources)
    stubs = checks.edition_answer_stubs(ROOT, source(assignment), "zh")
    for before, after in zip(nb.cells, shown.cells):
        if before is answered or (before not in answers):
            continue
        assert after.source == stubs[grade_id(before)] != before.source, grade_id(before)
        assert i18n.CJK.search(after.source), grade_id(before)
        if is_answer_cell(after):
            assert feedback._status(after) == "not-attempted", grade_id(before)
            assert "# 在此写下你的代码\n" in after.source and "YOUR CODE HERE" not in after.source, after.source
    assert len([c for c in answers if is_answer_cell(c)]) >= 2 and any(is_freetext_cell(c) for c in answers)
    assert shown.cells[nb.cells.index(answered)].source == answered.source
    assert i18n.FeedbackEdition().preprocess(copy.deepcopy(english), resources)[0] == english


def test_only_the_course_editions_count():
    """The mark of an edition the course does not have (of this assignment) is English."""
    nb = nbformat.v4.new_notebook()
    assert i18n.edition(nb) == "en"
    for language, assignment, expected in [("zh", TRANSLATED[0], "zh"), ("zh", None, "zh"), ("fr", None, "en")]:
        nb.metadata["rnn_course"] = {"language": language}
        assert i18n.edition(nb, assignment) == expected
    untranslated = [a for a in COURSE.assignments() if a not in TRANSLATED] or ["08_not_translated_yet"]
    assert i18n.edition(nb | {"metadata": {"rnn_course": {"language": "zh"}}}, untranslated[0]) == "en"


# ---------------------------------------------------------------------------
# The texts of the tests: name=, hint=, check_true's message, Mistake's says and fix (tests.po)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("assignment", i18n.TESTS_TRANSLATED["zh"])
def test_every_text_of_the_tests_is_translated(assignment):
    """Every text the test cells and the MISTAKES cell of a finished assignment pass to the checks has a
    Chinese translation in tests.po that keeps its {0}, {1}, ... (`python -m tools.i18n messages` adds the new
    ones)."""
    texts = i18n.test_texts(source(assignment))
    assert len(texts) > 50, "the extraction finds the names, hints and classic mistakes of the tests"
    catalogue = i18n.read_po(TESTS_PO.read_text(encoding="utf-8"))
    missing = [text for text in texts if text not in catalogue]
    assert missing == [], f"{len(missing)} text(s) without Chinese: `python -m tools.i18n messages`, then translate"
    numbers = re.compile(r"(?<!\{)\{\d+\}(?!\})")
    wrong = [t for t in texts if set(numbers.findall(t)) != set(numbers.findall(catalogue[t]))]
    assert wrong == [], "a translation must keep every numbered placeholder of its template"


def test_placeholders_a_comma_separates_stay_together():
    """helpers.py finds a template's values with non-greedy groups: in "of shape {0}, {1}" a value (2, 3) splits
    at its own comma, "(2" and "3), 5". Only a translation that writes "{0}, {1}" too puts the text back whole."""
    catalogue = i18n.read_po(TESTS_PO.read_text(encoding="utf-8"))
    pairs = re.compile(r"\{\d+\}, \{\d+\}")
    split = {
        msgid: msgstr
        for msgid, msgstr in catalogue.items()
        if not set(pairs.findall(msgid)) <= set(pairs.findall(msgstr))
    }
    assert split == {}


def test_f_strings_become_templates():
    """The extraction of an f-string (a hidden test's name, say) and of texts bound to names it uses."""
    cell = nbformat.v4.new_code_cell(
        'for _case, _hint in [("a single class", "use {num_classes}."), ("two", "x")]:\n'
        '    check_close(out, ref, f"H_t of {f(x)!r} ({_case}, {_case})", hint=_hint)\n'
        'check_true(ok, f"{name}: got {value:.3g}.")\n'
        'MISTAKES = {"k": Mistake("H_t is the value before tanh", f"apply {fn} {{x}}")}\n'
        'for _prefix in ["the time traveller"]:\n'  # its repr is what the check gets: no msgid matches it
        '    check_true(ok, f"predict({_prefix!r}, 5)")\n'
        'sampler = "random" if r else "sequential"\n'  # one-word values of a template: words of the text
        'with diagnosing(MISTAKES["k"], f"train_epoch({sampler} sampler)"):\n'
        '    check_true(ok, f"{sampler}: {state}")\n'  # a name bound to no literal (state) stays code
        'with diagnosing(MISTAKES["k"], "one_hot(X.T, 5)"):\n'  # a call of the code alone: no text
        '    check_true(ok, f"{fn_name}", hint="nn.RNN")'
    )
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "test_x", "points": 1}
    texts = i18n.test_texts(nbformat.v4.new_notebook(cells=[cell]))
    assert sorted(texts) == sorted(
        [
            "H_t of {0} ({1}, {1})",
            "a single class",
            "two",  # a value of the template of one word: a word of its text
            "use {num_classes}.",  # a constant: its braces are its own
            "{0}: got {1}.",
            "H_t is the value before tanh",
            "apply {0} {{x}}",
            "predict({0}, 5)",
            "train_epoch({0} sampler)",
            "random",
            "sequential",
        ]
    )
    assert texts["H_t of {0} ({1}, {1})"]["values"] == ["{f(x)!r}", "{_case}"]


def test_the_checks_translate_the_tests_texts(tmp_path):
    """helpers.py translates what a test passes, by its English: directly, or through the template it fits
    (the f-strings of hidden tests), its values translated too; English stays byte for byte."""
    po = tmp_path / "tests.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "the final state"\nmsgstr "最终状态"\n\n'
        'msgid "{0} of minibatch {1} ({2})"\nmsgstr "第 {1} 个小批量的 {0}（{2}）"\n\n'
        'msgid "corpus of length {0}"\nmsgstr "长度为 {0} 的语料库"\n\n'
        'msgid "row {0} of {{a}} continues row {0}"\nmsgstr "{{a}} 的第 {0} 行接续第 {0} 行"\n\n'
        'msgid "add b_h."\nmsgstr "加上 b_h。"\n',
        encoding="utf-8",
    )
    i18n.compile_po(po, tmp_path / "zh" / "LC_MESSAGES" / f"{i18n.TESTS_DOMAIN}.mo")
    i18n.compile_po(PO, tmp_path / "zh" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo")
    english = "X of minibatch 3 (corpus of length 35)"
    try:
        assert helpers.set_language("zh", tmp_path) == "zh"
        assert helpers._tested("the final state") == "最终状态"
        assert helpers._tested(english) == "第 3 个小批量的 X（长度为 35 的语料库）"
        assert helpers._tested("row 2 of {a} continues row 2") == "{a} 的第 2 行接续第 2 行"
        assert helpers._tested("row 2 of {a} continues row 3") == "row 2 of {a} continues row 3"
        assert helpers._tested("no such text") == "no such text"
        mistakes = {"k": helpers.Mistake("s", "f", error="boom")}  # a name diagnosing gives is translated too
        with pytest.raises(helpers.CheckFailed) as failed, helpers.diagnosing(mistakes, "the final state"):
            raise ValueError("boom")
        assert str(failed.value).startswith("最终状态 ")
        with pytest.raises(helpers.CheckFailed) as failed:
            helpers.check_close(torch.zeros(2), torch.ones(2), english, hint="add b_h.")
        assert str(failed.value).startswith("第 3 个小批量的 X（长度为 35 的语料库）：数值与参考结果不符")
        assert str(failed.value).endswith("\n提示： 加上 b_h。")
    finally:
        assert helpers.set_language("en") == "en"
    with pytest.raises(helpers.CheckFailed) as failed:
        helpers.check_close(torch.zeros(2), torch.ones(2), english, hint="add b_h.")
    assert str(failed.value).startswith(english + ": values differ from the reference")
    assert str(failed.value).endswith("\nHint: add b_h.")


def test_one_word_values_read_in_chinese(tmp_path):
    """06's f"{sampler} sampler, a model whose state is a {kind}" with the course's catalogue: its one-word
    values (sampler = "random" if ... else "sequential") are words of the text, translated with it."""
    i18n.compile_po(TESTS_PO, tmp_path / "zh" / "LC_MESSAGES" / f"{i18n.TESTS_DOMAIN}.mo")
    i18n.compile_po(PO, tmp_path / "zh" / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo")
    try:
        assert helpers.set_language("zh", tmp_path) == "zh"
        assert helpers._tested("random sampler, a model whose state is a tuple") == "随机采样器，状态为元组的模型"
        assert helpers._tested("train_epoch(sequential sampler, a model whose state is a tensor)") == (
            "train_epoch(顺序采样器，状态为张量的模型)"
        )
    finally:
        assert helpers.set_language("en") == "en"


@pytest.mark.usefixtures("notebook_process")
def test_a_classic_mistake_reads_in_chinese_end_to_end(tmp_path):
    """02's solution runs in this process as nbgrader grades it (tests/test_feedback_messages.py), with a
    classic mistake of tests/grading/students_02_recurrence.py in place of rnn_step. Its test cell fails on
    the visible check (a constant name, a hint and the MISTAKES entry it recognises) and, run alone as a
    grader restores it from the English gradebook, on its hidden block (an f-string name, f"H_t ({_case})").
    In the Chinese edition the message and the hint of each first failure hold no English prose, and the same
    numbers; in the English one they are the test's own English."""
    from tests.grading import cases
    from tests.grading.nbgrader_run import in_notebook_folder, notebook_path, reference_answers
    from tools.layout import HIDDEN_TESTS, grade_id, is_test_cell

    assignment, function, mistake, cell_id = "02_recurrence", "rnn_step", "no_tanh", "test_rnn_step_values"
    path = notebook_path(ROOT / "solutions", assignment)
    cells = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    test = next(cell for cell in cells if grade_id(cell) == cell_id)
    references = reference_answers(ROOT, assignment)
    for domain in (i18n.DOMAIN, i18n.TESTS_DOMAIN):  # the grader's catalogues: the hidden tests' texts too
        po = i18n.LOCALE / "zh" / "LC_MESSAGES" / f"{domain}.po"
        i18n.compile_po(po, tmp_path / "locale" / "zh" / "LC_MESSAGES" / f"{domain}.mo")
    failures = {}
    namespace: dict = {"__name__": "__main__"}
    with in_notebook_folder(path.parent):
        for cell in cells[: cells.index(test)]:
            if not is_test_cell(cell):
                assert run_cell(references.get(grade_id(cell), cell.source), cell.id, namespace) is None, cell.id
        assert run_cell(cases.load_cases(assignment).IMPLEMENTATIONS[function][mistake].source, "", namespace) is None
        for language in i18n.LANGUAGES:
            assert helpers.set_language(language, tmp_path / "locale") == language
            try:
                for part, source in [("visible", test.source), ("hidden", HIDDEN_TESTS.search(test.source)[1])]:
                    failures[language, part] = run_cell(source, cell_id, namespace)
            finally:
                helpers.set_language("en")
    classic = namespace["MISTAKES"][function][mistake]
    numbers = re.compile(r"-?\d+\.\d+")
    for part in ("visible", "hidden"):
        english, chinese = failures["en", part], failures["zh", part]
        assert isinstance(english, helpers.CheckFailed) and isinstance(chinese, helpers.CheckFailed), part
        message, _, hint = str(english).partition("\nHint: ")
        assert message.endswith(f" That is a classic mistake: {classic.says}.") and hint == classic.fix, part
        assert not i18n.CJK.search(str(english))
        message, _, hint = str(chinese).partition("\n提示： ")
        assert hint and i18n.CJK.search(message) and i18n.CJK.search(hint), str(chinese)
        assert i18n.english_in_message(message) == [] and i18n.english_in_message(hint) == [], str(chinese)
        words = set(re.findall("[A-Za-z]+", i18n.CODE_IN_TEXT.sub(" ", str(chinese))))
        assert words <= {"tanh"}, f"English words (not even two in a row) in {chinese}"  # tanh: a function
        assert "这是一个典型错误" in message
        assert numbers.findall(str(chinese)) == numbers.findall(str(english)), "the same values in both"
    assert "H_t (" in str(failures["en", "hidden"]), "the hidden block's name is an f-string"


# ---------------------------------------------------------------------------
# What stays English: the words JupyterLab's nbgrader extension writes itself
# ---------------------------------------------------------------------------
#: Its own words that a student reads (Validate's button and dialog, the Assignments panel), as its bundle has them.
NBGRADER_LAB_WORDS = ('"Validate"', '"Validation Results"', '"The following cell failed:"', "Released assignments")


def nbgrader_lab_bundle() -> list:
    """The JavaScript files of the installed nbgrader JupyterLab extension that hold its own words."""
    import nbgrader
    from jupyter_core.paths import jupyter_path

    folders = [Path(p) / "@jupyter" / "nbgrader" for p in jupyter_path("labextensions")]
    folder = next(f for f in folders if (f / "package.json").is_file())
    assert json.loads((folder / "package.json").read_text())["version"] == nbgrader.__version__
    return [path for path in (folder / "static").glob("*.js") if '"The following cell failed:"' in path.read_text()]


def test_the_nbgrader_extension_has_no_words_to_translate():
    """README, "The Chinese edition": nbgrader's JupyterLab extension writes its words as string literals and
    never passes them through JupyterLab's translator (@jupyterlab/translation: `trans.__(...)` of a bundle a
    language pack or an extension's catalogue fills), so no catalogue the course ships can translate them.
    If an nbgrader release starts to translate them, this fails: ship a catalogue of its domain then."""
    bundle = nbgrader_lab_bundle()
    assert bundle, "nbgrader's labextension no longer has its Validate dialog's words where this test looks"
    text = "".join(path.read_text() for path in bundle)
    assert all(word in text for word in NBGRADER_LAB_WORDS), [w for w in NBGRADER_LAB_WORDS if w not in text]
    translated = re.findall(r"\.__\(|\._[np]\(|ITranslator|\.load\(\"[\w-]+\"\)", text)
    assert not translated, f"nbgrader's extension now translates ({translated[:3]}): ship a Chinese catalogue"
