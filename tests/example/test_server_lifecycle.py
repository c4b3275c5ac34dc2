"""The embedded server ends with the process that started it (issue 17).

Each test starts processes the way a user does (the test session's helper,
``manage.py runserver`` of the example), stops them the way a process
manager does (SIGTERM, SIGKILL) and checks that no server is left and that
the next start works on the same data. These tests start SecantusDB
themselves, so they do not run against ``$MONGODB_URI``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from djongo_app.testing import (
    STATE_FILE,
    free_port,
    read_state,
    server_command,
    terminate,
    wait_for_port,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "example_project"

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("MONGODB_URI")), reason="starts SecantusDB itself"
)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text()[:400]
    except OSError as e:
        return str(e)


def wait_gone(pid: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        PYTHONWARNINGS="error",
        **extra,
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


# The helper restores Ctrl-C's default first: a process started with
# SIGINT ignored (a shell's background job, some CI runners) passes that on
# to its children, and Python then installs no KeyboardInterrupt handler,
# so a SIGINT would leave the helper (and rightly its server) running.
HELPER = textwrap.dedent(
    """
    import signal
    import time
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from djongo_app.testing import server_pid, server_uri
    server_uri()
    print(server_pid(), flush=True)
    time.sleep(120)
    """
)


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT], ids=lambda s: s.name
)
def test_session_server_ends_with_its_process(signum):
    """The test-session server (in memory) stops when the process that
    started it is killed, and the signal keeps its effect on that process."""
    process = subprocess.Popen(
        [sys.executable, "-c", HELPER],
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        if not line.strip().isdigit():
            process.kill()
            pytest.fail(f"the helper did not start a server: {line!r}\n{process.stderr.read()}")
        server = int(line)
        assert alive(server)
        process.send_signal(signum)
        returncode = process.wait(timeout=30)
        assert wait_gone(server), f"the server {server} outlived its process: {status(server)}"
    finally:
        terminate(process, timeout=0)
        process.stdout.close()
        stderr = process.stderr.read()
        process.stderr.close()
    # The process still ends by its signal (SIGINT: an uncaught
    # KeyboardInterrupt, then atexit, then Python's exit by SIGINT).
    assert returncode == -signum, stderr
    assert ("KeyboardInterrupt" in stderr) is (signum == signal.SIGINT)


def manage(env, *args, check=True, timeout=120):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check:
        assert result.returncode == 0, f"manage.py {args}:\n{result.stdout}\n{result.stderr}"
    return result


WRITE = (
    "from django.conf import settings; from pymongo import MongoClient; "
    "db = MongoClient(settings.DATABASES['default']['HOST'])[settings.DATABASES['default']"
    "['NAME']]; db.lifecycle.insert_one({'kept': %r}); print(settings.DATABASES['default']"
    "['HOST'])"
)
READ = (
    "from django.conf import settings; from pymongo import MongoClient; "
    "db = MongoClient(settings.DATABASES['default']['HOST'])[settings.DATABASES['default']"
    "['NAME']]; print(sorted(d['kept'] for d in db.lifecycle.find()))"
)


@pytest.fixture
def example_env(tmp_path):
    data = tmp_path / "data"
    return data, clean_env(EXAMPLE_DATA_DIR=str(data), EXAMPLE_DB_NAME=f"life_{uuid.uuid4().hex}")


def start_site(env, port):
    site = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=EXAMPLE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The settings print the server's address before anything else.
    first = site.stderr.readline()
    assert first.startswith("SecantusDB at mongodb://127.0.0.1:"), first
    assert "started by this command" in first
    deadline = time.monotonic() + 60
    while True:
        assert site.poll() is None, site.stderr.read()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return site
        except OSError:
            assert time.monotonic() < deadline, "runserver did not listen"
            time.sleep(0.1)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_example_server_ends_with_runserver(example_env, signum):
    """runserver owns the server; other commands reuse it; killing runserver
    leaves no server, and the next command starts one on the same data."""
    data, env = example_env
    site = start_site(env, free_port())
    try:
        state = read_state(data)
        assert state["owner"] == site.pid
        # The supervisor of SecantusDB, and SecantusDB.
        supervisor = state["pid"]
        (server,) = children(supervisor)
        assert "secantusd" in Path(f"/proc/{server}/cmdline").read_text()
        # Another command while the site runs: it reuses the server.
        result = manage(env, "shell", "-v", "0", "-c", WRITE % "first")
        assert result.stdout.strip() == state["uri"]
        assert f"reusing the server of process {site.pid}" in result.stderr
        assert manage(env, "--version").returncode == 0

        site.send_signal(signum)
        assert site.wait(timeout=30) == -signum
        if signum == signal.SIGTERM:
            # The handler stopped the server before the process ended.
            assert not alive(server)
            assert not alive(supervisor)
        for pid in (server, supervisor):
            assert wait_gone(pid), f"{pid} outlived runserver: {status(pid)}"
    finally:
        terminate(site, timeout=0)
        site.stderr.close()

    # The next start finds a stale record, starts cleanly, sees the data.
    result = manage(env, "shell", "-v", "0", "-c", READ)
    assert result.stdout.strip() == "['first']"
    assert "started by this command" in result.stderr
    # A command that owned the server stops it when it ends.
    assert not (data / STATE_FILE).exists()


def test_autoreloader_child_ends_with_runserver(example_env):
    """With Django's autoreloader, SIGKILL to runserver (the reloader's
    parent) ends the child serving the site too, not only the database
    server: nothing is left answering errors on the port (trial of main)."""
    data, env = example_env
    port = free_port()
    site = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
        cwd=EXAMPLE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    child = None
    try:
        assert "started by this command" in site.stderr.readline()
        # The child prints its own line: it reuses its parent's server.
        assert f"reusing the server of process {site.pid}" in site.stderr.readline()
        wait_for_port(port, timeout=60)
        state = read_state(data)
        supervisor = state["pid"]
        (child,) = [pid for pid in children(site.pid) if pid != supervisor]
        assert "runserver" in Path(f"/proc/{child}/cmdline").read_text()

        site.send_signal(signal.SIGKILL)
        assert site.wait(timeout=30) == -signal.SIGKILL
        for pid in (child, supervisor):
            assert wait_gone(pid), f"{pid} outlived runserver: {status(pid)}"
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
    finally:
        terminate(site, timeout=0)
        site.stderr.close()
        if child is not None and alive(child):
            os.kill(child, signal.SIGKILL)


def test_folder_held_by_another_process(example_env):
    """A data folder locked by a server djongo_app did not start: one line
    naming the folder, no traceback."""
    data, env = example_env
    data.mkdir()
    port = free_port()
    foreign = subprocess.Popen(
        [
            *server_command(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(data),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        result = manage(env, "check", check=False)
    finally:
        terminate(foreign)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(data.resolve()) in lines[0]
    assert "MONGODB_URI" in lines[0]
    # Once the other process is gone the folder is usable.
    assert "System check identified no issues" in manage(env, "check").stdout


def test_supervisor_kills_a_server_that_ignores_sigterm():
    """A server slow to honour SIGTERM gets the grace period, then SIGKILL;
    the supervisor ends with it."""
    import djongo_app.testing

    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    supervisor = subprocess.Popen(
        [
            sys.executable,
            djongo_app.testing.__file__,
            "--supervise",
            "1",
            sys.executable,
            "-c",
            stubborn,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert supervisor.stdout.readline() == "ready\n"
        (server,) = children(supervisor.pid)
        started = time.monotonic()
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=30) == 0
        assert 1 <= time.monotonic() - started < 10
        assert wait_gone(server, timeout=5)
    finally:
        terminate(supervisor, timeout=0)
        supervisor.stdout.close()
