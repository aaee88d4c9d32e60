//! A user's rules file: parsing and compiling never panic, what parses
//! writes back to text that parses to the same rules, and every match lies
//! inside the scanned bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_engine::{RuleFile, RuleSet, check_rules};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(file) = RuleFile::parse(text, "fuzz.toml") else { return };
    // Compared as text: a NaN entropy floor is not equal to itself.
    let written = toml::to_string(&file).expect("parsed rules serialize");
    let back = RuleFile::parse(&written, "again.toml").expect("written rules parse back");
    assert_eq!(toml::to_string(&back).unwrap(), written);
    let _ = check_rules(&file.rule);
    if let Ok(set) = RuleSet::new(file.rule) {
        for found in set.scan(data) {
            assert!(found.secret.start <= found.secret.end && found.secret.end <= data.len());
        }
    }
});
