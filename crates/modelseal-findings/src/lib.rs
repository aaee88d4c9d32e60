//! modelseal's finding model, shared by every stage and every report.
//!
//! A secret in a training log, a metadata clue in a model header, a
//! misconfigured CI workflow and an over-broad IAM policy are all a
//! [`Finding`] described by a [`RuleInfo`], found at a [`Location`]. Parts of
//! the input that could not be read, or were left out on purpose, are
//! [`Problem`]s; [`Stats`] count what was read. A [`ScanReport`] holds them
//! all: it is the JSON report, written by `--format json` and read back by
//! later commands (HTML reports, baselines, metrics).
//!
//! This crate is light on purpose (serde only): a reporter depends on it,
//! never on the scanner.

mod clues;
mod finding;
mod kind;
mod location;
mod origin;
mod problem;
mod report;
mod rule_info;
mod stats;

pub use clues::{ClueGroup, group_clues};
pub use finding::Finding;
pub use kind::{Clue, Kind, Severity};
pub use location::{Location, Provenance};
pub use origin::{Origin, short_id};
pub use problem::{Problem, ProblemKind, describe_io};
pub use report::{ReportError, SCHEMA_VERSION, ScanReport, TOOL};
pub use rule_info::{Precision, RuleInfo};
pub use stats::Stats;
