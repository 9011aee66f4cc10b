"""Benchmarks of the course: training-step speeds, notebook wall times, grading time.

    python -m tools.bench                 # everything (a few minutes)
    python -m tools.bench --only steps    # steps | notebooks | grading | throughput | server | checker
    python -m tools.bench --threads 1     # torch threads of the step benchmark (default: 1 and 2)

1. **Training steps** at D2L's settings (batch 32, 35 steps, 28 tokens; 512 hidden units for the
   scratch models, 256 for the concise one), in tokens per second (median of interleaved rounds, with
   one and with two threads), each next to the raw `nn.RNN` forward + backward kernel at the same
   shapes (ratio = step / kernel): D2L's autograd scratch step (one-hot inputs, output layer inside the
   time loop), the course's scratch steps (06's row lookup with autograd; 05's step on the student's
   `rnn_backward` and the optional notebook's `train_epoch_bptt` (extras/going_fast), both executed from
   the notebooks' read-only cells), and 07's concise `nn.RNN` step at 512 and 256 hidden units. The last
   line compares the fastest course scratch step with the goals of GOALS.
2. **Notebook wall times**: every solution notebook executed start to finish by nbconvert, hidden tests
   included, as CI's nbval run does (not grading: the demos train at their default length).
3. **Grading time**: one student who submits the reference solution of every assignment, graded by
   `tools.grade` on a throw-away copy of the course, assignment by assignment, in the sandbox and with
   `--unsafe` (alternating which goes first): the cost of the sandbox.
4. **Grading throughput**: a class of `--submissions` reference submissions of 01_one_hot graded by
   `tools.grade` with 1 and with 2 local workers and on a loopback Dask cluster of 2 one-thread workers
   (tools/cluster.py; after a warm-up in which each worker makes its scratch course), in submissions
   per minute, the median of interleaved rounds, beside this machine's own ceiling for two CPU-bound
   processes (a virtual machine's two CPUs may not do twice the work of one); then where one
   submission's time goes: kernel start, imports (the setup cell), the other cells (timed by
   nbclient's hooks in a run of the grading kernel), gradebook writes (timed by the cluster's
   coordinator), and the rest.
5. **One student's server on the hub** (root, cgroup v1: as the hub's spawner, tools/hub.py): the memory
   of a JupyterLab server with the students' configuration and of a kernel it starts, in a cgroup of
   their own, while 06's and then 07's solution notebook runs in that kernel to the end; the kernel's
   CPU time. The README's capacity table comes from it.

6. **The checker's cost** (tools/checker.py): a class of `--submissions` reference submissions of each
   judged assignment (`--assignments`, default 01 and 03) graded by `tools.grade` (one worker) with the
   checker and without it (RNN_COURSE_CHECKER=0), alternating which goes first, in seconds per submission.

Numbers depend on the machine and on its load: run it on an idle machine.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from tools.layout import Course  # noqa: E402 -- after the path is set

BATCH, STEPS, VOCAB = 32, 35, 28
SCRATCH_HIDDENS, CONCISE_HIDDENS = 512, 256


# --------------------------------------------------------------------------
# 1. Training steps
# --------------------------------------------------------------------------


def _batch(torch, generator):
    X = torch.randint(0, VOCAB, (BATCH, STEPS), generator=generator)
    Y = torch.randint(0, VOCAB, (BATCH, STEPS), generator=generator)
    return X, Y


def _scratch_params(torch, num_hiddens):
    def normal(*shape):
        return (torch.randn(*shape) * 0.01).requires_grad_(True)

    return [
        normal(VOCAB, num_hiddens),
        normal(num_hiddens, num_hiddens),
        torch.zeros(num_hiddens, requires_grad=True),
        normal(num_hiddens, VOCAB),
        torch.zeros(VOCAB, requires_grad=True),
    ]


def _sgd(torch, params, lr=1.0):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad


def step_d2l_scratch(torch, F, X, Y, num_hiddens):
    """D2L's scratch training step: one-hot inputs, the output layer inside the time loop, autograd."""
    params = _scratch_params(torch, num_hiddens)

    def step():
        W_xh, W_hh, b_h, W_hq, b_q = params
        H = torch.zeros(BATCH, num_hiddens)
        outputs = []
        for X_t in F.one_hot(X.T, VOCAB).float():
            H = torch.tanh(X_t @ W_xh + H @ W_hh + b_h)
            outputs.append(H @ W_hq + b_q)
        loss = F.cross_entropy(torch.cat(outputs), Y.T.reshape(-1))
        for param in params:
            param.grad = None
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        _sgd(torch, params)

    return step


def step_lookup_scratch(torch, F, X, Y, num_hiddens):
    """06's scratch step: input projection as a row lookup, output layer once for all steps, autograd."""
    params = _scratch_params(torch, num_hiddens)

    def step():
        W_xh, W_hh, b_h, W_hq, b_q = params
        H = torch.zeros(BATCH, num_hiddens)
        hiddens = []
        for XW_t in W_xh[X.T] + b_h:
            H = torch.tanh(XW_t + H @ W_hh)
            hiddens.append(H)
        loss = F.cross_entropy(torch.cat(hiddens) @ W_hq + b_q, Y.T.reshape(-1))
        for param in params:
            param.grad = None
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        _sgd(torch, params)

    return step


def _notebook_definitions(assignment: str, cell_ids: tuple[str, ...], folder: str = "solutions") -> dict | None:
    """The definitions of a notebook's cells (see nbgrader_run.notebook_definitions), or None with a
    message when the notebook changed: the bench reports, it does not fail."""
    from tests.grading.nbgrader_run import notebook_definitions

    try:
        return notebook_definitions(assignment, cell_ids, folder=ROOT / folder)
    except Exception as error:  # whatever changed in the notebook
        print(f"  ({assignment}'s cells unavailable: {type(error).__name__}: {error})")
        return None


def step_bptt_from_05(torch, F, X, Y, num_hiddens):
    """05's training step on the student's `rnn_backward` (`step_your_bptt` of the solution notebook)."""
    cells = ("setup", "model", "rnn-states", "rnn_backward", "grad_clipping", "train-tools", "timing")
    namespace = _notebook_definitions("05_clipping", cells)
    if namespace is None or "step_your_bptt" not in namespace:
        return None
    params = [param.detach() for param in _scratch_params(torch, num_hiddens)]  # no autograd: plain tensors
    namespace["vocab_size"] = VOCAB
    return lambda: namespace["step_your_bptt"](params, X, Y)


def step_bptt_from_going_fast(torch, F, X, Y, num_hiddens):
    """extras/going_fast's `train_epoch_bptt` (hand-written BPTT for the lookup model) on one minibatch, SGD."""
    namespace = _notebook_definitions("going_fast", ("setup", "bptt-step"), folder="extras")
    if namespace is None or "train_epoch_bptt" not in namespace:
        return None
    net = namespace["RNNModelScratch"](VOCAB, num_hiddens)
    optimizer = torch.optim.SGD(net.parameters(), lr=1.0)
    return lambda: namespace["train_epoch_bptt"](net, [(X, Y)], None, optimizer, True, theta=1.0)


def step_concise(torch, F, X, Y, num_hiddens):
    """07's concise step: one-hot inputs, nn.RNN, nn.Linear on the outputs, autograd, SGD."""
    nn = torch.nn
    rnn, linear = nn.RNN(VOCAB, num_hiddens), nn.Linear(num_hiddens, VOCAB)
    params = [*rnn.parameters(), *linear.parameters()]
    optimizer = torch.optim.SGD(params, lr=1.0)

    def step():
        outputs, _ = rnn(F.one_hot(X.T, VOCAB).float(), torch.zeros(1, BATCH, num_hiddens))
        loss = F.cross_entropy(linear(outputs.reshape(-1, num_hiddens)), Y.T.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()

    return step


def kernel_nn_rnn(torch, F, X, Y, num_hiddens):
    """The raw nn.RNN forward + backward (sum of the outputs as the loss): no output layer, no update."""
    rnn = torch.nn.RNN(VOCAB, num_hiddens)
    inputs = F.one_hot(X.T, VOCAB).float()

    def step():
        for param in rnn.parameters():
            param.grad = None
        outputs, _ = rnn(inputs, torch.zeros(1, BATCH, num_hiddens))
        outputs.sum().backward()

    return step


D2L = "D2L scratch step (one-hot, autograd)"
CONCISE = "07 concise step (nn.RNN, autograd)"
STEP_ROWS = [  # (name, hidden units, maker, is one of the course's scratch steps)
    (D2L, SCRATCH_HIDDENS, step_d2l_scratch, False),
    ("06 scratch step (row lookup, autograd)", SCRATCH_HIDDENS, step_lookup_scratch, True),
    ("05 scratch step (your rnn_backward)", SCRATCH_HIDDENS, step_bptt_from_05, True),
    ("going_fast scratch step (hand-written BPTT)", SCRATCH_HIDDENS, step_bptt_from_going_fast, True),
    (CONCISE, SCRATCH_HIDDENS, step_concise, False),
    (CONCISE, CONCISE_HIDDENS, step_concise, False),
]
#: Issue 4's goals for the fastest scratch step, as speed ratios measured in the same run.
GOALS = {"D2L's scratch step": 1.4, "the nn.RNN training step": 1.0}


def _interleaved(steps: dict, repeats: int, inner: int) -> dict[str, float]:
    """Median tokens/s of every step, timed round-robin (`inner` calls each per round, after a warm-up):
    a busy moment of the machine slows them all alike, so their ratios stay meaningful."""
    for step in steps.values():
        for _ in range(3):
            step()
    speeds: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(inner):
                step()
            speeds[name].append(BATCH * STEPS * inner / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in speeds.items()}


def bench_steps(threads: int, repeats: int = 7, inner: int = 10) -> None:
    """Print the table of training-step speeds for one thread count, and the fastest scratch step's
    speed ratios to the steps of GOALS."""
    import torch
    import torch.nn.functional as F

    X, Y = _batch(torch, torch.Generator().manual_seed(0))
    steps = {f"kernel {h}": kernel_nn_rnn(torch, F, X, Y, h) for h in (SCRATCH_HIDDENS, CONCISE_HIDDENS)}
    for name, hiddens, make, _ in STEP_ROWS:
        torch.manual_seed(0)
        step = make(torch, F, X, Y, hiddens)
        if step is not None:
            steps[f"{name} {hiddens}"] = step
    torch.set_num_threads(threads)  # after the makers: the notebooks' setup cells set their own
    speed = _interleaved(steps, repeats, inner)
    print(f"\n## Training steps: batch {BATCH}, {STEPS} steps, {VOCAB} tokens, torch {torch.__version__}, "
          f"{threads} thread(s), median of {repeats} interleaved rounds")  # fmt: skip
    print(f"{'':42s} {'hidden':>6s} {'tokens/s':>10s} {'x D2L':>6s} {'raw nn.RNN fwd+bwd':>19s} {'ratio':>6s}")
    d2l = speed.get(f"{D2L} {SCRATCH_HIDDENS}")
    for name, hiddens, _, _ in STEP_ROWS:
        key = f"{name} {hiddens}"
        if key not in speed:
            print(f"{name:42s} {hiddens:6d} {'n/a':>10s}")
            continue
        kernel = speed[f"kernel {hiddens}"]
        versus_d2l = f"{speed[key] / d2l:6.2f}" if d2l and hiddens == SCRATCH_HIDDENS else " " * 6
        print(f"{name:42s} {hiddens:6d} {speed[key]:10,.0f} {versus_d2l} {kernel:19,.0f} {speed[key] / kernel:6.2f}")
    scratch = {f"{n} {h}": speed[f"{n} {h}"] for n, h, _, mine in STEP_ROWS if mine and f"{n} {h}" in speed}
    if not scratch or not d2l:
        return
    fastest = max(scratch, key=scratch.get)
    ratios = {
        "D2L's scratch step": scratch[fastest] / d2l,
        "the nn.RNN training step": scratch[fastest] / speed[f"{CONCISE} {SCRATCH_HIDDENS}"],
    }
    verdicts = ", ".join(
        f"{ratio:.2f}x {what} ({'meets' if ratio >= GOALS[what] else 'below'} the goal of {GOALS[what]}x)"
        for what, ratio in ratios.items()
    )
    print(f"fastest course scratch step, {fastest.rsplit(' ', 1)[0]}, at {SCRATCH_HIDDENS} hidden: {verdicts}")


# --------------------------------------------------------------------------
# 2. Notebook wall times
# --------------------------------------------------------------------------


def _assignments() -> list[str]:
    return Course(ROOT).assignments()


def bench_notebooks() -> None:
    print("\n## Solution notebooks (nbconvert --execute, hidden tests included, not grading)")
    total = 0.0
    env = {k: v for k, v in Course(ROOT).env().items() if k not in ("NBGRADER_EXECUTION", "RNN_COURSE_LONG")}
    with tempfile.TemporaryDirectory() as tmp:
        for assignment in _assignments():
            notebook = Course(ROOT).source_notebook(assignment)
            start = time.perf_counter()
            proc = subprocess.run(
                [str(BIN / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--output",
                 str(Path(tmp) / notebook.name), str(notebook)],
                cwd=notebook.parent, env=env, capture_output=True, text=True,
            )  # fmt: skip
            seconds = time.perf_counter() - start
            total += seconds
            status = "ok" if proc.returncode == 0 else f"FAILED ({proc.stderr.strip().splitlines()[-1][:80]})"
            print(f"{assignment:24s} {seconds:6.1f} s  {status}")
    print(f"{'all notebooks':24s} {total:6.1f} s")


# --------------------------------------------------------------------------
# 3. Grading one full submission
# --------------------------------------------------------------------------


def bench_grading() -> None:
    """One student's whole course graded by tools.grade (the checks, nbgrader autograde, the
    integrity scan), sandboxed and with --unsafe, alternating the order per assignment so that both
    modes see the same machine."""
    from tests.grading import nbgrader_run
    from tools import grade, release, sandbox

    print("\n## Autograding one student's whole course (tools.grade, reference answers), sandboxed vs --unsafe")
    with tempfile.TemporaryDirectory() as tmp:
        course = nbgrader_run.copy_course(Path(tmp) / "course")
        assignments = _assignments()
        nbgrader_run.generate_release(course, assignments)
        students = {"sandboxed": "bench_sandboxed", "unsafe": "bench_unsafe"}
        for assignment in assignments:
            answers = nbgrader_run.reference_answers(course, assignment)
            for student in students.values():
                nbgrader_run.submit(course, student, assignment, answers)
        c = grade.Course(course)
        release.sync(course, assignments, out=lambda *_: None)  # once for both modes: not part of the timing
        sandbox.problem()  # the one probe of bubblewrap, likewise
        totals = dict.fromkeys(students, 0.0)
        print(f"{'assignment':24s} {'sandboxed':>10s} {'--unsafe':>10s} {'ratio':>7s}")
        for index, assignment in enumerate(assignments):
            seconds = {}
            for mode in sorted(students, reverse=index % 2 == 1):
                start = time.perf_counter()
                grade.autograde(c, [assignment], [students[mode]], workers=1, quiet=True, unsafe=mode == "unsafe")
                seconds[mode] = time.perf_counter() - start
                totals[mode] += seconds[mode]
            ratio = seconds["sandboxed"] / seconds["unsafe"]
            print(f"{assignment:24s} {seconds['sandboxed']:8.1f} s {seconds['unsafe']:8.1f} s {ratio:6.2f}x")
        ratio = totals["sandboxed"] / totals["unsafe"]
        print(
            f"{'whole course':24s} {totals['sandboxed']:8.1f} s {totals['unsafe']:8.1f} s {ratio:6.2f}x"
            f"  (budget: 300 s; sandbox goal: <= 1.25x)"
        )


def bench_checker(count: int, assignments: tuple[str, ...] = ("01_one_hot", "03_samplers")) -> None:
    """Seconds per submission with the test cells judged in the checker and without it (the same
    class, the same machine, alternating the order per assignment)."""
    from tools import grade

    print(f"\n## The checker's cost: {count} reference submissions a class, tools.grade, one worker")
    print(f"{'assignment':24s} {'checker':>12s} {'in kernel':>12s} {'ratio':>7s}")
    totals = {"1": 0.0, "0": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        for index, assignment in enumerate(assignments):
            course, students = _class_copy(Path(tmp) / assignment, assignment, count)
            seconds = {}
            for mode in sorted(totals, reverse=index % 2 == 1):
                os.environ["RNN_COURSE_CHECKER"] = mode
                start = time.perf_counter()
                grade.autograde(course, [assignment], students, workers=1, quiet=True)
                seconds[mode] = (time.perf_counter() - start) / count
                totals[mode] += seconds[mode]
            os.environ.pop("RNN_COURSE_CHECKER", None)
            ratio = seconds["1"] / seconds["0"]
            print(f"{assignment:24s} {seconds['1']:8.2f} s/sub {seconds['0']:6.2f} s/sub {ratio:6.2f}x")
    ratio = totals["1"] / totals["0"]
    print(f"{'all':24s} {totals['1']:8.2f} s/sub {totals['0']:6.2f} s/sub {ratio:6.2f}x  (goal: <= 1.3x)")


def cpu_model() -> str:
    """The CPU's name as /proc/cpuinfo gives it (figures of different CPUs differ 2-3x)."""
    import platform

    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# --------------------------------------------------------------------------
# 4. Throughput: local workers and a loopback cluster; the overhead of one submission
# --------------------------------------------------------------------------
THROUGHPUT_ASSIGNMENT = "01_one_hot"


def _class_copy(folder: Path, assignment: str, count: int, release: Path | None = None):
    """A course copy with `count` students submitting the reference answers; its gradebook knows the
    assignment (release.sync: not part of any timing)."""
    import shutil

    from tests.grading import nbgrader_run
    from tools import grade
    from tools import release as releases

    course = nbgrader_run.copy_course(folder)
    if release is None:
        nbgrader_run.generate_release(course, [assignment])
    else:
        shutil.copytree(release, course / "course")
    answers = nbgrader_run.reference_answers(course, assignment)
    students = [f"bench_{k:03d}" for k in range(count)]
    for student in students:
        nbgrader_run.submit(course, student, assignment, answers)
    releases.sync(course, [assignment], out=lambda *_: None)
    return grade.Course(course), students


SPIN = "s = 0\nfor i in range(12_000_000):\n    s += i\n"  # a CPU-bound process of about a second


def _spin_seconds(processes: int) -> float:
    """Wall time of `processes` copies of a CPU-bound Python loop started together."""
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(processes)]
    for proc in procs:
        proc.wait()
    return time.perf_counter() - start


def cpu_ceiling(rounds: int = 3) -> float:
    """How many times the work of one CPU-bound process two such processes do in the same time on this
    machine (median of interleaved rounds): 2.0 on two free cores; less where the two virtual CPUs
    share a physical core or the host is busy. No 2-worker speed-up of grading can exceed it."""
    return statistics.median(2 * _spin_seconds(1) / _spin_seconds(2) for _ in range(rounds))


def bench_throughput(count: int, rounds: int = 2) -> None:
    """Submissions per minute of one assignment's class: 1 and 2 local workers (tools.grade) and a
    loopback Dask cluster of 2 one-thread workers (tools/cluster.py), `rounds` interleaved rounds (the
    median counts: a VM's CPU speed drifts), beside the machine's own ceiling for two processes
    (cpu_ceiling); then one submission's overhead."""
    from tools import cluster, grade, sandbox

    a = THROUGHPUT_ASSIGNMENT
    print(f"\n## Grading throughput: {count} submissions of {a} (reference answers), sandboxed, {rounds} rounds")
    sandbox.problem()
    seconds: dict[str, list[float]] = {"1 local worker": [], "2 local workers": [], "loopback cluster, 2": []}
    ceilings, timings = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        first, students = _class_copy(tmp / "w1", a, count)
        local = {"1 local worker": (first, 1)}
        local["2 local workers"] = (_class_copy(tmp / "w2", a, count, first.root / "course")[0], 2)
        course, _ = _class_copy(tmp / "cl", a, count, first.root / "course")
        warm, _ = _class_copy(tmp / "warm", a, 2, first.root / "course")
        with cluster.Loopback(2, logs=tmp) as lb:
            lb.wait_for_workers(2)
            start = time.perf_counter()  # each worker makes its scratch course on its first submission
            grade.autograde(warm, [a], warm.students(), quiet=True, scheduler=lb.address)
            print(
                f"{'(cluster warm-up)':24s} {time.perf_counter() - start:6.1f} s  2 submissions, scratch courses made"
            )
            for round_ in range(rounds):
                ceilings.append(cpu_ceiling(rounds=1))
                names = list(seconds) if round_ % 2 == 0 else list(reversed(seconds))
                for name in names:
                    start = time.perf_counter()
                    if name in local:  # re-grading the same class: nbgrader's --force, the same work
                        done = grade.autograde(local[name][0], [a], students, workers=local[name][1], quiet=True)
                        if name == "1 local worker":
                            timings += [t for job in done for t in job.timings]
                    else:
                        jobs = grade.autograde(course, [a], students, quiet=True, scheduler=lb.address)
                    seconds[name].append(time.perf_counter() - start)
            ceilings.append(cpu_ceiling(rounds=1))
        rates = {name: _rate(name, count, statistics.median(times), times) for name, times in seconds.items()}
        one, ceiling = rates["1 local worker"], statistics.median(ceilings)
        local_2, cluster_2 = rates["2 local workers"] / one, rates["loopback cluster, 2"] / one
        print(
            f"speed-up of 2 workers: local {local_2:.2f}x, cluster {cluster_2:.2f}x  (target: >= 1.8x); this "
            f"machine's ceiling for two CPU-bound processes: {ceiling:.2f}x ({', '.join(f'{c:.2f}' for c in ceilings)})"
            f" -> parallel efficiency local {local_2 / ceiling:.0%}, cluster {cluster_2 / ceiling:.0%}"
        )
        writes = sorted(j.times["written"] - j.times["received"] for j in jobs)
        worker_side = sorted(j.seconds for j in jobs)  # a batch's time on its worker over its submissions
        bench_overhead(timings, 60 / one, statistics.median(writes), statistics.median(worker_side))


def _rate(name: str, count: int, seconds: float, runs: list[float] | None = None) -> float:
    rate = 60 * count / seconds
    each = f"; runs {', '.join(f'{r:.1f}' for r in runs)} s" if runs and len(runs) > 1 else ""
    print(f"{name:24s} {seconds:6.1f} s  {rate:5.1f} submissions/min  ({seconds / count:.1f} s each{each})")
    return rate


def bench_overhead(timings: list[dict], per_submission: float, write: float, worker_side: float) -> None:
    """Where one submission's time goes, from the graded runs themselves (1 local worker): the
    grading kernel's start, the setup cell (torch's import), the other cells and the kernel's stop as
    GradingExecute times them in every notebook; the rest is nbgrader's and tools.grade's work around
    the notebook (the checks, copying, the gradebook, the integrity scan, the process start's share).
    Gradebook writes timed on the cluster's coordinator (one submission's scores)."""

    def mean(key: str) -> float:
        return statistics.fmean(t[key] for t in timings)

    kernel, imports, execution, shutdown = (mean(k) for k in ("kernel_start", "setup_cell", "other_cells", "shutdown"))
    cells = imports + execution
    a = THROUGHPUT_ASSIGNMENT
    print(f"\n## One submission of {a}: where the time goes (mean of {len(timings)} graded notebooks, 1 local worker)")
    print(f"{'kernel start (sandbox)':34s} {kernel:6.2f} s")
    print(f"{'imports (setup cell)':34s} {imports:6.2f} s")
    print(f"{'execution (other cells)':34s} {execution:6.2f} s")
    print(f"{'kernel shutdown':34s} {shutdown:6.2f} s")
    print(f"{'the rest (nbgrader, checks, scan)':34s} {per_submission - cells - kernel - shutdown:6.2f} s")
    print(f"{'whole submission, 1 local worker':34s} {per_submission:6.2f} s")
    print(f"{'gradebook writes (coordinator)':34s} {write:6.2f} s")
    print(f"{'whole submission on a worker':34s} {worker_side:6.2f} s  (checks, autograde, verification, results)")
    rest = per_submission - cells
    print(
        f"{'overhead (all but the cells)':34s} {rest:6.2f} s  (target <= 2 s; the imports are a cell of the "
        f"notebook: with them {rest + imports:.2f} s)"
    )


# --------------------------------------------------------------------------
# 5. One student's server on the hub
# --------------------------------------------------------------------------

SERVER_NOTEBOOKS = ("06_scratch_training", "07_concise_rnn")  # the two that train a model to the end


def bench_server(assignment: str) -> None:
    """What one student's server needs on the hub: a JupyterLab server with the students' configuration
    (hub/student/), in a cgroup of its own made as the hub's spawner makes it (tools/hub.py, no limit), a
    kernel it starts, and the assignment's solution notebook executed in that kernel cell by cell to the end. Memory
    is the cgroup's (the server and the kernel together): at rest, at its peak (memory.max_usage_in_bytes,
    page cache included) and its peak resident set (memory.stat total_rss, sampled); CPU is the kernel's."""
    import json
    import secrets
    import shutil
    import socket
    import threading
    import urllib.request

    import nbformat
    import psutil
    from jupyter_client import BlockingKernelClient

    from tools import hub

    print(f"\n## One student's server: JupyterLab + a kernel running {assignment}'s solution to the end")
    try:
        if os.geteuid() != 0:
            raise hub.LimitsError("needs root (cgroups)")
        groups = hub.create_cgroups("bench-server", None, None)
    except hub.LimitsError as error:
        print(f"skipped: {error}")
        return
    memory = groups[0]

    def read(name: str) -> int:
        return int((memory / name).read_text())

    def rss() -> int:
        stat = dict(line.split() for line in (memory / "memory.stat").read_text().splitlines())
        return int(stat["total_rss"])

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / assignment
        shutil.copytree(Course(ROOT).solutions / assignment, folder, symlinks=False)  # as fetched
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        token = secrets.token_hex(16)
        env = dict(os.environ, JUPYTER_CONFIG_PATH=str(ROOT / "hub" / "student"), JUPYTER_RUNTIME_DIR=tmp)
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        cmd = [str(BIN / "jupyter"), "lab", "--no-browser", "--allow-root", f"--ServerApp.port={port}",
               f"--IdentityProvider.token={token}", f"--notebook-dir={folder}"]  # fmt: skip

        def join():
            for folder_ in groups:
                (folder_ / "cgroup.procs").write_text(str(os.getpid()))

        server = subprocess.Popen(cmd, cwd=folder, env=env, preexec_fn=join, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)  # fmt: skip
        url = f"http://127.0.0.1:{port}"

        def api(method: str, path: str) -> dict:
            request = urllib.request.Request(url + path, method=method, headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")

        try:
            for _ in range(240):
                with contextlib.suppress(OSError):
                    api("GET", "/api/status")
                    break
                time.sleep(0.5)
            time.sleep(3)
            at_rest = read("memory.usage_in_bytes")
            kernel = api("POST", "/api/kernels")
            client = BlockingKernelClient(connection_file=str(Path(tmp) / f"kernel-{kernel['id']}.json"))
            client.load_connection_file()
            client.start_channels()
            client.wait_for_ready(timeout=60)
            kernel_process = next(p for p in psutil.Process(server.pid).children(recursive=True))
            peak_rss, done = [rss()], threading.Event()

            def sample():
                while not done.wait(0.25):
                    peak_rss.append(rss())

            threading.Thread(target=sample, daemon=True).start()
            start = time.perf_counter()
            errors = []
            nb = nbformat.read(folder / f"{assignment}.ipynb", as_version=4)
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                reply = client.execute_interactive(cell.source, timeout=600, output_hook=lambda msg: None)
                if reply["content"]["status"] != "ok":
                    errors.append(reply["content"].get("ename"))
            seconds = time.perf_counter() - start
            done.set()
            cpu = sum(kernel_process.cpu_times()[:2])
            after = read("memory.usage_in_bytes")
            peak = read("memory.max_usage_in_bytes")
            client.stop_channels()
        finally:
            server.terminate()
            server.wait(timeout=60)
            hub.remove_cgroups("bench-server")
    mb = 1024 * 1024
    print(f"server at rest (cgroup, page cache included): {at_rest / mb:7.0f} MB")
    print(f"after the notebook ran to the end:            {after / mb:7.0f} MB")
    print(f"peak (memory.max_usage_in_bytes):             {peak / mb:7.0f} MB")
    print(f"peak resident set (total_rss, sampled):       {max(peak_rss) / mb:7.0f} MB")
    print(f"the notebook: {seconds:.1f} s wall, {cpu:.1f} CPU-s in the kernel; errors: {errors or 'none'}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parts_known = ["steps", "notebooks", "grading", "throughput", "server", "checker"]
    parser.add_argument("--only", action="append", choices=parts_known)
    parser.add_argument("--submissions", type=int, default=12, help="class size of the throughput benchmark")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of the throughput benchmark")
    parser.add_argument("--threads", default="1,2", help="thread counts of the step benchmark (default: 1,2)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--assignments",
        default="01_one_hot,03_samplers",
        help="comma-separated assignments of the checker benchmark (default: 01_one_hot,03_samplers)",
    )
    args = parser.parse_args(argv)
    parts = args.only or parts_known
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    print(f"# Course benchmark: {cpu_model()}, {os.cpu_count()} CPUs, load average {load:.2f} at start")
    if "steps" in parts:
        for threads in (int(n) for n in args.threads.split(",")):
            bench_steps(threads, repeats=args.repeats)
    if "notebooks" in parts:
        bench_notebooks()
    if "grading" in parts:
        bench_grading()
    if "throughput" in parts:
        bench_throughput(args.submissions, args.rounds)
    if "server" in parts:
        for assignment in SERVER_NOTEBOOKS:
            bench_server(assignment)
    if "checker" in parts:
        bench_checker(args.submissions, tuple(a for a in args.assignments.split(",") if a))


if __name__ == "__main__":
    main()
