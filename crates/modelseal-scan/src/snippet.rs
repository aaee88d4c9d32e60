//! The line around a finding, as reports show it: secrets on it masked,
//! control characters replaced, cut to a readable width.

use modelseal_engine::{Kind, RuleSet, mask};

use crate::chunk::Hit;

/// Bytes of context kept each side of the secret in a snippet.
const SNIPPET_CONTEXT: usize = 60;

/// The line around a hit, with every secret on it masked (the hit's own
/// when `own_is_secret`, and any other rule's), unless `show_secrets`. A
/// metadata finding's snippet must not leak a password beside it.
pub(crate) fn masked(
    rules: &RuleSet,
    hit: &Hit,
    show_secrets: bool,
    own_is_secret: bool,
) -> String {
    let line = &hit.line_text;
    let own = hit.secret_in_line..hit.secret_in_line + hit.secret.len();
    let mut hidden: Vec<std::ops::Range<usize>> = Vec::new();
    if !show_secrets {
        hidden = rules
            .scan(line)
            .into_iter()
            .filter(|m| rules.rule(m.rule).kind == Kind::Secret)
            .map(|m| m.secret)
            .collect();
        if own_is_secret {
            hidden.push(own.clone());
        }
        hidden.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    }
    // Rebuild the line with hidden ranges masked, noting where the hit's
    // own value lands.
    let mut masked = String::new();
    let mut own_at = None;
    let mut cursor = 0;
    for range in hidden {
        if range.start < cursor || range.end > line.len() {
            continue;
        }
        masked.push_str(&String::from_utf8_lossy(&line[cursor..range.start]));
        if range == own {
            own_at = Some(masked.len());
        }
        masked.push_str(&mask(&String::from_utf8_lossy(&line[range.clone()])));
        cursor = range.end;
    }
    if own_at.is_none() && cursor <= own.start {
        let before = String::from_utf8_lossy(&line[cursor..own.start]).len();
        own_at = Some(masked.len() + before);
    }
    masked.push_str(&String::from_utf8_lossy(&line[cursor.min(line.len())..]));
    let center = own_at.unwrap_or(0).min(masked.len());
    let mut from = center.saturating_sub(SNIPPET_CONTEXT);
    while !masked.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (center + hit.secret.len() + SNIPPET_CONTEXT).min(masked.len());
    while !masked.is_char_boundary(to) {
        to += 1;
    }
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(sanitize(masked[from..to].trim_end_matches(['\r', '\n'])).trim());
    if to < masked.len() {
        out.push('…');
    }
    out
}

/// Control characters from a hostile file must not reach a terminal.
pub(crate) fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}
