"""Shared fixtures. Fake secrets are assembled at run time from pieces, so
that this repository never holds a scannable secret."""

from __future__ import annotations

import logging
import sys

import pytest

import modelseal

#: A well-formed (fake) Hugging Face user access token.
HF_TOKEN = "hf_" + "VxKqPzLmWnRtYbGcHdJf" + "NsQaEuIoTkXlMv"
#: A well-formed (fake) AWS access key id.
AWS_KEY_ID = "AKIA" + "W7RZQ3MXNB5KTYLP"
#: A password with no recognisable shape: only its exact value gives it away.
DB_PASSWORD = "Tr0ub4dor&3" + "-corp-" + "quartz"


def pytest_sessionfinish(session, exitstatus):
    """A skipped test is a test that did not run: the suite fails. Every
    dependency is pinned and installed by scripts/test-python."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and exitstatus == 0:
        reporter.write_line(f"error: {skipped} test(s) skipped; nothing may be skipped", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _configuration_fence(tmp_path):
    """Configuration discovery walks up from the scanned folder. An empty
    modelseal.toml just above every test's folder is the configuration of
    the tests that write none of their own, so a file higher up (in /tmp,
    say) cannot change them."""
    fence = tmp_path.parent / "modelseal.toml"
    if not fence.exists():
        fence.write_text("# The tests' own (empty) configuration.\n")


@pytest.fixture
def hf_token() -> str:
    return HF_TOKEN


@pytest.fixture
def aws_key_id() -> str:
    return AWS_KEY_ID


@pytest.fixture(autouse=True)
def _clean_state():
    """Every test starts and ends uninstalled, with the root logger as found
    and fresh redactors (so environment changes are seen)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    modelseal.uninstall()
    modelseal.refresh()
    try:
        yield
    finally:
        modelseal.uninstall()
        modelseal.refresh()
        root.handlers[:] = handlers
        root.setLevel(level)
        for name in ("stdout", "stderr"):
            assert not isinstance(getattr(sys, name), modelseal.RedactingStream)
