"""Unit tests of helpers.py (everything but the training section)."""

from __future__ import annotations

import hashlib
import logging
import os
import random
import time
import warnings

import pytest
import torch
import torch.nn.functional as F

import helpers


# --- data ------------------------------------------------------------------------
def test_shipped_corpus_matches_checksum():
    data = helpers.TIME_MACHINE.read_bytes()
    assert hashlib.sha1(data).hexdigest() == helpers.TIME_MACHINE_SHA1
    assert helpers.read_text().startswith("The Time Machine, by H. G. Wells")


def test_missing_corpus_gives_a_clear_error(tmp_path):
    with pytest.raises(helpers.CorpusError, match="not found.*data/timemachine.txt"):
        helpers.read_text(tmp_path / "nope.txt")


def test_corrupt_corpus_is_refused(tmp_path, monkeypatch):
    edited = tmp_path / "timemachine.txt"
    edited.write_bytes(helpers.TIME_MACHINE.read_bytes().replace(b"Time Traveller", b"Time Travelers", 1))
    monkeypatch.setattr(helpers, "TIME_MACHINE", edited)
    with pytest.raises(helpers.CorpusError, match="corrupt or was edited"):
        helpers.read_text()


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("café".encode("latin-1"))
    with pytest.raises(helpers.CorpusError, match="not UTF-8"):
        helpers.read_text(path)


def test_any_utf8_file_with_optional_checksum(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("Hello, world", encoding="utf-8")
    assert helpers.read_text(path) == "Hello, world"
    assert helpers.read_text(path, sha1=hashlib.sha1(b"Hello, world").hexdigest()) == "Hello, world"
    with pytest.raises(helpers.CorpusError):
        helpers.read_text(path, sha1="0" * 40)


def test_letters_tokenizer_follows_d2l():
    assert helpers.tokenize("The  Time-Machine, 1898!\nII") == list("the time machine ii")
    assert helpers.tokenize("...") == []


def test_chars_tokenizer_keeps_every_character():
    assert helpers.tokenize("时间 机器\n\t!", mode="chars") == list("时间 机器 !")
    with pytest.raises(ValueError, match="mode"):
        helpers.tokenize("x", mode="words")


def test_time_machine_has_28_tokens_and_d2l_length():
    corpus, vocab = helpers.load_corpus()
    assert len(vocab) == 28
    assert vocab.idx_to_token[0] == "<unk>" and vocab.idx_to_token[1] == " "
    assert set(vocab.idx_to_token[1:]) == set(" abcdefghijklmnopqrstuvwxyz")
    assert len(corpus) == 173_427
    assert vocab.to_tokens(corpus[:8]) == list("the time")


def test_load_corpus_max_tokens_and_shared_vocab():
    corpus, vocab = helpers.load_corpus(max_tokens=10_000)
    assert len(corpus) == 10_000 and len(vocab) == 28
    again, same = helpers.load_corpus(max_tokens=5, vocab=vocab)
    assert same is vocab and again == corpus[:5]


def test_load_corpus_of_another_language(tmp_path):
    path = tmp_path / "novel.txt"
    path.write_text("时间机器。时间旅行者\n", encoding="utf-8")
    corpus, vocab = helpers.load_corpus(path)
    assert len(corpus) == 10 and len(vocab) == 1 + 8  # <unk> + 8 distinct characters
    assert "".join(vocab.to_tokens(corpus)) == "时间机器。时间旅行者"


def test_tang_poems_match_their_checksum_and_build():
    data = helpers.TANGSHI.read_bytes()
    assert hashlib.sha1(data).hexdigest() == helpers.TANGSHI_SHA1
    from tools.build_zh_corpus import EXPECTED_SHA1, QUATRAIN

    assert EXPECTED_SHA1 == helpers.TANGSHI_SHA1, "tools/build_zh_corpus.py and helpers.py disagree"
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) - 1 == 3_656
    assert all(QUATRAIN.fullmatch(line) for line in lines[:-1]), "one five-character quatrain per line"


def test_tang_poems_load_as_characters_with_a_space_after_each_poem():
    corpus, vocab = helpers.load_corpus(corpus="tangshi")
    assert len(corpus) == 91_399 and len(vocab) == 3_588
    assert vocab.idx_to_token[:4] == ["<unk>", "。", "，", " "]  # then characters, most frequent first
    poem = vocab.to_tokens(corpus[:25])
    assert (poem[5], poem[11], poem[17], poem[23], poem[24]) == ("，", "。", "，", "。", " ")
    assert helpers.read_text(corpus="tangshi").startswith("去岁干戈险，今年蝗旱忧。")
    assert helpers.load_corpus(corpus="timemachine")[1].idx_to_token == helpers.load_corpus()[1].idx_to_token


def test_the_edition_chooses_the_default_corpus(tmp_path, monkeypatch):
    """RNN_COURSE_LANG=zh, or a Chinese release's locale/LANGUAGE: read_text, load_corpus and tokenize read the
    Tang poems by default, as characters; an explicit corpus= or mode= still wins."""
    monkeypatch.setattr(helpers, "LOCALE_DIR", tmp_path)
    monkeypatch.delenv(helpers.LANGUAGE_ENV, raising=False)
    assert (helpers.edition(), helpers.edition_corpus()) == ("en", "timemachine")
    (tmp_path / "LANGUAGE").write_text("zh\n")  # what a Chinese release carries
    assert (helpers.edition(), helpers.edition_corpus()) == ("zh", "tangshi")
    monkeypatch.setenv(helpers.LANGUAGE_ENV, "en")  # the variable overrides the release's mark
    assert helpers.edition_corpus() == "timemachine" and len(helpers.load_corpus()[1]) == 28
    monkeypatch.setenv(helpers.LANGUAGE_ENV, "zh")
    assert helpers.read_text().startswith("去岁干戈险")
    assert len(helpers.load_corpus()[1]) == 3_588
    assert helpers.tokenize("Ab, c\n") == list("Ab, c")
    assert helpers.tokenize("Ab, c", mode="letters") == list("ab c")
    assert len(helpers.load_corpus(corpus="timemachine")[1]) == 28


def test_corrupt_tang_poems_are_refused(tmp_path, monkeypatch):
    edited = tmp_path / "tangshi.txt"
    edited.write_bytes(helpers.TANGSHI.read_bytes().replace("干戈".encode(), "干弋".encode(), 1))
    monkeypatch.setattr(helpers, "TANGSHI", edited)
    with pytest.raises(helpers.CorpusError, match="corrupt or was edited"):
        helpers.load_corpus(corpus="tangshi")
    edited.unlink()
    with pytest.raises(helpers.CorpusError, match="not found.*data/tangshi.txt"):
        helpers.read_text(corpus="tangshi")


def test_shipped_corpus_names_are_checked(tmp_path):
    with pytest.raises(ValueError, match="'timemachine' or 'tangshi'"):
        helpers.load_corpus(corpus="tang")
    with pytest.raises(ValueError, match="either a path or"):
        helpers.read_text(tmp_path / "poems.txt", corpus="tangshi")


def test_train_test_split_holds_out_the_tail():
    train, test = helpers.train_test_split(list(range(100)))
    assert train == list(range(90)) and test == list(range(90, 100))
    train, test = helpers.train_test_split(list(range(7)), 0.5)
    assert len(train) + len(test) == 7 and test == [3, 4, 5, 6]
    with pytest.raises(ValueError):
        helpers.train_test_split([1, 2], 1.0)


# --- Vocab ----------------------------------------------------------------------
def test_vocab_interface_matches_d2l():
    vocab = helpers.Vocab(list("abracadabra"), reserved_tokens=["<pad>"])
    assert vocab.idx_to_token == ["<unk>", "<pad>", "a", "b", "r", "c", "d"]
    assert len(vocab) == 7 and vocab["a"] == 2 and vocab["zzz"] == vocab.unk == 0
    assert vocab[["r", "?"]] == [4, 0]
    assert vocab.token_to_idx["c"] == 5
    assert vocab.to_tokens(3) == "b" and vocab.to_tokens([2, 6]) == ["a", "d"]
    assert vocab.to_tokens(torch.tensor([[2, 3]])) == [["a", "b"]]
    assert vocab.token_freqs[0] == ("a", 5)
    assert "Vocab(size=7" in repr(vocab)


def test_vocab_min_freq_and_lines():
    vocab = helpers.Vocab([list("aab"), list("ac")], min_freq=2)
    assert vocab.idx_to_token == ["<unk>", "a"]
    assert vocab["b"] == vocab.unk


def test_vocab_order_is_deterministic_on_ties():
    assert helpers.Vocab(list("cba")).idx_to_token == helpers.Vocab(list("abc")).idx_to_token


# --- seeding, device, timer, progress, grading flag ------------------------------
def test_set_seed_makes_python_and_torch_repeatable():
    helpers.set_seed(3)
    first = random.random(), torch.rand(3)
    helpers.set_seed(3)
    second = random.random(), torch.rand(3)
    assert first[0] == second[0] and torch.equal(first[1], second[1])


def test_choose_device_is_cpu_without_gpu():
    assert helpers.choose_device(prefer_gpu=False) == torch.device("cpu")
    if not torch.cuda.is_available():
        assert helpers.choose_device() == torch.device("cpu")


def test_timer_records_durations():
    timer = helpers.Timer()
    with timer:
        sum(range(10_000))
    timer.start()
    assert timer.stop() >= 0
    assert len(timer.times) == 2 and timer.sum() >= timer.avg() >= 0
    with pytest.raises(RuntimeError):
        timer.stop()


def test_progress_wraps_an_iterable():
    assert list(helpers.progress(range(3), desc="x", disable=True)) == [0, 1, 2]


def test_is_grading_follows_nbgrader_env(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert not helpers.is_grading()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert helpers.is_grading()


# --- LivePlot ---------------------------------------------------------------------
def test_live_plot_records_and_saves(tmp_path):
    plot = helpers.LivePlot(ylabel="perplexity", legend=["train", "held-out"], hlines={"uniform": 28})
    plot.add(1, [10.0, 12.0])
    plot.add(2, [8.0, None])
    assert plot.data == {"train": [(1.0, 10.0), (2.0, 8.0)], "held-out": [(1.0, 12.0)]}
    plot.show()
    assert list(plot.lines["train"].get_ydata()) == [10.0, 8.0]
    plot.savefig(tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 1000
    with pytest.raises(ValueError, match="expected 2 values"):
        plot.add(3, [1.0])


def test_live_plot_in_a_notebook_draws_in_place_and_throttles_slow_redraws(monkeypatch):
    import IPython.display

    class Handle:
        updates = 0

        def update(self, image):
            Handle.updates += 1

    shown = []
    monkeypatch.setattr(helpers, "_in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", lambda image, display_id: shown.append(image) or Handle())
    plot = helpers.LivePlot(legend=["train"], min_interval=0.0)
    slow_savefig = plot.fig.savefig

    def savefig(*args, **kwargs):  # a redraw that takes at least 50 ms
        time.sleep(0.05)
        slow_savefig(*args, **kwargs)

    plot.fig.savefig = savefig
    plot.add(1, 10.0)  # the first point is drawn at once, as a PNG
    assert len(shown) == 1 and shown[0].data.startswith(b"\x89PNG")
    for epoch in range(2, 12):  # ten fast epochs: the 50 ms redraw allows one redraw per 0.5 s at most
        plot.add(epoch, 10.0 / epoch)
    assert Handle.updates == 0 and plot._interval >= 0.5
    plot.show()  # show() always redraws, in place
    assert len(shown) == 1 and Handle.updates == 1


def test_chinese_figures_draw_every_glyph(tmp_path):
    """A figure labelled in Chinese draws without matplotlib's "Glyph ... missing from font(s)" warning
    (helpers put an installed CJK font in the fallback list), and that font has every character of the
    Tang poems (generated text may be drawn too)."""
    import matplotlib
    from matplotlib import font_manager, ft2font

    font = helpers.use_cjk_font()
    if font is None:
        message = "no CJK font installed: run `make fonts` (root; Debian's fonts-noto-cjk)"
        if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
            pytest.fail(f"{message} [CI=true: the Chinese figures must be tested]", pytrace=False)
        pytest.skip(message)
    assert matplotlib.rcParams["font.family"][-1] == font
    poem = helpers.read_text(corpus="tangshi").splitlines()[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot = helpers.LivePlot(
            xlabel="迭代周期",
            ylabel="困惑度",
            legend=["训练集", "验证集"],
            title="唐诗：字符级 RNN",
            hlines={"一元语法": 9},
        )
        plot.add(1, [12.0, 13.5])
        plot.ax.text(1, 11, poem)
        plot.savefig(tmp_path / "zh.png")
    missing = [str(warning.message) for warning in caught if "missing from font" in str(warning.message)]
    assert not missing, f"{len(missing)} glyphs missing, e.g. {missing[:2]}"
    path = font_manager.findfont(font_manager.FontProperties(family=font), fallback_to_default=False)
    charmap = ft2font.FT2Font(path, face_index=path.face_index).get_charmap()
    vocab = helpers.load_corpus(corpus="tangshi")[1]
    lacking = [token for token in vocab.idx_to_token if len(token) == 1 and ord(token) not in charmap]
    assert not lacking, f"{font} lacks {len(lacking)} characters of the Tang poems: {''.join(lacking[:20])}"


def test_without_a_cjk_font_figures_in_english_stay_quiet(tmp_path, monkeypatch, caplog):
    import matplotlib

    monkeypatch.setitem(matplotlib.rcParams, "font.family", ["sans-serif"])
    assert helpers.use_cjk_font(["No Such CJK Font"]) is None
    assert matplotlib.rcParams["font.family"] == ["sans-serif"], "a font that is not installed was added"
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        helpers.LivePlot(xlabel="epoch", ylabel="perplexity", legend=["train"], title="English").savefig(
            tmp_path / "en.png"
        )
    assert not caught and not caplog.records, [*map(str, caught), *caplog.messages]


# --- friendly checks ----------------------------------------------------------------
def test_check_shape_names_expected_and_actual():
    helpers.check_shape(torch.zeros(5, 2, 28), (5, 2, 28))
    with pytest.raises(AssertionError) as error:
        helpers.check_shape(torch.zeros(2, 5, 28), (5, 2, 28), "one_hot_batch(X)", hint="is the time axis first?")
    assert str(error.value) == (
        "one_hot_batch(X): expected shape (5, 2, 28), got (2, 5, 28).\nHint: is the time axis first?"
    )
    with pytest.raises(AssertionError, match="expected a tensor of shape \\(3,\\), got list"):
        helpers.check_shape([1, 2, 3], (3,))


def test_check_dtype():
    helpers.check_dtype(torch.zeros(2), torch.float32)
    with pytest.raises(AssertionError, match="expected dtype torch.float32, got torch.int64"):
        helpers.check_dtype(torch.zeros(2, dtype=torch.long), torch.float32)
    with pytest.raises(AssertionError, match="got NoneType"):
        helpers.check_dtype(None, torch.float32)


def test_check_equal_points_at_first_difference():
    helpers.check_equal(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]))
    helpers.check_equal("abc", "abc")
    with pytest.raises(AssertionError, match=r"first difference at index \(1, 0\): expected 3.0, got 0.0"):
        helpers.check_equal(torch.tensor([[1.0, 2.0], [0.0, 4.0]]), torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    with pytest.raises(AssertionError, match="expected 'abc', got str 'abd'"):
        helpers.check_equal("abd", "abc")


def test_check_close_tensors_and_numbers():
    helpers.check_close(torch.tensor([1.0, 2.0]) + 1e-8, torch.tensor([1.0, 2.0]))
    helpers.check_close(3.0000001, 3.0)
    with pytest.raises(AssertionError, match=r"largest difference 0.5 at index \(1,\): expected 2, got 2.5"):
        helpers.check_close(torch.tensor([1.0, 2.5]), torch.tensor([1.0, 2.0]))
    with pytest.raises(AssertionError, match="at index"):
        helpers.check_close(torch.tensor([float("nan")]), torch.tensor([1.0]))
    with pytest.raises(AssertionError, match="expected 3, got 4"):
        helpers.check_close(4.0, 3.0)
    with pytest.raises(AssertionError, match="expected a number close to 3.0, got str"):
        helpers.check_close("x", 3.0)


def test_check_true_with_hint():
    helpers.check_true(True, "never shown")
    with pytest.raises(AssertionError, match="bad\nHint: fix it"):
        helpers.check_true(False, "bad", hint="fix it")


def test_describe():
    assert helpers.describe(torch.zeros(2, 3)) == "tensor of shape (2, 3) and dtype torch.float32"
    assert helpers.describe(list(range(10))) == "list of length 10"
    assert helpers.describe(3) == "int 3"


def _from_scratch(indices, num_classes):
    return torch.eye(num_classes)[indices]


def _calls_builtin(indices, num_classes):
    return F.one_hot(indices, num_classes).float()


_alias = F.one_hot


def _calls_alias(indices, num_classes):
    return _alias(indices, num_classes).float()


def _raises(indices, num_classes):
    raise NotImplementedError()


@pytest.mark.parametrize(
    "function,caught",
    [(_from_scratch, None), (_calls_builtin, "calls it"), (_calls_alias, "alias of one_hot"), (_raises, None)],
)
def test_check_no_builtin(function, caught):
    forbidden = [(F, "one_hot"), (torch._C._nn, "one_hot")]
    original = F.one_hot

    def check():
        helpers.check_no_builtin(function, lambda: function(torch.tensor([1, 0]), 3), forbidden, hint="h")

    if function is _raises:  # the function's own errors propagate: a stub never passes
        with pytest.raises(NotImplementedError):
            check()
    elif caught:
        with pytest.raises(AssertionError, match=caught):
            check()
    else:
        check()
    assert F.one_hot is original and torch._C._nn.one_hot is original, "tripwires must be removed"


def test_progress_table_counts_the_visible_tests_of_each_exercise(tmp_path):
    import json

    def cell(source, **nbgrader):
        return {"cell_type": "code", "metadata": {"nbgrader": nbgrader}, "source": source, "outputs": []}

    notebook = {
        "cells": [
            cell("def f(x):\n    return x", grade_id="f", solution=True),
            cell(
                "helpers.check_equal(f(1), 1, 'f(1)')\n"
                "### BEGIN HIDDEN TESTS\nassert False, 'hidden'\n### END HIDDEN TESTS\n",
                grade_id="test_f_values",
                grade=True,
                points=2,
            ),
            cell(
                "helpers.check_true(False, 'f(2) should be 3, got 2', hint='add one')",
                grade_id="test_f_more",
                grade=True,
                points=1,
            ),
            cell("def g(x):\n    raise NotImplementedError()", grade_id="g", solution=True),
            cell("g(1)", grade_id="test_g", grade=True, points=3),
            cell("def h(x):\n    return undefined_name", grade_id="h", solution=True),
            cell("h(1)", grade_id="test_h", grade=True, points=1),
            cell("k(1)", grade_id="test_k", grade=True, points=1),
            cell("def k(x):\n    return x", grade_id="k", solution=True),
            cell("def m(x):\n    return g(x)", grade_id="m", solution=True),
            cell("m(1)", grade_id="test_m", grade=True, points=1),
        ]
    }
    path = tmp_path / "01_demo.ipynb"
    path.write_text(json.dumps(notebook))
    namespace = {"helpers": helpers}
    for c in notebook["cells"]:
        if c["metadata"]["nbgrader"].get("solution") and c["metadata"]["nbgrader"]["grade_id"] != "k":
            exec(c["source"], namespace)  # k's cell has not run (Run All stopped before it)
    rows = {row["exercise"]: row for row in helpers.progress_table(path, namespace)}
    assert rows["f"] == {  # the hidden test of test_f_values (an instructor's copy) does not run
        "exercise": "f",
        "points": 3.0,
        "earned": 2.0,
        "tests": 2,
        "passed": 1,
        "first failure": "f(2) should be 3, got 2",
    }
    assert rows["g"]["earned"] == 0 and rows["g"]["first failure"].startswith("not attempted yet")
    assert rows["h"]["first failure"] == "NameError: name 'undefined_name' is not defined"
    assert rows["k"]["first failure"].startswith("not run yet (name 'k' is not defined)")
    assert rows["m"]["first failure"].startswith("needs g, which is not attempted yet")


def test_live_plot_labels_stay_inside_and_log_ticks_are_plain_numbers(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    plot = helpers.LivePlot(
        ylabel="perplexity",
        legend=["train", "held-out"],
        yscale="log",
        hlines={"bigram": 9.6, "D2L after 100 epochs": 7.6},
    )
    for epoch, (train, heldout) in enumerate([(27.0, 26.0), (12.0, 11.5), (6.0, 6.4), (3.0, 5.3)], start=1):
        plot.add(epoch, [train, heldout])
    plot.show()
    renderer = FigureCanvasAgg(plot.fig).get_renderer()
    plot.fig.draw(renderer)
    figure, axes = plot.fig.bbox, plot.ax.get_window_extent(renderer)
    for text in plot.ax.texts:  # the reference levels' labels: whole, inside the axes
        box = text.get_window_extent(renderer)
        assert axes.x0 <= box.x0 and box.x1 <= axes.x1, f"{text.get_text()!r} is clipped by the axes"
    y0, y1 = plot.ax.get_ylim()
    drawn = [t for t in plot.ax.get_yticklabels() if y0 <= t.get_position()[1] <= y1 and t.get_text()]
    for text in [*drawn, plot.ax.yaxis.label, plot.ax.xaxis.label]:
        box = text.get_window_extent(renderer)
        assert figure.x0 <= box.x0 and box.x1 <= figure.x1 and figure.y0 <= box.y0, text
    shown = [t.get_text() for t in drawn]
    assert shown and all(label.replace(".", "").isdigit() for label in shown), f"log ticks read {shown}"


def test_random_rnn_params_are_the_tests_parameter_lists():
    """The fixture the test cells of 02 and 05 share: the list they used to spell out, draw for draw."""
    generator = torch.Generator().manual_seed(5)
    expected = [torch.randn(*shape, generator=generator) * 0.3 for shape in [(7, 4), (4, 4), (4,), (4, 7), (7,)]]
    params = helpers.random_rnn_params(7, 4, scale=0.3, generator=torch.Generator().manual_seed(5))
    assert [tuple(p.shape) for p in params] == [(7, 4), (4, 4), (4,), (4, 7), (7,)]
    assert all(torch.equal(p, e) and not p.requires_grad for p, e in zip(params, expected))
    as_double = helpers.random_rnn_params(7, 4, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    assert all(p.dtype == torch.float64 for p in as_double)


def test_random_one_hot_inputs_are_time_major():
    generator = torch.Generator().manual_seed(2)
    tokens = torch.randint(0, 9, (5, 3), generator=generator)  # (T, B)
    inputs = helpers.random_one_hot_inputs(5, 3, 9, torch.Generator().manual_seed(2))
    assert inputs.shape == (5, 3, 9) and inputs.dtype == torch.float32
    assert torch.equal(inputs, torch.eye(9)[tokens])


def test_a_failure_names_the_test_line_with_its_brackets_closed():
    """A check called over several lines is quoted by its first line: `check_true(…)`, never `check_true(`."""
    import linecache

    cell = "x = 1\ncheck_true(\n    x == 2,\n    'x is not 2',\n)\n"
    name = "<ipython-input-test-cell>"
    linecache.cache[name] = (len(cell), None, cell.splitlines(True), name)
    try:
        exec(compile(cell, name, "exec"), {"check_true": helpers.check_true})
    except helpers.CheckFailed as error:
        lines = error._render_traceback_()
    last = lines[-1].replace("\x1b[2m", "").replace("\x1b[0m", "")
    assert last == "found by this cell, line 2: check_true(…)", lines
    assert helpers._closed("check_equal(f(x[0], [1, {2: 3") == "check_equal(f(x[0], [1, {2: 3…}]))"
