"""`transformers`' own logging: a handler on the non-propagating
"transformers" logger, created when the library first logs."""

from __future__ import annotations

import io
import logging

import pytest

import modelseal
from conftest import AWS_KEY_ID, HF_TOKEN

# Pinned in requirements-dev.txt: an import error fails the suite.
from transformers.utils import logging as hf_logging


@pytest.fixture
def transformers_output():
    """The library's default handler, writing to a buffer."""
    hf_logging.get_logger("transformers.modelseal_test")  # configures the library logger
    handler = hf_logging._default_handler
    assert handler is not None
    out = io.StringIO()
    previous = handler.setStream(out)
    hf_logging.set_verbosity_info()
    yield out
    handler.setStream(previous)
    hf_logging.set_verbosity_warning()


def test_handler_created_before_install(transformers_output):
    modelseal.install(streams=False)
    logger = hf_logging.get_logger("transformers.modeling_utils")
    logger.info("loading weights with token %s", HF_TOKEN)
    logger.warning_once(f"access key {AWS_KEY_ID} in config")
    text = transformers_output.getvalue()
    assert "[transformers] loading weights with token [REDACTED:huggingface-user-access-token]" in text
    assert "access key [REDACTED:aws-access-key-id] in config" in text
    assert HF_TOKEN not in text and AWS_KEY_ID not in text


def test_handler_created_after_install():
    hf_logging._reset_library_root_logger()
    modelseal.install(streams=False)
    logger = hf_logging.get_logger("transformers.trainer")  # the handler is made now
    handler = hf_logging._default_handler
    out = io.StringIO()
    previous = handler.setStream(out)
    hf_logging.set_verbosity_info()
    try:
        logger.info("push_to_hub with hub_token=%s", HF_TOKEN)
    finally:
        handler.setStream(previous)
        hf_logging.set_verbosity_warning()
    assert out.getvalue() == "[transformers] push_to_hub with hub_token=[REDACTED:huggingface-user-access-token]\n"


def test_library_logger_does_not_rely_on_propagation(transformers_output):
    library = logging.getLogger("transformers")
    propagate = library.propagate
    library.propagate = False  # what transformers sets outside CI
    try:
        modelseal.install(streams=False)
        hf_logging.get_logger("transformers.tokenization_utils").info("key %s", AWS_KEY_ID)
    finally:
        library.propagate = propagate
    assert transformers_output.getvalue() == "[transformers] key [REDACTED:aws-access-key-id]\n"
