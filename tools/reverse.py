"""The reverse channel: the test's own objects, driven from the student's function (tools/checker.py).

Some tests hand the student's function objects of their own and then read what those objects saw: 06's
`_CountingModel` records the states `predict` gives it and counts its `begin_state` calls. Such an object
must stay in the checker: a copy in the student's kernel would record in the kernel, where the student's
code can write the record. So an argument whose class the notebook's own cells define (its `__module__` is
`__main__` in the checker: the tests' instruments, the read-only cells' models such as `RNNModelScratch`) is
not sent: the student's side gets a *stand-in* (`__RnnCourseRemote__`), and what the function asks of it —
a call (`net(X, state)`), an attribute (`net.begin_state`, `model.vocab_size`), an item, its length, its
items — is a *reverse call*: the stand-in sends it to GradingExecute over a Unix socket in the kernel's
private folder (`Relay`, listening only while that call runs), GradingExecute hands it to the checker,
which is waiting for the call's answer, and the checker (`Handles.answer`) runs it on the real object and
answers. Both ways the same value-only rules hold as for a call: the request is `torch.save`d on the
student's side and loaded here with `torch.load(weights_only=True)` (tensors, numbers, strings, None,
lists, tuples and dicts of these, and markers naming this call's stand-ins); the answer is pickled here (the
student's side may unpickle anything of ours) with tensors detached (a graph does not cross) and anything
that is not a value (a bound method, an iterator, another object) sent as a new stand-in. The request runs
with autograd on or off as the student's side has it (`with torch.no_grad()` around `net(X, state)`).

A `torch.Generator` argument crosses as its state: the student's side gets a generator in that state and
sends back the state it left, which the checker's generator takes (a test that draws from it afterwards
draws what it would in one process).

Threat model: the student's function can ask the test's objects it was handed (and what they hand back)
anything they answer: call them and their public methods with values, read their public attributes (as
copies). It cannot reach an object's private attributes (names starting with `_`), set an attribute, or
reach any other object of the checker's; a stand-in is valid only during the call that made it (the
checker forgets the call's objects and GradingExecute stops listening when the call returns). What the
test's objects record is what the function did to them through their own methods: its behaviour.

Not covered: a test object's method runs with the checker's random state as it was when the call began
(none of 06's draws); a test object cannot call the student's functions back; autograd across the channel
(the student's `loss.backward()` on outputs of a test's model): the cells of 06 that need it run in the
kernel (checker.IN_KERNEL_CELLS). A way to judge them, not built: the model's outputs come back as tensors
whose backward is a reverse call (a custom autograd.Function; a state handed back without `detach()`
resolves to the checker's own tensor, so autograd's "backward through the graph a second time" still
fires); optimizers stay in the checker like the tests' objects (`zero_grad`, `step` run there); and the
parameters the student's side asks for (`grad_clipping` scales their gradients in place) are mirrored
there, their values and gradients synchronised at every reverse call and at the call's end, as
checker.LEAVES does once per call.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import os
import pickle
import socket
import struct
import threading
from pathlib import Path

#: How an argument or a result that stays in the checker is named on the student's side: (REMOTE, index).
REMOTE = "__rnn_course_remote__"
#: How a torch.Generator argument crosses: (GENERATOR, its state).
GENERATOR = "__rnn_course_generator__"
#: What a reverse call may ask.
OPS = ("call", "getattr", "getitem", "len", "iter")

# ---------------------------------------------------------------------------
# The student's side: defined in the kernel with checker.BRIDGE
# ---------------------------------------------------------------------------
REVERSE_BRIDGE = r'''
class __RnnCourseLink__:
    """The way back to the grader's checker during one call, where the test's objects are."""

    def __init__(self, reverse):
        import json as _json

        reverse = _json.loads(reverse) if reverse else {}
        self.path, self.keys, self.sock, self.generators = reverse.get("path"), reverse.get("keys", []), None, []

    def standins(self, arguments):  # the arguments (a list or a dict) with the markers replaced
        keys = range(len(arguments)) if isinstance(arguments, list) else list(arguments)
        arguments = arguments.copy()
        for key in keys:
            if key in self.keys:
                arguments[key] = self._standin(arguments[key])
        return arguments

    def _standin(self, value):
        import torch as _torch

        if type(value) is tuple and len(value) == 2 and value[0] == REMOTE_:
            return __RnnCourseRemote__(value[1], self)
        if type(value) is tuple and len(value) == 2 and value[0] == GENERATOR_:
            generator = _torch.Generator()
            generator.set_state(value[1])
            self.generators.append(generator)
            return generator
        if type(value) in (list, tuple):
            return type(value)(self._standin(item) for item in value)
        if type(value) is dict:
            return {key: self._standin(item) for key, item in value.items()}
        return value

    def _marked(self, value):  # a request's values: stand-ins as markers, a tensor of a subclass as a tensor
        import torch as _torch

        if isinstance(value, __RnnCourseRemote__):
            return (REMOTE_, object.__getattribute__(value, "_rnn_course_id"))
        if isinstance(value, _torch.Tensor) and type(value) is not _torch.Tensor:
            with _torch._C.DisableTorchFunctionSubclass():
                return _torch.Tensor.as_subclass(value, _torch.Tensor).detach()
        if type(value) in (list, tuple):
            return type(value)(self._marked(item) for item in value)
        if type(value) is dict:
            return {key: self._marked(item) for key, item in value.items()}
        return value

    def _read(self, size):
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise RuntimeError("the grader's checker did not answer")
            data += chunk
        return data

    def ask(self, handle, op, name, args, kwargs):
        import builtins as _builtins, io as _io, pickle as _pickle, socket as _socket, struct as _struct
        import torch as _torch

        if self.path is None:
            raise RuntimeError("the test's objects answer only while the test calls your function")
        if self.sock is None:
            self.sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
            self.sock.connect(self.path)
        request = {"id": handle, "op": op, "name": name, "args": list(self._marked(list(args))),
                   "kwargs": self._marked(dict(kwargs)), "grad": _torch.is_grad_enabled()}
        buffer = _io.BytesIO()
        _torch.save(request, buffer)
        data = buffer.getvalue()
        self.sock.sendall(_struct.pack("!Q", len(data)) + data)
        answer = _pickle.loads(self._read(_struct.unpack("!Q", self._read(8))[0]))
        if not answer["ok"]:
            known = getattr(_builtins, answer["ename"], None)
            if isinstance(known, type) and issubclass(known, Exception):
                raise known(answer["evalue"])
            raise RuntimeError(answer["ename"] + ": " + answer["evalue"])
        return self._standin(answer["result"])

    def states(self):
        return [generator.get_state() for generator in self.generators]

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.path = None


class __RnnCourseRemote__:
    """One of the test's objects (a model, a recorder): it stays in the grader's checker; a call, an
    attribute, an item, its length or its items are asked there, and the answer comes back as values."""

    __slots__ = ("_rnn_course_id", "_rnn_course_link")

    def __init__(self, handle, link):
        object.__setattr__(self, "_rnn_course_id", handle)
        object.__setattr__(self, "_rnn_course_link", link)

    def __call__(self, *args, **kwargs):
        return self._rnn_course_link.ask(self._rnn_course_id, "call", None, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
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
'''.replace("REMOTE_", repr(REMOTE)).replace("GENERATOR_", repr(GENERATOR))


# ---------------------------------------------------------------------------
# The checker's side: one call's objects
# ---------------------------------------------------------------------------
def by_handle(value) -> bool:
    """Whether an argument stays in the checker: an object of a class the notebook's cells define."""
    return not isinstance(value, type) and getattr(type(value), "__module__", None) == "__main__"


class Handles:
    """The test's objects one call of a student's function hands it (and those they hand back), and the
    generators it is given: what the student's side holds stand-ins for while the call runs."""

    def __init__(self, decode, max_items: int):
        self.objects: list = []
        self.generators: list = []
        self._decode, self._max_items = decode, max_items

    def substitute(self, values: dict) -> tuple[dict, list]:
        """The arguments {key: value} with the test's objects and generators replaced by markers, and the
        keys of those that hold one. An argument without any is the same object as before."""
        out, keys = {}, []
        for key, value in values.items():
            out[key] = self._marker(value)
            if out[key] is not value:
                keys.append(key)
        return out, keys

    def _marker(self, value):
        import torch

        if isinstance(value, torch.Generator):
            self.generators.append(value)
            return (GENERATOR, value.get_state())
        if by_handle(value):
            self.objects.append(value)
            return (REMOTE, len(self.objects) - 1)
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

    def answer(self, payload: bytes) -> bytes:
        """Serve one reverse call (the request as the student's side sent it); the answer, pickled."""
        import torch

        try:
            request = self._decode(payload)
            if not isinstance(request, dict) or request.get("op") not in OPS:
                raise TypeError("not a request")
            target = self._object(request.get("id"))
            args, kwargs = self._resolve(request.get("args")), self._resolve(request.get("kwargs"))
            if not (isinstance(args, list) and isinstance(kwargs, dict) and all(type(k) is str for k in kwargs)):
                raise TypeError("not a request")
            with torch.set_grad_enabled(request.get("grad") is True):
                result = self._run(target, request["op"], request.get("name"), args, kwargs)
            answer = {"ok": True, "result": self._out(result)}
            data = pickle.dumps(answer)
        except Exception as error:  # every error is the answer: raised on the student's side
            data = pickle.dumps({"ok": False, "ename": type(error).__name__, "evalue": str(error)[:2000]})
        return data

    def _run(self, target, op: str, name, args: list, kwargs: dict):
        if op == "call":
            return target(*args, **kwargs)
        if op == "getattr":
            if not isinstance(name, str) or name.startswith("_"):
                raise AttributeError(f"the test's object has no attribute {name!r} you can read")
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
        if type(value) in (list, tuple):
            return type(value)(self._resolve(item) for item in value)
        if type(value) is dict:
            return {key: self._resolve(item) for key, item in value.items()}
        return value

    def _out(self, value):
        import torch

        if isinstance(value, torch.Tensor):
            return value.detach()
        if value is None or type(value) in (bool, int, float, complex, str, bytes, torch.Size, torch.device):
            return value
        if type(value) in (list, tuple):
            return type(value)(self._out(item) for item in value)
        if type(value) is dict:
            return {key: self._out(item) for key, item in value.items()}
        self.objects.append(value)  # a method, an iterator, an object: a stand-in of its own
        return (REMOTE, len(self.objects) - 1)


# ---------------------------------------------------------------------------
# GradingExecute's end: relays the student's side's requests to the checker during one call
# ---------------------------------------------------------------------------
_count = itertools.count()


def _receive(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(min(size - len(data), 1 << 20))
        if not chunk:
            return None
        data += chunk
    return data


class Relay:
    """Listens on a Unix socket in `folder` (the kernel's private folder: the student's side sees it at the
    same path) while one call runs; each request that comes in (8-byte length, then the bytes) goes to the
    checker as {"op": "reverse"} over `lines` (the checker is waiting for the call's answer), and its
    {"op": "reverse-answer"} goes back. `close()` when the call returns: nothing is heard after it."""

    def __init__(self, folder: Path, lines, max_frame: int):
        self.path = str(Path(folder) / f"reverse-{os.getpid()}-{next(_count)}.sock")
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(1)
        self.conn: socket.socket | None = None
        self._closing, self._lock, self._max = False, threading.Lock(), max_frame
        self.thread = threading.Thread(target=self._run, args=(lines,), daemon=True)
        self.thread.start()

    def _run(self, lines) -> None:
        try:
            conn, _ = self.server.accept()
        except OSError:
            return
        with self._lock:
            if self._closing:
                conn.close()
                return
            self.conn = conn
        try:
            while True:
                head = _receive(conn, 8)
                if head is None or struct.unpack("!Q", head)[0] > self._max:
                    return
                data = _receive(conn, struct.unpack("!Q", head)[0])
                if data is None:
                    return
                lines.send({"op": "reverse", "payload": base64.b64encode(data).decode()})
                answer = base64.b64decode(lines.receive().get("payload", ""))
                conn.sendall(struct.pack("!Q", len(answer)) + answer)
        except (OSError, EOFError, ValueError):  # the call ended, or the checker is gone: the call's answer says
            return

    def close(self) -> None:
        with self._lock:
            self._closing = True
        for sock in (self.server, self.conn):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    sock.close()
        self.thread.join()
        with contextlib.suppress(OSError):
            os.unlink(self.path)
