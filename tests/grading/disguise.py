"""Material for calibrating the similarity check (tools/similarity.py; tests/test_similarity.py): the
synthetic students' answers, disguised copies of them, and honest near-duplicates."""

from __future__ import annotations

import ast
import random

from tests.grading import cases, nbgrader_run
from tools import similarity
from tools.layout import ROOT


def synthetic_class(assignment: str) -> dict[str, dict[str, str]]:
    """student -> answer cell -> source, as tests/test_grading.py grades them (the reference solution in the
    cells a student does not carry a mistake or alternative in)."""
    reference = nbgrader_run.reference_answers(ROOT, assignment)
    return {
        student.student_id: reference | {cell: impl.source for cell, impl in student.answers.items()}
        for student in cases.students(assignment)
    }


class _Rename(ast.NodeTransformer):
    def __init__(self, names: set[str]):
        self.names, self.new = names, {}

    def _name(self, name: str) -> str:
        return self.new.setdefault(name, f"v{len(self.new)}_{name[::-1]}") if name in self.names else name

    def visit_Name(self, node):
        node.id = self._name(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._name(node.arg)
        return node

    def visit_FunctionDef(self, node):
        node.name = self._name(node.name)
        self.generic_visit(node)
        return node


def disguise(source: str, seed: int = 0) -> str:
    """A copy as a student would disguise it, behaviour unchanged: every variable, parameter and helper
    renamed (not the graded names, nor imports), adjacent independent assignments swapped, comments and
    blank lines added, the code reformatted (ast.unparse)."""
    tree = ast.parse(source)
    graded = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    imported = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    tree = _Rename(similarity._bound(tree) - graded - imported).visit(tree)
    rng = random.Random(seed)
    assignments = (ast.Assign, ast.AugAssign)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not (isinstance(body, list) and body and isinstance(body[0], ast.stmt)):
            continue
        for i in range(len(body) - 1):
            a, b = body[i], body[i + 1]
            if not (isinstance(a, assignments) and isinstance(b, assignments)):
                continue
            reads_a = {n.id for n in ast.walk(a) if isinstance(n, ast.Name)}
            reads_b = {n.id for n in ast.walk(b) if isinstance(n, ast.Name)}
            writes_a, writes_b = similarity._bound(a), similarity._bound(b)
            if not (writes_a & reads_b or writes_b & reads_a) and rng.random() < 0.8:
                body[i], body[i + 1] = b, a
    out = ["# my own solution", ""]
    for line in ast.unparse(tree).splitlines():
        if line.lstrip().startswith(("for ", "return ")) and rng.random() < 0.7:  # never inside a docstring here
            out.append(line[: len(line) - len(line.lstrip())] + "# the next step")
        out.append(line)
    text = "\n".join(out) + "\n"
    compile(text, "disguised", "exec")  # still Python
    return text


# Honest students who write a short canonical answer alike (names and layout their own): never flagged.
HONEST_01_ONE_HOT = {
    f"honest_{i}": {
        "one_hot": f"def one_hot({idx}, {n}):\n    {out} = torch.zeros(*{idx}.shape, {n})\n"
        f"    {out}.scatter_(-1, {idx}.unsqueeze(-1), 1.0)\n    return {out}\n",
        "one_hot_batch": f"def one_hot_batch({x}, {v}):\n    return one_hot({x}.T, {v})\n",
    }
    for i, (idx, n, out, x, v) in enumerate(
        [
            ("indices", "num_classes", "result", "X", "vocab_size"),
            ("idx", "k", "out", "tokens", "V"),
            ("ids", "classes", "encoded", "batch", "vocab"),
            ("i", "c", "y", "x", "size"),
            ("index", "depth", "z", "inputs", "n"),
        ]
    )
}


def calibration(assignment: str) -> dict:
    """The numbers of docs/benchmarks.md ("Similarity") for one assignment, at the module's thresholds:
    flags among the synthetic students; disguised copies of each synthetic student caught alone with the
    original (a class of honest students who wrote their own code) and inside the synthetic class (where
    everyone's code is the reference solution but for a mistake or an alternative); the closest honest pair."""
    from tools.layout import Course

    given = similarity.release_fingerprints(Course(ROOT), assignment)
    klass = synthetic_class(assignment)
    flags, scores = similarity.compare(klass, given, assignment=assignment, every_pair=True)
    alone = in_class = 0
    for student, cells in klass.items():
        copy = {cell: disguise(source, seed=len(student)) for cell, source in cells.items()}
        alone += bool(similarity.compare({student: cells, "copy": copy}, given)[0])
        with_class = similarity.compare(klass | {"copy": copy}, given)[0]
        in_class += any(set(f.students) == {student, "copy"} for f in with_class)
    closest = max(scores.values())
    return {
        "students": len(klass),
        "flags": len(flags),
        "closest": closest,
        "copies_alone": alone,
        "copies_in_class": in_class,
    }
