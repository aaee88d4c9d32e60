//! Every example of every built-in rule matches; no counter-example does.

use modelseal_engine::{Kind, RuleSet, builtin, check_rules};

#[test]
fn every_example_of_every_rule() {
    let rules = builtin::rules();
    let problems = check_rules(&rules);
    let listing: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        listing.is_empty(),
        "{} problem(s):\n{}",
        listing.len(),
        listing.join("\n")
    );
}

#[test]
fn builtin_set_compiles_with_unique_ids() {
    let set = RuleSet::builtin();
    assert!(!set.is_empty());
}

#[test]
fn enough_secret_rules() {
    let secrets = builtin::rules()
        .iter()
        .filter(|r| r.kind == Kind::Secret)
        .count();
    assert!(secrets >= 120, "only {secrets} secret rules");
}

#[test]
fn examples_still_match_in_the_full_set() {
    // In the full set a catch-all may be shadowed, but every example must
    // still produce some finding.
    let set = RuleSet::builtin();
    for rule in set.rules() {
        for example in &rule.examples {
            assert!(
                !set.scan(example.as_bytes()).is_empty(),
                "{}: {example:?}",
                rule.id
            );
        }
    }
}
