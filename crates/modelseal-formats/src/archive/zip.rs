//! Zip archives (and what is built on zip: PyTorch checkpoints, TorchScript
//! archives, `.keras` files). Members are streamed; PyTorch tensor storages
//! are recognised by their place and never read.

use std::io::{Cursor, Read};

use zip::CompressionMethod;

use crate::archive::display_name;
use crate::limits::{Budget, Metered};
use crate::visitor::{Blob, Notice, NoticeKind, ReadSeek, Visitor};

/// Compressed bytes assumed at least, so tiny members are not held to a
/// ratio of their few bytes.
const RATIO_FLOOR: u64 = 64 * 1024;

/// Reads a zip from a stream: small enough ones are held in memory so the
/// directory can be read.
pub fn read_stream(reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    let limit = budget.limits.max_buffered;
    let mut buffer = Vec::new();
    let mut metered = Metered::new(
        reader,
        limit,
        "size of a nested archive held in memory (max_buffered)",
    );
    match metered.read_to_end(&mut buffer) {
        Ok(_) => read(&mut Cursor::new(buffer), visitor, budget),
        Err(e) => visitor.notice(Notice::new(
            NoticeKind::Limit,
            None,
            format!("zip inside another archive not opened: {e}"),
        )),
    }
}

/// PyTorch checkpoint layout: `<root>/data.pkl` beside `<root>/data/<n>`
/// tensor storages.
fn tensor_roots(names: &[String]) -> Vec<String> {
    names
        .iter()
        .filter_map(|n| n.strip_suffix("data.pkl"))
        .map(|root| format!("{root}data/"))
        .collect()
}

pub fn read(reader: &mut dyn ReadSeek, visitor: &mut dyn Visitor, budget: &Budget) {
    let mut archive = match zip::ZipArchive::new(reader) {
        Ok(archive) => archive,
        Err(e) => {
            visitor.notice(Notice::new(
                NoticeKind::Corrupt,
                None,
                format!("not a readable zip archive: {e}"),
            ));
            return;
        }
    };
    let names: Vec<String> = (0..archive.len())
        .map(|i| {
            archive
                .by_index_raw(i)
                .map(|f| display_name(f.name_raw(), budget.limits.max_path_len))
                .unwrap_or_default()
        })
        .collect();
    let overlapping = overlapping_members(&mut archive);
    let storage_roots = tensor_roots(&names);
    let mut storages_skipped = 0u64;
    for (index, name) in names.iter().enumerate() {
        if name.ends_with('/') {
            continue;
        }
        if storage_roots
            .iter()
            .any(|root| name.starts_with(root.as_str()))
        {
            storages_skipped += 1;
            continue;
        }
        if !budget.count_member() {
            visitor.notice(Notice::new(
                NoticeKind::Limit,
                Some(name),
                format!(
                    "more than {} members (max_members): the rest are not read",
                    budget.limits.max_members
                ),
            ));
            break;
        }
        if overlapping.contains(&index) {
            visitor.notice(Notice::new(
                NoticeKind::Limit,
                Some(name),
                "its data overlaps another member's (an overlapping-entry zip bomb): not read",
            ));
            continue;
        }
        read_member(&mut archive, index, name, visitor, budget);
    }
    if storages_skipped > 0 {
        visitor.notice(Notice::new(
            NoticeKind::Skipped,
            None,
            format!(
                "{storages_skipped} PyTorch tensor storage(s) not read: they hold numbers, not text"
            ),
        ));
    }
}

fn read_member(
    archive: &mut zip::ZipArchive<&mut dyn ReadSeek>,
    index: usize,
    name: &str,
    visitor: &mut dyn Visitor,
    budget: &Budget,
) {
    let method = archive.by_index_raw(index).map(|f| f.compression()).ok();
    let room = budget.room();
    if method == Some(CompressionMethod::ZSTD) {
        let mut raw = match archive.by_index_raw(index) {
            Ok(raw) => raw,
            Err(e) => return corrupt(visitor, name, &e),
        };
        let cap = room.min(
            raw.compressed_size()
                .max(RATIO_FLOOR)
                .saturating_mul(budget.limits.max_ratio),
        );
        match ruzstd::decoding::StreamingDecoder::new(&mut raw) {
            Ok(decoder) => {
                let mut metered =
                    Metered::new(decoder, cap, "expansion ratio or total expanded size");
                let size = None;
                visitor.member(name, Blob::Stream(&mut metered), size);
                budget.add_expanded(metered.bytes_read());
            }
            Err(e) => visitor.notice(Notice::new(
                NoticeKind::Corrupt,
                Some(name),
                format!("bad zstd data: {e}"),
            )),
        }
        return;
    }
    let mut file = match archive.by_index(index) {
        Ok(file) => file,
        Err(zip::result::ZipError::UnsupportedArchive(what)) => {
            visitor.notice(Notice::new(
                NoticeKind::Unsupported,
                Some(name),
                format!("not read: {what}"),
            ));
            return;
        }
        Err(e) => return corrupt(visitor, name, &e),
    };
    let declared = file.size();
    let cap = room.min(
        file.compressed_size()
            .max(RATIO_FLOOR)
            .saturating_mul(budget.limits.max_ratio),
    );
    let mut metered = Metered::new(
        &mut file,
        cap,
        "expansion ratio or total expanded size (a zip bomb?)",
    );
    visitor.member(name, Blob::Stream(&mut metered), Some(declared));
    budget.add_expanded(metered.bytes_read());
}

fn corrupt(visitor: &mut dyn Visitor, name: &str, error: &zip::result::ZipError) {
    visitor.notice(Notice::new(
        NoticeKind::Corrupt,
        Some(name),
        format!("cannot read this member: {error}"),
    ));
}

/// Members whose compressed data overlaps another's: the trick behind
/// non-recursive zip bombs. Both sides are reported.
fn overlapping_members(archive: &mut zip::ZipArchive<&mut dyn ReadSeek>) -> Vec<usize> {
    let mut ranges: Vec<(u64, u64, usize)> = (0..archive.len())
        .filter_map(|i| {
            let file = archive.by_index_raw(i).ok()?;
            let start = file.data_start()?;
            Some((start, start.saturating_add(file.compressed_size()), i))
        })
        .filter(|(start, end, _)| end > start)
        .collect();
    ranges.sort_unstable();
    let mut overlapping = Vec::new();
    let mut furthest: Option<(u64, usize)> = None;
    for (start, end, index) in ranges {
        if let Some((reach, owner)) = furthest
            && start < reach
        {
            overlapping.push(index);
            overlapping.push(owner);
        }
        if furthest.is_none_or(|(reach, _)| end > reach) {
            furthest = Some((end, index));
        }
    }
    overlapping.sort_unstable();
    overlapping.dedup();
    overlapping
}
