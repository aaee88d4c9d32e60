#!/usr/bin/env python3
"""Labeled detection corpus: one small file per sample, plus an answer key.

    python3 bench/make_detection_corpus.py /tmp/bench/detect [--seed 1234]

writes `/tmp/bench/detect/dNNNNN.<ext>` (one sample each) and the answer key
`/tmp/bench/detect.labels.json` BESIDE the folder, so a scanner never reads it.

Twelve credential families (aws, github, gitlab, slack, openai, anthropic,
huggingface, gcp, azure, stripe, private-keys, jwt), each with about a hundred
positives (a live-shaped credential in a realistic context) and about a
hundred hard negatives (placeholders, providers' documentation samples,
identifiers and digests that look like tokens, near-miss formats), each
labeled with a short case description.

Every value is generated at run time with the seeded RNG from the provider's
publicly documented format (prefix, length, alphabet, checksum scheme).
Nothing here is taken from another secret scanner. Fixed documentation
samples are assembled from pieces so that this file never holds a whole one.
Standard library only, plus `cryptography` when importable (real PEM keys);
without it, private keys get random DER-shaped bodies.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import random
import string
import sys
import uuid
from pathlib import Path

try:  # optional: real keys
    from cryptography.hazmat.primitives import serialization as _ser
    from cryptography.hazmat.primitives.asymmetric import ec as _ec
    from cryptography.hazmat.primitives.asymmetric import ed25519 as _ed
    from cryptography.hazmat.primitives.asymmetric import rsa as _rsa

    HAVE_CRYPTO = True
except Exception:  # noqa: BLE001
    HAVE_CRYPTO = False

R = random.Random(1234)  # reseeded in main()

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
LETTERS = string.ascii_letters
ALNUM = LETTERS + DIGITS
BASE62 = DIGITS + UPPER + LOWER  # the order the engine's checksum uses
B64 = UPPER + LOWER + DIGITS + "+/"
B64URL = UPPER + LOWER + DIGITS + "-_"
HEX = "0123456789abcdef"
B32 = UPPER + "234567"
LOWER_ALNUM = LOWER + DIGITS

# PEM armour, assembled so the file holds no literal header.
DASH5 = "-" * 5


def pem_begin(label: str) -> str:
    return DASH5 + "BEGIN " + label + DASH5


def pem_end(label: str) -> str:
    return DASH5 + "END " + label + DASH5


# ---------------------------------------------------------------- helpers


def rs(alphabet: str, n: int) -> str:
    return "".join(R.choice(alphabet) for _ in range(n))


def rbytes(n: int) -> bytes:
    return bytes(R.getrandbits(8) for _ in range(n))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url_nopad(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def base62(n: int, width: int) -> str:
    digits = []
    while n > 0:
        digits.append(BASE62[n % 62])
        n //= 62
    while len(digits) < width:
        digits.append("0")
    return "".join(reversed(digits))


def crc_b62(random_part: str) -> str:
    return base62(binascii.crc32(random_part.encode()) & 0xFFFFFFFF, 6)


def r_uuid() -> str:
    return str(uuid.UUID(int=R.getrandbits(128), version=4))


def r_hex(n: int) -> str:
    return rs(HEX, n)


def r_word() -> str:
    return R.choice(
        "alpha bravo delta falcon orion lyra vega atlas nova ember cedar maple "
        "harbor summit quartz cobalt willow aurora tundra meadow".split()
    )


def r_host() -> str:
    return f"{r_word()}-{R.randint(1, 99)}"


def ts(i: int | None = None) -> str:
    h, m, s = R.randint(0, 23), R.randint(0, 59), R.randint(0, 59)
    return f"2026-01-{R.randint(1, 28):02d} {h:02d}:{m:02d}:{s:02d},{R.randint(0, 999):03d}"


def mask(value: str) -> str:
    return value[:4] + "*" * max(0, len(value) - 4)


# ---------------------------------------------------------------- contexts
#
# A context renders one NAME = VALUE pair into a whole small file. Each
# returns (text, extension, description). The same contexts serve positives
# and negatives, so the surrounding syntax never gives the label away.


def c_env(name, value):
    return (f"# {r_word()} service\nLOG_LEVEL=info\n{name}={value}\nPORT={R.randint(3000, 9000)}\n", ".env", ".env line")


def c_env_quoted(name, value):
    return (f'APP_ENV=production\n{name}="{value}"\n', ".env", ".env quoted")


def c_export(name, value):
    return (f"#!/usr/bin/env bash\nset -euo pipefail\nexport {name}={value}\npython train.py --epochs 3\n", ".sh", "shell export")


def c_export_quoted(name, value):
    return (f"#!/bin/sh\nexport {name}='{value}'\n./run.sh\n", ".sh", "shell export, single quotes")


def c_python(name, value):
    return (f'import os\n\n{name.upper()} = "{value}"\n\n\ndef main():\n    print("ready")\n', ".py", "Python = assignment")


def c_python_kwarg(name, value):
    return (
        f'from client import Client\n\nclient = Client(\n    {name.lower()}="{value}",\n    timeout=30,\n)\n',
        ".py",
        "Python keyword argument",
    )


def c_python_dict(name, value):
    return (f'CONFIG = {{\n    "region": "eu-west-1",\n    "{name.lower()}": "{value}",\n}}\n', ".py", "Python dict entry")


def c_python_environ(name, value):
    return (f'import os\n\nos.environ["{name}"] = "{value}"\n', ".py", "Python os.environ assignment")


def c_go(name, value):
    var = "".join(p.capitalize() for p in name.lower().split("_"))
    var = var[0].lower() + var[1:]
    return (f'package main\n\nfunc main() {{\n\t{var} := "{value}"\n\t_ = {var}\n}}\n', ".go", "Go := declaration")


def c_go_const(name, value):
    var = "".join(p.capitalize() for p in name.lower().split("_"))
    return (f'package config\n\nconst {var} = "{value}"\n', ".go", "Go const")


def c_rust(name, value):
    return (f'pub const {name.upper()}: &str = "{value}";\n\nfn main() {{}}\n', ".rs", "Rust const")


def c_rust_let(name, value):
    return (f'fn main() {{\n    let {name.lower()} = String::from("{value}");\n    println!("{{}}", {name.lower()}.len());\n}}\n', ".rs", "Rust let")


def c_kotlin(name, value):
    var = "".join(p.capitalize() for p in name.lower().split("_"))
    var = var[0].lower() + var[1:]
    return (f'object Settings {{\n    val {var} = "{value}"\n}}\n', ".kt", "Kotlin val")


def c_js(name, value):
    var = "".join(p.capitalize() for p in name.lower().split("_"))
    var = var[0].lower() + var[1:]
    return (f'const {var} = "{value}";\nmodule.exports = {{ {var} }};\n', ".js", "JS const")


def c_js_object(name, value):
    var = "".join(p.capitalize() for p in name.lower().split("_"))
    var = var[0].lower() + var[1:]
    return (f"export default {{\n  region: 'us-east-1',\n  {var}: '{value}',\n}};\n", ".ts", "TS object property (:)")


def c_ruby(name, value):
    return (f'{name.upper()} = "{value}"\nputs "configured"\n', ".rb", "Ruby constant")


def c_ruby_hash(name, value):
    return (f'config = {{\n  "{name.lower()}" => "{value}",\n  "retries" => 3\n}}\n', ".rb", "Ruby hash =>")


def c_php(name, value):
    return (f"<?php\n${name.lower()} = '{value}';\n", ".php", "PHP $var =")


def c_php_array(name, value):
    return (f"<?php\nreturn [\n    '{name.lower()}' => '{value}',\n    'debug' => false,\n];\n", ".php", "PHP array =>")


def c_make(name, value):
    return (f"{name} ?= {value}\n\nall:\n\t@echo build\n", ".mk", "Makefile ?=")


def c_make_posix(name, value):
    return (f"{name} ::= {value}\n\nrun:\n\t./run.sh\n", ".mk", "Makefile ::=")


def c_make_colon(name, value):
    return (f"{name} := {value}\n\ndeploy:\n\t./deploy.sh\n", ".mk", "Makefile :=")


def c_yaml(name, value):
    return (f"service:\n  name: {r_word()}\n  credentials:\n    {name.lower()}: {value}\n  replicas: 2\n", ".yaml", "YAML mapping")


def c_yaml_quoted(name, value):
    return (f'env:\n  {name}: "{value}"\n', ".yml", "YAML quoted")


def c_compose(name, value):
    return (
        f"services:\n  trainer:\n    image: trainer:latest\n    environment:\n      - {name}={value}\n",
        ".yml",
        "docker-compose environment list",
    )


def c_k8s(name, value):
    return (
        f"apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: app\n      env:\n        - name: {name}\n          value: \"{value}\"\n",
        ".yaml",
        "Kubernetes env value",
    )


def c_json(name, value):
    return (json.dumps({"project": r_word(), name.lower(): value, "debug": False}, indent=2) + "\n", ".json", "JSON value")


def c_json_nested(name, value):
    doc = {"version": 2, "settings": {"auth": {name.lower(): value}}}
    return (json.dumps(doc, indent=2) + "\n", ".json", "nested JSON")


def c_toml(name, value):
    return (f'[tool.{r_word()}]\nenabled = true\n{name.lower()} = "{value}"\n', ".toml", "TOML string")


def c_ini(name, value):
    return (f"[default]\nregion = us-east-1\n{name.lower()} = {value}\n", ".ini", "INI key")


def c_dockerfile(name, value):
    return (f"FROM python:3.11-slim\nENV {name}={value}\nCMD [\"python\", \"app.py\"]\n", ".dockerfile", "Dockerfile ENV")


def c_log(name, value):
    return (
        f"{ts()} INFO trainer: step=120 loss=2.31\n{ts()} DEBUG env: {name}={value}\n{ts()} INFO trainer: step=140 loss=2.27\n",
        ".log",
        "training log env dump",
    )


def c_notebook(name, value):
    nb = {
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
                   "source": ["import os\n", f"os.environ['{name}'] = '{value}'\n"]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }
    return (json.dumps(nb, indent=1) + "\n", ".ipynb", "Jupyter notebook cell")


def c_markdown(name, value):
    return (f"## Setup\n\n```sh\nexport {name}={value}\n```\n", ".md", "Markdown code block")


def c_concat(name, value):
    return (f'cmd = "env " + "{name}=" + "{value}" + " python app.py"\n', ".py", "string concatenation")


GENERIC = [
    c_env, c_env_quoted, c_export, c_export_quoted, c_python, c_python_kwarg, c_python_dict,
    c_python_environ, c_go, c_go_const, c_rust, c_rust_let, c_kotlin, c_js, c_js_object, c_ruby,
    c_ruby_hash, c_php, c_php_array, c_make, c_make_posix, c_make_colon, c_yaml, c_yaml_quoted,
    c_compose, c_k8s, c_json, c_json_nested, c_toml, c_ini, c_dockerfile, c_log, c_notebook,
    c_markdown, c_concat,
]


def in_context(name, value, ctx=None):
    ctx = ctx or R.choice(GENERIC)
    return ctx(name, value)


# ---------------------------------------------------------------- corpus


class Corpus:
    def __init__(self, out: Path):
        self.out = out
        self.labels: list[dict] = []

    def add(self, family: str, positive: bool, case: str, text: str, ext: str, context: str = "") -> None:
        name = f"d{len(self.labels):05d}{ext}"
        (self.out / name).write_text(text, encoding="utf-8")
        label = {"file": name, "family": family, "label": "positive" if positive else "negative", "case": case}
        if context:
            label["context"] = context
        self.labels.append(label)

    def pos(self, family, case, rendered):
        text, ext, where = rendered
        self.add(family, True, case, text, ext, where)

    def neg(self, family, case, rendered):
        text, ext, where = rendered
        self.add(family, False, case, text, ext, where)


FAMILIES: list = []  # (name, function(corpus))


def family(fn):
    FAMILIES.append((fn.__name__.removeprefix("fam_").replace("_", "-"), fn))
    return fn


# ---------------------------------------------------------------- aws


def aws_key_id(prefix="AKIA"):
    return prefix + rs(B32, 16)


def aws_secret():
    return rs(B64, 40)


def aws_session_token():
    # STS session tokens are long base64; issued ones begin with the base64 of
    # a small binary header. Random base64 of a realistic length.
    return "IQoJb3JpZ2lu" + b64(rbytes(R.choice([540, 600, 690])))


def aws_doc_key_id():
    return "AKIA" + "IOSFODNN7" + "EXAM" + "PLE"


def aws_doc_secret():
    return "wJalrXUtnFEMI/" + "K7MDENG/" + "bPxRfiCY" + "EXAMPLE" + "KEY"


def boto_debug(key_id, token=None, date="20260101", region="us-east-1", service="s3"):
    sig = r_hex(64)
    host = f"{r_word()}-data.{service}.{region}.amazonaws.com"
    hdrs = [
        f"'X-Amz-Date': b'{date}T{R.randint(10, 23)}0000Z'",
        f"'X-Amz-Content-SHA256': b'{r_hex(64)}'",
    ]
    if token:
        hdrs.append(f"'X-Amz-Security-Token': b'{token}'")
    hdrs.append(
        f"'Authorization': b'AWS4-HMAC-SHA256 Credential={key_id}/{date}/{region}/{service}/aws4_request, "
        f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={sig}'"
    )
    return (
        f"{ts()} botocore.hooks [DEBUG] Event before-sign.s3.GetObject: calling handler <function>\n"
        f"{ts()} botocore.auth [DEBUG] Calculating signature using v4 auth.\n"
        f"{ts()} botocore.endpoint [DEBUG] Sending http request: <AWSPreparedRequest stream_output=True, "
        f"method=GET, url=https://{host}/shard-{R.randint(0, 99):05d}.tar, headers={{{', '.join(hdrs)}}}>\n"
        f"{ts()} botocore.parsers [DEBUG] Response headers: {{'x-amz-request-id': '{rs(UPPER + DIGITS, 16)}'}}\n"
    )


@family
def fam_aws(c: Corpus):
    F = "aws"
    # --- positives
    for _ in range(16):
        c.pos(F, "AKIA key id", in_context("AWS_ACCESS_KEY_ID", aws_key_id()))
    for _ in range(14):
        c.pos(F, "40-char secret key", in_context("AWS_SECRET_ACCESS_KEY", aws_secret()))
    for ctx in (c_ruby_hash, c_php_array, c_go, c_js_object, c_yaml, c_make_colon, c_rust, c_kotlin):
        c.pos(F, "secret key (=>, :, :=)", ctx("aws_secret_access_key", aws_secret()))
    for _ in range(8):
        kid, sec = aws_key_id(), aws_secret()
        text = f"[default]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\n\n[profile ci]\nregion = eu-west-1\n"
        c.add(F, True, "key pair, ~/.aws/credentials", text, ".ini")
    for _ in range(6):
        kid, sec, tok = aws_key_id("ASIA"), aws_secret(), aws_session_token()
        text = f"AWS_ACCESS_KEY_ID={kid}\nAWS_SECRET_ACCESS_KEY={sec}\nAWS_SESSION_TOKEN={tok}\n"
        c.add(F, True, "ASIA temporary credentials with session token, .env", text, ".env")
    for _ in range(8):
        c.add(F, True, "Credential=ASIA... in boto DEBUG log", boto_debug(aws_key_id("ASIA"), aws_session_token()), ".log")
    for _ in range(4):
        c.add(F, True, "Credential=AKIA... in boto DEBUG log", boto_debug(aws_key_id("AKIA")), ".log")
    for _ in range(6):
        tok = aws_session_token()
        text = (
            f"GET /{r_word()}/data.bin HTTP/1.1\nHost: {r_word()}.s3.amazonaws.com\n"
            f"X-Amz-Date: 20260101T120000Z\nX-Amz-Security-Token: {tok}\n\n"
        )
        c.add(F, True, "X-Amz-Security-Token: HTTP header", text, ".http")
    for i in range(9):
        # Long-term Bedrock API keys: ABSK + base64 of "BedrockAPIKey-<id>-at-<account>:<secret>".
        raw = f"BedrockAPIKey-{rs(LOWER_ALNUM, 4)}-at-{R.randint(10**11, 10**12 - 1)}:{rs(ALNUM + '/+', 40)}"
        key = "ABSK" + b64(raw.encode())
        name = R.choice(["AWS_BEARER_TOKEN_BEDROCK", "BEDROCK_API_KEY", "bedrock_api_key"])
        c.pos(F, "Bedrock API key (ABSK)", in_context(name, key))
    for i in range(8):
        key = "da2-" + rs(LOWER_ALNUM, 26)
        if i % 2:
            text = (
                f'const client = new AWSAppSyncClient({{\n  url: "https://{rs(LOWER_ALNUM, 26)}.appsync-api.us-east-1.amazonaws.com/graphql",\n'
                f'  region: "us-east-1",\n  auth: {{ type: "API_KEY", apiKey: "{key}" }},\n}});\n'
            )
            c.add(F, True, "AppSync API key (da2-), JS client config", text, ".js")
        else:
            c.pos(F, "AppSync API key (da2-)", in_context("APPSYNC_API_KEY", key))
    for _ in range(5):
        text = f"aws configure set aws_access_key_id {aws_key_id()}\naws configure set aws_secret_access_key {aws_secret()}\n"
        c.add(F, True, "aws configure set, CLI", text, ".sh")
    for _ in range(4):
        kid, sec = aws_key_id(), aws_secret()
        text = f's3 = boto3.client(\n    "s3",\n    aws_access_key_id="{kid}",\n    aws_secret_access_key="{sec}",\n)\n'
        c.add(F, True, "boto3.client keyword arguments", "import boto3\n\n" + text, ".py")
    for _ in range(4):
        kid = aws_key_id()
        text = f'creds = "aws_access_key_id=" + "{kid}" + ";region=" + region\n'
        c.add(F, True, "key id in string concatenation", text, ".py")
    for _ in range(4):
        kid = aws_key_id("ASIA")
        url = (
            f"https://{r_word()}.s3.amazonaws.com/model.safetensors?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Credential={kid}%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z"
            f"&X-Amz-Expires=3600&X-Amz-Security-Token={aws_session_token().replace('/', '%2F').replace('+', '%2B')}"
            f"&X-Amz-Signature={r_hex(64)}"
        )
        c.add(F, True, "presigned URL with ASIA credential and token", f"{ts()} INFO fetching {url}\n", ".log")

    # --- negatives
    for _ in range(7):
        c.neg(F, "documentation sample key id (AKIA...EXAMPLE)", in_context("AWS_ACCESS_KEY_ID", aws_doc_key_id()))
    for _ in range(7):
        c.neg(F, "documentation sample secret key (...EXAMPLEKEY)", in_context("AWS_SECRET_ACCESS_KEY", aws_doc_secret()))
    for _ in range(2):
        text = f"[default]\naws_access_key_id = {aws_doc_key_id()}\naws_secret_access_key = {aws_doc_secret()}\n"
        c.add(F, False, "documentation sample pair, credentials file", text, ".ini")
    fixtures = [
        "AKIA" + "TEST" + rs(B32, 12), "AKIA" + "EXAMPLE" + rs(B32, 9), "AKIA" + "X" * 16,
        "AKIA" + "XXXX" + rs(B32, 12), "AKIA" + "A" * 16, "AKIA" + "1234567890ABCDEF",
        "AKIA" + "TESTKEY" + "0" * 9, "AKIA" + "2" * 16, "ASIA" + "EXAMPLE" + rs(B32, 9),
        "AKIA" + "FAKE" + rs(B32, 12), "AKIA" + "DUMMY" + rs(B32, 11), "AKIA" + "XXXXXXXX" + "XXXXXXXX",
    ]
    for kid in fixtures:
        c.neg(F, "test-fixture shaped key id", in_context("AWS_ACCESS_KEY_ID", kid))
    placeholders = [
        "<your-secret-access-key>", "changeme", "x" * 40, "${{ secrets.AWS_SECRET_ACCESS_KEY }}",
        "${AWS_SECRET_ACCESS_KEY}", "$AWS_SECRET_ACCESS_KEY", "YOUR_SECRET_ACCESS_KEY", "<secret>",
        "REPLACE_ME", "********", "{{ aws_secret_access_key }}", "%(AWS_SECRET_ACCESS_KEY)s",
        "...", "TODO", "null",
    ]
    for p in placeholders:
        c.neg(F, "placeholder", in_context("AWS_SECRET_ACCESS_KEY", p))
    for p in ['os.environ["AWS_SECRET_ACCESS_KEY"]', 'os.getenv("AWS_SECRET_ACCESS_KEY")', "ENV.fetch('AWS_SECRET_ACCESS_KEY')"]:
        text = f"import os\n\naws_secret_access_key = {p}\naws_access_key_id = os.environ['AWS_ACCESS_KEY_ID']\n"
        c.add(F, False, "read from environment (os.environ)", text, ".py")
    for _ in range(4):
        c.neg(F, "truncated key id (AKIA + 12)", in_context("AWS_ACCESS_KEY_ID", "AKIA" + rs(B32, 12)))
    for _ in range(3):
        c.neg(F, "wrong alphabet key id (lowercase)", in_context("AWS_ACCESS_KEY_ID", "AKIA" + rs(LOWER + "234567", 16)))
    for _ in range(3):
        c.neg(F, "truncated secret key (30 chars)", in_context("AWS_SECRET_ACCESS_KEY", rs(B64, 30)))
    for prefix, what in (("AROA", "role"), ("AIDA", "user"), ("AGPA", "group"), ("ANPA", "managed policy")):
        for _ in range(2):
            uid = prefix + rs(B32, 17)
            text = json.dumps({f"{what.title().replace(' ', '')}Name": r_word(), f"{what.title().replace(' ', '')}Id": uid,
                               "Arn": f"arn:aws:iam::{R.randint(10**11, 10**12 - 1)}:{what.split()[-1]}/{r_word()}"}, indent=2)
            c.add(F, False, f"IAM {what} unique id ({prefix}), not a credential, JSON", text + "\n", ".json")
    for _ in range(5):
        acct = R.randint(10**11, 10**12 - 1)
        text = f'role_arn = "arn:aws:iam::{acct}:role/{r_word()}-training"\nbucket = "s3://{r_word()}-{acct}/ckpt"\n'
        c.add(F, False, "account id / role ARN", text, ".toml")
    for _ in range(6):
        c.neg(F, "sha1 hex (40 chars), commit id", in_context("GIT_COMMIT", r_hex(40)))
    for _ in range(6):
        name = R.choice(["checkpoint_nonce", "etag", "content_digest", "dedup_key", "cache_salt", "shard_hash"])
        c.neg(F, "random 40-char base64 blob, unrelated name", in_context(name, rs(B64, 40)))
    for _ in range(4):
        c.neg(F, "UUID request id", in_context("AWS_REQUEST_ID", r_uuid()))
    for _ in range(4):
        text = (
            f"{ts()} botocore.parsers [DEBUG] Response headers: {{'x-amz-id-2': '{b64(rbytes(57))}', "
            f"'x-amz-request-id': '{rs(UPPER + DIGITS, 16)}', 'ETag': '\"{r_hex(32)}\"'}}\n"
        )
        c.add(F, False, "boto DEBUG response headers (request ids, ETag)", text, ".log")
    for _ in range(3):
        c.add(F, False, "boto DEBUG log with documentation key id", boto_debug(aws_doc_key_id()), ".log")
    for _ in range(3):
        text = "GET /data HTTP/1.1\nHost: bucket.s3.amazonaws.com\nX-Amz-Security-Token: ${AWS_SESSION_TOKEN}\n"
        c.add(F, False, "X-Amz-Security-Token: placeholder", text, ".http")
    for p in ("da2-" + "x" * 26, "da2-" + rs(LOWER_ALNUM, 18), "da2-<your-api-key>"):
        c.neg(F, "AppSync key placeholder / truncated", in_context("APPSYNC_API_KEY", p))
    for p in ("ABSK" + "x" * 40, "ABSK...", "ABSK<your-bedrock-key>"):
        c.neg(F, "Bedrock key placeholder", in_context("AWS_BEARER_TOKEN_BEDROCK", p))
    for _ in range(3):
        word = "AKIA" + rs(B32, 16) + rs(B32, 12)
        c.neg(F, "AKIA inside a longer identifier (32 chars)", in_context("FEATURE_FLAG_ID", word))
    text = "Access key ID: AKIA followed by 16 characters; secret: 40 characters.\n"
    c.add(F, False, "documentation prose about the format", text, ".md")


# ---------------------------------------------------------------- github


def gh_classic(prefix="ghp_"):
    body = rs(BASE62, 30)
    return prefix + body + crc_b62(body)


def gh_bad_checksum(prefix="ghp_"):
    body = rs(BASE62, 30)
    good = crc_b62(body)
    bad = good
    while bad == good:
        bad = rs(BASE62, 6)
    return prefix + body + bad


def gh_fine_grained():
    # github_pat_ + 22 base62 + "_" + 59 base62 (82 characters after the prefix)
    return "github_pat_" + rs(BASE62, 22) + "_" + rs(BASE62, 59)


GH_NAMES = {"ghp_": "GITHUB_TOKEN", "gho_": "GH_OAUTH_TOKEN", "ghu_": "GITHUB_USER_TOKEN",
            "ghs_": "GITHUB_APP_INSTALLATION_TOKEN", "ghr_": "GITHUB_REFRESH_TOKEN"}


def gh_special(token):
    repo = f"{r_word()}-org/{r_word()}-model"
    return R.choice([
        (f"git clone https://x-access-token:{token}@github.com/{repo}.git\n", ".sh", "git remote URL with token"),
        (f"[remote \"origin\"]\n\turl = https://{token}@github.com/{repo}.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
         ".gitconfig", "git config remote URL"),
        (f"echo {token} | gh auth login --with-token\n", ".sh", "gh auth login --with-token"),
        (f'curl -H "Authorization: token {token}" https://api.github.com/repos/{repo}/releases\n', ".sh", "curl Authorization header"),
        (f"//npm.pkg.github.com/:_authToken={token}\n@{r_word()}:registry=https://npm.pkg.github.com\n", ".npmrc", ".npmrc _authToken"),
        (f"GET /repos/{repo} HTTP/1.1\nHost: api.github.com\nAuthorization: Bearer {token}\nAccept: application/vnd.github+json\n",
         ".http", "HTTP Authorization: Bearer"),
        (f"pip install git+https://{token}@github.com/{repo}.git@main\n", ".sh", "pip install from git URL"),
    ])


@family
def fam_github(c: Corpus):
    F = "github"
    for prefix, name in GH_NAMES.items():
        for i in range(15):
            tok = gh_classic(prefix)
            if i % 3 == 2:
                c.pos(F, f"{prefix} classic token (valid checksum)", gh_special(tok))
            else:
                c.pos(F, f"{prefix} classic token (valid checksum)", in_context(name, tok))
    for i in range(24):
        tok = gh_fine_grained()
        if i % 3 == 2:
            c.pos(F, "github_pat_ fine-grained token", gh_special(tok))
        else:
            c.pos(F, "github_pat_ fine-grained token", in_context(R.choice(["GITHUB_PAT", "GH_TOKEN", "github_token"]), tok))

    # --- negatives
    for i in range(25):
        prefix = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"][i % 5]
        c.neg(F, "bad checksum", in_context(GH_NAMES[prefix], gh_bad_checksum(prefix)))
    for _ in range(6):
        body = rs(BASE62, 30)
        c.neg(F, "truncated token (checksum cut off)", in_context("GITHUB_TOKEN", "ghp_" + body))
    for _ in range(3):
        c.neg(F, "truncated fine-grained token", in_context("GITHUB_PAT", gh_fine_grained()[:48]))
    placeholders = [
        "ghp_" + "x" * 36, "ghp_" + "X" * 36, "${{ secrets.GITHUB_TOKEN }}", "${{ github.token }}",
        "<your-github-token>", "ghp_...", "$GITHUB_TOKEN", "${GH_TOKEN}", "github_pat_<token>",
        "ghp_YOUR_TOKEN_HERE", "changeme", "github_pat_" + "x" * 82,
    ]
    for p in placeholders:
        c.neg(F, "placeholder", in_context("GITHUB_TOKEN", p))
    text = 'import os\n\ntoken = os.environ["GITHUB_TOKEN"]\nheaders = {"Authorization": f"Bearer {token}"}\n'
    c.add(F, False, "read from environment (os.environ)", text, ".py")
    text = "steps:\n  - uses: actions/checkout@v4\n    with:\n      token: ${{ secrets.GH_PAT }}\n"
    c.add(F, False, "placeholder (${{ secrets.X }}) in workflow", text, ".yml")
    for _ in range(4):
        c.neg(F, "repeated characters", in_context("GITHUB_TOKEN", R.choice(["ghp_", "ghs_"]) + R.choice("Aa0z") * 36))
    for _ in range(3):
        c.neg(F, "1234567890abcdef run", in_context("GITHUB_TOKEN", "ghp_" + ("1234567890abcdef" * 3)[:36]))
    for _ in range(4):
        c.neg(F, "wrong alphabet (- and . inside)", in_context("GITHUB_TOKEN", "ghp_" + rs(BASE62, 10) + "-" + rs(BASE62, 14) + "." + rs(BASE62, 10)))
    for _ in range(4):
        c.neg(F, "wrong length (ghp_ + 20)", in_context("GITHUB_TOKEN", "ghp_" + rs(BASE62, 20)))
    for _ in range(8):
        sha = r_hex(40)
        text = R.choice([
            f"commit {sha}\nAuthor: {r_word()} <{r_word()}@users.noreply.github.com>\nDate:   Thu Jan 1 12:00:00 2026 +0000\n\n    fix tokenizer padding\n",
            f"HEAD is now at {sha[:7]} bump version\nrevision: {sha}\n",
            f"steps:\n  - uses: actions/checkout@{sha}  # v4\n  - uses: actions/setup-python@{r_hex(40)}\n",
        ])
        c.add(F, False, "git commit id", text, ".txt")
    for _ in range(4):
        c.neg(F, "sha256 hex", in_context("CACHE_KEY", r_hex(64)))
    for _ in range(4):
        ghsa = "GHSA-" + "-".join(rs("23456789cfghjmpqrvwx", 4) for _ in range(3))
        text = f"advisory: {ghsa}\nseverity: high\npackage: {r_word()}\n"
        c.add(F, False, "GitHub advisory id (GHSA)", text, ".yaml")
    for _ in range(4):
        node = b64(f"04:User{R.randint(10**5, 10**8)}".encode())
        text = json.dumps({"login": r_word(), "id": R.randint(10**5, 10**8), "node_id": node, "type": "User"}, indent=2)
        c.add(F, False, "GraphQL node id", text + "\n", ".json")
    for _ in range(4):
        c.neg(F, "UUID", in_context("GITHUB_RUN_UUID", r_uuid()))
    for _ in range(3):
        integrity = "sha512-" + b64(rbytes(64))
        text = json.dumps({"node_modules/@" + r_word() + "/core": {"version": "1.2.3", "resolved": "https://registry.npmjs.org/x/-/x-1.2.3.tgz", "integrity": integrity}}, indent=2)
        c.add(F, False, "npm integrity hash", text + "\n", ".json")
    text = "Classic personal access tokens start with `ghp_`, OAuth tokens with `gho_`.\nSet `GITHUB_TOKEN` to your token.\n"
    c.add(F, False, "documentation prose about the format", text, ".md")
    for _ in range(3):
        tok = gh_classic("ghp_")
        c.neg(F, "valid-checksum body under an unknown prefix (ghx_)", in_context("TOKEN_ID", "ghx_" + tok[4:]))


# ---------------------------------------------------------------- gitlab

GL_ALPHA = ALNUM + "_-"


def gl_special(token, kind):
    project = f"{r_word()}/{r_word()}-models"
    if kind == "glpat-":
        return R.choice([
            (f"git clone https://oauth2:{token}@gitlab.com/{project}.git\n", ".sh", "git remote URL with token"),
            (f'curl --header "PRIVATE-TOKEN: {token}" "https://gitlab.com/api/v4/projects/{R.randint(100, 99999)}/jobs"\n',
             ".sh", "curl PRIVATE-TOKEN header"),
            (f"[global]\ndefault = gitlab\n\n[gitlab]\nurl = https://gitlab.com\nprivate_token = {token}\napi_version = 4\n",
             ".cfg", "python-gitlab config"),
            (f"glab auth login --hostname gitlab.com --token {token}\n", ".sh", "glab CLI flag"),
        ])
    if kind == "GR1348941":
        return (f"gitlab-runner register --non-interactive --url https://gitlab.com/ --registration-token {token} --executor docker\n",
                ".sh", "gitlab-runner register CLI flag")
    if kind == "glrt-":
        return (f'concurrent = 4\n\n[[runners]]\n  name = "{r_host()}"\n  url = "https://gitlab.com/"\n  token = "{token}"\n  executor = "docker"\n',
                ".toml", "runner config.toml")
    return in_context("GITLAB_TOKEN", token)


@family
def fam_gitlab(c: Corpus):
    F = "gitlab"
    for i in range(40):
        tok = "glpat-" + rs(GL_ALPHA, 20)
        c.pos(F, "glpat- personal access token", gl_special(tok, "glpat-") if i % 3 == 0 else
              in_context(R.choice(["GITLAB_TOKEN", "GL_TOKEN", "CI_PUSH_TOKEN", "gitlab_private_token"]), tok))
    kinds = [
        ("gldt-", lambda: "gldt-" + rs(GL_ALPHA, 20), "gldt- deploy token", "GITLAB_DEPLOY_TOKEN", 8),
        ("glrt-", lambda: "glrt-" + rs(GL_ALPHA, 20), "glrt- runner authentication token", "RUNNER_TOKEN", 8),
        ("GR1348941", lambda: "GR1348941" + rs(GL_ALPHA, 20), "GR1348941 runner registration token", "REGISTRATION_TOKEN", 7),
        ("glptt-", lambda: "glptt-" + r_hex(40), "glptt- pipeline trigger token", "TRIGGER_TOKEN", 7),
        ("glft-", lambda: "glft-" + rs(GL_ALPHA, 20), "glft- feed token", "GITLAB_FEED_TOKEN", 6),
        ("glimt-", lambda: "glimt-" + rs(LOWER_ALNUM, 25), "glimt- incoming mail token", "INCOMING_EMAIL_TOKEN", 4),
        ("gloas-", lambda: "gloas-" + r_hex(64), "gloas- OAuth application secret", "GITLAB_OAUTH_SECRET", 6),
        ("glsoat-", lambda: "glsoat-" + rs(GL_ALPHA, 20), "glsoat- SCIM token", "GITLAB_SCIM_TOKEN", 4),
        ("glagent-", lambda: "glagent-" + rs(GL_ALPHA, 50), "glagent- agent token", "AGENT_TOKEN", 5),
    ]
    for kind, gen, case, name, n in kinds:
        for i in range(n):
            tok = gen()
            c.pos(F, case, gl_special(tok, kind) if i % 2 == 0 else in_context(name, tok))
    for _ in range(5):
        tok = "glpat-" + rs(GL_ALPHA, 20)
        text = (f"Running with gitlab-runner 17.6.0\n$ git config --global url.\"https://oauth2:{tok}@gitlab.com/\".insteadOf "
                f"\"https://gitlab.com/\"\n$ pip install -r requirements.txt\n")
        c.add(F, True, "glpat- in CI job log", text, ".log")

    # --- negatives
    placeholders = [
        "glpat-" + "x" * 20, "glpat-XXXXXXXXXXXXXXXXXXXX", "glpat-<your_access_token>", "$CI_JOB_TOKEN",
        "${GITLAB_TOKEN}", "[MASKED]", "glpat-...", "<personal-access-token>", "changeme", "glrt-" + "x" * 20,
        "GR1348941" + "x" * 20, "${{ secrets.GITLAB_TOKEN }}", "gldt-<token>", "$(cat /run/secrets/gitlab_token)",
    ]
    for p in placeholders:
        c.neg(F, "placeholder", in_context("GITLAB_TOKEN", p))
    MASKED = "[MASK" + "ED]"  # how GitLab hides masked variables in job logs
    for _ in range(4):
        text = f"$ git clone https://gitlab-ci-token:{MASKED}@gitlab.com/{r_word()}/{r_word()}.git\nCloning into '{r_word()}'...\n"
        c.add(F, False, "masked CI job token in log", text, ".log")
    for _ in range(12):
        c.neg(F, "truncated token (glpat- + 12)", in_context("GITLAB_TOKEN", "glpat-" + rs(GL_ALPHA, 12)))
    for _ in range(4):
        c.neg(F, "1234567890abcdef run", in_context("GITLAB_TOKEN", "glpat-" + ("1234567890abcdef" * 2)[:20]))
    for _ in range(4):
        c.neg(F, "repeated characters", in_context("GITLAB_TOKEN", "glpat-" + R.choice("aAz0") * 20))
    for _ in range(5):
        c.neg(F, "wrong alphabet (glpat- with . / + ~)", in_context("GITLAB_TOKEN", "glpat-" + rs("./+~=", 4) + rs(GL_ALPHA, 12) + rs("./+~=", 4)))
    for _ in range(10):
        sha = r_hex(40)
        text = R.choice([
            f"variables:\n  CI_COMMIT_SHA: \"{sha}\"\n  CI_COMMIT_SHORT_SHA: \"{sha[:8]}\"\n  CI_PIPELINE_ID: \"{R.randint(10**8, 10**9)}\"\n",
            f"Checking out {sha[:8]} as detached HEAD (ref is main)...\nrevision={sha}\n",
            f"{ts()} INFO pushed checkpoint at commit {sha}\n",
        ])
        c.add(F, False, "git commit id", text, R.choice([".yml", ".log"]))
    for _ in range(8):
        c.neg(F, "sha256 hex", in_context("ARTIFACT_SHA256", r_hex(64)))
    for _ in range(6):
        text = json.dumps({"id": R.randint(1, 10**6), "gid": f"gid://gitlab/User/{R.randint(1, 10**6)}",
                           "username": r_word(), "runner_short_token": rs(GL_ALPHA, 8)}, indent=2)
        c.add(F, False, "GitLab ids (gid://, numeric, short runner id)", text + "\n", ".json")
    for _ in range(9):
        c.neg(F, "UUID", in_context("CI_JOB_UUID", r_uuid()))
    for _ in range(4):
        c.neg(F, "random base64 blob, unrelated name", in_context("cache_digest", b64(rbytes(30))))
    for _ in range(4):
        integrity = "sha512-" + b64(rbytes(64))
        text = f'"{r_word()}@^2.1.0":\n  version "2.1.4"\n  resolved "https://registry.yarnpkg.com/x/-/x-2.1.4.tgz"\n  integrity {integrity}\n'
        c.add(F, False, "npm integrity hash (yarn.lock)", text, ".lock")
    for _ in range(4):
        word = "glpat_" + "_".join(r_word() for _ in range(3))
        c.neg(F, "identifier starting like a prefix (glpat_ snake case)", in_context("HELPER", word))
    text = "Personal access tokens are prefixed with `glpat-`; runner tokens with `glrt-`.\n"
    c.add(F, False, "documentation prose about the format", text, ".md")
    for _ in range(4):
        c.neg(F, "wrong prefix (glpak-)", in_context("GITLAB_TOKEN", "glpak-" + rs(GL_ALPHA, 20)))


# ---------------------------------------------------------------- slack


def slack_digits():
    return str(R.randint(10**9, 10**13 - 1))


def slack_token(kind):
    if kind == "xoxb":
        return f"xoxb-{slack_digits()}-{slack_digits()}-{rs(ALNUM, 24)}"
    if kind == "xoxp":
        return f"xoxp-{slack_digits()}-{slack_digits()}-{slack_digits()}-{r_hex(32)}"
    if kind == "xoxs":
        return f"xoxs-{slack_digits()}-{slack_digits()}-{slack_digits()}-{r_hex(64)}"
    if kind == "xoxa":
        return f"xoxa-2-{slack_digits()}-{slack_digits()}-{slack_digits()}-{r_hex(64)}"
    if kind == "xoxo":
        return f"xoxo-{slack_digits()}-{slack_digits()}-{slack_digits()}-{r_hex(32)}"
    if kind == "xoxr":
        return f"xoxr-{slack_digits()}-{slack_digits()}-{slack_digits()}-{r_hex(64)}"
    if kind == "xapp":
        return f"xapp-1-A{rs(UPPER + DIGITS, 10)}-{slack_digits()}-{r_hex(64)}"
    if kind == "xoxe":
        return f"xoxe.xoxp-1-{rs(ALNUM, 140)}"
    raise ValueError(kind)


def slack_webhook(scheme=True, kind="services"):
    team = "T" + rs(UPPER + DIGITS, R.choice([8, 10]))
    if kind == "services":
        path = f"services/{team}/B{rs(UPPER + DIGITS, R.choice([8, 10]))}/{rs(ALNUM, 24)}"
    else:
        path = f"workflows/{team}/A{rs(UPPER + DIGITS, 10)}/{R.randint(10**17, 10**18 - 1)}/{rs(ALNUM, 24)}"
    return ("https://" if scheme else "") + "hooks.slack.com/" + path


SLACK_NAMES = {"xoxb": "SLACK_BOT_TOKEN", "xoxp": "SLACK_USER_TOKEN", "xoxs": "SLACK_TOKEN", "xoxa": "SLACK_WORKSPACE_TOKEN",
               "xoxo": "SLACK_TOKEN", "xoxr": "SLACK_REFRESH_TOKEN", "xapp": "SLACK_APP_TOKEN", "xoxe": "SLACK_CONFIG_TOKEN"}


def slack_special(tok):
    return R.choice([
        (f'from slack_sdk import WebClient\n\nclient = WebClient(token="{tok}")\nclient.chat_postMessage(channel="#training", text="done")\n',
         ".py", "slack_sdk WebClient(token=...)"),
        (f'curl -X POST -H "Authorization: Bearer {tok}" -H "Content-type: application/json" '
         f'--data \'{{"channel":"C{rs(UPPER + DIGITS, 10)}","text":"run finished"}}\' https://slack.com/api/chat.postMessage\n',
         ".sh", "curl Authorization: Bearer"),
        (f"notify:\n  slack:\n    token: {tok}\n    channel: '#alerts'\n", ".yaml", "YAML mapping"),
    ])


def webhook_special(url):
    return R.choice([
        (f"curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"eval done\"}}' {url}\n", ".sh", "curl POST"),
        (f"receivers:\n  - name: slack\n    slack_configs:\n      - api_url: '{url}'\n        channel: '#alerts'\n",
         ".yml", "Alertmanager slack_configs"),
        (f'import requests\n\nrequests.post("{url}", json={{"text": "epoch 3 done"}})\n', ".py", "requests.post URL"),
        (f"{ts()} INFO notifier: posting summary to {url}\n", ".log", "training log line"),
    ])


@family
def fam_slack(c: Corpus):
    F = "slack"
    plan = [("xoxb", 22), ("xoxp", 14), ("xoxs", 7), ("xoxa", 7), ("xoxo", 6), ("xoxr", 6), ("xapp", 6), ("xoxe", 4)]
    for kind, n in plan:
        for i in range(n):
            tok = slack_token(kind)
            case = f"{kind}- token" if kind != "xoxa" else "xoxa-2- token"
            c.pos(F, case, slack_special(tok) if i % 3 == 0 else in_context(SLACK_NAMES[kind], tok))
    for i in range(12):
        url = slack_webhook(True)
        c.pos(F, "webhook URL with https://", webhook_special(url) if i % 2 else in_context("SLACK_WEBHOOK_URL", url))
    for i in range(10):
        url = slack_webhook(False)
        c.pos(F, "webhook URL without scheme", webhook_special(url) if i % 2 else in_context("SLACK_WEBHOOK", url))
    for i in range(5):
        url = slack_webhook(True, "workflows")
        c.pos(F, "workflow webhook URL", in_context("SLACK_WORKFLOW_URL", url))

    # --- negatives
    doc_hook = "https://hooks.slack.com/services/" + "T" + "0" * 8 + "/" + "B" + "0" * 8 + "/" + "X" * 24
    for _ in range(6):
        c.neg(F, "documentation sample webhook (T00000000/B00000000/XXX...)", in_context("SLACK_WEBHOOK_URL", doc_hook))
    placeholders = [
        "xoxb-your-token", "xoxb-" + "x" * 40, "xoxb-123456789012-123456789012-" + "x" * 24, "xoxp-...",
        "${{ secrets.SLACK_BOT_TOKEN }}", "$SLACK_BOT_TOKEN", "<slack-bot-token>", "xoxb-****",
        "https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}", "https://hooks.slack.com/services/<team>/<channel>/<token>",
        "changeme", "xoxb-XXXXXXXXXXXX-XXXXXXXXXXXX-XXXXXXXXXXXXXXXXXXXXXXXX", "{{ slack_token }}",
        "https://hooks.slack.com/services/T" + "X" * 8 + "/B" + "X" * 8 + "/" + "x" * 24,
    ]
    for p in placeholders:
        c.neg(F, "placeholder", in_context(R.choice(["SLACK_BOT_TOKEN", "SLACK_WEBHOOK_URL"]), p))
    text = 'import os\nfrom slack_sdk import WebClient\n\nclient = WebClient(token=os.environ["SLACK_BOT_TOKEN"])\n'
    c.add(F, False, "read from environment (os.environ)", text, ".py")
    for _ in range(8):
        c.neg(F, "truncated token (xoxb-digits- only)", in_context("SLACK_BOT_TOKEN", f"xoxb-{slack_digits()}-"))
    for _ in range(6):
        c.neg(F, "truncated token (secret part 8 chars)", in_context("SLACK_BOT_TOKEN", f"xoxb-{slack_digits()}-{slack_digits()}-{rs(ALNUM, 8)}"))
    for _ in range(5):
        c.neg(F, "truncated webhook (no secret part)", in_context("SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T" + rs(UPPER + DIGITS, 8) + "/B" + rs(UPPER + DIGITS, 8)))
    for _ in range(4):
        c.neg(F, "repeated characters", in_context("SLACK_BOT_TOKEN", f"xoxb-{'1' * 12}-{'1' * 12}-{'a' * 24}"))
    for _ in range(3):
        c.neg(F, "1234567890abcdef run", in_context("SLACK_BOT_TOKEN", f"xoxb-1234567890-1234567890-{('1234567890abcdef' * 2)[:24]}"))
    for _ in range(10):
        text = json.dumps({"ok": True, "channel": "C" + rs(UPPER + DIGITS, 10), "ts": f"{R.randint(1.7e9, 1.8e9)}.{R.randint(0, 999999):06d}",
                           "message": {"user": "U" + rs(UPPER + DIGITS, 10), "team": "T" + rs(UPPER + DIGITS, 10),
                                       "bot_id": "B" + rs(UPPER + DIGITS, 10), "app_id": "A" + rs(UPPER + DIGITS, 10), "text": "run finished"}}, indent=2)
        c.add(F, False, "Slack API response ids (channel/user/team/ts)", text + "\n", ".json")
    for _ in range(6):
        cid = f"{R.randint(10**11, 10**12 - 1)}.{R.randint(10**11, 10**12 - 1)}"
        c.neg(F, "OAuth client id (public)", in_context("SLACK_CLIENT_ID", cid))
    for _ in range(6):
        url = f"https://{r_word()}.slack.com/archives/C{rs(UPPER + DIGITS, 10)}/p{R.randint(10**15, 10**16 - 1)}"
        c.neg(F, "message permalink", in_context("THREAD_URL", url))
    for _ in range(4):
        c.neg(F, "Slack API method URL", in_context("SLACK_API_URL", "https://slack.com/api/" + R.choice(["chat.postMessage", "conversations.list", "files.upload"])))
    for _ in range(6):
        c.neg(F, "UUID", in_context("SLACK_RUN_ID", r_uuid()))
    for _ in range(6):
        c.neg(F, "sha1 hex", in_context("SLACK_MESSAGE_DIGEST", r_hex(40)))
    for _ in range(4):
        c.neg(F, "wrong prefix (xoxz-)", in_context("SLACK_BOT_TOKEN", f"xoxz-{slack_digits()}-{slack_digits()}-{rs(ALNUM, 24)}"))
    for _ in range(3):
        c.neg(F, "non-Slack webhook host (hooks.example.org)", in_context("WEBHOOK_URL", f"https://hooks.{r_word()}.org/services/T{rs(UPPER, 8)}/B{rs(UPPER, 8)}/{rs(ALNUM, 24)}"))
    text = "Bot tokens start with `xoxb-`, user tokens with `xoxp-`; webhooks look like https://hooks.slack.com/services/...\n"
    c.add(F, False, "documentation prose about the format", text, ".md")


# ---------------------------------------------------------------- openai

OAI_MARK = "T3Bl" + "bkFJ"  # base64 of "OpenAI", inside every issued key
OAI_ALPHA = ALNUM + "_-"


def openai_key(kind):
    if kind == "proj":
        return "sk-proj-" + rs(OAI_ALPHA, 74) + OAI_MARK + rs(OAI_ALPHA, 74)
    if kind == "proj-short":
        return "sk-proj-" + rs(ALNUM, 20) + OAI_MARK + rs(ALNUM, 20)
    if kind == "legacy":
        return "sk-" + rs(ALNUM, 20) + OAI_MARK + rs(ALNUM, 20)
    if kind == "svcacct":
        return "sk-svcacct-" + rs(OAI_ALPHA, 74) + OAI_MARK + rs(OAI_ALPHA, 74)
    if kind == "admin":
        return "sk-admin-" + rs(OAI_ALPHA, 58) + OAI_MARK + rs(OAI_ALPHA, 58)
    raise ValueError(kind)


def openai_special(key):
    return R.choice([
        (f'from openai import OpenAI\n\nclient = OpenAI(api_key="{key}")\n', ".py", "OpenAI(api_key=...)"),
        (f'import openai\n\nopenai.api_key = "{key}"\n', ".py", "openai.api_key ="),
        (f'curl https://api.openai.com/v1/chat/completions -H "Authorization: Bearer {key}" -d @req.json\n',
         ".sh", "curl Authorization: Bearer"),
        (f'llm = ChatOpenAI(model="gpt-4o-mini", openai_api_key="{key}", temperature=0)\n', ".py", "LangChain ChatOpenAI"),
        (f"POST /v1/embeddings HTTP/1.1\nHost: api.openai.com\nAuthorization: Bearer {key}\nContent-Type: application/json\n",
         ".http", "HTTP Authorization: Bearer"),
    ])


@family
def fam_openai(c: Corpus):
    F = "openai"
    plan = [("proj", "sk-proj- project key", 40), ("proj-short", "sk-proj- project key (short form)", 10),
            ("legacy", "sk- legacy user key", 30), ("svcacct", "sk-svcacct- service account key", 10),
            ("admin", "sk-admin- admin key", 8)]
    for kind, case, n in plan:
        for i in range(n):
            key = openai_key(kind)
            c.pos(F, case, openai_special(key) if i % 3 == 0 else
                  in_context(R.choice(["OPENAI_API_KEY", "openai_api_key", "OPENAI_KEY", "LLM_API_KEY"]), key))

    # --- negatives
    placeholders = [
        "sk-" + "x" * 48, "sk-...", "sk-<your-key>", "sk-proj-...", "sk-proj-" + "x" * 48, "<OPENAI_API_KEY>",
        "${OPENAI_API_KEY}", "${{ secrets.OPENAI_API_KEY }}", "sk-YOUR_API_KEY_HERE", "changeme", "sk-" + "*" * 20,
        "your-openai-api-key", "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ]
    for p in placeholders:
        c.neg(F, "placeholder", in_context("OPENAI_API_KEY", p))
    for p in ('os.environ["OPENAI_API_KEY"]', 'os.getenv("OPENAI_API_KEY")'):
        c.add(F, False, "read from environment (os.environ)", f"import os\nimport openai\n\nopenai.api_key = {p}\n", ".py")
    for _ in range(8):
        c.neg(F, "truncated key (sk-proj- + 30)", in_context("OPENAI_API_KEY", "sk-proj-" + rs(OAI_ALPHA, 30)))
    for _ in range(4):
        c.neg(F, "1234567890abcdef run", in_context("OPENAI_API_KEY", "sk-" + ("1234567890abcdef" * 3)[:48]))
    for _ in range(3):
        c.neg(F, "repeated characters", in_context("OPENAI_API_KEY", "sk-proj-" + "A" * 48))
    ids = [
        ("chatcmpl-", lambda: "chatcmpl-" + rs(ALNUM, 29), "chat completion id"),
        ("org-", lambda: "org-" + rs(ALNUM, 24), "organization id"),
        ("proj_", lambda: "proj_" + rs(ALNUM, 24), "project id"),
        ("file-", lambda: "file-" + rs(ALNUM, 22), "file id"),
        ("asst_", lambda: "asst_" + rs(ALNUM, 24), "assistant id"),
        ("thread_", lambda: "thread_" + rs(ALNUM, 24), "thread id"),
        ("run_", lambda: "run_" + rs(ALNUM, 24), "run id"),
        ("batch_", lambda: "batch_" + r_hex(32), "batch id"),
        ("req_", lambda: "req_" + r_hex(32), "request id"),
        ("ftjob-", lambda: "ftjob-" + rs(ALNUM, 24), "fine-tuning job id"),
    ]
    for _, gen, what in ids:
        for i in range(4):
            if i % 2:
                text = json.dumps({"id": gen(), "object": "chat.completion", "created": R.randint(1.7e9, 1.8e9),
                                   "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_" + r_hex(10)}, indent=2)
                c.add(F, False, f"API object id ({what})", text.replace('"id"', '"id"') + "\n", ".json")
            else:
                c.neg(F, f"API object id ({what})", in_context(what.upper().replace(" ", "_").replace("-", "_"), gen()))
    for _ in range(4):
        text = f"{ts()} INFO httpx: HTTP Request: POST https://api.openai.com/v1/chat/completions \"HTTP/1.1 200 OK\"\n" \
               f"{ts()} DEBUG openai._base_client: response headers: x-request-id: req_{r_hex(32)}, openai-organization: org-{rs(ALNUM, 24)}\n"
        c.add(F, False, "request log with org and request ids", text, ".log")
    for _ in range(4):
        ft = f"ft:gpt-4o-mini-2024-07-18:{r_word()}::{rs(ALNUM, 8)}"
        c.neg(F, "fine-tuned model name", in_context("MODEL_NAME", ft))
    for _ in range(4):
        c.neg(F, "UUID", in_context("OPENAI_RUN_ID", r_uuid()))
    for _ in range(4):
        c.neg(F, "sha256 hex", in_context("OPENAI_CACHE_KEY", r_hex(64)))
    for _ in range(4):
        c.neg(F, "sk- kebab identifier", in_context("PIPELINE_STEP", "sk-" + "-".join(r_word() for _ in range(5))))
    text = "Keys look like `sk-proj-...`; keep them in `OPENAI_API_KEY`, never in code.\n"
    c.add(F, False, "documentation prose about the format", text, ".md")


# ---------------------------------------------------------------- anthropic


def anthropic_key(kind="api03"):
    head = {"api03": "sk-ant-api03-", "admin01": "sk-ant-admin01-", "oat01": "sk-ant-oat01-"}[kind]
    return head + rs(OAI_ALPHA, 93) + "AA"


def anthropic_special(key):
    return R.choice([
        (f'import anthropic\n\nclient = anthropic.Anthropic(api_key="{key}")\n', ".py", "anthropic.Anthropic(api_key=...)"),
        (f'curl https://api.anthropic.com/v1/messages -H "x-api-key: {key}" -H "anthropic-version: 2023-06-01" -d @body.json\n',
         ".sh", "curl x-api-key header"),
        (f"POST /v1/messages HTTP/1.1\nHost: api.anthropic.com\nx-api-key: {key}\nanthropic-version: 2023-06-01\n",
         ".http", "HTTP x-api-key header"),
        (f'const client = new Anthropic({{ apiKey: "{key}" }});\n', ".ts", "TS SDK constructor"),
    ])


@family
def fam_anthropic(c: Corpus):
    F = "anthropic"
    for kind, case, n in (("api03", "sk-ant-api03- API key", 80), ("admin01", "sk-ant-admin01- admin key", 12), ("oat01", "sk-ant-oat01- OAuth token", 8)):
        for i in range(n):
            key = anthropic_key(kind)
            c.pos(F, case, anthropic_special(key) if i % 3 == 0 else
                  in_context(R.choice(["ANTHROPIC_API_KEY", "anthropic_api_key", "CLAUDE_API_KEY", "LLM_KEY"]), key))

    # --- negatives
    placeholders = [
        "sk-ant-api03-" + "x" * 93 + "AA", "sk-ant-...", "sk-ant-api03-...", "<ANTHROPIC_API_KEY>", "${ANTHROPIC_API_KEY}",
        "${{ secrets.ANTHROPIC_API_KEY }}", "sk-ant-your-key-here", "changeme", "sk-ant-api03-XXXXXXXX", "your-anthropic-key",
        "sk-ant-" + "*" * 20, "$ANTHROPIC_API_KEY",
    ]
    for p in placeholders:
        c.neg(F, "placeholder", in_context("ANTHROPIC_API_KEY", p))
    for p in ('os.environ["ANTHROPIC_API_KEY"]', 'os.environ.get("ANTHROPIC_API_KEY")'):
        c.add(F, False, "read from environment (os.environ)", f"import os\nimport anthropic\n\nclient = anthropic.Anthropic(api_key={p})\n", ".py")
    text = 'curl https://api.anthropic.com/v1/messages -H "x-api-key: $ANTHROPIC_API_KEY" -H "anthropic-version: 2023-06-01"\n'
    c.add(F, False, "x-api-key header with $VAR", text, ".sh")
    for _ in range(10):
        c.neg(F, "truncated key (sk-ant-api03- + 40)", in_context("ANTHROPIC_API_KEY", "sk-ant-api03-" + rs(OAI_ALPHA, 40)))
    for _ in range(4):
        c.neg(F, "repeated characters", in_context("ANTHROPIC_API_KEY", "sk-ant-api03-" + "a" * 93 + "AA"))
    for _ in range(3):
        c.neg(F, "1234567890abcdef run", in_context("ANTHROPIC_API_KEY", "sk-ant-api03-" + ("1234567890abcdef" * 6)[:93] + "AA"))
    ids = [
        (lambda: "msg_01" + rs(BASE62, 22), "message id"),
        (lambda: "toolu_01" + rs(BASE62, 22), "tool use id"),
        (lambda: "req_011C" + rs(BASE62, 20), "request id"),
        (lambda: "msgbatch_01" + rs(BASE62, 22), "batch id"),
        (lambda: "file_011C" + rs(BASE62, 20), "file id"),
    ]
    for gen, what in ids:
        for i in range(6):
            if i % 2:
                text = json.dumps({"id": gen(), "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
                                   "stop_reason": "end_turn", "usage": {"input_tokens": R.randint(10, 999), "output_tokens": R.randint(10, 999)}}, indent=2)
                c.add(F, False, f"API object id ({what})", text + "\n", ".json")
            else:
                c.neg(F, f"API object id ({what})", in_context(what.upper().replace(" ", "_"), gen()))
    for _ in range(6):
        text = f"{ts()} INFO httpx: HTTP Request: POST https://api.anthropic.com/v1/messages \"HTTP/1.1 200 OK\"\n" \
               f"{ts()} DEBUG anthropic._base_client: request_id=req_011C{rs(BASE62, 20)} model=claude-3-5-haiku-20241022\n"
        c.add(F, False, "request log with request id and model name", text, ".log")
    for _ in range(4):
        c.neg(F, "UUID", in_context("ANTHROPIC_ORG_ID", r_uuid()))
        c.neg(F, "UUID", in_context("ANTHROPIC_WORKSPACE_ID", r_uuid()))
    for _ in range(4):
        c.neg(F, "sha256 hex", in_context("PROMPT_CACHE_KEY", r_hex(64)))
    for _ in range(7):
        c.neg(F, "random base64url blob, unrelated name", in_context("session_state", rs(OAI_ALPHA, 95)))
    for _ in range(4):
        c.neg(F, "wrong prefix (sk-ant-api99-)", in_context("ANTHROPIC_API_KEY", "sk-ant-api99-" + rs(OAI_ALPHA, 93) + "AA"))
    text = "API keys begin with `sk-ant-api03-`; set `ANTHROPIC_API_KEY`.\n"
    c.add(F, False, "documentation prose about the format", text, ".md")


# ---------------------------------------------------------------- huggingface


def hf_token(prefix="hf_"):
    return prefix + rs(LETTERS, 34)


def hf_special(tok):
    repo = f"{r_word()}/{r_word()}-7b"
    return R.choice([
        (f"huggingface-cli login --token {tok}\n", ".sh", "huggingface-cli login --token"),
        (f'from huggingface_hub import login\n\nlogin(token="{tok}")\n', ".py", "login(token=...)"),
        (f'model = AutoModel.from_pretrained("{repo}", token="{tok}")\n', ".py", "from_pretrained(token=...)"),
        (f"git clone https://{r_word()}:{tok}@huggingface.co/{repo}\n", ".sh", "git remote URL with token"),
        (f"{tok}\n", ".token", "bare token file (~/.cache/huggingface/token)"),
        (json.dumps({"output_dir": "out", "push_to_hub": True, "hub_model_id": repo, "hub_token": tok}, indent=2) + "\n",
         ".json", "training_args hub_token"),
        (f"GET /api/models/{repo} HTTP/1.1\nHost: huggingface.co\nAuthorization: Bearer {tok}\n", ".http", "HTTP Authorization: Bearer"),
    ])


@family
def fam_huggingface(c: Corpus):
    F = "huggingface"
    for i in range(88):
        tok = hf_token()
        c.pos(F, "hf_ user access token", hf_special(tok) if i % 3 == 0 else
              in_context(R.choice(["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACEHUB_API_TOKEN", "hf_token"]), tok))
    for i in range(8):
        c.pos(F, "api_org_ organization token", in_context("HF_ORG_TOKEN", hf_token("api_org_")))

    # --- negatives
    placeholders = [
        "hf_" + "x" * 34, "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "<HUB_TOKEN>", "hf_***", "hf_...", "$HF_TOKEN",
        "${{ secrets.HF_TOKEN }}", "<your-hf-token>", "changeme", "hf_YOUR_TOKEN", "None", "hf_" + "X" * 34,
    ]
    for p in placeholders:
        c.neg(F, "placeholder", in_context("HF_TOKEN", p))
    for _ in range(3):
        text = json.dumps({"output_dir": "out", "push_to_hub": True, "hub_token": "<HUB_TOKEN>", "hub_strategy": "every_save"}, indent=2)
        c.add(F, False, "placeholder (<HUB_TOKEN> as transformers writes it)", text + "\n", ".json")
    for p in ('os.environ["HF_TOKEN"]', 'os.getenv("HUGGING_FACE_HUB_TOKEN")'):
        c.add(F, False, "read from environment (os.environ)", f"import os\nfrom huggingface_hub import login\n\nlogin(token={p})\n", ".py")
    idents = ["hf_hub_download", "hf_transfer", "hf_model_name_or_path", "hf_dataset_streaming_shuffle_buffer",
              "hf_tokenizer_padding_side_override_value", "hf_deepspeed_config_stage_three_offload",
              "hf_api_upload_folder_multi_commits_strategy"]
    for ident in idents:
        text = f"from {r_word()} import {ident}\n\nresult = {ident}(repo_id=\"{r_word()}/{r_word()}\")\n"
        c.add(F, False, "identifier starting with hf_", text, ".py")
    for _ in range(5):
        c.neg(F, "identifier starting with hf_ (34 letters, snake case)", in_context("HELPER_NAME", "hf_" + "_".join(r_word() for _ in range(6))[:34]))
    for _ in range(8):
        c.neg(F, "truncated token (hf_ + 20)", in_context("HF_TOKEN", "hf_" + rs(LETTERS, 20)))
    for _ in range(5):
        c.neg(F, "wrong alphabet (digits and _ inside)", in_context("HF_TOKEN", "hf_" + rs(LOWER + DIGITS, 30) + "_" + rs(DIGITS, 3)))
    for _ in range(3):
        c.neg(F, "repeated characters", in_context("HF_TOKEN", "hf_" + "A" * 34))
    for _ in range(3):
        c.neg(F, "alphabet run (abcdefgh...)", in_context("HF_TOKEN", "hf_" + (string.ascii_lowercase + string.ascii_uppercase)[:34]))
    for _ in range(10):
        sha = r_hex(40)
        text = R.choice([
            f'model = AutoModel.from_pretrained("{r_word()}/{r_word()}-7b", revision="{sha}")\n',
            f"Fetching 4 files: 100%|██████████| 4/4\nDownloaded {r_word()}/{r_word()} at revision {sha}\n",
            json.dumps({"_commit_hash": sha, "architectures": ["LlamaForCausalLM"], "torch_dtype": "bfloat16"}, indent=2) + "\n",
        ])
        c.add(F, False, "git commit id (hub revision)", text, ".txt")
    for _ in range(8):
        text = f"version https://git-lfs.github.com/spec/v1\noid sha256:{r_hex(64)}\nsize {R.randint(10**6, 10**10)}\n"
        c.add(F, False, "git-lfs pointer (sha256)", text, ".safetensors.lfs")
    for _ in range(6):
        c.neg(F, "UUID", in_context("HF_SPACE_RUN_ID", r_uuid()))
    for _ in range(6):
        c.neg(F, "random base64 blob, unrelated name", in_context("tokenizer_hash", b64(rbytes(33))))
    for _ in range(4):
        text = f"base_model: {r_word()}/{r_word().title()}-3.1-8B\nlicense: apache-2.0\ndatasets:\n  - {r_word()}/{r_word()}_instruct\n"
        c.add(F, False, "model card metadata (repo ids)", text, ".md")
    for _ in range(4):
        c.neg(F, "wrong prefix (hg_)", in_context("HF_TOKEN", "hg_" + rs(LETTERS, 34)))
    text = "User access tokens start with `hf_`. Log in with `huggingface-cli login` and paste it.\n"
    c.add(F, False, "documentation prose about the format", text, ".md")


# ---------------------------------------------------------------- key material
#
# Deterministic: RSA primes, EC scalars and Ed25519 seeds come from the seeded
# RNG; `cryptography` (when importable) checks and serialises them. OpenSSH
# and encrypted PKCS#8 containers are written here so their random parts
# (check int, salt, IV) come from the RNG too.

SMALL_PRIMES = [p for p in range(3, 2000, 2) if all(p % q for q in range(3, int(p ** 0.5) + 1, 2))]


def is_probable_prime(n: int) -> bool:
    if n < 2:
        return False
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(24):
        a = R.randrange(2, n - 1)
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


def rand_prime(bits: int) -> int:
    while True:
        n = R.getrandbits(bits) | (3 << (bits - 2)) | 1
        if is_probable_prime(n):
            return n


def wrap64(data: bytes, width=64) -> list[str]:
    s = b64(data)
    return [s[i:i + width] for i in range(0, len(s), width)]


def pem(label: str, der: bytes, headers: list[str] | None = None) -> str:
    lines = [pem_begin(label)] + (headers or []) + wrap64(der) + [pem_end(label)]
    return "\n".join(lines) + "\n"


# minimal DER
def der_len(n):
    if n < 128:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def der_int(v):
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")
    return der(0x02, b)


def der_oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return der(0x06, out)


def der_seq(*items):
    return der(0x30, b"".join(items))


def der_octets(b):
    return der(0x04, b)


_RSA_CACHE: dict = {}


def rsa_numbers(bits):
    while True:
        p, q = rand_prime(bits // 2), rand_prime(bits // 2)
        if p == q:
            continue
        e = 65537
        phi = (p - 1) * (q - 1)
        try:
            d = pow(e, -1, phi)
        except ValueError:
            continue
        return p, q, e, d


def rsa_pkcs1_der(bits=1024):
    p, q, e, d = rsa_numbers(bits)
    if p < q:
        p, q = q, p
    n = p * q
    return der_seq(der_int(0), der_int(n), der_int(e), der_int(d), der_int(p), der_int(q),
                   der_int(d % (p - 1)), der_int(d % (q - 1)), der_int(pow(q, -1, p))), (n, e)


def rsa_key(bits=1024):
    """(pkcs1 PEM, pkcs8 PEM, public PEM)"""
    pkcs1, (n, e) = rsa_pkcs1_der(bits)
    pkcs8 = der_seq(der_int(0), der_seq(der_oid("1.2.840.113549.1.1.1"), b"\x05\x00"), der_octets(pkcs1))
    rsapub = der_seq(der_int(n), der_int(e))
    spki = der_seq(der_seq(der_oid("1.2.840.113549.1.1.1"), b"\x05\x00"), der(0x03, b"\x00" + rsapub))
    if HAVE_CRYPTO:  # check it parses as a key
        _ser.load_der_private_key(pkcs8, password=None)
    return pem("RSA PRIVATE KEY", pkcs1), pem("PRIVATE KEY", pkcs8), pem("PUBLIC KEY", spki)


def ec_key():
    """(SEC1 PEM, pkcs8 PEM, public PEM)"""
    if HAVE_CRYPTO:
        order = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
        k = _ec.derive_private_key(R.randrange(1, order), _ec.SECP256R1())
        sec1 = k.private_bytes(_ser.Encoding.PEM, _ser.PrivateFormat.TraditionalOpenSSL, _ser.NoEncryption()).decode()
        p8 = k.private_bytes(_ser.Encoding.PEM, _ser.PrivateFormat.PKCS8, _ser.NoEncryption()).decode()
        pub = k.public_key().public_bytes(_ser.Encoding.PEM, _ser.PublicFormat.SubjectPublicKeyInfo).decode()
        return sec1, p8, pub
    scalar = rbytes(32)
    point = b"\x04" + rbytes(64)
    curve = der_oid("1.2.840.10045.3.1.7")
    sec1 = der_seq(der_int(1), der_octets(scalar), der(0xA0, curve), der(0xA1, der(0x03, b"\x00" + point)))
    p8 = der_seq(der_int(0), der_seq(der_oid("1.2.840.10045.2.1"), curve), der_octets(sec1))
    spki = der_seq(der_seq(der_oid("1.2.840.10045.2.1"), curve), der(0x03, b"\x00" + point))
    return pem("EC PRIVATE KEY", sec1), pem("PRIVATE KEY", p8), pem("PUBLIC KEY", spki)


def ed25519_raw():
    seed = rbytes(32)
    if HAVE_CRYPTO:
        pub = _ed.Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
            _ser.Encoding.Raw, _ser.PublicFormat.Raw)
    else:
        pub = rbytes(32)
    return seed, pub


def _ssh_str(b: bytes) -> bytes:
    return len(b).to_bytes(4, "big") + b


def ssh_pub_line(pub: bytes, comment: str) -> str:
    return "ssh-ed25519 " + b64(_ssh_str(b"ssh-ed25519") + _ssh_str(pub)) + " " + comment


def openssh_ed25519(comment=None):
    """(OPENSSH PRIVATE KEY PEM, public key line)"""
    seed, pub = ed25519_raw()
    comment = comment or f"{r_word()}@{r_host()}"
    pubblob = _ssh_str(b"ssh-ed25519") + _ssh_str(pub)
    check = R.getrandbits(32).to_bytes(4, "big")
    priv = check + check + _ssh_str(b"ssh-ed25519") + _ssh_str(pub) + _ssh_str(seed + pub) + _ssh_str(comment.encode())
    pad = 1
    while len(priv) % 8:
        priv += bytes([pad])
        pad += 1
    blob = (b"openssh-key-v1\0" + _ssh_str(b"none") + _ssh_str(b"none") + _ssh_str(b"") + (1).to_bytes(4, "big")
            + _ssh_str(pubblob) + _ssh_str(priv))
    body = b64(blob)
    lines = [body[i:i + 70] for i in range(0, len(body), 70)]
    return "\n".join([pem_begin("OPENSSH PRIVATE KEY")] + lines + [pem_end("OPENSSH PRIVATE KEY")]) + "\n", ssh_pub_line(pub, comment)


def ed25519_pkcs8():
    seed, _ = ed25519_raw()
    return pem("PRIVATE KEY", der_seq(der_int(0), der_seq(der_oid("1.3.101.112")), der_octets(der_octets(seed))))


def encrypted_pkcs8(size=1232):
    """PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) container; the ciphertext is random."""
    params = der_seq(
        der_seq(der_oid("1.2.840.113549.1.5.12"),
                der_seq(der_octets(rbytes(16)), der_int(2048), der_seq(der_oid("1.2.840.113549.2.9"), b"\x05\x00"))),
        der_seq(der_oid("2.16.840.1.101.3.4.1.42"), der_octets(rbytes(16))),
    )
    body = der_seq(der_seq(der_oid("1.2.840.113549.1.5.13"), params), der_octets(rbytes(size)))
    return pem("ENCRYPTED PRIVATE KEY", body)


def legacy_encrypted_rsa():
    iv = rbytes(16).hex().upper()
    return pem("RSA PRIVATE KEY", rbytes(608), ["Proc-Type: 4,ENCRYPTED", f"DEK-Info: AES-128-CBC,{iv}", ""])


def crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def pgp_block(kind="PRIVATE"):
    # an armoured OpenPGP packet stream: secret-key packet tag 5 (or public 6), v4, EdDSA
    tag = 0xC5 if kind == "PRIVATE" else 0xC6
    body = rbytes(R.randint(300, 600))
    packet = bytes([tag, len(body) if len(body) < 192 else 0xFF]) + (len(body).to_bytes(4, "big") if len(body) >= 192 else b"") + b"\x04" + body
    label = f"PGP {kind} KEY BLOCK"
    lines = [pem_begin(label), ""] + wrap64(packet) + ["=" + b64(crc24(packet).to_bytes(3, "big")), pem_end(label)]
    return "\n".join(lines) + "\n"


def ed25519_cert():
    """Self-signed certificate (public), deterministic: Ed25519 signatures have no nonce."""
    if not HAVE_CRYPTO:
        return pem("CERTIFICATE", der_seq(der_seq(der_int(2), der_int(R.getrandbits(64))), rbytes(300)))
    import datetime

    from cryptography import x509
    from cryptography.x509.oid import NameOID

    seed, _ = ed25519_raw()
    key = _ed.Ed25519PrivateKey.from_private_bytes(seed)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{r_host()}.internal")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(R.getrandbits(64)).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=365))
            .sign(key, None))
    return cert.public_bytes(_ser.Encoding.PEM).decode()


RSA2048_POOL: list = []


def rsa2048_pkcs8():
    """A few 2048-bit keys (slow to find in Python), reused round-robin."""
    if len(RSA2048_POOL) < 4:
        RSA2048_POOL.append(rsa_key(2048)[1])
        return RSA2048_POOL[-1]
    return RSA2048_POOL[R.randrange(len(RSA2048_POOL))]


# ---------------------------------------------------------------- gcp


def gcp_api_key():
    return "AIza" + rs(ALNUM + "_-", 35)


def gcp_sa(private_key: str, project=None):
    project = project or f"{r_word()}-{r_word()}-{R.randint(100000, 999999)}"
    email = f"{r_word()}-sa@{project}.iam.gserviceaccount.com"
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": r_hex(40),
        "private_key": private_key,
        "client_email": email,
        "client_id": str(R.randint(10**20, 10**21 - 1)),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/" + email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }


def gcp_api_special(key):
    return R.choice([
        (f'import google.generativeai as genai\n\ngenai.configure(api_key="{key}")\n', ".py", "genai.configure(api_key=...)"),
        (f"curl 'https://maps.googleapis.com/maps/api/geocode/json?address=Paris&key={key}'\n", ".sh", "URL query ?key="),
        (f"{ts()} INFO GET https://generativelanguage.googleapis.com/v1beta/models?key={key} 200\n", ".log", "request log URL"),
        (f"GET /v1/models HTTP/1.1\nHost: generativelanguage.googleapis.com\nx-goog-api-key: {key}\n", ".http", "x-goog-api-key header"),
    ])


@family
def fam_gcp(c: Corpus):
    F = "gcp"
    for i in range(22):
        key = rsa2048_pkcs8() if i % 4 == 0 else rsa_key(1024)[1]
        c.add(F, True, "service-account JSON private_key", json.dumps(gcp_sa(key), indent=2) + "\n", ".json", "key file")
    for i in range(5):
        sa = json.dumps(gcp_sa(rsa_key(1024)[1]))
        text = f"from google.oauth2 import service_account\nimport json\n\nINFO = json.loads('{sa}')\ncreds = service_account.Credentials.from_service_account_info(INFO)\n"
        c.add(F, True, "service-account JSON private_key", text, ".py", "JSON inside a Python string")
    for i in range(5):
        sa = json.dumps(gcp_sa(rsa_key(1024)[1]), indent=2)
        text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: gcp-sa\nstringData:\n  key.json: |\n" + "".join("    " + l + "\n" for l in sa.splitlines())
        c.add(F, True, "service-account JSON private_key", text, ".yaml", "Kubernetes Secret stringData")
    for i in range(6):
        encoded = b64(json.dumps(gcp_sa(rsa_key(1024)[1]), indent=2).encode())
        c.pos(F, "base64-encoded service-account JSON", in_context(R.choice(["GOOGLE_CREDENTIALS_B64", "GCP_SA_KEY", "SERVICE_ACCOUNT_JSON"]), encoded))
    for i in range(38):
        key = gcp_api_key()
        c.pos(F, "AIza API key", gcp_api_special(key) if i % 3 == 0 else
              in_context(R.choice(["GOOGLE_API_KEY", "GEMINI_API_KEY", "MAPS_API_KEY", "google_api_key"]), key))
    for i in range(10):
        secret = "GOCSPX-" + rs(ALNUM + "_-", 28)
        cid = f"{R.randint(10**11, 10**12 - 1)}-{rs(LOWER_ALNUM, 32)}.apps.googleusercontent.com"
        if i % 2:
            doc = {"installed": {"client_id": cid, "project_id": f"{r_word()}-{R.randint(1000, 9999)}",
                                 "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token",
                                 "client_secret": secret, "redirect_uris": ["http://localhost"]}}
            c.add(F, True, "GOCSPX- OAuth client secret", json.dumps(doc, indent=2) + "\n", ".json", "client_secret.json")
        else:
            c.pos(F, "GOCSPX- OAuth client secret", in_context("GOOGLE_CLIENT_SECRET", secret))
    for i in range(6):
        doc = {"account": "", "client_id": f"{R.randint(10**11, 10**12 - 1)}-{rs(LOWER_ALNUM, 32)}.apps.googleusercontent.com",
               "client_secret": "GOCSPX-" + rs(ALNUM + "_-", 28), "refresh_token": "1//0" + rs(ALNUM + "_-", 99),
               "type": "authorized_user", "universe_domain": "googleapis.com"}
        c.add(F, True, "authorized_user refresh token (1//0...)", json.dumps(doc, indent=2) + "\n", ".json", "application_default_credentials.json")
    for i in range(6):
        tok = "ya29." + rs(ALNUM + "_-", R.choice([150, 180, 220]))
        text = f"GET /storage/v1/b/{r_word()}-ckpt/o HTTP/1.1\nHost: storage.googleapis.com\nAuthorization: Bearer {tok}\n"
        c.add(F, True, "ya29. OAuth access token", text, ".http", "HTTP Authorization: Bearer")

    # --- negatives
    for body in ("<your-private-key>", "...", "REDACTED", "", "MIIEv...", "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"):
        for _ in range(2):
            sa = gcp_sa("PLACEHOLDER")
            sa["private_key"] = body.replace("-----BEGIN PRIVATE KEY-----", pem_begin("PRIVATE KEY")).replace("-----END PRIVATE KEY-----", pem_end("PRIVATE KEY")).replace("\\n", "\n")
            c.add(F, False, "placeholder private_key in service-account JSON", json.dumps(sa, indent=2) + "\n", ".json", "key file")
    for p in ("AIza" + "x" * 35, "AIza...", "<GOOGLE_API_KEY>", "${GOOGLE_API_KEY}", "${{ secrets.GEMINI_API_KEY }}", "AIzaSy" + "X" * 33,
              "changeme", "your-google-api-key", "GOCSPX-<client-secret>", "ya29.<access-token>"):
        c.neg(F, "placeholder", in_context("GOOGLE_API_KEY", p))
    for _ in range(8):
        c.neg(F, "truncated API key (AIza + 20)", in_context("GOOGLE_API_KEY", "AIza" + rs(ALNUM, 20)))
    for _ in range(3):
        c.neg(F, "wrong prefix (AIzb)", in_context("GOOGLE_API_KEY", "AIzb" + rs(ALNUM + "_-", 35)))
    for _ in range(6):
        c.neg(F, "path to a key file (GOOGLE_APPLICATION_CREDENTIALS)", in_context("GOOGLE_APPLICATION_CREDENTIALS", f"/home/{r_word()}/.config/gcloud/{r_word()}-sa.json"))
    for _ in range(6):
        cid = f"{R.randint(10**11, 10**12 - 1)}-{rs(LOWER_ALNUM, 32)}.apps.googleusercontent.com"
        c.neg(F, "OAuth client id (public)", in_context("GOOGLE_CLIENT_ID", cid))
    for _ in range(6):
        c.neg(F, "service-account e-mail", in_context("GCP_SERVICE_ACCOUNT", f"{r_word()}-sa@{r_word()}-{R.randint(1000, 999999)}.iam.gserviceaccount.com"))
    for _ in range(6):
        c.neg(F, "gs:// URI / project id", in_context("CHECKPOINT_URI", f"gs://{r_word()}-{r_word()}-{R.randint(1000, 9999)}/runs/{r_uuid()}/ckpt"))
    for _ in range(4):
        sa = gcp_sa("x")
        del sa["private_key"]
        c.add(F, False, "service-account metadata without private_key (key id only)", json.dumps(sa, indent=2) + "\n", ".json", "key file")
    for _ in range(5):
        doc = {"model": r_word(), "lr": 3e-4, "layers": R.randint(2, 48), "notes": " ".join(r_word() for _ in range(6))}
        c.neg(F, "base64 of an ordinary JSON config (ewog...)", in_context("PIPELINE_SPEC_B64", b64(json.dumps(doc, indent=2).encode())))
    for _ in range(6):
        c.neg(F, "UUID", in_context("GCP_OPERATION_ID", r_uuid()))
    for _ in range(5):
        c.neg(F, "sha256 hex", in_context("IMAGE_DIGEST", "sha256:" + r_hex(64)))
    for _ in range(5):
        c.neg(F, "random base64 blob, unrelated name", in_context("etag", b64(rbytes(27))))
    for _ in range(4):
        text = f"{ts()} WARNING google.auth._default: No project ID could be determined. Set GOOGLE_CLOUD_PROJECT.\n" \
               f"{ts()} INFO uploading to gs://{r_word()}-ckpt/step_{R.randint(100, 9999)} with credentials from GOOGLE_APPLICATION_CREDENTIALS\n"
        c.add(F, False, "auth log lines without secrets", text, ".log")
    text = "API keys start with `AIza`; service-account keys are JSON files with a `private_key` field.\n"
    c.add(F, False, "documentation prose about the format", text, ".md")


# ---------------------------------------------------------------- azure


def az_storage_key():
    return b64(rbytes(64))  # 88 chars ending ==


def az_sas_key():
    return b64(rbytes(32))  # 44 chars ending =


def az_account():
    return f"{r_word()}{rs(LOWER_ALNUM, 6)}"


def az_conn(key=None, account=None):
    return (f"DefaultEndpointsProtocol=https;AccountName={account or az_account()};"
            f"AccountKey={key or az_storage_key()};EndpointSuffix=core.windows.net")


def az_devops_pat():
    # current 84-character format: 52 random, fixed signature, AZDO marker at 76-79
    return rs(ALNUM, 52) + "JQQJ99" + rs(ALNUM, 1) + R.choice("ABCDEFGHIJKL") + rs(ALNUM, 16) + "AZDO" + rs(ALNUM, 4)


def az_client_secret():
    return rs(ALNUM, 3) + R.choice(DIGITS) + "Q~" + rs(ALNUM + "_.~-", 34)


def azurite_key():
    # the published Azurite / storage-emulator development key, from pieces
    return "".join(["Eby8vdM02xNOcqFlqUwJPLlmEt", "lCDXJ1OUzFT50uSRZ6IFsuFq2U", "VErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="])


def az_sas_query():
    return (f"sv=2022-11-02&ss=b&srt=sco&sp=rwdlacupiytfx&se=2026-12-31T00:00:00Z&st=2026-01-01T00:00:00Z"
            f"&spr=https&sig={b64(rbytes(32)).replace('+', '%2B').replace('/', '%2F').replace('=', '%3D')}")


@family
def fam_azure(c: Corpus):
    F = "azure"
    for i in range(16):
        conn = az_conn()
        kind = i % 4
        if kind == 0:
            c.pos(F, "AccountKey= connection string", in_context("AZURE_STORAGE_CONNECTION_STRING", conn))
        elif kind == 1:
            doc = {"IsEncrypted": False, "Values": {"AzureWebJobsStorage": conn, "FUNCTIONS_WORKER_RUNTIME": "python"}}
            c.add(F, True, "AccountKey= connection string", json.dumps(doc, indent=2) + "\n", ".json", "local.settings.json")
        elif kind == 2:
            text = f'from azure.storage.blob import BlobServiceClient\n\nsvc = BlobServiceClient.from_connection_string("{conn}")\n'
            c.add(F, True, "AccountKey= connection string", text, ".py", "from_connection_string(...)")
        else:
            doc = {"ConnectionStrings": {"Storage": conn}, "Logging": {"LogLevel": {"Default": "Information"}}}
            c.add(F, True, "AccountKey= connection string", json.dumps(doc, indent=2) + "\n", ".json", "appsettings.json")
    for i in range(8):
        acct, key = az_account(), az_storage_key()
        text = R.choice([
            f"az storage blob upload --account-name {acct} --account-key {key} --container-name ckpt --file model.safetensors --name model.safetensors\n",
            f"az storage container create --name runs --account-name {acct} --account-key '{key}'\n",
            f"azcopy login --help >/dev/null\naz storage blob download-batch -d ./data -s datasets --account-name {acct} --account-key \"{key}\"\n",
        ])
        c.add(F, True, "storage account key, CLI flag --account-key", text, ".sh")
    for i in range(8):
        c.pos(F, "storage account key (88 base64, ==)", in_context(R.choice(["AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCESS_KEY", "storage_account_key", "account_key"]), az_storage_key()))
    for i in range(5):
        conn = f"AccountEndpoint=https://{az_account()}.documents.azure.com:443/;AccountKey={az_storage_key()};"
        c.pos(F, "Cosmos DB connection string", in_context("COSMOS_CONNECTION_STRING", conn))
    for i in range(6):
        url = f"https://{az_account()}.blob.core.windows.net/datasets/train.parquet?{az_sas_query()}"
        c.pos(F, "SAS URL with sig=", in_context("DATASET_URL", url) if i % 2 else (f"azcopy copy '{url}' ./data/\n", ".sh", "azcopy CLI"))
    for i in range(7):
        conn = (f"Endpoint=sb://{r_word()}-{rs(LOWER_ALNUM, 4)}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
                f"SharedAccessKey={az_sas_key()}")
        c.pos(F, "Service Bus connection string", in_context("SERVICEBUS_CONNECTION_STRING", conn))
    for i in range(4):
        conn = (f"Endpoint=sb://{r_word()}-hub.servicebus.windows.net/;SharedAccessKeyName=send;"
                f"SharedAccessKey={az_sas_key()};EntityPath=telemetry")
        c.pos(F, "Event Hubs connection string", in_context("EVENTHUB_CONNECTION_STRING", conn))
    for i in range(6):
        conn = f"Endpoint=https://{r_word()}-cfg.azconfig.io;Id={rs(ALNUM, 4)}-l0-s0:{rs(ALNUM + '/+', 20)};Secret={az_sas_key()}"
        c.pos(F, "App Configuration connection string", in_context("APP_CONFIGURATION_CONNECTION_STRING", conn))
    for i in range(10):
        pat = az_devops_pat()
        if i % 3 == 0:
            c.add(F, True, "Azure DevOps PAT (84-char format)", f"echo {pat} | az devops login --organization https://dev.azure.com/{r_word()}\n", ".sh", "az devops login")
        else:
            c.pos(F, "Azure DevOps PAT (84-char format)", in_context(R.choice(["AZURE_DEVOPS_PAT", "AZURE_DEVOPS_EXT_PAT", "ADO_TOKEN"]), pat))
    for i in range(5):
        c.pos(F, "Azure DevOps PAT (legacy 52-char)", in_context("AZURE_DEVOPS_PAT", rs(LOWER + "234567", 52)))
    for i in range(3):
        pat = az_devops_pat()
        text = f"git clone https://{r_word()}:{pat}@dev.azure.com/{r_word()}/{r_word()}/_git/{r_word()}\n"
        c.add(F, True, "Azure DevOps PAT in git URL", text, ".sh")
    for i in range(10):
        key = r_hex(32)
        ep = f"https://{r_word()}-aoai.openai.azure.com/"
        text = R.choice([
            (f'from openai import AzureOpenAI\n\nclient = AzureOpenAI(\n    api_key="{key}",\n    api_version="2024-06-01",\n    azure_endpoint="{ep}",\n)\n', ".py", "AzureOpenAI(api_key=...)"),
            (f"AZURE_OPENAI_ENDPOINT={ep}\nAZURE_OPENAI_API_KEY={key}\n", ".env", ".env line"),
            (f'curl "{ep}openai/deployments/gpt-4o/chat/completions?api-version=2024-06-01" -H "api-key: {key}" -d @req.json\n', ".sh", "curl api-key header"),
            (f"azure:\n  openai:\n    endpoint: {ep}\n    api_key: {key}\n", ".yaml", "YAML mapping"),
        ])
        c.pos(F, "Azure OpenAI key (32 hex)", text)
    for i in range(12):
        secret = az_client_secret()
        tenant, app = r_uuid(), r_uuid()
        text = R.choice([
            (f"AZURE_TENANT_ID={tenant}\nAZURE_CLIENT_ID={app}\nAZURE_CLIENT_SECRET={secret}\n", ".env", ".env line"),
            (f'cred = ClientSecretCredential("{tenant}", "{app}", "{secret}")\n', ".py", "ClientSecretCredential(...)"),
            (f"az login --service-principal -u {app} -p {secret} --tenant {tenant}\n", ".sh", "az login -p CLI flag"),
            in_context("client_secret", secret),
        ])
        c.pos(F, "Entra ID client secret (Q~)", text)

    # --- negatives
    for _ in range(4):
        c.neg(F, "development storage (UseDevelopmentStorage=true)", in_context("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true"))
    for i in range(6):
        conn = (f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={azurite_key()};"
                f"BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;")
        c.neg(F, "documentation sample (Azurite development key)", in_context("AZURE_STORAGE_CONNECTION_STRING", conn))
    for p in ("<account-key>", "${AZURE_STORAGE_KEY}", "...", "{{ storage_key }}", "$(STORAGE_KEY)", "changeme"):
        c.neg(F, "placeholder", in_context("AZURE_STORAGE_CONNECTION_STRING", az_conn(key=p)))
    for _ in range(3):
        text = (f"KEY=$(az storage account keys list -g rg -n {az_account()} --query '[0].value' -o tsv)\n"
                f"az storage blob upload --account-name {az_account()} --account-key \"$KEY\" -f out.bin -c ckpt -n out.bin\n")
        c.add(F, False, "placeholder (--account-key \"$KEY\")", text, ".sh")
    for p in ("<key>", "${SB_KEY}", "xxxxxxxx"):
        conn = f"Endpoint=sb://{r_word()}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={p}"
        c.neg(F, "placeholder", in_context("SERVICEBUS_CONNECTION_STRING", conn))
    for p in ("xxx8Q~" + "x" * 34, "<client-secret>", "${AZURE_CLIENT_SECRET}", "${{ secrets.AZURE_CLIENT_SECRET }}", "changeme"):
        c.neg(F, "placeholder", in_context("AZURE_CLIENT_SECRET", p))
    for p in ("<api-key>", "${AZURE_OPENAI_API_KEY}", "0" * 32, "x" * 32):
        c.neg(F, "placeholder", in_context("AZURE_OPENAI_API_KEY", p))
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_SUBSCRIPTION_ID", "ARM_TENANT_ID"):
        for _ in range(3):
            c.neg(F, "UUID (tenant/client/subscription id)", in_context(name, r_uuid()))
    for _ in range(3):
        c.neg(F, "Application Insights instrumentation key (UUID)", in_context("APPINSIGHTS_INSTRUMENTATIONKEY", r_uuid()))
    for _ in range(6):
        name = R.choice(["operation_Id", "deployment_hash", "model_md5", "content_md5", "trace_id"])
        c.neg(F, "32 hex digest/id, unrelated name", in_context(name, r_hex(32)))
    for _ in range(4):
        text = (f"{ts()} INFO azure.core.pipeline.policies.http_logging_policy: Response status: 200\n"
                f"Response headers:\n    'x-ms-request-id': '{r_uuid()}'\n    'x-ms-client-request-id': '{r_uuid()}'\n"
                f"    'Content-MD5': '{b64(rbytes(16))}'\n    'ETag': '\"0x8DC{rs(HEX.upper(), 12)}\"'\n")
        c.add(F, False, "Azure SDK response headers (request ids, MD5)", text, ".log")
    for _ in range(6):
        integrity = "sha512-" + b64(rbytes(64))
        text = json.dumps({"name": r_word(), "lockfileVersion": 3, "packages": {"node_modules/" + r_word(): {"version": "4.0.1", "integrity": integrity}}}, indent=2)
        c.add(F, False, "npm integrity hash (88-char base64 ==)", text + "\n", ".json")
    for _ in range(4):
        c.neg(F, "random 88-char base64, unrelated name", in_context(R.choice(["signature_b64", "embedding_hash", "blob_digest"]), b64(rbytes(64))))
    for _ in range(3):
        url = f"https://{az_account()}.blob.core.windows.net/datasets/train.parquet?sv=2022-11-02&se=2026-12-31&sr=b&sp=r"
        c.neg(F, "SAS URL without sig=", in_context("DATASET_URL", url))
    for _ in range(2):
        url = f"https://{az_account()}.blob.core.windows.net/data?sv=2022-11-02&sp=r&sig=<signature>"
        c.neg(F, "placeholder", in_context("DATASET_URL", url))
    for _ in range(3):
        c.neg(F, "public blob URL (no credential)", in_context("MODEL_URL", f"https://{az_account()}.blob.core.windows.net/public/model-{R.randint(1, 99)}.onnx"))
    for _ in range(3):
        c.neg(F, "truncated DevOps PAT (40 chars)", in_context("AZURE_DEVOPS_PAT", az_devops_pat()[:40]))
    for _ in range(3):
        c.neg(F, "84-char random alnum, no signature, unrelated name", in_context("BUILD_FINGERPRINT", rs(ALNUM, 84)))
    for _ in range(3):
        c.neg(F, "40 chars without Q~, unrelated name", in_context("REQUEST_NONCE", rs(ALNUM + "_.~-", 40)))
    for _ in range(3):
        s = rs(ALNUM, 10) + "Q~" + rs(ALNUM, 28)
        c.neg(F, "Q~ at the wrong position, unrelated name", in_context("SESSION_HANDLE", s))
    for _ in range(3):
        c.neg(F, "truncated client secret (20 chars)", in_context("AZURE_CLIENT_SECRET", az_client_secret()[:20]))
    for _ in range(3):
        c.neg(F, "storage key with wrong length (60 base64)", in_context("AZURE_STORAGE_KEY", b64(rbytes(45))))
    text = "Storage account keys are 88 characters of base64 ending in `==`; use `AccountKey=<key>` in the connection string.\n"
    c.add(F, False, "documentation prose about the format", text, ".md")
    for _ in range(3):
        c.neg(F, "sha256 hex", in_context("AZURE_IMAGE_DIGEST", r_hex(64)))


# ---------------------------------------------------------------- stripe


def stripe_key(prefix="sk_live_"):
    if R.random() < 0.4:
        return prefix + rs(ALNUM, 24)
    return prefix + "51" + rs(ALNUM, 97)


def stripe_special(key):
    return R.choice([
        (f'import stripe\n\nstripe.api_key = "{key}"\n', ".py", "stripe.api_key ="),
        (f"Stripe.api_key = '{key}'\n", ".rb", "Ruby Stripe.api_key ="),
        (f"<?php\n\\Stripe\\Stripe::setApiKey('{key}');\n", ".php", "PHP setApiKey"),
        (f"curl https://api.stripe.com/v1/charges -u {key}: -d amount=2000 -d currency=usd\n", ".sh", "curl -u basic auth"),
        (f'const stripe = require("stripe")("{key}");\n', ".js", "JS require(\"stripe\")(key)"),
        (f'package main\n\nimport "github.com/stripe/stripe-go/v78"\n\nfunc init() {{\n\tstripe.Key = "{key}"\n}}\n', ".go", "Go stripe.Key ="),
        (f"POST /v1/payment_intents HTTP/1.1\nHost: api.stripe.com\nAuthorization: Bearer {key}\n", ".http", "HTTP Authorization: Bearer"),
    ])


@family
def fam_stripe(c: Corpus):
    F = "stripe"
    for i in range(50):
        key = stripe_key("sk_live_")
        c.pos(F, "sk_live_ secret key", stripe_special(key) if i % 3 == 0 else in_context(R.choice(["STRIPE_SECRET_KEY", "STRIPE_API_KEY", "stripe_key"]), key))
    for i in range(36):
        key = stripe_key("rk_live_")
        c.pos(F, "rk_live_ restricted key", stripe_special(key) if i % 3 == 0 else in_context(R.choice(["STRIPE_RESTRICTED_KEY", "STRIPE_API_KEY"]), key))
    for i in range(10):
        c.pos(F, "whsec_ webhook signing secret", in_context("STRIPE_WEBHOOK_SECRET", "whsec_" + rs(ALNUM, 32)))

    # --- negatives
    for i in range(16):
        key = stripe_key("pk_live_")
        if i % 4 == 0:
            text = f'<script src="https://js.stripe.com/v3/"></script>\n<script>\n  const stripe = Stripe("{key}");\n</script>\n'
            c.add(F, False, "publishable key pk_live_ (public by design)", text, ".html", "HTML script")
        else:
            c.neg(F, "publishable key pk_live_ (public by design)", in_context(R.choice(["STRIPE_PUBLISHABLE_KEY", "NEXT_PUBLIC_STRIPE_KEY"]), key))
    for i in range(14):
        pi = "pi_" + rs(ALNUM, 24)
        secret = f"{pi}_secret_{rs(ALNUM, 25)}"
        if i % 2:
            text = json.dumps({"id": pi, "object": "payment_intent", "amount": R.randint(100, 99999), "currency": "usd",
                               "client_secret": secret, "status": "requires_payment_method"}, indent=2)
            c.add(F, False, "PaymentIntent client secret (pi_..._secret_)", text + "\n", ".json", "API response")
        else:
            c.neg(F, "PaymentIntent client secret (pi_..._secret_)", in_context("clientSecret", secret))
    for _ in range(5):
        c.neg(F, "SetupIntent client secret (seti_..._secret_)", in_context("clientSecret", f"seti_{rs(ALNUM, 24)}_secret_{rs(ALNUM, 32)}"))
    for p in ("sk_live_" + "x" * 24, "sk_live_...", "sk_live_<your-key>", "${STRIPE_SECRET_KEY}", "${{ secrets.STRIPE_KEY }}",
              "sk_live_XXXXXXXXXXXXXXXXXXXXXXXX", "rk_live_...", "changeme", "<stripe-secret-key>", "whsec_...", "sk_live_" + "*" * 8):
        c.neg(F, "placeholder", in_context("STRIPE_SECRET_KEY", p))
    c.add(F, False, "read from environment (os.environ)", 'import os\nimport stripe\n\nstripe.api_key = os.environ["STRIPE_SECRET_KEY"]\n', ".py")
    for _ in range(8):
        c.neg(F, "truncated key (sk_live_ + 10)", in_context("STRIPE_SECRET_KEY", "sk_live_" + rs(ALNUM, 10)))
    for _ in range(3):
        c.neg(F, "1234567890abcdef run", in_context("STRIPE_SECRET_KEY", "sk_live_" + ("1234567890abcdef" * 2)[:24]))
    for _ in range(3):
        c.neg(F, "repeated characters", in_context("STRIPE_SECRET_KEY", "sk_live_" + "0" * 24))
    ids = [("cus_", 14), ("ch_", 24), ("acct_", 16), ("evt_", 24), ("price_", 24), ("prod_", 14), ("sub_", 24), ("in_", 24), ("txn_", 24), ("re_", 24)]
    for prefix, n in ids:
        for i in range(2):
            val = prefix + ("1" if prefix == "acct_" else "") + rs(ALNUM, n)
            c.neg(F, f"object id ({prefix})", in_context(prefix.rstrip("_").upper() + "_ID", val))
    for _ in range(4):
        text = json.dumps({"id": "evt_" + rs(ALNUM, 24), "object": "event", "type": "invoice.paid",
                           "data": {"object": {"id": "in_" + rs(ALNUM, 24), "customer": "cus_" + rs(ALNUM, 14),
                                               "subscription": "sub_" + rs(ALNUM, 24)}}}, indent=2)
        c.add(F, False, "webhook event payload (object ids)", text + "\n", ".json")
    for _ in range(4):
        c.neg(F, "UUID", in_context("IDEMPOTENCY_KEY", r_uuid()))
    for _ in range(4):
        c.neg(F, "sha256 hex (webhook signature header value)", in_context("STRIPE_SIGNATURE", f"t={R.randint(1.7e9, 1.8e9)},v1={r_hex(64)}"))
    for _ in range(3):
        c.neg(F, "wrong prefix (sk_life_)", in_context("STRIPE_SECRET_KEY", "sk_life_" + rs(ALNUM, 24)))
    text = "Secret keys start with `sk_live_`, publishable keys with `pk_live_`; only publishable keys belong in the browser.\n"
    c.add(F, False, "documentation prose about the format", text, ".md")


# ---------------------------------------------------------------- private keys


def pem_as_python_concat(pem_text: str) -> str:
    lines = pem_text.strip().split("\n")
    parts = "".join(f'    "{l}\\n"\n    + ' for l in lines[:-1]) + f'"{lines[-1]}\\n"'
    return "PRIVATE_KEY = (\n    " + parts.lstrip() + "\n)\n"


def pem_as_js_concat(pem_text: str) -> str:
    lines = pem_text.strip().split("\n")
    return "const privateKey =\n" + " +\n".join(f"  '{l}\\n'" for l in lines) + ";\n"


def pem_as_go_concat(pem_text: str) -> str:
    lines = pem_text.strip().split("\n")
    return "package main\n\nvar signingKey = " + " +\n\t".join(f'"{l}\\n"' for l in lines) + "\n"


def pem_contexts(pem_text: str):
    esc = pem_text.replace("\n", "\\n")
    indented = "".join("    " + l + "\n" for l in pem_text.strip().split("\n"))
    return [
        (pem_text, ".pem", "bare PEM file"),
        (pem_text, "", "id_* file without extension"),
        (f'SIGNING_KEY = """{pem_text}"""\n', ".py", "Python triple-quoted string"),
        (f"tls:\n  key: |\n{indented}  cert_file: /etc/tls/cert.pem\n", ".yaml", "YAML block scalar"),
        (json.dumps({"name": r_word(), "private_key": pem_text}, indent=2) + "\n", ".json", "JSON with \\n escapes"),
        (f'PRIVATE_KEY="{esc}"\n', ".env", ".env with \\n escapes"),
        (pem_as_python_concat(pem_text), ".py", "PEM built by Python string concatenation"),
        (pem_as_js_concat(pem_text), ".js", "PEM built by JS string concatenation"),
        (pem_as_go_concat(pem_text), ".go", "PEM built by Go string concatenation"),
        (f'resource "tls_private_key" "k" {{}}\n\nlocals {{\n  ssh_key = <<EOT\n{pem_text}EOT\n}}\n', ".tf", "Terraform heredoc"),
        (f"{ts()} DEBUG loaded signing key:\n{pem_text}{ts()} INFO server started\n", ".log", "dumped in a log"),
    ]


@family
def fam_private_keys(c: Corpus):
    F = "private-keys"
    plan = [
        ("RSA PKCS#1 (RSA PRIVATE KEY)", lambda: rsa_key(1024)[0], 18),
        ("EC SEC1 (EC PRIVATE KEY)", lambda: ec_key()[0], 14),
        ("OpenSSH ed25519 (OPENSSH PRIVATE KEY)", lambda: openssh_ed25519()[0], 16),
        ("PKCS#8 RSA (PRIVATE KEY)", lambda: rsa_key(1024)[1], 10),
        ("PKCS#8 EC (PRIVATE KEY)", lambda: ec_key()[1], 6),
        ("PKCS#8 Ed25519 (PRIVATE KEY)", ed25519_pkcs8, 6),
        ("ENCRYPTED PRIVATE KEY (PKCS#8 PBES2)", encrypted_pkcs8, 10),
        ("RSA PRIVATE KEY with Proc-Type ENCRYPTED", legacy_encrypted_rsa, 4),
        ("PGP PRIVATE KEY BLOCK", lambda: pgp_block("PRIVATE"), 6),
    ]
    for case, gen, n in plan:
        for i in range(n):
            ctxs = pem_contexts(gen())
            text, ext, where = ctxs[i % len(ctxs)] if i < len(ctxs) else R.choice(ctxs)
            if ext == "":
                ext = "" if "OPENSSH" in case or "RSA" in case else ".key"
            name_ext = ext or "_id_key"
            c.add(F, True, case, text, name_ext, where)
    for i in range(5):
        encoded = b64(rsa_key(1024)[0].encode())
        text = f"apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\ndata:\n  tls.crt: {b64(ed25519_cert().encode())}\n  tls.key: {encoded}\n"
        c.add(F, True, "base64-wrapped PEM (LS0tLS1CRUdJTi...)", text, ".yaml", "Kubernetes Secret data")
    for i in range(3):
        text = f"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: {r_word()}@{r_host()}\nPublic-Lines: 2\n" \
               f"{b64(rbytes(51))}\nPrivate-Lines: 1\n{b64(rbytes(48))}\nPrivate-MAC: {r_hex(64)}\n"
        c.add(F, True, "PuTTY private key file", text, ".ppk")

    # --- negatives
    for i in range(12):
        pub = [rsa_key(1024)[2], ec_key()[2]][i % 2]
        c.add(F, False, "PUBLIC KEY PEM", pub, ".pem", "bare PEM file")
    for i in range(12):
        c.add(F, False, "CERTIFICATE PEM", ed25519_cert(), R.choice([".crt", ".pem"]), "bare PEM file")
    for i in range(4):
        csr_body = der_seq(der_seq(der_int(0), der_seq(), rbytes(120)), rbytes(70))
        c.add(F, False, "CERTIFICATE REQUEST PEM", pem("CERTIFICATE REQUEST", csr_body), ".csr", "bare PEM file")
    for i in range(8):
        _, line = openssh_ed25519()
        text = R.choice([line + "\n", f"# deploy keys\n{line}\n{openssh_ed25519()[1]}\n",
                         f"{r_host()}.internal,10.0.{R.randint(0, 255)}.{R.randint(1, 254)} {line.rsplit(' ', 1)[0]}\n"])
        c.add(F, False, "ssh public key line (authorized_keys / known_hosts)", text, ".pub")
    for i in range(4):
        c.add(F, False, "PGP PUBLIC KEY BLOCK", pgp_block("PUBLIC"), ".asc", "armoured public key")
    placeholder_bodies = ["...", "<your private key here>", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC...", "x" * 64 + "\n" + "x" * 64,
                          "YOUR_KEY_HERE", "{{ private_key }}", "(redacted)", ""]
    for body in placeholder_bodies:
        for label in ("RSA PRIVATE KEY", "PRIVATE KEY"):
            text = pem_begin(label) + "\n" + (body + "\n" if body else "") + pem_end(label) + "\n"
            ctx = R.choice([(text, ".pem", "bare PEM file"), (json.dumps({"private_key": text}) + "\n", ".json", "JSON with \\n escapes"),
                            (f'KEY = """{text}"""\n', ".py", "Python triple-quoted string")])
            c.neg(F, "placeholder body" if body else "empty PEM body", ctx)
    for label in ("RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"):
        text = R.choice([
            f'PEM_HEADERS = ("{pem_begin(label)}", "{pem_end(label)}")\n\ndef is_key(text):\n    return text.lstrip().startswith(PEM_HEADERS[0])\n',
            f'if strings.HasPrefix(s, "{pem_begin(label)}") {{\n\treturn parseKey(s)\n}}\n',
            f"KEY_RE = re.compile(r\"{pem_begin(label)}[\\s\\S]+?{pem_end(label)}\")\n",
        ])
        c.add(F, False, "PEM header in code (no key)", text, ".py" if "def" in text or "re." in text else ".go")
    for label, n in (("DH PARAMETERS", 2), ("EC PARAMETERS", 2)):
        for _ in range(n):
            c.add(F, False, f"{label} (not a key)", pem(label, der_seq(der_int(R.getrandbits(512)), der_int(2))), ".pem", "bare PEM file")
    for _ in range(5):
        text = R.choice([
            f"Host {r_host()}\n  HostName 10.0.{R.randint(0, 255)}.{R.randint(1, 254)}\n  User {r_word()}\n  IdentityFile ~/.ssh/id_ed25519\n",
            f"ssl:\n  private_key_path: /etc/ssl/private/{r_word()}.key\n  certificate_path: /etc/ssl/certs/{r_word()}.pem\n",
            f'PRIVATE_KEY_FILE=/run/secrets/{r_word()}_key.pem\n',
        ])
        c.add(F, False, "path to a key file", text, ".conf")
    for _ in range(3):
        c.neg(F, "placeholder", in_context("TLS_PRIVATE_KEY", R.choice(["${TLS_KEY}", "${{ secrets.SSH_PRIVATE_KEY }}", "<private-key>"])))
    for _ in range(6):
        c.neg(F, "random base64 blob, unrelated name", in_context("weights_sha_b64", "\n".join(wrap64(rbytes(96)))[:128].replace("\n", "")))
    for _ in range(3):
        text = f"---- BEGIN SSH2 PUBLIC KEY ----\nComment: \"{r_word()}@{r_host()}\"\n" + "\n".join(wrap64(rbytes(51), 70)) + "\n---- END SSH2 PUBLIC KEY ----\n"
        c.add(F, False, "RFC 4716 SSH2 PUBLIC KEY", text, ".pub")
    text = "Generate a key with `ssh-keygen -t ed25519`; never commit the file that starts with BEGIN OPENSSH PRIVATE KEY.\n"
    c.add(F, False, "documentation prose about the format", text, ".md")
    for _ in range(4):
        c.neg(F, "sha256 hex (key fingerprint)", in_context("KEY_FINGERPRINT", "SHA256:" + b64(rbytes(32)).rstrip("=")))


# ---------------------------------------------------------------- jwt


def jwt_make(alg=None, payload=None):
    alg = alg or R.choice(["HS256", "RS256", "ES256", "HS512"])
    header = {"alg": alg, "typ": "JWT"}
    if alg.startswith(("RS", "ES")):
        header["kid"] = rs(ALNUM, 20)
    now = R.randint(1_760_000_000, 1_790_000_000)
    payload = payload or R.choice([
        {"sub": r_uuid(), "iss": f"https://auth.{r_word()}.io/", "aud": "api", "iat": now, "exp": now + 3600, "scope": "read write"},
        {"sub": str(R.randint(10**5, 10**9)), "email": f"{r_word()}@{r_word()}.io", "role": "admin", "iat": now, "exp": now + 86400},
        {"iss": "supabase", "ref": rs(LOWER, 20), "role": "service_role", "iat": now, "exp": now + 10**8},
        {"aud": f"{r_word()}-workers", "sub": f"system:serviceaccount:ml:{r_word()}", "iss": "https://kubernetes.default.svc", "iat": now, "exp": now + 3600},
    ])
    siglen = {"HS256": 32, "HS512": 64, "RS256": 256, "ES256": 64}[alg]
    enc = lambda d: b64url_nopad(json.dumps(d, separators=(",", ":")).encode())  # noqa: E731
    return f"{enc(header)}.{enc(payload)}.{b64url_nopad(rbytes(siglen))}"


def jwt_io_sample():
    """The well-known default token of jwt.io's debugger, rebuilt from its parts."""
    enc = lambda s: b64url_nopad(s.encode())  # noqa: E731
    header = enc('{"alg":"HS256","typ":"JWT"}')
    payload = enc('{"sub":"1234567890","name":"' + "John" + " Doe" + '","iat":1516239022}')
    sig = "SflKxwRJSMeKKF2QT4fw" + "pMeJf36POk6yJV_adQssw5c"
    return f"{header}.{payload}.{sig}"


def jwt_special(tok):
    return R.choice([
        (f"GET /api/v1/runs HTTP/1.1\nHost: api.{r_word()}.io\nAuthorization: Bearer {tok}\n", ".http", "HTTP Authorization: Bearer"),
        (f'curl -H "Authorization: Bearer {tok}" https://api.{r_word()}.io/v1/models\n', ".sh", "curl Authorization: Bearer"),
        (f"GET / HTTP/1.1\nCookie: session={tok}; theme=dark\n", ".http", "Cookie header"),
        (json.dumps({"access_token": tok, "token_type": "Bearer", "expires_in": 3600}, indent=2) + "\n", ".json", "OAuth token response"),
        (json.dumps({"id_token": tok, "refresh_token": rs(ALNUM, 40)}, indent=2) + "\n", ".json", "OIDC id_token"),
        (f"{ts()} DEBUG http: request headers={{'authorization': 'Bearer {tok}'}}\n", ".log", "request log line"),
        (f"apiVersion: v1\nkind: Config\nusers:\n  - name: {r_word()}\n    user:\n      token: {tok}\n", ".yaml", "kubeconfig token"),
        (f"{ts()} INFO redirect https://app.{r_word()}.io/callback?access_token={tok}&state={rs(ALNUM, 12)}\n", ".log", "URL query access_token"),
        (f"  supabase:\n    url: https://{rs(LOWER, 20)}.supabase.co\n    service_role_key: {tok}\n", ".yaml", "YAML mapping"),
    ])


@family
def fam_jwt(c: Corpus):
    F = "jwt"
    for i in range(56):
        tok = jwt_make()
        c.pos(F, "JWT (plain)", jwt_special(tok) if i % 2 == 0 else
              in_context(R.choice(["JWT_TOKEN", "ACCESS_TOKEN", "API_TOKEN", "SUPABASE_SERVICE_ROLE_KEY", "id_token"]), tok))
    for i in range(12):
        wrapped = b64(jwt_make().encode())
        if i % 2:
            text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {r_word()}-token\ntype: kubernetes.io/service-account-token\ndata:\n  token: {wrapped}\n  namespace: {b64(b'ml')}\n"
            c.add(F, True, "base64-wrapped JWT (ZXlK...)", text, ".yaml", "Kubernetes Secret data")
        else:
            c.pos(F, "base64-wrapped JWT (ZXlK...)", in_context("AUTH_TOKEN_B64", wrapped))
    for i in range(10):
        tok = jwt_make()
        h, p, s = tok.split(".")
        text = R.choice([
            (f'TOKEN = (\n    "{h}."\n    "{p}."\n    "{s}"\n)\n', ".py", "split across lines (Python implicit concatenation)"),
            (f'const token = "{h}" + "." + "{p}" +\n  "." + "{s}";\n', ".js", "split by JS concatenation"),
            (f'token := "{h}." +\n\t"{p}." +\n\t"{s}"\n', ".go", "split by Go concatenation"),
            (f"token: >-\n  {h}.{p[:len(p) // 2]}\n  {p[len(p) // 2:]}.{s}\n", ".yaml", "split across lines (YAML folded)"),
        ])
        c.pos(F, "JWT split across lines/concatenation", text)
    for i in range(6):
        tok = jwt_make("RS256")
        c.pos(F, "JWT in .env", c_env("SERVICE_ACCOUNT_JWT", tok))
    for i in range(8):
        tok = jwt_make()
        text = f"{ts()} WARNING auth: token expired for user, token={tok}\n{ts()} INFO auth: refreshing\n"
        c.add(F, True, "JWT (plain)", text, ".log", "application log")
    for i in range(8):
        tok = jwt_make()
        c.pos(F, "JWT (plain)", R.choice([c_ruby_hash, c_php_array, c_go, c_kotlin, c_make, c_toml, c_ini, c_rust])("auth_token", tok))

    # --- negatives
    for i in range(8):
        c.neg(F, "documentation sample (jwt.io default token)", jwt_special(jwt_io_sample()) if i % 2 else in_context("JWT_TOKEN", jwt_io_sample()))
    for i in range(10):
        doc = R.choice([{"model": r_word(), "temperature": 0.7, "max_tokens": R.randint(64, 4096)},
                        {"page": R.randint(1, 50), "cursor": r_uuid(), "filter": {"status": "done"}},
                        {"experiment": r_word(), "seed": R.randint(0, 9999), "tags": [r_word(), r_word()]}])
        enc = b64url_nopad(json.dumps(doc).encode()) if i % 2 else b64(json.dumps(doc).encode())
        c.neg(F, "base64 JSON that is not a JWT (eyJ..., no dots)", in_context(R.choice(["PAGE_CURSOR", "STATE", "PIPELINE_PARAMS"]), enc))
    for i in range(6):
        header = b64url_nopad(json.dumps({"alg": R.choice(["HS256", "RS256"]), "typ": "JWT"}, separators=(",", ":")).encode())
        c.neg(F, "JWT header only", in_context("JWT_HEADER", header))
    for p in ("<header>.<payload>.<signature>", "eyJhbGciOi...", "eyJ...", "Bearer ${TOKEN}", "<jwt>", "${{ secrets.JWT }}",
              "$ACCESS_TOKEN", "changeme", "xxxxx.yyyyy.zzzzz", "eyJhbGciOiJIUzI1NiJ9.<payload>.<sig>"):
        c.neg(F, "placeholder", in_context("JWT_TOKEN", p))
    for _ in range(4):
        text = f"GET /api HTTP/1.1\nHost: api.{r_word()}.io\nAuthorization: Bearer <token>\n"
        c.add(F, False, "placeholder (Bearer <token>)", text, ".http")
    for _ in range(6):
        tok = jwt_make()
        c.neg(F, "truncated JWT (header.payload, no signature)", in_context("JWT_TOKEN", tok.rsplit(".", 1)[0]))
    for _ in range(11):
        now = R.randint(1_760_000_000, 1_790_000_000)
        text = json.dumps({"header": {"alg": "RS256", "typ": "JWT", "kid": rs(ALNUM, 20)},
                           "payload": {"sub": r_uuid(), "iat": now, "exp": now + 3600, "aud": "api"}}, indent=2)
        c.add(F, False, "decoded JWT claims (no token)", text + "\n", ".json")
    for _ in range(6):
        n = b64url_nopad(rbytes(256))
        text = json.dumps({"keys": [{"kty": "RSA", "use": "sig", "kid": rs(ALNUM, 20), "alg": "RS256", "n": n, "e": "AQAB"}]}, indent=2)
        c.add(F, False, "public JWKS (RSA modulus)", text + "\n", ".json")
    for _ in range(6):
        val = ".".join(rs(B64URL, R.randint(20, 60)) for _ in range(3))
        c.neg(F, "three dotted base64url segments, not eyJ (not a JWT)", in_context("TRACE_CONTEXT", val))
    for _ in range(5):
        c.neg(F, "UUID", in_context("SESSION_ID", r_uuid()))
    for _ in range(8):
        c.neg(F, "random base64 blob, unrelated name", in_context("csrf_nonce", b64url_nopad(rbytes(48))))
    for _ in range(4):
        v = f"{R.randint(1, 9)}.{R.randint(0, 40)}.{R.randint(0, 99)}"
        c.neg(F, "dotted version string", in_context("TOKENIZERS_VERSION", v))
    for _ in range(4):
        c.neg(F, "sha256 hex", in_context("TOKEN_HASH", r_hex(64)))
    text = "A JWT has three base64url parts separated by dots; the first usually starts with `eyJ`.\n"
    c.add(F, False, "documentation prose about the format", text, ".md")


# ---------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args(argv)
    out = Path(args.outdir).resolve()
    repo = Path(__file__).resolve().parent.parent
    if out == repo or repo in out.parents:
        print("error: write the corpus outside the repository", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        if old.is_file() and old.name.startswith("d"):
            old.unlink()
    R.seed(args.seed)
    corpus = Corpus(out)
    for name, fn in FAMILIES:
        before = len(corpus.labels)
        fn(corpus)
        for lab in corpus.labels[before:]:
            assert lab["family"] == name, (lab, name)
    key = {
        "generator": "bench/make_detection_corpus.py",
        "seed": args.seed,
        "corpus": out.name,
        "real_keys": HAVE_CRYPTO,
        "samples": corpus.labels,
    }
    key_path = out.parent / (out.name + ".labels.json")
    key_path.write_text(json.dumps(key, indent=1) + "\n", encoding="utf-8")
    fams = {}
    for lab in corpus.labels:
        p, n = fams.get(lab["family"], (0, 0))
        fams[lab["family"]] = (p + (lab["label"] == "positive"), n + (lab["label"] == "negative"))
    for fam, (p, n) in fams.items():
        print(f"{fam:14} {p:4} positives {n:4} negatives")
    tp = sum(p for p, _ in fams.values())
    tn = sum(n for _, n in fams.values())
    print(f"{'total':14} {tp:4} positives {tn:4} negatives -> {out}, {key_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
