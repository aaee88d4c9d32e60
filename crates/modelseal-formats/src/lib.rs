//! modelseal's format readers.
//!
//! A format recognises its input by magic bytes first and name second. This
//! crate starts with the decision every other format builds on: is a blob
//! text to scan, or binary of no format known yet, to skip without reading
//! it whole.

mod sniff;

pub use sniff::{Content, SNIFF_LEN, classify};
