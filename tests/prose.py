"""The numbers a student reads in a notebook's prose are timeless or printed by the notebook (issue 28).

Every number of a markdown cell is one of:

* **small**: an integer below 100 written without separators (28 tokens, 35 steps, layer 2) — counts,
  sizes and references, not measurements;
* **a reference**: the number of a section, chapter, assignment, exercise or *Going further* item, or
  the year of a citation;
* **a setting**: a number literal of the notebook's code (a learning rate of 0.005, 20,000 tokens);
* **printed**: a number the notebook's outputs show, at the precision the prose quotes it (16.7 matches a
  printed 16.73; "about 170,000" matches 173,427, a bare 170,000 only 170,000; $10^{-14}$ matches
  2.6e-14);
* **an exact fact** listed in FACTS below with the expression that computes it (ln 28 ≈ 3.33 is
  `math.log(28)`), which the check evaluates.

Anything else — a perplexity after training, a speed, a ratio, typed into the prose from some run — is
reported, as is a fact of FACTS that the notebook no longer quotes or whose expression disagrees. Numbers
that vary between machines are not quoted at all: the text says what to look for, the cell prints it.

The Chinese edition's prose (the markdown cells' `metadata.i18n.zh`, tools/i18n.py) is checked the same way
against a run of the Chinese edition (RNN_COURSE_LANG=zh: tests/test_zh_notebooks.py; its notebooks read the
Tang poems there), with its own exact facts, FACTS_ZH; `第 8.3 节`, `作业 5`, `练习 2` are references.

The notebooks' outputs come from nbval's run (conftest.py adds one `prose numbers` item after the last
cell of every notebook it runs), so this costs no execution of its own. `python -m tests.prose` prints
the markdown word count of every notebook.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: Exact facts quoted in the prose, per notebook: the number as written -> the expression computing it.
FACTS: dict[str, dict[str, str]] = {
    "02_recurrence": {
        "784": "28**2",
        "614,656": "28**4",
        "291": "(28 * 512 + 512**2 + 512 + 512 * 28 + 28) / 1000",  # "about 291 thousand" parameters
        "3.33": "math.log(28)",
    },
    "04_perplexity": {
        "710": "math.log(sys.float_info.max)",  # exp overflows past it in float64
        "4.368": "(0.4 * 0.1 * 0.3) ** (-1 / 3)",  # the worked example of the unigram model
        "9.61560": "ngram(2)",  # the bigram on the held-out split, count(u) over train[:-1] (the specification)
        "9.61567": "ngram(2, count_u='all')",  # ... and over all training tokens (accepted too)
        "6.53": "ngram(3)",  # the trigram of Going further 1, held out
        "6.30": "ngram(3, on='train')",  # ... and on the training text
    },
    "05_clipping": {
        "0.005": "0.9**50",
        "117": "1.1**50",
        "10^{15}": "2**50",
        "10^{-16}": "sys.float_info.epsilon",  # float64 rounding
        "3.3": "math.log(28)",
    },
    "going_fast": {
        "0.01": "0.01",  # init_rnn_params' standard deviation (assignment 2), D2L's too
        "0.45": "0.01 * 2 * math.sqrt(512)",  # the largest singular value of a 512 x 512 N(0, 0.01²) matrix
    },
}

#: The Chinese prose's exact facts, per notebook (as FACTS; the notebooks not listed need none). Its 04 reads
#: the Tang poems and compares them with The Time Machine.
FACTS_ZH: dict[str, dict[str, str]] = {
    "02_recurrence": {  # V = 3,588 characters of the Tang poems
        "12,873,744": "3588**2",  # the bigram table
        "1.66": "3588**4 / 1e14",  # the 4-gram table, 1.66 × 10^14
        "614,656": "28**4",  # The Time Machine's 4-gram table, for comparison
        "394": "(3588 * 512 + 512**2 + 512 + 512 * 3588 + 3588) / 10_000",  # "394 万" parameters at H = 512
        "8.19": "math.log(3588)",
    },
    "04_perplexity": {
        "710": "math.log(sys.float_info.max)",
        "1,052.8153": "ngram(2, corpus='tangshi')",  # the bigram held out, count(u) over train[:-1]
        "1,052.8156": "ngram(2, count_u='all', corpus='tangshi')",  # ... and over all training tokens
        "2,653.66": "ngram(3, corpus='tangshi')",  # the trigram of Going further 1, held out
        "1,482.75": "ngram(3, on='train', corpus='tangshi')",  # ... and on the training text
        "16.73": "ngram(1)",  # The Time Machine's unigram and bigram, held out (the English edition's)
        "9.62": "ngram(2)",
    },
    "05_clipping": {
        "0.005": "0.9**50",
        "117": "1.1**50",
        "10^{15}": "2**50",
        "10^{-16}": "sys.float_info.epsilon",  # float64 rounding
        "8.2": "math.log(3588)",  # a uniform guess's loss on the Tang poems
    },
}

# A number: 10^{k} or 10^k (a power of ten), or digits with thousands separators, a decimal part, an
# exponent; a `^` right after it makes it the base of a power (2^{50}: an exact expression, skipped).
_NUMBER = re.compile(
    r"(?<![\w.])(?:10\^\{?(?P<power>[-−]?\d+)\}?"
    r"|(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?P<base>\^)?)"
)
_REFERENCE = re.compile(
    r"(section|sections|chapter|§|assignment|assignments|exercise|further|第|作业|练习|拓展)\s*$", re.I
)
_APPROXIMATE = re.compile(r"(about|almost|nearly|roughly|some|over|under|~|≈|\\approx|约|将近|超过)\s*\$?\s*$", re.I)
_OUTPUT_NUMBER = re.compile(r"(?<![\w.])[-−]?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:e[-+]?\d+)?)")


@dataclass(frozen=True)
class Quoted:
    """A number as a markdown cell writes it."""

    text: str  # as written, e.g. "16.7", "614,656", "10^{-14}"
    value: float
    power: bool  # written as 10^k: quoted to an order of magnitude
    cell: str
    approximate: bool = False  # "about 170,000": its trailing zeros are rounding

    @property
    def step(self) -> float:
        """The precision it is quoted at: 0.01 for 16.73, 1 for 156,084, 10,000 for "about 170,000"."""
        digits = self.text.replace(",", "")
        if "." in digits:
            return 10.0 ** -len(digits.split(".")[1])
        stripped = digits.rstrip("0")
        if not self.approximate or not stripped:
            return 1.0
        return 10.0 ** (len(digits) - len(stripped))

    def matches(self, value: float) -> bool:
        """Whether `value` is this number at the precision it is quoted at."""
        value = abs(value)
        if self.power:
            return value > 0 and abs(math.log10(value) - math.log10(self.value)) <= 0.5
        return abs(value - self.value) <= self.step / 2 * (1 + 1e-9)

    @property
    def small(self) -> bool:
        return not self.power and re.fullmatch(r"\d{1,2}", self.text) is not None


def _markdown_text(source: str) -> str:
    """The text of a markdown cell without links' targets and HTML tags (their digits are not prose)."""
    source = re.sub(r"\]\([^)]*\)", "]", source)
    return re.sub(r"<[^>]+>", " ", source)


def quoted_numbers(nb, language: str = "en") -> list[Quoted]:
    """Every number the markdown cells of a notebook write in `language` (its translations for "zh"; small
    ones and references included)."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        source = cell.source if language == "en" else _translation(cell, language)
        text = _markdown_text(source)
        for match in _NUMBER.finditer(text):
            if match.group("base"):
                continue  # the base of a power: an exact expression, e.g. 0.9^{50}
            if _REFERENCE.search(text[max(0, match.start() - 12) : match.start()]):
                continue
            if re.fullmatch(r"(19|20)\d\d", match.group(0)) and text[match.end() : match.end() + 1] in (")", "）"):
                continue  # the year of a citation: (Tallec and Ollivier, 2017)
            label = cell.get("id") or f"markdown cell {index}"
            if match.group("power") is not None:
                exponent = int(match.group("power").replace("−", "-"))
                found.append(Quoted(match.group(0), 10.0**exponent, True, label))
            else:
                digits = match.group("digits")
                approximate = _APPROXIMATE.search(text[max(0, match.start() - 10) : match.start()]) is not None
                found.append(Quoted(digits, float(digits.replace(",", "")), False, label, approximate))
    return found


def _translation(cell, language: str) -> str:
    """A markdown cell's prose in `language` (tools/i18n.py keeps it in the cell's metadata)."""
    from tools import i18n

    found = i18n.translation(cell, language)
    return found["source"] if found else ""


def output_numbers(outputs: list[dict]) -> list[float]:
    """The numbers a cell's outputs print (streams and plain-text results; errors and images aside)."""
    values = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            text = output.get("text", "")
        elif kind in ("execute_result", "display_data"):
            text = output.get("data", {}).get("text/plain", "")
        else:
            continue
        text = "".join(text) if isinstance(text, list) else text
        values += [float(m.group(1).replace(",", "")) for m in _OUTPUT_NUMBER.finditer(text)]
    return values


def code_numbers(nb) -> set[float]:
    """The number literals of a notebook's code cells: its settings (20000 is the prose's 20,000)."""
    import ast

    values: set[float] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        values |= {
            abs(float(node.value))
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool)
        }
    return values


def _fact_value(expression: str) -> float:
    import sys

    return float(eval(expression, {"math": math, "sys": sys, "ngram": _ngram}))


def _ngram(n: int, on: str = "test", count_u: str = "prefixes", corpus: str = "timemachine") -> float:
    """The add-one n-gram perplexity of assignment 4 on a shipped corpus (The Time Machine unless told; counts
    from the training split), evaluated on the held-out split or on the training text itself. `count_u="all"`:
    the bigram's count(u) over all training tokens, the other choice 04's tests accept."""
    from collections import Counter

    import helpers

    corpus, vocab = helpers.load_corpus(corpus=corpus)
    train, test = helpers.train_test_split(corpus)
    text = test if on == "test" else train
    grams = Counter(zip(*(train[i:] for i in range(n))))
    contexts = Counter(zip(*(train[i : len(train) - n + 1 + i] for i in range(n - 1))))
    if n == 1:
        contexts = Counter({(): len(train)})
    if count_u == "all":
        contexts = Counter((token,) for token in train)
    total = sum(
        math.log((grams[gram] + 1) / (contexts[gram[:-1]] + len(vocab))) for gram in zip(*(text[i:] for i in range(n)))
    )
    return math.exp(-total / (len(text) - n + 1))


def unaccounted(name: str, nb, outputs: list[float], language: str = "en") -> list[str]:
    """Why the prose of notebook `name` in `language` (its cells `nb`, the numbers its run in that edition
    printed `outputs`) quotes a number it should not: one message per number, and per entry of FACTS (FACTS_ZH)
    that is stale. Empty when all is well."""
    table = "FACTS" if language == "en" else "FACTS_ZH"
    facts = (FACTS if language == "en" else FACTS_ZH).get(name, {})
    settings = code_numbers(nb)
    problems, used = [], set()
    for number in quoted_numbers(nb, language):
        if number.small:
            continue
        if number.text in facts:
            used.add(number.text)
            if not number.matches(_fact_value(facts[number.text])):
                problems.append(
                    f"{number.cell}: {number.text} is listed as the exact fact {facts[number.text]}, which is "
                    f"{_fact_value(facts[number.text]):.6g}"
                )
            continue
        if number.value in settings or any(number.matches(value) for value in outputs):
            continue
        problems.append(
            f"{number.cell}: {number.text} is not printed by the notebook (at that precision), not a setting in its "
            f"code and not an exact fact of tests/prose.py {table}: print it in the cell the text is about, or say "
            "what to look for instead"
        )
    stale = set(facts) - used
    problems += [f"{table}[{name!r}] lists {text}, which no markdown cell quotes any more" for text in stale]
    return problems


def markdown_words(nb) -> int:
    """Words of prose: whitespace-separated pieces of the markdown cells (formulas and code spans count),
    but for free-text answer cells: students write those (the rubric there is for graders, tools/freetext.py)."""
    from tools.layout import is_freetext_cell

    return sum(
        len(cell.source.split()) for cell in nb.cells if cell.cell_type == "markdown" and not is_freetext_cell(cell)
    )


if __name__ == "__main__":
    import nbformat

    from tools.layout import Course

    course = Course()
    for assignment in course.assignments():
        notebook = nbformat.read(course.source_notebook(assignment), as_version=4)
        print(f"{assignment:24s} {markdown_words(notebook):6,d} words of markdown")
