//! Arbitrary bytes through every built-in rule: no panic, and every match
//! lies inside the input with its secret inside the whole match.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use modelseal_engine::RuleSet;

static RULES: LazyLock<RuleSet> = LazyLock::new(RuleSet::builtin);

fuzz_target!(|data: &[u8]| {
    for m in RULES.scan(data) {
        assert!(m.span.end <= data.len());
        assert!(m.span.start <= m.secret.start && m.secret.end <= m.span.end);
        assert!(!m.secret.is_empty());
    }
});
