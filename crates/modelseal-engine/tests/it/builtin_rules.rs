//! Every example of every built-in rule matches; no counter-example does.

use modelseal_engine::{Kind, RuleError, RuleSet, builtin, check_rules};

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
    let rules = builtin::rules();
    let set = RuleSet::builtin();
    assert_eq!(set.rules().count(), rules.len());
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), before, "a rule id is used twice");
    // The check is not vacuous: a set with a repeated id is refused.
    let mut twice = rules.clone();
    twice.push(rules[0].clone());
    let error = RuleSet::new(twice).map(|_| ()).unwrap_err();
    assert!(
        matches!(&error, RuleError::DuplicateId { id } if *id == rules[0].id),
        "{error}"
    );
}

/// The README's "(N rules, M of them for credentials)" is what is built in.
#[test]
fn the_readme_counts_the_rules_it_ships() {
    let rules = builtin::rules();
    let secrets = rules.iter().filter(|r| r.kind == Kind::Secret).count();
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .unwrap();
    let claim = format!("({} rules, {secrets} of them for credentials)", rules.len());
    assert!(
        readme.contains(&claim),
        "README.md should say {claim:?}: update its \"What it finds\" section"
    );
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
