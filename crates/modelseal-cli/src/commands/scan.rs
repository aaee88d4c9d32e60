//! `modelseal scan`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use modelseal_engine::Severity;
use modelseal_report::{Format, HumanOptions, ScanReport};
use modelseal_scan::source::WalkOptions;
use modelseal_scan::source::git::{self, GitOptions};
use modelseal_scan::source::http::Http;
use modelseal_scan::source::hub::{self, Hub, HubRepo};
use modelseal_scan::source::hub_cache;
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
    let reads_stdin = args.paths.iter().any(|p| p == Path::new("-"));
    if reads_stdin && args.paths.len() > 1 {
        bail!("`-` (standard input) cannot be combined with other paths");
    }
    let (hub_names, paths): (Vec<&PathBuf>, Vec<&PathBuf>) = args
        .paths
        .iter()
        .partition(|p| p.to_str().is_some_and(HubRepo::is_hub));
    let hub_repos = hub_names
        .iter()
        .map(|p| HubRepo::parse(&p.to_string_lossy()))
        .collect::<Result<Vec<_>, _>>()?;
    let paths: Vec<PathBuf> = paths.into_iter().cloned().collect();
    let start = match paths.first() {
        Some(path) if !reads_stdin => path.clone(),
        _ => PathBuf::from("."),
    };
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

    let mut outcome = if staged {
        scanner.scan_staged(&args.paths[0])?
    } else if reads_stdin {
        let stdin = std::io::stdin();
        scanner.scan_reader("-", stdin.lock())
    } else {
        scan_sources(args, &paths, &hub_repos, &scanner)?
    };
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

/// Folders and files as they are on disk (a hub cache folder read the
/// hub's way), git histories (with `--git`, or for a bare repository), and
/// hub repositories.
fn scan_sources(
    args: &ScanArgs,
    paths: &[PathBuf],
    hub_repos: &[HubRepo],
    scanner: &Scanner,
) -> Result<ScanOutcome> {
    let (repositories, paths): (Vec<&PathBuf>, Vec<&PathBuf>) = paths
        .iter()
        .partition(|path| args.git || git::is_bare_repository(path));
    let (caches, plain): (Vec<_>, Vec<_>) = paths
        .into_iter()
        .map(|p| (p, hub_cache::cached_repos(p)))
        .partition(|(_, cached)| cached.is_some());
    let plain: Vec<PathBuf> = plain.into_iter().map(|(p, _)| p.clone()).collect();
    let progress = Progress::new(!args.no_progress);
    let mut outcome = if plain.is_empty() {
        ScanOutcome::default()
    } else {
        scanner.scan_paths(&plain, &progress)
    };
    for cached in caches.into_iter().filter_map(|(_, c)| c).flatten() {
        outcome = outcome.merge(hub_cache::scan_cached(scanner, &cached, &progress));
    }
    if !hub_repos.is_empty() {
        outcome = outcome.merge(scan_hub(scanner, hub_repos, &progress));
    }
    progress.finish();
    let options = GitOptions {
        all_objects: args.all_objects,
        since: args.since.clone(),
    };
    for repository in repositories {
        let history = scanner.scan_git(repository, &options)?;
        outcome = outcome.merge(history);
    }
    outcome.sort();
    Ok(outcome)
}

/// Hub repositories over the network, or from the local cache when
/// `HF_HUB_OFFLINE` is set (as the hub's own client does).
fn scan_hub(scanner: &Scanner, repos: &[HubRepo], progress: &Progress) -> ScanOutcome {
    let offline = std::env::var("HF_HUB_OFFLINE")
        .is_ok_and(|v| matches!(v.as_str(), "1" | "true" | "TRUE" | "yes"));
    let mut outcome = ScanOutcome::default();
    if offline {
        for repo in repos {
            match hub_cache::find_cached(repo) {
                Some(cached) => {
                    outcome = outcome.merge(hub_cache::scan_cached(scanner, &cached, progress));
                }
                None => outcome.problems.push(Problem::new(
                    repo.display(),
                    "HF_HUB_OFFLINE is set and the local hub cache does not hold this repository",
                )),
            }
        }
        return outcome;
    }
    let hub = Hub::from_env(Http::new());
    for repo in repos {
        outcome = outcome.merge(hub::scan_repo(scanner, &hub, repo, progress));
    }
    outcome.stats.bytes_transferred = hub.http().transferred();
    outcome
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
