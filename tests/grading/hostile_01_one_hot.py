"""A hostile class of 01_one_hot: every cheat and escape the grader must defeat or flag.

Each cheating student carries the answers of an honest wrong student (HONEST_WRONG: `one_hot` puts the
class axis first, `one_hot_batch` returns int64 -> 5 of 9 points) plus one cheat. The grader must give
none of them a point more than 5 unless the submission is held for review. PROBE records what student
code can reach from inside the grading kernel. HONEST_NOISY students write correct code that prints,
plots, seeds, warns and writes to stderr: full marks, and never flagged.

Kept as data (answer-cell sources, extra files, cell tags) so that tests/test_grading_hostile.py and
`make grade-selftest` (tools/selftest.py, where the probe's code lives) share it.
"""

from __future__ import annotations

import textwrap

from tests.grading.students_01_one_hot import IMPLEMENTATIONS
from tools.selftest import PROBE  # noqa: F401 -- the probe student's code, shared with make grade-selftest

ONE_HOT_WRONG = IMPLEMENTATIONS["one_hot"]["class_dim_first"].source  # loses shape (1) + values (2)
BATCH_WRONG = IMPLEMENTATIONS["one_hot_batch"]["int64_result"].source  # loses dtype (1)
HONEST_WRONG = {"one_hot": ONE_HOT_WRONG, "one_hot_batch": BATCH_WRONG}
HONEST_SCORE = 5.0  # of 9
NOOP = "lambda *args, **kwargs: None"


def _d(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


# student -> {"answers": {cell: source}, "files": {relative path: text}, "tags": {cell: [tags]},
#             "symlinks": {relative path: target}}
CHEATS: dict[str, dict] = {
    # 1. the checks switched off from an answer cell, in the module and the notebook's namespace
    "rebinds_checks": {
        "answers": {
            "one_hot": ONE_HOT_WRONG
            + _d(f"""
                import helpers
                import torch

                for _name in ("check_shape", "check_dtype", "check_equal", "check_true", "check_close"):
                    setattr(helpers, _name, {NOOP})
                check_shape = check_dtype = check_equal = check_true = {NOOP}
                torch.equal = lambda *args, **kwargs: True
                torch.allclose = lambda *args, **kwargs: True
                """)
        }
    },
    # 2. the same, hidden inside the graded function: it runs when a test calls it
    "rebinds_when_called": {
        "answers": {
            "one_hot": _d(f"""
                def one_hot(indices, num_classes):
                    global check_shape, check_equal, check_true
                    import helpers
                    helpers.check_shape = helpers.check_equal = helpers.check_true = {NOOP}
                    check_shape = check_equal = check_true = {NOOP}
                    return (torch.arange(num_classes).reshape(-1, *[1] * indices.dim()) == indices).float()
                """)
        }
    },
    # 3. obfuscated: code hidden in a string, names built at run time
    "obfuscated": {
        "answers": {
            "one_hot": ONE_HOT_WRONG
            + _d("""
                _code = bytes.fromhex(
                    "636865636b5f7368617065203d20636865636b5f657175616c203d20636865636b5f74727565203d206c616d626461202a612c202a2a6b3a204e6f6e65"
                ).decode()
                exec(_code)
                _m = __import__("hel" + "pers")
                for _n in dir(_m):
                    if _n.startswith("check"):
                        setattr(_m, _n, lambda *a, **k: None)
                """)
        }
    },
    # 4. IPython: rewrite every later cell (the tests) into `pass`; swallow errors; rebind AssertionError
    "ipython_hooks": {
        "answers": {
            "one_hot": ONE_HOT_WRONG
            + _d("""
                import builtins

                ip = get_ipython()
                ip.input_transformers_post.append(
                    lambda lines: ["pass\\n"] if any("check_" in line for line in lines) else lines
                )
                ip.set_custom_exc((Exception,), lambda *args, **kwargs: None)
                builtins.AssertionError = type("NotAnError", (Exception,), {})
                """)
        }
    },
    # 5. frames and sys.modules
    "frames_and_modules": {
        "answers": {
            "one_hot": ONE_HOT_WRONG
            + _d(f"""
                import sys

                _globals = sys._getframe(0).f_globals
                for _name in list(_globals):
                    if _name.startswith("check_"):
                        _globals[_name] = {NOOP}
                sys.modules["helpers"].check_equal = {NOOP}
                """)
        }
    },
    # 6. a tensor that lies to every comparison
    "lying_tensor": {
        "answers": {
            "one_hot": _d("""
                class _Agreeable(torch.Tensor):
                    @classmethod
                    def __torch_function__(cls, func, types, args=(), kwargs=None):
                        if func in (torch.equal, torch.allclose):
                            return True
                        return super().__torch_function__(func, types, args, kwargs or {})

                    def __eq__(self, other):
                        return torch.ones_like(torch.Tensor(self), dtype=torch.bool)


                def one_hot(indices, num_classes):
                    out = (torch.arange(num_classes).reshape(-1, *[1] * indices.dim()) == indices).float()
                    return out.as_subclass(_Agreeable)
                """)
        }
    },
    # 7. the instructors' solution, read from the grading machine and executed
    "copies_solution": {
        "answers": {
            "one_hot": ONE_HOT_WRONG
            + _d("""
                import json
                import os

                _here = os.getcwd()
                for _ in range(8):
                    _path = os.path.join(_here, "solutions", "01_one_hot", "01_one_hot.ipynb")
                    if os.path.exists(_path):
                        for _cell in json.load(open(_path))["cells"]:
                            if _cell["metadata"].get("nbgrader", {}).get("solution"):
                                exec("".join(_cell["source"]))
                        break
                    _here = os.path.dirname(_here)
                """)
        }
    },
    # 8. a test cell tagged to be skipped by nbclient
    "skips_tests": {
        "tags": {
            cell: ["skip-execution"]
            for cell in (
                "test_one_hot_shape",
                "test_one_hot_values",
                "test_one_hot_batch_dtype",
            )
        }
    },
    # 9. a module beside the notebook that replaces the kernel's launcher and switches the checks off
    "shadow_module": {
        "files": {
            "ipykernel_launcher.py": _d("""
                import builtins
                import os
                import runpy
                import sys

                sys.path[:] = [p for p in sys.path if p not in ("", ".", os.getcwd())]
                sys.modules.pop("ipykernel_launcher", None)
                _import = builtins.__import__


                def _patched(name, *args, **kwargs):
                    module = _import(name, *args, **kwargs)
                    if name == "helpers":
                        for attribute in dir(module):
                            if attribute.startswith("check_"):
                                setattr(module, attribute, lambda *a, **k: None)
                    return module


                builtins.__import__ = _patched
                runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
                """)
        }
    },
    # 10. the hidden tests, read back from the kernel's history and the notebook file
    "reads_hidden_tests": {
        "answers": {
            "one_hot": ONE_HOT_WRONG
            + _d("""
                def _peek():
                    try:
                        return "\\n".join(In) + open("01_one_hot.ipynb").read()
                    except Exception:
                        return ""
                """)
        }
    },
}

HONEST_NOISY: dict[str, dict[str, str]] = {
    # prints, plots, seeds, imports F again, a helper of its own, a progress bar, warnings, stderr
    "noisy_but_correct": {
        "one_hot": _d("""
            import sys
            import warnings

            import matplotlib.pyplot as plt
            import torch.nn.functional as F
            from tqdm.auto import tqdm

            torch.manual_seed(0)


            def _positions(indices, num_classes):
                return torch.arange(num_classes)


            def one_hot(indices, num_classes):
                warnings.warn("one_hot: this is a friendly warning")
                print("one_hot called with", tuple(indices.shape), file=sys.stderr)
                for _ in tqdm(range(3), desc="one_hot", leave=False):
                    pass
                return (indices.unsqueeze(-1) == _positions(indices, num_classes)).float()


            print(one_hot(torch.tensor([0, 2]), 3))
            plt.plot([0, 1], [1, 0])
            plt.show()
            """),
        "one_hot_batch": _d("""
            class OneHotBatcher:
                def __init__(self, vocab_size):
                    self.vocab_size = vocab_size

                def __call__(self, X):
                    return one_hot(X.T, self.vocab_size)


            def one_hot_batch(X, vocab_size):
                return OneHotBatcher(vocab_size)(X)


            X_try = torch.zeros(2, 3, dtype=torch.long)
            print(one_hot_batch(X_try, 4).shape)
            """),
    },
}

#: The Chinese edition's noisy control (tests/test_grading_hostile.py): correct work that prints, warns and writes
#: to stderr in Chinese, written otherwise than noisy_but_correct (a copy of it would be held for review as similar
#: to it: tools/similarity.py).
HONEST_NOISY_ZH: dict[str, dict[str, str]] = {
    "zh_noisy_but_correct": {
        "one_hot": _d("""
            import sys
            import warnings

            import matplotlib.pyplot as plt


            def one_hot(indices, num_classes):
                print("调用 one_hot，形状", list(indices.shape), file=sys.stderr)
                warnings.warn("one_hot：这是一条友好的警告")
                flat = indices.reshape(-1)
                out = torch.zeros(flat.numel(), num_classes)
                out[torch.arange(flat.numel()), flat] = 1.0
                return out.reshape(*indices.shape, num_classes)


            print("试一试：", one_hot(torch.tensor([1, 0]), 2))
            plt.imshow(one_hot(torch.tensor([0, 1, 2]), 3))
            plt.show()
            """),
        "one_hot_batch": _d("""
            def one_hot_batch(X, vocab_size):
                steps = [one_hot(X[:, t], vocab_size) for t in range(X.shape[1])]
                return torch.stack(steps)


            print("批量：", one_hot_batch(torch.zeros(2, 3, dtype=torch.long), 4).shape, file=sys.stderr)
            """),
    }
}
