"""A class on JupyterHub with nbgrader's exchange, end to end on loopback (README, "Running a class on
JupyterHub"), with real system users created for the test (it needs root, as CI has):

* the instructor releases 01_one_hot with `tools.release hub` (05_clipping is refused: it would carry
  02's answers while 02 is open);
* alice logs in to the hub in Chromium, fetches the assignment in the Assignments tab, answers it
  correctly and submits it there; bob (a classic mistake) and carol (nothing) use nbgrader's CLI;
* the students' homes, made by `useradd -m` (mode 755), are private once the hub started (700), and so is
  the home of a student created later, once the hub starts their server;
* alice's server runs inside her memory and CPU limits: a process of hers that allocates more memory is
  killed, and her server survives it;
* bob tries to read alice's work, the exchange's submissions, the instructor's solutions and gradebook;
* the instructor collects, grades with `tools.grade` (sandboxed, as an unprivileged user) and releases
  the feedback; each student fetches it and finds the right score, bob the message of his mistake.

The hub is hub/jupyterhub_config.py with the dummy authenticator (one password) and a free port; its
proxy comes from `make hub-setup` (npm). Users, processes and folders are removed afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from tests.browser.conftest import VIEWPORT, in_ci
from tests.grading import nbgrader_run
from tests.grading.nbgrader_run import ROOT
from tests.grading.students_01_one_hot import IMPLEMENTATIONS
from tools.hub import remove_cgroups

pytestmark = [pytest.mark.browser, pytest.mark.grading]

A = "01_one_hot"
BIN = Path(sys.executable).parent
SUFFIX = secrets.token_hex(2)
TEACHER, ALICE, BOB, CAROL, DAVE = (f"rnn{name}{SUFFIX}" for name in ("teach", "alice", "bob", "carol", "dave"))
STUDENTS = (ALICE, BOB, CAROL)
LATE = DAVE  # a student on the class list whose account is created after the hub started
# Each user's limits in this test (hub/jupyterhub_config.py: 2G and 1 core by default): a probe exceeds the
# memory quickly.
MEM_LIMIT, CPU_LIMIT = 1024**3, 0.5
BOB_ANSWERS = {
    "one_hot": IMPLEMENTATIONS["one_hot"]["class_dim_first"].source,  # loses shape (1) + values (2)
    "one_hot_batch": IMPLEMENTATIONS["one_hot_batch"]["int64_result"].source,  # loses dtype (1)
}
HUB_TIMEOUT = 120


def _unavailable(reason: str):
    if in_ci():
        pytest.fail(f"hub test: {reason} [CI=true: it must run]", pytrace=False)
    pytest.skip(f"hub test: {reason}")


def run_as(user: str, args: list[str], cwd: Path | str | None = None, env: dict | None = None, check: bool = True):
    """Run a command as a system user, with that user's HOME and the course's environment."""
    entry = pwd.getpwnam(user)
    environment = {
        "HOME": entry.pw_dir,
        "USER": user,
        "LOGNAME": user,
        "PATH": f"{BIN}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
    } | (env or {})
    proc = subprocess.run(
        args,
        cwd=cwd or entry.pw_dir,
        env=environment,
        user=entry.pw_uid,
        group=entry.pw_gid,
        extra_groups=[],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{user}: {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def _make_traversable(path: Path, changed: list) -> None:
    """Let other users reach `path` (search permission on its folders), recording what changed."""
    for folder in [*reversed(path.parents), path]:
        mode = folder.stat().st_mode
        if folder.is_dir() and not mode & stat.S_IXOTH:
            changed.append((folder, mode))
            folder.chmod(mode | stat.S_IXOTH)


class Hub:
    def __init__(self, base: Path, course: Path, exchange: Path):
        self.base, self.course, self.exchange = base, course, exchange
        self.password = secrets.token_urlsafe(12)
        self.port = self._ports()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    @staticmethod
    def _ports() -> int:
        """The hub's port (its proxy's API on the next, the hub itself 81 above): below Linux's ephemeral
        range (32768-60999), where an outgoing connection of another process may take one meanwhile."""
        import random

        for _ in range(200):
            port = random.randrange(20_000, 32_000)
            if all(_free(p) for p in (port, port + 1, port + 81)):
                return port
        raise RuntimeError("no free ports for the hub")

    def env(self) -> dict[str, str]:
        return dict(os.environ) | {
            "RNN_HUB_PORT": str(self.port),
            "RNN_HUB_AUTHENTICATOR": "dummy",
            "RNN_HUB_PASSWORD": self.password,
            "RNN_HUB_INSTRUCTORS": TEACHER,
            "RNN_HUB_STUDENTS": ",".join((*STUDENTS, LATE)),
            "RNN_HUB_MEM_LIMIT": str(MEM_LIMIT),
            "RNN_HUB_CPU_LIMIT": str(CPU_LIMIT),
            "RNN_COURSE_EXCHANGE": str(self.exchange),
            "RNN_HUB_COURSE": str(self.course),
            "RNN_HUB_STATE": str(self.base / "state"),
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        }

    def start(self) -> None:
        log = open(self.base / "hub.log", "w")  # noqa: SIM115 -- kept open for the hub's lifetime
        self.proc = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(ROOT / "hub" / "jupyterhub_config.py")],
            cwd=self.base,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + HUB_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.proc.returncode}):\n{self.log()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"the hub did not answer in {HUB_TIMEOUT} s:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return (self.base / "hub.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the hub stops the users' servers and its proxy
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc:  # a hub that exited by itself (it failed to start) leaves its proxy in its group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)


def _free(port: int) -> bool:
    """Nothing listens on the port and it can be bound."""
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def hub(chromium, screenshots):
    if os.geteuid() != 0 or not shutil.which("useradd"):
        _unavailable("needs root and useradd (it creates system users)")
    if not shutil.which("npm"):
        _unavailable("needs npm for the hub's proxy (make hub-setup)")
    if not (ROOT / "hub" / "node_modules" / ".bin" / "configurable-http-proxy").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=ROOT / "hub", check=True, capture_output=True)
    changed: list = []
    created: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="rnn-hub-"))
    server = None
    try:
        base.chmod(0o755)
        for path in {Path(sys.base_prefix), Path(sys.prefix), ROOT}:
            _make_traversable(path, changed)  # every user runs the course's Python (README: install it so)
        exchange = base / "exchange"
        exchange.mkdir()
        exchange.chmod(0o1777)
        for user in (TEACHER, *STUDENTS):
            useradd(user, created)
        home = Path(pwd.getpwnam(TEACHER).pw_dir)
        home.chmod(0o700)  # the instructor's, holding the course: the hub leaves instructors' homes alone
        course = nbgrader_run.copy_course(home / "course")
        shutil.copytree(ROOT / "course", course / "course")
        shutil.copy(ROOT / "schedule.toml", course / "schedule.toml")
        (course / "autograder").mkdir(exist_ok=True)
        (course / "autograder" / "roster.csv").write_text(
            "id,first_name,last_name,email\n"
            + "".join(f"{s},{s[3:-4].title()},Student,{s}@example.org\n" for s in STUDENTS)
        )
        subprocess.run(["chown", "-R", f"{TEACHER}:{TEACHER}", str(course)], check=True)
        server = Hub(base, course, exchange)
        server.created = created
        server.start()
        yield server
    finally:
        if server:
            server.stop()
            (screenshots / "hub.log").write_text(server.log())
        for user in created:
            subprocess.run(["pkill", "-KILL", "-u", user], capture_output=True)
        for user in created:
            subprocess.run(["userdel", "--remove", user], capture_output=True)
            remove_cgroups(user)  # the hub removes them when it stops a server; a hub that crashed does not
        for folder, mode in reversed(changed):
            folder.chmod(mode)
        shutil.rmtree(base, ignore_errors=True)


def useradd(user: str, created: list[str]) -> Path:
    """A system user with a home made the usual way (`useradd -m`: mode 755 where login.defs sets no
    HOME_MODE, which is what the hub must make private; 755 is set where this machine's default differs)."""
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", user], check=True)
    created.append(user)
    home = Path(pwd.getpwnam(user).pw_dir)
    home.chmod(0o755)
    return home


def login(chromium, hub, user: str, lab: bool = True):
    """A browser context with `user` logged in to the hub and their JupyterLab loaded (lab=False: until the
    hub sends the browser to the server it started): (context, page)."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub.password)
    page.click("#login_submit")
    if lab:
        page.wait_for_selector(".jp-LabShell", timeout=HUB_TIMEOUT * 1000)
    else:
        page.wait_for_url(re.compile(rf"/user/{user}/"), wait_until="commit", timeout=HUB_TIMEOUT * 1000)
    return context, page


def student_env(hub) -> dict[str, str]:
    """What a student's server has (hub/jupyterhub_config.py): the exchange and hub/student/."""
    return {"RNN_COURSE_EXCHANGE": str(hub.exchange), "JUPYTER_CONFIG_PATH": str(ROOT / "hub" / "student")}


def teacher(hub, *args: str, check: bool = True):
    return run_as(
        TEACHER,
        [str(BIN / "python"), *args],
        cwd=hub.course,
        env={"RNN_COURSE_EXCHANGE": str(hub.exchange)},
        check=check,
    )


def answer(user: str, answers: dict[str, str]) -> None:
    """Fill in a fetched notebook's answer cells (as the student would in JupyterLab)."""
    path = Path(pwd.getpwnam(user).pw_dir) / A / f"{A}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cells = nbgrader_run.answer_cells(nb)
    for grade_id, source in answers.items():
        cells[grade_id].source = source
    nbformat.write(nb, path)
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def test_the_hub_makes_students_homes_private_when_it_starts(hub):
    """useradd made every home 755; the hub's start made the students' 700 (no server has started yet)."""
    homes = {user: Path(pwd.getpwnam(user).pw_dir) for user in STUDENTS}
    assert {user: mode(home) for user, home in homes.items()} == dict.fromkeys(STUDENTS, "0o700")
    assert f"{BOB}'s home {homes[BOB]} was readable by others: now mode 700" in hub.log()


def test_the_instructor_releases_only_what_may_be_handed_out(hub):
    teacher(hub, "-m", "tools.release", "hub", "-a", A)
    assert (hub.exchange / "rnn-from-scratch" / "outbound" / A / f"{A}.ipynb").exists()
    refused = teacher(hub, "-m", "tools.release", "hub", "-a", "05_clipping", check=False)
    assert refused.returncode == 1 and "02_recurrence" in refused.stderr and "open" in refused.stderr


def test_a_student_fetches_and_submits_in_the_browser(hub, chromium, screenshots):
    context, page = login(chromium, hub, ALICE)
    try:
        page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
        page.get_by_role("menuitem", name="Assignment List", exact=True).click()
        released = page.locator("#released_assignments_list")
        released.get_by_text(A).wait_for()
        page.screenshot(path=str(screenshots / "hub-student-released.png"))
        released.get_by_role("button", name="Fetch").click()
        fetched = page.locator("#fetched_assignments_list")
        fetched.get_by_text(A).first.wait_for()
        assert (Path(pwd.getpwnam(ALICE).pw_dir) / A / f"{A}.ipynb").exists()
        answer(ALICE, nbgrader_run.reference_answers(ROOT, A))
        fetched.get_by_role("button", name="Submit").first.click()
        page.locator("#submitted_assignments_list").get_by_text(A).first.wait_for()
        page.screenshot(path=str(screenshots / "hub-student-submitted.png"))
    finally:
        context.close()
    assert any(p.name.startswith(f"{ALICE}+{A}+") for p in _inbound(hub))


def _inbound(hub) -> list[Path]:
    return list((hub.exchange / "rnn-from-scratch" / "inbound").iterdir())


def _server(user: str) -> int:
    """The PID of `user`'s single-user server."""
    import psutil

    uid = pwd.getpwnam(user).pw_uid
    for process in psutil.process_iter(["uids", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["uids"] and process.info["uids"].real == uid and "jupyterhub-singleuser" in cmdline:
            return process.pid
    raise AssertionError(f"{user} has no server running")


def _cgroups(pid: int) -> dict[str, Path]:
    """controller -> the cgroup folder of a process, for the memory and cpu controllers."""
    groups = {}
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in {"memory", "cpu"} & set(controllers.split(",")):
            groups[controller] = Path("/sys/fs/cgroup") / controller / path.lstrip("/")
    return groups


GROW = """
import sys
chunks = []
while True:  # 64 MiB at a time, each page touched, until the limit stops it
    chunks.append(bytearray(64 * 1024 * 1024))
    if len(chunks) * 64 > int(sys.argv[1]) // 2**20 * 2:
        print("never stopped")
        break
"""


def _in_cgroups_as(user: str, groups: dict[str, Path], code: str, *args: str):
    """Run Python code as `user` inside the given cgroups (joined before it becomes the user)."""
    entry = pwd.getpwnam(user)

    def join_then_become():
        for folder in groups.values():
            (folder / "cgroup.procs").write_text(str(os.getpid()))
        os.setgid(entry.pw_gid)
        os.setgroups([])
        os.setuid(entry.pw_uid)

    return subprocess.run(
        [str(BIN / "python"), "-c", code, *args],
        cwd="/tmp",
        env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": entry.pw_dir},
        preexec_fn=join_then_become,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_students_server_runs_inside_her_memory_and_cpu_limits(hub):
    """alice's server (started by her login above) is in cgroups of her own with the hub's limits; a
    process in them that keeps allocating is killed at the memory limit while her server lives on. (That
    the kernel holds such a cgroup to its CPU quota: tests/test_hub_spawner.py, on an idle-or-not machine.)"""
    server = _server(ALICE)
    groups = _cgroups(server)
    assert {c: f.parts[-2:] for c, f in groups.items()} == dict.fromkeys(("memory", "cpu"), ("rnn-hub", ALICE))
    assert int((groups["memory"] / "memory.limit_in_bytes").read_text()) == MEM_LIMIT
    quota, period = (int((groups["cpu"] / f"cpu.cfs_{name}_us").read_text()) for name in ("quota", "period"))
    assert quota / period == CPU_LIMIT
    grow = _in_cgroups_as(ALICE, groups, GROW, str(MEM_LIMIT))
    assert grow.returncode == -signal.SIGKILL and "never stopped" not in grow.stdout, (grow.returncode, grow.stdout)
    assert int((groups["memory"] / "memory.max_usage_in_bytes").read_text()) <= MEM_LIMIT
    os.kill(server, 0)  # her server is still there


def test_a_student_created_later_gets_a_private_home_when_her_server_starts(hub, chromium):
    """dave is on the class list, but his account (home mode 755) is made after the hub started: his
    home is private once his server starts."""
    home = useradd(LATE, hub.created)
    assert mode(home) == "0o755"
    context, _ = login(chromium, hub, LATE, lab=False)
    context.close()
    assert mode(home) == "0o700"


def test_students_fetch_and_submit_with_nbgrader(hub):
    for user, answers in ((BOB, BOB_ANSWERS), (CAROL, {})):
        run_as(user, [str(BIN / "nbgrader"), "fetch_assignment", A], env=student_env(hub))
        answer(user, answers)
        run_as(user, [str(BIN / "nbgrader"), "submit", A], env=student_env(hub))
    names = {p.name.split("+")[0] for p in _inbound(hub)}
    assert {BOB, CAROL} <= names


PEEK = """
import json, os, sys
results = {}
for label, path in json.loads(sys.argv[1]).items():
    try:
        results[label] = sorted(os.listdir(path))[:3] if os.path.isdir(path) else len(open(path, "rb").read())
    except OSError as error:
        results[label] = type(error).__name__
print(json.dumps(results))
"""


def test_a_student_cannot_read_other_students_or_the_instructor(hub):
    """nbgrader's exchange keeps submissions in a folder students cannot list, each under a name that
    ends with 72 random bits: bob can neither list nor guess alice's (he knows her name, the assignment
    and, at best, the second of her submission)."""
    alice_home = Path(pwd.getpwnam(ALICE).pw_dir)
    alice_submission = next(p for p in _inbound(hub) if p.name.startswith(f"{ALICE}+"))
    student, assignment, timestamp, random_part = alice_submission.name.split("+")
    assert len(random_part) >= 12, "submissions must end with a random string (ExchangeSubmit.add_random_string)"
    guess = hub.exchange / "rnn-from-scratch" / "inbound" / f"{student}+{assignment}+{timestamp}" / f"{A}.ipynb"
    targets = {
        "dave's home": str(pwd.getpwnam(LATE).pw_dir),
        "the exchange's submissions": str(hub.exchange / "rnn-from-scratch" / "inbound"),
        "alice's submission, guessed": str(guess),
        "alice's home": str(alice_home),
        "alice's notebook": str(alice_home / A / f"{A}.ipynb"),
        "the instructor's solutions": str(hub.course / "solutions" / A / f"{A}.ipynb"),
        "the gradebook": str(hub.course / "autograder" / "gradebook.db"),
    }
    proc = run_as(BOB, [str(BIN / "python"), "-c", PEEK, json.dumps(targets)], env=student_env(hub))
    results = json.loads(proc.stdout)
    reached = {
        label: result for label, result in results.items() if result not in ("PermissionError", "FileNotFoundError")
    }
    assert not reached, f"bob reached {reached}"


def test_the_instructor_collects_grades_and_releases_feedback(hub):
    teacher(hub, "-m", "tools.grade", "collect", "-a", A)
    submitted = hub.course / "autograder" / "submitted"
    assert {p.name for p in submitted.iterdir()} == set(STUDENTS)
    teacher(hub, "-m", "tools.grade", "all", "-a", A)
    rows = (hub.course / "autograder" / "report" / "grades.csv").read_text()
    scores = dict(re.findall(rf"^({'|'.join(STUDENTS)}),([\d.]+)", rows, re.M))
    assert scores == {ALICE: "9.0", BOB: "5.0", CAROL: "0.0"}, rows
    teacher(hub, "-m", "tools.grade", "release-feedback", "-a", A)


def test_each_student_fetches_feedback_with_the_right_score(hub):
    # out of 11: 9 from the tests, 2 for the free-text question they left unanswered (tools/freetext.py)
    expected = {ALICE: "9.0 / 11.0", BOB: "5.0 / 11.0", CAROL: "0.0 / 11.0"}
    for user, score in expected.items():
        run_as(user, [str(BIN / "nbgrader"), "fetch_feedback", A], env=student_env(hub))
        pages = list((Path(pwd.getpwnam(user).pw_dir) / A / "feedback").rglob(f"{A}.html"))
        assert pages, f"{user} got no feedback"
        text = re.sub(r"<[^>]+>", " ", pages[0].read_text())
        assert score in re.sub(r"\s+", " ", text), f"{user}: no '{score}' in the feedback"
        if user == BOB:
            assert "expected shape (3, 5), got (5, 3)" in text


def test_the_instructor_sees_names_and_no_exchange_warning_in_formgrader(hub, chromium, screenshots):
    context, page = login(chromium, hub, TEACHER)
    try:
        page.get_by_role("menuitem", name="Nbgrader", exact=True).click()
        page.get_by_role("menuitem", name="Formgrader", exact=True).click()
        frame = page.frame_locator("#formgrader iframe")
        try:
            frame.locator("#main-table").get_by_text(A).first.wait_for()
        finally:
            page.screenshot(path=str(screenshots / "hub-formgrader.png"))
        assert "exchange directory" not in frame.locator("body").inner_text().lower()
        frame.get_by_role("link", name="Manage Students").click()
        frame.locator("#main-table").get_by_text("Student, Alice").wait_for()
        page.screenshot(path=str(screenshots / "hub-formgrader-students.png"))
        text = frame.locator("#main-table").inner_text()
        assert "None, None" not in text and "Student, Bob" in text, text
    finally:
        context.close()
