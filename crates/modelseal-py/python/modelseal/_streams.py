"""A text stream wrapper that redacts what is written through it."""

from __future__ import annotations

import threading
from typing import Any, Iterable, Optional, TextIO

from ._native import Redactor, StreamRedactor


class RedactingStream:
    """Wraps a text stream (``sys.stdout``, ``sys.stderr``) and redacts what
    is written to it.

    ``write()`` feeds a native stream redactor: complete lines are redacted
    and passed on at once; a partial line is held until its newline comes, so
    a secret printed in several pieces (``print("token", tok)`` makes four
    writes) is still seen whole. ``flush()`` passes on the held partial line,
    redacted, so progress bars that redraw a line with ``\\r`` and flush
    (tqdm) keep showing. An open private-key block is held until its END
    line (up to 64 KiB), so its body is never shown.

    Everything else (``encoding``, ``isatty()``, ``fileno()``, ...) is the
    wrapped stream's. Bytes written to ``.buffer`` or to the file descriptor
    directly are not seen.
    """

    def __init__(self, stream: TextIO, redactor: Redactor) -> None:
        self._stream = stream
        self._native: Optional[StreamRedactor] = redactor.stream()
        self._lock = threading.RLock()

    @property
    def wrapped(self) -> TextIO:
        """The stream written to."""
        return self._stream

    @property
    def redacting(self) -> bool:
        """Whether writes are still redacted (false once passed through)."""
        return self._native is not None

    def write(self, text: str) -> int:
        """Redacts ``text`` and passes on what is ready; returns ``len(text)``."""
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        with self._lock:
            native = self._native
            out = native.write(text) if native is not None else text
            if out:
                self._stream.write(out)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """Writes each line in turn."""
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        """Passes on the held partial line, redacted, then flushes the stream."""
        with self._lock:
            native = self._native
            if native is not None:
                out = native.flush()
                if out:
                    self._stream.write(out)
        self._stream.flush()

    def close(self) -> None:
        """Flushes what is held, then closes the wrapped stream."""
        try:
            self.flush()
        finally:
            self._stream.close()

    def use(self, redactor: Redactor) -> None:
        """Switches to another redactor, after passing on what is held."""
        with self._lock:
            self._drain()
            self._native = redactor.stream()

    def pass_through(self) -> None:
        """Stops redacting: what is held goes out, later writes go as they are."""
        with self._lock:
            self._drain()
            self._native = None

    def _drain(self) -> None:
        native = self._native
        if native is not None:
            out = native.flush()
            if out:
                self._stream.write(out)

    def __getattr__(self, name: str) -> Any:
        if name == "_stream":
            raise AttributeError(name)
        return getattr(self._stream, name)

    def __repr__(self) -> str:
        return f"<RedactingStream of {self._stream!r}>"
