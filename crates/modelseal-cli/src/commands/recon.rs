//! `modelseal recon hf:ORG | gh:ORG`.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::Ordering;

use anyhow::{Context, Result};
use modelseal_engine::Severity;
use modelseal_report::{Format, HumanOptions};
use modelseal_scan::recon::{self, Recon, ReconObserver, Services, Target};
use modelseal_scan::source::http::Http;
use modelseal_scan::{BaselineChoice, ScanSettings, Scanner};
use signal_hook::consts::SIGINT;

use super::scan::exit_code;
use super::setup;
use crate::args::{OutputFormat, ReconArgs};
use crate::exit::Code;

struct Narrator {
    enabled: bool,
}

impl ReconObserver for Narrator {
    fn listed(&self, repos: usize) {
        if self.enabled {
            eprintln!("{repos} repositories published");
        }
    }

    fn repo_started(&self, repo: &str, index: usize, total: usize) {
        if self.enabled {
            eprintln!("[{}/{total}] {repo}", index + 1);
        }
    }
}

pub fn run(args: &ReconArgs) -> Result<Code> {
    let target = Target::parse(&args.target)?;
    let config = setup::load_config(args.config.as_deref(), args.no_config, Path::new("."))?;
    let settings = ScanSettings {
        show_secrets: args.show_secrets,
        ..ScanSettings::default()
    };
    let scanner = setup::scanner(&config, settings, &BaselineChoice::Ignore)?;
    let services = Services::from_env(Http::new());

    // The first Ctrl-C stops after the current repository; a second quits.
    let interrupted = services.http.interrupt_flag();
    signal_hook::flag::register_conditional_shutdown(SIGINT, 130, interrupted.clone())
        .context("cannot watch for Ctrl-C")?;
    signal_hook::flag::register(SIGINT, interrupted.clone()).context("cannot watch for Ctrl-C")?;

    let narrator = Narrator {
        enabled: !args.no_progress && std::io::stderr().is_terminal(),
    };
    let recon = recon::run(&scanner, &target, &services, &narrator);
    if interrupted.load(Ordering::SeqCst) {
        eprintln!("interrupted: reporting what was scanned");
    }
    super::scan::tell_problems(&recon.outcome.problems);
    write(args, &target, &scanner, &recon)?;

    if recon.listed == 0 && recon.outcome.is_incomplete() {
        eprintln!("error: nothing could be listed for {target}");
        return Ok(Code::Usage);
    }
    let fail_on = args
        .fail_on
        .map(Severity::from)
        .or(config.config.fail_on)
        .unwrap_or(Severity::Low);
    Ok(exit_code(
        &recon.outcome,
        fail_on,
        false,
        args.allow_incomplete,
    ))
}

fn write(args: &ReconArgs, target: &Target, scanner: &Scanner, recon: &Recon) -> Result<()> {
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let color = args.color.colors(args.output.is_some());
    let report = super::scan::report_of(scanner, recon.outcome.clone());
    let human = HumanOptions { color };
    match args.format {
        OutputFormat::Human => {
            summary_table(target, recon, &mut out)?;
            modelseal_report::write(&report, Format::Human, human, &mut out)?;
        }
        OutputFormat::Json => {
            let mut document = Vec::new();
            modelseal_report::write(&report, Format::Json, human, &mut document)?;
            let mut value: serde_json::Value = serde_json::from_slice(&document)?;
            value["target"] = serde_json::json!(target.to_string());
            value["repos"] = serde_json::json!(recon.repos);
            value["listed"] = serde_json::json!(recon.listed);
            value["interrupted"] = serde_json::json!(recon.interrupted);
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
        }
        OutputFormat::Jsonl => modelseal_report::write(&report, Format::Jsonl, human, &mut out)?,
        OutputFormat::Sarif => modelseal_report::write(&report, Format::Sarif, human, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

/// One line per repository, worst first: the attacker's shopping list.
fn summary_table(target: &Target, recon: &Recon, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "{target}: {} of {} repositories scanned{}",
        recon.repos.len(),
        recon.listed,
        if recon.interrupted {
            " (interrupted)"
        } else {
            ""
        }
    )?;
    let mut rows: Vec<_> = recon.repos.iter().collect();
    rows.sort_by(|a, b| (b.worst, b.secrets, &a.repo).cmp(&(a.worst, a.secrets, &b.repo)));
    for row in rows {
        let worst = row.worst.map_or("clean", Severity::as_str);
        let problems = if row.problems > 0 {
            format!(", {} unreadable", row.problems)
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {:<9} {:<48} {:>3} secrets, {:>3} clues, {:>5} files{problems}",
            worst, row.repo, row.secrets, row.metadata, row.files_scanned
        )?;
    }
    writeln!(out)?;
    Ok(())
}
