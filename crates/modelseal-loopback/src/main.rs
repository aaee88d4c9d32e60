//! `modelseal-loopback`: a fake hub for benchmarks, serving a repository
//! with gigabytes of synthetic weights that cost no memory or disk.
//!
//!     modelseal-loopback [--weights-gib 10]
//!
//! Prints the URL to use as `HF_ENDPOINT` and the repository name, then
//! serves until its standard input closes; on exit it prints how many body
//! bytes it sent.

use std::io::Read;

use modelseal_loopback::{Content, FakeHub, HubRepoSpec};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut gib: u64 = 10;
    while let Some(arg) = args.next() {
        if arg == "--weights-gib" {
            gib = args.next().and_then(|v| v.parse().ok()).unwrap_or(gib);
        } else {
            eprintln!("usage: modelseal-loopback [--weights-gib N]");
            std::process::exit(2);
        }
    }
    let gib_bytes = 1024 * 1024 * 1024;
    let token = ["hf_", "BenchQzLmWnRtYbGcHdJf", "NsQaEuIoTkXlM"].concat();
    let first = gib / 2 + gib % 2;
    let repo = HubRepoSpec::model("bench/big-model")
        .file(
            "model-00001-of-00002.safetensors",
            Content::safetensors(
                first * gib_bytes,
                &serde_json::json!({"format": "pt", "uploaded_with": token}),
            ),
        )
        .file(
            "model-00002-of-00002.safetensors",
            Content::safetensors(
                (gib - first) * gib_bytes,
                &serde_json::json!({"format": "pt"}),
            ),
        )
        .text(
            "config.json",
            "{\"architectures\": [\"BertForSequenceClassification\"]}\n",
        )
        .text(
            "README.md",
            "# big-model\n\nA synthetic model for benchmarks.\n",
        )
        .text(
            "train.log",
            &format!("step 1 loss 0.9\nlogin with {token}\nstep 2 loss 0.8\n"),
        );
    let hub = FakeHub::start(vec![repo], "unused");
    println!("HF_ENDPOINT={}", hub.url());
    println!("repository: hf://bench/big-model ({gib} GiB of weights)");
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    println!("served {} body bytes", hub.bytes_served());
}
