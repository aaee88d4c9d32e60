//! A configuration file and a baseline file: loading never panics, and what
//! loads writes back to text that loads to the same thing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_scan::{Baseline, Config, LoadedConfig};

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("modelseal-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    for name in ["modelseal.toml", "pyproject.toml", "baseline.json"] {
        let path = dir.join(name);
        if std::fs::write(&path, data).is_err() {
            return;
        }
        if name == "baseline.json" {
            if let Ok(baseline) = Baseline::read(&path) {
                let again = dir.join("again.json");
                baseline.write(&again).expect("a baseline that was read can be written");
                let back = Baseline::read(&again).expect("a written baseline reads back");
                assert_eq!(back, baseline);
            }
        } else if let Ok(config) = LoadedConfig::load(&path) {
            let _ = config.extra_rules();
            // Compared as text: a NaN entropy floor is not equal to itself.
            let text = toml::to_string(&config.config).expect("a loaded configuration serializes");
            let back: Config = toml::from_str(&text).expect("a written configuration reads back");
            assert_eq!(toml::to_string(&back).unwrap(), text);
        }
    }
});
