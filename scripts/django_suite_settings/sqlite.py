"""Django's test suite on SQLite: the stock tests/test_sqlite.py, plus the recording runner."""

from test_sqlite import *  # noqa: F403 - runtests.py puts Django's tests/ on sys.path

TEST_RUNNER = "django_suite_settings.runner.RecordingRunner"
