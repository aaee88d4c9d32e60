"""`install()`: redaction for every log handler and for the console.

How records from any logger are covered
---------------------------------------
A filter on a logger sees only records logged on that logger, not those
propagated from its children, and handlers are added at any time
(``logging.basicConfig`` after ``install()``, the handler ``transformers``
puts on its own ``"transformers"`` logger, which does not propagate). So
``install()`` does three things:

1. wraps ``logging.Handler.handle``, the method through which every handler
   receives every record, so that any handler, present or future, on any
   logger, redacts the record before its own filters and ``emit`` (with the
   handler's formatter formatting ``exc_info``);
2. adds one :class:`RedactingFilter` to the root logger and to every handler
   that exists now, for handlers whose class replaces ``handle`` outright;
3. with ``streams=True``, wraps ``sys.stdout`` and ``sys.stderr`` in a
   :class:`RedactingStream`, which also covers ``print`` and tracebacks.

A record is redacted once, however many handlers it reaches. ``uninstall()``
undoes all three.
"""

from __future__ import annotations

import atexit
import logging
import sys
import threading
import weakref
from typing import Any, Callable, Optional

from ._logging import RedactingFilter
from ._redact import StrPath, clear_cache, redactor_for
from ._streams import RedactingStream

_lock = threading.RLock()


class _State:
    """What install() did, so that it can be done again or undone."""

    def __init__(self) -> None:
        self.filter: Optional[RedactingFilter] = None
        self.options: dict[str, Any] = {}
        # Loggers and handlers the filter was added to.
        self.attached: weakref.WeakSet[logging.Filterer] = weakref.WeakSet()
        self.original_handle: Optional[Callable[[logging.Handler, logging.LogRecord], Any]] = None
        self.wrapped: dict[str, RedactingStream] = {}
        self.atexit_registered = False


_state = _State()


def _redacting_handle(self: logging.Handler, record: logging.LogRecord) -> Any:
    active = _state.filter
    if active is not None:
        active.redact_record(record, self.formatter)
    original = _state.original_handle or _ORIGINAL_HANDLE
    return original(self, record)


_redacting_handle.__doc__ = "logging.Handler.handle, with the record redacted first (modelseal)."
_ORIGINAL_HANDLE = logging.Handler.handle


def _every_filterer() -> list[logging.Filterer]:
    """The root logger, every existing logger's handlers, and lastResort."""
    root = logging.getLogger()
    found: list[logging.Filterer] = [root, *root.handlers]
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            found.extend(logger.handlers)
    if logging.lastResort is not None:
        found.append(logging.lastResort)
    return found


def install(
    *,
    metadata: bool = False,
    label: str | None = None,
    keep: int = 0,
    env: bool = True,
    streams: bool = True,
    config: StrPath | None = None,
) -> None:
    """Redacts secrets in every log record and, by default, on the console.

    Call it once, early (before training starts, before libraries log).
    Records from every logger and every handler are redacted, including
    handlers added later (``logging.basicConfig`` after ``install()``, a
    library's own handler); ``print`` output and tracebacks written to
    ``sys.stdout``/``sys.stderr`` are redacted when ``streams`` is true.

    Args:
        metadata, label, keep, config: as for :func:`modelseal.redact`.
        env: Also hide the exact values of secret environment variables,
            read now (call :func:`modelseal.refresh` after changing them).
        streams: Also wrap ``sys.stdout`` and ``sys.stderr``.

    Calling it again changes the options and re-reads the environment;
    nothing is wrapped or attached twice. :func:`modelseal.uninstall`
    restores everything.
    """
    options = dict(metadata=metadata, label=label, keep=keep, env=env, config=config)
    with _lock:
        redactor = redactor_for(fresh=True, **options)
        if _state.filter is None:
            _state.filter = RedactingFilter(redactor=redactor)
        else:
            _state.filter.redactor = redactor
        _state.options = dict(options, streams=streams)
        active = _state.filter
        for filterer in _every_filterer():
            if active not in filterer.filters:
                filterer.addFilter(active)
            _state.attached.add(filterer)
        if logging.Handler.handle is not _redacting_handle:
            _state.original_handle = logging.Handler.handle
            logging.Handler.handle = _redacting_handle  # type: ignore[method-assign]
        if streams:
            _wrap_streams(redactor)
        else:
            _unwrap_streams()
        if not _state.atexit_registered:
            atexit.register(_flush_streams)
            _state.atexit_registered = True


def uninstall() -> None:
    """Undoes :func:`install`: filters removed, ``Handler.handle`` and the
    console streams restored (held output is flushed first). Does nothing
    when not installed."""
    with _lock:
        active = _state.filter
        if active is not None:
            for filterer in list(_state.attached):
                filterer.removeFilter(active)
        _state.attached = weakref.WeakSet()
        if logging.Handler.handle is _redacting_handle:
            logging.Handler.handle = _state.original_handle or _ORIGINAL_HANDLE  # type: ignore[method-assign]
        _state.original_handle = None
        _unwrap_streams()
        _state.filter = None
        _state.options = {}


def installed() -> bool:
    """Whether :func:`install` is in effect."""
    return _state.filter is not None


def refresh() -> None:
    """Re-reads the environment (and configuration files): cached redactors
    are dropped, and an installed filter and console wrappers are rebuilt
    with the options they were installed with."""
    with _lock:
        clear_cache()
        if _state.filter is not None:
            install(**_state.options)


def _wrap_streams(redactor: Any) -> None:
    for name in ("stdout", "stderr"):
        current = getattr(sys, name)
        ours = _state.wrapped.get(name)
        if ours is not None and current is ours:
            ours.use(redactor)
            continue
        if current is None:
            # pythonw: no console.
            continue
        if isinstance(current, RedactingStream) and current.redacting:
            current.use(redactor)
            _state.wrapped[name] = current
            continue
        if ours is not None:
            # Someone replaced our wrapper since; it no longer gets writes.
            ours.pass_through()
        wrapper = RedactingStream(current, redactor)
        setattr(sys, name, wrapper)
        _state.wrapped[name] = wrapper


def _unwrap_streams() -> None:
    for name, wrapper in list(_state.wrapped.items()):
        try:
            wrapper.pass_through()
        except (OSError, ValueError):
            pass
        if getattr(sys, name) is wrapper:
            setattr(sys, name, wrapper.wrapped)
        del _state.wrapped[name]


def _flush_streams() -> None:
    for wrapper in list(_state.wrapped.values()):
        try:
            wrapper.flush()
        except (OSError, ValueError):
            pass
