//! Checks a rule against its own examples: the test over the built-in rules
//! and `modelseal rules check` both use this.

use crate::matcher::RuleSet;
use crate::rule::{Kind, Rule};

/// One thing wrong with a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub rule: String,
    pub message: String,
}

impl std::fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rule `{}`: {}", self.rule, self.message)
    }
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks one rule on its own: schema, pattern, examples, counter-examples.
pub fn check_rule(rule: &Rule) -> Vec<RuleProblem> {
    let mut problems = Vec::new();
    let mut problem = |message: String| {
        problems.push(RuleProblem {
            rule: rule.id.clone(),
            message,
        });
    };
    if !is_kebab_case(&rule.id) {
        problem("id must be kebab-case (lowercase letters, digits, single dashes)".into());
    }
    for (field, text) in [
        ("title", &rule.title),
        ("description", &rule.description),
        ("remediation", &rule.remediation),
    ] {
        if text.trim().is_empty() {
            problem(format!("`{field}` is empty"));
        }
    }
    if rule.kind == Kind::Misconfiguration {
        problem(
            "`kind = \"misconfiguration\"` is for audit checks; a detection rule is a secret or metadata"
                .into(),
        );
    }
    if rule.kind == Kind::Metadata && rule.clue.is_none() {
        problem(
            "a metadata rule needs a `clue` (username, host, address, email, bucket or version)"
                .into(),
        );
    }
    if rule.examples.is_empty() {
        problem("needs at least one example".into());
    }
    let set = match RuleSet::new_eager(vec![rule.clone()]) {
        Ok(set) => set,
        Err(e) => {
            problem(e.to_string());
            return problems;
        }
    };
    for example in &rule.examples {
        if set.scan(example.as_bytes()).is_empty() {
            problem(format!("example does not match: {example:?}"));
        }
    }
    for counter in &rule.counter_examples {
        if let Some(m) = set.scan(counter.as_bytes()).first() {
            let found = String::from_utf8_lossy(&counter.as_bytes()[m.secret.clone()]).into_owned();
            problem(format!("counter-example matches ({found:?}): {counter:?}"));
        }
    }
    problems
}

/// Checks every rule and that ids are unique.
pub fn check_rules(rules: &[Rule]) -> Vec<RuleProblem> {
    let mut problems: Vec<RuleProblem> = rules.iter().flat_map(check_rule).collect();
    let mut seen = std::collections::HashSet::new();
    for rule in rules {
        if !seen.insert(rule.id.as_str()) {
            problems.push(RuleProblem {
                rule: rule.id.clone(),
                message: "id is used twice".into(),
            });
        }
    }
    problems
}
