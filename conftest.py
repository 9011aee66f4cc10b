"""pytest's options for the whole repository (tests/ and, through nbval, solutions/ and extras/).

`pytest --assignments 02_recurrence,03_samplers` limits the release, grading and browser tests and the
notebooks that nbval runs to some assignments (a quick loop while writing one); an extra's name
(`--assignments going_fast`) chooses that optional notebook.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent

# One thread per PyTorch process while testing: the suite keeps both cores busy (two pytest workers, and
# grading shards, nbval's and JupyterLab's kernels inside them), and a second OpenMP thread on a busy core
# spins instead of working. Measured on the 2-core machine with one core kept busy: nbval of 05_clipping
# takes 66 s with PyTorch's default two threads, 14.7 s with one (idle: 12.6 s and 14.8 s). Every process
# the tests start (kernels, nbgrader, JupyterLab and its kernels) inherits it; grading kernels always
# run with one thread (tools/grade.py, the rnn-grading kernelspec). Set OMP_NUM_THREADS yourself to override.
os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_addoption(parser):
    parser.addoption(
        "--assignments",
        default="",
        help="comma-separated assignments (or extras) for the release, grading, browser and notebook tests "
        "(default: all)",
    )


def pytest_configure(config):
    from tests.grading import nbgrader_run

    nbgrader_run.select([a for a in config.getoption("--assignments").split(",") if a])


def pytest_ignore_collect(collection_path, config):
    """Leave out the notebooks of assignments (and extras) not chosen with --assignments."""
    chosen = [a for a in config.getoption("--assignments").split(",") if a]
    path = Path(collection_path).resolve()  # a symlinked .venv resolves outside ROOT
    relative = path.relative_to(ROOT) if path.is_relative_to(ROOT) else None
    if chosen and relative is not None and len(relative.parts) >= 2 and relative.parts[0] in ("solutions", "extras"):
        return relative.parts[1] not in chosen
    return None


# tests/test_grading.py runs one grading run per assignment (785 s in all): its tests make one group per
# assignment (the assignment is their first parameter), so that the seven runs spread over both workers.
SPLIT_BY_ASSIGNMENT = "tests/test_grading.py"

# The longest groups, handed to the two xdist workers first, longest first (measured in one run of the whole
# suite on the 2-core machine, 2026-12-06: 03's grading 208 s, 05's 128 s, 06's 119 s, 01's 99 s, 02's 94 s,
# 07's 85 s, 04's 83 s; the JupyterLab tests, one file that shares one browser page, about 200 s).
SLOWEST = (
    "tests/test_grading.py[03_samplers]",
    "tests/browser/test_jupyterlab.py",
    "tests/test_grading.py[05_clipping]",
    "tests/test_grading.py[06_scratch_training]",
    "tests/test_grading.py[01_one_hot]",
    "tests/test_grading.py[02_recurrence]",
    "tests/test_grading.py[07_concise_rnn]",
    "tests/test_grading.py[04_perplexity]",
)


# Files that share a grading run (tests/conftest.py's class_01, a session fixture): one group, so one worker builds it.
SHARED_RUN = {"tests/test_grading_editions.py": "tests/test_grading_hostile.py"}


def group(nodeid: str) -> str:
    """The group of tests one xdist worker runs together: the test's file (a notebook's cells stay in one kernel,
    a module's fixtures are built once), or in SPLIT_BY_ASSIGNMENT the file and the assignment; the files of
    SHARED_RUN with the file that they share a grading run with."""
    path, _, name = nodeid.partition("::")
    path = SHARED_RUN.get(path, path)
    if path == SPLIT_BY_ASSIGNMENT and "[" in name:
        return f"{path}[{name.split('[', 1)[1].split('-')[0].rstrip(']')}]"
    return path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, with the groups of group() as its files. (Not `--dist loadgroup` and `xdist_group`
    marks: with pytest 9.2, xdist 3.8's loadgroup ignores them silently, pytest-xdist issue 1386.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class LoadFileByAssignmentScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return group(nodeid)

    return LoadFileByAssignmentScheduling(config, log)


class AfterNotebook(pytest.Item):
    """A check after nbval has run every cell of a notebook, on the outputs nbval kept; executes nothing."""

    failure = ""  # what the failure lists

    def ran_cells(self) -> list:
        """The notebook's code cells as nbval ran them (skips unless all ran, and without error)."""
        from nbval.plugin import IPyNbCell

        cells = [item for item in self.session.items if item.parent is self.parent and isinstance(item, IPyNbCell)]
        code = sum(cell.cell_type == "code" for cell in self.parent.nb.cells)
        if len(cells) < code or any(cell.test_outputs is None for cell in cells):
            pytest.skip("not every cell of the notebook ran in this session")
        if any(output.get("output_type") == "error" for cell in cells for output in cell.test_outputs):
            pytest.skip("a cell of the notebook failed (its own test says why)")
        return cells

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, NotebookCheckError):
            return f"{self.path.name}: {self.failure}:\n  " + "\n  ".join(excinfo.value.args[0])
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}: {self.name}"


class ProseNumbers(AfterNotebook):
    """The numbers a notebook's markdown quotes are timeless or printed by its cells (tests/prose.py)."""

    failure = "numbers in the prose that nothing prints"

    def runtest(self):
        from tests import prose

        outputs = [output for cell in self.ran_cells() for output in cell.test_outputs]
        language = os.environ.get("RNN_COURSE_LANG") or "en"  # the edition nbval ran (helpers.LANGUAGE_ENV)
        problems = prose.unaccounted(self.path.stem, self.parent.nb, prose.output_numbers(outputs), language)
        if problems:
            raise NotebookCheckError(problems)


class FiguresShown(AfterNotebook):
    """Every cell that promises a figure (tests/notebook_cells.py: `plt.show()`, a LivePlot) shows an image, and
    no cell writes an error or a warning to stderr: what the browser's Run All checked on every solution notebook,
    here on every notebook nbval runs. The browser tests run the notebooks whose pages only a browser can judge
    (tests/browser/test_jupyterlab.py: images decoded, live plots redrawn, widgets)."""

    failure = "outputs a student would miss or be alarmed by"

    def runtest(self):
        from tests import notebook_cells

        cells = notebook_cells.read_cells(self.path)
        code = [cell for cell in cells if cell.cell_type == "code"]
        shown = {cell.index: item.test_outputs for cell, item in zip(code, self.ran_cells(), strict=True)}
        problems = [
            f"{cell.name} promises a figure but shows no image"
            for cell in code
            if cell.promises_figure
            and not any(m.startswith("image/") for o in shown[cell.index] for m in o.get("data", {}))
        ]
        saved = {"cells": [{"outputs": shown.get(cell.index, [])} for cell in cells]}
        problems += [
            f"{cells[index].name} prints to stderr: {text}"
            for index, text in notebook_cells.saved_warnings(saved).items()
        ]
        if problems:
            raise NotebookCheckError(problems)


class NotebookCheckError(Exception):
    pass


def _add_prose_checks(items):
    """The checks after nbval (ProseNumbers, FiguresShown) after the last cell of every notebook whose cells
    were all collected."""
    from nbval.plugin import IPyNbCell

    cells: dict = {}
    for item in items:
        if isinstance(item, IPyNbCell):
            cells.setdefault(item.parent, []).append(item)
    for notebook, collected in cells.items():
        if len(collected) == sum(cell.cell_type == "code" for cell in notebook.nb.cells):
            checks = [ProseNumbers.from_parent(notebook, name="prose numbers")]
            checks.append(FiguresShown.from_parent(notebook, name="figures and stderr"))
            position = items.index(collected[-1]) + 1
            items[position:position] = checks


def pytest_collection_modifyitems(config, items):
    """Longest groups first, so that the two workers finish together (`--dist loadfile` hands out whole
    groups, group(), in this order; `--no-loadscope-reorder` keeps it): the slowest (SLOWEST), then the other
    end-to-end files (grading, browser), then the rest, each by number of tests. xdist's own order (by number of tests)
    scheduled the three-test PostgreSQL file (130 s) last: the second core idled at the end."""
    for item in items:  # the scheduler sees node ids only: each test of the split file names its assignment first
        if item.nodeid.startswith(f"{SPLIT_BY_ASSIGNMENT}::"):
            assignment = getattr(item, "callspec", None) and item.callspec.params.get("assignment")
            if group(item.nodeid) != f"{SPLIT_BY_ASSIGNMENT}[{assignment}]":
                raise pytest.UsageError(f"{item.nodeid}: not grouped by its assignment (conftest.py, group())")
    counts: dict[str, int] = {}
    for item in items:
        counts[group(item.nodeid)] = counts.get(group(item.nodeid), 0) + 1

    def rank(item) -> tuple:
        name = group(item.nodeid)
        slow = SLOWEST.index(name) if name in SLOWEST else len(SLOWEST)
        other = not any(item.get_closest_marker(marker) for marker in ("grading", "browser"))
        return (slow, other, -counts[name], name)

    _add_prose_checks(items)
    items.sort(key=rank)  # stable: each group keeps its own order
