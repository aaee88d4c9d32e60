//! `modelseal scan`.

use std::io::{BufWriter, Write};

use anyhow::{Context, Result};
use modelseal_engine::Severity;
use modelseal_report::{Format, HumanOptions, ScanReport};
use modelseal_scan::source::WalkOptions;
use modelseal_scan::source::git::GitOptions;
use modelseal_scan::source::input::{self, Input, InputOptions, ReadOptions};
use modelseal_scan::{
    Baseline, BaselineChoice, Problem, ProblemKind, ScanOutcome, ScanSettings, Scanner,
};

use super::setup;
use crate::args::{OutputFormat, ScanArgs};
use crate::exit::Code;
use crate::progress::Progress;

pub fn run(args: &ScanArgs) -> Result<Code> {
    run_input(args, false)
}

/// `protect --staged`: the staged changes of the repository `args.paths[0]`,
/// reported and judged as a scan.
pub fn run_staged(args: &ScanArgs) -> Result<Code> {
    run_input(args, true)
}

fn run_input(args: &ScanArgs, staged: bool) -> Result<Code> {
    if let Some(threads) = args.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global()
            .context("cannot start worker threads")?;
    }
    let inputs = if staged {
        vec![Input::Staged(args.paths[0].clone())]
    } else {
        input::resolve(
            &args.paths,
            InputOptions {
                git_history: args.git,
            },
        )?
    };
    let start = input::config_start(&inputs);
    let config = setup::load_config(args.config.as_deref(), args.no_config, &start)?;
    let baseline = match (&args.baseline, &args.write_baseline) {
        // Writing a baseline records everything found now.
        (_, Some(_)) => BaselineChoice::Ignore,
        (Some(path), None) => BaselineChoice::File(path.clone()),
        (None, None) => BaselineChoice::Configured,
    };
    let settings = ScanSettings {
        show_secrets: args.show_secrets,
        walk: WalkOptions {
            respect_gitignore: args.respect_gitignore,
        },
        ..ScanSettings::default()
    };
    let scanner = setup::scanner(&config, settings, &baseline)?;

    let read = ReadOptions {
        walk: scanner.settings().walk,
        git: GitOptions {
            all_objects: args.all_objects,
            since: args.since.clone(),
        },
        hub_offline: ReadOptions::hub_offline_from_env(),
    };
    let progress = Progress::new(!args.no_progress);
    let scanned = input::scan(&scanner, &inputs, &read, &progress);
    progress.finish();
    let mut outcome = scanned?;
    let min_severity: Severity = args.min_severity.into();
    outcome.findings.retain(|f| f.severity >= min_severity);

    tell_problems(&outcome.problems);
    if let Some(path) = &args.write_baseline {
        Baseline::from_findings(&outcome.findings).write(path)?;
        eprintln!(
            "wrote {} finding(s) to the baseline {}; scans with --baseline {} report only new ones",
            outcome.findings.len(),
            path.display(),
            path.display()
        );
    }

    let fail_on = args
        .fail_on
        .map(Severity::from)
        .or(config.config.fail_on)
        .unwrap_or(Severity::Low);
    let code = exit_code(
        &outcome,
        fail_on,
        args.write_baseline.is_some(),
        args.allow_incomplete,
    );
    write_report(args, &scanner, outcome)?;
    Ok(code)
}

/// Each problem on stderr, prefixed by what it is: `warning` (not read: the
/// scan is incomplete), `skipped` (left out on purpose), `note`.
pub(crate) fn tell_problems(problems: &[Problem]) {
    for problem in problems {
        let label = match problem.kind {
            ProblemKind::Warning => "warning",
            ProblemKind::Skip => "skipped",
            ProblemKind::Note => "note",
        };
        eprintln!("{label}: {}: {}", problem.path, problem.message);
    }
}

pub(crate) fn exit_code(
    outcome: &ScanOutcome,
    fail_on: Severity,
    wrote_baseline: bool,
    allow_incomplete: bool,
) -> Code {
    let nothing_read = outcome.stats.files_scanned == 0
        && outcome.stats.binary_skipped == 0
        && outcome.stats.paths_allowlisted == 0
        && outcome.is_incomplete();
    if nothing_read {
        eprintln!("error: nothing could be scanned");
        return Code::Usage;
    }
    if wrote_baseline {
        return Code::Clean;
    }
    if outcome.findings.iter().any(|f| f.severity >= fail_on) {
        Code::Findings
    } else if outcome.is_incomplete() && !allow_incomplete {
        Code::Incomplete
    } else {
        Code::Clean
    }
}

fn write_report(args: &ScanArgs, scanner: &Scanner, outcome: ScanOutcome) -> Result<()> {
    let format = match args.format {
        OutputFormat::Human => Format::Human,
        OutputFormat::Json => Format::Json,
        OutputFormat::Jsonl => Format::Jsonl,
        OutputFormat::Sarif => Format::Sarif,
    };
    let color = args.color.colors(args.output.is_some());
    let report = report_of(scanner, outcome);
    let human = HumanOptions { color };
    if let Some(path) = &args.output {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut out = BufWriter::new(file);
        modelseal_report::write(&report, format, human, &mut out)?;
        out.flush()?;
    } else {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        modelseal_report::write(&report, format, human, &mut out)?;
        out.flush()?;
    }
    Ok(())
}

/// The report of a scan: its findings with the descriptors of their rules.
pub(crate) fn report_of(scanner: &Scanner, outcome: ScanOutcome) -> ScanReport {
    ScanReport::new(
        env!("CARGO_PKG_VERSION"),
        outcome.findings,
        outcome.stats,
        outcome.problems,
        scanner.rules().rules().map(modelseal_engine::Rule::info),
    )
}
