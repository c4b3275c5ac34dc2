"""The project of tests/djongo_project, written as Djongo's documentation
writes it (only its import lines and ENGINE changed), passes its own tests
under ``manage.py test`` against the test server."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

from pymongo import MongoClient

from djongo_app.testing import server_uri

PROJECT = Path(__file__).resolve().parents[1] / "djongo_project"
REPO = PROJECT.parents[1]


def test_djongo_documented_project_runs_unchanged():
    uri = server_uri()
    env = dict(os.environ)
    env.update(
        MONGODB_URI=uri,
        DJANGO_SETTINGS_MODULE="mysite.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        PYTHONWARNINGS="error",
    )
    # manage.py test creates and drops test_<NAME>; keep it apart from a
    # concurrent run.
    suffix = uuid.uuid4().hex[:8]
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from django.conf import settings; "
            f"import mysite.settings as s; s.DATABASES['default']['TEST'] = "
            f"{{'NAME': 'test_djongo_style_{suffix}'}}; "
            "from django.core.management import execute_from_command_line; "
            "execute_from_command_line(['manage.py', 'test', 'myapp', '-v', '2', '--noinput'])",
        ],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    try:
        assert result.returncode == 0, output
        ran = re.search(r"Ran (\d+) tests?", output)
        assert ran is not None, output
        assert int(ran.group(1)) == 12, output
        assert "OK" in output
    finally:
        with MongoClient(uri) as client:
            client.drop_database(f"test_djongo_style_{suffix}")
