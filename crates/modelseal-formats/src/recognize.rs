//! What a blob is: magic bytes first, name second.

use crate::sniff::{Content, classify};

/// The formats modelseal reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Tar,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
    /// A pickle: plain, joblib, `training_args.bin`, a PyTorch `data.pkl`.
    Pickle,
    Safetensors,
    Gguf,
    Onnx,
    /// A TensorBoard event file.
    TfEvents,
    /// A Jupyter notebook.
    Notebook,
    /// Python bytecode.
    Pyc,
    SevenZip,
    Sqlite,
    /// A W&B run's record file.
    Wandb,
    /// HDF5, as Keras `.h5` files use.
    Hdf5,
    /// A Git LFS pointer: the real file lives elsewhere.
    LfsPointer,
    Text,
    /// Binary of no format modelseal reads.
    Binary,
}

const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1";

fn is_tar(head: &[u8]) -> bool {
    // POSIX and GNU tar headers carry `ustar` at offset 257.
    head.len() >= 262 && &head[257..262] == b"ustar"
}

/// Recognises a blob from its first bytes (at least 512 when the blob is
/// that long) and its name.
pub fn recognize(name: &str, head: &[u8]) -> Kind {
    let lower = name.to_ascii_lowercase();
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Kind::Zip;
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Kind::Gzip;
    }
    if head.starts_with(b"BZh") && head.len() > 3 && (b'1'..=b'9').contains(&head[3]) {
        return Kind::Bzip2;
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        return Kind::Xz;
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Kind::Zstd;
    }
    if head.starts_with(&[b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c]) {
        return Kind::SevenZip;
    }
    if head.starts_with(b"SQLite format 3\0") {
        return Kind::Sqlite;
    }
    if head.starts_with(b"\x89HDF\r\n\x1a\n") {
        return Kind::Hdf5;
    }
    if head.starts_with(b":W&B") || (lower.ends_with(".wandb") && classify(head) == Content::Binary)
    {
        return Kind::Wandb;
    }
    if head.starts_with(b"GGUF") {
        return Kind::Gguf;
    }
    if is_safetensors(head) {
        return Kind::Safetensors;
    }
    if is_pickle(&lower, head) {
        return Kind::Pickle;
    }
    if lower.ends_with(".pyc") && head.len() >= 16 && head[2..4] == [b'\r', b'\n'] {
        return Kind::Pyc;
    }
    if lower.ends_with(".onnx") && classify(head) == Content::Binary {
        return Kind::Onnx;
    }
    if file_name(&lower).contains("tfevents") && classify(head) == Content::Binary {
        return Kind::TfEvents;
    }
    if lower.ends_with(".ipynb") && head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return Kind::Notebook;
    }
    if is_tar(head)
        || (lower.ends_with(".tar") && head.len() >= 512 && classify(head) == Content::Binary)
    {
        return Kind::Tar;
    }
    if head.starts_with(LFS_POINTER) && head.len() < 1024 {
        return Kind::LfsPointer;
    }
    match classify(head) {
        Content::Text => Kind::Text,
        Content::Binary => Kind::Binary,
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A safetensors file starts with the little-endian length of its JSON
/// header, then the header itself.
fn is_safetensors(head: &[u8]) -> bool {
    head.len() >= 10
        && u64::from_le_bytes(head[..8].try_into().expect("8 bytes")) >= 2
        && head[8] == b'{'
        && matches!(head[9], b'"' | b'}' | b' ' | b'\n')
}

/// Pickles with a `PROTO` opcode (protocol 2 and later) are recognised by
/// their first two bytes; older ones only by a pickle-ish name.
fn is_pickle(lower_name: &str, head: &[u8]) -> bool {
    if head.len() >= 2 && head[0] == 0x80 && (2..=5).contains(&head[1]) {
        return true;
    }
    let named = [".pkl", ".pickle", ".joblib", ".debug_pkl", "data.pkl"]
        .iter()
        .any(|s| lower_name.ends_with(s));
    named
        && head.first().is_some_and(|b| {
            matches!(
                b,
                b'(' | b']' | b'}' | b'c' | b'S' | b'V' | b'I' | b'N' | 0x80
            )
        })
}

/// The name of what a compressed stream holds: `logs.tar.gz` -> `logs.tar`,
/// `model.tgz` -> `model.tar`, `train.log.zst` -> `train.log`.
pub fn decompressed_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    for (suffix, replacement) in [
        (".tgz", ".tar"),
        (".tbz2", ".tar"),
        (".txz", ".tar"),
        (".tzst", ".tar"),
    ] {
        if lower.ends_with(suffix) {
            return format!("{}{replacement}", &name[..name.len() - suffix.len()]);
        }
    }
    for suffix in [".gz", ".bz2", ".xz", ".zst", ".zstd"] {
        if lower.ends_with(suffix) {
            return name[..name.len() - suffix.len()].to_owned();
        }
    }
    format!("{name}~")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_wins_over_name() {
        assert_eq!(recognize("weights.txt", b"PK\x03\x04rest"), Kind::Zip);
        assert_eq!(recognize("a.log", &[0x1f, 0x8b, 8, 0]), Kind::Gzip);
        assert_eq!(recognize("a", b"BZh91AY&SY"), Kind::Bzip2);
        assert_eq!(recognize("notes.md", b"# hello\n"), Kind::Text);
        assert_eq!(recognize("x.bin", &[0, 1, 2, 3]), Kind::Binary);
        let pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 12345\n";
        assert_eq!(recognize("model.safetensors", pointer), Kind::LfsPointer);
    }

    #[test]
    fn names_of_decompressed_streams() {
        assert_eq!(decompressed_name("logs.tar.gz"), "logs.tar");
        assert_eq!(decompressed_name("bundle.TGZ"), "bundle.tar");
        assert_eq!(decompressed_name("train.log.zst"), "train.log");
        assert_eq!(decompressed_name("blob"), "blob~");
    }
}
