//! A configuration file and a baseline file: loading never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_scan::{Baseline, LoadedConfig};

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("modelseal-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    for name in ["modelseal.toml", "pyproject.toml", "baseline.json"] {
        let path = dir.join(name);
        if std::fs::write(&path, data).is_err() {
            return;
        }
        if name == "baseline.json" {
            let _ = Baseline::read(&path);
        } else if let Ok(config) = LoadedConfig::load(&path) {
            let _ = config.extra_rules();
        }
    }
});
