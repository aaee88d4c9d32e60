//! A hit becomes a finding: the rule's descriptor, the location, the value
//! masked or shown, the snippet, the fingerprint.

use modelseal_engine::{Kind, RuleSet, mask};
use modelseal_findings::{Finding, Location};

use crate::chunk::Hit;
use crate::snippet::{self, sanitize};

/// The finding for an accepted hit at `location`, with fingerprint `print`.
/// Secrets are masked unless `show_secrets`; metadata clues are not secrets
/// and are shown as found.
pub(crate) fn build(
    rules: &RuleSet,
    location: Location,
    hit: &Hit,
    print: String,
    show_secrets: bool,
) -> Finding {
    let rule = rules.rule(hit.rule);
    let raw = String::from_utf8_lossy(&hit.secret).into_owned();
    let reveal = show_secrets || rule.kind == Kind::Metadata;
    let snippet = snippet::masked(
        rules,
        hit,
        show_secrets,
        rule.kind == Kind::Secret && !show_secrets,
    );
    Finding {
        rule: rule.id.clone(),
        title: rule.title.clone(),
        kind: rule.kind,
        severity: rule.severity,
        clue: rule.clue,
        location,
        secret: if reveal { sanitize(&raw) } else { mask(&raw) },
        masked: !reveal,
        value: (rule.kind == Kind::Metadata)
            .then(|| sanitize(&String::from_utf8_lossy(&hit.value))),
        snippet,
        fingerprint: print,
        occurrences: 1,
        provenance: None,
    }
}
