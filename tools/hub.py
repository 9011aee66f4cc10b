"""The spawner of the course's JupyterHub (hub/jupyterhub_config.py): each student's server runs as that
system user, in a private home, inside a memory and a CPU limit of its own.

* **Private homes.** `make_private` gives a home mode 700 (no one but its owner lists or reads it):
  the hub does it for every student when it starts (`private_homes`) and again for each student right
  before their server starts (the spawner's pre-spawn hook), so a student created after the hub started
  is covered too. `useradd -m` makes homes 755 unless login.defs says HOME_MODE 0700.
* **Limits.** JupyterHub's own settings `Spawner.mem_limit` and `Spawner.cpu_limit`, which its
  LocalProcessSpawner ignores, are enforced by `CourseSpawner` with a cgroup v1 per user for the memory
  and the cpu controllers, created under the hub's own cgroups (`<hub's>/rnn-hub/<user>`) and joined by
  the server's process before it becomes the user: the server and every kernel it starts stay in it, so
  a student's processes together use at most mem_limit bytes (beyond it the kernel's OOM killer ends the
  largest, usually the notebook's kernel: JupyterLab says the kernel died and restarts it) and at most
  cpu_limit cores. The student cannot change them (the cgroup's files are root's). When the server
  stops, whatever it left in its cgroups is ended and the cgroups are removed.

  This needs a writable cgroup v1 hierarchy (root, no systemd managing it: these machines, containers).
  On a host where systemd runs the machine (cgroup v2), use systemdspawner, which enforces the same two
  settings through systemd (README, "Running a class on JupyterHub"); `check_limits` stops the hub with
  that advice when limits are set and cannot be enforced here.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import stat
import time
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Unicode

CGROUP_ROOT = Path("/sys/fs/cgroup")
GROUP = "rnn-hub"  # the folder of the users' cgroups, under the hub's own
CFS_PERIOD_US = 100_000


class LimitsError(RuntimeError):
    """Memory and CPU limits cannot be enforced on this machine (the message says why and what to do)."""


# ---------------------------------------------------------------------------
# Private homes
# ---------------------------------------------------------------------------
def make_private(home: Path) -> bool:
    """Give a home folder mode 700 (its owner's permissions kept, nobody else's); True if it changed."""
    mode = stat.S_IMODE(home.stat().st_mode)
    if not mode & 0o077:
        return False
    home.chmod(mode & 0o700)
    return True


def private_homes(users: set[str], log=print) -> None:
    """Make the home of every user that exists private (at the hub's start); users not created yet are
    made private when their server starts."""
    for name in sorted(users):
        try:
            home = Path(pwd.getpwnam(name).pw_dir)
        except KeyError:
            continue
        if home.is_dir() and make_private(home):
            log(f"{name}'s home {home} was readable by others: now mode 700")


# ---------------------------------------------------------------------------
# cgroups (v1)
# ---------------------------------------------------------------------------
def own_cgroup(controller: str) -> str:
    """This process's cgroup in the v1 hierarchy of `controller` (from /proc/self/cgroup)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return path
    raise LimitsError(f"no cgroup v1 `{controller}` controller for this process")


def user_cgroups(name: str, root: Path = CGROUP_ROOT) -> dict[str, Path]:
    """controller -> the folder of `name`'s cgroup (memory and cpu), under this process's own cgroups."""
    return {
        controller: root / controller / own_cgroup(controller).lstrip("/") / GROUP / name
        for controller in ("memory", "cpu")
    }


def create_cgroups(name: str, mem_limit: int | None, cpu_limit: float | None, root: Path = CGROUP_ROOT) -> list[Path]:
    """Create (or reset) `name`'s cgroups with these limits; the folders whose cgroup.procs a process of
    the user's server joins."""
    groups = user_cgroups(name, root)
    try:
        for folder in groups.values():
            folder.mkdir(parents=True, exist_ok=True)
        memory, cpu = groups["memory"], groups["cpu"]
        limit = str(mem_limit) if mem_limit else "-1"
        swap = memory / "memory.memsw.limit_in_bytes"  # memory + swap, when the kernel accounts swap
        if swap.exists():
            swap.write_text("-1")  # it may never be below memory.limit_in_bytes: raise it first
        (memory / "memory.limit_in_bytes").write_text(limit)
        if swap.exists():
            swap.write_text(limit)
        (cpu / "cpu.cfs_period_us").write_text(str(CFS_PERIOD_US))
        (cpu / "cpu.cfs_quota_us").write_text(str(round(cpu_limit * CFS_PERIOD_US)) if cpu_limit else "-1")
    except OSError as error:
        raise LimitsError(f"cannot set up the cgroups of {name} ({error})") from error
    return list(groups.values())


def remove_cgroups(name: str, root: Path = CGROUP_ROOT) -> None:
    """End every process left in `name`'s cgroups, then remove them."""
    for folder in user_cgroups(name, root).values():
        if not folder.is_dir():
            continue
        for _ in range(50):
            pids = [int(p) for p in (folder / "cgroup.procs").read_text().split()]
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                folder.rmdir()
                break
            time.sleep(0.1)  # the killed processes leave their cgroup as they exit
        with contextlib.suppress(OSError):
            folder.parent.rmdir()  # rnn-hub/, once no user's cgroup is left


def check_limits(mem_limit: int | None, cpu_limit: float | None, root: Path = CGROUP_ROOT) -> None:
    """Raise LimitsError unless limits, if any are set, can be enforced here (a probe cgroup)."""
    if not (mem_limit or cpu_limit):
        return
    if (root / "cgroup.controllers").exists():
        raise LimitsError("this machine uses cgroup v2 (systemd)")
    probe = f".probe-{os.getpid()}"
    try:
        create_cgroups(probe, mem_limit, cpu_limit, root)
    finally:
        with contextlib.suppress(OSError, LimitsError):
            remove_cgroups(probe, root)


class CourseSpawner(LocalProcessSpawner):
    """LocalProcessSpawner whose servers run inside their user's memory and CPU limits (mem_limit,
    cpu_limit): see the module's docstring."""

    cgroup_root = Unicode(str(CGROUP_ROOT), help="where the cgroup v1 hierarchies are mounted").tag(config=True)

    async def start(self):
        self._cgroups = create_cgroups(self.user.name, self.mem_limit, self.cpu_limit, Path(self.cgroup_root))
        return await super().start()

    def make_preexec_fn(self, name):
        become_user = super().make_preexec_fn(name)
        procs = [str(folder / "cgroup.procs") for folder in self._cgroups]

        def preexec():  # in the server's process, still root: join the cgroups, then become the user
            for path in procs:
                with open(path, "w") as f:
                    f.write(str(os.getpid()))
            become_user()

        return preexec

    async def stop(self, now=False):
        await super().stop(now=now)
        remove_cgroups(self.user.name, Path(self.cgroup_root))
