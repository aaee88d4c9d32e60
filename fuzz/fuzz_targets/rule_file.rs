//! A user's rules file: parsing and compiling never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_engine::{RuleFile, RuleSet, check_rules};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(file) = RuleFile::parse(text, "fuzz.toml") {
        let _ = check_rules(&file.rule);
        if let Ok(set) = RuleSet::new(file.rule) {
            let _ = set.scan(data);
        }
    }
});
