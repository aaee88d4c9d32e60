#!/usr/bin/env python3
"""Throughput of `modelseal redact` against a Python `re` redaction filter
that uses the same rules.

    cargo build --release -p modelseal-cli
    python3 bench/redact_compare.py /tmp/bench/redact [--size-mb 512]
        [--python-mb 32] [--runs 3] [--modelseal target/release/modelseal]

Writes a log-shaped stream (timestamped training-loop lines, warnings,
config dumps, HTTP request lines, tracebacks; a planted secret every few
hundred lines, assembled at run time) to DIR/train.log, then:

* times `modelseal redact --no-config --no-env < train.log > /dev/null`
  (best of --runs, all cores) and reports MB/s (10^6 bytes per second);
* times a Python filter over the first --python-mb MiB of the same file: one
  case-insensitive `re` alternation of every secret rule's keywords picks
  the rules a line may hold, then each of those rules' patterns (read from
  `rules/*.toml`, the same text modelseal compiles) runs with `finditer` and
  its `secret` group is replaced by `[REDACTED:<rule-id>]`. This is a
  favourable baseline: no validators (entropy, checksums) run in Python;
* checks that both hide every planted secret in that slice.

Nothing here runs in CI: it measures, it does not test.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UPPER32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def planted(rng: random.Random) -> tuple[str, str]:
    """A well-formed fake secret and the line that prints it."""
    kind = rng.randrange(3)
    if kind == 0:
        token = "hf_" + "".join(rng.choice(ALNUM[:52]) for _ in range(34))
        return token, f"INFO pushing to the hub with token {token}"
    if kind == 1:
        key = "AKIA" + "".join(rng.choice(UPPER32) for _ in range(16))
        return key, f"DEBUG boto3 credentials resolved: access_key={key} region=us-east-1"
    password = "".join(rng.choice(ALNUM) for _ in range(20))
    return password, f"WARNING connecting with DATABASE_URL=postgresql://svc:{password}@db-7.internal:5432/runs"


def filler(rng: random.Random, step: int) -> str:
    kind = rng.randrange(10)
    stamp = f"2026-11-{1 + step % 28:02d} {step % 24:02d}:{step % 60:02d}:{(step * 7) % 60:02d},{step % 1000:03d}"
    if kind < 6:
        return (
            f"{stamp} INFO trainer: step {step} loss {rng.random():.4f} lr {rng.random() * 1e-3:.2e} "
            f"grad_norm {rng.random() * 4:.3f} tokens/s {rng.randrange(1000, 90000)}"
        )
    if kind == 6:
        return f"{stamp} WARNING torch.distributed: NCCL timeout on rank {step % 8}, retrying in 5s"
    if kind == 7:
        return f'{stamp} INFO config: {{"model_name": "bert-base-uncased", "batch_size": {rng.choice([16, 32, 64])}, "max_seq_length": 512, "fp16": true}}'
    if kind == 8:
        return f'{stamp} DEBUG urllib3.connectionpool: https://huggingface.co:443 "GET /api/models/acme/sentiment/revision/main HTTP/1.1" 200 {rng.randrange(400, 9000)}'
    return f'  File "/opt/conda/lib/python3.11/site-packages/transformers/trainer.py", line {rng.randrange(100, 4000)}, in _inner_training_loop'


def write_log(path: Path, size: int, every: int = 400, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    secrets = []
    written = 0
    step = 0
    with path.open("w") as out:
        while written < size:
            step += 1
            if step % every == 0:
                secret, line = planted(rng)
                secrets.append(secret)
            else:
                line = filler(rng, step)
            out.write(line + "\n")
            written += len(line) + 1
    return secrets


class PythonRedactor:
    """The same rules, redacted with Python's `re`."""

    def __init__(self) -> None:
        self.rules = []
        skipped = 0
        keyword_rules: dict[str, list[int]] = {}
        for file in sorted((ROOT / "rules").glob("*.toml")):
            for rule in tomllib.loads(file.read_text())["rule"]:
                if rule.get("kind") != "secret":
                    continue
                try:
                    regex = re.compile(rule["pattern"].encode(), re.MULTILINE if rule.get("multiline") else 0)
                except re.error:
                    skipped += 1
                    continue
                if "secret" not in regex.groupindex:
                    skipped += 1
                    continue
                index = len(self.rules)
                self.rules.append((rule["id"].encode(), regex))
                for keyword in rule["keywords"]:
                    keyword_rules.setdefault(keyword.lower(), []).append(index)
        self.skipped = skipped
        self.keyword_rules = {k.encode(): v for k, v in keyword_rules.items()}
        alternation = b"|".join(re.escape(k) for k in sorted(self.keyword_rules, key=len, reverse=True))
        self.keywords = re.compile(alternation, re.IGNORECASE)

    def redact_line(self, line: bytes) -> bytes:
        hits = self.keywords.findall(line)
        if not hits:
            return line
        candidates = sorted({i for k in hits for i in self.keyword_rules.get(k.lower(), ())})
        spans = []
        for index in candidates:
            rule_id, regex = self.rules[index]
            for match in regex.finditer(line):
                start, end = match.span("secret")
                if start >= 0 and end > start:
                    spans.append((start, end, rule_id))
        if not spans:
            return line
        spans.sort()
        out = []
        at = 0
        for start, end, rule_id in spans:
            if start < at:
                continue
            out.append(line[at:start])
            out.append(b"[REDACTED:" + rule_id + b"]")
            at = end
        out.append(line[at:])
        return b"".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--size-mb", type=int, default=512)
    parser.add_argument("--python-mb", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modelseal", type=Path, default=ROOT / "target/release/modelseal")
    args = parser.parse_args()

    args.dir.mkdir(parents=True, exist_ok=True)
    log = args.dir / "train.log"
    secrets = write_log(log, args.size_mb * 1024 * 1024)
    size = log.stat().st_size
    print(f"stream: {log} {size / 1e6:.0f} MB, {len(secrets)} planted secrets, {os.cpu_count()} cores")

    best = float("inf")
    for _ in range(args.runs):
        with log.open("rb") as src, open(os.devnull, "wb") as sink:
            started = time.perf_counter()
            subprocess.run([str(args.modelseal), "redact", "--no-config", "--no-env"], stdin=src, stdout=sink, check=True)
            best = min(best, time.perf_counter() - started)
    modelseal_rate = size / best / 1e6
    print(f"modelseal redact: {best:.2f} s, {modelseal_rate:.0f} MB/s (best of {args.runs})")

    slice_bytes = args.python_mb * 1024 * 1024
    with log.open("rb") as src:
        data = src.read(slice_bytes)
    data = data[: data.rfind(b"\n") + 1]
    python = PythonRedactor()
    started = time.perf_counter()
    redacted = b"".join(python.redact_line(line) for line in data.splitlines(keepends=True))
    python_time = time.perf_counter() - started
    python_rate = len(data) / python_time / 1e6
    print(
        f"python re filter: {python_time:.2f} s for {len(data) / 1e6:.0f} MB, {python_rate:.1f} MB/s "
        f"({len(python.rules)} rules compiled, {python.skipped} not expressible in re)"
    )

    ours = subprocess.run(
        [str(args.modelseal), "redact", "--no-config", "--no-env"], input=data, capture_output=True, check=True
    ).stdout
    in_slice = [s for s in secrets if s.encode() in data]
    leaked_ours = [s for s in in_slice if s.encode() in ours]
    leaked_python = [s for s in in_slice if s.encode() in redacted]
    print(f"planted in the slice: {len(in_slice)}; left visible: modelseal {len(leaked_ours)}, python {len(leaked_python)}")
    print(f"speed-up: {modelseal_rate / python_rate:.0f}x")
    return 1 if leaked_ours else 0


if __name__ == "__main__":
    sys.exit(main())
