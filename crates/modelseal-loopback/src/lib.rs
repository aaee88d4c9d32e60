//! Loopback HTTP servers that speak the APIs modelseal's network sources
//! use, for tests and benchmarks: [`FakeHub`] answers like the Hugging Face
//! Hub (revision info, recursive tree listings with `Link` pagination,
//! `resolve` downloads with redirects and range requests, author listings),
//! [`FakeGitHub`] like GitHub's REST API (organization repositories with
//! `Link` pagination, tarballs behind a redirect). Both can misbehave on
//! purpose (rate limits, HTML pages, redirect loops, cut-off bodies) and
//! count what they serve. [`write_hub_cache`] lays out a local hub cache.

mod cache;
mod github;
mod hub;
mod server;

pub use cache::{Snapshot, write_hub_cache};
pub use github::{FakeGitHub, GitHubRepo};
pub use hub::{Content, FakeHub, HubRepoSpec};
pub use server::{Logged, Quirks};
