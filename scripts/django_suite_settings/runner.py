"""A DiscoverRunner that records each test's outcome as one JSON line.

The file is ``$DJANGO_SUITE_RESULTS``; lines are flushed as tests finish, so a
run killed at its timeout still leaves the outcomes of the tests it ran.
Each line: ``{"test", "outcome", "error", "where", "traceback", "seconds"}``
with outcome one of ok, fail, error, skip, xfail, xpass.
"""

import json
import os
import time
import traceback
import unittest

from django.test.runner import DiscoverRunner

MAX_TRACEBACK = 20_000


def _first_line(err):
    exc_type, exc_value, _ = err
    lines = traceback.format_exception_only(exc_type, exc_value)
    text = "".join(lines).strip()
    return text.splitlines()[0] if text else exc_type.__name__


def _where(err):
    """The innermost djongo_app frame, else the innermost frame."""
    frames = traceback.extract_tb(err[2])
    if not frames:
        return ""
    ours = [f for f in frames if f"{os.sep}djongo_app{os.sep}" in f.filename]
    frame = (ours or frames)[-1]
    filename = frame.filename
    for marker in (f"{os.sep}djongo_app{os.sep}", f"{os.sep}django{os.sep}"):
        if marker in filename:
            filename = marker.strip(os.sep) + os.sep + filename.rsplit(marker, 1)[1]
            break
    else:
        filename = os.path.basename(filename)
    return f"{filename}:{frame.lineno} in {frame.name}"


class RecordingResult(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        path = os.environ.get("DJANGO_SUITE_RESULTS")
        self._out = open(path, "a", buffering=1, encoding="utf-8") if path else None  # noqa: SIM115
        self._started = {}

    def _record(self, test, outcome, err=None, reason=None):
        if self._out is None:
            return
        if isinstance(test, unittest.case._SubTest):
            name = test.test_case.id()
            sub = test._subDescription()
        else:
            name = test.id()
            sub = None
        started = self._started.get(name)
        entry = {"test": name, "outcome": outcome}
        if sub:
            entry["subtest"] = sub
        if err is not None:
            entry["error"] = _first_line(err)
            entry["where"] = _where(err)
            entry["traceback"] = self._exc_info_to_string(err, test)[:MAX_TRACEBACK]
        if reason:
            entry["error"] = str(reason)
        if started is not None:
            entry["seconds"] = round(time.monotonic() - started, 3)
        self._out.write(json.dumps(entry) + "\n")

    def startTest(self, test):
        self._started[test.id()] = time.monotonic()
        super().startTest(test)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._record(test, "ok")

    def addFailure(self, test, err):
        self._record(test, "fail", err)
        super().addFailure(test, err)

    def addError(self, test, err):
        self._record(test, "error", err)
        super().addError(test, err)

    def addSubTest(self, test, subtest, err):
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self._record(subtest, "fail" if failed else "error", err)
        super().addSubTest(test, subtest, err)

    def addSkip(self, test, reason):
        self._record(test, "skip", reason=reason)
        super().addSkip(test, reason)

    def addExpectedFailure(self, test, err):
        self._record(test, "xfail", err)
        super().addExpectedFailure(test, err)

    def addUnexpectedSuccess(self, test):
        self._record(test, "xpass")
        super().addUnexpectedSuccess(test)

    def stopTestRun(self):
        super().stopTestRun()
        if self._out is not None:
            self._out.close()
            self._out = None


class RecordingRunner(DiscoverRunner):
    def get_resultclass(self):
        base = super().get_resultclass()
        if base is None:
            return RecordingResult
        # --debug-sql / --pdb: keep their behaviour and record as well.
        return type("Recording" + base.__name__, (RecordingResult, base), {})
