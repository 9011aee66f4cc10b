"""Similar submissions: pairs of students whose answer cells are the same code under other names.

    python -m tools.similarity [-a A ...]     # the flagged pairs of each assignment, with matching lines

Every pair of submissions of an assignment is compared on its answer cells (the cells students write;
each cell with the same cell of the other), on a representation that ignores what a disguise changes:

* **names**: each answer cell is parsed (`ast`); a name the cell binds (a variable, a parameter, a
  helper function) becomes `v`, a name it only reads (`torch`, `range`) stays, and so do attributes
  (`.unsqueeze`), operators and the kind of each constant (number or string, not its value);
* **comments, blank lines, formatting, docstrings**: gone with the parse;
* **order of independent statements**: in every block, statements are put in a canonical order that
  keeps each statement after the ones it depends on (a name it reads or writes that an earlier one
  writes, or writes what an earlier one reads): the smallest ready statement first.

The tokens of a cell are cut into k-grams (K tokens), hashed, and winnowed (Schleimer, Wilkerson and
Aiken, "Winnowing: local algorithms for document fingerprinting", SIGMOD 2003, the algorithm of MOSS):
the smallest hash of every window of W k-grams is a fingerprint. Then, per assignment:

* fingerprints that **the release provides** (the stubs, every code cell of the release notebook) are
  dropped, and each other one weighs 1/n when n submissions have it: what many students write alike
  (the canonical answers) weighs little (the idea of MOSS's frequency cut-off, without a cliff);
* a pair's score is the weight it shares over the smaller of the two submissions' weights, over all
  answer cells; the pair is flagged when the score is at least THRESHOLD *and* at least MIN_SHARED of the
  shared fingerprints belong to these two submissions only: a short answer, written alike by two
  students, is never enough.

The numbers come from a calibration on the synthetic students of tests/grading/, honest near-duplicates
and disguised copies (tests/test_similarity.py; docs/benchmarks.md, "Similarity"). A flagged pair is held
for review (the report's `held_for_review`, and summary.md with the matching lines side by side): a
person decides. What it cannot find: a copy of answers too short to share MIN_SHARED fingerprints, code
rewritten by hand (a loop for a comprehension, another algorithm), answers copied into another cell, the
same code handed in by three or more students (RING: its fingerprints then count as written alike).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import heapq
import io
import sys
import tokenize
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import nbformat

from tools.layout import ROOT, Course, grade_id, is_answer_cell

K = 5  # tokens per k-gram
W = 4  # k-grams per winnowing window
THRESHOLD = 0.8  # score at which a pair is flagged ...
MIN_SHARED = 15  # ... when it shares this many rare fingerprints (docs/benchmarks.md) ...
RING = 2  # ... a fingerprint being rare when at most this many submissions have it (3 flags synthetic trios)


# ---------------------------------------------------------------------------
# The representation
# ---------------------------------------------------------------------------
@dataclass
class Statement:
    tokens: list[tuple[str, tuple[int, int]]]  # (token, lines of its innermost statement, 1-based)
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)

    @property
    def text(self) -> str:
        return " ".join(t for t, _ in self.tokens)


def _bound(tree: ast.AST) -> set[str]:
    """Names a piece of code binds: assigned names, parameters, functions and classes it defines, imports."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _shape(node: ast.AST, bound: set[str], top: str | None, lines: tuple[int, int]) -> list[tuple[str, tuple]]:
    """The tokens of one node, each with the lines of the innermost statement it belongs to: node kinds,
    bound names as `v`, read names, attributes and the kind of constants kept. Nested blocks are put in
    canonical order like the top level."""
    if isinstance(node, ast.stmt):  # a compound statement: its header line; a simple one: all its lines
        lines = (node.lineno, node.lineno if hasattr(node, "body") else node.end_lineno or node.lineno)
    out = [(type(node).__name__, lines)]
    for name, value in ast.iter_fields(node):
        if isinstance(node, ast.Name) and name == "id":
            out.append(("v" if value in bound else value, lines))
        elif isinstance(node, ast.Attribute) and name == "attr":
            out.append((f".{value}", lines))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and name == "name":
            out.append((value if value == top else "v", lines))
        elif isinstance(node, ast.arg) and name == "arg":
            out.append(("v", lines))
        elif isinstance(node, ast.Constant) and name == "value":
            out.append((type(value).__name__, lines))
        elif isinstance(value, ast.expr_context):
            continue
        elif isinstance(value, ast.AST):
            out += _shape(value, bound, top, lines)
        elif isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            for statement in canonical(value, bound, top):
                out += statement.tokens
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    out += _shape(item, bound, top, lines)
    return out


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def canonical(body: list[ast.stmt], bound: set[str], top: str | None = None) -> list[Statement]:
    """A block's statements in canonical order: each after those it depends on, the smallest ready first."""
    items, nodes = [], [node for node in body if not _is_docstring(node)]
    for node in nodes:
        reads = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        writes = _bound(node)
        items.append(Statement(_shape(node, bound, top, (0, 0)), reads, writes))
    after = {i: set() for i in range(len(items))}  # i -> the statements that must come before it
    for j, b in enumerate(items):
        for i in range(j):
            a = items[i]
            if a.writes & (b.reads | b.writes) or b.writes & a.reads or _flow(nodes[i]) or _flow(nodes[j]):
                after[j].add(i)
    ready = [(items[i].text, i) for i in range(len(items)) if not after[i]]
    heapq.heapify(ready)
    order, done = [], set()
    while ready:
        _, i = heapq.heappop(ready)
        order.append(items[i])
        done.add(i)
        for j in range(len(items)):
            if j not in done and i in after[j] and after[j] <= done and all(k != j for _, k in ready):
                heapq.heappush(ready, (items[j].text, j))
    return order


def _flow(node: ast.stmt) -> bool:
    """A statement that ends or redirects its block (return, raise, break...): never moved across."""
    return isinstance(node, (ast.Return, ast.Raise, ast.Break, ast.Continue, ast.Assert))


def statements(source: str) -> list[Statement]:
    """The canonical statements of a cell (a cell that does not parse: its tokens, one statement per line)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return _raw(source)
    bound = _bound(tree)
    tops = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    return canonical(tree.body, bound, tops[0] if tops else None)


def _raw(source: str) -> list[Statement]:
    by_line: dict[int, list[str]] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
                continue
            text = (
                "v"
                if tok.type == tokenize.NAME
                else ("c" if tok.type in (tokenize.NUMBER, tokenize.STRING) else tok.string)
            )
            by_line.setdefault(tok.start[0], []).append(text)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return [Statement([(t, (line, line)) for t in tokens]) for line, tokens in sorted(by_line.items()) if tokens]


def fingerprints(source: str) -> dict[int, tuple[int, int]]:
    """Winnowed fingerprints of a cell: hash -> the lines (first, last) of the statement it starts in."""
    tokens = [token for statement in statements(source) for token in statement.tokens]
    grams = [
        (
            int.from_bytes(hashlib.blake2b(" ".join(t for t, _ in tokens[i : i + K]).encode(), digest_size=8).digest()),
            tokens[i][1],
        )
        for i in range(len(tokens) - K + 1)
    ]
    if not grams:
        return {}
    chosen: dict[int, tuple[int, int]] = {}
    for i in range(max(1, len(grams) - W + 1)):
        window = grams[i : i + W]
        h, lines = min(window, key=lambda g: g[0])
        chosen.setdefault(h, lines)
    return chosen


# ---------------------------------------------------------------------------
# Comparing a class
# ---------------------------------------------------------------------------
@dataclass
class Flag:
    assignment: str
    students: tuple[str, str]
    score: float
    shared: int
    matches: list[tuple[str, tuple[int, int], tuple[int, int]]]  # (cell, lines in the first, in the second)
    sources: dict[str, dict[str, str]]  # student -> cell -> source

    def other(self, student: str) -> str:
        return self.students[1] if student == self.students[0] else self.students[0]


def answers(path: Path) -> dict[str, str]:
    """cell id -> source of a notebook's answer cells ({} for a notebook that cannot be read)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 -- an unreadable notebook has no answers to compare
        return {}
    return {grade_id(c): c.source for c in nb.cells if is_answer_cell(c) and grade_id(c)}


def release_fingerprints(course: Course, assignment: str) -> set[int]:
    """Fingerprints of every code cell of the release: what students were given."""
    path = course.release_notebook(assignment)
    if not path.exists():
        path = course.release / assignment / f"{assignment}.ipynb"
    if not path.exists():
        return set()
    nb = nbformat.read(path, as_version=4)
    return {h for c in nb.cells if c.cell_type == "code" for h in fingerprints(c.source)}


def compare(
    submissions: dict[str, dict[str, str]],
    given: set[int] = frozenset(),
    threshold: float = THRESHOLD,
    min_shared: int = MIN_SHARED,
    assignment: str = "",
    every_pair: bool = False,
) -> tuple[list[Flag], dict[tuple[str, str], tuple[float, int]]]:
    """Compare every pair of `submissions` (student -> cell -> source). Returns the flagged pairs and
    (score, fingerprints only these two share) of the pairs scored: those sharing at least `min_shared`
    fingerprints nobody else has, or every pair (`every_pair`, for calibration)."""
    prints = {
        s: {(cell, h): lines for cell, src in cells.items() for h, lines in fingerprints(src).items() if h not in given}
        for s, cells in submissions.items()
    }
    counts: dict[tuple[str, int], int] = {}
    for found in prints.values():
        for key in found:
            counts[key] = counts.get(key, 0) + 1
    weight = {key: 1 / n for key, n in counts.items()}  # what many students write alike weighs little
    mass = {s: sum(weight[k] for k in found) for s, found in prints.items()}
    holders: dict[tuple[str, int], list[str]] = {}
    for s, found in prints.items():
        for key in found:
            if counts[key] <= RING:
                holders.setdefault(key, []).append(s)
    only: dict[tuple[str, str], int] = {}  # pair -> rare fingerprints both have
    for group in holders.values():
        for pair in combinations(sorted(group), 2):
            only[pair] = only.get(pair, 0) + 1
    pairs = combinations(sorted(prints), 2) if every_pair else [p for p, n in only.items() if n >= min_shared]
    flags, scores = [], {}
    for a, b in sorted(pairs):  # a class of 600: only the pairs that can be flagged are scored
        shared = prints[a].keys() & prints[b].keys()
        smaller = min(mass[a], mass[b])
        score = sum(weight[k] for k in shared) / smaller if smaller else 0.0
        scores[(a, b)] = (score, only.get((a, b), 0))
        if score >= threshold and only.get((a, b), 0) >= min_shared:
            mine = [k for k in shared if counts[k] <= RING]
            matches = sorted({(cell, prints[a][(cell, h)], prints[b][(cell, h)]) for cell, h in mine})
            flags.append(Flag(assignment, (a, b), score, len(mine), matches, {a: submissions[a], b: submissions[b]}))
    return flags, scores


def check(course: Course, assignment: str) -> list[Flag]:
    """The flagged pairs among the submissions of `assignment` in autograder/submitted/."""
    found = {}
    for student in course.students():
        path = course.submitted / student / assignment / f"{assignment}.ipynb"
        if path.exists():
            found[student] = answers(path)
    if len(found) < 2:
        return []
    return compare(found, release_fingerprints(course, assignment), assignment=assignment)[0]


def _cell_text(source: str, lines: tuple[int, int]) -> str:
    text = " ⏎ ".join(line.strip() for line in source.splitlines()[lines[0] - 1 : lines[1]] if line.strip())
    text = text if len(text) <= 90 else text[:89] + "…"
    return text.replace("|", "\\|")


def summary(flags: list[Flag], rows: int = 12) -> list[str]:
    """summary.md lines: each flagged pair, then its matching lines side by side."""
    lines = []
    for f in flags:
        a, b = f.students
        lines += [
            f"### {f.assignment}: {a} and {b} ({f.score:.0%} of fingerprints shared, {f.shared})",
            "",
            f"| cell | {a}: line | {a} | {b}: line | {b} |",
            "|---|---|---|---|---|",
        ]
        seen = set()
        for cell, la, lb in f.matches:
            if (cell, la, lb) in seen or len(seen) >= rows:
                continue
            seen.add((cell, la, lb))
            ta, tb = _cell_text(f.sources[a][cell], la), _cell_text(f.sources[b][cell], lb)
            lines.append(f"| `{cell}` | {la[0]} | `{ta}` | {lb[0]} | `{tb}` |")
        lines += ["", "A person decides: read both notebooks (autograder/submitted/).", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.similarity", description=__doc__.split("\n\n")[0])
    parser.add_argument("-a", "--assignment", action="append")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    course = Course(args.root.resolve())
    flags = [f for a in args.assignment or course.assignments() for f in check(course, a)]
    print("\n".join(summary(flags)) if flags else "no similar pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
