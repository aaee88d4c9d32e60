//! Python bindings for modelseal, imported as `modelseal._native` by the
//! `modelseal` package in `python/modelseal`.
//!
//! The native side is thin: [`redact`] wraps the engine's [`Redactor`] and
//! [`StreamRedactor`] for the logging filter and the console wrappers, and
//! [`scan`] runs the same pipeline as `modelseal scan` and hands the report
//! to Python as JSON. Everything Pythonic (the logging filter, `install()`,
//! `Finding` objects, the upload gate) lives in the Python package. Long
//! work runs with the interpreter detached, so other Python threads go on.
//!
//! [`Redactor`]: modelseal_engine::Redactor
//! [`StreamRedactor`]: modelseal_engine::StreamRedactor

use pyo3::prelude::*;

pub mod redact;
pub mod scan;
pub mod text;

/// Inputs at least this long are processed with the interpreter detached:
/// below it, detaching costs more than it gives back.
pub const DETACH_MIN: usize = 16 * 1024;

/// A secret masked for display: a short prefix stays (`hf_V`, `AKIA`), the
/// rest becomes `*`; the result never holds the whole secret.
#[pyfunction]
fn mask(secret: &str) -> String {
    modelseal_engine::mask(secret)
}

/// The `modelseal._native` module.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<redact::PyRedactor>()?;
    m.add_class::<redact::PyStreamRedactor>()?;
    m.add_function(wrap_pyfunction!(scan::scan_path, m)?)?;
    m.add_function(wrap_pyfunction!(mask, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // Benchmarks refuse a debug build: it is ten times slower.
    m.add("__debug_build__", cfg!(debug_assertions))?;
    Ok(())
}
