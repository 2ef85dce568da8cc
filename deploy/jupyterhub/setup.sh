#!/usr/bin/env bash
# Set up the course "Insurance Billing for Personal Trainers" for one class
# on one Linux server (Debian or Ubuntu), run as root:
#
#   deploy/jupyterhub/setup.sh all INSTRUCTOR STUDENT...
#
# or one step at a time (each is safe to run again):
#
#   setup.sh install                  Python venv with the course, nbgrader, JupyterHub
#   setup.sh groups                   the two Unix groups of the course
#   setup.sh add-instructor NAME      the instructor's account (one per course)
#   setup.sh add-student NAME...      student accounts
#   setup.sh exchange INSTRUCTOR      the nbgrader exchange folders
#   setup.sh course INSTRUCTOR        the course folder in the instructor's home
#   setup.sh hub                      configuration files, state folder, systemd unit
#
# Set passwords with `passwd NAME` (the hub logs in through PAM). Settings
# below can be changed through the environment, e.g. PREFIX=/srv/venv.
# README.md beside this file explains each setting.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
COURSE_ID="${COURSE_ID:-trainer-billing}"
INSTRUCTORS_GROUP="formgrade-$COURSE_ID"
STUDENTS_GROUP="nbgrader-$COURSE_ID"
PREFIX="${PREFIX:-/opt/trainer-billing/venv}"
PYTHON="${PYTHON:-/usr/bin/python3}"
EXCHANGE_ROOT="${EXCHANGE_ROOT:-/srv/nbgrader/exchange}"
HUB_ETC="${HUB_ETC:-/etc/jupyterhub}"
HUB_STATE="${HUB_STATE:-/var/lib/jupyterhub}"
JUPYTER_ETC="${JUPYTER_ETC:-/etc/jupyter}"
SYSTEMD_DIR="${SYSTEMD_DIR:-/etc/systemd/system}"
JUPYTERHUB_VERSION="5.5.4"
PROXY_VERSION="0.4.0"   # configurable-http-proxy, the Python port on PyPI
NPM_PROXY_VERSION="5.3.0"  # the npm one, only for per-user subdomains

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || die "run as root (it creates users and system folders)"

home_of() { getent passwd "$1" | cut -d: -f6; }
primary_group_of() { id -gn "$1"; }

do_install() {
  # Every user's server runs this interpreter: it must be one they can
  # reach (the system's, not a pyenv build under a private /root).
  if ! "$PYTHON" -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 11)' 2>/dev/null; then
    say "installing python3-venv"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3 python3-venv
  fi
  [ -x "$PREFIX/bin/python" ] || "$PYTHON" -m venv "$PREFIX"
  say "installing the course, nbgrader and JupyterHub $JUPYTERHUB_VERSION into $PREFIX"
  "$PREFIX/bin/pip" install --quiet -c "$REPO/requirements.lock" "$REPO[course]" \
    "jupyterhub==$JUPYTERHUB_VERSION" "configurable-http-proxy==$PROXY_VERSION"
  chmod -R go+rX "$PREFIX"
  # nbgrader's feedback parses CSS with soupsieve, whose patterns use
  # possessive quantifiers; Debian 12's Python 3.11.2 compiles them wrongly
  # and `nbgrader generate_feedback` fails ("SelectorSyntaxError: Invalid
  # character"). Stop here rather than at the first feedback.
  if ! "$PREFIX/bin/python" -c "import soupsieve; soupsieve.compile('img:not([alt])')" 2>/dev/null; then
    die "$PYTHON ($("$PYTHON" -V 2>&1)) breaks nbgrader's feedback (soupsieve); use a newer Python 3.11 (3.11.7 is tested) or 3.12+: PYTHON=/path/to/python3 $0 install"
  fi
  if [ -n "${TRAINER_BILLING_SUBDOMAIN_HOST:-}" ]; then
    # Per-user subdomains need the npm proxy (see jupyterhub_config.py).
    command -v npm >/dev/null || {
      apt-get update -q
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm; }
    npm install --global --no-fund --no-audit "configurable-http-proxy@$NPM_PROXY_VERSION"
  fi
}

do_groups() {
  getent group "$INSTRUCTORS_GROUP" >/dev/null || groupadd "$INSTRUCTORS_GROUP"
  getent group "$STUDENTS_GROUP" >/dev/null || groupadd "$STUDENTS_GROUP"
}

# A login with a private home: Debian's useradd makes homes 0755 unless
# HOME_MODE says otherwise, and a readable home would show a student's
# fetched assignment and feedback to every other student.
add_user() {
  local name="$1" group="$2"
  if ! getent passwd "$name" >/dev/null; then
    useradd --create-home --shell /bin/bash -K HOME_MODE=0700 "$name"
  fi
  usermod -a -G "$group" "$name"
  chmod 0700 "$(home_of "$name")"
}

do_add_instructor() {
  local name="$1" home
  do_groups
  add_user "$name" "$INSTRUCTORS_GROUP"
  home="$(home_of "$name")"
  install -d -o "$name" -g "$(primary_group_of "$name")" -m 0700 "$home/.jupyter"
  # The formgrader runs in the instructor's server, whose folder is the
  # home: point it at the course folder and load that folder's settings.
  cat >"$home/.jupyter/nbgrader_config.py" <<EOF
c = get_config()
load_subconfig("$home/$COURSE_ID/nbgrader_config.py")
EOF
  chown "$name:$(primary_group_of "$name")" "$home/.jupyter/nbgrader_config.py"
  say "instructor $name in group $INSTRUCTORS_GROUP"
}

do_add_student() {
  local name
  do_groups
  for name in "$@"; do
    add_user "$name" "$STUDENTS_GROUP"
    say "student $name in group $STUDENTS_GROUP"
  done
}

# The exchange, as nbgrader's docs and code want it, made before the first
# release so that no student can create the course's folder first:
#   root            root:root  1777  everyone may create, nobody may remove another's
#   <course>        instructor 0755
#   <course>/outbound          0755  released assignments, readable by all
#   <course>/inbound           3733  write-only for students; set-group-id gives
#                                    submissions the instructor's group; sticky:
#                                    no one removes another's submission
#   <course>/feedback          0711  enter but not list; pages named by a secret
do_exchange() {
  local instructor="$1" group
  getent passwd "$instructor" >/dev/null || die "no such user: $instructor"
  group="$(primary_group_of "$instructor")"
  install -d -o root -g root -m 0755 "$(dirname "$EXCHANGE_ROOT")"
  install -d -o root -g root -m 1777 "$EXCHANGE_ROOT"
  chmod 1777 "$EXCHANGE_ROOT"
  install -d -o "$instructor" -g "$group" -m 0755 "$EXCHANGE_ROOT/$COURSE_ID"
  install -d -o "$instructor" -g "$group" -m 0755 "$EXCHANGE_ROOT/$COURSE_ID/outbound"
  install -d -o "$instructor" -g "$group" -m 0733 "$EXCHANGE_ROOT/$COURSE_ID/inbound"
  chmod 3733 "$EXCHANGE_ROOT/$COURSE_ID/inbound"
  install -d -o "$instructor" -g "$group" -m 0711 "$EXCHANGE_ROOT/$COURSE_ID/feedback"
  say "exchange $EXCHANGE_ROOT/$COURSE_ID owned by $instructor"
}

# The course folder: the repository's nbgrader_config.py and solutions/,
# owned by the instructor, in a home nobody else can enter. The gradebook,
# submitted/, autograded/ and feedback/ are made there by nbgrader.
do_course() {
  local instructor="$1" home dest group
  home="$(home_of "$instructor")"
  [ -n "$home" ] || die "no such user: $instructor"
  group="$(primary_group_of "$instructor")"
  dest="$home/$COURSE_ID"
  install -d -o "$instructor" -g "$group" -m 0700 "$dest"
  install -o "$instructor" -g "$group" -m 0644 "$REPO/nbgrader_config.py" "$dest/nbgrader_config.py"
  cp -r "$REPO/solutions" "$dest/"
  find "$dest/solutions" -name .ipynb_checkpoints -prune -exec rm -rf {} +
  chown -R "$instructor:$group" "$dest/solutions"
  say "course folder $dest"
}

do_hub() {
  install -d -m 0755 "$HUB_ETC" "$HUB_ETC/roles" "$JUPYTER_ETC"
  install -m 0644 "$HERE/jupyterhub_config.py" "$HUB_ETC/jupyterhub_config.py"
  cp -r "$HERE/roles/." "$HUB_ETC/roles/"
  chmod -R go+rX,go-w "$HUB_ETC/roles"
  install -m 0644 "$HERE/nbgrader_config.py" "$JUPYTER_ETC/nbgrader_config.py"
  if [ "$EXCHANGE_ROOT" != /srv/nbgrader/exchange ]; then
    printf '\nc.Exchange.root = %s\n' "'$EXCHANGE_ROOT'" >>"$JUPYTER_ETC/nbgrader_config.py"
  fi
  install -d -o root -g root -m 0700 "$HUB_STATE"
  install -d -m 0755 "$SYSTEMD_DIR"
  cat >"$SYSTEMD_DIR/jupyterhub.service" <<EOF
[Unit]
Description=JupyterHub for $COURSE_ID
After=network.target

[Service]
User=root
WorkingDirectory=$HUB_STATE
Environment=PATH=$PREFIX/bin:/usr/local/bin:/usr/bin:/bin
Environment=TRAINER_BILLING_SUBDOMAIN_HOST=${TRAINER_BILLING_SUBDOMAIN_HOST:-}
ExecStart=$PREFIX/bin/jupyterhub -f $HUB_ETC/jupyterhub_config.py
Restart=on-failure

[Install]
WantedBy=multi-user.target
EOF
  if [ "$SYSTEMD_DIR" = /etc/systemd/system ] && command -v systemctl >/dev/null \
     && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable jupyterhub.service
    say "start the hub with: systemctl start jupyterhub"
  else
    say "no systemd here; start the hub with: $PREFIX/bin/jupyterhub -f $HUB_ETC/jupyterhub_config.py"
  fi
}

# Release folder for the course, made as the instructor.
do_generate() {
  local instructor="$1" home
  home="$(home_of "$instructor")"
  (cd "$home/$COURSE_ID" && runuser -u "$instructor" -- env HOME="$home" \
     PATH="$PREFIX/bin:/usr/bin:/bin" "$PREFIX/bin/nbgrader" generate_assignment '*' --force)
}

step="${1:-}"
shift || true
case "$step" in
  install) do_install ;;
  groups) do_groups ;;
  add-instructor) [ $# = 1 ] || die "usage: setup.sh add-instructor NAME"; do_add_instructor "$1" ;;
  add-student) [ $# -ge 1 ] || die "usage: setup.sh add-student NAME..."; do_add_student "$@" ;;
  exchange) [ $# = 1 ] || die "usage: setup.sh exchange INSTRUCTOR"; do_exchange "$1" ;;
  course) [ $# = 1 ] || die "usage: setup.sh course INSTRUCTOR"; do_course "$1" ;;
  hub) do_hub ;;
  all)
    [ $# -ge 1 ] || die "usage: setup.sh all INSTRUCTOR [STUDENT...]"
    instructor="$1"; shift
    do_install
    do_add_instructor "$instructor"
    [ $# = 0 ] || do_add_student "$@"
    do_exchange "$instructor"
    do_course "$instructor"
    do_generate "$instructor"
    do_hub
    say "done: set passwords with passwd, then start the hub"
    ;;
  *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
