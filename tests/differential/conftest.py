"""Reports how many differential examples ran (for issue notes and CI logs)."""

from .support import STATS


def pytest_terminal_summary(terminalreporter):
    if STATS["examples"]:
        terminalreporter.write_line(
            "differential: {examples} examples run, {compared} compared, "
            "{rejected} rejected, {mismatches} mismatching".format_map(STATS)
        )
