#!/usr/bin/env python
"""A Django project written as Djongo's documentation writes one; only the
import lines and ENGINE differ (tests/compat/test_djongo_project.py runs
``manage.py test myapp`` against the test server)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
