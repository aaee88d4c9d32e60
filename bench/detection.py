#!/usr/bin/env python3
"""Recall and false-alarm rate of `modelseal scan` on a labeled detection corpus.

    python3 bench/make_detection_corpus.py /tmp/bench/detect
    python3 bench/detection.py /tmp/bench/detect [--bin PATH] [--min-severity low] [--verbose] [--json OUT]

Runs `PATH scan --no-config --no-progress --format jsonl CORPUS` once (PATH
defaults to target/release/modelseal under the repository root), reads the
answer key `CORPUS.labels.json` written beside the corpus, and maps every
finding to its sample by the last component of `location.path`.

- recall: positives with at least one finding of kind "secret" (any severity);
- false-alarm rate: negatives with at least one finding of kind "secret" at
  severity >= --min-severity (info < low < medium < high < critical).

`--verbose` lists every miss and false alarm with its case and the rule ids
reported on the file; secrets are shown masked (first 4 characters only).
Standard library only. Exit status 0, or 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

SEVERITIES = ["info", "low", "medium", "high", "critical"]
RANK = {s: i for i, s in enumerate(SEVERITIES)}


def mask(value: str) -> str:
    value = value or ""
    return value[:4] + "…" if len(value) > 4 else value


def last_component(path: str) -> str:
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def pct(num: int, den: int) -> str:
    return f"{100.0 * num / den:5.1f}%" if den else "    -"


def main(argv=None) -> int:
    repo = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", help="folder written by make_detection_corpus.py")
    ap.add_argument("--bin", default=str(repo / "target" / "release" / "modelseal"), help="modelseal binary")
    ap.add_argument("--min-severity", default="low", choices=SEVERITIES,
                    help="lowest severity of a secret finding that counts as a false alarm (default low)")
    ap.add_argument("--verbose", action="store_true", help="list every miss and false alarm")
    ap.add_argument("--json", metavar="OUT", help="write the scores and the misses/false alarms as JSON")
    args = ap.parse_args(argv)

    corpus = Path(args.corpus).resolve()
    key_path = corpus.parent / (corpus.name + ".labels.json")
    if not corpus.is_dir():
        ap.error(f"{corpus} is not a folder")
    if not key_path.is_file():
        ap.error(f"answer key {key_path} not found (make_detection_corpus.py writes it beside the corpus)")
    binary = Path(args.bin)
    if not binary.is_file():
        ap.error(f"modelseal binary {binary} not found (cargo build --release -p modelseal-cli, or --bin PATH)")

    key = json.loads(key_path.read_text(encoding="utf-8"))
    samples = {s["file"]: s for s in key["samples"]}

    cmd = [str(binary), "scan", "--no-config", "--no-progress", "--format", "jsonl", str(corpus)]
    print("$ " + " ".join(cmd))
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        print(f"warning: modelseal exited with {proc.returncode}: {proc.stderr.strip()[:500]}", file=sys.stderr)

    by_file: dict[str, list[dict]] = defaultdict(list)
    unmatched = 0
    total_findings = 0
    for line in proc.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            f = json.loads(line)
        except json.JSONDecodeError:
            continue
        total_findings += 1
        name = last_component(f.get("location", {}).get("path", ""))
        if name in samples:
            by_file[name].append(f)
        else:
            unmatched += 1

    min_rank = RANK[args.min_severity]
    fams: dict[str, Counter] = defaultdict(Counter)
    misses, alarms = [], []
    found_by: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for name, s in samples.items():
        fam = s["family"]
        found = by_file.get(name, [])
        secrets = [f for f in found if f.get("kind") == "secret"]
        if s["label"] == "positive":
            fams[fam]["pos"] += 1
            if secrets:
                fams[fam]["tp"] += 1
                for rule in {f.get("rule", "?") for f in secrets}:
                    found_by[fam][s["case"]][rule] += 1
            else:
                misses.append({
                    "file": name, "family": fam, "case": s["case"], "context": s.get("context", ""),
                    "other_rules": sorted({f"{f.get('rule')} ({f.get('kind')})" for f in found}),
                })
        else:
            fams[fam]["neg"] += 1
            hits = [f for f in secrets if RANK.get(f.get("severity", "info"), 0) >= min_rank]
            if hits:
                fams[fam]["fp"] += 1
                alarms.append({
                    "file": name, "family": fam, "case": s["case"], "context": s.get("context", ""),
                    "rules": sorted({f.get("rule", "?") for f in hits}),
                    "severities": sorted({f.get("severity", "?") for f in hits}, key=lambda x: RANK.get(x, 0)),
                    "secrets": sorted({mask(f.get("secret", "")) for f in hits}),
                })
            elif secrets:
                fams[fam]["below"] += 1

    # --- table
    print(f"\n{len(samples)} samples, {total_findings} findings in {elapsed:.2f} s"
          + (f" ({unmatched} on files not in the key)" if unmatched else ""))
    print(f"false alarm = a secret finding at severity >= {args.min_severity} on a negative\n")
    head = f"{'family':14} {'recall':>15} {'false alarms':>17}"
    print(head)
    print("-" * len(head))
    tot = Counter()
    for fam in sorted(fams):
        c = fams[fam]
        tot.update(c)
        print(f"{fam:14} {c['tp']:4}/{c['pos']:<4} {pct(c['tp'], c['pos'])} {c['fp']:4}/{c['neg']:<4} {pct(c['fp'], c['neg'])}")
    print("-" * len(head))
    print(f"{'overall':14} {tot['tp']:4}/{tot['pos']:<4} {pct(tot['tp'], tot['pos'])} {tot['fp']:4}/{tot['neg']:<4} {pct(tot['fp'], tot['neg'])}")
    if tot["below"]:
        print(f"({tot['below']} more negatives have secret findings below {args.min_severity})")

    # --- causes
    miss_causes = {fam: Counter(m["case"] for m in misses if m["family"] == fam) for fam in fams}
    alarm_causes = {fam: Counter(f"{a['case']} [{', '.join(a['rules'])}]" for a in alarms if a["family"] == fam) for fam in fams}
    if args.verbose:
        print("\nMost common causes per family")
        for fam in sorted(fams):
            if not (miss_causes[fam] or alarm_causes[fam]):
                continue
            print(f"  {fam}")
            for case, n in miss_causes[fam].most_common(3):
                print(f"    miss  {n:3}  {case}")
            for case, n in alarm_causes[fam].most_common(3):
                print(f"    alarm {n:3}  {case}")
        print(f"\nMisses ({len(misses)})")
        for m in sorted(misses, key=lambda m: (m["family"], m["case"], m["file"])):
            extra = f"  other findings: {', '.join(m['other_rules'])}" if m["other_rules"] else ""
            print(f"  {m['family']:13} {m['file']:20} {m['case']} | {m['context']}{extra}")
        print(f"\nFalse alarms ({len(alarms)})")
        for a in sorted(alarms, key=lambda a: (a["family"], a["case"], a["file"])):
            print(f"  {a['family']:13} {a['file']:20} {a['case']} | {a['context']}  "
                  f"rule {', '.join(a['rules'])} ({', '.join(a['severities'])}) secret {', '.join(a['secrets'])}")

    if args.json:
        out = {
            "command": cmd, "seconds": round(elapsed, 3), "min_severity": args.min_severity,
            "corpus": str(corpus), "seed": key.get("seed"), "findings": total_findings,
            "families": {fam: {"positives": c["pos"], "found": c["tp"], "recall": c["tp"] / c["pos"] if c["pos"] else None,
                               "negatives": c["neg"], "false_alarms": c["fp"],
                               "false_alarm_rate": c["fp"] / c["neg"] if c["neg"] else None,
                               "negatives_with_findings_below_threshold": c["below"],
                               "miss_causes": dict(miss_causes[fam].most_common()),
                               "false_alarm_causes": dict(alarm_causes[fam].most_common()),
                               "found_by": {case: dict(rules.most_common()) for case, rules in sorted(found_by[fam].items())}}
                         for fam, c in sorted(fams.items())},
            "overall": {"positives": tot["pos"], "found": tot["tp"], "negatives": tot["neg"], "false_alarms": tot["fp"]},
            "misses": misses,
            "false_alarms": alarms,
        }
        Path(args.json).write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
