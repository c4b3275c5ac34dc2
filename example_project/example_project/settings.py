"""Settings of the djongo_app example project (development only).

The database is MongoDB through djongo_app. With ``MONGODB_URI`` set, that
server is used; otherwise a SecantusDB server (from ``djongo_app[test]``) is
started for this process, keeping its data in ``example_project/data``.
``EXAMPLE_DB_NAME`` overrides the database name (default ``example``).
"""

import os
from pathlib import Path

from djongo_app.testing import server_uri

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "data"

SECRET_KEY = "django-insecure-djongo-app-example-project-not-for-production"
DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "djongo_app",
    "blog",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "example_project.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "example_project.wsgi.application"


def _mongodb_uri() -> str:
    if os.environ.get("MONGODB_URI"):
        return os.environ["MONGODB_URI"]
    DATA_DIR.mkdir(exist_ok=True)
    try:
        uri = server_uri(storage_path=str(DATA_DIR))
    except RuntimeError as e:
        raise RuntimeError(
            f"Could not start SecantusDB on {DATA_DIR}: is another process of the example "
            "project (runserver, shell) using it? Stop it, or set MONGODB_URI to a running "
            f"server.\n{e}"
        ) from e
    # Processes started from this one (runserver's autoreloader child) share
    # the server instead of starting a second one on the same data folder.
    os.environ["MONGODB_URI"] = uri
    return uri


DATABASES = {
    "default": {
        "ENGINE": "djongo_app",
        "NAME": os.environ.get("EXAMPLE_DB_NAME", "example"),
        "HOST": _mongodb_uri(),
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = []

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
