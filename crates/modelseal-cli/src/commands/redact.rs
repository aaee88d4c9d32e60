//! `modelseal redact`: a streaming filter, or an in-place rewrite of files.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::pump::{Pump, PumpError, Pumped};
use super::setup;
use crate::args::RedactArgs;
use crate::exit::Code;

pub fn run(args: &RedactArgs) -> Result<Code> {
    let stdin_named = args.files.iter().any(|f| f == Path::new("-"));
    if args.in_place && (args.files.is_empty() || stdin_named) {
        bail!("--in-place needs files to rewrite; standard input can only be filtered");
    }
    let redactor = Arc::new(setup::redactor(&args.options)?);
    let pump = Pump {
        redactor,
        max_line: args.options.max_line,
        idle: Duration::from_millis(args.options.idle_ms.max(1)),
        writer_gone: None,
    };
    let mut total = 0;
    let mut failed = false;
    if args.files.is_empty() {
        total += filter_stdin(&pump)?.redacted;
    } else {
        for file in &args.files {
            let result = if file == Path::new("-") {
                filter_stdin(&pump).map(|p| p.redacted)
            } else if args.in_place {
                rewrite(&pump, file, args.backup.as_deref())
            } else {
                print_file(&pump, file)
            };
            match result {
                Ok(count) => total += count,
                Err(error) if crate::exit::is_broken_pipe(&error) => return Err(error),
                Err(error) => {
                    eprintln!("error: {error:#}");
                    failed = true;
                }
            }
        }
    }
    Ok(if failed {
        Code::Usage
    } else if args.exit_code && total > 0 {
        Code::Findings
    } else {
        Code::Clean
    })
}

fn filter_stdin(pump: &Pump) -> Result<Pumped> {
    let mut stdout = io::stdout().lock();
    pump.run(io::stdin(), &mut stdout)
        .map_err(|e| pump_error(e, "standard input"))
}

fn print_file(pump: &Pump, path: &Path) -> Result<usize> {
    let file = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut stdout = io::stdout().lock();
    let pumped = pump
        .run_here(file, &mut stdout)
        .map_err(|e| pump_error(e, &path.display().to_string()))?;
    Ok(pumped.redacted)
}

/// Rewrites a file with its secrets hidden: written to a temporary file
/// beside it, then renamed over it, so a crash leaves the original whole. A
/// file with nothing to hide is left untouched.
fn rewrite(pump: &Pump, path: &Path, backup: Option<&str>) -> Result<usize> {
    let shown = path.display();
    let meta = std::fs::symlink_metadata(path).with_context(|| format!("{shown}: cannot read"))?;
    if meta.file_type().is_symlink() {
        bail!("{shown}: is a symbolic link; rewrite the file it points to by its own path");
    }
    if !meta.is_file() {
        bail!("{shown}: not a regular file");
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let input = File::open(path).with_context(|| format!("{shown}: cannot open"))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".modelseal-redact-")
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a temporary file", dir.display()))?;
    let pumped = {
        let mut out = io::BufWriter::with_capacity(1 << 20, temp.as_file_mut());
        let pumped = pump
            .run_here(input, &mut out)
            .map_err(|e| pump_error(e, &shown.to_string()))?;
        out.flush()
            .with_context(|| format!("{shown}: cannot write"))?;
        pumped
    };
    if pumped.redacted == 0 {
        eprintln!("{shown}: nothing to redact");
        return Ok(0);
    }
    temp.as_file()
        .set_permissions(meta.permissions())
        .with_context(|| format!("{shown}: cannot keep its permissions"))?;
    temp.as_file()
        .sync_all()
        .with_context(|| format!("{shown}: cannot write"))?;
    if let Some(suffix) = backup {
        let mut kept = path.as_os_str().to_owned();
        kept.push(suffix);
        std::fs::copy(path, &kept).with_context(|| {
            format!(
                "{shown}: cannot keep the original as {}",
                Path::new(&kept).display()
            )
        })?;
    }
    temp.persist(path)
        .with_context(|| format!("{shown}: cannot replace it"))?;
    eprintln!("{shown}: {} secret(s) redacted", pumped.redacted);
    Ok(pumped.redacted)
}

fn pump_error(error: PumpError, what: &str) -> anyhow::Error {
    match error {
        PumpError::Read(e) => anyhow::Error::new(e).context(format!("{what}: cannot read")),
        PumpError::Write(e) => anyhow::Error::new(e).context("cannot write the output"),
    }
}
