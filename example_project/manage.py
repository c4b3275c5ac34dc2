#!/usr/bin/env python
"""Django's command-line utility for the djongo_app example project."""

import os
import sys
from importlib.util import find_spec
from pathlib import Path


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
    if find_spec("djongo_app") is None:
        # Not installed (pip install -e '.[test]'): use the checkout around us.
        sys.path.append(str(Path(__file__).resolve().parent.parent))
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
