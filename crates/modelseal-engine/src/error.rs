use thiserror::Error;

/// A rule that cannot be loaded or compiled.
#[derive(Debug, Error)]
pub enum RuleError {
    #[error("{origin}: not a valid rules file: {message}")]
    Parse { origin: String, message: String },
    #[error("rule `{id}`: pattern does not compile: {message}")]
    Pattern { id: String, message: String },
    #[error("rule `{id}`: pattern has no named group `secret`")]
    NoSecretGroup { id: String },
    #[error("rule `{id}`: needs at least one keyword")]
    NoKeywords { id: String },
    #[error("rule id `{id}` is used twice")]
    DuplicateId { id: String },
    #[error("could not build the keyword automaton: {0}")]
    Automaton(String),
}
