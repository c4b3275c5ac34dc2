"""Settings of the djongo_app example project (development only).

The database is MongoDB through djongo_app. With ``MONGODB_URI`` set, that
server is used; otherwise a SecantusDB server (from ``djongo_app[example]``)
keeps its data in ``example_project/data`` (``EXAMPLE_DATA_DIR`` overrides
the folder). The first command of the example starts it and stops it when
it ends; other ``manage.py`` commands run meanwhile reuse it (see
``djongo_app.testing``). ``EXAMPLE_DB_NAME`` overrides the database name
(default ``example``).
"""

import os
import sys
from pathlib import Path

from djongo_app.testing import ServerError, read_state, server_uri

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("EXAMPLE_DATA_DIR") or BASE_DIR / "data").resolve()

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
    "rest_framework",
    "django_filters",
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
    try:
        uri = server_uri(storage_path=str(DATA_DIR))
    except ServerError as e:
        # One line, no traceback: the message says what to do.
        raise SystemExit(f"example_project: {e}") from None
    state = read_state(DATA_DIR) or {}
    how = (
        "started by this command"
        if state.get("owner") == os.getpid()
        else f"reusing the server of process {state.get('owner')}"
    )
    # runserver's autoreloader child reuses the server through its record
    # too, and so ends when runserver does (see djongo_app.testing).
    print(f"SecantusDB at {uri} (data in {DATA_DIR}; {how})", file=sys.stderr)
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

REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 5,
    # Filters by paths into documents (?seo__title=..., ?tags=...), ordering.
    "DEFAULT_FILTER_BACKENDS": [
        "djongo_app.rest_framework.filters.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
}
