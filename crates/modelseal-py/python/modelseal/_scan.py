"""Scans from Python, and the gate to call before publishing a folder."""

from __future__ import annotations

import copy
import errno
import json
import os
import warnings
import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable, Optional

from . import _native
from ._redact import StrPath

#: Severities, lowest first.
SEVERITIES = ("info", "low", "medium", "high", "critical")


@dataclass(frozen=True)
class Location:
    """Where a finding is, the way a person would look it up:
    ``logs.zip!/run1/train.log:812``, ``model.safetensors#__metadata__.source``.
    """

    #: The file on disk, as given or walked.
    path: str
    #: Members inside archives, outermost first.
    members: tuple[str, ...] = ()
    #: A field inside structured data (``__metadata__.source``).
    field: Optional[str] = None
    #: 1-based line, for text.
    line: Optional[int] = None
    #: 1-based column in characters, for text.
    column: Optional[int] = None

    def blob(self) -> str:
        """The file, member and field, without line and column."""
        out = self.path
        for member in self.members:
            out += "!/" + member.lstrip("/")
        if self.field is not None:
            out += "#" + self.field
        return out

    def __str__(self) -> str:
        out = self.blob()
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        return out


@dataclass(frozen=True, repr=False)
class Finding:
    """One finding, with the fields of ``modelseal scan --format json``.

    ``secret`` and ``snippet`` are masked (``masked`` is true) unless the scan
    was asked to show secrets; metadata clues are not secrets and are shown
    as found. ``repr()`` never shows a secret whole.
    """

    #: The rule's id, e.g. ``aws-secret-access-key``.
    rule: str
    title: str
    #: ``"secret"`` or ``"metadata"``.
    kind: str
    #: ``"info"``, ``"low"``, ``"medium"``, ``"high"`` or ``"critical"``.
    severity: str
    location: Location
    #: The matched secret, masked unless secrets were asked for.
    secret: str
    #: Whether ``secret`` and ``snippet`` are masked.
    masked: bool
    #: The line around the match, with secrets masked likewise.
    snippet: str
    #: Hash of rule id and secret value: stable across files and runs (what
    #: baselines and allowlists name).
    fingerprint: str
    #: How many times the same value was found in the same file or member.
    occurrences: int = 1
    #: For metadata: what the clue is (``username``, ``host``, ...).
    clue: Optional[str] = None
    #: For metadata: the clue itself.
    value: Optional[str] = None
    _data: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """A finding from its JSON form (as ``to_dict`` or the CLI give it)."""
        location = data["location"]
        return cls(
            rule=data["rule"],
            title=data["title"],
            kind=data["kind"],
            severity=data["severity"],
            location=Location(
                path=location["path"],
                members=tuple(location.get("members", ())),
                field=location.get("field"),
                line=location.get("line"),
                column=location.get("column"),
            ),
            secret=data["secret"],
            masked=data["masked"],
            snippet=data["snippet"],
            fingerprint=data["fingerprint"],
            occurrences=data.get("occurrences", 1),
            clue=data.get("clue"),
            value=data.get("value"),
            _data=copy.deepcopy(data),
        )

    def to_dict(self) -> dict[str, Any]:
        """The finding as ``modelseal scan --format json`` writes it."""
        if self._data:
            return copy.deepcopy(self._data)
        # Built by hand rather than by a scan: the same shape, optional
        # fields left out when empty.
        location: dict[str, Any] = {"path": self.location.path}
        if self.location.members:
            location["members"] = list(self.location.members)
        for name in ("field", "line", "column"):
            if getattr(self.location, name) is not None:
                location[name] = getattr(self.location, name)
        data: dict[str, Any] = {
            "rule": self.rule,
            "title": self.title,
            "kind": self.kind,
            "severity": self.severity,
        }
        if self.clue is not None:
            data["clue"] = self.clue
        data.update(location=location, secret=self.secret, masked=self.masked)
        if self.value is not None:
            data["value"] = self.value
        data.update(
            snippet=self.snippet, fingerprint=self.fingerprint, occurrences=self.occurrences
        )
        return data

    @property
    def shown_secret(self) -> str:
        """The secret as it may be shown: masked, whatever the scan was asked."""
        if self.masked or self.kind != "secret":
            return self.secret
        return _native.mask(self.secret)

    def __repr__(self) -> str:
        return (
            f"Finding(rule={self.rule!r}, severity={self.severity!r}, "
            f"location={str(self.location)!r}, secret={self.shown_secret!r})"
        )


@dataclass(frozen=True)
class Problem:
    """A part of the input that could not be read (a broken archive, an
    unreadable file), with ``kind`` ``"warning"``; or, in
    :attr:`ScanResult.notices`, a part left out on purpose (``"skip"``: a
    Git LFS pointer) or something worth knowing (``"note"``). The scan went
    on without it."""

    path: str
    message: str
    kind: str = "warning"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ScanResult(list[Finding]):
    """The findings of a scan (a list of :class:`Finding`), with what else
    the scan knows.

    Attributes:
        problems: Parts that could not be read. A scan with problems is
            incomplete: "no findings" does not mean "clean".
        notices: Parts left out on purpose (a Git LFS pointer) and notes;
            they do not make the scan incomplete.
        stats: Counts: ``files_scanned``, ``bytes_scanned``,
            ``binary_skipped``, ``members_scanned``, ``parts_skipped``,
            ``paths_allowlisted``, ``suppressed``.
        config: The configuration file used, if any.
        fail_on: The configuration's ``fail_on`` severity, if it sets one.
    """

    problems: list[Problem]
    notices: list[Problem]
    stats: dict[str, int]
    config: Optional[str]
    fail_on: Optional[str]

    def __init__(
        self,
        findings: Iterable[Finding] = (),
        *,
        problems: Iterable[Problem] = (),
        notices: Iterable[Problem] = (),
        stats: Optional[dict[str, int]] = None,
        config: Optional[str] = None,
        fail_on: Optional[str] = None,
    ) -> None:
        super().__init__(findings)
        self.problems = list(problems)
        self.notices = list(notices)
        self.stats = dict(stats or {})
        self.config = config
        self.fail_on = fail_on

    @property
    def complete(self) -> bool:
        """Whether every part of the input was read."""
        return not self.problems

    @property
    def nothing_read(self) -> bool:
        """Whether nothing at all could be read (only problems)."""
        stats = self.stats
        return (
            bool(self.problems)
            and stats.get("files_scanned", 0) == 0
            and stats.get("binary_skipped", 0) == 0
            and stats.get("paths_allowlisted", 0) == 0
        )

    def at_or_above(self, severity: str) -> list[Finding]:
        """The findings of ``severity`` or higher."""
        floor = _severity_rank(severity)
        return [f for f in self if _severity_rank(f.severity) >= floor]

    def __repr__(self) -> str:
        return f"ScanResult({list.__repr__(self)}, problems={self.problems!r})"


class LeakError(Exception):
    """Raised by :func:`check_before_upload` when the folder holds findings
    at or above the threshold. ``findings`` lists them; the message names
    each as ``path:line rule (severity) masked-secret``."""

    def __init__(self, message: str, findings: list[Finding], result: ScanResult) -> None:
        super().__init__(message)
        self.findings = findings
        self.result = result


class IncompleteScanError(Exception):
    """Raised by :func:`check_before_upload` when nothing was found but part
    of the folder could not be read, so it cannot be called clean.
    ``problems`` lists the unreadable parts."""

    def __init__(self, message: str, problems: list[Problem], result: ScanResult) -> None:
        super().__init__(message)
        self.problems = problems
        self.result = result


def _severity_rank(severity: str) -> int:
    try:
        return SEVERITIES.index(str(severity).lower())
    except ValueError:
        raise ValueError(
            f"unknown severity {severity!r}; expected one of {', '.join(SEVERITIES)}"
        ) from None


def scan_path(
    path: StrPath,
    *,
    config: StrPath | None = None,
    no_config: bool = False,
    show_secrets: bool = False,
) -> ScanResult:
    """Scans a file or folder the way ``modelseal scan PATH`` does; also a
    local hub cache folder, a bare git repository (its full history), or a
    hub repository named ``hf://org/name[@revision]`` (read over the
    network through ``HF_ENDPOINT``, or from the local cache when
    ``HF_HUB_OFFLINE`` is set).

    The same readers (archives, pickles, safetensors, GGUF, ONNX, notebooks,
    TensorBoard, ...), rules, allowlists, inline ``modelseal:ignore``
    comments and baseline apply. The configuration is ``config`` if given,
    else the first ``modelseal.toml``, ``.modelseal.toml`` or
    ``pyproject.toml`` with ``[tool.modelseal]`` found from ``path``
    upwards; ``no_config=True`` uses none.

    Returns a :class:`ScanResult`: a list of :class:`Finding` (secrets
    masked unless ``show_secrets``), with ``.problems`` for the parts that
    could not be read. The scan runs on all cores with the GIL released.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the configuration, its rules or its baseline is invalid.
    """
    target = os.fspath(path)
    if not target.startswith("hf://") and not os.path.lexists(target):
        raise FileNotFoundError(errno.ENOENT, "no such file or folder", target)
    report = json.loads(
        _native.scan_path(
            target,
            config=os.fspath(config) if config is not None else None,
            no_config=no_config,
            show_secrets=show_secrets,
        )
    )
    for message in report["warnings"]:
        warnings.warn(message, stacklevel=2)
    told = [Problem(p["path"], p["message"], p.get("kind", "warning")) for p in report["problems"]]
    return ScanResult(
        (Finding.from_dict(f) for f in report["findings"]),
        problems=(p for p in told if p.kind == "warning"),
        notices=(p for p in told if p.kind != "warning"),
        stats=report["stats"],
        config=report["config"],
        fail_on=report["fail_on"],
    )


def _where(finding: Finding) -> str:
    location = finding.location
    where = location.blob()
    if location.line is not None:
        where += f":{location.line}"
    return where


def check_before_upload(
    folder: StrPath,
    *,
    fail_on: str | None = None,
    config: StrPath | None = None,
    no_config: bool = False,
    allow_incomplete: bool = False,
) -> ScanResult:
    """Refuses to let a folder be published while it holds a secret.

    Call it right before ``huggingface_hub.upload_folder`` (or any upload)::

        modelseal.check_before_upload("out/model")
        huggingface_hub.upload_folder(repo_id="acme/model", folder_path="out/model")

    The folder is scanned as by :func:`scan_path` (same configuration
    discovery). Findings of severity ``fail_on`` or higher raise
    :class:`LeakError`; ``fail_on`` defaults to the configuration's
    ``fail_on``, else ``"low"``. If nothing was found but part of the folder
    could not be read, :class:`IncompleteScanError` is raised unless
    ``allow_incomplete`` is true; it is raised whatever ``allow_incomplete``
    says when nothing at all could be read.

    Returns the scan (findings below the threshold included) when the
    folder may be published.
    """
    result = scan_path(folder, config=config, no_config=no_config)
    threshold = fail_on if fail_on is not None else (result.fail_on or "low")
    blocking = result.at_or_above(threshold)
    target = os.fspath(folder)
    if blocking:
        noun = "finding" if len(blocking) == 1 else "findings"
        lines = [
            f"modelseal found {len(blocking)} {noun} at or above {threshold!r} in "
            f"{target}; do not publish it:"
        ]
        lines.extend(
            f"  {_where(f)} {f.rule} ({f.severity}) {f.shown_secret}" for f in blocking
        )
        if result.problems:
            lines.append(f"  (and {len(result.problems)} part(s) could not be read)")
        lines.append(
            "Remove or rotate these secrets; accept a false positive with an allowlist "
            "or a baseline in modelseal.toml."
        )
        raise LeakError("\n".join(lines), blocking, result)
    if result.problems and (result.nothing_read or not allow_incomplete):
        what = "nothing" if result.nothing_read else "part"
        lines = [f"modelseal could not read {what} of {target}, so it cannot be called clean:"]
        lines.extend(f"  {problem}" for problem in result.problems)
        if not result.nothing_read:
            lines.append("Pass allow_incomplete=True to publish anyway.")
        raise IncompleteScanError("\n".join(lines), result.problems, result)
    return result
