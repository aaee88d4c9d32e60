//! Checks rules files against their own examples without building the CLI:
//! `cargo run -p modelseal-engine --example check_rules -- rules/aws.toml`.
//! With no argument, checks the built-in rules.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use modelseal_engine::{RuleFile, builtin, check_rules};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rules = if args.is_empty() {
        builtin::rules()
    } else {
        let mut rules = Vec::new();
        for path in &args {
            let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
            match RuleFile::parse(&text, path) {
                Ok(file) => rules.extend(file.rule),
                Err(e) => {
                    eprintln!("{e}");
                    std::process::exit(1);
                }
            }
        }
        rules
    };
    let problems = check_rules(&rules);
    for p in &problems {
        println!("{p}");
    }
    let secrets = rules
        .iter()
        .filter(|r| r.kind == modelseal_engine::Kind::Secret)
        .count();
    println!(
        "{} rules ({secrets} secret), {} problem(s)",
        rules.len(),
        problems.len()
    );
    std::process::exit(i32::from(!problems.is_empty()));
}
