"""A MongoDB server for tests and the example project.

``server_uri()`` returns ``$MONGODB_URI`` when it is set (a real mongod or
replica set); otherwise it starts SecantusDB, a MongoDB wire-protocol
server, on a free loopback port in a child process, once per process.
SecantusDB comes with the ``test`` and ``example`` extras.

The child never outlives the process that started it:

* a normal exit (also an uncaught ``KeyboardInterrupt``) stops it through
  ``atexit``;
* SIGTERM stops it through a handler, which then lets the signal do what
  it did before (the previous handler, or the default: the process ends);
* on Linux the kernel signals the child when its parent dies in any way,
  SIGKILL included (``PR_SET_PDEATHSIG``): SIGKILL to a server in memory;
  a server with a data folder runs under a supervisor (this file run as a
  script) that gets SIGTERM, passes it on so that the server closes its
  files, and kills the server after ``STOP_GRACE`` seconds (SecantusDB can
  take long over a SIGTERM);
* it runs in a session of its own, so a Ctrl-C at the terminal reaches
  only the parent, which decides (an interactive shell keeps its server).

A child of the owning process that reuses its server (the process Django's
autoreloader runs the site in) gets SIGTERM from the kernel when the owner
dies, SIGKILL included: without the server it could only answer errors.

With a data folder (``server_uri(storage_path="data")``) the running
server is recorded in ``data/djongo_app_server.json`` (pid, port, folder,
the pid of its owner). Another process asking for the same folder reuses
that server instead of failing on the folder's lock; it does not own it,
so the server still ends with the process that started it. A record whose
server is dead is ignored, and a folder locked by a process djongo_app did
not start raises :class:`ServerError` with a one-line message.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import typing
from pathlib import Path

__all__ = [
    "STATE_FILE",
    "CaptureCommands",
    "ServerError",
    "free_port",
    "read_state",
    "server_command",
    "server_pid",
    "server_uri",
    "stop_server",
    "terminate",
    "wait_for_port",
]

# Written into a data folder while a server started here serves it.
STATE_FILE = "djongo_app_server.json"
# Taken (flock) while a process checks the state file and starts a server.
LOCK_FILE = "djongo_app_server.lock"
# Seconds a server with a data folder gets to stop after SIGTERM.
STOP_GRACE = 10.0
MEMORY = ":memory:"

# A signal handler may run while the main thread holds the lock.
_lock = threading.RLock()
_server: subprocess.Popen | None = None
_uri: str | None = None
_state_path: Path | None = None
# The server's stderr, read back when it fails to start.
_log: typing.IO[bytes] | None = None
_handlers_installed = False
_atexit_registered = False
_previous_sigterm: typing.Any = None


class ServerError(RuntimeError):
    """The embedded server could not be started; the message is one line
    that says what to do."""


def _open_log() -> typing.IO[bytes]:
    global _log
    if _log is None or _log.closed:
        _log = tempfile.TemporaryFile()  # noqa: SIM115 - kept until stop_server()
    _log.seek(0)
    _log.truncate()
    return _log


def server_uri(storage_path: str = MEMORY) -> str:
    """Return the URI of the server to use, starting one if needed.

    ``storage_path`` is ``":memory:"`` or a data folder; a folder served by
    a live server started by another process of djongo_app is reused.
    """
    global _uri
    configured = os.environ.get("MONGODB_URI")
    if configured:
        return configured
    with _lock:
        if _uri is None:
            if storage_path == MEMORY:
                _uri = _start(MEMORY)
            else:
                _uri = _start_or_reuse(Path(storage_path).resolve())
        return _uri


def server_pid() -> int | None:
    """Return the pid of the server this process started, if any."""
    return None if _server is None else _server.pid


def stop_server() -> None:
    """Stop the server started by :func:`server_uri`, if any (a reused one
    is left to its owner)."""
    global _server, _uri, _state_path
    with _lock:
        if _server is not None:
            # A server in memory has nothing to write back: no grace period.
            # A supervisor gives its server STOP_GRACE seconds.
            terminate(_server, timeout=STOP_GRACE + 5.0 if _state_path is not None else 0.0)
            if _state_path is not None:
                state = read_state(_state_path.parent)
                if state is not None and state.get("pid") == _server.pid:
                    _state_path.unlink(missing_ok=True)
        _server = None
        _uri = None
        _state_path = None
        if _log is not None:
            _log.close()


def terminate(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop a child process: SIGTERM, then SIGKILL after ``timeout``
    (at once when ``timeout`` is 0)."""
    if process.poll() is not None:
        return
    if timeout <= 0:
        process.kill()
        process.wait()
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def server_command() -> list[str]:
    script = shutil.which("secantusd-py")
    if script is None:
        bin_dir = os.path.dirname(sys.executable)
        candidate = os.path.join(bin_dir, "secantusd-py")
        if os.path.exists(candidate):
            script = candidate
    if script is None:
        raise ServerError(
            "SecantusDB is not installed and MONGODB_URI is not set: "
            "install djongo_app[test] (or [example]) or point MONGODB_URI at a server."
        )
    return [script]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Starting ----------------------------------------------------------------------


def _start(storage_path: str) -> str:
    """Start a server on ``storage_path`` as a child of this process."""
    global _server, _atexit_registered
    port = free_port()
    log = _open_log()
    in_main_thread = threading.current_thread() is threading.main_thread()
    command = [
        *server_command(),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        storage_path,
        "--log-level",
        "WARNING",
    ]
    if storage_path == MEMORY:
        # Nothing to write back: the server may simply be killed.
        death_signal = signal.SIGKILL
    else:
        # SecantusDB closes its files on SIGTERM, but may take many seconds
        # over it: a supervisor (this file run as a script) gives it
        # STOP_GRACE seconds, then kills it.
        command = [sys.executable, __file__, "--supervise", str(STOP_GRACE), *command]
        death_signal = signal.SIGTERM
    _server = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=log,
        # Out of the terminal's process group: Ctrl-C goes to the parent.
        start_new_session=True,
        # The kernel's parent-death signal follows the thread that forked
        # the child: only the main thread lives as long as the process.
        preexec_fn=_parent_death_signal(os.getpid(), death_signal) if in_main_thread else None,
    )
    if not _atexit_registered:
        atexit.register(stop_server)
        _atexit_registered = True
    if in_main_thread:
        _install_signal_handlers()
    try:
        _wait_until_ready(port, storage_path)
    except BaseException:
        stop_server()
        raise
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


def _start_or_reuse(folder: Path) -> str:
    global _state_path
    folder.mkdir(parents=True, exist_ok=True)
    with _folder_lock(folder):
        state = read_state(folder)
        if state is not None:
            if _serves(state, folder):
                if state["owner"] == os.getppid():
                    # A child of the owner (Django's autoreloader runs the
                    # site in one) ends with it: the server does.
                    _end_with_parent(state["owner"])
                return state["uri"]
            _end_orphan(state, folder)
            (folder / STATE_FILE).unlink(missing_ok=True)
        uri = _start(str(folder))
        _state_path = folder / STATE_FILE
        _write_state(
            _state_path,
            {
                "pid": server_pid(),
                "port": int(uri.split(":")[2].split("/")[0]),
                "uri": uri,
                "storage_path": str(folder),
                "owner": os.getpid(),
            },
        )
        return uri


def _end_orphan(state: dict, folder: Path) -> None:
    """Wait for a recorded server whose owner is gone to stop (it got the
    parent-death signal; its lock on the folder goes with it), then kill it
    if it is still there."""
    pid = state.get("pid")
    if not isinstance(pid, int):
        return
    _wait_for_exit(pid, timeout=15.0)
    cmdline = _cmdline(pid)
    if _alive(pid) and cmdline is not None and str(folder) in cmdline:
        os.kill(pid, signal.SIGKILL)
        _wait_for_exit(pid, timeout=5.0)


def read_state(folder: str | Path) -> dict | None:
    """Return the record of the server serving ``folder``, or None."""
    try:
        state = json.loads((Path(folder) / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _write_state(path: Path, state: dict) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state))
    temporary.replace(path)


def _serves(state: dict, folder: Path) -> bool:
    """Whether the recorded server is alive, ours, owned by a live process
    and answering on its port."""
    pid, owner, port = state.get("pid"), state.get("owner"), state.get("port")
    if not (isinstance(pid, int) and isinstance(owner, int) and isinstance(port, int)):
        return False
    if state.get("storage_path") != str(folder) or not _alive(pid) or not _alive(owner):
        return False
    # The pid may have been reused by an unrelated process.
    cmdline = _cmdline(pid)
    if cmdline is not None and str(folder) not in cmdline:
        return False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def _folder_lock(folder: Path):
    try:
        import fcntl
    except ImportError:  # Windows: no lock; starts are rarely concurrent.
        yield
        return
    with open(folder / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Processes ---------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    # The state is the field after the parenthesised command name.
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _cmdline(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None


def _wait_for_exit(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


PR_SET_PDEATHSIG = 1
_prctl: typing.Any = None


def _parent_death_signal(parent: int, signum: int):
    """A ``preexec_fn`` that asks Linux to send the child ``signum`` when
    the parent dies, or None elsewhere."""
    global _prctl
    if not sys.platform.startswith("linux"):
        return None
    if _prctl is None:
        # Loaded before the fork: the child only calls it.
        _prctl = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).prctl

    def set_parent_death_signal() -> None:
        _prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:
            # The parent died before the signal was asked for.
            os._exit(1)

    return set_parent_death_signal


def _end_with_parent(parent: int) -> None:
    """Ask Linux to send this process SIGTERM when ``parent`` dies, as a
    server started here gets its parent-death signal; exit at once if it
    is already gone."""
    if not sys.platform.startswith("linux"):
        return
    _parent_death_signal(parent, signal.SIGTERM)()


def _install_signal_handlers() -> None:
    """Stop the server on SIGTERM, then let the signal have its previous
    effect. SIGINT needs nothing: it raises KeyboardInterrupt, and the exit
    that may follow runs ``atexit``."""
    global _handlers_installed, _previous_sigterm
    if _handlers_installed:
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_IGN or previous is None:
        return
    _previous_sigterm = previous
    signal.signal(signal.SIGTERM, _on_sigterm)
    _handlers_installed = True


def _on_sigterm(signum, frame):
    stop_server()
    previous = _previous_sigterm
    if callable(previous):
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _wait_until_ready(port: int, storage_path: str, timeout: float = 30.0) -> None:
    def check_alive() -> None:
        if _server is not None and _server.poll() is not None:
            error = ""
            if _log is not None:
                _log.seek(0)
                error = _log.read().decode(errors="replace")
            if storage_path != MEMORY and "resource busy" in error:
                raise ServerError(
                    f"The data folder {storage_path} is locked by a process djongo_app did "
                    "not start (another SecantusDB server?): stop that process, or set "
                    "MONGODB_URI to a running server."
                )
            lines = error.strip().splitlines()
            raise ServerError(f"SecantusDB exited at start: {lines[-1] if lines else ''}")

    wait_for_port(port, timeout, check_alive)


def wait_for_port(port: int, timeout: float = 30.0, check_alive=None) -> None:
    """Wait until something listens on the loopback ``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check_alive is not None:
            check_alive()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerError(f"No server listened on port {port} within {timeout}s")


def _supervise(grace: float, command: list[str]) -> int:
    """Run the server ``command`` as a child and wait for it. SIGTERM or
    SIGINT to this process (the parent-death signal among them) stops the
    server: SIGTERM, then SIGKILL after ``grace`` seconds. The server
    itself is killed by the kernel if this process is."""

    class Stop(Exception):
        pass

    def stop(signum, frame):
        raise Stop

    server = None
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server = subprocess.Popen(
            command, preexec_fn=_parent_death_signal(os.getpid(), signal.SIGKILL)
        )
        return server.wait()
    except Stop:
        if server is not None:
            terminate(server, timeout=grace)
        return 0


class Commands(list):
    """The commands captured by :class:`CaptureCommands`, one dict per
    statement, as the cursor bound and issued them, with readers for the
    parts tests compare."""

    def kind(self, index: int = 0) -> str:
        """Return the command's name: ``find``, ``aggregate``, ``update``..."""
        return next(iter(self[index]))

    def filter(self, index: int = 0) -> typing.Any:
        """Return the query filter of a find, count, update or delete."""
        command = self[index]
        for key in ("filter", "query"):
            if key in command:
                return command[key]
        for key in ("updates", "deletes"):
            if key in command:
                return command[key][0]["q"]
        raise KeyError(f"a {self.kind(index)} command has no filter")

    def pipeline(self, index: int = 0) -> list[typing.Any]:
        """Return the pipeline of an aggregate."""
        return typing.cast(list[typing.Any], self[index]["pipeline"])

    def stages(self, operator: str, index: int = 0) -> list[typing.Any]:
        """Return the ``operator`` stages (``"$lookup"``...) of the pipeline,
        those nested in ``$lookup``, ``$facet`` and ``$unionWith`` pipelines
        included, each as its argument."""
        return list(_stages(self.pipeline(index), operator))


def _stages(pipeline: list[typing.Any], operator: str) -> typing.Iterator[typing.Any]:
    for stage in pipeline:
        for name, argument in stage.items():
            if name == operator:
                yield argument
            if name in ("$lookup", "$unionWith") and "pipeline" in argument:
                yield from _stages(argument["pipeline"], operator)
            if name == "$facet":
                for nested in argument.values():
                    yield from _stages(nested, operator)


class CaptureCommands:
    """Collect the MongoDB commands statements become, as structures.

    ``with CaptureCommands() as commands: ...`` leaves in ``commands`` (a
    :class:`Commands` list) one dict per statement run in the block: the
    command the cursor recorded when it ran the statement, read from the
    ``django.db.backends.djongo_app`` logger. Compare them with ``==``
    (``unittest.mock.ANY`` stands for any part), never as JSON text.
    """

    def __init__(self) -> None:
        self.commands = Commands()
        self._logger = logging.getLogger("django.db.backends.djongo_app")
        self._handler = _CommandHandler(self.commands)
        self._level = logging.NOTSET

    def __enter__(self) -> Commands:
        self._level = self._logger.level
        self._logger.setLevel(logging.DEBUG)
        self._logger.addHandler(self._handler)
        return self.commands

    def __exit__(self, *exc_info: object) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._level)


class _CommandHandler(logging.Handler):
    def __init__(self, target: list[typing.Any]):
        super().__init__(logging.DEBUG)
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        self.target.append(record.mongodb_command)  # type: ignore[attr-defined]


if __name__ == "__main__" and sys.argv[1:2] == ["--supervise"]:
    sys.exit(_supervise(float(sys.argv[2]), sys.argv[3:]))
