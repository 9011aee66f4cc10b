"""The hub's spawner (tools/hub.py) without a hub: private homes, and the per-user cgroups that hold a
student's processes to the CPU and memory limits. The hub end to end: tests/browser/test_hub.py.

The cgroup tests need root and a writable cgroup v1 hierarchy (what the hub needs); elsewhere they skip,
except under CI (CI=true), where they must run."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tools import hub

SPIN = """
import multiprocessing, os, time
def spin():
    end = time.monotonic() + 2
    while time.monotonic() < end:
        pass
workers = [multiprocessing.Process(target=spin) for _ in range(4)]
start = time.monotonic()
for w in workers: w.start()
for w in workers: w.join()
times = os.times()
print(times.children_user + times.children_system, time.monotonic() - start)
"""


def test_a_home_is_made_private_and_its_owner_keeps_its_rights(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o755)
    assert hub.make_private(home) and stat.S_IMODE(home.stat().st_mode) == 0o700
    assert not hub.make_private(home)  # already private: nothing to do
    home.chmod(0o750)
    assert hub.make_private(home) and stat.S_IMODE(home.stat().st_mode) == 0o700


def test_limits_on_cgroup_v2_are_refused_with_advice(tmp_path):
    (tmp_path / "cgroup.controllers").write_text("cpu memory\n")  # what a systemd host mounts
    with pytest.raises(hub.LimitsError, match="cgroup v2"):
        hub.check_limits(2 * 1024**3, 1.0, root=tmp_path)
    hub.check_limits(None, None, root=tmp_path)  # no limits asked for: nothing to enforce


@pytest.fixture
def cgroups():
    """The cgroups of a throw-away user name, removed afterwards."""
    if os.geteuid() != 0 or not (hub.CGROUP_ROOT / "memory").is_dir():
        message = "needs root and a cgroup v1 hierarchy (as the hub does)"
        if os.environ.get("CI", "").lower() in {"true", "1", "yes"}:
            pytest.fail(f"{message} [CI=true: it must run]", pytrace=False)
        pytest.skip(message)
    name = f"rnntest-{secrets.token_hex(3)}"
    yield name
    hub.remove_cgroups(name)


def _run_in(folders: list[Path], code: str):
    def join():
        for folder in folders:
            (folder / "cgroup.procs").write_text(str(os.getpid()))

    return subprocess.run([sys.executable, "-c", code], preexec_fn=join, capture_output=True, text=True, timeout=60)


def test_a_users_cgroup_holds_its_processes_to_the_cpu_limit(cgroups):
    """Four busy processes in a cgroup of 0.1 core (small enough that even a loaded 2-core machine would
    give them more) get no more than that, and the kernel reports the throttling."""
    folders = hub.create_cgroups(cgroups, None, 0.1)
    cpu = folders[1]
    spin = _run_in(folders, SPIN)
    cpu_seconds, wall = map(float, spin.stdout.split())
    stats = dict(line.split() for line in (cpu / "cpu.stat").read_text().splitlines())
    assert int(stats["nr_throttled"]) > 0, stats
    assert cpu_seconds <= 0.1 * wall * 1.3 + 0.05, (cpu_seconds, wall)


def test_a_users_cgroup_ends_at_its_memory_limit_and_leaves_nothing_behind(cgroups):
    """A process that allocates beyond the memory limit is killed; removing the cgroups ends what is left
    in them (a process started in them that would run on) and removes the folders."""
    folders = hub.create_cgroups(cgroups, 256 * 1024**2, None)
    grow = _run_in(folders, "chunks = []\nwhile len(chunks) < 16: chunks.append(bytearray(64 * 2**20))\n")
    assert grow.returncode == -9, grow

    def join():
        for folder in folders:
            (folder / "cgroup.procs").write_text(str(os.getpid()))

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], preexec_fn=join)
    hub.remove_cgroups(cgroups)
    assert sleeper.wait(timeout=10) == -9
    assert not any(folder.exists() for folder in folders)
