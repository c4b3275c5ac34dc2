"""Test session set-up: the server comes from djongo_app.testing."""

from djongo_app.testing import stop_server


def pytest_unconfigure(config):
    stop_server()
