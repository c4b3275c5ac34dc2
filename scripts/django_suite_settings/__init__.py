"""Settings for running Django's own test suite (``tests/runtests.py``).

Used by ``scripts/django_suite.py``, which puts ``scripts/`` and the
repository root on ``PYTHONPATH`` of the ``runtests.py`` child process:

- ``django_suite_settings.djongo``: both aliases on djongo_app, the server
  in ``$MONGODB_URI``;
- ``django_suite_settings.sqlite``: Django's stock ``test_sqlite`` settings;
- ``django_suite_settings.runner``: the test runner both use, which records
  every test's outcome to ``$DJANGO_SUITE_RESULTS`` (JSON lines).
"""
