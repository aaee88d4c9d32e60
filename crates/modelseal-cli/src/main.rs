//! `modelseal`: the command-line edge. Arguments are parsed here and turned
//! into plain settings for the library crates; results go to stdout,
//! progress and warnings to stderr.

mod args;
mod commands;
mod exit;
mod progress;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Scan(scan) => commands::scan::run(&scan),
        args::Command::Recon(recon) => commands::recon::run(&recon),
        args::Command::Redact(redact) => commands::redact::run(&redact),
        args::Command::Run(run) => commands::run::run(&run),
        args::Command::Protect(protect) => commands::protect::run(&protect),
        args::Command::InstallHook(hook) => commands::install_hook::run(&hook),
        args::Command::Rules(rules) => commands::rules::run(&rules),
    };
    match result {
        Ok(code) => code.into(),
        Err(error) => {
            if exit::is_broken_pipe(&error) {
                return exit::Code::Clean.into();
            }
            eprintln!("error: {error:#}");
            exit::Code::Usage.into()
        }
    }
}
