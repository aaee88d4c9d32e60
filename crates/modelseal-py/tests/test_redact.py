"""`modelseal.redact` and the native `Redactor`."""

from __future__ import annotations

import base64
import urllib.parse
import threading
import time

import pytest

import modelseal
from conftest import AWS_KEY_ID, DB_PASSWORD, HF_TOKEN


def test_secrets_are_replaced_by_their_rule_label():
    text = f"token={HF_TOKEN} key {AWS_KEY_ID} done"
    assert modelseal.redact(text) == (
        "token=[REDACTED:huggingface-user-access-token] key [REDACTED:aws-access-key-id] done"
    )


def test_clean_text_comes_back_unchanged():
    text = "Step 1200/5000: loss=0.4312 lr=2.00e-05 tokens/s=18234 — naïve ✓"
    assert modelseal.redact(text) == text


def test_label_and_keep():
    out = modelseal.redact(f"key {AWS_KEY_ID}", label="<{rule}>", keep=4)
    assert out == "key AKIA<aws-access-key-id>"
    assert AWS_KEY_ID not in out


def test_metadata_is_hidden_only_when_asked():
    text = "loaded /home/asmith/project/train.py"
    assert modelseal.redact(text) == text
    assert "asmith" not in modelseal.redact(text, metadata=True)


def test_exact_values_of_secret_environment_variables(monkeypatch):
    monkeypatch.setenv("ACME_DB_PASSWORD", DB_PASSWORD)
    modelseal.refresh()
    line = f"connecting as svc with {DB_PASSWORD}"
    assert modelseal.redact(line) == "connecting as svc with [REDACTED:env:ACME_DB_PASSWORD]"
    # ... in its encodings too: inside base64 (as in basic auth) and URLs.
    encoded = base64.b64encode(f"svc:{DB_PASSWORD}".encode()).decode()
    assert "[REDACTED:env:ACME_DB_PASSWORD]" in modelseal.redact(f"cached {encoded} upstream")
    quoted = urllib.parse.quote(DB_PASSWORD, safe="")
    assert modelseal.redact(f"dsn ?p={quoted}") == "dsn ?p=[REDACTED:env:ACME_DB_PASSWORD]"
    assert modelseal.redact(line, env=False) == line


def test_environment_is_read_when_the_redactor_is_built(monkeypatch):
    monkeypatch.delenv("ACME_API_KEY", raising=False)
    line = f"using {DB_PASSWORD}"
    assert modelseal.redact(line) == line
    monkeypatch.setenv("ACME_API_KEY", DB_PASSWORD)
    assert modelseal.redact(line) == line, "cached redactor: environment read at build time"
    modelseal.refresh()
    assert modelseal.redact(line) == "using [REDACTED:env:ACME_API_KEY]"


def test_default_redactor_is_built_once():
    first = modelseal.redactor_for()
    assert modelseal.redactor_for() is first
    assert modelseal.redactor_for(keep=2) is not first
    started = time.perf_counter()
    for _ in range(100):
        modelseal.redact("nothing to see")
    assert time.perf_counter() - started < 0.5, "the rules must not be rebuilt per call"


def test_config_redact_table_and_rules(tmp_path):
    config = tmp_path / "modelseal.toml"
    config.write_text('[redact]\nlabel = "<<{rule}>>"\n')
    out = modelseal.redact(f"k={AWS_KEY_ID}", config=config)
    assert out == "k=<<aws-access-key-id>>"
    # An explicit argument wins over the table.
    assert modelseal.redact(f"k={AWS_KEY_ID}", config=config, label="#") == "k=#"


def test_config_lists_more_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("ACME_PLAIN", DB_PASSWORD)
    config = tmp_path / "modelseal.toml"
    config.write_text('[redact]\nenv = ["ACME_PLAIN"]\n')
    assert modelseal.redact(DB_PASSWORD, env=True) == DB_PASSWORD
    assert modelseal.redact(DB_PASSWORD, config=config) == "[REDACTED:env:ACME_PLAIN]"


def test_invalid_config_is_a_value_error(tmp_path):
    config = tmp_path / "modelseal.toml"
    config.write_text("fail_onn = 'high'\n")
    with pytest.raises(ValueError, match="fail_onn"):
        modelseal.redact("x", config=config)


def test_unknown_disabled_rule_warns(tmp_path):
    config = tmp_path / "modelseal.toml"
    config.write_text('disable_rules = ["no-such-rule"]\n')
    with pytest.warns(UserWarning, match="no-such-rule"):
        modelseal.redactor_for(config=config, fresh=True)


def test_bad_arguments():
    with pytest.raises(TypeError):
        modelseal.redact(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        modelseal.redact("x", keep=-1)
    with pytest.raises(ValueError, match="label must not be empty"):
        modelseal.redact("x", label="  ")


def test_redactor_counts_and_reports():
    redactor = modelseal.Redactor(label="[x:{rule}]")
    text, count = redactor.redact_counted(f"{AWS_KEY_ID} and {HF_TOKEN}")
    assert count == 2 and AWS_KEY_ID not in text and HF_TOKEN not in text
    assert redactor.redact_changed("clean") is None
    assert redactor.label == "[x:{rule}]" and redactor.keep == 0 and redactor.metadata is False
    assert redactor.rules > 100
    assert "rules=" in repr(redactor)


def test_large_text_is_redacted_with_the_gil_released():
    line = "step 10 loss 0.25 nothing secret on this line at all, just numbers 12345\n"
    text = line * 60_000 + f"key {AWS_KEY_ID}\n"
    redactor = modelseal.redactor_for()
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
        out = redactor.redact(text)
        ended = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    assert out.endswith("key [REDACTED:aws-access-key-id]\n")
    middle = (started + (ended - started) * 0.25, started + (ended - started) * 0.75)
    assert any(middle[0] < t < middle[1] for t in ticks), (
        f"no other Python thread ran during {ended - started:.3f}s of redaction"
    )
