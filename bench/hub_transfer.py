#!/usr/bin/env python3
"""How many bytes a hub scan downloads, against the size of the weights.

    cargo build --release -p modelseal-cli -p modelseal-loopback
    python3 bench/hub_transfer.py [--weights-gib 10] [--runs 3]

Starts `modelseal-loopback` (a loopback server that answers like the hub's
API, holding `bench/big-model`: two safetensors shards of synthetic weights,
a config, a README and a training log with a planted token), runs
`modelseal scan hf://bench/big-model --format json` against it with
HF_ENDPOINT, and prints the bytes received (modelseal's own count,
`stats.bytes_transferred`, and the server's count of body bytes sent), their
share of the weights, the wall time, and the findings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights-gib", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bin", type=Path, default=ROOT / "target/release")
    args = parser.parse_args()

    server = subprocess.Popen(
        [str(args.bin / "modelseal-loopback"), "--weights-gib", str(args.weights_gib)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    endpoint = server.stdout.readline().strip().split("=", 1)[1]
    print(server.stdout.readline().strip())
    env = dict(os.environ, HF_ENDPOINT=endpoint)
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"):
        env.pop(name, None)
    env["HF_HOME"] = "/nonexistent"
    weights = args.weights_gib * 1024**3
    best = float("inf")
    report = {}
    for _ in range(args.runs):
        started = time.perf_counter()
        done = subprocess.run(
            [str(args.bin / "modelseal"), "scan", "--no-config", "--format", "json", "hf://bench/big-model"],
            env=env,
            capture_output=True,
            text=True,
        )
        best = min(best, time.perf_counter() - started)
        report = json.loads(done.stdout)
    server.stdin.close()
    served_line = server.stdout.read().strip()
    server.wait()
    served = int(served_line.split()[1])
    transferred = report["stats"]["bytes_transferred"]
    print(f"weights: {weights / 1024**3:.0f} GiB ({weights} bytes)")
    print(
        f"modelseal received {transferred} bytes per scan = {100 * transferred / weights:.5f}% of the weights; "
        f"server sent {served} body bytes over {args.runs} scans"
    )
    print(f"wall time: {best * 1000:.0f} ms (best of {args.runs})")
    for finding in report["findings"]:
        location = finding["location"]
        where = location["path"] + "".join("#" + location["field"] for _ in [0] if location.get("field"))
        print(f"  {finding['rule']}: {where}")
    return 0 if transferred < weights / 100 else 1


if __name__ == "__main__":
    sys.exit(main())
