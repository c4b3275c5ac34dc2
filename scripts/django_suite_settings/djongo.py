"""Django's test suite on djongo_app: Django's test_sqlite.py with the engine swapped."""

import os

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

SECRET_KEY = "django_tests_secret_key"

# Use a fast hasher to speed up tests.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
]

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

USE_TZ = False

TEST_RUNNER = "django_suite_settings.runner.RecordingRunner"
