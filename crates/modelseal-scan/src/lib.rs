//! modelseal's scanning pipeline.
//!
//! `source -> formats -> engine -> findings -> filters -> outcome`:
//! [`source`] enumerates what to read, [`chunk`] streams each blob through the
//! engine with overlapping chunks, [`finding`] turns matches into findings,
//! [`filter`] applies allowlists, inline ignores and baselines, and
//! [`pipeline`] runs it all in parallel. The library never prints: progress
//! goes to an [`Observer`], results to the caller.

pub mod baseline;
pub mod chunk;
pub mod config;
pub mod filter;
pub mod finding;
pub mod pipeline;
pub mod recon;
pub mod source;

pub use baseline::Baseline;
pub use config::{Config, ConfigError, LoadedConfig};
pub use finding::{Finding, Location, Provenance};
pub use pipeline::{Observer, Problem, ScanOutcome, ScanSettings, Scanner, Stats};
