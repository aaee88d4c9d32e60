//! Sources: what to read. Files and folders on disk ([`fs`]) with container
//! images among them ([`image`]), standard input, git repositories
//! ([`git`]), and over the network: model hubs ([`hub`], [`hub_cache`] for
//! the local cache) and GitHub organizations ([`github`]), through [`http`].
//! [`input`] decides which source handles an input.
//!
//! A source never imports the pipeline: it hands each blob, with its typed
//! [`modelseal_findings::Origin`], to a [`BlobScanner`] and gets back what was found, so that
//! it can add what only it knows (the commit that introduced a blob, the
//! layer that deleted a file).

pub mod fs;
pub mod git;

pub use crate::blob::{BlobScanner, Observer, Quiet, SourceBlob};

pub mod github;
pub mod http;
pub mod hub;
pub mod hub_cache;
pub mod image;

pub mod input;

pub use fs::{FileEntry, WalkOptions, walk};

/// An input that names nothing modelseal can read (`hf://a/b/c`, `xx:org`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input}: {reason}")]
pub struct InvalidName {
    pub input: String,
    pub reason: String,
}

impl InvalidName {
    pub fn new(input: &str, reason: impl Into<String>) -> Self {
        InvalidName {
            input: input.to_owned(),
            reason: reason.into(),
        }
    }
}
