//! The rule schema: what a detector is, as data.
//!
//! Rules live in `rules/*.toml` (built in) or in a user's configuration. Both
//! use this one schema, so `modelseal rules check` and the test over the
//! built-in rules apply the same checks.

use serde::{Deserialize, Serialize};

pub use modelseal_findings::{Clue, Kind, Precision, RuleInfo, Severity};

/// A checksum some token formats carry, checked to drop look-alikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Checksum {
    /// CRC32 of the token's random part, base62-encoded in its last six
    /// characters (GitHub `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` and npm `npm_`).
    Crc32Base62,
}

/// One detector, exactly as written in a rules file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable kebab-case id naming the hazard, e.g. `aws-secret-access-key`.
    pub id: String,
    /// One line for people.
    pub title: String,
    pub kind: Kind,
    pub severity: Severity,
    /// For metadata rules: what the extracted value is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clue: Option<Clue>,
    /// Literals, matched case-insensitively, that must appear near a match.
    /// The regex only runs in a window around them.
    pub keywords: Vec<String>,
    /// Characters one of which must follow a keyword for the hit to count
    /// (`"=: "` for a name that must be assigned). Cuts regex work for
    /// common words such as `token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword_followed_by: Option<String>,
    /// A regex (Rust syntax) with a named group `secret` (the value that is
    /// masked and fingerprinted) and, for metadata, optionally `value` (the
    /// clue reports group by; defaults to `secret`).
    pub pattern: String,
    /// Bytes around a keyword hit that the regex may see. Default: the
    /// keyword's line, at most 1 KiB each side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<usize>,
    /// Whether the window spans lines (PEM blocks and other multi-line secrets).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multiline: bool,
    /// Minimum Shannon entropy, in bits per character, of the `secret` group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_entropy: Option<f64>,
    /// A checksum the secret must carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<Checksum>,
    /// A catch-all rule (`password = …`): its match is dropped when a more
    /// specific rule matched the same text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fallback: bool,
    /// Values (the `value` group, else `secret`) that are never reported,
    /// compared case-insensitively: `ubuntu` in `/home/ubuntu/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_values: Vec<String>,
    /// A regex over the value: a value it matches is not reported
    /// (`noreply` addresses, documentation domains).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_pattern: Option<String>,
    /// Keep values that look like placeholders (`<your-key>`, `xxxx`, `EXAMPLE`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_placeholders: bool,
    /// What it finds and why that matters.
    pub description: String,
    /// How to fix it.
    pub remediation: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Text that must produce a finding for this rule.
    pub examples: Vec<String>,
    /// Text that must not.
    #[serde(default)]
    pub counter_examples: Vec<String>,
}

impl Rule {
    /// What the rule is, for reports and docs: the descriptor every stage
    /// shares.
    pub fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.id.clone(),
            title: self.title.clone(),
            kind: self.kind,
            severity: self.severity,
            clue: self.clue,
            description: self.description.trim().to_owned(),
            remediation: self.remediation.trim().to_owned(),
            references: self.references.clone(),
            precision: if self.fallback {
                Precision::Medium
            } else {
                Precision::High
            },
        }
    }
}

/// The top level of a rules file: `[[rule]]` blocks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    #[serde(default)]
    pub rule: Vec<Rule>,
}

impl RuleFile {
    /// Parses a rules file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, crate::RuleError> {
        toml::from_str(text).map_err(|e| crate::RuleError::Parse {
            origin: origin.to_owned(),
            message: e.to_string(),
        })
    }
}
