"""A MongoDB server for tests and the example project.

``server_uri()`` returns ``$MONGODB_URI`` when it is set (a real mongod or
replica set); otherwise it starts SecantusDB, a MongoDB wire-protocol
server, on a free loopback port in a child process, once per process, and
stops it when the process exits. SecantusDB comes with the ``test`` extra.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import typing

_lock = threading.Lock()
_server: subprocess.Popen | None = None
_uri: str | None = None
# The server's stderr, read back when it fails to start.
_log: typing.IO[bytes] | None = None


def _open_log() -> typing.IO[bytes]:
    global _log
    if _log is None or _log.closed:
        _log = tempfile.TemporaryFile()  # noqa: SIM115 - kept until stop_server()
    _log.seek(0)
    _log.truncate()
    return _log


def server_uri(storage_path: str = ":memory:") -> str:
    """Return the URI of the server to use, starting one if needed."""
    global _server, _uri
    configured = os.environ.get("MONGODB_URI")
    if configured:
        return configured
    with _lock:
        if _uri is None:
            port = free_port()
            log = _open_log()
            _server = subprocess.Popen(
                [
                    *server_command(),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--storage-path",
                    storage_path,
                    "--log-level",
                    "WARNING",
                ],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            atexit.register(stop_server)
            _uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
            _wait_until_ready(port)
        return _uri


def stop_server() -> None:
    """Stop the server started by :func:`server_uri`, if any."""
    global _server, _uri
    with _lock:
        if _server is not None:
            terminate(_server)
        _server = None
        _uri = None
        if _log is not None:
            _log.close()


def terminate(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop a child process: SIGTERM, then SIGKILL after ``timeout``."""
    if process.poll() is not None:
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
        raise RuntimeError(
            "SecantusDB is not installed and MONGODB_URI is not set: "
            "install djongo_app[test] or point MONGODB_URI at a server."
        )
    return [script]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_ready(port: int, timeout: float = 30.0) -> None:
    def check_alive() -> None:
        if _server is not None and _server.poll() is not None:
            error = ""
            if _log is not None:
                _log.seek(0)
                error = _log.read().decode(errors="replace")
            raise RuntimeError(f"SecantusDB exited at start: {error}")

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
    raise RuntimeError(f"No server listened on port {port} within {timeout}s")


class CaptureCommands:
    """Collect the MongoDB commands statements become, as JSON text.

    ``with CaptureCommands() as commands: ...`` leaves in ``commands`` one
    string per statement run in the block, read from the
    ``django.db.backends.djongo_app`` logger.
    """

    def __init__(self) -> None:
        self.commands: list[str] = []
        self._logger = logging.getLogger("django.db.backends.djongo_app")
        self._handler = _CommandHandler(self.commands)
        self._level = logging.NOTSET

    def __enter__(self) -> list[str]:
        self._level = self._logger.level
        self._logger.setLevel(logging.DEBUG)
        self._logger.addHandler(self._handler)
        return self.commands

    def __exit__(self, *exc_info: object) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._level)


class _CommandHandler(logging.Handler):
    def __init__(self, target: list[str]):
        super().__init__(logging.DEBUG)
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        self.target.append(str(record.args[1]) if record.args else record.getMessage())
