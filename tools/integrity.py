"""Grades that student code cannot forge.

The sandbox (tools/sandbox.py) keeps student code away from the course's
files, the network and other processes; it cannot keep it away from the test
cells, which run in the same Python process as the answers. A student can try
to switch the checks off from an answer cell (`helpers.check_equal = lambda
*a, **k: None`, `torch.equal = ...`, IPython hooks, `sys.modules`, frames,
`__torch_function__`, ...). No defence inside that process is sound, so this
module detects and flags, in three independent ways:

1. **Files** (`extra_files`): only the files of the release go to grading.
   Anything else beside the notebook is moved to `autograder/quarantine/`
   and reported; an importable file (a `torch.py` or `ipykernel_launcher.py`
   would shadow the real module in the kernel) is possible tampering.
   Caches (`__pycache__`, `.ipynb_checkpoints`) are dropped silently.
2. **Static scan** (`scan`): the student's code (answer cells and any cell
   the student added) is parsed, never run, and every construct that honest
   code in this course never needs is reported with its cell and line:
   assignments to attributes of imported modules, rebinding the names the
   read-only cells import or define (`check_equal`, `torch`, builtins),
   `exec`/`eval`/`getattr` with computed names, `globals()`/`vars()`,
   `get_ipython`, IPython's history (`In`, `_ih`), frames and code objects,
   dunder attributes, private attributes (`torch._C`), tensor subclasses,
   comparison dunders, and modules such as `builtins`, `inspect`, `gc`,
   `ctypes`, `importlib`, `IPython`, `subprocess`, `pickle` (`DENIED_MODULES`).
3. **Verification run** (`verification_notebook`): when answer cells also
   hold top-level statements that are not definitions (a `print`, a call, an
   attribute assignment...), the notebook runs a second time, sandboxed too,
   with the student's cells reduced to their imports, functions, classes and
   plain assignments. A test cell that passes in the full run but fails in
   the verification run passed only because of the student's top-level code:
   its score becomes the verification run's, and the submission is held for
   review. When the answer cells hold definitions only, the two runs would
   execute the same student code, so the second run is skipped.

Honest work is never flagged: printing, plotting, seeding, importing
(`import torch.nn.functional as F` again), helper functions and classes of
one's own (tests/test_integrity.py runs the scan over every synthetic student
of tests/grading/).
"""

from __future__ import annotations

import ast
import builtins
import functools
import os
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tools.layout import ROOT, grade_id, is_answer_cell, is_read_only_code


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Modules whose import is reported: introspection, the kernel, processes, serialisation, the network.
DENIED_MODULES = _words("""
    builtins __builtin__ __main__ IPython ipykernel ipywidgets jupyter_client jupyter_core zmq tornado traitlets
    comm nbclient nbformat nbconvert nbgrader inspect gc ctypes cffi importlib imp pkgutil runpy code codeop
    subprocess multiprocessing threading _thread concurrent asyncio signal socket ssl select selectors http
    urllib urllib3 requests ftplib smtplib telnetlib pickle _pickle cPickle dill cloudpickle marshal shelve
    copyreg weakref atexit faulthandler tracemalloc sysconfig site mmap resource pty tty termios fcntl posix
    pwd grp shutil tempfile pathlib glob linecache traceback dis tokenize ast unittest mock pdb bdb trace
    sqlite3 dbm zipimport sitecustomize usercustomize helpers_original
    """)
#: Dotted names (after resolving import aliases) that are reported, with everything below them.
DENIED_PATHS = (
    "torch.library",
    "torch.overrides",
    "torch.ops",
    "torch.hub",
    "torch.load",
    "torch.multiprocessing",
    "torch.distributed",
    "torch.package",
    "torch.utils.cpp_extension",
    "torch.utils.hooks",
    "torch.fx",
    "torch.jit",
    "torch.compile",
    "torch.classes",
    "torch.set_default_dtype",
    "torch.set_default_tensor_type",
    "torch.set_default_device",
    "torch.set_grad_enabled",
    "torch.use_deterministic_algorithms",
    "numpy.load",
    "numpy.fromfile",
    "numpy.memmap",
    "numpy.ctypeslib",
    "types.FunctionType",
    "types.CodeType",
    "types.LambdaType",
    "types.FrameType",
    "types.ModuleType",
    "types.MethodType",
    "io.open",
    "io.FileIO",
    "warnings.showwarning",
    "warnings.filterwarnings",
    "warnings.simplefilter",
)
#: The attributes of `sys` and `os` that honest code uses; any other is reported.
SYS_ALLOWED = _words(
    "stdout stderr exit version version_info platform float_info maxsize getsizeof byteorder "
    "getrecursionlimit setrecursionlimit argv"
)
OS_ALLOWED = _words("path getcwd sep linesep cpu_count environ getenv getpid listdir")
#: Names whose mere use is reported.
FORBIDDEN_NAMES = _words("""
    exec eval compile __import__ globals locals vars setattr delattr breakpoint get_ipython __builtins__
    __builtin__ __loader__ __spec__ In Out _ih _oh _dh _i _ii _iii __IPYTHON__ display_pub
    """)
HISTORY_NAME = re.compile(r"^_(i)?\d+$")
#: Attributes of frames, tracebacks, generators and code objects.
FRAME_ATTRIBUTES = _words("""
    f_globals f_locals f_back f_builtins f_code f_lasti f_trace tb_frame tb_next gi_frame gi_code cr_frame
    cr_code ag_frame ag_code co_code co_consts co_names co_varnames
    """)
#: Dunder attributes honest code reads (`super().__init__`, `type(x).__name__`).
SAFE_DUNDERS = _words("""
    __init__ __name__ __qualname__ __class__ __doc__ __len__ __iter__ __next__ __call__ __repr__ __str__
    __getitem__ __contains__ __version__ __module__
    """)
#: Dunder methods honest classes define.
SAFE_DEFINED_DUNDERS = _words("__init__ __call__ __len__ __iter__ __next__ __repr__ __str__ __getitem__ __contains__")
#: Classes a student's class must not derive from (objects that could lie to a comparison).
SUSPICIOUS_BASES = _words("Tensor Parameter int float bool str bytes complex type object_ ModuleType")
IMPORTABLE = (".py", ".pyc", ".pyo", ".pyd", ".so", ".pth", ".egg-link", ".zip", ".whl")
CACHES = ("__pycache__", ".ipynb_checkpoints")
#: Files nbgrader itself puts beside a submission (`nbgrader submit`): its time, and the secret that
#: lets only its author fetch the feedback.
NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")


_AST_LOCK = threading.Lock()


def _ast_parse(source: str) -> ast.Module:
    """`ast.parse` one thread at a time: CPython 3.11's parser keeps its recursion depth in
    interpreter-wide state, and two threads parsing at once raise `SystemError: AST constructor
    recursion depth mismatch` (CPython gh-106905); `tools.grade` scans submissions in threads."""
    with _AST_LOCK:
        return ast.parse(source)


def _helpers_names() -> frozenset[str]:
    """Names defined by helpers.py and the torch functions its checks call: attribute
    assignments to these names are reported on any object."""
    tree = _ast_parse((ROOT / "helpers.py").read_text())
    names = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    names |= {
        t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
    }
    names |= {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "torch"
    }
    return frozenset(names | {"equal", "allclose", "isclose", "all", "any", "eq", "ne", "testing", "assert_close"})


PROTECTED_ATTRIBUTES = _helpers_names()


# ---------------------------------------------------------------------------
# Which cells are the student's
# ---------------------------------------------------------------------------
def is_student_cell(cell) -> bool:
    """An answer cell, or a code cell the student added (no nbgrader id)."""
    return cell.get("cell_type") == "code" and (is_answer_cell(cell) or grade_id(cell) is None)


def cell_label(cell, index: int) -> str:
    return grade_id(cell) or f"added cell {index + 1}"


def _parse(source: str):
    """Parse cell source; IPython magics and shell escapes (`%time`, `!ls`) are replaced by `pass`
    here and reported by the scan."""
    try:
        return _ast_parse(source), []
    except SyntaxError:
        pass
    lines, magics = [], []
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            magics.append((number, f"IPython magic or shell command `{stripped[:40]}`"))
            lines.append(line[: len(line) - len(stripped)] + "pass")
        else:
            lines.append(line)
    try:
        return _ast_parse("\n".join(lines)), magics
    except SyntaxError:
        return None, magics


# ---------------------------------------------------------------------------
# Names the read-only cells bind
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Binding:
    kind: str  # "import", "def", "class", "data", "builtin"
    target: str = ""  # for imports: the dotted name bound (torch.nn.functional, helpers.check_equal)


def _import_targets(node) -> dict[str, str]:
    """name -> dotted path bound by an import statement."""
    bound = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                bound[alias.asname] = alias.name
            else:
                root = alias.name.split(".")[0]
                bound[root] = root
    elif isinstance(node, ast.ImportFrom):
        module = ("." * node.level) + (node.module or "")
        for alias in node.names:
            bound[alias.asname or alias.name] = f"{module}.{alias.name}"
    return bound


def _bound_names(tree) -> dict[str, Binding]:
    """Top-level names a cell binds, with how."""
    found: dict[str, Binding] = {}
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found |= {name: Binding("import", path) for name, path in _import_targets(node).items()}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = Binding("def")
        elif isinstance(node, ast.ClassDef):
            found[node.name] = Binding("class")
        else:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    found.setdefault(sub.id, Binding("data"))
    return found


# The read-only cells and the release are the same for every submission of an assignment: what is
# derived from one cell's source is computed once per source and process. Each result is immutable and
# a function of the source alone (each call parses its own tree; the trees the scan edits are never
# these), so a student's cell that happens to be cached cannot change what another submission gets.
@functools.lru_cache(maxsize=4096)
def _cell_bindings(source: str) -> tuple[tuple[str, Binding], ...]:
    tree, _ = _parse(source)
    return tuple(_bound_names(tree).items()) if tree is not None else ()


@functools.lru_cache(maxsize=4096)
def _cell_aliases(source: str) -> tuple[tuple[str, str], ...]:
    tree, _ = _parse(source)
    aliases = []
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for name, path in _import_targets(node).items():
                if isinstance(node, ast.Import) or path.rsplit(".", 1)[-1][:1].islower():
                    aliases.append((name, path))
    return tuple(aliases)


@functools.lru_cache(maxsize=4096)
def _cell_statements(source: str) -> frozenset[str]:
    tree, _ = _parse(source)
    return frozenset(ast.dump(node) for node in tree.body) if tree is not None else frozenset()


def protected_names(nb) -> dict[str, Binding]:
    """The names the notebook's read-only code cells bind, and every builtin."""
    names = {name: Binding("builtin", f"builtins.{name}") for name in dir(builtins) if not name.startswith("_")}
    for cell in nb.cells:
        if is_read_only_code(cell):
            names |= dict(_cell_bindings(cell.source))
    return names


# ---------------------------------------------------------------------------
# Static scan
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    cell: str
    line: int
    construct: str

    def text(self) -> str:
        return f"cell {self.cell}, line {self.line}: {self.construct}"


def _denied(path: str) -> bool:
    return any(path == p or path.startswith(p + ".") for p in DENIED_PATHS)


def _dotted(node) -> list[str] | None:
    """['a', 'b', 'c'] for the expression a.b.c; None when the chain does not start at a name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def _is_plain_relative_path(node) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and not node.value.startswith(("/", "~"))
        and ".." not in node.value.split("/")
    )


def _is_safe_attribute_name(node) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and not node.value.startswith("_")
        and node.value not in PROTECTED_ATTRIBUTES
        and node.value not in FRAME_ATTRIBUTES
    )


class _Scanner(ast.NodeVisitor):
    def __init__(self, protected: dict[str, Binding], aliases: dict[str, str]):
        self.protected = protected
        self.aliases = aliases  # name -> dotted module path, from every import of the notebook
        self.findings: list[tuple[int, str]] = []
        self.depth = 0  # 0 at top level, > 0 inside functions
        self.class_depth = 0
        self.allowed_calls: set[int] = set()  # ids of Name nodes already judged as the callee of a call

    def flag(self, node, text: str) -> None:
        self.findings.append((getattr(node, "lineno", 0), text))

    def resolve(self, parts: list[str]) -> str:
        head = self.aliases.get(parts[0], parts[0])
        return ".".join([head, *parts[1:]])

    # -- imports ------------------------------------------------------------
    def _check_module(self, node, module: str) -> None:
        root = module.lstrip(".").split(".")[0]
        if module.startswith("."):
            self.flag(node, f"relative import `{module}`")
        elif root in DENIED_MODULES or module in DENIED_MODULES or _denied(module):
            self.flag(node, f"imports `{module}`")
        elif any(part.startswith("_") for part in module.split(".")):
            self.flag(node, f"imports the private module `{module}`")

    def visit_Import(self, node):
        for alias in node.names:
            self._check_module(node, alias.name)
        self._check_rebinding_imports(node)

    def visit_ImportFrom(self, node):
        module = ("." * node.level) + (node.module or "")
        self._check_module(node, module)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if alias.name == "*":
                self.flag(node, f"`from {module} import *`")
            elif alias.name.startswith("_"):
                self.flag(node, f"imports the private name `{full}`")
            elif _denied(full) or alias.name in DENIED_MODULES:
                self.flag(node, f"imports `{full}`")
        self._check_rebinding_imports(node)

    def _check_rebinding_imports(self, node):
        if self.depth or self.class_depth:
            return
        for name, path in _import_targets(node).items():
            binding = self.protected.get(name)
            if binding and binding.kind in ("import", "def", "class", "builtin") and binding.target != path:
                self.flag(node, f"rebinds `{name}` (bound by the read-only cells) to `{path}`")

    # -- definitions ---------------------------------------------------------
    def _check_top_level_binding(self, node, name: str, what: str) -> None:
        binding = self.protected.get(name)
        if not self.depth and not self.class_depth and binding and binding.kind in ("import", "builtin"):
            source = "a builtin" if binding.kind == "builtin" else "imported by the read-only cells"
            self.flag(node, f"{what} `{name}`, {source}")

    def visit_FunctionDef(self, node):
        self._check_top_level_binding(node, node.name, "redefines")
        if self.class_depth and node.name.startswith("__") and node.name not in SAFE_DEFINED_DUNDERS:
            self.flag(node, f"defines the special method `{node.name}`")
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.visit(node.args)
        if node.returns:
            self.visit(node.returns)
        self.depth += 1
        saved, self.class_depth = self.class_depth, 0
        for statement in node.body:
            self.visit(statement)
        self.depth -= 1
        self.class_depth = saved

    def visit_AsyncFunctionDef(self, node):
        self.visit_FunctionDef(node)

    def visit_ClassDef(self, node):
        self._check_top_level_binding(node, node.name, "redefines")
        for base in node.bases:
            parts = _dotted(base)
            if parts and parts[-1] in SUSPICIOUS_BASES:
                self.flag(node, f"class `{node.name}` derives from `{'.'.join(parts)}`")
        for keyword in node.keywords:
            self.flag(node, f"class `{node.name}` sets `{keyword.arg}=`")
        for item in [*node.bases, *node.decorator_list]:
            self.visit(item)
        self.class_depth += 1
        for statement in node.body:
            self.visit(statement)
        self.class_depth -= 1

    def visit_Global(self, node):
        for name in node.names:
            if name in self.protected:
                self.flag(node, f"`global {name}`: rebinds a name of the read-only cells from a function")

    # -- names and attributes ------------------------------------------------
    def visit_Name(self, node):
        if node.id in FORBIDDEN_NAMES or HISTORY_NAME.match(node.id):
            self.flag(node, f"uses `{node.id}`")
        elif node.id in ("getattr", "hasattr", "open") and id(node) not in self.allowed_calls:
            self.flag(node, f"uses `{node.id}` other than with a fixed, harmless argument")
        if isinstance(node.ctx, ast.Store):
            self._check_top_level_binding(node, node.id, "assigns to")
        elif isinstance(node.ctx, ast.Del) and node.id in self.protected:
            self.flag(node, f"deletes `{node.id}`")

    def visit_Attribute(self, node):
        attr = node.attr
        parts = _dotted(node)
        if (
            attr.startswith("__")
            and attr.endswith("__")
            and (attr not in SAFE_DUNDERS or isinstance(node.ctx, ast.Store))
        ):
            self.flag(node, f"uses the special attribute `{attr}`")
        elif attr in FRAME_ATTRIBUTES:
            self.flag(node, f"uses `{attr}` (frames, tracebacks or code objects)")
        elif attr.startswith("_") and not attr.endswith("__") and not (parts and parts[0] in ("self", "cls")):
            self.flag(node, f"uses the private attribute `{attr}`")
        if parts:
            resolved = self.resolve(parts)
            root = resolved.split(".")[0]
            allowed = {"sys": SYS_ALLOWED, "os": OS_ALLOWED}.get(root)
            if _denied(resolved):
                self.flag(node, f"uses `{'.'.join(parts)}`")
            elif allowed and len(parts) >= 2 and parts[0] in self.aliases and parts[1] not in allowed:
                self.flag(node, f"uses `{'.'.join(parts[:2])}`")
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            base = parts[0] if parts else None
            binding = self.protected.get(base) if base else None
            if base in self.aliases or (binding and binding.kind in ("import", "def", "class", "builtin")):
                self.flag(node, f"assigns to `{'.'.join(parts)}`, an attribute of `{base}`")
            elif attr in PROTECTED_ATTRIBUTES:
                self.flag(node, f"assigns to an attribute named `{attr}` (a name of helpers or of torch's checks)")
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Name):
            name = func.id
            fixed_attribute = len(node.args) >= 2 and _is_safe_attribute_name(node.args[1])
            fixed_path = bool(node.args) and _is_plain_relative_path(node.args[0])
            if (name in ("getattr", "hasattr") and fixed_attribute) or (name == "open" and fixed_path):
                self.allowed_calls.add(id(func))
            elif name == "type" and len(node.args) == 3:
                self.flag(node, "creates a class with three-argument `type()`")
        self.generic_visit(node)


def _notebook_aliases(nb) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            aliases |= dict(_cell_aliases(cell.source))
    return aliases


def release_statements(release) -> frozenset[str]:
    """The top-level statements of the release's code cells (as `ast.dump`s): instructor code, also
    where it stands in a cell the student may edit (an optional exercise's scaffold)."""
    dumps: set[str] = set()
    for cell in release.cells if release is not None else []:
        if cell.get("cell_type") == "code":
            dumps |= _cell_statements(cell.source)
    return frozenset(dumps)


def scan(nb, release=None) -> list[Finding]:
    """Every construct of the student's cells that honest code does not need (statements copied
    unchanged from the release are instructor code and not scanned)."""
    protected = protected_names(nb)
    aliases = _notebook_aliases(nb)
    trusted = release_statements(release)
    findings = []
    for index, cell in enumerate(nb.cells):
        if not is_student_cell(cell):
            continue
        label = cell_label(cell, index)
        tree, magics = _parse(cell.source)
        findings += [Finding(label, line, text) for line, text in magics]
        if tree is None:
            continue  # a syntax error fails the student's own tests; nothing of it can run
        tree.body = [node for node in tree.body if ast.dump(node) not in trusted]
        scanner = _Scanner(protected, aliases)
        scanner.visit(tree)
        findings += [Finding(label, line, text) for line, text in sorted(set(scanner.findings))]
    return findings


# ---------------------------------------------------------------------------
# Verification run
# ---------------------------------------------------------------------------
def _kept(node, protected: dict[str, Binding]) -> bool:
    """Whether a top-level statement of a student cell runs in the verification run: imports,
    functions, classes and assignments to plain names, unless they bind a name of the read-only cells."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):  # kept unless it rebinds a protected name to something else
        return all(
            name not in protected or protected[name].target == path for name, path in _import_targets(node).items()
        )
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name not in protected
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = []
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    names.append(sub.id)
                elif not isinstance(sub, (ast.Tuple, ast.List, ast.Store)):
                    return False  # attribute, subscript or starred targets
        return bool(names) and not (set(names) & set(protected)) and node.value is not None
    return False


def definitions_only(source: str, protected: dict[str, Binding], trusted: frozenset[str] = frozenset()):
    """The cell's source reduced to the statements `_kept` keeps (and those copied unchanged from
    the release), and the dropped ones as (line, first line of code)."""
    tree, _ = _parse(source)
    if tree is None:
        return source, []  # unparsable: it fails the same way in both runs
    kept, removed = [], []
    for node in tree.body:
        if ast.dump(node) in trusted or _kept(node, protected):
            kept.append(ast.get_source_segment(source, node) or ast.unparse(node))
        else:
            removed.append((node.lineno, source.splitlines()[node.lineno - 1].strip()[:80]))
    return "\n\n".join(kept) + "\n", removed


def verification_notebook(nb, release=None):
    """The notebook of the verification run (outputs cleared, the student's cells reduced to their
    definitions) and the statements dropped, as (cell, line, first line of code); None when it would
    run the same student code as the full run."""
    protected = protected_names(nb)
    trusted = release_statements(release)
    copy = nbformat.from_dict(nb)
    dropped = []
    for index, cell in enumerate(copy.cells):
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if is_student_cell(cell):
                source = cell.source
                cell.source, removed = definitions_only(source, protected, trusted)
                dropped += [(cell_label(cell, index), line, text) for line, text in removed]
    return (copy, dropped) if dropped else None


# ---------------------------------------------------------------------------
# Files beside the notebook
# ---------------------------------------------------------------------------
def extra_files(folder: Path, release: Path, notebook: str) -> tuple[list[str], list[str]]:
    """What a submission folder holds beyond the release's files (the notebook included).

    Returns (extra paths, the suspicious ones among them: importable files and symbolic links),
    relative to the folder. Symbolic links are never followed; caches are not listed."""
    extra, suspicious = [], []
    for directory, subdirs, files in os.walk(folder, followlinks=False):
        here = Path(directory)
        subdirs[:] = [d for d in subdirs if d not in CACHES]
        for name in files + [d for d in list(subdirs) if (here / d).is_symlink()]:
            path = here / name
            relative = path.relative_to(folder).as_posix()
            expected = relative in (notebook, *NBGRADER_FILES) or (release / relative).is_file()
            if expected and not path.is_symlink():
                continue
            extra.append(relative)
            if path.is_symlink() or path.suffix in IMPORTABLE or name == "__init__.py":
                suspicious.append(relative)
    return sorted(extra), sorted(suspicious)


def quarantine(folder: Path, moved: list[str], dest: Path) -> None:
    """Move the listed files (and drop caches) out of folder into dest."""
    for relative in moved:
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(folder / relative), target)
    for directory, _, _ in os.walk(folder, topdown=False, followlinks=False):
        here = Path(directory)
        if here.name in CACHES and not here.is_symlink():
            shutil.rmtree(here, ignore_errors=True)
        elif here != folder and not any(here.iterdir()):
            here.rmdir()
