//! Engine behaviour on whole buffers: positions, windows, validators.

use modelseal_engine::{Kind, Rule, RuleSet, Severity};

fn rule(id: &str, keywords: &[&str], pattern: &str) -> Rule {
    Rule {
        id: id.into(),
        title: id.into(),
        kind: Kind::Secret,
        severity: Severity::High,
        clue: None,
        keyword_followed_by: None,
        keywords: keywords.iter().map(|k| (*k).to_string()).collect(),
        pattern: pattern.into(),
        window: None,
        multiline: false,
        min_entropy: None,
        checksum: None,
        fallback: false,
        ignore_values: vec![],
        ignore_pattern: None,
        allow_placeholders: false,
        description: "d".into(),
        remediation: "r".into(),
        references: vec![],
        examples: vec![],
        counter_examples: vec![],
    }
}

#[test]
fn reports_offsets_into_the_buffer() {
    let set = RuleSet::new(vec![rule("t", &["tok_"], r"(?P<secret>tok_[a-z0-9]{10})")]).unwrap();
    let text = b"line one\nsome tok_q8v2m4x9z1 here\n";
    let found = set.scan(text);
    assert_eq!(found.len(), 1);
    assert_eq!(&text[found[0].secret.clone()], b"tok_q8v2m4x9z1");
}

#[test]
fn keywords_are_case_insensitive() {
    let set = RuleSet::new(vec![rule(
        "t",
        &["TOK_"],
        r"(?i)(?P<secret>tok_[a-z0-9]{10})",
    )])
    .unwrap();
    assert_eq!(set.scan(b"x Tok_q8v2m4x9z1").len(), 1);
}

#[test]
fn no_keyword_no_match() {
    // The regex would match, but the prefilter keyword is absent.
    let set = RuleSet::new(vec![rule("t", &["zzz"], r"(?P<secret>tok_[a-z0-9]{10})")]).unwrap();
    assert!(set.scan(b"tok_q8v2m4x9z1").is_empty());
}

#[test]
fn many_hits_on_one_line_give_each_match_once() {
    let set = RuleSet::new(vec![rule("t", &["tok_"], r"(?P<secret>tok_[a-z0-9]{10})")]).unwrap();
    let text = b"tok_q8v2m4x9z1 tok_a8v2m4x9z1 tok_b8v2m4x9z1\ntok_c8v2m4x9z1";
    assert_eq!(set.scan(text).len(), 4);
}

#[test]
fn fallback_is_shadowed_by_a_specific_rule() {
    let mut generic = rule("generic", &["token"], r"token\s*=\s*(?P<secret>\S+)");
    generic.fallback = true;
    let specific = rule("specific", &["tok_"], r"(?P<secret>tok_[a-z0-9]{10})");
    let set = RuleSet::new(vec![generic, specific]).unwrap();
    let found = set.scan(b"token = tok_q8v2m4x9z1");
    assert_eq!(found.len(), 1);
    assert_eq!(set.rule(found[0].rule).id, "specific");
    let found = set.scan(b"token = Zq8vR2mLx9TbW4kP");
    assert_eq!(set.rule(found[0].rule).id, "generic");
}

#[test]
fn duplicate_ids_are_refused() {
    let a = rule("t", &["x"], r"(?P<secret>x)");
    assert!(RuleSet::new(vec![a.clone(), a]).is_err());
}

#[test]
fn pattern_without_secret_group_is_refused() {
    assert!(RuleSet::new(vec![rule("t", &["x"], r"x+")]).is_err());
}

#[test]
fn binary_junk_does_not_panic() {
    let set = RuleSet::builtin();
    let junk: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let _ = set.scan(&junk);
}

#[test]
fn same_secret_from_two_specific_rules_is_reported_once() {
    let mut severe = rule("severe", &["tok_"], r"(?P<secret>tok_[a-z0-9]{10})");
    severe.severity = Severity::Critical;
    let plain = rule("plain", &["key"], r"key=(?P<secret>tok_[a-z0-9]{10})");
    let set = RuleSet::new(vec![plain, severe]).unwrap();
    let found = set.scan(b"key=tok_q8v2m4x9z1");
    assert_eq!(found.len(), 1);
    assert_eq!(set.rule(found[0].rule).id, "severe");
}

#[test]
fn keyword_followed_by_limits_which_hits_count() {
    let mut r = rule("t", &["token"], r"(?i)token\s*=\s*(?P<secret>[a-z0-9]{10})");
    r.keyword_followed_by = Some("= ".into());
    let set = RuleSet::new(vec![r]).unwrap();
    assert_eq!(set.scan(b"token = q8v2m4x9z1").len(), 1);
    assert_eq!(set.scan(b"token=q8v2m4x9z1").len(), 1);
    // `tokens` is followed by `s`: the hit does not count, so the regex never
    // runs, even though it would match further along the line.
    assert!(
        set.scan(b"tokens per second; token_b=q8v2m4x9z1")
            .is_empty()
    );
}
