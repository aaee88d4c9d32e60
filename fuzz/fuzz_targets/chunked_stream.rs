//! Differential: streaming in small chunks finds exactly what one
//! whole-buffer pass finds (for matches that do not need more context than
//! a chunk overlap gives).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use modelseal_engine::RuleSet;
use modelseal_scan::chunk::scan_stream;

static RULES: LazyLock<RuleSet> = LazyLock::new(RuleSet::builtin);

fuzz_target!(|data: &[u8]| {
    let mut whole = Vec::new();
    scan_stream(&RULES, data, 1 << 30, |h| whole.push((h.rule, h.line, h.secret))).unwrap();
    let mut chunked = Vec::new();
    // The smallest chunk the streamer allows.
    scan_stream(&RULES, data, 1, |h| chunked.push((h.rule, h.line, h.secret))).unwrap();
    if data.len() < 64 * 1024 {
        assert_eq!(whole, chunked);
    }
});
