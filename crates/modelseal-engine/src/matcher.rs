//! The compiled rule set and the scan: keyword prefilter, then regexes in
//! windows around the hits, then validators.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};

use crate::RuleError;
use crate::keywords::{Hit, KeywordScanner};
use crate::rule::{Kind, Rule};
use crate::validate::{checksum_ok, looks_like_placeholder, shannon_entropy};

/// How far a single-line window reaches each side of a keyword hit by default.
const DEFAULT_WINDOW: usize = 1024;
/// How far a multi-line window reaches each side by default (PEM blocks).
const DEFAULT_MULTILINE_WINDOW: usize = 8 * 1024;

/// A confirmed match of one rule, as byte offsets into the scanned buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index of the rule in its [`RuleSet`].
    pub rule: usize,
    /// The whole regex match.
    pub span: Range<usize>,
    /// The `secret` group: what is masked and fingerprinted.
    pub secret: Range<usize>,
    /// The `value` group (the clue of a metadata rule), or the secret.
    pub value: Range<usize>,
}

struct CompiledRule {
    rule: Rule,
    /// Compiled on first use: most rules never see their keyword, and
    /// compiling all of them up front would dominate start-up.
    regex: OnceLock<Option<CompiledRegex>>,
    window: usize,
    ignore_pattern: Option<Regex>,
    /// Bytes that may follow a keyword hit, when the rule restricts them.
    followed_by: Option<Box<[bool; 256]>>,
}

struct CompiledRegex {
    regex: Regex,
    secret_group: usize,
    value_group: Option<usize>,
}

/// Rules compiled for scanning. Build once, share across threads.
pub struct RuleSet {
    rules: Vec<CompiledRule>,
    keywords: KeywordScanner,
    /// For each keyword, the rules it belongs to.
    keyword_rules: Vec<Vec<usize>>,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules.len())
            .finish_non_exhaustive()
    }
}

impl RuleSet {
    /// The built-in rules. Their patterns compile on first use (they are
    /// all compiled and checked by the test suite).
    pub fn builtin() -> Self {
        Self::new(crate::builtin::rules()).unwrap_or_else(|e| panic!("built-in rules compile: {e}"))
    }

    /// Prepares rules; ids must be unique. Patterns are parsed now (so a
    /// syntax error or a missing `secret` group is reported here) and
    /// compiled on first use.
    pub fn new(rules: Vec<Rule>) -> Result<Self, RuleError> {
        Self::build(rules, false)
    }

    /// Like [`RuleSet::new`], but compiles every pattern now, so that any
    /// compile error (a size limit) is reported here too.
    pub fn new_eager(rules: Vec<Rule>) -> Result<Self, RuleError> {
        Self::build(rules, true)
    }

    fn build(rules: Vec<Rule>, eager: bool) -> Result<Self, RuleError> {
        let mut seen = std::collections::HashSet::new();
        let mut compiled = Vec::with_capacity(rules.len());
        let mut keyword_index: HashMap<String, usize> = HashMap::new();
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        for (index, rule) in rules.into_iter().enumerate() {
            if !seen.insert(rule.id.clone()) {
                return Err(RuleError::DuplicateId { id: rule.id });
            }
            if rule.keywords.iter().all(std::string::String::is_empty) {
                return Err(RuleError::NoKeywords { id: rule.id });
            }
            for keyword in rule.keywords.iter().filter(|k| !k.is_empty()) {
                let key = keyword.to_ascii_lowercase();
                let slot = *keyword_index.entry(key.clone()).or_insert_with(|| {
                    keywords.push(key);
                    keyword_rules.push(Vec::new());
                    keywords.len() - 1
                });
                if !keyword_rules[slot].contains(&index) {
                    keyword_rules[slot].push(index);
                }
            }
            compiled.push(compile(rule, eager)?);
        }
        let keywords = KeywordScanner::new(&keywords)?;
        Ok(RuleSet {
            rules: compiled,
            keywords,
            keyword_rules,
        })
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn rule(&self, index: usize) -> &Rule {
        &self.rules[index].rule
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|c| &c.rule)
    }

    /// The most context any rule may need around a match, in bytes. A caller
    /// that scans a stream in chunks overlaps them by at least this much.
    pub fn max_context(&self) -> usize {
        self.rules
            .iter()
            .map(|c| c.window)
            .max()
            .unwrap_or(DEFAULT_WINDOW)
            * 2
    }

    /// Finds every confirmed match in `haystack`, ordered by position.
    pub fn scan(&self, haystack: &[u8]) -> Vec<Match> {
        let windows = self.windows(haystack);
        let mut matches = Vec::new();
        for (rule_index, window) in windows {
            self.confirm(rule_index, haystack, window, &mut matches);
        }
        matches.sort_by(|a, b| {
            (a.secret.start, a.rule, a.span.start).cmp(&(b.secret.start, b.rule, b.span.start))
        });
        matches.dedup_by(|a, b| a.rule == b.rule && a.secret == b.secret);
        self.drop_shadowed_fallbacks(&mut matches);
        self.drop_same_secret_twice(&mut matches);
        matches
    }

    /// Two specific rules can own the same text (a Gemini key is also a
    /// Google API key): one finding is enough. The more severe rule stays;
    /// on a tie, the one listed first.
    fn drop_same_secret_twice(&self, matches: &mut Vec<Match>) {
        let mut keep = vec![true; matches.len()];
        for i in 0..matches.len() {
            for j in i + 1..matches.len() {
                if matches[j].secret.start != matches[i].secret.start {
                    break;
                }
                if !keep[i] || !keep[j] || matches[j].secret != matches[i].secret {
                    continue;
                }
                let (a, b) = (
                    &self.rules[matches[i].rule].rule,
                    &self.rules[matches[j].rule].rule,
                );
                // Two secret rules, or two metadata rules naming the same
                // kind of clue (a host found as a URL and as a name).
                let same_kind = a.kind == b.kind && (a.kind == Kind::Secret || a.clue == b.clue);
                if !same_kind {
                    continue;
                }
                if (b.severity, std::cmp::Reverse(matches[j].rule))
                    > (a.severity, std::cmp::Reverse(matches[i].rule))
                {
                    keep[i] = false;
                } else {
                    keep[j] = false;
                }
            }
        }
        let mut flags = keep.into_iter();
        matches.retain(|_| flags.next().unwrap_or(true));
    }

    /// Keyword pass: for each rule, the merged windows around its hits.
    fn windows(&self, haystack: &[u8]) -> Vec<(usize, Range<usize>)> {
        let mut hits: Vec<Hit> = Vec::new();
        self.keywords.hits(haystack, &mut hits);
        let mut open: Vec<Option<Range<usize>>> = vec![None; self.rules.len()];
        let mut closed = Vec::new();
        for hit in hits {
            let (start, end) = (hit.end - self.keywords.keyword_len(hit.keyword), hit.end);
            let next = haystack.get(end).copied();
            for &rule_index in &self.keyword_rules[hit.keyword as usize] {
                let compiled = &self.rules[rule_index];
                if let (Some(allowed), Some(byte)) = (&compiled.followed_by, next)
                    && !allowed[usize::from(byte)]
                {
                    continue;
                }
                match &mut open[rule_index] {
                    Some(current) if start <= current.end => {
                        if end > current.end {
                            current.end = window_end(haystack, end, compiled);
                        }
                        if start < current.start {
                            current.start = window_start(haystack, start, compiled);
                        }
                    }
                    slot => {
                        let fresh = window_start(haystack, start, compiled)
                            ..window_end(haystack, end, compiled);
                        if let Some(done) = slot.replace(fresh) {
                            closed.push((rule_index, done));
                        }
                    }
                }
            }
        }
        closed.extend(
            open.into_iter()
                .enumerate()
                .filter_map(|(i, w)| w.map(|w| (i, w))),
        );
        closed
    }

    fn confirm(
        &self,
        rule_index: usize,
        haystack: &[u8],
        window: Range<usize>,
        out: &mut Vec<Match>,
    ) {
        let compiled = &self.rules[rule_index];
        let Some(regex) = compiled.regex() else {
            return;
        };
        let text = &haystack[window.clone()];
        for caps in regex.regex.captures_iter(text) {
            let Some(secret) = caps.get(regex.secret_group) else {
                continue;
            };
            if secret.is_empty() {
                continue;
            }
            let value = regex
                .value_group
                .and_then(|g| caps.get(g))
                .unwrap_or(secret);
            let whole = caps.get(0).expect("group 0 always matches");
            if !passes_validators(&compiled.rule, secret.as_bytes())
                || compiled.ignores(value.as_bytes())
            {
                continue;
            }
            let base = window.start;
            out.push(Match {
                rule: rule_index,
                span: base + whole.start()..base + whole.end(),
                secret: base + secret.start()..base + secret.end(),
                value: base + value.start()..base + value.end(),
            });
        }
    }

    /// Drops a catch-all secret match whose secret overlaps a specific rule's.
    fn drop_shadowed_fallbacks(&self, matches: &mut Vec<Match>) {
        let specific: Vec<Range<usize>> = matches
            .iter()
            .filter(|m| {
                let rule = &self.rules[m.rule].rule;
                !rule.fallback && rule.kind == Kind::Secret
            })
            .map(|m| m.secret.clone())
            .collect();
        if specific.is_empty() {
            return;
        }
        matches.retain(|m| {
            !self.rules[m.rule].rule.fallback
                || !specific
                    .iter()
                    .any(|s| s.start < m.secret.end && m.secret.start < s.end)
        });
    }
}

impl CompiledRule {
    fn ignores(&self, value: &[u8]) -> bool {
        self.rule
            .ignore_values
            .iter()
            .any(|v| v.as_bytes().eq_ignore_ascii_case(value))
            || self
                .ignore_pattern
                .as_ref()
                .is_some_and(|re| re.is_match(value))
    }
}

fn passes_validators(rule: &Rule, secret: &[u8]) -> bool {
    if !rule.allow_placeholders && looks_like_placeholder(secret) {
        return false;
    }
    if let Some(floor) = rule.min_entropy
        && shannon_entropy(secret) < floor
    {
        return false;
    }
    if let Some(kind) = rule.checksum
        && !checksum_ok(kind, secret)
    {
        return false;
    }
    true
}

fn build_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(16 * 1024 * 1024)
        // Windows are small: a modest lazy-DFA cache per rule and thread
        // keeps memory bounded with hundreds of rules.
        .dfa_size_limit(256 * 1024)
        .build()
}

/// Checks a pattern's syntax and its `secret` group without compiling it.
fn check_pattern(rule: &Rule) -> Result<(), RuleError> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(&rule.pattern)
        .map_err(|e| RuleError::Pattern {
            id: rule.id.clone(),
            message: e.to_string(),
        })?;
    if capture_names(&hir).iter().any(|n| n == "secret") {
        Ok(())
    } else {
        Err(RuleError::NoSecretGroup {
            id: rule.id.clone(),
        })
    }
}

fn capture_names(hir: &regex_syntax::hir::Hir) -> Vec<String> {
    use regex_syntax::hir::HirKind;
    let mut names = Vec::new();
    let mut stack = vec![hir];
    while let Some(node) = stack.pop() {
        match node.kind() {
            HirKind::Capture(capture) => {
                if let Some(name) = &capture.name {
                    names.push(name.to_string());
                }
                stack.push(&capture.sub);
            }
            HirKind::Repetition(repetition) => stack.push(&repetition.sub),
            HirKind::Concat(subs) | HirKind::Alternation(subs) => stack.extend(subs.iter()),
            _ => {}
        }
    }
    names
}

impl CompiledRule {
    /// The rule's regex, compiled on first use. `None` only when a pattern
    /// that parsed still fails to compile (a size limit): the rule then
    /// never matches, which the rules check catches.
    fn regex(&self) -> Option<&CompiledRegex> {
        self.regex
            .get_or_init(|| {
                let regex = build_regex(&self.rule.pattern).ok()?;
                let names: Vec<Option<&str>> = regex.capture_names().collect();
                let group = |name: &str| names.iter().position(|n| *n == Some(name));
                let secret_group = group("secret")?;
                let value_group = group("value");
                Some(CompiledRegex {
                    regex,
                    secret_group,
                    value_group,
                })
            })
            .as_ref()
    }
}

fn compile(rule: Rule, eager: bool) -> Result<CompiledRule, RuleError> {
    check_pattern(&rule)?;
    let regex = OnceLock::new();
    if eager {
        let built = build_regex(&rule.pattern).map_err(|e| RuleError::Pattern {
            id: rule.id.clone(),
            message: e.to_string(),
        })?;
        let names: Vec<Option<&str>> = built.capture_names().collect();
        let group = |name: &str| names.iter().position(|n| *n == Some(name));
        let secret_group = group("secret").ok_or_else(|| RuleError::NoSecretGroup {
            id: rule.id.clone(),
        })?;
        let value_group = group("value");
        let _ = regex.set(Some(CompiledRegex {
            regex: built,
            secret_group,
            value_group,
        }));
    }
    let ignore_pattern =
        match &rule.ignore_pattern {
            Some(pattern) => Some(RegexBuilder::new(pattern).unicode(false).build().map_err(
                |e| RuleError::Pattern {
                    id: rule.id.clone(),
                    message: format!("ignore_pattern: {e}"),
                },
            )?),
            None => None,
        };
    let window = rule.window.unwrap_or(if rule.multiline {
        DEFAULT_MULTILINE_WINDOW
    } else {
        DEFAULT_WINDOW
    });
    let followed_by = rule.keyword_followed_by.as_ref().map(|chars| {
        let mut allowed = Box::new([false; 256]);
        for byte in chars.bytes() {
            allowed[usize::from(byte)] = true;
        }
        allowed
    });
    Ok(CompiledRule {
        rule,
        regex,
        window,
        ignore_pattern,
        followed_by,
    })
}

fn window_start(haystack: &[u8], start: usize, compiled: &CompiledRule) -> usize {
    let floor = start.saturating_sub(compiled.window);
    if compiled.rule.multiline {
        floor
    } else {
        memchr::memrchr(b'\n', &haystack[floor..start]).map_or(floor, |i| floor + i + 1)
    }
}

fn window_end(haystack: &[u8], end: usize, compiled: &CompiledRule) -> usize {
    let ceiling = (end + compiled.window).min(haystack.len());
    if compiled.rule.multiline {
        ceiling
    } else {
        memchr::memchr(b'\n', &haystack[end..ceiling]).map_or(ceiling, |i| end + i)
    }
}
