//! The built-in rules, embedded at compile time from `rules/*.toml`.
//!
//! A new provider family is a new file in `rules/` and one line here.

use crate::rule::{Rule, RuleFile};

/// Every built-in rules file, by name.
pub const FILES: &[(&str, &str)] = &[
    ("ai.toml", include_str!("../../../rules/ai.toml")),
    ("aws.toml", include_str!("../../../rules/aws.toml")),
    ("azure.toml", include_str!("../../../rules/azure.toml")),
    (
        "cloud-platforms.toml",
        include_str!("../../../rules/cloud-platforms.toml"),
    ),
    ("gcp.toml", include_str!("../../../rules/gcp.toml")),
    ("generic.toml", include_str!("../../../rules/generic.toml")),
    (
        "git-hosts.toml",
        include_str!("../../../rules/git-hosts.toml"),
    ),
    (
        "huggingface.toml",
        include_str!("../../../rules/huggingface.toml"),
    ),
    (
        "messaging.toml",
        include_str!("../../../rules/messaging.toml"),
    ),
    (
        "metadata.toml",
        include_str!("../../../rules/metadata.toml"),
    ),
    ("mlops.toml", include_str!("../../../rules/mlops.toml")),
    (
        "packages.toml",
        include_str!("../../../rules/packages.toml"),
    ),
    (
        "private-keys.toml",
        include_str!("../../../rules/private-keys.toml"),
    ),
    ("saas.toml", include_str!("../../../rules/saas.toml")),
];

/// Parses all built-in rules. A parse error here is a bug caught by tests.
pub fn rules() -> Vec<Rule> {
    FILES
        .iter()
        .flat_map(|(name, text)| {
            RuleFile::parse(text, &format!("rules/{name}"))
                .unwrap_or_else(|e| panic!("built-in rules are valid: {e}"))
                .rule
        })
        .collect()
}
