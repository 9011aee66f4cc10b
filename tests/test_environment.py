"""The project's own set-up: pins in step, the README's commands are real."""

from __future__ import annotations

import re
import sys

from tests.grading.nbgrader_run import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;#]+)$")


def requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            match = PIN.match(line)
            assert match, f"requirements.txt: {line!r} is not pinned with =="
            pins[match[1].lower()] = match[2]
    return pins


def environment_pins() -> dict[str, str]:
    """The pip section of environment.yml (a list of `- name==version`)."""
    text = (ROOT / "environment.yml").read_text()
    pins, in_pip = {}, False
    for raw in text.splitlines():
        line = raw.split("#")[0].rstrip()
        if re.match(r"^\s+- pip:\s*$", line):
            in_pip = True
            continue
        if in_pip and re.match(r"^\s{6,}- ", line):
            match = PIN.match(line.strip()[2:].strip())
            assert match, f"environment.yml: {line.strip()!r} is not pinned with =="
            pins[match[1].lower()] = match[2]
        elif in_pip and line.strip():
            in_pip = False
    return pins


def test_requirements_and_environment_yml_agree():
    assert requirements() == environment_pins()


def test_core_stack_is_pinned_as_the_course_requires():
    pins = requirements()
    assert pins["torch"] == "2.13.0"
    assert pins["jupyterlab"].startswith("4.")
    assert pins["nbgrader"].startswith("0.9.")
    for name in ("nbval", "matplotlib", "pytest", "ruff"):
        assert name in pins


def test_environment_yml_python_matches_the_venv():
    assert "- python=3.11" in (ROOT / "environment.yml").read_text()
    assert sys.version_info[:2] == (3, 11)


def test_installed_versions_are_the_pinned_ones():
    from importlib.metadata import version

    for name, pinned in requirements().items():
        installed = version(name)
        assert installed.split("+")[0] == pinned, f"{name}: installed {installed}, pinned {pinned}; run `make setup`"


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"```(?:sh|bash)?\n(make test)\n```", readme)
    assert command, "README.md must show the test command in its own code block"
    ci = (ROOT / ".ci" / "run").read_text()
    assert [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))] == [command[1]]


def test_notebook_tools_import_without_the_slow_iri_grammars():
    """rfc3987-syntax (jsonschema's optional "iri" format checker, pulled in by jupyter-events) compiles
    ~35 Lark grammars whenever nbformat is imported: 1.6-2 s of CPU for every nbgrader, nbconvert and
    tools process of a grading run. `make setup` uninstalls it; nbformat must then import fast."""
    import importlib.util
    import subprocess

    assert importlib.util.find_spec("rfc3987_syntax") is None, "rfc3987-syntax is installed: run `make setup`"
    code = "import time; t = time.process_time(); import nbformat; print(time.process_time() - t)"
    seconds = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert seconds < 1.0, f"importing nbformat took {seconds:.2f} s of CPU"


def test_the_readme_test_subset_passes():
    """README, "For contributors": `pytest --assignments ...` runs the tests of some assignments. The
    release tests read across assignments (what each release carries), so they run here with one
    assignment, the smallest subset: a test that assumes every release was generated fails."""
    import subprocess

    args = [sys.executable, "-m", "pytest", "-n", "0", "-q", "--assignments", "01_one_hot", "tests/test_release.py"]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]


NODE = (20, 0, 0)  # the README's "Node 20": hub/package-lock.json must install on its first release


def _node_accepts(spec: str, version: tuple[int, int, int]) -> bool:
    """Does an npm `engines.node` range (the forms package-lock.json holds: >=, >, <, <=, ^, ~, x, *, ||)
    accept `version`?"""

    def parse(text: str) -> tuple[int, ...]:
        parts = [p for p in text.lstrip("v").split(".") if p not in ("x", "X", "*")]
        return tuple(int(p) for p in parts)

    def pad(v: tuple[int, ...]) -> tuple[int, ...]:
        return (v + (0, 0, 0))[:3]

    def holds(comparator: str) -> bool:
        op, text = re.fullmatch(r"(>=|<=|>|<|=|\^|~)?(v?\d[\w.*]*)", comparator).groups()
        bound = parse(text)
        low = pad(bound)
        if op in (">=", ">", "<", "<="):
            return {">=": version >= low, ">": version > low, "<": version < low, "<=": version <= low}[op]
        if op == "^":  # the same major
            return version >= low and version[0] == low[0]
        if op == "~":  # the same minor (the same major for ~20)
            return version >= low and version[: min(len(bound), 2)] == low[: min(len(bound), 2)]
        return version[: len(bound)] == bound  # 20, 20.x, 20.1.2

    for alternative in spec.split("||"):
        comparators = re.sub(r"(>=|<=|>|<|=|\^|~)\s+", r"\1", alternative).split()
        if all(c == "*" or holds(c) for c in comparators):
            return True
    return False


def test_the_hubs_proxy_installs_on_the_node_the_readme_names():
    """Every package of hub/package-lock.json (configurable-http-proxy and its tree) accepts Node 20: npm
    ci neither warns (EBADENGINE) nor, with hub/.npmrc's engine-strict, refuses."""
    import json

    assert _node_accepts(">=20", NODE) and _node_accepts("^16 || ^18 || >=20", NODE)
    assert not _node_accepts(">=22.12.0", NODE) and not _node_accepts("^18", NODE) and _node_accepts("*", NODE)
    assert "(Node 20" in (ROOT / "README.md").read_text()
    lock = json.loads((ROOT / "hub" / "package-lock.json").read_text())
    refused = {
        name: package["engines"]["node"]
        for name, package in lock["packages"].items()
        if "node" in package.get("engines", {}) and not _node_accepts(package["engines"]["node"], NODE)
    }
    assert not refused, f"packages that need a newer Node than {'.'.join(map(str, NODE))}: {refused}"
