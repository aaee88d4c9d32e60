//! `modelseal install-hook`: a plain `pre-commit` hook that runs
//! `modelseal protect --staged`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use modelseal_scan::source::git;

use crate::args::InstallHookArgs;
use crate::exit::Code;

/// The line that marks a hook as modelseal's own, safe to update.
const MARKER: &str = "# Installed by `modelseal install-hook`";

pub fn run(args: &InstallHookArgs) -> Result<Code> {
    let dir = git::hooks_dir(&args.repo)?;
    let hook = dir.join("pre-commit");
    let existing = match std::fs::read(&hook) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", hook.display())),
    };
    let ours = existing
        .as_deref()
        .is_some_and(|bytes| String::from_utf8_lossy(bytes).contains(MARKER));
    if existing.is_some() && !ours {
        if !args.force {
            bail!(
                "{} is another pre-commit hook; not replaced (--force replaces it and keeps it as \
                 pre-commit.bak, or call `modelseal protect --staged` from it)",
                hook.display()
            );
        }
        let backup = dir.join("pre-commit.bak");
        std::fs::rename(&hook, &backup)
            .with_context(|| format!("cannot move {} aside", hook.display()))?;
        eprintln!("kept the previous hook as {}", backup.display());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let exe = std::env::current_exe().context("cannot tell where modelseal is")?;
    std::fs::write(&hook, script(&exe))
        .with_context(|| format!("cannot write {}", hook.display()))?;
    make_executable(&hook)?;
    eprintln!(
        "{} {}: commits that add secrets are stopped (skip once with `git commit --no-verify`)",
        if ours { "updated" } else { "installed" },
        hook.display()
    );
    Ok(Code::Clean)
}

/// The hook: `modelseal` from PATH, else the binary that installed it.
fn script(exe: &Path) -> String {
    let quoted = exe.display().to_string().replace('\'', r"'\''");
    format!(
        "#!/bin/sh\n\
         {MARKER}: stops commits that add secrets.\n\
         # Skip once with `git commit --no-verify`; remove this file to uninstall.\n\
         if command -v modelseal >/dev/null 2>&1; then\n\
         \x20   exec modelseal protect --staged\n\
         fi\n\
         exec '{quoted}' protect --staged\n"
    )
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<()> {
    Ok(())
}
