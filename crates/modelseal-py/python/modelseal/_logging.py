"""A `logging.Filter` that hides secrets in log records."""

from __future__ import annotations

import logging
import weakref
from typing import Callable, Optional

from ._native import Redactor
from ._redact import StrPath, redactor_for

_DEFAULT_FORMATTER = logging.Formatter()

#: What a record becomes when redaction itself fails: nothing of it is shown.
_WITHHELD = "[modelseal withheld a log record it could not redact: {error}]"


class RedactingFilter(logging.Filter):
    """Hides secrets in log records; never drops a record.

    For each record it redacts the formatted message (``record.getMessage()``:
    ``msg`` with its ``%``-args applied). When something was hidden,
    ``record.msg`` becomes the redacted text and ``record.args`` becomes
    ``None``; a record with nothing to hide is left untouched, so its lazy
    ``%``-formatting is kept. An exception (``exc_info``) is formatted into
    ``record.exc_text`` and redacted, which is the text formatters print;
    ``stack_info`` is redacted in place.

    Attach it to handlers, not only to a logger: a logger's filters do not
    see records propagated from its child loggers. :func:`modelseal.install`
    does this for every handler, present and future.

    Args:
        metadata, label, keep, env, config: as for :func:`modelseal.redact`.
        redactor: A :class:`modelseal.Redactor` to use instead of building
            one from the options above.
    """

    def __init__(
        self,
        *,
        metadata: bool = False,
        label: str | None = None,
        keep: int = 0,
        env: bool = True,
        config: StrPath | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        super().__init__()
        if redactor is None:
            redactor = redactor_for(
                metadata=metadata, label=label, keep=keep, env=env, config=config
            )
        self.redactor = redactor
        # The last record seen: a record goes through every handler in turn,
        # and one pass is enough.
        self._last: Optional[weakref.ReferenceType[logging.LogRecord]] = None

    @property
    def redactor(self) -> Redactor:
        """The redactor in use; assign another to change the options."""
        return self._redactor

    @redactor.setter
    def redactor(self, redactor: Redactor) -> None:
        if not isinstance(redactor, Redactor):
            raise TypeError(f"expected a modelseal.Redactor, not {type(redactor).__name__}")
        self._redactor = redactor
        self._changed: Callable[[str], Optional[str]] = redactor.redact_changed
        self._last = None

    def filter(self, record: logging.LogRecord) -> bool:
        """Redacts ``record`` in place; always returns ``True``."""
        self.redact_record(record)
        return True

    def redact_record(
        self, record: logging.LogRecord, formatter: logging.Formatter | None = None
    ) -> None:
        """Redacts ``record`` in place, once.

        ``formatter`` formats ``exc_info`` into ``exc_text`` (the handler's
        own formatter, when called from a handler); the default formatter
        otherwise. If redaction itself fails, the record's text is replaced
        by a notice rather than shown unredacted.
        """
        last = self._last
        if last is not None and last() is record:
            return
        changed = self._changed
        try:
            try:
                message = record.getMessage()
            except Exception:  # noqa: BLE001
                # Arguments that do not fit the format: logging reports the
                # broken record itself when a handler formats it.
                message = None
            if message is not None:
                redacted = changed(message)
                if redacted is not None:
                    record.msg = redacted
                    record.args = None
                    if "message" in record.__dict__:
                        record.message = redacted
            if record.exc_info and not record.exc_text:
                record.exc_text = (formatter or _DEFAULT_FORMATTER).formatException(
                    record.exc_info
                )
            if record.exc_text:
                redacted = changed(record.exc_text)
                if redacted is not None:
                    record.exc_text = redacted
            if record.stack_info:
                redacted = changed(record.stack_info)
                if redacted is not None:
                    record.stack_info = redacted
        except Exception as error:  # noqa: BLE001 - fail closed, never raise into logging calls
            record.msg = _WITHHELD.format(error=type(error).__name__)
            record.args = None
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        self._last = weakref.ref(record)

    def __repr__(self) -> str:
        return f"<RedactingFilter {self._redactor!r}>"
