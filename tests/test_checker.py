"""The checker's value-only channel (tools/checker.py), without nbgrader: the student's side is the real
bridge (`checker.BRIDGE`) run in a namespace of this process that stands for the student's kernel, the
checker's side a real checker forked from a zygote (started without bubblewrap), over its socket.

What must hold: values cross (tensors, numbers, strings, None, lists, tuples, dicts; a sampler's
iterator as its items); a function, a module or an object of the student's class does not (a TypeError
that says what crosses); the student's exception comes back under its name; a tensor argument the
student's function changes in place comes back changed, gradients included (a tensor's `.grad` travels
with it; one scaled in place is scaled in the test's own gradient tensor, one replaced is replaced), for a
tensor, a module's parameters, an object's `.params` and a list, tuple or iterator of tensors; the student's
function draws from the
checker's random state, and the state it leaves is the checker's (as if the call ran in the checker).
"""

from __future__ import annotations

import shutil
import textwrap

import pytest

from tools import checker
from tools.layout import ROOT

STUDENT = textwrap.dedent("""
    import random
    import torch

    class Model:
        pass

    def values(n):
        return {"t": torch.arange(n), "f": 1.5, "s": "x", "none": None, "pairs": [(1, 2)], "i64": n}

    def gives_function():
        return values

    def gives_module():
        return torch

    def gives_object():
        return Model()

    def fails(message):
        raise KeyError(message)

    def fails_its_own_way():
        class MyError(Exception):
            pass
        raise MyError("mine")

    def scales_in_place(x, factor):
        x.mul_(factor)
        print("scaled")
        return None

    def sampler(n):
        for i in range(n):
            yield torch.tensor([i]), torch.tensor([i + 1])

    def draws():
        return random.random(), torch.rand(1)

    def reseeds(seed):
        random.seed(seed)
        torch.manual_seed(seed)

    def draws_then_fails():
        torch.rand(5)
        random.random()
        raise ValueError("drew, then failed")

    def clips(net, theta):  # like grad_clipping: an nn.Module, an object with .params, or an iterable
        if isinstance(net, torch.nn.Module):
            params = list(net.parameters())
        elif hasattr(net, "params"):
            params = list(net.params)
        else:
            params = list(net)
        for param in params:
            if param.grad is not None:
                param.grad.mul_(theta)
        return float(len(params))

    def replaces_grads(params):
        for param in params:
            param.grad = param.grad * 2

    def sets_and_drops_grads(params):
        first, second = params
        first.grad, second.grad = torch.ones_like(first), None

    def steps(params):
        with torch.no_grad():
            for param in params:
                param -= param.grad

    def lying_tensor():
        class Lies(torch.Tensor):
            def __eq__(self, other):
                return True
        return torch.zeros(2).as_subclass(Lies)
""")

TESTS = textwrap.dedent("""
    import random
    import torch

    got = values(3)
    assert torch.equal(got["t"], torch.arange(3)) and got["f"] == 1.5 and got["s"] == "x", got
    assert got["none"] is None and got["pairs"] == [(1, 2)] and got["i64"] == 3, got

    for name in ("gives_function", "gives_module", "gives_object"):
        try:
            globals()[name]()
        except TypeError as error:
            assert "tensors, numbers, strings, None" in str(error), (name, error)
        else:
            raise AssertionError(f"{name}: its value crossed")

    try:
        fails("no such key")
    except KeyError as error:
        assert "no such key" in str(error)
    try:
        fails_its_own_way()
    except Exception as error:
        assert type(error).__name__ == "MyError" and str(error) == "mine", repr(error)

    x = torch.ones(3)
    assert scales_in_place(x, 2.0) is None
    assert torch.equal(x, torch.full((3,), 2.0)), x

    items = list(sampler(4))
    assert [int(X) for X, _ in items] == [0, 1, 2, 3] and int(items[-1][1]) == 4, items

    random.seed(7)
    torch.manual_seed(7)
    theirs = draws()
    random.seed(7)
    torch.manual_seed(7)
    assert theirs[0] == random.random() and torch.equal(theirs[1], torch.rand(1)), theirs

    # the random state a call leaves is the checker's, as in one process: two calls draw different values,
    # and the test's own draws continue after the function's
    random.seed(7)
    torch.manual_seed(7)
    first, second = draws(), draws()
    after = random.random(), torch.rand(1)
    random.seed(7)
    torch.manual_seed(7)
    in_process = [(random.random(), torch.rand(1)) for _ in range(3)]
    for got, expected in zip([first, second, after], in_process):
        assert got[0] == expected[0] and torch.equal(got[1], expected[1]), (got, expected)
    reseeds(3)  # a function that seeds reseeds the test's stream
    got = random.random(), torch.rand(1)
    random.seed(3)
    torch.manual_seed(3)
    assert got[0] == random.random() and torch.equal(got[1], torch.rand(1)), got
    random.seed(5)
    torch.manual_seed(5)
    try:
        draws_then_fails()
    except ValueError:
        pass
    got = random.random(), torch.rand(1)
    random.seed(5)
    torch.manual_seed(5)
    torch.rand(5)
    random.random()
    assert got[0] == random.random() and torch.equal(got[1], torch.rand(1)), got

    # gradients travel with their tensors; what the function does to them comes back
    import types
    from torch import nn

    net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    for param in net.parameters():
        param.grad = torch.ones_like(param)
    held = [param.grad for param in net.parameters()]  # a test may hold the gradient tensors
    assert clips(net, 0.5) == 4.0
    for param, grad in zip(net.parameters(), held):
        assert param.grad is grad and torch.equal(grad, torch.full_like(grad, 0.5)), (param.grad, grad)
    W = torch.zeros(2, requires_grad=True)
    for holder in ["params", "list", "tuple", "iterator", "generator"]:
        W.grad = torch.ones(2)
        grad = W.grad
        net = {"params": types.SimpleNamespace(params=[W]), "list": [W], "tuple": (W,), "iterator": iter([W]),
               "generator": (w for w in [W])}[holder]
        assert clips(net, 3.0) == 1.0, holder
        assert W.grad is grad and torch.equal(grad, torch.full((2,), 3.0)), (holder, W.grad, grad)
    W.grad = torch.ones(2)
    grad = W.grad
    replaces_grads([W])  # a new tensor: the one the test holds is unchanged
    assert W.grad is not grad and torch.equal(grad, torch.ones(2)) and torch.equal(W.grad, torch.full((2,), 2.0))
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    b.grad = torch.ones(3)
    sets_and_drops_grads([a, b])
    assert torch.equal(a.grad, torch.ones(2)) and b.grad is None, (a.grad, b.grad)
    W.grad = torch.ones(2)
    steps([W])  # parameters stepped in place
    assert torch.equal(W.detach(), torch.full((2,), -1.0)) and W.requires_grad and W.is_leaf, W

    plain = lying_tensor()
    assert type(plain) is torch.Tensor and not (plain == torch.ones(2)).all()
    print("all crossed as expected")
""")


class FakeKernel:
    """The student's kernel: the bridge and the student's code in one namespace; the serve loop of a cell
    runs in this process, as GradingExecute runs it in the kernel (what it prints is the test's output)."""

    def __init__(self, monkeypatch):
        self.namespace: dict = {"__name__": "__main__"}
        exec(checker.BRIDGE, self.namespace)
        exec(STUDENT, self.namespace)

    def serve(self, path: str) -> None:
        import random

        import torch

        random.random(), torch.rand(1)  # the student's cells between two test cells draw from the kernel's state
        exec(f"__rnn_course_serve__({path!r})", self.namespace)


def judged(monkeypatch, tmp_path, tests: str, student: str = STUDENT) -> list[dict]:
    """Run `tests` as a judged test cell: in a checker of its own, each name `student` binds a proxy to a
    FakeKernel that ran it. Returns the cell's outputs."""
    kernel = FakeKernel(monkeypatch)
    if student is not STUDENT:
        exec(student, kernel.namespace)
    zygote = checker.Zygote(ROOT, unsafe=True)
    try:
        session = checker.Session(zygote, tmp_path, timeout=120)
        names = sorted(checker.bound_names(student))
        outputs = session.run(tests, "test", names, fixture=False, serve=kernel.serve, folder=tmp_path)
        session.close()
    finally:
        zygote.stop()
    return outputs


def assert_prints(outputs: list[dict], line: str) -> None:
    """The judged cell raised nothing and printed `line`, and nothing else."""
    errors = [o for o in outputs if o["output_type"] == "error"]
    assert not errors, "".join(errors[0]["traceback"])
    assert outputs == [{"output_type": "stream", "name": "stdout", "text": line + "\n"}]


def test_values_cross_and_nothing_else_does(monkeypatch, tmp_path):
    outputs = judged(monkeypatch, tmp_path, TESTS)
    assert_prints(outputs, "all crossed as expected")


def test_in_kernel_marks_count_in_code_not_in_strings():
    assert not checker.in_kernel("loss = f(x)\nloss.backward()")  # judged: autograd through the student's function
    assert checker.in_kernel("check_no_builtin(one_hot, 'one_hot')")
    assert not checker.in_kernel('HINT = "written without check_no_builtin(one_hot)"\ncheck(x, hint=HINT)')
    assert not checker.in_kernel('check(x, hint=f"{n} steps: then check_no_builtin(f)")')
    assert not checker.in_kernel("x = 1", "06_scratch_training", "test_train_epoch_bound")  # judged: no cell for cost
    assert not any(checker.IN_KERNEL_CELLS.values())


def test_a_timeout_cannot_be_caught_by_the_test():
    error = checker.rebuild_error("CellTimeoutError", "No reply from kernel before timeout")
    assert type(error).__name__ == "CellTimeoutError" and not isinstance(error, Exception)
    assert isinstance(checker.rebuild_error("ValueError", "v"), ValueError)


def test_a_value_that_is_not_one_is_refused():
    import io

    import torch

    buffer = io.BytesIO()
    torch.save({"ok": True, "result": print}, buffer)  # a function pickles by name; it must not load
    with pytest.raises(TypeError, match="tensors, numbers, strings, None"):
        checker.decode(buffer.getvalue())


def test_the_checker_runs_only_the_read_only_cells_the_tests_need():
    cells = [
        (0, "import torch\nfrom helpers import check_equal"),
        (1, "X = torch.arange(3)  # a demonstration: the tests bind their own X"),
        (2, "def expected_of(x):\n    return x + 1"),
        (3, "plt.plot([1, 2])"),
    ]
    test = "X = torch.zeros(2)\ncheck_equal(add_one(X), expected_of(X))\nfor k in range(2):\n    print(k)"
    assert checker.free_names(test) == {"torch", "check_equal", "add_one", "expected_of"}
    assert checker.fixture_cells(cells, [test]) == {0, 2}


def test_the_checker_speaks_the_language_of_the_submission(tmp_path):
    """The checker runs the grading release's helpers.py for the submissions of every edition: each session
    prints the messages in the language GradingExecute gives it (the edition's), from the one folder."""
    from tools import i18n

    shutil.copy(ROOT / "helpers.py", tmp_path / "helpers.py")
    i18n.install_catalogue(tmp_path, "zh", default=False)  # what release.sync gives the grading release
    test = "import torch\nfrom helpers import check_shape\ncheck_shape(torch.zeros(5, 3), (3, 5), 'f(X)')"
    zygote = checker.Zygote(ROOT, unsafe=True)
    try:
        said = {}
        for language in ("zh", "en", None):
            env = {i18n.LANGUAGE_ENV: language} if language else None
            session = checker.Session(zygote, tmp_path, timeout=120, env=env)
            outputs = session.run(test, "test", [], fixture=False, serve=None)
            session.close()
            said[language] = [o["evalue"] for o in outputs if o["output_type"] == "error"]
    finally:
        zygote.stop()
    english = ["f(X): expected shape (3, 5), got (5, 3)."]
    assert said == {"zh": ["f(X)：形状应为 (3, 5)，实际为 (5, 3)。"], "en": english, None: english}


def _pack(answer):
    """What the student's side sends for `answer` (the bridge's packed format, or torch.save's)."""
    import io
    import pickle

    import torch

    try:
        return checker._pack(answer, torch, pickle)
    except TypeError:
        buffer = io.BytesIO()
        torch.save(answer, buffer)
        return buffer.getvalue()


def test_packed_values_load_as_torch_load_gives_them():
    """The packed format gives what torch.save and torch.load(weights_only=True) give: the same types,
    values, dtypes, shapes, strides, offsets, requires_grad and tensors sharing storage (a sampler's views
    of one tensor); what it does not pack (torch.Size, a complex tensor, a set) goes by torch.save."""
    import io

    import torch

    base = torch.arange(24.0).reshape(4, 6)
    grad = torch.ones(3, requires_grad=True)
    answers = [
        {"ok": True, "result": [(base[:, 1:3], base[:, 3:5]), (torch.tensor([[1, 2]]), torch.zeros(0, 2))]},
        {"result": (grad, grad * 2, torch.tensor(True), torch.tensor(7, dtype=torch.uint8)), "rng": (3, (1, 2), None)},
        {"x": [1, 2.5, "s", None, True, {"k": (torch.ones(2, dtype=torch.float64).t(),)}], 1: base.T},
        {"half": torch.ones(3, dtype=torch.float16), "bf": torch.ones(2, dtype=torch.bfloat16), "e": []},
    ]
    for answer in answers:
        packed = _pack(answer)
        assert packed.startswith(checker.PACKED), answer
        buffer = io.BytesIO()
        torch.save(answer, buffer)
        got, expected = checker.decode(packed), torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)
        _same(got, expected, {}, {})
    for other in ({"s": torch.Size([2])}, {"c": torch.ones(2, dtype=torch.complex64)}, {"set": {1}}):
        assert not _pack(other).startswith(checker.PACKED), other
        assert type(checker.decode(_pack(other))) is dict


def _same(got, expected, storages_got: dict, storages_expected: dict):
    import torch

    assert type(got) is type(expected), (got, expected)
    if isinstance(got, torch.Tensor):
        assert (
            torch.equal(got, expected) and got.dtype == expected.dtype and got.requires_grad == expected.requires_grad
        )
        assert got.stride() == expected.stride() and got.storage_offset() == expected.storage_offset()
        # tensors that share a storage share one here too, and only those
        mine, theirs = got.untyped_storage().data_ptr(), expected.untyped_storage().data_ptr()
        if got.untyped_storage().nbytes():
            assert (
                storages_got.setdefault(mine, theirs) == theirs and storages_expected.setdefault(theirs, mine) == mine
            )
    elif isinstance(got, (list, tuple)):
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            _same(a, b, storages_got, storages_expected)
    elif isinstance(got, dict):
        assert list(got) == list(expected)
        for key in got:
            _same(got[key], expected[key], storages_got, storages_expected)
    else:
        assert got == expected


def test_a_crafted_packed_answer_is_refused():
    """A packed answer is loaded with no global and its tensors within their storages: a class or a
    function named in it, a tensor reaching beyond its storage's bytes, or a tensor whose __setstate__ the
    pickle calls (BUILD) to point it elsewhere, are refused as values that are not values."""
    import pickle

    import torch

    def packed(storages, metas, skeleton: bytes) -> bytes:
        return checker.PACKED + pickle.dumps((storages, metas, skeleton), protocol=5)

    eight = [bytearray(8)]
    tensor = [(0, "float32", 0, (2,), (1,), False)]
    assert torch.equal(checker.decode(packed(eight, tensor, b"\x80\x05K\x00Q.")), torch.zeros(2))  # a good one
    crafted = {
        "a function": packed([], [], pickle.dumps(print, protocol=5)),
        "a class in the outer pickle": checker.PACKED + pickle.dumps(([], [], torch.Size([1])), protocol=5),
        "beyond its storage": packed(eight, [(0, "float32", 0, (3,), (1,), False)], b"\x80\x05K\x00Q."),
        "an offset beyond": packed(eight, [(0, "float32", 2, (1,), (1,), False)], b"\x80\x05K\x00Q."),
        "another dtype": packed(eight, [(0, "complex64", 0, (1,), (1,), False)], b"\x80\x05K\x00Q."),
        "no such tensor": packed(eight, tensor, b"\x80\x05K\x01Q."),
        # BUILD: tensor 0's __setstate__((tensor 0, 0, (1000,), (1,))) would make it read 4000 bytes of 8
        "a tensor re-pointed": packed(eight, tensor, b"\x80\x05K\x00Q(K\x00QK\x00M\xe8\x03\x85K\x01\x85tb."),
    }
    for what, payload in crafted.items():
        with pytest.raises(TypeError, match="tensors, numbers, strings, None"):
            checker.decode(payload)
            pytest.fail(f"{what}: loaded")


# ---------------------------------------------------------------------------------------------------------
# The reverse channel (tools/reverse.py): the test's own objects stay in the checker
# ---------------------------------------------------------------------------------------------------------
STUDENT_REVERSE = textwrap.dedent("""
    import torch

    kept = []

    def drives(net, steps):  # like predict: begin_state, then net(X, state) carrying the state
        state = net.begin_state(batch_size=1)
        with torch.no_grad():
            for step in range(steps):
                outputs, state = net(torch.tensor([[step]]), state)
        return int(outputs.argmax()), net.vocab_size, len(net), list(net), net[1], outputs.requires_grad

    def forges(net):
        link, handle = object.__getattribute__(net, "_rnn_course_link"), object.__getattribute__(net, "_rnn_course_id")
        attempts = [
            lambda: setattr(net, "calls", 0),
            lambda: net._secret,
            lambda: net.__dict__,
            lambda: link.ask(handle, "getattr", "_secret", (), {}),  # past the stand-in: the checker refuses
            lambda: link.ask(handle, "getattr", "__dict__", (), {}),
            lambda: link.ask(handle, "setattr", "begun", (0,), {}),
            lambda: link.ask(handle + 1, "call", None, (), {}),  # no other object of the checker's
        ]
        for attempt in attempts:
            try:
                attempt()
            except (AttributeError, TypeError):
                pass
            else:
                return "changed or read the test's object"
        net.log.append("forged")  # a copy of the attribute: the test's list is not this one
        kept.append(net)
        return "refused"

    def uses_it_later():
        return kept[0].begin_state()

    def draws(logits, generator):
        return int(torch.multinomial(torch.softmax(logits, 0), 1, generator=generator))

    def raises_in_test_object(net):
        return net.fails()
""")

TESTS_REVERSE = textwrap.dedent("""
    import torch

    class _Recorder:  # a class of the test's own: it stays here
        def __init__(self):
            self.vocab_size, self.begun, self.log, self._secret, self.grad_modes = 5, 0, [], 1, []

        def begin_state(self, batch_size=1):
            self.begun += 1
            return (torch.zeros(batch_size, 1),)

        def __call__(self, X, state):
            self.log.append((int(X), int(state[0])))
            self.grad_modes.append(torch.is_grad_enabled())
            W = torch.ones(5, requires_grad=True)
            return (W * (X.reshape(-1, 1) + 1)), (state[0] + 1,)

        def __len__(self):
            return 3

        def __iter__(self):
            return iter([10, 20, 30])

        def __getitem__(self, key):
            return key * 2

        def fails(self):
            raise KeyError("from the test's object")

    net = _Recorder()
    got = drives(net, 3)
    assert got == (0, 5, 3, [10, 20, 30], 2, False), got
    assert net.begun == 1 and net.log == [(0, 0), (1, 1), (2, 2)], (net.begun, net.log)
    assert net.grad_modes == [False, False, False], net.grad_modes  # torch.no_grad() on the student's side
    assert forges(net) == "refused" and net.log == [(0, 0), (1, 1), (2, 2)] and net.begun == 1
    try:
        uses_it_later()  # a stand-in kept from an earlier call answers no more
    except RuntimeError as error:
        assert "only while the test calls" in str(error), error
    else:
        raise AssertionError("a stand-in answered after its call")
    assert net.begun == 1
    try:
        raises_in_test_object(net)
    except KeyError as error:
        assert "from the test" in str(error), error
    else:
        raise AssertionError("the test's object's error was lost")

    generator = torch.Generator().manual_seed(3)
    logits = torch.zeros(50)
    drawn = [draws(logits, generator) for _ in range(5)]
    again = torch.Generator().manual_seed(3)
    assert drawn == [int(torch.multinomial(torch.softmax(logits, 0), 1, generator=again)) for _ in range(5)], drawn
    assert torch.equal(generator.get_state(), again.get_state())  # the state the student's side left
    # helpers.draws(f, n, ...) on a proxy: the n calls in one round trip, as n round trips would draw them
    generator, again = torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    many = draws.draws(300, logits, generator)
    assert many == [int(torch.multinomial(torch.softmax(logits, 0), 1, generator=again)) for _ in range(300)]
    assert torch.equal(generator.get_state(), again.get_state())
    torch.manual_seed(8)
    many = draws.draws(300, logits, None)  # from the checker's global state, which it leaves advanced
    after = torch.rand(1)
    torch.manual_seed(8)
    assert many == [int(torch.multinomial(torch.softmax(logits, 0), 1)) for _ in range(300)], many
    assert torch.equal(after, torch.rand(1))
    print("the test's objects answered")
""")


def test_the_tests_objects_stay_in_the_checker_and_answer_from_there(monkeypatch, tmp_path):
    outputs = judged(monkeypatch, tmp_path, TESTS_REVERSE, STUDENT_REVERSE)
    assert_prints(outputs, "the test's objects answered")


# ---------------------------------------------------------------------------------------------------------
# An object of the student's class (07's RNNModel) stays in the kernel, driven by handle (tools/handles.py)
# ---------------------------------------------------------------------------------------------------------
MODEL = textwrap.dedent("""
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class RNNModel(nn.Module):
        def __init__(self, rnn_layer, vocab_size):
            super().__init__()
            self.rnn = rnn_layer
            self.vocab_size = vocab_size
            self.num_directions = 2 if rnn_layer.bidirectional else 1
            self.linear = nn.Linear(self.num_directions * rnn_layer.hidden_size, vocab_size)

        def forward(self, inputs, state):
            X = F.one_hot(inputs.T.long(), self.vocab_size).float()  # (T, B, V)
            Y, state = self.rnn(X, state)
            return self.linear(Y.reshape(-1, Y.shape[-1])), state

        def begin_state(self, batch_size=1, device=None):
            shape = (self.num_directions * self.rnn.num_layers, batch_size, self.rnn.hidden_size)
            if isinstance(self.rnn, nn.LSTM):
                return (torch.zeros(shape, device=device), torch.zeros(shape, device=device))
            return torch.zeros(shape, device=device)
""")
#: More of the student's code (not in the test's copy of the class).
MODEL_MORE = textwrap.dedent("""
    class Wide(nn.Linear):  # a submodule of the student's own class
        pass

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = Wide(3, 2)
            self.secret = [print]  # not a value: not described

    def forged(kind):  # a function that answers what looks like a handle, naming a class outside torch.nn
        record = {"class": "Module", "attrs": {}, "params": {}, "buffers": {}, "training": True, "token": None,
                  "children": {"a": {"class": kind, "attrs": {}, "params": {}, "buffers": {}, "children": {}}}}
        return {"__rnn_course_handle__": 0, "name": "x", "record": record, "values": [], "requires_grad": [],
                "methods": []}
""")
#: The same class, as the test's own (in the checker): what one process would compute.
TESTS_MODEL = MODEL.replace("class RNNModel(", "class Local(") + textwrap.dedent("""
    import math

    def train(net, steps, layer_state):
        optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
        g = torch.Generator().manual_seed(3)
        state = net.begin_state(batch_size=4)
        losses = []
        for _ in range(steps):
            X = torch.randint(0, 9, (4, 5), generator=g)
            state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
            outputs, state = net(X, state)
            loss = F.cross_entropy(outputs, X.T.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            norm = math.sqrt(sum(float((p.grad ** 2).sum()) for p in net.parameters() if p.grad is not None))
            for p in net.parameters():
                p.grad.mul_(min(1.0, 0.5 / norm))  # clipped in place, as grad_clipping does
            optimizer.step()
            losses.append(loss.item())
        return losses

    for layer_class in (nn.RNN, nn.LSTM):
        torch.manual_seed(0)
        layer = layer_class(9, 6, num_layers=2)
        net = RNNModel(layer, 9)
        torch.manual_seed(0)
        ref = Local(layer_class(9, 6, num_layers=2), 9)
        assert isinstance(net, nn.Module) and type(net).__name__ != "RNNModel", type(net)
        assert net.rnn is layer and net.vocab_size == 9 and net.num_directions == 1  # the test's own layer
        linears = [m for m in net.modules() if isinstance(m, nn.Linear)]
        assert len(linears) == 1 and linears[0].in_features == 6, linears
        assert [n for n, _ in net.named_parameters()] == [n for n, _ in ref.named_parameters()]
        for p, q in zip(net.parameters(), ref.parameters()):
            assert torch.equal(p, q), "the same draws: the construction ran with the checker's random state"
        X = torch.randint(0, 9, (3, 4))
        with torch.no_grad():
            out, state = net(X, net.begin_state(3))
            out_ref, state_ref = ref(X, ref.begin_state(3))
        assert not out.requires_grad and torch.allclose(out, out_ref, atol=1e-6)
        assert type(state) is type(state_ref)
        out2, _ = net.forward(X, ref.begin_state(3))  # forward itself, gradients on: a graph kept
        assert out2.requires_grad and torch.allclose(out2, out_ref, atol=1e-6)
        # the test's linear layer computes with the model's weights, as in one process
        assert torch.allclose(linears[0](torch.ones(2, 6)), ref.linear(torch.ones(2, 6)), atol=1e-6)
        # training: the loss backward through the student's kernel, the optimizer here, the steps sent back
        losses, losses_ref = train(net, 4, None), train(ref, 4, None)
        assert all(abs(a - b) < 1e-5 for a, b in zip(losses, losses_ref)), (losses, losses_ref)
        for p, q in zip(net.parameters(), ref.parameters()):
            assert torch.allclose(p, q, atol=1e-5) and torch.allclose(p.grad, q.grad, atol=1e-5)
        assert torch.allclose(layer.weight_hh_l0, ref.rnn.weight_hh_l0, atol=1e-5)  # stepped: the test's layer
        with torch.no_grad():
            after, _ = net(X, ref.begin_state(3))
            after_ref, _ = ref(X, ref.begin_state(3))
        assert torch.allclose(after, after_ref, atol=1e-5), "the kernel's model has the steps"
        net.eval()
        assert not net.training
    try:
        net.no_such_method()
    except AttributeError:
        pass
    else:
        raise AssertionError("an attribute the model has not")
    try:
        RNNModel(nn.RNN(9, 4), 9)(torch.zeros(2, 3, dtype=torch.long), torch.zeros(2, 2, 4))
    except RuntimeError as error:  # the student's error, under its name
        assert "hidden" in str(error), error
    else:
        raise AssertionError("an error of the student's model")
    tied = Tied()
    assert type(tied.head) is nn.Linear and tied.head.in_features == 3, tied.head  # rebuilt from torch.nn
    assert not hasattr(tied, "secret")
    for kind in ("DataParallel", "Parameter", "functional", "__class__"):
        try:
            forged(kind)
        except TypeError as error:
            assert "not a torch.nn module" in str(error), error
        else:
            raise AssertionError(f"a record naming {kind} was rebuilt")
    print("the model answered from the kernel")
""")


def test_an_object_of_the_students_class_stays_in_the_kernel(monkeypatch, tmp_path):
    outputs = judged(monkeypatch, tmp_path, TESTS_MODEL, MODEL + MODEL_MORE)
    assert_prints(outputs, "the model answered from the kernel")


# ---------------------------------------------------------------------------------------------------------
# Autograd across the channel (tools/reverse.py): 06's train_epoch on the test's model and optimizer
# ---------------------------------------------------------------------------------------------------------
STUDENT_TRAIN = textwrap.dedent("""
    import math

    import torch
    import torch.nn as nn

    kept = []

    def grad_clipping(net, theta):  # toolbox's (05)
        if isinstance(net, nn.Module):
            params = net.parameters()
        elif hasattr(net, "params"):
            params = net.params
        else:
            params = net
        grads = [param.grad for param in params if param.grad is not None]
        norm = math.sqrt(sum(float((grad * grad).sum()) for grad in grads))
        if norm > theta:
            for grad in grads:
                grad.mul_(theta / norm)
        return norm

    def train_epoch(net, train_iter, loss_fn, optimizer, use_random_iter, theta=1.0, detach=True):
        state, total, tokens = None, 0.0, 0
        for X, Y in train_iter:
            if state is None or use_random_iter:
                state = net.begin_state(batch_size=X.shape[0])
            elif detach == "in place":
                for s in state if isinstance(state, tuple) else [state]:
                    s.detach_()
            elif detach:
                state = state.detach() if isinstance(state, torch.Tensor) else tuple(s.detach() for s in state)
            y = Y.T.reshape(-1)
            outputs, state = net(X, state)
            loss = loss_fn(outputs, y)
            optimizer.zero_grad()
            loss.backward()
            grad_clipping(net, theta)
            optimizer.step()
            total += loss.item() * y.numel()
            tokens += y.numel()
        kept.append((outputs, loss))
        return math.exp(total / tokens)

    def builtin_clip(net, train_iter, loss_fn, optimizer, theta):  # its own parameter list, clip_grad_norm_
        params, state = list(net.parameters()), None
        for X, Y in train_iter:
            state = net.begin_state(X.shape[0])
            outputs, state = net(X, state)
            loss = loss_fn(outputs, Y.T.reshape(-1))
            for p in params:
                p.grad = None
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, max_norm=theta)
            optimizer.step()
        return loss.item()

    def backward_later():  # the graph of an earlier call: its backward is a reverse call that no one answers
        outputs, loss = kept[0]
        outputs.sum().backward()

    def forges_gradients(net, X):  # reverse calls by hand: gradients of another shape, nodes of no call
        outputs, state = net(X, net.begin_state(X.shape[0]))
        link = object.__getattribute__(net, "_rnn_course_link")
        params = list(net.parameters())
        attempts = [
            lambda: link.ask(0, "backward", None, ([torch.ones(3), None],), {}),  # another shape
            lambda: link.ask(5, "backward", None, ([torch.ones_like(outputs), None],), {}),  # no such node
            lambda: link.ask(0, "backward", None, ([torch.ones_like(outputs)],), {}),  # one gradient of two
            lambda: link.ask(0, "call", None, (("__rnn_course_param__", 7),), {}),  # no such parameter
        ]
        for changes in [{0: {"how": "new", "grad": torch.ones(2, 2)}}, {9: {"data": torch.ones(1)}}]:
            attempts.append(lambda changes=changes: (setattr(link, "changes", lambda: changes), net.begin_state(1)))
        refused = 0
        for attempt in attempts:
            try:
                attempt()
            except (TypeError, RuntimeError):
                refused += 1
        del link.changes  # the link's own again
        return refused

    def forges_at_the_end(net):  # a change of a parameter it was never handed, sent with the call's answer
        net.begin_state(1)
        link = object.__getattribute__(net, "_rnn_course_link")
        link.changes = lambda: {0: {"data": torch.ones(1)}}
""")

TESTS_TRAIN = textwrap.dedent("""
    import copy
    import math
    import random

    import torch
    import torch.nn as nn

    class _Recorder(nn.Module):  # the test's model: a tiny RNN that records the states it receives
        def __init__(self, tuple_state=True):
            super().__init__()
            g = torch.Generator().manual_seed(0)
            self.W_xh = nn.Parameter(torch.randn(7, 4, generator=g))
            self.W_hh = nn.Parameter(torch.randn(4, 4, generator=g) / 2)
            self.W_hq = nn.Parameter(torch.randn(4, 7, generator=g))
            self.tuple_state, self.received = tuple_state, []

        def begin_state(self, batch_size=1):
            H = torch.zeros(batch_size, 4)
            return (H,) if self.tuple_state else H

        def forward(self, X, state):
            H = state[0] if self.tuple_state else state
            self.received.append((H.detach().clone(), H.requires_grad))
            hiddens = []
            for XW in self.W_xh[X.T]:
                H = torch.tanh(XW + H @ self.W_hh)
                hiddens.append(H)
            return torch.cat(hiddens) @ self.W_hq, ((H,) if self.tuple_state else H)

    class _Scratch:  # D2L's scratch model: .params, no nn.Module
        def __init__(self):
            g = torch.Generator().manual_seed(1)
            self.params = [torch.randn(7, 4, generator=g), torch.randn(4, 7, generator=g)]
            for p in self.params:
                p.requires_grad_(True)

        def __call__(self, X, state):
            return self.params[0][X.T].reshape(-1, 4) @ self.params[1], state

        def begin_state(self, batch_size=1):
            return (torch.zeros(batch_size, 4),)

        def parameters(self):
            return iter(self.params)

    class _Seen(torch.optim.SGD):  # records the gradients at every step
        def __init__(self, params, lr):
            super().__init__(params, lr=lr)
            self.seen = []

        def step(self, closure=None):
            self.seen.append([p.grad.clone() for g in self.param_groups for p in g["params"]])
            return super().step(closure)

    g = torch.Generator().manual_seed(2)
    batches = [(torch.randint(0, 7, (3, 5), generator=g), torch.randint(0, 7, (3, 5), generator=g)) for _ in range(4)]

    def both(make, optim, *args, **kwargs):  # the student's function on the test's objects, and in one process
        nets = [make(), make()]
        optimizers = [optim(nets[0]), optim(nets[1])]
        got = train_epoch(nets[0], batches, nn.CrossEntropyLoss(), optimizers[0], *args, **kwargs)
        ns = dict(STUDENT_NAMESPACE)
        expected = ns["train_epoch"](nets[1], batches, nn.CrossEntropyLoss(), optimizers[1], *args, **kwargs)
        return nets, optimizers, got, expected

    def params_of(net):
        return [p.detach() for p in (net.parameters() if isinstance(net, nn.Module) else net.params)]

    for tuple_state in (True, False):
        for use_random_iter, detach, theta in [(False, True, 0.5), (True, True, 1e9), (False, "in place", 0.1)]:
            nets, opts, got, expected = both(
                lambda: _Recorder(tuple_state), lambda n: _Seen(n.parameters(), 0.3), use_random_iter, theta, detach
            )
            assert math.isclose(got, expected, rel_tol=1e-6), (got, expected)
            for a, b in zip(params_of(nets[0]), params_of(nets[1])):
                assert torch.allclose(a, b, atol=1e-6), (tuple_state, use_random_iter, detach)
            for seen_a, seen_b in zip(opts[0].seen, opts[1].seen):
                assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(seen_a, seen_b))
            assert len(opts[0].seen) == 4
            assert [(h.shape, r) for h, r in nets[0].received] == [(h.shape, r) for h, r in nets[1].received]
            assert all(torch.allclose(a[0], b[0]) for a, b in zip(nets[0].received, nets[1].received))
    # the state carried without detach(): the test's graph is backpropagated a second time, as in one process
    net = _Recorder()
    try:
        train_epoch(net, batches, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.1), False, 1.0, False)
    except RuntimeError as error:
        assert "backward through the graph a second time" in str(error), error
    else:
        raise AssertionError("a state carried without detach() trained")
    assert net.received[1][1], "the state came back detached"
    # Adam and a scratch model with .params, clipped
    nets, opts, got, expected = both(_Scratch, lambda n: torch.optim.Adam(n.parameters(), lr=0.05), True, 0.05)
    assert math.isclose(got, expected, rel_tol=1e-6)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(params_of(nets[0]), params_of(nets[1])))
    # a list of the parameters of its own, set to None and clipped by clip_grad_norm_
    net, again = _Recorder(), _Recorder()
    loss = builtin_clip(net, batches, nn.CrossEntropyLoss(), torch.optim.SGD(net.parameters(), lr=0.2), 0.3)
    ns = dict(STUDENT_NAMESPACE)
    optimizer = torch.optim.SGD(again.parameters(), lr=0.2)
    expected = ns["builtin_clip"](again, batches, nn.CrossEntropyLoss(), optimizer, 0.3)
    assert math.isclose(loss, expected, rel_tol=1e-6)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(net.parameters(), again.parameters()))
    before = [p.detach().clone() for p in net.parameters()]
    try:
        backward_later()
    except RuntimeError as error:
        assert "only while the test calls" in str(error), error
    else:
        raise AssertionError("a graph's backward answered after its call")
    net = _Recorder()
    assert forges_gradients(net, batches[0][0]) == 6
    try:
        forges_at_the_end(net)
    except TypeError as error:
        assert "not a parameter of this call" in str(error), error
    else:
        raise AssertionError("a forged parameter's change was taken")
    assert all(p.grad is None for p in net.parameters()), [p.grad for p in net.parameters()]
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), _Recorder().parameters()))
    print("trained across the channel")
""")


def test_autograd_crosses_the_channel_as_in_one_process(monkeypatch, tmp_path):
    # the same functions run in the checker too (STUDENT_NAMESPACE), on the other copy: one process
    tests = f"STUDENT_NAMESPACE = {{}}\nexec({STUDENT_TRAIN!r}, STUDENT_NAMESPACE)\n" + TESTS_TRAIN
    outputs = judged(monkeypatch, tmp_path, tests, STUDENT_TRAIN)
    assert_prints(outputs, "trained across the channel")


STUDENT_FEWER = textwrap.dedent("""
    import torch

    def reads(box):  # an attribute read twice, then changed by the test's object's own methods
        seen = [list(box.items), box.count, list(box.items)]
        box.bump()  # appends to box.items (the same list) and counts
        seen += [list(box.items), box.count]
        box.swap()  # a new list
        seen.append(list(box.items))
        return seen

    def fakes_the_step(net, optimizer):  # its replica of the test's SGD made to step otherwise
        real = torch.optim.SGD.step
        torch.optim.SGD.step = lambda self, closure=None: [p.data.fill_(7.0) for p in self.param_groups[0]["params"]]
        try:
            for p in net.params:
                p.grad = torch.ones_like(p)
            optimizer.step()
            mine = [p.detach().clone() for p in net.params]
            net.begin_state(1)  # a reverse call: the checker's values come back with it
            return mine, [p.detach().clone() for p in net.params]
        finally:
            torch.optim.SGD.step = real
""")

TESTS_FEWER = textwrap.dedent("""
    import math

    import torch
    import torch.nn as nn

    from tools import reverse

    asked, resent = [], []  # every reverse call's op; the parameters whose values the checker sends back
    _answer, _changes = reverse.Handles.answer, reverse.Handles._changes

    def counting(self, payload):
        asked.append(self._decode(payload)["op"])
        return _answer(self, payload)

    def recording(self):
        changes = _changes(self)
        resent.append(sorted(index for index, change in changes.items() if "data" in change))
        return changes

    reverse.Handles.answer, reverse.Handles._changes = counting, recording

    class _Scratch:  # D2L's scratch model: .params, no nn.Module
        def __init__(self):
            g = torch.Generator().manual_seed(1)
            self.params = [torch.randn(7, 4, generator=g), torch.randn(4, 7, generator=g), torch.zeros(7)]
            for p in self.params:
                p.requires_grad_(True)

        def __call__(self, X, state):
            H = torch.tanh(self.params[0][X.T].reshape(-1, 4) + state[0].repeat(X.shape[1], 1))
            return H @ self.params[1] + self.params[2], (H[-X.shape[0]:],)

        def begin_state(self, batch_size=1):
            return (torch.zeros(batch_size, 4),)

        def parameters(self):
            return iter(self.params)

    g = torch.Generator().manual_seed(5)
    batches = [(torch.randint(0, 7, (3, 5), generator=g), torch.randint(0, 7, (3, 5), generator=g)) for _ in range(6)]
    ns = dict(STUDENT_NAMESPACE)
    for make in (lambda n: torch.optim.Adam(n.parameters(), lr=0.05), lambda n: torch.optim.SGD(n.parameters(), 0.3)):
        net, again = _Scratch(), _Scratch()
        optimizer, other = make(net), make(again)
        for epoch in range(2):  # the optimizer's state carries over, as in 06's test_train_epoch_bound
            asked.clear(), resent.clear()
            got = train_epoch(net, batches, nn.CrossEntropyLoss(), optimizer, False, 0.05)
            expected = ns["train_epoch"](again, batches, nn.CrossEntropyLoss(), other, False, 0.05)
            assert got == expected, (got, expected)  # exactly: the same steps, the same values
            assert all(torch.equal(a, b) for a, b in zip(net.params, again.params))
            for p, q in zip(net.params, again.params):  # the test's optimizer's state too (Adam's moments)
                for key, value in other.state[q].items():
                    assert torch.equal(torch.as_tensor(value), torch.as_tensor(optimizer.state[p][key])), key
            # begin_state once; per minibatch the model's call and the backward; net.params asked once: zero_grad,
            # step and grad_clipping's reads of net.params need no round trip
            assert asked.count("method") == 1 and asked.count("getattr") == 1, asked
            assert len(asked) == 2 + 2 * len(batches), asked
            assert not any(resent), resent  # the steps' values: each side computed them, none was sent

    class _Box:
        def __init__(self):
            self.items, self.count = [1], 0

        def bump(self):
            self.items.append(len(self.items))
            self.count += 1

        def swap(self):
            self.items = [0]

    asked.clear()
    assert reads(_Box()) == [[1], 0, [1], [1, 1], 1, [0]]
    assert asked == ["getattr", "getattr", "method", "getattr", "getattr", "method", "getattr"], asked

    net = _Scratch()
    before = [p.detach().clone() for p in net.params]
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    mine, after = fakes_the_step(net, optimizer)
    assert all((m == 7).all() for m in mine)  # its replica: its business
    assert all(torch.equal(p.detach(), b - 0.5) for p, b in zip(net.params, before))  # the test's: its own SGD
    assert all(torch.equal(a, p.detach()) for a, p in zip(after, net.params))  # sent back: the checksums differed
    reverse.Handles.answer, reverse.Handles._changes = _answer, _changes
    print("fewer round trips")
""")


def test_the_tests_optimizer_is_replicated_and_attributes_cached(monkeypatch, tmp_path):
    # zero_grad() and step() of the test's torch.optim optimizer run on the student's side too, on the mirrors
    # (no round trip), and in the checker with the next request: the same values, none sent; an attribute read
    # again costs nothing until the test's object changes it. The replica is the student's: what it does to
    # it changes the mirrors there, never the test's parameters
    tests = f"STUDENT_NAMESPACE = {{}}\nexec({STUDENT_TRAIN!r}, STUDENT_NAMESPACE)\n" + TESTS_FEWER
    outputs = judged(monkeypatch, tmp_path, tests, STUDENT_TRAIN + STUDENT_FEWER)
    assert_prints(outputs, "fewer round trips")


# ---------------------------------------------------------------------------------------------------------
# Autograd through a student's function (02's test_init_rnn_params_grad, test_rnn_forward_torch): the graph
# stays in the kernel, the answer's tensors reach the test through tools/handles.py's _Call
# ---------------------------------------------------------------------------------------------------------
STUDENT_GRAD = textwrap.dedent("""
    import torch

    def init_rnn_params(vocab_size, num_hiddens, scaled_after=True):
        def normal(*shape):
            if scaled_after:
                return (torch.randn(*shape) * 0.01).requires_grad_()
            return torch.randn(*shape, requires_grad=True) * 0.01  # a non-leaf

        return [normal(vocab_size, num_hiddens), normal(num_hiddens, num_hiddens),
                torch.zeros(num_hiddens, requires_grad=True), normal(num_hiddens, vocab_size),
                torch.zeros(vocab_size, requires_grad=True)]

    def rnn_forward(inputs, state, params):
        W_xh, W_hh, b_h, W_hq, b_q = params
        (H,) = state
        outputs = []
        for X in inputs:
            H = torch.tanh(X @ W_xh + H @ W_hh + b_h)
            outputs.append(H @ W_hq + b_q)
        return torch.cat(outputs, dim=0), (H,)

    def leaf_and_twice():  # a leaf of its own and a tensor computed from it
        W = torch.ones(3, requires_grad=True)
        return W, W * 2

    def forge(kind, X):  # the student's kernel answers what it likes: a backward or a graph forged
        handles = globals()["__rnn_course_handles__"]
        if kind == "descriptor":
            handles.keep = lambda result, sent: {"key": 1, "diff": [0], "inputs": [["arg", 0, 5]]}
        else:
            forged = {"shape": [torch.zeros(2)], "dtype": [torch.zeros(3, dtype=torch.float64)], "count": []}[kind]
            globals()["__rnn_course_backward__"] = lambda key, grads: forged
        return X * 2
""")

TESTS_GRAD = textwrap.dedent("""
    import warnings
    import torch

    def fails(action, error, says):
        try:
            action()
        except error as caught:
            assert says in str(caught), caught
        else:
            raise AssertionError(f"expected {error.__name__}: {says}")

    own = {}
    exec(STUDENT_GRAD, own)  # the same functions, in this process: what one process computes
    for scaled_after in (True, False):
        torch.manual_seed(1)
        params = init_rnn_params(7, 5, scaled_after)
        torch.manual_seed(1)
        ref = own["init_rnn_params"](7, 5, scaled_after)
        facts = lambda ps: [(p.requires_grad, p.is_leaf, p.grad_fn is None) for p in ps]  # noqa: E731
        assert facts(params) == facts(ref), (facts(params), facts(ref))
        for ps in (params, ref):
            sum((p**2).sum() for p in ps).backward()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # .grad of a non-leaf: None, and a warning, in one process too
            grads = [(p.grad is None, None if p.grad is None else p.grad.tolist()) for p in params]
            assert grads == [(q.grad is None, None if q.grad is None else q.grad.tolist()) for q in ref]

    g = torch.Generator().manual_seed(3)
    T, B, V, H = 6, 3, 8, 5
    base = [torch.randn(*shape, generator=g) * 0.3 for shape in [(V, H), (H, H), (H,), (H, V), (V,)]]
    inputs = torch.nn.functional.one_hot(torch.randint(0, V, (T, B), generator=g), V).float()
    H0 = torch.randn(B, H, generator=g)
    weights = torch.randn(T * B, V, generator=g)

    def run(forward):
        leaves = [p.clone().requires_grad_() for p in [*base, H0]]
        leaves[0].grad = torch.ones(V, H)  # a gradient already there: backward accumulates into it
        outputs, (H_T,) = forward(inputs, (leaves[5],), leaves[:5])
        assert outputs.requires_grad and not outputs.is_leaf and H_T.grad_fn is not None
        ((outputs * weights).sum() + H_T.sum()).backward(retain_graph=True)
        (outputs.sum() * 0.5).backward()  # a second loss through the same graph, retained
        fails(lambda: outputs.sum().backward(), RuntimeError, "backward through the graph a second time")
        return [leaf.grad for leaf in leaves], outputs.detach()

    got, got_out = run(rnn_forward)
    expected, expected_out = run(own["rnn_forward"])
    assert torch.allclose(got_out, expected_out, atol=1e-6)
    for a, b in zip(got, expected):
        assert a is not None and torch.allclose(a, b, atol=1e-5), (a, b)
    with torch.no_grad():  # as in one process: no graph
        outputs, (H_T,) = rnn_forward(inputs, (H0.requires_grad_(),), base)
    assert not outputs.requires_grad and outputs.grad_fn is None
    H0.requires_grad_(False)

    W, twice = leaf_and_twice()  # the answer's own leaf is the graph's input, as in one process
    assert W.is_leaf and W.requires_grad and not twice.is_leaf
    twice.sum().backward()
    assert W.grad.tolist() == [2.0, 2.0, 2.0], W.grad

    first = rnn_forward(inputs, (H0,), [p.clone().requires_grad_() for p in base])[0]
    for _ in range(8):  # the kernel keeps the last 8 graphs
        rnn_forward(inputs, (H0,), [p.clone().requires_grad_() for p in base])
    fails(lambda: first.sum().backward(), RuntimeError, "the graph of that call is gone")

    X = torch.ones(3, requires_grad=True)
    for kind in ("shape", "dtype", "count"):
        out = forge(kind, X)
        fails(lambda: out.sum().backward(), TypeError, "the student's kernel sent back")
    fails(lambda: forge("descriptor", X), TypeError, "the graph the student's kernel kept is not one")
    assert X.grad is None
    print("autograd crossed as in one process")
""")


def test_autograd_through_a_students_function_is_as_in_one_process(monkeypatch, tmp_path):
    tests = f"STUDENT_GRAD = {STUDENT_GRAD!r}\n" + TESTS_GRAD
    outputs = judged(monkeypatch, tmp_path, tests, STUDENT_GRAD)
    assert_prints(outputs, "autograd crossed as in one process")


# ---------------------------------------------------------------------------------------------------------
# The kernel and the checker talk directly: GradingExecute's end carries no value of a call
# ---------------------------------------------------------------------------------------------------------
STUDENT_DIRECT = textwrap.dedent("""
    import torch

    def doubles(x):
        return x * 2

    def asks(source, n):  # n reverse calls, each answered with 40 kB
        return sum(float(source(i).sum()) for i in range(n))
""")

TESTS_DIRECT = textwrap.dedent("""
    import torch

    class Source:  # the test's own object: it stays here, the student's function asks it (reverse calls)
        def __call__(self, i):
            return torch.full((10_000,), float(i))

    x = torch.arange(2_000_000, dtype=torch.float32)  # 8 MB each way
    assert torch.equal(doubles(x), x * 2)
    assert asks(Source(), 100) == 10_000 * sum(range(100))
    print("answered directly")
""")


class _Counted:
    """A file of the control channel whose bytes are counted."""

    def __init__(self, file):
        self.file, self.count = file, 0

    def readline(self):
        line = self.file.readline()
        self.count += len(line)
        return line

    def write(self, data):
        self.count += len(data)
        return self.file.write(data)

    def flush(self):
        self.file.flush()


def test_grading_executes_end_carries_no_value_of_a_call(monkeypatch, tmp_path):
    """16 MB of a call and 4 MB of 100 reverse calls go between the kernel and the checker; the control
    channel to GradingExecute carries a few messages (the cell, the kernel's socket, the outputs)."""
    kernel = FakeKernel(monkeypatch)
    exec(STUDENT_DIRECT, kernel.namespace)
    zygote = checker.Zygote(ROOT, unsafe=True)
    try:
        session = checker.Session(zygote, tmp_path, timeout=120)
        session.lines.reader, session.lines.writer = _Counted(session.lines.reader), _Counted(session.lines.writer)
        names = sorted(checker.bound_names(STUDENT_DIRECT))
        outputs = session.run(TESTS_DIRECT, "test", names, fixture=False, serve=kernel.serve, folder=tmp_path)
        carried = session.lines.reader.count + session.lines.writer.count
        session.close()
    finally:
        zygote.stop()
    assert_prints(outputs, "answered directly")
    assert carried < 16_000 + len(TESTS_DIRECT), f"GradingExecute's end carried {carried} bytes"
