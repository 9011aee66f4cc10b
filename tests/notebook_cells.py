"""What a notebook file says, cell by cell: which cells promise a figure, a live plot or generated text, and
which saved outputs are errors or warnings. Read by the browser tests (tests/browser/test_jupyterlab.py) and
by the check after nbval's run of each notebook (the repository's conftest.py)."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Cell:
    index: int
    id: str
    cell_type: str
    source: str = field(repr=False)
    nbgrader: dict = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return f"cell {self.index} ({self.id})"

    @property
    def is_answer(self) -> bool:
        return bool(self.nbgrader.get("solution"))

    @property
    def is_test(self) -> bool:
        return bool(self.nbgrader.get("grade")) and self.cell_type == "code"

    @property
    def grade_id(self) -> str:
        return self.nbgrader.get("grade_id", self.id)

    def _tree(self) -> ast.Module | None:
        try:
            return ast.parse(self.source)
        except SyntaxError:  # IPython magics: fall back to text
            return None

    def _runs_code(self) -> bool:
        """More than definitions and imports at the top level."""
        tree = self._tree()
        if tree is None:
            return True
        definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
        return any(not isinstance(stmt, definitions) for stmt in tree.body)

    @property
    def promises_figure(self) -> bool:
        """A demo cell that shows a figure (plt.show(), fig.show(), a LivePlot)."""
        if self.cell_type != "code" or self.is_answer or self.is_test:
            return False
        return bool(re.search(r"\.show\(\s*\)|\bLivePlot\(|display\(\s*fig", self.source)) and self._runs_code()

    @property
    def promises_live_plot(self) -> bool:
        return self.promises_figure and "LivePlot(" in self.source

    @property
    def generation_prefixes(self) -> list[str] | None:
        """None unless this demo cell calls predict(...); then the literal
        prefixes it passes (possibly none, e.g. a variable)."""
        if self.cell_type != "code" or self.is_answer or self.is_test:
            return None
        if not re.search(r"(?<!def )\bpredict\(", self.source) or not self._runs_code():
            return None
        prefixes = []
        tree = self._tree()
        for node in ast.walk(tree) if tree else ():
            func = getattr(node, "func", None)
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if isinstance(node, ast.Call) and name == "predict" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value:
                    prefixes.append(first.value)
        return prefixes


def read_cells(path: Path) -> list[Cell]:
    nb = json.loads(path.read_text())
    return [
        Cell(
            index=i,
            id=cell.get("id", str(i)),
            cell_type=cell["cell_type"],
            source="".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"],
            nbgrader=cell.get("metadata", {}).get("nbgrader", {}),
        )
        for i, cell in enumerate(nb["cells"])
    ]


def saved_errors(nb: dict) -> dict[int, str]:
    """cell index -> 'Ename: evalue' of every error output in a saved notebook."""
    return {
        i: f"{out.get('ename')}: {out.get('evalue')}"
        for i, cell in enumerate(nb["cells"])
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    }


def saved_warnings(nb: dict) -> dict[int, str]:
    """cell index -> stderr text that reads like an error or a warning."""
    found = {}
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", "")) if out.get("output_type") == "stream" else ""
            if out.get("name") == "stderr" and re.search(r"Error|Warning|Traceback", text):
                found[i] = text.strip()[:300]
    return found
