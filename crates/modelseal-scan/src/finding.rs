//! A hit becomes a finding: the rule's descriptor, the location, the value
//! masked or shown, the snippet, the fingerprint.

use modelseal_engine::{Kind, RuleSet, fingerprint, mask};
use modelseal_findings::{Finding, Location};

use crate::chunk::Hit;
use crate::filter::{Filters, inline_ignored};
use crate::snippet::{self, sanitize};

/// What decides whether a hit is reported and how: the rules, the filters,
/// and whether secrets are shown.
#[derive(Clone, Copy)]
pub(crate) struct Judge<'a> {
    pub rules: &'a RuleSet,
    pub filters: &'a Filters,
    pub show_secrets: bool,
}

impl Judge<'_> {
    /// The hit's fingerprint, or `None` when a filter accepts it (an
    /// allowlisted value or fingerprint, an inline `modelseal:ignore`).
    pub fn accept(&self, hit: &Hit) -> Option<String> {
        let rule = self.rules.rule(hit.rule);
        if inline_ignored(&hit.line_text, &rule.id)
            || self.filters.value_allowed(&hit.secret)
            || self.filters.value_allowed(&hit.value)
        {
            return None;
        }
        let print = fingerprint(&rule.id, &hit.secret);
        (!self.filters.fingerprint_allowed(&print)).then_some(print)
    }

    /// The finding for an accepted hit.
    pub fn finding(&self, location: Location, hit: &Hit, print: String) -> Finding {
        build(self.rules, location, hit, print, self.show_secrets)
    }
}

/// The finding for an accepted hit at `location`, with fingerprint `print`.
/// Secrets are masked unless `show_secrets`; metadata clues are not secrets
/// and are shown as found.
fn build(
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
