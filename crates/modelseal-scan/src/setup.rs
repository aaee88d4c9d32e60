//! A configuration turned into working parts: the [`Scanner`] that `scan`,
//! `recon`, `protect` and the Python package use, and the [`Redactor`] of
//! `redact`, `run` and the Python logging filter. Written once here, so the
//! command line and Python resolve rules, baselines and styles alike.

use std::path::{Path, PathBuf};

use modelseal_engine::{Literal, RedactStyle, Redactor, RuleError, RuleSet, env_literals};
use thiserror::Error;

use crate::baseline::{Baseline, BaselineError};
use crate::config::{ConfigError, LoadedConfig};
use crate::filter::{FilterError, Filters};
use crate::pipeline::{ScanSettings, Scanner};

/// Why a scanner or redactor could not be built.
#[derive(Debug, Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("rules from {origin}: {source}")]
    Rules { origin: String, source: RuleError },
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error("{origin}: {source}")]
    Allowlist { origin: String, source: FilterError },
    #[error("the label must not be empty: a redacted secret would vanish without a trace")]
    EmptyLabel,
}

/// Which accepted findings a scan leaves out.
#[derive(Debug, Clone, Default)]
pub enum BaselineChoice {
    /// The configuration's `baseline`, if it names one (a missing file is a
    /// warning: it may not have been written yet).
    #[default]
    Configured,
    /// This file, which must exist (`--baseline FILE`).
    File(PathBuf),
    /// None: a baseline is being written, so everything found now counts.
    Ignore,
}

/// The style of redaction the caller asked for; `None` takes the
/// configuration's `[redact]` value, then the default.
#[derive(Debug, Clone, Default)]
pub struct RedactChoices {
    pub label: Option<String>,
    pub keep: Option<usize>,
    pub metadata: Option<bool>,
    /// Environment variables whose exact values are hidden, beyond those
    /// whose names say they are secret and the configuration's list.
    pub env: Vec<String>,
}

/// A built part and what is worth a warning about it.
#[derive(Debug)]
pub struct Built<T> {
    pub value: T,
    /// A disabled rule id that names no rule, a configured baseline that
    /// does not exist yet.
    pub warnings: Vec<String>,
}

impl LoadedConfig {
    /// The configuration named (`--config`), else none (`--no-config`),
    /// else the one found from `start` upwards, else the defaults.
    pub fn resolve(
        explicit: Option<&Path>,
        no_config: bool,
        start: &Path,
    ) -> Result<Self, ConfigError> {
        if no_config {
            return Ok(LoadedConfig::default());
        }
        if let Some(path) = explicit {
            return LoadedConfig::load(path);
        }
        Ok(LoadedConfig::discover(start)?.unwrap_or_default())
    }

    /// Where the rules come from, for messages.
    pub fn origin(&self) -> String {
        self.source
            .as_ref()
            .map_or_else(|| "built-in rules".to_owned(), |p| p.display().to_string())
    }

    /// The built-in rules plus this configuration's, minus those it
    /// disables, compiled.
    pub fn rule_set(&self) -> Result<Built<RuleSet>, SetupError> {
        let (rules, unknown) = self.rules()?;
        let origin = self.origin();
        let warnings = unknown
            .into_iter()
            .map(|id| {
                format!(
                    "{origin}: disable_rules names `{id}`, which is not a rule (see `modelseal rules list`)"
                )
            })
            .collect();
        let value = RuleSet::new(rules).map_err(|source| SetupError::Rules { origin, source })?;
        Ok(Built { value, warnings })
    }

    /// A scanner with this configuration's rules, allowlists and baseline.
    pub fn scanner(
        &self,
        settings: ScanSettings,
        baseline: &BaselineChoice,
    ) -> Result<Built<Scanner>, SetupError> {
        let Built {
            value: rules,
            mut warnings,
        } = self.rule_set()?;
        let accepted: Vec<String> = match baseline {
            BaselineChoice::Ignore => Vec::new(),
            BaselineChoice::File(path) => accepted(&Baseline::read(path)?),
            BaselineChoice::Configured => match self.baseline_path() {
                Some(path) if !path.exists() => {
                    warnings.push(format!(
                        "the configured baseline {} does not exist yet",
                        path.display()
                    ));
                    Vec::new()
                }
                Some(path) => accepted(&Baseline::read(&path)?),
                None => Vec::new(),
            },
        };
        let filters = Filters::new(self, accepted).map_err(|source| SetupError::Allowlist {
            origin: self.origin(),
            source,
        })?;
        Ok(Built {
            value: Scanner::new(rules, filters, settings),
            warnings,
        })
    }

    /// A redactor with this configuration's rules and `[redact]` style, the
    /// caller's choices over it, hiding the exact values of `vars` (a
    /// process's environment) whose names say they are secret or are listed.
    pub fn redactor(
        &self,
        choices: RedactChoices,
        vars: Option<impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>>,
    ) -> Result<Built<Redacting>, SetupError> {
        let (rules, unknown) = self.rules()?;
        let origin = self.origin();
        let table = &self.config.redact;
        let defaults = RedactStyle::default();
        let style = RedactStyle {
            label: choices
                .label
                .or_else(|| table.label.clone())
                .unwrap_or(defaults.label),
            keep: choices.keep.or(table.keep).unwrap_or(defaults.keep),
            metadata: choices
                .metadata
                .or(table.metadata)
                .unwrap_or(defaults.metadata),
        };
        if !style.label.contains("{rule}") && style.label.trim().is_empty() {
            return Err(SetupError::EmptyLabel);
        }
        let redactor = Redactor::from_rules(rules, style).map_err(|source| SetupError::Rules {
            origin: origin.clone(),
            source,
        })?;
        let mut also = table.env.clone();
        also.extend(choices.env);
        let literals: Vec<Literal> = vars.map(|v| env_literals(v, &also)).unwrap_or_default();
        let count = literals.len();
        let warnings = unknown
            .into_iter()
            .map(|id| format!("{origin}: disable_rules names `{id}`, which is not a rule"))
            .collect();
        Ok(Built {
            value: Redacting {
                redactor: redactor.with_literals(&literals),
                literals: count,
            },
            warnings,
        })
    }
}

/// A redactor and how many exact values it hides.
#[derive(Debug)]
pub struct Redacting {
    pub redactor: Redactor,
    pub literals: usize,
}

fn accepted(baseline: &Baseline) -> Vec<String> {
    baseline.fingerprints().map(str::to_owned).collect()
}
