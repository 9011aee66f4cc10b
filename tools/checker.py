"""The checker: test cells judged where the student's code cannot reach.

While grading, the test cells of a notebook do not run in the student's kernel. They run in a *checker*, a
Python process of their own that never executes the student's code: it holds the check functions (helpers.py,
from the course's release), the test cell's code and the fixtures of the read-only cells the tests use. Each
name the student's cells define reaches it as a `StudentFunction`: calling one runs the student's function in
the student's kernel (the checker sends the kernel the call directly: Processes, below), and what comes back
crosses a value-only channel: tensors, numbers, strings, None, lists, tuples and dicts of
these. Anything else (a function, an object of the student's class, a module) cannot cross: the test sees a
`TypeError` saying so; except an object a test builds from the student's nn.Module class (07's RNNModel),
which stays in the kernel and reaches the test as a handle (below, tools/handles.py). An answer made
only of those, its tensors plain CPU tensors of the usual dtypes, crosses *packed* (`PACK`): one pickle,
loaded here by pickle's C unpickler with no global at all (no class, no function can be named), its tensors as
persistent ids rebuilt from the raw bytes of their storages (dtype, offset, shape, stride and requires_grad
checked against the storage, and again after the load); any other answer crosses by `torch.save` on the
student's side and `torch.load(weights_only=True)` here, as it always did. The same values cross either way
(tests/test_checker.py compares them); the packed way loads many small tensors (a sampler's epoch of
minibatches) and Python's random state several times faster (docs/benchmarks.md). An exception the student's
function raised is raised here under its name (a built-in one as itself, so `NotImplementedError` still reads
"not attempted").

Arguments go the other way as the checker's own objects (pickled: the student's side may unpickle anything of
ours, and nothing of the student's is ever unpickled here; their plain tensors packed as answers are), with
what pickle leaves out: each tensor's `.grad`, and an iterator (a generator such as `model.parameters()`)
drawn into a list and handed to the function as an iterator over it. What the function does to the tensors of
an argument comes back as values (`LEAVES`: a tensor, an nn.Module's parameters, an object's `.params`, the
items of a list, tuple or dict): values changed in place are copied into the checker's tensor (only the
tensors and gradients that changed come back: the student's side compares each with a copy it took before the
call); a `.grad` scaled in place is copied into the checker's own gradient tensor (a test that holds it sees
the change, `p.grad is before` still holds); a `.grad` the function replaced or dropped is replaced or
dropped. So `grad_clipping` (05) is judged on an nn.Module, an object with `.params` or a list, tuple or
generator of tensors, as in one process. Only the tensors the test handed the function (and their gradients)
can change, and only in value.

The switch: RNN_COURSE_CHECKER=0 in the grading environment (or nbgrader's --GradingExecute.checker=False)
runs every test cell in the kernel as before, for comparison (tools/bench.py --only checker).

The random state travels with each call, both ways: the student's function draws from the checker's state (a
test that seeds and calls a sampler sees what it would in one process), and the state it leaves becomes the
checker's (two calls of init_rnn_params draw different weights; a function that seeds reseeds the test's
stream, as it would in one process). Each part of the state (torch's, Python's) is sent only when it is not
the state the last call ended with: the student's side keeps that one (its own cells may draw between two
calls) and puts it back; a part the function left as it was comes back as None. So a test must not build
inputs that decide a verdict from the global stream after calling a student's function: that function chose
the state. The tests seed (a torch.Generator of their own, or random.seed) before they draw; the only global
draws after a call, in 01's hidden test_one_hot_shape and test_one_hot_dtype, pick index values that a shape
or a dtype does not depend on.

The test's own objects (tools/reverse.py): an argument whose class the notebook's cells define (06's
`_CountingModel`, which records what `predict` feeds it; the read-only cell's `RNNModelScratch`) is not
sent: it stays here, and the student's function drives a stand-in whose calls, attribute reads, items and
iteration come back to the checker while the call runs (a *reverse call*, over the same socket as the
call), values only both ways. A `torch.Generator` argument crosses as its state and comes back as the state the function
left. An optimizer argument stays here too; tensors of the
test's autograd graph cross as values whose backward is a reverse call, and parameters as mirrors synchronised
(what changed since the other side last saw them) with every reverse call and the call's end (`mirrors` in the
answer): 06's train_epoch trains the test's model. A torch.optim SGD, Adam or AdamW of the test's is also
replicated on the student's side, so that its `zero_grad()` and `step()` cost no round trip (each side does
them; the checker's values are its own optimizer's), and an attribute of a test's object read again is
answered there while the checker says it has not changed: a minibatch of 06's train_epoch is two round trips.

Objects of the student's classes (tools/handles.py): calling a name that is an nn.Module class of the
student's (07's `RNNModel(nn.RNN(...), V)`) builds the object in the kernel, the test's torch.nn layers
crossing as records (torch.nn class name, plain settings, parameters, buffers) rebuilt there from torch.nn;
the object stays in a table of that kernel, and the test gets a `RemoteModule`: an nn.Module of ours whose
children are rebuilt from the object's record with torch.nn's own classes (`isinstance(m, nn.Linear)` and
`in_features` hold; the layer the test handed it is the test's own object again), whose plain attributes
are the object's, whose parameters mirror the object's (sent by value when the checker changed them, back
when the kernel did), and whose methods (`net(X, state)`, `begin_state`, any public method of the class) run
in the kernel, values both ways. A call made with gradients on keeps its graph in the kernel; its outputs
reach the test through an autograd function whose backward asks the kernel for the gradients of the
parameters and of the test's tensors, so the toolbox's `train_epoch` can train the student's model from
the checker (tests/test_checker.py; 07's test_RNNModel_training and test_RNNModel_lstm are judged so). A
handle is an index into the table of the kernel that grades this notebook; nothing of the student's is
unpickled here.

Autograd through a student's function (02's test_init_rnn_params_grad, test_rnn_forward_torch): the same for
a plain call. The function runs with autograd on or off as the test has it; when its answer holds tensors
connected to a graph in the kernel, the kernel keeps the graph (the last handles.GRAPHS) and those tensors
reach the test as outputs of one autograd function (handles.attach) whose inputs are the test's leaves among
the arguments and the answer's own leaves: `is_leaf`, `requires_grad` and `grad_fn` read as in one process.
The test's backward sends the outputs' gradients to the kernel, which answers the gradients of those inputs
(values, one per input, of its shape and dtype, or refused); the checker's autograd accumulates them into the
test's tensors. A second backward without retain_graph fails as autograd's own does.

Many calls in one round trip: `helpers.draws(f, n, *args)` (06's sample_next distribution test: 4,000 draws
per distribution, six distributions) is, for a proxy, `StudentFunction.draws`: the student's kernel makes
the n calls one after the other and answers the list of their results, with the random state and the
generators' states the last call left, exactly what n round trips would bring (each call starts from the
state the one before left). Sound: it brings back only values of the student's function on the test's
arguments, which the student controls anyway; the counting and the verdict happen here.

What it prints is kept in the test cell's output. In the student's own JupyterLab nothing changes: the
tests run in the kernel.

Threat model: what can a submission still do to its own grade? For a judged test cell, only what its
functions return for the inputs they are given: its answers. Replacing `helpers.check_equal`, patching
`torch.equal` or `Tensor.__eq__`, reaching the test cell's globals through frames, `__globals__` or `gc`,
returning a tensor subclass that lies — at the top of a cell or inside a function the tests call — change
only the student's kernel, not the checks, the inputs the tests build, the expected values or the verdict
(tests/test_grading_calltime.py: graded with the static scan off). It can still lose its own points (a
kernel it breaks, a function that hangs: the cell timeout applies to the test cell from its first call of
the student's code, as to a test cell in the kernel), and answer correctly by means the tests cannot see
(hidden tests keep their inputs unknown). The test's objects it is handed it can
only ask what they answer through their public methods and attributes (reverse calls, during that call):
what they record is what the function did to them. An object of its class that a test builds (07's RNNModel) answers
the methods the test calls as the student's code decides, and describes its structure (its torch.nn
children, their plain settings, its parameters) as that code leaves it: the verdict on those answers is
the checker's, and what it rebuilds from them is made of torch.nn's own classes and values.

What the checker does not judge (they run in the student's kernel, as before, and the static scan and
hold-for-review watch them; the README lists them with their points):

* test cells of the judged assignments marked by IN_KERNEL_MARKS: those calling `check_no_builtin` (a
  tripwire on the student's own modules: 01's "written without F.one_hot", 05's "without autograd" and
  "without clip_grad_norm_");
* test cells listed in IN_KERNEL_CELLS: none now. Until 2026-12-06 it held, for their cost only, 06's
  test_train_epoch_returns and test_train_epoch_bound (68 and 312 minibatches of train_epoch on the test's
  model and optimizer) and 07's test_RNNModel_training and test_RNNModel_lstm (the toolbox's train_epoch on
  the student's model, by handle); they are judged since the replicated optimizers and cached attributes of
  tools/reverse.py made a minibatch of 06's two round trips instead of five, and the zygote imports
  torch._dynamo (a test's first optimizer imports it) and starts beside the kernel (docs/benchmarks.md);
* the assignments not in `JUDGED` (none of the course's seven now).

Trust: the checker runs only cells whose source autograde restored from the gradebook (test cells and
read-only cells with a grade_id; in a Chinese submission the read-only code cells hold their translation
from solutions/, put back by tools/i18n.GradingEdition: the same program); a cell the student made up is the
student's, and reaches it only as the names it binds (proxies).

Processes: one *zygote* per grading process (nbgrader's autograde, a shard), started in its own bubblewrap
sandbox (the Python environment, tools/ and autograder/release/ read-only, nothing else; no network) when a
judged notebook's first cell runs (its imports beside the kernel's), imports torch once (and torch._dynamo,
which a test's first optimizer imports: a second or so per notebook otherwise) and forks a fresh checker for
every notebook, which talks to GradingExecute over a Unix
socket (JSON lines: the cells to run, their outputs). The values go between the checker and the kernel
directly: when a cell in the checker first calls the student's code (`connect`), GradingExecute runs one
kernel cell, the serve loop of BRIDGE (`__rnn_course_serve__`), which connects to a socket GradingExecute
listens on in the kernel's private folder; GradingExecute hands the accepted connection to the checker
(SCM_RIGHTS over the checker's socket, after the checker's `ack`: no buffered reader holds the byte that
carries it) and only waits for the cell's outputs. Calls, answers, reverse calls and their answers then go
between the checker and the kernel as frames (tools/reverse.py's FRAMES: a kind, a length, the bytes; no
base64), one wake-up of each process per round trip. The checker ends the loop when its cell is done; the
kernel reaches neither the zygote's socket nor GradingExecute's, only its end of that connection, where
it writes answers and reverse calls (loaded here as values, as ever). The cell timeout is the serve cell's:
a hang interrupts the kernel, GradingExecute shuts the connection down (the checker hears its end, whatever
the kernel does) and the test cell's outcome is the timeout (tools/sandbox.py); a dead kernel stops the
notebook as any cell does.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import itertools
import json
import linecache
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path

from tools import handles as models
from tools import reverse

#: The assignments whose test cells the checker judges (their tests pass the student's functions values).
JUDGED = frozenset(
    {
        "01_one_hot",
        "02_recurrence",
        "03_samplers",
        "04_perplexity",
        "05_clipping",
        "06_scratch_training",
        "07_concise_rnn",  # its model stays in the kernel, driven by handle (tools/handles.py)
    }
)
#: The most one value may weigh when it crosses (bytes).
MAX_VALUE = 256 * 2**20
#: How many items of an iterator (a sampler's minibatches) the student's side draws at most.
MAX_ITEMS = 100_000
#: The error of a test cell the checker could not judge (it died, or hung past twice the cell timeout):
#: the cell scores 0 and tools/account.py reports a `checker-failed` anomaly to look at.
CHECKER_ERROR = "CheckerError"
#: What crosses the channel, as the errors say it.
VALUES = "tensors, numbers, strings, None, and lists, tuples and dicts of these"


#: What marks a test cell that runs in the student's kernel (`in_kernel`): it watches that process from
#: inside (`check_no_builtin`). A cell that backpropagates through the student's function (`.backward(`) is
#: judged: the graph stays in the kernel and the gradients cross as values (tools/handles.py, `attach`).
IN_KERNEL_MARKS = ("check_no_builtin",)


#: Test cells of a judged assignment that run in the student's kernel for a reason their source does not
#: show: assignment -> {grade id: why}. The README's table of in-kernel checks lists them with their points.
#: None now (06's and 07's training cells, kept there for cost until 2026-12-06, are judged).
IN_KERNEL_CELLS: dict[str, dict[str, str]] = {}


def in_kernel(source: str, assignment: str | None = None, grade_id: str | None = None) -> bool:
    """Whether a test cell must run in the student's kernel (see IN_KERNEL_MARKS and IN_KERNEL_CELLS). The
    marks count in the cell's code, not in its strings (a hint saying "after loss.backward()" is no call)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        code = source
    else:
        strings = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        code = ast.unparse(ast.fix_missing_locations(_Blank(strings).visit(tree)))
    return any(mark in code for mark in IN_KERNEL_MARKS) or grade_id in IN_KERNEL_CELLS.get(assignment, {})


class _Blank(ast.NodeTransformer):
    """The strings of a cell's code, emptied (in_kernel looks for its marks in the code)."""

    def __init__(self, strings):
        self.strings = {id(node) for node in strings}

    def visit_Constant(self, node):
        return ast.Constant("") if id(node) in self.strings else node


def enabled() -> bool:
    """Whether grading judges test cells in the checker: on unless RNN_COURSE_CHECKER=0 (the switch that
    `make bench` and the tests use to compare; nbgrader's own option is --GradingExecute.checker)."""
    return os.environ.get("RNN_COURSE_CHECKER", "1") != "0"


def bound_names(source: str) -> set[str]:
    """The names a cell binds at its top level (a student's cell: what reaches the checker as proxies)."""
    return _bound_and_used(source)[0]


# ---------------------------------------------------------------------------
# The student's side: defined in the student's kernel before the first judged test cell
# ---------------------------------------------------------------------------
#: The tensors an argument holds, in one order that both sides compute (the checker on its own value, the
#: student's side on the copy it was sent): what is sent with its `.grad` and what comes back changed.
LEAVES = r'''
def __rnn_course_leaves__(value, torch):
    """The tensors of an argument, in order: a tensor; an nn.Module's parameters; an object's .params
    (D2L's scratch models); the items of a list, tuple or dict (a list whose first item is a number or a
    string holds none: a corpus)."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, torch.nn.Module):
        return list(value.parameters())
    if isinstance(value, (list, tuple)):
        if value and type(value[0]) in (int, float, bool, str):
            return []
        return [leaf for item in value for leaf in __rnn_course_leaves__(item, torch)]
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in __rnn_course_leaves__(item, torch)]
    params = getattr(value, "params", None)
    if isinstance(params, (list, tuple)):
        return __rnn_course_leaves__(params, torch)
    return []
'''
_namespace: dict = {}
exec(LEAVES, _namespace)
_leaves = _namespace["__rnn_course_leaves__"]

#: The dtypes whose tensors cross as raw bytes (`PACK`); a tensor of another dtype crosses by torch.save.
PACKED_DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool")
#: How a packed answer begins (a torch.save file is a zip: it begins with "PK").
PACKED = b"RNNV1\n"

#: The fast value format, both ways (the same code runs in the checker and in the student's kernel). A value
#: is pickled with each plain CPU tensor of PACKED_DTYPES as a persistent id: the raw bytes of the tensors'
#: storages and each tensor's (storage, dtype, offset, shape, stride, requires_grad) go beside the pickle, and
#: the other side rebuilds those tensors from them (`__rnn_course_tensors__`: each within its storage's bytes).
#: torch's own pickling of a tensor is a torch.save and a torch.load of its storage (about 0.1 ms each).
#: An answer (`strict`) must hold only None, bools, ints, floats, strings, lists, tuples, dicts and such
#: tensors: the checker loads it with no global at all (`_unpack`); anything else raises TypeError, and the
#: answer crosses by torch.save as before (torch.load(weights_only=True) in the checker). A request (the
#: checker's arguments) may hold anything of ours: other objects and tensors are pickled as usual.
PACK = r"""
def __rnn_course_pickler__(torch, pickle, strict):
    plain = (type(None), bool, int, float, str, list, tuple, dict)

    class Pickler(pickle.Pickler):
        def __init__(self, file):
            super().__init__(file, protocol=5)
            self.storages, self.metas, self.index, self.where = [], [], {}, {}

        def persistent_id(self, obj):
            kind = type(obj)
            if kind is not torch.Tensor:
                if strict and kind not in plain:
                    raise TypeError(kind.__name__)
                return None
            if id(obj) not in self.index:
                dtype = str(obj.dtype).removeprefix("torch.")
                if (
                    dtype not in PACKED_DTYPES_ or obj.layout != torch.strided or obj.device.type != "cpu"
                    or obj.is_quantized or any(getattr(obj, "names", None) or ()) or obj._backward_hooks
                    or obj.__dict__ or obj._is_zerotensor() or obj.is_conj() or obj.is_neg()
                ):
                    if strict:
                        raise TypeError("a tensor for torch.save")
                    return None
                storage = obj.untyped_storage()
                key = (storage.data_ptr(), storage.nbytes())
                if key not in self.where:
                    self.where[key] = len(self.storages)
                    raw = torch.empty(0, dtype=torch.uint8).set_(storage, 0, (storage.nbytes(),), (1,))
                    self.storages.append(pickle.PickleBuffer(raw.numpy()))
                shape, stride = tuple(obj.shape), tuple(obj.stride())
                self.metas.append((self.where[key], dtype, obj.storage_offset(), shape, stride, obj.requires_grad))
                self.index[id(obj)] = (len(self.metas) - 1, obj)  # obj kept: its id is not reused meanwhile
            return self.index[id(obj)][0]

    return Pickler


def __rnn_course_pack__(value, torch, pickle, strict=True):
    import io

    buffer = io.BytesIO()
    pickler = __rnn_course_pickler__(torch, pickle, strict)(buffer)
    pickler.dump(value)
    return PACKED_ + pickle.dumps((pickler.storages, pickler.metas, buffer.getvalue()), protocol=5)


def __rnn_course_tensors__(storages, metas, torch):
    # The tensors of a packed value, each checked to lie within its storage's bytes; and what each must
    # still be after the value is loaded (its storage, offset, shape, stride, dtype, requires_grad).
    built = []
    for raw in storages:
        if type(raw) is not bytearray:
            raise ValueError("not a storage")
        empty = torch.UntypedStorage(0)
        built.append(torch.UntypedStorage.from_buffer(raw, byte_order="native", dtype=torch.uint8) if raw else empty)
    tensors, facts = [], []
    for where, dtype, offset, shape, stride, requires_grad in metas:
        if not (type(where) is int and 0 <= where < len(built) and dtype in PACKED_DTYPES_):
            raise ValueError("not a tensor")
        if type(shape) is not tuple or type(stride) is not tuple or len(shape) != len(stride):
            raise ValueError("not a tensor's shape")
        if not all(type(n) is int and n >= 0 for n in (offset, *shape, *stride)):
            raise ValueError("not a tensor's shape")
        dtype = getattr(torch, dtype)
        size = built[where].nbytes() // torch.empty(0, dtype=dtype).element_size()
        last = offset + sum((n - 1) * step for n, step in zip(shape, stride)) if all(shape) else offset - 1
        if offset > size or last >= size:
            raise ValueError("a tensor beyond its storage")
        tensor = torch.empty(0, dtype=dtype).set_(built[where], offset, shape, stride)
        if requires_grad is True:
            tensor.requires_grad_(True)
        tensors.append(tensor)
        facts.append((built[where].data_ptr(), offset, shape, stride, dtype, requires_grad is True))
    return tensors, facts


def __rnn_course_unpack__(data, torch, pickle):
    # A packed request, on the student's side (the checker's own objects: any class may load).
    import io

    storages, metas, skeleton = pickle.loads(data[len(PACKED_) :])
    tensors, _ = __rnn_course_tensors__(storages, metas, torch)

    class Unpickler(pickle.Unpickler):
        def persistent_load(self, pid):
            return tensors[pid]

    return Unpickler(io.BytesIO(skeleton)).load()
""".replace("PACKED_DTYPES_", repr(PACKED_DTYPES)).replace("PACKED_", repr(PACKED))
exec(PACK, _namespace)
_pack, _tensors = _namespace["__rnn_course_pack__"], _namespace["__rnn_course_tensors__"]

BRIDGE = (
    LEAVES
    + PACK
    + reverse.REVERSE_BRIDGE
    + models.HANDLE_BRIDGE
    + r'''
def __rnn_course_call__(name, request, reverse=None):
    """Run one of this notebook's functions for the grader's checker; answer with values only."""
    import io as _io, pickle as _pickle, types as _types
    import torch as _torch

    import random as _random

    def _copy(tensor, clone=True):
        return None if tensor is None else tensor.detach().clone() if clone else tensor.detach()

    def _equal(a, b):
        return a is not None and b is not None and a.shape == b.shape and a.dtype == b.dtype and _torch.equal(a, b)

    args, kwargs, rng, grads, iterators, repeat, *mode = __rnn_course_unpack__(request, _torch, _pickle)
    # the student's function draws from the grader's random state; None: the state this kernel's last call
    # ended with, which the grader still has (this kernel's own cells may have drawn since)
    last = __rnn_course_call__.__dict__.setdefault("rng", {})
    start = {key: last[key] if rng[key] is None else rng[key] for key in ("torch", "random")}
    _torch.set_rng_state(start["torch"])
    _random.setstate(start["random"])
    sent = {}  # argument -> [(tensor, the .grad it was sent with, copies of both)]: what comes back
    for key, value in [*enumerate(args), *kwargs.items()]:
        leaves = __rnn_course_leaves__(value, _torch)
        for leaf, grad in zip(leaves, grads.get(key, [])):
            if grad is not None:
                leaf.grad = grad
        sent[key] = [(leaf, leaf.grad, _copy(leaf), _copy(leaf.grad)) for leaf in leaves]
    args = [iter(value) if key in iterators else value for key, value in enumerate(args)]
    kwargs = {key: iter(value) if key in iterators else value for key, value in kwargs.items()}
    link = __RnnCourseLink__(reverse)  # the test's objects among the arguments: stand-ins (REVERSE_BRIDGE)
    args, kwargs = link.standins(args), link.standins(kwargs)
    args, kwargs = __rnn_course_handles__.resolve(args), __rnn_course_handles__.resolve(kwargs)  # handles.py

    def _back(entries):  # each tensor of an argument: its values, its .grad, whether .grad is the tensor sent
        back = []  # values and a .grad in place left as they were come back as None: the grader has them
        for leaf, grad, data_before, grad_before in entries:
            data, now, same = leaf.detach(), _copy(leaf.grad, clone=False), leaf.grad is grad
            data = None if _equal(data, data_before) else data
            now = None if same and _equal(now, grad_before) else now
            back.append({"data": data, "grad": now, "same": same})
        return back

    def _plain(value):  # a tensor of a subclass crosses as its values (a plain tensor)
        if isinstance(value, _torch.Tensor) and type(value) is not _torch.Tensor:
            with _torch._C.DisableTorchFunctionSubclass():
                return _torch.Tensor.as_subclass(value, _torch.Tensor)
        if type(value) in (list, tuple):
            return type(value)(_plain(v) for v in value)
        if type(value) is dict:
            return {k: _plain(v) for k, v in value.items()}
        return value

    def _one():
        result = __rnn_course_handles__.wrap(globals()[name], globals()[name](*args, **kwargs))
        if isinstance(result, (_types.GeneratorType, map, filter, zip)) or (
            hasattr(result, "__next__") and hasattr(result, "__iter__")
        ):
            items = []
            for item in result:
                items.append(item)
                if len(items) >= MAX_ITEMS_:
                    break
            result = {"__iterator__": items}
        return result

    try:
        if name not in globals():
            raise NameError(f"name {name!r} is not defined")
        # repeat: helpers.draws(f, n, ...): the n calls one after the other, their results as one list
        with _torch.set_grad_enabled(mode[0] is not False if mode else True):  # autograd as the test has it
            result = _one() if repeat is None else [_one() for _ in range(repeat)]
        answer = {"ok": True, "result": result}
        if repeat is None:  # tensors connected to a graph here: the graph kept for the test's backward
            answer["graph"] = __rnn_course_handles__.keep(result, sent)
    except BaseException as error:  # every error is the answer
        answer = {"ok": False, "ename": type(error).__name__, "evalue": str(error)[:2000]}
    link.close()
    end = {"torch": _torch.get_rng_state(), "random": _random.getstate()}  # what the function left: the grader's
    __rnn_course_call__.rng = end
    rng = {"torch": None if _torch.equal(end["torch"], start["torch"]) else end["torch"]}  # None: unchanged
    rng["random"] = None if end["random"] == start["random"] else end["random"]
    answer["rng"] = rng
    answer["generators"] = link.states()  # each torch.Generator argument's state, as the function left it
    answer["queue"] = link.queue  # the replicated optimizers' methods not yet sent (tools/reverse.py)
    answer["mirrors"] = link.changes()  # what it did to the test's parameters since the last reverse call
    changed = {key: _back(entries) for key, entries in sent.items() if entries}  # arguments changed in place
    kept = lambda entry: entry["data"] is None and entry["grad"] is None and entry["same"]  # noqa: E731
    answer["changed"] = {key: back for key, back in changed.items() if not all(map(kept, back))}
    answer = _plain(answer)
    try:
        payload = __rnn_course_pack__(answer, _torch, _pickle)
    except Exception:  # something torch.save must send (or refuse)
        payload = None
    if payload is None:
        buffer = _io.BytesIO()
        try:
            _torch.save(answer, buffer)
        except Exception as error:
            evalue = f"the grader takes VALUES_; this value is something else ({type(error).__name__}: {error})"
            refused = {"ok": False, "ename": "TypeError", "evalue": evalue[:2000], "rng": rng}
            refused["changed"] = answer["changed"]
            refused["generators"] = answer["generators"]
            refused["queue"] = answer["queue"]
            refused["mirrors"] = answer["mirrors"]
            try:
                payload = __rnn_course_pack__(refused, _torch, _pickle)
            except Exception:
                buffer = _io.BytesIO()
                _torch.save(refused, buffer)
        payload = payload or buffer.getvalue()
    return payload


def __rnn_course_serve__(path):
    """Serve the grader's checker while one of its test cells runs: each call of this notebook's functions
    comes over a socket (a frame: a JSON head, then the packed request), its answer goes back; the test's
    objects answer over the same socket while a call runs (reverse calls). Ends when the checker says so."""
    import json as _json, socket as _socket

    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    sock.connect(path)
    try:
        while True:
            kind, data = __rnn_course_receive__(sock, 1 << 40)
            if kind != b"C":  # b"E": the test cell is done (None: the checker is gone)
                return
            head, _, request = data.partition(b"\n")
            head = _json.loads(head)
            reverse = {"keys": head["keys"], "sock": sock} if head.get("keys") else None
            __rnn_course_send__(sock, b"A", __rnn_course_call__(head["name"], request, reverse))
    finally:
        sock.close()
'''.replace("MAX_ITEMS_", str(MAX_ITEMS)).replace("VALUES_", VALUES)
)


# ---------------------------------------------------------------------------
# Values, in the checker
# ---------------------------------------------------------------------------
class ChannelError(TypeError):
    """What the student's function returned cannot cross the value-only channel."""


def decode(payload: bytes):
    import torch

    if len(payload) > MAX_VALUE:
        raise ChannelError(f"the value is {len(payload) / 2**20:.0f} MB; at most {MAX_VALUE // 2**20} MB cross")
    try:
        if payload.startswith(PACKED):
            return _unpack(payload[len(PACKED) :])
        return torch.load(io.BytesIO(payload), weights_only=True)
    except Exception as error:
        said = (str(error) or type(error).__name__).splitlines()[0][:200]
        raise ChannelError(f"the grader takes {VALUES}; this value is something else ({said})") from None


class _NoGlobals(pickle.Unpickler):
    """pickle's own (C) unpickler with no global at all: it builds None, bools, numbers, strings, bytes,
    bytearrays, lists, tuples, dicts and sets, and calls nothing (no class, no function can be named).
    Persistent ids name the tensors of `_unpack`, built before."""

    def __init__(self, data: bytes, tensors: list | None = None):
        super().__init__(io.BytesIO(data))
        self.tensors = tensors or []

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"{module}.{name} is not a value")

    def persistent_load(self, pid):
        if type(pid) is int and 0 <= pid < len(self.tensors):
            return self.tensors[pid]
        raise pickle.UnpicklingError("not a tensor of this answer")


def _unpack(data: bytes):
    """An answer `PACK` made: its tensors rebuilt from the raw bytes of their storages (each within its
    storage's bytes; the dtypes of PACKED_DTYPES only), then the answer, its tensors in their places."""
    import torch

    storages, metas, skeleton = _NoGlobals(data).load()
    if not (type(storages) is list and type(metas) is list and type(skeleton) is bytes):
        raise ValueError("not a packed answer")
    if not all(type(meta) is tuple and len(meta) == 6 for meta in metas):
        raise ValueError("not a tensor")
    tensors, facts = _tensors(storages, metas, torch)
    answer = _NoGlobals(skeleton, tensors).load()
    for tensor, fact in zip(tensors, facts):  # a crafted pickle may call a tensor's __setstate__ (BUILD): refused
        where = tensor.untyped_storage().data_ptr(), tensor.storage_offset()
        now = (*where, tuple(tensor.shape), tensor.stride(), tensor.dtype, tensor.requires_grad)
        if now != fact or tensor._backward_hooks is not None:
            raise ValueError("a tensor changed while it loaded")
    return answer


#: Errors of the call itself, not of the student's code: like an interrupted cell, a test cannot catch them
#: with `except Exception` (nbclient's timeout interrupts the kernel: a KeyboardInterrupt there).
NOT_CATCHABLE = ("CellTimeoutError", "KeyboardInterrupt", "SystemExit")


def rebuild_error(ename: str, evalue: str) -> BaseException:
    """The student's exception, raised in the checker under its name."""
    known = getattr(builtins, ename, None)
    if isinstance(known, type) and issubclass(known, Exception):
        return known(evalue)
    name = ename if ename.isidentifier() else "Exception"
    base = BaseException if ename in NOT_CATCHABLE else Exception
    return type(name, (base,), {"__module__": "your_code"})(evalue)


def _restore(result):
    if isinstance(result, dict) and set(result) == {"__iterator__"}:
        return iter(result["__iterator__"])
    return result


def _is_iterator(value) -> bool:
    import torch

    return hasattr(value, "__next__") and hasattr(value, "__iter__") and not isinstance(value, torch.Tensor)


def prepare(args: tuple, kwargs: dict) -> tuple[dict, set]:
    """The arguments of a call as the student's side gets them: {position or keyword: value}, an iterator
    (a generator such as model.parameters()) drawn into a list, sent as such and handed to the function as
    an iterator over it; and the keys of those iterators."""
    values = {**dict(enumerate(args)), **kwargs}
    iterators = {key for key, value in values.items() if _is_iterator(value)}
    return {key: list(value) if key in iterators else value for key, value in values.items()}, iterators


def encode_request(values: dict, iterators: set, last: dict | None = None, repeat: int | None = None) -> bytes:
    """A call's arguments for the student's side (pickle: that side may unpickle anything of ours) with the
    `.grad` of each of their tensors (pickle leaves gradients out) and the checker's random state: the
    student's function draws from it, as it would in one process (a test seeds, then calls a sampler).
    `last`: the state the last call on this channel ended with (`_adopt_rng`); a part of the state that is
    still that one is sent as None (the student's side kept it). `repeat`: n, to make the same call n times
    there and answer the list of the n results (`StudentFunction.draws`)."""
    import random

    import torch

    rng = {"torch": torch.get_rng_state(), "random": random.getstate()}
    if last:
        if torch.equal(rng["torch"], last["torch"]):
            rng["torch"] = None
        if rng["random"] == last["random"]:
            rng["random"] = None
    grads = {key: [leaf.grad for leaf in _leaves(value, torch)] for key, value in values.items()}
    grads = {key: found for key, found in grads.items() if any(grad is not None for grad in found)}
    args = tuple(values[key] for key in sorted(k for k in values if isinstance(k, int)))
    kwargs = {key: value for key, value in values.items() if not isinstance(key, int)}
    try:
        request = (args, kwargs, rng, grads, iterators, repeat, torch.is_grad_enabled())
        return _pack(request, torch, pickle, strict=False)
    except Exception as error:
        raise ChannelError(f"the test's arguments cannot be sent to your function: {error}") from None


def _adopt_rng(rng) -> dict:
    """The random state the student's function left becomes the checker's: the draws it made are drawn, as
    they would be in one process (two calls of a function that draws get different values; a function that
    seeds reseeds the test's stream). A part sent as None is the state the call was sent with (the function
    left it as it was). A state that is not one is an error the test sees. Returns the state now (`last` of
    the next request)."""
    import random

    import torch

    try:
        state, python = rng["torch"], rng["random"]
        if state is not None:
            if not (isinstance(state, torch.Tensor) and state.dtype == torch.uint8 and state.dim() == 1):
                raise TypeError("not a torch random state")
            torch.set_rng_state(state)
        if python is not None:
            random.setstate(python)
    except Exception as error:
        raise ChannelError(f"the random state the student's kernel sent back is not one ({error})") from None
    return {"torch": torch.get_rng_state(), "random": random.getstate()}


def _torch():
    import torch

    return torch


def _copy_back(leaves: list, entries) -> None:
    """The tensors of an argument come back as the student's function left them: values changed in place
    are copied in; a `.grad` scaled in place is copied into the same gradient tensor (a test holding it
    sees the change); a `.grad` the function replaced (or set to None) is replaced by the new values."""
    import torch

    if not isinstance(entries, list) or len(entries) != len(leaves):
        raise ChannelError("the arguments the student's kernel sent back are not those it was sent")
    for mine, entry in zip(leaves, entries):
        if not isinstance(entry, dict):
            raise ChannelError("the arguments the student's kernel sent back are not those it was sent")
        data, grad = entry.get("data"), entry.get("grad")
        with torch.no_grad():
            if isinstance(data, torch.Tensor) and _same_kind(mine, data) and not torch.equal(mine, data):
                mine.copy_(data)
            if entry.get("same") is True:  # scaled in place, or left alone
                kept = mine.grad is not None and isinstance(grad, torch.Tensor) and _same_kind(mine.grad, grad)
                if kept and not torch.equal(mine.grad, grad):
                    mine.grad.copy_(grad)
            elif grad is None or isinstance(grad, torch.Tensor):
                try:
                    mine.grad = grad
                except (RuntimeError, TypeError) as error:
                    raise ChannelError(f"a gradient the student's function set cannot be set here: {error}") from None


def _same_kind(a, b) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype


class StudentFunction:
    """A name the student's cells define: calling it runs it in the student's kernel; values come back."""

    def __init__(self, name: str, channel):
        self.__name__ = self.__qualname__ = name
        self._channel = channel

    def __call__(self, *args, **kwargs):
        return self._run(None, args, kwargs)

    def draws(self, n: int, *args, **kwargs) -> list:
        """helpers.draws(f, n, ...): the results of n calls f(*args, **kwargs) one after the other, as a list,
        in ONE round trip: the student's kernel makes the n calls (a loop of the bridge) and sends the n
        results back as values, with the random state and each torch.Generator argument's state as the
        last call left them (a loop here would see the same: each call starts from the state the one before
        left). Sound: what comes back is only values of the student's function on the test's arguments,
        which the student controls anyway, one call at a time; the verdict on them (the frequencies a
        sampler's draws make) is computed here. 06's test_sample_next_distribution: 6 x 4,000 calls."""
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_ITEMS:
            raise ValueError(f"draws: n must be an int in [0, {MAX_ITEMS}], got {n!r}")
        result = self._run(n, args, kwargs)
        if not isinstance(result, list) or len(result) != n:
            raise ChannelError("the answer of the student's kernel is not a list of the draws")
        return [_restore(item) for item in result]

    def _run(self, repeat, args, kwargs):
        values, iterators = prepare(args, kwargs)
        values, sent = models.outbound(self, values)  # torch.nn modules for a class of the student's: records
        last = getattr(self._channel, "rng_last", None)  # the state the last call ended with
        self._channel.rng_last = None  # until this call's answer says what it is
        handles = reverse.Handles(decode, MAX_ITEMS, _pack)  # the test's objects stay here (tools/reverse.py)
        values, marked = handles.substitute(values)
        self._channel.handles = handles
        try:
            request = encode_request(values, iterators, last, repeat)
            answer = decode(self._channel.call(self.__name__, request, marked, bool(handles.objects)))
        finally:
            self._channel.handles = None  # the call's stand-ins are answered no more
        if not isinstance(answer, dict) or "ok" not in answer:
            raise ChannelError("the answer of the student's kernel is not an answer")
        self._channel.rng_last = _adopt_rng(answer.get("rng"))
        if handles.generators:
            try:
                handles.adopt_states(answer.get("generators"))
            except TypeError as error:
                raise ChannelError(str(error)) from None
        try:
            handles.flush(answer.get("queue"))  # the replicated optimizers' methods it ran last (tools/reverse.py)
            handles.settle(answer.get("mirrors"))  # the test's parameters, as the function left them
        except TypeError as error:
            raise ChannelError(str(error)) from None
        changed = answer.get("changed") or {}
        for key, value in values.items():
            if key in changed:
                _copy_back(_leaves(value, _torch()), changed[key])
        if not answer["ok"]:
            raise rebuild_error(str(answer.get("ename", "Exception")), str(answer.get("evalue", "")))
        if repeat is not None:
            return answer["result"]
        result = answer["result"]
        if answer.get("graph") is not None:  # tensors of a graph kept in the kernel: autograd across the channel
            result = models.attach(self._channel, result, answer["graph"], values, lambda v: _leaves(v, _torch()))
        return models.inbound(_restore(result), self._channel, sent)  # a model: its handle

    def __repr__(self):
        return f"<function {self.__name__}, run in the student's kernel>"


# ---------------------------------------------------------------------------
# Which read-only cells the checker runs: those binding the names the test cells use
# ---------------------------------------------------------------------------
def _bound_and_used(source: str) -> tuple[set[str], set[str]]:
    """(names a cell binds at its top level, names it reads anywhere)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    bound, used = set(), set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        else:
            bound |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        used |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return bound, used


def free_names(source: str) -> set[str]:
    """The names a cell reads and binds nowhere itself (not a builtin): what it needs from cells before.
    (A name the cell binds somewhere, as a test's `X = ...` or a loop variable, is taken as its own.)"""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    bound, used = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return used - bound - set(dir(builtins))


def fixture_cells(sources: list[tuple[int, str]], tests: list[str]) -> set[int]:
    """The indices of the read-only cells (index, source) that bind a name the test cells (or the chosen
    cells) need from the cells before them (`free_names`), the last binding first: what the checker runs
    besides the tests. A demonstration that binds `X` is not one: the tests bind their own `X`."""
    needed = set().union(*(free_names(t) for t in tests)) if tests else set()
    chosen: set[int] = set()
    for index, source in reversed(sources):
        bound = _bound_and_used(source)[0]
        if bound & needed:
            chosen.add(index)
            needed = (needed - bound) | free_names(source)
    return chosen


# ---------------------------------------------------------------------------
# The checker process (forked from the zygote, one per notebook)
# ---------------------------------------------------------------------------
class _Lines:
    """JSON lines over a socket."""

    def __init__(self, conn: socket.socket):
        self.conn, self.reader, self.writer = conn, conn.makefile("rb"), conn.makefile("wb")

    def send(self, message: dict) -> None:
        self.writer.write(json.dumps(message).encode() + b"\n")
        self.writer.flush()

    def receive(self) -> dict:
        line = self.reader.readline()
        if not line:
            raise EOFError("the other end closed the connection")
        return json.loads(line)


class _Channel(_Lines):
    """The checker's end: a call of a student's function is a frame to the student's kernel, over the socket
    GradingExecute hands over when the cell first calls one (`connect`); its answer a frame back."""

    handles: reverse.Handles | None = None  # the objects of the call under way
    link: socket.socket | None = None  # to the kernel's serve loop (checker.BRIDGE), for this cell
    lost = False  # the link of this cell is gone (the kernel stopped serving): no answer comes any more
    calling = False  # a call is under way (the reverse calls it makes are answered here)

    def _kernel(self) -> socket.socket:
        """The link to the student's kernel: on the cell's first call, GradingExecute starts the kernel's serve
        loop, accepts its connection and hands this process the socket (SCM_RIGHTS)."""
        if self.link is None and not self.lost:
            self.send({"op": "connect"})
            reply = self.receive()
            if reply.get("op") == "kernel" and reply.get("ok") is True:
                self.send({"op": "ack"})  # nothing is buffered now: the next byte carries the socket
                _, fds, _, _ = socket.recv_fds(self.conn, 1, 1)
                if fds:
                    self.link = socket.socket(fileno=fds[0])
            self.lost = self.link is None
        if self.link is None:
            raise rebuild_error("RuntimeError", "your function gave no answer (the kernel stopped)")
        return self.link

    def call(self, name: str, request: bytes, marked: list = (), relay: bool = False) -> bytes:
        """`marked`: the arguments that hold the test's objects or generators (tools/reverse.py); while the
        call runs, the student's side asks the objects over the same socket (`relay`: some are objects;
        nothing else to do for them)."""
        if not name.isidentifier():
            raise NameError(f"not a name: {name!r}")
        if self.calling:  # the kernel waits for a reverse call's answer, not for a call
            raise RuntimeError("a test's object cannot call the student's function back")
        link = self._kernel()
        head = json.dumps({"name": name, "keys": list(marked)}).encode()
        self.calling = True
        try:
            reverse.send_frame(link, b"C", head + b"\n" + request)
            while True:
                kind, data = reverse.receive_frame(link, MAX_VALUE)
                if kind == b"A":
                    return data
                if kind != b"R" or self.handles is None:
                    raise EOFError("no answer")
                reverse.send_frame(link, b"B", self.handles.answer(data))
        except ValueError:  # larger than a value may be: the rest of the frame is not read, the link is lost
            self.finish(lost=True)
            raise ChannelError(f"the value is larger than {MAX_VALUE // 2**20} MB: it cannot cross") from None
        except (OSError, EOFError):  # the kernel died, was interrupted (the cell's timeout) or closed the link
            self.finish(lost=True)
            raise rebuild_error("RuntimeError", "your function gave no answer") from None
        finally:
            self.calling = False

    def finish(self, lost: bool = False) -> None:
        """The end of the cell (its kernel link told to end its serve loop), or of its link (`lost`)."""
        if self.link is not None:
            with contextlib.suppress(OSError):
                if not lost:
                    reverse.send_frame(self.link, b"E")
                self.link.close()
        self.link, self.lost = None, lost


def _outputs_of(source: str, name: str, namespace: dict) -> list[dict]:
    """Run a cell's code; its outputs as nbformat dicts (stdout, stderr, an error)."""
    filename = f"<{name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    out, err, error = io.StringIO(), io.StringIO(), None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            exec(compile(source, filename, "exec"), namespace)
        except BaseException as raised:  # every error is the cell's outcome (the checker's code is trusted)
            error = raised
    streams = (("stdout", out), ("stderr", err))
    outputs = [{"output_type": "stream", "name": n, "text": s.getvalue()} for n, s in streams]
    outputs = [o for o in outputs if o["text"]]
    if error is not None:
        render = getattr(error, "_render_traceback_", None)
        lines = render() if callable(render) else traceback.format_exception_only(type(error), error)
        outputs.append(
            {"output_type": "error", "ename": type(error).__name__, "evalue": str(error), "traceback": lines}
        )
    return outputs


def serve(conn: socket.socket) -> None:
    """One notebook's checker: run the cells GradingExecute sends, with the student's names as proxies."""
    channel = _Channel(conn)
    namespace: dict = {"__name__": "__main__"}
    trusted: set[str] = set()  # names the checker's own cells bound: never proxies
    while True:
        try:
            message = channel.receive()
        except (EOFError, OSError):  # GradingExecute is gone (the notebook is done, or it died)
            return
        if message["op"] == "enter":
            os.environ.update(message.get("env", {}))  # the submission's language (helpers.py reads it)
            os.chdir(message["folder"])
            sys.path.insert(0, message["folder"])
            channel.send({"op": "ready"})
        elif message["op"] == "run":
            for name in message.get("student", []):
                if name not in trusted:
                    namespace[name] = StudentFunction(name, channel)
            outputs = _outputs_of(message["source"], message["name"], namespace)
            channel.finish()  # the kernel's serve loop ends: its cell is done
            if message.get("fixture"):
                trusted |= _bound_and_used(message["source"])[0]
            channel.send({"op": "done", "outputs": outputs})
        else:
            return


def zygote(path: str) -> None:
    """Import the heavy modules once, then fork a checker for every connection (one per notebook)."""
    with contextlib.suppress(OSError, AttributeError):  # die with the grading process, however it ends
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    os.environ["MPLBACKEND"] = "Agg"
    import matplotlib.pyplot  # noqa: F401 -- imported once here, shared by every checker
    import numpy  # noqa: F401
    import torch  # noqa: F401
    import torch._dynamo  # noqa: F401 -- a test's first optimizer imports it (about a second): once here too

    # listening before its path appears: Zygote.wait takes the path for "ready", and a connect between a
    # bind and its listen would be refused (a window a loaded machine can stretch)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".new")
    server.listen(16)
    os.rename(path + ".new", path)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    while True:
        conn, _ = server.accept()
        if os.fork() == 0:
            server.close()
            try:
                serve(conn)
            finally:
                os._exit(0)
        conn.close()


# ---------------------------------------------------------------------------
# GradingExecute's end
# ---------------------------------------------------------------------------
class Zygote:
    """The zygote of this grading process, in its own sandbox: started (`start`) when a judged notebook's
    first cell runs, so that its imports (torch's, a few seconds) run beside the kernel's; waited for when
    the checker first runs a cell (`get`)."""

    _running: Zygote | None = None

    def __init__(self, root: Path, unsafe: bool):
        from tools import sandbox

        self.folder = Path(tempfile.mkdtemp(prefix="checker-", dir=sandbox._private_root()))
        self.path = self.folder / "zygote.sock"
        inner = [sandbox.python_executable(), "-m", "tools.checker", "zygote", str(self.path)]
        env = {"PYTHONPATH": str(root), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        if unsafe:
            command, popen_env = inner, {**os.environ, **env, "MPLBACKEND": "Agg"}
        else:
            from tools.layout import Course

            readable = [root / "tools", Course(root).grading_releases]
            fonts = sandbox.font_list()
            command = sandbox.command(inner, None, env, private=self.folder, fonts=fonts, read_only=readable)
            popen_env = None
        self.proc = subprocess.Popen(command, env=popen_env, stdin=subprocess.DEVNULL, start_new_session=True)
        self.ready = False

    def wait(self) -> None:
        """Until it listens (its imports: a few seconds on a busy machine)."""
        import time

        for _ in range(1200):
            if self.ready or self.path.exists() or self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if not self.path.exists():
            raise RuntimeError(f"the checker did not start (exit status {self.proc.poll()})")
        self.ready = True

    @classmethod
    def start(cls, root: Path, unsafe: bool) -> Zygote:
        """This grading process's zygote, started if it is not running (not waited for)."""
        if cls._running is None or cls._running.proc.poll() is not None:
            cls._running = cls(root, unsafe)
            import atexit

            atexit.register(cls._running.stop)
        return cls._running

    @classmethod
    def get(cls, root: Path, unsafe: bool) -> Zygote:
        zygote = cls.start(root, unsafe)
        zygote.wait()
        return zygote

    def connect(self, timeout: float) -> _Lines:
        self.wait()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(timeout)
        conn.connect(str(self.path))
        return _Lines(conn)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


class _Listener:
    """A Unix socket in `folder` (the kernel's private folder: the kernel sees it at the same path) that
    accepts one connection, the kernel's serve loop. `close()` shuts it down, and the connection with it (the
    checker holds the same socket: it hears the end)."""

    def __init__(self, folder):
        self.path = str(Path(folder) / f"checker-{os.getpid()}-{next(_count)}.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(1)
        self.conn: socket.socket | None = None
        self._closing, self._lock = False, threading.Lock()

    def accept(self) -> socket.socket | None:
        """The kernel's connection (None: closed first)."""
        try:
            conn, _ = self.server.accept()
        except OSError:
            return None
        with self._lock:
            if self._closing:
                conn.close()
                return None
            self.conn = conn
        return conn

    def close(self) -> None:
        with self._lock:
            self._closing = True
        for sock in (self.server, self.conn):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)


_count = itertools.count()


class Session:
    """One notebook's checker, as GradingExecute drives it."""

    def __init__(self, zygote: Zygote, folder: Path, timeout: float | None, env: dict[str, str] | None = None):
        """`env`: variables of this notebook's checker, set before its first cell runs (the language of the
        messages of helpers.py: that of the submission's edition)."""
        self.lines = zygote.connect(timeout)
        self.lines.send({"op": "enter", "folder": str(folder), "env": env or {}})
        self.lines.receive()

    def run(self, source: str, name: str, student: list[str], fixture: bool, serve=None, folder=None) -> list[dict]:
        """Run one cell in the checker; returns its outputs. When the cell first calls a student's function,
        `serve(path)` runs here (it must run the kernel's serve loop, `__rnn_course_serve__(path)`, to its
        end: it returns when the checker ends the loop, or the kernel stopped) while a thread accepts the
        kernel's connection on `path` (a socket in `folder`, the kernel's private folder) and hands it to the
        checker, which then talks to the kernel directly. `serve` None: the cell's calls get no answer."""
        self.lines.send({"op": "run", "source": source, "name": name, "student": student, "fixture": fixture})
        while True:
            message = self.lines.receive()
            if message["op"] == "done":
                return message["outputs"]
            if message["op"] != "connect":
                raise ValueError(f"the checker sent {message['op']!r} where a call was expected")
            if serve is None:
                self.lines.send({"op": "kernel", "ok": False})
                continue
            listener, done = _Listener(folder), {}
            thread = threading.Thread(target=self._hand_over, args=(listener, done), daemon=True)
            thread.start()
            try:
                serve(listener.path)
            finally:  # the kernel's link shut down: the checker hears its end, whatever the kernel does
                listener.close()
                thread.join()
            if "error" in done:
                raise done["error"]
            return done["outputs"]

    def _hand_over(self, listener: _Listener, done: dict) -> None:
        """The kernel's connection to the checker (or word that none came), then the checker's messages until
        the cell is done (one link per cell: a second `connect` gets none)."""
        try:
            conn = listener.accept()
            self.lines.send({"op": "kernel", "ok": conn is not None})
            if conn is not None:
                if self.lines.receive().get("op") != "ack":
                    raise ValueError("the checker did not take the kernel's socket")
                socket.send_fds(self.lines.conn, [b"\0"], [conn.fileno()])
            while True:
                message = self.lines.receive()
                if message["op"] == "done":
                    done["outputs"] = message["outputs"]
                    return
                if message["op"] != "connect":
                    raise ValueError(f"the checker sent {message['op']!r} where a call was expected")
                self.lines.send({"op": "kernel", "ok": False})
        except (OSError, EOFError, ValueError) as error:
            done["error"] = error

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.lines.send({"op": "exit"})
            self.lines.conn.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["zygote"]:
        zygote(sys.argv[2])
