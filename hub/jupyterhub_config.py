"""JupyterHub for the course: students fetch, work on and submit assignments in JupyterLab's
*Assignments* tab (nbgrader's exchange); instructors release, collect and grade from the course's
repository. `make hub` starts it (as root: each user's server runs as that system user). README,
"Running a class on JupyterHub".

Settings, from environment variables (the defaults suit one machine and the test, tests/test_hub.py):

    RNN_HUB_IP, RNN_HUB_PORT   where the hub listens (127.0.0.1, 8000). On a real server keep it on
                               127.0.0.1 behind a reverse proxy (nginx, Caddy) that adds HTTPS.
    RNN_COURSE_EXCHANGE        nbgrader's exchange (/srv/nbgrader/exchange): a folder every user
                               reaches, mode 1777; `make hub` creates it.
    RNN_HUB_INSTRUCTORS        system users who teach (comma-separated; default: the user running
                               make hub, when it is not root). Their server opens the course's
                               repository with Formgrader.
    RNN_HUB_STUDENTS           system users who study (comma-separated; default: the ids of
                               autograder/roster.csv). Their server opens their home folder, with the
                               Assignments tab and Validate only.
    RNN_HUB_AUTHENTICATOR      pam (default: the users' system passwords) or dummy (one shared password,
                               RNN_HUB_PASSWORD: for a trial or a test, never for a class). For a
                               university login use an OAuthenticator (README).
    RNN_HUB_COURSE             the course's repository (default: the one holding this file).
    RNN_HUB_STATE              the hub's own database, cookie secret and proxy PID (hub/state/).
    RNN_HUB_MEM_LIMIT          memory of one user's server and kernels together (2G; 0: no limit).
    RNN_HUB_CPU_LIMIT          CPU cores of one user's server and kernels together (1; 0: no limit).
    RNN_HUB_SPAWNER            systemd: systemdspawner enforces the limits (a host run by systemd);
                               unset: tools/hub.py's spawner, with cgroups v1 (no systemd, as root).

Students' homes are made private (mode 700) when the hub starts and before each student's server starts;
each user's server runs inside its memory and CPU limits (tools/hub.py). The hub refuses to start when
limits are set and this machine cannot enforce them (README, "Running a class on JupyterHub").
"""

import csv
import os
import pwd
import shutil
import sys
from pathlib import Path

from jupyterhub.traitlets import ByteSpecification

c = get_config()  # noqa: F821 -- provided by traitlets when it loads this file

HUB = Path(__file__).resolve().parent
COURSE = Path(os.environ.get("RNN_HUB_COURSE", HUB.parent)).resolve()
STATE = Path(os.environ.get("RNN_HUB_STATE", HUB / "state"))
EXCHANGE = os.environ.get("RNN_COURSE_EXCHANGE", "/srv/nbgrader/exchange")
BIN = Path(sys.executable).parent
STATE.mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(HUB.parent))  # tools.hub, the spawner, from the repository holding this file

from tools import hub  # noqa: E402 -- after the path is set


def _users(variable: str, default: list[str]) -> set[str]:
    value = os.environ.get(variable)
    return {u.strip() for u in value.split(",") if u.strip()} if value is not None else set(default)


def _roster() -> list[str]:
    path = COURSE / "autograder" / "roster.csv"
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [row["id"].strip() for row in csv.DictReader(f) if row.get("id")]


INSTRUCTORS = _users("RNN_HUB_INSTRUCTORS", [os.environ["SUDO_USER"]] if os.environ.get("SUDO_USER") else [])
STUDENTS = _users("RNN_HUB_STUDENTS", _roster())

# -- where it listens -----------------------------------------------------------------------------
c.JupyterHub.ip = os.environ.get("RNN_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("RNN_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("RNN_HUB_API_PORT", str(c.JupyterHub.port + 81)))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{c.JupyterHub.port + 1}"
c.ConfigurableHTTPProxy.command = [str(HUB / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")

# -- who may log in -------------------------------------------------------------------------------
if os.environ.get("RNN_HUB_AUTHENTICATOR", "pam") == "dummy":
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = os.environ["RNN_HUB_PASSWORD"]
else:
    c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = INSTRUCTORS | STUDENTS
c.Authenticator.admin_users = INSTRUCTORS

# -- each user's server: the course's environment, run as that system user, within its limits -----
# tools/hub.py enforces the limits with cgroups v1 (no systemd); on a systemd host, systemdspawner does (README)
SYSTEMD = os.environ.get("RNN_HUB_SPAWNER") == "systemd"
c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner" if SYSTEMD else hub.CourseSpawner
MEM_LIMIT = os.environ.get("RNN_HUB_MEM_LIMIT", "2G")  # the measured need: README, the capacity table
c.Spawner.mem_limit = int(MEM_LIMIT) if MEM_LIMIT.isdigit() else ByteSpecification().validate(None, MEM_LIMIT)
c.Spawner.cpu_limit = float(os.environ.get("RNN_HUB_CPU_LIMIT", "1"))
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def _prepare(spawner) -> None:
    """Instructors work in the course's repository (nbgrader_config.py, Formgrader, hub/instructor/);
    students in their home, with hub/student/ as their Jupyter configuration (the course id, the
    exchange, no Formgrader)."""
    name = spawner.user.name
    environment = {
        "RNN_COURSE_EXCHANGE": EXCHANGE,
        "PATH": f"{BIN}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "PYTHONNOUSERSITE": "1",
    }
    if name in INSTRUCTORS:
        # the course's nbgrader_config.py, and hub/instructor/: JupyterHub forbids embedding a user's pages
        # in a frame (CSP frame-ancestors 'none'), and JupyterLab shows Formgrader in one of its own
        environment["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(COURSE), str(HUB / "instructor")])
        spawner.notebook_dir = str(COURSE)
    else:
        environment["JUPYTER_CONFIG_PATH"] = str(HUB / "student")
        spawner.notebook_dir = "~"
        hub.make_private(Path(pwd.getpwnam(name).pw_dir))  # a student created after the hub started too
    spawner.environment.update(environment)


c.Spawner.pre_spawn_hook = _prepare

if shutil.which("configurable-http-proxy", path=str(HUB / "node_modules" / ".bin")) is None:
    raise SystemExit("the hub's proxy is missing: run `make hub-setup` (npm ci in hub/)")

# -- checked at start: students' homes private, the limits enforceable -------------------------------
hub.private_homes(STUDENTS, log=lambda line: print(f"[rnn-course hub] {line}", file=sys.stderr))
try:
    if not SYSTEMD:  # systemdspawner's limits are systemd's
        hub.check_limits(c.Spawner.mem_limit, c.Spawner.cpu_limit)
except hub.LimitsError as error:
    raise SystemExit(
        f"the hub cannot enforce the users' memory and CPU limits: {error}. On a host run by systemd, set "
        "RNN_HUB_SPAWNER=systemd (systemdspawner; README, 'Running a class on JupyterHub'); to run without "
        "limits, RNN_HUB_MEM_LIMIT=0 RNN_HUB_CPU_LIMIT=0"
    ) from error
