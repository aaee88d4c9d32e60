//! `modelseal.toml`, or `[tool.modelseal]` in `pyproject.toml`.

use std::path::{Path, PathBuf};

use modelseal_engine::{Rule, RuleFile, Severity};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The names a configuration file may have, in the order they are looked for
/// in each folder.
pub const CONFIG_NAMES: [&str; 3] = ["modelseal.toml", ".modelseal.toml", "pyproject.toml"];

/// What a configuration file holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The lowest severity that fails the scan (exit code 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Severity>,
    /// A baseline file of accepted findings, relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<PathBuf>,
    /// Rule ids not to run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disable_rules: Vec<String>,
    /// More rules files, relative to this file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_rules: Vec<PathBuf>,
    #[serde(default)]
    pub allowlist: Allowlist,
    /// Rules written inline, in the same schema as `rules/*.toml`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rule: Vec<Rule>,
    /// How `redact`, `run` and the Python filter hide what they find.
    #[serde(default)]
    pub redact: RedactConfig,
}

/// The `[redact]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactConfig {
    /// More environment variables whose exact values are hidden, beyond
    /// those whose names say they are secret.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// The label, with `{rule}` for the rule id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Leading characters of a secret kept before the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep: Option<usize>,
    /// Also hide metadata (usernames, hosts, paths).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<bool>,
}

/// What is accepted and never reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    /// Globs over paths relative to the configuration's folder (`examples/**`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Regexes over found values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Finding fingerprints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fingerprints: Vec<String>,
}

/// A configuration and the folder its relative paths start from.
#[derive(Debug, Clone, Default)]
pub struct LoadedConfig {
    pub config: Config,
    /// The file it came from; `None` for the defaults.
    pub source: Option<PathBuf>,
    /// The folder relative paths in it start from.
    pub root: PathBuf,
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Deserialize)]
struct Pyproject {
    tool: Option<PyprojectTool>,
}

#[derive(Deserialize)]
struct PyprojectTool {
    modelseal: Option<toml::Value>,
}

impl LoadedConfig {
    /// Reads a configuration file: `modelseal.toml` style, or a
    /// `pyproject.toml` whose `[tool.modelseal]` table is used.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        };
        let config = if path.file_name().is_some_and(|n| n == "pyproject.toml") {
            let pyproject: Pyproject = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
            match pyproject.tool.and_then(|t| t.modelseal) {
                Some(table) => table
                    .try_into()
                    .map_err(|e: toml::de::Error| invalid(format!("[tool.modelseal]: {e}")))?,
                None => Config::default(),
            }
        } else {
            toml::from_str(&text).map_err(|e| invalid(e.to_string()))?
        };
        let root = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let root = if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root
        };
        Ok(LoadedConfig {
            config,
            source: Some(path.to_owned()),
            root,
        })
    }

    /// Looks for a configuration in `start` (a file's folder, or a folder) and
    /// each folder above it; the first found wins. A `pyproject.toml` counts
    /// only when it has a `[tool.modelseal]` table.
    pub fn discover(start: &Path) -> Result<Option<Self>, ConfigError> {
        let start = if start.is_file() {
            start.parent().unwrap_or(start)
        } else {
            start
        };
        let absolute = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        for dir in absolute.ancestors() {
            for name in CONFIG_NAMES {
                let candidate = dir.join(name);
                if !candidate.is_file() {
                    continue;
                }
                if name == "pyproject.toml" && !has_tool_table(&candidate) {
                    continue;
                }
                return Self::load(&candidate).map(Some);
            }
        }
        Ok(None)
    }

    /// Every rule this configuration adds: inline `[[rule]]` blocks and the
    /// rules files it names.
    pub fn extra_rules(&self) -> Result<Vec<Rule>, ConfigError> {
        let mut rules = self.config.rule.clone();
        for file in &self.config.extra_rules {
            let path = self.root.join(file);
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            let parsed = RuleFile::parse(&text, &path.display().to_string()).map_err(|e| {
                ConfigError::Invalid {
                    path: path.clone(),
                    message: e.to_string(),
                }
            })?;
            rules.extend(parsed.rule);
        }
        Ok(rules)
    }

    /// The built-in rules plus this configuration's, minus the ones it
    /// disables; second, the disabled ids that name no rule (worth a
    /// warning: probably a typo).
    pub fn rules(&self) -> Result<(Vec<Rule>, Vec<String>), ConfigError> {
        let mut rules = modelseal_engine::builtin::rules();
        rules.extend(self.extra_rules()?);
        let disabled = &self.config.disable_rules;
        let unknown = disabled
            .iter()
            .filter(|id| !rules.iter().any(|r| &r.id == *id))
            .cloned()
            .collect();
        rules.retain(|r| !disabled.contains(&r.id));
        Ok((rules, unknown))
    }

    /// The baseline path, resolved against the configuration's folder.
    pub fn baseline_path(&self) -> Option<PathBuf> {
        self.config.baseline.as_ref().map(|p| self.root.join(p))
    }
}

fn has_tool_table(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| toml::from_str::<Pyproject>(&text).ok())
        .and_then(|p| p.tool)
        .and_then(|t| t.modelseal)
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pyproject_tool_table() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"x\"\n\n[tool.modelseal]\nfail_on = \"high\"\n[tool.modelseal.allowlist]\npaths = [\"tests/**\"]\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let found = LoadedConfig::discover(&dir.path().join("sub"))
            .unwrap()
            .unwrap();
        assert_eq!(found.config.fail_on, Some(Severity::High));
        assert_eq!(found.config.allowlist.paths, vec!["tests/**"]);
    }

    #[test]
    fn pyproject_without_table_is_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"x\"\n",
        )
        .unwrap();
        let found = LoadedConfig::discover(dir.path()).unwrap();
        assert!(found.is_none_or(|c| c.source.unwrap() != dir.path().join("pyproject.toml")));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("modelseal.toml");
        std::fs::write(&path, "fail_onn = \"high\"\n").unwrap();
        let err = LoadedConfig::load(&path).unwrap_err().to_string();
        assert!(err.contains("fail_onn"), "{err}");
    }

    #[test]
    fn round_trips() {
        let config = Config {
            fail_on: Some(Severity::Medium),
            baseline: Some(".modelseal-baseline.json".into()),
            disable_rules: vec!["library-version".into()],
            extra_rules: vec![],
            allowlist: Allowlist {
                paths: vec!["examples/**".into()],
                values: vec!["^AKIA".into()],
                fingerprints: vec!["0123".into()],
            },
            rule: vec![],
            redact: RedactConfig {
                env: vec!["SERVICE_PASS".into()],
                label: Some("<{rule}>".into()),
                keep: Some(4),
                metadata: Some(true),
            },
        };
        let text = toml::to_string(&config).unwrap();
        let back: Config = toml::from_str(&text).unwrap();
        assert_eq!(back, config);
    }
}
