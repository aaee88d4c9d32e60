//! modelseal's scanning pipeline.
//!
//! `source -> formats -> engine -> findings -> filters -> outcome`:
//! [`source`] enumerates what to read, [`chunk`] streams each blob through the
//! engine with overlapping chunks, `finding` turns matches into findings
//! (with `snippet` masking the line around them), [`filter`] applies
//! allowlists, inline ignores and baselines, [`pipeline`] runs it all in
//! parallel, and [`outcome`] holds what it produced. The finding model
//! itself lives in `modelseal-findings`, shared with every report. The
//! library never prints: progress goes to an [`Observer`], results to the
//! caller.

pub mod baseline;
pub mod blob;
pub mod chunk;
pub mod config;
pub mod filter;
mod finding;
pub mod outcome;
pub mod pipeline;
pub mod recon;
pub mod setup;
mod snippet;
pub mod source;

pub use baseline::Baseline;
pub use config::{Config, ConfigError, LoadedConfig};
pub use modelseal_findings::{Finding, Location, Origin, Problem, ProblemKind, Provenance, Stats};
pub use outcome::ScanOutcome;
pub use pipeline::{Observer, ScanSettings, Scanner};
pub use setup::{BaselineChoice, Built, RedactChoices, SetupError};
