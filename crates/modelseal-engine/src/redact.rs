//! Redaction: secrets in text replaced by a label, so the text itself is safe
//! to keep (a training log, a console, a notebook output).
//!
//! [`Redactor`] finds what to hide in a buffer: matches of secret rules (and
//! of metadata rules when asked), plus exact values the caller names, such as
//! the values of a job's secret environment variables in their common
//! encodings ([`literal_forms`]). [`StreamRedactor`] feeds it a stream line by
//! line with bounded memory.

mod literal;
mod stream;

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::rule::{Kind, Rule};
use crate::{RuleError, RuleSet};

pub use literal::literal_forms;
pub use stream::StreamRedactor;

/// How a redacted secret is written: `[REDACTED:github-pat]` by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedactStyle {
    /// The label; `{rule}` is replaced by the rule id (or `env:NAME`).
    pub label: String,
    /// How many leading characters of the secret to keep before the label,
    /// never more than a quarter of the secret.
    pub keep: usize,
    /// Also redact metadata (usernames, hosts, paths), not only secrets.
    pub metadata: bool,
}

impl Default for RedactStyle {
    fn default() -> Self {
        RedactStyle {
            label: "[REDACTED:{rule}]".to_owned(),
            keep: 0,
            metadata: false,
        }
    }
}

/// An exact value to hide wherever it appears, with the name it is shown by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    /// Shown in the label: `env:DB_PASSWORD`.
    pub name: String,
    pub value: Vec<u8>,
}

/// One span to hide, as byte offsets into the scanned buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redaction {
    pub range: Range<usize>,
    /// What the label names: a rule id, or a literal's name.
    pub source: String,
}

/// Finds and hides secrets. Build once, share across threads.
pub struct Redactor {
    rules: RuleSet,
    style: RedactStyle,
    literals: Option<Literals>,
}

struct Literals {
    automaton: AhoCorasick,
    /// For each pattern of the automaton, the literal's name.
    names: Vec<String>,
    longest: usize,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("rules", &self.rules.len())
            .field("style", &self.style)
            .field(
                "literals",
                &self.literals.as_ref().map_or(0, |l| l.names.len()),
            )
            .finish()
    }
}

impl Redactor {
    /// Compiles `rules` for redaction: metadata rules are left out unless
    /// the style asks for them, so they cost nothing.
    pub fn from_rules(mut rules: Vec<Rule>, style: RedactStyle) -> Result<Self, RuleError> {
        if !style.metadata {
            rules.retain(|rule| rule.kind == Kind::Secret);
        }
        Ok(Self::new(RuleSet::new(rules)?, style))
    }

    pub fn new(rules: RuleSet, style: RedactStyle) -> Self {
        Redactor {
            rules,
            style,
            literals: None,
        }
    }

    /// Adds exact values to hide, each in every form [`literal_forms`] gives.
    /// Values shorter than [`MIN_LITERAL_LEN`] bytes are ignored: hiding
    /// every `1` or `true` would make the text unreadable.
    #[must_use]
    pub fn with_literals(mut self, literals: &[Literal]) -> Self {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut names = Vec::new();
        for literal in literals {
            if literal.value.len() < MIN_LITERAL_LEN {
                continue;
            }
            for form in literal_forms(&literal.value) {
                if !patterns.contains(&form) {
                    patterns.push(form);
                    names.push(literal.name.clone());
                }
            }
        }
        if patterns.is_empty() {
            self.literals = None;
            return self;
        }
        let longest = patterns.iter().map(Vec::len).max().unwrap_or(0);
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .unwrap_or_else(|e| panic!("literal automaton builds: {e}"));
        self.literals = Some(Literals {
            automaton,
            names,
            longest,
        });
        self
    }

    pub fn style(&self) -> &RedactStyle {
        &self.style
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// How many bytes around a region a caller should show the redactor so
    /// that a match touching the region is seen whole.
    pub fn context(&self) -> usize {
        let literal = self.literals.as_ref().map_or(0, |l| l.longest);
        self.rules.max_context().max(literal)
    }

    /// Every span to hide in `buf`, sorted, overlaps merged.
    pub fn redactions(&self, buf: &[u8]) -> Vec<Redaction> {
        let mut spans: Vec<Redaction> = self
            .rules
            .scan(buf)
            .into_iter()
            .filter(|m| self.style.metadata || self.rules.rule(m.rule).kind == Kind::Secret)
            .filter(|m| !m.secret.is_empty())
            .map(|m| Redaction {
                range: m.secret,
                source: self.rules.rule(m.rule).id.clone(),
            })
            .collect();
        if let Some(literals) = &self.literals {
            spans.extend(literals.automaton.find_iter(buf).map(|m| Redaction {
                range: m.range(),
                source: literals.names[m.pattern().as_usize()].clone(),
            }));
        }
        spans.sort_by_key(|r| (r.range.start, std::cmp::Reverse(r.range.end)));
        let mut merged: Vec<Redaction> = Vec::with_capacity(spans.len());
        for span in spans {
            match merged.last_mut() {
                Some(last) if span.range.start < last.range.end => {
                    last.range.end = last.range.end.max(span.range.end);
                }
                _ => merged.push(span),
            }
        }
        merged
    }

    /// Writes `buf[region]` to `out` with every secret hidden, using the rest
    /// of `buf` as context. A span that starts before the region was labelled
    /// by whoever wrote the bytes before it: its bytes inside the region are
    /// dropped. A span that starts inside the region is labelled here, and
    /// its bytes past the region are the next writer's to drop. Returns how
    /// many labels were written.
    pub fn redact_region(&self, buf: &[u8], region: Range<usize>, out: &mut Vec<u8>) -> usize {
        let spans = self.redactions(buf);
        self.write_region(buf, region, &spans, out)
    }

    /// Redacts a whole buffer.
    pub fn redact(&self, text: &[u8]) -> (Vec<u8>, usize) {
        let mut out = Vec::with_capacity(text.len());
        let count = self.redact_region(text, 0..text.len(), &mut out);
        (out, count)
    }

    /// Redacts a string; the result is valid UTF-8 because spans are widened
    /// to whole characters.
    pub fn redact_str(&self, text: &str) -> (String, usize) {
        let spans = self.redactions(text.as_bytes());
        if spans.is_empty() {
            return (text.to_owned(), 0);
        }
        let spans: Vec<Redaction> = spans
            .into_iter()
            .map(|mut span| {
                while !text.is_char_boundary(span.range.start) {
                    span.range.start -= 1;
                }
                while !text.is_char_boundary(span.range.end) {
                    span.range.end += 1;
                }
                span
            })
            .collect();
        let mut out = Vec::with_capacity(text.len());
        let count = self.write_region(text.as_bytes(), 0..text.len(), &spans, &mut out);
        // Labels and kept prefixes are whole characters of valid UTF-8.
        let out = String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        (out, count)
    }

    fn write_region(
        &self,
        buf: &[u8],
        region: Range<usize>,
        spans: &[Redaction],
        out: &mut Vec<u8>,
    ) -> usize {
        let mut at = region.start;
        let mut count = 0;
        for span in spans {
            if span.range.end <= at || span.range.start >= region.end {
                continue;
            }
            if span.range.start < at {
                // Labelled before this region; drop the rest of its bytes.
                at = span.range.end.min(region.end);
                continue;
            }
            out.extend_from_slice(&buf[at..span.range.start]);
            self.write_label(&buf[span.range.clone()], &span.source, out);
            count += 1;
            at = span.range.end.min(region.end);
        }
        if at < region.end {
            out.extend_from_slice(&buf[at..region.end]);
        }
        count
    }

    fn write_label(&self, secret: &[u8], source: &str, out: &mut Vec<u8>) {
        let keep = kept_prefix(secret, self.style.keep);
        out.extend_from_slice(&secret[..keep]);
        let mut parts = self.style.label.split("{rule}");
        if let Some(first) = parts.next() {
            out.extend_from_slice(first.as_bytes());
        }
        for part in parts {
            out.extend_from_slice(source.as_bytes());
            out.extend_from_slice(part.as_bytes());
        }
    }
}

/// Words in an environment variable's name that say its value is secret.
const SECRET_NAME_WORDS: [&str; 7] = [
    "KEY",
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "CREDENTIAL",
    "PRIVATE",
];

/// Whether an environment variable's name says it holds a secret
/// (`HF_TOKEN`, `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`), case-insensitively.
pub fn is_secret_env_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAME_WORDS.iter().any(|word| upper.contains(word))
}

/// The exact values to hide from a job's environment: every variable whose
/// name [`is_secret_env_name`] or is listed in `also`, labelled `env:NAME`.
pub fn env_literals<I, K, V>(vars: I, also: &[String]) -> Vec<Literal>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    let mut literals: Vec<Literal> = vars
        .into_iter()
        .filter_map(|(name, value)| {
            let name = String::from_utf8_lossy(name.as_ref()).into_owned();
            let wanted = is_secret_env_name(&name) || also.iter().any(|a| a == &name);
            (wanted && value.as_ref().len() >= MIN_LITERAL_LEN).then(|| Literal {
                name: format!("env:{name}"),
                value: value.as_ref().to_vec(),
            })
        })
        .collect();
    literals.sort_by(|a, b| a.name.cmp(&b.name));
    literals
}

/// The shortest exact value [`Redactor::with_literals`] hides.
pub const MIN_LITERAL_LEN: usize = 6;

/// How many leading bytes of `secret` may be kept: at most `wanted`
/// characters and at most a quarter of the secret, ending on a character
/// boundary.
fn kept_prefix(secret: &[u8], wanted: usize) -> usize {
    if wanted == 0 {
        return 0;
    }
    let limit = (secret.len() / 4).min(wanted);
    let mut keep = 0;
    let mut chars = 0;
    while keep < limit && chars < wanted {
        let width = utf8_width(secret[keep]);
        if keep + width > limit {
            break;
        }
        keep += width;
        chars += 1;
    }
    keep
}

fn utf8_width(first: u8) -> usize {
    match first {
        0xF0..=0xF7 => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests;
