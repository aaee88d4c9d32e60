//! Configuration, scanner and redactor, resolved by the library
//! (`modelseal_scan::setup`) the same way for every command and for Python;
//! here only their warnings reach stderr.

use std::path::Path;

use anyhow::Result;
use modelseal_engine::{Redactor, Rule};
use modelseal_scan::{BaselineChoice, Built, LoadedConfig, RedactChoices, ScanSettings, Scanner};

use crate::args::RedactOptions;

/// The configuration named on the command line, else the one found from
/// `start` upwards, else the defaults.
pub fn load_config(explicit: Option<&Path>, no_config: bool, start: &Path) -> Result<LoadedConfig> {
    Ok(LoadedConfig::resolve(explicit, no_config, start)?)
}

/// Built-in rules plus the configuration's, minus the ones it disables.
pub fn rules(config: &LoadedConfig) -> Result<Vec<Rule>> {
    let (rules, unknown) = config.rules()?;
    for id in unknown {
        eprintln!(
            "warning: disable_rules names `{id}`, which is not a rule (see `modelseal rules list`)"
        );
    }
    Ok(rules)
}

/// The scanner the configuration describes.
pub fn scanner(
    config: &LoadedConfig,
    settings: ScanSettings,
    baseline: &BaselineChoice,
) -> Result<Scanner> {
    Ok(told(config.scanner(settings, baseline)?))
}

/// The redactor `redact` and `run` use: the rules in force, the style from
/// the command line over the configuration's, and the exact values of this
/// process's secret environment variables unless `--no-env`.
pub fn redactor(options: &RedactOptions) -> Result<Redactor> {
    let config = load_config(options.config.as_deref(), options.no_config, Path::new("."))?;
    for name in &options.env {
        if std::env::var_os(name).is_none() {
            eprintln!("warning: --env {name}: no such variable in this environment");
        }
    }
    let choices = RedactChoices {
        label: options.label.clone(),
        keep: options.keep,
        metadata: options.metadata.then_some(true),
        env: options.env.clone(),
    };
    let vars = (!options.no_env).then(|| {
        std::env::vars_os().map(|(k, v)| (k.into_encoded_bytes(), v.into_encoded_bytes()))
    });
    Ok(told(config.redactor(choices, vars)?).redactor)
}

/// The value, its warnings written to stderr.
fn told<T>(built: Built<T>) -> T {
    for warning in &built.warnings {
        eprintln!("warning: {warning}");
    }
    built.value
}
