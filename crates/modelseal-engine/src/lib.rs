//! modelseal's detection engine.
//!
//! Pure: bytes in, matches out. No file, no socket, no clock. The data flow is
//! `rules (data) -> RuleSet (compiled) -> RuleSet::scan(bytes) -> Match`:
//!
//! 1. every rule keyword goes into one case-insensitive Aho-Corasick automaton;
//! 2. a rule's regex runs only in a window around its keyword hits;
//! 3. validators (entropy floor, checksum, placeholder filter) confirm a match;
//! 4. callers turn matches into findings with [`fingerprint`] and [`mask`],
//!    or hide them in place with a [`Redactor`].

pub mod builtin;
mod check;
mod error;
mod fingerprint;
mod keywords;
mod mask;
mod matcher;
pub mod redact;
pub mod rule;
mod validate;

pub use check::{RuleProblem, check_rule, check_rules};
pub use error::RuleError;
pub use fingerprint::fingerprint;
pub use mask::{mask, mask_in};
pub use matcher::{Match, RuleSet};
pub use redact::{
    Literal, RedactStyle, Redactor, StreamRedactor, env_literals, is_secret_env_name,
};
pub use rule::{Checksum, Clue, Kind, Precision, Rule, RuleFile, RuleInfo, Severity};
pub use validate::{looks_like_placeholder, shannon_entropy};
