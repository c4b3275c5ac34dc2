"""Djongo's DATABASES keys accepted as written, LOGGING included."""

import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.test import SimpleTestCase, TestCase

from djongo_app import connection as connection_module
from djongo_app.base import DatabaseWrapper
from djongo_app.connection import COMMAND_LOGGER, client_arguments, configure_logging
from djongo_app.testing import server_uri

RECORDS = []


class ListHandler(logging.Handler):
    """Keeps the messages it is given (referenced by dotted path below)."""

    def emit(self, record):
        RECORDS.append(record.getMessage())


def djongo_settings(**extra):
    """A DATABASES entry written the way Djongo's documentation writes it,
    with ENGINE changed."""
    return {
        "ENGINE": "djongo_app",
        "NAME": "djongo_app_tests",
        "ENFORCE_SCHEMA": False,
        "CLIENT": {"host": server_uri()},
        **extra,
    }


class LoggingState:
    """Restore the loggers a dictConfig changed."""

    names = (COMMAND_LOGGER, "djongo_app.tests.other", "existing.logger")

    def setUp(self):
        super().setUp()
        RECORDS.clear()
        self.saved = {}
        for name in self.names:
            logger = logging.getLogger(name)
            self.saved[name] = (
                logger.level,
                logger.propagate,
                list(logger.handlers),
                logger.disabled,
            )
        self.applied = set(connection_module._applied_logging)

    def tearDown(self):
        for name, (level, propagate, handlers, disabled) in self.saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.propagate = propagate
            logger.handlers[:] = handlers
            logger.disabled = disabled
        connection_module._applied_logging.clear()
        connection_module._applied_logging.update(self.applied)
        super().tearDown()


def djongo_logging(logger_name="djongo", **options):
    return {
        "version": 1,
        "handlers": {"keep": {"class": "tests.compat.test_settings.ListHandler"}},
        "loggers": {
            logger_name: {"level": "DEBUG", "propagate": False, "handlers": ["keep"], **options}
        },
    }


class ConfigureLoggingTests(LoggingState, SimpleTestCase):
    def test_djongo_logger_configures_the_command_logger(self):
        configure_logging({"LOGGING": djongo_logging()})
        logger = logging.getLogger(COMMAND_LOGGER)
        self.assertEqual(logger.level, logging.DEBUG)
        self.assertIs(logger.propagate, False)
        self.assertEqual([type(h).__name__ for h in logger.handlers], ["ListHandler"])

    def test_deeper_djongo_names_win(self):
        config = djongo_logging()
        config["loggers"]["djongo.sql2mongo.query"] = {"level": "INFO"}
        configure_logging({"LOGGING": config})
        self.assertEqual(logging.getLogger(COMMAND_LOGGER).level, logging.INFO)

    def test_other_loggers_as_named(self):
        configure_logging({"LOGGING": djongo_logging("djongo_app.tests.other")})
        self.assertEqual(logging.getLogger("djongo_app.tests.other").level, logging.DEBUG)

    def test_existing_loggers_stay_enabled(self):
        existing = logging.getLogger("existing.logger")
        configure_logging({"LOGGING": djongo_logging()})
        self.assertIs(existing.disabled, False)

    def test_applied_once(self):
        settings = {"LOGGING": djongo_logging()}
        configure_logging(settings)
        configure_logging(settings)
        self.assertEqual(len(logging.getLogger(COMMAND_LOGGER).handlers), 1)

    def test_invalid(self):
        cases = [
            ("debug", "must be a logging.config.dictConfig dict"),
            ({"loggers": {}}, "['LOGGING']"),
            ({"version": 1, "handlers": {"h": {"class": "no.such.Handler"}}}, "['LOGGING']"),
        ]
        for value, message in cases:
            with self.subTest(value=value), self.assertRaisesMessage(ImproperlyConfigured, message):
                configure_logging({"LOGGING": value}, "default")


class DjongoSettingsTests(LoggingState, TestCase):
    def test_djongo_keys_are_accepted(self):
        settings = djongo_settings(
            LOGGING=djongo_logging(),
            CLIENT={
                "host": "db.example.com",
                "port": 27017,
                "username": "u",
                "password": "p",
                "authSource": "admin",
                "authMechanism": "SCRAM-SHA-1",
            },
        )
        arguments = client_arguments(settings)
        self.assertEqual(
            {k: arguments[k] for k in ("host", "port", "username", "authSource", "authMechanism")},
            {
                "host": "db.example.com",
                "port": 27017,
                "username": "u",
                "authSource": "admin",
                "authMechanism": "SCRAM-SHA-1",
            },
        )

    def test_logging_shows_each_command_like_djongo(self):
        settings = djongo_settings(LOGGING=djongo_logging())
        settings = connections.configure_settings({"default": settings})["default"]
        wrapper = DatabaseWrapper(settings, alias="djongo_style")
        try:
            wrapper.ensure_connection()
            with wrapper.cursor() as cursor:
                cursor.execute('SELECT COUNT(*) FROM "compatapp_post" WHERE "score" > %s', [1])
        finally:
            wrapper.close()
        self.assertEqual(len(RECORDS), 1)
        self.assertIn("MongoDB:", RECORDS[0])
        self.assertIn('"$gt": 1', RECORDS[0])

    def test_the_suites_own_connection_is_unaffected(self):
        self.assertNotIn("LOGGING", connection.settings_dict)
