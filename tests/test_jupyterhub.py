"""A class on one server: JupyterHub with nbgrader's exchange, on loopback.

The slow test plays a whole assignment through deploy/jupyterhub/:

- it makes an instructor and two students as real Unix accounts (unique
  names per run) with deploy/jupyterhub/setup.sh, which also makes the
  exchange (in a temporary folder) and the instructor's course folder;
- it starts JupyterHub 5 from deploy/jupyterhub/jupyterhub_config.py,
  loaded by a small wrapper that only moves it onto free loopback ports
  and temporary state, logs in with DummyAuthenticator and adds an API
  service for the test; the proxy is the Python configurable-http-proxy;
- through the hub's REST API it checks the groups and roles, gets each
  user a token and starts each user's server (LocalProcessSpawner, run by
  root, each server as its user);
- with the nbgrader command line run as each user (runuser), the
  instructor releases npi_and_units, the students fetch, answer (one with
  the solutions, one rounding each code on its own: Question 2.1 wrong)
  and submit, the instructor collects, autogrades, generates and releases
  feedback, and each student fetches their own;
- it checks the grades, that neither student can read (or remove) the
  other's submission or feedback, that every listening socket is on
  127.0.0.1, and, after stopping the hub by its PID, that every process
  it saw is gone and the accounts are removed.

It is one test function on purpose: the Unix groups of the course are
machine-wide, so two runs must not overlap (pytest-xdist never splits one
function across workers).
"""

import json
import os
import pwd
import grp
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from nbgrader_course import without_delimiters

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "jupyterhub"
SETUP = DEPLOY / "setup.sh"
BIN = Path(sys.executable).parent
COURSE_ID = "trainer-billing"
GROUPS = (f"formgrade-{COURSE_ID}", f"nbgrader-{COURSE_ID}")
ASSIGNMENT = "npi_and_units"
SOURCE = ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

# Points per autograded cell of npi_and_units (tests/test_grading.py).
POINTS = {"q1_1_test": 3, "q1_2_test": 3, "q2_1_test": 4, "q2_2_test": 2}
MAX_SCORE = sum(POINTS.values()) + 4  # plus Question 3.1, read by hand
AMA_STYLE_CMS_UNITS = '''\
def cms_units(minutes: dict[str, int]) -> dict[str, int]:
    """Return billable units per code for one day, by the CMS 8-minute rule."""
    return {code: (m + 7) // 15 for code, m in minutes.items()}
'''


# --- fast checks on the deploy files ------------------------------------------

def test_setup_script_parses_and_configs_compile():
    subprocess.run(["bash", "-n", str(SETUP)], check=True)
    for name in ("jupyterhub_config.py", "nbgrader_config.py",
                 "roles/instructor/jupyter_server_config.py"):
        compile((DEPLOY / name).read_text(), name, "exec")
    for name in ("roles/student/jupyter_server_config.json",
                 "roles/student/labconfig/page_config.json"):
        json.loads((DEPLOY / name).read_text())


def test_pre_spawn_hook_gives_each_role_its_extensions(monkeypatch):
    """The hook, run on stand-in spawners (no hub needed)."""
    from traitlets.config import Config

    def load(subdomain_host=""):
        monkeypatch.setenv("TRAINER_BILLING_SUBDOMAIN_HOST", subdomain_host)
        config = Config()
        namespace = {"get_config": lambda: config, "c": config,
                     "__file__": str(DEPLOY / "jupyterhub_config.py")}
        exec(compile((DEPLOY / "jupyterhub_config.py").read_text(),
                     "jupyterhub_config.py", "exec"), namespace)
        return config

    class Group:
        def __init__(self, name):
            self.name = name

    class Spawner:
        def __init__(self, *groups):
            self.user = type("User", (), {"groups": [Group(g) for g in groups]})
            self.environment = {"JUPYTER_CONFIG_PATH": "/etc/extra"}

    for host, frames in (("", None), ("https://hub.example.org", "'self'")):
        config = load(host)
        hook = config.Spawner.pre_spawn_hook
        teacher, student = Spawner(GROUPS[0]), Spawner(GROUPS[1])
        hook(teacher)
        hook(student)
        assert teacher.environment["JUPYTER_CONFIG_PATH"] == os.pathsep.join(
            [str(DEPLOY / "roles" / "instructor"), "/etc/extra"])
        assert student.environment["JUPYTER_CONFIG_PATH"].startswith(
            str(DEPLOY / "roles" / "student"))
        assert teacher.environment.get("TRAINER_BILLING_FRAME_ANCESTORS") == frames
        assert "TRAINER_BILLING_FRAME_ANCESTORS" not in student.environment
        proxy = config.ConfigurableHTTPProxy.command[0]
        assert proxy == (str(BIN / "configurable-http-proxy") if not host
                         else "/usr/local/bin/configurable-http-proxy")
        assert config.JupyterHub.bind_url.startswith("http://127.0.0.1:")
        assert config.Spawner.ip == "127.0.0.1"


# --- the class, end to end ----------------------------------------------------

def missing_prerequisite():
    if sys.platform != "linux":
        return "needs Linux (Unix accounts, runuser, POSIX ACLs)"
    if os.geteuid() != 0:
        return "needs root: it creates Unix accounts and runs servers as them"
    for tool in ("useradd", "userdel", "groupdel", "runuser", "bash"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    for tool in ("jupyterhub", "jupyterhub-singleuser", "configurable-http-proxy"):
        if not (BIN / tool).exists():
            return (f"{tool} is missing from {BIN}: pip install "
                    "jupyterhub==5.5.4 configurable-http-proxy==0.4.0")
    if not (Path(sys.base_prefix) / "lib" / f"python{PY}" / "os.py").exists():
        return f"cannot find the standard library of {sys.executable}"
    return None


PY = f"{sys.version_info.major}.{sys.version_info.minor}"
VENV_SITE = BIN.parent / "lib" / f"python{PY}" / "site-packages"


def runnable_by_others(python):
    result = subprocess.run(
        ["runuser", "-u", "nobody", "--", python, "-c", "pass"],
        capture_output=True, cwd="/")
    return result.returncode == 0


LIB_PATH = "LD_LIBRARY_PATH"
SKIP_STDLIB = {"site-packages", "test", "idlelib", "tkinter", "turtledemo",
               "ensurepip", "__phello__"}


def portable_python(folder):
    """Copy .venv's base interpreter (binary, libpython, standard library)
    to `folder`, where every user can run it with LD_LIBRARY_PATH set."""
    base = Path(sys.base_prefix)
    real = Path(os.path.realpath(sys.executable))
    (folder / "bin").mkdir(parents=True)
    shutil.copy2(real, folder / "bin" / real.name)
    (folder / "lib").mkdir()
    for library in base.glob(f"lib/libpython{PY}*.so*"):
        shutil.copy2(library, folder / "lib" / library.name)
    shutil.copytree(
        base / "lib" / f"python{PY}", folder / "lib" / f"python{PY}",
        symlinks=True, ignore=lambda d, names: [
            n for n in names if n in SKIP_STDLIB or n.startswith("config-")])
    folder.chmod(0o755)
    return folder / "bin" / real.name, folder / "lib"


def make_user_venv(folder):
    """A virtual environment the test's users can run: the project's .venv
    seen through a copy of its interpreter.

    On a class server setup.sh builds the environment in /opt from the
    system's Python, which everyone can run. Here .venv's interpreter may
    sit under a private /root (pyenv), so the test copies that interpreter
    (same build, same version) next to the course, makes a venv from the
    copy whose site-packages loads .venv's, and links the venv's share/
    and etc/ to .venv's, so Jupyter finds the same extensions and kernels.
    Returns (bin folder, LD_LIBRARY_PATH for the copy).
    """
    python, lib = portable_python(folder.parent / "python")
    env = dict(os.environ, **{LIB_PATH: str(lib)})
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(folder)],
                   check=True, env=env)
    site = folder / "lib" / f"python{PY}" / "site-packages"
    (site / "_trainer_billing_venv.pth").write_text(
        f"import site; site.addsitedir({str(VENV_SITE)!r})\n")
    for name in ("share", "etc"):
        (folder / name).symlink_to(BIN.parent / name)
    scripts = {"nbgrader": "nbgrader.apps.nbgraderapp",
               "alembic": "alembic.config",
               "jupyterhub-singleuser": "jupyterhub.singleuser"}
    for name, module in scripts.items():
        script = folder / "bin" / name
        script.write_text(f"#!{folder / 'bin' / 'python'}\n"
                          f"import sys\nfrom {module} import main\n"
                          "sys.exit(main())\n")
        script.chmod(0o755)
    return folder / "bin", str(lib)


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def answered(release_path, wrong_cms_rule):
    """The fetched notebook with the instructor's solutions typed in."""
    nb = nbformat.read(release_path, as_version=4)
    solutions = {cell.metadata.nbgrader["grade_id"]: cell.source
                 for cell in nbformat.read(SOURCE, as_version=4).cells
                 if "nbgrader" in cell.metadata}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = without_delimiters(solutions[meta["grade_id"]])
            if wrong_cms_rule and meta["grade_id"] == "q2_1_answer":
                cell.source = AMA_STYLE_CMS_UNITS
    return nb


class ClassRun:
    """One run of the class; every step's outcome lands in self.seen."""

    def __init__(self):
        tag = secrets.token_hex(3)
        self.instructor = f"tbi{tag}"
        self.students = (f"tbs{tag}a", f"tbs{tag}b")
        self.users = (self.instructor, *self.students)
        self.password = secrets.token_urlsafe(16)
        self.service_token = secrets.token_hex(32)
        self.public, self.hub_port, self.api_port = free_ports(3)
        self.url = f"http://127.0.0.1:{self.public}"
        self.groups_existed = {g: self.group_exists(g) for g in GROUPS}
        # Under /tmp, not pytest's 0700 tmp_path: the test users must be
        # able to read the shared nbgrader config and reach the exchange.
        self.base = Path(tempfile.mkdtemp(prefix="tb-hub-"))
        self.base.chmod(0o755)
        self.exchange = self.base / "srv" / "exchange"
        self.etc_jupyter = self.base / "etc-jupyter"
        self.state = self.base / "hub"
        self.user_bin, self.lib_path = BIN, ""
        self.hub = None
        self.pids = set()
        self.tokens = {}
        self.seen = {}

    @staticmethod
    def group_exists(name):
        try:
            grp.getgrnam(name)
            return True
        except KeyError:
            return False

    # --- plumbing -------------------------------------------------------------

    def setup_sh(self, *args):
        env = dict(os.environ, EXCHANGE_ROOT=str(self.exchange))
        result = subprocess.run(["bash", str(SETUP), *args], env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (args, result.stdout, result.stderr)

    def home(self, user):
        return Path(pwd.getpwnam(user).pw_dir)

    def as_user(self, user, *command, cwd=None, check=True):
        """Run a command as `user`, with a clean environment, like a login."""
        home = self.home(user)
        env = ["env", "-i", f"HOME={home}", f"USER={user}", f"LOGNAME={user}",
               f"PATH={self.user_bin}:/usr/bin:/bin", "LANG=C.UTF-8",
               f"JUPYTER_CONFIG_PATH={self.etc_jupyter}",
               f"{LIB_PATH}={self.lib_path}"]
        result = subprocess.run(
            ["runuser", "-u", user, "--", *env, *command],
            cwd=cwd or home, capture_output=True, text=True, timeout=300)
        if check:
            assert result.returncode == 0, (
                f"{user}: {' '.join(command)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}")
        return result

    def nbgrader(self, user, *args, cwd=None):
        begun = time.monotonic()
        result = self.as_user(user, str(self.user_bin / "nbgrader"), *args, cwd=cwd)
        self.seen.setdefault("nbgrader_seconds", []).append(
            (args[0], round(time.monotonic() - begun, 1)))
        return result

    def api(self, method, path, token=None, **kwargs):
        import requests
        headers = {"Authorization": f"token {token or self.service_token}"}
        return requests.request(method, f"{self.url}{path}", headers=headers,
                                timeout=30, **kwargs)

    def wait(self, what, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.hub is not None and self.hub.poll() is not None:
                raise AssertionError(f"the hub exited while waiting for {what}:\n"
                                     + self.hub_log())
            try:
                if predicate():
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"timed out waiting for {what}:\n" + self.hub_log())

    def hub_log(self):
        path = self.state / "hub.log"
        return path.read_text()[-6000:] if path.exists() else ""

    def note_processes(self):
        import psutil
        if self.hub is None:
            return
        try:
            hub = psutil.Process(self.hub.pid)
            self.pids |= {hub.pid, *(p.pid for p in hub.children(recursive=True))}
        except psutil.NoSuchProcess:
            pass

    # --- the run --------------------------------------------------------------

    def accounts(self):
        if not runnable_by_others(sys.executable):
            self.user_bin, self.lib_path = make_user_venv(self.base / "venv")
        self.setup_sh("add-instructor", self.instructor)
        self.setup_sh("add-student", *self.students)
        self.setup_sh("exchange", self.instructor)
        self.setup_sh("course", self.instructor)
        self.seen["home_modes"] = {
            u: oct(self.home(u).stat().st_mode & 0o777) for u in self.users}
        self.etc_jupyter.mkdir()
        (self.etc_jupyter / "nbgrader_config.py").write_text(
            "c = get_config()\n"
            f"load_subconfig({str(DEPLOY / 'nbgrader_config.py')!r})\n"
            f"c.Exchange.root = {str(self.exchange)!r}\n")
        self.etc_jupyter.chmod(0o755)

    def start_hub(self):
        self.state.mkdir(mode=0o700)
        config = self.state / "jupyterhub_config.py"
        config.write_text(f"""\
c = get_config()
load_subconfig({str(DEPLOY / 'jupyterhub_config.py')!r})
# Only what a test needs differs from the deployed configuration.
c.JupyterHub.bind_url = "http://127.0.0.1:{self.public}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{self.hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{self.api_port}"
c.ConfigurableHTTPProxy.pid_file = {str(self.state / 'proxy.pid')!r}
c.JupyterHub.pid_file = {str(self.state / 'hub.pid')!r}
c.JupyterHub.db_url = "sqlite:///{self.state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = {str(self.state / 'cookie_secret')!r}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {self.password!r}
c.Authenticator.allowed_users = {set(self.users)!r}
c.JupyterHub.load_groups = {{
    {GROUPS[0]!r}: [{self.instructor!r}],
    {GROUPS[1]!r}: {list(self.students)!r},
}}
c.Spawner.environment = {{"JUPYTER_CONFIG_PATH": {str(self.etc_jupyter)!r},
                          {LIB_PATH!r}: {self.lib_path!r}}}
c.Spawner.cmd = [{str(self.user_bin / 'jupyterhub-singleuser')!r}]
c.JupyterHub.services = [{{"name": "class-test",
                           "api_token": {self.service_token!r}}}]
c.JupyterHub.load_roles = list(c.JupyterHub.load_roles) + [{{
    "name": "class-test",
    "services": ["class-test"],
    "scopes": ["admin:users", "admin:servers", "admin:groups",
               "access:servers", "tokens"],
}}]
""")
        log = open(self.state / "hub.log", "w")
        env = {"PATH": f"{BIN}:/usr/bin:/bin", "LANG": "C.UTF-8",
               "HOME": str(self.state)}
        self.hub = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(config)], cwd=self.state,
            env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        self.pids.add(self.hub.pid)
        self.wait("the hub's API through the proxy",
                  lambda: self.api("GET", "/hub/api/").status_code == 200, 90)
        self.note_processes()

    def rest_api(self):
        users = {u["name"]: u for u in self.api("GET", "/hub/api/users").json()}
        self.seen["hub_users"] = sorted(users)
        self.seen["hub_groups"] = {
            name: sorted(self.api("GET", f"/hub/api/groups/{name}").json()["users"])
            for name in GROUPS}
        for user in self.users:
            response = self.api("POST", f"/hub/api/users/{user}/tokens",
                                json={"note": "class test", "expires_in": 900})
            assert response.status_code in (200, 201), response.text
            self.tokens[user] = response.json()["token"]
        # Start every server at once (two cores: let them overlap).
        for user in self.users:
            response = self.api("POST", f"/hub/api/users/{user}/server")
            assert response.status_code in (201, 202), response.text

        def all_ready():
            for user in self.users:
                server = self.api("GET", f"/hub/api/users/{user}").json()[
                    "servers"].get("", {})
                if not server.get("ready"):
                    return False
            return True

        self.wait("every user's server", all_ready, 180)
        self.note_processes()
        a, b = self.students
        teacher = self.tokens[self.instructor]
        # The class list: the instructor may read it, a student may not.
        self.seen["class_list_by_instructor"] = self.api(
            "GET", f"/hub/api/groups/{GROUPS[1]}", teacher).status_code
        self.seen["class_list_by_student"] = self.api(
            "GET", f"/hub/api/groups/{GROUPS[1]}", self.tokens[a]).status_code
        self.seen["other_user_by_student"] = self.api(
            "GET", f"/hub/api/users/{b}", self.tokens[a]).status_code
        # Whose server answers whom.
        self.seen["student_opens_instructor_server"] = self.api(
            "GET", f"/user/{self.instructor}/api/contents",
            self.tokens[a], allow_redirects=False).status_code
        self.seen["student_opens_other_student_server"] = self.api(
            "GET", f"/user/{b}/api/contents",
            self.tokens[a], allow_redirects=False).status_code
        # The formgrader: served to its instructor as a page of its own;
        # JupyterHub's CSP forbids framing it (the display limit).
        page = self.api("GET", f"/user/{self.instructor}/formgrader", teacher)
        self.seen["formgrader_page"] = (page.status_code, page.url,
                                        "Manage Assignments" in page.text)
        self.seen["formgrader_csp"] = page.headers.get("Content-Security-Policy", "")
        self.seen["student_formgrader"] = self.api(
            "GET", f"/user/{a}/formgrader", self.tokens[a]).status_code
        # JupyterLab's page config: the student's has the formgrader's
        # menu and tabs switched off, the instructor's does not.
        self.seen["lab_disabled"] = {
            user: lab_disabled_extensions(self.api(
                "GET", f"/user/{user}/lab", self.tokens[user]))
            for user in (self.instructor, a)}

    def assignment(self):
        course = self.home(self.instructor) / COURSE_ID
        teach = lambda *args: self.nbgrader(self.instructor, *args, cwd=course)
        teach("generate_assignment", ASSIGNMENT, "--force")
        teach("release_assignment", ASSIGNMENT)
        a, b = self.students
        # The released assignment, as a student's server lists it.
        listing = self.api(
            "GET", f"/user/{a}/assignments", self.tokens[a],
            params={"course_id": COURSE_ID})
        self.seen["assignment_list"] = (listing.status_code, listing.json())

        def work(student, wrong):
            self.nbgrader(student, "fetch_assignment", ASSIGNMENT)
            path = self.home(student) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
            nb = answered(path, wrong_cms_rule=wrong)
            self.write_as(student, path, nbformat.writes(nb))
            self.nbgrader(student, "submit", ASSIGNMENT)

        # The two students work at the same time, as a class does.
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(work, (a, b), (False, True)))
        teach("collect", ASSIGNMENT)
        teach("autograde", ASSIGNMENT)
        teach("generate_feedback", ASSIGNMENT)
        teach("release_feedback", ASSIGNMENT)
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda s: self.nbgrader(s, "fetch_feedback", ASSIGNMENT),
                          self.students))
        self.seen["scores"] = self.scores(course)
        self.seen["feedback"] = {}
        for student in self.students:
            pages = list((self.home(student) / ASSIGNMENT / "feedback").glob(
                f"*/{ASSIGNMENT}.html"))
            self.seen["feedback"][student] = [
                re.findall(rf"{ASSIGNMENT} \(Score: ([\d.]+) / ([\d.]+)\)",
                           p.read_text()) for p in pages]
        # The formgrader sees the same grades through the hub.
        response = self.api(
            "GET", f"/user/{self.instructor}/formgrader/api/submissions/{ASSIGNMENT}",
            self.tokens[self.instructor])
        self.seen["formgrader_scores"] = (
            response.status_code,
            {s["student"]: s["score"] for s in response.json()}
            if response.status_code == 200 else response.text[:500])

    def write_as(self, user, path, text):
        """Write a file in the user's home as that user (stdin -> file)."""
        result = subprocess.run(
            ["runuser", "-u", user, "--", "tee", str(path)], input=text,
            capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr

    def scores(self, course):
        from nbgrader.api import Gradebook

        scores = {}
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}",
                       course_id=COURSE_ID) as gb:
            for student in self.students:
                nb = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student)
                scores[student] = {
                    "score": nb.score, "max_score": nb.max_score,
                    "cells": {g.name: g.auto_score for g in nb.grades
                              if g.name in POINTS}}
        return scores

    def privacy(self):
        """What each student can do to the other's files."""
        course = self.exchange / COURSE_ID
        inbound, feedback = course / "inbound", course / "feedback"
        seen = self.seen["privacy"] = {}
        for me, other in (self.students, self.students[::-1]):
            mine = {}
            mine["list inbound"] = self.as_user(me, "ls", str(inbound), check=False)
            theirs = sorted(inbound.glob(f"{other}+{ASSIGNMENT}+*"))
            assert len(theirs) == 1, theirs
            mine["read submission"] = self.as_user(
                me, "cat", str(theirs[0] / f"{ASSIGNMENT}.ipynb"), check=False)
            mine["read submission secret"] = self.as_user(
                me, "cat", str(theirs[0] / "submission_secret.txt"), check=False)
            mine["remove submission"] = self.as_user(
                me, "rm", "-rf", str(theirs[0]), check=False)
            mine["submission still there"] = (
                theirs[0] / f"{ASSIGNMENT}.ipynb").exists()
            mine["list feedback"] = self.as_user(me, "ls", str(feedback), check=False)
            own_page = next((self.home(me) / ASSIGNMENT / "feedback").glob(
                f"*/{ASSIGNMENT}.html")).read_bytes()
            readable, unreadable = [], []
            for page in sorted(feedback.glob("*.html")):
                result = self.as_user(me, "cat", str(page), check=False)
                (readable if result.returncode == 0 else unreadable).append(
                    (page, result))
            mine["own feedback only"] = (
                len(readable) == 1 and readable[0][0].read_bytes() == own_page)
            mine["read other's feedback"] = [r for _, r in unreadable]
            mine["read other's home"] = self.as_user(
                me, "cat", str(self.home(other) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"),
                check=False)
            mine["read course folder"] = self.as_user(
                me, "ls", str(self.home(self.instructor) / COURSE_ID), check=False)
            seen[me] = mine
        seen["submission modes"] = sorted(
            oct(p.stat().st_mode & 0o7777) for p in inbound.glob("*/*"))

    def sockets(self):
        import psutil
        self.note_processes()
        listening = []
        for conn in psutil.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN and conn.pid in self.pids:
                listening.append((conn.laddr.ip, conn.laddr.port, conn.pid))
        self.seen["listening"] = listening
        ss = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True) \
            if shutil.which("ss") else None
        self.seen["ss"] = [
            line.split()[3] for line in (ss.stdout.splitlines() if ss else [])
            if any(f"pid={pid}," in line for pid in self.pids)]

    def stop(self):
        """Stop servers through the API and the hub by its PID."""
        import psutil
        self.note_processes()
        if self.hub is not None and self.hub.poll() is None:
            for user in self.users:
                try:
                    self.api("DELETE", f"/hub/api/users/{user}/server")
                except OSError:
                    pass
            self.hub.send_signal(signal.SIGTERM)
            try:
                self.hub.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.hub.kill()
                self.hub.wait(timeout=30)
        survivors = []
        for pid in sorted(self.pids):
            try:
                process = psutil.Process(pid)
                if process.status() == psutil.STATUS_ZOMBIE:
                    continue
            except psutil.NoSuchProcess:
                continue
            survivors.append((pid, process.name()))
            process.kill()  # by its PID, never by name
        self.seen["survivors"] = survivors
        self.seen["pids"] = sorted(self.pids)

    def remove_accounts(self):
        import psutil
        for user in self.users:
            try:
                pwd.getpwnam(user)
            except KeyError:
                continue
            for process in psutil.process_iter(["username"]):
                if process.info["username"] == user:  # stragglers, by PID
                    process.kill()
            subprocess.run(["userdel", "--remove", user], capture_output=True)
        for group, existed in self.groups_existed.items():
            if not existed and self.group_exists(group):
                subprocess.run(["groupdel", group], capture_output=True)
        self.seen["accounts_left"] = [u for u in self.users
                                      if self.user_exists(u)]
        self.seen["homes_left"] = [u for u in self.users
                                   if Path("/home", u).exists()]
        shutil.rmtree(self.base, ignore_errors=True)

    @staticmethod
    def user_exists(name):
        try:
            pwd.getpwnam(name)
            return True
        except KeyError:
            return False


def cpu_seconds():
    """CPU time of this process and its finished children (hub, servers,
    proxy and every nbgrader run are children)."""
    import resource
    return sum(getattr(resource.getrusage(who), field)
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for field in ("ru_utime", "ru_stime"))


def lab_disabled_extensions(response):
    """The nbgrader plugins JupyterLab's page config switches off."""
    assert response.status_code == 200, response.status_code
    match = re.search(r'<script id="jupyter-config-data" type="application/json">'
                      r'(.*?)</script>', response.text, re.S)
    disabled = json.loads(match.group(1)).get("disabledExtensions", [])
    return sorted(name for name in disabled if name.startswith("@jupyter/nbgrader"))


def denied(result):
    """Refused by the kernel: EACCES, or EPERM (the sticky bit on inbound)."""
    return result.returncode != 0 and (
        "Permission denied" in result.stderr
        or "Operation not permitted" in result.stderr)


@pytest.mark.slow
def test_a_class_runs_on_jupyterhub_on_loopback():
    reason = missing_prerequisite()
    if reason:
        pytest.skip(reason)
    started = time.monotonic()
    cpu_before = cpu_seconds()
    run = ClassRun()
    phases = {}
    try:
        for phase in (run.accounts, run.start_hub, run.rest_api,
                      run.assignment, run.privacy, run.sockets):
            begun = time.monotonic()
            phase()
            phases[phase.__name__] = round(time.monotonic() - begun, 1)
    except BaseException:
        print(run.hub_log())
        raise
    finally:
        run.stop()
        run.remove_accounts()
    seen = run.seen
    seconds = time.monotonic() - started
    cpu = cpu_seconds() - cpu_before
    print(f"class round trip on JupyterHub: {seconds:.1f} s "
          f"({cpu:.1f} s of CPU) {phases}", seen.get("nbgrader_seconds"))
    a, b = run.students

    # Accounts and the hub's view of them.
    assert set(seen["home_modes"].values()) == {"0o700"}
    assert seen["hub_users"] == sorted(run.users)
    assert seen["hub_groups"] == {GROUPS[0]: [run.instructor],
                                  GROUPS[1]: sorted(run.students)}
    assert seen["class_list_by_instructor"] == 200
    assert seen["class_list_by_student"] in (403, 404)
    assert seen["other_user_by_student"] in (403, 404)
    assert seen["student_opens_instructor_server"] in (302, 403)
    assert seen["student_opens_other_student_server"] in (302, 403)

    # The formgrader: a page of its own for the instructor, never framed
    # (JupyterHub's default CSP), and absent from students' servers.
    status, url, looks_right = seen["formgrader_page"]
    assert status == 200 and "/formgrader" in url and looks_right, seen["formgrader_page"]
    assert "frame-ancestors 'none'" in seen["formgrader_csp"]
    assert seen["student_formgrader"] == 404
    assert seen["lab_disabled"] == {
        run.instructor: [],
        a: ["@jupyter/nbgrader:course-list", "@jupyter/nbgrader:create-assignment",
            "@jupyter/nbgrader:formgrader"]}

    # The assignment went round, with exact grades.
    status, listing = seen["assignment_list"]
    assert status == 200 and listing["success"], listing
    assert [x["assignment_id"] for x in listing["value"]
            if x["status"] == "released"] == [ASSIGNMENT]
    full = sum(POINTS.values())
    assert seen["scores"] == {
        a: {"score": full, "max_score": MAX_SCORE, "cells": POINTS},
        b: {"score": full - 4, "max_score": MAX_SCORE,
            "cells": {**POINTS, "q2_1_test": 0}},
    }
    assert seen["feedback"] == {
        a: [[(f"{full:.1f}", f"{MAX_SCORE:.1f}")]],
        b: [[(f"{full - 4:.1f}", f"{MAX_SCORE:.1f}")]],
    }
    assert seen["formgrader_scores"] == (200, {a: full, b: full - 4})

    # Neither student can reach the other's work.
    for me in run.students:
        mine = seen["privacy"][me]
        for check in ("list inbound", "read submission", "read submission secret",
                      "remove submission", "list feedback", "read other's home",
                      "read course folder"):
            assert denied(mine[check]), (me, check, mine[check])
        assert mine["own feedback only"] and mine["submission still there"], me
        assert len(mine["read other's feedback"]) == 1
        assert all(denied(r) for r in mine["read other's feedback"])
    assert seen["privacy"]["submission modes"] == ["0o640"] * 6  # 3 files x 2

    # Loopback only: hub, proxy (public and API) and the three servers.
    ips = {ip for ip, _, _ in seen["listening"]}
    ports = {port for _, port, _ in seen["listening"]}
    assert ips == {"127.0.0.1"}, seen["listening"]
    assert {run.public, run.hub_port, run.api_port} <= ports
    assert len(seen["listening"]) >= 6, seen["listening"]
    assert seen["ss"] and all(a.startswith("127.0.0.1:") for a in seen["ss"]), seen["ss"]

    # Everything stopped by PID, accounts gone.
    assert seen["survivors"] == [], seen["survivors"]
    assert len(seen["pids"]) >= 5  # hub, proxy, three servers
    assert seen["accounts_left"] == [] and seen["homes_left"] == []
    assert seconds < 300
