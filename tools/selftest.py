"""`make grade-selftest`: prove, on this grading machine, that grading is sandboxed and tamper-proof.

A throw-away copy of the course grades a small hostile class of 01_one_hot with tools.grade, exactly
as `make grade` would (tests/grading/hostile_01_one_hot.py holds the class; tests/test_grading_hostile.py
grades a larger one in the test suite):

* the reference solution (9 of 9 points) and an honest wrong student (5 of 9);
* a probe, an answer cell that tries to reach the course root, solutions/, the gradebook, other
  students' work, the instructor's home, the network and the machine's processes, and records what it
  reached;
* a cheat that switches the checks off from its answer cell, and one that puts a module beside the
  notebook to replace the kernel's launcher: both must score 5 and be held for review;
* correct work that warns and writes to stderr: 9 of 9, not flagged.

    python -m tools.selftest        # exit status 0 when every check holds
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat

from tools import grade, sandbox
from tools.layout import Course

A = "01_one_hot"

#: An answer cell that looks for everything a grading kernel must not reach and prints what it found.
#: COURSE_ROOT is replaced by the course root's path (a string literal).
PROBE = textwrap.dedent(
    """
    import json as _json
    import os as _os
    import socket as _socket

    def _probe(root):
        found = {}
        for _path in [
            root,
            _os.path.join(root, "solutions"),
            _os.path.join(root, "solutions", "01_one_hot", "01_one_hot.ipynb"),
            _os.path.join(root, "nbgrader_config.py"),
            _os.path.join(root, ".git"),
            _os.path.join(root, "autograder", "gradebook.db"),
            _os.path.join(root, "autograder", "submitted"),
            _os.path.join(root, "autograder", "submitted", "reference", "01_one_hot", "01_one_hot.ipynb"),
            _os.path.join(root, "autograder", "autograded", "reference"),
            _os.path.expanduser("~root"),
            "/root",
            "/home",
            "/etc/shadow",
            "/etc/ssh",
            "/var",
            "/run",
        ]:
            if _os.path.exists(_path):
                try:
                    if _os.path.isdir(_path):
                        found[_path] = "listed: " + ", ".join(sorted(_os.listdir(_path))[:5])
                    else:
                        with open(_path, "rb") as _file:
                            found[_path] = "read %d bytes" % len(_file.read(100))
                except OSError as _error:
                    found[_path] = "exists (" + type(_error).__name__ + ")"
        for _path in [_os.path.join(root, "autograder", "pwned.txt"), "/tmp/probe.txt", "probe.txt"]:
            try:
                with open(_path, "w") as _file:
                    _file.write("x")
                found["wrote " + _path] = True
            except OSError:
                pass
        for _host, _port in [("127.0.0.1", 22), ("127.0.0.1", 8888), ("pypi.org", 443), ("1.1.1.1", 53)]:
            try:
                _socket.create_connection((_host, _port), timeout=2).close()
                found["connected %s:%d" % (_host, _port)] = True
            except OSError:
                pass
        found["environ"] = sorted(_os.environ)
        try:  # the environment of process 1: in the sandbox, bubblewrap's
            with open("/proc/1/environ", errors="replace") as _file:
                found["init_environ"] = sorted(v.split("=")[0] for v in _file.read().split("\\0") if v)
        except OSError:
            found["init_environ"] = []
        found["cwd"] = _os.getcwd()
        found["pids"] = sorted(int(p) for p in _os.listdir("/proc") if p.isdigit())
        return found

    print("PROBE" + _json.dumps(_probe(COURSE_ROOT)))
    """
)
#: The environment a sandboxed grading kernel may see (set by tools/sandbox.py, the kernelspec,
#: nbgrader and ipykernel).
KERNEL_ENVIRONMENT = sandbox.KERNEL_ENVIRONMENT


def probe_reached(course: Path, student: str = "probe") -> dict:
    """What the probe submitted as `student` reached beyond what the sandbox shows on purpose
    (empty when the sandbox holds); {"probe": "did not run"} when its output is missing."""
    path = Course(course).autograded / student / A / f"{A}.ipynb"
    nb = nbformat.read(path, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    if "PROBE" not in text:
        return {"probe": "did not run"}
    found = json.loads(text.split("PROBE", 1)[1].splitlines()[0])
    reached = {}
    environ, init_environ = set(found.pop("environ")), set(found.pop("init_environ"))
    if environ - KERNEL_ENVIRONMENT:
        reached["environment variables"] = sorted(environ - KERNEL_ENVIRONMENT)
    if init_environ - {"PWD"}:
        reached["environment of the sandbox's process 1"] = sorted(init_environ)
    pids = found.pop("pids")
    if max(pids) >= 20:
        reached["processes"] = f"{len(pids)} visible, up to pid {max(pids)}"
    cwd = found.pop("cwd")
    if cwd != str(path.parent):
        reached["working directory"] = cwd
    # shown on purpose: the private /tmp and working copy, and the folders leading to the mounts (the
    # course root holds only the way to the submission, /root only the way to Python). A course under
    # /tmp has those folders on the sandbox's private /tmp, where a write stays (checked below).
    expected = {
        "wrote /tmp/probe.txt": True,
        "wrote probe.txt": True,
        str(course): "listed: autograder",
        "/root": "listed: .pyenv",
        f"wrote {Course(course).grading / 'pwned.txt'}": True,
    }
    reached |= {p: what for p, what in found.items() if expected.get(p) != what}
    for leaked in (Course(course).grading / "pwned.txt", path.parent / "probe.txt"):
        if leaked.exists():
            reached[f"wrote {leaked}"] = "outside the sandbox"
    return reached


def grades(course: Path) -> dict[str, dict[str, str]]:
    with open(Course(course).report_dir / "grades.csv", newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def main() -> int:
    from tests.grading import hostile_01_one_hot as hostile
    from tests.grading import nbgrader_run

    start = time.perf_counter()
    print("Grading self-test: a small hostile class of 01_one_hot, graded as `make grade` does.")
    reason = sandbox.problem()
    if reason:
        print(f"  ✗ sandbox: {reason}")
        return 1
    print("  ✓ bubblewrap starts a sandbox")
    with tempfile.TemporaryDirectory(prefix="grade-selftest-") as tmp:
        course = nbgrader_run.copy_course(Path(tmp) / "course")
        nbgrader_run.generate_release(course, [A])
        students = {
            "reference": {},
            "honest_wrong": hostile.HONEST_WRONG,
            "probe": hostile.HONEST_WRONG
            | {"one_hot_batch": hostile.BATCH_WRONG + "\n\n" + PROBE.replace("COURSE_ROOT", repr(str(course)))},
            "rebinds_checks": hostile.HONEST_WRONG | hostile.CHEATS["rebinds_checks"]["answers"],
            "shadow_module": hostile.HONEST_WRONG,
            "noisy_but_correct": hostile.HONEST_NOISY["noisy_but_correct"],
        }
        reference = nbgrader_run.reference_answers(course, A)
        for student, answers in students.items():
            nbgrader_run.submit(course, student, A, reference | answers)
        for name, text in hostile.CHEATS["shadow_module"]["files"].items():
            (Course(course).submitted / "shadow_module" / A / name).write_text(text)
        c = grade.Course(course)
        grade.autograde(c, [A], c.students(), workers=2, quiet=True)
        grade.report(c)
        rows = grades(course)
        reached = probe_reached(course)
        checks = [
            (float(rows["reference"][A]) == 9 and not rows["reference"]["held_for_review"], "reference solution: 9/9"),
            (float(rows["honest_wrong"][A]) == hostile.HONEST_SCORE, "honest wrong answers: 5/9"),
            (not reached, f"a probe in the grading kernel reached nothing{': ' + str(reached) if reached else ''}"),
        ]
        for cheat in ("rebinds_checks", "shadow_module"):
            score, held = float(rows[cheat][A]), rows[cheat]["held_for_review"] == A
            checks.append((score == hostile.HONEST_SCORE and held, f"{cheat}: {score:g}/9 and held for review"))
        noisy = rows["noisy_but_correct"]
        checks.append((float(noisy[A]) == 9 and not noisy["held_for_review"], "correct work that warns on stderr: 9/9"))
    for ok, text in checks:
        print(f"  {'✓' if ok else '✗'} {text}")
    failed = sum(not ok for ok, _ in checks)
    verdict = "sandboxed, tamper-proof grading works here" if not failed else f"{failed} check(s) FAILED"
    print(f"{verdict} ({time.perf_counter() - start:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
