//! `scan_path`: the pipeline of `modelseal scan PATH`, with its
//! configuration discovery and baselines, for Python.

use std::path::{Path, PathBuf};

use modelseal_engine::{RuleSet, Severity};
use modelseal_scan::filter::Filters;
use modelseal_scan::pipeline::Quiet;
use modelseal_scan::{Baseline, Finding, LoadedConfig, Problem, ScanSettings, Scanner, Stats};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde::Serialize;

/// What a scan gives Python, as one JSON document.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Each finding exactly as `modelseal scan --format json` writes it.
    pub findings: Vec<Finding>,
    pub problems: Vec<Problem>,
    pub stats: Stats,
    /// The configuration's `fail_on`, if it sets one.
    pub fail_on: Option<Severity>,
    /// The configuration file used, if any.
    pub config: Option<PathBuf>,
    /// Things worth a warning (a missing baseline, an unknown disabled rule).
    pub warnings: Vec<String>,
}

/// How to scan, as `modelseal scan` takes it from its flags.
#[derive(Debug, Default)]
pub struct ScanRequest {
    pub path: PathBuf,
    /// An explicit configuration file (`--config`).
    pub config: Option<PathBuf>,
    /// Use no configuration at all (`--no-config`).
    pub no_config: bool,
    /// Report secrets whole (`--show-secrets`).
    pub show_secrets: bool,
}

/// Scans a file or folder and returns the report, or a message saying why
/// the scan could not start (a bad configuration, rules or baseline).
pub fn run(request: &ScanRequest) -> Result<Report, String> {
    let config = load_config(request)?;
    let mut warnings = Vec::new();
    let (rules, unknown) = config.rules().map_err(|e| e.to_string())?;
    let origin = config
        .source
        .as_deref()
        .map_or_else(|| "built-in rules".to_owned(), |p| p.display().to_string());
    warnings.extend(unknown.into_iter().map(|id| {
        format!(
            "{origin}: disable_rules names `{id}`, which is not a rule (see `modelseal rules list`)"
        )
    }));
    let rules = RuleSet::new(rules).map_err(|e| format!("rules from {origin}: {e}"))?;
    let accepted: Vec<String> = match config.baseline_path() {
        Some(path) if !path.exists() => {
            warnings.push(format!(
                "the configured baseline {} does not exist yet",
                path.display()
            ));
            Vec::new()
        }
        Some(path) => Baseline::read(&path)?
            .fingerprints()
            .map(str::to_owned)
            .collect(),
        None => Vec::new(),
    };
    let filters = Filters::new(&config, accepted)?;
    let settings = ScanSettings {
        show_secrets: request.show_secrets,
        ..ScanSettings::default()
    };
    let scanner = Scanner::new(rules, filters, settings);
    let outcome = scanner.scan_paths(std::slice::from_ref(&request.path), &Quiet);
    Ok(Report {
        findings: outcome.findings,
        problems: outcome.problems,
        stats: outcome.stats,
        fail_on: config.config.fail_on,
        config: config.source,
        warnings,
    })
}

/// The configuration named, else the one found from the scanned path
/// upwards, else the defaults: as `modelseal scan` resolves it.
fn load_config(request: &ScanRequest) -> Result<LoadedConfig, String> {
    if request.no_config {
        return Ok(LoadedConfig::default());
    }
    if let Some(path) = &request.config {
        return LoadedConfig::load(path).map_err(|e| e.to_string());
    }
    let start: &Path = &request.path;
    Ok(LoadedConfig::discover(start)
        .map_err(|e| e.to_string())?
        .unwrap_or_default())
}

/// Scans `path` (a file or a folder) like `modelseal scan PATH` and returns
/// the report as JSON text. Raises `ValueError` when the configuration,
/// its rules or its baseline cannot be used.
#[pyfunction]
#[pyo3(signature = (path, *, config=None, no_config=false, show_secrets=false))]
pub fn scan_path(
    py: Python<'_>,
    path: PathBuf,
    config: Option<PathBuf>,
    no_config: bool,
    show_secrets: bool,
) -> PyResult<String> {
    let request = ScanRequest {
        path,
        config,
        no_config,
        show_secrets,
    };
    py.detach(move || {
        let report = run(&request)?;
        serde_json::to_string(&report).map_err(|e| format!("cannot encode the report: {e}"))
    })
    .map_err(PyValueError::new_err)
}
