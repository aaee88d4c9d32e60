"""Console redaction: `RedactingStream` and `install(streams=True)`."""

from __future__ import annotations

import io
import sys

import pytest

import modelseal
from conftest import AWS_KEY_ID, HF_TOKEN


class Recorder(io.StringIO):
    """A text stream that remembers each write and flush."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []
        self.flushes = 0

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


@pytest.fixture
def stream():
    under = Recorder()
    return modelseal.RedactingStream(under, modelseal.redactor_for()), under


def test_print_split_across_writes_is_caught(stream):
    wrapper, under = stream
    print("token", HF_TOKEN, file=wrapper)
    assert under.getvalue() == "token [REDACTED:huggingface-user-access-token]\n"
    # Nothing went out before the line was complete.
    assert under.writes == ["token [REDACTED:huggingface-user-access-token]\n"]


def test_secret_cut_in_the_middle_of_a_write(stream):
    wrapper, under = stream
    for piece in ("key=", AWS_KEY_ID[:7], AWS_KEY_ID[7:], " end\nnext"):
        wrapper.write(piece)
    assert under.getvalue() == "key=[REDACTED:aws-access-key-id] end\n"
    wrapper.flush()
    assert under.getvalue() == "key=[REDACTED:aws-access-key-id] end\nnext"


def test_complete_lines_go_out_at_once(stream):
    wrapper, under = stream
    wrapper.write("epoch 1 done\nepoch 2 done\npartial")
    assert under.getvalue() == "epoch 1 done\nepoch 2 done\n"


def test_flush_shows_a_held_partial_line(stream):
    wrapper, under = stream
    wrapper.write("\r 50%|█████     | 5/10")
    assert under.getvalue() == ""
    wrapper.flush()
    assert under.getvalue() == "\r 50%|█████     | 5/10"
    assert under.flushes == 1


def test_private_key_block_is_held_until_it_ends(stream):
    wrapper, under = stream
    begin = "-----BEGIN " + "OPENSSH PRIVATE KEY-----\n"
    body = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    wrapper.write("before\n" + begin + body)
    assert under.getvalue() == "before\n"
    wrapper.write(body + "-----END " + "OPENSSH PRIVATE KEY-----\nafter\n")
    assert "b3BlbnNzaC1rZXkt" not in under.getvalue()
    assert under.getvalue().endswith("after\n")


def test_stream_attributes_are_the_wrapped_streams(stream):
    wrapper, under = stream
    assert wrapper.wrapped is under
    assert wrapper.isatty() is False
    assert wrapper.closed is False
    with pytest.raises(TypeError):
        wrapper.write(b"bytes")  # type: ignore[arg-type]
    assert wrapper.write("abc") == 3
    wrapper.writelines(["x\n", "y\n"])
    assert under.getvalue() == "abcx\ny\n"


def test_install_wraps_and_uninstall_restores_stdout_and_stderr(capsys):
    before_out, before_err = sys.stdout, sys.stderr
    modelseal.install()
    assert isinstance(sys.stdout, modelseal.RedactingStream)
    assert sys.stdout.wrapped is before_out and sys.stderr.wrapped is before_err
    modelseal.install()  # idempotent: not wrapped twice
    assert sys.stdout.wrapped is before_out
    print("token", HF_TOKEN)
    print("aws", AWS_KEY_ID, file=sys.stderr, end="", flush=True)
    modelseal.uninstall()
    assert sys.stdout is before_out and sys.stderr is before_err
    captured = capsys.readouterr()
    assert captured.out == "token [REDACTED:huggingface-user-access-token]\n"
    assert captured.err == "aws [REDACTED:aws-access-key-id]"


def test_uninstall_flushes_a_held_partial_line(capsys):
    modelseal.install()
    print("no newline yet", end="")
    modelseal.uninstall()
    assert capsys.readouterr().out == "no newline yet"


def test_streams_false_leaves_the_console_alone():
    before = sys.stdout
    modelseal.install(streams=False)
    assert sys.stdout is before


def test_tqdm_progress_passes_through(capsys):
    from tqdm import tqdm

    modelseal.install()
    for _ in tqdm(range(5), file=sys.stderr, mininterval=0, miniters=1, ascii=True, desc="train"):
        pass
    print("done")
    modelseal.uninstall()
    captured = capsys.readouterr()
    assert "\r" in captured.err
    assert "train: 100%|##########| 5/5" in captured.err
    assert captured.out == "done\n"


def test_tqdm_bar_shows_before_its_line_ends():
    from tqdm import tqdm

    under = Recorder()
    wrapper = modelseal.RedactingStream(under, modelseal.redactor_for())
    bar = tqdm(total=10, file=wrapper, mininterval=0, miniters=1, ascii=True)
    bar.update(3)
    # No newline has been written, yet the bar is visible.
    assert "\n" not in under.getvalue()
    assert "3/10" in under.getvalue()
    bar.close()


def test_tqdm_description_with_a_secret_is_redacted():
    from tqdm import tqdm

    under = Recorder()
    wrapper = modelseal.RedactingStream(under, modelseal.redactor_for())
    for _ in tqdm(range(2), file=wrapper, desc=f"upload {AWS_KEY_ID}", mininterval=0, ascii=True):
        pass
    assert AWS_KEY_ID not in under.getvalue()
    assert "[REDACTED:aws-access-key-id]" in under.getvalue()


def test_traceback_printed_to_stderr_is_redacted(capsys):
    import traceback

    modelseal.install()
    try:
        raise ValueError(f"bad key {AWS_KEY_ID}")
    except ValueError:
        traceback.print_exc()
    modelseal.uninstall()
    err = capsys.readouterr().err
    assert "ValueError: bad key [REDACTED:aws-access-key-id]" in err
    assert AWS_KEY_ID not in err


def test_logging_to_the_console_is_redacted_once(capsys):
    import logging

    modelseal.install()
    handler = logging.StreamHandler()  # sys.stderr: the wrapper
    log = logging.getLogger("acme.console")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning("key %s", AWS_KEY_ID)
    finally:
        log.removeHandler(handler)
    modelseal.uninstall()
    assert capsys.readouterr().err == "key [REDACTED:aws-access-key-id]\n"


def test_non_utf8_safe_text_does_not_break_print(stream):
    wrapper, under = stream
    wrapper.write("lone \udc80 surrogate\n")
    out = under.getvalue()
    assert out.startswith("lone \ufffd") and out.endswith(" surrogate\n")


def test_long_line_without_newline_is_bounded(stream):
    wrapper, under = stream
    wrapper.write("é" * 100_000)
    # Over the limit, the line goes out in pieces, whole characters only.
    assert len(under.getvalue()) > 0
    wrapper.flush()
    assert under.getvalue() == "é" * 100_000
