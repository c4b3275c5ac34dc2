"""Django's test suite on djongo_app: Django's test_sqlite.py with the engine swapped.

The other settings are those of the installed Django's ``tests/test_sqlite.py``
(5.2 sets ``DEFAULT_AUTO_FIELD = AutoField``; 6.x leaves Django's default,
``BigAutoField``), so each series runs its suite as it expects.
"""

import os

from test_sqlite import *  # noqa: F403 - runtests.py puts Django's tests/ on sys.path

_uri = os.environ.get("MONGODB_URI")
if not _uri:
    raise RuntimeError(
        "django_suite_settings.djongo needs MONGODB_URI (see scripts/django_suite.py)"
    )
# Distinct names per concurrent job, so that two runtests.py processes on the
# same server never share a test database.
_prefix = os.environ.get("DJANGO_SUITE_DB_PREFIX", "django_suite")

DATABASES = {
    "default": {
        "ENGINE": "djongo_app",
        "NAME": f"{_prefix}_default",
        "HOST": _uri,
    },
    "other": {
        "ENGINE": "djongo_app",
        "NAME": f"{_prefix}_other",
        "HOST": _uri,
    },
}

TEST_RUNNER = "django_suite_settings.runner.RecordingRunner"
