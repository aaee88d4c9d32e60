"""Type stubs for ``modelseal._native``, the Rust extension module."""

from os import PathLike
from pathlib import Path
from typing import Optional, Sequence, Union, final

__version__: str
#: Whether the extension was built without optimizations (``maturin build``
#: without ``--release``).
__debug_build__: bool

_Path = Union[str, PathLike[str]]

@final
class Redactor:
    """Finds and hides secrets in text. Build once (compiling the rules takes
    a few milliseconds) and share: it is safe to use from many threads.

    Options left as ``None`` take the configuration's ``[redact]`` value,
    then the default (label ``[REDACTED:{rule}]``, keep 0, no metadata).
    ``env`` is the environment as ``(name, value)`` byte pairs; the values of
    those whose names say they are secret (and those listed in ``[redact]
    env``) are hidden exactly. ``None`` hides no exact value.
    """

    def __new__(
        cls,
        *,
        metadata: Optional[bool] = None,
        label: Optional[str] = None,
        keep: Optional[int] = None,
        env: Optional[Sequence[tuple[bytes, bytes]]] = None,
        config: Optional[_Path] = None,
    ) -> Redactor: ...
    def redact(self, text: str) -> str:
        """``text`` with every secret replaced by the label."""
    def redact_changed(self, text: str) -> Optional[str]:
        """``text`` with every secret replaced, or ``None`` when there is
        nothing to hide."""
    def redact_counted(self, text: str) -> tuple[str, int]:
        """``(redacted text, number of secrets hidden)``."""
    def stream(self) -> StreamRedactor:
        """A new stream redactor that shares this redactor's rules."""
    @property
    def label(self) -> str:
        """The label, with ``{rule}`` for the rule id."""
    @property
    def keep(self) -> int:
        """Leading characters of a secret kept before the label."""
    @property
    def metadata(self) -> bool:
        """Whether metadata (usernames, hosts, paths) is hidden too."""
    @property
    def env_values(self) -> int:
        """How many exact values of environment variables are hidden."""
    @property
    def rules(self) -> int:
        """How many rules are run."""
    @property
    def warnings(self) -> list[str]:
        """Warnings from building (a disabled rule id that names no rule)."""
    @property
    def config(self) -> Optional[Path]:
        """The configuration file the rules and ``[redact]`` table came from."""

@final
class StreamRedactor:
    """Redacts text written in pieces, as to a console: complete lines come
    out at once, a partial line waits for its end (or for ``flush``), so a
    secret split across several writes is still seen whole."""

    def write(self, text: str) -> str:
        """Takes more text; returns the redacted text that is ready (possibly
        empty)."""
    def flush(self) -> str:
        """Returns everything held back (a partial line, an open key block),
        redacted."""
    @property
    def pending(self) -> int:
        """Bytes received and not yet returned."""
    @property
    def redacted(self) -> int:
        """How many secrets were hidden so far."""

def scan_path(
    path: _Path,
    *,
    config: Optional[_Path] = None,
    no_config: bool = False,
    show_secrets: bool = False,
) -> str:
    """Scans ``path`` like ``modelseal scan PATH`` and returns the report as
    JSON text: ``findings`` (as ``--format json`` writes them), ``problems``,
    ``stats``, ``fail_on``, ``config`` and ``warnings``. Raises
    ``ValueError`` when the configuration, its rules or its baseline cannot
    be used."""

def mask(secret: str) -> str:
    """A secret masked for display: a short prefix stays, the rest becomes
    ``*``; the result never holds the whole secret."""
