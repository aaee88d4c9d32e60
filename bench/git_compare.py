#!/usr/bin/env python3
"""Times `modelseal scan --git` against Kingfisher's full-history scan on a
repository made by make_git_repo.py, and scores both against its answer key.

    python3 bench/git_compare.py /tmp/bench/gitrepo [--runs 3]
        [--modelseal target/release/modelseal] [--kingfisher PATH] [--json OUT]

Runs are interleaved (modelseal, Kingfisher, modelseal, ...) after one
warm-up run each, whose output is scored; each timed run is under
`/usr/bin/time -v` for peak memory. A planted item counts as found when a
finding names its path (inside the repository) and its line.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def kingfisher_path(explicit):
    if explicit:
        return explicit
    tools = os.environ.get("BENCH_TOOLS", os.path.expanduser("~/.cache/modelseal-bench"))
    tsv = os.path.join(tools, "bins.tsv")
    if os.path.exists(tsv):
        for line in open(tsv):
            name, _, path = line.strip().partition("\t")
            if name == "kingfisher" and os.path.exists(path):
                return path
    found = glob.glob(os.path.join(tools, "kingfisher/lib/python3*/site-packages/kingfisher/bin/kingfisher"))
    return found[0] if found else None


def commands(repo, modelseal, kingfisher):
    out = {"modelseal": [modelseal, "scan", "--git", repo, "--format", "jsonl", "--fail-on", "critical",
                         "--no-progress", "--no-config"]}
    if kingfisher:
        out["kingfisher"] = [kingfisher, "scan", repo, "--git-history", "full", "--no-validate",
                             "--no-update-check", "--format", "jsonl", "--quiet"]
    return out


def run(cmd, out_path):
    start = time.perf_counter()
    with open(out_path, "wb") as out, open(out_path + ".err", "wb") as err:
        proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=out, stderr=err)
    wall = time.perf_counter() - start
    rss = 0
    for line in open(out_path + ".err", errors="replace"):
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", line)
        if m:
            rss = int(m.group(1))
    return wall, rss, proc.returncode


def findings(tool, text):
    """(path inside the repository, line) of every finding."""
    for line in text.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if tool == "modelseal":
            loc = o.get("location") or {}
            path = loc.get("path", "")
            if "@" in path and ":" in path:
                path = path.split(":", 1)[1]
            if loc.get("members") or loc.get("field"):
                path = path + "!/" + "/".join(loc.get("members") or [])
            yield path, loc.get("line"), False
        else:
            f = o.get("finding")
            if not isinstance(f, dict):
                continue
            meta = (f.get("git_metadata") or {}).get("file") or {}
            path = meta.get("path") or f.get("path", "")
            # An AWS pair is one finding on the key id's line, with the secret
            # as a dependent capture: it counts for the next line too.
            yield path, f.get("line"), bool(f.get("dependent_captures"))


def score(tool, text, planted, repo):
    seen = set()
    total = 0
    for path, line, paired in findings(tool, text):
        total += 1
        # Work-tree findings name the file by its absolute path.
        if path.startswith(repo + "/"):
            path = path[len(repo) + 1:]
        seen.add((path, line))
        if paired:
            seen.add((path, line + 1))
    found = [p for p in planted if (p["path"], p["line"]) in seen]
    removed = [p for p in found if not p["still_at_head"]]
    return {"findings": total, "found": len(found), "found_removed": len(removed)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repo")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--modelseal", default=os.path.join(ROOT, "target/release/modelseal"))
    ap.add_argument("--kingfisher")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    repo = os.path.abspath(args.repo).rstrip("/")
    key = json.load(open(repo + ".planted.json"))
    planted = key["planted"]
    cmds = commands(repo, args.modelseal, kingfisher_path(args.kingfisher))
    work = repo + ".out"
    os.makedirs(work, exist_ok=True)
    results = {}
    for tool, cmd in cmds.items():
        print("$ " + " ".join(cmd), file=sys.stderr)
        wall, rss, code = run(cmd, os.path.join(work, tool + ".warm"))
        text = open(os.path.join(work, tool + ".warm"), errors="replace").read()
        results[tool] = {"command": cmd, "exit": code, "runs": [], "rss_kb": rss,
                         **score(tool, text, planted, repo)}
    for _ in range(args.runs):
        for tool, cmd in cmds.items():
            wall, rss, _code = run(cmd, os.path.join(work, tool + ".out"))
            results[tool]["runs"].append(wall)
            results[tool]["rss_kb"] = max(results[tool]["rss_kb"], rss)
    removed = sum(not p["still_at_head"] for p in planted)
    print(f"{repo}: {key['commits']} commits, {len(planted)} planted items ({removed} removed before HEAD)")
    print(f"{'tool':<11} {'best s':>8} {'peak MB':>8} {'found':>9} {'removed found':>14} {'findings':>9}")
    for tool, r in results.items():
        best = min(r["runs"]) if r["runs"] else float("nan")
        print(f"{tool:<11} {best:>8.2f} {r['rss_kb'] / 1024:>8.0f} {r['found']:>5}/{len(planted):<3} "
              f"{r['found_removed']:>9}/{removed:<4} {r['findings']:>9}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
