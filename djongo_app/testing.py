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
