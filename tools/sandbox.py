"""The sandbox of grading kernels: every notebook nbgrader autogrades runs in a
bubblewrap (`bwrap`) container.

Inside it, student code sees

* a private, writable copy of its own submission folder, at the folder's real
  path (the kernel's working directory), and a private `/tmp`;
* read-only: `/usr` (system programs and libraries), a few files of `/etc`
  (the dynamic loader's cache, fonts, time zone), the Python installation,
  the course's virtual environment and matplotlib's list of those fonts
  (`font_list`, built once outside);
* nothing else: not the course root (`solutions/`, `autograder/`, `.git`,
  other students), not the instructor's home, no network (its own network
  namespace), no other process (its own PID namespace: whatever the notebook
  starts dies with its kernel), no environment variable but the few a kernel
  needs.

The kernel talks to nbgrader over ZeroMQ `ipc` sockets (Unix sockets in a
private per-kernel folder bound into the sandbox): TCP cannot cross a network
namespace. The resource limits of the `rnn-grading` kernelspec (`prlimit`:
memory, CPU time, processes; one BLAS thread) apply inside.

nbgrader_config.py plugs `GradingExecute` into nbgrader's autograde, so
`tools.grade`, `nbgrader autograde` and Formgrader all grade in the sandbox.
`--SandboxKernelManager.sandbox=False` (what `tools.grade --unsafe` passes)
grades without it.

    python -m tools.sandbox check      # is the sandbox usable here? (exit 1 with the reason)
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute
from traitlets import Bool, Enum, Unicode

from tools import checker, i18n, judge, toolbox
from tools.layout import ROOT, Course, is_answer_cell, is_test_cell, nbgrader

#: What a grading kernel may read besides /usr, Python and the virtual environment.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "fonts", "localtime", "alternatives")
#: The only environment variables passed on to a sandboxed kernel (besides the kernelspec's own).
PASSED_ENV = ("NBGRADER_EXECUTION", "LANG", "LC_ALL", i18n.LANGUAGE_ENV)  # the last: the edition (GradingExecute)
#: Every variable a sandboxed grading kernel may see: ours (`command`), the kernelspec's, and those
#: ipykernel and IPython set for themselves (checked by `make grade-selftest`).
KERNEL_ENVIRONMENT = frozenset(
    ["PATH", "HOME", "USER", "LOGNAME", "LC_ALL", "LANG", "PYTHONNOUSERSITE", "MPLCONFIGDIR", "PWD"]
    + ["NBGRADER_EXECUTION", i18n.LANGUAGE_ENV, "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MPLBACKEND", "JPY_SESSION_NAME"]
    + ["TERM", "CLICOLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "PAGER", "GIT_PAGER", "PYDEVD_USE_FRAME_EVAL"]
)


class SandboxUnavailableError(RuntimeError):
    """bubblewrap is missing or cannot create namespaces on this machine."""


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@functools.cache
def problem() -> str | None:
    """Why the sandbox cannot be used here, or None when it works (probed once per process)."""
    bwrap = bwrap_path()
    if bwrap is None:
        return (
            "bubblewrap (bwrap) is not installed: run `make sandbox` (Debian package bubblewrap; "
            "needs root) or grade with --unsafe"
        )
    probe = command([sys.executable, "-c", "import torch, ipykernel"], workdir=None, env={})
    try:
        proc = subprocess.run(probe, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap could not start a sandbox: {error}"
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        return f"bwrap could not start a sandbox ({detail}); grade with --unsafe only on a trusted machine"
    return None


def _system_binds() -> list[str]:
    args = []
    for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ETC_FILES:
        path = Path("/etc") / name
        if path.exists():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _python_binds() -> list[str]:
    """The Python installation and the virtual environment, read-only: each at its own path and, when
    that path is a link (a `.venv` linked to an environment elsewhere), at the path it resolves to."""
    args = []
    prefixes = {sys.base_prefix, sys.prefix, sys.exec_prefix, sys.base_exec_prefix}
    for prefix in sorted(prefixes | {str(Path(p).resolve()) for p in prefixes}):
        if not prefix.startswith("/usr/"):
            args += ["--ro-bind", prefix, prefix]
    return args


def python_executable() -> str:
    """This environment's Python, its environment folder resolved: the path a kernelspec names, which
    every process of the course (this one, nbgrader's, whose script names the resolved path) can bind
    into a sandbox."""
    executable = Path(sys.executable)
    if sys.prefix != sys.base_prefix and executable.parent.parent == Path(sys.prefix):
        return str(Path(sys.prefix).resolve() / executable.parent.name / executable.name)
    return sys.executable


def command(
    inner: list[str],
    workdir: Path | None,
    env: dict[str, str],
    private: Path | None = None,
    scratch: Path | None = None,
    fonts: Path | None = None,
    read_only: list[Path] = (),
) -> list[str]:
    """The bwrap command line that runs `inner` in the sandbox.

    `scratch` (a private copy of the submission folder) is mounted read-write at
    `workdir`, the kernel's working directory; `private` (the kernel's
    connection file and ipc sockets) read-write at its own path; `fonts`
    (matplotlib's font list, `font_list()`) read-only in matplotlib's cache folder; `read_only` (the
    checker's code and the course's releases: tools/checker.py) read-only at their own paths."""
    bwrap = bwrap_path()
    if bwrap is None:
        raise SandboxUnavailableError(problem())
    args = [
        bwrap,
        "--unshare-all",  # user, ipc, pid, net, uts, cgroup namespaces
        "--die-with-parent",
        "--cap-drop",
        "ALL",
        "--hostname",
        "grading-sandbox",
        # /tmp first: the mounts below may lie under it (a course or a virtual environment in /tmp)
        "--tmpfs",
        "/tmp",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        *_system_binds(),
        *_python_binds(),
    ]
    if private is not None:
        args += ["--bind", str(private), str(private)]
    if workdir is not None:
        args += ["--bind", str(scratch or workdir), str(workdir), "--chdir", str(workdir)]
    # the folders bwrap created to hold those mounts (e.g. the course root, holding only the way to the
    # submission) become read-only; /tmp and the working copy stay writable
    if fonts is not None:
        args += ["--ro-bind", str(fonts), f"{MPLCONFIGDIR}/{fonts.name}"]
    for path in read_only:
        args += ["--ro-bind", str(path), str(path)]
    args += ["--remount-ro", "/", "--clearenv"]
    base = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": "/tmp",
        "USER": "student",
        "LOGNAME": "student",
        "LC_ALL": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "MPLCONFIGDIR": MPLCONFIGDIR,
    }
    for key, value in (base | env).items():
        args += ["--setenv", key, value]
    return [*args, "--", *inner]


#: matplotlib's configuration and cache folder inside the sandbox (in its private /tmp).
MPLCONFIGDIR = "/tmp/matplotlib"


#: Where the fonts matplotlib lists come from (besides its own): fontconfig's folders and configuration.
FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "/etc/fonts")


@functools.cache
def font_list() -> Path | None:
    """matplotlib's list of the system's fonts (`fontlist-v*.json`), bound read-only into every sandbox.

    Each kernel would otherwise build it again on `import matplotlib.pyplot` (its cache folder is in
    the sandbox's empty /tmp): 0.3 s of every graded notebook (pyplot's import took 0.77-0.99 s in the
    sandbox, 0.45-0.72 s with the list bound). It is built outside the sandbox from the fonts the
    sandbox sees (/usr, /etc/fonts; no home folder) and kept under the grader's private folder, named
    by a digest of matplotlib's version and of every font file: a list older than the fonts would make
    matplotlib rebuild it and warn on stderr that it cannot save it. None if it cannot be built:
    kernels then build their own, as before."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"{sys.prefix} {version('matplotlib')}".encode())
    for folder in FONT_FOLDERS:
        for path in sorted(Path(folder).rglob("*")) if Path(folder).is_dir() else []:
            with contextlib.suppress(OSError):
                stat = path.stat()
                digest.update(f"{path} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    home = _private_root() / f"fonts-{digest.hexdigest()[:16]}"
    found = sorted(home.glob("fontlist-v*.json"))
    if found:
        return found[-1]
    with tempfile.TemporaryDirectory(prefix="fonts-", dir=_private_root()) as tmp:
        env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "MPLCONFIGDIR": tmp, "LC_ALL": "C.UTF-8"}
        try:
            build = [sys.executable, "-c", "import matplotlib.font_manager"]
            subprocess.run(build, env=env, capture_output=True, timeout=120, check=True)
            built = next(Path(tmp).glob("fontlist-v*.json"))
            home.mkdir(exist_ok=True)
            os.replace(built, home / built.name)  # atomic: another grading process may build it too
        except (OSError, subprocess.SubprocessError, StopIteration):
            return None
    return home / built.name


def _private_root() -> Path:
    root = Path(tempfile.gettempdir()) / f"rnn-grading-{os.getuid()}"
    root.mkdir(mode=0o700, exist_ok=True)
    os.chmod(root, 0o700)
    return root


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts every kernel in its own bubblewrap sandbox,
    over ipc sockets in a folder of its own, and records the processes a
    notebook leaves running (they die with the sandbox)."""

    sandbox = Bool(True, help="Run the kernel in a bubblewrap sandbox (False: only the kernelspec's limits)").tag(
        config=True
    )
    events_file = Unicode(
        "", help="Append one JSON line per kernel with leftover processes (tools.grade reads it)"
    ).tag(config=True)

    _private: Path | None = None
    _scratch: Path | None = None

    async def _async_pre_start_kernel(self, **kw):
        if self.sandbox:
            if bwrap_path() is None:
                raise SandboxUnavailableError(problem())
            self._private = Path(tempfile.mkdtemp(prefix="kernel-", dir=_private_root()))
            self.transport = "ipc"
            self.connection_file = str(self._private / "kernel.json")
            self.ip = str(self._private / "ipc")
            cwd = kw.get("cwd")
            if cwd:
                self._scratch = Path(tempfile.mkdtemp(prefix="work-", dir=_private_root()))
                # the notebook files stay out: the one being graded holds the hidden tests
                ignore = shutil.ignore_patterns("*.ipynb", ".ipynb_checkpoints")
                shutil.copytree(cwd, self._scratch, symlinks=True, dirs_exist_ok=True, ignore=ignore)
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self.sandbox:
            return cmd
        env = {k: v for k, v in os.environ.items() if k in PASSED_ENV}
        env |= dict(self.kernel_spec.env or {}) if self.kernel_spec else {}
        cwd = self._launch_args.get("cwd")
        workdir = Path(cwd) if cwd else None
        sandboxed = command(cmd, workdir, env, private=self._private, scratch=self._scratch, fonts=font_list())
        # jupyter_client interrupts a kernel with SIGINT to its process group: bwrap must survive it
        # (an ignored signal stays ignored across exec; ipykernel handles SIGINT itself while it runs a cell).
        # `env -i`: bwrap itself (and so the sandbox's process 1, whose /proc/1/environ student code can read)
        # starts with an empty environment; the kernel's few variables are bwrap's --setenv arguments.
        return ["/usr/bin/env", "-i", "/bin/sh", "-c", 'trap "" INT; exec "$@"', "sh", *sandboxed]

    def _sandbox_processes(self) -> list[int]:
        """Processes inside this kernel's sandbox other than its init and the kernel itself."""
        outer = getattr(self.provisioner, "pid", None)
        if not self.sandbox or outer is None:
            return []
        init = [p for p in _children(outer)]
        if not init:
            return []
        try:
            namespace = os.readlink(f"/proc/{init[0]}/ns/pid")
        except OSError:
            return []
        kernel = set(_children(init[0])[:1])
        found = []
        for proc in Path("/proc").glob("[0-9]*"):
            pid = int(proc.name)
            if pid in kernel or pid == init[0]:
                continue
            try:
                if os.readlink(proc / "ns" / "pid") == namespace:
                    found.append(pid)
            except OSError:
                continue
        return found

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False):
        left = self._sandbox_processes()
        if left and self.events_file:
            cwd = self._launch_args.get("cwd") if isinstance(self._launch_args, dict) else None
            with open(self.events_file, "a") as out:
                out.write(json.dumps({"cwd": str(cwd), "leftover_processes": len(left)}) + "\n")
        return await super()._async_shutdown_kernel(now=now, restart=restart)

    async def _async_cleanup_resources(self, restart: bool = False):
        await super()._async_cleanup_resources(restart=restart)
        for path in (self._private, self._scratch):
            if path is not None:
                shutil.rmtree(path, ignore_errors=True)
        self._private = self._scratch = None

    # AsyncKernelManager binds these public names to the base class's coroutines: rebind them to ours.
    shutdown_kernel = _async_shutdown_kernel
    cleanup_resources = _async_cleanup_resources


def _children(pid: int) -> list[int]:
    """Child processes of pid, oldest first."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append((int(fields[19]), int(stat.parent.name)))  # start time, pid
    return [p for _, p in sorted(kids)]


#: The output of a cell GradingExecute does not run (after the notebook's last graded cell).
NOT_RUN_WHILE_GRADING = (
    "Not run while grading: no graded cell comes after this one, so it cannot change a grade "
    "(it runs as usual in JupyterLab)."
)


class GradingExecute(Execute):
    """nbgrader's Execute preprocessor for grading: every kernel starts in the
    sandbox (SandboxKernelManager); what a cell writes to stderr is shown as
    a visible "stderr" block (it costs no points) and a cell keeps at most
    1 MB of output: tools/judge.py, where the rule that scores a test cell is.

    The cells after the notebook's last graded cell (answer or test cell) are not run: no test can
    see what they do, so they cannot change a grade, and they are where the notebooks train their
    demonstration models (tools.grade's checks put deleted and moved graded cells back first, so a
    student cannot move that boundary). The kernel is stopped at once when the notebook is done:
    nothing it would still do on a graceful shutdown counts."""

    shutdown_kernel = Enum(["graceful", "immediate"], default_value="immediate").tag(config=True)
    timings_file = Unicode(
        "", help="Append one JSON line per notebook: where its grading time went (tools.grade, make bench)"
    ).tag(config=True)

    checker = Bool(
        checker.enabled(),
        help="Judge the test cells of the assignments in tools.checker.JUDGED in the checker process "
        "(default: on unless RNN_COURSE_CHECKER=0)",
    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        self._last_graded = last_graded_index(nb)
        self._cells: list[tuple[float, float]] = []  # (start, end) of every code cell run
        self._language = self._edition(nb, resources)
        self._plan = self._checker_plan(nb, resources)
        self._session: checker.Session | None = None
        self._bridged = False
        self._checker_failed = ""
        self._student_names: set[str] = set()  # bound by the student's cells since the checker last ran
        start = time.perf_counter()
        outer = os.environ.get(i18n.LANGUAGE_ENV)
        os.environ[i18n.LANGUAGE_ENV] = self._language  # the kernel's (PASSED_ENV), started in super().preprocess
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if outer is None:
                os.environ.pop(i18n.LANGUAGE_ENV, None)
            else:
                os.environ[i18n.LANGUAGE_ENV] = outer
            if self._session is not None:
                self._session.close()
            self._write_timing(resources, start, time.perf_counter())

    def _edition(self, nb, resources) -> str:
        """The language of the messages while grading this notebook: its edition's (tools/i18n.py; the
        checks before grading keep the mark), in the kernel and in the checker alike. The kernel's helpers.py
        reads the course's catalogue, installed here into the notebook's folder (whatever the student's
        folder held was set aside by the checks): RNN_COURSE_LANG, which PASSED_ENV lets through, says which.
        It holds this assignment's test texts only (the student's code can read it: no other assignment's)."""
        assignment = ((resources or {}).get("nbgrader") or {}).get("assignment")
        language = i18n.edition(nb, assignment)
        folder = ((resources or {}).get("metadata") or {}).get("path")
        if folder and language != i18n.SOURCE_LANGUAGE:
            i18n.install_catalogue(Path(folder), language, assignment=assignment, hidden=True)  # its own tests
            if assignment:  # the code the notebook lists from toolbox.py (05), its docstrings in that language too
                toolbox.install_edition(Path(folder), assignment, language)
        return language

    def _checker_plan(self, nb, resources) -> dict | None:
        """Which cells the checker runs (judged test cells, fixture cells), or None: no checker for this
        notebook (an assignment not in checker.JUDGED, no assignment: `python -m tools.sandbox run`, the
        verification run, the kernel probe; the switch off). Only cells with a grade_id count as test or
        read-only cells: autograde has put their source back from the gradebook (a cell a student made up
        with nbgrader metadata has lost its grade_id: it is the student's)."""
        assignment = ((resources or {}).get("nbgrader") or {}).get("assignment")
        if not self.checker or assignment not in checker.JUDGED:
            return None
        tests, read_only, student = set(), [], {}
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or index > self._last_graded:
                continue
            trusted = bool(nbgrader(cell).get("grade_id"))
            if trusted and is_test_cell(cell):
                if not checker.in_kernel(cell.source, assignment, nbgrader(cell).get("grade_id")):
                    tests.add(index)
            elif trusted and nbgrader(cell).get("locked") and not is_answer_cell(cell):
                read_only.append((index, cell.source))
            else:  # answer cells, cells the student added
                student[index] = checker.bound_names(cell.source)
        if not tests:
            return None
        fixtures = checker.fixture_cells(read_only, [nb.cells[i].source for i in sorted(tests)])
        folder = Course(ROOT).release_folder(assignment)
        if not (folder / "helpers.py").is_file():  # `nbgrader autograde` before `make grade` synced the release
            self.log.warning("no release in %s: the test cells run in the kernel (run make grade)", folder)
            return None
        return {"tests": tests, "fixtures": fixtures, "student": student, "folder": folder}

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and index > self._last_graded:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=NOT_RUN_WHILE_GRADING + "\n")]
            cell.execution_count = None
            return cell, resources
        begun = time.perf_counter()
        plan = self._plan if cell.cell_type == "code" else None
        if plan and not self._cells:  # the first code cell: the zygote's imports run beside the kernel's
            checker.Zygote.start(ROOT, unsafe=not getattr(self.km, "sandbox", True))
        try:
            if plan and index in plan["tests"]:
                cell.outputs = self._judge(cell, index)
                cell.execution_count = len(self._cells) + 1  # it ran (in the checker): the code cells run so far
            else:
                cell, resources = super().preprocess_cell(cell, resources, index)
                if plan and index in plan["student"]:
                    self._student_names |= plan["student"][index]
                if plan and index in plan["fixtures"]:
                    self._in_checker(cell.source, index, fixture=True)  # its outputs: the kernel's
        finally:
            if cell.cell_type == "code":
                self._cells.append((begun, time.perf_counter()))
        if cell.cell_type == "code":  # what is kept of a cell's outputs, and how stderr is shown: tools/judge.py
            cell.outputs, _ = judge.cap_outputs([judge.stderr_as_display(output) for output in cell.outputs])
        return cell, resources

    # -- the checker -------------------------------------------------------------------------------
    def _in_checker(self, source: str, index: int, fixture: bool) -> list[dict]:
        """Run a cell in this notebook's checker; the student's calls it makes run in the kernel.
        Returns the outputs: the student's (prints during the calls) and the checker's."""
        served: list[dict] = []
        names, self._student_names = sorted(self._student_names), set()
        if self._session is None and not self._checker_failed:  # a zygote that cannot start stops grading
            zygote = checker.Zygote.get(ROOT, unsafe=not getattr(self.km, "sandbox", True))
        try:
            if self._checker_failed:  # its fixtures are gone with it: no later cell of this notebook is judged
                raise EOFError(self._checker_failed)
            if self._session is None:
                env = {i18n.LANGUAGE_ENV: self._language}  # the grading release has every edition's catalogue
                self._session = checker.Session(zygote, self._plan["folder"], 2 * (self.timeout or 600), env)
            serve = lambda path: self._serve(path, index, served)  # noqa: E731
            folder = getattr(self.km, "_private", None) or _private_root()
            outputs = self._session.run(source, f"cell {index}", names, fixture, serve, folder)
        except (OSError, EOFError, ValueError) as error:  # the checker died or hung (a dead kernel propagates)
            self._checker_failed = self._checker_failed or f"{type(error).__name__}: {error}"
            error_output = {"output_type": "error", "ename": checker.CHECKER_ERROR, "evalue": self._checker_failed}
            outputs = [error_output | {"traceback": [self._checker_failed]}]
        errors = [o for o in served if o.get("output_type") == "error"]
        timeout = next((o for o in errors if o.get("ename") in judge.TIMEOUT_ERRORS), None)
        if timeout is not None:  # the cell ran past the time limit: that is its outcome, as in the kernel
            outputs = [o for o in outputs if o.get("output_type") != "error"] + [dict(timeout)]
        return [o for o in served if o.get("output_type") != "error"] + outputs

    def _judge(self, cell, index: int) -> list:
        """A judged test cell's outputs: what the student's functions printed, then the checker's."""
        outputs = self._in_checker(cell.source, index, fixture=False)
        return [nbformat.from_dict(output) for output in outputs]

    def _serve(self, path: str, index: int, served: list) -> None:
        """The kernel's side of a cell in the checker, from its first call of the student's code to its end:
        one kernel cell, the serve loop of checker.BRIDGE, connected to `path`; the checker talks to it
        directly (calls, answers, reverse calls: tools/reverse.py), this process only hands over the socket.
        The cell timeout applies to that kernel cell, so to the rest of the test cell, as to a test cell run
        in the kernel: a timeout interrupts the kernel, the checker hears the link's end and the test cell's
        outcome is the timeout (`_in_checker`); a dead kernel stops the notebook as any cell does."""
        cell = self.nb.cells[index]
        try:
            if not self._bridged:
                self.execute_cell(nbformat.v4.new_code_cell(checker.BRIDGE), index, store_history=False)
                self._bridged = True
            source = f"__rnn_course_serve__({path!r})"
            tmp = self.execute_cell(nbformat.v4.new_code_cell(source), index, store_history=False)
        finally:  # nbclient stores the cell it ran at its index: the notebook's cell goes back there
            self.nb.cells[index] = cell
        served += tmp.outputs

    def _write_timing(self, resources, start: float, end: float) -> None:
        """One notebook's time split: the kernel's start (until its first cell can run), the setup
        cell (the first code cell: torch's import), the other cells, the kernel's stop."""
        if not self.timings_file or not self._cells:
            return
        path = ((resources or {}).get("metadata") or {}).get("path", "")
        timing = {
            "cwd": str(path),
            "kernel_start": self._cells[0][0] - start,
            "setup_cell": self._cells[0][1] - self._cells[0][0],
            "other_cells": sum(e - b for b, e in self._cells[1:]),
            "shutdown": end - self._cells[-1][1],
        }
        with open(self.timings_file, "a") as out:
            out.write(json.dumps(timing) + "\n")


def last_graded_index(nb) -> int:
    """The index of the notebook's last answer or test cell (-1 when it has none)."""
    graded = [i for i, cell in enumerate(nb.cells) if is_answer_cell(cell) or is_test_cell(cell)]
    return max(graded, default=-1)


def execute(nb, cwd: Path, root: Path, kernel_name: str, timeout: int | None = None, unsafe: bool = False):
    """Run a notebook as nbgrader's autograde does (the course's nbgrader_config.py, GradingExecute,
    NBGRADER_EXECUTION=autograde), in `cwd`; returns the executed notebook."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.Execute.kernel_name = kernel_name
    config.SandboxKernelManager.sandbox = not unsafe
    if timeout:
        config.Execute.timeout = timeout
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    executor = GradingExecute(config=config)
    executor.log.setLevel("ERROR")
    nb, _ = executor.preprocess(nb, {"metadata": {"path": str(cwd)}})
    return nb


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tools.sandbox", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="is the sandbox usable here? (exit status 1 with the reason)")
    run = sub.add_parser("run", help="execute a notebook as autograde does (used by tools.grade)")
    run.add_argument("notebook", type=Path)
    run.add_argument("output", type=Path)
    run.add_argument("--cwd", type=Path, required=True)
    run.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    run.add_argument("--kernel", default="python3")
    run.add_argument("--timeout", type=int)
    run.add_argument("--unsafe", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "check":
        reason = problem()
        print(reason or "sandbox: bubblewrap works here")
        return 1 if reason else 0
    nb = nbformat.read(args.notebook, as_version=4)
    nb = execute(nb, args.cwd, args.root, args.kernel, args.timeout, args.unsafe)
    nbformat.write(nb, args.output)
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(main())
