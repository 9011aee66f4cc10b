"""A hostile class of 01_one_hot whose tampering runs only when a test calls the student's function.

Every submission is an honest wrong student (tests/grading/hostile_01_one_hot.py's HONEST_WRONG: `one_hot`
puts the class axis first, `one_hot_batch` returns int64: 5 of 9 points) whose `one_hot` also reaches, from
inside its own body, for what decides its grade: the check functions, the test cell's namespace, the
comparisons. Nothing of it is a top-level statement, so the verification run cannot drop it; the routes go
through objects, not through an `import` of a watched module. tests/test_grading_calltime.py grades them
with the static scan and the verification run switched off: each must lose exactly the cells the honest wrong
student loses. With the checker (tools/checker.py) the test cells run in another process, so each reaches
only its own kernel.
"""

from __future__ import annotations

import textwrap

from tests.grading.hostile_01_one_hot import HONEST_WRONG

#: The wrong answer every cheat returns (class_dim_first: the class axis in front).
WRONG_RESULT = "return (torch.arange(num_classes).reshape(-1, *[1] * indices.dim()) == indices).float()"


def _one_hot(tampering: str, before: str = "") -> str:
    body = textwrap.indent(textwrap.dedent(tampering).strip(), "    ")
    head = textwrap.dedent(before).strip() + "\n\n\n" if before.strip() else ""
    return f"{head}def one_hot(indices, num_classes):\n{body}\n    {WRONG_RESULT}\n"


NOOP = "(lambda *args, **kwargs: None)"

# student -> the source of its `one_hot` answer cell (its `one_hot_batch` is HONEST_WRONG's)
CHEATS: dict[str, str] = {
    # 1. the function's own __globals__ is the notebook's namespace: the test cell's check_* names and the
    #    helpers module they came from, switched off
    "own_globals": _one_hot(f"""
        namespace = one_hot.__globals__
        for name in [n for n in namespace if n.startswith("check_")]:
            namespace[name] = {NOOP}
            setattr(namespace["helpers"], name, {NOOP})
        """),
    # 2. the caller's frame, from a traceback (no sys._getframe, no inspect): the test cell's globals
    "traceback_frame": _one_hot(f"""
        try:
            raise ZeroDivisionError
        except ZeroDivisionError as error:
            caller = error.__traceback__.tb_frame.f_back.f_globals
        for name in ("check_shape", "check_equal", "check_true", "check_dtype"):
            caller[name] = {NOOP}
        """),
    # 3. the garbage collector finds every check function, wherever it is bound; their code is swapped
    "gc_code_swap": _one_hot(f"""
        import gc

        for obj in gc.get_objects():
            try:
                name = str(getattr(obj, "__name__", ""))
                if type(obj).__name__ == "function" and obj.__module__ == "helpers" and name[:6] in ("check_", "_fail"):
                    obj.__code__ = {NOOP}.__code__
            except Exception:  # objects that do not like being asked
                pass
        """),
    # 4. sys.modules reached through torch's own reference to sys (no import): helpers' failure function
    #    and the helpers module's view of `tuple` replaced, so every check passes
    "helpers_via_torch_sys": _one_hot(
        """
        helpers_module = torch.sys.modules["helpers"]
        helpers_module._fail = lambda *args, **kwargs: None
        helpers_module.tuple = _AgreesWithAll
        """,
        before="""
        class _AgreesWithAll(tuple):
            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            __hash__ = tuple.__hash__
        """,
    ),
    # 5. torch itself: torch.equal, torch.allclose and Tensor.__eq__/__ne__ agree with anything (the shape
    #    checks still see the class-first shape: in the kernel alone this gains nothing; it is here for the
    #    checker's comparisons, which must not be these)
    "patches_torch": _one_hot("""
        torch.equal = lambda *args, **kwargs: True
        torch.allclose = lambda *args, **kwargs: True
        torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)
        torch.Tensor.__ne__ = lambda self, other: torch.zeros((), dtype=torch.bool)
        """),
    # 6. a result of a tensor subclass that lies: its shape reads as (*S, V), every comparison agrees
    "lying_subclass": _one_hot(
        """
        out = _wrong(indices, num_classes)
        return out.as_subclass(_Liar)
        """,
        before="""
        def _wrong(indices, num_classes):
            return (torch.arange(num_classes).reshape(-1, *[1] * indices.dim()) == indices).float()


        class _Liar(torch.Tensor):
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                if func in (torch.equal, torch.allclose):
                    return True
                if getattr(func, "__name__", "") == "__get__" and getattr(func, "__self__", None) is torch.Tensor.shape:
                    shape = super().__torch_function__(func, types, args, kwargs or {})
                    return torch.Size((*shape[1:], shape[0]))
                if func in (torch.Tensor.__eq__, torch.Tensor.__ne__):
                    return torch.tensor(func is torch.Tensor.__eq__)
                return super().__torch_function__(func, types, args, kwargs or {})
        """,
    ),
    # 7. the check functions reached through a check's own __globals__ (the helpers module's namespace):
    #    every check's failure switched off where it is raised
    "check_globals": _one_hot("""
        helpers_namespace = one_hot.__globals__["check_true"].__globals__
        helpers_namespace["_fail"] = lambda *args, **kwargs: None
        """),
}


def answers(student: str) -> dict[str, str]:
    return HONEST_WRONG | {"one_hot": CHEATS[student]}
