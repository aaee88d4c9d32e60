"""Redactors built once per set of options, and `redact()`."""

from __future__ import annotations

import os
import threading
import warnings
from collections import OrderedDict
from typing import Union

from ._native import Redactor

StrPath = Union[str, "os.PathLike[str]"]

#: How many redactors with different options are kept; each holds its own
#: compiled rules (a few milliseconds to build, a few hundred KiB).
_CACHE_SIZE = 8

_Key = tuple[bool, Union[str, None], int, bool, Union[str, None]]
_cache: OrderedDict[_Key, Redactor] = OrderedDict()
_lock = threading.Lock()


def _environment() -> list[tuple[bytes, bytes]]:
    """The process's environment as Python sees it now (`os.environ`)."""
    environb = getattr(os, "environb", None)
    if environb is not None:
        return list(environb.items())
    # Windows has no bytes view of the environment.
    return [
        (name.encode("utf-8", "surrogatepass"), value.encode("utf-8", "surrogatepass"))
        for name, value in os.environ.items()
    ]


def _key(
    metadata: bool, label: str | None, keep: int, env: bool, config: StrPath | None
) -> _Key:
    if not isinstance(keep, int) or keep < 0:
        raise ValueError(f"keep must be a non-negative int, not {keep!r}")
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a str or None, not {type(label).__name__}")
    path = os.fspath(config) if config is not None else None
    return (bool(metadata), label, keep, bool(env), path)


def _build(key: _Key) -> Redactor:
    metadata, label, keep, env, config = key
    # An argument left at its default takes the configuration's `[redact]`
    # value (the native side falls back from `None` to the config, then to
    # the built-in default).
    redactor = Redactor(
        metadata=True if metadata else None,
        label=label,
        keep=keep if keep else None,
        env=_environment() if env else None,
        config=config,
    )
    for message in redactor.warnings:
        warnings.warn(message, stacklevel=4)
    return redactor


def redactor_for(
    *,
    metadata: bool = False,
    label: str | None = None,
    keep: int = 0,
    env: bool = True,
    config: StrPath | None = None,
    fresh: bool = False,
) -> Redactor:
    """The redactor for these options: built on first use, then cached.

    With ``env=True`` the values of secret environment variables are read
    when the redactor is built; ``fresh=True`` builds it again (re-reading
    the environment and the configuration file) and replaces the cached one.
    """
    key = _key(metadata, label, keep, env, config)
    if not fresh:
        cached = _cache.get(key)
        if cached is not None:
            return cached
    with _lock:
        cached = None if fresh else _cache.get(key)
        if cached is None:
            cached = _build(key)
            _cache[key] = cached
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        return cached


def clear_cache() -> None:
    """Forgets every cached redactor."""
    with _lock:
        _cache.clear()


def redact(
    text: str,
    *,
    metadata: bool = False,
    label: str | None = None,
    keep: int = 0,
    env: bool = True,
    config: StrPath | None = None,
) -> str:
    """Returns ``text`` with every secret replaced by ``[REDACTED:<rule-id>]``.

    Args:
        text: Any text: a log line, a whole log file, a notebook cell's output.
        metadata: Also hide metadata clues (usernames in paths, internal
            hosts, e-mail addresses), not only credentials.
        label: The replacement, with ``{rule}`` standing for the rule id
            (``"<secret:{rule}>"``); ``None`` means ``[REDACTED:{rule}]``.
        keep: Leading characters of each secret to keep before the label,
            never more than a quarter of the secret.
        env: Also hide the exact values of the process's secret environment
            variables (names containing KEY, SECRET, TOKEN, PASSWORD, PASSWD,
            CREDENTIAL or PRIVATE, plus those listed in the configuration's
            ``[redact] env``), as they are, base64-, URL- and JSON-encoded.
            The environment is read when the redactor for these options is
            first built and cached; call :func:`modelseal.refresh` after
            changing a secret variable.
        config: A ``modelseal.toml`` (or ``pyproject.toml`` with
            ``[tool.modelseal]``) whose rules and ``[redact]`` table to use.
            Arguments left at their defaults take the table's values. No
            configuration is looked for unless one is named.

    The compiled rules are cached per set of options, so repeated calls cost
    only the scan. Long texts are processed with the GIL released.
    """
    if not isinstance(text, str):
        raise TypeError(f"redact() takes a str, not {type(text).__name__}")
    redactor = redactor_for(metadata=metadata, label=label, keep=keep, env=env, config=config)
    return redactor.redact(text)
