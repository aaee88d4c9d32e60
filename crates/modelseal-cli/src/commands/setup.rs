//! Configuration and rules, resolved the same way for every command.

use std::path::Path;

use anyhow::{Context, Result};
use modelseal_engine::{RedactStyle, Redactor, Rule, RuleSet, env_literals};

use crate::args::RedactOptions;
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
    let (rules, unknown) = config.rules()?;
    for id in unknown {
        eprintln!(
            "warning: disable_rules names `{id}`, which is not a rule (see `modelseal rules list`)"
        );
    }
    Ok(rules)
}

pub fn rule_set(config: &LoadedConfig) -> Result<RuleSet> {
    let origin = config
        .source
        .as_ref()
        .map_or_else(|| "built-in rules".to_owned(), |p| p.display().to_string());
    RuleSet::new(rules(config)?).with_context(|| format!("rules from {origin}"))
}

/// The redactor `redact` and `run` use: the rules in force, the style from
/// the command line over the configuration's, and the exact values of this
/// process's secret environment variables unless `--no-env`.
pub fn redactor(options: &RedactOptions) -> Result<Redactor> {
    let config = load_config(options.config.as_deref(), options.no_config, Path::new("."))?;
    let rules = rules(&config)?;
    let table = &config.config.redact;
    let style = RedactStyle {
        label: options
            .label
            .clone()
            .or_else(|| table.label.clone())
            .unwrap_or_else(|| RedactStyle::default().label),
        keep: options.keep.or(table.keep).unwrap_or(0),
        metadata: options.metadata || table.metadata.unwrap_or(false),
    };
    if !style.label.contains("{rule}") && style.label.trim().is_empty() {
        anyhow::bail!("--label must not be empty: a redacted secret would vanish without a trace");
    }
    let redactor = Redactor::from_rules(rules, style).context("compiling the rules")?;
    if options.no_env {
        return Ok(redactor);
    }
    let mut also = table.env.clone();
    also.extend(options.env.iter().cloned());
    for name in &options.env {
        if std::env::var_os(name).is_none() {
            eprintln!("warning: --env {name}: no such variable in this environment");
        }
    }
    let vars = std::env::vars_os().map(|(k, v)| (k.into_encoded_bytes(), v.into_encoded_bytes()));
    Ok(redactor.with_literals(&env_literals(vars, &also)))
}
