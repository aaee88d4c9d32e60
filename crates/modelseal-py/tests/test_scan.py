"""`scan_path` and `check_before_upload`."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import zipfile

import pytest

import modelseal
from conftest import AWS_KEY_ID, HF_TOKEN


def leaky_folder(root) -> None:
    (root / "run1").mkdir()
    (root / "config.json").write_text('{"hidden_size": 768}\n')
    (root / "run1" / "train.log").write_text(
        "step 1 loss 0.9\n" f"login with hub token {HF_TOKEN}\n" "step 2 loss 0.8\n"
    )
    with zipfile.ZipFile(root / "logs.zip", "w") as archive:
        archive.writestr("env.txt", f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n")


def test_scan_finds_a_planted_token(tmp_path):
    leaky_folder(tmp_path)
    result = modelseal.scan_path(tmp_path)
    assert isinstance(result, list) and result.complete
    by_rule = {f.rule: f for f in result}
    hf = by_rule["huggingface-user-access-token"]
    assert hf.kind == "secret" and hf.severity in modelseal.SEVERITIES
    assert hf.location.path == str(tmp_path / "run1" / "train.log")
    assert (hf.location.line, hf.location.column) == (2, 22)
    assert str(hf.location) == f"{tmp_path / 'run1' / 'train.log'}:2:22"
    assert hf.masked and HF_TOKEN not in hf.secret and HF_TOKEN not in hf.snippet
    assert hf.secret.startswith("hf_") and "*" in hf.secret
    assert len(hf.fingerprint) >= 16 and hf.occurrences == 1
    aws = by_rule["aws-access-key-id"]
    assert aws.location.members == ("env.txt",)
    assert str(aws.location) == f"{tmp_path / 'logs.zip'}!/env.txt:1:19"
    assert result.stats["files_scanned"] == 3


def test_finding_repr_and_to_dict_never_hold_the_secret(tmp_path):
    leaky_folder(tmp_path)
    for finding in modelseal.scan_path(tmp_path):
        assert HF_TOKEN not in repr(finding) and AWS_KEY_ID not in repr(finding)
        data = finding.to_dict()
        assert HF_TOKEN not in json.dumps(data) and AWS_KEY_ID not in json.dumps(data)
        assert modelseal.Finding.from_dict(data) == finding
        assert data["location"]["path"] == finding.location.path
        assert set(data) >= {
            "rule", "title", "kind", "severity", "location", "secret", "masked",
            "snippet", "fingerprint", "occurrences",
        }
        assert repr(finding).startswith(f"Finding(rule={finding.rule!r}")


def test_findings_are_frozen(tmp_path):
    leaky_folder(tmp_path)
    finding = modelseal.scan_path(tmp_path)[0]
    with pytest.raises(AttributeError):
        finding.rule = "other"  # type: ignore[misc]
    assert hash(finding) == hash(modelseal.Finding.from_dict(finding.to_dict()))


def test_show_secrets_reports_them_whole_but_repr_masks(tmp_path):
    leaky_folder(tmp_path)
    result = modelseal.scan_path(tmp_path, show_secrets=True)
    hf = next(f for f in result if f.rule == "huggingface-user-access-token")
    assert hf.secret == HF_TOKEN and not hf.masked
    assert HF_TOKEN not in repr(hf)


def test_same_json_as_the_command_line(tmp_path):
    # scripts/test-python builds the binary when MODELSEAL_BIN is not set.
    binary = os.environ.get("MODELSEAL_BIN")
    assert binary and os.path.exists(binary), (
        f"MODELSEAL_BIN must name the modelseal binary (got {binary!r}): run scripts/test-python"
    )
    leaky_folder(tmp_path)
    report = subprocess.run(
        [binary, "scan", "--format", "json", "--no-progress", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )
    cli = json.loads(report.stdout)["findings"]
    assert [f.to_dict() for f in modelseal.scan_path(tmp_path)] == cli


def test_configuration_is_discovered_like_the_cli(tmp_path):
    leaky_folder(tmp_path)
    (tmp_path / "modelseal.toml").write_text('fail_on = "critical"\n[allowlist]\npaths = ["run1/"]\n')
    result = modelseal.scan_path(tmp_path)
    assert [f.rule for f in result] == ["aws-access-key-id"]
    assert result.config == str(tmp_path / "modelseal.toml")
    assert result.fail_on == "critical"
    assert result.stats["paths_allowlisted"] == 1
    every = modelseal.scan_path(tmp_path, no_config=True)
    assert {f.rule for f in every} >= {"aws-access-key-id", "huggingface-user-access-token"}


def test_explicit_config_and_baseline(tmp_path):
    leaky_folder(tmp_path)
    accepted = next(f for f in modelseal.scan_path(tmp_path) if f.rule == "aws-access-key-id")
    elsewhere = tmp_path.parent / (tmp_path.name + "-config")
    elsewhere.mkdir()
    baseline = {
        "version": 1,
        "findings": [{"fingerprint": accepted.fingerprint, "rule": accepted.rule, "location": "x"}],
    }
    (elsewhere / "baseline.json").write_text(json.dumps(baseline))
    (elsewhere / "ms.toml").write_text('baseline = "baseline.json"\n')
    result = modelseal.scan_path(tmp_path, config=elsewhere / "ms.toml")
    assert "aws-access-key-id" not in {f.rule for f in result}
    assert result.stats["suppressed"] >= 1


def test_missing_baseline_warns(tmp_path):
    leaky_folder(tmp_path)
    (tmp_path / "modelseal.toml").write_text('baseline = "nope.json"\n')
    with pytest.warns(UserWarning, match="does not exist yet"):
        modelseal.scan_path(tmp_path)


def test_invalid_config_raises(tmp_path):
    (tmp_path / "modelseal.toml").write_text("fail_onn = 1\n")
    with pytest.raises(ValueError, match="fail_onn"):
        modelseal.scan_path(tmp_path)


def test_missing_path_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        modelseal.scan_path(tmp_path / "absent")


def broken_zip_folder(root) -> None:
    (root / "notes.txt").write_text("nothing here\n")
    with zipfile.ZipFile(root / "logs.zip", "w") as archive:
        archive.writestr("a.txt", "hello " * 1000)
    data = bytearray((root / "logs.zip").read_bytes())
    data[40:400] = b"\xff" * 360
    (root / "logs.zip").write_bytes(bytes(data))


def test_unreadable_parts_are_problems(tmp_path):
    broken_zip_folder(tmp_path)
    result = modelseal.scan_path(tmp_path)
    assert list(result) == []
    assert not result.complete
    assert result.problems and "logs.zip" in result.problems[0].path
    assert str(result.problems[0]).startswith(result.problems[0].path + ": ")


def test_gate_raises_with_each_finding_listed(tmp_path):
    leaky_folder(tmp_path)
    with pytest.raises(modelseal.LeakError) as caught:
        modelseal.check_before_upload(tmp_path)
    error = caught.value
    message = str(error)
    assert {f.rule for f in error.findings} >= {"aws-access-key-id", "huggingface-user-access-token"}
    hf = next(f for f in error.findings if f.rule == "huggingface-user-access-token")
    assert f"  {tmp_path / 'run1' / 'train.log'}:2 huggingface-user-access-token ({hf.severity}) {hf.secret}\n" in message
    aws = next(f for f in error.findings if f.rule == "aws-access-key-id")
    assert f"{tmp_path / 'logs.zip'}!/env.txt:1 aws-access-key-id ({aws.severity}) AKIA" in message
    assert HF_TOKEN not in message and AWS_KEY_ID not in message
    assert isinstance(error, Exception) and error.result.complete


def test_gate_threshold(tmp_path):
    leaky_folder(tmp_path)
    with pytest.raises(modelseal.LeakError):
        modelseal.check_before_upload(tmp_path, fail_on="high")
    # Nothing here is critical: the gate opens, and returns the scan.
    result = modelseal.check_before_upload(tmp_path, fail_on="critical")
    assert len(result) >= 2
    with pytest.raises(ValueError, match="unknown severity"):
        modelseal.check_before_upload(tmp_path, fail_on="severe")


def test_gate_takes_fail_on_from_the_config(tmp_path):
    leaky_folder(tmp_path)
    (tmp_path / "modelseal.toml").write_text('fail_on = "critical"\n')
    assert len(modelseal.check_before_upload(tmp_path)) >= 2


def test_gate_passes_a_clean_folder(tmp_path):
    (tmp_path / "config.json").write_text('{"hidden_size": 768}\n')
    assert modelseal.check_before_upload(tmp_path) == []


def test_incomplete_scan_blocks_unless_allowed(tmp_path):
    broken_zip_folder(tmp_path)
    with pytest.raises(modelseal.IncompleteScanError) as caught:
        modelseal.check_before_upload(tmp_path)
    assert not isinstance(caught.value, modelseal.LeakError)
    assert caught.value.problems and "logs.zip" in str(caught.value)
    assert "allow_incomplete=True" in str(caught.value)
    result = modelseal.check_before_upload(tmp_path, allow_incomplete=True)
    assert result.problems


def test_scan_releases_the_gil(tmp_path):
    line = "step 10 loss 0.25 nothing secret on this line at all, just numbers 12345\n"
    for i in range(6):
        (tmp_path / f"log{i}.txt").write_text(line * 60_000)
    ticks: list[float] = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.0005)

    thread = threading.Thread(target=tick)
    thread.start()
    try:
        time.sleep(0.01)
        started = time.perf_counter()
        modelseal.scan_path(tmp_path, no_config=True)
        ended = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    middle = (started + (ended - started) * 0.25, started + (ended - started) * 0.75)
    assert any(middle[0] < t < middle[1] for t in ticks)


def test_a_git_lfs_pointer_is_a_notice_not_a_problem(tmp_path):
    (tmp_path / "model.safetensors").write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:" + "4d7a" * 16 + "\n"
        "size 12345\n"
    )
    result = modelseal.scan_path(tmp_path, no_config=True)
    assert result.complete and not result.problems and not result
    assert [n.kind for n in result.notices] == ["skip"]
    assert result.notices[0].path.endswith("model.safetensors")
    assert "Git LFS pointer" in result.notices[0].message


def test_a_hub_name_is_read_from_the_local_cache_offline(tmp_path, monkeypatch):
    # The same decision as `modelseal scan hf://acme/sentiment`: with
    # HF_HUB_OFFLINE set, the hub's own cache layout is read, no network.
    commit = "3f2a9c1d0e4b5a6978877665544332211f0e9d8c"
    repo = tmp_path / "hub" / "models--acme--sentiment"
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    (snapshot / "train.log").write_text(f"step 1\nlogin with hub token {HF_TOKEN}\n")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = modelseal.scan_path("hf://acme/sentiment", no_config=True)
    assert result.complete
    (hf,) = [f for f in result if f.rule == "huggingface-user-access-token"]
    assert str(hf.location) == "hf://acme/sentiment@3f2a9c1:train.log:2:22"
    assert HF_TOKEN not in str(hf.secret)

    with pytest.raises(ValueError, match="hf://a/b/c"):
        modelseal.scan_path("hf://a/b/c", no_config=True)
