"""In-process tests of tools/integrity.py: the static scan flags every cheat construct and no honest
code (every synthetic student of tests/grading/ included), the verification notebook drops exactly
the student's top-level statements, and extra files are found without following links."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import nbformat
import pytest

from tests.grading import cases, hostile_01_one_hot, nbgrader_run
from tools import integrity

ROOT = nbgrader_run.ROOT
A = "01_one_hot"


def release(assignment: str = A):
    return nbformat.read(nbgrader_run.notebook_path(ROOT / "course", assignment), as_version=4)


def with_answers(assignment: str, answers: dict[str, str]):
    nb = release(assignment)
    cells = nbgrader_run.answer_cells(nb)
    for grade_id, source in (nbgrader_run.reference_answers(ROOT, assignment) | answers).items():
        cells[grade_id].source = source
    return nb


def findings(source: str, cell: str = "one_hot") -> list[str]:
    nb = with_answers(A, {cell: textwrap.dedent(source)})
    return [f.construct for f in integrity.scan(nb, release())]


HONEST = {
    "imports F again": "import torch.nn.functional as F\n",
    "imports torch and math": "import math\nimport random\n\nimport torch\nfrom torch import nn\n",
    "seeds": "torch.manual_seed(0)\nrandom_state = torch.get_rng_state()\n",
    "prints and plots": "print(one_hot(torch.tensor([1]), 3))\nplt.plot([1, 2])\nplt.show()\n",
    "stderr and warnings": "import sys\nimport warnings\n\nwarnings.warn('careful')\nprint('x', file=sys.stderr)\n",
    "progress bar": "from tqdm.auto import tqdm\n\nfor _ in tqdm(range(2)):\n    pass\n",
    "helper of its own": "def _rows(n):\n    return torch.arange(n)\n\n\nLOOKUP = torch.eye(28)\n",
    "class with methods": """
        class Scratch:
            def __init__(self, params):
                self.params = params

            def __call__(self, X, state):
                return X, state

            def __repr__(self):
                return f"Scratch({len(self.params)})"
        """,
    "nn.Module": """
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.linear = nn.Linear(2, 2)

            def forward(self, x):
                return self.linear(x)
        """,
    "gradients in place": """
        def clip(params, theta):
            norm = torch.sqrt(sum((p.grad**2).sum() for p in params if p.grad is not None))
            for p in params:
                if getattr(p, "grad", None) is not None:
                    p.grad *= theta / norm
                    p.grad.data.mul_(1.0)
            return float(norm)
        """,
    "a try at the end": "X_try = torch.zeros(2, 3, dtype=torch.long)\nout = one_hot(X_try, 4)\nout.shape\n",
    "plot styling": "plt.rcParams['figure.figsize'] = (4, 3)\n",
    "type of a value": "def kind(x):\n    return type(x).__name__\n",
    "its own global counter": "calls = 0\n\n\ndef count():\n    global calls\n    calls += 1\n",
}

CHEATS = {
    "module attribute": ("helpers.check_equal = None\n", "assigns to `helpers.check_equal`"),
    "torch function": ("torch.equal = lambda *a: True\n", "assigns to `torch.equal`"),
    "rebinds an imported check": ("check_shape = print\n", "assigns to `check_shape`"),
    "redefines a check": ("def check_true(*a, **k):\n    pass\n", "redefines `check_true`"),
    "shadows a builtin": ("def all(x):\n    return True\n", "redefines `all`"),
    "import rebinding": ("from math import isclose as check_equal\n", "rebinds `check_equal`"),
    "global from a function": ("def f():\n    global check_equal\n    check_equal = 1\n", "`global check_equal`"),
    "exec": ("exec('x = 1')\n", "uses `exec`"),
    "eval": ("y = eval('1')\n", "uses `eval`"),
    "computed getattr": ("g = getattr(torch, 'eq' + 'ual')\n", "uses `getattr`"),
    "setattr": ("setattr(torch, 'equal', None)\n", "uses `setattr`"),
    "__import__": ("m = __import__('helpers')\n", "uses `__import__`"),
    "globals()": ("globals()['check_equal'] = None\n", "uses `globals`"),
    "vars()": ("vars(torch)['equal'] = None\n", "uses `vars`"),
    "get_ipython": ("get_ipython().events.register('post_run_cell', print)\n", "uses `get_ipython`"),
    "history": ("def peek():\n    return In[-1]\n", "uses `In`"),
    "history by number": ("def peek():\n    return _i3\n", "uses `_i3`"),
    "builtins module": ("import builtins\n", "imports `builtins`"),
    "sys.modules": ("import sys\n\nsys.modules['helpers'] = None\n", "uses `sys.modules`"),
    "frames": ("import sys\n\ng = sys._getframe(1).f_globals\n", "f_globals"),
    "inspect": ("import inspect\n", "imports `inspect`"),
    "gc": ("import gc\n", "imports `gc`"),
    "ctypes": ("import ctypes\n", "imports `ctypes`"),
    "importlib": ("import importlib\n", "imports `importlib`"),
    "subprocess": ("import subprocess\n", "imports `subprocess`"),
    "pickle": ("import pickle\n", "imports `pickle`"),
    "IPython": ("from IPython import get_ipython\n", "imports `IPython`"),
    "torch._C": ("x = torch._C\n", "private attribute `_C`"),
    "torch.library": ("lib = torch.library.Library('aten', 'IMPL')\n", "uses `torch.library"),
    "__dict__": ("helpers.__dict__.update({})\n", "special attribute `__dict__`"),
    "__class__ assignment": ("def f(x):\n    x.__class__ = int\n", "special attribute `__class__`"),
    "tensor subclass": ("class T(torch.Tensor):\n    pass\n", "derives from `torch.Tensor`"),
    "comparison dunder": ("class R:\n    def __eq__(self, other):\n        return True\n", "`__eq__`"),
    "__torch_function__": (
        "class R:\n    @classmethod\n    def __torch_function__(cls, *a):\n        pass\n",
        "__torch",
    ),
    "metaclass": ("class R(metaclass=type):\n    pass\n", "sets `metaclass=`"),
    "three-argument type": ("R = type('R', (), {})\n", "three-argument `type()`"),
    "open an absolute path": ("data = open('/proc/self/mem', 'rb')\n", "uses `open`"),
    "open a computed path": ("import os\n\ndata = open(os.path.join('..', 'x'))\n", "uses `open`"),
    "os.system": ("import os\n\nos.system('true')\n", "uses `os.system`"),
    "os.fork": ("import os\n\nos.fork()\n", "uses `os.fork`"),
    "magic": ("%load_ext autoreload\n", "IPython magic"),
    "shell": ("!cat /etc/passwd\n", "shell command"),
    "star import": ("from helpers import *\n", "import *"),
    "private helper": ("from helpers import _fail\n", "private name"),
    "default dtype": ("torch.set_default_dtype(torch.float64)\n", "torch.set_default_dtype"),
    "attribute named like a check": ("def f(m):\n    m.check_equal = None\n", "attribute named `check_equal`"),
    "mock": ("from unittest.mock import MagicMock\n", "imports `unittest.mock`"),
    "threading": ("import threading\n", "imports `threading`"),
}


@pytest.mark.parametrize("name", HONEST)
def test_honest_code_is_never_flagged(name):
    assert findings(HONEST[name]) == []


@pytest.mark.parametrize("name", CHEATS)
def test_every_cheat_construct_is_flagged(name):
    source, expected = CHEATS[name]
    found = findings(source)
    assert any(expected in text for text in found), f"{name}: {found}"


def test_hostile_class_answers_are_all_flagged():
    for student, cheat in hostile_01_one_hot.CHEATS.items():
        if "answers" in cheat:
            nb = with_answers(A, hostile_01_one_hot.HONEST_WRONG | cheat["answers"])
            assert integrity.scan(nb, release()), student


@pytest.mark.parametrize("assignment", nbgrader_run.all_assignments())
def test_no_synthetic_student_is_flagged(assignment):
    """Every correct alternative and classic mistake of tests/grading/, and the reference solution:
    no finding, and no verification run needed (their answer cells hold definitions only)."""
    module = cases.load_cases(assignment)
    variants = {"reference": {}} | {
        f"{cell}/{name}": {cell: impl.source}
        for cell, impls in module.IMPLEMENTATIONS.items()
        for name, impl in impls.items()
    }
    flagged = {}
    for label, answers in variants.items():
        nb = with_answers(assignment, answers)
        found = [f.text() for f in integrity.scan(nb, release(assignment))]
        if found or integrity.verification_notebook(nb, release(assignment)) is not None:
            flagged[label] = found or "needs a verification run"
    assert not flagged, flagged


def test_verification_notebook_keeps_definitions_and_drops_the_rest():
    source = textwrap.dedent(
        """
        import math
        import torch.nn.functional as F
        from math import isclose as check_equal

        LIMIT = 3


        def one_hot(indices, num_classes):
            return torch.eye(num_classes)[indices]


        class Helper:
            pass


        print(one_hot(torch.tensor([1]), 2))
        helpers.check_equal = None
        vocab = None
        for _ in range(2):
            pass
        """
    )
    plan = integrity.verification_notebook(with_answers(A, {"one_hot": source}), release())
    assert plan is not None
    nb, dropped = plan
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "one_hot")
    kept = cell.source
    for line in ("import math", "import torch.nn.functional as F", "LIMIT = 3", "def one_hot", "class Helper"):
        assert line in kept
    for line in ("isclose", "print(", "helpers.check_equal", "vocab = None", "for _ in"):
        assert line not in kept
    assert [text.split("(")[0] for _, _, text in dropped][:2] == ["from math import isclose as check_equal", "print"]
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_verification_keeps_release_scaffolds_of_optional_exercises():
    nb = release("04_perplexity")
    cells = nbgrader_run.answer_cells(nb)
    for grade_id, source in nbgrader_run.reference_answers(ROOT, "04_perplexity").items():
        cells[grade_id].source = source
    assert integrity.verification_notebook(nb, release("04_perplexity")) is None


def test_extra_files_are_found_without_following_links(tmp_path):
    rel = tmp_path / "release"
    (rel / "data").mkdir(parents=True)
    (rel / "helpers.py").write_text("x")
    (rel / "data" / "timemachine.txt").write_text("y")
    sub = tmp_path / "submission"
    (sub / "data").mkdir(parents=True)
    (sub / "__pycache__").mkdir()
    (sub / "__pycache__" / "helpers.cpython-311.pyc").write_bytes(b"")
    for name in ("01_one_hot.ipynb", "helpers.py", "data/timemachine.txt", "notes.txt", "torch.py", "timestamp.txt"):
        (sub / name).write_text("z")
    os.symlink("/", sub / "root")
    os.symlink(rel / "helpers.py", sub / "data" / "link.py")
    extra, suspicious = integrity.extra_files(sub, rel, "01_one_hot.ipynb")
    assert extra == ["data/link.py", "notes.txt", "root", "torch.py"]
    assert suspicious == ["data/link.py", "root", "torch.py"]
    integrity.quarantine(sub, extra, tmp_path / "quarantine")
    left = sorted(str(p.relative_to(sub)) for p in sub.rglob("*"))
    assert left == ["01_one_hot.ipynb", "data", "data/timemachine.txt", "helpers.py", "timestamp.txt"]
    assert (tmp_path / "quarantine" / "root").is_symlink() and (tmp_path / "quarantine" / "torch.py").is_file()


def test_protected_names_cover_the_setup_imports_and_builtins():
    names = integrity.protected_names(release())
    assert names["check_equal"].kind == "import" and names["check_equal"].target == "helpers.check_equal"
    assert names["F"].target == "torch.nn.functional"
    assert names["all"].kind == "builtin"
    assert names["vocab"].kind == "data"
    assert isinstance(Path(integrity.ROOT), Path)
