#!/usr/bin/env python3
"""Generate a deterministic model-release folder with planted secrets.

    python3 bench/make_model_folder.py OUT [--weights 8GiB] [--seed 1234] [--force]

OUT (keep it outside the repository, e.g. /tmp/bench/model8g) receives what a
model release on a hub looks like:

- ``model.safetensors`` (about half of --weights): 8-byte little-endian header
  length, compact JSON header (``__metadata__`` first, then BF16/F32 tensors
  with contiguous ``data_offsets``, padded with spaces to 8 bytes), then the
  tensor data, made sparse with ``truncate`` (nothing written, so it takes no
  disk space and no time). ``__metadata__`` holds a home-folder ``source``
  path and a Hugging Face token under ``hub_token``.
- ``model.gguf`` (about a quarter): GGUF v3 written by hand: magic, version,
  tensor count, kv count, kv pairs (general.*, llama.*, a gpt2-style
  tokenizer with ~50k tokens and merges, ``general.author`` with an e-mail
  address, a custom ``training.aws_access_key_id`` holding an ``AKIA`` key
  id), tensor infos (Q4_K / Q6_K / F32), padding to 32, sparse data.
- ``pytorch_model.bin`` (about a quarter): a zip like ``torch.save`` makes
  (ZIP_STORED, members aligned to 64 bytes with an ``FB`` extra field):
  ``archive/data.pkl`` (a protocol-2 pickle of an OrderedDict of tensors
  rebuilt through ``torch._utils._rebuild_tensor_v2`` with persistent ids
  ``('storage', torch.BFloat16Storage, key, 'cpu', numel)``, written without
  torch, plus a ``training_args`` dict whose ``env`` holds an AWS key pair),
  ``archive/byteorder``, ``archive/data/0`` (one large storage of zeros,
  really written, in 64 MiB chunks: this is the file that takes disk space),
  small storages for the norm weights, ``archive/version``,
  ``archive/.data/serialization_id``.
- a few MB of text around them: ``config.json``, ``generation_config.json``,
  ``tokenizer.json`` (~2 MB, the same vocabulary and merges as the GGUF),
  ``tokenizer_config.json``, ``special_tokens_map.json``, ``README.md`` (model
  card), ``training_args.json`` (a Trainer dump, hub token replaced by
  ``<HUB_TOKEN>`` as transformers does) and ``logs/train.log`` (~3 MB, the
  log generator of make_corpus.py) with an environment dump holding an AWS
  key pair and a GitHub ``ghp_`` token.

The answer key ``OUT/../<name>.planted.json`` has make_corpus.py's format
(``items``: path, line, end_line, kind, value). Items inside binary files
also have ``"binary": true``, ``offset`` (byte offset of the value in the
file), ``field`` (where it sits) and, for the checkpoint, ``member``; their
``line`` is the line a text scanner reading the raw bytes would report (1 +
the newline bytes before the value). compare.py counts such an item as found
when the tool reports a finding in that file (or one of its members) whose
value, when the tool prints one, is that item's value, or whose rule names
that kind of secret when it does not. ``clues`` lists the metadata (user
names in home paths, an e-mail address) in the same format; they are not
secrets and are not part of "planted found".

Every value is made at run time from the provider's format with the seeded
RNG (make_corpus.gen_value); the same seed and --weights give byte-identical
files.
"""

import argparse
import collections
import json
import os
import pickle
import random
import shutil
import struct
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_corpus as mc  # noqa: E402  (value formats, log filler, sizes)

KiB, MiB, GiB = 1024, 1024 ** 2, 1024 ** 3
CHUNK = 64 * MiB

FIRST = ["alice", "bjorn", "chen", "dmitri", "elena", "farid", "grace", "hiro", "ines", "jonas",
         "kavya", "lukas", "marta", "nadia", "omar", "priya", "rafael", "sofia", "tomas", "yuki"]
LAST = ["andersen", "bauer", "costa", "dubois", "eriksen", "fischer", "garcia", "hoffmann", "ivanova",
        "jensen", "kowalski", "laurent", "moreau", "nakamura", "okafor", "petrov", "rossi", "schmidt"]
ORGS = ["northwind-ai", "lumen-labs", "corvid-research", "tessellate", "brightfield-ml", "halcyon-nlp"]


# --------------------------------------------------------------------------
# vocabulary (GPT-2 style byte-level BPE), shared by tokenizer.json and GGUF

def bytes_to_unicode():
    """GPT-2's printable stand-ins for the 256 byte values: (in vocabulary order, by byte)."""
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1))
          + list(range(ord("\u00ae"), ord("\u00ff") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs], {b: chr(c) for b, c in zip(bs, cs)}


ONSET = ["", "", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
         "st", "tr", "pr", "ch", "th", "sh", "pl", "gr", "br", "cl", "sp", "qu"]
VOWEL = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "ea", "io", "ou", "ai", "y"]
CODA = ["", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ng", "ck", "rt", "ll", "x"]
SUFFIX = ["ing", "ed", "ly", "tion", "ment", "ness", "er", "est", "able", "ize", "s", "al"]
CODE = ["self", "def", "return", "import", "None", "True", "False", "torch", "tensor", "args", "kwargs",
        "__init__", "forward", "config", "model", "layer", "hidden", "states", "attention", "mask"]
PUNCT = ["(", ")", ".", ",", ":", ";", "[", "]", "{", "}", "=", "==", "->", "\"", "'", "),", "):",
         "()", "_", "__", "#", "/", "*", "-", "--", "+", "%", "!", "?", "<", ">"]


def make_vocab(rng, size, specials):
    """(tokens, merges): byte tokens, then merged pieces, then special tokens."""
    base, of_byte = bytes_to_unicode()          # ids 0..255: "!" first, as in GPT-2
    sp, nl = of_byte[ord(" ")], of_byte[ord("\n")]   # "\u0120" and "\u010a"
    tokens = list(base)
    have = set(tokens)
    merges = []
    room = size - len(specials)

    def add(t):
        if t in have:
            return
        ks = [k for k in range(1, len(t)) if t[:k] in have and t[k:] in have]
        k = rng.choice(ks) if ks else rng.randrange(1, len(t))
        add(t[:k])
        add(t[k:])
        if len(tokens) < room:
            tokens.append(t)
            have.add(t)
            merges.append(t[:k] + " " + t[k:])

    def word():
        w = "".join(rng.choice(ONSET) + rng.choice(VOWEL) + rng.choice(CODA)
                    for _ in range(rng.choice([1, 1, 2, 2, 2, 3])))
        if rng.random() < 0.2:
            w += rng.choice(SUFFIX)
        return w

    for t in (sp * 2, sp * 4, sp * 8, nl * 2, sp + sp + sp, nl + sp * 4):
        add(t)
    while len(tokens) < room:
        r = rng.random()
        if r < 0.55:
            w = word()
            t = sp + w
        elif r < 0.75:
            t = word()
        elif r < 0.83:
            t = sp + word().capitalize()
        elif r < 0.88:
            t = rng.choice([sp, ""]) + rng.choice(CODE)
        elif r < 0.94:
            t = "".join(rng.choices(PUNCT, k=rng.randint(1, 2)))
        else:
            t = rng.choice([sp, ""]) + str(rng.randint(0, 999))
        if len(t) > 1:
            add(t)
    return tokens + list(specials), merges


# --------------------------------------------------------------------------
# architecture: llama-like, sized from the byte budgets

def ffn_size(h):
    return max(256, int(round(h * 3.5 / 256)) * 256)


def arch_for(h, vocab):
    return {"hidden": h, "inter": ffn_size(h), "heads": max(2, h // 128), "kv_heads": max(1, h // 512),
            "head_dim": 128 if h >= 256 else h // 2, "vocab": vocab}


def layer_params(a):
    """[(suffix, shape)] of one decoder layer, HF names, (out, in) shapes."""
    h, i, kv = a["hidden"], a["inter"], a["kv_heads"] * a["head_dim"]
    return [("self_attn.q_proj.weight", (h, h)), ("self_attn.k_proj.weight", (kv, h)),
            ("self_attn.v_proj.weight", (kv, h)), ("self_attn.o_proj.weight", (h, h)),
            ("mlp.gate_proj.weight", (i, h)), ("mlp.up_proj.weight", (i, h)),
            ("mlp.down_proj.weight", (h, i)),
            ("input_layernorm.weight", (h,)), ("post_attention_layernorm.weight", (h,))]


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def hf_tensors(a, nlayers):
    out = [("model.embed_tokens.weight", (a["vocab"], a["hidden"]))]
    for li in range(nlayers):
        out += [(f"model.layers.{li}.{s}", shp) for s, shp in layer_params(a)]
    out += [("model.norm.weight", (a["hidden"],)), ("lm_head.weight", (a["vocab"], a["hidden"]))]
    return out


def layers_to_fit(budget, fixed, per_layer):
    """Whole layers that come nearest the budget (at least one)."""
    return max(1, int(round((budget - fixed) / per_layer)))


def bf16_bytes(a, nlayers):
    return sum(numel(s) * 2 for _, s in hf_tensors(a, nlayers))


def pick_hidden(budget_smallest, vocab):
    """Largest hidden size whose embeddings and two layers fit the smallest BF16 budget."""
    for h in (4096, 3072, 2048, 1024, 512, 256):
        if bf16_bytes(arch_for(h, vocab), 2) <= budget_smallest:
            return h
    return 256


# --------------------------------------------------------------------------
# helpers

def newline_line(path, offset):
    """The 1-based line a text scanner reading the raw bytes reports at offset."""
    n = 0
    with open(path, "rb") as f:
        left = offset
        while left > 0:
            b = f.read(min(left, 8 * MiB))
            if not b:
                break
            n += b.count(b"\n")
            left -= len(b)
    return n + 1


def find_offset(path, needle, limit=16 * MiB):
    """Byte offset of the first occurrence of needle in the first `limit` bytes."""
    with open(path, "rb") as f:
        buf = f.read(limit)
    off = buf.find(needle)
    if off < 0 or buf.find(needle, off + 1) >= 0:
        raise AssertionError(f"{needle[:12]!r}... not found exactly once in {path}")
    return off


def binary_item(out, rel, kind, value, field, **extra):
    path = os.path.join(out, rel)
    off = find_offset(path, value.encode())
    line = newline_line(path, off)
    return dict({"path": rel, "line": line, "end_line": line, "kind": kind, "value": value,
                 "binary": True, "offset": off, "field": field}, **extra)


# --------------------------------------------------------------------------
# safetensors

ST_DTYPE = {"BF16": 2, "F32": 4, "F16": 2}


def write_safetensors(path, a, budget, metadata):
    per_layer = sum(numel(s) * 2 for _, s in layer_params(a))
    fixed = bf16_bytes(a, 0)
    nl = layers_to_fit(budget, fixed, per_layer)
    header = {"__metadata__": metadata}
    off = 0
    # big matrices in BF16; norm vectors in F32 (as mixed-precision trainers save them)
    for name, shape in hf_tensors(a, nl):
        dt = "F32" if len(shape) == 1 else "BF16"
        n = numel(shape) * ST_DTYPE[dt]
        header[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [off, off + n]}
        off += n
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * (-len(hj) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        f.truncate(8 + len(hj) + off)     # sparse: the tensor bytes are never written
    return {"layers": nl, "tensors": len(header) - 1, "header_bytes": len(hj), "data_bytes": off}


# --------------------------------------------------------------------------
# GGUF v3

GGUF_T = {"u8": 0, "i8": 1, "u16": 2, "i16": 3, "u32": 4, "i32": 5, "f32": 6, "bool": 7, "str": 8,
          "arr": 9, "u64": 10, "i64": 11, "f64": 12}
GGML = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q8_0": (8, 32, 34), "Q4_K": (12, 256, 144),
        "Q6_K": (14, 256, 210)}   # type id, block elements, block bytes
GGUF_ALIGN = 32


def gstr(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gval(t, v):
    if t == "str":
        return gstr(v)
    return struct.pack("<" + {"u8": "B", "i8": "b", "u16": "H", "i16": "h", "u32": "I", "i32": "i",
                              "f32": "f", "bool": "?", "u64": "Q", "i64": "q", "f64": "d"}[t], v)


def gkv(key, t, v):
    if t.startswith("arr:"):
        et = t[4:]
        if et == "str":
            body = b"".join(gstr(x) for x in v)
        else:
            body = struct.pack("<%d%s" % (len(v), {"i32": "i", "f32": "f", "u32": "I"}[et]), *v)
        return gstr(key) + struct.pack("<IIQ", GGUF_T["arr"], GGUF_T[et], len(v)) + body
    return gstr(key) + struct.pack("<I", GGUF_T[t]) + gval(t, v)


def gguf_tensors(a, nl):
    """[(name, ne (fastest first), ggml type)] in llama.cpp's naming."""
    h, i, kv, v = a["hidden"], a["inter"], a["kv_heads"] * a["head_dim"], a["vocab"]
    out = [("token_embd.weight", (h, v), "Q4_K")]
    for li in range(nl):
        b = f"blk.{li}."
        out += [(b + "attn_norm.weight", (h,), "F32"), (b + "attn_q.weight", (h, h), "Q4_K"),
                (b + "attn_k.weight", (h, kv), "Q4_K"), (b + "attn_v.weight", (h, kv), "Q6_K"),
                (b + "attn_output.weight", (h, h), "Q4_K"), (b + "ffn_gate.weight", (h, i), "Q4_K"),
                (b + "ffn_up.weight", (h, i), "Q4_K"), (b + "ffn_down.weight", (i, h), "Q6_K"),
                (b + "ffn_norm.weight", (h,), "F32")]
    out += [("output_norm.weight", (h,), "F32"), ("output.weight", (h, v), "Q6_K")]
    return out


def ggml_nbytes(ne, t):
    _, blk, bb = GGML[t]
    n = numel(ne)
    assert ne[0] % blk == 0, (ne, t)
    return n // blk * bb


def align(n, a):
    return n + (-n % a)


def write_gguf(path, a, budget, kvs):
    def total(nl):
        off = 0
        for _, ne, t in gguf_tensors(a, nl):
            off = align(off, GGUF_ALIGN) + ggml_nbytes(ne, t)
        return off
    per_layer = total(2) - total(1)
    nl = layers_to_fit(budget, total(0), per_layer)
    tensors = gguf_tensors(a, nl)
    kvs = kvs(nl)
    head = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)))
    for key, t, v in kvs:
        head += gkv(key, t, v)
    off = 0
    for name, ne, t in tensors:
        off = align(off, GGUF_ALIGN)
        head += gstr(name) + struct.pack("<I", len(ne)) + struct.pack("<%dQ" % len(ne), *ne)
        head += struct.pack("<IQ", GGML[t][0], off)
        off += ggml_nbytes(ne, t)
    head += b"\0" * (-len(head) % GGUF_ALIGN)
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(len(head) + off)     # sparse tensor data
    return {"layers": nl, "tensors": len(tensors), "kv": len(kvs), "header_bytes": len(head),
            "data_bytes": off}


# --------------------------------------------------------------------------
# PyTorch zip checkpoint (torch.save layout), pickled without torch

class Global:
    """Stands for a global (module, name); pickled as GLOBAL 'module\\nname\\n'."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *a):   # pickle wants a callable as the REDUCE function
        raise TypeError("stub")


class Storage:
    def __init__(self, key, dtype_global, numel_):
        self.key, self.dtype, self.numel = key, dtype_global, numel_


class Tensor:
    REBUILD = Global("torch._utils", "_rebuild_tensor_v2")

    def __init__(self, storage, offset, shape):
        self.storage, self.offset, self.shape = storage, offset, tuple(shape)

    def __reduce__(self):
        stride, s = [], 1
        for d in reversed(self.shape):
            stride.insert(0, s)
            s *= d
        return (self.REBUILD, (self.storage, self.offset, self.shape, tuple(stride), False,
                               collections.OrderedDict()))


class TorchPickler(pickle._Pickler):
    """Pure-Python pickler: stubs become GLOBAL opcodes, storages persistent ids."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_stub_global(self, obj):
        self.write(pickle.GLOBAL + obj.module.encode() + b"\n" + obj.name.encode() + b"\n")
        self.memoize(obj)

    dispatch[Global] = save_stub_global

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.dtype, obj.key, "cpu", obj.numel)
        return None


def torch_pickle(obj):
    import io
    buf = io.BytesIO()
    TorchPickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def zip_member(zf, name, size, writer, align_to=64):
    """Add a ZIP_STORED member whose data starts on a multiple of align_to
    (torch pads the local header's extra field with an 'FB' record of 'Z's)."""
    zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    zi.compress_type = zipfile.ZIP_STORED
    zi.file_size = size
    zip64 = size * 1.05 > zipfile.ZIP64_LIMIT
    start = zf.start_dir
    base = 30 + len(name.encode()) + (20 if zip64 else 0) + 4
    pad = -(start + base) % align_to
    zi.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    with zf.open(zi, "w") as w:
        data_start = zf.fp.tell()
        assert data_start % align_to == 0, (name, data_start)
        writer(w)
    return data_start


def write_pytorch(path, a, budget, extra_entries, rng):
    per_layer = sum(numel(s) * 2 for _, s in layer_params(a))
    nl = layers_to_fit(budget, bf16_bytes(a, 0), per_layer)
    bf16 = Global("torch", "BFloat16Storage")
    big_elems = sum(numel(s) for _, s in hf_tensors(a, nl) if len(s) == 2)
    flat = Storage("0", bf16, big_elems)        # one flat buffer, the matrices are views into it
    sd = collections.OrderedDict()
    small = []
    off = 0
    for name, shape in hf_tensors(a, nl):
        if len(shape) == 2:
            sd[name] = Tensor(flat, off, shape)
            off += numel(shape)
        else:
            st = Storage(str(1 + len(small)), bf16, numel(shape))
            small.append(st)
            sd[name] = Tensor(st, 0, shape)
    for k, v in extra_entries:
        sd[k] = v
    pkl = torch_pickle(sd)
    ones = b"\x80\x3f"   # bfloat16 1.0, little-endian: RMSNorm weights start at one

    def zeros(total):
        def w(f):
            buf = bytes(CHUNK)
            left = total
            while left:
                n = min(left, CHUNK)
                f.write(buf if n == CHUNK else buf[:n])
                left -= n
        return w

    offsets = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        offsets["archive/data.pkl"] = zip_member(zf, "archive/data.pkl", len(pkl), lambda f: f.write(pkl))
        zip_member(zf, "archive/byteorder", 6, lambda f: f.write(b"little"))
        offsets["archive/data/0"] = zip_member(zf, "archive/data/0", big_elems * 2, zeros(big_elems * 2))
        for st in small:
            zip_member(zf, f"archive/data/{st.key}", st.numel * 2, lambda f, st=st: f.write(ones * st.numel))
        zip_member(zf, "archive/version", 2, lambda f: f.write(b"3\n"))
        sid = "".join(rng.choices("0123456789", k=40)).encode()
        zip_member(zf, "archive/.data/serialization_id", len(sid), lambda f: f.write(sid))
    return {"layers": nl, "tensors": len(sd) - len(extra_entries), "pickle_bytes": len(pkl),
            "storages": 1 + len(small), "data_bytes": big_elems * 2, "offsets": offsets}


# --------------------------------------------------------------------------
# text files

def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def line_of(text, needle):
    i = text.index(needle)
    assert text.find(needle, i + 1) < 0, needle[:12]
    return text.count("\n", 0, i) + 1


def tokenizer_json(tokens, merges, specials):
    nspec = len(specials)
    first_special = len(tokens) - nspec
    added = [{"id": first_special + k, "content": s, "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False, "special": True} for k, s in enumerate(specials)]
    doc = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": specials[0], "type_id": 0}},
                                      {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": specials[0], "type_id": 0}},
                                    {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": specials[0], "type_id": 1}},
                                    {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {specials[0]: {"id": specials[0], "ids": [first_special],
                                                            "tokens": [specials[0]]}}},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(tokens[:first_special])},
                  "merges": merges},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def train_log(rng, target, user, run_dir, repo, secrets_env):
    """~target bytes of trainer log; an environment dump near the start holds
    the planted lines. Returns (text, {env_name: line})."""
    clk = mc.Clock(rng)
    pool = mc.Pool(mc.log_units(random.Random(rng.random()), 30_000))
    lines = [f"{clk.stamp()} - INFO - __main__ - Training/evaluation parameters saved to {run_dir}/training_args.json\n",
             f"{clk.stamp()} - INFO - transformers.configuration_utils - loading configuration file {run_dir}/config.json\n",
             f"{clk.stamp()} - INFO - transformers.modeling_utils - loading weights file {run_dir}/model.safetensors\n",
             f"{clk.stamp()} - INFO - accelerate.utils.other - Detected kernel version 5.15.0, which is below the recommended minimum of 5.5.0; this can cause the process to hang.\n"]
    text_parts = ["".join(lines)]
    nbytes = len(text_parts[0].encode())
    nlines = len(lines)
    # a little training first, then the launcher's environment dump
    txt, n, b = pool.chunk(rng, 24 * KiB)
    text_parts.append(txt)
    nlines += n
    nbytes += b
    dump = mc.env_dump(rng, clk)
    where = {}
    # each group (the AWS pair, as make_corpus plants it) on consecutive lines
    for group in secrets_env:
        at = rng.randint(1, len(dump) - 1)
        dump[at:at] = [f"  {env}={v}\n" for env, v in group]
    secrets_env = [x for g in secrets_env for x in g]
    for k, ln in enumerate(dump):
        for env, v in secrets_env:
            if ln == f"  {env}={v}\n":
                where[env] = nlines + 1 + k
    text_parts.append("".join(dump))
    nlines += len(dump)
    nbytes += len("".join(dump).encode())
    while nbytes < target - 300:
        txt, n, b = pool.chunk(rng, min(target - nbytes, rng.uniform(64 * KiB, 512 * KiB)))
        text_parts.append(txt)
        nlines += n
        nbytes += b
    text_parts.append(f"{clk.stamp()} - INFO - transformers.trainer - Saving model checkpoint to {run_dir}\n"
                      f"{clk.stamp()} - INFO - huggingface_hub - Uploading to https://huggingface.co/{repo}\n")
    return "".join(text_parts), where


def model_card(rng, repo, base, author, email, nparams):
    return f"""---
license: apache-2.0
base_model: {base}
library_name: transformers
pipeline_tag: text-generation
tags:
- llama
- gguf
- sft
language:
- en
---

# {repo.split('/')[1]}

A {nparams / 1e9:.1f}B-parameter decoder fine-tuned from `{base}` on instruction data,
released in three formats: `model.safetensors` (BF16), `model.gguf` (Q4_K_M, for
llama.cpp) and `pytorch_model.bin` (the original trainer checkpoint).

## Usage

```python
from transformers import AutoModelForCausalLM, AutoTokenizer

tok = AutoTokenizer.from_pretrained("{repo}")
model = AutoModelForCausalLM.from_pretrained("{repo}", torch_dtype="auto")
inputs = tok("The capital of France is", return_tensors="pt")
print(tok.decode(model.generate(**inputs, max_new_tokens=20)[0]))
```

With llama.cpp:

```sh
llama-cli -m model.gguf -p "The capital of France is" -n 32
```

## Training

| setting | value |
|---|---|
| epochs | 3 |
| learning rate | 2e-5, cosine, 3% warmup |
| batch size | 128 sequences of 4096 tokens |
| precision | bf16 |
| hardware | 8x H100 80GB |

Evaluation loss {rng.uniform(0.9, 1.6):.3f}; see `logs/train.log`.

## Contact

{author} ({email}). Issues and pull requests on the model page are welcome.
"""


# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="folder to create (the scanned model folder), outside the repository")
    ap.add_argument("--weights", type=mc.parse_size, default=mc.parse_size("8GiB"),
                    help="approximate total size of the three weights files (default 8GiB); "
                         "half safetensors, a quarter GGUF, a quarter PyTorch")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--force", action="store_true", help="replace OUT if it exists")
    args = ap.parse_args(argv)

    t0 = time.time()
    out = os.path.abspath(args.out)
    repo_root = os.path.dirname(HERE)
    if out == repo_root or out.startswith(repo_root + os.sep):
        sys.exit(f"{out} is inside the repository; write the model folder elsewhere (e.g. /tmp/bench)")
    if os.path.exists(out) and os.listdir(out):
        if not args.force:
            sys.exit(f"{out} exists and is not empty (use --force to replace it)")
        shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)
    name = os.path.basename(out)
    planted_path = os.path.join(os.path.dirname(out), name + ".planted.json")

    budget_st, budget_gguf = args.weights // 2, args.weights // 4
    budget_pt = args.weights - budget_st - budget_gguf
    free = shutil.disk_usage(out).free
    if free < budget_pt + 64 * MiB:
        sys.exit(f"not enough disk space under {out}: the PyTorch checkpoint needs about "
                 f"{budget_pt / GiB:.1f} GiB of real disk ({free / GiB:.1f} GiB free)")

    rng = random.Random(args.seed)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    user = first[0] + last                  # e.g. "mkowalski"
    author = f"{first.capitalize()} {last.capitalize()}"
    org = rng.choice(ORGS)
    email = f"{first}.{last}@{org.replace('-', '')}.com"
    model_name = f"{rng.choice(mc.ADJ)}-{rng.choice(['llama', 'coder', 'chat', 'instruct'])}"
    repo = f"{org}/{model_name}"
    base = rng.choice(["meta-llama/Llama-2-7b-hf", "mistralai/Mistral-7B-v0.1", "NousResearch/Llama-2-7b-hf"])
    run_dir = f"/home/{user}/runs/{model_name}-sft-{rng.randint(1, 40):02d}"
    ckpt_dir = f"{run_dir}/checkpoint-{rng.randint(10, 300) * 100}"

    # secret values (make_corpus's formats), drawn in a fixed order
    hf_token = mc.gen_value(rng, "huggingface-token")
    gguf_kid = mc.gen_value(rng, "aws-access-key-id")
    pt_kid, pt_sec = mc.gen_value(rng, "aws-access-key-id"), mc.gen_value(rng, "aws-secret-access-key")
    log_kid, log_sec = mc.gen_value(rng, "aws-access-key-id"), mc.gen_value(rng, "aws-secret-access-key")
    log_ghp = mc.gen_value(rng, "github-pat")

    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"]
    vocab_n = 50_304
    tokens, merges = make_vocab(random.Random(rng.random()), vocab_n, specials)
    a = arch_for(pick_hidden(budget_pt, vocab_n), vocab_n)
    items, clues, info = [], [], {}

    # ---- model.safetensors
    t1 = time.time()
    info["model.safetensors"] = write_safetensors(
        os.path.join(out, "model.safetensors"), a, budget_st,
        {"format": "pt", "source": ckpt_dir, "hub_token": hf_token})
    items.append(binary_item(out, "model.safetensors", "huggingface-token", hf_token,
                             "__metadata__.hub_token"))
    clues.append(binary_item(out, "model.safetensors", "username", user, "__metadata__.source",
                             context=ckpt_dir))
    info["model.safetensors"]["seconds"] = round(time.time() - t1, 2)

    # ---- model.gguf
    t1 = time.time()
    token_type = [1] * (len(tokens) - len(specials)) + [3] * len(specials)

    def kvs(nl):
        return [
            ("general.architecture", "str", "llama"),
            ("general.type", "str", "model"),
            ("general.name", "str", model_name.replace("-", " ").title()),
            ("general.author", "str", f"{author} <{email}>"),
            ("general.organization", "str", org),
            ("general.finetune", "str", "sft"),
            ("general.size_label", "str", f"{max(1, round(bf16_bytes(a, nl) / 2e9))}B"),
            ("general.license", "str", "apache-2.0"),
            ("general.source.url", "str", f"https://huggingface.co/{repo}"),
            ("llama.block_count", "u32", nl),
            ("llama.context_length", "u32", 4096),
            ("llama.embedding_length", "u32", a["hidden"]),
            ("llama.feed_forward_length", "u32", a["inter"]),
            ("llama.attention.head_count", "u32", a["heads"]),
            ("llama.attention.head_count_kv", "u32", a["kv_heads"]),
            ("llama.rope.freq_base", "f32", 10000.0),
            ("llama.attention.layer_norm_rms_epsilon", "f32", 1e-5),
            ("general.file_type", "u32", 15),              # MOSTLY_Q4_K_M
            ("llama.vocab_size", "u32", len(tokens)),
            ("llama.rope.dimension_count", "u32", a["head_dim"]),
            ("training.run_dir", "str", run_dir),
            ("training.aws_access_key_id", "str", gguf_kid),
            ("tokenizer.ggml.model", "str", "gpt2"),
            ("tokenizer.ggml.pre", "str", "default"),
            ("tokenizer.ggml.tokens", "arr:str", tokens),
            ("tokenizer.ggml.token_type", "arr:i32", token_type),
            ("tokenizer.ggml.merges", "arr:str", merges),
            ("tokenizer.ggml.bos_token_id", "u32", len(tokens) - len(specials)),
            ("tokenizer.ggml.eos_token_id", "u32", len(tokens) - len(specials)),
            ("tokenizer.ggml.padding_token_id", "u32", len(tokens) - 1),
            ("general.quantization_version", "u32", 2),
        ]
    info["model.gguf"] = write_gguf(os.path.join(out, "model.gguf"), a, budget_gguf, kvs)
    items.append(binary_item(out, "model.gguf", "aws-access-key-id", gguf_kid,
                             "training.aws_access_key_id"))
    clues.append(binary_item(out, "model.gguf", "email", email, "general.author"))
    info["model.gguf"]["seconds"] = round(time.time() - t1, 2)

    # ---- pytorch_model.bin
    t1 = time.time()
    targs = {
        "output_dir": run_dir, "per_device_train_batch_size": 4, "gradient_accumulation_steps": 4,
        "learning_rate": 2e-5, "num_train_epochs": 3, "lr_scheduler_type": "cosine", "warmup_ratio": 0.03,
        "bf16": True, "logging_steps": 10, "save_steps": 500, "report_to": ["wandb"],
        "push_to_hub": True, "hub_model_id": repo, "hub_token": None, "seed": rng.randint(0, 9999),
        "env": {"WANDB_PROJECT": model_name, "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": pt_kid, "AWS_SECRET_ACCESS_KEY": pt_sec,
                "S3_CHECKPOINT_BUCKET": f"s3://{org}-checkpoints/{model_name}"},
    }
    info["pytorch_model.bin"] = write_pytorch(os.path.join(out, "pytorch_model.bin"), a, budget_pt,
                                              [("training_args", targs)], random.Random(rng.random()))
    for kind, v, key in (("aws-access-key-id", pt_kid, "AWS_ACCESS_KEY_ID"),
                         ("aws-secret-access-key", pt_sec, "AWS_SECRET_ACCESS_KEY")):
        items.append(binary_item(out, "pytorch_model.bin", kind, v, f"training_args.env.{key}",
                                 member="archive/data.pkl"))
    clues.append(binary_item(out, "pytorch_model.bin", "username", user, "training_args.output_dir",
                             member="archive/data.pkl", context=run_dir))
    info["pytorch_model.bin"]["seconds"] = round(time.time() - t1, 2)

    # ---- text files
    t1 = time.time()
    nparams = bf16_bytes(a, info["model.safetensors"]["layers"]) / 2
    eos = len(tokens) - len(specials)
    cfg = {"_name_or_path": ckpt_dir, "architectures": ["LlamaForCausalLM"], "attention_bias": False,
           "attention_dropout": 0.0, "bos_token_id": eos, "eos_token_id": eos, "hidden_act": "silu",
           "hidden_size": a["hidden"], "initializer_range": 0.02, "intermediate_size": a["inter"],
           "max_position_embeddings": 4096, "mlp_bias": False, "model_type": "llama",
           "num_attention_heads": a["heads"], "num_hidden_layers": info["model.safetensors"]["layers"],
           "num_key_value_heads": a["kv_heads"], "pretraining_tp": 1, "rms_norm_eps": 1e-05,
           "rope_scaling": None, "rope_theta": 10000.0, "tie_word_embeddings": False,
           "torch_dtype": "bfloat16", "transformers_version": "4.44.2", "use_cache": True,
           "vocab_size": len(tokens)}
    cfg_text = json.dumps(cfg, indent=2) + "\n"
    write_text(os.path.join(out, "config.json"), cfg_text)
    clues.append({"path": "config.json", "line": line_of(cfg_text, ckpt_dir), "end_line": line_of(cfg_text, ckpt_dir),
                  "kind": "username", "value": user, "field": "_name_or_path", "context": ckpt_dir})
    write_text(os.path.join(out, "generation_config.json"),
               json.dumps({"bos_token_id": eos, "eos_token_id": eos, "do_sample": True, "temperature": 0.6,
                           "top_p": 0.9, "max_length": 4096, "transformers_version": "4.44.2"}, indent=2) + "\n")
    write_text(os.path.join(out, "tokenizer.json"), tokenizer_json(tokens, merges, specials))
    write_text(os.path.join(out, "tokenizer_config.json"), json.dumps({
        "add_bos_token": False, "add_prefix_space": False, "bos_token": specials[0], "eos_token": specials[0],
        "pad_token": specials[-1], "clean_up_tokenization_spaces": False, "model_max_length": 4096,
        "tokenizer_class": "GPT2Tokenizer",
        "chat_template": "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}",
        "added_tokens_decoder": {str(eos + k): {"content": s, "lstrip": False, "normalized": False,
                                                "rstrip": False, "single_word": False, "special": True}
                                 for k, s in enumerate(specials)}}, indent=2) + "\n")
    write_text(os.path.join(out, "special_tokens_map.json"), json.dumps(
        {"bos_token": specials[0], "eos_token": specials[0], "pad_token": specials[-1],
         "additional_special_tokens": specials[1:3]}, indent=2) + "\n")
    card = model_card(rng, repo, base, author, email, nparams)
    write_text(os.path.join(out, "README.md"), card)
    clues.append({"path": "README.md", "line": line_of(card, email), "end_line": line_of(card, email),
                  "kind": "email", "value": email, "field": None})
    ta = {k: v for k, v in targs.items() if k != "env"}
    ta.update({"overwrite_output_dir": False, "do_train": True, "do_eval": True, "eval_strategy": "steps",
               "eval_steps": 500, "weight_decay": 0.0, "adam_beta1": 0.9, "adam_beta2": 0.95,
               "max_grad_norm": 1.0, "logging_dir": f"{run_dir}/runs", "save_total_limit": 3,
               "dataloader_num_workers": 4, "run_name": model_name, "deepspeed": None,
               "hub_token": "<HUB_TOKEN>", "hub_strategy": "every_save", "gradient_checkpointing": True,
               "torch_compile": False, "optim": "adamw_torch_fused"})
    ta_text = json.dumps(ta, indent=2, sort_keys=True) + "\n"
    write_text(os.path.join(out, "training_args.json"), ta_text)
    clues.append({"path": "training_args.json", "line": line_of(ta_text, f'"output_dir": "{run_dir}"'),
                  "end_line": line_of(ta_text, f'"output_dir": "{run_dir}"'), "kind": "username", "value": user,
                  "field": "output_dir", "context": run_dir})
    log, where = train_log(random.Random(rng.random()), 3 * MiB, user, run_dir, repo,
                           [[("AWS_ACCESS_KEY_ID", log_kid), ("AWS_SECRET_ACCESS_KEY", log_sec)],
                            [("GITHUB_TOKEN", log_ghp)]])
    write_text(os.path.join(out, "logs", "train.log"), log)
    for kind, env, v in (("aws-access-key-id", "AWS_ACCESS_KEY_ID", log_kid),
                         ("aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", log_sec),
                         ("github-pat", "GITHUB_TOKEN", log_ghp)):
        items.append({"path": "logs/train.log", "line": where[env], "end_line": where[env], "kind": kind, "value": v})
    clues.append({"path": "logs/train.log", "line": 1, "end_line": 1, "kind": "username", "value": user,
                  "field": None, "context": run_dir})
    text_seconds = round(time.time() - t1, 2)

    # ---- answer key
    files = []
    size = disk = 0
    for dp, _, fns in os.walk(out):
        for fn in sorted(fns):
            p = os.path.join(dp, fn)
            st = os.stat(p)
            size += st.st_size
            disk += st.st_blocks * 512
            files.append((os.path.relpath(p, out), st.st_size, st.st_blocks * 512))
    files.sort()
    items.sort(key=lambda p: (p["path"], p["line"]))
    info["pytorch_model.bin"].pop("offsets", None)
    with open(planted_path, "w") as f:
        json.dump({"generator": "bench/make_model_folder.py", "seed": args.seed,
                   "weights_requested": args.weights, "size_bytes": size, "disk_bytes": disk,
                   "files": len(files), "corpus": name,
                   "layout": {k: v for k, v in info.items()},
                   "arch": a, "items": items, "clues": clues}, f, indent=1)

    took = time.time() - t0
    print(f"wrote {len(files)} files, {size / GiB:.2f} GiB apparent, {disk / GiB:.2f} GiB on disk, "
          f"{len(items)} planted items ({sum(1 for i in items if i.get('binary'))} in binary files), "
          f"{len(clues)} metadata clues, in {took:.1f} s", file=sys.stderr)
    for rel, s, d in files:
        extra = info.get(rel)
        desc = ""
        if extra:
            desc = "  " + ", ".join(f"{k}={v}" for k, v in extra.items())
        print(f"  {rel:<26} {s / MiB:>10.1f} MiB  (disk {d / MiB:.1f} MiB){desc}", file=sys.stderr)
    print(f"  text files: {text_seconds} s", file=sys.stderr)
    print(f"answer key: {planted_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
