//! Engine throughput on log-shaped text, and rule compilation time.
//! `cargo bench -p modelseal-engine`.

use divan::counter::BytesCount;
use modelseal_engine::RuleSet;

fn main() {
    divan::main();
}

/// About 4 MiB of training-log, Python and JSON lines with a few secrets,
/// built deterministically.
fn corpus() -> Vec<u8> {
    let lines = [
        "2026-04-15 09:13:07,000 INFO  trainer.py:1802 step 450 loss 0.3121 lr 1.75e-05 grad_norm 1.92",
        "    outputs = model(input_ids=batch[\"input_ids\"], attention_mask=batch[\"attention_mask\"])",
        "{\"learning_rate\": 2e-05, \"per_device_train_batch_size\": 32, \"num_train_epochs\": 3, \"seed\": 42}",
        "  File \"/opt/conda/lib/python3.10/site-packages/torch/nn/modules/module.py\", line 1501, in _call_impl",
        "Epoch 2/3:  41%|████      | 1312/3200 [04:11<06:02,  5.21it/s, loss=0.284]",
        "tokenizer = AutoTokenizer.from_pretrained(args.model_name_or_path, use_fast=True)",
        "def compute_metrics(eval_pred): return {\"accuracy\": (preds == labels).mean()}",
        "export HF_HOME=/workspace/.cache/huggingface; export TOKENIZERS_PARALLELISM=false",
    ];
    let secret = concat!("AWS_ACCESS_KEY_ID=AKIA", "QX7MZB2KDPL4NWRT");
    let mut out = Vec::with_capacity(4 << 20);
    let mut i = 0usize;
    while out.len() < 4 << 20 {
        out.extend_from_slice(lines[i % lines.len()].as_bytes());
        out.push(b'\n');
        if i.is_multiple_of(5000) {
            out.extend_from_slice(secret.as_bytes());
            out.push(b'\n');
        }
        i += 1;
    }
    out
}

#[divan::bench]
fn compile_builtin_rules() -> RuleSet {
    RuleSet::builtin()
}

#[divan::bench]
fn scan_log_text(bencher: divan::Bencher) {
    let rules = RuleSet::builtin();
    let text = corpus();
    bencher
        .counter(BytesCount::new(text.len()))
        .bench(|| rules.scan(divan::black_box(&text)).len());
}
