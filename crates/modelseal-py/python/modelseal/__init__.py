"""modelseal: keep ML artifacts, training logs and consoles from leaking secrets.

Built on modelseal's Rust core (the same rules and readers as the
``modelseal`` command line tool).

Hide secrets in text::

    import modelseal
    modelseal.redact(line)              # "... [REDACTED:aws-access-key-id] ..."

Hide them in every log record and on the console, from the start of a job::

    modelseal.install()                 # logging handlers, print, tracebacks
    modelseal.uninstall()               # undo

Or put the filter on chosen handlers only::

    handler.addFilter(modelseal.RedactingFilter())

Scan a folder, and refuse to publish one that holds a secret::

    findings = modelseal.scan_path("out/model")
    modelseal.check_before_upload("out/model")     # raises modelseal.LeakError

Secret environment variables: with ``env=True`` (the default), the exact
values of variables whose names contain KEY, SECRET, TOKEN, PASSWORD,
PASSWD, CREDENTIAL or PRIVATE are hidden too, in their common encodings.
They are read from ``os.environ`` when a redactor is built (the first
``redact()`` call with given options, or ``install()``), not at every call:
call :func:`refresh` after setting such a variable.
"""

from __future__ import annotations

from ._install import install, installed, refresh, uninstall
from ._logging import RedactingFilter
from ._native import Redactor, StreamRedactor, __version__, mask
from ._redact import redact, redactor_for
from ._scan import (
    SEVERITIES,
    Finding,
    IncompleteScanError,
    LeakError,
    Location,
    Problem,
    ScanResult,
    check_before_upload,
    scan_path,
)
from ._streams import RedactingStream

__all__ = [
    "SEVERITIES",
    "Finding",
    "IncompleteScanError",
    "LeakError",
    "Location",
    "Problem",
    "RedactingFilter",
    "RedactingStream",
    "Redactor",
    "ScanResult",
    "StreamRedactor",
    "__version__",
    "check_before_upload",
    "install",
    "installed",
    "mask",
    "redact",
    "redactor_for",
    "refresh",
    "scan_path",
    "uninstall",
]
