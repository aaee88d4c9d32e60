//! Which source handles an input: one decision, made here for the command
//! line and for Python alike.
//!
//! `-` is standard input; `hf://org/name[@rev]` (and `hf://datasets/…`,
//! `hf://spaces/…`) a hub repository, read over the network or, with
//! `HF_HUB_OFFLINE` set, from the local hub cache; a local hub cache folder
//! is read the hub's way (every snapshot, each blob once); a bare git
//! repository, or any repository with `--git`, is read as its full history;
//! anything else is a file or folder, container images among them found by
//! content. Inputs are scanned by [`scan`].

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::InvalidName;
use super::git::{self, GitError, GitOptions};
use super::http::Http;
use super::hub::{self, Hub, HubRepo};
use super::hub_cache::{self, CachedRepo};
use super::{WalkOptions, fs};
use crate::blob::{BlobScanner, Observer};
use crate::outcome::{Problem, ScanOutcome};

/// One input, and the source that reads it.
#[derive(Debug, Clone)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// Files and folders on disk, scanned together in parallel.
    Paths(Vec<PathBuf>),
    /// The full history of a git repository.
    GitHistory(PathBuf),
    /// What is staged in the git repository holding this path.
    Staged(PathBuf),
    /// Repositories of a local hub cache folder.
    HubCache(Vec<CachedRepo>),
    /// A hub repository.
    Hub(HubRepo),
}

/// How inputs are told apart.
#[derive(Debug, Clone, Copy, Default)]
pub struct InputOptions {
    /// Read every path as a git repository's history (`--git`).
    pub git_history: bool,
}

/// How inputs are read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub walk: WalkOptions,
    pub git: GitOptions,
    /// Read hub repositories from the local cache, never the network
    /// (`HF_HUB_OFFLINE`, as the hub's own client does).
    pub hub_offline: bool,
}

impl ReadOptions {
    /// Whether `HF_HUB_OFFLINE` asks for the local cache.
    pub fn hub_offline_from_env() -> bool {
        std::env::var("HF_HUB_OFFLINE")
            .is_ok_and(|v| matches!(v.as_str(), "1" | "true" | "TRUE" | "yes"))
    }
}

/// Why inputs could not be told apart.
#[derive(Debug, Error)]
pub enum InputError {
    #[error(transparent)]
    Name(#[from] InvalidName),
    #[error("`-` (standard input) cannot be combined with other paths")]
    StdinWithOthers,
    #[error("nothing to scan: name a file, a folder, `-` or hf://ORG/NAME")]
    Nothing,
}

/// The inputs `args` name, each with the source that reads it. Plain files
/// and folders are gathered into one [`Input::Paths`], scanned together.
pub fn resolve(args: &[PathBuf], options: InputOptions) -> Result<Vec<Input>, InputError> {
    if args.is_empty() {
        return Err(InputError::Nothing);
    }
    if args.iter().any(|a| a == Path::new("-")) {
        return if args.len() == 1 {
            Ok(vec![Input::Stdin])
        } else {
            Err(InputError::StdinWithOthers)
        };
    }
    let mut inputs = Vec::new();
    let mut paths = Vec::new();
    for arg in args {
        if let Some(text) = arg.to_str().filter(|t| HubRepo::is_hub(t)) {
            inputs.push(Input::Hub(HubRepo::parse(text)?));
        } else if options.git_history || git::is_bare_repository(arg) {
            inputs.push(Input::GitHistory(arg.clone()));
        } else if let Some(cached) = hub_cache::cached_repos(arg) {
            inputs.push(Input::HubCache(cached));
        } else {
            paths.push(arg.clone());
        }
    }
    if !paths.is_empty() {
        inputs.insert(0, Input::Paths(paths));
    }
    Ok(inputs)
}

/// The folder configuration discovery starts from for these inputs: the
/// first path on disk, else the current folder.
pub fn config_start(inputs: &[Input]) -> PathBuf {
    inputs
        .iter()
        .find_map(|input| match input {
            Input::Paths(paths) => paths.first().cloned(),
            Input::GitHistory(path) | Input::Staged(path) => Some(path.clone()),
            _ => None,
        })
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Scans every input, each by its source, into one outcome. Only a git
/// `--since` that names nothing, or a path that is no repository for
/// [`Input::Staged`], stops the scan; everything else unreadable is a
/// problem in the outcome.
pub fn scan(
    scanner: &dyn BlobScanner,
    inputs: &[Input],
    options: &ReadOptions,
    observer: &dyn Observer,
) -> Result<ScanOutcome, GitError> {
    let mut outcome = ScanOutcome::default();
    let mut hub: Option<Hub> = None;
    for input in inputs {
        let read = match input {
            Input::Stdin => fs::scan_stdin(scanner),
            Input::Paths(paths) => fs::scan_paths(scanner, paths, options.walk, observer),
            Input::GitHistory(path) => git::scan::scan_history(scanner, path, &options.git)?,
            Input::Staged(path) => git::scan::scan_staged(scanner, path)?,
            Input::HubCache(cached) => cached
                .iter()
                .map(|repo| hub_cache::scan_cached(scanner, repo, observer))
                .fold(ScanOutcome::default(), ScanOutcome::merge),
            Input::Hub(repo) if options.hub_offline => {
                if let Some(cached) = hub_cache::find_cached(repo) {
                    hub_cache::scan_cached(scanner, &cached, observer)
                } else {
                    let mut missing = ScanOutcome::default();
                    missing.problems.push(Problem::new(
                        repo.display(),
                        "HF_HUB_OFFLINE is set and the local hub cache does not hold this repository",
                    ));
                    missing
                }
            }
            Input::Hub(repo) => {
                let hub = hub.get_or_insert_with(|| Hub::from_env(Http::new()));
                hub::scan_repo(scanner, hub, repo, observer)
            }
        };
        outcome = outcome.merge(read);
    }
    if let Some(hub) = hub {
        outcome.stats.bytes_transferred += hub.http().transferred();
    }
    outcome.sort();
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(inputs: &[Input]) -> Vec<&'static str> {
        inputs
            .iter()
            .map(|i| match i {
                Input::Stdin => "stdin",
                Input::Paths(_) => "paths",
                Input::GitHistory(_) => "git",
                Input::Staged(_) => "staged",
                Input::HubCache(_) => "hub-cache",
                Input::Hub(_) => "hub",
            })
            .collect()
    }

    #[test]
    fn each_input_goes_to_its_source() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("model");
        std::fs::create_dir(&plain).unwrap();
        let inputs = resolve(
            &[
                plain.clone(),
                PathBuf::from("hf://acme/sentiment@v1"),
                dir.path().join("logs.txt"),
            ],
            InputOptions::default(),
        )
        .unwrap();
        assert_eq!(kinds(&inputs), ["paths", "hub"]);
        let Input::Paths(paths) = &inputs[0] else {
            unreachable!()
        };
        assert_eq!(paths.len(), 2);
        assert_eq!(config_start(&inputs), plain);

        let git = resolve(
            std::slice::from_ref(&plain),
            InputOptions { git_history: true },
        )
        .unwrap();
        assert_eq!(kinds(&git), ["git"]);
        assert_eq!(
            kinds(&resolve(&[PathBuf::from("-")], InputOptions::default()).unwrap()),
            ["stdin"]
        );
        assert_eq!(config_start(&[Input::Stdin]), PathBuf::from("."));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let options = InputOptions::default();
        assert!(matches!(
            resolve(&[PathBuf::from("-"), PathBuf::from("a")], options),
            Err(InputError::StdinWithOthers)
        ));
        assert!(matches!(
            resolve(&[PathBuf::from("hf://a/b/c")], options),
            Err(InputError::Name(_))
        ));
        assert!(matches!(resolve(&[], options), Err(InputError::Nothing)));
    }
}
