"""Settings as Djongo's "Get Started" and "Database configuration" write
them; ENGINE is the one change (was 'djongo'). The server comes from
MONGODB_URI (Djongo's page has 'host-name or ip address')."""

import os

SECRET_KEY = "djongo-style-project"

DATABASES = {
    "default": {
        "ENGINE": "djongo_app",
        "NAME": "your-db-name",
        "ENFORCE_SCHEMA": False,
        "CLIENT": {
            "host": os.environ["MONGODB_URI"],
        },
        "LOGGING": {
            "version": 1,
            "loggers": {
                "djongo": {
                    "level": "DEBUG",
                    "propagate": False,
                }
            },
        },
    }
}

INSTALLED_APPS = [
    "myapp.apps.MyappAppConfig",
]

# The GridFS page builds its storage's base_url from this setting.
BASE_URL = "http://mysite.local/"
