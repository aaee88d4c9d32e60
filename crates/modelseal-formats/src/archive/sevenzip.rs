//! A 7z archive: every member, streamed, within the limits.
//!
//! 7z keeps its directory at the end of the file, so the archive must be
//! seekable: a top-level file is read in place, a nested one is held in
//! memory up to `max_buffered`. Members are decompressed one after another
//! (in a solid archive, many members share one compressed block and must be
//! decoded in order) and each is handed to the visitor as a stream, metered
//! against the expansion ratio of its block and the total expanded size.
//! What the visitor leaves unread is drained through the same meter, so a
//! member that expands forever stops at the limit instead of being decoded
//! to the end. Encrypted members and headers are reported, never guessed at.

use std::io::{self, Cursor, Read};

use sevenz_rust2::{Archive, ArchiveEntry, BlockDecoder, EncoderMethod, Error, Password};

use crate::archive::display_name;
use crate::limits::{Budget, Metered, limit_message};
use crate::visitor::{Blob, Notice, NoticeKind, ReadSeek, Visitor};

/// Compressed bytes assumed at least, so tiny blocks are not held to a
/// ratio of their few bytes (as for zip members).
const RATIO_FLOOR: u64 = 64 * 1024;

/// Memory a decoder (an LZMA dictionary, a PPMd model) may ask for, in KiB.
/// 7-Zip's strongest preset uses a 64 MiB dictionary; anything past this is
/// a hostile header, or one that would break the memory bound.
const DECODER_MEMORY_KIB: usize = 80 * 1024;

/// Reads a 7z archive from a stream: small enough ones are held in memory so
/// the directory at their end can be read.
pub fn read_stream(reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    let mut buffer = Vec::new();
    let mut metered = Metered::new(
        reader,
        budget.limits.max_buffered,
        "size of a 7z archive held in memory so its directory can be read (max_buffered)",
    );
    match metered.read_to_end(&mut buffer) {
        Ok(_) => read(&mut Cursor::new(buffer), visitor, budget),
        Err(e) => visitor.notice(match limit_message(&e) {
            Some(message) => Notice::new(
                NoticeKind::Limit,
                None,
                format!("7z archive not opened: {message}"),
            ),
            None => Notice::new(
                NoticeKind::Corrupt,
                None,
                format!("cannot read the 7z archive: {e}"),
            ),
        }),
    }
}

/// Reads a 7z archive that can seek.
pub fn read(mut reader: &mut dyn ReadSeek, visitor: &mut dyn Visitor, budget: &Budget) {
    let password = Password::empty();
    let archive = match Archive::read_with_memory_limit(&mut reader, &password, DECODER_MEMORY_KIB)
    {
        Ok(archive) => archive,
        Err(e) => return visitor.notice(archive_notice(None, &e)),
    };
    let mut walk = Walk {
        visitor,
        budget,
        max_path_len: budget.limits.max_path_len,
        left: 0,
        current: None,
        stopped: false,
    };
    let first_packs = archive.stream_map.block_first_pack_stream_index();
    for (index, block) in archive.blocks.iter().enumerate() {
        if block
            .coders
            .iter()
            .any(|c| c.encoder_method_id() == EncoderMethod::ID_AES256_SHA256)
        {
            walk.encrypted(&archive, index);
            continue;
        }
        walk.left = block_cap(archive.pack_sizes(), first_packs, index, budget);
        walk.current = members_of(&archive, index)
            .next()
            .map(|file| display_name(file.name.as_bytes(), walk.max_path_len));
        // Decoding stays on the scanner's thread.
        let decoder = BlockDecoder::new_with_memory_limit(
            1,
            DECODER_MEMORY_KIB,
            index,
            &archive,
            &password,
            &mut reader,
        );
        let result = decoder.for_each_entries(&mut |entry, data| Ok(walk.entry(entry, data)));
        if let Err(e) = result {
            let member = walk.current.take();
            walk.visitor.notice(archive_notice(member.as_deref(), &e));
            if !matches!(
                e,
                Error::UnsupportedCompressionMethod(_) | Error::MaxMemLimited { .. }
            ) {
                // Damaged data: what follows is not to be trusted.
                return;
            }
        }
        if walk.stopped {
            return;
        }
    }
}

/// The bytes block `index` may expand to: its compressed size (the packed
/// streams from its first to the next block's first) times `max_ratio`.
fn block_cap(packed: &[u64], first_packs: &[usize], index: usize, budget: &Budget) -> u64 {
    let first = first_packs.get(index).copied().unwrap_or(0);
    let end = first_packs
        .get(index + 1)
        .copied()
        .unwrap_or(packed.len())
        .max(first);
    let compressed = packed
        .get(first..end)
        .unwrap_or_default()
        .iter()
        .fold(0u64, |sum, size| sum.saturating_add(*size));
    compressed
        .max(RATIO_FLOOR)
        .saturating_mul(budget.limits.max_ratio)
}

/// At most this many encrypted members are named one by one.
const MAX_ENCRYPTED_NAMED: usize = 100;

struct Walk<'a> {
    visitor: &'a mut dyn Visitor,
    budget: &'a Budget,
    max_path_len: usize,
    /// Bytes the block being decoded may still expand to.
    left: u64,
    /// The member being read, for a notice if decoding fails.
    current: Option<String>,
    /// A limit or damaged data ended the walk (and was reported).
    stopped: bool,
}

impl Walk<'_> {
    /// Reads one entry of the block being decoded; false skips the rest of
    /// the block.
    fn entry(&mut self, entry: &ArchiveEntry, data: &mut dyn Read) -> bool {
        if entry.is_directory || entry.is_anti_item || !entry.has_stream {
            return true;
        }
        let name = display_name(entry.name.as_bytes(), self.max_path_len);
        if !self.budget.count_member() {
            self.visitor.notice(Notice::new(
                NoticeKind::Limit,
                Some(&name),
                format!(
                    "more than {} members (max_members): the rest are not read",
                    self.budget.limits.max_members
                ),
            ));
            self.stopped = true;
            return false;
        }
        self.current = Some(name.clone());
        let cap = self.left.min(self.budget.room());
        let mut metered = Metered::new(
            data,
            cap,
            "expansion ratio or total expanded size (a 7z bomb?)",
        );
        self.visitor
            .member(&name, Blob::Stream(&mut metered), Some(entry.size));
        // What the visitor left unread must still be decoded to reach the
        // next member of a solid block: it goes through the same meter.
        let drained = io::copy(&mut metered, &mut io::sink());
        let used = metered.bytes_read();
        self.budget.add_expanded(used);
        self.left = self.left.saturating_sub(used);
        match drained {
            Ok(_) => true,
            Err(e) => {
                let message = limit_message(&e).unwrap_or_else(|| format!("cannot decode it: {e}"));
                let kind = if limit_message(&e).is_some() {
                    NoticeKind::Limit
                } else {
                    NoticeKind::Corrupt
                };
                self.visitor.notice(Notice::new(
                    kind,
                    Some(&name),
                    format!("{message}: the rest of its compressed block is not read"),
                ));
                // Damaged data ends the walk; a limit only this block.
                self.stopped = kind == NoticeKind::Corrupt;
                false
            }
        }
    }

    /// Reports the members of an encrypted block, which is not decoded.
    fn encrypted(&mut self, archive: &Archive, block: usize) {
        let names: Vec<&ArchiveEntry> = members_of(archive, block).collect();
        for file in names.iter().take(MAX_ENCRYPTED_NAMED) {
            let name = display_name(file.name.as_bytes(), self.max_path_len);
            self.visitor.notice(Notice::new(
                NoticeKind::Unsupported,
                Some(&name),
                "encrypted with a password: not read",
            ));
        }
        if names.len() > MAX_ENCRYPTED_NAMED {
            self.visitor.notice(Notice::new(
                NoticeKind::Unsupported,
                None,
                format!(
                    "{} more encrypted members not read",
                    names.len() - MAX_ENCRYPTED_NAMED
                ),
            ));
        }
    }
}

/// The members whose data block `block` holds.
fn members_of(archive: &Archive, block: usize) -> impl Iterator<Item = &ArchiveEntry> {
    archive
        .files
        .iter()
        .zip(&archive.stream_map.file_block_index)
        .filter(move |(file, owner)| file.has_stream && **owner == Some(block))
        .map(|(file, _)| file)
}

/// The notice for an error from the 7z reader.
fn archive_notice(member: Option<&str>, error: &Error) -> Notice {
    let (kind, message) = match error {
        Error::PasswordRequired | Error::MaybeBadPassword(_) => (
            NoticeKind::Unsupported,
            "encrypted with a password: not read".to_owned(),
        ),
        Error::UnsupportedCompressionMethod(method) if method.contains("AES") => (
            NoticeKind::Unsupported,
            match member {
                Some(_) => "encrypted with a password: not read".to_owned(),
                None => {
                    "the archive's directory is encrypted with a password: nothing could be read"
                        .to_owned()
                }
            },
        ),
        Error::UnsupportedCompressionMethod(method) => (
            NoticeKind::Unsupported,
            format!(
                "compressed with a method modelseal does not read ({method}): not read, nor the other members of its block"
            ),
        ),
        Error::MaxMemLimited { actaul_kb, .. } => (
            NoticeKind::Limit,
            format!(
                "its decoder would need {} MiB of memory, more than the {} MiB allowed: not read",
                actaul_kb / 1024,
                DECODER_MEMORY_KIB / 1024
            ),
        ),
        Error::Io(e, _) if limit_message(e).is_some() => {
            (NoticeKind::Limit, limit_message(e).unwrap_or_default())
        }
        other => (
            NoticeKind::Corrupt,
            format!("not a readable 7z archive: {}", describe(other)),
        ),
    };
    Notice::new(kind, member, message)
}

/// A short description of a reader error.
fn describe(error: &Error) -> String {
    match error {
        Error::BadSignature(_) => "no 7z signature".to_owned(),
        Error::UnsupportedVersion { major, minor } => {
            format!("format version {major}.{minor} is not one modelseal reads")
        }
        Error::ChecksumVerificationFailed | Error::NextHeaderCrcMismatch => {
            "a checksum does not match (damaged or truncated)".to_owned()
        }
        Error::Io(e, context) if context.is_empty() => format!("{e}"),
        Error::Io(e, context) => format!("{context}: {e}"),
        Error::Other(what) | Error::Unsupported(what) => what.to_string(),
        other => format!("{other}"),
    }
}

#[cfg(test)]
mod tests;
