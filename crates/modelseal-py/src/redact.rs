//! `Redactor` and `StreamRedactor`: the engine's redaction, for Python's
//! logging filter and console wrappers.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use modelseal_engine::{Redactor, StreamRedactor};
use modelseal_scan::{LoadedConfig, RedactChoices, SetupError};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::DETACH_MIN;
use crate::text::Utf8Pieces;

/// What a redactor is built from. `None` takes the configuration's value,
/// then the default.
#[derive(Debug, Default)]
pub struct Options {
    pub metadata: Option<bool>,
    pub label: Option<String>,
    pub keep: Option<usize>,
    /// Environment variables as `(name, value)`; `None` hides no exact value.
    pub env: Option<Vec<(Vec<u8>, Vec<u8>)>>,
    /// A `modelseal.toml` (or `pyproject.toml`) to take rules and the
    /// `[redact]` table from.
    pub config: Option<PathBuf>,
}

/// A built redactor and what the caller may want to know about it.
#[derive(Debug)]
pub struct Built {
    pub redactor: Redactor,
    /// How many exact values (environment variables) are hidden.
    pub literals: usize,
    /// Things worth a warning: disabled rule ids that name no rule.
    pub warnings: Vec<String>,
}

/// Builds a redactor: rules (built-in, plus the configuration's), style and
/// the exact values of secret environment variables.
pub fn build(options: Options) -> Result<Built, SetupError> {
    let config = match &options.config {
        Some(path) => LoadedConfig::load(path)?,
        None => LoadedConfig::default(),
    };
    let choices = RedactChoices {
        label: options.label,
        keep: options.keep,
        metadata: options.metadata,
        env: Vec::new(),
    };
    let built = config.redactor(choices, options.env)?;
    Ok(Built {
        redactor: built.value.redactor,
        literals: built.value.literals,
        warnings: built.warnings,
    })
}

/// Finds and hides secrets in text. Build once (compiling the rules takes a
/// few milliseconds) and share: it is safe to use from many threads.
///
/// `Redactor(*, metadata=None, label=None, keep=None, env=None, config=None)`:
/// options left as `None` take the `[redact]` table of `config` (a
/// `modelseal.toml`, whose rules are used too), then the defaults: label
/// `[REDACTED:{rule}]`, keep 0, no metadata. `env` is the environment as
/// `(name, value)` byte pairs: the values of the variables whose names say
/// they are secret (and of those the table lists) are hidden exactly;
/// `None` hides no exact value.
#[pyclass(frozen, module = "modelseal._native", name = "Redactor")]
pub struct PyRedactor {
    inner: Arc<Redactor>,
    literals: usize,
    warnings: Vec<String>,
    config: Option<PathBuf>,
}

#[pymethods]
impl PyRedactor {
    #[new]
    #[pyo3(signature = (*, metadata=None, label=None, keep=None, env=None, config=None))]
    fn new(
        py: Python<'_>,
        metadata: Option<bool>,
        label: Option<String>,
        keep: Option<usize>,
        env: Option<Vec<(Bound<'_, PyBytes>, Bound<'_, PyBytes>)>>,
        config: Option<PathBuf>,
    ) -> PyResult<Self> {
        let env = env.map(|vars| {
            vars.iter()
                .map(|(name, value)| (name.as_bytes().to_vec(), value.as_bytes().to_vec()))
                .collect()
        });
        let options = Options {
            metadata,
            label,
            keep,
            env,
            config: config.clone(),
        };
        let built = py
            .detach(move || build(options))
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(PyRedactor {
            inner: Arc::new(built.redactor),
            literals: built.literals,
            warnings: built.warnings,
            config,
        })
    }

    /// `text` with every secret replaced by the label.
    fn redact(&self, py: Python<'_>, text: &str) -> String {
        self.redact_counted(py, text).0
    }

    /// `text` with every secret replaced, or `None` when there is nothing to
    /// hide: the cheap answer for the common case of a clean log record.
    fn redact_changed(&self, py: Python<'_>, text: &str) -> Option<String> {
        let (out, count) = self.redact_counted(py, text);
        (count > 0).then_some(out)
    }

    /// `(redacted text, number of secrets hidden)`.
    fn redact_counted(&self, py: Python<'_>, text: &str) -> (String, usize) {
        if text.len() >= DETACH_MIN {
            py.detach(|| self.inner.redact_str(text))
        } else {
            self.inner.redact_str(text)
        }
    }

    /// A new stream redactor that shares this redactor's rules.
    fn stream(&self) -> PyStreamRedactor {
        PyStreamRedactor::new(Arc::clone(&self.inner))
    }

    /// The label, with `{rule}` for the rule id.
    #[getter]
    fn label(&self) -> &str {
        &self.inner.style().label
    }

    /// Leading characters of a secret kept before the label.
    #[getter]
    fn keep(&self) -> usize {
        self.inner.style().keep
    }

    /// Whether metadata (usernames, hosts, paths) is hidden too.
    #[getter]
    fn metadata(&self) -> bool {
        self.inner.style().metadata
    }

    /// How many exact values of environment variables are hidden.
    #[getter]
    fn env_values(&self) -> usize {
        self.literals
    }

    /// How many rules are run.
    #[getter]
    fn rules(&self) -> usize {
        self.inner.rules().len()
    }

    /// Warnings from building (a disabled rule id that names no rule).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// The configuration file the rules and `[redact]` table came from.
    #[getter]
    fn config(&self) -> Option<&Path> {
        self.config.as_deref()
    }

    fn __repr__(&self) -> String {
        let style = self.inner.style();
        format!(
            "Redactor(rules={}, env_values={}, label={:?}, keep={}, metadata={})",
            self.inner.rules().len(),
            self.literals,
            style.label,
            style.keep,
            if style.metadata { "True" } else { "False" },
        )
    }
}

/// Redacts text written in pieces, as to a console: complete lines come out
/// at once, a partial line waits for its end (or for `flush`), so a secret
/// split across several writes is still seen whole.
#[pyclass(frozen, module = "modelseal._native", name = "StreamRedactor")]
pub struct PyStreamRedactor {
    state: Mutex<StreamState>,
}

struct StreamState {
    stream: StreamRedactor,
    text: Utf8Pieces,
    out: Vec<u8>,
}

impl StreamState {
    fn push(&mut self, data: &[u8]) -> String {
        self.out.clear();
        self.stream.push(data, &mut self.out);
        self.text.decode(&self.out, false)
    }

    fn flush(&mut self) -> String {
        self.out.clear();
        self.stream.flush(&mut self.out);
        self.text.decode(&self.out, true)
    }
}

impl PyStreamRedactor {
    fn new(redactor: Arc<Redactor>) -> Self {
        PyStreamRedactor {
            state: Mutex::new(StreamState {
                stream: StreamRedactor::new(redactor),
                text: Utf8Pieces::default(),
                out: Vec::new(),
            }),
        }
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut StreamState) -> T) -> T {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut state)
    }
}

#[pymethods]
impl PyStreamRedactor {
    /// Takes more text; returns the redacted text that is ready to be shown
    /// (possibly empty).
    fn write(&self, py: Python<'_>, text: &Bound<'_, PyString>) -> String {
        // Lone surrogates cannot be encoded as UTF-8; show them as U+FFFD
        // rather than fail a print.
        let text = text
            .to_cow()
            .unwrap_or_else(|_| text.to_string_lossy().into_owned().into());
        let bytes = text.as_bytes();
        if bytes.len() >= DETACH_MIN {
            py.detach(|| self.with_state(|state| state.push(bytes)))
        } else {
            self.with_state(|state| state.push(bytes))
        }
    }

    /// Returns everything held back (a partial line, an open key block),
    /// redacted.
    fn flush(&self, py: Python<'_>) -> String {
        if self.pending() >= DETACH_MIN {
            py.detach(|| self.with_state(StreamState::flush))
        } else {
            self.with_state(StreamState::flush)
        }
    }

    /// Bytes received and not yet returned.
    #[getter]
    fn pending(&self) -> usize {
        self.with_state(|state| state.stream.pending() + state.text.held())
    }

    /// How many secrets were hidden so far.
    #[getter]
    fn redacted(&self) -> usize {
        self.with_state(|state| state.stream.redacted())
    }

    fn __repr__(&self) -> String {
        format!(
            "StreamRedactor(pending={}, redacted={})",
            self.pending(),
            self.redacted()
        )
    }
}
