//! Git repositories as a source, read with gitoxide (pure Rust): the full
//! history of every ref ([`history`]), what is staged for the next commit
//! ([`staged`]), and where hooks go ([`hooks_dir`]).

pub mod history;
pub mod scan;
pub mod staged;

use std::path::{Path, PathBuf};
use thiserror::Error;

use gix::ObjectId;

/// What a history scan reads.
#[derive(Debug, Clone, Default)]
pub struct GitOptions {
    /// Also unreachable objects: dangling commits (dropped stashes, amended
    /// commits) are walked like refs, and blobs no commit reaches are
    /// scanned without a path.
    pub all_objects: bool,
    /// Only commits newer than this date, or not reachable from this
    /// revision; what the commits just before them hold is not read again.
    pub since: Option<String>,
}

/// The short form of an object id in locations: `3f2a9c1`.
pub fn short(id: &ObjectId) -> String {
    id.to_hex_with_len(7).to_string()
}

/// Why a repository could not be read at all. Damage inside a readable
/// repository (a corrupt pack, a missing object) is a problem in the
/// outcome, not an error.
#[derive(Debug, Error)]
pub enum GitError {
    #[error("{}: not in a git repository ({message})", path.display())]
    NotARepository { path: PathBuf, message: String },
    #[error("{}: a bare repository has nothing staged", path.display())]
    Bare { path: PathBuf },
    #[error("{}: cannot read the index: {message}", path.display())]
    Index { path: PathBuf, message: String },
    #[error("core.hooksPath: {0}")]
    HooksPath(String),
    #[error("--since {spec}: {message}")]
    Since { spec: String, message: String },
}

/// Opens the repository at `path` (a work tree or a `.git` folder), not
/// looking in folders above it.
pub fn open(path: &Path) -> Result<gix::Repository, GitError> {
    gix::open(path).map_err(|e| GitError::NotARepository {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Whether `path` is a bare repository: scanned as history without `--git`.
pub fn is_bare_repository(path: &Path) -> bool {
    path.join("HEAD").is_file()
        && path.join("objects").is_dir()
        && path.join("refs").is_dir()
        && gix::open(path).is_ok_and(|repo| repo.is_bare())
}

/// How a repository is named in locations: the path as given, or the
/// folder's name when the path is `.` or `..`.
pub fn display_name(path: &Path) -> String {
    let given = path.to_string_lossy();
    let trimmed = given.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    let relative_only = Path::new(trimmed).components().all(|c| {
        matches!(
            c,
            std::path::Component::CurDir | std::path::Component::ParentDir
        )
    });
    if relative_only
        && let Some(name) = std::fs::canonicalize(path)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
    {
        return name;
    }
    trimmed.to_owned()
}

/// Where git runs hooks for the repository holding `start`: `core.hooksPath`
/// when set (relative to the work tree), else `hooks` in the common git
/// folder, which linked worktrees share.
pub fn hooks_dir(start: &Path) -> Result<PathBuf, GitError> {
    let repo = gix::discover(start).map_err(|e| GitError::NotARepository {
        path: start.to_owned(),
        message: e.to_string(),
    })?;
    let configured = repo
        .config_snapshot()
        .trusted_path("core.hooksPath")
        .map_err(|e| GitError::HooksPath(e.to_string()))?;
    Ok(match configured {
        Some(path) if path.is_absolute() => path,
        Some(path) => repo
            .workdir()
            .map_or_else(|| repo.git_dir().to_path_buf(), Path::to_path_buf)
            .join(path),
        None => repo.common_dir().join("hooks"),
    })
}
