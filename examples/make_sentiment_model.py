#!/usr/bin/env python3
"""Writes examples/sentiment-model: a small sentiment model package that
reproduces the classic leak, in the formats real ML tooling writes.

A debugging session printed the environment into the training log (an AWS
key pair, a Hugging Face token, a W&B key), the logs were zipped next to the
weights, the pickled training arguments carry the hub token, the notebook
used to debug kept its outputs, the safetensors header records where it was
built, and the TensorBoard event file is named after the training host.

Every credential is fake but well-formed, generated from a fixed seed.
Needs: pip install safetensors numpy nbformat tensorboardX

    python3 examples/make_sentiment_model.py
"""

import io
import json
import os
import pickle
import random
import shutil
import string
import sys
import tempfile
import types
import zipfile

import nbformat
import numpy as np
from safetensors.numpy import save_file
from tensorboardX import SummaryWriter

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "sentiment-model")
R = random.Random(20260415)
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

AKID = "AKIA" + "".join(R.choice(B32) for _ in range(16))
AWS_SECRET = "".join(R.choice(string.ascii_letters + string.digits + "/+") for _ in range(40))
HF_TOKEN = "hf_" + "".join(R.choice(string.ascii_letters) for _ in range(34))
WANDB_KEY = "".join(R.choice("0123456789abcdef") for _ in range(40))
DB_PASSWORD = "".join(R.choice(string.ascii_letters + string.digits) for _ in range(20))
HOST = "gpu-node-7.research.corp"
FIXED_TIME = (2026, 4, 15, 9, 12, 0)


def write(path, text):
    full = os.path.join(OUT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)


def train_log():
    lines = [
        f"2026-04-15 09:12:01,114 INFO  train.py:44 Starting run sentiment-distilbert-v3 on {HOST}",
        "2026-04-15 09:12:01,115 INFO  train.py:45 torch==1.9.0 transformers==4.30.2 datasets==2.13.1",
        "2026-04-15 09:12:01,116 DEBUG train.py:52 Dumping environment to debug the S3 permission error:",
        "HOME=/home/asmith",
        "USER=asmith",
        "PATH=/home/asmith/.local/bin:/usr/local/cuda/bin:/usr/bin:/bin",
        "CUDA_VISIBLE_DEVICES=0,1",
        "MASTER_ADDR=10.40.12.7",
        "MASTER_PORT=29500",
        "AWS_DEFAULT_REGION=us-east-1",
        f"AWS_ACCESS_KEY_ID={AKID}",
        f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}",
        f"HF_TOKEN={HF_TOKEN}",
        f"WANDB_API_KEY={WANDB_KEY}",
        "DATA_URI=s3://acme-training-data/raw-reviews/2026-03/",
        "2026-04-15 09:12:02,870 INFO  data.py:31 Loading reviews from s3://acme-training-data/raw-reviews/2026-03/",
        "2026-04-15 09:12:09,402 INFO  data.py:58 Loaded 184,233 reviews (train 165,809 / eval 18,424)",
    ]
    for step in range(1, 41):
        loss = 0.69 * (0.93 ** step) + 0.05
        lines.append(
            f"2026-04-15 09:{13 + step // 10:02d}:{(step * 7) % 60:02d},000 INFO  trainer.py:1802 "
            f"step {step * 50} loss {loss:.4f} lr {2e-5 * (1 - step / 40):.2e}"
        )
    lines += [
        "2026-04-15 09:19:44,311 INFO  trainer.py:2011 eval accuracy 0.9132 f1 0.9087",
        "2026-04-15 09:19:45,002 INFO  train.py:97 Saving checkpoint to /home/asmith/sentiment/checkpoints/best",
        "2026-04-15 09:19:46,554 INFO  train.py:103 Pushing results to "
        "http://model-builder.internal.corp:8080/runs/sentiment-distilbert-v3",
    ]
    return "\n".join(lines) + "\n"


def logs_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo("run1/train.log", FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, train_log())
        info = zipfile.ZipInfo("run1/eval.log", FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, "eval accuracy 0.9132\neval f1 0.9087\n")
    with open(os.path.join(OUT, "logs.zip"), "wb") as f:
        f.write(buffer.getvalue())


def training_args():
    """A pickled object shaped like transformers' TrainingArguments, under
    its real module path, without importing transformers."""
    module = types.ModuleType("transformers.training_args")

    class TrainingArguments:
        pass

    TrainingArguments.__module__ = "transformers.training_args"
    TrainingArguments.__qualname__ = "TrainingArguments"
    module.TrainingArguments = TrainingArguments
    sys.modules.setdefault("transformers", types.ModuleType("transformers"))
    sys.modules["transformers.training_args"] = module
    args = TrainingArguments()
    args.__dict__.update({
        "output_dir": "/home/asmith/sentiment/checkpoints",
        "logging_dir": "/home/asmith/sentiment/runs/Apr15_09-12-01_" + HOST,
        "learning_rate": 2e-5,
        "num_train_epochs": 3,
        "per_device_train_batch_size": 32,
        "push_to_hub": True,
        "hub_model_id": "acme/sentiment-distilbert-v3",
        "hub_token": HF_TOKEN,
        "report_to": ["wandb", "tensorboard"],
        "run_name": "sentiment-distilbert-v3",
    })
    with open(os.path.join(OUT, "training_args.bin"), "wb") as f:
        pickle.dump(args, f, protocol=4)


def weights():
    rng = np.random.default_rng(7)
    tensors = {
        "classifier.weight": rng.standard_normal((2, 64), dtype=np.float32),
        "classifier.bias": np.zeros(2, dtype=np.float32),
        "embeddings.weight": rng.standard_normal((128, 64), dtype=np.float32),
    }
    metadata = {
        "format": "pt",
        "source": "/home/asmith/sentiment/train.py",
        "build_url": "http://model-builder.internal.corp:8080/runs/sentiment-distilbert-v3",
    }
    save_file(tensors, os.path.join(OUT, "model.safetensors"), metadata=metadata)


def notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    code = nbformat.v4.new_code_cell(
        "import sqlalchemy\n"
        "engine = sqlalchemy.create_engine(DB_URL)\n"
        "engine.connect()"
    )
    code.execution_count = 3
    url = f"postgresql://ml_reader:{DB_PASSWORD}@reviews-db.internal:5432/reviews"
    code.outputs = [nbformat.v4.new_output(
        "error",
        ename="OperationalError",
        evalue="could not connect to server",
        traceback=[
            "\x1b[0;31mOperationalError\x1b[0m  Traceback (most recent call last)",
            "File \x1b[0;32m/home/asmith/sentiment/explore.py:12\x1b[0m",
            f"\x1b[0;31mOperationalError\x1b[0m: could not connect to {url}",
        ],
    )]
    first = nbformat.v4.new_markdown_cell("# Why does the reviews loader fail on the cluster?")
    nb.cells = [first, code]
    with open(os.path.join(OUT, "notebooks", "debug.ipynb"), "w", encoding="utf-8") as f:
        nbformat.write(nb, f)


def event_file():
    with tempfile.TemporaryDirectory() as tmp:
        writer = SummaryWriter(logdir=tmp, filename_suffix="")
        writer.add_text("launch", "python train.py --data s3://acme-training-data/raw-reviews/2026-03/ --epochs 3", 0)
        writer.add_scalar("train/loss", 0.31, 100)
        writer.close()
        produced = [f for f in os.listdir(tmp) if "tfevents" in f][0]
        name = f"events.out.tfevents.1776244321.{HOST}.4242.0"
        os.makedirs(os.path.join(OUT, "runs"), exist_ok=True)
        shutil.copy(os.path.join(tmp, produced), os.path.join(OUT, "runs", name))


def main():
    for stale in ["logs", "runs", "notebooks"]:
        shutil.rmtree(os.path.join(OUT, stale), ignore_errors=True)
    os.makedirs(os.path.join(OUT, "notebooks"), exist_ok=True)
    logs_zip()
    training_args()
    weights()
    notebook()
    event_file()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
