"""The reverse channel: the test's own objects, driven from the student's function (tools/checker.py).

Some tests hand the student's function objects of their own and then read what those objects saw: 06's
`_CountingModel` records the states `predict` gives it and counts its `begin_state` calls. Such an object
must stay in the checker: a copy in the student's kernel would record in the kernel, where the student's
code can write the record. So an argument whose class the notebook's own cells define (its `__module__` is
`__main__` in the checker: the tests' instruments, the read-only cells' models such as `RNNModelScratch`) is
not sent: the student's side gets a *stand-in* (`__RnnCourseRemote__`), and what the function asks of it —
a call (`net(X, state)`), a method (`net.begin_state(1)`, `optimizer.step()`: one round trip), an attribute
(`model.vocab_size`), an item, its length, its items — is a *reverse call*: the stand-in sends it to
the checker over the socket the call came by (a frame, `FRAMES`); the checker, waiting for the call's answer,
runs it on the real object (`Handles.answer`) and answers with a frame. Both ways the same value-only rules
hold as for a call: the request is packed on the student's side (checker.PACK, or `torch.save`) and loaded here by
checker.decode (tensors, numbers, strings, None, lists, tuples and dicts of these, and markers naming this
call's stand-ins, graph tensors and parameters); the answer is packed here (PACK; the student's side may unpack
anything of ours) and anything that is not a value (a bound method, an iterator, another object) is sent as
a new stand-in. The request runs with autograd on or off as the student's side has it (`with
torch.no_grad()` around `net(X, state)`). An optimizer argument stays here too (it steps the test's
parameters), and a stand-in of an nn.Module or an optimizer is one to `isinstance` (toolbox's
`grad_clipping` asks). An attribute of the object's own (in its `__dict__`: `net.params`, `net.vocab_size`;
no property, not an optimizer's) is kept by the student's side and read again there without a round trip
for as long as the checker says it has not changed: every answer lists the kept attributes whose
*fingerprint* changed since (`stale`: the identity of the attribute's object and of the items it holds, a
plain value by value, a tensor by its version, a mirrored parameter by identity), and the student's side
forgets them (`cache`).

A `torch.Generator` argument crosses as its state: the student's side gets a generator in that state and
sends back the state it left, which the checker's generator takes (a test that draws from it afterwards
draws what it would in one process).

Autograd across the channel (06's train_epoch: the student's `loss.backward()` on outputs of the test's
model, the test's optimizer, `grad_clipping` on the test's parameters):

* *Graph tensors.* A tensor of an answer that is part of the test's autograd graph (`requires_grad` and a
  `grad_fn`: the model's outputs, its state) crosses as its values, and the student's side makes it the
  output of one custom autograd.Function per answer (`_Graph`, whose input is a throw-away leaf): the
  student's arithmetic on it builds its own graph, and when its backward reaches those tensors, their
  gradients go back as a reverse call ("backward") and the checker runs `torch.autograd.backward` on its own
  tensors: the gradients land in the test's parameters, as in one process. Such a tensor handed back still
  attached (a state carried without `detach()`) resolves to the checker's own tensor, so the test's model
  sees a state that requires grad and autograd's "backward through the graph a second time" fires, here, as
  it would; detached (`detach()`, `detach_()`), it is a plain value.
* *Parameters.* A leaf tensor that requires grad (`net.params`, the items of `net.parameters()`) crosses as
  a *mirror*: a leaf of the student's side with the same values and `.grad`, the same mirror each time the
  call is handed that parameter. What either side does to them (values stepped, gradients accumulated by a
  backward, scaled in place by `grad_clipping` or `clip_grad_norm_`, replaced, set to None by `zero_grad`)
  is sent with the next reverse call, its answer, and the call's answer (MIRROR's `diff`, `apply`: values
  of the parameter's shape and dtype only; a parameter or gradient neither side changed is not sent), so
  each side sees the other's change before it acts: the test's optimizer steps on the gradients the
  student's code clipped, as in one process.
* *Replicated optimizers.* An optimizer argument of one of torch.optim's REPLICATED classes (exactly; no hook,
  no method of the instance's own, no foreach, fused, capturable or differentiable group, its parameters
  plain CPU float leaves) is also sent as its class name, settings (`defaults`, each group's) and state
  (Adam's moments and step counts), with its parameters' values and gradients (`Handles._replica`). The
  student's side builds the same optimizer on the mirrors (as pickle loads one: `__setstate__`), and runs
  `zero_grad()` and `step()` there (torch's own methods, without their wrappers, which only add hooks, a
  profiler's label and autograd off): no round trip. Each is queued (`queue`), after what that side did to
  the parameters before it, and sent with the next request or the call's answer; the checker does the same
  on the test's own optimizer, in order (`Handles.flush`), before anything else of that request. Both sides
  then hold the result and neither sends it; the student's side sends a checksum of each parameter and
  gradient after the method (`digest`), and a parameter whose checksum differs from the checker's is sent
  again, whole, with the answer. A method the replica refuses (it raised) is undone there and asked of the
  checker as a reverse call, which raises as the test's optimizer does.

Cost: a minibatch of train_epoch is two reverse calls (the model's call, the backward; `zero_grad`, `step`
and `grad_clipping`'s `net.params` cost none, `begin_state` one more with the random sampler), each a round
trip kernel -> checker and back over one socket; until 2026-12-06 it was five (a round trip for each of
those). The parameters' values cross once per call, their gradients twice per minibatch (the backward's,
into the mirrors; the clipped ones, back). So 06's test_train_epoch_returns and test_train_epoch_bound (68
and 312 minibatches), in the kernel for their cost until then, are judged (docs/benchmarks.md).

Threat model: the student's function can ask the test's objects it was handed (and what they hand back)
anything they answer: call them and their public methods with values, read their public attributes (as
copies), backpropagate gradients (of the right shapes) into the graph of their answers, change the values
and gradients of the parameters they handed it (in value only). It cannot reach an object's private
attributes (names starting with `_`), set an attribute, or reach any other object, tensor or graph of the
checker's; a stand-in, a graph tensor's backward and a mirror are valid only during the call that made
them (the checker forgets the call's objects, nodes and parameters and the stand-ins' link is closed when
the call returns: a backward or a request after it raises). What the test's objects record is what the
function did to them through their own methods and parameters: its behaviour; what the tests compute from
them (expected values, verdicts) is computed here. A replicated optimizer is the student's side's own: what
it does to it (a patched torch.optim, another step, a forged checksum) changes only the mirrors it holds and
at most what the checker sends back; the test's parameters are stepped here, by the test's own optimizer,
on the gradients the student's side left in them (which it may set anyway), and a queued item can ask only
what a reverse call could (`zero_grad()` and `step()` of that optimizer, without a closure), in the order the
student's code called them, before anything it asks after them. A kept attribute answers what the checker
answered when it was read, while the checker sees it unchanged: what asking again would answer.

Not covered: a test object's method runs with the checker's random state as it was when the call began
(none of 06's draws); a test object cannot call the student's functions back; a graph tensor's backward
runs once (`retain_graph=True` and `create_graph=True` are not forwarded, nor `torch.autograd.grad` with a
mirror as input: the mirrors are not in the student's graph); an optimizer's `param_groups` and `state` read
by the student are copies (setting a learning rate there changes nothing); a method of a test's object that
an attribute of the same name shadows on the instance is read, then called (two round trips); a property,
an optimizer's attribute or an attribute larger than 1,000 items is asked at every read; a kept
attribute's fingerprint does not look into an object other than a list, tuple, dict or tensor (the student's
side has a stand-in of it, asked at every use anyway); a replicated `step()` or `zero_grad()` that the
checker's optimizer refuses though the replica did not (they are the same code) raises at the student's
next request, or at the call's end.
"""

from __future__ import annotations

import itertools
import pickle
import sys

#: How an argument or a result that stays in the checker is named on the student's side: (REMOTE, index).
REMOTE = "__rnn_course_remote__"
#: How a torch.Generator argument crosses: (GENERATOR, its state).
GENERATOR = "__rnn_course_generator__"
#: How a tensor of the test's autograd graph is named in an answer: (GRAPH, node, index) (`Handles._out`).
GRAPH = "__rnn_course_graph__"
#: How a leaf tensor that requires grad (a parameter of the test's model) is named: (PARAM, index).
PARAM = "__rnn_course_param__"
#: What a reverse call may ask. "method": a public method called in one round trip (getattr, then call);
#: "backward": the gradients of a graph node's tensors, sent back through the test's graph.
OPS = ("call", "getattr", "getitem", "len", "iter", "method", "backward")
#: The test's optimizers that the student's side replicates (exact classes of torch.optim): on the mirrors of
#: their parameters, with the same settings and state, so that `zero_grad()` and `step()` need no round trip
#: there; each is also sent to the checker with the next request (`queue`), where the test's own optimizer
#: does it on the test's parameters. What the checker holds is what its own optimizer computed.
REPLICATED = ("SGD", "Adam", "AdamW")
#: The methods a replica runs on the student's side (no other argument than zero_grad's `set_to_none`).
REPLICATED_METHODS = ("zero_grad", "step")

#: The parameters' mirrors, both sides (the same code runs in the checker and in the student's kernel): a
#: snapshot of a leaf (its values, its .grad tensor, that .grad's values) as the other side last saw it; what
#: changed since (`diff`: values, a .grad changed in place, replaced or dropped); and that change made on the
#: other side's leaf (`apply`: values of the same shape and dtype only).
MIRROR = r"""
def __rnn_course_snap__(leaf, torch):
    grad = leaf.grad
    return (leaf.detach().clone(), grad, None if grad is None else grad.detach().clone())


def __rnn_course_diff__(leaf, snap, torch):
    def same(a, b):
        return a.shape == b.shape and a.dtype == b.dtype and torch.equal(a, b)

    data, grad_then, grad_values = snap
    update = {}
    if not same(leaf.detach(), data):
        update["data"] = leaf.detach().clone()
    grad = leaf.grad
    if grad is None and grad_then is not None:
        update["how"] = "none"
    elif grad is not None and grad is grad_then and not same(grad.detach(), grad_values):
        update["how"], update["grad"] = "same", grad.detach().clone()
    elif grad is not None and grad is not grad_then:
        update["how"], update["grad"] = "new", grad.detach().clone()
    return update or None


def __rnn_course_restore__(leaf, snap, torch):
    # The leaf put back as its snapshot says (a replicated optimizer's method that raised half-way).
    data, grad_then, grad_values = snap
    with torch.no_grad():
        leaf.copy_(data)
        if grad_then is not None:
            grad_then.copy_(grad_values)
        leaf.grad = grad_then


def __rnn_course_digest__(leaf, torch):
    # A checksum of a leaf's values and of its .grad's: both sides ran a replicated optimizer's method, do
    # they hold the same? (Not a defence: what the checker holds is its own; a mismatch costs a resend.)
    import zlib

    def crc(tensor):
        if tensor is None:
            return None
        flat = tensor.detach().contiguous().reshape(-1)
        return zlib.crc32(flat.view(torch.uint8).numpy()) if flat.numel() else 0

    return [crc(leaf), crc(leaf.grad)]


def __rnn_course_apply__(leaf, update, torch):
    def fits(value, like):
        return type(value) is torch.Tensor and value.shape == like.shape and value.dtype == like.dtype

    if type(update) is not dict:
        raise TypeError("not a parameter's change")
    data, how, grad = update.get("data"), update.get("how"), update.get("grad")
    with torch.no_grad():
        if data is not None:
            if not fits(data, leaf):
                raise TypeError("a parameter's values of another shape or dtype")
            leaf.copy_(data)
        if how == "none":
            leaf.grad = None
        elif how in ("same", "new"):
            if not fits(grad, leaf):
                raise TypeError("a gradient of another shape or dtype than its parameter")
            if how == "same" and leaf.grad is not None and fits(leaf.grad, leaf):
                leaf.grad.copy_(grad)
            else:
                leaf.grad = grad.detach().clone()
        elif how is not None:
            raise TypeError("not a parameter's change")
"""
_mirror: dict = {}
exec(MIRROR, _mirror)
_snap, _diff, _apply = _mirror["__rnn_course_snap__"], _mirror["__rnn_course_diff__"], _mirror["__rnn_course_apply__"]
_digest = _mirror["__rnn_course_digest__"]

#: The frames the kernel and the checker exchange over the socket GradingExecute hands the checker (both sides:
#: the same code runs in the checker and in the student's kernel): a kind (one byte), the length (8 bytes),
#: the bytes. Kinds: b"C" a call (checker -> kernel: a JSON head, a newline, the packed request), b"A" its
#: answer, b"R" a reverse call (kernel -> checker), b"B" its answer, b"E" the end of the test cell.
FRAMES = r"""
def __rnn_course_send__(sock, kind, data=b""):
    import struct as _struct

    head = _struct.pack("!cQ", kind, len(data))
    if len(data) < 1 << 16:
        sock.sendall(head + data)
    else:  # no copy of a large value
        sock.sendall(head)
        sock.sendall(data)


def __rnn_course_read__(sock, size):
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        count = sock.recv_into(view[got:], min(size - got, 1 << 22))
        if not count:
            return None
        got += count
    return buffer


def __rnn_course_receive__(sock, limit):
    # One frame: (kind, its bytes); (None, None) when the other end is gone; ValueError past `limit` bytes.
    import struct as _struct

    head = __rnn_course_read__(sock, 9)
    if head is None:
        return None, None
    kind, size = _struct.unpack("!cQ", head)
    if size > limit:
        raise ValueError(f"a frame of {size} bytes; at most {limit}")
    data = __rnn_course_read__(sock, size)
    return (None, None) if data is None else (kind, data)
"""
_frames: dict = {}
exec(FRAMES, _frames)
send_frame, receive_frame = _frames["__rnn_course_send__"], _frames["__rnn_course_receive__"]

# ---------------------------------------------------------------------------
# The student's side: defined in the kernel with checker.BRIDGE
# ---------------------------------------------------------------------------
REVERSE_BRIDGE = (
    FRAMES
    + MIRROR
    + r'''
class __RnnCourseLink__:
    """The way back to the grader's checker during one call, where the test's objects are."""

    def __init__(self, reverse):
        reverse = reverse or {}  # {"keys": the arguments marked, "sock": the socket to the checker}
        self.keys, self.sock, self.generators = reverse.get("keys", []), reverse.get("sock"), []
        self.mirrors = {}  # index -> [the parameter's mirror, what the checker last saw of it]
        self.graph = {}  # id(tensor) -> (tensor, its grad_fn, marker): the tensors of the test's graph handed here
        self.cache = {}  # (handle, name) -> (answer, graph tensors): attributes the checker says are unchanged
        self.replicas = {}  # handle -> (the replica of the test's optimizer, the indices of its parameters)
        self.queue = []  # the replicas' methods run here, for the checker to run with the next request

    def standins(self, arguments):  # the arguments (a list or a dict) with the markers replaced
        keys = range(len(arguments)) if isinstance(arguments, list) else list(arguments)
        arguments = arguments.copy()
        for key in keys:
            if key in self.keys:
                arguments[key] = self._standin(arguments[key])
        return arguments

    def _standin(self, value, outputs=None):
        import torch as _torch

        if type(value) is tuple and len(value) in (2, 3, 4, 5) and value[0] == REMOTE_:
            kind, methods = (value[2], value[3]) if len(value) >= 4 else (None, ())
            if len(value) == 5 and value[1] not in self.replicas:
                self._replicate(value[1], value[4])
            return __RnnCourseRemote__(value[1], self, kind, methods)
        if type(value) is tuple and len(value) == 2 and value[0] == GENERATOR_:
            generator = _torch.Generator()
            generator.set_state(value[1])
            self.generators.append(generator)
            return generator
        if type(value) is tuple and len(value) == 2 and value[0] == PARAM_ and value[1] in self.mirrors:
            return self.mirrors[value[1]][0]
        if type(value) is tuple and len(value) == 3 and value[0] == GRAPH_ and outputs is not None:
            return outputs[value[2]]
        if type(value) in (list, tuple):
            return type(value)(self._standin(item, outputs) for item in value)
        if type(value) is dict:
            return {key: self._standin(item, outputs) for key, item in value.items()}
        return value

    def _marked(self, value):  # a request's values: stand-ins, the test's tensors as markers, a subclass as a tensor
        import torch as _torch

        if isinstance(value, __RnnCourseRemote__):
            return (REMOTE_, object.__getattribute__(value, "_rnn_course_id"))
        if isinstance(value, _torch.Tensor):
            known = self.graph.get(id(value))
            if known is not None and known[0] is value and value.grad_fn is known[1]:
                return known[2]  # still attached to the test's graph: the checker's own tensor
            for index, (mirror, _) in self.mirrors.items():
                if mirror is value:
                    return (PARAM_, index)
        if isinstance(value, _torch.Tensor) and type(value) is not _torch.Tensor:
            with _torch._C.DisableTorchFunctionSubclass():
                return _torch.Tensor.as_subclass(value, _torch.Tensor).detach()
        if type(value) in (list, tuple):
            return type(value)(self._marked(item) for item in value)
        if type(value) is dict:
            return {key: self._marked(item) for key, item in value.items()}
        return value

    def changes(self):  # what this side did to the parameters' mirrors since the checker last saw them
        import torch as _torch

        changes = {}
        for index, entry in self.mirrors.items():
            update = __rnn_course_diff__(entry[0], entry[1], _torch)
            if update is not None:
                changes[index] = update
                entry[1] = __rnn_course_snap__(entry[0], _torch)
        return changes

    def _adopt(self, changes):  # what the checker did to the parameters (new ones: their mirrors made)
        import torch as _torch

        for index, update in (changes or {}).items():
            if index not in self.mirrors:
                mirror = update["data"].detach().clone().requires_grad_(True)
                self.mirrors[index] = [mirror, None]
            __rnn_course_apply__(self.mirrors[index][0], update, _torch)
            self.mirrors[index][1] = __rnn_course_snap__(self.mirrors[index][0], _torch)

    def _replicate(self, handle, spec):  # the test's optimizer, replicated on the mirrors of its parameters
        import torch as _torch

        import collections as _collections

        self._adopt(spec["mirrors"])  # its parameters' values and gradients, sent with the call
        try:  # as pickle loads an optimizer (its __init__ and load_state_dict would import torch._dynamo)
            cls = getattr(_torch.optim, spec["class"]) if spec["class"] in REPLICATED_ else None
            mirror = lambda index: self.mirrors[index][0]  # noqa: E731
            groups = [dict(group, params=[mirror(i) for i in indices])
                      for group, indices in zip(spec["groups"], spec["params"])]
            state = _collections.defaultdict(dict, {mirror(i): dict(kept) for i, kept in spec["state"].items()})
            replica = cls.__new__(cls)
            replica.__setstate__({"defaults": dict(spec["defaults"]), "state": state, "param_groups": groups})
        except Exception:  # asked in the checker, as any object
            return
        self.replicas[handle] = (replica, [index for indices in spec["params"] for index in indices])

    def _local(self, handle, name, args, kwargs):  # a replica's method: run here, queued for the checker
        import torch as _torch

        replica, indices = self.replicas[handle]
        changes = self.changes()  # what this side did before: the checker does it first
        try:
            # torch's own methods, without the wrappers that import torch._dynamo (a second or so), which add
            # only hooks (the replica has none), a profiler's label and, for step, autograd off
            if name == "zero_grad":
                result = _torch.optim.Optimizer.zero_grad.__wrapped__(replica, *args, **kwargs)
            else:
                import inspect as _inspect

                with _torch.no_grad():
                    result = _inspect.unwrap(type(replica).step)(replica)
        except Exception:  # put back as it was; the checker's own optimizer answers (and raises) instead
            for index in indices:
                __rnn_course_restore__(self.mirrors[index][0], self.mirrors[index][1], _torch)
            del self.replicas[handle]
            self.queue.append({"id": handle, "name": None, "mirrors": changes})
            return None
        digest = {}
        for index in indices:  # both sides did it: neither sends it
            entry = self.mirrors[index]
            entry[1] = __rnn_course_snap__(entry[0], _torch)
            digest[index] = __rnn_course_digest__(entry[0], _torch)
        self.queue.append({"id": handle, "name": name, "args": list(args), "kwargs": dict(kwargs),
                           "mirrors": changes, "digest": digest})
        for key in [key for key in self.cache if key[0] == handle]:
            del self.cache[key]
        return result

    def ask(self, handle, op, name, args, kwargs):
        import builtins as _builtins, io as _io, pickle as _pickle
        import torch as _torch

        if self.sock is None:
            raise RuntimeError("the test's objects answer only while the test calls your function")
        if op == "getattr" and (handle, name) in self.cache:  # the checker said it has not changed since
            cached, outputs = self.cache[(handle, name)]
            return self._standin(cached, outputs)
        if op == "method" and handle in self.replicas and name in REPLICATED_METHODS_:
            plain = not args and not kwargs
            flag = name == "zero_grad" and (
                (len(args) == 1 and not kwargs and type(args[0]) is bool)
                or (not args and list(kwargs) == ["set_to_none"] and type(kwargs["set_to_none"]) is bool)
            )
            if plain or flag:
                result = self._local(handle, name, args, kwargs)
                if handle in self.replicas:
                    return result
        changes = self.changes()
        request = {"id": handle, "op": op, "name": name, "args": list(self._marked(list(args))),
                   "kwargs": self._marked(dict(kwargs)), "grad": _torch.is_grad_enabled(), "mirrors": changes,
                   "queue": self.queue}
        self.queue = []
        try:
            data = __rnn_course_pack__(request, _torch, _pickle)
        except Exception:  # something only torch.save sends (or refuses)
            buffer = _io.BytesIO()
            _torch.save(request, buffer)
            data = buffer.getvalue()
        __rnn_course_send__(self.sock, b"R", data)
        kind, data = __rnn_course_receive__(self.sock, 1 << 40)
        if kind != b"B":
            raise RuntimeError("the grader's checker did not answer")
        answer = __rnn_course_unpack__(data, _torch, _pickle)
        self._adopt(answer.get("mirrors"))
        for key in answer.get("stale") or []:  # attributes the checker's objects changed since they were read
            self.cache.pop(tuple(key), None)
        if not answer["ok"]:
            known = getattr(_builtins, answer["ename"], None)
            if isinstance(known, type) and issubclass(known, Exception):
                raise known(answer["evalue"])
            raise RuntimeError(answer["ename"] + ": " + answer["evalue"])
        outputs = None
        if answer.get("graph"):  # tensors of the test's graph: their backward is a reverse call
            outputs = self._attach(answer["node"], answer["graph"])
        if op == "getattr" and answer.get("cache") is True:  # `hasattr(net, "params")`, then `net.params`
            self.cache[(handle, name)] = (answer["result"], outputs)
        return self._standin(answer["result"], outputs)

    def _attach(self, node, values):
        import torch as _torch

        link = self

        class _Graph(_torch.autograd.Function):
            @staticmethod
            def forward(ctx, anchor, *values):
                ctx.set_materialize_grads(False)
                return tuple(value.clone() for value in values)

            @staticmethod
            def backward(ctx, *grads):
                link.ask(node, "backward", None, (list(grads),), {})
                return (None,) * (len(grads) + 1)

        outputs = _Graph.apply(_torch.zeros((), requires_grad=True), *values)
        for index, output in enumerate(outputs):
            self.graph[id(output)] = (output, output.grad_fn, (GRAPH_, node, index))
        return outputs

    def states(self):
        return [generator.get_state() for generator in self.generators]

    def close(self):  # the socket is the call's (checker.BRIDGE's serve loop): not asked over any more
        self.sock = None


class __RnnCourseRemote__:
    """One of the test's objects (a model, a recorder, an optimizer): it stays in the grader's checker; a
    call, a method, an attribute, an item, its length or its items are asked there, and the answer comes
    back as values. It is an nn.Module or an optimizer to isinstance when the test's object is one."""

    __slots__ = ("_rnn_course_id", "_rnn_course_link", "_rnn_course_kind", "_rnn_course_methods")

    def __init__(self, handle, link, kind=None, methods=()):
        object.__setattr__(self, "_rnn_course_id", handle)
        object.__setattr__(self, "_rnn_course_link", link)
        object.__setattr__(self, "_rnn_course_kind", kind)
        object.__setattr__(self, "_rnn_course_methods", frozenset(methods))

    @property
    def __class__(self):
        import torch as _torch

        kind = object.__getattribute__(self, "_rnn_course_kind")
        return {"module": _torch.nn.Module, "optimizer": _torch.optim.Optimizer}.get(kind, __RnnCourseRemote__)

    def __call__(self, *args, **kwargs):
        return self._rnn_course_link.ask(self._rnn_course_id, "call", None, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._rnn_course_methods:  # called in one round trip
            link, handle = self._rnn_course_link, self._rnn_course_id
            return lambda *args, **kwargs: link.ask(handle, "method", name, args, kwargs)
        return self._rnn_course_link.ask(self._rnn_course_id, "getattr", name, (), {})

    def __setattr__(self, name, value):
        raise AttributeError(f"the test's object cannot be changed from here (setting {name!r})")

    def __getitem__(self, key):
        return self._rnn_course_link.ask(self._rnn_course_id, "getitem", None, (key,), {})

    def __len__(self):
        return self._rnn_course_link.ask(self._rnn_course_id, "len", None, (), {})

    def __iter__(self):
        return iter(self._rnn_course_link.ask(self._rnn_course_id, "iter", None, (), {}))

    def __repr__(self):
        return "<the test's object, in the grader's checker>"
'''.replace("REMOTE_", repr(REMOTE))
    .replace("REPLICATED_METHODS_", repr(REPLICATED_METHODS))
    .replace("REPLICATED_", repr(REPLICATED))
    .replace("GENERATOR_", repr(GENERATOR))
    .replace("GRAPH_", repr(GRAPH))
)
REVERSE_BRIDGE = REVERSE_BRIDGE.replace("PARAM_", repr(PARAM))


# ---------------------------------------------------------------------------
# The checker's side: one call's objects
# ---------------------------------------------------------------------------
def by_handle(value) -> bool:
    """Whether an argument stays in the checker: an object of a class the notebook's cells define, or an
    optimizer (it steps the parameters of the test's model, which stay here)."""
    if isinstance(value, type):
        return False
    if getattr(type(value), "__module__", None) == "__main__":
        return True
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.optim.Optimizer)


_methods: dict = {}


def _kind(value) -> tuple[str | None, tuple]:
    """What a stand-in of `value` is to isinstance ("module", "optimizer" or None) and the public methods of
    its class (called in one round trip each)."""
    import inspect

    import torch

    kind = (
        "module"
        if isinstance(value, torch.nn.Module)
        else "optimizer"
        if isinstance(value, torch.optim.Optimizer)
        else None
    )
    cls = type(value)
    if cls not in _methods:
        names = [
            n for n in dir(cls) if not n.startswith("_") and inspect.isroutine(inspect.getattr_static(cls, n, None))
        ]
        _methods[cls] = tuple(names)
    own = getattr(value, "__dict__", {})
    return kind, tuple(n for n in _methods[cls] if n not in own)


_STALE = object()  # a parameter the student's side may hold otherwise: sent again, whole
_MISSING = object()


def _fingerprint(value, keep: list, budget: list):
    """What an attribute's value is, to tell whether it changed: plain values by value, a tensor by identity,
    version and storage (a parameter, mirrored, by identity), a list, tuple or dict by identity and items,
    anything else by identity (`keep` holds the objects named, so that no id is reused). None: too large
    (`budget`: how many items may be looked at)."""
    import torch

    budget[0] -= 1
    if budget[0] < 0:
        return None
    if value is None or type(value) in (bool, int, float, complex, str, bytes):
        return (type(value), value)
    keep.append(value)
    if isinstance(value, torch.Tensor):
        if value.requires_grad and value.is_leaf and type(value) in (torch.Tensor, torch.nn.Parameter):
            return ("parameter", id(value))  # mirrored: its values and gradient are synchronised as they change
        return ("tensor", id(value), value._version, value.data_ptr(), value.requires_grad)
    if type(value) in (list, tuple, dict):
        items = value.items() if type(value) is dict else enumerate(value)
        found = []
        for key, item in items:
            inner = _fingerprint(item, keep, budget)
            if inner is None:
                return None
            found.append((key, inner))
        return (type(value), id(value), tuple(found))
    return ("object", id(value))


class Handles:
    """The test's objects one call of a student's function hands it (and those they hand back), the
    generators it is given, the tensors of the test's graph and the parameters its side mirrors: what the
    student's side holds stand-ins, tensors and mirrors for while the call runs."""

    def __init__(self, decode, max_items: int, pack):
        """`decode`: checker.decode (a request, values only); `pack`: checker's PACK (an answer, its tensors as
        raw bytes; the student's side may unpack anything of ours)."""
        self.objects: list = []
        self.generators: list = []
        self.nodes: list[list] = []  # per answer that handed tensors of the test's graph: those tensors
        self.params: list = []  # the leaves that require grad handed to the student's side (mirrored there)
        self._seen: list = []  # what the student's side last saw of each (MIRROR's snapshot)
        self._param_index: dict[int, int] = {}
        self._graph: list | None = None  # the graph tensors of the answer being made
        self._decode, self._max_items, self._pack = decode, max_items, pack
        self._replicated: dict[int, list[int]] = {}  # handle of an optimizer replicated there -> its parameters
        self._cache: dict[tuple, tuple] = {}  # (handle, name) -> the fingerprint of an attribute cached there

    def substitute(self, values: dict) -> tuple[dict, list]:
        """The arguments {key: value} with the test's objects and generators replaced by markers, and the
        keys of those that hold one. An argument without any is the same object as before."""
        out, keys = {}, []
        for key, value in values.items():
            out[key] = self._marker(value)
            if out[key] is not value:
                keys.append(key)
        return out, keys

    def _handle(self, value, replicate: bool = False) -> tuple:
        self.objects.append(value)
        marker = (REMOTE, len(self.objects) - 1, *_kind(value))
        spec = self._replica(value, len(self.objects) - 1) if replicate else None
        return marker if spec is None else (*marker, spec)

    def _replica(self, optimizer, handle: int) -> dict | None:
        """What the student's side needs to replicate the test's optimizer (an argument of the call): its class
        (one of REPLICATED, exactly, no hook, no method of the instance's own), settings and state, and its
        parameters (mirrored from the start: their values and gradients go with it). None: not replicable."""
        import torch
        from torch.optim import optimizer as base

        cls = type(optimizer)
        if not (cls.__name__ in REPLICATED and getattr(torch.optim, cls.__name__, None) is cls):
            return None
        if any(name in vars(optimizer) for name in (*REPLICATED_METHODS, "state_dict", "load_state_dict")):
            return None
        hooks = [getattr(optimizer, name, None) for name in vars(optimizer) if name.endswith("_hooks")]
        hooks += [getattr(base, name, None) for name in ("_global_optimizer_pre_hooks", "_global_optimizer_post_hooks")]
        if any(hooks):
            return None
        groups = []
        for group in optimizer.param_groups:
            if any(group.get(key) for key in ("foreach", "fused", "differentiable", "capturable")):
                return None
            params = group["params"]
            if len({id(p) for p in params}) != len(params):
                return None
            if not all(
                type(p) in (torch.Tensor, torch.nn.Parameter)
                and p.is_leaf
                and p.requires_grad
                and p.device.type == "cpu"
                and p.dtype in (torch.float32, torch.float64)
                and (p.grad is None or (type(p.grad) is torch.Tensor and p.grad.layout == torch.strided))
                for p in params
            ):
                return None
            groups.append(params)
        if not all(type(key) in (torch.Tensor, torch.nn.Parameter) for key in optimizer.state):
            return None
        indices = [[self._mirror(p) for p in params] for params in groups]
        index = self._param_index
        state = {index[id(p)]: dict(optimizer.state[p]) for p in optimizer.state if id(p) in index}
        if len(state) != len(optimizer.state):  # the state of a parameter no longer in its groups
            return None
        mirrors = {}
        for index in {i for group in indices for i in group}:
            if self._seen[index] is None:  # new: its values (and gradient) go with the call
                param = self.params[index]
                mirrors[index] = {"data": param.detach().clone()}
                if param.grad is not None:
                    mirrors[index].update(how="new", grad=param.grad.detach().clone())
                self._seen[index] = _snap(param, torch)
        self._replicated[handle] = [i for group in indices for i in group]
        settings = [{key: value for key, value in group.items() if key != "params"} for group in optimizer.param_groups]
        return {
            "class": cls.__name__,
            "defaults": dict(optimizer.defaults),
            "groups": settings,
            "params": indices,
            "state": state,
            "mirrors": mirrors,
        }

    def flush(self, queue) -> None:
        """The replicated optimizers' methods the student's side ran (`zero_grad()`, `step()`), each after
        what that side did to the parameters before it, run here by the test's own optimizer, in order. Both
        sides then hold the result (the student's side's checksum says so; a parameter whose checksum differs
        is sent again with the answer, as the checker holds it)."""
        import torch

        if queue is None:
            return
        if not isinstance(queue, list):
            raise TypeError("not the replicated calls")
        for item in queue:
            if not isinstance(item, dict) or item.get("id") not in self._replicated:
                raise TypeError("not a replicated call of this call")
            handle, name = item["id"], item.get("name")
            args, kwargs = item.get("args") or [], item.get("kwargs") or {}
            if name is not None:
                if name not in REPLICATED_METHODS or not isinstance(args, list) or not isinstance(kwargs, dict):
                    raise TypeError("not a replicated call")
                plain = not args and not kwargs
                flag = name == "zero_grad" and (
                    (len(args) == 1 and not kwargs and type(args[0]) is bool)
                    or (not args and list(kwargs) == ["set_to_none"] and type(kwargs["set_to_none"]) is bool)
                )
                if not (plain or flag):
                    raise TypeError("not a replicated call")
            self.settle(item.get("mirrors"))
            if name is None:  # the replica raised there: the method comes as a reverse call of its own
                continue
            indices = self._replicated[handle]
            try:
                getattr(self.objects[handle], name)(*args, **kwargs)
            finally:
                digest = item.get("digest") if isinstance(item.get("digest"), dict) else {}
                for index in indices:
                    param = self.params[index]
                    same = digest.get(index) == _digest(param, torch)
                    self._seen[index] = _snap(param, torch) if same else _STALE

    def _cacheable(self, target, name: str, result) -> tuple | None:
        """An attribute the student's side may keep (`net.params`, read at every minibatch): one of the
        instance's own (its __dict__; no property, no descriptor, not an optimizer's), whose fingerprint is
        small. Its fingerprint (the identity of its object and of what it holds, a tensor's version) and the
        objects it names (kept: their ids are not reused)."""
        import torch

        if isinstance(target, torch.optim.Optimizer) or name not in getattr(target, "__dict__", {}):
            return None
        if type(target).__getattribute__ is not object.__getattribute__:
            return None
        static = getattr(type(target), name, None)
        if hasattr(static, "__set__") or hasattr(static, "__delete__") or target.__dict__[name] is not result:
            return None
        keep: list = []
        found = _fingerprint(result, keep, [1000])
        return None if found is None else (found, keep)

    def _stale(self) -> list:
        """The cached attributes whose fingerprint changed (the student's side forgets them)."""
        stale = []
        for key, (found, _) in list(self._cache.items()):
            target = self.objects[key[0]]
            now = target.__dict__.get(key[1], _MISSING) if hasattr(target, "__dict__") else _MISSING
            if _fingerprint(now, [], [1000]) != found:
                stale.append(key)
                del self._cache[key]
        return stale

    def _marker(self, value):
        import torch

        if isinstance(value, torch.Generator):
            self.generators.append(value)
            return (GENERATOR, value.get_state())
        if by_handle(value):
            return self._handle(value, replicate=True)
        if type(value) in (list, tuple) and value and type(value[0]) in (bool, int, float, str):
            return value  # a corpus: no object of the test's in it (and thousands of items to look at)
        if type(value) in (list, tuple, dict):
            items = list(value.items() if type(value) is dict else enumerate(value))
            marked = {key: self._marker(item) for key, item in items}
            if all(marked[key] is item for key, item in items):
                return value
            return marked if type(value) is dict else type(value)(marked[i] for i in range(len(value)))
        return value

    def adopt_states(self, states) -> None:
        """The states the student's side left in the generators it was given become theirs."""
        import torch

        if not isinstance(states, list) or len(states) != len(self.generators):
            raise TypeError("the generators the student's kernel sent back are not those it was sent")
        for generator, state in zip(self.generators, states):
            if not (isinstance(state, torch.Tensor) and state.dtype == torch.uint8 and state.dim() == 1):
                raise TypeError("a generator's state the student's kernel sent back is not one")
            generator.set_state(state)

    def settle(self, changes) -> None:
        """What the student's side did to the parameters it mirrors (values, gradients: MIRROR's changes,
        {index: change}) is done to the parameters here. Nothing else can change: the indices are those of
        this call's parameters, the values of their shapes and dtypes."""
        import torch

        if changes is None:
            return
        if not isinstance(changes, dict):
            raise TypeError("not the parameters' changes")
        for index, update in changes.items():
            if type(index) is not int or not 0 <= index < len(self.params):
                raise TypeError("not a parameter of this call")
            _apply(self.params[index], update, torch)
            self._seen[index] = _snap(self.params[index], torch)

    def _changes(self) -> dict:
        """What happened here to the parameters the student's side mirrors since it last saw them (a new one:
        all of it)."""
        import torch

        changes = {}
        for index, param in enumerate(self.params):
            seen = self._seen[index]
            if seen is None or seen is _STALE:
                update = {"data": param.detach().clone()}
                if param.grad is not None:
                    update["how"], update["grad"] = "new", param.grad.detach().clone()
            else:
                update = _diff(param, seen, torch)
            if update is not None:
                changes[index] = update
                self._seen[index] = _snap(param, torch)
        return changes

    def answer(self, payload: bytes) -> bytes:
        """Serve one reverse call (the request as the student's side sent it); the answer, packed."""
        import torch

        try:
            try:
                request = self._decode(payload)
                if not isinstance(request, dict) or request.get("op") not in OPS:
                    raise TypeError("not a request")
                self.flush(request.get("queue"))
                self.settle(request.get("mirrors"))
                args, kwargs = self._resolve(request.get("args")), self._resolve(request.get("kwargs"))
                if not (isinstance(args, list) and isinstance(kwargs, dict) and all(type(k) is str for k in kwargs)):
                    raise TypeError("not a request")
                if request["op"] == "backward":
                    self._backward(request.get("id"), args)
                    result = None
                else:
                    target = self._object(request.get("id"))
                    with torch.set_grad_enabled(request.get("grad") is True):
                        result = self._run(target, request["op"], request.get("name"), args, kwargs)
                self._graph = []
                answer = {"ok": True, "result": self._out(result)}
                if self._graph:
                    answer["graph"] = [tensor.detach() for tensor in self._graph]
                    answer["node"] = len(self.nodes)
                    self.nodes.append(self._graph)
                elif request["op"] == "getattr":
                    cached = self._cacheable(target, request.get("name"), result)
                    if cached is not None:
                        self._cache[(request["id"], request["name"])] = cached
                        answer["cache"] = True
            finally:
                self._graph = None
        except Exception as error:  # every error is the answer: raised on the student's side
            answer = {"ok": False, "ename": type(error).__name__, "evalue": str(error)[:2000]}
        answer["mirrors"] = self._changes()  # after an error too: what the call did so far
        answer["stale"] = self._stale()  # the cached attributes the test's objects changed (this call's own: none)
        import torch

        return self._pack(answer, torch, pickle, strict=False)

    def _backward(self, node, args: list) -> None:
        """The student's backward pass reached tensors of the test's graph: their gradients (None: not used)
        go on through it, here (into the test's parameters, as in one process)."""
        import torch

        if type(node) is not int or not 0 <= node < len(self.nodes):
            raise TypeError("not a node of the test's graph of this call")
        tensors, grads = self.nodes[node], args[0] if len(args) == 1 else None
        if not isinstance(grads, list) or len(grads) != len(tensors):
            raise TypeError("not the gradients of that node's tensors")
        pairs = []
        for tensor, grad in zip(tensors, grads):
            if grad is None:
                continue
            if not (type(grad) is torch.Tensor and grad.shape == tensor.shape and grad.dtype == tensor.dtype):
                raise TypeError("a gradient of another shape or dtype than its tensor")
            pairs.append((tensor, grad))
        if pairs:
            torch.autograd.backward([t for t, _ in pairs], [g for _, g in pairs])

    def _run(self, target, op: str, name, args: list, kwargs: dict):
        if op in ("getattr", "method") and (not isinstance(name, str) or name.startswith("_")):
            raise AttributeError(f"the test's object has no attribute {name!r} you can read")
        if op == "call":
            return target(*args, **kwargs)
        if op == "method":
            return getattr(target, name)(*args, **kwargs)
        if op == "getattr":
            return getattr(target, name)
        if op == "getitem":
            return target[args[0]]
        if op == "len":
            return len(target)
        return list(itertools.islice(iter(target), self._max_items))

    def _object(self, handle):
        if type(handle) is not int or not 0 <= handle < len(self.objects):
            raise TypeError("not one of the test's objects of this call")
        return self.objects[handle]

    def _resolve(self, value):
        if type(value) is tuple and len(value) == 2 and value[0] == REMOTE:
            return self._object(value[1])
        if type(value) is tuple and len(value) == 2 and value[0] == PARAM:
            if type(value[1]) is not int or not 0 <= value[1] < len(self.params):
                raise TypeError("not a parameter of this call")
            return self.params[value[1]]
        if type(value) is tuple and len(value) == 3 and value[0] == GRAPH:
            node, index = value[1], value[2]
            if not (type(node) is int and 0 <= node < len(self.nodes) and type(index) is int):
                raise TypeError("not a tensor of the test's graph of this call")
            if not 0 <= index < len(self.nodes[node]):
                raise TypeError("not a tensor of the test's graph of this call")
            return self.nodes[node][index]
        if type(value) in (list, tuple):
            return type(value)(self._resolve(item) for item in value)
        if type(value) is dict:
            return {key: self._resolve(item) for key, item in value.items()}
        return value

    def _out(self, value):
        import torch

        if isinstance(value, torch.Tensor):
            if value.requires_grad and value.grad_fn is not None and self._graph is not None:
                self._graph.append(value)  # a tensor of the test's graph: its backward comes back here
                return (GRAPH, len(self.nodes), len(self._graph) - 1)
            if value.requires_grad and value.is_leaf and type(value) in (torch.Tensor, torch.nn.Parameter):
                return (PARAM, self._mirror(value))
            return value.detach()
        if value is None or type(value) in (bool, int, float, complex, str, bytes, torch.Size, torch.device):
            return value
        if type(value) in (list, tuple):
            return type(value)(self._out(item) for item in value)
        if type(value) is dict:
            return {key: self._out(item) for key, item in value.items()}
        if by_handle(value):
            return self._handle(value)
        self.objects.append(value)  # a method, an iterator, an object: a stand-in of its own
        return (REMOTE, len(self.objects) - 1)

    def _mirror(self, param) -> int:
        """The index of a parameter the student's side mirrors (the same index for the same tensor)."""
        if id(param) not in self._param_index:
            self._param_index[id(param)] = len(self.params)
            self.params.append(param)  # kept: its id is not reused during the call
            self._seen.append(None)
        return self._param_index[id(param)]
