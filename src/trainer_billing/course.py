"""Course infrastructure: build the book, serve it and JupyterLab locally.

Nothing here decides a billing rule; this module only runs the course on
one machine, offline.

* :func:`build_book` copies the JavaScript that renders saved widgets
  (installed from npm by ``npm ci``) into ``book/_vendor/`` and runs
  ``jupyter-book build`` with warnings as errors.
* :func:`start` builds the book if it is stale, serves ``book/_build/html``
  and starts JupyterLab (with the Voila server extension), both bound to
  127.0.0.1, the lab with a token; it prints the addresses and waits for
  Ctrl-C.

The module is also a Sphinx extension (``setup``), listed in the book's
``_config.yml``, so that a plain ``jupyter-book build book`` vendors the
JavaScript too.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import fcntl
import functools
import http.server
import json
import os
import pathlib
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

__all__ = [
    "BookBuildError",
    "CourseError",
    "book_is_stale",
    "build_book",
    "start",
    "vendor_widget_js",
]

DEFAULT_BOOK_PORT = 8000
DEFAULT_LAB_PORT = 8888
BOOK_PORT_ENV = "TRAINER_BILLING_BOOK_PORT"
LAB_PORT_ENV = "TRAINER_BILLING_LAB_PORT"
ROOT_ENV = "TRAINER_BILLING_ROOT"
VOILA_PATH = "voila/render/notebooks/claim_builder.ipynb"
#: The course's Voila template (share/jupyter/voila/templates/): Voila's
#: "lab" template without the stylesheets it links from a CDN.
VOILA_TEMPLATE = "trainer-billing"

# Files served with the book so that saved widget state renders offline:
# (package folder in node_modules, files to copy from it).  The font
# files are Font Awesome icons that embed-amd.js loads from its own
# folder; the licence files go with the code they cover.
_WIDGET_JS = (
    ("requirejs", ("require.js",)),
    ("@jupyter-widgets/html-manager", (
        "dist/embed-amd.js", "dist/embed.js.LICENSE.txt",
        "dist/*.woff2", "dist/*.woff", "dist/*.ttf", "dist/*.eot",
        "dist/*.svg",
    )),
    ("@fortawesome/fontawesome-free", ("LICENSE.txt",)),
)
# Folder (inside book/_vendor, and so at the root of the built site)
# that holds them.
VENDOR_SUBDIR = "widgets"
_STAMP = ".trainer-billing-build"


class CourseError(RuntimeError):
    """The course could not be built or started; the message says why."""


class BookBuildError(CourseError):
    """``jupyter-book build`` failed; the message quotes the first warning."""


# ---------------------------------------------------------------- paths

def repo_root() -> pathlib.Path:
    """Return the course repository's root (the folder holding ``book/``).

    ``TRAINER_BILLING_ROOT`` wins; otherwise the checkout this module was
    installed from (editable install), otherwise the current folder.
    """
    env = os.environ.get(ROOT_ENV)
    if env:
        return pathlib.Path(env).resolve()
    here = pathlib.Path(__file__).resolve()
    for parent in [*here.parents, pathlib.Path.cwd()]:
        if (parent / "book" / "_config.yml").is_file():
            return parent
    return pathlib.Path.cwd()


def _book_dir(root: pathlib.Path | None = None) -> pathlib.Path:
    return (root or repo_root()) / "book"


def _html_dir(output_dir: pathlib.Path | None = None) -> pathlib.Path:
    base = output_dir if output_dir is not None else _book_dir()
    return pathlib.Path(base) / "_build" / "html"


# ------------------------------------------------------------ vendoring

def vendor_widget_js(root: pathlib.Path | None = None,
                     book: pathlib.Path | None = None) -> pathlib.Path:
    """Copy require.js and the widget HTML manager into ``book/_vendor``.

    Returns the folder written.  The files come from ``node_modules``
    (``npm ci`` installs the versions pinned in ``package-lock.json``);
    nothing is downloaded here.  Each file is replaced atomically, so two
    builds running at once never see half a file.
    """
    root = root or repo_root()
    modules = root / "node_modules"
    target = (book or _book_dir(root)) / "_vendor" / VENDOR_SUBDIR
    target.mkdir(parents=True, exist_ok=True)
    notice = ["Files copied from npm packages by trainer_billing.course.",
              "Each keeps its own licence:", ""]
    for package, patterns in _WIDGET_JS:
        pkg_dir = modules / package
        meta = pkg_dir / "package.json"
        if not meta.is_file():
            raise CourseError(
                f"{package} is not installed in {modules}. Run `npm ci` in "
                f"{root} (or `make setup`) once; it installs the pinned "
                "JavaScript that renders widgets in the book.")
        info = json.loads(meta.read_text(encoding="utf-8"))
        notice.append(f"{info['name']} {info['version']}: "
                      f"{info.get('license', 'see package')}")
        for pattern in patterns:
            matches = sorted(pkg_dir.glob(pattern))
            if not matches:
                raise CourseError(f"{package} has no {pattern}; is the "
                                  "installed version the pinned one?")
            for source in matches:
                name = source.name
                if package.endswith("fontawesome-free"):
                    name = "fontawesome-" + name
                _copy_if_changed(source, target / name)
    _write_if_changed(target / "NOTICE.txt", "\n".join(notice) + "\n")
    return target


def _copy_if_changed(source: pathlib.Path, dest: pathlib.Path) -> None:
    if dest.is_file() and dest.stat().st_size == source.stat().st_size \
            and dest.read_bytes() == source.read_bytes():
        return
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
    os.close(fd)
    shutil.copyfile(source, tmp)
    os.replace(tmp, dest)


def _write_if_changed(dest: pathlib.Path, text: str) -> None:
    if dest.is_file() and dest.read_text(encoding="utf-8") == text:
        return
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, dest)


# ------------------------------------------------------------- building

def _book_inputs(root: pathlib.Path):
    """Yield every file whose change makes the built book stale."""
    book = _book_dir(root)
    skip = {book / "_build", book / "_vendor"}
    # The book offers the workbooks and exercises for download.
    for folder in (book, root / "src" / "trainer_billing",
                   root / "datasets", root / "notebooks",
                   root / "exercises"):
        for path in folder.rglob("*"):
            if any(parent in skip for parent in path.parents):
                continue
            if "__pycache__" in path.parts or \
                    ".ipynb_checkpoints" in path.parts:
                continue
            if path.is_file():
                yield path
    for name in ("package-lock.json",):
        if (root / name).is_file():
            yield root / name


def book_is_stale(output_dir: pathlib.Path | None = None) -> bool:
    """Return True when the book needs building.

    The book is stale when it was never built successfully, or when a
    page, the library, a data file or the JavaScript lock file changed
    after the last successful build (its pages run the library).
    """
    root = repo_root()
    stamp = _html_dir(output_dir) / _STAMP
    if not stamp.is_file():
        return True
    built = stamp.stat().st_mtime
    return any(p.stat().st_mtime > built for p in _book_inputs(root))


def _jupyter_book_exe() -> str:
    local = pathlib.Path(sys.executable).parent / "jupyter-book"
    if local.is_file():
        return str(local)
    found = shutil.which("jupyter-book")
    if not found:
        raise CourseError("jupyter-book is not installed; run `make setup`.")
    return found


# Sphinx's own format ("file:line: WARNING: ..."); a kernel's log lines
# ("[IPKernelApp] WARNING | ...") are not build warnings.
_WARNING = re.compile(r"(^|\s)(WARNING|ERROR|CRITICAL|SEVERE):|^Traceback")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def first_warning(log: str) -> str | None:
    """Return the first warning or error line of a Sphinx log, if any."""
    lines = _ANSI.sub("", log).splitlines()
    for i, line in enumerate(lines):
        if _WARNING.search(line):
            if line.startswith("Traceback"):
                # the exception line is the last line of the traceback
                tail = [x for x in lines[i + 1:] if x and x[0] != " "]
                return tail[0] if tail else line
            return line.strip()
    return None


def build_book(force: bool = False, *,
               output_dir: pathlib.Path | None = None,
               quiet: bool = True) -> pathlib.Path:
    """Build the book if stale (always with ``force``); return its HTML dir.

    Runs ``jupyter-book build book --warningiserror --nitpick --keep-going
    --all`` after vendoring the widget JavaScript, so a build is complete
    and any warning fails it.  ``output_dir`` builds into another folder
    (tests use it); the book's pages still run from ``book/``.  Raises
    :class:`BookBuildError` quoting the first warning; the full log is in
    ``_build/build.log``.
    """
    root = repo_root()
    book = _book_dir(root)
    out_base = pathlib.Path(output_dir) if output_dir is not None else book
    html = _html_dir(out_base)
    (out_base / "_build").mkdir(parents=True, exist_ok=True)
    lock_path = out_base / "_build" / ".build.lock"
    with open(lock_path, "w") as lock:
        # One build at a time per output folder; whoever waited finds the
        # book fresh and returns at once.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and not book_is_stale(out_base):
            return html
        vendor_widget_js(root)
        stamp = html / _STAMP
        stamp.unlink(missing_ok=True)
        shutil.rmtree(html / "reports", ignore_errors=True)  # old failures
        started = time.time()
        cmd = [_jupyter_book_exe(), "build", str(book),
               "--warningiserror", "--nitpick", "--keep-going", "--all"]
        if output_dir is not None:
            cmd += ["--path-output", str(out_base)]
        env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
        proc = subprocess.run(cmd, cwd=root, env=env, text=True,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
        log_file = out_base / "_build" / "build.log"
        log_file.write_text(proc.stdout, encoding="utf-8")
        if proc.returncode != 0:
            warning = first_warning(proc.stdout)
            for report in sorted((html / "reports").glob("*.err.log")):
                # myst-nb keeps the traceback of a page that failed to
                # run; its last line is the exception.
                tail = [x for x in _ANSI.sub("", report.read_text(
                    errors="replace")).splitlines() if x.strip()]
                if tail:
                    warning = f"{warning} ({report.stem}: {tail[-1]})"
                    break
            raise BookBuildError(
                "the book did not build"
                + (f"; first warning: {warning}" if warning else
                   f" (jupyter-book exit status {proc.returncode})")
                + f". Full log: {log_file}")
        if not quiet:
            print(f"Book built in {time.time() - started:.0f} s: "
                  f"{html / 'index.html'}")
        stamp.write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
        return html


# ------------------------------------------------------------- serving

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - stdlib name
        pass


def _port_from(value, env_name: str, default: int) -> int:
    if value is None:
        value = os.environ.get(env_name) or default
    try:
        port = int(value)
    except ValueError:
        raise CourseError(f"{env_name}={value!r} is not a port number")
    if not 0 <= port <= 65535:
        raise CourseError(f"port {port} is out of range (0-65535)")
    return port


def _serve_book(html: pathlib.Path, port: int):
    """Serve ``html`` on 127.0.0.1; try ``port`` and the next 20, then any."""
    handler = functools.partial(_QuietHandler, directory=str(html))
    candidates = [port] if port == 0 else [*range(port, port + 21), 0]
    for candidate in candidates:
        try:
            server = http.server.ThreadingHTTPServer(
                ("127.0.0.1", candidate), handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            continue
        thread = threading.Thread(target=server.serve_forever,
                                  name="book-server", daemon=True)
        thread.start()
        return server, thread
    raise CourseError("no free port for the book")  # pragma: no cover


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def jupyter_env(env=None) -> dict:
    """Return ``env`` (default: this process's) with the course's
    ``share/jupyter`` first on ``JUPYTER_PATH``, where Voila finds the
    course's template."""
    env = dict(os.environ if env is None else env)
    share = str(repo_root() / "share" / "jupyter")
    rest = [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep)
            if p and p != share]
    env["JUPYTER_PATH"] = os.pathsep.join([share, *rest])
    return env


def _start_lab(root: pathlib.Path, port: int, runtime: pathlib.Path,
               log_path: pathlib.Path, timeout: float = 90.0):
    """Start JupyterLab on 127.0.0.1 with a fresh token; return its info."""
    token = secrets.token_hex(24)
    exe = pathlib.Path(sys.executable).parent / "jupyter-lab"
    cmd = [str(exe) if exe.is_file() else "jupyter-lab",
           "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=50",
           "--ServerApp.allow_root=True",
           f"--ServerApp.root_dir={root}",
           f"--IdentityProvider.token={token}",
           # Big tools send thousands of widget messages at once; see
           # _keep_every_iopub_message.
           "--ServerApp.jpserver_extensions=trainer_billing.course=True",
           f"--VoilaConfiguration.template={VOILA_TEMPLATE}",
           # Nothing asks the internet for news or updates.
           "--LabApp.news_url=",
           "--LabApp.check_for_updates_class="
           "jupyterlab.NeverCheckForUpdate"]
    env = dict(jupyter_env(), JUPYTER_RUNTIME_DIR=str(runtime),
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    log = open(log_path, "wb")
    # Own session: a Ctrl-C in the terminal reaches only us, and we stop
    # the lab by its PID (its own handler would ask "Shutdown? (y/n)").
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    info_file = runtime / f"jpserver-{proc.pid}.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.close()
            tail = log_path.read_text(errors="replace")[-2000:]
            raise CourseError(f"JupyterLab stopped at start:\n{tail}")
        if info_file.is_file():
            try:
                info = json.loads(info_file.read_text())
                url = f"http://127.0.0.1:{info['port']}/"
                with urllib.request.urlopen(
                        f"{url}api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        return proc, log, int(info["port"]), token
            except (OSError, ValueError, KeyError):
                pass
        time.sleep(0.3)
    _stop_process(proc)
    log.close()
    raise CourseError(f"JupyterLab did not answer within {timeout:.0f} s; "
                      f"see {log_path}")


def _stop_process(proc: subprocess.Popen, grace: float = 15.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()  # SIGTERM: the server shuts its kernels down
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _next_free_port(port: int) -> int:
    """Return ``port`` or the next free port after it (any free port for
    0, or when the next 50 are all taken)."""
    for candidate in range(port, port + 50) if port else ():
        if _port_is_free(candidate):
            return candidate
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_lab_on_a_free_port(root, port, runtime, tries=3):
    """Start JupyterLab on ``port`` or the next free one; if another
    program takes the port between the check and JupyterLab's bind (two
    ``make start`` at once), try the next port."""
    for attempt in range(1, tries + 1):
        port = _next_free_port(port)
        try:
            return _start_lab(root, port, runtime,
                              runtime / f"jupyterlab-{attempt}.log")
        except CourseError as error:
            if attempt == tries or "port" not in str(error).lower():
                raise
            port += 1


def start(book_port: int | None = None, lab_port: int | None = None,
          open_browser: bool = False) -> None:
    """Build the book if stale, serve it and JupyterLab; wait for Ctrl-C.

    Both servers bind 127.0.0.1.  Ports come from the arguments, else from
    ``TRAINER_BILLING_BOOK_PORT`` / ``TRAINER_BILLING_LAB_PORT``, else 8000
    and 8888; a taken port moves to the next free one (0 means any free
    port).  Prints the book's address, JupyterLab's address with its
    token, and the claim builder as a Voila app.  SIGTERM stops it like
    Ctrl-C.
    """
    root = repo_root()
    book_port = _port_from(book_port, BOOK_PORT_ENV, DEFAULT_BOOK_PORT)
    lab_port = _port_from(lab_port, LAB_PORT_ENV, DEFAULT_LAB_PORT)
    html = build_book(quiet=False)

    def _sigterm(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _sigterm)
    server = proc = log = None
    with tempfile.TemporaryDirectory(prefix="trainer-billing-") as tmp:
        runtime = pathlib.Path(tmp)
        try:
            server, _ = _serve_book(html, book_port)
            proc, log, lab_port, token = _start_lab_on_a_free_port(
                root, lab_port, runtime)
            book_url = f"http://127.0.0.1:{server.server_address[1]}/"
            lab = f"http://127.0.0.1:{lab_port}/"
            print(f"Book:        {book_url}", flush=True)
            print(f"JupyterLab:  {lab}lab?token={token}", flush=True)
            print(f"Voila:       {lab}{VOILA_PATH}?token={token}",
                  flush=True)
            print("Press Ctrl-C to stop both.", flush=True)
            if open_browser:
                import webbrowser
                webbrowser.open(book_url)
            while proc.poll() is None:
                time.sleep(0.5)
            print("JupyterLab stopped on its own; stopping the book.",
                  flush=True)
        except KeyboardInterrupt:
            print("\nStopping.", flush=True)
        finally:
            if proc is not None:
                _stop_process(proc)
            if log is not None:
                log.close()
            if server is not None:
                server.shutdown()
                server.server_close()
            signal.signal(signal.SIGTERM, previous)


# -------------------------------------------------------- Sphinx hook

def _vendor_on_config(app, config) -> None:
    # Runs before Sphinx checks html_extra_path, so _vendor exists then.
    book = pathlib.Path(app.srcdir).resolve()
    root = book.parent
    if not (root / "node_modules").is_dir():
        root = repo_root()  # a copy of the book built elsewhere
    vendor_widget_js(root, book)


def _drop_duplicate_scripts(app, pagename, templatename, context,
                            doctree) -> None:
    # sphinx-thebe adds its inline settings twice under Jupyter Book; the
    # second copy re-declares a const and the browser logs an error.
    files = context.get("script_files")
    if not isinstance(files, list):
        return
    seen, unique = set(), []
    for js in files:
        # None and "" both mean an inline script
        key = (getattr(js, "filename", js) or None,
               tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    files[:] = unique


def _keep_every_iopub_message() -> None:
    """Return None; make kernel clients in this process queue every IOPub
    message instead of dropping those past ZeroMQ's limit.

    A subscriber's receive queue holds 1,000 messages by default, and a
    full one makes the kernel's publisher drop what follows.  A tool
    sends several thousand widget messages in one cell, so when the build
    is slowed by other work the page is saved with models missing and the
    browser shows "widget model not found".  With no limit the build only
    waits for them.
    """
    from jupyter_client.connect import ConnectionFileMixin
    connect = ConnectionFileMixin.connect_iopub
    if getattr(connect, "_keeps_every_message", False):
        return

    @functools.wraps(connect)
    def connect_iopub(self, identity=None):
        sock = connect(self, identity=identity)
        sock.rcvhwm = 0          # no limit; applies to the open connection
        return sock

    connect_iopub._keeps_every_message = True
    ConnectionFileMixin.connect_iopub = connect_iopub


#: Seconds the book's build waits, after a cell has finished, for the
#: rest of its output (nbclient's own default is 4).
OUTPUT_WAIT = 120


def _wait_for_every_output() -> None:
    """Return None; make the book's build wait for all of a cell's output.

    When a cell has finished, nbclient waits 4 seconds for the messages
    still on their way, then goes on without them. A tool sends about a
    thousand widget messages in one cell; on a busy machine reading them
    takes longer, and the page was saved with widgets missing. Here the
    build waits up to :data:`OUTPUT_WAIT` seconds, and fails with a
    warning if even that is not enough, rather than save a broken page.
    """
    from jupyter_cache.executors import utils

    execute = utils.executenb
    if getattr(execute, "_waits_for_every_output", False):
        return

    @functools.wraps(execute)
    def executenb(nb, **kwargs):
        kwargs.setdefault("iopub_timeout", OUTPUT_WAIT)
        kwargs.setdefault("raise_on_iopub_timeout", True)
        return executenb.original(nb, **kwargs)

    executenb.original = execute
    executenb._waits_for_every_output = True
    utils.executenb = executenb


def _jupyter_server_extension_points():
    """Jupyter server extension: the JupyterLab that ``start`` runs (and
    the Voila pages it serves) keeps every widget message too."""
    return [{"module": "trainer_billing.course"}]


def _load_jupyter_server_extension(server_app):
    _keep_every_iopub_message()


def setup(app):
    """Sphinx extension: vendor the widget JavaScript before a build, and
    keep every widget message of the pages' kernels."""
    _keep_every_iopub_message()
    _wait_for_every_output()
    app.connect("config-inited", _vendor_on_config, priority=100)
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# ---------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    """``python -m trainer_billing.course start|build-book``."""
    parser = argparse.ArgumentParser(prog="python -m trainer_billing.course")
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start", help="serve the book and JupyterLab")
    p_start.add_argument("--book-port", type=int)
    p_start.add_argument("--lab-port", type=int)
    p_start.add_argument("--open", action="store_true",
                         help="open the book in a browser")
    p_build = sub.add_parser("build-book", help="build the book")
    p_build.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            start(args.book_port, args.lab_port, args.open)
        else:
            print(build_book(args.force, quiet=False) / "index.html")
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
