//! `scan_path`: the pipeline of `modelseal scan PATH`, with its
//! configuration discovery and baselines, for Python.

use std::path::PathBuf;

use modelseal_engine::Severity;
use modelseal_scan::pipeline::Quiet;
use modelseal_scan::source::git::GitError;
use modelseal_scan::source::input::{self, InputError, InputOptions, ReadOptions};
use modelseal_scan::{
    BaselineChoice, Built, Finding, LoadedConfig, Problem, ScanSettings, SetupError, Stats,
};
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

/// Why a scan could not start.
#[derive(Debug)]
pub enum ScanPathError {
    Input(InputError),
    Setup(SetupError),
    Git(GitError),
}

impl std::fmt::Display for ScanPathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScanPathError::Input(e) => e.fmt(f),
            ScanPathError::Setup(e) => e.fmt(f),
            ScanPathError::Git(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ScanPathError {}

impl From<InputError> for ScanPathError {
    fn from(e: InputError) -> Self {
        ScanPathError::Input(e)
    }
}

impl From<SetupError> for ScanPathError {
    fn from(e: SetupError) -> Self {
        ScanPathError::Setup(e)
    }
}

impl From<GitError> for ScanPathError {
    fn from(e: GitError) -> Self {
        ScanPathError::Git(e)
    }
}

/// Scans a file, folder, git repository or hub repository and returns the
/// report, or why the scan could not start (a bad input name, configuration,
/// rules or baseline).
pub fn run(request: &ScanRequest) -> Result<Report, ScanPathError> {
    let inputs = input::resolve(std::slice::from_ref(&request.path), InputOptions::default())?;
    let config = LoadedConfig::resolve(
        request.config.as_deref(),
        request.no_config,
        &input::config_start(&inputs),
    )
    .map_err(SetupError::from)?;
    let settings = ScanSettings {
        show_secrets: request.show_secrets,
        ..ScanSettings::default()
    };
    let Built {
        value: scanner,
        warnings,
    } = config.scanner(settings, &BaselineChoice::Configured)?;
    let read = ReadOptions {
        hub_offline: ReadOptions::hub_offline_from_env(),
        ..ReadOptions::default()
    };
    let outcome = input::scan(&scanner, &inputs, &read, &Quiet)?;
    Ok(Report {
        findings: outcome.findings,
        problems: outcome.problems,
        stats: outcome.stats,
        fail_on: config.config.fail_on,
        config: config.source,
        warnings,
    })
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
        let report = run(&request).map_err(|e| e.to_string())?;
        serde_json::to_string(&report).map_err(|e| format!("cannot encode the report: {e}"))
    })
    .map_err(PyValueError::new_err)
}
