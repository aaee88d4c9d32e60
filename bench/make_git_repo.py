#!/usr/bin/env python3
"""Writes a git repository with a long history and planted secrets, for
timing `modelseal scan --git` against other scanners' history scans.

    python3 bench/make_git_repo.py /tmp/bench/gitrepo [--commits 20000]
        [--files-per-commit 5] [--files 3000] [--secrets 60] [--seed 1234]

The history is written with `git fast-import` (seconds, not hours): one main
branch, a short side branch merged back every 400 commits, a tag every 2000
commits, each commit changing a few files (Python, YAML, logs, Markdown).
About 20000 commits x 5 files give about 100000 distinct blobs.

Planted secrets (values generated at run time by make_corpus.py's
generators, so this file holds none) sit on a fixed line of a file from the
commit that adds them; about 40% are removed again by a later commit, the
"gone from HEAD, still in history" case. The answer key is written beside
the repository as OUT.planted.json: kind, path, line, and whether the secret
is still at HEAD.
"""

import argparse
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_corpus import gen_value  # noqa: E402

KINDS = ["aws", "github-pat", "slack-bot-token", "stripe-secret-key", "huggingface-token",
         "gitlab-pat", "sendgrid-api-key", "npm-token", "openai-project-key"]
AUTHORS = [("Ada Lovelace", "ada@example.org"), ("Grace Hopper", "grace@example.org"),
           ("Alan Turing", "alan@example.org"), ("Edsger Dijkstra", "edsger@example.org"),
           ("Barbara Liskov", "barbara@example.org")]
WORDS = ("loss step epoch batch tokenizer learning rate warmup scheduler gradient checkpoint "
         "eval accuracy model dataset shard worker token api key config optimizer adam "
         "weight decay dropout layer attention head hidden size vocab").split()
BASE_TIME = 1_700_000_000


def filler(rng, ext, n):
    lines = []
    for _ in range(n):
        words = " ".join(rng.choices(WORDS, k=rng.randint(3, 9)))
        if ext == "py":
            lines.append(f"{rng.choice(WORDS)}_{rng.randint(0, 99)} = {rng.random():.6f}  # {words}")
        elif ext == "yaml":
            lines.append(f"{rng.choice(WORDS)}_{rng.randint(0, 99)}: {words}")
        elif ext == "log":
            lines.append(f"2024-03-{rng.randint(1, 28):02d} 12:{rng.randint(0, 59):02d}:00 INFO {words} {rng.random():.4f}")
        else:
            lines.append(words.capitalize() + ".")
    return lines


def secret_lines(rng, kind, ext):
    """The planted lines and the kinds they hold, as one would write them."""
    if kind == "aws":
        key, secret = gen_value(rng, "aws-access-key-id"), gen_value(rng, "aws-secret-access-key")
        if ext == "yaml":
            return [f"aws_access_key_id: {key}", f"aws_secret_access_key: {secret}"], ["aws-access-key-id", "aws-secret-access-key"]
        return [f"AWS_ACCESS_KEY_ID = \"{key}\"", f"AWS_SECRET_ACCESS_KEY = \"{secret}\""], ["aws-access-key-id", "aws-secret-access-key"]
    value = gen_value(rng, kind)
    name = kind.upper().replace("-", "_")
    if ext == "yaml":
        return [f"{kind.replace('-', '_')}: {value}"], [kind]
    if ext == "log":
        return [f"2024-03-01 12:00:00 DEBUG env {name}={value}"], [kind]
    if ext == "md":
        return [f"    export {name}={value}"], [kind]
    return [f"{name} = \"{value}\""], [kind]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--commits", type=int, default=20000)
    ap.add_argument("--files-per-commit", type=int, default=5)
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--secrets", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)

    exts = ["py", "yaml", "log", "md"]
    files = []
    for i in range(args.files):
        ext = exts[i % len(exts)]
        folder = {"py": "src/pkg%d" % (i % 40), "yaml": "configs/%d" % (i % 20),
                  "log": "logs/run%d" % (i % 60), "md": "docs"}[ext]
        files.append((f"{folder}/f{i:05d}.{ext}", ext, rng.randint(20, 80)))

    # Plants: distinct files, a commit that adds, maybe one that removes.
    plants = {}
    planted = []
    for n, f in enumerate(rng.sample(range(args.files), args.secrets)):
        path, ext, nlines = files[f]
        kind = KINDS[n % len(KINDS)]
        lines, kinds = secret_lines(rng, kind, ext)
        line = rng.randint(1, nlines - len(lines))
        start = rng.randint(1, args.commits - 200)
        end = rng.randint(start + 1, args.commits - 1) if rng.random() < 0.4 else None
        plants[f] = (line, lines, start, end)
        for k, kd in enumerate(kinds):
            planted.append({"kind": kd, "path": path, "line": line + k, "still_at_head": end is None})

    # Side-branch commits (indices 400k .. 400k+9) do not reach main: plants
    # and removals land on main commits only (the merge at 400k+10 at the
    # latest).
    def on_main(x):
        return x + (10 - x % 400) if x >= 400 and x % 400 < 10 else x

    plants = {f: (line, lines, on_main(start), None if end is None else max(on_main(end), on_main(start) + 1))
              for f, (line, lines, start, end) in plants.items()}
    touches = {}
    for f, (line, lines, start, end) in plants.items():
        touches.setdefault(start, set()).add(f)
        if end is not None:
            touches.setdefault(end, set()).add(f)

    os.makedirs(args.out, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", args.out], check=True)
    proc = subprocess.Popen(["git", "-C", args.out, "fast-import", "--quiet"], stdin=subprocess.PIPE)
    out = proc.stdin
    version = [0] * args.files
    mark = 0
    main_mark = None

    def content(f, i):
        path, ext, nlines = files[f]
        frng = random.Random((args.seed, f, version[f]).__hash__())
        body = filler(frng, ext, nlines)
        plant = plants.get(f)
        if plant:
            line, lines, start, end = plant
            if i >= start and (end is None or i < end):
                body[line - 1:line - 1 + len(lines)] = lines
        return ("\n".join(body) + "\n").encode()

    def commit(ref, i, changed, parent, merge=None):
        nonlocal mark
        for f in changed:
            version[f] += 1
        mark += 1
        name, email = AUTHORS[i % len(AUTHORS)]
        when = BASE_TIME + i * 600
        msg = f"change {i}".encode()
        out.write(f"commit {ref}\nmark :{mark}\n".encode())
        out.write(f"author {name} <{email}> {when} +0000\ncommitter {name} <{email}> {when} +0000\n".encode())
        out.write(b"data %d\n%s\n" % (len(msg), msg))
        if parent is not None:
            out.write(f"from :{parent}\n".encode())
        if merge is not None:
            out.write(f"merge :{merge}\n".encode())
        for f in sorted(changed):
            data = content(f, i)
            out.write(f"M 100644 inline {files[f][0]}\ndata {len(data)}\n".encode())
            out.write(data + b"\n")
        return mark

    i = 0
    while i < args.commits:
        if i == 0:
            changed = set(range(args.files))
        else:
            changed = set(rng.sample(range(args.files), args.files_per_commit))
        changed |= touches.get(i, set())
        if i > 0 and i % 400 == 0 and i + 11 < args.commits:
            side = main_mark
            for _ in range(10):
                side_changed = set(rng.sample(range(args.files), args.files_per_commit))
                side = commit("refs/heads/side", i, side_changed, side)
                i += 1
            main_mark = commit("refs/heads/main", i, changed | touches.get(i, set()), main_mark, merge=side)
        else:
            main_mark = commit("refs/heads/main", i, changed, main_mark)
        if i > 0 and i % 2000 == 0:
            out.write(f"reset refs/tags/v{i // 2000}\nfrom :{main_mark}\n\n".encode())
        i += 1
    out.close()
    if proc.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "-C", args.out, "checkout", "-q", "-f", "main"], check=True)
    key = os.path.abspath(args.out).rstrip("/") + ".planted.json"
    with open(key, "w") as fh:
        json.dump({"commits": args.commits, "planted": planted}, fh, indent=1)
    count = subprocess.run(["git", "-C", args.out, "rev-list", "--all", "--objects"],
                           capture_output=True, text=True, check=True).stdout.count("\n")
    print(f"{args.out}: {args.commits} commits, {count} objects, {len(planted)} planted items "
          f"({sum(not p['still_at_head'] for p in planted)} removed before HEAD); key in {key}")


if __name__ == "__main__":
    main()
