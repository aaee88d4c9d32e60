//! Configuration and rules, resolved the same way for every command.

use std::path::Path;

use anyhow::{Context, Result};
use modelseal_engine::{Rule, RuleSet, builtin};
use modelseal_scan::LoadedConfig;

/// The configuration named on the command line, else the one found from
/// `start` upwards, else the defaults.
pub fn load_config(explicit: Option<&Path>, no_config: bool, start: &Path) -> Result<LoadedConfig> {
    if no_config {
        return Ok(LoadedConfig::default());
    }
    if let Some(path) = explicit {
        return Ok(LoadedConfig::load(path)?);
    }
    Ok(LoadedConfig::discover(start)?.unwrap_or_default())
}

/// Built-in rules plus the configuration's, minus the ones it disables.
pub fn rules(config: &LoadedConfig) -> Result<Vec<Rule>> {
    let mut rules = builtin::rules();
    rules.extend(config.extra_rules()?);
    let disabled = &config.config.disable_rules;
    for id in disabled {
        if !rules.iter().any(|r| &r.id == id) {
            eprintln!(
                "warning: disable_rules names `{id}`, which is not a rule (see `modelseal rules list`)"
            );
        }
    }
    rules.retain(|r| !disabled.contains(&r.id));
    Ok(rules)
}

pub fn rule_set(config: &LoadedConfig) -> Result<RuleSet> {
    let origin = config
        .source
        .as_ref()
        .map_or_else(|| "built-in rules".to_owned(), |p| p.display().to_string());
    RuleSet::new(rules(config)?).with_context(|| format!("rules from {origin}"))
}
