//! A rule or check explained from its [`RuleInfo`], under the same fixed
//! headings everywhere: what it finds and why it matters, an example, how
//! to fix it, references. `rules explain`, the generated reference pages
//! and the SARIF help text all read the same descriptor.

use std::fmt::Write as _;

use modelseal_findings::RuleInfo;

/// Plain text for a terminal (`modelseal rules explain ID`).
pub fn explain(info: &RuleInfo, example: Option<&str>) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{} ({})", info.title, info.id);
    let _ = write!(text, "kind: {}, severity: {}", info.kind, info.severity);
    if let Some(clue) = info.clue {
        let _ = write!(text, ", clue: {}", clue.as_str());
    }
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "\nWhat it finds and why it matters\n  {}",
        indent(&info.description)
    );
    let _ = writeln!(text, "\nHow to fix it\n  {}", indent(&info.remediation));
    if let Some(example) = example {
        let _ = writeln!(text, "\nExample\n  {example}");
    }
    text
}

/// The references, one line each, for the end of an explanation.
pub fn references(info: &RuleInfo) -> String {
    info.references
        .iter()
        .fold(String::new(), |mut text, reference| {
            let _ = writeln!(text, "Reference: {reference}");
            text
        })
}

/// One Markdown section of a reference page, headed by the id.
pub fn markdown_section(info: &RuleInfo, example: Option<&str>) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "\n## {}\n", info.id);
    let _ = writeln!(
        text,
        "**{}** — {} rule, severity {}.\n",
        info.title, info.kind, info.severity
    );
    let _ = writeln!(
        text,
        "### What it finds and why it matters\n\n{}\n",
        info.description.trim()
    );
    if let Some(example) = example {
        let _ = writeln!(text, "### Example\n\n```text\n{example}\n```\n");
    }
    let _ = writeln!(text, "### How to fix it\n\n{}", info.remediation.trim());
    if !info.references.is_empty() {
        let _ = writeln!(text, "\n### References\n");
        for reference in &info.references {
            let _ = writeln!(text, "- <{reference}>");
        }
    }
    text
}

fn indent(text: &str) -> String {
    text.trim()
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n  ")
}
