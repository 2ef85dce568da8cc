"""JupyterHub for one class of "Insurance Billing for Personal Trainers".

One course (trainer-billing), one instructor, many students, on one Linux
server; JupyterHub 5.5.4, nbgrader 0.9.6 with its default exchange.
setup.sh installs this file as /etc/jupyterhub/jupyterhub_config.py, next
to the roles/ folder, and starts the hub as root:

    /opt/trainer-billing/venv/bin/jupyterhub -f /etc/jupyterhub/jupyterhub_config.py

Who is who comes from two Unix groups, which setup.sh fills:

- formgrade-trainer-billing: the instructor (nbgrader's name for the
  group that may use a course's formgrader);
- nbgrader-trainer-billing: the students.

The hub loads both as JupyterHub groups of the same names. What a
member's server gets follows from the group (pre_spawn_hook below); what
a member may read of another's files is decided by Unix permissions on
the exchange and the home folders, not by the hub.

README.md in this folder explains every setting.
"""

import grp
import os
import sys

c = get_config()  # noqa: F821 (traitlets provides get_config)

COURSE_ID = "trainer-billing"
INSTRUCTORS = f"formgrade-{COURSE_ID}"
STUDENTS = f"nbgrader-{COURSE_ID}"
HERE = os.path.dirname(os.path.abspath(__file__))
ROLES = os.path.join(HERE, "roles")
BIN = os.path.dirname(os.path.abspath(sys.executable))
STATE = "/var/lib/jupyterhub"

# Set to the public address, e.g. "https://hub.example.org", to give every
# user a subdomain (needs wildcard DNS and a wildcard certificate). Only
# then is the formgrader's iframe safe to allow: see the pre_spawn_hook.
SUBDOMAIN_HOST = os.environ.get("TRAINER_BILLING_SUBDOMAIN_HOST", "")


def unix_members(group):
    try:
        return sorted(grp.getgrnam(group).gr_mem)
    except KeyError:
        return []


instructors = unix_members(INSTRUCTORS)
students = unix_members(STUDENTS)

# --- Network: everything on loopback but the public port --------------------
# The public port is the proxy's. Put it behind a TLS reverse proxy
# (nginx, Caddy) on 443, or give JupyterHub the certificate itself with
# c.JupyterHub.ssl_cert / ssl_key and bind_url "https://:443".
c.JupyterHub.bind_url = "http://127.0.0.1:8000"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:8081"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:8001"
# The Python port of configurable-http-proxy (PyPI), in the hub's own
# virtual environment: no Node.js needed. The npm one works the same.
c.ConfigurableHTTPProxy.command = [os.path.join(BIN, "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "jupyterhub-proxy.pid")
c.Spawner.ip = "127.0.0.1"
if SUBDOMAIN_HOST:
    c.JupyterHub.subdomain_host = SUBDOMAIN_HOST
    # With subdomains the hub starts the proxy with a bare --host-routing
    # flag, which the Python port (0.4.0) refuses ("requires an argument"):
    # use the npm proxy, which setup.sh installs in that case.
    c.ConfigurableHTTPProxy.command = ["/usr/local/bin/configurable-http-proxy"]

# --- State, readable by root only (setup.sh makes STATE 0700) ---------------
c.JupyterHub.db_url = f"sqlite:///{STATE}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")

# --- Who may log in ----------------------------------------------------------
# System accounts with their Unix passwords (PAM). The hub never creates
# accounts: setup.sh does, with private home folders.
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.create_system_users = False
c.Authenticator.allowed_users = set(instructors) | set(students)
# Nobody is a hub admin: a hub admin may open anyone's server, which would
# undo the privacy the exchange keeps. Root manages the hub from the shell.
c.Authenticator.admin_users = set()
c.JupyterHub.load_groups = {INSTRUCTORS: instructors, STUDENTS: students}

# The formgrader group may read the class list from the hub's API (who is
# in the students group), and nothing more than any user. Students get the
# default "user" role: their own server, their own tokens.
c.JupyterHub.load_roles = [
    {
        "name": "formgrader",
        "description": f"Instructors of {COURSE_ID}: read the class list",
        "groups": [INSTRUCTORS],
        "scopes": [
            f"read:groups!group={STUDENTS}",
            f"read:users:name!group={STUDENTS}",
        ],
    },
]

# --- Each user's server -------------------------------------------------------
# LocalProcessSpawner (the default): the hub runs as root and starts each
# server as that user (setuid), in their home folder, from the hub's own
# virtual environment, so every user has the same packages.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(BIN, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60
# Stop servers that have been idle for an hour? Add jupyterhub-idle-culler
# as a service; left out to keep the class server's moving parts few.


def pre_spawn_hook(spawner):
    """Give the server the extensions of its user's role.

    Instructors (the formgrade group) keep nbgrader's formgrader,
    create-assignment and course-list extensions; everybody else gets the
    student set (assignment list and validate only). The role's folder goes
    first on JUPYTER_CONFIG_PATH, before whatever the environment had.
    """
    groups = {group.name for group in spawner.user.groups}
    role = "instructor" if INSTRUCTORS in groups else "student"
    environment = dict(spawner.environment)  # never mutate the shared default
    extra = [p for p in environment.get("JUPYTER_CONFIG_PATH", "").split(
        os.pathsep) if p]
    environment["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        [os.path.join(ROLES, role), *extra])
    environment["TRAINER_BILLING_ROLE"] = role
    if role == "instructor" and SUBDOMAIN_HOST:
        # Each server has its own origin: 'self' is this instructor's server
        # only, so the formgrader may be framed by its own JupyterLab.
        environment["TRAINER_BILLING_FRAME_ANCESTORS"] = "'self'"
    spawner.environment = environment


c.Spawner.pre_spawn_hook = pre_spawn_hook
