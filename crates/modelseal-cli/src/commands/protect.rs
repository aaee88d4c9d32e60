//! `modelseal protect --staged`: the pre-commit check, reported and judged
//! like a scan.

use anyhow::Result;

use super::scan;
use crate::args::{ProtectArgs, ScanArgs};
use crate::exit::Code;

pub fn run(args: &ProtectArgs) -> Result<Code> {
    let as_scan = ScanArgs {
        paths: vec![args.repo.clone()],
        format: args.format,
        output: None,
        fail_on: args.fail_on,
        min_severity: args.min_severity,
        show_secrets: args.show_secrets,
        config: args.config.clone(),
        no_config: args.no_config,
        baseline: args.baseline.clone(),
        write_baseline: None,
        respect_gitignore: false,
        allow_incomplete: args.allow_incomplete,
        threads: None,
        no_progress: true,
        color: args.color,
        git: false,
        all_objects: false,
        since: None,
    };
    scan::run_staged(&as_scan)
}
