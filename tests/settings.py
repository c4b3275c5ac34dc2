"""Settings of the test suite: the server of djongo_app.testing."""

from djongo_app.testing import server_uri

SECRET_KEY = "djongo_app-tests"
USE_TZ = True
TIME_ZONE = "UTC"
DATABASES = {
    "default": {
        "ENGINE": "djongo_app",
        "NAME": "djongo_app_tests",
        "HOST": server_uri(),
    },
    # The reference database of tests/differential (SQLite vs djongo_app).
    "sqlite": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
    },
}
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.admin",
    "django.contrib.messages",
    "djongo_app",
    "tests.testapp",
    "tests.objectidapp",
    "tests.compatapp",
]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LOGGING_CONFIG = None
