#!/usr/bin/env python3
"""Per-record cost of modelseal's Python logging filter (`RedactingFilter`).

Run it against a release build of the extension (a debug build is ten times
slower and is refused unless --allow-debug), in a virtualenv of its own:

    bash scripts/test-python                      # once: target/py-venv has maturin
    CARGO_TARGET_DIR=target/python target/py-venv/bin/maturin build --release \
        -m crates/modelseal-py/Cargo.toml -i target/py-venv/bin/python \
        --out target/wheels-release
    python3 -m venv target/py-bench
    target/py-bench/bin/pip install --force-reinstall --no-deps \
        target/wheels-release/modelseal-*.whl
    target/py-bench/bin/python bench/python_filter.py [--records 20000] [--repeat 7]

Typical records: a 60-120 character message with %-args and no secret (the
common case: a clean record is left untouched), and one whose argument is a
Hugging Face token. For each, the best of --repeat runs, in microseconds per
record, of:

* `filter()` alone (the cost of making each record subtracted);
* a whole `logger.info(...)` call through a `StreamHandler` and `Formatter`
  writing to a discarding stream: without the filter, with a
  `RedactingFilter` on the handler, and with `modelseal.install()` (which
  also wraps `logging.Handler.handle`).
"""

from __future__ import annotations

import argparse
import logging
import sys
import timeit

import modelseal
from modelseal import _native

# Assembled at run time: the repository holds no scannable secret.
TOKEN = "hf_" + "VxKqPzLmWnRtYbGcHdJf" + "NsQaEuIoTkXlMv"

CLEAN = (
    "Step %d/%d: loss=%.4f lr=%.2e grad_norm=%.3f tokens/s=%d epoch=%.2f",
    (1200, 5000, 0.4312, 2e-5, 1.132, 18234, 2.41),
)
CLEAN_2 = ("Saving model checkpoint to %s (%d shards, %s)", ("out/checkpoint-500", 3, "safetensors"))
SECRET = ("Pushing to the hub as %s with token %s (private=%s)", ("acme/sentiment", TOKEN, True))


class Discard:
    """A text stream that drops what is written."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def best_us(stmt, number: int, repeat: int) -> float:
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number * 1e6


def filter_only(msg: str, args: tuple, number: int, repeat: int) -> tuple[float, float]:
    """(record creation, record creation + filter), µs per record."""
    flt = modelseal.RedactingFilter()

    def make() -> None:
        for _ in range(number):
            logging.LogRecord("bench", logging.INFO, __file__, 1, msg, args, None)

    def make_and_filter() -> None:
        for _ in range(number):
            flt.filter(logging.LogRecord("bench", logging.INFO, __file__, 1, msg, args, None))

    base = min(timeit.repeat(make, number=1, repeat=repeat)) / number * 1e6
    with_filter = min(timeit.repeat(make_and_filter, number=1, repeat=repeat)) / number * 1e6
    return base, with_filter


def logger_call(msg: str, args: tuple, mode: str, number: int, repeat: int) -> float:
    """µs per `logger.info(msg, *args)` through a formatting handler."""
    logger = logging.getLogger(f"bench.{mode}")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.StreamHandler(Discard())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    if mode == "filter":
        handler.addFilter(modelseal.RedactingFilter())
    elif mode == "install":
        modelseal.install(streams=False)
    try:
        return best_us(lambda: logger.info(msg, *args), number, repeat)
    finally:
        modelseal.uninstall()
        logger.handlers.clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000, help="records per timed run")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs; the best is kept")
    parser.add_argument("--allow-debug", action="store_true", help="run on a debug build anyway")
    options = parser.parse_args()
    if _native.__debug_build__ and not options.allow_debug:
        print("modelseal._native is a debug build; install a release wheel (see the top of this file)", file=sys.stderr)
        return 2
    build = "debug" if _native.__debug_build__ else "release"
    print(f"modelseal {modelseal.__version__} ({build} build), Python {sys.version.split()[0]}")
    modelseal.redactor_for()  # build and cache the rules outside the timings
    for msg, args in (CLEAN, CLEAN_2, SECRET):  # compile the regexes the keywords reach
        modelseal.RedactingFilter().filter(logging.LogRecord("w", 20, "", 1, msg, args, None))

    n, r = options.records, options.repeat
    print(f"\nbest of {r} runs of {n} records; µs per record\n")
    print(f"{'record':<10} {'message length':>14} {'filter() alone':>15} {'no filter':>10} "
          f"{'+ filter':>9} {'+ install()':>12}")
    for name, (msg, args) in (("clean", CLEAN), ("clean 2", CLEAN_2), ("secret", SECRET)):
        length = len(msg % args)
        base, filtered = filter_only(msg, args, n, r)
        plain = logger_call(msg, args, "plain", n, r)
        with_filter = logger_call(msg, args, "filter", n, r)
        with_install = logger_call(msg, args, "install", n, r)
        print(f"{name:<10} {length:>14} {filtered - base:>15.2f} {plain:>10.2f} "
              f"{with_filter - plain:>+9.2f} {with_install - plain:>+12.2f}")
    print("\n'filter() alone': the filter's own cost per record (record creation subtracted);")
    print("'+ filter', '+ install()': added to a whole logger.info() call (format, handler, stream).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
