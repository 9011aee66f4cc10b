"""Shared infrastructure of the RNN course: data, vocabulary, seeding, timing,
plots, progress bars and the friendly checks used by the visible tests.

This file is read-only course infrastructure and never holds the answer to an
exercise: you may read all of it on day one. Every assignment folder carries an
identical copy (the canonical one lives at the repository root), and the
autograder restores the instructor's copy before grading, so edits made here
have no effect on your grade.

Shapes in docstrings use the course's letters:
    T = num_steps, B = batch_size, V = vocab_size, H = num_hiddens.
"""

from __future__ import annotations

import ast
import collections
import contextlib
import gettext
import hashlib
import inspect
import linecache
import math
import os
import random
import re
import textwrap
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import torch

__all__ = [
    "CheckFailed",
    "CJK_FONTS",
    "CorpusError",
    "DATA_DIR",
    "TANGSHI",
    "TANGSHI_SHA1",
    "TIME_MACHINE",
    "TIME_MACHINE_SHA1",
    "LivePlot",
    "Mistake",
    "Timer",
    "Vocab",
    "check_close",
    "check_dtype",
    "check_equal",
    "check_no_builtin",
    "check_shape",
    "check_true",
    "diagnosing",
    "passed",
    "choose_device",
    "describe",
    "draws",
    "edition",
    "edition_corpus",
    "is_grading",
    "label_of",
    "set_language",
    "load_corpus",
    "progress",
    "progress_report",
    "random_one_hot_inputs",
    "random_rnn_params",
    "read_text",
    "set_seed",
    "tokenize",
    "train_test_split",
    "use_cjk_font",
]

# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

DATA_DIR = Path(__file__).resolve().parent / "data"
#: The Time Machine by H. G. Wells (public domain), the course's corpus.
TIME_MACHINE = DATA_DIR / "timemachine.txt"
TIME_MACHINE_SHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a"
#: 3,656 Tang five-character quatrains (五言绝句) in simplified characters, one poem per line:
#: the Chinese edition's corpus (public domain; data/README.md says where it comes from).
TANGSHI = DATA_DIR / "tangshi.txt"
TANGSHI_SHA1 = "6e952f69bc27fc284eec898a5d9d753ac2bfbc5e"


class CorpusError(RuntimeError):
    """The corpus file is missing, corrupt or not UTF-8 text."""


#: Set this environment variable (en, zh) to choose the edition: the language of the messages and the corpus.
LANGUAGE_ENV = "RNN_COURSE_LANG"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def edition() -> str:
    """The language of this edition of the course: RNN_COURSE_LANG if set, else the one the release
    says (a Chinese release carries locale/LANGUAGE), else "en"."""
    mark = LOCALE_DIR / "LANGUAGE"
    return os.environ.get(LANGUAGE_ENV) or (mark.read_text().strip() if mark.is_file() else "en")


def edition_corpus() -> str:
    """The shipped corpus this edition trains on, which ``read_text``, ``load_corpus`` and ``tokenize``
    use by default: "tangshi" (the Tang poems) in the Chinese edition, "timemachine" otherwise."""
    return "tangshi" if edition() == "zh" else "timemachine"


def _shipped(corpus: str) -> tuple[Path, str, str]:
    """A shipped corpus by name: its file, SHA-1 and tokenizer mode."""
    if corpus == "timemachine":
        return TIME_MACHINE, TIME_MACHINE_SHA1, "letters"
    if corpus == "tangshi":
        return TANGSHI, TANGSHI_SHA1, "chars"
    raise ValueError(f"corpus must be 'timemachine' or 'tangshi', got {corpus!r}")


def read_text(path: str | os.PathLike | None = None, sha1: str | None = None, corpus: str | None = None) -> str:
    """Return the text of a corpus file.

    Without ``path``, reads a shipped corpus, ``corpus="timemachine"`` (The
    Time Machine) or ``corpus="tangshi"`` (Tang poems), by default the
    edition's (``edition_corpus()``), and verifies its SHA-1 checksum. With ``path``, reads any UTF-8 text file
    (checked against ``sha1`` when one is given). Nothing is ever downloaded.
    """
    if path is None:
        path, shipped_sha1, _ = _shipped(corpus or edition_corpus())
        sha1 = sha1 or shipped_sha1
    elif corpus is not None:
        raise ValueError("pass either a path or the name of a shipped corpus, not both")
    path = Path(path)
    if not path.is_file():
        raise CorpusError(
            f"Corpus file not found: {path}. The course ships its corpora in data/ next to "
            f"helpers.py (The Time Machine as data/timemachine.txt, the Tang poems as "
            f"data/tangshi.txt); make sure the assignment folder is complete "
            f"(download it again or ask your instructor)."
        )
    data = path.read_bytes()
    if sha1 is not None:
        digest = hashlib.sha1(data).hexdigest()
        if digest != sha1:
            raise CorpusError(
                f"Corpus file {path} is corrupt or was edited: its SHA-1 is "
                f"{digest}, expected {sha1}. Restore the original file."
            )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(f"Corpus file {path} is not UTF-8 text: {error}") from None


def tokenize(text: str, mode: str | None = None) -> list[str]:
    """Split text into character tokens.

    ``mode="letters"`` (D2L's convention, The Time Machine's): lower-case,
    every run of non-letters becomes one space, so the tokens are the 26
    letters and the space. ``mode="chars"`` (the Tang poems'): every character
    is kept (for any language); only runs of white space become one space.
    By default, the mode of the edition's corpus (``edition_corpus()``).
    """
    mode = mode or _shipped(edition_corpus())[2]
    if mode == "letters":
        return list(re.sub("[^a-z]+", " ", text.lower()).strip())
    if mode == "chars":
        return list(re.sub(r"\s+", " ", text).strip())
    raise ValueError(f"mode must be 'letters' or 'chars', got {mode!r}")


class Vocab:
    """Map tokens to indices and back (D2L's interface).

    Index 0 is ``<unk>``, used for every token not in the vocabulary; then the
    reserved tokens; then the tokens seen at least ``min_freq`` times, most
    frequent first (ties broken alphabetically, so the order is deterministic).

    >>> vocab = Vocab(list("hello"))
    >>> len(vocab), vocab["l"], vocab[["h", "?"]], vocab.to_tokens([1, 0])
    (5, 1, [2, 0], ['l', '<unk>'])
    """

    def __init__(
        self,
        tokens: Iterable = (),
        min_freq: int = 0,
        reserved_tokens: Sequence[str] = (),
    ):
        tokens = list(tokens)
        if tokens and isinstance(tokens[0], (list, tuple)):  # a list of lines
            tokens = [token for line in tokens for token in line]
        counter = collections.Counter(tokens)
        #: (token, count) pairs, most frequent first.
        self.token_freqs = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        specials = ["<unk>"] + [t for t in reserved_tokens if t != "<unk>"]
        self.idx_to_token = specials + [
            token for token, freq in self.token_freqs if freq >= min_freq and token not in specials
        ]
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        if isinstance(tokens, (list, tuple)):
            return [self[token] for token in tokens]
        return self.token_to_idx.get(tokens, self.unk)

    def to_tokens(self, indices):
        """Index (int or 0-d tensor) -> token; sequence or tensor -> list of tokens."""
        if isinstance(indices, torch.Tensor):
            indices = indices.tolist()
        if isinstance(indices, (list, tuple)):
            return [self.to_tokens(index) for index in indices]
        return self.idx_to_token[int(indices)]

    @property
    def unk(self) -> int:
        """Index of the unknown token."""
        return 0

    def __repr__(self) -> str:
        head = ", ".join(repr(t) for t in self.idx_to_token[:8])
        more = ", ..." if len(self) > 8 else ""
        return f"Vocab(size={len(self)}: [{head}{more}])"


def load_corpus(
    path: str | os.PathLike | None = None,
    max_tokens: int | None = None,
    mode: str | None = None,
    vocab: Vocab | None = None,
    corpus: str | None = None,
) -> tuple[list[int], Vocab]:
    """Load a corpus as a list of token indices and its vocabulary.

    Without ``path``: the edition's corpus (``edition_corpus()``), or
    ``corpus="timemachine"``: The Time Machine (checksum verified),
    ``mode="letters"``, 28 tokens (26 letters, space, ``<unk>``);
    ``corpus="tangshi"``: the Tang poems (checksum verified), ``mode="chars"``,
    3,588 tokens (each poem ends with a space). With ``path``: any UTF-8 text file, ``mode="chars"`` by
    default so every character is kept. ``max_tokens`` keeps only the first
    tokens (D2L's first 10,000, say); pass ``vocab`` to index with an
    existing vocabulary.
    """
    corpus = corpus or (None if path is not None else edition_corpus())
    mode = mode or ("chars" if path is not None else _shipped(corpus)[2])
    tokens = tokenize(read_text(path, corpus=corpus), mode)
    if max_tokens is not None and max_tokens > 0:
        tokens = tokens[:max_tokens]
    vocab = vocab if vocab is not None else Vocab(tokens)
    return [vocab[token] for token in tokens], vocab


def train_test_split(corpus: Sequence, test_fraction: float = 0.1) -> tuple[list, list]:
    """Split a token stream in two: everything but the last ``test_fraction``
    (training) and the last ``test_fraction`` (held out). The course always
    holds out the last 10% of its corpus."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    cut = len(corpus) - math.ceil(len(corpus) * test_fraction)
    return list(corpus[:cut]), list(corpus[cut:])


# --------------------------------------------------------------------------
# Reproducibility, devices, timing, progress
# --------------------------------------------------------------------------


def set_seed(seed: int = 0) -> None:
    """Seed Python's ``random``, NumPy and PyTorch's global generator."""
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:  # pragma: no cover - numpy ships with the course
        pass
    torch.manual_seed(seed)


def choose_device(prefer_gpu: bool = True) -> torch.device:
    """The first CUDA GPU if there is one (and ``prefer_gpu``), else the CPU.
    The course is designed to run well on a laptop CPU."""
    if prefer_gpu and torch.cuda.is_available():
        return torch.device("cuda:0")
    return torch.device("cpu")


def is_grading() -> bool:
    """True while nbgrader executes the notebook (autograde or Validate);
    notebooks use it to keep optional long runs short while grading."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


class Timer:
    """Record durations: ``with timer: ...`` or ``start()``/``stop()``.

    >>> timer = Timer()
    >>> with timer:
    ...     _ = sum(range(1000))
    >>> len(timer.times)
    1
    """

    def __init__(self):
        self.times: list[float] = []
        self._start: float | None = None

    def start(self) -> None:
        self._start = time.perf_counter()

    def stop(self) -> float:
        """Stop the clock, record and return the elapsed seconds."""
        if self._start is None:
            raise RuntimeError("Timer.stop() called before start()")
        self.times.append(time.perf_counter() - self._start)
        self._start = None
        return self.times[-1]

    def __enter__(self) -> Timer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def sum(self) -> float:
        return sum(self.times)

    def avg(self) -> float:
        return self.sum() / len(self.times) if self.times else 0.0


def progress(iterable: Iterable, desc: str | None = None, total: int | None = None, **kwargs):
    """A progress bar (tqdm): a widget in JupyterLab, text elsewhere."""
    from tqdm.auto import tqdm

    kwargs.setdefault("leave", True)
    kwargs.setdefault("mininterval", 0.2)
    # tqdm's own words ("3/10 [00:01<00:02, 2.95it/s]") in the edition's language; English is tqdm's layout
    kwargs.setdefault("unit", _("it"))
    kwargs.setdefault("bar_format", _("{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"))
    return tqdm(iterable, desc=desc, total=total, **kwargs)


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


#: Fonts with Chinese characters, the first one installed is used (see use_cjk_font): Debian's
#: fonts-noto-cjk (`make fonts`), Adobe's own build of it, then the system fonts of macOS and Windows.
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "SimHei")


def use_cjk_font(candidates: Sequence[str] = CJK_FONTS) -> str | None:
    """Let matplotlib draw Chinese characters (helpers calls it when imported).

    Appends the first installed font of ``candidates`` to matplotlib's font
    fallback list, ``rcParams["font.family"]``: the default font still draws
    Latin letters and digits, the CJK font every glyph the default lacks.
    Returns the font's name, or None when none is installed; then nothing
    changes, since matplotlib would warn on every figure about a font it
    cannot find (figures in English need none).
    """
    import matplotlib
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    name = next((name for name in candidates if name in installed), None)
    families = list(matplotlib.rcParams["font.family"])
    if name is not None and name not in families:
        matplotlib.rcParams["font.family"] = [*families, name]
    return name


use_cjk_font()


class LivePlot:
    """A line plot that redraws in place while a model trains.

    >>> plot = LivePlot(xlabel="epoch", ylabel="perplexity", legend=["train", "held-out"])
    >>> plot.add(1, [12.0, 13.5])       # one value per line; None skips a line
    >>> plot.add(2, [9.0, None])
    >>> plot.data["train"]
    [(1, 12.0), (2, 9.0)]

    In a notebook the figure appears once and is updated in place: at most
    every ``min_interval`` seconds, less often when a redraw is slow (drawing
    takes at most 10% of the time), and always on ``show()``. Elsewhere it
    only records the data (``savefig`` still works).
    """

    def __init__(
        self,
        xlabel: str = "epoch",
        ylabel: str = "",
        legend: Sequence[str] = ("value",),
        xlim: tuple | None = None,
        ylim: tuple | None = None,
        yscale: str = "linear",
        title: str | None = None,
        figsize: tuple = (5.5, 3.2),
        hlines: dict[str, float] | None = None,
        min_interval: float = 0.5,
    ):
        from matplotlib.figure import Figure

        self.legend = list(legend)
        self.data: dict[str, list[tuple[float, float]]] = {name: [] for name in self.legend}
        self.fig = Figure(figsize=figsize, layout="constrained")
        self.ax = self.fig.add_subplot()
        self.ax.set(xlabel=xlabel, ylabel=ylabel, yscale=yscale, title=title)
        if xlim:
            self.ax.set_xlim(*xlim)
        if ylim:
            self.ax.set_ylim(*ylim)
        self.ax.grid(True, alpha=0.3)
        if yscale == "log":  # ticks as plain numbers (2, 3, 5, 10, 20), not 2x10^1
            from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

            self.ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 3.0, 5.0)))
            self.ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            self.ax.yaxis.set_minor_formatter(NullFormatter())
        # the names are the lines' keys (self.lines, self.data, fit's lines=); the legend shows them in the
        # edition's language (label_of)
        self.lines = {name: self.ax.plot([], [], label=label_of(name))[0] for name in self.legend}
        for label, y in (hlines or {}).items():  # reference levels, labelled inside the axes at the right
            self.ax.axhline(y, linestyle="--", linewidth=1, color="gray")
            self.ax.annotate(
                label_of(label),
                (0.99, y),
                xycoords=("axes fraction", "data"),
                ha="right",
                va="bottom",
                fontsize=9,
                color="#444444",
                bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.7},
                annotation_clip=False,
            )
        self.ax.legend(loc="best")  # where it covers the fewest data points
        self.min_interval = min_interval
        self._interval = min_interval  # grows with the cost of a redraw, so drawing takes <= 10% of the time
        self._last_draw = 0.0
        self._handle = None

    def add(self, x: float, ys) -> None:
        """Append one point per line (``ys`` is a number or a sequence)."""
        if not isinstance(ys, (list, tuple)):
            ys = [ys]
        if len(ys) != len(self.legend):
            raise ValueError(f"expected {len(self.legend)} values ({self.legend}), got {len(ys)}")
        for name, y in zip(self.legend, ys):
            if y is not None:
                self.data[name].append((float(x), float(y)))
        if time.perf_counter() - self._last_draw >= self._interval:
            self.show()

    def show(self) -> None:
        """Redraw now (the first call displays the figure in a notebook)."""
        for name, line in self.lines.items():
            if self.data[name]:
                xs, ys = zip(*self.data[name])
                line.set_data(xs, ys)
        self.ax.relim()
        self.ax.autoscale_view()
        start = self._last_draw = time.perf_counter()
        if not _in_notebook():
            return
        import io

        from IPython.display import Image, display

        # PNG bytes, not the Figure object: a Figure displays as text until
        # pyplot's inline backend has registered its formatter in the kernel.
        buffer = io.BytesIO()
        self.fig.savefig(buffer, format="png", dpi=90)
        image = Image(data=buffer.getvalue(), format="png")
        if self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)
        self._interval = max(self.min_interval, 10 * (time.perf_counter() - start))

    def savefig(self, path: str | os.PathLike, **kwargs) -> None:
        self.fig.savefig(path, **kwargs)


# --------------------------------------------------------------------------
# The language of the messages below: English, or the language of the edition
# (the Chinese release carries locale/LANGUAGE and its compiled catalogue).
# --------------------------------------------------------------------------

_ = gettext.NullTranslations().gettext
_tests = gettext.NullTranslations()  # the texts of the tests (see _tested)
_templates: list = []


def set_language(language: str | None = None, localedir: str | os.PathLike = LOCALE_DIR) -> str:
    """Print the messages of this file in ``language``: by default RNN_COURSE_LANG, else the edition's
    (locale/LANGUAGE), else English. A language without a catalogue in ``localedir`` is English.
    Returns the language used."""
    global _, _tests, _templates
    language = language or edition()
    catalogue = gettext.translation("course", localedir, languages=[language], fallback=True)
    _ = catalogue.gettext
    _tests = gettext.translation("tests", localedir, languages=[language], fallback=True)
    _templates = _compiled(getattr(_tests, "_catalog", {}))
    return language if isinstance(catalogue, gettext.GNUTranslations) else "en"


def label_of(name: str) -> str:
    """A name the code uses as a key, as a student reads it in the edition's language: a line of a plot
    (fit's ``"train"`` and ``"held-out"``, ``"random: held-out"``, ``"nn.GRU: train"``), a count model
    (``"bigram"``), a row of a table. The key stays what it is (``LivePlot.lines[name]``, fit's ``lines=``,
    a dict of results): only what is shown is translated, each part around ``": "`` that is one of the
    course's words; the rest (``nn.GRU``) is code. In English: ``name`` itself.

    >>> label_of("random: held-out")  # in the Chinese edition: "随机抽样：留出"
    'random: held-out'
    """
    words = {
        "train": _("train"),
        "held-out": _("held-out"),
        "sequential": _("sequential"),
        "random": _("random"),
        "unigram": _("unigram"),
        "bigram": _("bigram"),
        "trigram": _("trigram"),
    }
    if not isinstance(name, str):
        return name
    first, *rest = [words.get(part, part) for part in name.split(": ")]
    for part in rest:
        first = _("{name}: {part}").format(name=first, part=part)
    return first


def _compiled(catalog: dict) -> list:
    """(regular expression, translation) of each template of the tests' catalogue: a msgid with numbered
    placeholders, ``"H_t ({0})"``, written for an f-string of a test, ``f"H_t ({_case})"``. The most
    specific (the most words of its own) first."""
    templates = []
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or not re.search(r"\{\d+\}", msgid):
            continue
        pattern = ""
        for part in re.split(r"(\{\{|\}\}|\{\d+\})", msgid):
            if part in ("{{", "}}"):
                pattern += re.escape(part[0])
            elif re.fullmatch(r"\{\d+\}", part):
                group = f"p{part[1:-1]}"
                pattern += f"(?P={group})" if f"<{group}>" in pattern else f"(?P<{group}>.*?)"
            else:
                pattern += re.escape(part)
        templates.append((len(re.sub(r"\{\d+\}", "", msgid)), re.compile(pattern, re.S), msgstr))
    return [(pattern, msgstr) for _length, pattern, msgstr in sorted(templates, key=lambda t: -t[0])]


def _tested(text):
    """A text a test passes to a check (a name, a hint, a message, a classic mistake) in the edition's
    language: the test cells are the same in both editions, and the hidden ones come back in English when
    they are graded. Its translation in locale/<lang>/LC_MESSAGES/tests.mo, or that of the template it
    fits, its values translated too; the text as it is when there is none (always, in English)."""
    if not isinstance(text, str) or not text:
        return text
    found = _tests.gettext(text)
    if found != text:
        return found
    matches = ((pattern.fullmatch(text), msgstr) for pattern, msgstr in _templates)
    matches = [(match.groupdict(), msgstr) for match, msgstr in matches if match]
    # a template whose values close every bracket they open first: "train_epoch(random sampler, ...)" is
    # "train_epoch({0})" of "random sampler, ...", not "{0} sampler, ..." of "train_epoch(random"
    for values, msgstr in sorted(matches, key=lambda found: not all(map(_balanced, found[0].values())))[:1]:
        return msgstr.format(*[_tested(values[f"p{i}"]) for i in range(len(values))])
    return text


def _balanced(value: str) -> bool:
    """Whether a text closes every bracket it opens."""
    return all(value.count(left) == value.count(right) for left, right in ("()", "[]", "{}"))


set_language()


# --------------------------------------------------------------------------
# Friendly checks for visible tests: they say what was expected and what came
# back, and (with ``hint``) what the usual cause is.
# --------------------------------------------------------------------------


def describe(value) -> str:
    """A short description of a value: tensors by shape and dtype."""
    if isinstance(value, torch.Tensor):
        return _("tensor of shape {shape} and dtype {dtype}").format(shape=tuple(value.shape), dtype=value.dtype)
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return _("{type} of length {length}").format(type=type(value).__name__, length=len(value))
    return f"{type(value).__name__} {value!r}"


def draws(f: Callable, n: int, *args, **kwargs) -> list:
    """The results of n calls f(*args, **kwargs), one after the other, as a list (a sampler's n draws).

    Here it is a plain loop. While grading, where `f` runs in your kernel and the test elsewhere, the n calls
    are made there in one go and only their n results come back, as values: what f answers anyway.
    """
    if hasattr(type(f), "draws"):  # the grader's stand-in for f (tools/checker.py: StudentFunction.draws)
        return type(f).draws(f, n, *args, **kwargs)
    return [f(*args, **kwargs) for _ in range(n)]


class CheckFailed(AssertionError):  # noqa: N818 -- shown to students: "CheckFailed: ..." says what happened
    """A test found a mistake. JupyterLab (IPython) shows it as the teacher's note it is: the message
    and the hint first, then the line of the test cell that found it, and no frames of this file."""

    def _render_traceback_(self) -> list[str]:
        message, _hint_label, hint = str(self).partition("\n" + _("Hint:") + " ")
        lines = [f"\x1b[1;31m{line}\x1b[0m" for line in _wrapped(message, "✗ ")]
        if hint:
            first, *more = _wrapped(hint, _("Hint:") + " ")
            label = _("Hint:")
            lines += [f"\x1b[1;34m{label}\x1b[0m{first[len(label) :]}", *more]
        where = _cell_line(self.__traceback__)
        if where:
            found = _("found by this cell, line {line}: {code}").format(line=where[0], code=_closed(where[1]))
            lines.append(f"\x1b[2m{found}\x1b[0m")
        return lines


def _wrapped(text: str, first: str) -> list[str]:
    """``text`` after ``first``, in lines of at most 82 characters broken at spaces, the next ones indented:
    nbgrader's Validate cuts longer lines, and a diagnosis at the end of a message would be lost."""
    lines = []
    for paragraph in text.splitlines():
        lines += textwrap.wrap(
            paragraph, 82, initial_indent=first, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
        )
        first = "  "
    return lines


def _closed(code: str) -> str:
    """A line of code as a quote: brackets it leaves open (a call over several lines) closed after `…`."""
    pairs, still_open = {"(": ")", "[": "]", "{": "}"}, []
    for char in code:
        if char in pairs:
            still_open.append(pairs[char])
        elif still_open and char == still_open[-1]:
            still_open.pop()
    return code + ("…" + "".join(reversed(still_open)) if still_open else "")


def _cell_line(traceback) -> tuple[int, str] | None:
    """(line number, code) of the last frame of the traceback outside this file: the test cell's line."""
    found = None
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if code.co_filename != __file__:
            line = linecache.getline(code.co_filename, traceback.tb_lineno).strip()
            found = (traceback.tb_lineno, line) if line else found
        traceback = traceback.tb_next
    return found


def _fail(message: str, hint: str | None) -> None:
    __tracebackhide__ = True  # IPython leaves this frame out of tracebacks
    hint = _tested(hint)
    raise CheckFailed(message + (f"\n{_('Hint:')} {hint}" if hint else ""))


class Mistake(NamedTuple):
    """A classic mistake of an exercise, as a test recognises it and names it to the student.

    ``says`` names it ("H_t is the value before tanh") and ``fix`` says how to put it right. A test
    recognises it by the value it produces: ``looks_like(actual, expected)`` where the mistake's result
    is a function of the right one (tanh left out, a norm squared, a prefix dropped), or its output on
    the test's own inputs, which the test passes as ``variants={key: output}``. ``error`` (a regular
    expression) recognises an exception the mistake raises instead (see ``diagnosing``).
    """

    says: str
    fix: str
    looks_like: Callable | None = None
    error: str | None = None


def _recognised(actual, expected, mistakes, variants, same) -> Mistake | None:
    """The first mistake of ``mistakes`` whose result ``actual`` is; the test's variants come first."""

    def holds(test) -> bool:
        try:
            return bool(test())
        except Exception:  # a value the relation cannot take (another shape, a non-number) is not a match
            return False

    for key, output in (variants or {}).items():
        if holds(lambda output=output: same(actual, output)):
            return mistakes[key]
    for mistake in mistakes.values():
        if mistake.looks_like and holds(lambda mistake=mistake: mistake.looks_like(actual, expected)):
            return mistake
    return None


def _fail_diagnosed(message, hint, actual, expected, mistakes, variants, same) -> None:
    """Fail, naming the classic mistake that produced ``actual`` when one of ``mistakes`` did: the first
    line (what the progress table and the feedback show) says which, and the hint is its fix. When
    none did, the message says so, and ``hint`` is the test's one most likely cause. It says "not one of
    the usual mistakes" only when this check could recognise each of them (by ``looks_like``, a variant, or
    an ``error`` the code would have raised before getting here); otherwise "none this test checks for"."""
    __tracebackhide__ = True
    if mistakes is None:
        _fail(message, hint)
    found = _recognised(actual, expected, mistakes, variants, same)
    if found is None:
        checked = all(m.looks_like or m.error or key in (variants or {}) for key, m in mistakes.items())
        none = (
            _("It is not one of the usual mistakes.")
            if checked
            else _("It is none of the usual mistakes this test checks for.")
        )
        _fail(message + " " + none, hint)
    _fail(message + " " + _("That is a classic mistake: {says}.").format(says=_tested(found.says)), found.fix)


@contextlib.contextmanager
def diagnosing(mistakes: dict[str, Mistake], name: str):
    """Run the student's code inside ``with diagnosing(MISTAKES, "train_epoch"):``: an exception that
    one of ``mistakes`` is known to raise (its ``error`` pattern) becomes a failed check naming that
    mistake, rather than a library's error the student has to decode."""
    __tracebackhide__ = True
    try:
        yield
    except CheckFailed:
        raise
    except Exception as error:
        text = f"{type(error).__name__}: {error}"
        for mistake in mistakes.values():
            if mistake.error and re.search(mistake.error, text):
                message = _("{name} should run without error, but it raised {error}.").format(
                    name=_tested(name), error=type(error).__name__
                )
                said = _("The library's own words: {text}").format(text=text.splitlines()[0][:160])
                classic = _("That is a classic mistake: {says}.").format(says=_tested(mistake.says))
                _fail(f"{message} {classic} {said}", mistake.fix)
        raise


def check_true(condition: bool, message: str, hint: str | None = None) -> None:
    """Fail with ``message`` (and ``hint``) unless ``condition`` holds."""
    __tracebackhide__ = True  # failures point at the test cell, not at helpers.py
    if not condition:
        _fail(_tested(message), hint)


def passed(text: str) -> None:
    """Print ``✓ text``: what a test cell has just checked, in the edition's language (like the checks' texts)."""
    print("✓", _tested(text))


_DIAGNOSIS = """

    With ``mistakes`` (the exercise's classic mistakes, ``{key: Mistake}``) a failure names the one that
    produced ``actual``, if any: see ``Mistake``. ``variants`` maps some of their keys to what they
    produce on this test's inputs."""


def check_shape(
    actual, expected: Sequence[int], name: str = "result", hint: str | None = None, mistakes=None, variants=None
) -> None:
    """``actual`` must be a tensor of shape ``expected``; ``variants`` are shapes."""
    __tracebackhide__ = True  # failures point at the test cell, not at helpers.py
    if not isinstance(actual, torch.Tensor):
        message = _("{name}: expected a tensor of shape {expected}, got {got}.")
        _fail(message.format(name=_tested(name), expected=tuple(expected), got=describe(actual)), hint)
    if tuple(actual.shape) != tuple(expected):
        message = _("{name}: expected shape {expected}, got {got}.")
        _fail_diagnosed(
            message.format(name=_tested(name), expected=tuple(expected), got=tuple(actual.shape)),
            hint,
            actual,
            tuple(expected),
            mistakes,
            variants,
            lambda a, shape: tuple(a.shape) == tuple(shape),
        )


check_shape.__doc__ += _DIAGNOSIS


def _check_shape_of(actual, expected, name, hint, mistakes, variants, same) -> None:
    """The shape check of check_equal and check_close: a mistake is recognised by its whole value."""
    __tracebackhide__ = True
    if not isinstance(actual, torch.Tensor):
        message = _("{name}: expected a tensor of shape {expected}, got {got}.")
        got = describe(actual)
    elif actual.shape != expected.shape:
        message = _("{name}: expected shape {expected}, got {got}.")
        got = tuple(actual.shape)
    else:
        return
    _fail_diagnosed(
        message.format(name=_tested(name), expected=tuple(expected.shape), got=got),
        hint,
        actual,
        expected,
        mistakes,
        variants,
        same,
    )


def check_dtype(actual, expected: torch.dtype, name: str = "result", hint: str | None = None) -> None:
    """``actual`` must be a tensor of dtype ``expected``."""
    __tracebackhide__ = True  # failures point at the test cell, not at helpers.py
    if not isinstance(actual, torch.Tensor):
        _fail(
            _("{name}: expected a tensor of dtype {expected}, got {got}.").format(
                name=_tested(name), expected=expected, got=describe(actual)
            ),
            hint,
        )
    if actual.dtype != expected:
        _fail(
            _("{name}: expected dtype {expected}, got {got}.").format(
                name=_tested(name), expected=expected, got=actual.dtype
            ),
            hint,
        )


def _equal(actual, expected) -> bool:
    if isinstance(expected, torch.Tensor):
        return (
            isinstance(actual, torch.Tensor)
            and actual.shape == expected.shape
            and torch.equal(actual.to(expected.dtype), expected)
        )
    return actual == expected


def check_equal(actual, expected, name: str = "result", hint: str | None = None, mistakes=None, variants=None) -> None:
    """Exact equality; for tensors, same shape and every element equal."""
    __tracebackhide__ = True  # failures point at the test cell, not at helpers.py
    if isinstance(expected, torch.Tensor):
        _check_shape_of(actual, expected, name, hint, mistakes, variants, _equal)
        if not torch.equal(actual.to(expected.dtype), expected):
            where = (actual.to(expected.dtype) != expected).nonzero()[0].tolist()
            message = _("{name}: wrong values; first difference at index {index}: expected {expected}, got {got}.")
            _fail_diagnosed(
                message.format(
                    name=_tested(name),
                    index=tuple(where),
                    expected=expected[tuple(where)].item(),
                    got=actual[tuple(where)].item(),
                ),
                hint,
                actual,
                expected,
                mistakes,
                variants,
                _equal,
            )
    elif actual != expected:
        _fail_diagnosed(
            _("{name}: expected {expected}, got {got}.").format(
                name=_tested(name), expected=repr(expected), got=describe(actual)
            ),
            hint,
            actual,
            expected,
            mistakes,
            variants,
            _equal,
        )


check_equal.__doc__ += _DIAGNOSIS


def check_close(
    actual,
    expected,
    name: str = "result",
    atol: float = 1e-6,
    rtol: float = 1e-5,
    hint: str | None = None,
    mistakes=None,
    variants=None,
) -> None:
    """Numbers or tensors equal up to ``atol + rtol * |expected|``."""
    __tracebackhide__ = True  # failures point at the test cell, not at helpers.py

    def close(a, b) -> bool:
        if isinstance(b, torch.Tensor):
            return a.shape == b.shape and torch.allclose(
                a.detach().to(torch.float64), b.detach().to(torch.float64), atol=atol, rtol=rtol
            )
        return math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=atol)

    if isinstance(expected, torch.Tensor):
        _check_shape_of(actual, expected, name, hint, mistakes, variants, close)
        actual_f = actual.detach().to(torch.float64)
        expected_f = expected.detach().to(torch.float64)
        if not torch.allclose(actual_f, expected_f, atol=atol, rtol=rtol, equal_nan=False):
            error = (actual_f - expected_f).abs()
            error = torch.where(torch.isnan(error), torch.full_like(error, math.inf), error)
            where = tuple(torch.unravel_index(error.argmax(), error.shape)) if error.dim() else ()
            where = tuple(int(i) for i in where)
            message = _(
                "{name}: values differ from the reference; largest difference {largest} at index {index}: "
                "expected {expected}, got {got}."
            )
            largest, expected_value, got = error.max().item(), expected_f[where].item(), actual_f[where].item()
            _fail_diagnosed(
                message.format(
                    name=_tested(name),
                    largest=f"{largest:.3g}",
                    index=where,
                    expected=f"{expected_value:.6g}",
                    got=f"{got:.6g}",
                ),
                hint,
                actual,
                expected,
                mistakes,
                variants,
                close,
            )
        return
    try:
        actual_value = float(actual)
    except (TypeError, ValueError):
        message = _("{name}: expected a number close to {expected}, got {got}.")
        _fail(message.format(name=_tested(name), expected=repr(expected), got=describe(actual)), hint)
    if not math.isclose(actual_value, float(expected), rel_tol=rtol, abs_tol=atol):
        message = _("{name}: expected {expected}, got {got}.")
        _fail_diagnosed(
            message.format(name=_tested(name), expected=f"{float(expected):.6g}", got=f"{actual_value:.6g}"),
            hint,
            actual,
            expected,
            mistakes,
            variants,
            close,
        )


check_close.__doc__ += _DIAGNOSIS


def _source_attributes(function) -> set[str]:
    """Names of the attributes that the source of ``function`` refers to."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return set()
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    return names


@contextlib.contextmanager
def _tripwires(forbidden: Sequence[tuple[object, str]], message: str):
    saved = [(owner, attribute, getattr(owner, attribute)) for owner, attribute in forbidden]

    def tripwire(*args, **kwargs):
        raise AssertionError(message)

    try:
        for owner, attribute, _ in saved:
            setattr(owner, attribute, tripwire)
        yield
    finally:
        for owner, attribute, original in saved:
            setattr(owner, attribute, original)


def check_no_builtin(
    function,
    call,
    forbidden: Sequence[tuple[object, str]],
    name: str | None = None,
    hint: str | None = None,
    mistake: Mistake | None = None,
) -> None:
    """Check that ``function`` is written without the built-ins in ``forbidden``.

    ``forbidden`` lists ``(owner, attribute)`` pairs such as
    ``(torch.nn.functional, "one_hot")``. Two checks: ``call()`` (which should
    call ``function``) runs with every forbidden attribute replaced by a
    tripwire, and the source of ``function`` must not name those attributes
    (which also catches ``from torch.nn.functional import one_hot as oh``).
    With ``mistake`` (the exercise's catalogue entry for using the built-in), a failure names it.
    """
    __tracebackhide__ = True  # failures point at the test cell, not at helpers.py
    if mistake is not None:
        hint, says = mistake.fix, " " + _("That is a classic mistake: {says}.").format(says=_tested(mistake.says))
    else:
        says = ""
    name = _tested(name) or getattr(function, "__name__", _("your function"))
    builtins = sorted({attribute for _owner, attribute in forbidden})
    message = _("{name} must be written without {builtins}, but it calls it.").format(
        name=name, builtins=", ".join(builtins)
    )
    with _tripwires(forbidden, message):
        try:
            call()
        except AssertionError as error:
            if str(error) == message:
                _fail(message + says, hint)
            raise
    named = _source_attributes(function) & set(builtins)
    originals = [getattr(owner, attribute) for owner, attribute in forbidden]
    named |= {
        _("{name} (an alias of {builtin})").format(name=global_name, builtin=attribute)
        for global_name in _global_names(function.__code__)
        for attribute, original in zip([a for _owner, a in forbidden], originals)
        if function.__globals__.get(global_name) is original
    }
    message = _("{name} must be written without {builtins}, but it refers to {names}.")
    message = message.format(name=name, builtins=", ".join(builtins), names=", ".join(sorted(named)))
    check_true(not named, message + says, hint)


# Fixtures of the tests: random inputs of given shapes, the same in every notebook that uses them.


def random_rnn_params(
    vocab_size: int,
    num_hiddens: int,
    scale: float = 1.0,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
) -> list[torch.Tensor]:
    """Random test parameters [W_xh (V, H), W_hh (H, H), b_h (H,), W_hq (H, V), b_q (V,)]: every entry,
    biases included, drawn from N(0, scale**2) with ``generator``, in that order. Plain tensors (no
    ``requires_grad``): test values for the recurrence, not an initialisation to train from."""
    shapes = [(vocab_size, num_hiddens), (num_hiddens, num_hiddens), (num_hiddens,), (num_hiddens, vocab_size)]
    return [torch.randn(*shape, generator=generator, dtype=dtype) * scale for shape in [*shapes, (vocab_size,)]]


def random_one_hot_inputs(
    num_steps: int,
    batch_size: int,
    vocab_size: int,
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Time-major one-hot inputs of random tokens drawn with ``generator``: shape (T, B, V),
    ``inputs[t, b]`` the one-hot vector of the token of sequence b at step t."""
    tokens = torch.randint(0, vocab_size, (num_steps, batch_size), generator=generator)  # (T, B)
    return torch.nn.functional.one_hot(tokens, vocab_size).to(dtype)  # (T, B, V)


# --------------------------------------------------------------------------
# Your progress
# --------------------------------------------------------------------------


def progress_report(notebook: str | os.PathLike | None = None) -> None:
    """Run the visible tests of this notebook again, in this kernel, and show a table: each exercise,
    its points, how many of its visible tests pass, and the first failure's message. Hidden tests run
    only when your work is graded, so passing everything here is necessary, not sufficient.

    ``notebook`` defaults to the notebook this kernel belongs to (its saved file; the test cells are
    read-only, so an older save is fine). Does nothing while grading."""
    if is_grading():
        print(_("(progress report: skipped while grading)"))
        return
    path = _this_notebook(notebook)
    _show_progress(progress_table(path, _kernel_namespace()), path.name)


def progress_table(path: str | os.PathLike, namespace: dict) -> list[dict]:
    """One row per exercise of the notebook at `path`: points, earned (by the visible tests run in
    `namespace`), tests, passed, first failure."""
    import json

    cells = [c for c in json.loads(Path(path).read_text(encoding="utf-8"))["cells"] if c.get("cell_type") == "code"]
    graded = [(c, c.get("metadata", {}).get("nbgrader", {})) for c in cells]
    exercises = [m["grade_id"] for _cell, m in graded if m.get("solution")]

    def new_row(exercise: str) -> dict:
        return {"exercise": exercise, "points": 0.0, "earned": 0.0, "tests": 0, "passed": 0, "first failure": ""}

    rows = {e: new_row(e) for e in exercises}
    for cell, meta in graded:
        if not meta.get("grade") or meta.get("solution"):
            continue
        test, points = meta["grade_id"], float(meta.get("points", 0))
        owners = [e for e in exercises if test == f"test_{e}" or test.startswith(f"test_{e}_")]
        exercise = max(owners, key=len) if owners else test
        row = rows.setdefault(exercise, new_row(exercise))
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        failure = _run_quietly(_HIDDEN_TESTS.sub("", source), namespace, test, exercise)
        row["tests"], row["points"] = row["tests"] + 1, row["points"] + points
        if failure is None:
            row["passed"], row["earned"] = row["passed"] + 1, row["earned"] + points
        elif not row["first failure"]:
            row["first failure"] = failure
    return list(rows.values())


def _this_notebook(notebook) -> Path:
    if notebook is not None:
        return Path(notebook)
    session = os.environ.get("JPY_SESSION_NAME", "")
    candidates = [Path.cwd() / Path(session).name] if session.endswith(".ipynb") else []
    candidates += sorted(Path.cwd().glob("[0-9][0-9]_*.ipynb"))
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(
        _("progress_report: no notebook found here; pass its path, e.g. progress_report('01_one_hot.ipynb')")
    )


def _kernel_namespace() -> dict:
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is None:
        raise RuntimeError(_("progress_report runs in a Jupyter notebook, after the cells above it"))
    return shell.user_ns


#: An instructor's copy holds hidden tests; a student's has none. Either way only visible tests run.
_HIDDEN_TESTS = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S)


def _run_quietly(source: str, namespace: dict, name: str, exercise: str = "") -> str | None:
    """Run a test cell's code; None when it passes, else the first line of what went wrong."""
    import io

    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(source, f"<{name}>", "exec"), namespace)
    except Exception as error:
        return _failure(error, name, exercise)
    return None


def _failure(error: Exception, name: str, exercise: str = "") -> str:
    """What a test cell's exception means, in one line. The grader's rule is the same: a test cell that
    raises scores nothing, one that runs to its end scores its points (tools/judge.py)."""
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    code = frame.tb_frame.f_code if frame is not None else None
    if isinstance(error, NotImplementedError):
        stub = code.co_name if code else ""
        if exercise and stub not in (exercise, "<module>") and stub.isidentifier():
            return _("needs {function}, which is not attempted yet (it still raises NotImplementedError)").format(
                function=stub
            )
        return _("not attempted yet (the exercise still raises NotImplementedError)")
    if isinstance(error, NameError):
        if code is not None and code.co_filename == f"<{name}>":  # the test itself misses a name: Run All
            # stops at the first failing cell, so the cells after it have not run in this kernel
            return _("not run yet ({error}): run the cells above this test, then this report again").format(error=error)
        return f"NameError: {error}"
    if isinstance(error, CheckFailed):
        return str(error).splitlines()[0]
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}".strip()


def _show_progress(table: list[dict], name: str) -> None:
    import html

    points, earned = sum(r["points"] for r in table), sum(r["earned"] for r in table)
    failing = sum(r["tests"] - r["passed"] for r in table)
    header = (
        _("{name}: the visible tests give {earned} of {points} points; {failing} test to fix.")
        if failing == 1
        else _("{name}: the visible tests give {earned} of {points} points; {failing} tests to fix.")
    ).format(name=name, earned=f"{earned:g}", points=f"{points:g}", failing=failing)
    header += " " + _("Hidden tests run when your work is graded.")
    plain = [header, ""]
    rows = []
    pad = 'style="padding:3px 14px 3px 0;text-align:left;vertical-align:top"'
    for r in table:
        done = r["passed"] == r["tests"]
        counts = _("{earned}/{points} points, {passed}/{tests} tests pass").format(
            earned=f"{r['earned']:g}", points=f"{r['points']:g}", passed=r["passed"], tests=r["tests"]
        )
        plain.append(f"{'✓' if done else '✗'} {r['exercise']:24s} {counts}  {r['first failure']}")
        cells = [
            '<span style="color:#1a7f37;font-weight:bold">✓</span>'  # glyphs every font has (no emoji)
            if done
            else '<span style="color:#cf222e;font-weight:bold">✗</span>',
            f"<code>{html.escape(r['exercise'])}</code>",
            f"{r['earned']:g} / {r['points']:g}",
        ]
        cells += [
            _("{passed} of {tests}").format(passed=r["passed"], tests=r["tests"]),
            html.escape(r["first failure"]),
        ]
        rows.append("<tr>" + "".join(f"<td {pad}>{c}</td>" for c in cells) + "</tr>")
    headings = ("", _("exercise"), _("points"), _("visible tests passing"), _("first failure"))
    head = "".join(f"<th {pad}>{h}</th>" for h in headings)
    body = "".join(rows)
    page = f"<p><b>{html.escape(header)}</b></p><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    try:
        from IPython.display import display
    except ImportError:
        print("\n".join(plain))
        return
    display({"text/html": page, "text/plain": "\n".join(plain)}, raw=True)


def _global_names(code) -> set[str]:
    """Global names used by a code object and the functions nested in it."""
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _global_names(const)
    return names


# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------

#: Set this environment variable to 1 to opt in to the notebooks' long runs.
LONG_RUN_ENV = "RNN_COURSE_LONG"


def long_runs() -> bool:
    """True when the learner opted in to long training runs
    (environment variable ``RNN_COURSE_LONG=1``); never while grading."""
    return os.environ.get(LONG_RUN_ENV, "").strip().lower() in {"1", "true", "yes"} and not is_grading()


def choose_epochs(default: int, grading: int | None = None, long: int | None = None) -> int:
    """How many epochs a demo trains: ``grading`` while nbgrader runs the
    notebook (autograding stays fast; the graded tests do not depend on it),
    ``long`` when ``RNN_COURSE_LONG=1`` is set, ``default`` otherwise.

    >>> choose_epochs(8, grading=2, long=40)  # neither grading nor long here
    8
    """
    if is_grading() and grading is not None:
        return grading
    if long_runs() and long is not None:
        return long
    return default


class History:
    """What :func:`fit` measured, one entry per epoch (``heldout`` and
    ``samples`` only for the epochs where they were computed)."""

    def __init__(self):
        self.epochs: list[int] = []
        self.train_perplexity: list[float] = []
        self.tokens_per_second: list[float] = []
        #: (epoch, held-out perplexity) pairs.
        self.heldout: list[tuple[int, float]] = []
        #: (epoch, generated text) pairs.
        self.samples: list[tuple[int, str]] = []
        #: Wall time of the whole run in seconds (evaluation and sampling included).
        self.seconds: float = 0.0

    @property
    def final_train_perplexity(self) -> float | None:
        return self.train_perplexity[-1] if self.train_perplexity else None

    @property
    def final_heldout_perplexity(self) -> float | None:
        return self.heldout[-1][1] if self.heldout else None

    @property
    def mean_tokens_per_second(self) -> float | None:
        """Mean training speed over the epochs (evaluation excluded)."""
        return sum(self.tokens_per_second) / len(self.tokens_per_second) if self.tokens_per_second else None

    def __repr__(self) -> str:
        parts = [f"epochs={len(self.epochs)}"]
        if self.train_perplexity:
            parts.append(f"train perplexity={self.final_train_perplexity:.2f}")
        if self.heldout:
            parts.append(f"held-out perplexity={self.final_heldout_perplexity:.2f}")
        if self.tokens_per_second:
            parts.append(f"{self.mean_tokens_per_second:,.0f} tokens/s")
        parts.append(f"{self.seconds:.1f} s")
        return f"History({', '.join(parts)})"


def _batches_factory(data):
    """``data`` as a function returning a fresh iterable of batches per epoch."""
    if callable(data):
        return data
    if iter(data) is data:
        raise TypeError(
            "fit(data=...) got an iterator (a generator?) that would be exhausted after one epoch. "
            "Pass a function returning a fresh one, e.g. "
            "data=lambda: seq_data_iter_sequential(corpus, batch_size, num_steps)."
        )
    return lambda: data


def fit(
    train_epoch,
    net,
    data,
    optimizer,
    num_epochs: int,
    loss_fn=None,
    use_random_iter: bool = False,
    theta: float = 1.0,
    device=None,
    evaluate=None,
    eval_every: int = 1,
    sample=None,
    sample_every: int | None = None,
    plot=True,
    lines: tuple[str, ...] = ("train", "held-out"),
    baselines: dict[str, float] | None = None,
    title: str | None = None,
    desc: str | None = None,
    verbose: bool = True,
) -> History:
    """Train ``net`` for ``num_epochs`` epochs with your ``train_epoch``.

    The driver only loops, measures and reports; the learning happens in
    ``train_epoch(net, batches, loss_fn, optimizer, use_random_iter,
    theta=theta, device=device)``, which must return ``(perplexity,
    tokens_per_second)`` for the epoch.

    Args:
        train_epoch: your function that trains for one epoch (see above).
        net: the model; any model with the course's calling convention
            ``net(X, state) -> (outputs, state)`` and ``net.begin_state(batch_size, device)``.
        data: a function returning a fresh iterable of ``(X, Y)`` batches,
            each ``(batch_size, num_steps)``, called once per epoch (for example
            ``lambda: seq_data_iter_random(corpus, batch_size, num_steps)``);
            a list of batches is reused as is.
        optimizer: a ``torch.optim`` optimizer over the parameters of ``net``.
        num_epochs: number of passes over ``data``.
        loss_fn: default ``torch.nn.CrossEntropyLoss()`` (mean over tokens).
        use_random_iter, theta, device: passed on to ``train_epoch``.
        evaluate: optional function ``net -> held-out perplexity``, called
            every ``eval_every`` epochs and after the last one.
        sample: optional function ``net -> str`` (generated text), printed
            every ``sample_every`` epochs (default: four times per run) and
            after the last one.
        plot: ``True`` for a new live plot of the perplexities, ``False`` for
            none, or an existing :class:`LivePlot` to draw into (its legend must
            contain the names of ``lines``: the train line, and the held-out line if
            ``evaluate`` is given).
        baselines: ``{name: perplexity}`` drawn as dashed horizontal lines on a
            new plot (e.g. the count-based models of assignment 4).
        title, desc: titles of the plot and of the progress bar (default: "training").
        verbose: print the samples and a one-line summary at the end.

    Returns:
        a :class:`History` of the run (perplexities, speeds, samples, seconds).
    """
    if num_epochs < 1:
        raise ValueError(f"num_epochs must be at least 1, got {num_epochs}")
    batches = _batches_factory(data)
    loss_fn = loss_fn if loss_fn is not None else torch.nn.CrossEntropyLoss()
    sample_every = sample_every or max(1, num_epochs // 4)
    train_line, heldout_line = (*lines, None)[:2]  # lines=(name,) is enough without evaluate
    if evaluate is not None and heldout_line is None:
        raise ValueError(f"fit(evaluate=...) needs two names in lines (train, held-out), got {lines}")
    if plot is True:
        live = LivePlot(
            xlabel=_("epoch"),
            ylabel=_("perplexity"),
            legend=[train_line, heldout_line] if evaluate is not None else [train_line],
            title=title,
            hlines=baselines,
        )
    elif plot:
        live = plot
        needed = lines[:2] if evaluate is not None else lines[:1]  # no held-out line without evaluate
        missing = [name for name in needed if name not in live.legend]
        if missing:
            raise ValueError(f"the LivePlot passed to fit has no line named {missing} (its legend: {live.legend})")
    else:
        live = None
    if live is not None:
        from matplotlib.ticker import MaxNLocator

        live.ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        live.show()  # the plot first, then the progress bar: the same order in every cell
    history = History()
    start = time.perf_counter()
    bar = progress(range(1, num_epochs + 1), desc=desc or _("training"))
    for epoch in bar:
        perplexity, speed = train_epoch(net, batches(), loss_fn, optimizer, use_random_iter, theta=theta, device=device)
        perplexity, speed = float(perplexity), float(speed)
        history.epochs.append(epoch)
        history.train_perplexity.append(perplexity)
        history.tokens_per_second.append(speed)
        heldout = None
        if evaluate is not None and (epoch % eval_every == 0 or epoch == num_epochs):
            heldout = float(evaluate(net))
            history.heldout.append((epoch, heldout))
        if live is not None:
            values = {train_line: perplexity, heldout_line: heldout}
            live.add(epoch, [values.get(name) for name in live.legend])
        # short keys, and a non-breaking hyphen: the bar's text must not wrap in a notebook
        postfix = {_("ppl"): f"{perplexity:.2f}", _("tok/s"): f"{speed:,.0f}"}
        if history.heldout:
            postfix[_("held\u2011out")] = f"{history.heldout[-1][1]:.2f}"
        bar.set_postfix(postfix, refresh=False)
        if sample is not None and (epoch % sample_every == 0 or epoch == num_epochs):
            text = sample(net)
            history.samples.append((epoch, text))
            if verbose:
                print(_("epoch {epoch:3d}: {text!r}").format(epoch=epoch, text=text))
    bar.close()
    history.seconds = time.perf_counter() - start
    if live is not None:
        live.show()
    if verbose:
        line = _("train perplexity {perplexity:.2f}").format(perplexity=history.final_train_perplexity)
        if history.heldout:
            line += _(", held-out perplexity {perplexity:.2f}").format(perplexity=history.final_heldout_perplexity)
        speed = _(", {speed:,.0f} tokens/s, {seconds:.1f} s")
        print(line + speed.format(speed=history.mean_tokens_per_second, seconds=history.seconds))
    return history


__all__ += ["LONG_RUN_ENV", "History", "choose_epochs", "fit", "long_runs"]
