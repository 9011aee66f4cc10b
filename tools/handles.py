"""Objects of the student's classes, driven from the checker by handle (tools/checker.py).

07's tests build `RNNModel(nn.RNN(...), V)` and drive the model: `call_model(net, X, state)`,
`net.begin_state(4)`, `[m for m in net.modules() if isinstance(m, nn.Linear)]`, `train_epoch(net, ...)`.
While grading, `RNNModel` in the checker is a proxy of the student's class (a `StudentFunction`), and:

* **Construction.** Calling it runs the class in the student's kernel. An argument that is a torch.nn module
  (the test's `nn.RNN` layer) crosses as a *record*: its torch.nn class name, its plain attributes
  (numbers, strings, ...: `hidden_size`, `bidirectional`), its parameters, buffers and children
  (`describe`); the student's side rebuilds it from torch.nn's own class (`build`; nothing of ours but
  values). The object the class returns (an nn.Module) stays in the kernel, in a table of this notebook's
  objects (`__rnn_course_handles__`); what comes back is its handle (an index into that table) and the
  record of the object: what the test can read of its structure.
* **The checker's view** (`RemoteModule`, an nn.Module of ours): its children are rebuilt from the record
  with torch.nn's classes (`isinstance(m, nn.Linear)`, `in_features` hold; a child of the student's own
  class is rebuilt as its nearest torch.nn ancestor), its plain attributes are the object's
  (`net.vocab_size`), and its parameters are *mirrors* of the object's, shared by the test's own layer when
  the object holds the layer it was given (`net.rnn is layer`, as in one process). A parameter is sent to
  the kernel before a call when the checker changed it (an optimizer's step: its `_version` moved) and comes
  back after the call when the student's code changed it.
* **Method calls** (`net(X, state)`, `net.forward(...)`, `net.begin_state(...)`, any public method of the
  student's class) run in the kernel as calls of `__rnn_course_handle__(handle, method, ...)`, through the
  same channel as a function's: arguments pickled by the checker, results back as values, random state,
  arguments changed in place, errors by name. They run with autograd on or off as the checker has it, in
  the model's training mode as the checker's view has it (`net.train()`, `net.eval()`).
* **Autograd across the channel** (06's train_epoch in the toolbox, run in the checker, on the student's
  model; tests/test_checker.py trains a model both ways and compares). A call made with gradients on,
  whose results need them, keeps its graph in the kernel (the last `GRAPHS`); its tensors reach the test as
  the outputs of a `_Remote` autograd function whose inputs are the mirrored parameters (and the test's
  tensors that require gradients). The test's `loss.backward()` reaches `_Remote.backward`, which asks the
  kernel for the gradients (`torch.autograd.grad` on the kept graph, a call of its own, values both ways);
  they land in the mirrors' `.grad`, where `grad_clipping` and the optimizer (the checker's) find them.
  It costs two round trips per minibatch (the call carries the values the checker's optimizer stepped, the
  backward brings the gradients back): 07's cells that train (test_RNNModel_training; test_RNNModel_lstm,
  whose hidden part trains) are judged so (docs/benchmarks.md).
* **Autograd through a student's function** (02's test_init_rnn_params_grad and test_rnn_forward_torch: a
  loss of what `init_rnn_params` or `rnn_forward` returns, backpropagated). The same for a plain call: when
  its answer holds tensors connected to a graph in the kernel (requires_grad and a grad_fn), the kernel keeps
  that graph (`keep`, the last `GRAPHS`) and the checker (`attach`) makes those tensors the outputs of one
  `_Call` autograd function whose inputs are the graph's inputs on this side: the test's leaves among the
  arguments (the tensors it sent that require gradients) and the answer's own leaves. So `is_leaf`,
  `requires_grad` and `grad_fn is None` read as in one process (a leaf returned is a leaf here, a non-leaf a
  non-leaf). The test's backward reaches `_Call.backward`, which sends the outputs' gradients to the kernel
  (`__rnn_course_backward__`: `torch.autograd.grad` on the kept graph, a call of its own, values both ways)
  and hands autograd the gradients of the inputs, one per input, of its shape and dtype (else refused); the
  checker's autograd accumulates them into the test's `.grad`. A second backward without retain_graph fails
  here as autograd's own does; a graph the kernel no longer keeps is refused there. A backward cannot reach
  the kernel while a call of it is under way (it is refused). Not covered: a test's own leaf handed back comes
  back as a copy (a leaf of its own, as any answer); `helpers.draws` keeps no graph; `create_graph=True`.

Threat model: the student's side only ever gets values and records (and may unpickle anything of ours:
nothing of theirs is unpickled here); the checker gets values (checker.decode: no global at all) and
rebuilds a record only with torch.nn's own classes, from plain attributes it sets on a fresh module, never
over one of its own; a student's method call or gradient can change, in the checker, only the mirrored
parameters (by value, shape and dtype checked) and what a function's call can. A handle is an index into
the table of the kernel grading this notebook: it means nothing in any other, and the checker that holds
it dies with the notebook. What a submission can still do to its grade: answer (outputs, states,
gradients, its structure) as it likes, which its own code decides anyway.
"""

from __future__ import annotations

#: How an object of the student's class comes back from its construction: {HANDLE: index, "record": ...}.
HANDLE = "__rnn_course_handle__"
#: How a torch.nn module argument crosses to the student's side: (MODULE, token, record).
MODULE = "__rnn_course_module__"
#: How many graphs of calls made with gradients on the student's side keeps (a test's backward reaches one).
GRAPHS = 8

#: Shared by both sides (exec'd in the checker and in the student's kernel): a module as a record, and back.
SHARED = r'''
def __rnn_course_plain__(value, depth=0):
    if value is None or type(value) in (bool, int, float, str):
        return True
    if type(value) in (list, tuple) and depth < 4:
        return all(__rnn_course_plain__(item, depth + 1) for item in value)
    return False


def __rnn_course_describe__(module, torch, params, tokens=None):
    """A module as values: its nearest torch.nn class, plain attributes, parameters (indices into `params`,
    the unique parameters in order, appended to), buffers, children (records). `tokens`: id -> token of
    the modules rebuilt from the checker's records (their record says which)."""
    base = next(c for c in type(module).__mro__ if c is torch.nn.Module or (
        c.__module__.startswith("torch.nn.modules.") and getattr(torch.nn, c.__name__, None) is c))
    index = params.setdefault("index", {})
    ordered = params.setdefault("list", [])
    fresh = __rnn_course_fresh__(torch)
    record = {"class": base.__name__, "attrs": {}, "params": {}, "buffers": {}, "children": {},
              "training": bool(module.training), "token": (tokens or {}).get(id(module))}
    for key, value in vars(module).items():
        if key not in fresh and not key.startswith("__") and __rnn_course_plain__(value):
            record["attrs"][key] = value
    for key, param in module._parameters.items():
        if param is not None and id(param) not in index:
            index[id(param)] = len(ordered)
            ordered.append(param)
        record["params"][key] = None if param is None else index[id(param)]
    for key, buffer in module._buffers.items():
        record["buffers"][key] = None if buffer is None else buffer.detach()
    record["nonpersistent"] = sorted(module._non_persistent_buffers_set)
    for key, child in module._modules.items():
        record["children"][key] = None if child is None else __rnn_course_describe__(child, torch, params, tokens)
    return record


def __rnn_course_fresh__(torch):
    return set(vars(torch.nn.Module()))


def __rnn_course_build__(record, torch, params, depth=0):
    """A module rebuilt from a record with torch.nn's own class: a fresh module, the record's plain
    attributes set on it (none of a fresh module's own), `params[i]` as its parameters."""
    if type(record) is not dict or depth > 32:
        raise TypeError("not a module's record")
    name = record.get("class")
    cls = getattr(torch.nn, name, None) if type(name) is str and name.isidentifier() else None
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)) or not (
        cls is torch.nn.Module or cls.__module__.startswith("torch.nn.modules.")
    ):
        raise TypeError(f"not a torch.nn module: {name!r}")
    module = cls.__new__(cls)
    torch.nn.Module.__init__(module)
    fresh = set(vars(module))
    for key, value in dict(record.get("attrs") or {}).items():
        if type(key) is str and key.isidentifier() and not key.startswith("__") and key not in fresh:
            if __rnn_course_plain__(value):
                module.__dict__[key] = value
    module.training = record.get("training") is True
    for key, index in dict(record.get("params") or {}).items():
        if type(key) is not str or not (index is None or type(index) is int and 0 <= index < len(params)):
            raise TypeError("not a module's record")
        module._parameters[key] = None if index is None else params[index]
    for key, buffer in dict(record.get("buffers") or {}).items():
        if type(key) is not str or not (buffer is None or type(buffer) is torch.Tensor):
            raise TypeError("not a module's record")
        module._buffers[key] = buffer
    kept = record.get("nonpersistent") or []
    module._non_persistent_buffers_set = {key for key in kept if type(key) is str and key in module._buffers}
    for key, child in dict(record.get("children") or {}).items():
        if type(key) is not str:
            raise TypeError("not a module's record")
        module._modules[key] = None if child is None else __rnn_course_build__(child, torch, params, depth + 1)
    if isinstance(module, torch.nn.RNNBase):
        module._init_flat_weights()
    return module


def __rnn_course_flat__(value, out):
    """The tensors of a value (a tensor; the items of a list, tuple or dict), in order, appended to out."""
    import torch

    if isinstance(value, torch.Tensor):
        out.append(value)
    elif type(value) in (list, tuple):
        if not (value and type(value[0]) in (int, float, bool, str)):  # a corpus holds none
            for item in value:
                __rnn_course_flat__(item, out)
    elif type(value) is dict:
        for item in value.values():
            __rnn_course_flat__(item, out)
    return out


def __rnn_course_replace__(value, tensors):
    """The value with its tensors (in __rnn_course_flat__'s order) taken from the iterator `tensors`."""
    import torch

    if isinstance(value, torch.Tensor):
        return next(tensors)
    if type(value) in (list, tuple):
        if value and type(value[0]) in (int, float, bool, str):
            return value
        return type(value)(__rnn_course_replace__(item, tensors) for item in value)
    if type(value) is dict:
        return {key: __rnn_course_replace__(item, tensors) for key, item in value.items()}
    return value
'''

#: The student's side, defined in the kernel with checker.BRIDGE.
HANDLE_BRIDGE = (
    SHARED
    + r'''
class __RnnCourseHandles__:
    """This notebook's objects of the student's classes that the grader's checker holds handles to."""

    def __init__(self):
        self.objects, self.params, self.versions, self.graphs, self.count = [], [], [], {}, 0
        self.calls = {}  # the graphs of function calls kept for the checker's backward (`keep`)

    def kind(self, name):
        import torch

        value = globals().get(name)
        return "module-class" if isinstance(value, type) and issubclass(value, torch.nn.Module) else "other"

    def resolve(self, value):
        """The checker's records of torch.nn modules rebuilt from torch.nn, handles as the objects."""
        import torch

        if type(value) is tuple and len(value) == 3 and value[0] == MODULE_:
            params, values = [], value[2].get("values") or []
            for tensor, grad in zip(values, value[2].get("requires_grad") or []):
                params.append(torch.nn.Parameter(tensor, requires_grad=grad is True))
            module = __rnn_course_build__(value[2]["record"], torch, params)
            module.__rnn_course_token__ = value[1]
            return module
        if type(value) is tuple and len(value) == 2 and value[0] == HANDLE_:
            return self.objects[value[1]]
        if type(value) in (list, tuple):
            if value and type(value[0]) in (int, float, bool, str):
                return value
            return type(value)(self.resolve(item) for item in value)
        if type(value) is dict:
            return {key: self.resolve(item) for key, item in value.items()}
        return value

    def wrap(self, callee, result):
        """An object the student's nn.Module class built: kept here; its handle and record go back."""
        import torch

        built = isinstance(callee, type) and issubclass(callee, torch.nn.Module)
        if not (built and isinstance(result, torch.nn.Module)):
            return result
        tokens = {}
        for module in result.modules():
            token = module.__dict__.get("__rnn_course_token__")
            if type(token) is int:
                tokens[id(module)] = token
        found = {}
        record = __rnn_course_describe__(result, torch, found, tokens)
        params = found.get("list", [])
        self.objects.append(result)
        self.params.append(params)
        self.versions.append([p._version for p in params])
        ours = set(dir(torch.nn.Module))
        methods = sorted(
            name for name in dir(type(result))
            if not name.startswith("_") and name not in ours and callable(getattr(type(result), name, None))
        )
        return {
            HANDLE_: len(self.objects) - 1,
            "name": type(result).__name__,
            "record": record,
            "values": [p.detach() for p in params],
            "requires_grad": [p.requires_grad for p in params],
            "methods": ["forward", *methods],
        }

    def call(self, handle, method, args, kwargs, sync, training, grad, graph):
        """A method of object `handle`, for the checker: the parameters it changed (`sync`) copied in
        first; the answer: the result (detached), the parameters the call changed, the graph it keeps."""
        import torch

        if type(handle) is not int or not 0 <= handle < len(self.objects):
            raise RuntimeError("not an object of this notebook")
        obj, params, versions = self.objects[handle], self.params[handle], self.versions[handle]
        if method == "__backward__":
            return self.backward(params, *args)
        with torch.no_grad():
            for index, value in sync.items():
                params[index].copy_(value)
        versions[:] = [p._version for p in params]
        if obj.training != training:
            obj.train(training)
        args, kwargs = self.resolve(args), self.resolve(kwargs)
        if method == "__call__":
            target = obj
        elif type(method) is str and method.isidentifier() and not method.startswith("_"):
            target = getattr(obj, method)
        else:
            raise AttributeError(f"no method {method!r}")
        with torch.set_grad_enabled(grad):
            result = target(*args, **kwargs)
        changed = {i: p.detach().clone() for i, (p, v) in enumerate(zip(params, versions)) if p._version != v}
        versions[:] = [p._version for p in params]
        flat = __rnn_course_flat__(result, [])
        answer = {"graph": None, "diff": [], "params": changed, "inputs": 0, "training": obj.training}
        if graph:
            diff = [i for i, t in enumerate(flat) if t.requires_grad]
            if diff:
                inputs = [t for t in __rnn_course_flat__([args, kwargs], []) if t.requires_grad]
                used = [i for i, p in enumerate(params) if p.requires_grad]
                self.count += 1
                self.graphs[self.count] = ([flat[i] for i in diff], used, inputs)
                for key in sorted(self.graphs)[:-GRAPHS_]:
                    del self.graphs[key]
                answer.update(graph=self.count, diff=diff, used=used, inputs=len(inputs))
        answer["result"] = __rnn_course_replace__(result, iter([t.detach() for t in flat]))
        return answer

    def backward(self, params, key, grads):
        """The gradients of a kept graph's outputs (given `grads`) for its parameters and inputs."""
        import torch

        if key not in self.graphs:
            raise RuntimeError("the graph of that call is gone (backward through it a second time?)")
        outputs, used, inputs = self.graphs[key]
        wanted = [params[i] for i in used] + list(inputs)
        found = torch.autograd.grad(outputs, wanted, list(grads), retain_graph=True, allow_unused=True)
        return {"params": list(found[: len(used)]), "inputs": list(found[len(used) :])}

    def keep(self, result, sent):
        """A function's answer whose tensors are connected to a graph here (requires_grad, a grad_fn): the
        graph kept (the last GRAPHS_) for the checker's backward; what the checker needs to stand for it: the
        key, which tensors of the answer are the graph's outputs (`diff`, positions in __rnn_course_flat__'s
        order, each tensor once), and its inputs (`inputs`): the arguments' leaves that require gradients
        (["arg", key, index in __rnn_course_leaves__'s order]) and the answer's own ones (["answer", position]).
        `sent`: {argument key: [(leaf, ...)]}, as __rnn_course_call__ took them. None: no graph."""
        flat = __rnn_course_flat__(result, [])
        seen, diff = set(), []
        for position, tensor in enumerate(flat):
            if tensor.requires_grad and tensor.grad_fn is not None and id(tensor) not in seen:
                seen.add(id(tensor))
                diff.append(position)
        if not diff:
            return None
        inputs, wanted = [], []
        for key, entries in sent.items():
            for index, entry in enumerate(entries):
                leaf = entry[0]
                if leaf.requires_grad and leaf.grad_fn is None and id(leaf) not in seen:
                    seen.add(id(leaf))
                    inputs.append(["arg", key, index])
                    wanted.append(leaf)
        for position, tensor in enumerate(flat):
            if tensor.requires_grad and tensor.grad_fn is None and id(tensor) not in seen:
                seen.add(id(tensor))
                inputs.append(["answer", position])
                wanted.append(tensor)
        self.count += 1
        self.calls[self.count] = ([flat[i] for i in diff], wanted)
        for key in sorted(self.calls)[:-GRAPHS_]:
            del self.calls[key]
        return {"key": self.count, "diff": diff, "inputs": inputs}

    def backward_call(self, key, grads):
        """The gradients of a kept call's inputs, given its outputs' gradients (the graph is retained: the
        checker refuses a second backward itself, as autograd would there)."""
        import torch

        if key not in self.calls:
            raise RuntimeError("the graph of that call is gone (the student's kernel keeps the last GRAPHS_)")
        outputs, wanted = self.calls[key]
        if type(grads) is not list or len(grads) != len(outputs):
            raise RuntimeError("not the gradients of that call's outputs")
        if not wanted:
            return []
        return list(torch.autograd.grad(outputs, wanted, grads, retain_graph=True, allow_unused=True))


__rnn_course_handles__ = __RnnCourseHandles__()


def __rnn_course_backward__(key, grads):
    return __rnn_course_handles__.backward_call(key, grads)


def __rnn_course_kind__(name):
    return __rnn_course_handles__.kind(name)


def __rnn_course_handle__(handle, method, args, kwargs, sync, training, grad, graph):
    return __rnn_course_handles__.call(handle, method, args, kwargs, sync, training, grad, graph)
'''.replace("MODULE_", repr(MODULE))
    .replace("HANDLE_", repr(HANDLE))
    .replace("GRAPHS_", str(GRAPHS))
)

_shared: dict = {}
exec(SHARED, _shared)


# ---------------------------------------------------------------------------
# The checker's side
# ---------------------------------------------------------------------------
def _is_torch_module(value) -> bool:
    import torch

    if not isinstance(value, torch.nn.Module):
        return False
    cls = type(value)
    return cls.__module__.startswith("torch.nn.modules.") and getattr(torch.nn, cls.__name__, None) is cls


def outbound(function, values: dict) -> tuple[dict, list]:
    """A call's arguments {key: value}, with each torch.nn module (at the top or in a list, tuple or dict) as
    a record when `function` names an nn.Module class of the student's (asked once: `__rnn_course_kind__`);
    and the modules sent, by token (what a handle's children that are those modules map back to)."""
    found: list = []

    def modules(value, depth=0):
        if _is_torch_module(value):
            return True
        if type(value) in (list, tuple, dict) and depth < 4:
            items = value.values() if type(value) is dict else value
            if type(value) is not dict and value and type(value[0]) in (int, float, bool, str):
                return False
            return any(modules(item, depth + 1) for item in items)
        return False

    if not any(modules(value) for value in values.values()):
        return values, found
    kind = function.__dict__.get("_kind")
    if kind is None:
        from tools.checker import StudentFunction

        kind = StudentFunction("__rnn_course_kind__", function._channel)(function.__name__)
        function.__dict__["_kind"] = kind
    if kind != "module-class":
        return values, found

    def record(value, depth=0):
        import torch

        if _is_torch_module(value):
            params: dict = {}
            described = _shared["__rnn_course_describe__"](value, torch, params)
            ordered = params.get("list", [])
            found.append(value)
            packed = {
                "record": described,
                "values": [p.detach() for p in ordered],
                "requires_grad": [p.requires_grad for p in ordered],
            }
            return (MODULE, len(found) - 1, packed)
        if type(value) in (list, tuple) and depth < 4 and not (value and type(value[0]) in (int, float, bool, str)):
            return type(value)(record(item, depth + 1) for item in value)
        if type(value) is dict and depth < 4:
            return {key: record(item, depth + 1) for key, item in value.items()}
        return value

    return {key: record(value) for key, value in values.items()}, found


def inbound(result, channel, sent: list):
    """A result: an object of the student's class (its handle and record) becomes a `RemoteModule`."""
    if type(result) is dict and HANDLE in result:
        return _remote_class()(channel, result, sent)
    return result


def attach(channel, result, graph, values: dict, leaves):
    """A function's answer whose tensors the student's kernel keeps a graph of (`keep`): those tensors
    become the outputs of one `_Call` autograd function whose inputs are the tensors of the graph's inputs on
    this side (the test's own leaves among the call's arguments, `values` by key, `leaves` giving an
    argument's tensors; and the answer's own leaves): non-leaves that require gradients, as in one process,
    and the test's backward reaches the kernel (`_Call.backward`). Anything else in `graph` is refused."""
    import torch

    flat = _shared["__rnn_course_flat__"](result, [])
    try:
        key, diff, wanted = graph["key"], graph["diff"], graph["inputs"]
        if not (type(key) is int and type(diff) is list and type(wanted) is list) or not diff:
            raise TypeError("not a graph")
        if not all(type(i) is int and 0 <= i < len(flat) for i in diff) or len(set(diff)) != len(diff):
            raise TypeError("not a graph's outputs")
        outputs = [flat[i] for i in diff]
        if not all(type(t) is torch.Tensor and (t.is_floating_point() or t.is_complex()) for t in outputs):
            raise TypeError("not a graph's outputs")
        if len({id(t) for t in outputs}) != len(outputs):
            raise TypeError("not a graph's outputs")
        inputs, found = [], {}
        for item in wanted:
            if type(item) is list and len(item) == 3 and item[0] == "arg" and item[1] in values:
                if item[1] not in found:
                    found[item[1]] = leaves(values[item[1]])
                tensors, index = found[item[1]], item[2]
            elif type(item) is list and len(item) == 2 and item[0] == "answer":
                tensors, index = flat, item[1]
                if index in diff:
                    raise TypeError("not a graph's input")
            else:
                raise TypeError("not a graph's input")
            if not (type(index) is int and 0 <= index < len(tensors) and isinstance(tensors[index], torch.Tensor)):
                raise TypeError("not a graph's input")
            inputs.append(tensors[index])
        if len({id(t) for t in inputs}) != len(inputs):
            raise TypeError("not a graph's inputs")
    except (TypeError, KeyError) as error:
        from tools.checker import ChannelError

        raise ChannelError(f"the graph the student's kernel kept is not one ({error})") from None
    anchor = torch.empty(0, requires_grad=True)  # the outputs require gradients even with no input that does
    with torch.enable_grad():  # as the kernel computed them (a call under no_grad makes no graph there)
        made = _call_class().apply(channel, key, [t.detach() for t in outputs], anchor, *inputs)
    mapped = {id(t): output for t, output in zip(outputs, made)}
    return _shared["__rnn_course_replace__"](result, iter([mapped.get(id(t), t) for t in flat]))


_CALL = None


def _call_class():
    """_Call, made once torch is imported (the grading process imports this module without it)."""
    global _CALL
    if _CALL is not None:
        return _CALL
    import torch

    class _Call(torch.autograd.Function):
        """The tensors a student's function answered that are connected to a graph in its kernel: their
        backward sends their gradients there (`__rnn_course_backward__`, a call of its own, values both ways)
        and hands autograd the gradients of the graph's inputs, checked: one per input, of its shape and dtype."""

        @staticmethod
        def forward(ctx, channel, key, values, anchor, *inputs):
            ctx.channel, ctx.key = channel, key
            ctx.metas = [(t.shape, t.dtype) for t in inputs]
            ctx.save_for_backward(anchor)  # freed by a backward: a second one fails as autograd's own do
            return tuple(values)

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx, *grads):
            from tools.checker import ChannelError, StudentFunction

            ctx.saved_tensors  # noqa: B018 -- "Trying to backward through the graph a second time"
            if getattr(ctx.channel, "handles", None) is not None:
                raise RuntimeError("a graph of the student's function cannot be backpropagated during a call of it")
            found = StudentFunction("__rnn_course_backward__", ctx.channel)(ctx.key, list(grads))
            if type(found) is not list or len(found) != len(ctx.metas):
                raise ChannelError("the gradients the student's kernel sent back are not those of the call's inputs")
            for grad, (shape, dtype) in zip(found, ctx.metas):
                if grad is not None and not (type(grad) is torch.Tensor and (grad.shape, grad.dtype) == (shape, dtype)):
                    raise ChannelError("a gradient the student's kernel sent back is not of its input's shape, dtype")
            return (None, None, None, None, *found)

    _CALL = _Call
    return _CALL


def _fail(message: str):
    from tools.checker import ChannelError

    raise ChannelError(f"the model the student's kernel described is not one: {message}")


_REMOTE = None


def _remote_class():
    """RemoteModule, made once torch is imported (the grading process imports this module without it)."""
    global _REMOTE
    if _REMOTE is not None:
        return _REMOTE
    import torch

    class _Remote(torch.autograd.Function):
        """The tensors a method call answered, as outputs of the mirrored parameters (and the test's
        tensors that require gradients): their backward asks the student's kernel."""

        @staticmethod
        def forward(ctx, model, key, values, *inputs):
            ctx.model, ctx.key, ctx.count = model, key, len(inputs)
            return tuple(values)

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx, *grads):
            found = ctx.model._backward(ctx.key, grads, ctx.count)
            return (None, None, None, *found)

    class RemoteModule(torch.nn.Module):
        """An object of the student's nn.Module class, in the student's kernel: its structure as torch.nn
        modules of ours, its parameters mirrored, its methods run there (tools/handles.py)."""

        def __init__(self, channel, described, sent):
            super().__init__()
            try:
                self._rc_setup(channel, described, sent)
            except (TypeError, ValueError, KeyError, IndexError, AttributeError, RuntimeError) as error:
                _fail(f"{type(error).__name__}: {error}")

        def _rc_setup(self, channel, described, sent):
            handle, values, grads = described[HANDLE], described["values"], described["requires_grad"]
            record, methods, name = described["record"], described["methods"], described["name"]
            if not (type(handle) is int and type(values) is list and type(grads) is list and len(grads) == len(values)):
                raise TypeError("not a handle")
            if not (type(methods) is list and all(type(m) is str and m.isidentifier() for m in methods)):
                raise TypeError("not a list of methods")
            if not all(type(v) is torch.Tensor for v in values) or type(record) is not dict:
                raise TypeError("not a model's record")
            mirrors: list = [None] * len(values)
            for original, child in self._rc_originals(record, sent):  # the test's own modules, the same objects
                for key, index in child["params"].items():
                    param = original._parameters.get(key)
                    if type(index) is int and 0 <= index < len(values) and param is not None:
                        mirrors[index] = param
            for index, value in enumerate(values):
                if mirrors[index] is None:
                    mirrors[index] = torch.nn.Parameter(value.clone(), requires_grad=grads[index] is True)
                elif mirrors[index].shape == value.shape and mirrors[index].dtype == value.dtype:
                    if not torch.equal(mirrors[index].detach(), value):
                        with torch.no_grad():
                            mirrors[index].copy_(value)  # the student's __init__ changed the test's layer
                else:
                    raise ValueError("a parameter of the test's layer changed its shape")
            view = _shared["__rnn_course_build__"](dict(record, **{"class": "Module"}), torch, mirrors)
            for key, param in view._parameters.items():
                self._parameters[key] = param
            for key, buffer in view._buffers.items():
                self._buffers[key] = buffer
            self._non_persistent_buffers_set = view._non_persistent_buffers_set
            for key, child in view._modules.items():
                original = self._rc_original(record["children"][key], sent)
                self._modules[key] = original if original is not None else child
            fresh = set(vars(torch.nn.Module()))
            for key, value in view.__dict__.items():  # the object's plain attributes; none of ours
                if key not in fresh and key not in vars(self) and not hasattr(type(self), key):
                    self.__dict__[key] = value
            self.training = view.training
            state = {"channel": channel, "handle": handle, "mirrors": mirrors, "methods": set(methods), "name": name}
            state["versions"] = [p._version for p in mirrors]
            object.__setattr__(self, "_rc", state)

        @staticmethod
        def _rc_original(child, sent):
            """The test's own module a child record names (it was an argument of the construction), when the
            record still describes it: the same parameters, shapes and no children."""
            if type(child) is not dict or type(child.get("token")) is not int or not 0 <= child["token"] < len(sent):
                return None
            original = sent[child["token"]]
            own = {key: tuple(p.shape) for key, p in original._parameters.items() if p is not None}
            if set(own) != set(child.get("params") or {}) or original._modules or child.get("children"):
                return None
            return original

        def _rc_originals(self, record, sent):
            for child in (record.get("children") or {}).values():
                original = self._rc_original(child, sent)
                if original is not None:
                    yield original, child

        def _get_name(self):
            return self.__dict__["_rc"]["name"]

        def __getattr__(self, name):
            try:
                return super().__getattr__(name)
            except AttributeError:
                state = self.__dict__.get("_rc")
                if state is not None and name in state["methods"]:
                    return lambda *args, **kwargs: self._rc_call(name, args, kwargs)
                raise

        def __call__(self, *args, **kwargs):
            return self._rc_call("__call__", args, kwargs)

        def forward(self, *args, **kwargs):
            return self._rc_call("forward", args, kwargs)

        def __reduce_ex__(self, protocol):
            return (tuple, ((HANDLE, self.__dict__["_rc"]["handle"]),))  # the student's side: its object

        def __deepcopy__(self, memo):
            raise TypeError("a model of the student's class stays in the student's kernel: it cannot be copied")

        def _rc_function(self):
            from tools.checker import StudentFunction

            return StudentFunction(HANDLE, self.__dict__["_rc"]["channel"])

        def _rc_call(self, method, args, kwargs):
            state = self.__dict__["_rc"]
            mirrors, versions = state["mirrors"], state["versions"]
            sync = {i: p.detach() for i, p in enumerate(mirrors) if p._version != versions[i]}
            grad = torch.is_grad_enabled()
            inputs = [t for t in _shared["__rnn_course_flat__"]([list(args), kwargs], []) if t.requires_grad]
            graph = grad and (any(p.requires_grad for p in mirrors) or bool(inputs))
            answer = self._rc_function()(state["handle"], method, list(args), kwargs, sync, self.training, grad, graph)
            state["versions"] = [p._version for p in mirrors]
            try:
                return self._rc_answer(answer, inputs)
            except (TypeError, ValueError, KeyError, IndexError, AttributeError, StopIteration) as error:
                _fail(f"{type(error).__name__}: {error}")

        def _rc_answer(self, answer, inputs):
            state = self.__dict__["_rc"]
            mirrors = state["mirrors"]
            if type(answer) is not dict or type(answer.get("params")) is not dict:
                raise TypeError("not an answer")
            with torch.no_grad():
                for index, value in answer["params"].items():
                    self._rc_copy(index, value)
            state["versions"] = [p._version for p in mirrors]
            result = answer["result"]
            key, diff = answer.get("graph"), answer.get("diff") or []
            if key is None:
                return result
            used, count = answer.get("used") or [], answer.get("inputs")
            if not (type(key) is int and type(diff) is list and type(used) is list and count == len(inputs)):
                raise TypeError("not a graph")
            if not all(type(i) is int and 0 <= i < len(mirrors) for i in used):
                raise TypeError("not a graph")
            flat = _shared["__rnn_course_flat__"](result, [])
            if not all(type(i) is int and 0 <= i < len(flat) for i in diff) or len(set(diff)) != len(diff):
                raise TypeError("not a graph")
            kept = state.setdefault("used", {})
            kept[key] = used
            for old in sorted(kept)[:-GRAPHS]:
                del kept[old]
            outputs = _Remote.apply(self, key, [flat[i] for i in diff], *[mirrors[i] for i in used], *inputs)
            for i, output in zip(diff, outputs):
                flat[i] = output
            return _shared["__rnn_course_replace__"](result, iter(flat))

        def _rc_copy(self, index, value):
            mirrors = self.__dict__["_rc"]["mirrors"]
            if not (type(index) is int and 0 <= index < len(mirrors) and type(value) is torch.Tensor):
                raise TypeError("not a parameter")
            if value.shape != mirrors[index].shape or value.dtype != mirrors[index].dtype:
                raise ValueError("a parameter changed its shape or dtype")
            mirrors[index].copy_(value)

        def _backward(self, key, grads, count):
            """The gradients of call `key`'s graph for its parameters and inputs, from the student's kernel."""
            state = self.__dict__["_rc"]
            used = state["used"].get(key, [])
            found = self._rc_function()(state["handle"], "__backward__", [key, list(grads)], {}, {}, True, True, False)
            try:
                params, inputs = found["params"], found["inputs"]
                if type(params) is not list or type(inputs) is not list or len(params) != len(used):
                    raise TypeError("not gradients")
                if len(inputs) != count - len(used):
                    raise TypeError("not gradients")
                mirrors = state["mirrors"]
                for index, grad in zip(used, params):
                    if grad is not None and (type(grad) is not torch.Tensor or grad.shape != mirrors[index].shape):
                        raise TypeError("a gradient of another shape")
                return [*params, *inputs]
            except (TypeError, KeyError) as error:
                _fail(f"{type(error).__name__}: {error}")

    _REMOTE = RemoteModule
    return _REMOTE
