//! `modelseal rules list | explain | check | docs`.

use modelseal_report::rule_docs;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use modelseal_engine::{Kind, Rule, RuleFile, check_rules};
use modelseal_scan::LoadedConfig;

use super::setup;
use crate::args::{RulesCheckArgs, RulesCommand, RulesExplainArgs, RulesListArgs};
use crate::exit::Code;

pub fn run(command: &RulesCommand) -> Result<Code> {
    match command {
        RulesCommand::List(args) => list(args),
        RulesCommand::Explain(args) => explain(args),
        RulesCommand::Check(args) => check(args),
        RulesCommand::Docs => docs(),
    }
}

fn configured_rules(config: Option<&Path>) -> Result<Vec<Rule>> {
    let config = setup::load_config(config, false, Path::new("."))?;
    setup::rules(&config)
}

fn list(args: &RulesListArgs) -> Result<Code> {
    let rules: Vec<Rule> = configured_rules(args.config.as_deref())?
        .into_iter()
        .filter(|r| args.kind.as_deref().is_none_or(|k| r.kind.as_str() == k))
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        #[derive(serde::Serialize)]
        struct Entry<'a> {
            id: &'a str,
            title: &'a str,
            kind: Kind,
            severity: modelseal_engine::Severity,
        }
        let entries: Vec<Entry<'_>> = rules
            .iter()
            .map(|r| Entry {
                id: &r.id,
                title: &r.title,
                kind: r.kind,
                severity: r.severity,
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
        return Ok(Code::Clean);
    }
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for rule in &rules {
        writeln!(
            out,
            "{:<width$}  {:<8}  {:<8}  {}",
            rule.id,
            rule.kind.as_str(),
            rule.severity.as_str(),
            rule.title
        )?;
    }
    let secrets = rules.iter().filter(|r| r.kind == Kind::Secret).count();
    writeln!(
        out,
        "\n{} rules: {secrets} secret, {} metadata.",
        rules.len(),
        rules.len() - secrets
    )?;
    writeln!(
        out,
        "`modelseal rules explain ID` tells what one finds and how to fix it."
    )?;
    Ok(Code::Clean)
}

fn explain(args: &RulesExplainArgs) -> Result<Code> {
    let rules = configured_rules(args.config.as_deref())?;
    let Some(rule) = rules.iter().find(|r| r.id == args.id) else {
        let close: Vec<&str> = rules
            .iter()
            .map(|r| r.id.as_str())
            .filter(|id| id.contains(args.id.as_str()) || args.id.contains(*id))
            .take(8)
            .collect();
        if close.is_empty() {
            bail!("no rule `{}` (see `modelseal rules list`)", args.id);
        }
        bail!("no rule `{}`; did you mean: {}", args.id, close.join(", "));
    };
    let mut out = std::io::stdout().lock();
    write!(out, "{}", explanation(rule))?;
    Ok(Code::Clean)
}

/// The shared explanation of the rule's descriptor, then how this rule
/// detects: keywords and validators.
fn explanation(rule: &Rule) -> String {
    let mut text = rule_docs::explain(&rule.info(), rule.examples.first().map(String::as_str));
    let _ = writeln!(text, "\nKeywords: {}", rule.keywords.join(", "));
    let mut checks = Vec::new();
    if let Some(entropy) = rule.min_entropy {
        checks.push(format!("entropy at least {entropy} bits per character"));
    }
    if let Some(checksum) = rule.checksum {
        checks.push(format!("checksum {checksum:?}"));
    }
    if !rule.allow_placeholders {
        checks.push("placeholders and documented examples dropped".into());
    }
    if rule.fallback {
        checks.push("catch-all: a more specific rule on the same text wins".into());
    }
    let _ = writeln!(text, "Checks: {}", checks.join("; "));
    text.push_str(&rule_docs::references(&rule.info()));
    text
}

fn check(args: &RulesCheckArgs) -> Result<Code> {
    let mut rules = Vec::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let parsed = match RuleFile::parse(&text, &path.display().to_string()) {
            Ok(file) => file.rule,
            // A configuration file holds `[[rule]]` blocks among other keys.
            Err(first) => match LoadedConfig::load(path) {
                Ok(config) => config.config.rule,
                Err(_) => return Err(first.into()),
            },
        };
        rules.extend(parsed);
    }
    let builtin = modelseal_engine::builtin::rules();
    let mut problems: Vec<String> = check_rules(&rules)
        .iter()
        .map(ToString::to_string)
        .collect();
    for rule in &rules {
        if builtin.iter().any(|b| b.id == rule.id) {
            problems.push(format!(
                "rule `{}`: id is taken by a built-in rule",
                rule.id
            ));
        }
    }
    let mut out = std::io::stdout().lock();
    for problem in &problems {
        writeln!(out, "{problem}")?;
    }
    let examples: usize = rules
        .iter()
        .map(|r| r.examples.len() + r.counter_examples.len())
        .sum();
    writeln!(
        out,
        "{} rule(s), {examples} example(s) and counter-example(s) checked: {}",
        rules.len(),
        if problems.is_empty() {
            "all good".to_owned()
        } else {
            format!("{} problem(s)", problems.len())
        }
    )?;
    Ok(if problems.is_empty() {
        Code::Clean
    } else {
        Code::Findings
    })
}

/// The rules reference, one section per rule with fixed headings.
pub fn docs_markdown(rules: &[Rule]) -> String {
    let mut text = String::from(
        "# Rules reference\n\n<!-- Generated by `modelseal rules docs > docs/rules.md`; a test fails when it is stale. -->\n\n",
    );
    let secrets = rules.iter().filter(|r| r.kind == Kind::Secret).count();
    let _ = writeln!(
        text,
        "{} rules: {secrets} find secrets, {} find metadata clues.\n",
        rules.len(),
        rules.len() - secrets
    );
    text.push_str("| id | kind | severity | title |\n|---|---|---|---|\n");
    for rule in rules {
        let _ = writeln!(
            text,
            "| [`{0}`](#{0}) | {1} | {2} | {3} |",
            rule.id, rule.kind, rule.severity, rule.title
        );
    }
    for rule in rules {
        text.push_str(&rule_docs::markdown_section(
            &rule.info(),
            rule.examples.first().map(String::as_str),
        ));
    }
    text
}

fn docs() -> Result<Code> {
    let mut out = std::io::stdout().lock();
    out.write_all(docs_markdown(&modelseal_engine::builtin::rules()).as_bytes())?;
    Ok(Code::Clean)
}
