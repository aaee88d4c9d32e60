"""`RedactingFilter` and `install()` with the real `logging` module."""

from __future__ import annotations

import io
import logging

import pytest

import modelseal
from conftest import AWS_KEY_ID, DB_PASSWORD, HF_TOKEN

FORMAT = "%(levelname)s %(name)s: %(message)s"


def stream_handler(fmt: str = FORMAT) -> tuple[logging.Handler, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter(fmt))
    return handler, out


@pytest.fixture
def logger():
    """A fresh logger that does not propagate, with its handler's output."""
    log = logging.getLogger("modelseal.tests.filter")
    log.handlers.clear()
    log.filters.clear()
    log.propagate = False
    log.setLevel(logging.DEBUG)
    handler, out = stream_handler()
    log.addHandler(handler)
    yield log, handler, out
    log.handlers.clear()
    log.filters.clear()


def test_filter_redacts_percent_args(logger):
    log, handler, out = logger
    handler.addFilter(modelseal.RedactingFilter())
    log.info("logging in to the hub with %s (user %s)", HF_TOKEN, "alice")
    assert out.getvalue() == (
        "INFO modelseal.tests.filter: logging in to the hub with "
        "[REDACTED:huggingface-user-access-token] (user alice)\n"
    )


def test_filter_redacts_the_message_itself(logger):
    log, handler, out = logger
    handler.addFilter(modelseal.RedactingFilter(label="***"))
    log.warning(f"AWS_ACCESS_KEY_ID={AWS_KEY_ID}")
    assert out.getvalue() == "WARNING modelseal.tests.filter: AWS_ACCESS_KEY_ID=***\n"


def test_clean_record_is_left_untouched():
    args = (1200, 0.4312)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "step %d loss %.4f", args, None)
    msg = record.msg
    assert modelseal.RedactingFilter().filter(record) is True
    assert record.msg is msg and record.args is args


def test_changed_record_has_redacted_msg_and_no_args():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "key %s for %d", (AWS_KEY_ID, 3), None)
    assert modelseal.RedactingFilter().filter(record) is True
    assert record.msg == "key [REDACTED:aws-access-key-id] for 3"
    assert record.args is None
    assert record.getMessage() == record.msg


def test_message_with_percent_signs_after_redaction():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "100%% of %s", (AWS_KEY_ID,), None)
    modelseal.RedactingFilter().filter(record)
    assert record.getMessage() == "100% of [REDACTED:aws-access-key-id]"


def test_traceback_with_a_secret_is_redacted(logger):
    log, handler, out = logger
    handler.addFilter(modelseal.RedactingFilter())
    try:
        raise PermissionError(f"403 for key {AWS_KEY_ID}")
    except PermissionError:
        log.error("upload failed", exc_info=True)
    text = out.getvalue()
    assert "Traceback (most recent call last):" in text
    assert "PermissionError: 403 for key [REDACTED:aws-access-key-id]" in text
    assert AWS_KEY_ID not in text


def test_logger_exception_and_stack_info(logger):
    log, handler, out = logger
    handler.addFilter(modelseal.RedactingFilter())
    token = HF_TOKEN

    def failing() -> None:
        raise RuntimeError("bad token " + token)

    try:
        failing()
    except RuntimeError:
        log.exception("while loading %s", "model")
    log.info("where am I", stack_info=True)
    text = out.getvalue()
    assert HF_TOKEN not in text
    assert "RuntimeError: bad token [REDACTED:huggingface-user-access-token]" in text
    assert "Stack (most recent call last):" in text


def test_stack_info_is_redacted():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    record.stack_info = f'Stack:\n  File "x.py", line 3, in f\n    key = "{AWS_KEY_ID}"'
    modelseal.RedactingFilter().filter(record)
    assert AWS_KEY_ID not in record.stack_info
    assert "[REDACTED:aws-access-key-id]" in record.stack_info


def test_broken_arguments_do_not_raise():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "two %s %s", ("only-one",), None)
    assert modelseal.RedactingFilter().filter(record) is True
    assert record.msg == "two %s %s" and record.args == ("only-one",)
    # Through an installed handler, logging reports the bad record as usual.
    modelseal.install(streams=False)
    handler, out = stream_handler()
    errors: list[str] = []
    handler.handleError = lambda record: errors.append(record.msg)  # type: ignore[method-assign]
    handler.handle(record)
    assert errors == ["two %s %s"] and out.getvalue() == ""


def test_install_covers_propagated_records_from_child_loggers(caplog):
    root_handler, out = stream_handler()
    logging.getLogger().addHandler(root_handler)
    logging.getLogger().setLevel(logging.INFO)
    modelseal.install(streams=False)
    child = logging.getLogger("acme.train.loop")
    child.info("env: AWS_ACCESS_KEY_ID=%s", AWS_KEY_ID)
    assert out.getvalue() == "INFO acme.train.loop: env: AWS_ACCESS_KEY_ID=[REDACTED:aws-access-key-id]\n"
    # pytest's own capture handler was covered too.
    assert AWS_KEY_ID not in caplog.text
    assert root_handler.filters and logging.getLogger().filters


def test_basic_config_after_install():
    root = logging.getLogger()
    root.handlers.clear()
    modelseal.install(streams=False)
    out = io.StringIO()
    logging.basicConfig(stream=out, level=logging.INFO, format="%(message)s", force=True)
    logging.getLogger("late").warning("hub token %s", HF_TOKEN)
    assert out.getvalue() == "hub token [REDACTED:huggingface-user-access-token]\n"


def test_handler_added_later_to_a_non_propagating_logger():
    modelseal.install(streams=False)
    log = logging.getLogger("acme.isolated")
    log.propagate = False
    handler, out = stream_handler("%(message)s")
    log.addHandler(handler)
    try:
        log.error("password in url https://svc:%s@db.example.com/x", DB_PASSWORD)
        log.error("key %s", AWS_KEY_ID)
    finally:
        log.removeHandler(handler)
    assert AWS_KEY_ID not in out.getvalue()
    assert "key [REDACTED:aws-access-key-id]" in out.getvalue()


def test_handler_that_replaces_handle_gets_the_filter_when_it_exists():
    class OwnHandle(logging.StreamHandler):
        def handle(self, record):  # does not call logging.Handler.handle
            if self.filter(record):
                self.emit(record)
            return True

    out = io.StringIO()
    handler = OwnHandle(out)
    log = logging.getLogger("acme.own")
    log.propagate = False
    log.addHandler(handler)
    try:
        modelseal.install(streams=False)
        log.error("key %s", AWS_KEY_ID)
    finally:
        log.removeHandler(handler)
    assert out.getvalue() == "key [REDACTED:aws-access-key-id]\n"


def test_each_record_is_redacted_once():
    calls: list[str] = []
    modelseal.install(streams=False)
    active = modelseal._install._state.filter
    original = active._changed

    def counting(text):
        calls.append(text)
        return original(text)

    active._changed = counting
    root = logging.getLogger()
    outs = []
    for _ in range(3):
        handler, out = stream_handler("%(message)s")
        root.addHandler(handler)
        outs.append(out)
    root.setLevel(logging.INFO)
    logging.getLogger("acme.many").info("key %s", AWS_KEY_ID)
    assert calls == [f"key {AWS_KEY_ID}"]
    assert all(o.getvalue() == "key [REDACTED:aws-access-key-id]\n" for o in outs)


def test_redaction_failure_withholds_the_record():
    flt = modelseal.RedactingFilter()

    def broken(text):
        raise RuntimeError("boom")

    flt._changed = broken
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "key %s", (AWS_KEY_ID,), None)
    assert flt.filter(record) is True
    assert AWS_KEY_ID not in record.getMessage()
    assert "could not redact" in record.getMessage()


def test_install_is_idempotent_and_uninstall_restores():
    original_handle = logging.Handler.handle
    handler, out = stream_handler("%(message)s")
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    modelseal.install(streams=False)
    modelseal.install(streams=False, label="<{rule}>")
    assert modelseal.installed()
    assert len(handler.filters) == 1 and len(root.filters) == 1
    assert logging.Handler.handle is not original_handle
    logging.getLogger("acme").info("key %s", AWS_KEY_ID)
    modelseal.uninstall()
    assert not modelseal.installed()
    assert handler.filters == [] and root.filters == []
    assert logging.Handler.handle is original_handle
    logging.getLogger("acme").info("plain %s", "text")
    assert out.getvalue() == "key <aws-access-key-id>\nplain text\n"


def test_install_options_apply_to_records():
    handler, out = stream_handler("%(message)s")
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    modelseal.install(streams=False, keep=4, label="…")
    logging.getLogger("acme").info("key %s", AWS_KEY_ID)
    assert out.getvalue() == "key AKIA…\n"


def test_secret_environment_value_in_a_log(monkeypatch):
    monkeypatch.setenv("WANDB_API_KEY", DB_PASSWORD)
    handler, out = stream_handler("%(message)s")
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    modelseal.install(streams=False)
    logging.getLogger("acme").info("config: %r", {"wandb": DB_PASSWORD})
    assert out.getvalue() == "config: {'wandb': '[REDACTED:env:WANDB_API_KEY]'}\n"
