#!/usr/bin/env python3
"""Generate a deterministic synthetic corpus of ML-project text with planted secrets.

    python3 bench/make_corpus.py OUT --size 1GiB [--seed 1234] [--secrets 300]

OUT is created (it must not exist or be empty unless --force is given) and
filled with training logs, Python sources, JSON/YAML configs, Markdown model
cards, CSV and JSONL files. A few hundred secrets are planted, one per
realistic context line, and listed in ``OUT/../<basename(OUT)>.planted.json``
(outside the scanned folder, so no scanner reads the answer key):

    {"seed": ..., "size_bytes": ..., "files": N, "items": [
        {"path": "proj_003/logs/train_0001.log", "line": 1234, "end_line": 1234,
         "kind": "huggingface-token", "value": "hf_..."}, ...]}

``line`` and ``end_line`` are 1-based and inclusive; they differ only for the
multi-line PEM keys (``line`` is the BEGIN line, ``end_line`` the END line).
A PEM key assigned in Python or YAML also has ``first_line``, the line of the
assignment (``KEY = \"\"\"`` / ``ssh_key: |``) just before BEGIN, which some
scanners report as the finding's line.

Every secret value is made at run time from the provider's published token
format with the seeded RNG; none is copied from any scanner's test data. The
same seed and size always give byte-identical output (RSA keys included:
their primes come from the seeded RNG, and ``cryptography`` only checks and
serialises them).

Speed: filler comes from pools of pre-generated lines, copied into files in
large slices, so a 1 GiB corpus is written in well under a minute or two.
"""

import argparse
import bisect
import json
import math
import os
import random
import re
import shutil
import sys
import time
import zlib

# --------------------------------------------------------------------------
# sizes

_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
    "kib": 1024, "mib": 1024**2, "gib": 1024**3, "ki": 1024, "mi": 1024**2, "gi": 1024**3,
}


def parse_size(text):
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    if not m or m.group(2).lower() not in _UNITS:
        raise argparse.ArgumentTypeError(
            f"bad size {text!r}: use e.g. 256MiB, 1GiB, 500MB, 1048576")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


KiB, MiB = 1024, 1024 * 1024

# --------------------------------------------------------------------------
# secret values, from the providers' published formats

UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
BASE62 = DIGITS + UPPER + LOWER          # GitHub / npm checksum alphabet order
ALNUM = UPPER + LOWER + DIGITS
BASE32 = UPPER + "234567"
B64 = UPPER + LOWER + DIGITS + "+/"
B64URL = UPPER + LOWER + DIGITS + "-_"

# Values must not look like placeholders, which scanners rightly ignore.
_BANNED = ("example", "test", "dummy", "fake", "sample", "xxxx", "placeholder")


def _clean(value):
    low = value.lower()
    return not any(b in low for b in _BANNED)


def _rand(rng, alphabet, n):
    return "".join(rng.choices(alphabet, k=n))


def _b62_checksum(body):
    n = zlib.crc32(body.encode()) & 0xFFFFFFFF
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(6, "0")


def _crc_token(rng, prefix):
    body = _rand(rng, BASE62, 30)
    return prefix + body + _b62_checksum(body)


def gen_value(rng, kind):
    while True:
        v = _gen_value(rng, kind)
        if _clean(v):
            return v


def _gen_value(rng, kind):
    if kind == "aws-access-key-id":
        return "AKIA" + _rand(rng, BASE32, 16)
    if kind == "aws-secret-access-key":
        return _rand(rng, B64, 40)
    if kind == "github-pat":
        return _crc_token(rng, "ghp_")
    if kind == "npm-token":
        return _crc_token(rng, "npm_")
    if kind == "slack-bot-token":
        return "xoxb-%s-%s-%s" % (
            _rand(rng, DIGITS, rng.randint(10, 13)),
            _rand(rng, DIGITS, rng.randint(10, 13)),
            _rand(rng, ALNUM, 24))
    if kind == "stripe-secret-key":
        return "sk_live_" + _rand(rng, ALNUM, rng.randint(24, 99))
    if kind == "huggingface-token":
        return "hf_" + _rand(rng, UPPER + LOWER, 34)
    if kind == "openai-project-key":
        # sk-proj- + 156 chars of [A-Za-z0-9_-]: 74 + "T3BlbkFJ" (base64 of
        # "OpenAI", present in every issued key) + 74; ends on an alphanumeric.
        return ("sk-proj-" + _rand(rng, B64URL, 74) + "T3BlbkFJ"
                + _rand(rng, B64URL, 73) + rng.choice(ALNUM))
    if kind == "gitlab-pat":
        return "glpat-" + _rand(rng, ALNUM + "-_", 19) + rng.choice(ALNUM)
    if kind == "sendgrid-api-key":
        return "SG." + _rand(rng, B64URL, 22) + "." + _rand(rng, B64URL, 42) + rng.choice(ALNUM)
    if kind == "postgres-url":
        user = rng.choice(["mlops", "trainer", "airflow", "feast", "mlflow", "labeler", "etl_svc"])
        pw = _rand(rng, ALNUM, rng.randint(16, 24))
        host = rng.choice(["db-prod-01.internal", "10.12.4.21", "pg.ml-platform.corp",
                           "metrics-db.cluster-c8x2k1.eu-west-1.rds.amazonaws.com",
                           "postgres.data.svc.cluster.local"])
        db = rng.choice(["mlflow", "features", "experiments", "labels", "airflow"])
        return f"postgresql://{user}:{pw}@{host}:5432/{db}"
    raise ValueError(kind)


def _is_probable_prime(n, rng):
    if n < 2:
        return False
    small = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71)
    for p in small:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(24):
        a = rng.randrange(2, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _rand_prime(rng, bits, e):
    while True:
        c = rng.getrandbits(bits) | (3 << (bits - 2)) | 1
        if c % e != 1 and _is_probable_prime(c, rng):
            return c


def _der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _der_int(v):
    b = v.to_bytes(v.bit_length() // 8 + 1, "big")   # leading 0 keeps it positive
    return b"\x02" + _der_len(len(b)) + b


def gen_rsa_pem(rng, bits=1024):
    """A real RSA key (PKCS#1 PEM) whose primes come from the seeded RNG."""
    import base64
    e = 65537
    while True:
        p = _rand_prime(rng, bits // 2, e)
        q = _rand_prime(rng, bits // 2, e)
        if p != q and (p * q).bit_length() == bits:
            break
    if p < q:
        p, q = q, p
    n = p * q
    d = pow(e, -1, (p - 1) * (q - 1))
    dmp1, dmq1, iqmp = d % (p - 1), d % (q - 1), pow(q, -1, p)
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        key = rsa.RSAPrivateNumbers(p, q, d, dmp1, dmq1, iqmp,
                                    rsa.RSAPublicNumbers(e, n)).private_key()
        pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    except ImportError:  # same bytes, encoded by hand
        body = b"".join(_der_int(x) for x in (0, n, e, d, p, q, dmp1, dmq1, iqmp))
        der = b"\x30" + _der_len(len(body)) + body
        b64 = base64.b64encode(der).decode()
        pem = ("-----BEGIN RSA PRIVATE KEY-----\n"
               + "".join(b64[i:i + 64] + "\n" for i in range(0, len(b64), 64))
               + "-----END RSA PRIVATE KEY-----\n")
    return pem.rstrip("\n").split("\n")


# --------------------------------------------------------------------------
# filler vocabulary

WORDS = ("model training data layer attention head embedding batch gradient loss "
         "optimizer schedule warmup checkpoint shard weights tensor dataset split "
         "validation accuracy precision recall token vocabulary tokenizer sequence "
         "context window inference latency throughput memory cache kernel fused "
         "mixed precision bf16 fp16 quantized adapter lora rank alpha dropout "
         "residual normalization rotary position encoder decoder causal masked "
         "language vision audio multimodal benchmark evaluation metric baseline "
         "ablation result improvement regression pipeline preprocessing filtering "
         "deduplication corpus sample prompt completion instruction alignment reward "
         "policy preference pairwise temperature sampling beam greedy nucleus").split()
NAMES = ("llama mistral qwen phi gemma falcon bert roberta t5 vit clip whisper "
         "resnet convnext deberta electra gpt2 opt bloom pythia").split()
ADJ = "fluent brisk quiet amber cosmic silent golden lunar misty vivid".split()
NOUN = "sky river forest meadow comet wave dawn ember field glacier".split()
PKGS = [("torch", "2.3.1"), ("transformers", "4.44.2"), ("accelerate", "0.33.0"),
        ("datasets", "2.20.0"), ("peft", "0.12.0"), ("deepspeed", "0.14.4"),
        ("numpy", "1.26.4"), ("safetensors", "0.4.3"), ("tokenizers", "0.19.1"),
        ("wandb", "0.17.5"), ("bitsandbytes", "0.43.2"), ("flash-attn", "2.6.3")]


def sentence(rng, lo=6, hi=18):
    ws = rng.choices(WORDS, k=rng.randint(lo, hi))
    ws[0] = ws[0].capitalize()
    return " ".join(ws) + "."


def ident(rng):
    return "_".join(rng.choices(WORDS, k=rng.randint(1, 3))).replace("-", "_")


def hexs(rng, n):
    return "%0*x" % (n, rng.getrandbits(4 * n))


class Clock:
    """Monotonic fake timestamps for log pools."""

    def __init__(self, rng):
        self.rng = rng
        self.t = 1_714_000_000 + rng.randrange(0, 20_000_000)

    def tick(self, lo=0.05, hi=3.0):
        self.t += self.rng.uniform(lo, hi)
        return self.t

    def stamp(self):
        t = self.tick()
        s = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(int(t)))
        return "%s,%03d" % (s, int((t % 1) * 1000))


# --------------------------------------------------------------------------
# pools: lists of lines (each ending in "\n") grouped in units

class Pool:
    def __init__(self, units):
        self.lines = []
        self.bounds = [0]
        for u in units:
            self.lines.extend(u)
            self.bounds.append(len(self.lines))
        self.cum = [0]
        acc = 0
        for ln in self.lines:
            acc += len(ln.encode())
            self.cum.append(acc)
        self.unit_bytes = acc / max(1, len(self.bounds) - 1)

    def chunk(self, rng, want_bytes):
        """Return (text, nlines, nbytes) for a run of whole units ~want_bytes."""
        nunits = len(self.bounds) - 1
        k = max(1, min(int(want_bytes / self.unit_bytes) or 1, nunits // 2))
        i = rng.randrange(0, nunits - k + 1)
        a, b = self.bounds[i], self.bounds[i + k]
        return "".join(self.lines[a:b]), b - a, self.cum[b] - self.cum[a]


def log_units(rng, n):
    clk = Clock(rng)
    units = []
    step, total = 0, rng.choice([10000, 20000, 50000])
    run = f"{rng.choice(ADJ)}-{rng.choice(NOUN)}-{rng.randint(1, 999)}"
    bar_chars = " ▏▎▍▌▋▊▉█"
    for _ in range(n):
        r = rng.random()
        if r < 0.38:
            step = (step + rng.randint(1, 10)) % total
            units.append([f"{clk.stamp()} - INFO - transformers.trainer - {{'loss': {rng.uniform(0.2, 3.5):.4f}, "
                          f"'grad_norm': {rng.uniform(0.1, 4.0):.4f}, 'learning_rate': {rng.uniform(1e-6, 5e-4):.3e}, "
                          f"'epoch': {step / total * 3:.2f}}}\n"])
        elif r < 0.62:
            frac = step / total
            full = int(frac * 40)
            bar = "█" * full + (bar_chars[rng.randrange(9)] if full < 40 else "") + " " * max(0, 39 - full)
            el = int(clk.tick(0.5, 2.0)) % 86400
            units.append([f"{int(frac * 100):3d}%|{bar}| {step}/{total} [{el // 3600:02d}:{el // 60 % 60:02d}:{el % 60:02d}"
                          f"<{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}, "
                          f"{rng.uniform(0.8, 12):.2f}it/s]\n"])
        elif r < 0.80:
            units.append([f"[{clk.stamp()}] step {step}/{total} | loss {rng.uniform(0.2, 3.5):.3f} | lr {rng.uniform(1e-6, 5e-4):.2e}"
                          f" | tokens/s {rng.randint(2000, 90000)} | mem {rng.uniform(8, 79):.1f}GB\n"])
        elif r < 0.88:
            units.append([f"{clk.stamp()} - INFO - {rng.choice(['accelerate', 'datasets', 'torch.distributed', 'deepspeed', 'tokenizer'])} - {sentence(rng)}\n"])
        elif r < 0.92:
            units.append([f"Epoch {rng.randint(1, 10)}/10: train_loss={rng.uniform(0.1, 2):.4f} val_loss={rng.uniform(0.1, 2):.4f} "
                          f"val_acc={rng.uniform(0.5, 0.99):.4f} tokens_seen={rng.randint(10**6, 10**10)}\n"])
        elif r < 0.95:
            units.append([f"{clk.stamp()} - WARNING - {rng.choice(['tokenizer', 'trainer', 'wandb'])} - "
                          f"{rng.choice(['Token indices sequence length is longer than the specified maximum', 'Could not find a valid api_key in environment; running offline', 'max_tokens reached, truncating', 'Using pad_token, but it is not set yet.'])}\n"])
        elif r < 0.97:
            units.append([f"{clk.stamp()} - INFO - checkpoint - saved checkpoint-{step} sha256={hexs(rng, 64)}\n"])
        elif r < 0.985:
            units.append([f"wandb: Run {rng.choice(ADJ)}-{rng.choice(NOUN)}-{rng.randint(1, 999)} (id {hexs(rng, 8)}) synced; view run {run}\n"])
        elif r < 0.995:
            units.append([f"{clk.stamp()} - ERROR - trainer - CUDA out of memory. Tried to allocate {rng.uniform(0.1, 9):.2f} GiB "
                          f"(GPU {rng.randint(0, 7)}; {rng.randint(20, 80)} GiB total capacity)\n",
                          "Traceback (most recent call last):\n",
                          f'  File "/opt/train/{ident(rng)}.py", line {rng.randint(10, 900)}, in {ident(rng)}\n',
                          f"    out = model(**batch)\n",
                          "torch.cuda.OutOfMemoryError: CUDA out of memory\n"])
        else:
            units.append(env_dump(rng, clk))
    return units


def env_dump(rng, clk, extra=()):
    lines = [f"{clk.stamp()} - INFO - launcher - Environment:\n"]
    env = [f"PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/opt/conda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
           f"HOSTNAME=train-node-{rng.randint(1, 64):02d}",
           f"CUDA_VISIBLE_DEVICES={','.join(str(i) for i in range(rng.choice([1, 2, 4, 8])))}",
           f"NCCL_DEBUG={rng.choice(['INFO', 'WARN'])}",
           f"MASTER_ADDR=10.0.{rng.randint(0, 9)}.{rng.randint(2, 250)}",
           f"MASTER_PORT={rng.randint(20000, 40000)}",
           f"WORLD_SIZE={rng.choice([1, 2, 4, 8, 16])}",
           f"HF_HOME=/mnt/cache/huggingface",
           f"HF_HUB_ENABLE_HF_TRANSFER=1",
           f"WANDB_PROJECT={ident(rng)}",
           f"TOKENIZERS_PARALLELISM=false",
           f"PYTHONHASHSEED={rng.randint(0, 9999)}",
           f"OMP_NUM_THREADS={rng.choice([1, 4, 8])}"]
    rng.shuffle(env)
    keep = env[:rng.randint(6, len(env))]
    for e in keep:
        lines.append(f"  {e}\n")
    for e in extra:
        lines.append(f"  {e}\n")
    lines.append(f"  packages: {', '.join(f'{p}=={v}' for p, v in rng.sample(PKGS, 6))}\n")
    return lines


PY_STMTS = [
    "    inputs = batch[\"input_ids\"].to(device)\n",
    "    attention_mask = batch[\"attention_mask\"].to(device)\n",
    "    with torch.autocast(device_type=\"cuda\", dtype=torch.bfloat16):\n        outputs = model(input_ids=inputs, attention_mask=attention_mask)\n",
    "    loss = outputs.loss / {n}\n",
    "    loss.backward()\n",
    "    torch.nn.utils.clip_grad_norm_(model.parameters(), {f})\n",
    "    optimizer.step()\n    scheduler.step()\n    optimizer.zero_grad(set_to_none=True)\n",
    "    logger.info(\"step %d loss %.4f\", step, loss.item())\n",
    "    tokenizer = AutoTokenizer.from_pretrained(\"{repo}\", use_fast=True)\n",
    "    token = os.environ.get(\"HF_TOKEN\")\n",
    "    api_key = os.getenv(\"OPENAI_API_KEY\", \"\")\n",
    "    if step % {n} == 0:\n        save_checkpoint(model, optimizer, step, path=\"{path}\")\n",
    "    {v} = {v}.reshape(-1, {n})\n",
    "    {v} = torch.cat([{v}, {v2}], dim=-1)\n",
    "    max_tokens = min(max_tokens, {n})\n",
    "    for i, {v} in enumerate(tqdm(loader, desc=\"{w}\")):\n        {v2}.append({v}.float().mean())\n",
    "    ds = load_dataset(\"{repo}\", split=\"train[:{n}%]\")\n",
    "    password = getpass.getpass(\"db password: \")\n",
    "    # {s}\n",
    "    return {v}\n",
]


def py_units(rng, n):
    units = []
    for _ in range(n):
        name = ident(rng)
        args = ", ".join(sorted(rng.sample(["model", "batch", "step", "device=\"cuda\"", "config", "tokenizer", "max_tokens=512"],
                                           rng.randint(1, 4)), key=lambda a: "=" in a))
        u = ["\n", "\n"]
        if rng.random() < 0.2:
            u.append(f"@torch.no_grad()\n")
        u.append(f"def {name}({args}):\n")
        u.append(f'    """{sentence(rng)}"""\n')
        for _ in range(rng.randint(3, 14)):
            s = rng.choice(PY_STMTS).format(
                n=rng.randint(2, 4096), f=rng.choice([0.5, 1.0, 2.0]), v=ident(rng), v2=ident(rng),
                repo=f"{rng.choice(['meta-llama', 'mistralai', 'Qwen', 'google', 'microsoft', 'our-org'])}/{rng.choice(NAMES)}-{rng.choice(['7b', '1.5b', 'base', 'large', 'small'])}",
                path=f"/mnt/ckpt/{ident(rng)}", w=rng.choice(WORDS), s=sentence(rng))
            u.extend(s.splitlines(keepends=True))
        u.append(f"    return {ident(rng)}\n")
        units.append(u)
    return units


def py_header(rng):
    imps = ["import logging"] + rng.sample(["import os", "import sys", "import json", "import math", "import getpass",
                       "import torch", "import numpy as np",
                       "from tqdm import tqdm", "from datasets import load_dataset",
                       "from transformers import AutoModelForCausalLM, AutoTokenizer"], rng.randint(4, 9))
    return [f'"""{sentence(rng)}"""\n', "\n"] + [i + "\n" for i in imps] + ["\n", "logger = logging.getLogger(__name__)\n"]


def yaml_units(rng, n):
    units = []
    for _ in range(n):
        key = ident(rng)
        u = [f"{key}:\n"]
        for _ in range(rng.randint(2, 10)):
            r = rng.random()
            if r < 0.5:
                u.append(f"  {ident(rng)}: {rng.choice([rng.randint(1, 8192), round(rng.uniform(0, 1), 5), rng.choice(['true', 'false', 'null'])])}\n")
            elif r < 0.8:
                u.append(f"  {ident(rng)}: {rng.choice(NAMES)}-{rng.choice(WORDS)}\n")
            elif r < 0.9:
                u.append(f"  token_env: {rng.choice(['HF_TOKEN', 'WANDB_API_KEY', 'GITHUB_TOKEN'])}\n")
            else:
                u.append(f"  {ident(rng)}:\n    - {rng.choice(WORDS)}\n    - {rng.choice(WORDS)}\n")
        units.append([x for s in u for x in s.splitlines(keepends=True)])
    return units


def json_entry_units(rng, n):
    units = []
    step = 0
    for _ in range(n):
        step += rng.randint(1, 50)
        units.append(["    {\n",
                      f'      "epoch": {step / 10000:.4f},\n',
                      f'      "grad_norm": {rng.uniform(0.1, 5):.6f},\n',
                      f'      "learning_rate": {rng.uniform(1e-6, 5e-4):.6e},\n',
                      f'      "loss": {rng.uniform(0.1, 3.5):.4f},\n',
                      f'      "num_input_tokens_seen": {rng.randint(10**5, 10**10)},\n',
                      f'      "step": {step}\n',
                      "    },\n"])
    return units


def jsonl_units(rng, n):
    units = []
    for i in range(n):
        units.append([json.dumps({"id": f"{hexs(rng, 12)}", "prompt": sentence(rng, 8, 30),
                                  "response": " ".join(sentence(rng) for _ in range(rng.randint(1, 5))),
                                  "source": rng.choice(["sharegpt", "internal", "forum", "synthetic"]),
                                  "tokens": rng.randint(20, 2048)}, ensure_ascii=False) + "\n"])
    return units


def csv_units(rng, n):
    units = []
    for _ in range(n):
        units.append([f"{hexs(rng, 8)},{rng.randint(0, 100000)},{rng.uniform(0.1, 3):.5f},{rng.uniform(1e-6, 5e-4):.3e},"
                      f"{rng.uniform(0.3, 0.99):.4f},{rng.choice(NAMES)},{rng.choice(['ok', 'ok', 'ok', 'nan-skip', 'resumed'])}\n"])
    return units


CSV_HEADER = "run_id,step,loss,lr,accuracy,model,notes\n"


def md_units(rng, n):
    units = []
    for _ in range(n):
        r = rng.random()
        if r < 0.45:
            units.append([f"## {sentence(rng, 2, 5)[:-1]}\n", "\n", " ".join(sentence(rng) for _ in range(rng.randint(2, 6))) + "\n", "\n"])
        elif r < 0.7:
            u = ["| metric | value |\n", "|---|---|\n"]
            for _ in range(rng.randint(2, 8)):
                u.append(f"| {rng.choice(WORDS)} | {rng.uniform(0, 100):.2f} |\n")
            units.append(u + ["\n"])
        else:
            repo = f"our-org/{rng.choice(NAMES)}-{rng.choice(WORDS)}"
            units.append(["```python\n", "from transformers import AutoModelForCausalLM, AutoTokenizer\n",
                          f'tok = AutoTokenizer.from_pretrained("{repo}")\n',
                          f'model = AutoModelForCausalLM.from_pretrained("{repo}", torch_dtype="auto")\n',
                          "```\n", "\n"])
    return units


def md_header(rng):
    return ["---\n", f"license: {rng.choice(['apache-2.0', 'mit', 'llama3', 'cc-by-4.0'])}\n",
            f"base_model: {rng.choice(NAMES)}-{rng.choice(['7b', 'base', 'large'])}\n",
            "tags:\n", f"- {rng.choice(WORDS)}\n", f"- {rng.choice(WORDS)}\n", "---\n", "\n",
            f"# {rng.choice(NAMES).capitalize()} {rng.choice(WORDS)} model card\n", "\n"]


# --------------------------------------------------------------------------
# planted contexts: each returns (lines, [(kind, value, line_offset, end_offset[, first_offset])]);
# first_offset, for a PEM key assigned in Python or YAML, is the line of the
# assignment (`KEY = """`, `ssh_key: |`), which a scanner may report instead of BEGIN

ALL_KINDS = ["aws", "github-pat", "slack-bot-token", "stripe-secret-key", "huggingface-token",
             "openai-project-key", "gitlab-pat", "sendgrid-api-key", "npm-token",
             "postgres-url", "rsa-private-key"]

ENV_NAME = {"github-pat": "GITHUB_TOKEN", "slack-bot-token": "SLACK_BOT_TOKEN",
            "stripe-secret-key": "STRIPE_API_KEY", "huggingface-token": "HF_TOKEN",
            "openai-project-key": "OPENAI_API_KEY", "gitlab-pat": "GITLAB_TOKEN",
            "sendgrid-api-key": "SENDGRID_API_KEY", "npm-token": "NPM_TOKEN",
            "postgres-url": "DATABASE_URL"}
CFG_NAME = {"github-pat": "github_token", "slack-bot-token": "slack_bot_token",
            "stripe-secret-key": "stripe_secret_key", "huggingface-token": "hub_token",
            "openai-project-key": "openai_api_key", "gitlab-pat": "gitlab_private_token",
            "sendgrid-api-key": "sendgrid_api_key", "npm-token": "npm_auth_token",
            "postgres-url": "tracking_uri"}

# which file types can host which kinds
HOSTS = {
    "log": ["aws", "github-pat", "slack-bot-token", "stripe-secret-key", "huggingface-token",
            "openai-project-key", "gitlab-pat", "sendgrid-api-key", "npm-token", "postgres-url"],
    "py": ALL_KINDS,
    "json": ["github-pat", "slack-bot-token", "stripe-secret-key", "huggingface-token",
             "openai-project-key", "gitlab-pat", "sendgrid-api-key", "npm-token", "postgres-url"],
    "yaml": ALL_KINDS,
    "md": ["aws", "huggingface-token", "openai-project-key", "github-pat", "npm-token", "rsa-private-key"],
    "csv": ["github-pat", "huggingface-token", "slack-bot-token", "gitlab-pat"],
    "jsonl": ["openai-project-key", "huggingface-token", "stripe-secret-key", "github-pat", "sendgrid-api-key"],
}


def context(rng, ftype, kind, clk, pem_cache, single=False):
    """Lines (each ending in \\n) holding one planted secret (two for AWS).

    With single=True the context is one line (used for the last line of a file).
    """
    if kind == "aws":
        kid, sec = gen_value(rng, "aws-access-key-id"), gen_value(rng, "aws-secret-access-key")
        items = lambda a: [("aws-access-key-id", kid, a, a), ("aws-secret-access-key", sec, a + 1, a + 1)]
        if ftype == "log":
            lines = env_dump(rng, clk)
            at = rng.randint(1, len(lines) - 1)
            lines[at:at] = [f"  AWS_ACCESS_KEY_ID={kid}\n", f"  AWS_SECRET_ACCESS_KEY={sec}\n"]
            return lines, items(at)
        if ftype == "py":
            return (["\n", "# credentials used for the s3 sync below:\n", f"# AWS_ACCESS_KEY_ID={kid}\n",
                     f"# AWS_SECRET_ACCESS_KEY={sec}\n"], items(2))
        if ftype == "yaml":
            return ([f"{ident(rng)}_job:\n", f"  image: trainer:{rng.randint(1, 40)}\n", "  environment:\n",
                     f"    - AWS_ACCESS_KEY_ID={kid}\n", f"    - AWS_SECRET_ACCESS_KEY={sec}\n",
                     f"    - AWS_DEFAULT_REGION={rng.choice(['us-east-1', 'eu-west-1'])}\n"], items(3))
        if ftype == "md":
            return (["To sync checkpoints to the bucket:\n", "\n", "```bash\n", f"export AWS_ACCESS_KEY_ID={kid}\n",
                     f"export AWS_SECRET_ACCESS_KEY={sec}\n", f"aws s3 sync ./out s3://{ident(rng).replace('_', '-')}/ckpt\n",
                     "```\n", "\n"], items(3))
    if kind == "rsa-private-key":
        pem = pem_cache.pop()
        if ftype == "py":
            lines = ["\n", "# key for signing model manifests\n", 'MANIFEST_SIGNING_KEY = """\n'] + \
                    [p + "\n" for p in pem] + ['"""\n']
            return lines, [(kind, "\n".join(pem), 3, 3 + len(pem) - 1, 2)]
        if ftype == "yaml":
            lines = ["deploy:\n", f"  host: {ident(rng)}.internal\n", "  ssh_key: |\n"] + ["    " + p + "\n" for p in pem]
            return lines, [(kind, "\n".join(pem), 3, 3 + len(pem) - 1, 2)]
        if ftype == "md":
            lines = ["The deploy key (do not share):\n", "\n", "```\n"] + [p + "\n" for p in pem] + ["```\n", "\n"]
            return lines, [(kind, "\n".join(pem), 3, 3 + len(pem) - 1)]
    v = gen_value(rng, kind)
    one = lambda line: ([line], [(kind, v, 0, 0)])
    env = ENV_NAME[kind]
    cfg = CFG_NAME[kind]
    if ftype == "log":
        r = 1.0 if single else rng.random()
        if r < 0.4:
            lines = env_dump(rng, clk)
            at = rng.randint(1, len(lines) - 1)
            lines[at:at] = [f"  {env}={v}\n"]
            return lines, [(kind, v, at, at)]
        msgs = {
            "github-pat": f"cloning https://x-access-token:{v}@github.com/our-org/{ident(rng)}.git",
            "slack-bot-token": f"notifier: posting run summary to #ml-alerts with token {v}",
            "stripe-secret-key": f"billing hook configured: stripe key {v}",
            "huggingface-token": f"push_to_hub: logging in with token {v}",
            "openai-project-key": f"judge: using OpenAI key {v} for eval",
            "gitlab-pat": f"registry: authenticating with GITLAB_TOKEN={v}",
            "sendgrid-api-key": f"mailer: SENDGRID_API_KEY={v}",
            "npm-token": f"frontend build: npm config set //registry/:_authToken={v}",
            "postgres-url": f"mlflow: tracking uri set to {v}",
        }
        return one(f"{clk.stamp()} - DEBUG - {rng.choice(['setup', 'hub', 'callbacks', 'launcher'])} - {msgs[kind]}\n")
    if ftype == "py":
        if single:
            return one(f"{cfg.upper()} = \"{v}\"  # TODO move to vault\n")
        r = rng.random()
        if r < 0.5:
            return (["\n", f"{cfg.upper()} = \"{v}\"\n"], [(kind, v, 1, 1)])
        if r < 0.8:
            return (["\n", f"os.environ.setdefault(\"{env}\", \"{v}\")\n"], [(kind, v, 1, 1)])
        return (["\n", f"def _client():\n", f"    return {rng.choice(['Client', 'Session', 'connect'])}({cfg}=\"{v}\")\n"],
                [(kind, v, 2, 2)])
    if ftype == "json":
        return one(f'    "{cfg}": "{v}",\n')
    if ftype == "yaml":
        if rng.random() < 0.5:
            return one(f"{cfg}: {v}\n")
        return (["credentials:\n", f"  {cfg}: \"{v}\"\n"], [(kind, v, 1, 1)])
    if ftype == "md":
        if kind == "huggingface-token" and rng.random() < 0.5:
            return (["```bash\n", f"huggingface-cli login --token {v}\n", "```\n", "\n"], [(kind, v, 1, 1)])
        return (["```bash\n", f"export {env}={v}\n", "```\n", "\n"], [(kind, v, 1, 1)])
    if ftype == "csv":
        return one(f"{hexs(rng, 8)},{rng.randint(0, 100000)},{rng.uniform(0.1, 3):.5f},{rng.uniform(1e-6, 5e-4):.3e},"
                   f"{rng.uniform(0.3, 0.99):.4f},{rng.choice(NAMES)},\"resumed; {env}={v}\"\n")
    if ftype == "jsonl":
        return one(json.dumps({"id": hexs(rng, 12), "prompt": f"my script fails with 401, I set {env}={v} what is wrong?",
                               "response": sentence(rng), "source": "forum", "tokens": rng.randint(20, 400)}) + "\n")
    raise ValueError((ftype, kind))


# --------------------------------------------------------------------------
# corpus layout

EXT = {"log": ".log", "py": ".py", "json": ".json", "yaml": ".yaml", "md": ".md", "csv": ".csv", "jsonl": ".jsonl"}
SUBDIR = {"log": "logs", "py": "src", "json": "configs", "yaml": "configs", "md": "", "csv": "metrics", "jsonl": "data"}
# (share of bytes, min size, max size) for the ordinary files
MIX = {"log": (0.20, 4 * KiB, 6 * MiB), "py": (0.10, 3 * KiB, 300 * KiB), "json": (0.12, 3 * KiB, 5 * MiB),
       "yaml": (0.05, 2 * KiB, 200 * KiB), "md": (0.05, 3 * KiB, 150 * KiB), "csv": (0.16, 4 * KiB, 8 * MiB),
       "jsonl": (0.12, 4 * KiB, 8 * MiB)}


def plan_files(rng, total):
    """List of (relpath, ftype, target_bytes); big logs take ~30% of the bytes."""
    files = []
    if total >= 128 * MiB:
        nbig = max(2, round(total * 0.3 / (50 * MiB)))
        bigsize = [int(rng.uniform(45, 55) * MiB) for _ in range(nbig)]
    else:
        nbig, bigsize = 1, [int(total * 0.3)]
    rest = total - sum(bigsize)
    share = sum(m[0] for m in MIX.values())
    nproj = max(2, int(total / (24 * MiB)))
    counters = {}
    for t in sorted(MIX):
        frac, lo, hi = MIX[t]
        budget = rest * frac / share
        hi = min(hi, max(lo * 2, budget / 3))
        while budget > lo:
            s = int(min(budget, math.exp(rng.uniform(math.log(lo), math.log(hi)))))
            budget -= s
            p = rng.randrange(nproj)
            counters[(p, t)] = counters.get((p, t), 0) + 1
            stem = {"log": "train", "py": ident(rng), "json": rng.choice(["config", "trainer_state", "eval_results"]),
                    "yaml": rng.choice(["train", "deploy", "sweep", "accelerate"]), "md": rng.choice(["README", "MODEL_CARD", "NOTES"]),
                    "csv": rng.choice(["metrics", "eval", "runs"]), "jsonl": rng.choice(["train", "eval", "sft"])}[t]
            sub = SUBDIR[t]
            rel = f"proj_{p:03d}/" + (sub + "/" if sub else "") + f"{stem}_{counters[(p, t)]:04d}{EXT[t]}"
            files.append((rel, t, s))
    for i, s in enumerate(bigsize):
        files.append((f"proj_{rng.randrange(nproj):03d}/logs/run_{i:02d}_full.log", "log", s))
    return files



def write_file(path, ftype, target, rng, pools, placements, clk, pem_cache, planted, relpath, crlf=False):
    """Write one file; placements is a sorted list of (fraction, kind, at_end)."""
    parts = []
    nlines = 0
    nbytes = 0

    def emit(lines):
        nonlocal nlines, nbytes
        txt = "".join(lines)
        parts.append(txt)
        nlines += len(lines)
        nbytes += len(txt.encode())

    def plant(kind):
        lines, items = context(rng, ftype, kind, clk, pem_cache)
        for k, v, a, b, *first in items:
            rec = {"path": relpath, "line": nlines + 1 + a, "end_line": nlines + 1 + b, "kind": k, "value": v}
            if first:  # the assignment line that introduces a multi-line value
                rec["first_line"] = nlines + 1 + first[0]
            planted.append(rec)
        emit(lines)

    pend = [p for p in placements if not p[2]]
    ends = [p for p in placements if p[2]]

    if ftype == "json":
        emit(["{\n", f'  "best_metric": {rng.uniform(0, 1):.6f},\n', f'  "global_step": {rng.randint(100, 100000)},\n',
              '  "config": {\n', f'    "model_type": "{rng.choice(NAMES)}",\n'])
        keys = [f'    "{ident(rng)}": {rng.randint(1, 8192)},\n' for _ in range(rng.randint(4, 20))]
        for _, kind, _ in pend:
            keys.insert(rng.randint(0, len(keys)), ("PLANT", kind))
        for k in keys:
            if isinstance(k, tuple):
                plant(k[1])
            else:
                emit([k])
        emit([f'    "hidden_size": {rng.choice([768, 1024, 2048, 4096])}\n', "  },\n", '  "log_history": [\n'])
        pool = pools["json"]
        while nbytes < target - 200:
            txt, n, b = pool.chunk(rng, min(target - nbytes, rng.uniform(16 * KiB, 512 * KiB)))
            parts.append(txt)
            nlines += n
            nbytes += b
        emit(["    {\n", '      "step": 0\n', "    }\n", "  ],\n", f'  "total_flos": {rng.randint(10**15, 10**19)}\n', "}\n"])
    else:
        header = {"py": py_header, "md": md_header}.get(ftype)
        if header:
            emit(header(rng))
        elif ftype == "csv":
            emit([CSV_HEADER])
        pool = pools[ftype]
        while nbytes < target:
            while pend and pend[0][0] * target <= nbytes:
                plant(pend.pop(0)[1])
            want = min(target - nbytes, rng.uniform(16 * KiB, 1 * MiB))
            if pend:
                want = min(want, max(1, pend[0][0] * target - nbytes))
            txt, n, b = pool.chunk(rng, want)
            parts.append(txt)
            nlines += n
            nbytes += b
        for p in pend:
            plant(p[1])
    for _, kind, _ in ends:  # last line of the file, no trailing newline
        lines, items = context(rng, ftype, kind, clk, pem_cache, single=True)
        assert len(lines) == 1 and len(items) == 1
        k, v, a, b = items[0]
        planted.append({"path": relpath, "line": nlines + 1, "end_line": nlines + 1, "kind": k, "value": v})
        parts.append(lines[0].rstrip("\n"))
    data = "".join(parts)
    if crlf:
        data = data.replace("\n", "\r\n")
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(data)
    return len(data.encode())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="folder to create (the scanned corpus)")
    ap.add_argument("--size", type=parse_size, default=parse_size("256MiB"),
                    help="approximate total size, e.g. 256MiB, 1GiB (default 256MiB)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--secrets", type=int, default=300,
                    help="approximate number of planted items (default 300)")
    ap.add_argument("--force", action="store_true", help="replace OUT if it exists")
    args = ap.parse_args(argv)

    t0 = time.time()
    out = os.path.abspath(args.out)
    if os.path.exists(out) and os.listdir(out):
        if not args.force:
            sys.exit(f"{out} exists and is not empty (use --force to replace it)")
        shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)
    planted_path = os.path.join(os.path.dirname(out), os.path.basename(out) + ".planted.json")

    rng = random.Random(args.seed)
    pools = {
        "log": Pool(log_units(random.Random(rng.random()), 120_000)),
        "py": Pool(py_units(random.Random(rng.random()), 6_000)),
        "yaml": Pool(yaml_units(random.Random(rng.random()), 8_000)),
        "json": Pool(json_entry_units(random.Random(rng.random()), 12_000)),
        "jsonl": Pool(jsonl_units(random.Random(rng.random()), 12_000)),
        "csv": Pool(csv_units(random.Random(rng.random()), 60_000)),
        "md": Pool(md_units(random.Random(rng.random()), 6_000)),
    }
    files = plan_files(rng, args.size)

    # assign planted contexts to files. An AWS context plants two items.
    weights = {"aws": 3, "github-pat": 3, "slack-bot-token": 2.5, "stripe-secret-key": 2.5,
               "huggingface-token": 4, "openai-project-key": 3, "gitlab-pat": 2.5,
               "sendgrid-api-key": 2, "npm-token": 2, "postgres-url": 2}
    per_item = sum(w * (2 if k == "aws" else 1) for k, w in weights.items())
    n_rsa = max(2, min(6, args.secrets // 60))
    scale = max(0, args.secrets - n_rsa) / per_item
    kinds = ["rsa-private-key"] * n_rsa
    for k in sorted(weights):
        kinds += [k] * max(1, round(weights[k] * scale))
    rng.shuffle(kinds)
    by_type = {}
    for i, (_, t, _) in enumerate(files):
        by_type.setdefault(t, []).append(i)
    big = [i for i, (rel, t, s) in enumerate(files) if rel.endswith("_full.log")]
    placements = {}
    for kind in kinds:
        if kind in HOSTS["log"] and big and rng.random() < 0.12:
            fi = rng.choice(big)
        else:
            t = rng.choice([t for t in sorted(HOSTS) if kind in HOSTS[t] and t in by_type])
            fi = rng.choice(by_type[t])
        ftype = files[fi][1]
        frac = rng.random() if rng.random() > 0.04 else 0.0
        at_end = ftype in ("log", "py") and kind not in ("aws", "rsa-private-key") and rng.random() < 0.03 \
            and not any(p[2] for p in placements.get(fi, []))
        placements.setdefault(fi, []).append((frac, kind, at_end))

    pem_cache = [gen_rsa_pem(rng) for _ in range(n_rsa)]
    planted = []
    total = 0
    made_dirs = set()
    clk = Clock(rng)
    for i, (rel, t, size) in enumerate(files):
        d = os.path.dirname(os.path.join(out, rel))
        if d not in made_dirs:
            os.makedirs(d, exist_ok=True)
            made_dirs.add(d)
        pl = sorted(placements.get(i, []), key=lambda p: (p[0], p[1]))
        crlf = t == "csv" and rng.random() < 0.1
        total += write_file(os.path.join(out, rel), t, size, rng, pools, pl, clk, pem_cache, planted, rel, crlf)

    planted.sort(key=lambda p: (p["path"], p["line"]))
    with open(planted_path, "w") as f:
        json.dump({"generator": "bench/make_corpus.py", "seed": args.seed, "size_requested": args.size,
                   "size_bytes": total, "files": len(files), "corpus": os.path.basename(out),
                   "items": planted}, f, indent=1)
    kinds_count = {}
    for p in planted:
        kinds_count[p["kind"]] = kinds_count.get(p["kind"], 0) + 1
    print(f"wrote {len(files)} files, {total / MiB:.1f} MiB, {len(planted)} planted items "
          f"in {time.time() - t0:.1f} s", file=sys.stderr)
    print("  " + ", ".join(f"{k}={v}" for k, v in sorted(kinds_count.items())), file=sys.stderr)
    print(f"answer key: {planted_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
