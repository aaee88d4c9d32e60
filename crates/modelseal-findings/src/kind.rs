//! What a finding is and how bad: [`Kind`], [`Severity`], and for metadata
//! the [`Clue`] reports group by.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a finding is: a credential, a clue about people and infrastructure,
/// or a practice that lets secrets leak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A credential that grants access by itself.
    Secret,
    /// A clue an attacker pieces together: a username, an internal host, a bucket.
    Metadata,
    /// A practice that makes leaks likely or costly: a CI step that prints
    /// secrets, an image that copies `.env`, a policy that reads every bucket.
    Misconfiguration,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Secret => "secret",
            Kind::Metadata => "metadata",
            Kind::Misconfiguration => "misconfiguration",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How bad a finding is. Ordered, so thresholds compare with `>=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity `{s}` (expected info, low, medium, high or critical)")
            })
    }
}

/// What a metadata clue tells about: reports group clues by this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Clue {
    /// A person's account name, as in `/home/<user>/`.
    Username,
    /// An internal host name or URL.
    Host,
    /// A private network address.
    Address,
    /// An e-mail address.
    Email,
    /// A cloud storage bucket or file-system root.
    Bucket,
    /// A library and its version.
    Version,
}

impl Clue {
    pub fn as_str(self) -> &'static str {
        match self {
            Clue::Username => "username",
            Clue::Host => "host",
            Clue::Address => "address",
            Clue::Email => "email",
            Clue::Bucket => "bucket",
            Clue::Version => "version",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_parse() {
        for pair in Severity::ALL.windows(2) {
            assert!(pair[0] < pair[1]);
        }
        for severity in Severity::ALL {
            assert_eq!(severity.as_str().parse::<Severity>(), Ok(severity));
            assert_eq!(
                severity.as_str().to_uppercase().parse::<Severity>(),
                Ok(severity)
            );
        }
        assert!("severe".parse::<Severity>().is_err());
    }

    #[test]
    fn kinds_are_written_as_their_names() {
        for kind in [Kind::Secret, Kind::Metadata, Kind::Misconfiguration] {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<Kind>(&json).unwrap(), kind);
        }
    }
}
